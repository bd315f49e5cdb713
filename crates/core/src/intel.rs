//! Intelligence from live lookups (filled by the phishlens-enrich crate, never by core itself): sender
//! authentication evaluated now, IP and domain registration data, DNS. Plain data so that the judge, the
//! renderers and the store can read it without knowing how it was fetched.
//!
//! Every group of facts carries a [`Source`]: which service answered, and whether the answer came from the
//! local cache (and how old it was) or from a replayed evidence file. A lookup that failed is never turned
//! into a harmless-looking default: it is listed in [`Intel::unknown`] with the reason.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Everything the enrichment stage learned about one message. Unknowns are explicit, never "benign".
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Intel {
    /// "live" (answers fetched now or from the cache), "replay" (answers read from an evidence file) or
    /// "offline" (`--offline` with GeoIP databases: only the local database lookups ran).
    pub mode: String,
    /// When the lookups ran, unix seconds.
    pub looked_up_at: i64,
    /// When the message was received (first trusted hop, else Date), unix seconds, if known: ages are
    /// computed at this time as well as today.
    pub received_at: Option<i64>,
    /// Wall time the enrichment took, in milliseconds.
    pub elapsed_ms: u64,
    /// How many answers came from the network, the cache and an evidence file.
    pub lookups: LookupCounts,
    /// Sender authentication evaluated now, for the origin the core found.
    pub auth: Option<AuthNow>,
    /// The origin IP and every IP a link's host resolves to.
    pub ips: Vec<IpIntel>,
    /// From, Return-Path, Message-ID and link domains (registrable domains).
    pub domains: Vec<DomainIntel>,
    /// Link hosts and what they resolve to now.
    pub hosts: Vec<HostIntel>,
    /// Lookups that failed or timed out, with the reason.
    pub unknown: Vec<Unknown>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LookupCounts {
    pub network: usize,
    pub cache: usize,
    pub replay: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Unknown {
    /// What was asked, e.g. "rdap ip 106.75.178.120".
    pub lookup: String,
    pub reason: String,
}

/// Where a fact came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Source {
    /// dns | rdap | whois | mail-auth
    pub source: String,
    /// The server or URL that answered, when known.
    pub server: Option<String>,
    /// When the answer was fetched, unix seconds.
    pub fetched_at: i64,
    /// Set when the answer was read from the local cache: how old it was, in seconds.
    pub cache_age_secs: Option<i64>,
    /// Set when the answer was read from an evidence file (`--replay-evidence`).
    pub replayed: bool,
}

/// One SPF evaluation: the origin IP against one identity's domain.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SpfCheck {
    /// mail_from (Return-Path), from (the From header's domain) or helo.
    pub identity: String,
    pub domain: String,
    /// pass | fail | softfail | neutral | none | temperror | permerror | unknown (could not be evaluated:
    /// DNS timed out, failed, or the resolver does not give real answers; never read as benign).
    pub result: String,
    /// The SPF record as published now, when one was read.
    pub record: Option<String>,
    /// Why the result is temperror or unknown.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DkimCheck {
    pub domain: String,
    pub selector: String,
    /// pass | fail | neutral | permerror | temperror | none
    pub result: String,
    /// Why it did not pass, when it did not.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DmarcCheck {
    /// The From domain the policy applies to.
    pub domain: String,
    /// The DMARC record as published now (`_dmarc.<domain>`), when one exists.
    pub record: Option<String>,
    /// none | quarantine | reject | unspecified (no record)
    pub policy: String,
    /// pass | fail | none | temperror | permerror | unknown (see `SpfCheck::result`)
    pub result: String,
    /// Why the result is temperror or unknown.
    #[serde(default)]
    pub reason: Option<String>,
    /// Whether an SPF pass aligned with the From domain.
    pub spf_aligned: bool,
    /// Whether a DKIM pass aligned with the From domain.
    pub dkim_aligned: bool,
}

/// Sender authentication evaluated now against today's DNS (which may differ from the day of delivery: the
/// receiving server's own results are in `Facts::delivery_auth`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AuthNow {
    /// The origin IP evaluated.
    pub ip: Option<IpAddr>,
    pub helo: Option<String>,
    pub spf: Vec<SpfCheck>,
    pub dkim: Vec<DkimCheck>,
    pub dmarc: Option<DmarcCheck>,
    /// ARC chain: pass | fail | none | ...
    pub arc: Option<String>,
    pub source: Source,
}

/// Registration data of an IP network (RDAP).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IpRegistration {
    /// The registry's handle, e.g. "NET-204-44-64-0-1".
    pub handle: Option<String>,
    /// Network name, e.g. "UCLOUD-NET".
    pub name: Option<String>,
    /// Range as written by the registry: CIDRs when given, else "start - end".
    pub range: Option<String>,
    pub org: Option<String>,
    pub country: Option<String>,
    /// Abuse contact e-mail addresses (where to report).
    pub abuse_emails: Vec<String>,
    /// Registration date (YYYY-MM-DD or as written).
    pub registered: Option<String>,
    /// Origin AS when the registry gives it (ARIN), e.g. "AS8100".
    pub origin_as: Option<String>,
    pub source: Source,
}

/// Reverse DNS with forward confirmation (FCrDNS).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ReverseDns {
    pub names: Vec<String>,
    /// True when a PTR name resolves back to the IP.
    pub forward_confirmed: bool,
    pub source: Source,
}

/// From MaxMind-format databases (GeoLite2 / DB-IP ASN, City, Country), when the user has them
/// (`--geoip`, `PHISHLENS_GEOIP`). `source.server` names the database files that answered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct GeoIp {
    pub asn: Option<u32>,
    pub as_org: Option<String>,
    /// ISO 3166 code, e.g. "CN".
    pub country: Option<String>,
    /// City name (English, else the first name the database gives).
    pub city: Option<String>,
    pub source: Source,
}

/// The autonomous system an IP is announced from, by RDAP (`autnum`), when the ASN is known (from a
/// GeoIP ASN database or the registry's origin AS).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AsnIntel {
    pub asn: u32,
    /// The AS name, e.g. "QUADRANET".
    pub name: Option<String>,
    /// The organisation holding it.
    pub holder: Option<String>,
    pub country: Option<String>,
    pub abuse_emails: Vec<String>,
    pub registered: Option<String>,
    pub source: Source,
}

/// One DNS blocklist's answer for an IP (`--dnsbl ZONE`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DnsblResult {
    pub zone: String,
    /// listed | not_listed | unknown (the query failed, or the list refused to answer)
    pub status: String,
    /// The 127.0.0.x return codes when listed.
    pub codes: Vec<String>,
    /// The list's TXT reason when listed, or why the status is unknown.
    pub reason: Option<String>,
    pub source: Source,
}

/// What kind of network an IP is in, from its registration names and reverse DNS.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Hosting {
    /// cloud | hosting | cdn
    pub kind: String,
    /// e.g. "Amazon AWS", "QuadraNet", "UCloud".
    pub provider: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IpIntel {
    pub ip: IpAddr,
    /// origin | link:<host>
    pub roles: Vec<String>,
    pub registration: Option<IpRegistration>,
    pub rdns: Option<ReverseDns>,
    pub geo: Option<GeoIp>,
    pub hosting: Option<Hosting>,
    /// RDAP of the origin AS, when the ASN is known.
    #[serde(default)]
    pub asn: Option<AsnIntel>,
    /// DNS blocklist answers (only when the user configured lists; origin IP only).
    #[serde(default)]
    pub dnsbl: Vec<DnsblResult>,
}

/// Registration data of a domain (RDAP or WHOIS).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DomainRegistration {
    /// Creation date as YYYY-MM-DD (or as written when it could not be read).
    pub created: Option<String>,
    /// Creation time, unix seconds, when it could be read.
    pub created_at: Option<i64>,
    pub expires: Option<String>,
    pub registrar: Option<String>,
    pub name_servers: Vec<String>,
    pub status: Vec<String>,
    /// Registry object id (e.g. CNNIC's ROID), when given.
    pub roid: Option<String>,
    pub source: Source,
}

/// DNS records of a domain now.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DomainDns {
    /// resolves | nxdomain | nodata | unknown
    pub status: String,
    pub a: Vec<IpAddr>,
    pub aaaa: Vec<IpAddr>,
    pub mx: Vec<String>,
    pub ns: Vec<String>,
    /// The SPF record, when published.
    pub spf: Option<String>,
    /// The DMARC record, when published.
    pub dmarc: Option<String>,
    pub source: Source,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DomainIntel {
    pub domain: String,
    /// from | return_path | message_id | link
    pub roles: Vec<String>,
    pub registration: Option<DomainRegistration>,
    /// Age when the message was received, in days (negative: registered after the mail was sent).
    pub age_days_at_receipt: Option<i64>,
    /// Age today, in days.
    pub age_days_now: Option<i64>,
    pub dns: Option<DomainDns>,
}

/// A link host and the addresses it resolves to now.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HostIntel {
    pub host: String,
    /// resolves | nxdomain | nodata | unknown | ip_literal
    pub status: String,
    pub ips: Vec<IpAddr>,
    pub source: Source,
}

impl Intel {
    pub fn ip(&self, ip: &IpAddr) -> Option<&IpIntel> {
        self.ips.iter().find(|i| &i.ip == ip)
    }
    pub fn domain(&self, d: &str) -> Option<&DomainIntel> {
        self.domains.iter().find(|x| x.domain == d)
    }
    pub fn host(&self, h: &str) -> Option<&HostIntel> {
        self.hosts.iter().find(|x| x.host == h)
    }
}
