//! Campaigns: stored analyses grouped into connected clusters. Two analyses are linked when they share real
//! infrastructure (`is_link`): the indicators they share weigh at least `min_strength` (the same weights as
//! "seen before"), come from two families (origin, sender, links, mailer, layout, file) or include one strong
//! kind at full weight (exact origin IP, link host, URL, layout, attached file), and at least one of the two was
//! flagged. A campaign is a connected component of two or more analyses. Its id is `C` + the lowest analysis
//! id in it (stable while the campaign only grows).
//!
//! Single linkage chains: one weak shared value per pair is enough to merge two real campaigns into one giant
//! one (746 of 1,991 phishing mails of the corpus did, through image hosts and common tracking paths). Hence
//! the two-families rule, and rarity: a value shared by more than `max_group` analyses is a shared resource
//! (an ESP's network, a common mailer string, an image host) and links nothing.
//!
//! Backend-independent: works on `Store::current()`. Cost: one pass over the shared values.

use crate::indicators::Kind;
use crate::{AnalysisRow, IndicatorRow, Result, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone)]
pub struct CampaignOptions {
    /// Minimum link strength between two analyses (default 4: an exact origin IP, link host, URL or layout
    /// alone; or a sender domain with a /24 and a host pattern).
    pub min_strength: f64,
    /// Values shared by more analyses than this are ignored: at that point they are shared infrastructure (a
    /// mailing service's click tracker, an image host), and single-linkage clustering through them would chain
    /// unrelated mail into one giant campaign.
    pub max_group: usize,
}

/// The default of `CampaignOptions::max_group`, also used by "seen before" lookups.
pub const MAX_GROUP: usize = 25;

impl Default for CampaignOptions {
    fn default() -> Self {
        CampaignOptions { min_strength: 4.0, max_group: MAX_GROUP }
    }
}

/// Whether shared indicators `(kind, weight)` are real shared infrastructure: total weight at least
/// `min_strength`, and two families or one strong kind at full weight.
pub fn is_link<'a>(shared: impl IntoIterator<Item = (&'a str, f64)> + Clone, min_strength: f64) -> bool {
    let total: f64 = shared.clone().into_iter().map(|(_, w)| w).sum();
    if (total * 100.0).round() / 100.0 < min_strength {
        return false;
    }
    let mut families: Vec<&'static str> = Vec::new();
    for (k, w) in shared {
        let Some(kind) = Kind::parse(k) else { continue };
        if kind.strong() && w >= kind.weight() && w >= 4.0 {
            return true;
        }
        if w > 0.0 && !families.contains(&kind.family()) {
            families.push(kind.family());
        }
    }
    families.len() >= 2
}

/// A link between two members.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Link {
    pub a: i64,
    pub b: i64,
    pub strength: f64,
    /// `kind:value` of each shared indicator.
    pub shared: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SharedValue {
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: String,
    pub size: usize,
    /// Earliest and latest received (else analysed) time of its members, unix seconds.
    pub first_seen: i64,
    pub last_seen: i64,
    pub verdicts: BTreeMap<String, usize>,
    pub brands: Vec<String>,
    pub origin_ips: Vec<String>,
    pub origin_networks: Vec<String>,
    pub link_domains: Vec<String>,
    /// Indicators every member has.
    pub shared_by_all: Vec<SharedValue>,
    pub members: Vec<AnalysisRow>,
    pub links: Vec<Link>,
}

struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// Cluster the current analyses of a store.
pub fn campaigns(store: &dyn Store, opts: &CampaignOptions) -> Result<Vec<Campaign>> {
    let (rows, inds) = store.current()?;
    Ok(cluster(rows, &inds, opts))
}

/// Cluster analyses by their indicators (only those with weight > 0 are looked at).
pub fn cluster(rows: Vec<AnalysisRow>, inds: &[IndicatorRow], opts: &CampaignOptions) -> Vec<Campaign> {
    let index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    // (kind, value) -> members, weight
    let mut groups: HashMap<(&str, &str), (f64, Vec<usize>)> = HashMap::new();
    for i in inds.iter().filter(|i| i.weight > 0.0) {
        if let Some(&ix) = index.get(&i.analysis_id) {
            let g = groups.entry((i.kind.as_str(), i.value.as_str())).or_insert((i.weight, Vec::new()));
            g.0 = g.0.max(i.weight);
            g.1.push(ix);
        }
    }
    // Pair strengths.
    // (pair) -> shared (kind, value, weight)
    type SharedWith<'a> = Vec<(&'a str, &'a str, f64)>;
    let mut pairs: HashMap<(usize, usize), SharedWith<'_>> = HashMap::new();
    for ((kind, value), (weight, members)) in &groups {
        if members.len() < 2 || members.len() > opts.max_group {
            continue;
        }
        for (n, &x) in members.iter().enumerate() {
            for &y in &members[n + 1..] {
                // Flagged by their own evidence: a mail flagged only through memory links nothing (see correlate).
                if x == y || (!rows[x].base_flagged() && !rows[y].base_flagged()) {
                    continue;
                }
                let key = (x.min(y), x.max(y));
                let e = pairs.entry(key).or_default();
                if e.len() < 64 {
                    e.push((kind, value, *weight));
                }
            }
        }
    }
    let mut dsu = Dsu((0..rows.len()).collect());
    let mut links: Vec<(usize, usize, f64, Vec<String>)> = Vec::new();
    for ((x, y), shared) in pairs {
        if !is_link(shared.iter().map(|(k, _, w)| (*k, *w)), opts.min_strength) {
            continue;
        }
        let strength: f64 = shared.iter().map(|(_, _, w)| w).sum();
        let strength = (strength * 100.0).round() / 100.0;
        dsu.union(x, y);
        let mut shared: Vec<String> = shared.iter().take(16).map(|(k, v, _)| format!("{k}:{v}")).collect();
        shared.sort();
        links.push((x, y, strength, shared));
    }
    let mut comps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..rows.len() {
        let r = dsu.find(i);
        comps.entry(r).or_default().push(i);
    }
    // Indicators per analysis, for the per-campaign summaries.
    let mut by_analysis: HashMap<usize, Vec<&IndicatorRow>> = HashMap::new();
    for i in inds {
        if let Some(&ix) = index.get(&i.analysis_id) {
            by_analysis.entry(ix).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (_, members) in comps {
        if members.len() < 2 {
            continue;
        }
        let set: BTreeSet<usize> = members.iter().copied().collect();
        let mut c_links: Vec<Link> = links
            .iter()
            .filter(|(x, _, _, _)| set.contains(x))
            .map(|(x, y, s, sh)| Link { a: rows[*x].id, b: rows[*y].id, strength: *s, shared: sh.clone() })
            .collect();
        c_links.sort_by_key(|l| (l.a, l.b));
        let mut verdicts = BTreeMap::new();
        let mut brands = BTreeSet::new();
        let mut values: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
        for &m in &members {
            *verdicts.entry(rows[m].verdict.clone()).or_insert(0) += 1;
            brands.extend(rows[m].brands.iter().cloned());
            let mut mine: BTreeSet<(&str, &str)> = BTreeSet::new();
            for i in by_analysis.get(&m).map(Vec::as_slice).unwrap_or(&[]) {
                values.entry(i.kind.as_str()).or_default().insert(i.value.as_str());
                mine.insert((i.kind.as_str(), i.value.as_str()));
            }
            for k in mine {
                *counts.entry(k).or_insert(0) += 1;
            }
        }
        let mut shared_by_all: Vec<SharedValue> = counts
            .into_iter()
            .filter(|(_, n)| *n == members.len())
            .map(|((k, v), _)| SharedValue { kind: k.to_string(), value: v.to_string() })
            .collect();
        shared_by_all.sort_by(|a, b| {
            let w = |s: &SharedValue| Kind::parse(&s.kind).map_or(0.0, Kind::weight);
            w(b).partial_cmp(&w(a))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.kind.cmp(&b.kind))
                .then(a.value.cmp(&b.value))
        });
        let list = |k: &str| -> Vec<String> {
            values.get(k).map(|s| s.iter().take(50).map(|v| v.to_string()).collect()).unwrap_or_default()
        };
        let mut link_domains = list("link_domain");
        for h in list("link_host") {
            // Hosts that are their own registrable domain (cprapid.com customers, IP literals) appear as hosts.
            if !link_domains.iter().any(|d| h == *d || h.ends_with(&format!(".{d}"))) {
                link_domains.push(h);
            }
        }
        link_domains.sort();
        let mut member_rows: Vec<AnalysisRow> = members.iter().map(|&m| rows[m].clone()).collect();
        member_rows.sort_by_key(|r| (r.when(), r.id));
        let first_seen = member_rows.iter().map(AnalysisRow::when).min().unwrap_or(0);
        let last_seen = member_rows.iter().map(AnalysisRow::when).max().unwrap_or(0);
        let lowest = member_rows.iter().map(|r| r.id).min().unwrap_or(0);
        out.push(Campaign {
            id: format!("C{lowest}"),
            size: member_rows.len(),
            first_seen,
            last_seen,
            verdicts,
            brands: brands.into_iter().collect(),
            origin_ips: list("origin_ip"),
            origin_networks: list("origin_net"),
            link_domains,
            shared_by_all,
            members: member_rows,
            links: c_links,
        });
    }
    out.sort_by(|a, b| b.size.cmp(&a.size).then(b.last_seen.cmp(&a.last_seen)).then(a.id.cmp(&b.id)));
    out
}

/// Parse `C12` or `12` into the campaign id form.
pub fn normalise_id(id: &str) -> String {
    let id = id.trim();
    let digits = id.strip_prefix(['C', 'c']).unwrap_or(id);
    format!("C{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, verdict: &str) -> AnalysisRow {
        AnalysisRow {
            id,
            message_id: id,
            sha256: String::new(),
            analysed_at: 1000 + id,
            received_at: None,
            source: None,
            subject: None,
            verdict: verdict.into(),
            score: 0.0,
            base_verdict: verdict.into(),
            brands: vec!["kagoya".into()],
            superseded: false,
            has_raw: false,
        }
    }

    fn ind(a: i64, kind: Kind, value: &str) -> IndicatorRow {
        IndicatorRow {
            analysis_id: a,
            kind: kind.as_str().into(),
            value: value.into(),
            weight: kind.weight(),
            benign: false,
        }
    }

    #[test]
    fn clusters_transitively_and_respects_min_strength() {
        let rows = vec![row(1, "phishing"), row(2, "phishing"), row(3, "suspicious"), row(4, "phishing")];
        let inds = vec![
            ind(1, Kind::OriginIp, "121.50.46.57"),
            ind(2, Kind::OriginIp, "121.50.46.57"),
            ind(2, Kind::Layout, "h1:x"),
            ind(3, Kind::Layout, "h1:x"),
            // Only a /24 in common: too weak.
            ind(3, Kind::OriginNet, "1.2.3.0/24"),
            ind(4, Kind::OriginNet, "1.2.3.0/24"),
        ];
        let cs = cluster(rows, &inds, &CampaignOptions::default());
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].id, "C1");
        assert_eq!(cs[0].size, 3);
        assert_eq!(cs[0].links.len(), 2);
        assert!(cs[0].shared_by_all.is_empty());
        assert_eq!(cs[0].brands, vec!["kagoya".to_string()]);
    }

    #[test]
    fn one_weak_family_does_not_link_but_two_do() {
        let rows = vec![row(1, "phishing"), row(2, "phishing"), row(3, "phishing"), row(4, "phishing")];
        let inds = vec![
            // Link domain + path shape + host pattern: 6.0, but all "links": no campaign.
            ind(1, Kind::LinkDomain, "dury.agency"),
            ind(2, Kind::LinkDomain, "dury.agency"),
            ind(1, Kind::UrlPathShape, "/track/*"),
            ind(2, Kind::UrlPathShape, "/track/*"),
            ind(1, Kind::HostPattern, "N-N.example.top"),
            ind(2, Kind::HostPattern, "N-N.example.top"),
            // Sender domain + /24: two families, 4.0: linked.
            ind(3, Kind::SenderDomain, "stkwifeed.com"),
            ind(4, Kind::SenderDomain, "stkwifeed.com"),
            ind(3, Kind::OriginNet, "62.76.228.0/24"),
            ind(4, Kind::OriginNet, "62.76.228.0/24"),
        ];
        let cs = cluster(rows, &inds, &CampaignOptions::default());
        assert_eq!(cs.len(), 1, "{cs:?}");
        assert_eq!(cs[0].id, "C3");
    }

    #[test]
    fn a_value_shared_by_too_many_links_nothing() {
        let n = MAX_GROUP as i64 + 1;
        let rows: Vec<AnalysisRow> = (1..=n).map(|i| row(i, "phishing")).collect();
        let inds: Vec<IndicatorRow> = (1..=n).map(|i| ind(i, Kind::OriginIp, "192.0.2.1")).collect();
        assert!(cluster(rows, &inds, &CampaignOptions::default()).is_empty());
    }

    #[test]
    fn clean_pairs_never_cluster() {
        let rows = vec![row(1, "clean"), row(2, "clean")];
        let inds = vec![ind(1, Kind::Layout, "h1:x"), ind(2, Kind::Layout, "h1:x")];
        assert!(cluster(rows, &inds, &CampaignOptions::default()).is_empty());
    }

    #[test]
    fn ids_normalise() {
        assert_eq!(normalise_id("c12"), "C12");
        assert_eq!(normalise_id("12"), "C12");
    }
}
