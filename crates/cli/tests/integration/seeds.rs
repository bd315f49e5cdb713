//! Acceptance, as a user would check it: the two seed mails and a genuine Amazon notice.

use crate::util::{finding_ids, fixture, json, run, run_stdin};

fn analyze_json(name: &str) -> serde_json::Value {
    json(&["analyze", "--format", "json", "--lang", "en", fixture(name).to_str().unwrap()])
}

#[test]
fn kagoya_genuine_domain_spoofed_from_localhost() {
    let v = analyze_json("kagoya_vps.eml");
    assert_eq!(v["verdict"], "phishing", "{v:#}");
    assert_eq!(v["subject"], "【お申し込みを受け付けました】カゴヤ・クラウド VPS へのお申し込みありがとうございました");
    assert_eq!(v["from"]["display_name"], "カゴヤ・ジャパン サポートセンター");
    assert_eq!(v["from"]["domain"], "kagoya.jp");
    assert_eq!(v["origin"]["ip"], "121.50.46.57");
    assert_eq!(v["origin"]["helo"], "localhost.localdomain");
    assert_eq!(v["message_id"], "71b4e43ad1e693b3fe671fdc77b12a7e@localhost.localdomain");
    // kagoya.jp is KAGOYA's real domain: the claim is genuine, the links are not.
    let kagoya = v["brands"].as_array().unwrap().iter().find(|b| b["brand_id"] == "kagoya").expect("KAGOYA claimed");
    assert_eq!(kagoya["sender_genuine"], true);
    assert_eq!(kagoya["links_genuine"], false);
    let link = v["links"].as_array().unwrap().iter().find(|l| l["host"] == "3-137-150-20.cprapid.com").expect("link");
    assert_eq!(link["port"], 2083);
    assert!(v["iocs"]["ips"].as_array().unwrap().contains(&"121.50.46.57".into()));
}

#[test]
fn kagoya_report_in_japanese_names_the_evidence() {
    let r = run(&["analyze", "--lang", "ja", fixture("kagoya_vps.eml").to_str().unwrap()]);
    assert_eq!(r.code, 0);
    for needle in
        ["フィッシング", "121.50.46.57", "localhost.localdomain", "3-137-150-20[.]cprapid[.]com", "カゴヤ", "対処"]
    {
        assert!(r.stdout.contains(needle), "missing {needle} in:\n{}", r.stdout);
    }
}

#[test]
fn amazon_prime_threat_display_name_and_random_cn_link() {
    let v = analyze_json("amazon_prime.eml");
    assert_eq!(v["verdict"], "phishing", "{v:#}");
    assert_eq!(v["from"]["display_name"], "会員資格は取り消されます。");
    assert_eq!(v["from"]["domain"], "cljqxt.top");
    assert_eq!(v["origin"]["ip"], "106.75.178.120");
    let amazon = v["brands"].as_array().unwrap().iter().find(|b| b["brand_id"] == "amazon").expect("Amazon claimed");
    assert_eq!(amazon["sender_genuine"], false);
    assert_eq!(amazon["links_genuine"], false);
    assert!(v["links"].as_array().unwrap().iter().any(|l| l["registrable"] == "4ztfqg8.cn"));
    let cats: Vec<&str> =
        v["content"]["lexicon_hits"].as_array().unwrap().iter().filter_map(|h| h["category"].as_str()).collect();
    assert!(cats.contains(&"deadline"), "{cats:?}");
    assert!(cats.contains(&"payment"), "{cats:?}");
    assert!(finding_ids(&v).len() >= 4);
}

#[test]
fn amazon_markdown_report_is_defanged() {
    let r = run(&["analyze", "--format", "md", "--lang", "ja", fixture("amazon_prime.eml").to_str().unwrap()]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("# "));
    assert!(
        r.stdout.contains("hxxps://www\\[.\\]4ztfqg8\\[.\\]cn") || r.stdout.contains("hxxps://www[.]4ztfqg8[.]cn"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("https://www.4ztfqg8.cn"));
    assert!(r.stdout.contains("## 件名"));
}

#[test]
fn genuine_amazon_notice_is_clean() {
    let v = analyze_json("amazon_genuine.eml");
    assert_eq!(v["verdict"], "clean", "{v:#}");
    let amazon = v["brands"].as_array().unwrap().iter().find(|b| b["brand_id"] == "amazon").expect("Amazon claimed");
    assert_eq!(amazon["sender_genuine"], true);
    assert_eq!(amazon["links_genuine"], true);
}

#[test]
fn stdin_and_exit_codes() {
    let bytes = std::fs::read(fixture("amazon_prime.eml")).unwrap();
    let r = run_stdin(&["analyze", "--format", "json", "-"], &bytes);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"verdict\": \"phishing\""));
    let r = run_stdin(&["analyze", "--fail-on", "phishing", "-"], &bytes);
    assert_eq!(r.code, 1);
    let genuine = fixture("amazon_genuine.eml");
    assert_eq!(run(&["analyze", "--fail-on", "suspicious", genuine.to_str().unwrap()]).code, 0);
    assert_eq!(run(&["analyze", "/nonexistent/mail.eml"]).code, 2);
    assert_eq!(run(&["analyze", "--format", "yaml", genuine.to_str().unwrap()]).code, 2);
    assert_eq!(run(&["analyze"]).code, 2);
}

#[test]
fn garbage_input_still_gets_a_report() {
    let junk: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let r = run_stdin(&["analyze", "--format", "json", "-"], &junk);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["verdict"].is_string());
}

#[test]
fn language_follows_the_locale() {
    let path = fixture("amazon_genuine.eml");
    let out = crate::util::bin()
        .env("LANG", "ja_JP.UTF-8")
        .args(["analyze", "--offline", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("件名"));
    let out =
        crate::util::bin().env("LANG", "C").args(["analyze", "--offline", path.to_str().unwrap()]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Subject"));
}
