//! Findings from live lookups (ids `auth.*` and `intel.*`; weights and texts in core's
//! data/findings/intel.toml). A pass is never counted in the sender's favour: a third of phishing passes
//! DMARC for its own throwaway domain. Failed lookups produce no finding in either direction.

use phishlens_core::finding::{Evidence, EvidenceKind, Finding};
use phishlens_core::intel::Intel;
use phishlens_core::judge::Report;
use std::net::IpAddr;

/// Thresholds the user may change.
#[derive(Debug, Clone)]
pub struct Thresholds {
    /// A domain registered fewer days than this before the mail was received is "new".
    pub new_domain_days: i64,
    /// ... fewer than this, "young".
    pub young_domain_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { new_domain_days: 30, young_domain_days: 180 }
    }
}

fn ev(location: &str, text: impl AsRef<str>) -> Evidence {
    Evidence::new(EvidenceKind::Header, location, text)
}

pub fn findings(report: &Report, intel: &Intel, th: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    let facts = &report.facts;
    let from_domain = facts.from.as_ref().and_then(|m| m.domain.clone());
    if let Some(a) = &intel.auth {
        let ip = a.ip.map(|i| i.to_string()).unwrap_or_default();
        if let Some(c) = a.spf.iter().find(|c| c.identity == "from") {
            let id = match c.result.as_str() {
                "fail" => Some("auth.spf_fail_from_domain"),
                "softfail" => Some("auth.spf_softfail_from_domain"),
                _ => None,
            };
            if let Some(id) = id {
                let record = intel.domain(&c.domain).and_then(|d| d.dns.as_ref()).and_then(|d| d.spf.clone());
                out.push(
                    Finding::new(id)
                        .param("domain", &c.domain)
                        .param("ip", &ip)
                        .evidence(ev(&format!("SPF {}", c.domain), record.unwrap_or_else(|| c.result.clone())))
                        .evidence(ev("origin", &ip)),
                );
            }
        }
        if let Some(d) = &a.dmarc
            && d.result == "fail"
        {
            let id = if d.policy == "reject" || d.policy == "quarantine" {
                "auth.dmarc_fail_enforced"
            } else {
                "auth.dmarc_fail_unenforced"
            };
            out.push(
                Finding::new(id).param("domain", &d.domain).param("policy", &d.policy).evidence(ev(
                    &format!("_dmarc.{}", d.domain),
                    d.record.clone().unwrap_or_else(|| d.policy.clone()),
                )),
            );
        }
    }
    // A brand-claiming sender domain that publishes no SPF or DMARC: anyone can send as it.
    if let Some(fd) = &from_domain
        && let Some(brand) = facts.brands.first()
        && let Some(dns) = intel.domain(&registrable(fd)).and_then(|d| d.dns.as_ref())
        && dns.status != "unknown"
    {
        let missing = match (dns.spf.is_none(), dns.dmarc.is_none()) {
            (true, true) => Some("SPF, DMARC"),
            (true, false) => Some("SPF"),
            (false, true) => Some("DMARC"),
            _ => None,
        };
        // Only when the lookups said so (a failed TXT lookup leaves spf None too: the status guards that).
        if let Some(missing) = missing
            && !intel.unknown.iter().any(|u| u.lookup.contains(&format!("TXT {}", registrable(fd))))
        {
            out.push(
                Finding::new("auth.brand_domain_no_policy")
                    .param("domain", fd)
                    .param("brand", &brand.brand)
                    .param("missing", missing)
                    .evidence(ev("From", fd)),
            );
        }
    }
    for d in &intel.domains {
        let Some(age) = d.age_days_at_receipt else { continue };
        let created = d.registration.as_ref().and_then(|r| r.created.clone()).unwrap_or_default();
        let id = if age < th.new_domain_days {
            "intel.domain_new"
        } else if age < th.young_domain_days {
            "intel.domain_young"
        } else {
            continue;
        };
        out.push(
            Finding::new(id)
                .param("domain", &d.domain)
                .param("days", age.max(0).to_string())
                .param("created", &created)
                .evidence(ev(&d.roles.join(","), format!("{} created {created}", d.domain))),
        );
    }
    for h in &intel.hosts {
        if h.status == "nxdomain" {
            out.push(Finding::new("intel.link_domain_gone").param("host", &h.host).evidence(Evidence::url(&h.host)));
        }
    }
    // Links of a brand-claiming mail that go to rented hosting unrelated to the brand.
    if let Some(brand) = facts.brands.iter().find(|b| b.links_genuine == Some(false)) {
        let brand_id = brand.brand_id.to_ascii_lowercase();
        for ipi in intel.ips.iter().filter(|i| i.roles.iter().any(|r| r.starts_with("link:"))) {
            let Some(hosting) = &ipi.hosting else { continue };
            if hosting.provider.to_ascii_lowercase().contains(&brand_id) {
                continue;
            }
            let org = ipi.registration.as_ref().and_then(|r| r.org.clone()).unwrap_or_else(|| hosting.provider.clone());
            let country = ipi.registration.as_ref().and_then(|r| r.country.clone()).unwrap_or_default();
            out.push(
                Finding::new("intel.link_hosting_unrelated_to_brand")
                    .param("brand", &brand.brand)
                    .param("ip", ipi.ip.to_string())
                    .param("org", &org)
                    .param("country", &country)
                    .evidence(ev("link", format!("{} {org} {country}", ipi.ip))),
            );
        }
    }
    // The sending host and a link's host on the same network or provider: one operator's infrastructure.
    if let Some(origin) = intel.ips.iter().find(|i| i.roles.iter().any(|r| r == "origin")) {
        for l in intel.ips.iter().filter(|i| i.ip != origin.ip && i.roles.iter().any(|r| r.starts_with("link:"))) {
            let same_net = match (&origin.registration, &l.registration) {
                (Some(a), Some(b)) => a.handle.is_some() && a.handle == b.handle,
                _ => false,
            };
            let same_24 = same_prefix(&origin.ip, &l.ip);
            let same_provider = matches!((&origin.hosting, &l.hosting), (Some(a), Some(b)) if a.provider == b.provider);
            if same_net || same_24 || same_provider {
                let what = if same_net || same_24 {
                    origin.registration.as_ref().and_then(|r| r.name.clone()).unwrap_or_else(|| "same /24".into())
                } else {
                    origin.hosting.as_ref().map(|h| h.provider.clone()).unwrap_or_default()
                };
                out.push(
                    Finding::new("intel.same_hosting_sender_link")
                        .param("origin", origin.ip.to_string())
                        .param("link_ip", l.ip.to_string())
                        .param("network", &what)
                        .evidence(ev("origin", origin.ip.to_string()))
                        .evidence(ev("link", l.ip.to_string())),
                );
            }
        }
    }
    // The origin IP on a DNS blocklist the user chose to ask.
    if let Some(origin) = intel.ips.iter().find(|i| i.roles.iter().any(|r| r == "origin")) {
        let listed: Vec<_> = origin.dnsbl.iter().filter(|b| b.status == "listed").collect();
        if !listed.is_empty() {
            let zones: Vec<&str> = listed.iter().map(|b| b.zone.as_str()).collect();
            let mut f = Finding::new("intel.origin_dnsbl_listed")
                .param("ip", origin.ip.to_string())
                .param("lists", zones.join(", "));
            for b in listed.iter().take(4) {
                let why = b.reason.clone().unwrap_or_else(|| b.codes.join(" "));
                f = f.evidence(ev(&format!("DNSBL {}", b.zone), format!("{} {}: {why}", origin.ip, b.codes.join(" "))));
            }
            out.push(f);
        }
    }
    if !intel.unknown.is_empty() {
        let first = intel.unknown.first().map(|u| format!("{}: {}", u.lookup, u.reason)).unwrap_or_default();
        out.push(
            Finding::new("intel.lookups_incomplete")
                .param("count", intel.unknown.len().to_string())
                .evidence(Evidence::new(EvidenceKind::Parse, "lookup", first)),
        );
    }
    out
}

fn registrable(d: &str) -> String {
    phishlens_core::domain::registrable(d).unwrap_or_else(|| d.to_string())
}

fn same_prefix(a: &IpAddr, b: &IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets()[..3] == b.octets()[..3],
        (IpAddr::V6(a), IpAddr::V6(b)) => a.octets()[..6] == b.octets()[..6],
        _ => false,
    }
}
