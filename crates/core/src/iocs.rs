//! Indicators of compromise gathered from the facts, for sharing: URLs, registrable domains, IPs, addresses,
//! attachment hashes. Not defanged here; renderers defang where the format is read by people.

use crate::model::Facts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Iocs {
    pub urls: Vec<String>,
    pub domains: Vec<String>,
    pub ips: Vec<String>,
    pub emails: Vec<String>,
    pub hashes: Vec<FileHash>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FileHash {
    pub name: Option<String>,
    pub detected_type: Option<String>,
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
}

pub fn collect(f: &Facts) -> Iocs {
    let mut urls = BTreeSet::new();
    let mut domains = BTreeSet::new();
    let mut ips = BTreeSet::new();
    let mut emails = BTreeSet::new();
    for l in &f.links {
        urls.insert(l.url.clone());
        if let Some(d) = &l.registrable {
            domains.insert(d.clone());
        }
        if let Some(ip) = l.ip {
            ips.insert(ip.to_string());
        }
    }
    let mut mailbox = |addr: Option<&str>| {
        if let Some(a) = addr.filter(|a| a.contains('@')) {
            emails.insert(a.to_ascii_lowercase());
            if let Some(d) = crate::domain::address_domain(a).and_then(|d| crate::domain::registrable(&d)) {
                domains.insert(d);
            }
        }
    };
    mailbox(f.from.as_ref().and_then(|m| m.address.as_deref()));
    mailbox(f.return_path.as_deref());
    for m in f.reply_to.iter().chain(f.sender.iter()) {
        mailbox(m.address.as_deref());
    }
    if let Some(ip) = f.origin.as_ref().and_then(|o| o.ip) {
        ips.insert(ip.to_string());
    }
    let hashes = f
        .attachments
        .iter()
        .map(|a| FileHash {
            name: a.name.clone(),
            detected_type: a.detected_type.clone(),
            md5: a.md5.clone(),
            sha1: a.sha1.clone(),
            sha256: a.sha256.clone(),
        })
        .collect();
    Iocs {
        urls: urls.into_iter().collect(),
        domains: domains.into_iter().collect(),
        ips: ips.into_iter().collect(),
        emails: emails.into_iter().collect(),
        hashes,
    }
}
