//! `phishlens analyze` with the live investigation, end to end, against servers started here on
//! 127.0.0.1 that serve the seed posts' facts (the same servers as phishlens-enrich's tests).

#[path = "../../../enrich/tests/support/mod.rs"]
mod support;

use crate::util::{fixture, run, tempdir};
use std::collections::HashMap;
use std::time::Duration;
use support::*;

struct Servers {
    _rt: tokio::runtime::Runtime,
    dns: String,
    rdap: String,
    whois: String,
}

fn servers(dns_delay: Duration, silent: bool) -> Servers {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (dns, rdap, whois) = rt.block_on(async {
        let dns = if silent { raw_dns_server(None).await } else { dns_server(ZONES, dns_delay).await };
        let rdap = http_server(move |base| {
            let mut m = bootstrap(base);
            if silent {
                m.insert("/apnic/ip/106.75.178.120".into(), Reply::Hang);
            } else {
                m.insert("/apnic/ip/106.75.178.120".into(), Reply::Json(200, apnic_ucloud()));
                m.insert("/arin/ip/204.44.83.230".into(), Reply::Json(200, arin_quadranet()));
                m.insert("/arin/ip/3.137.150.20".into(), Reply::Json(200, arin_amazon()));
            }
            m
        })
        .await;
        let mut w = HashMap::new();
        w.insert("4ztfqg8.cn".to_string(), if silent { b"HANG".to_vec() } else { CNNIC_4ZTFQG8.as_bytes().to_vec() });
        let whois = whois_server(w).await;
        (dns.to_string(), rdap, whois.to_string())
    });
    Servers { _rt: rt, dns, rdap, whois }
}

fn args<'a>(s: &'a Servers, mail: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "analyze".into(),
        "--lang".into(),
        "en".into(),
        "--no-cache".into(),
        "--dns-server".into(),
        s.dns.clone(),
        "--rdap-bootstrap".into(),
        s.rdap.clone(),
        "--whois-server".into(),
        s.whois.clone(),
    ];
    v.extend(extra.iter().map(|x| x.to_string()));
    v.push(fixture(mail).to_string_lossy().into_owned());
    v
}

fn phishlens(a: &[String]) -> crate::util::Run {
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    run(&refs)
}

#[test]
fn amazon_seed_traced_end_to_end() {
    let s = servers(Duration::ZERO, false);
    let r = phishlens(&args(&s, "amazon_prime.eml", &[]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for want in [
        "Origin IP investigation",
        "UCLOUD-NET",
        "abuse@ucloud.cn",
        "Link investigation",
        "204.44.83.230",
        "QuadraNet Enterprises LLC",
        "AS8100",
        "2022-02-27",
        "阿里云计算有限公司（万网）",
        "dns19.hichina.com",
    ] {
        assert!(r.stdout.contains(want), "missing {want} in:\n{}", r.stdout);
    }
}

#[test]
fn kagoya_seed_spf_fail_in_japanese() {
    let s = servers(Duration::ZERO, false);
    let mut a = args(&s, "kagoya_vps.eml", &[]);
    a[2] = "ja".into();
    let r = phishlens(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("送信元IPの調査"), "{}", r.stdout);
    assert!(r.stdout.contains("SPF (from) kagoya.jp: fail"), "{}", r.stdout);
    assert!(r.stdout.contains("kagoya.jp のメールを送ることを許可されていません"), "{}", r.stdout);
}

#[test]
fn evidence_saved_then_replayed_without_servers() {
    let dir = tempdir();
    let ev = dir.path().join("evidence.json");
    let ev_s = ev.to_string_lossy().into_owned();
    let first = {
        let s = servers(Duration::ZERO, false);
        phishlens(&args(&s, "amazon_prime.eml", &["--save-evidence", &ev_s]))
    };
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(ev.is_file());
    // Servers gone: the replay must not need them.
    let replay =
        run(&["analyze", "--lang", "en", "--replay-evidence", &ev_s, fixture("amazon_prime.eml").to_str().unwrap()]);
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    assert!(replay.stdout.contains("QuadraNet Enterprises LLC"), "{}", replay.stdout);
    assert!(replay.stdout.contains("from the evidence file"), "{}", replay.stdout);
}

#[test]
fn silent_servers_still_give_a_report_by_the_deadline() {
    let s = servers(Duration::ZERO, true);
    let t = std::time::Instant::now();
    let r = phishlens(&args(&s, "amazon_prime.eml", &["--deadline", "1.5", "--lookup-timeout", "1"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(t.elapsed() < Duration::from_secs(6), "{:?}", t.elapsed());
    assert!(r.stdout.contains("Lookups without an answer"), "{}", r.stdout);
}

#[test]
fn offline_means_no_investigation() {
    let r = run(&["analyze", "--lang", "en", "--offline", fixture("amazon_prime.eml").to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("Origin IP investigation"));
}
