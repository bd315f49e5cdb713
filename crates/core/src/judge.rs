//! The judge: runs every area's checks over the facts, fills severity and weight from the catalog, merges
//! repeated findings, and turns the score into a verdict. Deterministic: same facts, same report.

use crate::brands::BrandKb;
use crate::catalog::CATALOG;
use crate::config::Config;
use crate::finding::{Evidence, Finding};
use crate::iocs::{self, Iocs};
use crate::model::{Facts, LinkSource};
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: &str = "1.2.0";

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Clean,
    Suspicious,
    Phishing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Suspicious => "suspicious",
            Verdict::Phishing => "phishing",
        }
    }
}

/// The result of analysing one message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub verdict: Verdict,
    pub score: f64,
    pub facts: Facts,
    /// Strongest first.
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub iocs: Iocs,
    /// Earlier analyses sharing infrastructure with this one (filled by the store, when one is used).
    #[serde(default)]
    pub seen_before: Vec<crate::model::SeenBefore>,
    /// Live-lookup intelligence (None when offline or not enriched).
    #[serde(default)]
    pub intel: Option<crate::intel::Intel>,
}

impl Report {
    /// Add findings produced after judging (e.g. by the store's correlation) and recompute score and verdict.
    pub fn add_findings(&mut self, extra: Vec<Finding>) {
        let mut all = std::mem::take(&mut self.findings);
        all.extend(extra);
        let (findings, score) = finish(all);
        self.findings = findings;
        self.score = score;
        self.verdict = verdict_for(score);
    }
}

/// The result of analysing one bare URL.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UrlReport {
    pub url: String,
    pub verdict: Verdict,
    pub score: f64,
    pub facts: Facts,
    pub findings: Vec<Finding>,
}

/// The verdict a score earns, by the catalog's thresholds.
pub fn verdict_for(score: f64) -> Verdict {
    let t = &CATALOG.thresholds;
    if score >= t.phishing {
        Verdict::Phishing
    } else if score >= t.suspicious {
        Verdict::Suspicious
    } else {
        Verdict::Clean
    }
}

/// Fill weights from the catalog, merge duplicates (one finding per id, evidence pooled), sort strongest first,
/// and sum the score.
fn finish(raw: Vec<Finding>) -> (Vec<Finding>, f64) {
    let mut merged: Vec<Finding> = Vec::with_capacity(raw.len());
    for mut f in raw {
        if let Some(existing) = merged.iter_mut().find(|e| e.id == f.id) {
            for e in f.evidence.drain(..) {
                if existing.evidence.len() < 8 && !existing.evidence.contains(&e) {
                    existing.evidence.push(e);
                }
            }
            continue;
        }
        match CATALOG.get(&f.id) {
            Some(def) => {
                f.severity = def.severity;
                f.weight = def.weight;
            }
            None => debug_assert!(false, "finding {} is not in the catalog", f.id),
        }
        merged.push(f);
    }
    merged.sort_by(|a, b| {
        b.weight
            .partial_cmp(&a.weight)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.severity.cmp(&a.severity))
            .then(a.id.cmp(&b.id))
    });
    // `+ 0.0` turns the empty sum (-0.0) into 0.0.
    let score: f64 = merged.iter().map(|f| f.weight).sum::<f64>() + 0.0;
    // Round so that float noise never changes a snapshot or a verdict at a threshold.
    let score = (score * 100.0).round() / 100.0;
    (merged, score)
}

pub fn judge(facts: Facts, _visible_text: &str, kb: &BrandKb, cfg: &Config) -> Report {
    let mut out = Vec::new();
    for p in &facts.problems {
        out.push(Finding::new("parse.problem").param("detail", &p.detail).evidence(Evidence::new(
            crate::finding::EvidenceKind::Parse,
            &p.code,
            &p.detail,
        )));
    }
    if let Some(fw) = &facts.forwarded {
        let wrapper = fw.wrapper_from.clone().unwrap_or_default();
        out.push(
            Finding::new("parse.forwarded_as_attachment")
                .param("wrapper", wrapper.clone())
                .evidence(Evidence::header("From", &wrapper)),
        );
    }
    crate::headers::check(&facts, cfg, &mut out);
    crate::links::check(&facts, cfg, &mut out);
    crate::content::check(&facts, cfg, &mut out);
    crate::attachments::check(&facts, cfg, &mut out);
    crate::identity::check(&facts, kb, cfg, &mut out);
    let (findings, score) = finish(out);
    let iocs = iocs::collect(&facts);
    Report { verdict: verdict_for(score), score, facts, findings, iocs, seen_before: Vec::new(), intel: None }
}

pub fn judge_url(url: &str, kb: &BrandKb, cfg: &Config) -> UrlReport {
    let mut facts = Facts::default();
    if let Some(link) = crate::links::link_from_url(url, LinkSource::Text) {
        crate::links::add_link(&mut facts, link, cfg);
    }
    crate::identity::extract("", kb, &mut facts);
    let mut out = Vec::new();
    crate::links::check(&facts, cfg, &mut out);
    crate::identity::check(&facts, kb, cfg, &mut out);
    let (findings, score) = finish(out);
    UrlReport { url: url.to_string(), verdict: verdict_for(score), score, facts, findings }
}
