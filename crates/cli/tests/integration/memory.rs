//! The memory as a user meets it: `analyze --db` remembers, the second KAGOYA mail is "seen before", the
//! Amazon kit mails form a campaign, history/show/reanalyze/export work, `--no-store` and `--no-raw` do what
//! they say.

use crate::util::{bin, fixture, tempdir};
use std::path::Path;
use std::process::Stdio;

fn run_db(db: &Path, args: &[&str]) -> (i32, String, String) {
    let o = bin()
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("PHISHLENS_NO_STORE")
        .stdin(Stdio::null())
        .output()
        .expect("run phishlens");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, out, err) = run_db(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn path(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

#[test]
fn second_kagoya_mail_is_seen_before_and_forms_a_campaign() {
    let dir = tempdir();
    let db = dir.path().join("p.db");
    ok(&db, &["analyze", "--lang", "en", &path("memory/kagoya_activemail.eml")]);
    let out = ok(&db, &["analyze", "--lang", "en", "--format", "json", &path("kagoya_vps.eml")]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let seen = v["seen_before"].as_array().expect("seen_before in JSON");
    assert_eq!(seen.len(), 1, "{out}");
    assert!(seen[0]["shared"].as_array().unwrap().iter().any(|s| s["value"] == "121.50.46.57"));
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().filter_map(|f| f["id"].as_str()).collect();
    assert!(ids.contains(&"memory.same_origin_ip"), "{ids:?}");

    let list = ok(&db, &["campaigns", "--lang", "en"]);
    assert!(list.contains("C1") && list.contains("121.50.46.57"), "{list}");
    let md = ok(&db, &["campaigns", "show", "C1", "--format", "md", "--lang", "ja"]);
    assert!(md.contains("## C1") && md.contains("送信元 IP"), "{md}");
    let json = ok(&db, &["campaigns", "--format", "json"]);
    let cs: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cs[0]["size"], 2);

    let csv = ok(&db, &["export", "--campaign", "C1", "--defang"]);
    assert!(csv.starts_with("kind,stix_type,value"), "{csv}");
    assert!(csv.contains("121[.]50[.]46[.]57"), "{csv}");
    let stix = ok(&db, &["export", "--campaign", "C1", "--as", "stix"]);
    let b: serde_json::Value = serde_json::from_str(&stix).unwrap();
    assert_eq!(b["type"], "bundle");
    assert!(b["objects"].as_array().unwrap().iter().any(|o| o["type"] == "campaign"));
}

#[test]
fn history_show_and_reanalyze() {
    let dir = tempdir();
    let db = dir.path().join("p.db");
    ok(&db, &["analyze", "--lang", "en", &path("memory/amazon_kit_a.eml"), &path("memory/amazon_kit_b.eml")]);
    let h = ok(&db, &["history", "--lang", "en"]);
    assert_eq!(h.lines().count(), 2, "{h}");
    let h = ok(&db, &["history", "--indicator", "45[.]76[.]213[.]10", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&h).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{h}");
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    let shown = ok(&db, &["show", &id, "--lang", "en"]);
    assert!(shown.contains("Amazon") || shown.contains("amazon"), "{shown}");
    let re = ok(&db, &["reanalyze", "--format", "json"]);
    let re: serde_json::Value = serde_json::from_str(&re).unwrap();
    assert_eq!(re.as_array().unwrap().len(), 2);
    // Re-analysis replaces, it does not duplicate.
    let h = ok(&db, &["history", "--format", "json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&h).unwrap().as_array().unwrap().len(), 2);
    let h = ok(&db, &["history", "--all", "--format", "json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&h).unwrap().as_array().unwrap().len(), 4);
}

#[test]
fn no_store_and_no_raw() {
    let dir = tempdir();
    let db = dir.path().join("p.db");
    ok(&db, &["analyze", "--no-store", &path("kagoya_vps.eml")]);
    assert!(!db.exists(), "--no-store created the database");
    ok(&db, &["analyze", "--no-raw", &path("kagoya_vps.eml")]);
    let (code, _, err) = run_db(&db, &["reanalyze"]);
    assert_eq!(code, 0, "{err}");
    // Without the raw message, show prints the stored report.
    let shown = ok(&db, &["show", "1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["verdict"], "phishing");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn parallel_batch_stores_every_message() {
    let dir = tempdir();
    let db = dir.path().join("p.db");
    let msgs = dir.path().join("msgs");
    std::fs::create_dir(&msgs).unwrap();
    let raw = std::fs::read(fixture("kagoya_vps.eml")).unwrap();
    for n in 0..30 {
        let mut v = format!("X-Test-Seq: {n}\r\n").into_bytes();
        v.extend_from_slice(&raw);
        std::fs::write(msgs.join(format!("{n:02}.eml")), v).unwrap();
    }
    ok(&db, &["analyze", "--jobs", "2", "--format", "jsonl", msgs.to_str().unwrap()]);
    let h = ok(&db, &["history", "--format", "json", "--limit", "1000"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&h).unwrap().as_array().unwrap().len(), 30);
}

/// The id of the newest stored analysis.
fn newest_id(db: &Path) -> String {
    let h = ok(db, &["history", "--format", "json", "--limit", "1", "--all"]);
    let rows: serde_json::Value = serde_json::from_str(&h).unwrap();
    rows[0]["id"].as_i64().expect("an analysis id").to_string()
}

#[test]
fn show_prints_the_report_as_it_was_reported() {
    let dir = tempdir();
    let db = dir.path().join("p.db");
    // An earlier related mail, so that the shown report has "seen before" entries and memory findings to keep.
    ok(&db, &["analyze", "--lang", "en", &path("memory/kagoya_activemail.eml")]);
    for format in ["text", "md", "json"] {
        for lang in ["ja", "en"] {
            let reported = ok(&db, &["analyze", "--format", format, "--lang", lang, &path("kagoya_vps.eml")]);
            let id = newest_id(&db);
            let (code, shown, err) = run_db(&db, &["show", &id, "--format", format, "--lang", lang]);
            assert_eq!(code, 0, "{err}");
            assert!(err.is_empty(), "a current analysis is shown without any note: {err}");
            if format == "json" {
                let mut shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
                // The one thing that must differ: show names the stored analysis.
                assert_eq!(shown["analysis_id"].as_i64().unwrap().to_string(), id);
                shown.as_object_mut().unwrap().remove("analysis_id");
                let reported_value: serde_json::Value = serde_json::from_str(&reported).unwrap();
                assert!(reported_value["seen_before"].as_array().is_some_and(|s| !s.is_empty()), "{reported}");
                assert_eq!(shown, reported_value, "show --format json --lang {lang}");
                // Byte for byte too, once the added key is gone.
                assert_eq!(serde_json::to_string_pretty(&shown).unwrap() + "\n", reported);
            } else {
                assert_eq!(shown, reported, "show --format {format} --lang {lang}");
            }
        }
    }
    // The report is the stored one, not a new analysis: a later re-analysis does not change what #id shows.
    let first = newest_id(&db);
    let before = ok(&db, &["show", &first, "--format", "json"]);
    ok(&db, &["reanalyze"]);
    assert_eq!(ok(&db, &["show", &first, "--format", "json"]), before);
}
