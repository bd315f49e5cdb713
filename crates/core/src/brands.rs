//! The brand knowledge base: names and aliases (ja/en) and genuine registrable domains of the brands most
//! impersonated, from data/brands.toml (embedded at build time), extensible with `--brands FILE`.
//!
//! Besides the data, a `BrandKb` owns the matchers built from it (one Aho-Corasick automaton over every alias,
//! one over every domain token, lookup tables for domains and confusable skeletons). They are built once per
//! knowledge base, on first use, because identity checks run on every message.

use crate::config::Config;
use crate::identity::normalize::fold_str;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

/// One brand. Only `id` is required in a user file; everything else defaults to empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// Stable id (e.g. "amazon").
    pub id: String,
    /// The name shown in reports.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_ja: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    /// bank, card, ecommerce, carrier, telecom, government, hosting, tech, ... (informational).
    #[serde(default)]
    pub category: Option<String>,
    /// Brands of one group vouch for each other's senders (a SMBC card notice from smbc.co.jp is not a fake).
    #[serde(default)]
    pub group: Option<String>,
    /// Names that claim the brand wherever they appear. ASCII aliases match on word boundaries; others as
    /// substrings. Matching is on folded text (NFKC, lower case).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Names that are also ordinary words (au, LINE, Apple, Chase): they count only in the From display name
    /// or the subject, written with the case given here (or all upper case), or in the body when the brand is
    /// also named by a strong alias.
    #[serde(default)]
    pub weak_aliases: Vec<String>,
    /// Genuine registrable domains: the brand's own mail and web sites.
    #[serde(default)]
    pub domains: Vec<String>,
    /// The brand's domains where anyone can put content (amazonaws.com, sharepoint.com, sakura.ne.jp): never
    /// lookalikes, but a link or sender there proves nothing about the brand.
    #[serde(default)]
    pub hosted_domains: Vec<String>,
    /// The brand's free-mail domains (gmail.com, outlook.com): links there are the brand's, but anyone can send
    /// from an address there, so only a sender at a subdomain counts as the brand's.
    #[serde(default)]
    pub mailbox_domains: Vec<String>,
    /// Brand top-level domains (`.google`): every name under them is the brand's.
    #[serde(default)]
    pub tlds: Vec<String>,
    /// Distinctive names (left of the public suffix) that lookalikes imitate: compared by confusable skeleton,
    /// by edit distance (5+ chars), and with other suffixes (`amazon.cn`). When absent, the names of `domains`
    /// of 5 or more chars are used.
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// The brand has sites under many country domains (google.com.tw, ebay.fr): its name under another
    /// country code is not reported as a swapped TLD.
    #[serde(default)]
    pub regional: bool,
    /// Strings that, inside some other domain name, show the brand is being borrowed (`amazon-co-jp.top`).
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Short or common tokens that count only as a whole hyphen/dot/digit-separated part (`smbc-card.xyz`).
    #[serde(default)]
    pub bounded_tokens: Vec<String>,
}

impl Brand {
    /// Name labels used for lookalike comparison.
    pub fn lookalike_labels(&self) -> Vec<String> {
        match &self.labels {
            Some(l) => l.iter().map(|s| s.to_ascii_lowercase()).collect(),
            None => self
                .domains
                .iter()
                .filter_map(|d| crate::domain::public_suffix(d).and_then(|s| label_of(d, &s)))
                .filter(|l| l.len() >= 5)
                .collect(),
        }
    }
}

/// The part of `registrable` left of the public `suffix` (`amazon` for `amazon.co.jp`).
pub fn label_of(registrable: &str, suffix: &str) -> Option<String> {
    registrable.strip_suffix(suffix)?.strip_suffix('.').map(str::to_string).filter(|l| !l.is_empty())
}

/// How a domain belongs to a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    Genuine,
    Hosted,
    Mailbox,
}

/// One alias pattern in the text automaton.
#[derive(Debug, Clone)]
pub struct AliasRef {
    pub brand: usize,
    /// A weak alias (see `Brand::weak_aliases`).
    pub weak: bool,
    /// The alias as written in the knowledge base (for the case check of weak aliases).
    pub written: String,
    /// The folded alias starts / ends with an ASCII letter or digit, so it needs a word boundary there.
    pub bound_start: bool,
    pub bound_end: bool,
}

/// One lookalike label.
#[derive(Debug, Clone)]
pub struct LabelRef {
    pub label: String,
    pub brand: usize,
    /// A genuine domain with this label, for the report.
    pub example: String,
    /// Its confusable skeleton (UTS #39).
    pub skeleton: String,
}

/// The matchers built from a knowledge base.
#[derive(Debug, Clone)]
pub struct BrandIndex {
    /// Folded aliases; pattern i is `alias_refs[i]` (several brands may share one alias).
    pub alias_matcher: Option<AhoCorasick>,
    pub alias_refs: Vec<Vec<AliasRef>>,
    /// Domain tokens; pattern i belongs to `token_refs[i]` = (brand, bounded).
    pub token_matcher: Option<AhoCorasick>,
    pub token_refs: Vec<Vec<(usize, bool)>>,
    /// Every domain of every brand (lower case) -> (brand, kind).
    pub domain_owner: HashMap<String, Vec<(usize, DomainKind)>>,
    /// Brand TLD -> brand.
    pub tld_owner: HashMap<String, usize>,
    /// Confusable skeleton of a brand domain -> (brand, the domain).
    pub skeletons: HashMap<String, (usize, String)>,
    pub labels: Vec<LabelRef>,
    /// Genuine brand domains long enough to look for inside URL paths; pattern i is `path_domains[i]` =
    /// (brand, the domain). One automaton instead of a substring search per brand per link.
    pub path_domain_matcher: Option<AhoCorasick>,
    pub path_domains: Vec<(usize, String)>,
    /// Group name per brand index (the brand id when it has no group).
    pub group_of: Vec<String>,
    /// Unique per built index, so that caches keyed by it never mix knowledge bases.
    pub generation: u64,
}

/// Shortest brand domain looked for inside URL paths; shorter ones (`au.com`) match too much ordinary text.
pub const PATH_DOMAIN_MIN_LEN: usize = 7;

static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

#[derive(Debug, Clone, Default)]
pub struct BrandKb {
    pub brands: Vec<Brand>,
    /// Built on first use; reset by `merge`. Code that edits `brands` directly must build a new `BrandKb`.
    index: OnceLock<BrandIndex>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    brand: Vec<Brand>,
}

/// Most brands accepted from one file, and most entries per list: a user file is input too.
const MAX_BRANDS: usize = 5000;
const MAX_LIST: usize = 500;

fn clean_list(list: &mut Vec<String>, lower: bool) {
    list.truncate(MAX_LIST);
    for s in list.iter_mut() {
        let t = s.trim().trim_end_matches('.');
        *s = if lower { t.to_ascii_lowercase() } else { t.to_string() };
    }
    list.retain(|s| !s.is_empty());
    let mut seen = std::collections::HashSet::new();
    list.retain(|s| seen.insert(s.clone()));
}

fn clean(b: &mut Brand) {
    b.id = b.id.trim().to_string();
    if b.name.trim().is_empty() {
        b.name = b.id.clone();
    }
    clean_list(&mut b.aliases, false);
    clean_list(&mut b.weak_aliases, false);
    for l in [&mut b.domains, &mut b.hosted_domains, &mut b.mailbox_domains, &mut b.tlds] {
        clean_list(l, true);
        // Domains are compared in ASCII (punycode) form.
        for d in l.iter_mut() {
            if let Some(a) = crate::domain::to_ascii(d) {
                *d = a;
            }
        }
    }
    clean_list(&mut b.tokens, true);
    clean_list(&mut b.bounded_tokens, true);
    if let Some(l) = b.labels.as_mut() {
        clean_list(l, true);
    }
}

fn union(into: &mut Vec<String>, from: Vec<String>) {
    for s in from {
        if !into.contains(&s) && into.len() < MAX_LIST {
            into.push(s);
        }
    }
}

impl BrandKb {
    pub fn new(mut brands: Vec<Brand>) -> BrandKb {
        brands.truncate(MAX_BRANDS);
        brands.iter_mut().for_each(clean);
        brands.retain(|b| !b.id.is_empty());
        BrandKb { brands, index: OnceLock::new() }
    }

    pub fn from_toml(text: &str) -> Result<BrandKb, String> {
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(b) = f.brand.iter().find(|b| b.id.trim().is_empty()) {
            return Err(format!("a brand has an empty id (name {:?})", b.name));
        }
        let mut ids = std::collections::HashSet::new();
        if let Some(b) = f.brand.iter().find(|b| !ids.insert(b.id.trim().to_string())) {
            return Err(format!("brand id {:?} appears twice", b.id));
        }
        Ok(BrandKb::new(f.brand))
    }

    /// Add another knowledge base (a user's `--brands FILE`) to this one. A brand with a known id extends that
    /// brand (its lists are added; a non-empty name replaces the name); a new id is appended.
    pub fn merge(&mut self, other: BrandKb) {
        for b in other.brands {
            match self.brands.iter().position(|e| e.id == b.id) {
                Some(i) => {
                    let e = &mut self.brands[i];
                    if b.name != b.id && !b.name.is_empty() {
                        e.name = b.name;
                    }
                    e.name_ja = b.name_ja.or(e.name_ja.take());
                    e.name_en = b.name_en.or(e.name_en.take());
                    e.category = b.category.or(e.category.take());
                    e.group = b.group.or(e.group.take());
                    e.regional |= b.regional;
                    union(&mut e.aliases, b.aliases);
                    union(&mut e.weak_aliases, b.weak_aliases);
                    union(&mut e.domains, b.domains);
                    union(&mut e.hosted_domains, b.hosted_domains);
                    union(&mut e.mailbox_domains, b.mailbox_domains);
                    union(&mut e.tlds, b.tlds);
                    union(&mut e.tokens, b.tokens);
                    union(&mut e.bounded_tokens, b.bounded_tokens);
                    if let Some(l) = b.labels {
                        union(e.labels.get_or_insert_with(Vec::new), l);
                    }
                }
                None if self.brands.len() < MAX_BRANDS => self.brands.push(b),
                None => {}
            }
        }
        self.index = OnceLock::new();
    }

    /// The brands whose genuine domains include this registrable domain.
    pub fn owners_of(&self, registrable: &str) -> impl Iterator<Item = &Brand> {
        self.brands.iter().filter(move |b| b.domains.iter().any(|d| d.eq_ignore_ascii_case(registrable)))
    }

    pub fn get(&self, id: &str) -> Option<&Brand> {
        self.brands.iter().find(|b| b.id == id)
    }

    /// The matchers, built on first use.
    pub fn index(&self) -> &BrandIndex {
        self.index.get_or_init(|| BrandIndex::build(&self.brands))
    }
}

/// UTS #39 skeletons of the ASCII characters, so that the common all-ASCII case is a table lookup.
static ASCII_SKELETONS: LazyLock<Vec<String>> =
    LazyLock::new(|| (0u8..128).map(|b| unicode_security::skeleton(&char::from(b).to_string()).collect()).collect());

/// UTS #39 confusable skeleton of a lower-cased name (bounded).
pub fn skeleton(s: &str) -> String {
    if s.is_ascii() {
        let table = &*ASCII_SKELETONS;
        let mut out = String::with_capacity(s.len() + 4);
        for b in s.bytes().take(256) {
            out.push_str(table.get(usize::from(b.to_ascii_lowercase())).map_or("", String::as_str));
        }
        return out;
    }
    unicode_security::skeleton(&s.to_lowercase()).take(256).collect()
}

impl BrandIndex {
    fn build(brands: &[Brand]) -> BrandIndex {
        let mut alias_pos: HashMap<String, usize> = HashMap::new();
        let mut alias_pats: Vec<String> = Vec::new();
        let mut alias_refs: Vec<Vec<AliasRef>> = Vec::new();
        let mut token_pos: HashMap<String, usize> = HashMap::new();
        let mut token_pats: Vec<String> = Vec::new();
        let mut token_refs: Vec<Vec<(usize, bool)>> = Vec::new();
        let mut domain_owner: HashMap<String, Vec<(usize, DomainKind)>> = HashMap::new();
        let mut tld_owner = HashMap::new();
        let mut skeletons = HashMap::new();
        let mut labels = Vec::new();
        let mut group_of = Vec::with_capacity(brands.len());
        let mut path_domains: Vec<(usize, String)> = Vec::new();

        for (bi, b) in brands.iter().enumerate() {
            group_of.push(b.group.clone().unwrap_or_else(|| b.id.clone()));
            let names = b.aliases.iter().map(|a| (a, false)).chain(b.weak_aliases.iter().map(|a| (a, true)));
            for (alias, weak) in names {
                let folded = fold_str(alias).trim().to_string();
                // One- or two-letter strings are never distinctive enough, except as a weak alias (au).
                if folded.chars().count() < 2 || (folded.len() < 3 && !weak && folded.is_ascii()) {
                    continue;
                }
                let r = AliasRef {
                    brand: bi,
                    weak,
                    written: alias.clone(),
                    bound_start: folded.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric),
                    bound_end: folded.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric),
                };
                let i = *alias_pos.entry(folded.clone()).or_insert_with(|| {
                    alias_pats.push(folded);
                    alias_refs.push(Vec::new());
                    alias_refs.len() - 1
                });
                if !alias_refs[i].iter().any(|e| e.brand == bi && e.weak == weak) {
                    alias_refs[i].push(r);
                }
            }
            let toks = b.tokens.iter().map(|t| (t, false)).chain(b.bounded_tokens.iter().map(|t| (t, true)));
            for (tok, bounded) in toks {
                if tok.len() < 3 || !tok.is_ascii() {
                    continue;
                }
                let i = *token_pos.entry(tok.clone()).or_insert_with(|| {
                    token_pats.push(tok.clone());
                    token_refs.push(Vec::new());
                    token_refs.len() - 1
                });
                token_refs[i].push((bi, bounded));
            }
            let kinds = [
                (&b.domains, DomainKind::Genuine),
                (&b.hosted_domains, DomainKind::Hosted),
                (&b.mailbox_domains, DomainKind::Mailbox),
            ];
            for (list, kind) in kinds {
                for d in list {
                    domain_owner.entry(d.clone()).or_default().push((bi, kind));
                    skeletons
                        .entry(skeleton(&crate::domain::to_unicode(d).unwrap_or_else(|| d.clone())))
                        .or_insert((bi, d.clone()));
                }
            }
            for d in b.domains.iter().filter(|d| d.len() >= PATH_DOMAIN_MIN_LEN) {
                if !path_domains.iter().any(|(_, e)| e == d) {
                    path_domains.push((bi, d.clone()));
                }
            }
            for t in &b.tlds {
                tld_owner.entry(t.clone()).or_insert(bi);
            }
            for l in b.lookalike_labels() {
                let example = b
                    .domains
                    .iter()
                    .chain(&b.mailbox_domains)
                    .find(|d| d.starts_with(&format!("{l}.")))
                    .or(b.domains.first())
                    .cloned()
                    .unwrap_or_else(|| l.clone());
                labels.push(LabelRef { skeleton: skeleton(&l), label: l, brand: bi, example });
            }
        }
        // Aliases: leftmost-longest, so that 楽天カード wins over 楽天. Tokens: every overlapping hit, so that a
        // bounded token that fails its boundary does not hide another one.
        let build = |pats: &[String], kind: MatchKind| {
            if pats.is_empty() {
                return None;
            }
            // A DFA: several times faster per byte than the NFA on kana/kanji text, where every pattern shares
            // lead bytes and the prefilter cannot skip; built once per knowledge base.
            AhoCorasick::builder().match_kind(kind).kind(Some(AhoCorasickKind::DFA)).build(pats).ok()
        };
        BrandIndex {
            alias_matcher: build(&alias_pats, MatchKind::LeftmostLongest),
            alias_refs,
            token_matcher: build(&token_pats, MatchKind::Standard),
            token_refs,
            domain_owner,
            tld_owner,
            skeletons,
            labels,
            path_domain_matcher: if path_domains.is_empty() {
                None
            } else {
                // A DFA too: it runs over every link's path and query (tracking URLs are long).
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(path_domains.iter().map(|(_, d)| d))
                    .ok()
            },
            path_domains,
            group_of,
            generation: GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Brands owning `host` (exactly or as a parent domain), with how, plus brand TLDs. Bounded: at most the
    /// host's label count lookups.
    pub fn owners_of_host(&self, host: &str) -> Vec<(usize, DomainKind, bool)> {
        let mut out = Vec::new();
        let mut rest = host;
        for _ in 0..16 {
            if let Some(v) = self.domain_owner.get(rest) {
                for &(b, k) in v {
                    // The bool says the host is a subdomain of the listed domain.
                    out.push((b, k, rest.len() != host.len()));
                }
            }
            match rest.split_once('.') {
                Some((_, r)) if !r.is_empty() => rest = r,
                _ => {
                    if let Some(&b) = self.tld_owner.get(rest) {
                        out.push((b, DomainKind::Genuine, true));
                    }
                    break;
                }
            }
        }
        out
    }

    /// True when `host` is one of the brand's genuine senders/sites (or a sister brand's in the same group).
    pub fn is_genuine_for(&self, brand: usize, host: &str, as_sender: bool) -> bool {
        let group = self.group_of.get(brand);
        self.owners_of_host(host).into_iter().any(|(b, kind, subdomain)| {
            let same = b == brand || (group.is_some() && self.group_of.get(b) == group);
            same && match kind {
                DomainKind::Genuine => true,
                DomainKind::Mailbox => !as_sender || subdomain,
                DomainKind::Hosted => false,
            }
        })
    }
}

static BUILTIN: LazyLock<BrandKb> = LazyLock::new(|| {
    BrandKb::from_toml(include_str!("../data/brands.toml")).unwrap_or_else(|e| panic!("data/brands.toml: {e}"))
});

pub fn builtin() -> &'static BrandKb {
    &BUILTIN
}

/// The knowledge base for this analysis.
pub fn kb(cfg: &Config) -> &BrandKb {
    match cfg.brands.as_deref() {
        Some(kb) => kb,
        None => builtin(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_complete_and_consistent() {
        let kb = builtin();
        assert!(kb.brands.len() >= 60, "only {} brands", kb.brands.len());
        let mut not_registrable = Vec::new();
        for b in &kb.brands {
            assert!(!b.domains.is_empty() || !b.mailbox_domains.is_empty(), "{} has no domain", b.id);
            assert!(!b.aliases.is_empty() || !b.weak_aliases.is_empty(), "{} has no alias", b.id);
            // Genuine and mailbox domains are registrable domains (hosted ones may be suffix zones).
            for d in b.domains.iter().chain(&b.mailbox_domains) {
                if crate::domain::registrable(d).as_deref() != Some(d.as_str()) {
                    not_registrable.push(format!("{}: {d}", b.id));
                }
            }
        }
        assert!(not_registrable.is_empty(), "not registrable domains: {not_registrable:?}");
        let idx = kb.index();
        assert!(idx.alias_matcher.is_some() && idx.token_matcher.is_some());
        // KAGOYA's two genuine domains.
        let kagoya: Vec<_> = kb.owners_of("kagoya.com").chain(kb.owners_of("kagoya.jp")).map(|b| &b.id).collect();
        assert_eq!(kagoya, ["kagoya", "kagoya"]);
    }

    #[test]
    fn ascii_skeleton_fast_path_agrees() {
        for s in ["amazon", "arnazon", "paypa1", "Micros0ft", "vv-w|l1I0O.co.jp", "a`b~c^d", "rnrn"] {
            let slow: String = unicode_security::skeleton(&s.to_lowercase()).collect();
            assert_eq!(skeleton(s), slow, "{s}");
        }
        assert_eq!(skeleton("arnazon"), skeleton("amazon"));
    }

    #[test]
    fn ids_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for b in &builtin().brands {
            assert!(seen.insert(&b.id), "duplicate id {}", b.id);
        }
    }

    #[test]
    fn user_file_extends_builtin() {
        let mut kb = builtin().clone();
        let n = kb.brands.len();
        let _ = kb.index();
        let user = BrandKb::from_toml(
            r#"
            [[brand]]
            id = "kagoya"
            domains = ["kagoya-example.jp"]
            [[brand]]
            id = "acme"
            name = "ACME Bank"
            aliases = ["ACME銀行"]
            domains = ["ACME.example"]
            "#,
        )
        .unwrap();
        kb.merge(user);
        assert_eq!(kb.brands.len(), n + 1);
        let k = kb.get("kagoya").unwrap();
        assert!(k.domains.contains(&"kagoya.jp".to_string()) && k.domains.contains(&"kagoya-example.jp".to_string()));
        assert_eq!(k.name, "KAGOYA JAPAN");
        assert_eq!(kb.get("acme").unwrap().domains, ["acme.example"]);
        // The index was rebuilt with the new brand.
        let idx = kb.index();
        let acme = kb.brands.iter().position(|b| b.id == "acme").unwrap();
        assert!(idx.alias_refs.iter().flatten().any(|r| r.brand == acme));
    }

    #[test]
    fn rejects_bad_files() {
        assert!(BrandKb::from_toml("[[brand]]\nid = \"\"\n").is_err());
        assert!(BrandKb::from_toml("[[brand]]\nid = \"a\"\n[[brand]]\nid = \"a\"\n").is_err());
        assert!(BrandKb::from_toml("[[brand]]\nid = \"a\"\ndomian = [\"x.com\"]\n").is_err());
    }

    #[test]
    fn host_ownership() {
        let kb = builtin();
        let idx = kb.index();
        let amazon = kb.brands.iter().position(|b| b.id == "amazon").unwrap();
        let google = kb.brands.iter().position(|b| b.id == "google").unwrap();
        assert!(idx.is_genuine_for(amazon, "marketplace.amazon.co.jp", true));
        assert!(!idx.is_genuine_for(amazon, "bucket.s3.amazonaws.com", false));
        // Anyone can have a gmail.com address; links to it are Google's.
        assert!(!idx.is_genuine_for(google, "gmail.com", true));
        assert!(idx.is_genuine_for(google, "gmail.com", false));
        assert!(idx.is_genuine_for(google, "safety.google", true));
        let smbc_card = kb.brands.iter().position(|b| b.id == "smbc_card").unwrap();
        assert!(idx.is_genuine_for(smbc_card, "smbc.co.jp", true), "same group");
    }
}
