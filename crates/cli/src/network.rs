//! The network flags of `phishlens analyze` and the blocking bridge to phishlens-enrich: one tokio runtime
//! and one `Enricher` per run (shared resolver, HTTP client, cache and evidence), called from the batch
//! workers between analysing a message and rendering it.

use phishlens_core::Report;
use phishlens_enrich::{EnrichConfig, Enricher, Thresholds};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct NetworkArgs {
    /// Ask only this DNS server (IP:PORT) instead of the system's resolvers.
    #[arg(long, value_name = "IP:PORT")]
    pub dns_server: Option<SocketAddr>,
    /// Base URL serving IANA-style RDAP bootstrap files (ipv4.json, ipv6.json, asn.json, dns.json).
    #[arg(long, value_name = "URL")]
    pub rdap_bootstrap: Option<String>,
    /// Send every WHOIS query to this server (HOST:PORT) instead of following IANA's referral.
    #[arg(long, value_name = "HOST:PORT")]
    pub whois_server: Option<String>,
    /// Overall time for the lookups of one message, in seconds; what is not answered by then is unknown.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub deadline: f64,
    /// Time for one lookup, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub lookup_timeout: f64,
    /// The lookup cache file (default: ~/.cache/phishlens/lookups.sqlite).
    #[arg(long, value_name = "PATH")]
    pub cache: Option<PathBuf>,
    /// Do not read or write the lookup cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Write every lookup answer used to FILE (JSON), to re-check the report later.
    #[arg(long, value_name = "FILE")]
    pub save_evidence: Option<PathBuf>,
    /// Answer every lookup from FILE (written by --save-evidence), with no network.
    #[arg(long, value_name = "FILE")]
    pub replay_evidence: Option<PathBuf>,
    /// A domain registered fewer days than this before the mail arrived counts as new.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub new_domain_days: i64,
    /// ... fewer days than this, as young.
    #[arg(long, value_name = "DAYS", default_value_t = 180)]
    pub young_domain_days: i64,
    /// A MaxMind-format database (GeoLite2 or DB-IP: ASN, City or Country; the kind is read from the file).
    /// Repeatable; also PHISHLENS_GEOIP=PATH:PATH. Local lookups: used with --offline too.
    #[arg(long, value_name = "PATH")]
    pub geoip: Vec<PathBuf>,
    /// Ask this DNS blocklist about the origin IP (e.g. zen.spamhaus.org). Repeatable; off by default.
    /// Most lists need a licence or your own resolver (Spamhaus refuses queries from public resolvers).
    #[arg(long, value_name = "ZONE")]
    pub dnsbl: Vec<String>,
}

/// The live investigation for a run. Built once, used by every worker thread.
pub struct Network {
    rt: tokio::runtime::Runtime,
    enricher: Enricher,
    save_evidence: Option<PathBuf>,
}

fn secs(v: f64, what: &str) -> Result<Duration, String> {
    if v.is_finite() && v > 0.0 && v <= 3600.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(format!("--{what} must be between 0 and 3600 seconds"))
    }
}

impl Network {
    /// None when `--offline` with no evidence to replay and no GeoIP database (with one, only the local
    /// database lookups run).
    pub fn from_args(args: &NetworkArgs, offline: bool) -> Result<Option<Network>, String> {
        let mut geoip = args.geoip.clone();
        if geoip.is_empty() {
            geoip = phishlens_enrich::geoip::env_paths();
        }
        if offline && args.replay_evidence.is_none() && geoip.is_empty() {
            return Ok(None);
        }
        let replay = match &args.replay_evidence {
            Some(p) => Some(phishlens_enrich::read_evidence(p)?),
            None => None,
        };
        let cache = if args.no_cache || replay.is_some() || offline {
            None
        } else {
            args.cache.clone().or_else(phishlens_enrich::cache::default_path)
        };
        let cfg = EnrichConfig {
            dns_server: args.dns_server,
            rdap_bootstrap: args.rdap_bootstrap.clone().unwrap_or_else(|| phishlens_enrich::IANA_BOOTSTRAP.to_string()),
            whois_server: args.whois_server.clone(),
            lookup_timeout: secs(args.lookup_timeout, "lookup-timeout")?,
            deadline: secs(args.deadline, "deadline")?,
            cache,
            save_evidence: args.save_evidence.is_some(),
            replay,
            thresholds: Thresholds { new_domain_days: args.new_domain_days, young_domain_days: args.young_domain_days },
            now: None,
            geoip,
            dnsbl: args.dnsbl.clone(),
            offline,
        };
        if args.young_domain_days < args.new_domain_days || args.new_domain_days < 0 {
            return Err("--young-domain-days must be at least --new-domain-days, and both positive".into());
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("async runtime: {e}"))?;
        let enricher = {
            let _guard = rt.enter();
            Enricher::new(cfg)?
        };
        Ok(Some(Network { rt, enricher, save_evidence: args.save_evidence.clone() }))
    }

    /// Investigate one message and add the intel and findings to its report. Blocking; safe to call from
    /// several threads at once. Never fails: unanswered lookups are listed as unknown in the report.
    pub fn enrich(&self, report: &mut Report, raw: &[u8]) {
        self.rt.block_on(self.enricher.enrich_report(report, raw));
    }

    /// Write the evidence file, when one was asked for. Call once, after the last message.
    pub fn finish(&self) -> Result<(), String> {
        match &self.save_evidence {
            Some(p) => self.enricher.save_evidence(p),
            None => Ok(()),
        }
    }
}
