//! The JSON report: a documented, versioned shape (schema/report.schema.json at the repository root).
//! Indicators are not defanged here: JSON is read by programs.

use super::document::{finding_explanation, finding_title};
use super::i18n::Lang;
use crate::finding::Finding;
use crate::judge::{Report, SCHEMA_VERSION, UrlReport};
use serde_json::{Value, json};

fn findings(fs: &[Finding], lang: Lang) -> Value {
    Value::Array(
        fs.iter()
            .map(|f| {
                json!({
                    "id": f.id,
                    "severity": f.severity,
                    "weight": f.weight,
                    "title": finding_title(f, lang),
                    "explanation": finding_explanation(f, lang),
                    "params": f.params,
                    "evidence": f.evidence,
                })
            })
            .collect(),
    )
}

fn reasons(fs: &[Finding]) -> Value {
    Value::Array(fs.iter().filter(|f| f.weight > 0.0).take(5).map(|f| Value::String(f.id.clone())).collect())
}

/// One message. `source` is set for batch output (jsonl) and whenever the input came from a file.
pub fn report(r: &Report, lang: Lang, source: Option<&str>) -> Value {
    let f = &r.facts;
    let mut v = json!({
        "schema_version": SCHEMA_VERSION,
        "lang": lang.code(),
        "verdict": r.verdict,
        "score": r.score,
        "reasons": reasons(&r.findings),
        "subject": f.subject,
        "from": f.from,
        "reply_to": f.reply_to,
        "sender": f.sender,
        "to": f.to,
        "return_path": f.return_path,
        "message_id": f.message_id,
        "date": { "unix": f.date, "raw": f.date_raw },
        "mailer": f.mailer,
        "list_id": f.list_id,
        "list_unsubscribe": f.list_unsubscribe,
        "origin": f.origin,
        "hops": f.hops,
        "transit_secs": f.transit_secs,
        "delivery_auth": f.delivery_auth,
        "links": f.links,
        "content": f.content,
        "attachments": f.attachments,
        "brands": f.brands,
        "iocs": r.iocs,
        "findings": findings(&r.findings, lang),
        "problems": f.problems,
        "forwarded": f.forwarded,
        "size": f.size,
    });
    if let (Some(i), Some(obj)) = (&r.intel, v.as_object_mut()) {
        obj.insert("intel".to_string(), serde_json::to_value(i).unwrap_or(Value::Null));
    }
    if !r.seen_before.is_empty()
        && let Some(obj) = v.as_object_mut()
    {
        obj.insert("seen_before".to_string(), serde_json::to_value(&r.seen_before).unwrap_or(Value::Null));
    }
    if let (Some(s), Some(obj)) = (source, v.as_object_mut()) {
        obj.insert("source".to_string(), Value::String(s.to_string()));
    }
    v
}

/// One bare URL.
pub fn url_report(r: &UrlReport, lang: Lang) -> Value {
    json!({
        "schema_version": SCHEMA_VERSION,
        "lang": lang.code(),
        "url": r.url,
        "verdict": r.verdict,
        "score": r.score,
        "reasons": reasons(&r.findings),
        "link": r.facts.links.first(),
        "brands": r.facts.brands,
        "findings": findings(&r.findings, lang),
    })
}
