//! Which kind of network an IP is in (cloud, rented hosting/VPS, CDN), from the registration's names and
//! the reverse DNS. A short list of the providers phishing is most often seen on; unknown stays unknown.

use phishlens_core::intel::{Hosting, IpIntel};

/// (needle in lower-cased org/name/rDNS, provider, kind)
const PROVIDERS: &[(&str, &str, &str)] = &[
    ("amazon", "Amazon AWS", "cloud"),
    ("amazonaws", "Amazon AWS", "cloud"),
    ("aws", "Amazon AWS", "cloud"),
    ("google", "Google Cloud", "cloud"),
    ("microsoft", "Microsoft Azure", "cloud"),
    ("azure", "Microsoft Azure", "cloud"),
    ("alibaba", "Alibaba Cloud", "cloud"),
    ("aliyun", "Alibaba Cloud", "cloud"),
    ("hichina", "Alibaba Cloud", "cloud"),
    ("tencent", "Tencent Cloud", "cloud"),
    ("ucloud", "UCloud", "cloud"),
    ("huawei", "Huawei Cloud", "cloud"),
    ("oracle", "Oracle Cloud", "cloud"),
    ("digitalocean", "DigitalOcean", "cloud"),
    ("linode", "Akamai Linode", "cloud"),
    ("vultr", "Vultr", "hosting"),
    ("choopa", "Vultr", "hosting"),
    ("quadranet", "QuadraNet", "hosting"),
    ("ovh", "OVH", "hosting"),
    ("hetzner", "Hetzner", "hosting"),
    ("contabo", "Contabo", "hosting"),
    ("colocrossing", "ColoCrossing", "hosting"),
    ("hostinger", "Hostinger", "hosting"),
    ("namecheap", "Namecheap", "hosting"),
    ("godaddy", "GoDaddy", "hosting"),
    ("leaseweb", "Leaseweb", "hosting"),
    ("m247", "M247", "hosting"),
    ("sakura", "SAKURA internet", "hosting"),
    ("kagoya", "KAGOYA", "hosting"),
    ("conoha", "ConoHa (GMO)", "hosting"),
    ("xserver", "XServer", "hosting"),
    ("cprapid", "cPanel hosting", "hosting"),
    ("cloudflare", "Cloudflare", "cdn"),
    ("akamai", "Akamai", "cdn"),
    ("fastly", "Fastly", "cdn"),
];

/// Well-known AS numbers of the same providers (the number is the surest key when a database gives it).
const ASNS: &[(u32, &str, &str)] = &[
    (16509, "Amazon AWS", "cloud"),
    (14618, "Amazon AWS", "cloud"),
    (15169, "Google Cloud", "cloud"),
    (396982, "Google Cloud", "cloud"),
    (8075, "Microsoft Azure", "cloud"),
    (37963, "Alibaba Cloud", "cloud"),
    (45102, "Alibaba Cloud", "cloud"),
    (45090, "Tencent Cloud", "cloud"),
    (132203, "Tencent Cloud", "cloud"),
    (135377, "UCloud", "cloud"),
    (31898, "Oracle Cloud", "cloud"),
    (14061, "DigitalOcean", "cloud"),
    (63949, "Akamai Linode", "cloud"),
    (20473, "Vultr", "hosting"),
    (8100, "QuadraNet", "hosting"),
    (16276, "OVH", "hosting"),
    (24940, "Hetzner", "hosting"),
    (51167, "Contabo", "hosting"),
    (36352, "ColoCrossing", "hosting"),
    (47583, "Hostinger", "hosting"),
    (22612, "Namecheap", "hosting"),
    (26496, "GoDaddy", "hosting"),
    (60781, "Leaseweb", "hosting"),
    (9009, "M247", "hosting"),
    (9370, "SAKURA internet", "hosting"),
    (7506, "ConoHa (GMO)", "hosting"),
    (13335, "Cloudflare", "cdn"),
    (20940, "Akamai", "cdn"),
    (54113, "Fastly", "cdn"),
];

fn asn_of(ip: &IpIntel) -> Option<u32> {
    ip.geo
        .as_ref()
        .and_then(|g| g.asn)
        .or_else(|| ip.asn.as_ref().map(|a| a.asn))
        .or_else(|| ip.registration.as_ref()?.origin_as.as_deref()?.trim_start_matches("AS").parse().ok())
}

pub fn classify(ip: &IpIntel) -> Option<Hosting> {
    if let Some(n) = asn_of(ip)
        && let Some((_, provider, kind)) = ASNS.iter().find(|(a, _, _)| *a == n)
    {
        return Some(Hosting { kind: kind.to_string(), provider: provider.to_string() });
    }
    let mut hay = String::new();
    if let Some(a) = &ip.asn {
        for s in [&a.name, &a.holder].into_iter().flatten() {
            hay.push_str(&s.to_ascii_lowercase());
            hay.push(' ');
        }
    }
    if let Some(s) = ip.geo.as_ref().and_then(|g| g.as_org.as_ref()) {
        hay.push_str(&s.to_ascii_lowercase());
        hay.push(' ');
    }
    if let Some(r) = &ip.registration {
        for s in [&r.name, &r.org, &r.handle].into_iter().flatten() {
            hay.push_str(&s.to_ascii_lowercase());
            hay.push(' ');
        }
    }
    if let Some(d) = &ip.rdns {
        for n in &d.names {
            hay.push_str(n);
            hay.push(' ');
        }
    }
    for r in &ip.roles {
        hay.push_str(&r.to_ascii_lowercase());
        hay.push(' ');
    }
    // Word-ish match: the needle must start a word, so "aws" does not match "laws".
    PROVIDERS
        .iter()
        .find(|(needle, _, _)| {
            hay.match_indices(needle).any(|(i, _)| i == 0 || !hay.as_bytes()[i - 1].is_ascii_alphabetic())
        })
        .map(|(_, provider, kind)| Hosting { kind: kind.to_string(), provider: provider.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use phishlens_core::intel::IpRegistration;

    #[test]
    fn names_providers() {
        let mut ip = IpIntel {
            ip: "204.44.83.230".parse().unwrap(),
            roles: vec![],
            registration: None,
            rdns: None,
            geo: None,
            hosting: None,
            asn: None,
            dnsbl: vec![],
        };
        ip.registration = Some(IpRegistration { org: Some("QuadraNet Enterprises LLC".into()), ..Default::default() });
        assert_eq!(classify(&ip).unwrap().provider, "QuadraNet");
        ip.registration = Some(IpRegistration { name: Some("UCLOUD-NET".into()), ..Default::default() });
        assert_eq!(classify(&ip).unwrap().kind, "cloud");
        ip.registration = Some(IpRegistration { org: Some("Flaws Inc".into()), ..Default::default() });
        assert!(classify(&ip).is_none());
        // A GeoIP ASN alone is enough.
        ip.geo = Some(phishlens_core::intel::GeoIp { asn: Some(16509), ..Default::default() });
        assert_eq!(classify(&ip).unwrap().provider, "Amazon AWS");
    }
}
