//! Header forensics: identities (From, Reply-To, Sender, Return-Path, Message-ID), the Received chain as hops,
//! the origin hop, what the receiving server recorded (Authentication-Results), and header anomalies.
//!
//! The one idea that runs through this module: a header is evidence only when we know who wrote it. The top of
//! the Received chain and the results stamped there were written by the recipient's side; everything below the
//! origin was written by the sender, who is the suspect. Each grammar lives in its own submodule; this file
//! wires them into `Facts` and turns the facts into findings.

pub mod auth_results;
pub mod date;
pub mod disguise;
pub mod origin;
pub mod received;

use crate::config::Config;
use crate::domain;
use crate::finding::{Evidence, Finding, bounded};
use crate::model::{DeliveryAuth, Facts, Hop, Problem};
use crate::parse::Mail;
use auth_results::AuthResults;
use received::Received;

/// Longest unfolded Received text kept per hop.
const MAX_HOP_RAW: usize = 1000;
/// Most Authentication-Results-like headers looked at.
const MAX_AUTH_COPIES: usize = 32;
/// Date ahead of the receiving server's clock by more than this is "in the future" (senders' clocks drift).
const FUTURE_SLACK_SECS: i64 = 3600;
/// Date behind the first trusted receipt by more than this is far from the Received times.
const FAR_PAST_SECS: i64 = 24 * 3600;

/// Fill identities, date, mailer, hops, origin, transit time and delivery auth.
pub fn extract(mail: &Mail, cfg: &Config, facts: &mut Facts) {
    facts.subject = mail.subject();
    facts.from = mail.from();
    facts.reply_to = mail.reply_to();
    facts.sender = mail.sender();
    facts.to = mail.to();
    facts.return_path = mail.return_path();
    facts.message_id = mail.message_id();
    let (parsed_date, date_raw) = mail.date();
    // Our reader first: the mail parser drops obsolete zones (`JST` read as UTC) and rejects some dialects.
    facts.date = date_raw.as_deref().and_then(date::parse_date).or(parsed_date);
    facts.date_raw = date_raw;
    facts.mailer = mail.header_text("X-Mailer").or_else(|| mail.header_text("User-Agent"));
    // Raw values: the parser reads these as address lists and would hand back no text.
    let first_raw = |name: &str, max: usize| {
        mail.header_raw_all(name).into_iter().next().map(|v| crate::finding::bounded(v.trim(), max))
    };
    facts.list_id = first_raw("List-Id", 200);
    facts.list_unsubscribe = first_raw("List-Unsubscribe", 300);

    let raws = mail.header_raw_all("Received");
    let max_hops = cfg.limits.max_hops;
    if raws.len() > max_hops {
        facts.problems.push(Problem {
            code: "limit.hops".to_string(),
            detail: format!("{} Received headers; only the top {max_hops} were read", raws.len()),
        });
    }
    let parsed: Vec<Received> = raws.iter().take(max_hops).map(|r| received::parse(r)).collect();
    let walk = origin::walk(&parsed, cfg);
    facts.hops = build_hops(&raws, &parsed, walk.trusted);
    facts.transit_secs = transit(&facts.hops);
    facts.origin = walk.origin;
    let copies = auth_copies(mail, &parsed, walk.trusted, cfg);
    facts.delivery_auth = delivery_auth(&copies);
    facts.untrusted_auth = untrusted_auth_claims(&copies);
}

fn build_hops(raws: &[String], parsed: &[Received], trusted: usize) -> Vec<Hop> {
    let mut hops: Vec<Hop> = parsed
        .iter()
        .zip(raws)
        .enumerate()
        .map(|(index, (r, raw))| Hop {
            index,
            from_name: r.from_name.clone(),
            helo: r.helo.clone(),
            ip: r.ip,
            by: r.by.clone(),
            with: r.with.clone(),
            id: r.id.clone(),
            for_: r.for_.clone(),
            timestamp: r.timestamp,
            delay_secs: None,
            trusted: index < trusted,
            raw: bounded(raw.trim(), MAX_HOP_RAW),
        })
        .collect();
    // Delay of a hop: its time minus the nearest older (lower) dated hop's time. Negative is clock skew, kept.
    let mut older: Option<i64> = None;
    for hop in hops.iter_mut().rev() {
        if let Some(t) = hop.timestamp {
            hop.delay_secs = older.map(|o| t.saturating_sub(o));
            older = Some(t);
        }
    }
    hops
}

/// Newest (topmost dated) minus oldest (bottom-most dated) hop time.
fn transit(hops: &[Hop]) -> Option<i64> {
    let mut dated = hops.iter().filter_map(|h| h.timestamp);
    let newest = dated.next()?;
    // None when only one hop is dated.
    let oldest = dated.next_back()?;
    Some(newest.saturating_sub(oldest))
}

/// One Authentication-Results-like header and where it sits.
#[derive(Debug, Clone)]
pub struct AuthCopy {
    pub header: &'static str,
    pub value: String,
    pub parsed: AuthResults,
    /// Added by the recipient's side (above the origin, or just below it with the recipient's authserv-id).
    pub trusted: bool,
}

const AUTH_HEADERS: [&str; 3] = ["Authentication-Results", "ARC-Authentication-Results", "Received-SPF"];

/// Every results header, classified as the recipient's own or the sender's words by its position relative to
/// the Received lines.
fn auth_copies(mail: &Mail, parsed: &[Received], trusted: usize, cfg: &Config) -> Vec<AuthCopy> {
    let names = mail.header_names();
    let values: Vec<Vec<String>> = AUTH_HEADERS.iter().map(|h| mail.header_raw_all(h)).collect();
    let mut seen = [0usize; 3];
    let mut received_seen = 0usize;
    let lowest = trusted.checked_sub(1);
    let trusted_hops = &parsed[..trusted.min(parsed.len())];
    let mut out: Vec<AuthCopy> = Vec::new();
    // Header kinds the server that wrote the lowest trusted line put just above that line: it writes them there,
    // so a copy of the same kind just below is not its own even if it names the recipient's servers. (Copies
    // higher up may come from earlier deliveries through the same provider, and say nothing about this.)
    let mut written_above = [false; 3];
    for name in &names {
        if name.eq_ignore_ascii_case("Received") {
            received_seen += 1;
            continue;
        }
        let Some(kind) = AUTH_HEADERS.iter().position(|h| name.eq_ignore_ascii_case(h)) else { continue };
        let Some(value) = values[kind].get(seen[kind]) else { continue };
        seen[kind] += 1;
        if out.len() >= MAX_AUTH_COPIES {
            break;
        }
        let parsed_value =
            if kind == 2 { auth_results::parse_received_spf(value) } else { auth_results::parse_auth_results(value) };
        // `received_seen` Received lines are above this header. Above the lowest trusted line: written by the
        // recipient's side. Between it and the next line: the recipient's only if it names the recipient's
        // servers (Gmail and Postfix milters put their results just below their own Received).
        let is_trusted = match lowest {
            None => false,
            Some(l) if received_seen <= l => {
                // Only the writer of the lowest trusted line counts: a copy stamped here by a server higher up
                // (Gmail puts its results just below its own Received, so above the next one) says nothing
                // about where the writer of line `l` puts its own.
                written_above[kind] |= received_seen == l && written_by_hop(&parsed_value, parsed.get(l));
                true
            }
            Some(l) if received_seen == l + 1 => {
                !written_above[kind]
                    && parsed_value
                        .authserv_id
                        .as_deref()
                        .is_some_and(|id| origin::is_trusted_host(id, trusted_hops, cfg))
            }
            Some(_) => false,
        };
        out.push(AuthCopy {
            header: AUTH_HEADERS[kind],
            value: bounded(value.trim(), MAX_HOP_RAW),
            parsed: parsed_value,
            trusted: is_trusted,
        });
    }
    out
}

/// Whether an authentication header names the server that wrote `hop` (no name: assume it does, as before).
fn written_by_hop(value: &AuthResults, hop: Option<&Received>) -> bool {
    match (value.authserv_id.as_deref(), hop.and_then(|h| h.by.as_deref())) {
        (Some(id), Some(by)) => origin::same_org(id, by),
        _ => true,
    }
}

/// The delivery results: the topmost trusted Authentication-Results, completed from the other trusted copies.
fn delivery_auth(copies: &[AuthCopy]) -> Option<DeliveryAuth> {
    let trusted: Vec<&AuthCopy> = copies.iter().filter(|c| c.trusted && !c.parsed.is_empty()).collect();
    let primary = trusted.iter().find(|c| c.header == "Authentication-Results").or_else(|| trusted.first()).copied()?;
    let mut da = DeliveryAuth {
        authserv_id: primary.parsed.authserv_id.clone(),
        spf: primary.parsed.spf.clone(),
        dkim: primary.parsed.dkim.clone(),
        dmarc: primary.parsed.dmarc.clone(),
        arc: primary.parsed.arc.clone(),
        raw: format!("{}: {}", primary.header, primary.value),
    };
    for c in &trusted {
        da.spf = da.spf.or_else(|| c.parsed.spf.clone());
        da.dkim = da.dkim.or_else(|| c.parsed.dkim.clone());
        da.dmarc = da.dmarc.or_else(|| c.parsed.dmarc.clone());
        da.arc = da.arc.or_else(|| c.parsed.arc.clone());
        da.authserv_id = da.authserv_id.or_else(|| c.parsed.authserv_id.clone());
    }
    Some(da)
}

/// Header findings.
pub fn check(facts: &Facts, cfg: &Config, out: &mut Vec<Finding>) {
    check_origin_helo(facts, out);
    check_message_id(facts, out);
    check_identities(facts, out);
    check_date(facts, cfg, out);
    check_mailer(facts, out);
    check_delivery_auth(facts, out);
    check_untrusted_auth(&facts.untrusted_auth, facts, out);
    check_disguise(facts, out);
    check_sender_platform(facts, out);
    check_random_local_part(facts, out);
    check_from_malformed(facts, out);
    check_unsubscribe_without_list_header(facts, out);
}

/// A From address no mail program writes: a trailing dot after the domain (`service@stayfriends.de.`), or
/// spaces, commas or quotes inside it (`hi@soltv,us`, `noreply@Kundenbetreuung Auto-Notfallset.de`). Bulk
/// senders that fake a brand's domain mangle it so that receivers cannot check it against the brand's DNS,
/// while the reader still sees the brand. Bounces from a local MAILER-DAEMON are left alone.
fn check_from_malformed(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(address) = facts.from.as_ref().and_then(|m| m.address.as_deref()) else { return };
    let Some((_, dom)) = address.rsplit_once('@') else { return };
    if domain::is_system_sender(address) {
        return;
    }
    let reason = if dom.ends_with('.') {
        "trailing-dot"
    } else if address.contains([' ', ',', '"', '\'', '<', '>', ';']) {
        "illegal-characters"
    } else {
        return;
    };
    out.push(
        Finding::new("headers.from_address_malformed")
            .param("address", address)
            .param("reason", reason)
            .evidence(Evidence::header("From", address)),
    );
}

/// The body offers to unsubscribe but the headers carry no List-Unsubscribe or List-Id. Every mailing list and
/// every legitimate bulk sender declares itself in the headers (the big mailbox providers require a
/// List-Unsubscribe header of bulk senders); a footer that only imitates one belongs to mail that wants to look
/// like a newsletter.
fn check_unsubscribe_without_list_header(facts: &Facts, out: &mut Vec<Finding>) {
    if facts.list_id.is_some() || facts.list_unsubscribe.is_some() {
        return;
    }
    let Some(hit) = facts.content.lexicon_hits.iter().find(|h| h.category == "unsubscribe") else { return };
    out.push(
        Finding::new("headers.unsubscribe_without_list_header")
            .param("term", hit.term.clone())
            .evidence(Evidence::body("text", &hit.excerpt)),
    );
}

/// A From local part of random mixed-case letters (`DwAhOwx@`, `aNiOPsklEuPFaAJ@`): bulk-sending tools make up a
/// mailbox per message on throw-away domains. Names written in CamelCase (`TrackingUpdates`, `ThosStew`,
/// `eBayInternetMarketing`, `McDonaldsUSA`) are kept apart: there each capital starts a word of three or more
/// letters, while random strings keep starting "words" of one or two letters.
pub fn is_random_local_part(local: &str) -> bool {
    if !(6..=24).contains(&local.len()) || !local.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let b = local.as_bytes();
    let switches = b.windows(2).filter(|w| w[0].is_ascii_lowercase() != w[1].is_ascii_lowercase()).count();
    // Segments: a run of capitals and the lowercase run after it (the leading lowercase run is not one).
    let mut short_words = 0;
    let mut i = b.iter().position(|c| c.is_ascii_uppercase()).unwrap_or(b.len());
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_uppercase() {
            i += 1;
        }
        let lower_start = i;
        while i < b.len() && b[i].is_ascii_lowercase() {
            i += 1;
        }
        if (1..=2).contains(&(i - lower_start)) {
            short_words += 1;
        }
    }
    short_words >= 2 && switches >= 4
}

/// Letter runs of a local part written the way people and companies write names: lower case, capitals,
/// Capitalised, CamelCase words, acronyms before or after a word, and the few short prefixes of real names
/// (eBay, McDonalds, NoReply, LaToya).
static NATURAL_CASE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    let short = "(?:e|i|Mc|Mac|Le|La|De|Di|Da|Du|No|My|Go|Jo|St|O|Al|El|Te|To|So|We|Hi)";
    let word = "(?:[A-Z][a-z]{2,}|[A-Z]{2,})";
    let pattern =
        format!("^(?:[a-z]+|[A-Z]+|[A-Z][a-z]+|(?:[a-z]{{2,}}|[A-Z][a-z]{{2,}}|[A-Z]{{1,6}}|{short}){word}+)$");
    regex::Regex::new(&pattern).ok()
});

/// A letter run of four or more with a case pattern no name has (`newsletters.MmUdn`, `renew_oFEVpcqP0it`,
/// `cUSToMER_service`): bulk tools randomise the case of a word or a token per message. Encoded bounce addresses
/// (VERP, SRS: `#` or `=` in the local part) are machine-made by design and left alone.
pub fn has_random_case_run(local: &str) -> bool {
    let Some(natural) = NATURAL_CASE.as_ref() else { return false };
    if local.len() > 128 || local.contains(['#', '=']) {
        return false;
    }
    local.split(|c: char| !c.is_ascii_alphabetic()).filter(|run| run.len() >= 4).any(|run| !natural.is_match(run))
}

fn check_random_local_part(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(address) = facts.from.as_ref().and_then(|m| m.address.as_deref()) else { return };
    let Some((local, _)) = address.rsplit_once('@') else { return };
    if is_random_local_part(local) || has_random_case_run(local) {
        out.push(
            Finding::new("headers.from_random_local_part")
                .param("local", local)
                .evidence(Evidence::header("From", address)),
        );
    }
}

/// Hosting platforms whose default mail domain stands in for a company's own: a Microsoft 365 tenant that never
/// set up its domain. Free web-hosting zones (firebaseapp.com, ...) come from the links area's list.
const DEFAULT_TENANT_ZONES: &[&str] = &["onmicrosoft.com"];

/// The From address sits on a hosting platform's default domain (`noreply@geo8-86e2a.firebaseapp.com`,
/// `x@contoso123.onmicrosoft.com`): anyone can get one in minutes, and an organisation writing to its customers
/// sends from its own domain.
fn check_sender_platform(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(from) = &facts.from else { return };
    let Some(dom) = from.domain.as_deref() else { return };
    let host = domain::normalize_host(dom);
    let zone = crate::links::signals::free_hosting_zone(&host).or_else(|| {
        DEFAULT_TENANT_ZONES.iter().copied().find(|z| {
            host.len() > z.len() && host.ends_with(z) && {
                host.as_bytes().get(host.len() - z.len() - 1) == Some(&b'.')
            }
        })
    });
    let Some(zone) = zone else { return };
    let shown = from.address.clone().unwrap_or_else(|| host.clone());
    out.push(
        Finding::new("headers.from_hosting_platform")
            .param("domain", host.clone())
            .param("zone", zone)
            .evidence(Evidence::header("From", shown)),
    );
}

/// Subject or sender name written with look-alike letters, invisible characters or math letters.
fn check_disguise(facts: &Facts, out: &mut Vec<Finding>) {
    let name = facts.from.as_ref().and_then(|m| m.display_name.as_deref());
    // The address itself too: `noreply@𝗩𝗲𝗿𝗸𝗮𝗱𝗲.𝗻𝗹` reads as the brand's domain but is no domain at all.
    let address = facts.from.as_ref().and_then(|m| m.address.as_deref()).filter(|a| !a.is_ascii());
    for (header, text) in [("From", name), ("From", address), ("Subject", facts.subject.as_deref())] {
        let Some(text) = text else { continue };
        if let Some((kind, word)) = disguise::find(text) {
            out.push(
                Finding::new("headers.disguised_text")
                    .param("header", header)
                    .param("kind", kind.name())
                    .param("word", word)
                    .evidence(Evidence::header(header, text)),
            );
        }
    }
}

fn is_localhost(name: &str) -> bool {
    let n = domain::normalize_host(name);
    n == "localhost" || n == "localdomain" || n.starts_with("localhost.") || n.ends_with(".localdomain")
}

/// A name that is not a fully qualified domain under a known public suffix (and not an address literal).
fn is_not_fqdn(name: &str) -> bool {
    let n = domain::normalize_host(name);
    domain::host_ip(&n).is_none() && domain::registrable(&n).is_none()
}

fn check_origin_helo(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(origin) = &facts.origin else { return };
    // An internal origin (no public address) is a local submission where odd names are normal.
    let Some(ip) = origin.ip else { return };
    let Some(helo) = origin.helo.as_deref() else { return };
    let raw = facts.hops.get(origin.hop_index).map(|h| h.raw.as_str()).unwrap_or("");
    let evidence = || Evidence::hop(origin.hop_index, raw);
    let id = if is_localhost(helo) {
        "headers.helo_localhost"
    } else if domain::host_ip(helo).is_some() {
        "headers.helo_ip_literal"
    } else if is_not_fqdn(helo) {
        "headers.helo_not_fqdn"
    } else {
        return;
    };
    out.push(Finding::new(id).param("helo", helo).param("ip", ip.to_string()).evidence(evidence()));
}

/// Registrable domain of a host, or the host itself when it has none.
fn org_key(host: &str) -> String {
    let h = domain::normalize_host(host);
    domain::registrable(&h).unwrap_or(h)
}

fn from_domain(facts: &Facts) -> Option<&str> {
    facts.from.as_ref()?.domain.as_deref().filter(|d| !d.is_empty())
}

fn check_message_id(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(mid) = facts.message_id.as_deref() else { return };
    let evidence = || Evidence::header("Message-ID", format!("<{mid}>"));
    let Some((_, mid_domain)) = mid.rsplit_once('@') else {
        out.push(Finding::new("headers.message_id_no_fqdn").param("domain", "").evidence(evidence()));
        return;
    };
    let mid_domain = mid_domain.trim().trim_end_matches('>');
    if is_localhost(mid_domain) {
        out.push(Finding::new("headers.message_id_localhost").param("domain", mid_domain).evidence(evidence()));
        return;
    }
    if is_not_fqdn(mid_domain) || domain::host_ip(mid_domain).is_some() {
        out.push(Finding::new("headers.message_id_no_fqdn").param("domain", mid_domain).evidence(evidence()));
        return;
    }
    let Some(from) = from_domain(facts) else { return };
    if origin::same_org(mid_domain, from) {
        return;
    }
    // The recipient's own servers minted the id for mail from outside: the sender sent none, which real mail
    // software always does. (Mail created on the recipient's side, such as local notifications, is excluded.)
    let minted_by_receiver = facts.origin.as_ref().is_some_and(|o| {
        o.ip.is_some()
            && facts
                .hops
                .iter()
                .take(o.hop_index + 1)
                .filter_map(|h| h.by.as_deref())
                .any(|by| origin::same_org(by, mid_domain))
    });
    let id = if minted_by_receiver { "headers.message_id_added_by_receiver" } else { "headers.message_id_foreign" };
    out.push(
        Finding::new(id)
            .param("domain", org_key(mid_domain))
            .param("from_domain", org_key(from))
            .evidence(evidence())
            .evidence(Evidence::header(
                "From",
                facts.from.as_ref().and_then(|f| f.address.clone()).unwrap_or_default(),
            )),
    );
}

fn check_identities(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(from) = from_domain(facts) else { return };
    let from_address = facts.from.as_ref().and_then(|f| f.address.clone()).unwrap_or_default();
    let from_evidence = || Evidence::header("From", &from_address);

    // Mailing lists: Mailman and Google Groups rewrite From to the list ("Name via List", with Sender at the
    // list) and point Reply-To at the author; classic lists send as Sender and point Reply-To at the list.
    let sender_domain = facts.sender.as_ref().and_then(|s| s.domain.as_deref());
    let from_is_list_rewrite = facts.from.as_ref().and_then(|f| f.display_name.as_deref()).is_some_and(|n| {
        let Some(at) = n.to_lowercase().find(" via ") else { return false };
        let author = n.get(..at).unwrap_or_default().trim();
        sender_domain.is_some_and(|s| origin::same_org(s, from))
            || facts
                .reply_to
                .iter()
                .any(|r| r.display_name.as_deref().is_some_and(|d| !author.is_empty() && d.trim() == author))
    });
    let reply_to = facts
        .reply_to
        .iter()
        .find(|m| m.domain.as_deref().is_some_and(|d| !origin::same_org(d, from)))
        .filter(|_| !from_is_list_rewrite);
    if let Some(rt) = reply_to {
        let rt_domain = rt.domain.as_deref().unwrap_or_default();
        let rt_address = rt.address.clone().unwrap_or_default();
        // Replies going to whoever declared itself the Sender (a list) is what lists do, not a diversion; but a
        // "list" cannot launder a free-mail Reply-To.
        let replies_to_sender = sender_domain.is_some_and(|s| origin::same_org(s, rt_domain));
        let id = if is_freemail(rt_domain) && !is_freemail(from) {
            Some("headers.reply_to_freemail")
        } else if replies_to_sender {
            None
        } else {
            Some("headers.reply_to_mismatch")
        };
        if let Some(id) = id {
            out.push(
                Finding::new(id)
                    .param("reply_to", &rt_address)
                    .param("domain", org_key(rt_domain))
                    .param("from_domain", org_key(from))
                    .evidence(Evidence::header("Reply-To", &rt_address))
                    .evidence(from_evidence()),
            );
        }
    }
    if let Some(rp) = facts.return_path.as_deref()
        && let Some(rp_domain) = domain::address_domain(rp)
        && !origin::same_org(&rp_domain, from)
    {
        out.push(
            Finding::new("headers.return_path_mismatch")
                .param("domain", org_key(&rp_domain))
                .param("from_domain", org_key(from))
                .evidence(Evidence::header("Return-Path", format!("<{rp}>")))
                .evidence(from_evidence()),
        );
    }
    if let Some(sender) = &facts.sender
        && let Some(s_domain) = sender.domain.as_deref()
        && !origin::same_org(s_domain, from)
    {
        out.push(
            Finding::new("headers.sender_mismatch")
                .param("domain", org_key(s_domain))
                .param("from_domain", org_key(from))
                .evidence(Evidence::header("Sender", sender.address.clone().unwrap_or_default()))
                .evidence(from_evidence()),
        );
    }
}

fn check_date(facts: &Facts, cfg: &Config, out: &mut Vec<Finding>) {
    let Some(date) = facts.date else { return };
    let date_raw = facts.date_raw.clone().unwrap_or_default();
    // The receiving side's clock: when the message entered the trusted part of the chain.
    let receipt = facts
        .origin
        .as_ref()
        .and_then(|o| facts.hops.get(o.hop_index))
        .filter(|h| h.timestamp.is_some())
        .or_else(|| facts.hops.iter().find(|h| h.trusted && h.timestamp.is_some()));
    match receipt.and_then(|h| h.timestamp.map(|t| (h, t))) {
        Some((hop, received_at)) => {
            let ahead = date.saturating_sub(received_at);
            let evidence = [Evidence::header("Date", &date_raw), Evidence::hop(hop.index, &hop.raw)];
            let finding = if ahead > FUTURE_SLACK_SECS {
                Finding::new("headers.date_in_future").param("hours", format!("{:.1}", ahead as f64 / 3600.0))
            } else if -ahead > FAR_PAST_SECS {
                Finding::new("headers.date_far_from_received").param("hours", format!("{:.0}", -ahead as f64 / 3600.0))
            } else {
                return;
            };
            out.push(evidence.into_iter().fold(finding, Finding::evidence));
        }
        None => {
            let now = cfg.now.unwrap_or_else(|| chrono::Utc::now().timestamp());
            let ahead = date.saturating_sub(now);
            if ahead > FAR_PAST_SECS {
                out.push(
                    Finding::new("headers.date_in_future")
                        .param("hours", format!("{:.1}", ahead as f64 / 3600.0))
                        .evidence(Evidence::header("Date", &date_raw)),
                );
            }
        }
    }
}

/// Bulk-sending tools and phishing-kit mailers, matched case-insensitively as substrings of X-Mailer.
const BULK_MAILERS: &[&str] = &[
    "phpmailer [version 1.",
    "leaf phpmailer",
    "leafmailer",
    "atomic mail sender",
    "sendblaster",
    "maxbulk",
    "gammadyne",
    "turbo-mailer",
    "turbo mailer",
    "supermailer",
    "super mailer",
    "groupmail",
    "advanced mass sender",
    "mass mailer",
    "bulk mailer",
    "bulk email",
    "mailking",
    "smart_send",
    "send-safe",
    "darkmailer",
    "dark mailer",
    "quicksender",
    "worldmerge",
    "email marketing director",
    "mailbomber",
];

/// Scripting libraries: common on legitimate web-application mail too, so weak.
const SCRIPT_MAILERS: &[&str] =
    &["phpmailer", "php/", "php mailer", "mime::lite", "perl script", "class smtpmail", "custom mailer", "python"];

fn check_mailer(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(mailer) = facts.mailer.as_deref().map(str::trim).filter(|m| !m.is_empty()) else { return };
    let lower = mailer.to_ascii_lowercase();
    let id = if BULK_MAILERS.iter().any(|b| lower.contains(b)) {
        "headers.mailer_bulk_tool"
    } else if looks_random(mailer) {
        "headers.mailer_random"
    } else if SCRIPT_MAILERS.iter().any(|b| lower.contains(b)) {
        "headers.mailer_script"
    } else {
        return;
    };
    out.push(Finding::new(id).param("mailer", mailer).evidence(Evidence::header("X-Mailer", mailer)));
}

/// A mailer name that names no product: only digits, or a short alphanumeric jumble (`BkXkD`, `0a5dq`) of the
/// kind bulk tools randomise per message to dodge filters.
fn looks_random(mailer: &str) -> bool {
    if mailer.len() > 12 || !mailer.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    if mailer.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let has_digit = mailer.bytes().any(|b| b.is_ascii_digit());
    let has_alpha = mailer.bytes().any(|b| b.is_ascii_alphabetic());
    // A capital after a lower-case letter inside the word (`BkXkD`), not CamelCase product names with a
    // leading capital only.
    let inner_caps =
        mailer.as_bytes().windows(2).filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase()).count();
    (has_digit && has_alpha) || (inner_caps >= 1 && mailer.len() <= 8)
}

fn check_delivery_auth(facts: &Facts, out: &mut Vec<Finding>) {
    let Some(da) = &facts.delivery_auth else { return };
    let (header, value) = da.raw.split_once(": ").unwrap_or(("Authentication-Results", da.raw.as_str()));
    let evidence = || Evidence::header(header, value);
    let by = da.authserv_id.clone().unwrap_or_else(|| "the receiving server".to_string());
    let from = from_domain(facts).unwrap_or_default().to_string();
    let push = |out: &mut Vec<Finding>, id: &str, result: &str| {
        out.push(
            Finding::new(id).param("result", result).param("by", &by).param("from_domain", &from).evidence(evidence()),
        );
    };
    match da.spf.as_deref() {
        Some("fail") => push(out, "headers.spf_fail", "fail"),
        Some("softfail") => push(out, "headers.spf_softfail", "softfail"),
        _ => {}
    }
    if da.dkim.as_deref() == Some("fail") {
        push(out, "headers.dkim_fail", "fail");
    }
    match da.dmarc.as_deref() {
        Some("fail") => push(out, "headers.dmarc_fail", "fail"),
        Some("pass") => {
            // DMARC passes for the domain it was evaluated for; it speaks for From only if that is From's domain.
            let evaluated = auth_results::parse_auth_results(value).dmarc_from;
            if !from.is_empty() && evaluated.as_deref().is_some_and(|d| org_key(d) == org_key(&from)) {
                push(out, "headers.dmarc_pass", "pass");
            }
        }
        _ => {}
    }
}

/// The results headers the sender wrote (below the trusted part) that claim a pass, one `DeliveryAuth` each
/// (`raw` is `Header-Name: value`). Kept apart from `delivery_auth`: they are claims, not results.
pub fn untrusted_auth_claims(copies: &[AuthCopy]) -> Vec<DeliveryAuth> {
    copies
        .iter()
        .filter(|c| !c.trusted && c.parsed.claims_pass())
        .take(8)
        .map(|c| DeliveryAuth {
            authserv_id: c.parsed.authserv_id.clone(),
            spf: c.parsed.spf.clone(),
            dkim: c.parsed.dkim.clone(),
            dmarc: c.parsed.dmarc.clone(),
            arc: c.parsed.arc.clone(),
            raw: format!("{}: {}", c.header, c.value),
        })
        .collect()
}

/// Findings about results headers the sender wrote: a copy below the trusted part that claims a pass is the
/// sender vouching for itself. It is a forgery outright when it names the recipient's own servers as its
/// author; otherwise it may be an honest intermediary (a mailing list, a forwarder) and weighs little.
pub fn check_untrusted_auth(claims: &[DeliveryAuth], facts: &Facts, out: &mut Vec<Finding>) {
    let receiver_ids: Vec<&str> = facts
        .hops
        .iter()
        .filter(|h| h.trusted)
        .filter_map(|h| h.by.as_deref())
        .chain(facts.delivery_auth.as_ref().and_then(|d| d.authserv_id.as_deref()))
        .collect();
    for c in claims {
        let id = c.authserv_id.clone().unwrap_or_default();
        // An ARC set is sealed and checked by the receiver (arc=), and forwarding through the same provider
        // legitimately leaves its earlier ARC results below; only plain results can be passed off as the
        // receiver's own.
        let is_arc = c.raw.starts_with("ARC-");
        let impersonates = !is_arc && !id.is_empty() && receiver_ids.iter().any(|r| origin::same_org(r, &id));
        let finding = if impersonates { "headers.auth_results_forged" } else { "headers.auth_results_untrusted_pass" };
        let (header, value) = c.raw.split_once(": ").unwrap_or(("Authentication-Results", c.raw.as_str()));
        out.push(Finding::new(finding).param("authserv_id", id).evidence(Evidence::header(header, value)));
    }
}

/// Free mail providers: anyone can get an address there in a minute. Compared by registrable domain.
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.jp",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.com.br",
    "ymail.com",
    "rocketmail.com",
    "hotmail.com",
    "hotmail.co.jp",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.com.br",
    "outlook.com",
    "outlook.jp",
    "outlook.com.br",
    "live.com",
    "live.jp",
    "msn.com",
    "aol.com",
    "aim.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "mail.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "yandex.ru",
    "yandex.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "email.com",
    "usa.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "tutanota.com",
    "zoho.com",
    "zohomail.com",
    "qq.com",
    "163.com",
    "126.com",
    "yeah.net",
    "sina.com",
    "sohu.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "rediffmail.com",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "libero.it",
    "laposte.net",
    "orange.fr",
    "t-online.de",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "interia.pl",
    "onet.pl",
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "au.com",
    "softbank.ne.jp",
    "i.softbank.jp",
    "excite.co.jp",
    "yopmail.com",
    "mailinator.com",
    "guerrillamail.com",
    "cock.li",
];

/// True when the domain belongs to a free mail provider.
pub fn is_freemail(domain_name: &str) -> bool {
    let key = org_key(domain_name);
    FREEMAIL.contains(&key.as_str())
}

#[cfg(test)]
mod tests;
