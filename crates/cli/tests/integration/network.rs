//! `phishlens analyze` with the live investigation, end to end, against servers started here on
//! 127.0.0.1 that serve the seed posts' facts (the same servers as phishlens-enrich's tests).

#[path = "../../../enrich/tests/support/geo.rs"]
mod geo;
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

#[test]
fn geoip_databases_work_offline_by_flag_and_by_environment() {
    let dir = tempdir();
    let (asn, city) = geo::write_geoip(dir.path());
    let (asn_s, city_s) = (asn.to_string_lossy().into_owned(), city.to_string_lossy().into_owned());
    let mail = fixture("amazon_prime.eml");
    let by_flag =
        run(&["analyze", "--lang", "en", "--offline", "--geoip", &asn_s, "--geoip", &city_s, mail.to_str().unwrap()]);
    assert_eq!(by_flag.code, 0, "{}", by_flag.stderr);
    assert!(by_flag.stdout.contains("Origin IP investigation"), "{}", by_flag.stdout);
    assert!(by_flag.stdout.contains("GeoIP: AS135377"), "{}", by_flag.stdout);
    assert!(by_flag.stdout.contains("Shanghai"), "{}", by_flag.stdout);
    assert!(by_flag.stdout.contains("(offline)"), "{}", by_flag.stdout);

    let joined = std::env::join_paths([&asn, &city]).unwrap();
    let out = crate::util::bin()
        .env("PHISHLENS_GEOIP", &joined)
        .args(["analyze", "--lang", "en", "--format", "json", "--offline", mail.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ips = v.pointer("/intel/ips").and_then(|x| x.as_array()).expect("intel.ips");
    let origin = ips.iter().find(|i| i["ip"] == "106.75.178.120").expect("origin");
    assert_eq!(origin.pointer("/geo/asn").and_then(|x| x.as_u64()), Some(135377));
    assert_eq!(origin.pointer("/geo/city").and_then(|x| x.as_str()), Some("Shanghai"));

    let bad = dir.path().join("bad.mmdb");
    std::fs::write(&bad, b"nope").unwrap();
    let r = run(&["analyze", "--offline", "--geoip", bad.to_str().unwrap(), mail.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("bad.mmdb"), "{}", r.stderr);
}

#[test]
fn dnsbl_listing_is_reported_when_asked_for() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (dns, rdap, whois) = rt.block_on(async {
        let mut zones: Vec<(&str, &str)> = ZONES.to_vec();
        zones.push((
            "bl.test.",
            "@ 3600 IN SOA ns.bl.test. h.bl.test. 1 7200 3600 1209600 300\n@ 3600 IN NS ns.bl.test.\n\
             120.178.75.106 300 IN A 127.0.0.2\n120.178.75.106 300 IN TXT \"Listed: test data\"\n",
        ));
        let dns = dns_server(&zones, Duration::ZERO).await;
        let (rdap, whois) = seed_registries().await;
        (dns.to_string(), rdap, whois.to_string())
    });
    let s = Servers { _rt: rt, dns, rdap, whois };
    let r = phishlens(&args(&s, "amazon_prime.eml", &["--dnsbl", "bl.test"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("DNSBL bl.test: listed (127.0.0.2)"), "{}", r.stdout);
    assert!(r.stdout.contains("is on a blocklist (bl.test)"), "{}", r.stdout);
    let bad = phishlens(&args(&s, "amazon_prime.eml", &["--dnsbl", "not a zone"]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
