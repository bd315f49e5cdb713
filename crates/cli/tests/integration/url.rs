//! `phishlens url`: bare URLs from an SMS or a chat.

use crate::util::{json, run_stdin};

#[test]
fn random_cn_domain_url_is_flagged_with_the_documented_keys() {
    let v = json(&["url", "--format", "json", "https://www.4ztfqg8.cn/amazon.co.jp/signin"]);
    for k in ["url", "verdict", "brands", "findings"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_ne!(v["verdict"], "clean", "{v:#}");
}

#[test]
fn genuine_url_is_clean() {
    let v = json(&["url", "--format", "json", "https://www.amazon.co.jp/gp/css/order-history"]);
    assert_eq!(v["verdict"], "clean", "{v:#}");
}

#[test]
fn urls_from_stdin_one_per_line() {
    let r = run_stdin(
        &["url", "--format", "jsonl"],
        b"https://3-137-150-20.cprapid.com:2083/\n\nhttps://www.amazon.co.jp/\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<serde_json::Value> = r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_ne!(lines[0]["verdict"], "clean");
    assert_eq!(lines[1]["verdict"], "clean");
}
