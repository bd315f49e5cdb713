//! Identity: which brand the message claims to be, whether its sender and links are the brand's, display-name
//! tricks, and lookalike domains.
//!
//! Phishing borrows a brand's name to be trusted; the brand's domains are the one thing it cannot borrow. So the
//! question is always "who does this mail say it is, and do the From address and the links belong to them?".
//! A genuine domain in From is not proof (it can be forged; the headers area checks that), but a genuine From
//! whose links all go elsewhere is a strong sign of a forged sender, as in the fake KAGOYA notice.

pub mod claims;
pub mod display_name;
pub mod lookalike;
pub mod normalize;
pub mod url_path;

use crate::brands::{BrandIndex, BrandKb, DomainKind};
use crate::config::Config;
use crate::domain;
use crate::finding::{Evidence, Finding};
use crate::model::{BrandClaim, Facts, Link, LinkSource};

/// Most body bytes searched for brand names (names deeper than this do not make a claim anyway).
const BODY_SCAN_MAX: usize = 128 << 10;
/// A body mention this close to the start, or repeated this often, is a claim; others are passing mentions.
const PROMINENT_BYTES: usize = 2000;
const PROMINENT_COUNT: usize = 3;
const MAX_HITS: usize = 4096;
const MAX_CLAIMS: usize = 16;
/// Most distinct link hosts examined for lookalikes.
const MAX_HOSTS: usize = 64;

/// Values of `BrandClaim::seen_in`.
pub const SEEN_DISPLAY_NAME: &str = "display_name";
pub const SEEN_LOCAL_PART: &str = "local_part";
pub const SEEN_SUBJECT: &str = "subject";
/// Named near the start of the body, or repeatedly.
pub const SEEN_BODY: &str = "body";
/// Named in passing deep in the body: recorded, never a finding.
pub const SEEN_BODY_MENTION: &str = "body_mention";
/// The From domain is the brand's or imitates it.
pub const SEEN_FROM_DOMAIN: &str = "from_domain";
/// A link's domain imitates the brand.
pub const SEEN_LINK: &str = "link";

const NEUTRAL_LINK_HOSTS: &[&str] = &["apps.apple.com", "itunes.apple.com", "play.google.com"];

#[derive(Default)]
struct Acc {
    brand: usize,
    seen: Vec<&'static str>,
    matched: Option<String>,
    strong_text: bool,
    body_hits: usize,
    body_first: usize,
    body_matched: Option<String>,
    weak_body: Option<(usize, String)>,
    disguised: Option<String>,
}

impl Acc {
    fn see(&mut self, where_: &'static str, matched: &str) {
        if !self.seen.contains(&where_) {
            self.seen.push(where_);
        }
        if self.matched.is_none() && !matched.is_empty() {
            self.matched = Some(crate::finding::bounded(matched, 100));
        }
    }
}

fn entry(acc: &mut Vec<Acc>, brand: usize) -> &mut Acc {
    let i = match acc.iter().position(|a| a.brand == brand) {
        Some(i) => i,
        None => {
            acc.push(Acc { brand, body_first: usize::MAX, ..Default::default() });
            acc.len() - 1
        }
    };
    &mut acc[i]
}

/// Weight of where a claim was seen, doubled to stay in integers (display name 6, address 4, subject 4,
/// body 2). Subject and body count half when the display name is some other plain name: a newsletter may
/// write about a brand without pretending to be it.
fn claim_points(seen: &[String], other_name_in_display: bool) -> u32 {
    let has = |w: &str| seen.iter().any(|s| s == w);
    let mut p = 0;
    if has(SEEN_DISPLAY_NAME) {
        p += 6;
    }
    if has(SEEN_LOCAL_PART) {
        p += 4;
    }
    if has(SEEN_SUBJECT) {
        p += if other_name_in_display { 2 } else { 4 };
    }
    if has(SEEN_BODY) {
        p += if other_name_in_display { 1 } else { 2 };
    }
    p
}

fn is_clickable(l: &Link) -> bool {
    l.sources.iter().any(|s| *s != LinkSource::Src)
}

/// Links of any brand's mail may go to social profiles, app stores and mail-delivery click trackers without
/// saying anything about the sender.
fn is_neutral(l: &Link) -> bool {
    use crate::links::signals;
    NEUTRAL_LINK_HOSTS.contains(&l.host.as_str())
        || l.registrable.as_deref().is_some_and(|r| signals::SOCIAL_DOMAINS.contains(&r))
        || (signals::is_tracker(&l.host) && signals::free_hosting_zone(&l.host).is_none())
}

/// Whether the clickable links go to the brand: Some(true) all do, Some(false) none do, None when there are
/// none to judge or they are mixed. Social profiles and click trackers are left out.
fn links_verdict(links: &[Link], idx: &BrandIndex, brand: usize) -> Option<bool> {
    let (mut own, mut foreign) = (0usize, 0usize);
    for l in links.iter().filter(|l| is_clickable(l)).take(500) {
        if idx.is_genuine_for(brand, &l.host, false) {
            own += 1;
        } else if !is_neutral(l) {
            foreign += 1;
        }
    }
    match (own, foreign) {
        (0, 0) => None,
        (_, 0) => Some(true),
        (0, _) => Some(false),
        _ => None,
    }
}

/// Distinct hosts of the links, bounded, in order of appearance.
fn link_hosts(links: &[Link]) -> Vec<&Link> {
    let mut seen = std::collections::HashSet::new();
    links.iter().filter(|l| !l.host.is_empty() && seen.insert(l.host.as_str())).take(MAX_HOSTS).collect()
}

/// Fill `facts.brands`.
pub fn extract(text: &str, kb: &BrandKb, facts: &mut Facts) {
    let idx = kb.index();
    let mut acc: Vec<Acc> = Vec::new();
    let from = facts.from.clone().unwrap_or_default();

    if let Some(dn) = from.display_name.as_deref() {
        let (folded, hits) = claims::find_in(dn, 4096, idx, 64, false);
        let named: Vec<usize> = hits.iter().map(|h| h.brand).collect();
        for h in hits {
            let e = entry(&mut acc, h.brand);
            e.see(SEEN_DISPLAY_NAME, folded.source_slice(dn, h.start, h.end));
            e.strong_text |= !h.weak;
        }
        see_disguised(&mut acc, dn, &named, SEEN_DISPLAY_NAME, idx);
    }
    if let Some((local, _)) = from.address.as_deref().and_then(|a| a.rsplit_once('@')) {
        for (b, written) in claims::in_local_part(local, idx) {
            let e = entry(&mut acc, b);
            e.see(SEEN_LOCAL_PART, &written);
            e.strong_text = true;
        }
    }
    if let Some(subject) = facts.subject.as_deref() {
        let (folded, hits) = claims::find_in(subject, 4096, idx, 64, false);
        let named: Vec<usize> = hits.iter().map(|h| h.brand).collect();
        for h in hits {
            let e = entry(&mut acc, h.brand);
            e.see(SEEN_SUBJECT, folded.source_slice(subject, h.start, h.end));
            e.strong_text |= !h.weak;
        }
        see_disguised(&mut acc, subject, &named, SEEN_SUBJECT, idx);
    }
    if !text.is_empty() {
        let (folded, hits) = claims::find_in(text, BODY_SCAN_MAX, idx, MAX_HITS, true);
        for h in &hits {
            let e = entry(&mut acc, h.brand);
            if h.weak {
                if e.weak_body.is_none() {
                    e.weak_body = Some((h.start, folded.source_slice(text, h.start, h.end).to_string()));
                }
                continue;
            }
            e.strong_text = true;
            e.body_hits += 1;
            if h.start < e.body_first {
                e.body_first = h.start;
                e.body_matched = Some(folded.source_slice(text, h.start, h.end).to_string());
            }
        }
    }
    // Body mentions: weak names only count next to a strong one; deep single mentions are passing.
    for e in acc.iter_mut() {
        if e.strong_text
            && let Some((at, w)) = e.weak_body.take()
        {
            e.body_hits += 1;
            if at < e.body_first {
                e.body_first = at;
                e.body_matched = Some(w);
            }
        }
        if e.body_hits > 0 {
            let prominent = e.body_first < PROMINENT_BYTES || e.body_hits >= PROMINENT_COUNT;
            let m = e.body_matched.take().unwrap_or_default();
            e.see(if prominent { SEEN_BODY } else { SEEN_BODY_MENTION }, &m);
        }
    }
    acc.retain(|e| !e.seen.is_empty());

    let system_sender = from.address.as_deref().is_some_and(domain::is_system_sender);
    if let Some(d) = from.domain.as_deref().filter(|d| !has_compatibility_chars(d)).and_then(domain::to_ascii) {
        for (b, kind, subdomain) in idx.owners_of_host(&d) {
            if kind == DomainKind::Genuine || (kind == DomainKind::Mailbox && (subdomain || system_sender)) {
                entry(&mut acc, b).see(SEEN_FROM_DOMAIN, &d);
            }
        }
        if let Some(l) = lookalike::assess(&d, kb) {
            entry(&mut acc, l.brand).see(SEEN_FROM_DOMAIN, &d);
        }
    }
    for l in link_hosts(&facts.links) {
        if let Some(la) = lookalike::assess(&l.host, kb) {
            entry(&mut acc, la.brand).see(SEEN_LINK, &l.host);
        }
    }

    // A domain written with compatibility letters (`𝗩𝗲𝗿𝗸𝗮𝗱𝗲.𝗻𝗹`, full-width) is not the brand's domain, even though
    // IDNA mapping would turn it into one: the sender wrote something no registry delegates.
    let from_ascii = from.domain.as_deref().filter(|d| !has_compatibility_chars(d)).and_then(domain::to_ascii);
    let mut out: Vec<(u32, BrandClaim)> = acc
        .into_iter()
        .filter_map(|e| {
            let brand = kb.brands.get(e.brand)?;
            let seen: Vec<String> = e.seen.iter().map(|s| s.to_string()).collect();
            let points = claim_points(&seen, false);
            Some((
                points,
                BrandClaim {
                    brand_id: brand.id.clone(),
                    brand: brand.name.clone(),
                    seen_in: seen,
                    matched: e.matched.unwrap_or_default(),
                    sender_genuine: from_ascii
                        .as_deref()
                        .is_some_and(|d| idx.is_genuine_for(e.brand, d, !system_sender)),
                    links_genuine: links_verdict(&facts.links, idx, e.brand),
                    disguised: e.disguised,
                },
            ))
        })
        .collect();
    // Strongest claims first; stable, so equal ones keep the order they were seen in.
    out.sort_by_key(|(points, _)| std::cmp::Reverse(*points));
    out.truncate(MAX_CLAIMS);
    facts.brands = out.into_iter().map(|(_, c)| c).collect();
}

/// Brand names that appear in a header text only once its disguise is undone (`T E M U`, `Iedger`): claims like
/// the plain ones, remembered as disguised.
fn see_disguised(acc: &mut Vec<Acc>, text: &str, already: &[usize], where_: &'static str, idx: &BrandIndex) {
    let Some(plain) = claims::undisguise(text) else { return };
    let (folded, hits) = claims::find_in(&plain, 4096, idx, 64, false);
    // A weak name must still be written as the brand writes it, and be more than a couple of letters (`A U`).
    for h in hits.iter().filter(|h| (!h.weak || h.end - h.start >= 4) && !already.contains(&h.brand)) {
        let written = crate::finding::bounded(text.trim(), 100);
        let e = entry(acc, h.brand);
        e.see(where_, folded.source_slice(&plain, h.start, h.end));
        e.strong_text = true;
        e.disguised.get_or_insert(written);
    }
}

/// True when NFKC would change `s`: math letters, full-width forms, ligatures.
fn has_compatibility_chars(s: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    !s.is_ascii() && !s.nfkc().eq(s.chars())
}

/// True when the From domain is one of the brand's free-mail domains (anyone can have an address there).
fn from_brand_mailbox(idx: &BrandIndex, brand: &str, kb: &BrandKb, from_domain: &str) -> bool {
    let Some(b) = kb.brands.iter().position(|x| x.id == brand) else {
        return false;
    };
    idx.owners_of_host(from_domain).iter().any(|&(o, kind, _)| o == b && kind == DomainKind::Mailbox)
}

fn from_text(facts: &Facts) -> String {
    let Some(f) = facts.from.as_ref() else {
        return String::new();
    };
    match (f.display_name.as_deref(), f.address.as_deref()) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (Some(n), None) => n.to_string(),
        (None, Some(a)) => a.to_string(),
        (None, None) => String::new(),
    }
}

/// Identity findings.
pub fn check(facts: &Facts, kb: &BrandKb, _cfg: &Config, out: &mut Vec<Finding>) {
    url_path::check(facts, kb, out);
    let idx = kb.index();
    let from = facts.from.as_ref();
    let from_domain = from.and_then(|f| f.domain.as_deref()).and_then(domain::to_ascii);
    let from_shown = from_text(facts);
    let display_name = from.and_then(|f| f.display_name.as_deref()).map(str::trim).filter(|n| !n.is_empty());

    // Display-name tricks.
    let mut name_is_plain = display_name.is_some();
    if let Some(dn) = display_name {
        if let Some(shown) = display_name::embedded_address(dn) {
            let shown_reg = domain::address_domain(&shown).and_then(|d| domain::registrable(&d));
            let actual_reg = from_domain.as_deref().and_then(domain::registrable);
            if shown_reg.is_some() && shown_reg != actual_reg {
                name_is_plain = false;
                out.push(
                    Finding::new("identity.display_name_address")
                        .param("shown", shown)
                        .param("actual", from.and_then(|f| f.address.clone()).unwrap_or_default())
                        .evidence(Evidence::header("From", &from_shown)),
                );
            }
        }
        if let Some(reason) = display_name::sentence_reason(dn) {
            name_is_plain = false;
            out.push(
                Finding::new("identity.display_name_sentence")
                    .param("name", dn)
                    .param("reason", reason)
                    .evidence(Evidence::header("From", &from_shown)),
            );
        }
    }

    // Brand claims against the sender and the links.
    let genuine_brands: Vec<&BrandClaim> = facts.brands.iter().filter(|c| c.sender_genuine).collect();
    let genuine_named_in_display = genuine_brands.iter().any(|c| c.seen_in.iter().any(|s| s == SEEN_DISPLAY_NAME));
    for c in &facts.brands {
        let in_display = c.seen_in.iter().any(|s| s == SEEN_DISPLAY_NAME);
        let other_name = name_is_plain && !in_display;
        let points = claim_points(&c.seen_in, other_name);
        let mut ev: Vec<Evidence> = Vec::new();
        if c.seen_in.iter().any(|s| s == SEEN_DISPLAY_NAME || s == SEEN_LOCAL_PART || s == SEEN_FROM_DOMAIN) {
            ev.push(Evidence::header("From", &from_shown));
        }
        if c.seen_in.iter().any(|s| s == SEEN_SUBJECT) {
            ev.push(Evidence::header("Subject", facts.subject.as_deref().unwrap_or_default()));
        }
        if c.seen_in.iter().any(|s| s == SEEN_BODY) && ev.is_empty() {
            ev.push(Evidence::body("text", &c.matched));
        }
        let with_evidence = |mut f: Finding| {
            for e in &ev {
                f = f.evidence(e.clone());
            }
            f
        };
        let domain_shown = from_domain.clone().unwrap_or_default();
        if let Some(written) = &c.disguised {
            out.push(with_evidence(
                Finding::new("identity.brand_name_disguised")
                    .param("brand", &c.brand)
                    .param("written", written)
                    .param("matched", &c.matched),
            ));
        }

        if c.sender_genuine {
            out.push(with_evidence(
                Finding::new("identity.brand_sender_genuine").param("brand", &c.brand).param("domain", &domain_shown),
            ));
            // A corporate sender is not a brand notice (list mail from staff at microsoft.com links anywhere):
            // the brand must present itself by name.
            let presents = c.seen_in.iter().any(|s| s == SEEN_DISPLAY_NAME || s == SEEN_LOCAL_PART);
            if presents && c.links_genuine == Some(false) {
                out.push(with_evidence(foreign_links_finding("identity.genuine_sender_foreign_links", c, facts)));
            }
            continue;
        }
        // A display name claiming a brand over no address at all hides the sender just as well.
        let no_address = from.is_some_and(|f| f.address.is_none()) && in_display;
        let Some(fd) = from_domain.as_deref().or(no_address.then_some("")) else {
            continue;
        };
        if genuine_named_in_display {
            continue;
        }
        // The brand's own free mail (gmail.com for Google, docomo.ne.jp for docomo): its users write about it
        // all the time; only presenting as the brand in the display name is a trick.
        if from_brand_mailbox(idx, &c.brand_id, kb, fd) {
            // Only a strong name counts here: an ezweb.ne.jp user may well put "au" in their name.
            let weak_match = kb.get(&c.brand_id).is_some_and(|b| {
                let m = normalize::fold_str(&c.matched);
                b.weak_aliases.iter().any(|w| normalize::fold_str(w) == m)
            });
            if in_display && !weak_match {
                out.push(with_evidence(
                    Finding::new("identity.brand_from_free_mail").param("brand", &c.brand).param("domain", fd),
                ));
            }
            continue;
        }
        // A genuine sender of one brand may name partners (card networks, carriers) in its subject or body.
        let id = match points {
            6.. => "identity.brand_domain_mismatch",
            _ if !genuine_brands.is_empty() => continue,
            4..=5 => "identity.brand_named_mismatch",
            1..=3 => "identity.brand_body_mismatch",
            _ => continue,
        };
        out.push(with_evidence(
            Finding::new(id).param("brand", &c.brand).param("matched", &c.matched).param("domain", &domain_shown),
        ));
        if points >= 4 && c.links_genuine == Some(false) {
            out.push(with_evidence(foreign_links_finding("identity.brand_links_foreign", c, facts)));
        }
    }

    // Lookalike domains in From and in the links.
    if let Some(d) = from_domain.as_deref() {
        if let Some(l) = lookalike::assess(d, kb) {
            out.push(lookalike_finding(&l, kb, d).evidence(Evidence::header("From", &from_shown)));
        } else if let Some(u) = lookalike::mixed_script_idn(d) {
            out.push(
                Finding::new("identity.idn_mixed_script")
                    .param("domain", d)
                    .param("unicode", u)
                    .evidence(Evidence::header("From", &from_shown)),
            );
        }
    }
    for l in link_hosts(&facts.links) {
        if let Some(la) = lookalike::assess(&l.host, kb) {
            out.push(lookalike_finding(&la, kb, &l.host).evidence(Evidence::url(&l.url)));
        } else if let Some(u) = lookalike::mixed_script_idn(&l.host) {
            out.push(
                Finding::new("identity.idn_mixed_script")
                    .param("domain", &l.host)
                    .param("unicode", u)
                    .evidence(Evidence::url(&l.url)),
            );
        }
    }
}

fn foreign_links_finding(id: &str, c: &BrandClaim, facts: &Facts) -> Finding {
    let foreign: Vec<&Link> = facts.links.iter().filter(|l| is_clickable(l) && !is_neutral(l)).take(4).collect();
    let hosts: Vec<&str> = foreign.iter().map(|l| l.host.as_str()).collect();
    let mut f = Finding::new(id).param("brand", &c.brand).param("hosts", hosts.join(", "));
    for l in foreign {
        f = f.evidence(Evidence::url(&l.url));
    }
    f
}

fn lookalike_finding(l: &lookalike::Lookalike, kb: &BrandKb, host: &str) -> Finding {
    let brand = kb.brands.get(l.brand).map(|b| b.name.clone()).unwrap_or_default();
    Finding::new(l.kind.finding_id()).param("brand", brand).param("domain", host).param("imitates", &l.imitates)
}

#[cfg(test)]
mod tests;
