//! DNS questions (A, AAAA, MX, NS, TXT, PTR) through hickory-resolver, answered as plain strings so that
//! they can be cached, saved as evidence and replayed. NXDOMAIN and NODATA are answers; SERVFAIL, REFUSED
//! and timeouts are failures (unknown).

use crate::lookup::{Ctx, Fetched, Got, Outcome};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Records kept per answer at most (a hostile zone may publish thousands).
const MAX_RECORDS: usize = 32;
/// Longest TXT string kept, in bytes.
const MAX_TXT: usize = 4096;
/// TTL kept for negative answers when the server gives none.
const NEGATIVE_TTL: u64 = 300;

/// A resolver asking `server` only (`--dns-server`), or the system's resolvers.
pub fn resolver(server: Option<SocketAddr>, timeout: Duration) -> Result<TokioResolver, String> {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.cache_size = 4096;
    let builder = match server {
        Some(addr) => {
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for c in &mut ns.connections {
                c.port = addr.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            )
        }
        None => TokioResolver::builder_tokio().map_err(|e| format!("system DNS configuration: {e}"))?,
    };
    builder.with_options(opts).build().map_err(|e| format!("DNS resolver: {e}"))
}

pub fn rtype_name(t: RecordType) -> &'static str {
    match t {
        RecordType::A => "A",
        RecordType::AAAA => "AAAA",
        RecordType::MX => "MX",
        RecordType::NS => "NS",
        RecordType::TXT => "TXT",
        RecordType::PTR => "PTR",
        _ => "OTHER",
    }
}

/// The name to ask for a PTR record of `ip`.
pub fn reverse_name(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

/// Ask one question. `resolver` is None in replay mode (answers then come from the evidence file only).
pub async fn query(ctx: &Ctx<'_>, resolver: Option<&TokioResolver>, rtype: RecordType, name: &str) -> Got {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let q = format!("{} {}", rtype_name(rtype), name);
    ctx.get("dns", &q, true, |_budget| async move {
        let Some(r) = resolver else { return Fetched::failed("no resolver (replay mode)", None) };
        let fqdn = format!("{name}.");
        match r.lookup(fqdn.as_str(), rtype).await {
            Ok(lookup) => {
                let ttl = lookup.valid_until().saturating_duration_since(std::time::Instant::now()).as_secs();
                let mut out = Vec::new();
                for rec in lookup.answers().iter().take(MAX_RECORDS) {
                    let s = match &rec.data {
                        RData::A(a) => a.0.to_string(),
                        RData::AAAA(a) => a.0.to_string(),
                        RData::MX(mx) => format!("{} {}", mx.preference, mx.exchange.to_ascii().trim_end_matches('.')),
                        RData::NS(ns) => ns.0.to_ascii().trim_end_matches('.').to_ascii_lowercase(),
                        RData::PTR(p) => p.0.to_ascii().trim_end_matches('.').to_ascii_lowercase(),
                        RData::TXT(t) => {
                            let mut bytes = Vec::new();
                            for part in t.txt_data.iter() {
                                if bytes.len() + part.len() > MAX_TXT {
                                    break;
                                }
                                bytes.extend_from_slice(part);
                            }
                            String::from_utf8_lossy(&bytes).into_owned()
                        }
                        _ => continue,
                    };
                    out.push(serde_json::Value::String(s));
                }
                if out.is_empty() {
                    return Fetched::new(Outcome::Negative("nodata".into()), NEGATIVE_TTL, None);
                }
                Fetched::new(Outcome::Data(serde_json::Value::Array(out)), ttl, None)
            }
            Err(e) => classify(&e),
        }
    })
    .await
}

fn classify(e: &NetError) -> Fetched {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            let ttl = nr.negative_ttl.map_or(NEGATIVE_TTL, u64::from);
            match nr.response_code {
                ResponseCode::NXDomain => Fetched::new(Outcome::Negative("nxdomain".into()), ttl, None),
                ResponseCode::NoError => Fetched::new(Outcome::Negative("nodata".into()), ttl, None),
                code => Fetched::failed(format!("DNS error {code}"), None),
            }
        }
        NetError::Dns(DnsError::ResponseCode(code)) => Fetched::failed(format!("DNS error {code}"), None),
        other => Fetched::failed(format!("DNS: {other}"), None),
    }
}

/// The strings of a DNS answer (empty for negative or failed answers).
pub fn strings(g: &Got) -> Vec<String> {
    match &g.outcome {
        Outcome::Data(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

pub fn ips(g: &Got) -> Vec<IpAddr> {
    strings(g).iter().filter_map(|s| s.parse().ok()).collect()
}

/// "resolves", "nxdomain", "nodata" or "unknown".
pub fn status(g: &Got) -> &str {
    match &g.outcome {
        Outcome::Data(_) => "resolves",
        Outcome::Negative(n) if n == "nxdomain" => "nxdomain",
        Outcome::Negative(_) => "nodata",
        Outcome::Failed(_) => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(reverse_name(&"106.75.178.120".parse().unwrap()), "120.178.75.106.in-addr.arpa");
        assert!(reverse_name(&"2001:db8::1".parse().unwrap()).starts_with("1.0.0.0.0.0.0.0"));
        assert!(reverse_name(&"2001:db8::1".parse().unwrap()).ends_with("8.b.d.0.1.0.0.2.ip6.arpa"));
    }
}
