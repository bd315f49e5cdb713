//! The JSON output against schema/report.schema.json, with a small validator for the keywords the schema
//! uses (type, const, enum, required, properties, additionalProperties, items, oneOf, $ref).

use crate::util::{fixture, json, root};
use serde_json::Value;

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => false,
    }
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            &root["$defs"][name]
        }
        None => schema,
    }
}

pub fn validate(root: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(root, schema);
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(s) => type_ok(s, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|s| type_ok(s, v)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{path}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        errors.push(format!("{path}: {v} != const {c}"));
    }
    if let Some(Value::Array(e)) = schema.get("enum")
        && !e.contains(v)
    {
        errors.push(format!("{path}: {v} not in enum"));
    }
    if let Some(Value::Array(alts)) = schema.get("oneOf") {
        let matching = alts
            .iter()
            .filter(|alt| {
                let mut e = Vec::new();
                validate(root, alt, v, path, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{path}: matches {matching} of oneOf"));
        }
    }
    if let Value::Object(obj) = v {
        if let Some(Value::Array(req)) = schema.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    errors.push(format!("{path}: missing required key {r}"));
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, child) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(root, s, child, &format!("{path}.{k}"), errors),
                None => {
                    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                        errors.push(format!("{path}: undocumented key {k}"));
                    } else if let Some(ap) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                        validate(root, ap, child, &format!("{path}.{k}"), errors);
                    }
                }
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, it) in items.iter().enumerate() {
            validate(root, s, it, &format!("{path}[{i}]"), errors);
        }
    }
}

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("schema/report.schema.json")).unwrap()).unwrap()
}

fn assert_valid(v: &Value) {
    let s = schema();
    let mut errors = Vec::new();
    validate(&s, &s, v, "$", &mut errors);
    assert!(errors.is_empty(), "schema violations:\n{}", errors.join("\n"));
}

#[test]
fn seed_reports_match_the_schema() {
    for f in ["kagoya_vps.eml", "amazon_prime.eml", "amazon_genuine.eml"] {
        let path = fixture(f);
        let v = json(&["analyze", "--format", "json", "--lang", "ja", path.to_str().unwrap()]);
        assert_valid(&v);
    }
}

#[test]
fn jsonl_lines_match_the_schema_and_carry_source() {
    let dir = fixture("");
    let r = crate::util::run(&["analyze", "--format", "jsonl", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines.len() >= 3);
    for l in lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v["source"].as_str().unwrap().ends_with(".eml"));
        assert_valid(&v);
    }
}

#[test]
fn validator_rejects_what_the_schema_forbids() {
    let s = schema();
    let mut errors = Vec::new();
    validate(&s, &s, &serde_json::json!({"schema_version": "1.0.0", "verdict": "maybe", "extra": 1}), "$", &mut errors);
    assert!(errors.iter().any(|e| e.contains("not in enum")));
    assert!(errors.iter().any(|e| e.contains("undocumented key extra")));
    assert!(errors.iter().any(|e| e.contains("missing required key findings")));
}
