//! Report sections from live lookups: 送信元IPの調査 (origin IP) and リンク先の調査 (link domains and hosts).
//! Every fact says where it came from (and how old it is when cached); unknowns are listed as unknown.

use super::i18n::{Lang, t};
use super::sink::{Sink, Tone};
use crate::domain::defang;
use crate::intel::{DomainIntel, Intel, IpIntel, Source};
use crate::judge::Report;

/// Labels used only here (the shared i18n table belongs to the renderer as a whole).
fn tr(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

fn source_note(lang: Lang, s: &Source) -> String {
    let mut out = s.source.clone();
    if let Some(server) = &s.server {
        out.push_str(&format!(" {server}"));
    }
    if s.replayed {
        out.push_str(&format!(", {}", t(lang, "intel.from_evidence")));
    } else if let Some(age) = s.cache_age_secs {
        out.push_str(&format!(", {} {}", t(lang, "intel.cached"), super::fmt_duration(age)));
    }
    out
}

/// `offline`: only local GeoIP lookups ran, so there is no RDAP or reverse DNS to call unknown.
fn ip_block(ip: &IpIntel, offline: bool, lang: Lang, s: &mut dyn Sink) {
    let mut head = ip.ip.to_string();
    if let Some(h) = &ip.hosting {
        head.push_str(&format!(" [{} / {}]", h.provider, t(lang, &format!("intel.kind_{}", h.kind))));
    }
    s.item(&head, if ip.hosting.is_some() { Tone::Warn } else { Tone::Plain });
    match &ip.registration {
        Some(r) => {
            let name = [r.name.as_deref(), r.handle.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" / ");
            if !name.is_empty() {
                s.sub(&format!("{}: {name}", t(lang, "intel.network")));
            }
            if let Some(range) = &r.range {
                s.sub(&format!("{}: {range}", t(lang, "intel.range")));
            }
            if let Some(org) = &r.org {
                s.sub(&format!("{}: {org}", t(lang, "intel.org")));
            }
            if let Some(c) = &r.country {
                s.sub(&format!("{}: {c}", t(lang, "intel.country")));
            }
            if let Some(a) = &r.origin_as {
                s.sub(&format!("ASN: {a}"));
            }
            if !r.abuse_emails.is_empty() {
                s.sub(&format!("{}: {}", t(lang, "intel.abuse"), r.abuse_emails.join(", ")));
            }
            if let Some(d) = &r.registered {
                s.sub(&format!("{}: {d}", t(lang, "intel.registered")));
            }
            s.sub(&format!("{}: {}", t(lang, "intel.source"), source_note(lang, &r.source)));
        }
        None if offline => {}
        None => s.sub(&format!("RDAP: {}", t(lang, "intel.unknown"))),
    }
    if let Some(g) = &ip.geo {
        let parts: Vec<String> = [g.asn.map(|a| format!("AS{a}")), g.as_org.clone(), g.country.clone(), g.city.clone()]
            .into_iter()
            .flatten()
            .collect();
        s.sub(&format!("GeoIP: {} ({})", parts.join(", "), source_note(lang, &g.source)));
    }
    if let Some(a) = &ip.asn {
        let mut parts = vec![format!("AS{}", a.asn)];
        parts.extend([a.name.clone(), a.holder.clone(), a.country.clone()].into_iter().flatten());
        s.sub(&format!("{}: {}", tr(lang, "AS (RDAP)", "AS(RDAP)"), parts.join(", ")));
        if !a.abuse_emails.is_empty() {
            s.sub(&format!("{}: {}", t(lang, "intel.abuse"), a.abuse_emails.join(", ")));
        }
    }
    for b in &ip.dnsbl {
        let status = match b.status.as_str() {
            "listed" => tr(lang, "listed", "登録あり"),
            "not_listed" => tr(lang, "not listed", "登録なし"),
            _ => t(lang, "intel.unknown"),
        };
        let mut line = format!("DNSBL {}: {status}", b.zone);
        if !b.codes.is_empty() {
            line.push_str(&format!(" ({})", b.codes.join(", ")));
        }
        if let Some(r) = &b.reason {
            line.push_str(&format!(" — {r}"));
        }
        s.sub(&line);
    }
    match &ip.rdns {
        Some(r) if r.names.is_empty() => s.sub(&format!("{}: {}", t(lang, "intel.rdns"), t(lang, "intel.none"))),
        Some(r) => {
            let fc = t(lang, if r.forward_confirmed { "intel.fcrdns_yes" } else { "intel.fcrdns_no" });
            s.sub(&format!("{}: {} ({fc})", t(lang, "intel.rdns"), r.names.join(", ")));
        }
        None if offline => {}
        None => s.sub(&format!("{}: {}", t(lang, "intel.rdns"), t(lang, "intel.unknown"))),
    }
}

/// An authentication result as written, except "unknown", which is said in the reader's language.
fn result_word(lang: Lang, r: &str) -> &str {
    if r == "unknown" { t(lang, "intel.unknown") } else { r }
}

/// 送信元IPの調査: network, organisation, country, abuse contact, rDNS, ASN, and sender authentication now.
pub fn origin_section(r: &Report, intel: &Intel, lang: Lang, s: &mut dyn Sink) {
    s.heading(t(lang, "intel.sec_origin"));
    let origins: Vec<&IpIntel> = intel.ips.iter().filter(|i| i.roles.iter().any(|r| r == "origin")).collect();
    if origins.is_empty() {
        s.para(t(lang, "intel.no_origin"), Tone::Plain);
    }
    for ip in origins {
        ip_block(ip, intel.mode == "offline", lang, s);
    }
    if let Some(a) = &intel.auth {
        s.kv(t(lang, "intel.auth_now"), &source_note(lang, &a.source));
        for c in &a.spf {
            let rec = c.record.as_deref().map(|x| format!(" [{x}]")).unwrap_or_default();
            let tone = match c.result.as_str() {
                "fail" | "softfail" => Tone::Bad,
                "unknown" | "temperror" => Tone::Warn,
                _ => Tone::Plain,
            };
            s.item(&format!("SPF ({}) {}: {}{rec}", c.identity, c.domain, result_word(lang, &c.result)), tone);
            if let Some(why) = &c.reason {
                s.sub(why);
            }
        }
        for d in &a.dkim {
            let why = d.reason.as_deref().map(|x| format!(" ({x})")).unwrap_or_default();
            s.item(&format!("DKIM d={} s={}: {}{why}", d.domain, d.selector, d.result), Tone::Plain);
        }
        if a.dkim.is_empty() {
            s.item(&format!("DKIM: {}", t(lang, "intel.no_signature")), Tone::Plain);
        }
        if let Some(d) = &a.dmarc {
            let tone = match d.result.as_str() {
                "fail" => Tone::Bad,
                "unknown" | "temperror" => Tone::Warn,
                _ => Tone::Plain,
            };
            s.item(
                &format!(
                    "DMARC {}: {} (p={}, spf_aligned={}, dkim_aligned={})",
                    d.domain,
                    result_word(lang, &d.result),
                    d.policy,
                    d.spf_aligned,
                    d.dkim_aligned
                ),
                tone,
            );
            if let Some(why) = &d.reason {
                s.sub(why);
            }
            if let Some(rec) = &d.record {
                s.sub(rec);
            }
        }
        if let Some(arc) = &a.arc {
            s.item(&format!("ARC: {arc}"), Tone::Plain);
        }
        // What the receiving server recorded at delivery: DNS today may differ.
        if let Some(da) = &r.facts.delivery_auth {
            let parts: Vec<String> = [("spf", &da.spf), ("dkim", &da.dkim), ("dmarc", &da.dmarc), ("arc", &da.arc)]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
                .collect();
            s.kv(t(lang, "intel.at_delivery"), &parts.join(" "));
        }
    }
    if !intel.unknown.is_empty() {
        s.kv(t(lang, "intel.unknowns"), &intel.unknown.len().to_string());
        for u in intel.unknown.iter().take(20) {
            s.sub(&format!("{}: {}", defang(&u.lookup), u.reason));
        }
    }
    let l = &intel.lookups;
    s.kv(
        t(lang, "intel.lookups"),
        &format!(
            "{} {}, {} {}, {} {}, {} ms ({})",
            l.network,
            t(lang, "intel.n_network"),
            l.cache,
            t(lang, "intel.n_cache"),
            l.replay,
            t(lang, "intel.n_replay"),
            intel.elapsed_ms,
            intel.mode
        ),
    );
}

fn domain_block(d: &DomainIntel, lang: Lang, s: &mut dyn Sink) {
    let roles = d.roles.join(", ");
    s.item(&format!("{} ({roles})", defang(&d.domain)), Tone::Plain);
    match &d.registration {
        Some(r) => {
            if let Some(c) = &r.created {
                s.sub(&format!("{}: {c}", t(lang, "intel.created")));
            }
            if let Some(age) = d.age_days_at_receipt {
                s.sub(&format!("{}: {age} {}", t(lang, "intel.age_at_receipt"), t(lang, "intel.days")));
            }
            if let Some(age) = d.age_days_now {
                s.sub(&format!("{}: {age} {}", t(lang, "intel.age_now"), t(lang, "intel.days")));
            }
            if let Some(reg) = &r.registrar {
                s.sub(&format!("{}: {reg}", t(lang, "intel.registrar")));
            }
            if !r.name_servers.is_empty() {
                s.sub(&format!("{}: {}", t(lang, "intel.name_servers"), r.name_servers.join(", ")));
            }
            if !r.status.is_empty() {
                s.sub(&format!("{}: {}", t(lang, "intel.status"), r.status.join(", ")));
            }
            s.sub(&format!("{}: {}", t(lang, "intel.source"), source_note(lang, &r.source)));
        }
        None => s.sub(&format!("{}: {}", t(lang, "intel.registration"), t(lang, "intel.unknown"))),
    }
    if let Some(dns) = &d.dns {
        let mut ips: Vec<String> = dns.a.iter().chain(dns.aaaa.iter()).map(|i| i.to_string()).collect();
        if ips.is_empty() {
            ips.push(dns.status.clone());
        }
        s.sub(&format!("DNS: {}", ips.join(", ")));
        if !dns.mx.is_empty() {
            s.sub(&format!("MX: {}", dns.mx.join(", ")));
        }
        // With no trustworthy DNS answer, a missing record is unknown, never "none".
        let absent = if dns.status == "unknown" { t(lang, "intel.unknown") } else { t(lang, "intel.none") };
        s.sub(&format!("SPF: {}", dns.spf.as_deref().unwrap_or(absent)));
        s.sub(&format!("DMARC: {}", dns.dmarc.as_deref().unwrap_or(absent)));
    }
}

/// リンク先の調査: per link domain: created, age at receipt, registrar, name servers, resolved IPs and owners.
pub fn links_section(_r: &Report, intel: &Intel, lang: Lang, s: &mut dyn Sink) {
    s.heading(t(lang, "intel.sec_links"));
    if intel.hosts.is_empty() && intel.domains.iter().all(|d| !d.roles.iter().any(|r| r == "link")) {
        s.para(t(lang, "label.no_links"), Tone::Plain);
    }
    for h in &intel.hosts {
        let ips: Vec<String> = h.ips.iter().map(|i| i.to_string()).collect();
        let what = if ips.is_empty() { h.status.clone() } else { ips.join(", ") };
        let tone = if h.status == "nxdomain" { Tone::Warn } else { Tone::Plain };
        s.item(&format!("{} → {what}", defang(&h.host)), tone);
        if h.status == "nxdomain" {
            s.sub(t(lang, "intel.gone"));
        }
    }
    for ip in intel.ips.iter().filter(|i| i.roles.iter().any(|r| r.starts_with("link:"))) {
        ip_block(ip, intel.mode == "offline", lang, s);
    }
    s.heading(t(lang, "intel.sec_domains"));
    for d in &intel.domains {
        domain_block(d, lang, s);
    }
}
