//! A brand's genuine domain written into the path or query of a link to some other site
//! (`https://www.4ztfqg8.cn/amazon.co.jp/signin`): the address bar then "shows" the brand to a hurried reader,
//! and it is how phishing kits lay out their folders. The brand's own links are never flagged.

use crate::brands::BrandKb;
use crate::finding::{Evidence, Finding};
use crate::model::Facts;

/// Shortest brand domain looked for; shorter ones (`au.com`) match too much ordinary text.
const MIN_DOMAIN_LEN: usize = 7;

pub fn check(facts: &Facts, kb: &BrandKb, out: &mut Vec<Finding>) {
    for link in facts.links.iter().take(100) {
        let Some(rest) = after_host(&link.url) else { continue };
        let rest = rest.to_ascii_lowercase();
        let host_reg = link.registrable.as_deref().unwrap_or(&link.host);
        for brand in &kb.brands {
            if brand.domains.iter().any(|d| d.eq_ignore_ascii_case(host_reg)) {
                continue;
            }
            let hit = brand.domains.iter().filter(|d| d.len() >= MIN_DOMAIN_LEN).find(|d| contains_domain(&rest, d));
            if let Some(d) = hit {
                out.push(
                    Finding::new("identity.brand_domain_in_path")
                        .param("brand", &brand.name)
                        .param("domain", d.as_str())
                        .param("host", &link.host)
                        .evidence(Evidence::url(&link.url)),
                );
                return;
            }
        }
    }
}

/// The part of a URL after its host (path, query, fragment).
fn after_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let cut = rest.find(['/', '?', '#'])?;
    Some(&rest[cut..])
}

/// `domain` appears as a whole name: not preceded or followed by a letter, digit, '-' or '.'.
fn contains_domain(hay: &str, domain: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    hay.match_indices(domain).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LinkSource;

    fn facts_with(url: &str) -> Facts {
        let mut f = Facts::default();
        f.links.push(crate::links::link_from_url(url, LinkSource::Href).unwrap());
        f
    }

    #[test]
    fn brand_domain_in_an_unrelated_path_is_flagged() {
        let mut out = Vec::new();
        check(&facts_with("https://www.4ztfqg8.cn/amazon.co.jp/signin"), crate::brands::builtin(), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].params["domain"], "amazon.co.jp");
    }

    #[test]
    fn the_brands_own_links_and_longer_names_are_not() {
        let kb = crate::brands::builtin();
        for url in [
            "https://www.amazon.co.jp/gp/css/order-history?ref=amazon.co.jp",
            "https://example.org/news/amazon.co.jp.example/",
            "https://example.org/blog/notamazon.co.jp/",
        ] {
            let mut out = Vec::new();
            check(&facts_with(url), kb, &mut out);
            assert!(out.is_empty(), "{url}");
        }
    }
}
