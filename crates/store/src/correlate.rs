//! From indicator matches to "seen before": which earlier analyses share infrastructure with this one, how
//! strongly, and the `memory.*` findings that tell the reader, with the earlier analysis as evidence ("the
//! same origin IP 121.50.46.57 sent the KAGOYA 'Active! mail' notice received on 2022-11-01").
//!
//! Backend-independent: a store looks the values up and hands the matches here.

use crate::AnalysisRow;
use crate::indicators::Kind;
use phishlens_core::catalog::CATALOG;
use phishlens_core::finding::{Evidence, EvidenceKind, Finding};
use phishlens_core::model::{SeenBefore, SharedIndicator};
use phishlens_core::{Report, Verdict};
use std::collections::BTreeMap;

/// An earlier analysis is "seen before" only when the shared indicators weigh at least this much: a shared
/// /24 (1.5) or a mailer string (1.0) alone is not enough; an exact origin IP, link host or layout is.
pub const SEEN_MIN_STRENGTH: f64 = 2.0;
/// At most this many earlier analyses are listed.
pub const MAX_SEEN: usize = 10;
/// Shared indicators listed per earlier analysis.
const MAX_SHARED: usize = 12;

/// One indicator value of the current message found in an earlier analysis.
#[derive(Debug, Clone)]
pub struct Match {
    pub kind: Kind,
    pub value: String,
    pub weight: f64,
    /// Shared by every match of one earlier analysis (a campaign's mail matches it on many values).
    pub earlier: std::sync::Arc<AnalysisRow>,
}

/// One shared value and its weight.
type Shared = (Kind, String, f64);

/// A "seen before" entry with what the findings need to know about it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub entry: SeenBefore,
    pub flagged: bool,
    /// Phishing by its own evidence (base verdict), not merely suspicious: sets how much memory may weigh.
    pub base_phishing: bool,
    /// Linked as campaigns link (`campaigns::is_link` at `LINK_STRENGTH`): only then does the earlier analysis
    /// become evidence (a finding); a weaker match is listed in "seen before" only.
    pub linked: bool,
    kinds: Vec<(Kind, String)>,
}

/// The strength at which a shared value becomes a finding: the campaign default.
pub const LINK_STRENGTH: f64 = 4.0;

/// Group matches by earlier analysis, sum their weights, keep those at or above `SEEN_MIN_STRENGTH`.
/// A pair is linked only when at least one side is flagged by its own evidence (`current_flagged` is the
/// current mail's base verdict, without memory findings; the earlier side's is its stored base verdict): two
/// clean mails that share a template (every genuine Amazon notice does) are not a campaign, and a mail that was
/// flagged only because it resembled an earlier one passes nothing on. Otherwise one misjudged newsletter made
/// its next sibling "phishing" through memory alone, that one the next, and so on down the whole list.
pub fn seen_before(matches: Vec<Match>, current_flagged: bool) -> Vec<Seen> {
    let mut by_id: BTreeMap<i64, (AnalysisRow, Vec<Shared>)> = BTreeMap::new();
    for m in matches {
        if m.weight <= 0.0 || (!current_flagged && !m.earlier.base_flagged()) {
            continue;
        }
        let e = by_id.entry(m.earlier.id).or_insert_with(|| (AnalysisRow::clone(&m.earlier), Vec::new()));
        if !e.1.iter().any(|(k, v, _)| *k == m.kind && *v == m.value) {
            e.1.push((m.kind, m.value, m.weight));
        }
    }
    let mut out: Vec<Seen> = by_id
        .into_values()
        .filter_map(|(row, mut shared)| {
            let strength: f64 = shared.iter().map(|(_, _, w)| w).sum();
            let strength = (strength * 100.0).round() / 100.0;
            if strength < SEEN_MIN_STRENGTH {
                return None;
            }
            shared.sort_by(|a, b| b.2.partial_cmp(&a.2).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)));
            let kinds: Vec<(Kind, String)> = shared.iter().map(|(k, v, _)| (*k, v.clone())).collect();
            let linked = crate::campaigns::is_link(shared.iter().map(|(k, _, w)| (k.as_str(), *w)), LINK_STRENGTH);
            let entry = SeenBefore {
                analysis_id: row.id,
                analysed_at: row.analysed_at,
                received_at: row.received_at,
                subject: row.subject.clone(),
                verdict: row.verdict.clone(),
                shared: shared
                    .iter()
                    .take(MAX_SHARED)
                    .map(|(k, v, _)| SharedIndicator { kind: k.as_str().to_string(), value: v.clone() })
                    .collect(),
                strength,
            };
            Some(Seen {
                entry,
                flagged: row.base_flagged(),
                base_phishing: row.base_verdict == "phishing",
                linked,
                kinds,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.entry
            .strength
            .partial_cmp(&a.entry.strength)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.entry.analysis_id.cmp(&a.entry.analysis_id))
    });
    out.truncate(MAX_SEEN);
    out
}

/// Which finding a shared kind becomes.
fn finding_id(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::OriginIp => "memory.same_origin_ip",
        Kind::OriginNet | Kind::OriginNetwork | Kind::OriginAsn => "memory.same_origin_net",
        Kind::SenderDomain | Kind::ReplyToDomain | Kind::Email => "memory.same_sender",
        Kind::ReturnPathDomain | Kind::MessageIdDomain => "memory.same_envelope_domain",
        Kind::LinkHost | Kind::Url => "memory.same_link_host",
        Kind::LinkDomain => "memory.same_link_domain",
        Kind::HostPattern => "memory.same_host_pattern",
        Kind::UrlPathShape => "memory.same_url_path",
        Kind::Mailer => "memory.same_mailer",
        Kind::Layout => "memory.same_kit",
        Kind::Sha256 => "memory.same_attachment",
        Kind::Sha1 | Kind::Md5 => return None,
    })
}

/// A finding that a stronger one already implies (same host implies same domain; same IP the same /24).
fn implied_by(id: &str) -> Option<&'static str> {
    match id {
        "memory.same_link_domain" => Some("memory.same_link_host"),
        "memory.same_origin_net" => Some("memory.same_origin_ip"),
        "memory.same_host_pattern" => Some("memory.same_link_host"),
        _ => None,
    }
}

/// `2022-11-01` (UTC) from unix seconds.
pub fn day(t: i64) -> String {
    use chrono::Datelike;
    // Formatted by hand: chrono's `format` parses its pattern on every call, and this runs for every shared
    // value of every "seen before" entry.
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| match d.year() {
            y @ 0..=9999 => format!("{y:04}-{:02}-{:02}", d.month(), d.day()),
            _ => d.format("%Y-%m-%d").to_string(),
        })
        .unwrap_or_else(|| t.to_string())
}

fn verdict_ja(v: &str) -> &'static str {
    match v {
        "phishing" => "フィッシング",
        "suspicious" => "不審",
        _ => "問題なし",
    }
}

fn verdict_en(v: &str) -> &'static str {
    match v {
        "phishing" => "phishing",
        "suspicious" => "suspicious",
        _ => "clean",
    }
}

fn evidence_for(kind: Kind, value: &str, earlier: &SeenBefore) -> Evidence {
    let ev_kind = match kind {
        Kind::OriginIp | Kind::OriginNet => EvidenceKind::Hop,
        Kind::LinkHost | Kind::LinkDomain | Kind::Url | Kind::HostPattern | Kind::UrlPathShape => EvidenceKind::Url,
        Kind::Layout => EvidenceKind::Body,
        Kind::Sha256 | Kind::Sha1 | Kind::Md5 => EvidenceKind::Attachment,
        _ => EvidenceKind::Header,
    };
    let when = day(earlier.received_at.unwrap_or(earlier.analysed_at));
    let subject = earlier.subject.as_deref().unwrap_or("-");
    Evidence::new(
        ev_kind,
        format!("analysis #{} ({when}, {})", earlier.analysis_id, earlier.verdict),
        format!("{}: {value} — {subject}", kind.as_str()),
    )
}

/// Findings for the shared indicators of earlier analyses flagged by their own evidence (base verdict) linked as campaigns link (a value shared
/// only with clean mail, or a weak match, is listed in "seen before" but is no evidence of phishing). One finding per id: the strongest (then newest)
/// earlier analysis is named; every earlier analysis sharing it is evidence, and counted.
pub fn findings(seen: &[Seen]) -> Vec<Finding> {
    // id -> (kind, value, first seen entry (the strongest), count)
    let mut by_id: BTreeMap<&'static str, (Kind, String, &SeenBefore, usize, Vec<Evidence>)> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.flagged && s.linked) {
        let mut ids_here: Vec<&'static str> = Vec::new();
        for (kind, value) in &s.kinds {
            let Some(id) = finding_id(*kind) else { continue };
            let ev = evidence_for(*kind, value, &s.entry);
            match by_id.get_mut(id) {
                Some(e) => {
                    if !ids_here.contains(&id) {
                        e.3 += 1;
                    }
                    if e.4.len() < 8 {
                        e.4.push(ev);
                    }
                }
                None => {
                    by_id.insert(id, (*kind, value.clone(), &s.entry, 1, vec![ev]));
                }
            }
            ids_here.push(id);
        }
    }
    let present: Vec<&'static str> = by_id.keys().copied().collect();
    let mut out = Vec::new();
    for (id, (_kind, value, earlier, count, evidence)) in by_id {
        if implied_by(id).is_some_and(|stronger| present.contains(&stronger)) {
            continue;
        }
        let when = day(earlier.received_at.unwrap_or(earlier.analysed_at));
        let mut f = Finding::new(id)
            .param("value", value)
            .param("subject", earlier.subject.clone().unwrap_or_else(|| "-".to_string()))
            .param("date", when)
            .param("verdict_en", verdict_en(&earlier.verdict))
            .param("verdict_ja", verdict_ja(&earlier.verdict))
            .param("analysis", earlier.analysis_id.to_string())
            .param("count", count.to_string());
        for e in evidence {
            f = f.evidence(e);
        }
        out.push(f);
    }
    out
}

/// The verdict a score earns, by the catalog's thresholds (the judge's own rule).
pub use phishlens_core::judge::verdict_for;

/// The report's base score and verdict: from its own evidence, without `memory.*` findings. This is what
/// decides whether a stored analysis may be pointed to by later memory findings.
pub fn base_of(report: &Report) -> (f64, Verdict) {
    let score: f64 =
        report.findings.iter().filter(|f| !f.id.starts_with("memory.")).map(|f| f.weight).sum::<f64>() + 0.0;
    let score = (score * 100.0).round() / 100.0;
    (score, verdict_for(score))
}

/// The most all `memory.*` findings of one report may weigh together: the suspicious threshold. Resembling
/// earlier phishing is reason to look twice ("looks like campaign X"), so it may make a clean mail suspicious;
/// only the mail's own evidence can make it "phishing" (a clean mail scores below the suspicious threshold,
/// plus at most this, stays below the phishing one as long as phishing >= 2 x suspicious).
pub fn memory_cap() -> f64 {
    CATALOG.thresholds.suspicious
}

/// The cap for findings that point to these earlier analyses. When none of the linked ones was phishing by its
/// own evidence, only suspicious, half of `memory_cap()`: resembling a mail we were not sure about supports
/// the mail's own evidence but cannot flag a clean mail by itself. (Measured: every legitimate mail that
/// memory still flagged after the no-cascade rule resembled a newsletter that had been judged merely
/// suspicious, e.g. one Lockergnome issue and its sponsors' links in every later issue.)
pub fn memory_cap_for(seen: &[Seen]) -> f64 {
    if seen.iter().any(|s| s.linked && s.flagged && s.base_phishing) { memory_cap() } else { memory_cap() / 2.0 }
}

/// Add memory findings to a report, then scale the memory findings' weights down so that together they weigh
/// at most `cap` (at most `memory_cap()`), and recompute score and verdict. (The judge's `add_findings` fills
/// weights from the catalog, so the cap is applied after it; the scaled weights are what is rendered and
/// stored.)
pub fn add_memory_findings(report: &mut Report, extra: Vec<Finding>, cap: f64) {
    if extra.is_empty() {
        return;
    }
    report.add_findings(extra);
    cap_memory(report, cap);
}

/// Scale the `memory.*` weights of a report to `cap` (at most `memory_cap()`) in total; recompute score,
/// verdict and order.
pub fn cap_memory(report: &mut Report, cap: f64) {
    let cap = cap.clamp(0.0, memory_cap());
    let total: f64 = report.findings.iter().filter(|f| f.id.starts_with("memory.")).map(|f| f.weight).sum();
    if total <= cap || total <= 0.0 {
        return;
    }
    let factor = cap / total;
    for f in report.findings.iter_mut().filter(|f| f.id.starts_with("memory.")) {
        // Rounded down to 0.01 so that the scaled sum never exceeds the cap.
        f.weight = (f.weight * factor * 100.0).floor() / 100.0;
    }
    report.findings.sort_by(|a, b| {
        b.weight
            .partial_cmp(&a.weight)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.severity.cmp(&a.severity))
            .then(a.id.cmp(&b.id))
    });
    let score: f64 = report.findings.iter().map(|f| f.weight).sum::<f64>() + 0.0;
    report.score = (score * 100.0).round() / 100.0;
    report.verdict = verdict_for(report.score);
}

/// The same bytes were analysed before: informational, no weight.
pub fn same_message(earlier: &AnalysisRow) -> Finding {
    Finding::new("memory.same_message")
        .param("date", day(earlier.analysed_at))
        .param("verdict_en", verdict_en(&earlier.verdict))
        .param("verdict_ja", verdict_ja(&earlier.verdict))
        .param("analysis", earlier.id.to_string())
        .evidence(Evidence::new(
            EvidenceKind::Parse,
            format!("analysis #{}", earlier.id),
            format!("sha256 {}", earlier.sha256),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use phishlens_core::catalog::{CATALOG, interpolate};

    fn row(id: i64, verdict: &str, subject: &str) -> AnalysisRow {
        AnalysisRow {
            id,
            message_id: id,
            sha256: format!("{id:064}"),
            analysed_at: 1_667_260_800,
            received_at: Some(1_667_260_800),
            source: None,
            subject: Some(subject.to_string()),
            verdict: verdict.to_string(),
            score: 9.0,
            base_verdict: verdict.to_string(),
            brands: vec![],
            superseded: false,
            has_raw: true,
        }
    }

    fn m(kind: Kind, value: &str, earlier: &AnalysisRow) -> Match {
        Match { kind, value: value.to_string(), weight: kind.weight(), earlier: std::sync::Arc::new(earlier.clone()) }
    }

    #[test]
    fn days_are_iso_dates() {
        assert_eq!(day(1_667_260_800), "2022-11-01");
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(-86_400), "1969-12-31");
        assert_eq!(day(253_402_300_800), "+10000-01-01");
    }

    #[test]
    fn same_origin_ip_names_the_earlier_mail() {
        let active = row(1, "phishing", "Active! mail メンテナンスのお知らせ");
        let seen = seen_before(
            vec![
                m(Kind::OriginIp, "121.50.46.57", &active),
                m(Kind::OriginNet, "121.50.46.0/24", &active),
                m(Kind::HostPattern, "N-N-N-N.cprapid.com", &active),
            ],
            true,
        );
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].entry.strength, 8.0);
        assert_eq!(seen[0].entry.shared[0].kind, "origin_ip");
        let fs = findings(&seen);
        let ids: Vec<&str> = fs.iter().map(|f| f.id.as_str()).collect();
        assert!(ids.contains(&"memory.same_origin_ip"), "{ids:?}");
        // Implied by the exact IP: not counted twice.
        assert!(!ids.contains(&"memory.same_origin_net"), "{ids:?}");
        let f = fs.iter().find(|f| f.id == "memory.same_origin_ip").unwrap();
        let def = CATALOG.get(&f.id).expect("in catalog");
        let en = interpolate(&def.explain.en, &f.params);
        assert!(en.contains("121.50.46.57") && en.contains("Active! mail") && en.contains("2022-11-01"), "{en}");
        assert!(!interpolate(&def.explain.ja, &f.params).contains('{'));
    }

    #[test]
    fn weak_links_and_clean_pairs_are_not_seen_before() {
        let a = row(1, "phishing", "x");
        // A /24 alone is too weak.
        assert!(seen_before(vec![m(Kind::OriginNet, "1.2.3.0/24", &a)], true).is_empty());
        // Two clean mails sharing a layout are not linked.
        let clean = row(2, "clean", "genuine");
        assert!(seen_before(vec![m(Kind::Layout, "h1:ab", &clean)], false).is_empty());
        // A clean earlier one is listed for a flagged mail, but yields no finding.
        let seen = seen_before(vec![m(Kind::Layout, "h1:ab", &clean)], true);
        assert_eq!(seen.len(), 1);
        assert!(findings(&seen).is_empty());
        // A flagged earlier one sharing only link-family values (domain 3.0 + path shape 1.5): listed, no finding.
        let seen =
            seen_before(vec![m(Kind::LinkDomain, "dury.agency", &a), m(Kind::UrlPathShape, "/track/*", &a)], true);
        assert_eq!(seen.len(), 1);
        assert!(!seen[0].linked);
        assert!(findings(&seen).is_empty());
    }

    #[test]
    fn memory_only_flagged_analyses_are_not_pointed_to() {
        // Flagged (suspicious) only because of memory findings: its base verdict is clean.
        let mut echo = row(1, "suspicious", "Club news");
        echo.base_verdict = "clean".into();
        let host = m(Kind::LinkHost, "notes.club.test", &echo);
        let ip = m(Kind::OriginIp, "192.0.2.9", &echo);
        // A clean mail sharing its link host and IP: not seen before, no finding.
        assert!(seen_before(vec![host.clone(), ip.clone()], false).is_empty());
        // A flagged mail lists it (for the analyst) but gets no finding from it.
        let seen = seen_before(vec![host, ip], true);
        assert_eq!(seen.len(), 1);
        assert!(findings(&seen).is_empty());
        // Merely suspicious by its own evidence: memory pointing only to it weighs at most half the cap.
        let unsure = row(2, "suspicious", "Lockergnome");
        let seen = seen_before(
            vec![m(Kind::LinkHost, "sponsor.test", &unsure), m(Kind::OriginIp, "192.0.2.1", &unsure)],
            false,
        );
        assert!(!findings(&seen).is_empty());
        assert_eq!(memory_cap_for(&seen), memory_cap() / 2.0);
    }

    #[test]
    fn memory_findings_are_capped_at_the_suspicious_threshold() {
        let mut r = phishlens_core::analyze(b"Subject: hi\r\n\r\nhello\r\n", &phishlens_core::Config::default());
        assert_eq!(r.verdict, Verdict::Clean);
        let base = r.score;
        let a = row(1, "phishing", "x");
        let seen = seen_before(
            vec![
                m(Kind::OriginIp, "192.0.2.9", &a),
                m(Kind::LinkHost, "evil.test", &a),
                m(Kind::Layout, "h1:ab", &a),
                m(Kind::SenderDomain, "evil.test", &a),
            ],
            false,
        );
        let fs = findings(&seen);
        let uncapped: f64 = fs.iter().map(|f| CATALOG.get(&f.id).map_or(0.0, |d| d.weight)).sum();
        assert!(uncapped > memory_cap(), "{uncapped}");
        let cap = memory_cap_for(&seen);
        assert_eq!(cap, memory_cap());
        add_memory_findings(&mut r, fs, cap);
        let mem: f64 = r.findings.iter().filter(|f| f.id.starts_with("memory.")).map(|f| f.weight).sum();
        assert!(mem <= memory_cap() + 1e-9 && mem > memory_cap() - 0.1, "{mem}");
        assert_eq!(
            r.verdict,
            if base + mem >= CATALOG.thresholds.suspicious { Verdict::Suspicious } else { Verdict::Clean }
        );
        assert!((r.score - (base + mem)).abs() < 0.011, "{} vs {}", r.score, base + mem);
    }

    #[test]
    fn every_memory_finding_is_in_the_catalog() {
        for k in crate::indicators::ALL_KINDS {
            if let Some(id) = finding_id(*k) {
                assert!(CATALOG.get(id).is_some(), "{id}");
            }
        }
        assert!(CATALOG.get("memory.same_message").is_some());
    }
}
