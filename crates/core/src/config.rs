//! What the user can set for an analysis: trusted relays, extra brands, parser limits.

use ipnet::IpNet;
use std::net::IpAddr;

/// A relay the user trusts in addition to the recipient's top hop: by address range or by host name.
#[derive(Debug, Clone, PartialEq)]
pub enum TrustedRelay {
    Net(IpNet),
    /// Host name, lower case; matches the hop's `by` or `from` name exactly or as a parent domain.
    Host(String),
}

impl TrustedRelay {
    pub fn parse(s: &str) -> Result<TrustedRelay, String> {
        let s = s.trim();
        if let Ok(n) = s.parse::<IpNet>() {
            return Ok(TrustedRelay::Net(n));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(TrustedRelay::Net(IpNet::from(ip)));
        }
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_') {
            return Ok(TrustedRelay::Host(s.trim_end_matches('.').to_ascii_lowercase()));
        }
        Err(format!("not a CIDR, IP address or host name: {s}"))
    }

    pub fn matches_ip(&self, ip: &IpAddr) -> bool {
        matches!(self, TrustedRelay::Net(n) if n.contains(ip))
    }

    pub fn matches_host(&self, host: &str) -> bool {
        match self {
            TrustedRelay::Host(h) => {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                host == *h || host.ends_with(&format!(".{h}"))
            }
            TrustedRelay::Net(_) => false,
        }
    }
}

/// Hard limits that keep hostile input from costing unbounded time or memory. Hitting one is reported.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest message read, in bytes; the rest is cut and reported.
    pub max_message_bytes: usize,
    pub max_parts: usize,
    pub max_depth: usize,
    pub max_headers: usize,
    /// Largest single header value looked at, in bytes.
    pub max_header_bytes: usize,
    /// Largest decoded text/HTML body scanned, in bytes.
    pub max_body_bytes: usize,
    pub max_links: usize,
    pub max_hops: usize,
    /// Images larger than this are not scanned for QR codes.
    pub max_qr_image_bytes: usize,
    pub max_qr_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 64 << 20,
            max_parts: 1000,
            max_depth: 8,
            max_headers: 2000,
            max_header_bytes: 64 << 10,
            max_body_bytes: 8 << 20,
            max_links: 500,
            max_hops: 100,
            max_qr_image_bytes: 4 << 20,
            max_qr_pixels: 16_000_000,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub trusted_relays: Vec<TrustedRelay>,
    pub limits: Limits,
    /// The brand knowledge base to use (built-in merged with `--brands FILE`); None means the built-in one.
    pub brands: Option<std::sync::Arc<crate::brands::BrandKb>>,
    /// "Now" for age computations, unix seconds; None means the system clock.
    pub now: Option<i64>,
}
