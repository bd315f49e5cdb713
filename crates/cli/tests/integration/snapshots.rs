//! Snapshot tests of the reports (ja and en, text and Markdown, JSON): a change in what a user reads shows
//! up in review as a diff.

use crate::util::{fixture, run};

fn report(args: &[&str], name: &str) -> String {
    let path = fixture(name);
    let mut a = args.to_vec();
    a.push(path.to_str().unwrap());
    let r = run(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn kagoya_text_ja() {
    insta::assert_snapshot!(report(&["analyze", "--lang", "ja"], "kagoya_vps.eml"));
}

#[test]
fn kagoya_text_en() {
    insta::assert_snapshot!(report(&["analyze", "--lang", "en"], "kagoya_vps.eml"));
}

#[test]
fn amazon_markdown_ja() {
    insta::assert_snapshot!(report(&["analyze", "--format", "md", "--lang", "ja"], "amazon_prime.eml"));
}

#[test]
fn amazon_text_en() {
    insta::assert_snapshot!(report(&["analyze", "--lang", "en"], "amazon_prime.eml"));
}

#[test]
fn genuine_text_ja() {
    insta::assert_snapshot!(report(&["analyze", "--lang", "ja"], "amazon_genuine.eml"));
}

#[test]
fn amazon_json() {
    let out = report(&["analyze", "--format", "json", "--lang", "en"], "amazon_prime.eml");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!(v);
}
