//! Which Received lines can be believed, and where the message entered: the origin.
//!
//! Every MTA prepends its line, so the top line was written by the recipient's own server and is the only one
//! trusted a priori; anything below may have been written by the sender. The walk goes down while each line is
//! vouched for by the one above it (same organisation on both ends of the hand-off, an internal address, or a
//! relay the user declared trusted) and stops at the first line nobody vouches for. The peer recorded by the
//! lowest trusted line is the origin. Taking the bottom-most IP instead would let any sender choose its origin.

use super::received::Received;
use crate::config::Config;
use crate::domain;
use crate::model::Origin;
use std::net::IpAddr;

/// Mail providers that run their infrastructure under several registrable domains. Hand-offs between these are
/// internal to one organisation.
const PROVIDER_GROUPS: &[&[&str]] = &[
    &[
        "outlook.com",
        "office365.com",
        "microsoft.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "exchangelabs.com",
        "microsoftonline.com",
        "outlook.cn",
    ],
    &["google.com", "gmail.com", "googlemail.com", "1e100.net"],
    &["yahoo.com", "yahoodns.net", "yahoo.net", "aol.com"],
    &["icloud.com", "me.com", "apple.com"],
    &["amazonses.com", "amazonaws.com", "amazon.com"],
];

/// The result of the walk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Walk {
    /// Number of hops from the top that are trusted (0 only when there are no hops).
    pub trusted: usize,
    pub origin: Option<Origin>,
}

/// The Japanese wording of a `vouched` reason, for the Japanese report.
fn why_ja(why: &str) -> &'static str {
    match why {
        "a relay you configured as trusted" => "利用者が信頼済みとして指定した中継サーバー",
        "an internal hand-off from a private address" => "プライベートアドレスからの内部転送",
        "an internal transfer stamp of the recipient's server" => "受信サーバー内部の転送記録",
        "a hand-off between servers of the same organisation" => "同じ組織のサーバー間の受け渡し",
        _ => "受信側の内部の受け渡し",
    }
}

/// Walk the chain (index 0 = top) and find the origin.
pub fn walk(hops: &[Received], cfg: &Config) -> Walk {
    if hops.is_empty() {
        return Walk::default();
    }
    let mut lowest = 0;
    let mut why_down = "";
    for i in 1..hops.len() {
        match vouched(hops, i, cfg) {
            Some(why) => {
                lowest = i;
                why_down = why;
            }
            None => break,
        }
    }
    // The lowest trusted line that records a peer: a bottom stamp without one (`by host with HTTP`) means the
    // message was created on that host, whose address the line above recorded.
    let origin = (0..=lowest).rev().find(|&k| hops[k].has_from).map(|k| {
        let hop = &hops[k];
        let by = hop.by.as_deref().unwrap_or("?");
        let ip = hop.ip.filter(|ip| !domain::is_non_public(ip));
        let why_ja = why_ja(why_down);
        let (reason, reason_ja) = match (ip, hop.ip) {
            (Some(_), _) if k + 1 < hops.len() && k == lowest => (
                format!(
                    "the lowest line written by the recipient's side (by {by}); the line below it was written by the sender and is not trusted"
                ),
                format!("受信側({by})が書いた一番下の行です。その下の行は送信者が書いたもので、信用できません。"),
            ),
            (Some(_), _) if k == 0 && hops.len() == 1 => (
                format!("the only Received line, written by the recipient's server {by}"),
                format!("受信サーバー {by} が書いた唯一の Received 行です。"),
            ),
            (Some(_), _) if k == lowest => (
                format!("the first Received line, written by the recipient's server {by} (trusted: {why_down})"),
                format!("受信サーバー {by} が最初に受け取った記録です(信頼の根拠: {why_ja})。"),
            ),
            (Some(_), _) => (
                format!("the lowest trusted line that records a sender (by {by}); the lines below record no peer"),
                format!("送信元を記録している、信頼できる一番下の行です({by})。それより下の行には接続元の記録がありません。"),
            ),
            (None, Some(internal)) => (
                format!("handed over from the internal address {internal}: no external sender was recorded"),
                format!("内部アドレス {internal} からの受け渡しで、外部の送信元は記録されていません。"),
            ),
            (None, None) => (
                format!("the receiving server {by} recorded no address for the sender"),
                format!("受信サーバー {by} は送信元のアドレスを記録していません。"),
            ),
        };
        Origin { ip, helo: hop.helo.clone(), from_name: hop.from_name.clone(), hop_index: k, reason, reason_ja }
    });
    Walk { trusted: lowest + 1, origin }
}

/// Why line `i` is believed, given that every line above it is: None when nothing vouches for it.
fn vouched(hops: &[Received], i: usize, cfg: &Config) -> Option<&'static str> {
    let (above, hop) = (hops.get(i.checked_sub(1)?)?, hops.get(i)?);
    let relays = &cfg.trusted_relays;
    if relays.iter().any(|r| {
        hop.by.as_deref().is_some_and(|b| r.matches_host(b))
            || hop.by_ip.as_ref().is_some_and(|ip| r.matches_ip(ip))
            || above.ip.as_ref().is_some_and(|ip| r.matches_ip(ip))
            || above.from_name.as_deref().is_some_and(|n| r.matches_host(n))
    }) {
        return Some("a relay you configured as trusted");
    }
    // The trusted server above received the message from a private or loopback address: an internal hand-off.
    if above.ip.as_ref().is_some_and(domain::is_non_public) {
        return Some("an internal hand-off from a private address");
    }
    // A leading stamp without a peer (Gmail's `by 2002:a05:...`) records an internal transfer only.
    if i == 1 && !above.has_from {
        return Some("an internal transfer stamp of the recipient's server");
    }
    // The nearest server name above (internal stamps name their server by address only).
    let above_by = hops[..i].iter().rev().filter_map(|h| h.by.as_deref()).find(|b| domain::host_ip(b).is_none())?;
    // The peer the server above recorded (reverse name preferred over the self-chosen HELO) must belong to the
    // same organisation as the servers on both ends; a line without a peer is an internal stamp.
    let peer = above.from_name.as_deref().or(above.helo.as_deref());
    let peer_is_ours = |by: &str| peer.is_none_or(|p| same_org(p, above_by) || same_org(p, by));
    let by = hop.by.as_deref()?;
    if domain::host_ip(by).is_some() {
        // `Received: by 2002:a19:... with SMTP id ...`: a provider's internal stamp, believed when the server
        // above got the message from one of the same organisation's hosts.
        return (!hop.has_from && peer.is_some_and(|p| same_org(p, above_by)))
            .then_some("an internal transfer stamp of the same provider");
    }
    (same_org(by, above_by) && peer_is_ours(by)).then_some("a hand-off between servers of the same organisation")
}

/// Two host names belong to the same organisation: same registrable domain, same provider, or (for names
/// without a public suffix, such as `ex01.corp.local`) the same parent domain.
pub fn same_org(a: &str, b: &str) -> bool {
    let (a, b) = (domain::normalize_host(a), domain::normalize_host(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    match (domain::registrable(&a), domain::registrable(&b)) {
        (Some(ra), Some(rb)) => ra == rb || provider_group(&ra).is_some_and(|g| provider_group(&rb) == Some(g)),
        (None, None) => match (parent(&a), parent(&b)) {
            (Some(pa), Some(pb)) => pa == pb && pa.contains('.'),
            _ => false,
        },
        _ => false,
    }
}

fn parent(host: &str) -> Option<&str> {
    host.split_once('.').map(|(_, p)| p)
}

fn provider_group(registrable: &str) -> Option<usize> {
    PROVIDER_GROUPS.iter().position(|g| g.contains(&registrable))
}

/// True when the host (a `by` name or an authserv-id) belongs to the recipient's trusted side.
pub fn is_trusted_host(host: &str, trusted_hops: &[Received], cfg: &Config) -> bool {
    cfg.trusted_relays.iter().any(|r| r.matches_host(host))
        || trusted_hops.iter().filter_map(|h| h.by.as_deref()).any(|by| same_org(host, by))
}

/// An address the user declared trusted.
pub fn is_trusted_ip(ip: &IpAddr, cfg: &Config) -> bool {
    cfg.trusted_relays.iter().any(|r| r.matches_ip(ip))
}

#[cfg(test)]
mod tests {
    use super::super::received::parse;
    use super::*;
    use crate::config::TrustedRelay;

    fn chain(lines: &[&str]) -> Vec<Received> {
        lines.iter().map(|l| parse(l)).collect()
    }

    fn origin_ip(w: &Walk) -> Option<String> {
        w.origin.as_ref().and_then(|o| o.ip).map(|ip| ip.to_string())
    }

    #[test]
    fn kagoya_fixture_chain() {
        let hops = chain(&[
            "from mx1.example.net (mx1.example.net [192.168.10.5]) by mail.example.net (Postfix) with ESMTPS id 4NB2kX0fQmz1",
            "from localhost.localdomain ([121.50.46.57]) by mx1.example.net (Postfix) with ESMTP id 4NB2kW6pZ3z9",
        ]);
        let w = walk(&hops, &Config::default());
        assert_eq!(w.trusted, 2);
        let o = w.origin.unwrap();
        assert_eq!(o.ip.unwrap().to_string(), "121.50.46.57");
        assert_eq!(o.helo.as_deref(), Some("localhost.localdomain"));
        assert_eq!(o.hop_index, 1);
    }

    #[test]
    fn single_hop_amazon_seed() {
        let hops = chain(&["from cljqxt.top (106.75.178.120) by mx.example.jp (Postfix) with ESMTP id 4NSr5M2Hk7z4"]);
        let w = walk(&hops, &Config::default());
        assert_eq!(origin_ip(&w).as_deref(), Some("106.75.178.120"));
        assert!(w.origin.unwrap().reason.contains("only Received"));
    }

    #[test]
    fn walks_through_microsoft_internal_hops_to_the_external_sender() {
        let hops = chain(&[
            "from SA3PR19MB7370.namprd19.prod.outlook.com (::1) by MN0PR19MB6312.namprd19.prod.outlook.com with HTTPS",
            "from BN0PR03CA0023.namprd03.prod.outlook.com (2603:10b6:408:e6::28) by SA3PR19MB7370.namprd19.prod.outlook.com (2603:10b6:806:317::17) with Microsoft SMTP Server",
            "from BN8NAM11FT066.eop-nam11.prod.protection.outlook.com (2603:10b6:408:e6:cafe::23) by BN0PR03CA0023.outlook.office365.com (2603:10b6:408:e6::28) with Microsoft SMTP Server",
            "from ubuntu-s-1vcpu-1gb-35gb-intel-sfo3-06 (137.184.34.4) by BN8NAM11FT066.mail.protection.outlook.com (10.13.177.138) with Microsoft SMTP Server",
            "by ubuntu-s-1vcpu-1gb-35gb-intel-sfo3-06 (Postfix, from userid 0) id 39DEA3F725",
        ]);
        let w = walk(&hops, &Config::default());
        assert_eq!(w.trusted, 4);
        assert_eq!(origin_ip(&w).as_deref(), Some("137.184.34.4"));
        assert_eq!(w.origin.unwrap().helo.as_deref(), Some("ubuntu-s-1vcpu-1gb-35gb-intel-sfo3-06"));
    }

    #[test]
    fn sender_written_lines_are_not_believed() {
        // The bottom line claims a clean origin; the sender wrote it, so it must not become the origin.
        let hops = chain(&[
            "from evil.example (evil.example [45.95.147.66]) by mx.example.net (Postfix)",
            "from good.example.org ([102.69.133.1]) by relay.example.org",
        ]);
        let w = walk(&hops, &Config::default());
        assert_eq!(w.trusted, 1);
        assert_eq!(origin_ip(&w).as_deref(), Some("45.95.147.66"));
    }

    #[test]
    fn forged_line_claiming_the_recipient_org_needs_a_matching_peer() {
        let hops = chain(&[
            "from evil.example (evil.example [45.95.147.66]) by mx1.example.net (Postfix)",
            "from innocent.example.org ([102.69.133.1]) by mx2.example.net (Postfix)",
        ]);
        let w = walk(&hops, &Config::default());
        assert_eq!(origin_ip(&w).as_deref(), Some("45.95.147.66"));
    }

    #[test]
    fn gmail_leading_stamp_and_trusted_relays() {
        let hops = chain(&[
            "by 2002:a05:7300:5610:b0:de:2c4b:e8b with SMTP id x",
            "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id y",
            "by mail-sor-f41.google.com with SMTP id z",
        ]);
        let w = walk(&hops, &Config::default());
        // google.com on both ends with no peer recorded below: the sender's Gmail hop is Google's own stamp.
        assert_eq!(w.trusted, 3);
        assert_eq!(origin_ip(&w).as_deref(), Some("209.85.220.41"), "the bottom stamp records no peer");

        let hops = chain(&[
            "from gw.example.net (gw.example.net [45.95.147.2]) by mailstore.example.com",
            "from sender.example ([102.69.133.50]) by gw.example.net",
        ]);
        assert_eq!(origin_ip(&walk(&hops, &Config::default())).as_deref(), Some("45.95.147.2"));
        let cfg = Config { trusted_relays: vec![TrustedRelay::parse("45.95.147.0/24").unwrap()], ..Default::default() };
        assert_eq!(origin_ip(&walk(&hops, &cfg)).as_deref(), Some("102.69.133.50"));
    }

    #[test]
    fn provider_internal_stamps_between_two_deliveries() {
        // Forwarded through Gmail twice: the stamp between the two deliveries names its server by address only.
        let hops = chain(&[
            "by 2002:a4a:8e45:0:0:0:0:0 with SMTP id z5csp3690610ook",
            "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id e21",
            "by 2002:a19:24c6:0:0:0:0:0 with SMTP id k189csp3869744lfk",
            "from srs3.zonevs.eu (srs3.zonevs.eu. [217.146.68.193]) by mx.google.com with ESMTPS id j19",
            "from foo [127.0.0.1] by srs3.zonevs.eu (ZoneMTA Forwarder) with ESMTP id 1758",
        ]);
        let w = walk(&hops, &Config::default());
        assert_eq!(w.trusted, 4);
        assert_eq!(origin_ip(&w).as_deref(), Some("217.146.68.193"));
        // The same stamp below an outsider's hand-off is the outsider's word.
        let hops = chain(&[
            "from evil.example (evil.example [45.95.147.66]) by mx.google.com with ESMTPS id a",
            "by 2002:a19:24c6:0:0:0:0:0 with SMTP id k189",
            "from fake.example ([102.69.133.1]) by mx.google.com with ESMTPS id b",
        ]);
        assert_eq!(origin_ip(&walk(&hops, &Config::default())).as_deref(), Some("45.95.147.66"));
    }

    #[test]
    fn private_addresses_are_never_origins() {
        let hops = chain(&["from pc.corp.local ([10.0.0.7]) by mail.corp.local"]);
        let o = walk(&hops, &Config::default()).origin.unwrap();
        assert_eq!(o.ip, None);
        assert!(o.reason.contains("10.0.0.7"));
    }

    #[test]
    fn organisations() {
        assert!(same_org("BN0PR03CA0023.outlook.office365.com", "SA3PR19MB7370.namprd19.prod.outlook.com"));
        assert!(same_org("mx.google.com", "smtp.gmail.com"));
        assert!(same_org("ex01.corp.local", "EX02.corp.local."));
        assert!(!same_org("a.local", "b.local"));
        assert!(!same_org("mx.example.net", "mx.example.org"));
        assert!(!same_org("", ""));
    }
}
