//! Lookalike domains: names built to be mistaken for a brand's (homoglyphs and IDN confusables, typos, the
//! brand's name under another TLD, the brand's domain or name tucked into someone else's domain).
//!
//! A brand's own domains are never lookalikes (kagoya.jp and kagoya.com are both KAGOYA's), and the comparisons
//! are chosen so that popular legitimate domains are not flagged (see the test over the top 500 domains).

use crate::brands::{BrandIndex, BrandKb, DomainKind, label_of, skeleton};
use crate::domain;
use unicode_security::{RestrictionLevel, RestrictionLevelDetection};

/// How a domain imitates a brand, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Same confusable skeleton as a brand domain (`arnazon.co.jp`, Cyrillic `аmazon.co.jp`).
    Homoglyph,
    /// A brand's whole domain in the subdomain part (`amazon.co.jp.example.top`, `amazon-co-jp.example.top`).
    BrandDomainInSubdomain,
    /// The brand's name under another suffix (`amazon.cn`, `paypal.co`).
    TldSwap,
    /// One or two typing edits from the brand's name (`amazom.co.jp`, `paypa1l.com`).
    Typo,
    /// The brand's name inside the registered name (`smbc-card.xyz`, `secure-paypal-login.com`).
    BrandInName,
    /// The brand's name in the subdomain part of an unrelated domain (`paypal.secure.example.top`).
    BrandInSubdomain,
}

impl Kind {
    pub fn finding_id(self) -> &'static str {
        match self {
            Kind::Homoglyph => "identity.lookalike_homoglyph",
            Kind::BrandDomainInSubdomain => "identity.brand_domain_in_subdomain",
            Kind::TldSwap => "identity.lookalike_tld",
            Kind::Typo => "identity.lookalike_typo",
            Kind::BrandInName => "identity.brand_in_domain",
            Kind::BrandInSubdomain => "identity.brand_in_subdomain",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lookalike {
    pub kind: Kind,
    /// Index of the brand in the knowledge base.
    pub brand: usize,
    /// The brand domain or name imitated (e.g. "amazon.co.jp", "paypal").
    pub imitates: String,
}

/// Country-code suffixes that are sold as generic names: a brand's name under them is a swap even for brands
/// with many country sites.
const GENERIC_CC: &[&str] = &["co", "io", "me", "tv", "cc", "ws", "ai", "gg", "ly", "to", "vc", "fm", "sh", "la", "su"];

fn is_country_suffix(suffix: &str) -> bool {
    let tld = suffix.rsplit('.').next().unwrap_or(suffix);
    tld.len() == 2 && tld.is_ascii() && !GENERIC_CC.contains(&tld)
}

/// Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions), giving up above `max`.
pub fn osa_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max || a.len() > 64 || b.len() > 64 {
        return None;
    }
    // Three rows on the stack (both names are at most 64 chars), rotated by index: this runs for many label
    // pairs per message.
    let mut rows = [[0usize; 65]; 3];
    for (j, v) in rows[1].iter_mut().enumerate() {
        *v = j;
    }
    let (mut p2, mut p1, mut c) = (0usize, 1usize, 2usize);
    for i in 1..=a.len() {
        rows[c][0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[p1][j] + 1).min(rows[c][j - 1] + 1).min(rows[p1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[p2][j - 2] + 1);
            }
            rows[c][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        (p2, p1, c) = (p1, c, p2);
    }
    Some(rows[p1][b.len()]).filter(|&d| d <= max)
}

/// True when `cand` is a typo of the brand label `brand`, by rules tuned against popular domains:
/// 5 chars: one insertion, deletion or transposition; 6-8 chars: one edit that keeps the first letter; 9+
/// chars: up to two edits that keep the first letter. Shorter names are compared by skeleton only.
pub fn is_typo(cand: &str, brand: &str) -> bool {
    // Every label of a message is tried against every brand label: reject without allocating first.
    // Substituting the first letter mostly gives a different word (binance/finance), not a typo.
    if cand.chars().next() != brand.chars().next() || cand == brand {
        return false;
    }
    let (a_len, b_len) = (cand.chars().count(), brand.chars().count());
    let max = if b_len >= 9 { 2 } else { 1 };
    if b_len < 5 || a_len < 4 || a_len.abs_diff(b_len) > max {
        return false;
    }
    let a: Vec<char> = cand.chars().collect();
    let b: Vec<char> = brand.chars().collect();
    let Some(d) = osa_distance(&a, &b, max) else {
        return false;
    };
    if b.len() == 5 && d == 1 && a.len() == b.len() {
        // Same length at distance 1: a substitution (apple/apply) unless it is a transposition.
        let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        return diffs.len() == 2 && diffs[1] == diffs[0] + 1;
    }
    true
}

/// The index of a token hit in `s` that respects the token's boundary rule, if any.
pub(super) fn token_hit(idx: &BrandIndex, s: &str) -> Option<(usize, String)> {
    let ac = idx.token_matcher.as_ref()?;
    let bytes = s.as_bytes();
    for m in ac.find_overlapping_iter(s).take(64) {
        let before_ok = m.start() == 0 || !bytes[m.start() - 1].is_ascii_alphabetic();
        let after_ok = bytes.get(m.end()).is_none_or(|c| !c.is_ascii_alphabetic());
        for &(brand, bounded) in idx.token_refs.get(m.pattern().as_usize()).into_iter().flatten() {
            if !bounded || (before_ok && after_ok) {
                return Some((brand, s.get(m.start()..m.end()).unwrap_or_default().to_string()));
            }
        }
    }
    None
}

/// A brand's genuine domain spelled inside `sub` (with dots or hyphens, or with look-alike characters):
/// `amazon.co.jp.x`, `amazon-co-jp`, `srnbc-card.com.x`.
fn brand_domain_in(idx: &BrandIndex, sub: &str) -> Option<(usize, String)> {
    let dotted = sub.replace('-', ".");
    let labels: Vec<&str> = dotted.split('.').filter(|l| !l.is_empty()).take(16).collect();
    // With the hyphens kept too, so that smbc-card.com is seen as itself.
    let hyphened: Vec<&str> = sub.split('.').filter(|l| !l.is_empty()).take(16).collect();
    for labels in [&hyphened, &labels] {
        for len in (2..=3).rev() {
            for w in labels.windows(len) {
                let cand = w.join(".");
                if let Some(owners) = idx.domain_owner.get(&cand)
                    && let Some(&(b, _)) = owners.iter().find(|(_, k)| *k == DomainKind::Genuine)
                {
                    return Some((b, cand));
                }
                if let Some((b, d)) = idx.skeletons.get(&skeleton(&cand)) {
                    return Some((*b, d.clone()));
                }
            }
        }
    }
    None
}

/// A brand name, or a typo or homoglyph of one, as one part of a name (`amazom` in `secure-amazom-login`,
/// `saisonncard` in `www.saisonncard.co.jp.example.cn`). Parts under 5 chars are left to the tokens.
fn part_resembles(idx: &BrandIndex, part: &str) -> Option<(usize, String)> {
    if part.chars().count() < 5 || part.len() > 64 {
        return None;
    }
    let skel = skeleton(part);
    idx.labels
        .iter()
        .filter(|l| l.label.len() >= 5 && l.label.len().abs_diff(part.len()) <= 2)
        .find(|l| part == l.label || skel == l.skeleton || is_typo(part, &l.label))
        .map(|l| (l.brand, l.example.clone()))
}

/// Most hosts remembered per thread: the same hosts recur within a message (extract and check) and across a
/// batch (the brands' own domains).
const CACHE_MAX: usize = 4096;

thread_local! {
    static CACHE: std::cell::RefCell<std::collections::HashMap<(u64, String), Option<Lookalike>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Whether `host` imitates a brand. None for the brands' own domains, IP literals, and unrelated names.
pub fn assess(host: &str, kb: &BrandKb) -> Option<Lookalike> {
    if host.len() > 253 {
        return None;
    }
    let key = (kb.index().generation, host.to_ascii_lowercase());
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let result = assess_uncached(&key.1, kb);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(key, result.clone());
    });
    result
}

fn assess_uncached(host: &str, kb: &BrandKb) -> Option<Lookalike> {
    let idx = kb.index();
    let host = domain::to_ascii(host)?;
    if domain::host_ip(&host).is_some() {
        return None;
    }
    let owners = idx.owners_of_host(&host);
    if owners.iter().any(|(_, k, _)| *k != DomainKind::Hosted) {
        return None;
    }
    // Under a brand's hosting zone only the customer's part says anything (amazon-login.s3.amazonaws.com).
    if !owners.is_empty() {
        let zone = owners.iter().find_map(|(b, _, _)| {
            let brand = kb.brands.get(*b)?;
            brand.hosted_domains.iter().find(|z| host.ends_with(&format!(".{z}"))).cloned()
        })?;
        let customer = host.strip_suffix(&format!(".{zone}")).unwrap_or_default();
        if let Some((b, imitates)) = brand_domain_in(idx, customer) {
            return Some(Lookalike { kind: Kind::BrandDomainInSubdomain, brand: b, imitates });
        }
        return token_hit(idx, customer).map(|(b, t)| Lookalike { kind: Kind::BrandInName, brand: b, imitates: t });
    }
    let reg = domain::registrable(&host)?;
    let suffix = domain::public_suffix(&host)?;
    let label = label_of(&reg, &suffix)?;
    let reg_unicode = domain::to_unicode(&reg).unwrap_or_else(|| reg.clone());
    let label_unicode = domain::to_unicode(&label).unwrap_or_else(|| label.clone());
    let sub = host.strip_suffix(&reg).and_then(|s| s.strip_suffix('.')).unwrap_or("");

    let mut best: Option<Lookalike> = None;
    // The exact name of a brand with many country sites, under a country code: most likely its own.
    let mut regional_own = false;
    let consider = |best: &mut Option<Lookalike>, l: Lookalike| {
        if best.as_ref().is_none_or(|b| l.kind < b.kind) {
            *best = Some(l);
        }
    };

    if let Some((b, d)) = idx.skeletons.get(&skeleton(&reg_unicode))
        && *d != reg
    {
        consider(&mut best, Lookalike { kind: Kind::Homoglyph, brand: *b, imitates: d.clone() });
    }
    if let Some((b, d)) = brand_domain_in(idx, sub) {
        consider(&mut best, Lookalike { kind: Kind::BrandDomainInSubdomain, brand: b, imitates: d });
    }
    let label_skel = skeleton(&label_unicode);
    // Typo checks are on ASCII or confusable-folded names (IDN labels are compared by skeleton).
    let typo_label = if label_unicode.is_ascii() { label_unicode.clone() } else { label_skel.clone() };
    for l in &idx.labels {
        if l.label.len().abs_diff(typo_label.len()) > 2 && l.label.len().abs_diff(label_skel.len()) > 2 {
            continue;
        }
        if label_unicode == l.label {
            let regional = kb.brands.get(l.brand).is_some_and(|b| b.regional);
            if regional && is_country_suffix(&suffix) {
                regional_own = true;
            } else {
                consider(&mut best, Lookalike { kind: Kind::TldSwap, brand: l.brand, imitates: l.example.clone() });
            }
        } else if l.label.len() >= 4 && label_skel == l.skeleton {
            consider(&mut best, Lookalike { kind: Kind::Homoglyph, brand: l.brand, imitates: l.example.clone() });
        } else if is_typo(&typo_label, &l.label) {
            consider(&mut best, Lookalike { kind: Kind::Typo, brand: l.brand, imitates: l.example.clone() });
        }
    }
    if best.is_some() || regional_own {
        return best;
    }
    let in_name = token_hit(idx, &label)
        .or_else(|| if label_unicode.is_ascii() { None } else { token_hit(idx, &label_skel) })
        .or_else(|| if label.contains('-') { label.split('-').find_map(|p| part_resembles(idx, p)) } else { None });
    if let Some((b, t)) = in_name {
        return Some(Lookalike { kind: Kind::BrandInName, brand: b, imitates: t });
    }
    let in_sub = token_hit(idx, sub).or_else(|| sub.split(['.', '-']).take(16).find_map(|p| part_resembles(idx, p)));
    in_sub.map(|(b, t)| Lookalike { kind: Kind::BrandInSubdomain, brand: b, imitates: t })
}

/// The Unicode form of a punycode host whose labels mix scripts in a way no legitimate name needs (Latin with
/// Cyrillic or Greek, ...). Latin with Japanese is allowed (UTS #39 "highly restrictive").
pub fn mixed_script_idn(host: &str) -> Option<String> {
    let unicode = domain::to_unicode(host)?;
    let mixed =
        unicode.split('.').any(|l| !l.is_ascii() && l.detect_restriction_level() > RestrictionLevel::HighlyRestrictive);
    mixed.then_some(unicode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brands::builtin;

    fn kind(host: &str) -> Option<(Kind, String)> {
        let kb = builtin();
        assess(host, kb).map(|l| (l.kind, kb.brands[l.brand].id.clone()))
    }

    #[test]
    fn own_domains_are_never_lookalikes() {
        for h in [
            "kagoya.jp",
            "www.kagoya.com",
            "amazon.co.jp",
            "www.amazon.com",
            "marketplace.amazon.co.jp",
            "smbc-card.com",
            "www.vpass.ne.jp",
            "mail.google.com",
            "gmail.com",
            "safety.google",
            "paypal.me",
            "accountprotection.microsoft.com",
            "email.apple.com",
            "insideapple.apple.com",
            "outlook.office365.com",
        ] {
            assert_eq!(kind(h), None, "{h}");
        }
    }

    #[test]
    fn finds_each_kind() {
        assert_eq!(kind("arnazon.co.jp"), Some((Kind::Homoglyph, "amazon".into())));
        // Cyrillic а in аmazon.
        let cyrillic = domain::to_ascii("\u{430}mazon.co.jp").unwrap();
        assert!(cyrillic.starts_with("xn--"));
        assert_eq!(kind(&cyrillic), Some((Kind::Homoglyph, "amazon".into())));
        assert_eq!(kind("amazon.co.jp.account-verify.top"), Some((Kind::BrandDomainInSubdomain, "amazon".into())));
        assert_eq!(kind("amazon-co-jp.example.top"), Some((Kind::BrandDomainInSubdomain, "amazon".into())));
        assert_eq!(kind("amazon.cn"), Some((Kind::TldSwap, "amazon".into())));
        assert_eq!(kind("paypal.co"), Some((Kind::TldSwap, "paypal".into())));
        assert_eq!(kind("www.amazom.co.jp"), Some((Kind::Typo, "amazon".into())));
        assert_eq!(kind("mercairi.com"), Some((Kind::Typo, "mercari".into())));
        assert_eq!(kind("smbc-card.xyz"), Some((Kind::TldSwap, "smbc_card".into())));
        assert_eq!(kind("smbc-cards.xyz"), Some((Kind::Typo, "smbc_card".into())));
        assert_eq!(kind("secure-paypal-login.com"), Some((Kind::BrandInName, "paypal".into())));
        assert_eq!(kind("amazon-jp.com"), Some((Kind::BrandInName, "amazon".into())));
        assert_eq!(kind("smbc-verify.xyz"), Some((Kind::BrandInName, "smbc_card".into())));
        assert_eq!(kind("paypal.secure-check.example.top"), Some((Kind::BrandInSubdomain, "paypal".into())));
        assert_eq!(kind("amazon-login.s3.amazonaws.com"), Some((Kind::BrandInName, "amazon".into())));
        // Seen in JPCERT/CC's list.
        assert_eq!(kind("srnbc-card.com.ly42dp.cn"), Some((Kind::BrandDomainInSubdomain, "smbc_card".into())));
        assert_eq!(kind("www1.amazom.wbsoeag.cn"), Some((Kind::BrandInSubdomain, "amazon".into())));
        assert_eq!(kind("www.saisonncard.co.jp.haozhandaohang.cn"), Some((Kind::BrandInSubdomain, "saison".into())));
        assert_eq!(
            kind("post.japanpost.jp-check.oatytea.com"),
            Some((Kind::BrandDomainInSubdomain, "japanpost".into()))
        );
        assert_eq!(kind("secure-amazom-login.com"), Some((Kind::BrandInName, "amazon".into())));
    }

    #[test]
    fn leaves_unrelated_names_alone() {
        for h in [
            "4ztfqg8.cn",
            "cljqxt.top",
            "3-137-150-20.cprapid.com",
            "pineapple.com",
            "finance.yahoo.com",
            "finance.com",
            "apply.com",
            "steamboat.com",
            "chose.com",
            "example.com",
            "121.50.46.57",
            "",
            "..",
            "google.com.tw",
            "yahoo.co.uk",
            "outlookindia.com",
        ] {
            assert_eq!(kind(h), None, "{h}");
        }
    }

    #[test]
    fn typo_rules() {
        assert!(is_typo("amazom", "amazon"));
        assert!(is_typo("amzaon", "amazon"));
        assert!(is_typo("appel", "apple"));
        assert!(!is_typo("apply", "apple"));
        assert!(!is_typo("finance", "binance"));
        assert!(is_typo("kuronekoyamatto", "kuronekoyamato"));
        assert_eq!(osa_distance(&['a', 'b'], &['b', 'a'], 1), Some(1));
    }

    #[test]
    fn mixed_scripts() {
        assert!(mixed_script_idn(&domain::to_ascii("\u{430}mazon.co.jp").unwrap()).is_some());
        assert!(mixed_script_idn("amazon.co.jp").is_none());
        // Japanese names are not "mixed": 日本郵便.jp.
        let jp = domain::to_ascii("日本郵便.jp").unwrap();
        assert!(mixed_script_idn(&jp).is_none());
    }

    /// Popular legitimate domains (Moz top 500) are never flagged, unless they are the brand's own.
    #[test]
    fn top_500_domains_are_not_lookalikes() {
        let Ok(csv) = std::fs::read_to_string("/work/shared/reference/top500-domains.csv") else {
            eprintln!("top500-domains.csv not present; skipped");
            return;
        };
        let mut flagged = Vec::new();
        for line in csv.lines().skip(1) {
            let Some((_, d)) = line.split_once(',') else { continue };
            if d.ends_with("...") {
                continue;
            }
            if let Some(l) = assess_uncached(d, builtin()) {
                flagged.push(format!("{d}: {:?} {}", l.kind, l.imitates));
            }
        }
        assert!(flagged.is_empty(), "flagged: {flagged:#?}");
    }

    /// Share of JPCERT/CC phishing URLs whose host gets a lookalike or brand-in-domain hit. Run with
    /// `cargo test -p phishlens-core jpcert -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn jpcert_phishing_urls_hit_rate() {
        let Ok(years) = std::fs::read_dir("/work/shared/reference/jpcert-phishurl") else {
            return;
        };
        let (mut total, mut hit) = (0usize, 0usize);
        let mut by_kind = std::collections::BTreeMap::new();
        let mut hosts = std::collections::HashSet::new();
        for y in years.flatten() {
            for f in std::fs::read_dir(y.path()).into_iter().flatten().flatten() {
                let text = std::fs::read_to_string(f.path()).unwrap_or_default();
                for line in text.lines().skip(1) {
                    let Some(url) = line.split(',').nth(1) else { continue };
                    let Ok(u) = url::Url::parse(url.trim()) else { continue };
                    let Some(h) = u.host_str() else { continue };
                    if !hosts.insert(h.to_string()) {
                        continue;
                    }
                    total += 1;
                    if let Some(l) = assess_uncached(h, builtin()) {
                        hit += 1;
                        *by_kind.entry(format!("{:?}", l.kind)).or_insert(0usize) += 1;
                    }
                }
            }
        }
        eprintln!(
            "JPCERT unique hosts: {total}, lookalike/brand hits: {hit} ({:.1}%)",
            100.0 * hit as f64 / total.max(1) as f64
        );
        eprintln!("{by_kind:?}");
    }
}
