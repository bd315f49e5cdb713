//! Batches: directories, mbox files, Maildir folders, streaming jsonl, the summary, errors that do not stop a
//! batch.

use crate::util::{fixture, run, tempdir};
use std::fs;

const SEEDS: [&str; 3] = ["kagoya_vps.eml", "amazon_prime.eml", "amazon_genuine.eml"];

fn jsonl(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn directory_recursively_with_a_broken_message() {
    let d = tempdir();
    fs::create_dir_all(d.path().join("a/b")).unwrap();
    for (i, s) in SEEDS.iter().enumerate() {
        fs::copy(fixture(s), d.path().join(format!("a/b/{i}.eml"))).unwrap();
    }
    fs::write(d.path().join("a/broken.eml"), b"\xff\xfe\x00garbage: \r\n\r\n--\x00").unwrap();
    fs::write(d.path().join("a/notes.txt"), b"not mail").unwrap();
    let r = run(&["analyze", "--format", "jsonl", "--jobs", "2", d.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = jsonl(&r.stdout);
    assert_eq!(lines.len(), 4, "three seeds and the broken one; the .txt is not mail");
    assert!(lines.iter().all(|l| l["source"].as_str().unwrap().ends_with(".eml")));
    let phishing = lines.iter().filter(|l| l["verdict"] == "phishing").count();
    assert_eq!(phishing, 2);
    // The summary goes to stderr with jsonl.
    assert!(r.stderr.contains("phishlens batch summary"), "{}", r.stderr);
}

#[test]
fn mbox_messages_are_numbered() {
    let d = tempdir();
    let mut mbox = Vec::new();
    for s in SEEDS {
        mbox.extend_from_slice(b"From MAILER-DAEMON Thu Dec  1 00:00:00 2022\n");
        let m = fs::read(fixture(s)).unwrap();
        mbox.extend_from_slice(&m.iter().copied().filter(|&b| b != b'\r').collect::<Vec<u8>>());
        mbox.extend_from_slice(b"\n");
    }
    let path = d.path().join("inbox");
    fs::write(&path, &mbox).unwrap();
    let r = run(&["analyze", "--format", "jsonl", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // jsonl streams each message as it finishes, so lines may come in any order: key them by source.
    let mut lines = jsonl(&r.stdout);
    lines.sort_by_key(|l| l["source"].as_str().unwrap().to_string());
    let sources: Vec<String> = lines.iter().map(|l| l["source"].as_str().unwrap().to_string()).collect();
    assert_eq!(sources.len(), 3);
    assert!(sources[0].ends_with("inbox#1") && sources[2].ends_with("inbox#3"), "{sources:?}");
    assert_eq!(lines[0]["verdict"], "phishing");
    assert_eq!(lines[2]["verdict"], "clean");
}

#[test]
fn maildir_cur_and_new() {
    let d = tempdir();
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(d.path().join(sub)).unwrap();
    }
    fs::copy(fixture(SEEDS[0]), d.path().join("cur/1669852800.M1P1.host:2,S")).unwrap();
    fs::copy(fixture(SEEDS[1]), d.path().join("new/1669852801.M2P1.host")).unwrap();
    fs::copy(fixture(SEEDS[2]), d.path().join("tmp/1669852802.M3P1.host")).unwrap();
    let r = run(&["analyze", "--format", "jsonl", d.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(jsonl(&r.stdout).len(), 2, "tmp/ holds messages still being delivered");
}

#[test]
fn text_batch_lists_messages_then_summary() {
    let paths: Vec<String> = SEEDS.iter().map(|s| fixture(s).display().to_string()).collect();
    let mut args = vec!["analyze", "--lang", "en"];
    args.extend(paths.iter().map(String::as_str));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("phishlens batch summary"));
    assert!(r.stdout.contains("phishing: 2"), "{}", r.stdout);
    assert!(r.stdout.contains("clean: 1"), "{}", r.stdout);
    assert!(r.stdout.contains("Most impersonated brands"));
    // Listing lines come in input order.
    let first = r.stdout.lines().next().unwrap();
    assert!(first.contains("kagoya_vps.eml"), "{first}");
}

#[test]
fn a_missing_path_is_reported_and_the_batch_goes_on() {
    let good = fixture(SEEDS[1]);
    let r = run(&["analyze", "--format", "jsonl", "/nonexistent/x.eml", good.to_str().unwrap()]);
    assert_eq!(r.code, 2, "unreadable input is exit 2 even when the rest ran");
    assert_eq!(jsonl(&r.stdout).len(), 1);
    assert!(r.stderr.contains("/nonexistent/x.eml"));
}

#[test]
fn json_batch_is_one_array() {
    let d = fixture("");
    let r = run(&["analyze", "--format", "json", d.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 3);
}
