//! A brand's genuine domain written into the path or query of a link to some other site
//! (`https://www.4ztfqg8.cn/amazon.co.jp/signin`): the address bar then "shows" the brand to a hurried reader,
//! and it is how phishing kits lay out their folders. The brand's own links are never flagged.

use crate::brands::BrandKb;
use crate::finding::{Evidence, Finding};
use crate::model::Facts;

/// Mail-security gateways whose rewritten links name domains in their query (`?domain=github.com`).
const REWRITERS: &[&str] = &["mimecast.com", "mimecastprotect.com", "proofpoint.com", "barracudanetworks.com"];

pub fn check(facts: &Facts, kb: &BrandKb, out: &mut Vec<Finding>) {
    let index = kb.index();
    let Some(matcher) = index.path_domain_matcher.as_ref() else { return };
    for link in facts.links.iter().take(100) {
        // Link rewriters of mail-security gateways carry the recipient's domain as a parameter.
        if link.registrable.as_deref().is_some_and(|r| REWRITERS.contains(&r)) {
            continue;
        }
        let Some(rest) = after_host(&link.url) else { continue };
        // Every pattern is a domain name, so it has a dot.
        if !rest.contains('.') {
            continue;
        }
        let rest = rest.to_ascii_lowercase();
        let host_reg = link.registrable.as_deref().unwrap_or(&link.host);
        let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
        let bytes = rest.as_bytes();
        for m in matcher.find_overlapping_iter(&rest) {
            let whole = !m.start().checked_sub(1).and_then(|i| bytes.get(i)).is_some_and(|&b| is_name(b))
                && !bytes.get(m.end()).is_some_and(|&b| is_name(b));
            let Some((bi, domain)) = index.path_domains.get(m.pattern().as_usize()) else { continue };
            let Some(brand) = kb.brands.get(*bi) else { continue };
            // The brand's own links (and a sister domain of the same brand) are never flagged.
            if !whole || brand.domains.iter().any(|d| d.eq_ignore_ascii_case(host_reg)) {
                continue;
            }
            out.push(
                Finding::new("identity.brand_domain_in_path")
                    .param("brand", &brand.name)
                    .param("domain", domain.as_str())
                    .param("host", &link.host)
                    .evidence(Evidence::url(&link.url)),
            );
            return;
        }
    }
}

/// The part of a URL after its host (path, query, fragment).
fn after_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let cut = rest.find(['/', '?', '#'])?;
    Some(&rest[cut..])
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
