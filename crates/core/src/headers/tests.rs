//! End-to-end tests of the headers area: raw message -> facts -> findings, one or more per signal.

use super::*;
use crate::config::Limits;
use crate::finding::EvidenceKind;

fn cfg() -> Config {
    // A fixed "now" keeps the date checks deterministic.
    Config { now: Some(1_700_000_000), ..Default::default() }
}

fn facts_of(raw: &str) -> Facts {
    let mail = Mail::parse(raw.as_bytes(), &Limits::default());
    let mut facts = Facts::default();
    extract(&mail, &cfg(), &mut facts);
    facts
}

fn findings_of(raw: &str) -> (Facts, Vec<Finding>) {
    let facts = facts_of(raw);
    let mut out = Vec::new();
    check(&facts, &cfg(), &mut out);
    (facts, out)
}

fn ids(out: &[Finding]) -> Vec<&str> {
    out.iter().map(|f| f.id.as_str()).collect()
}

fn has(out: &[Finding], id: &str) -> bool {
    out.iter().any(|f| f.id == id)
}

const KAGOYA: &str = "Return-Path: <support@kagoya.jp>\r\n\
Received: from mx1.example.net (mx1.example.net [192.168.10.5])\r\n\
\tby mail.example.net (Postfix) with ESMTPS id 4NB2kX0fQmz1\r\n\
\tfor <user@example.net>; Tue, 15 Nov 2022 10:12:35 +0900 (JST)\r\n\
Received: from localhost.localdomain ([121.50.46.57])\r\n\
\tby mx1.example.net (Postfix) with ESMTP id 4NB2kW6pZ3z9\r\n\
\tfor <user@example.net>; Tue, 15 Nov 2022 10:12:33 +0900 (JST)\r\n\
Message-ID: <71b4e43ad1e693b3fe671fdc77b12a7e@localhost.localdomain>\r\n\
Date: Tue, 15 Nov 2022 10:12:30 +0900\r\n\
From: support@kagoya.jp\r\n\
To: user@example.net\r\n\
Subject: VPS\r\n\
\r\n\
body\r\n";

#[test]
fn kagoya_seed_hops_origin_and_findings() {
    let (facts, out) = findings_of(KAGOYA);
    assert_eq!(facts.hops.len(), 2);
    assert!(facts.hops.iter().all(|h| h.trusted));
    assert_eq!(facts.hops[0].delay_secs, Some(2));
    assert_eq!(facts.hops[1].delay_secs, None);
    assert_eq!(facts.transit_secs, Some(2));
    let origin = facts.origin.as_ref().unwrap();
    assert_eq!(origin.ip.unwrap().to_string(), "121.50.46.57");
    assert_eq!(origin.helo.as_deref(), Some("localhost.localdomain"));
    assert_eq!(origin.hop_index, 1);
    assert!(!origin.reason.is_empty());

    let helo = out.iter().find(|f| f.id == "headers.helo_localhost").expect("helo_localhost");
    assert_eq!(helo.params["ip"], "121.50.46.57");
    assert_eq!(helo.evidence[0].kind, EvidenceKind::Hop);
    assert_eq!(helo.evidence[0].location, "Received[1]");
    assert!(helo.evidence[0].excerpt.contains("localhost.localdomain ([121.50.46.57])"));
    let mid = out.iter().find(|f| f.id == "headers.message_id_localhost").expect("message_id_localhost");
    assert_eq!(mid.evidence[0].location, "Message-ID");
    // From and Return-Path agree, the date is sane: nothing else fires.
    assert_eq!(ids(&out).len(), 2, "{:?}", ids(&out));
}

#[test]
fn amazon_seed_single_hop_origin() {
    let raw = "Return-Path: <amazon@cljqxt.top>\r\n\
Received: from cljqxt.top (106.75.178.120)\r\n\tby mx.example.jp (Postfix) with ESMTP id 4NSr5M2Hk7z4\r\n\
\tfor <user@example.jp>; Fri,  9 Dec 2022 08:41:17 +0900 (JST)\r\n\
Message-ID: <20221209084112.5f3a9c1e2d7b@cljqxt.top>\r\n\
Date: Fri, 9 Dec 2022 07:41:12 +0800\r\nFrom: amazon@cljqxt.top\r\nSubject: x\r\n\r\nbody\r\n";
    let (facts, out) = findings_of(raw);
    let origin = facts.origin.unwrap();
    assert_eq!(origin.ip.unwrap().to_string(), "106.75.178.120");
    assert_eq!(origin.helo.as_deref(), Some("cljqxt.top"));
    assert!(out.is_empty(), "{:?}", ids(&out));
}

#[test]
fn hop_limit_is_enforced_and_reported() {
    let mut raw = String::new();
    for i in 0..150 {
        raw.push_str(&format!(
            "Received: from h{i}.example.org ([192.0.2.1]) by h{}.example.org; 1 Jan 2023 00:00:00 +0000\r\n",
            i + 1
        ));
    }
    raw.push_str("From: a@example.org\r\n\r\nx\r\n");
    let facts = facts_of(&raw);
    assert_eq!(facts.hops.len(), Limits::default().max_hops);
    assert!(facts.problems.iter().any(|p| p.code == "limit.hops"));
}

#[test]
fn negative_delay_is_clock_skew_not_wrapped() {
    let raw = "Received: from b.example.org (b.example.org [45.95.147.1]) by a.example.net; Sun, 1 Jan 2023 00:00:00 +0000\r\n\
Received: from c.example.org ([203.0.113.5]) by b.example.org; Sun, 1 Jan 2023 00:10:00 +0000\r\n\
From: x@example.org\r\n\r\nx\r\n";
    let facts = facts_of(raw);
    assert_eq!(facts.hops[0].delay_secs, Some(-600));
    assert_eq!(facts.transit_secs, Some(-600));
}

#[test]
fn helo_ip_literal_and_not_fqdn_at_origin() {
    let base = |helo: &str| {
        format!(
            "Received: from {helo} (unknown [45.95.147.23]) by mx.example.net (Postfix) with ESMTP id A; Sun, 1 Jan 2023 00:00:00 +0000\r\n\
From: a@example.org\r\nMessage-ID: <1@example.org>\r\nDate: Sun, 1 Jan 2023 00:00:00 +0000\r\n\r\nx\r\n"
        )
    };
    let (_, out) = findings_of(&base("[45.95.147.23]"));
    assert_eq!(ids(&out), ["headers.helo_ip_literal"]);
    let (_, out) = findings_of(&base("WIN-8K2P3Q"));
    assert_eq!(ids(&out), ["headers.helo_not_fqdn"]);
    let (_, out) = findings_of(&base("mail.example.org"));
    assert!(out.is_empty());
    // An internal origin (private address) is a local submission: odd names are normal there.
    let raw = "Received: from localhost ([10.0.0.3]) by mx.example.net; Sun, 1 Jan 2023 00:00:00 +0000\r\nFrom: a@example.org\r\n\r\nx\r\n";
    let (facts, out) = findings_of(raw);
    assert_eq!(facts.origin.unwrap().ip, None);
    assert!(!has(&out, "headers.helo_localhost"));
}

#[test]
fn message_id_signals() {
    let with_mid = |mid: &str, from: &str| format!("From: {from}\r\nMessage-ID: <{mid}>\r\n\r\nx\r\n");
    let (_, out) = findings_of(&with_mid("abc@VULTRGUEST", "a@example.org"));
    assert!(has(&out, "headers.message_id_no_fqdn"));
    let (_, out) = findings_of(&with_mid("abc@localhost", "a@example.org"));
    assert!(has(&out, "headers.message_id_localhost"));
    let (_, out) = findings_of(&with_mid("abc@mail.gmail.com", "a@example.org"));
    assert_eq!(ids(&out), ["headers.message_id_foreign"]);
    let (_, out) = findings_of(&with_mid("abc@mail.example.org", "a@example.org"));
    assert!(out.is_empty());
    let (_, out) = findings_of(&with_mid("abc@mail.gmail.com", "a@gmail.com"));
    assert!(out.is_empty(), "same provider");

    // Minted by the recipient's server: the sender sent none.
    let raw = "Received: from host.example.co.th (202.129.206.234) by DM6NAM10FT113.mail.protection.outlook.com (10.13.153.119) with Microsoft SMTP Server; Tue, 1 Aug 2023 16:09:41 +0000\r\n\
From: shore@example.or.th\r\n\
Message-ID: <481485b6-1e17-4ac0-aa95-77fd08bac8b8@DM6NAM10FT113.eop-nam10.prod.protection.outlook.com>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert!(has(&out, "headers.message_id_added_by_receiver"), "{:?}", ids(&out));
}

#[test]
fn identity_mismatches() {
    let raw = "From: Bank <info@bank.example.com>\r\nReply-To: claims.desk@gmail.com\r\nReturn-Path: <bounce@esp.example.net>\r\n\
Sender: list@lists.example.org\r\nMessage-ID: <1@bank.example.com>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    let rt = out.iter().find(|f| f.id == "headers.reply_to_freemail").expect("reply_to_freemail");
    assert_eq!(rt.params["reply_to"], "claims.desk@gmail.com");
    assert_eq!(rt.evidence[0].location, "Reply-To");
    assert!(!has(&out, "headers.reply_to_mismatch"), "one finding per Reply-To");
    assert!(has(&out, "headers.return_path_mismatch"));
    assert!(has(&out, "headers.sender_mismatch"));

    let raw = "From: a@gmail.com\r\nReply-To: b@yahoo.com\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert_eq!(ids(&out), ["headers.reply_to_mismatch"]);

    // Mailing lists: a Mailman DMARC rewrite, and a classic list replying to itself.
    let raw = "From: Jo Bloggs via Radio-users <radio-users@lists.example.com>\r\nSender: \"Radio-users\" <radio-users-bounces@lists.example.com>\r\n\
Reply-To: Jo Bloggs <jo.bloggs@gmail.com>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert!(!has(&out, "headers.reply_to_freemail") && !has(&out, "headers.reply_to_mismatch"), "{:?}", ids(&out));
    let raw = "From: Jo Bloggs via Radio-users <radio-users@lists.example.com>\r\nReply-To: Jo Bloggs <jo.bloggs@gmail.com>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert!(out.is_empty(), "Mailman 3 rewrite without Sender: {:?}", ids(&out));
    let raw =
        "From: jo@example.org\r\nSender: list-admin@lists.example.net\r\nReply-To: list@lists.example.net\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert!(!has(&out, "headers.reply_to_mismatch"), "{:?}", ids(&out));
    // ... but a "list" cannot launder a free-mail Reply-To.
    let raw = "From: info@bank.example.com\r\nSender: x@gmail.com\r\nReply-To: x@gmail.com\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert!(has(&out, "headers.reply_to_freemail"));

    let raw = "From: a@shop.example.com\r\nReply-To: support@example.com\r\nReturn-Path: <>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert!(out.is_empty(), "same registrable domain, null sender: {:?}", ids(&out));
}

#[test]
fn date_checks_against_the_trusted_receipt() {
    let raw = |date: &str| {
        format!(
            "Received: from mail.example.org (mail.example.org [45.95.147.1]) by mx.example.net; Sun, 1 Jan 2023 12:00:00 +0000\r\n\
From: a@example.org\r\nMessage-ID: <1@example.org>\r\nDate: {date}\r\n\r\nx\r\n"
        )
    };
    let (_, out) = findings_of(&raw("Sun, 1 Jan 2023 11:59:00 +0000"));
    assert!(out.is_empty());
    // A local time labelled as UTC: nine hours in the future.
    let (_, out) = findings_of(&raw("Sun, 1 Jan 2023 21:00:00 +0000"));
    let f = out.iter().find(|f| f.id == "headers.date_in_future").expect("future");
    assert_eq!(f.params["hours"], "9.0");
    assert_eq!(f.evidence.len(), 2);
    let (_, out) = findings_of(&raw("Wed, 28 Dec 2022 12:00:00 +0000"));
    assert!(has(&out, "headers.date_far_from_received"));
    // Obsolete zone the mail parser may not know: still read.
    let facts = facts_of(&raw("Sun, 1 Jan 2023 21:00:00 JST"));
    assert_eq!(facts.date, Some(1_672_574_400));
    // No hops: compared with "now" (fixed in the test config).
    let (_, out) = findings_of("From: a@example.org\r\nDate: Sat, 1 Jan 2050 00:00:00 +0000\r\n\r\nx\r\n");
    assert!(has(&out, "headers.date_in_future"));
}

#[test]
fn mailer_classes() {
    let with = |m: &str| format!("From: a@example.org\r\nMessage-ID: <1@example.org>\r\nX-Mailer: {m}\r\n\r\nx\r\n");
    for (mailer, want) in [
        ("PHPMailer [version 1.73]", Some("headers.mailer_bulk_tool")),
        ("Atomic Mail Sender 9.4", Some("headers.mailer_bulk_tool")),
        ("Smart_Send_3_1_6", Some("headers.mailer_bulk_tool")),
        ("BkXkD", Some("headers.mailer_random")),
        ("0a5dq", Some("headers.mailer_random")),
        ("2", Some("headers.mailer_random")),
        ("PHPMailer 6.8.0 (https://github.com/PHPMailer/PHPMailer)", Some("headers.mailer_script")),
        ("Microsoft Outlook 16.0", None),
        ("Maileon", None),
        ("Gmail", None),
        ("Mozilla Thunderbird", None),
        ("iPhone Mail (20A362)", None),
    ] {
        let (_, out) = findings_of(&with(mailer));
        let got = out.iter().find(|f| f.id.starts_with("headers.mailer")).map(|f| f.id.as_str());
        assert_eq!(got, want, "{mailer}");
    }
}

const MS_CHAIN: &str = "Received: from SA3PR19MB7370.namprd19.prod.outlook.com (::1) by MN0PR19MB6312.namprd19.prod.outlook.com with HTTPS; Tue, 19 Sep 2023 18:36:46 +0000\r\n\
Received: from BN8NAM11FT066.eop-nam11.prod.protection.outlook.com (2603:10b6:408:e6:cafe::23) by SA3PR19MB7370.namprd19.prod.outlook.com (2603:10b6:408:e6::28) with Microsoft SMTP Server; Tue, 19 Sep 2023 18:36:45 +0000\r\n\
Authentication-Results: spf=fail (sender IP is 137.184.34.4) smtp.mailfrom=bank.example.com; dkim=fail (body hash did not verify) header.d=bank.example.com;dmarc=fail action=quarantine header.from=bank.example.com;compauth=fail reason=000\r\n\
Received-SPF: Fail (protection.outlook.com: domain of bank.example.com does not designate 137.184.34.4 as permitted sender)\r\n\
Received: from ubuntu-s-1vcpu-1gb-sfo3-06 (137.184.34.4) by BN8NAM11FT066.mail.protection.outlook.com (10.13.177.138) with Microsoft SMTP Server; Tue, 19 Sep 2023 18:36:44 +0000\r\n\
Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=bank.example.com; dkim=pass header.d=bank.example.com; dmarc=pass header.from=bank.example.com\r\n\
Authentication-Results: BN8NAM11FT066.mail.protection.outlook.com; spf=pass; dmarc=pass header.from=bank.example.com\r\n\
Received: by ubuntu-s-1vcpu-1gb-sfo3-06 (Postfix, from userid 0) id 39DEA3F725; Tue, 19 Sep 2023 18:35:49 +0000 (UTC)\r\n\
From: Bank <alerts@bank.example.com>\r\nMessage-ID: <1@bank.example.com>\r\nDate: Tue, 19 Sep 2023 18:35:49 +0000\r\n\r\nx\r\n";

#[test]
fn delivery_auth_is_read_from_the_trusted_top_only() {
    let (facts, out) = findings_of(MS_CHAIN);
    assert_eq!(facts.origin.as_ref().unwrap().ip.unwrap().to_string(), "137.184.34.4");
    assert_eq!(facts.hops.iter().filter(|h| h.trusted).count(), 3);
    let da = facts.delivery_auth.as_ref().unwrap();
    assert_eq!(da.spf.as_deref(), Some("fail"));
    assert_eq!(da.dkim.as_deref(), Some("fail"));
    assert_eq!(da.dmarc.as_deref(), Some("fail"));
    assert!(da.raw.starts_with("Authentication-Results: spf=fail"));
    for id in ["headers.spf_fail", "headers.dkim_fail", "headers.dmarc_fail"] {
        let f = out.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(f.evidence[0].location, "Authentication-Results");
    }
    assert!(!has(&out, "headers.dmarc_pass"), "the pass copies below the origin are the sender's words");
}

#[test]
fn sender_written_pass_claims_are_flagged() {
    let mail = Mail::parse(MS_CHAIN.as_bytes(), &Limits::default());
    let mut facts = Facts::default();
    extract(&mail, &cfg(), &mut facts);
    let raws = mail.header_raw_all("Received");
    let parsed: Vec<Received> = raws.iter().map(|r| received::parse(r)).collect();
    let walk = origin::walk(&parsed, &cfg());
    let claims = untrusted_auth_claims(&auth_copies(&mail, &parsed, walk.trusted, &cfg()));
    assert_eq!(claims.len(), 2);
    let mut out = Vec::new();
    check_untrusted_auth(&claims, &facts, &mut out);
    // Naming the recipient's own server (Microsoft) below the origin is a forgery; mx.google.com is merely
    // an unverifiable claim from the sender's side.
    assert_eq!(ids(&out), ["headers.auth_results_untrusted_pass", "headers.auth_results_forged"]);
    assert_eq!(out[1].params["authserv_id"], "bn8nam11ft066.mail.protection.outlook.com");
}

#[test]
fn results_just_below_the_receivers_line_count_when_they_name_the_receiver() {
    // Gmail and Postfix milters put their results just below their own Received line.
    let raw = "Received: from a27-12.smtp-out.us-west-2.amazonses.com (a27-12.smtp-out.us-west-2.amazonses.com [54.240.27.12])\r\n\
\tby mx.example.jp (Postfix) with ESMTPS id 4NNb6q1VZxz7; Thu,  1 Dec 2022 18:30:17 +0900 (JST)\r\n\
Authentication-Results: mx.example.jp; spf=pass smtp.mailfrom=bounces.amazon.co.jp; dkim=pass header.d=amazon.co.jp; dmarc=pass header.from=amazon.co.jp\r\n\
From: \"Amazon.co.jp\" <shipment-tracking@amazon.co.jp>\r\n\
Message-ID: <01010184cd1e2f3a@us-west-2.amazonses.com>\r\nDate: Thu, 1 Dec 2022 09:30:15 +0000\r\n\r\nx\r\n";
    let (facts, out) = findings_of(raw);
    assert_eq!(facts.delivery_auth.as_ref().unwrap().dmarc.as_deref(), Some("pass"));
    assert!(has(&out, "headers.dmarc_pass"));
    // The same header under another name is the sender's.
    let forged = raw.replace("Authentication-Results: mx.example.jp;", "Authentication-Results: mx.attacker.example;");
    let (facts, out) = findings_of(&forged);
    assert_eq!(facts.delivery_auth, None);
    assert!(!has(&out, "headers.dmarc_pass"));
}

#[test]
fn an_upper_servers_results_do_not_hide_the_lower_servers_own() {
    // A Japanese server delivers, then forwards to Gmail. Gmail stamps its results just below its own line
    // (so above the Japanese server's Received); the Japanese server's results sit below its own line. Both
    // are the recipient side's, neither is forged.
    let raw = "Received: from mx.example.jp (mx.example.jp. [192.0.2.153]) by mx.google.com with ESMTP id x1; Fri, 21 Oct 2016 06:58:06 +0000\r\n\
Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=bounce.example.com\r\n\
Received: from a27-84.smtp-out.example.com (a27-84.smtp-out.example.com [54.240.27.84]) by mx.example.jp (V8/cf) with ESMTP id u9L6; Fri, 21 Oct 2016 15:58:04 +0900\r\n\
Authentication-Results: mx.example.jp; spf=pass smtp.mfrom=x@bounce.example.com\r\n\
From: a@example.com\r\nMessage-ID: <1@example.com>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert!(!has(&out, "headers.auth_results_forged"), "{:?}", ids(&out));
    // The Japanese server's own results placed above its line make a copy below it the sender's.
    let forged = raw.replace(
        "Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=bounce.example.com",
        "Authentication-Results: mx.example.jp; spf=fail smtp.mailfrom=bounce.example.com",
    );
    let (_, out) = findings_of(&forged);
    assert!(has(&out, "headers.auth_results_forged"), "{:?}", ids(&out));
}

#[test]
fn dmarc_pass_only_counts_when_aligned_with_from() {
    let raw = "Received: from mail.other.example (mail.other.example [45.95.147.9]) by mx.example.net; Sun, 1 Jan 2023 00:00:00 +0000\r\n\
Authentication-Results: mx.example.net; dmarc=pass header.from=other.example\r\n\
From: a@bank.example.com\r\nMessage-ID: <1@bank.example.com>\r\n\r\nx\r\n";
    let (facts, out) = findings_of(raw);
    assert!(facts.delivery_auth.is_some());
    assert!(!has(&out, "headers.dmarc_pass"));
}

#[test]
fn softfail_is_its_own_finding() {
    let raw = "Authentication-Results: spf=softfail (sender IP is 202.129.206.234) smtp.mailfrom=example.or.th; dkim=none; dmarc=none header.from=example.or.th\r\n\
Received: from host4.example.co.th (202.129.206.234) by DM6NAM10FT113.mail.protection.outlook.com (10.13.153.119); Tue, 1 Aug 2023 16:09:41 +0000\r\n\
From: a@example.or.th\r\nMessage-ID: <1@example.or.th>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    assert_eq!(ids(&out), ["headers.spf_softfail"]);
}

#[test]
fn no_headers_at_all_is_quiet() {
    let (facts, out) = findings_of("\r\n\r\n");
    assert!(facts.hops.is_empty() && facts.origin.is_none() && facts.delivery_auth.is_none());
    assert!(out.is_empty());
}

#[test]
fn every_emitted_id_is_in_the_catalog() {
    let samples = [KAGOYA, MS_CHAIN];
    for s in samples {
        let (_, out) = findings_of(s);
        for f in &out {
            assert!(crate::catalog::CATALOG.get(&f.id).is_some(), "{} missing from headers.toml", f.id);
        }
    }
    for id in [
        "headers.helo_ip_literal",
        "headers.helo_not_fqdn",
        "headers.message_id_no_fqdn",
        "headers.message_id_foreign",
        "headers.message_id_added_by_receiver",
        "headers.reply_to_freemail",
        "headers.reply_to_mismatch",
        "headers.return_path_mismatch",
        "headers.sender_mismatch",
        "headers.date_in_future",
        "headers.date_far_from_received",
        "headers.mailer_bulk_tool",
        "headers.mailer_random",
        "headers.mailer_script",
        "headers.spf_softfail",
        "headers.dmarc_pass",
        "headers.auth_results_forged",
        "headers.auth_results_untrusted_pass",
        "headers.disguised_text",
        "headers.from_hosting_platform",
        "headers.from_random_local_part",
    ] {
        assert!(crate::catalog::CATALOG.get(id).is_some(), "{id}");
    }
}

/// Prints the origin of corpus messages for eyeballing: `cargo test -p phishlens-core corpus_origins -- --ignored
/// --nocapture`. Reads ../shared/corpus; nothing from it is stored.
#[test]
#[ignore]
fn corpus_origins() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let Ok(rd) = std::fs::read_dir(dir.join("phish")) else {
        eprintln!("corpus not found at {}", dir.display());
        return;
    };
    let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    files.sort();
    let n: usize = std::env::var("PHISHLENS_CORPUS_N").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    for path in files.iter().take(n) {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let mail = Mail::parse(&bytes, &Limits::default());
        let mut facts = Facts::default();
        extract(&mail, &cfg(), &mut facts);
        let mut out = Vec::new();
        check(&facts, &cfg(), &mut out);
        let o = facts.origin.as_ref();
        println!(
            "{} hops={} trusted={} origin={:?} helo={:?} auth={:?} findings={:?}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            facts.hops.len(),
            facts.hops.iter().filter(|h| h.trusted).count(),
            o.and_then(|o| o.ip),
            o.and_then(|o| o.helo.clone()),
            facts.delivery_auth.as_ref().map(|d| (d.spf.clone(), d.dkim.clone(), d.dmarc.clone())),
            ids(&out),
        );
    }
}

/// Rates of each headers finding per corpus folder, for weighing: `cargo test -p phishlens-core
/// corpus_finding_rates -- --ignored --nocapture`. Reads ../shared/corpus; nothing from it is stored.
#[test]
#[ignore]
fn corpus_finding_rates() {
    use std::collections::BTreeMap;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    for group in ["phish", "ham-modern", "ham-2002", "spam"] {
        let mut stack = vec![root.join(group)];
        let mut files = Vec::new();
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "eml") {
                    files.push(p);
                }
            }
        }
        if files.is_empty() {
            eprintln!("corpus folder {group} not found under {}", root.display());
            continue;
        }
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut with_origin = 0;
        let started = std::time::Instant::now();
        for path in &files {
            let Ok(bytes) = std::fs::read(path) else { continue };
            let mail = Mail::parse(&bytes, &Limits::default());
            let mut facts = Facts::default();
            extract(&mail, &cfg(), &mut facts);
            with_origin += usize::from(facts.origin.as_ref().is_some_and(|o| o.ip.is_some()));
            let mut out = Vec::new();
            check(&facts, &cfg(), &mut out);
            let raws = mail.header_raw_all("Received");
            let parsed: Vec<Received> = raws.iter().take(100).map(|r| received::parse(r)).collect();
            let walk = origin::walk(&parsed, &cfg());
            let claims = untrusted_auth_claims(&auth_copies(&mail, &parsed, walk.trusted, &cfg()));
            check_untrusted_auth(&claims, &facts, &mut out);
            if let Ok(show) = std::env::var("PHISHLENS_SHOW")
                && let Some(f) = out.iter().find(|f| f.id == show)
            {
                println!("   {} {:?} {:?}", path.display(), f.params, f.evidence.first().map(|e| &e.excerpt));
            }
            let mut seen: Vec<&str> = out.iter().map(|f| f.id.as_str()).collect();
            seen.sort_unstable();
            seen.dedup();
            for id in seen {
                *counts.entry(id.to_string()).or_default() += 1;
            }
        }
        let n = files.len() as f64;
        println!(
            "== {group}: {} files, origin ip {:.1}%, {:?}",
            files.len(),
            100.0 * with_origin as f64 / n,
            started.elapsed()
        );
        for (id, c) in counts {
            println!("  {:5.1}% {id}", 100.0 * c as f64 / n);
        }
    }
}

#[test]
fn disguised_sender_name_is_a_finding() {
    let raw = "From: \"M\u{435}t\u{430}Mask\" <team@example.co.za>\r\nSubject: Wallet notice\r\nMessage-ID: <1@example.co.za>\r\n\r\nx\r\n";
    let (_, out) = findings_of(raw);
    let f = out.iter().find(|f| f.id == "headers.disguised_text").expect("finding");
    assert_eq!(f.params["header"], "From");
    let plain = findings_of(&raw.replace("M\u{435}t\u{430}Mask", "MetaMask")).1;
    assert!(!has(&plain, "headers.disguised_text"));
}

#[test]
fn sender_on_a_hosting_platform_default_domain() {
    let raw = "From: Service Team <noreply@geo8-86e2a.firebaseapp.com>\r\nMessage-ID: <1@x.example>\r\n\r\nx\r\n";
    assert!(has(&findings_of(raw).1, "headers.from_hosting_platform"));
    let tenant = raw.replace("geo8-86e2a.firebaseapp.com", "contoso4711.onmicrosoft.com");
    assert!(has(&findings_of(&tenant).1, "headers.from_hosting_platform"));
    // The company's own domain, and a look-alike suffix that is not the platform, are quiet.
    for other in ["example.com", "notonmicrosoft.com"] {
        let r = raw.replace("geo8-86e2a.firebaseapp.com", other);
        assert!(!has(&findings_of(&r).1, "headers.from_hosting_platform"), "{other}");
    }
}

#[test]
fn random_mixed_case_local_parts() {
    for random in ["DwAhOwx", "aNiOPsklEuPFaAJ", "ohHuKeI", "KDkYHsbaSNaWzuL"] {
        assert!(is_random_local_part(random), "{random}");
    }
    for name in [
        "TrackingUpdates",
        "ThosStew",
        "eBayInternetMarketing",
        "McDonaldsUSA",
        "JobGal",
        "noreply",
        "NoReplyAT",
        "john.doe",
        "IBMSupport",
        "a1b2c3d4",
    ] {
        assert!(!is_random_local_part(name), "{name}");
    }
    for random in
        ["newsletters.MmUdn", "renew_oFEVpcqP0it", "cUSToMER_service", "newsletters.XoJkc", "newsletters.GOEf"]
    {
        assert!(has_random_case_run(random), "{random}");
    }
    for name in [
        "USPSInformeddelivery",
        "FOXSportsFLASH",
        "Johanna.PICHON",
        "eBayInternetMarketing",
        "McDonaldsUSA",
        "NoReplyAT",
        "Online#3.19578.34-UgGTgZFN19NAr9RR.1",
    ] {
        assert!(!has_random_case_run(name), "{name}");
    }
    let raw = "From: Bath Savings <DwAhOwx@deck.example.com>\r\nMessage-ID: <1@deck.example.com>\r\n\r\nx\r\n";
    assert!(has(&findings_of(raw).1, "headers.from_random_local_part"));
}
