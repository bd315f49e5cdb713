//! Host and domain helpers shared by every check: registrable domains through the public suffix list,
//! IP detection, IDN conversion. One place so that every module agrees on what "the same domain" means.

use std::net::IpAddr;

/// Lower-case, strip a trailing dot and surrounding brackets/whitespace.
pub fn normalize_host(host: &str) -> String {
    let h = host.trim().trim_matches(|c| c == '[' || c == ']').trim_end_matches('.');
    h.to_ascii_lowercase()
}

/// Parse a host that is an IP literal (v4, v6, bracketed v6).
pub fn host_ip(host: &str) -> Option<IpAddr> {
    let h = host.trim().trim_matches(|c| c == '[' || c == ']');
    let h = h.strip_prefix("IPv6:").or_else(|| h.strip_prefix("ipv6:")).unwrap_or(h);
    h.parse().ok()
}

/// ASCII (punycode) form of a possibly-Unicode host. None when it is not a valid domain name.
pub fn to_ascii(host: &str) -> Option<String> {
    let h = normalize_host(host);
    if h.is_empty() || h.len() > 253 {
        return None;
    }
    if h.is_ascii() {
        return Some(h);
    }
    idna::domain_to_ascii(&h).ok().filter(|s| !s.is_empty())
}

/// Unicode form of an ASCII host, when it has punycode labels.
pub fn to_unicode(host: &str) -> Option<String> {
    if !host.split('.').any(|l| l.starts_with("xn--")) {
        return None;
    }
    let (u, res) = idna::domain_to_unicode(host);
    res.ok().map(|_| u).filter(|u| u != host)
}

/// Registrable domain (eTLD+1) of a host, using the public suffix list. None for IPs, single labels and
/// hosts whose suffix is not a known public suffix (e.g. `localhost.localdomain`).
pub fn registrable(host: &str) -> Option<String> {
    let h = to_ascii(host)?;
    if host_ip(&h).is_some() {
        return None;
    }
    let d = psl::domain(h.as_bytes())?;
    if !d.suffix().is_known() {
        return None;
    }
    std::str::from_utf8(d.as_bytes()).ok().map(str::to_string)
}

/// The public suffix of a host (e.g. "co.jp"), if known.
pub fn public_suffix(host: &str) -> Option<String> {
    let h = to_ascii(host)?;
    let s = psl::suffix(h.as_bytes())?;
    if !s.is_known() {
        return None;
    }
    std::str::from_utf8(s.as_bytes()).ok().map(str::to_string)
}

/// True when the host's public suffix comes from the PSL's private section: hosting, dynamic DNS and
/// platform zones (cprapid.com, duckdns.org, web.app, ...) where anyone can get a name.
pub fn is_private_suffix(host: &str) -> bool {
    let Some(h) = to_ascii(host) else {
        return false;
    };
    psl::suffix(h.as_bytes()).is_some_and(|s| s.is_known() && s.typ() == Some(psl::Type::Private))
}

/// The domain part of an address (`user@Example.COM` -> `example.com`).
pub fn address_domain(address: &str) -> Option<String> {
    let (_, d) = address.trim().trim_matches(|c| c == '<' || c == '>').rsplit_once('@')?;
    let d = normalize_host(d);
    if d.is_empty() { None } else { Some(d) }
}

/// True for loopback, private, link-local, CGNAT, documentation and other non-routable addresses.
pub fn is_non_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || v6.to_ipv4_mapped().is_some_and(|v4| is_non_public(&IpAddr::V4(v4)))
        }
    }
}

/// The network an address is grouped by when mails are compared: its /24 (IPv4) or /48 (IPv6).
pub fn origin_net(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// Defang for display: `https://www.example.cn/x` -> `hxxps://www[.]example[.]cn/x`.
pub fn defang(s: &str) -> String {
    let s = s.replacen("https://", "hxxps://", 1).replacen("http://", "hxxp://", 1);
    s.replace('.', "[.]").replace('@', "[@]")
}

/// Addresses no mailbox user can pick: a bounce from mailer-daemon@googlemail.com is Google's own.
pub fn is_system_sender(address: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(local, _)| {
        local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable("www.amazon.co.jp").as_deref(), Some("amazon.co.jp"));
        assert_eq!(registrable("WWW.4ztfqg8.CN.").as_deref(), Some("4ztfqg8.cn"));
        // cprapid.com is in the PSL's private section (cPanel): every customer host is its own registrable domain.
        assert_eq!(registrable("3-137-150-20.cprapid.com").as_deref(), Some("3-137-150-20.cprapid.com"));
        assert_eq!(public_suffix("3-137-150-20.cprapid.com").as_deref(), Some("cprapid.com"));
        assert!(is_private_suffix("3-137-150-20.cprapid.com"));
        assert!(!is_private_suffix("www.amazon.co.jp"));
        assert_eq!(registrable("localhost.localdomain"), None);
        assert_eq!(registrable("121.50.46.57"), None);
    }

    #[test]
    fn non_public_addresses() {
        for a in ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.4", "100.64.0.1", "::1", "fe80::1", "fd00::1"] {
            assert!(is_non_public(&a.parse().unwrap()), "{a}");
        }
        for a in ["121.50.46.57", "106.75.178.120", "2001:4860::1"] {
            assert!(!is_non_public(&a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn defangs_urls() {
        assert_eq!(defang("https://www.4ztfqg8.cn"), "hxxps://www[.]4ztfqg8[.]cn");
    }
}
