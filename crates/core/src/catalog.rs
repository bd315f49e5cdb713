//! The finding catalog: every finding's severity, weight and ja/en texts, plus the verdict thresholds.
//!
//! Loaded from data/findings/*.toml, embedded at build time. Keeping weights out of code paths means the
//! verdict can be tuned (and reviewed) in one place.

use crate::finding::Severity;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Deserialize)]
pub struct Texts {
    pub en: String,
    pub ja: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FindingDef {
    pub id: String,
    pub severity: Severity,
    pub weight: f64,
    pub title: Texts,
    pub explain: Texts,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Thresholds {
    pub phishing: f64,
    pub suspicious: f64,
}

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    thresholds: Option<Thresholds>,
    #[serde(default)]
    finding: Vec<FindingDef>,
}

pub struct Catalog {
    pub thresholds: Thresholds,
    defs: HashMap<String, FindingDef>,
}

/// The catalog files, in a fixed order. A new area adds its file here.
const FILES: &[(&str, &str)] = &[
    ("verdict.toml", include_str!("../data/findings/verdict.toml")),
    ("parse.toml", include_str!("../data/findings/parse.toml")),
    ("headers.toml", include_str!("../data/findings/headers.toml")),
    ("identity.toml", include_str!("../data/findings/identity.toml")),
    ("links.toml", include_str!("../data/findings/links.toml")),
    ("content.toml", include_str!("../data/findings/content.toml")),
    ("attachments.toml", include_str!("../data/findings/attachments.toml")),
    ("memory.toml", include_str!("../data/findings/memory.toml")),
    ("intel.toml", include_str!("../data/findings/intel.toml")),
];

impl Catalog {
    fn load() -> Catalog {
        let mut thresholds = None;
        let mut defs = HashMap::new();
        for (name, text) in FILES {
            // The files are part of the build; a broken one is a build defect caught by the tests below.
            let file: File = toml::from_str(text).unwrap_or_else(|e| panic!("data/findings/{name}: {e}"));
            if file.thresholds.is_some() {
                thresholds = file.thresholds;
            }
            for d in file.finding {
                defs.insert(d.id.clone(), d);
            }
        }
        Catalog { thresholds: thresholds.unwrap_or(Thresholds { phishing: 8.0, suspicious: 4.0 }), defs }
    }

    pub fn get(&self, id: &str) -> Option<&FindingDef> {
        self.defs.get(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.defs.keys().map(String::as_str)
    }
}

pub static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::load);

/// Fill `{key}` placeholders from params; unknown keys are left as written.
pub fn interpolate(template: &str, params: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if params.contains_key(&after[..end]) => {
                out.push_str(&params[&after[..end]]);
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_loads_and_texts_are_complete() {
        let c = &*CATALOG;
        assert!(c.thresholds.phishing > c.thresholds.suspicious);
        for id in c.ids() {
            let d = c.get(id).unwrap();
            assert!(!d.title.en.is_empty() && !d.title.ja.is_empty(), "{id} lacks a title");
            assert!(!d.explain.en.is_empty() && !d.explain.ja.is_empty(), "{id} lacks an explanation");
            assert!(id.contains('.'), "{id} should be area.name");
        }
    }

    #[test]
    fn interpolates_params() {
        let mut p = std::collections::BTreeMap::new();
        p.insert("brand".to_string(), "Amazon".to_string());
        assert_eq!(interpolate("{brand} from {x}", &p), "Amazon from {x}");
    }
}
