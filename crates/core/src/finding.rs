//! Findings: what a check says about a message, with the evidence that backs it.
//!
//! Checks only name a finding id and attach evidence; severity, weight and the ja/en texts live in the
//! catalog (data/findings/*.toml) so that every number the verdict depends on is in one place.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// Where a piece of evidence comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Header,
    Hop,
    Body,
    Url,
    Attachment,
    Parse,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// e.g. "From", "Received[3]", "text/html", "https://...".
    pub location: String,
    /// The exact text, bounded.
    pub excerpt: String,
}

/// Longest excerpt kept in evidence, in chars.
pub const EXCERPT_MAX: usize = 300;

/// Cut `s` to at most `max` bytes at a char boundary (never panics, whatever the input).
pub fn cut_bytes(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}

/// Cut `s` to at most `max` chars at a char boundary, marking the cut.
pub fn bounded(s: &str, max: usize) -> String {
    // Counting chars is the cost here, and most strings need none: no more bytes than `max` means no more
    // chars, and in an ASCII prefix the n-th char is the n-th byte.
    if s.len() <= max {
        return s.to_string();
    }
    let cut = if s.as_bytes().get(..=max).is_some_and(<[u8]>::is_ascii) {
        Some(max)
    } else {
        s.char_indices().nth(max).map(|(i, _)| i)
    };
    match cut {
        None => s.to_string(),
        Some(i) => format!("{}…", &s[..i]),
    }
}

impl Evidence {
    pub fn new(kind: EvidenceKind, location: impl Into<String>, excerpt: impl AsRef<str>) -> Self {
        Evidence { kind, location: location.into(), excerpt: bounded(excerpt.as_ref(), EXCERPT_MAX) }
    }
    pub fn header(name: &str, value: impl AsRef<str>) -> Self {
        Self::new(EvidenceKind::Header, name, value)
    }
    pub fn hop(index: usize, raw: impl AsRef<str>) -> Self {
        Self::new(EvidenceKind::Hop, format!("Received[{index}]"), raw)
    }
    pub fn body(location: &str, excerpt: impl AsRef<str>) -> Self {
        Self::new(EvidenceKind::Body, location, excerpt)
    }
    pub fn url(url: impl AsRef<str>) -> Self {
        Self::new(EvidenceKind::Url, "link", url)
    }
    pub fn attachment(name: &str, excerpt: impl AsRef<str>) -> Self {
        Self::new(EvidenceKind::Attachment, name, excerpt)
    }
}

/// One finding. `severity`, `weight` are filled from the catalog by the judge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub weight: f64,
    /// Values interpolated into the catalog's title/explanation (`{brand}`, `{domain}`, ...).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

impl Finding {
    pub fn new(id: &str) -> Self {
        Finding {
            id: id.to_string(),
            severity: Severity::Info,
            weight: 0.0,
            params: BTreeMap::new(),
            evidence: Vec::new(),
        }
    }
    pub fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.insert(key.to_string(), bounded(&value.into(), 200));
        self
    }
    pub fn evidence(mut self, e: Evidence) -> Self {
        if self.evidence.len() < 8 {
            self.evidence.push(e);
        }
        self
    }
}
