//! DNS blocklists (DNSBL, RFC 5782), optional and off by default (`--dnsbl ZONE`): the origin IP, reversed,
//! is asked under each zone the user names through the configured resolver. An answer in 127.0.0.0/8 means
//! listed (the TXT record, when published, says why); NXDOMAIN means not listed; anything else is unknown.
//! Most lists need a licence or a resolver of one's own: Spamhaus answers queries that come through public
//! resolvers with 127.255.255.254, which is an error code, not a listing.

use crate::dns;
use crate::lookup::Ctx;
use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::RecordType;
use phishlens_core::intel::DnsblResult;
use std::net::IpAddr;

/// Zones asked at most per IP.
pub const MAX_ZONES: usize = 8;

/// A zone name a user may give: dotted, LDH labels, no longer than a DNS name allows.
pub fn valid_zone(z: &str) -> bool {
    let z = z.trim_end_matches('.');
    z.len() <= 200
        && z.contains('.')
        && z.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// "120.178.75.106.zen.spamhaus.org" (IPv6: 32 nibbles).
pub fn query_name(ip: &IpAddr, zone: &str) -> String {
    let rev = dns::reverse_name(ip);
    let stem = rev.trim_end_matches(".in-addr.arpa").trim_end_matches(".ip6.arpa");
    format!("{stem}.{}", zone.trim_end_matches('.').to_ascii_lowercase())
}

/// What a list's A answer means: Ok(codes) when listed, Err(why) for the lists' own error codes.
fn read_codes(addrs: &[IpAddr]) -> Result<Vec<String>, String> {
    let mut codes = Vec::new();
    for a in addrs {
        match a {
            // 127.255.255.0/24: Spamhaus-style errors (public resolver refused, query typo, over quota).
            IpAddr::V4(v4) if v4.octets()[..3] == [127, 255, 255] => {
                return Err(format!("the list refused the query ({v4}: public resolver, quota or no licence)"));
            }
            IpAddr::V4(v4) if v4.octets()[0] == 127 => codes.push(v4.to_string()),
            other => return Err(format!("answer outside 127.0.0.0/8 ({other}): not a DNSBL answer")),
        }
    }
    Ok(codes)
}

/// Ask every zone about `ip`; the A and TXT questions of all zones go out together.
pub async fn check(ctx: &Ctx<'_>, resolver: Option<&TokioResolver>, ip: IpAddr, zones: &[String]) -> Vec<DnsblResult> {
    let asks = zones.iter().take(MAX_ZONES).map(|zone| async move {
        let name = query_name(&ip, zone);
        let (a, txt) = tokio::join!(
            dns::query(ctx, resolver, RecordType::A, &name),
            dns::query(ctx, resolver, RecordType::TXT, &name)
        );
        let mut r = DnsblResult { zone: zone.clone(), source: a.source.clone(), ..Default::default() };
        match dns::status(&a) {
            "resolves" => match read_codes(&dns::ips(&a)) {
                Ok(codes) => {
                    r.status = "listed".into();
                    r.codes = codes;
                    r.reason = dns::strings(&txt).into_iter().next().map(|t| phishlens_core::finding::bounded(&t, 300));
                }
                Err(why) => {
                    ctx.unknown(format!("dnsbl {zone} {ip}"), why.clone());
                    r.status = "unknown".into();
                    r.reason = Some(why);
                }
            },
            "nxdomain" => r.status = "not_listed".into(),
            // NOERROR with no A record is not how lists say "not listed": treat as unknown.
            "nodata" => {
                r.status = "unknown".into();
                r.reason = Some("no A record and no NXDOMAIN".into());
            }
            _ => {
                r.status = "unknown".into();
                r.reason = Some("the query failed".into());
            }
        }
        r
    });
    futures::future::join_all(asks).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        let ip: IpAddr = "106.75.178.120".parse().unwrap();
        assert_eq!(query_name(&ip, "zen.spamhaus.org."), "120.178.75.106.zen.spamhaus.org");
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(query_name(&v6, "dnsbl.example").ends_with("8.b.d.0.1.0.0.2.dnsbl.example"));
        assert_eq!(read_codes(&["127.0.0.2".parse().unwrap()]).unwrap(), vec!["127.0.0.2"]);
        assert!(read_codes(&["127.255.255.254".parse().unwrap()]).is_err());
        assert!(read_codes(&["192.0.2.1".parse().unwrap()]).is_err());
        assert!(valid_zone("zen.spamhaus.org"));
        assert!(!valid_zone("zen"));
        assert!(!valid_zone("a..b"));
        assert!(!valid_zone("bad zone.org"));
    }
}
