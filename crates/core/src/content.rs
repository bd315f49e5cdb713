//! Content: language, lexicon hits (deadlines, threats, payment and credential requests), attachments and
//! QR codes in images.

use crate::config::Config;
use crate::finding::Finding;
use crate::model::Facts;
use crate::parse::Mail;

/// Fill `facts.content` (language, excerpt, lexicon hits), `facts.attachments`, and QR links.
pub fn extract(_mail: &Mail, text: &str, _cfg: &Config, facts: &mut Facts) {
    facts.content.text_chars = text.chars().count();
    facts.content.excerpt = crate::finding::bounded(text.trim(), 400);
}

/// Content findings.
pub fn check(_facts: &Facts, _cfg: &Config, _out: &mut Vec<Finding>) {}
