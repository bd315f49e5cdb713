//! "Seen before" and campaigns across the fixtures of tests/fixtures/memory/.

use crate::util::{at, fixture, record, temp_store, variant};
use phishlens_core::catalog::{CATALOG, interpolate};
use phishlens_core::finding::Finding;
use phishlens_store::campaigns::{CampaignOptions, campaigns};
use phishlens_store::export::{self, ExportSet};
use phishlens_store::{HistoryFilter, Store};

fn explain_en(f: &Finding) -> String {
    interpolate(&CATALOG.get(&f.id).expect("catalog").explain.en, &f.params)
}

#[test]
fn kagoya_same_ip_a_fortnight_apart_is_seen_before() {
    let (_d, store) = temp_store();
    let (first, r1) = record(&store, &fixture("memory/kagoya_activemail.eml"), at("2022-11-01"));
    assert!(first.seen_before.is_empty());
    let (second, _) = record(&store, &fixture("kagoya_vps.eml"), at("2022-11-15"));
    assert_eq!(second.seen_before.len(), 1, "{:?}", second.seen_before);
    let sb = &second.seen_before[0];
    assert_eq!(sb.analysis_id, r1.analysis_id);
    assert!(sb.subject.as_deref().unwrap_or("").contains("Active! mail"), "{:?}", sb.subject);
    let kinds: Vec<&str> = sb.shared.iter().map(|s| s.kind.as_str()).collect();
    assert!(kinds.contains(&"origin_ip"), "{kinds:?}");
    assert!(kinds.contains(&"host_pattern"), "{kinds:?}");
    assert!(sb.shared.iter().any(|s| s.value == "121.50.46.57"));
    assert!(sb.shared.iter().any(|s| s.value == "N-N-N-N.cprapid.com"));
    assert!(sb.strength >= 6.0, "{}", sb.strength);
    if first.verdict != phishlens_core::Verdict::Clean {
        let f = second.findings.iter().find(|f| f.id == "memory.same_origin_ip").expect("same_origin_ip finding");
        let text = explain_en(f);
        assert!(
            text.contains("121.50.46.57") && text.contains("2022-11-01") && text.contains("Active! mail"),
            "{text}"
        );
    }
    // Both form one campaign.
    let cs = campaigns(&store, &CampaignOptions::default()).unwrap();
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].size, 2);
    assert!(cs[0].origin_ips.contains(&"121.50.46.57".to_string()));
    assert!(cs[0].shared_by_all.iter().any(|s| s.kind == "origin_ip" && s.value == "121.50.46.57"));
    // The campaign exports the IP and both cprapid hosts, never the spoofed genuine kagoya.jp.
    let ids: Vec<i64> = cs[0].members.iter().map(|m| m.id).collect();
    let set = ExportSet {
        analyses: cs[0].members.clone(),
        indicators: store.indicators_of(&ids).unwrap(),
        campaign: Some(export::CampaignInfo { id: cs[0].id.clone(), brands: cs[0].brands.clone() }),
    };
    let csv = export::csv(&set, true);
    assert!(csv.contains("121[.]50[.]46[.]57"), "{csv}");
    assert!(csv.contains("3-137-150-20[.]cprapid[.]com"), "{csv}");
    assert!(!csv.contains(",kagoya[.]jp"), "{csv}");
}

#[test]
fn amazon_same_kit_from_other_ips_and_domains() {
    let (_d, store) = temp_store();
    let (a, ra) = record(&store, &fixture("memory/amazon_kit_a.eml"), at("2023-01-10"));
    let (b, _) = record(&store, &fixture("memory/amazon_kit_b.eml"), at("2023-02-03"));
    // Different origin IPs, sender domains and link hosts.
    assert_ne!(a.facts.origin.as_ref().and_then(|o| o.ip), b.facts.origin.as_ref().and_then(|o| o.ip));
    assert_eq!(b.seen_before.len(), 1, "{:?}", b.seen_before);
    let sb = &b.seen_before[0];
    assert_eq!(sb.analysis_id, ra.analysis_id);
    assert!(sb.shared.iter().any(|s| s.kind == "layout"), "{:?}", sb.shared);
    assert!(!sb.shared.iter().any(|s| s.kind == "origin_ip" || s.kind == "link_host"), "{:?}", sb.shared);
    if a.verdict != phishlens_core::Verdict::Clean {
        assert!(b.findings.iter().any(|f| f.id == "memory.same_kit"), "{:?}", b.findings);
    }
    let cs = campaigns(&store, &CampaignOptions::default()).unwrap();
    assert_eq!(cs.len(), 1, "{cs:?}");
    assert_eq!(cs[0].origin_ips.len(), 2);
}

#[test]
fn gmail_and_big_cloud_alone_never_link() {
    let (_d, store) = temp_store();
    let (_, ra) = record(&store, &fixture("memory/gmail_a.eml"), at("2023-03-06"));
    let (b, rb) = record(&store, &fixture("memory/gmail_b.eml"), at("2023-03-22"));
    assert!(b.seen_before.is_empty(), "{:?}", b.seen_before);
    assert!(!b.findings.iter().any(|f| f.id.starts_with("memory.")), "{:?}", b.findings);
    // Not trivially: they do share values (gmail.com, Google's relay, googleapis.com), all weighing zero.
    let ia = store.indicators_of(&[ra.analysis_id]).unwrap();
    let ib = store.indicators_of(&[rb.analysis_id]).unwrap();
    let shared: Vec<_> = ib.iter().filter(|x| ia.iter().any(|y| y.kind == x.kind && y.value == x.value)).collect();
    for (kind, value) in
        [("sender_domain", "gmail.com"), ("origin_ip", "209.85.220.41"), ("link_host", "storage.googleapis.com")]
    {
        assert!(shared.iter().any(|s| s.kind == kind && s.value == value), "{kind} {value} not shared: {shared:?}");
    }
    assert!(shared.iter().all(|s| s.weight == 0.0), "{shared:?}");
    assert!(campaigns(&store, &CampaignOptions::default()).unwrap().is_empty());
}

#[test]
fn genuine_amazon_is_not_linked_to_phishing_by_amazon_domains() {
    let (_d, store) = temp_store();
    record(&store, &fixture("amazon_prime.eml"), at("2022-12-09"));
    let (g, _) = record(&store, &fixture("amazon_genuine.eml"), at("2022-12-10"));
    assert!(
        g.seen_before.iter().all(|s| s.shared.iter().all(|i| !i.value.ends_with("amazon.co.jp"))),
        "{:?}",
        g.seen_before
    );
}

#[test]
fn same_message_twice_is_one_message_with_two_analyses() {
    let (_d, store) = temp_store();
    let raw = fixture("kagoya_vps.eml");
    let (_, r1) = record(&store, &raw, at("2022-11-15"));
    let (again, r2) = record(&store, &raw, at("2022-11-16"));
    assert_eq!(r1.message_id, r2.message_id);
    assert!(r1.new_message && !r2.new_message);
    assert_ne!(r1.analysis_id, r2.analysis_id);
    // Not "seen before" by itself, but noted.
    assert!(again.seen_before.is_empty());
    assert!(again.findings.iter().any(|f| f.id == "memory.same_message"));
    let current = store.history(&HistoryFilter::default()).unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, r2.analysis_id);
    let all = store.history(&HistoryFilter { include_superseded: true, ..Default::default() }).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|a| a.id == r1.analysis_id && a.superseded));
}

#[test]
fn history_filters() {
    let (_d, store) = temp_store();
    record(&store, &fixture("memory/kagoya_activemail.eml"), at("2022-11-01"));
    record(&store, &fixture("memory/amazon_kit_a.eml"), at("2023-01-10"));
    let by_ip =
        store.history(&HistoryFilter { indicator: Some("121[.]50[.]46[.]57".into()), ..Default::default() }).unwrap();
    assert_eq!(by_ip.len(), 1);
    assert!(by_ip[0].subject.as_deref().unwrap_or("").contains("Active! mail"));
    let since = store.history(&HistoryFilter { since: Some(at("2023-01-01")), ..Default::default() }).unwrap();
    assert_eq!(since.len(), 1);
    let all = store.history(&HistoryFilter::default()).unwrap();
    if let Some(b) = all.iter().flat_map(|a| a.brands.clone()).next() {
        let by_brand = store.history(&HistoryFilter { brand: Some(b.clone()), ..Default::default() }).unwrap();
        assert!(!by_brand.is_empty() && by_brand.iter().all(|a| a.brands.contains(&b)));
    }
    // The stored report is the JSON report with seen_before, and the raw message is kept.
    let stored = store.analysis(all[0].id).unwrap().unwrap();
    assert!(stored.report.get("seen_before").is_some());
    assert!(store.raw_message(all[0].id).unwrap().is_some());
}

/// A plain, clean-looking mail from `ip` with one link to `url` (written here; no brand, no lure).
fn plain_mail(ip: &str, from: &str, url: &str, n: usize) -> Vec<u8> {
    format!(
        "Received: from mx1.example.net (mx1.example.net [192.168.10.5])\r\n\tby mail.example.net (Postfix) \
         with ESMTPS id 4N1q8T2bX{n}\r\n\tfor <user@example.net>; Tue, 08 Nov 2022 09:41:08 +0900 (JST)\r\n\
         Received: from relay{n}.lists.test ([{ip}])\r\n\tby mx1.example.net (Postfix) with ESMTP id 4N1q8S{n}\r\n\
         \tfor <user@example.net>; Tue, 08 Nov 2022 09:41:06 +0900 (JST)\r\n\
         Message-ID: <note{n}@{from}>\r\nDate: Tue, 08 Nov 2022 09:41:02 +0900\r\nFrom: Club news <news@{from}>\r\n\
         To: user@example.net\r\nSubject: Club meeting notes {n}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=\"UTF-8\"\r\n\r\nHello all,\r\n\r\nThe notes of the meeting are at \
         {url}\r\n\r\nSee you next week.\r\n"
    )
    .into_bytes()
}

#[test]
fn a_mail_flagged_only_through_memory_passes_nothing_on() {
    let (_d, store) = temp_store();
    // A: flagged by its own evidence.
    let (a, _) = record(&store, &fixture("memory/kagoya_activemail.eml"), at("2022-11-01"));
    assert_ne!(a.verdict, phishlens_core::Verdict::Clean, "fixture must be flagged on its own");
    // B: clean by its own evidence, but sent from A's IP: memory makes it suspicious at most, never phishing.
    let b_raw = plain_mail("121.50.46.57", "club-b.test", "https://notes.club-b.test/m/2022-11/minutes.html", 1);
    let b_base = phishlens_core::analyze(&b_raw, &phishlens_core::Config::default());
    assert_eq!(b_base.verdict, phishlens_core::Verdict::Clean, "{:?}", b_base.findings);
    let (b, rb) = record(&store, &b_raw, at("2022-11-08"));
    assert!(b.findings.iter().any(|f| f.id == "memory.same_origin_ip"), "{:?}", b.findings);
    assert_ne!(b.verdict, phishlens_core::Verdict::Phishing, "memory alone made a clean mail phishing");
    let memory_weight: f64 = b.findings.iter().filter(|f| f.id.starts_with("memory.")).map(|f| f.weight).sum();
    assert!(memory_weight <= CATALOG.thresholds.suspicious + 1e-9, "{memory_weight}");
    // C: clean, shares only B's link host and sender (nothing with A): no memory finding, nothing seen before.
    let c_raw = plain_mail("198.51.100.7", "club-b.test", "https://notes.club-b.test/m/2022-11/minutes.html", 2);
    let (c, _) = record(&store, &c_raw, at("2022-11-09"));
    assert!(!c.findings.iter().any(|f| f.id.starts_with("memory.")), "{:?}", c.findings);
    assert!(!c.seen_before.iter().any(|s| s.analysis_id == rb.analysis_id), "{:?}", c.seen_before);
    assert_eq!(c.verdict, phishlens_core::Verdict::Clean);
    // B's stored row keeps its base verdict.
    let row = store.analysis(rb.analysis_id).unwrap().unwrap().row;
    assert_eq!(row.base_verdict, "clean");
    assert_eq!(row.verdict, b.verdict.as_str());
}

/// The lookup memo of one process must not hide what another process stored in between: three analyses of
/// the same KAGOYA mail, the middle one written through a second connection, and the third sees both.
#[test]
fn another_writer_between_two_analyses_is_seen() {
    let (dir, first) = temp_store();
    let second = phishlens_store::SqliteStore::open(&dir.path().join("phishlens.db")).unwrap();
    let raw = fixture("kagoya_vps.eml");
    let (_, r1) = record(&first, &variant(&raw, 1), at("2022-11-01"));
    let (_, r2) = record(&second, &variant(&raw, 2), at("2022-11-02"));
    let (third, _) = record(&first, &variant(&raw, 3), at("2022-11-03"));
    let ids: Vec<i64> = third.seen_before.iter().map(|s| s.analysis_id).collect();
    assert!(ids.contains(&r1.analysis_id) && ids.contains(&r2.analysis_id), "{ids:?}");
}
