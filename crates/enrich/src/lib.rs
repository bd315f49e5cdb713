//! phishlens-enrich: the network investigation behind a report. Given the offline report (origin, sender
//! domains, links), it asks DNS, RDAP and WHOIS what the seed posts' authors asked by hand (is this host
//! allowed to send for the domain? who holds the IP? when was the link domain registered? where is the site
//! hosted?) and adds the answers (`Report::intel`) and the findings they support.
//!
//! Every lookup runs concurrently with those it does not depend on, under a per-lookup timeout and an
//! overall deadline; a failed lookup is an explicit unknown, never a reassurance. Answers are cached
//! (SQLite), can be saved as evidence and replayed without network.

pub mod auth;
pub mod cache;
pub mod dns;
pub mod dnsbl;
pub mod findings;
pub mod geoip;
pub mod hosting;
pub mod lookup;
pub mod rdap;
pub mod time;
pub mod whois;

pub use findings::Thresholds;
pub use lookup::EvidenceFile;

use futures::future::join_all;
use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::RecordType;
use lookup::{Ctx, Lookups, merge_sources, now_secs};
use phishlens_core::intel::{DomainDns, DomainIntel, GeoIp, HostIntel, Intel, IpIntel, LookupCounts, ReverseDns};
use phishlens_core::judge::Report;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The public IANA bootstrap base.
pub const IANA_BOOTSTRAP: &str = "https://data.iana.org/rdap/";
/// Domains, link hosts and addresses per host looked up at most per message.
const MAX_DOMAINS: usize = 12;
const MAX_HOSTS: usize = 12;
const MAX_IPS_PER_HOST: usize = 4;
const MAX_PTR_NAMES: usize = 3;

#[derive(Debug, Clone)]
pub struct EnrichConfig {
    /// Ask only this DNS server (`--dns-server IP:PORT`); None: the system's resolvers.
    pub dns_server: Option<SocketAddr>,
    /// Base URL serving ipv4.json, ipv6.json, asn.json, dns.json (`--rdap-bootstrap`).
    pub rdap_bootstrap: String,
    /// Send every WHOIS query to this HOST:PORT (`--whois-server`); None: IANA referral.
    pub whois_server: Option<String>,
    pub lookup_timeout: Duration,
    pub deadline: Duration,
    /// The answer cache file; None: no cache.
    pub cache: Option<PathBuf>,
    /// Keep every answer for `Enricher::evidence` (`--save-evidence`).
    pub save_evidence: bool,
    /// Answer everything from this evidence file, with no network (`--replay-evidence`).
    pub replay: Option<EvidenceFile>,
    pub thresholds: Thresholds,
    /// "Now" for ages, unix seconds; None: the clock.
    pub now: Option<i64>,
    /// MaxMind-format databases (`--geoip`, `PHISHLENS_GEOIP`): local, so used with `offline` too.
    pub geoip: Vec<PathBuf>,
    /// DNS blocklist zones asked about the origin IP (`--dnsbl`); empty: none (the default).
    pub dnsbl: Vec<String>,
    /// No network at all (`--offline`): only the local GeoIP lookups run.
    pub offline: bool,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        EnrichConfig {
            dns_server: None,
            rdap_bootstrap: IANA_BOOTSTRAP.to_string(),
            whois_server: None,
            lookup_timeout: Duration::from_secs(3),
            deadline: Duration::from_secs(10),
            cache: None,
            save_evidence: false,
            replay: None,
            thresholds: Thresholds::default(),
            now: None,
            geoip: Vec::new(),
            dnsbl: Vec::new(),
            offline: false,
        }
    }
}

/// One per run: shares the resolver, the HTTP client, the cache and the evidence across messages.
pub struct Enricher {
    cfg: EnrichConfig,
    resolver: Option<TokioResolver>,
    authenticator: Option<mail_auth::MessageAuthenticator>,
    http: Option<reqwest::Client>,
    geo: Option<geoip::GeoDbs>,
    /// The DNS the live checks use, for the report ("127.0.0.1:5353", "system resolver").
    resolver_label: String,
    lookups: Lookups,
}

/// Top-level domains asked as a check that the resolver gives real answers.
const MAX_TLD_CHECKS: usize = 4;

impl Enricher {
    /// Must be called inside a tokio runtime (the resolver binds to it).
    pub fn new(mut cfg: EnrichConfig) -> Result<Enricher, String> {
        let cache = match &cfg.cache {
            Some(p) => Some(cache::Cache::open(p)?),
            None => None,
        };
        let replay = cfg.replay.take();
        let live = replay.is_none() && !cfg.offline;
        let geo = if cfg.geoip.is_empty() { None } else { Some(geoip::GeoDbs::open(&cfg.geoip)?) };
        if let Some(z) = cfg.dnsbl.iter().find(|z| !dnsbl::valid_zone(z)) {
            return Err(format!("--dnsbl {z}: not a DNS zone name"));
        }
        let resolver_label = match cfg.dns_server {
            Some(a) => a.to_string(),
            None => "system resolver".to_string(),
        };
        let lookups = Lookups::new(cache, replay, cfg.save_evidence);
        let (resolver, authenticator, http) = if live {
            let resolver = dns::resolver(cfg.dns_server, cfg.lookup_timeout)?;
            let authenticator = mail_auth::MessageAuthenticator(resolver.clone());
            // One TLS provider for the whole process (ring); a second install attempt is harmless.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let http = reqwest::Client::builder()
                .timeout(cfg.lookup_timeout)
                .connect_timeout(cfg.lookup_timeout)
                .redirect(reqwest::redirect::Policy::limited(5))
                .user_agent(concat!("phishlens/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("HTTP client: {e}"))?;
            (Some(resolver), Some(authenticator), Some(http))
        } else {
            (None, None, None)
        };
        Ok(Enricher { cfg, resolver, authenticator, http, geo, resolver_label, lookups })
    }

    /// Every lookup answer used so far, for `--save-evidence`.
    pub fn evidence(&self) -> EvidenceFile {
        self.lookups.evidence()
    }

    pub fn save_evidence(&self, path: &std::path::Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(&self.evidence()).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Investigate, add `intel` and the findings it supports to the report (score and verdict recomputed).
    pub async fn enrich_report(&self, report: &mut Report, raw: &[u8]) {
        let intel = self.investigate(report, raw).await;
        let extra = findings::findings(report, &intel, &self.cfg.thresholds);
        report.intel = Some(intel);
        report.add_findings(extra);
    }

    /// Run every lookup for one message; never fails, returns by the deadline.
    pub async fn investigate(&self, report: &Report, raw: &[u8]) -> Intel {
        let started = tokio::time::Instant::now();
        let started_secs = now_secs();
        let ctx = Ctx::new(&self.lookups, self.cfg.lookup_timeout, started + self.cfg.deadline);
        let facts = &report.facts;
        let now = self.cfg.now.unwrap_or_else(now_secs);
        let received_at = facts.hops.first().and_then(|h| h.timestamp).or(facts.date);
        // Offline with GeoIP databases: only the local lookups (replay answers everything from the file).
        let offline = self.cfg.offline && !self.lookups.is_replay();

        // What to look up: origin IP, sender-side domains, link domains and hosts.
        let origin_ip =
            facts.origin.as_ref().and_then(|o| o.ip).filter(|ip| !phishlens_core::domain::is_non_public(ip));
        let mut domains: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut add_domain = |d: Option<String>, role: &str| {
            if let Some(r) = d.as_deref().and_then(phishlens_core::domain::registrable) {
                let roles = domains.entry(r).or_default();
                if !roles.iter().any(|x| x == role) {
                    roles.push(role.to_string());
                }
            }
        };
        add_domain(facts.from.as_ref().and_then(|m| m.domain.clone()), "from");
        add_domain(facts.return_path.as_deref().and_then(phishlens_core::domain::address_domain), "return_path");
        add_domain(facts.message_id.as_deref().and_then(phishlens_core::domain::address_domain), "message_id");
        let mut hosts: Vec<String> = Vec::new();
        let mut literal_ips: Vec<(IpAddr, String)> = Vec::new();
        for l in &facts.links {
            if let Some(ip) = l.ip {
                if !phishlens_core::domain::is_non_public(&ip) && literal_ips.len() < MAX_HOSTS {
                    literal_ips.push((ip, l.host.clone()));
                }
                continue;
            }
            add_domain(l.registrable.clone(), "link");
            if !hosts.contains(&l.host) && hosts.len() < MAX_HOSTS {
                hosts.push(l.host.clone());
            }
        }
        let mut domains: Vec<(String, Vec<String>)> = domains.into_iter().take(MAX_DOMAINS).collect();
        if offline {
            domains.clear();
            hosts.clear();
        }
        // A resolver that answers NXDOMAIN for everything (no network behind it) must not make every
        // domain look non-existent: ask for the TLDs' NS at the same time as everything else.
        let mut tlds: Vec<String> = Vec::new();
        for d in domains.iter().map(|(d, _)| d.as_str()).chain(hosts.iter().map(String::as_str)) {
            if let Some(t) = d.rsplit('.').next().filter(|t| !t.is_empty())
                && !tlds.iter().any(|x| x == t)
                && tlds.len() < MAX_TLD_CHECKS
            {
                tlds.push(t.to_ascii_lowercase());
            }
        }

        let ctx = &ctx;
        let auth_fut = async {
            if offline {
                return None;
            }
            auth::evaluate(ctx, self.authenticator.as_ref(), facts, raw, Some(self.resolver_label.clone())).await
        };
        let origin_fut = async {
            match origin_ip {
                Some(ip) => Some(self.ip_intel(ctx, ip, true, offline).await),
                None => None,
            }
        };
        let domains_fut = join_all(domains.iter().map(|(d, roles)| self.domain_intel(ctx, d, roles, received_at, now)));
        let hosts_fut = join_all(hosts.iter().map(|h| async move {
            let hi = self.resolve_host(ctx, h).await;
            let ips =
                join_all(hi.ips.iter().take(MAX_IPS_PER_HOST).map(|ip| self.ip_intel(ctx, *ip, false, offline))).await;
            (hi, ips)
        }));
        let literals_fut = join_all(literal_ips.iter().map(|(ip, _)| self.ip_intel(ctx, *ip, false, offline)));
        let tlds_fut =
            join_all(tlds.iter().map(|t| dns::query(ctx, self.resolver.as_ref(), RecordType::NS, t.as_str())));
        let (auth, origin, mut domains, hosts, literals, tld_answers) =
            tokio::join!(auth_fut, origin_fut, domains_fut, hosts_fut, literals_fut, tlds_fut);

        // Merge the IP views (an IP may be both origin and link).
        let mut ips: Vec<IpIntel> = Vec::new();
        let mut put = |mut i: IpIntel, role: String| {
            if let Some(existing) = ips.iter_mut().find(|x| x.ip == i.ip) {
                if !existing.roles.contains(&role) {
                    existing.roles.push(role);
                }
            } else {
                i.roles = vec![role];
                ips.push(i);
            }
        };
        if let Some(o) = origin {
            put(o, "origin".into());
        }
        let mut host_list = Vec::new();
        for (hi, hips) in hosts {
            for i in hips {
                put(i, format!("link:{}", hi.host));
            }
            host_list.push(hi);
        }
        for (i, (_, host)) in literals.into_iter().zip(literal_ips.iter()) {
            put(i, format!("link:{host}"));
            host_list.push(HostIntel {
                host: host.clone(),
                status: "ip_literal".into(),
                ips: host.parse().into_iter().collect(),
                source: Default::default(),
            });
        }
        for i in &mut ips {
            i.hosting = hosting::classify(i);
        }
        let mut auth = auth;
        if let Some(a) = &mut auth {
            // Show the records the results were computed against.
            for c in &mut a.spf {
                c.record = domains.iter().find(|d| d.domain == c.domain).and_then(|d| d.dns.as_ref()?.spf.clone());
            }
            if let Some(dm) = &mut a.dmarc {
                dm.record = domains.iter().find(|d| d.domain == dm.domain).and_then(|d| d.dns.as_ref()?.dmarc.clone());
            }
        }
        let fake_tld = tlds.iter().zip(&tld_answers).find(|(_, g)| dns::status(g) == "nxdomain").map(|(t, _)| t);
        if let Some(tld) = fake_tld {
            let why = format!(
                "the DNS resolver ({}) answers NXDOMAIN even for the top-level domain .{tld}: it gives no real \
                 answers (no network?), so every \"no record\" from it is unknown",
                self.resolver_label
            );
            ctx.unknown(format!("dns NS {tld}"), why.clone());
            distrust_negative_dns(&mut auth, &mut domains, &mut host_list, &mut ips, &why);
            self.lookups.forget_negative_since(started_secs);
        }
        Intel {
            mode: if self.lookups.is_replay() {
                "replay".into()
            } else if offline {
                "offline".into()
            } else {
                "live".into()
            },
            looked_up_at: now,
            received_at,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            lookups: LookupCounts {
                network: ctx.network.load(Ordering::Relaxed),
                cache: ctx.cached.load(Ordering::Relaxed),
                replay: ctx.replayed.load(Ordering::Relaxed),
                failed: ctx.failed.load(Ordering::Relaxed),
            },
            auth,
            ips,
            domains,
            hosts: host_list,
            unknown: ctx.take_unknown(),
        }
    }

    /// Everything about one IP: GeoIP (local), RDAP of the network and of its AS, reverse DNS and, for the
    /// origin, the DNS blocklists. The AS's RDAP starts with the others when a GeoIP ASN database names it.
    async fn ip_intel(&self, ctx: &Ctx<'_>, ip: IpAddr, origin: bool, offline: bool) -> IpIntel {
        let geo = self.geo(ctx, ip).await;
        if offline {
            return IpIntel {
                ip,
                roles: Vec::new(),
                registration: None,
                rdns: None,
                geo,
                hosting: None,
                asn: None,
                dnsbl: Vec::new(),
            };
        }
        let geo_asn = geo.as_ref().and_then(|g| g.asn);
        let rdap_fut = rdap::ip(ctx, self.http.as_ref(), &self.cfg.rdap_bootstrap, &ip);
        let rdns_fut = self.rdns(ctx, ip);
        let asn_fut = async {
            match geo_asn {
                Some(n) => rdap::asn(ctx, self.http.as_ref(), &self.cfg.rdap_bootstrap, n).await,
                None => None,
            }
        };
        let dnsbl_fut = async {
            if origin && !self.cfg.dnsbl.is_empty() {
                dnsbl::check(ctx, self.resolver.as_ref(), ip, &self.cfg.dnsbl).await
            } else {
                Vec::new()
            }
        };
        let (registration, rdns, mut asn, dnsbl) = tokio::join!(rdap_fut, rdns_fut, asn_fut, dnsbl_fut);
        // No GeoIP ASN: the registry's origin AS (ARIN gives it), one step later.
        if asn.is_none()
            && geo_asn.is_none()
            && let Some(n) = registration
                .as_ref()
                .and_then(|r| r.origin_as.as_deref())
                .and_then(|a| a.trim_start_matches("AS").parse::<u32>().ok())
        {
            asn = rdap::asn(ctx, self.http.as_ref(), &self.cfg.rdap_bootstrap, n).await;
        }
        IpIntel { ip, roles: Vec::new(), registration, rdns, geo, hosting: None, asn, dnsbl }
    }

    /// GeoIP answers go through the lookup door too, so that evidence files replay them.
    async fn geo(&self, ctx: &Ctx<'_>, ip: IpAddr) -> Option<GeoIp> {
        if self.geo.is_none() && !self.lookups.replay_has_kind("mmdb") {
            return None;
        }
        let got = ctx
            .get("mmdb", &ip.to_string(), false, |_| async {
                let Some(dbs) = &self.geo else { return lookup::Fetched::failed("no GeoIP database", None) };
                match dbs.lookup(ip) {
                    Some(g) => match serde_json::to_value(&g) {
                        Ok(v) => lookup::Fetched::new(lookup::Outcome::Data(v), 0, g.source.server.clone()),
                        Err(e) => lookup::Fetched::failed(e.to_string(), None),
                    },
                    None => lookup::Fetched::new(lookup::Outcome::Negative("not in the databases".into()), 0, None),
                }
            })
            .await;
        let mut g: GeoIp = serde_json::from_value(got.data()?.clone()).ok()?;
        g.source = got.source;
        Some(g)
    }

    /// PTR, then forward-confirm each name (A/AAAA must contain the IP).
    async fn rdns(&self, ctx: &Ctx<'_>, ip: IpAddr) -> Option<ReverseDns> {
        let r = self.resolver.as_ref();
        let ptr = dns::query(ctx, r, RecordType::PTR, &dns::reverse_name(&ip)).await;
        let names: Vec<String> = dns::strings(&ptr).into_iter().take(MAX_PTR_NAMES).collect();
        if names.is_empty() {
            return match ptr.outcome {
                lookup::Outcome::Failed(_) => None,
                _ => Some(ReverseDns { names, forward_confirmed: false, source: ptr.source }),
            };
        }
        let rtype = if ip.is_ipv4() { RecordType::A } else { RecordType::AAAA };
        let fwd = join_all(names.iter().map(|n| dns::query(ctx, r, rtype, n))).await;
        let forward_confirmed = fwd.iter().any(|g| dns::ips(g).contains(&ip));
        Some(ReverseDns { names, forward_confirmed, source: ptr.source })
    }

    async fn resolve_host(&self, ctx: &Ctx<'_>, host: &str) -> HostIntel {
        let r = self.resolver.as_ref();
        let (a, aaaa) =
            tokio::join!(dns::query(ctx, r, RecordType::A, host), dns::query(ctx, r, RecordType::AAAA, host));
        let mut ips = dns::ips(&a);
        ips.extend(dns::ips(&aaaa));
        let status = match (dns::status(&a), dns::status(&aaaa)) {
            ("resolves", _) | (_, "resolves") => "resolves",
            ("nxdomain", _) | (_, "nxdomain") => "nxdomain",
            ("unknown", _) | (_, "unknown") => "unknown",
            _ => "nodata",
        };
        HostIntel {
            host: host.to_string(),
            status: status.into(),
            ips,
            source: merge_sources(&[&a.source, &aaaa.source]),
        }
    }

    async fn domain_intel(
        &self,
        ctx: &Ctx<'_>,
        domain: &str,
        roles: &[String],
        received_at: Option<i64>,
        now: i64,
    ) -> DomainIntel {
        let r = self.resolver.as_ref();
        let dns_fut = async {
            let dmarc_name = format!("_dmarc.{domain}");
            let (a, aaaa, mx, ns, txt, dmarc) = tokio::join!(
                dns::query(ctx, r, RecordType::A, domain),
                dns::query(ctx, r, RecordType::AAAA, domain),
                dns::query(ctx, r, RecordType::MX, domain),
                dns::query(ctx, r, RecordType::NS, domain),
                dns::query(ctx, r, RecordType::TXT, domain),
                dns::query(ctx, r, RecordType::TXT, &dmarc_name),
            );
            let statuses = [&a, &aaaa, &mx, &ns, &txt].map(dns::status);
            let status = if statuses.contains(&"resolves") {
                "resolves"
            } else if statuses.contains(&"nxdomain") {
                "nxdomain"
            } else if statuses.contains(&"unknown") {
                "unknown"
            } else {
                "nodata"
            };
            DomainDns {
                status: status.into(),
                a: dns::ips(&a),
                aaaa: dns::ips(&aaaa),
                mx: dns::strings(&mx),
                ns: dns::strings(&ns),
                spf: dns::strings(&txt).into_iter().find(|t| t.to_ascii_lowercase().starts_with("v=spf1")),
                dmarc: dns::strings(&dmarc).into_iter().find(|t| t.to_ascii_lowercase().starts_with("v=dmarc1")),
                source: merge_sources(&[&a.source, &txt.source, &ns.source]),
            }
        };
        let reg_fut = async {
            match rdap::domain(ctx, self.http.as_ref(), &self.cfg.rdap_bootstrap, domain).await {
                rdap::DomainRdap::Found(r) => Some(*r),
                rdap::DomainRdap::NotFound => {
                    ctx.unknown(format!("rdap domain {domain}"), "not found (HTTP 404)");
                    None
                }
                // No RDAP service for the TLD (.cn, .jp, ...) or RDAP failed: WHOIS.
                rdap::DomainRdap::NoService | rdap::DomainRdap::Failed => {
                    whois::domain(ctx, self.cfg.whois_server.as_deref(), domain).await
                }
            }
        };
        let (dns, registration) = tokio::join!(dns_fut, reg_fut);
        let created = registration.as_ref().and_then(|r| r.created_at);
        DomainIntel {
            domain: domain.to_string(),
            roles: roles.to_vec(),
            age_days_at_receipt: created.zip(received_at).map(|(c, r)| (r - c).div_euclid(86_400)),
            age_days_now: created.map(|c| (now - c).div_euclid(86_400)),
            registration,
            dns: Some(dns),
        }
    }
}

/// The resolver gave no real answers: nothing that rests on "no such record" stands.
fn distrust_negative_dns(
    auth: &mut Option<phishlens_core::intel::AuthNow>,
    domains: &mut [DomainIntel],
    hosts: &mut [HostIntel],
    ips: &mut [IpIntel],
    why: &str,
) {
    if let Some(a) = auth {
        auth::distrust_negative_answers(a, why);
    }
    for d in domains {
        if let Some(dns) = &mut d.dns
            && (dns.status == "nxdomain" || dns.status == "nodata")
        {
            dns.status = "unknown".into();
        }
    }
    for h in hosts {
        if h.status == "nxdomain" || h.status == "nodata" {
            h.status = "unknown".into();
        }
    }
    for i in ips {
        if i.rdns.as_ref().is_some_and(|r| r.names.is_empty()) {
            i.rdns = None;
        }
        for b in &mut i.dnsbl {
            if b.status == "not_listed" {
                b.status = "unknown".into();
                b.reason = Some(why.to_string());
            }
        }
    }
}

/// Read an evidence file written by `--save-evidence`.
pub fn read_evidence(path: &std::path::Path) -> Result<EvidenceFile, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > 256 << 20 {
        return Err(format!("{}: evidence file too large", path.display()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not an evidence file: {e}", path.display()))
}
