//! Export of the indicators of one analysis or one campaign, for sharing with other teams: CSV (for people
//! and spreadsheets; `defang` makes values safe to paste and click) and a STIX 2.1 bundle (for machines:
//! indicators with STIX patterns, the observables they are based on, relationships, and the campaign).
//!
//! Benign values (big shared providers, brands' genuine domains) are never exported: blocking amazon.co.jp
//! because a phishing mail spoofed it would hurt the people the export should protect.

use crate::correlate::day;
use crate::{AnalysisRow, IndicatorRow};
use serde::Serialize;
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;

/// What to export: the analyses, their indicators, and the campaign they form (if any).
#[derive(Debug, Clone)]
pub struct ExportSet {
    pub analyses: Vec<AnalysisRow>,
    pub indicators: Vec<IndicatorRow>,
    pub campaign: Option<CampaignInfo>,
}

#[derive(Debug, Clone)]
pub struct CampaignInfo {
    pub id: String,
    pub brands: Vec<String>,
}

/// Kinds exported, in output order.
const EXPORTED: &[&str] = &[
    "origin_ip",
    "url",
    "link_host",
    "link_domain",
    "sender_domain",
    "reply_to_domain",
    "return_path_domain",
    "email",
    "sha256",
    "sha1",
    "md5",
];

/// One exported value with the analyses it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: String,
    pub value: String,
    pub analyses: Vec<i64>,
    pub first_seen: i64,
    pub last_seen: i64,
}

/// The exportable values, grouped, in a stable order.
pub fn rows(set: &ExportSet) -> Vec<Row> {
    let when: BTreeMap<i64, i64> = set.analyses.iter().map(|a| (a.id, a.when())).collect();
    let mut by: BTreeMap<(usize, &str), Row> = BTreeMap::new();
    for i in &set.indicators {
        if i.benign {
            continue;
        }
        let Some(order) = EXPORTED.iter().position(|k| *k == i.kind) else { continue };
        let t = when.get(&i.analysis_id).copied().unwrap_or(0);
        let r = by.entry((order, i.value.as_str())).or_insert_with(|| Row {
            kind: i.kind.clone(),
            value: i.value.clone(),
            analyses: Vec::new(),
            first_seen: t,
            last_seen: t,
        });
        if !r.analyses.contains(&i.analysis_id) {
            r.analyses.push(i.analysis_id);
        }
        r.first_seen = r.first_seen.min(t);
        r.last_seen = r.last_seen.max(t);
    }
    by.into_values().collect()
}

fn defang(kind: &str, v: &str) -> String {
    match kind {
        "sha256" | "sha1" | "md5" => v.to_string(),
        _ => phishlens_core::domain::defang(v),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// CSV with a header line. `defang` writes values defanged (`hxxps://x[.]cn`) and neutralises cells a
/// spreadsheet would run as a formula; leave it off for machine consumers.
pub fn csv(set: &ExportSet, defang_values: bool) -> String {
    let mut out = String::from("kind,stix_type,value,analyses,first_seen,last_seen\n");
    for r in rows(set) {
        let mut value = if defang_values { defang(&r.kind, &r.value) } else { r.value.clone() };
        if defang_values && value.starts_with(['=', '+', '-', '@']) {
            value.insert(0, '\'');
        }
        let ids: Vec<String> = r.analyses.iter().map(i64::to_string).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.kind,
            stix_type(&r.kind, &r.value).unwrap_or("-"),
            csv_field(&value),
            ids.join(";"),
            day(r.first_seen),
            day(r.last_seen)
        ));
    }
    out
}

// ---- STIX 2.1 ----

/// The namespace STIX 2.1 prescribes for deterministic SCO ids (UUIDv5).
const SCO_NAMESPACE: [u8; 16] =
    [0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7];
/// phishlens's own namespace for the ids of the objects it creates (deterministic: the same export twice
/// gives the same ids, so a receiver deduplicates them).
const OWN_NAMESPACE: [u8; 16] =
    [0x6f, 0x1b, 0x2d, 0x4e, 0x8a, 0x3c, 0x4b, 0x71, 0x9e, 0x52, 0x0c, 0xd7, 0x13, 0x88, 0x4a, 0x65];

/// UUID version 5 (SHA-1, RFC 4122).
pub fn uuid_v5(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name);
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn ts(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap_or_default().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn stix_type(kind: &str, value: &str) -> Option<&'static str> {
    Some(match kind {
        "origin_ip" | "link_host" if value.parse::<std::net::Ipv4Addr>().is_ok() => "ipv4-addr",
        "origin_ip" | "link_host" if value.parse::<std::net::Ipv6Addr>().is_ok() => "ipv6-addr",
        "origin_ip" => return None,
        "link_host" | "link_domain" | "sender_domain" | "reply_to_domain" | "return_path_domain" => "domain-name",
        "url" => "url",
        "email" => "email-addr",
        "sha256" => "file",
        _ => return None,
    })
}

fn escape_pattern(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\'', "\\'")
}

#[derive(Debug, Clone, Serialize)]
pub struct Bundle {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub id: String,
    pub objects: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct Identity<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    spec_version: &'a str,
    id: String,
    created: String,
    modified: String,
    name: &'a str,
    identity_class: &'a str,
}

#[derive(Serialize)]
struct Indicator {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: String,
    created: String,
    modified: String,
    name: String,
    description: String,
    indicator_types: Vec<&'static str>,
    pattern: String,
    pattern_type: &'static str,
    pattern_version: &'static str,
    valid_from: String,
}

#[derive(Serialize)]
struct Observable {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hashes: Option<BTreeMap<&'static str, String>>,
}

#[derive(Serialize)]
struct Relationship {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: String,
    created: String,
    modified: String,
    relationship_type: &'static str,
    source_ref: String,
    target_ref: String,
}

#[derive(Serialize)]
struct CampaignSdo {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: String,
    created: String,
    modified: String,
    name: String,
    description: String,
    first_seen: String,
    last_seen: String,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "origin_ip" => "Sending server IP",
        "url" => "Phishing URL",
        "link_host" => "Link host",
        "link_domain" => "Link domain",
        "sender_domain" => "Sender domain",
        "reply_to_domain" => "Reply-To domain",
        "return_path_domain" => "Return-Path domain",
        "email" => "Sender address",
        "sha256" => "Attachment",
        _ => "Indicator",
    }
}

fn to_value<T: Serialize>(t: &T) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or(serde_json::Value::Null)
}

/// A STIX 2.1 bundle. `now` is the objects' created/modified time (unix seconds).
pub fn stix(set: &ExportSet, now: i64) -> Bundle {
    let created = ts(now);
    let identity_id = format!("identity--{}", uuid_v5(&OWN_NAMESPACE, b"identity|phishlens"));
    let mut objects = vec![to_value(&Identity {
        type_: "identity",
        spec_version: "2.1",
        id: identity_id.clone(),
        created: ts(0),
        modified: ts(0),
        name: "phishlens",
        identity_class: "system",
    })];
    let malicious = set.analyses.iter().any(|a| a.verdict == "phishing");
    let indicator_type = if malicious { "malicious-activity" } else { "anomalous-activity" };

    let campaign_id = set.campaign.as_ref().map(|c| {
        let lowest_sha = set.analyses.iter().min_by_key(|a| a.id).map(|a| a.sha256.as_str()).unwrap_or("");
        let id = format!("campaign--{}", uuid_v5(&OWN_NAMESPACE, format!("campaign|{}|{lowest_sha}", c.id).as_bytes()));
        let first = set.analyses.iter().map(AnalysisRow::when).min().unwrap_or(now);
        let last = set.analyses.iter().map(AnalysisRow::when).max().unwrap_or(now);
        let brands =
            if c.brands.is_empty() { String::new() } else { format!(" impersonating {}", c.brands.join(", ")) };
        objects.push(to_value(&CampaignSdo {
            type_: "campaign",
            spec_version: "2.1",
            id: id.clone(),
            created_by_ref: identity_id.clone(),
            created: created.clone(),
            modified: created.clone(),
            name: format!("phishlens campaign {}", c.id),
            description: format!(
                "{} phishing mails{brands} linked by shared infrastructure, {} to {}.",
                set.analyses.len(),
                day(first),
                day(last)
            ),
            first_seen: ts(first),
            last_seen: ts(last),
        }));
        id
    });

    let mut seen_sco: BTreeMap<String, ()> = BTreeMap::new();
    for r in rows(set) {
        let Some(sco_type) = stix_type(&r.kind, &r.value) else { continue };
        let (obs, pattern) = if sco_type == "file" {
            let mut hashes = BTreeMap::new();
            hashes.insert("SHA-256", r.value.clone());
            let contributing = serde_json::json!({ "hashes": { "SHA-256": r.value } }).to_string();
            let id = format!("file--{}", uuid_v5(&SCO_NAMESPACE, contributing.as_bytes()));
            (
                Observable { type_: "file", spec_version: "2.1", id, value: None, hashes: Some(hashes) },
                format!("[file:hashes.'SHA-256' = '{}']", escape_pattern(&r.value)),
            )
        } else {
            let contributing = serde_json::json!({ "value": r.value }).to_string();
            let id = format!("{sco_type}--{}", uuid_v5(&SCO_NAMESPACE, contributing.as_bytes()));
            (
                Observable { type_: sco_type, spec_version: "2.1", id, value: Some(r.value.clone()), hashes: None },
                format!("[{sco_type}:value = '{}']", escape_pattern(&r.value)),
            )
        };
        // One observable and one indicator per distinct object (a domain may be both sender and link domain).
        if seen_sco.insert(obs.id.clone(), ()).is_some() {
            continue;
        }
        let ind_id = format!("indicator--{}", uuid_v5(&OWN_NAMESPACE, format!("indicator|{}", obs.id).as_bytes()));
        let ids: Vec<String> = r.analyses.iter().take(20).map(|i| format!("#{i}")).collect();
        let indicator = Indicator {
            type_: "indicator",
            spec_version: "2.1",
            id: ind_id.clone(),
            created_by_ref: identity_id.clone(),
            created: created.clone(),
            modified: created.clone(),
            name: format!("{}: {}", kind_label(&r.kind), phishlens_core::domain::defang(&r.value)),
            description: format!(
                "{} seen in phishlens analyses {} ({} to {}).",
                kind_label(&r.kind),
                ids.join(", "),
                day(r.first_seen),
                day(r.last_seen)
            ),
            indicator_types: vec![indicator_type],
            pattern,
            pattern_type: "stix",
            pattern_version: "2.1",
            valid_from: ts(r.first_seen),
        };
        let rel = |rtype: &'static str, target: &str| Relationship {
            type_: "relationship",
            spec_version: "2.1",
            id: format!("relationship--{}", uuid_v5(&OWN_NAMESPACE, format!("{rtype}|{ind_id}|{target}").as_bytes())),
            created_by_ref: identity_id.clone(),
            created: created.clone(),
            modified: created.clone(),
            relationship_type: rtype,
            source_ref: ind_id.clone(),
            target_ref: target.to_string(),
        };
        let based_on = rel("based-on", &obs.id);
        let indicates = campaign_id.as_deref().map(|c| rel("indicates", c));
        objects.push(to_value(&obs));
        objects.push(to_value(&indicator));
        objects.push(to_value(&based_on));
        if let Some(i) = indicates {
            objects.push(to_value(&i));
        }
    }
    let bundle_name = match &set.campaign {
        Some(c) => format!("bundle|campaign|{}|{now}", c.id),
        None => format!("bundle|{:?}|{now}", set.analyses.iter().map(|a| a.id).collect::<Vec<_>>()),
    };
    Bundle { type_: "bundle", id: format!("bundle--{}", uuid_v5(&OWN_NAMESPACE, bundle_name.as_bytes())), objects }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v5_matches_the_stix_spec_example() {
        // STIX 2.1 spec, 2.9: ipv4-addr with value 198.51.100.3.
        let name = serde_json::json!({ "value": "198.51.100.3" }).to_string();
        let id = uuid_v5(&SCO_NAMESPACE, name.as_bytes());
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "5");
        // Deterministic.
        assert_eq!(id, uuid_v5(&SCO_NAMESPACE, name.as_bytes()));
    }

    #[test]
    fn patterns_escape_quotes() {
        assert_eq!(escape_pattern("a'b\\c"), "a\\'b\\\\c");
    }

    #[test]
    fn csv_quotes_and_defangs() {
        let set = ExportSet {
            analyses: vec![],
            indicators: vec![
                IndicatorRow {
                    analysis_id: 1,
                    kind: "url".into(),
                    value: "https://x.cn/a,b".into(),
                    weight: 4.0,
                    benign: false,
                },
                IndicatorRow {
                    analysis_id: 1,
                    kind: "sender_domain".into(),
                    value: "kagoya.jp".into(),
                    weight: 0.0,
                    benign: true,
                },
            ],
            campaign: None,
        };
        let c = csv(&set, true);
        assert!(c.contains("\"hxxps://x[.]cn/a,b\""), "{c}");
        assert!(!c.contains("kagoya"), "benign values are not exported: {c}");
    }
}
