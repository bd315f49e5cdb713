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

pub fn classify(ip: &IpIntel) -> Option<Hosting> {
    let mut hay = String::new();
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
        };
        ip.registration = Some(IpRegistration { org: Some("QuadraNet Enterprises LLC".into()), ..Default::default() });
        assert_eq!(classify(&ip).unwrap().provider, "QuadraNet");
        ip.registration = Some(IpRegistration { name: Some("UCLOUD-NET".into()), ..Default::default() });
        assert_eq!(classify(&ip).unwrap().kind, "cloud");
        ip.registration = Some(IpRegistration { org: Some("Flaws Inc".into()), ..Default::default() });
        assert!(classify(&ip).is_none());
    }
}
