//! Attachments: hashes, the type found from the bytes (not the name), and whether the type is risky; QR codes
//! in image parts are decoded (see `qr`) and their URLs added as links.

use crate::config::Config;
use crate::finding::Finding;
use crate::model::Facts;
use crate::parse::Mail;

/// Fill `facts.attachments`; add links found in QR codes (source `Qr`) through `crate::links::add_link`.
pub fn extract(_mail: &Mail, _cfg: &Config, _facts: &mut Facts) {}

/// Attachment findings.
pub fn check(_facts: &Facts, _cfg: &Config, _out: &mut Vec<Finding>) {}
