//! The STIX 2.1 export against tests/fixtures/stix21_subset.schema.json (the relevant part of the official
//! schemas), with a small validator for the keywords it uses, plus the checks a schema cannot express:
//! references resolve inside the bundle, SCO ids are the spec's deterministic UUIDv5, patterns name the
//! observable's value.

use crate::util::{at, fixture, record, root, temp_store};
use phishlens_store::Store;
use phishlens_store::campaigns::{CampaignOptions, campaigns};
use phishlens_store::export::{self, ExportSet};
use regex::Regex;
use serde_json::Value;

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        _ => false,
    }
}

fn validate(root: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        let target = &root["$defs"][name];
        assert!(!target.is_null(), "unknown $ref {r}");
        return validate(root, target, v, path, errors);
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(root, s, v, path, errors);
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|s| {
            let mut e = Vec::new();
            validate(root, s, v, path, &mut e);
            e.is_empty()
        });
        if !ok {
            errors.push(format!("{path}: matches none of anyOf"));
        }
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str)
        && !type_ok(t, v)
    {
        errors.push(format!("{path}: {v} is not {t}"));
        return;
    }
    if let Some(Value::Array(e)) = schema.get("enum")
        && !e.contains(v)
    {
        errors.push(format!("{path}: {v} not in {e:?}"));
    }
    if let (Some(p), Some(s)) = (schema.get("pattern").and_then(Value::as_str), v.as_str())
        && !Regex::new(p).unwrap().is_match(s)
    {
        errors.push(format!("{path}: {s:?} does not match {p}"));
    }
    if let (Some(m), Some(a)) = (schema.get("minItems").and_then(Value::as_u64), v.as_array())
        && (a.len() as u64) < m
    {
        errors.push(format!("{path}: fewer than {m} items"));
    }
    if let (Some(m), Some(n)) = (schema.get("minimum").and_then(Value::as_i64), v.as_i64())
        && n < m
    {
        errors.push(format!("{path}: {n} < {m}"));
    }
    if let Some(o) = v.as_object() {
        if let Some(m) = schema.get("minProperties").and_then(Value::as_u64)
            && (o.len() as u64) < m
        {
            errors.push(format!("{path}: fewer than {m} properties"));
        }
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    errors.push(format!("{path}: missing required {r}"));
                }
            }
        }
        if let Some(p) = schema.get("propertyPattern").and_then(Value::as_str) {
            let re = Regex::new(p).unwrap();
            for k in o.keys().filter(|k| !re.is_match(k)) {
                errors.push(format!("{path}: property name {k:?} does not match {p}"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, s) in props {
                if let Some(x) = o.get(k) {
                    validate(root, s, x, &format!("{path}.{k}"), errors);
                }
            }
        }
    }
    if let (Some(items), Some(a)) = (schema.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            validate(root, items, x, &format!("{path}[{i}]"), errors);
        }
    }
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("crates/store/tests/fixtures/stix21_subset.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn check_bundle(bundle: &Value) -> Vec<String> {
    let root = schema();
    let mut errors = Vec::new();
    validate(&root, &root["$defs"]["bundle"], bundle, "bundle", &mut errors);
    let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = objects.iter().filter_map(|o| o["id"].as_str()).collect();
    for (i, o) in objects.iter().enumerate() {
        let t = o["type"].as_str().unwrap_or("");
        let def = &root["$defs"][t];
        if def.is_null() {
            errors.push(format!("objects[{i}]: type {t} not covered by the schema fixture"));
            continue;
        }
        validate(&root, def, o, &format!("objects[{i}]({t})"), &mut errors);
        if !o["id"].as_str().unwrap_or("").starts_with(&format!("{t}--")) {
            errors.push(format!("objects[{i}]: id does not start with its type"));
        }
        if let (Some(c), Some(m)) = (o["created"].as_str(), o["modified"].as_str())
            && m < c
        {
            errors.push(format!("objects[{i}]: modified before created"));
        }
        for r in ["source_ref", "target_ref", "created_by_ref"] {
            if let Some(id) = o[r].as_str()
                && !ids.contains(&id)
            {
                errors.push(format!("objects[{i}].{r}: {id} is not in the bundle"));
            }
        }
        if t == "indicator" {
            let p = o["pattern"].as_str().unwrap_or("");
            if !(p.starts_with('[') && p.ends_with(']') && p.contains(" = '")) {
                errors.push(format!("objects[{i}]: odd pattern {p}"));
            }
        }
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != ids.len() {
        errors.push("duplicate ids".to_string());
    }
    errors
}

#[test]
fn campaign_bundle_is_valid_stix_2_1() {
    let (_d, store) = temp_store();
    record(&store, &fixture("memory/kagoya_activemail.eml"), at("2022-11-01"));
    record(&store, &fixture("kagoya_vps.eml"), at("2022-11-15"));
    let cs = campaigns(&store, &CampaignOptions::default()).unwrap();
    let c = &cs[0];
    let ids: Vec<i64> = c.members.iter().map(|m| m.id).collect();
    let set = ExportSet {
        analyses: c.members.clone(),
        indicators: store.indicators_of(&ids).unwrap(),
        campaign: Some(export::CampaignInfo { id: c.id.clone(), brands: c.brands.clone() }),
    };
    let bundle = serde_json::to_value(export::stix(&set, at("2022-11-16"))).unwrap();
    let errors = check_bundle(&bundle);
    assert!(errors.is_empty(), "{errors:#?}\n{bundle:#}");
    let objects = bundle["objects"].as_array().unwrap();
    let has = |t: &str| objects.iter().any(|o| o["type"] == t);
    for t in ["identity", "campaign", "indicator", "relationship", "ipv4-addr", "domain-name", "url"] {
        assert!(has(t), "no {t} in {bundle:#}");
    }
    assert!(objects.iter().any(|o| o["pattern"] == "[ipv4-addr:value = '121.50.46.57']"));
    assert!(objects.iter().any(|o| o["relationship_type"] == "indicates"));
    assert!(objects.iter().any(|o| o["relationship_type"] == "based-on"));
    // The spoofed genuine domain is not an indicator.
    assert!(!objects.iter().any(|o| o["value"] == "kagoya.jp"));
    // Deterministic: the same export twice is the same document.
    assert_eq!(bundle, serde_json::to_value(export::stix(&set, at("2022-11-16"))).unwrap());
}

#[test]
fn analysis_bundle_with_attachment_hash_is_valid() {
    let (_d, store) = temp_store();
    let raw = b"From: a@evil-example.top\r\nTo: b@example.jp\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached \
https://evil-example.top/pay/it'here\r\n--b\r\nContent-Type: application/octet-stream; name=\"inv.exe\"\r\n\
Content-Disposition: attachment; filename=\"inv.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n";
    let (_, rec) = record(&store, raw, at("2023-05-01"));
    let stored = store.analysis(rec.analysis_id).unwrap().unwrap();
    let set = ExportSet { analyses: vec![stored.row.clone()], indicators: stored.indicators.clone(), campaign: None };
    let bundle = serde_json::to_value(export::stix(&set, at("2023-05-02"))).unwrap();
    let errors = check_bundle(&bundle);
    assert!(errors.is_empty(), "{errors:#?}\n{bundle:#}");
    let objects = bundle["objects"].as_array().unwrap();
    assert!(objects.iter().any(|o| o["type"] == "file" && o["hashes"]["SHA-256"].is_string()), "{bundle:#}");
    assert!(objects.iter().any(|o| o["type"] == "email-addr"), "{bundle:#}");
    // A quote in a URL is escaped in the pattern.
    assert!(objects.iter().filter_map(|o| o["pattern"].as_str()).any(|p| p.contains("it\\'here")), "{bundle:#}");
}

#[test]
fn validator_rejects_broken_objects() {
    let bad = serde_json::json!({
        "type": "bundle", "id": "bundle--not-a-uuid",
        "objects": [{ "type": "indicator", "spec_version": "2.1", "id": "indicator--6f1b2d4e-8a3c-4b71-9e52-0cd713884a65",
                      "created": "2022-11-16T00:00:00Z", "modified": "2022-11-16T00:00:00.000Z", "pattern_type": "stix" }]
    });
    let errors = check_bundle(&bad);
    let joined = errors.join("\n");
    assert!(joined.contains("bundle.id"), "{joined}");
    assert!(joined.contains("missing required pattern"), "{joined}");
    assert!(joined.contains("created"), "{joined}");
}
