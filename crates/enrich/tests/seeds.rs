//! The whole chain for both seed mails against servers that serve the seed posts' facts, plus the ways
//! servers misbehave (silence, SERVFAIL, NXDOMAIN, malformed and oversized answers, 404, 429).

#[path = "support/geo.rs"]
mod geo;
mod support;

use phishlens_core::intel::Intel;
use phishlens_enrich::{EnrichConfig, Enricher};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::*;

fn ids(r: &phishlens_core::Report) -> Vec<String> {
    r.findings.iter().map(|f| f.id.clone()).collect()
}

/// Seed RDAP/WHOIS answers; `tweak` may change routes.
async fn registries(tweak: impl Fn(&str, &mut HashMap<String, Reply>) + Send + Sync + 'static) -> (String, SocketAddr) {
    let base = http_server(move |base| {
        let mut m = bootstrap(base);
        m.insert("/apnic/ip/106.75.178.120".into(), Reply::Json(200, apnic_ucloud()));
        m.insert("/arin/ip/204.44.83.230".into(), Reply::Json(200, arin_quadranet()));
        m.insert("/arin/ip/3.137.150.20".into(), Reply::Json(200, arin_amazon()));
        // cljqxt.top: the registry has no record (404); 121.50.46.57: APNIC rate-limits us (429).
        m.insert("/apnic/ip/121.50.46.57".into(), Reply::Json(429, "{}".into()));
        tweak(base, &mut m);
        m
    })
    .await;
    let mut w = HashMap::new();
    w.insert("4ztfqg8.cn".to_string(), CNNIC_4ZTFQG8.as_bytes().to_vec());
    // JPRS layout (dates are test data).
    w.insert(
        "kagoya.jp".to_string(),
        "[ JPRS データベース ]\r\nドメイン情報:\r\na. [ドメイン名]                 KAGOYA.JP\r\n\
         p. [ネームサーバ]               ns1.kagoya.jp\r\n[状態]                          Connected (2026/03/31)\r\n\
         [登録年月日]                    2001/03/15\r\n"
            .as_bytes()
            .to_vec(),
    );
    (base, whois_server(w).await)
}

fn config(dns: SocketAddr, rdap: &str, whois: SocketAddr) -> EnrichConfig {
    EnrichConfig {
        dns_server: Some(dns),
        rdap_bootstrap: rdap.to_string(),
        whois_server: Some(whois.to_string()),
        lookup_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(5),
        ..Default::default()
    }
}

async fn enrich(cfg: EnrichConfig, mail: &str) -> phishlens_core::Report {
    let raw = fixture(mail);
    let mut report = phishlens_core::analyze(&raw, &phishlens_core::Config::default());
    let e = Enricher::new(cfg).expect("enricher");
    e.enrich_report(&mut report, &raw).await;
    report
}

fn intel(r: &phishlens_core::Report) -> &Intel {
    r.intel.as_ref().expect("intel")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_seed_whole_chain() {
    let dns = dns_server(ZONES, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let r = enrich(config(dns, &rdap, whois), "amazon_prime.eml").await;
    let i = intel(&r);
    // The origin: APNIC, UCLOUD-NET, CN.
    let o = i.ip(&"106.75.178.120".parse().unwrap()).expect("origin ip");
    let reg = o.registration.as_ref().expect("rdap of the origin");
    assert_eq!(reg.name.as_deref(), Some("UCLOUD-NET"));
    assert_eq!(reg.country.as_deref(), Some("CN"));
    assert!(reg.org.as_deref().unwrap_or("").contains("UCloud"));
    assert_eq!(reg.abuse_emails, vec!["abuse@ucloud.cn"]);
    assert_eq!(o.hosting.as_ref().map(|h| h.provider.as_str()), Some("UCloud"));
    // The link host resolved and traced to QuadraNet.
    let h = i.host("www.4ztfqg8.cn").expect("link host");
    assert_eq!(h.status, "resolves");
    assert_eq!(h.ips, vec!["204.44.83.230".parse::<std::net::IpAddr>().unwrap()]);
    let l = i.ip(&"204.44.83.230".parse().unwrap()).expect("link ip");
    let lr = l.registration.as_ref().expect("rdap of the site");
    assert_eq!(lr.handle.as_deref(), Some("NET-204-44-64-0-1"));
    assert_eq!(lr.range.as_deref(), Some("204.44.64.0/18"));
    assert_eq!(lr.org.as_deref(), Some("QuadraNet Enterprises LLC"));
    assert_eq!(lr.origin_as.as_deref(), Some("AS8100"));
    assert_eq!(lr.abuse_emails, vec!["abuse@quadranet.com"]);
    assert!(l.roles.contains(&"link:www.4ztfqg8.cn".to_string()));
    // WHOIS of the .cn link domain (no RDAP for .cn in the bootstrap).
    let d = i.domain("4ztfqg8.cn").expect("link domain");
    let dr = d.registration.as_ref().expect("whois");
    assert_eq!(dr.created.as_deref(), Some("2022-02-27"));
    assert_eq!(dr.registrar.as_deref(), Some("阿里云计算有限公司（万网）"));
    assert_eq!(dr.name_servers, vec!["dns19.hichina.com", "dns20.hichina.com"]);
    assert_eq!(dr.source.source, "whois");
    assert_eq!(d.age_days_at_receipt, Some(284));
    assert_eq!(d.dns.as_ref().unwrap().ns, vec!["dns19.hichina.com", "dns20.hichina.com"]);
    // Sender domain: no SPF, no DMARC, registry has no RDAP record (404 is an unknown, not a pass).
    let a = i.auth.as_ref().expect("auth");
    assert!(a.spf.iter().any(|c| c.identity == "mail_from" && c.domain == "cljqxt.top" && c.result == "none"));
    assert!(
        i.unknown.iter().any(|u| u.lookup == "rdap domain cljqxt.top" && u.reason.contains("404")),
        "{:?}",
        i.unknown
    );
    let ids = ids(&r);
    assert!(ids.contains(&"auth.brand_domain_no_policy".to_string()), "{ids:?}");
    assert!(ids.contains(&"intel.link_hosting_unrelated_to_brand".to_string()), "{ids:?}");
    assert_eq!(i.mode, "live");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kagoya_seed_spf_fails_for_the_spoofed_genuine_domain() {
    let dns = dns_server(ZONES, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let r = enrich(config(dns, &rdap, whois), "kagoya_vps.eml").await;
    let i = intel(&r);
    let a = i.auth.as_ref().expect("auth");
    assert_eq!(a.ip, Some("121.50.46.57".parse().unwrap()));
    let from = a.spf.iter().find(|c| c.identity == "from").expect("spf for From");
    assert_eq!((from.domain.as_str(), from.result.as_str()), ("kagoya.jp", "fail"));
    assert_eq!(from.record.as_deref(), Some("v=spf1 ip4:133.18.0.0/16 -all"));
    let dm = a.dmarc.as_ref().expect("dmarc");
    assert_eq!((dm.result.as_str(), dm.policy.as_str()), ("fail", "quarantine"));
    let ids = ids(&r);
    assert!(ids.contains(&"auth.spf_fail_from_domain".to_string()), "{ids:?}");
    assert!(ids.contains(&"auth.dmarc_fail_enforced".to_string()), "{ids:?}");
    // The link host: an IP-shaped name under cprapid.com, on Amazon AWS, rDNS forward-confirmed.
    let h = i.host("3-137-150-20.cprapid.com").expect("host");
    assert_eq!(h.ips, vec!["3.137.150.20".parse::<std::net::IpAddr>().unwrap()]);
    let l = i.ip(&"3.137.150.20".parse().unwrap()).expect("link ip");
    let rd = l.rdns.as_ref().expect("rdns");
    assert_eq!(rd.names, vec!["ec2-3-137-150-20.us-east-2.compute.amazonaws.com"]);
    assert!(rd.forward_confirmed);
    assert_eq!(l.hosting.as_ref().map(|h| h.provider.as_str()), Some("Amazon AWS"));
    // JPRS WHOIS for kagoya.jp; 429 from APNIC for the origin is an unknown with the reason.
    let k = i.domain("kagoya.jp").expect("kagoya.jp");
    assert_eq!(k.registration.as_ref().and_then(|r| r.created.as_deref()), Some("2001-03-15"));
    let u = i.unknown.iter().find(|u| u.lookup == "rdap ip 121.50.46.57").expect("429 is unknown");
    assert!(u.reason.contains("429"), "{}", u.reason);
    assert!(i.ip(&"121.50.46.57".parse().unwrap()).unwrap().registration.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_servers_respect_the_deadline() {
    let dns = raw_dns_server(None).await;
    let rdap = http_server(|base| {
        let mut m = bootstrap(base);
        m.insert("/apnic/ip/106.75.178.120".into(), Reply::Hang);
        m
    })
    .await;
    let mut w = HashMap::new();
    w.insert("4ztfqg8.cn".to_string(), b"HANG".to_vec());
    let whois = whois_server(w).await;
    let mut cfg = config(dns, &rdap, whois);
    cfg.lookup_timeout = Duration::from_millis(800);
    cfg.deadline = Duration::from_millis(1500);
    let t = Instant::now();
    let r = enrich(cfg, "amazon_prime.eml").await;
    let took = t.elapsed();
    assert!(took < Duration::from_millis(3000), "took {took:?}");
    let i = intel(&r);
    assert!(!i.unknown.is_empty());
    assert!(
        i.unknown.iter().any(|u| u.reason.contains("timed out") || u.reason.contains("deadline")),
        "{:?}",
        i.unknown
    );
    assert!(i.ip(&"106.75.178.120".parse().unwrap()).unwrap().registration.is_none());
    // Unknown never reads as benign: no auth or intel finding, only the note that lookups were incomplete.
    let ids = ids(&r);
    assert!(ids.contains(&"intel.lookups_incomplete".to_string()));
    assert!(!ids.iter().any(|i| i.starts_with("auth.")), "{ids:?}");
    // The offline findings are all still there.
    let offline = phishlens_core::analyze(&fixture("amazon_prime.eml"), &phishlens_core::Config::default());
    for f in &offline.findings {
        assert!(ids.contains(&f.id), "{} lost", f.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servfail_is_unknown_with_the_reason() {
    let dns = raw_dns_server(Some(2)).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let r = enrich(config(dns, &rdap, whois), "amazon_prime.eml").await;
    let i = intel(&r);
    assert_eq!(i.host("www.4ztfqg8.cn").unwrap().status, "unknown");
    assert!(i.unknown.iter().any(|u| u.lookup.starts_with("dns A") && u.reason.contains("DNS")), "{:?}", i.unknown);
    assert!(!ids(&r).contains(&"intel.link_domain_gone".to_string()));
    // RDAP of the origin does not depend on DNS and still arrives.
    assert!(i.ip(&"106.75.178.120".parse().unwrap()).unwrap().registration.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nxdomain_link_host_is_taken_down() {
    let zones: Vec<(&str, &str)> = ZONES
        .iter()
        .map(|(o, z)| if *o == "cprapid.com." { (*o, "@ 3600 IN SOA ns1.cprapid.com. h.cprapid.com. 1 7200 3600 1209600 300\n@ 3600 IN NS ns1.cprapid.com.\n") } else { (*o, *z) })
        .collect();
    let dns = dns_server(&zones, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let r = enrich(config(dns, &rdap, whois), "kagoya_vps.eml").await;
    assert_eq!(intel(&r).host("3-137-150-20.cprapid.com").unwrap().status, "nxdomain");
    assert!(ids(&r).contains(&"intel.link_domain_gone".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_answers_are_bounded_unknowns() {
    let dns = dns_server(ZONES, Duration::ZERO).await;
    let (rdap, _) = registries(|_, m| {
        m.insert("/apnic/ip/106.75.178.120".into(), Reply::Raw(200, b"{\"name\": \"UCLOUD-NET\", ".to_vec()));
        m.insert("/arin/ip/204.44.83.230".into(), Reply::Raw(200, vec![b' '; 600 * 1024]));
    })
    .await;
    let mut w = HashMap::new();
    w.insert("4ztfqg8.cn".to_string(), vec![b'x'; 100 * 1024]);
    w.insert("cljqxt.top".to_string(), vec![0xff, 0xfe, 0x00, 0x01, b'\n']);
    let whois = whois_server(w).await;
    let r = enrich(config(dns, &rdap, whois), "amazon_prime.eml").await;
    let i = intel(&r);
    let reason = |l: &str| i.unknown.iter().find(|u| u.lookup == l).map(|u| u.reason.clone()).unwrap_or_default();
    assert!(reason("rdap ip 106.75.178.120").contains("malformed JSON"), "{:?}", i.unknown);
    assert!(reason("rdap ip 204.44.83.230").contains("too large"), "{:?}", i.unknown);
    assert!(i.unknown.iter().any(|u| u.lookup.contains("whois") && u.reason.contains("too large")), "{:?}", i.unknown);
    assert!(i.domain("4ztfqg8.cn").unwrap().registration.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_answers_the_second_time_and_says_how_old() {
    let dns = dns_server(ZONES, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dns, &rdap, whois);
    cfg.cache = Some(dir.path().join("c/lookups.sqlite"));
    let first = enrich(cfg.clone(), "amazon_prime.eml").await;
    assert_eq!(intel(&first).lookups.cache, 0);
    let second = enrich(cfg, "amazon_prime.eml").await;
    let i = intel(&second);
    assert!(i.lookups.cache > 10, "{:?}", i.lookups);
    // Only the message-specific authentication runs again.
    assert!(i.lookups.network <= 1, "{:?} {:?}", i.lookups, i.unknown);
    let reg = i.ip(&"204.44.83.230".parse().unwrap()).unwrap().registration.as_ref().unwrap();
    assert!(reg.source.cache_age_secs.is_some());
    assert_eq!(
        intel(&first).ips,
        i.ips
            .iter()
            .map(|x| {
                let mut x = x.clone();
                for s in [x.registration.as_mut().map(|r| &mut r.source), x.rdns.as_mut().map(|r| &mut r.source)]
                    .into_iter()
                    .flatten()
                {
                    s.cache_age_secs = None;
                }
                x
            })
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_replays_without_network() {
    let dns = dns_server(ZONES, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.json");
    let raw = fixture("kagoya_vps.eml");
    let mut cfg = config(dns, &rdap, whois);
    cfg.save_evidence = true;
    let e = Enricher::new(cfg).unwrap();
    let mut live = phishlens_core::analyze(&raw, &phishlens_core::Config::default());
    e.enrich_report(&mut live, &raw).await;
    e.save_evidence(&path).unwrap();

    let replay_cfg = EnrichConfig {
        replay: Some(phishlens_enrich::read_evidence(&path).unwrap()),
        // Nothing listens here: any network use would fail.
        dns_server: Some("127.0.0.1:9".parse().unwrap()),
        rdap_bootstrap: "http://127.0.0.1:9/".into(),
        ..Default::default()
    };
    let e2 = Enricher::new(replay_cfg).unwrap();
    let mut again = phishlens_core::analyze(&raw, &phishlens_core::Config::default());
    e2.enrich_report(&mut again, &raw).await;
    let (a, b) = (intel(&live), intel(&again));
    assert_eq!(b.mode, "replay");
    assert_eq!(b.lookups.network, 0);
    assert_eq!(a.auth.as_ref().map(|x| &x.spf), b.auth.as_ref().map(|x| &x.spf));
    assert_eq!(a.hosts.iter().map(|h| &h.ips).collect::<Vec<_>>(), b.hosts.iter().map(|h| &h.ips).collect::<Vec<_>>());
    assert_eq!(a.unknown, b.unknown);
    assert_eq!(ids(&live), ids(&again));
    assert_eq!(live.score, again.score);
}

/// Latency follows the dependency depth: with every DNS answer delayed by 50 ms, the Amazon seed's
/// enrichment should take about four round trips, not one per lookup. Prints the figure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_follows_dependency_depth() {
    let dns = dns_server(ZONES, Duration::from_millis(50)).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let r = enrich(config(dns, &rdap, whois), "amazon_prime.eml").await;
    let i = intel(&r);
    let network = i.lookups.network;
    println!(
        "amazon seed enrichment with 50 ms DNS: {} ms, {} lookups, {} DNS round trips of time",
        i.elapsed_ms,
        network,
        i.elapsed_ms / 50
    );
    assert!(i.unknown.iter().all(|u| !u.reason.contains("timed out")), "{:?}", i.unknown);
    assert!(network > 15, "{network}");
}

/// The DNS that gives no real answers (NXDOMAIN for everything, as a sandbox stub resolver does) must
/// not make the sender look policy-less or the links taken down: SPF/DMARC are unknown, with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolver_that_denies_everything_gives_unknown_not_none() {
    let dns = raw_dns_server(Some(3)).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let r = enrich(config(dns, &rdap, whois), "kagoya_vps.eml").await;
    let i = intel(&r);
    let a = i.auth.as_ref().expect("auth");
    assert!(!a.spf.is_empty());
    for c in &a.spf {
        assert_eq!(c.result, "unknown", "{c:?}");
        assert!(c.reason.as_deref().unwrap_or("").contains("NXDOMAIN even for the top-level domain"), "{c:?}");
    }
    assert_eq!(a.dmarc.as_ref().map(|d| d.result.as_str()), Some("unknown"));
    assert!(i.hosts.iter().all(|h| h.status == "unknown"), "{:?}", i.hosts);
    let ids = ids(&r);
    assert!(!ids.iter().any(|x| x.starts_with("auth.")), "{ids:?}");
    assert!(!ids.contains(&"intel.link_domain_gone".to_string()), "{ids:?}");
    assert!(ids.contains(&"intel.lookups_incomplete".to_string()), "{ids:?}");
}

/// A DNS server that never answers, and one that answers SERVFAIL: SPF and DMARC are listed as unknown or
/// temperror with a reason, never as "none".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_servfail_dns_give_unknown_spf_and_dmarc() {
    for rcode in [None, Some(2)] {
        let dns = raw_dns_server(rcode).await;
        let (rdap, whois) = registries(|_, _| {}).await;
        let mut cfg = config(dns, &rdap, whois);
        cfg.lookup_timeout = Duration::from_millis(600);
        cfg.deadline = Duration::from_millis(1500);
        let r = enrich(cfg, "kagoya_vps.eml").await;
        let a = intel(&r).auth.as_ref().expect("auth is listed even when it cannot be evaluated");
        let from = a.spf.iter().find(|c| c.identity == "from").expect("spf for From");
        assert!(matches!(from.result.as_str(), "unknown" | "temperror"), "{rcode:?} {from:?}");
        assert!(from.reason.is_some(), "{from:?}");
        let dm = a.dmarc.as_ref().expect("dmarc");
        assert!(matches!(dm.result.as_str(), "unknown" | "temperror"), "{rcode:?} {dm:?}");
        assert!(dm.reason.is_some(), "{dm:?}");
        assert!(!ids(&r).iter().any(|x| x.starts_with("auth.")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_source_names_the_resolver_once() {
    let dns = dns_server(ZONES, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let r = enrich(config(dns, &rdap, whois), "kagoya_vps.eml").await;
    let s = &intel(&r).auth.as_ref().unwrap().source;
    assert_eq!(s.source, "mail-auth");
    assert_eq!(s.server.as_deref(), Some(dns.to_string().as_str()));
}

/// GeoLite2-format ASN and City databases: ASN, AS organisation, country and city for the origin and the
/// link IPs; the ASN then gets its RDAP (ARIN autnum) and names the hosting provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geoip_databases_fill_asn_country_city_and_asn_rdap() {
    let dir = tempfile::tempdir().unwrap();
    let (asn_db, city_db) = geo::write_geoip(dir.path());
    let dns = dns_server(ZONES, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, m| {
        m.insert("/arin/autnum/8100".into(), Reply::Json(200, arin_as8100()));
    })
    .await;
    let mut cfg = config(dns, &rdap, whois);
    cfg.geoip = vec![asn_db, city_db];
    let r = enrich(cfg, "amazon_prime.eml").await;
    let i = intel(&r);
    let o = i.ip(&"106.75.178.120".parse().unwrap()).unwrap();
    let g = o.geo.as_ref().expect("geo of the origin");
    assert_eq!((g.asn, g.country.as_deref(), g.city.as_deref()), (Some(135377), Some("CN"), Some("Shanghai")));
    assert_eq!(g.source.source, "mmdb");
    assert!(g.source.server.as_deref().unwrap_or("").contains("GeoLite2-ASN"), "{:?}", g.source);
    let l = i.ip(&"204.44.83.230".parse().unwrap()).unwrap();
    let lg = l.geo.as_ref().expect("geo of the link");
    assert_eq!((lg.asn, lg.as_org.as_deref()), (Some(8100), Some("QUADRANET")));
    assert_eq!(lg.city.as_deref(), Some("Los Angeles"));
    let asn = l.asn.as_ref().expect("rdap of AS8100");
    assert_eq!(asn.name.as_deref(), Some("ASN-QUADRANET-GLOBAL"));
    assert_eq!(asn.holder.as_deref(), Some("QuadraNet Enterprises LLC"));
    assert_eq!(l.hosting.as_ref().map(|h| h.provider.as_str()), Some("QuadraNet"));
    // GeoIP lookups are local: not counted as network lookups, and they replay from evidence.
    assert!(i.lookups.network > 0);
}

/// Offline with a GeoIP database: no network at all, the local lookups still fill the origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geoip_runs_offline() {
    let dir = tempfile::tempdir().unwrap();
    let (asn_db, city_db) = geo::write_geoip(dir.path());
    let cfg = EnrichConfig {
        geoip: vec![asn_db, city_db],
        offline: true,
        dns_server: Some("127.0.0.1:9".parse().unwrap()),
        rdap_bootstrap: "http://127.0.0.1:9/".into(),
        ..Default::default()
    };
    let r = enrich(cfg, "amazon_prime.eml").await;
    let i = intel(&r);
    assert_eq!(i.mode, "offline");
    assert_eq!(i.lookups.network, 0);
    assert!(i.unknown.is_empty(), "{:?}", i.unknown);
    assert!(i.auth.is_none() && i.domains.is_empty());
    let o = i.ip(&"106.75.178.120".parse().unwrap()).unwrap();
    assert_eq!(o.geo.as_ref().and_then(|g| g.asn), Some(135377));
    assert!(!ids(&r).contains(&"intel.lookups_incomplete".to_string()));
}

/// DNS blocklists through the configured resolver: a listing with its TXT reason, a list that refuses
/// (127.255.255.254: unknown, not "clean"), and a list that does not know the IP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dnsbl_listed_refused_and_clean() {
    let mut zones: Vec<(&str, &str)> = ZONES.to_vec();
    zones.push((
        "bl.test.",
        "@ 3600 IN SOA ns.bl.test. h.bl.test. 1 7200 3600 1209600 300\n@ 3600 IN NS ns.bl.test.\n\
         120.178.75.106 300 IN A 127.0.0.2\n120.178.75.106 300 IN TXT \"Listed: seen sending phishing (test data)\"\n",
    ));
    zones.push((
        "refuse.test.",
        "@ 3600 IN SOA ns.refuse.test. h.refuse.test. 1 7200 3600 1209600 300\n@ 3600 IN NS ns.refuse.test.\n\
         120.178.75.106 300 IN A 127.255.255.254\n",
    ));
    zones.push((
        "clean.test.",
        "@ 3600 IN SOA ns.clean.test. h.clean.test. 1 7200 3600 1209600 300\n@ 3600 IN NS ns.clean.test.\n",
    ));
    let dns = dns_server(&zones, Duration::ZERO).await;
    let (rdap, whois) = registries(|_, _| {}).await;
    let mut cfg = config(dns, &rdap, whois);
    cfg.dnsbl = vec!["bl.test".into(), "refuse.test".into(), "clean.test".into()];
    let r = enrich(cfg, "amazon_prime.eml").await;
    let o = intel(&r).ip(&"106.75.178.120".parse().unwrap()).unwrap();
    let by = |z: &str| o.dnsbl.iter().find(|b| b.zone == z).cloned().expect(z);
    let bl = by("bl.test");
    assert_eq!((bl.status.as_str(), bl.codes.clone()), ("listed", vec!["127.0.0.2".to_string()]));
    assert!(bl.reason.as_deref().unwrap_or("").contains("phishing"));
    assert_eq!(by("refuse.test").status, "unknown");
    assert_eq!(by("clean.test").status, "not_listed");
    let f = r.findings.iter().find(|f| f.id == "intel.origin_dnsbl_listed").expect("finding");
    assert_eq!(f.params.get("lists").map(String::as_str), Some("bl.test"));
    // Link IPs are not asked (the lists are about senders).
    assert!(intel(&r).ip(&"204.44.83.230".parse().unwrap()).unwrap().dnsbl.is_empty());
}
