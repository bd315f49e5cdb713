//! Which indicators one analysis yields, normalised for lookups, and how much sharing each one links two
//! analyses. The weights are the reasoning behind "seen before" and campaigns, so they live here in one table:
//! an exact origin IP or link host says "same infrastructure"; a shared /24, a host naming pattern or a mailer
//! string only supports it. Values of big shared providers (gmail.com, amazonaws.com, outlook.com relays, ...)
//! and brands' genuine domains (amazon.co.jp in a genuine Amazon mail) are kept for search but weigh zero:
//! they never link two mails by themselves.

use crate::layout;
use crate::providers::{is_common, is_mail_platform, is_redirector, is_shared};
use phishlens_core::brands::{BrandKb, DomainKind};
use phishlens_core::domain;
use phishlens_core::model::LinkSource;
use phishlens_core::{Report, Verdict};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Kinds of indicators. The string forms are stored in the database: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OriginIp,
    OriginNet,
    /// The origin IP's network as its registry names it (RDAP), when the network lookups ran.
    OriginNetwork,
    /// The origin IP's autonomous system, from RDAP or a GeoIP database.
    OriginAsn,
    SenderDomain,
    ReplyToDomain,
    ReturnPathDomain,
    MessageIdDomain,
    Email,
    LinkHost,
    LinkDomain,
    Url,
    HostPattern,
    UrlPathShape,
    Mailer,
    Layout,
    Sha256,
    Sha1,
    Md5,
}

pub const ALL_KINDS: &[Kind] = &[
    Kind::OriginIp,
    Kind::OriginNet,
    Kind::OriginNetwork,
    Kind::OriginAsn,
    Kind::SenderDomain,
    Kind::ReplyToDomain,
    Kind::ReturnPathDomain,
    Kind::MessageIdDomain,
    Kind::Email,
    Kind::LinkHost,
    Kind::LinkDomain,
    Kind::Url,
    Kind::HostPattern,
    Kind::UrlPathShape,
    Kind::Mailer,
    Kind::Layout,
    Kind::Sha256,
    Kind::Sha1,
    Kind::Md5,
];

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OriginIp => "origin_ip",
            Kind::OriginNet => "origin_net",
            Kind::OriginNetwork => "origin_network",
            Kind::OriginAsn => "origin_asn",
            Kind::SenderDomain => "sender_domain",
            Kind::ReplyToDomain => "reply_to_domain",
            Kind::ReturnPathDomain => "return_path_domain",
            Kind::MessageIdDomain => "message_id_domain",
            Kind::Email => "email",
            Kind::LinkHost => "link_host",
            Kind::LinkDomain => "link_domain",
            Kind::Url => "url",
            Kind::HostPattern => "host_pattern",
            Kind::UrlPathShape => "url_path_shape",
            Kind::Mailer => "mailer",
            Kind::Layout => "layout",
            Kind::Sha256 => "sha256",
            Kind::Sha1 => "sha1",
            Kind::Md5 => "md5",
        }
    }

    /// What part of the infrastructure a kind describes. Kinds of one family say the same thing twice (a link
    /// host and its domain), so a link between two analyses needs two families, or one strong kind.
    pub fn family(self) -> &'static str {
        match self {
            Kind::OriginIp | Kind::OriginNet | Kind::OriginNetwork | Kind::OriginAsn => "origin",
            Kind::SenderDomain | Kind::ReplyToDomain | Kind::Email | Kind::ReturnPathDomain | Kind::MessageIdDomain => {
                "sender"
            }
            Kind::LinkHost | Kind::LinkDomain | Kind::Url | Kind::HostPattern | Kind::UrlPathShape => "links",
            Kind::Mailer => "mailer",
            Kind::Layout => "layout",
            Kind::Sha256 | Kind::Sha1 | Kind::Md5 => "file",
        }
    }

    /// Kinds that alone, at full weight, say "same infrastructure": the exact origin IP, link host or URL, the
    /// HTML layout of a non-trivial body, the same attached file.
    pub fn strong(self) -> bool {
        matches!(self, Kind::OriginIp | Kind::LinkHost | Kind::Url | Kind::Layout | Kind::Sha256)
    }

    pub fn parse(s: &str) -> Option<Kind> {
        ALL_KINDS.iter().copied().find(|k| k.as_str() == s)
    }

    /// How much two analyses sharing a (non-benign) value of this kind are linked.
    pub fn weight(self) -> f64 {
        match self {
            Kind::OriginIp => 5.0,
            Kind::Sha256 => 5.0,
            Kind::LinkHost => 4.0,
            Kind::Url => 4.0,
            Kind::Layout => 4.0,
            Kind::LinkDomain => 3.0,
            Kind::SenderDomain => 2.5,
            Kind::ReplyToDomain => 2.5,
            Kind::Email => 2.0,
            Kind::ReturnPathDomain => 2.0,
            Kind::MessageIdDomain => 2.0,
            Kind::OriginNet => 1.5,
            Kind::OriginNetwork => 1.5,
            Kind::OriginAsn => 1.0,
            Kind::HostPattern => 1.5,
            Kind::UrlPathShape => 1.5,
            Kind::Mailer => 1.0,
            // Same file as sha256: counted once.
            Kind::Sha1 | Kind::Md5 => 0.0,
        }
    }
}

/// One indicator of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub kind: Kind,
    pub value: String,
    /// Linking weight; 0 for benign values.
    pub weight: f64,
    /// A big shared provider or a brand's genuine domain.
    pub benign: bool,
}

/// At most this many links of one message yield indicators (the rest add nothing to correlation).
const MAX_LINKS: usize = 64;
/// At most this many indicators per analysis.
const MAX_INDICATORS: usize = 400;
/// Longest value stored, in chars (URLs are cut; a cut URL still matches the same cut URL).
const MAX_VALUE_CHARS: usize = 2000;
/// Inline images (logos) are reused by genuine mail and kits alike: they support a link, never make one.
const INLINE_FILE_WEIGHT: f64 = 1.0;
/// Links found only as embedded resources (`<img src>`): hot-linked pictures live on image hosts and on sites
/// that never knew, so their hosts and URLs support a link but never make one (they chained unrelated mail
/// into one campaign through imgbox.com and gyazo.com). Weights for host, domain, URL and path shape.
const EMBEDDED_WEIGHTS: (f64, f64, f64, f64) = (1.5, 1.0, 2.0, 0.5);

/// True for a brand's genuine domain (the knowledge base's `Genuine` kind), e.g. amazon.co.jp.
fn brand_genuine(kb: &BrandKb, host: &str) -> bool {
    kb.index().owners_of_host(host).iter().any(|(_, kind, _)| *kind == DomainKind::Genuine)
}

/// Shared providers, popular legitimate sites (top 500) and big companies' redirectors link nothing: genuine
/// mail and kits copied from it share them (a CNET newsletter and a spam both link to nytimes.com).
fn benign_host(kb: &BrandKb, host: &str) -> bool {
    is_common(host) || brand_genuine(kb, host)
}

/// The origin network: /24 for IPv4, /48 for IPv6.
pub fn origin_net(ip: IpAddr) -> String {
    phishlens_core::domain::origin_net(ip)
}

/// Digit runs replaced by `N`: `3-137-150-20.cprapid.com` -> `N-N-N-N.cprapid.com`. None when the host has
/// fewer than two digit runs (one number in a name is too common to be a pattern).
pub fn host_pattern(host: &str) -> Option<String> {
    let mut out = String::with_capacity(host.len());
    let mut runs = 0;
    let mut in_digits = false;
    for c in host.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
                runs += 1;
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    (runs >= 2).then_some(out)
}

/// Paths too generic to say anything.
const GENERIC_PATHS: &[&str] = &["/index.html", "/index.php", "/index.htm", "/login", "/signin", "/home", "/en", "/ja"];

/// The shape of a URL's path: numbers become `N`, random-looking tokens `*`, the rest kept (lower case). None
/// for an empty or generic path.
pub fn url_path_shape(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path_start = after_scheme.find('/')?;
    let path = &after_scheme[path_start..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut shape = String::new();
    for seg in path.split('/').filter(|s| !s.is_empty()).take(12) {
        shape.push('/');
        let digits = seg.bytes().filter(u8::is_ascii_digit).count();
        let letters = seg.bytes().filter(u8::is_ascii_alphabetic).count();
        if digits == seg.len() {
            shape.push('N');
        } else if seg.len() >= 8 && digits > 0 && letters > 0 && !seg.contains('.') {
            shape.push('*');
        } else {
            let mut s = seg.to_lowercase();
            if s.chars().count() > 40 {
                s = s.chars().take(40).collect();
            }
            shape.push_str(&s);
        }
    }
    if shape.len() < 5 || GENERIC_PATHS.contains(&shape.as_str()) {
        return None;
    }
    Some(shape)
}

fn host_of_url(url: &str) -> Option<&str> {
    let after = url.split_once("://")?.1;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let hostport = &after[..end];
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    Some(hostport.split(':').next().unwrap_or(hostport))
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_VALUE_CHARS) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

struct Builder<'k> {
    kb: &'k BrandKb,
    seen: BTreeSet<(Kind, String)>,
    out: Vec<Indicator>,
}

impl Builder<'_> {
    fn push(&mut self, kind: Kind, value: &str, benign: bool, weight: Option<f64>) {
        let value = value.trim();
        if value.is_empty() || self.out.len() >= MAX_INDICATORS {
            return;
        }
        let value = cut(value);
        if !self.seen.insert((kind, value.clone())) {
            return;
        }
        let weight = if benign { 0.0 } else { weight.unwrap_or_else(|| kind.weight()) };
        self.out.push(Indicator { kind, value, weight, benign });
    }

    /// A domain-like value: registrable domain of `host`, benign when shared or a brand's genuine domain.
    fn domain(&mut self, kind: Kind, host: &str) {
        let host = domain::normalize_host(host);
        if let Some(reg) = domain::registrable(&host) {
            let benign = benign_host(self.kb, &host);
            self.push(kind, &reg, benign, None);
        }
    }
}

/// The indicators of one analysed message. `raw` gives the layout fingerprint (the HTML is re-read from it);
/// without it there is none.
pub fn extract(report: &Report, raw: Option<&[u8]>, kb: &BrandKb) -> Vec<Indicator> {
    let layouts = match raw {
        Some(raw) if report.facts.content.has_html => layout_fingerprints(raw),
        _ => Vec::new(),
    };
    extract_with_layouts(report, &layouts, kb)
}

/// As [`extract`], with the layout fingerprints already computed from the decoded HTML bodies (see
/// [`LayoutsOfHtml`]): a batch gets them during the analysis instead of decoding the raw message
/// again.
pub fn extract_with_layouts(report: &Report, layouts: &[String], kb: &BrandKb) -> Vec<Indicator> {
    let f = &report.facts;
    let mut b = Builder { kb, seen: BTreeSet::new(), out: Vec::new() };

    let from_domain = f.from.as_ref().and_then(|m| m.domain.clone());
    if let Some(o) = &f.origin
        && let Some(ip) = o.ip
        && !domain::is_non_public(&ip)
    {
        // A relay of a mail platform (Gmail, Outlook, SES) carries everyone's mail: neither its address nor its
        // network links two senders. A cloud server's exact address is one tenant's (for a while); its
        // network is everyone's.
        let relay_name = o.from_name.as_deref().or(o.helo.as_deref()).map(domain::normalize_host);
        let (ip_benign, net_benign) = match &relay_name {
            Some(n) if is_mail_platform(n) => (true, true),
            Some(n) => (false, is_shared(n)),
            None => {
                let webmail_sender = from_domain.as_deref().is_some_and(is_mail_platform);
                (webmail_sender, webmail_sender)
            }
        };
        b.push(Kind::OriginIp, &ip.to_string(), ip_benign, None);
        b.push(Kind::OriginNet, &origin_net(ip), net_benign, None);
        // The registry's network and the AS, when the network lookups ran: the same actor renting a new address
        // from the same small provider. A cloud or CDN network is everyone's, like a mail platform's.
        if let Some(intel) = report.intel.as_ref()
            && let Some(o) = intel.ips.iter().find(|i| i.ip == ip && i.roles.iter().any(|r| r == "origin"))
        {
            let shared = net_benign || o.hosting.as_ref().is_some_and(|h| matches!(h.kind.as_str(), "cloud" | "cdn"));
            if let Some(reg) = &o.registration {
                let network = match (&reg.handle, &reg.name, &reg.range) {
                    (Some(h), _, _) => Some(h.clone()),
                    (None, Some(n), Some(r)) => Some(format!("{n} ({r})")),
                    (None, Some(n), None) => Some(n.clone()),
                    _ => None,
                };
                if let Some(network) = network {
                    b.push(Kind::OriginNetwork, &network, shared, None);
                }
            }
            let asn = o.asn.as_ref().map(|a| a.asn).or_else(|| o.geo.as_ref().and_then(|g| g.asn)).or_else(|| {
                o.registration
                    .as_ref()
                    .and_then(|r| r.origin_as.as_deref())
                    .and_then(|a| a.trim().trim_start_matches("AS").trim_start_matches("as").parse::<u32>().ok())
            });
            if let Some(asn) = asn {
                b.push(Kind::OriginAsn, &format!("AS{asn}"), shared, None);
            }
        }
    }
    if let Some(d) = &from_domain {
        b.domain(Kind::SenderDomain, d);
    }
    for m in &f.reply_to {
        if let Some(d) = &m.domain {
            b.domain(Kind::ReplyToDomain, d);
        }
    }
    if let Some(rp) = &f.return_path
        && let Some(d) = domain::address_domain(rp)
    {
        b.domain(Kind::ReturnPathDomain, &d);
    }
    if let Some(mid) = &f.message_id
        && let Some((_, d)) = mid.rsplit_once('@')
    {
        b.domain(Kind::MessageIdDomain, d.trim_end_matches('>'));
    }
    // Exact addresses: a scammer's own webmail address is specific; a brand's genuine address, a mail
    // platform's bounce address, a forwarder's rewritten envelope and the recipient's own address (mail "from"
    // the victim to the victim) are not.
    let recipients: Vec<String> = f.to.iter().filter_map(|m| m.address.as_deref()).map(str::to_lowercase).collect();
    let addresses =
        f.from.iter().chain(f.reply_to.iter()).filter_map(|m| m.address.clone()).chain(f.return_path.clone()).take(16);
    for a in addresses {
        if !a.contains('@') {
            continue;
        }
        let a = a.trim_matches(['<', '>']).to_lowercase();
        let benign = recipients.contains(&a)
            || forwarder_address(&a)
            || domain::address_domain(&a)
                .is_some_and(|d| brand_genuine(kb, &d) || (is_common(&d) && !crate::providers::is_webmail(&d)));
        b.push(Kind::Email, &a, benign, None);
    }

    for l in f.links.iter().take(MAX_LINKS) {
        let host =
            if l.host.is_empty() { host_of_url(&l.url).unwrap_or("").to_ascii_lowercase() } else { l.host.clone() };
        if host.is_empty() {
            continue;
        }
        let embedded = !l.sources.is_empty() && l.sources.iter().all(|s| *s == LinkSource::Src);
        let (w_host, w_domain, w_url, w_shape) = if embedded {
            let (h, d, u, s) = EMBEDDED_WEIGHTS;
            (Some(h), Some(d), Some(u), Some(s))
        } else {
            (None, None, None, None)
        };
        // A shortener's host is everyone's; the exact short URL is one campaign's.
        let shortener = l.tags.iter().any(|t| t == "shortener");
        // Asked once per link: both walk the host's suffixes through hash tables.
        let (genuine, common) = (brand_genuine(kb, &host), is_common(&host));
        let host_benign = genuine || common;
        let benign = shortener || host_benign;
        b.push(Kind::LinkHost, &host, benign, w_host);
        if let Some(reg) = &l.registrable
            && *reg != host
        {
            b.push(Kind::LinkDomain, reg, benign, w_domain);
        }
        // The same exact URL with a specific path is the same campaign even on a shared provider (one Google
        // Form, one S3 object); on a brand's genuine site it is not.
        let shape = url_path_shape(&l.url);
        let specific_path = shape.as_ref().is_some_and(|s| s.len() >= 12);
        // A big company's redirector (aka.ms/..., us.click.yahoo.com/...) leads to its own pages whatever the path.
        let url_benign = genuine || is_redirector(&host) || (host_benign && !specific_path);
        b.push(Kind::Url, &l.url, url_benign, w_url);
        if l.ip.is_none()
            && let Some(p) = host_pattern(&host)
        {
            b.push(Kind::HostPattern, &p, benign, None);
        }
        if let Some(s) = shape {
            b.push(Kind::UrlPathShape, &s, benign, w_shape);
        }
    }

    if let Some(m) = &f.mailer {
        let m: String = m.trim().chars().take(100).collect();
        // "2" or "1.0" names no program: not a mailer string worth linking on.
        if m.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
            b.push(Kind::Mailer, &m, false, None);
        }
    }

    // An empty file has the same hash everywhere.
    for a in f.attachments.iter().filter(|a| a.size > 0).take(32) {
        let weight = if a.inline { INLINE_FILE_WEIGHT } else { Kind::Sha256.weight() };
        b.push(Kind::Sha256, &a.sha256, false, Some(weight));
        b.push(Kind::Sha1, &a.sha1, false, None);
        b.push(Kind::Md5, &a.md5, false, None);
    }

    for fp in layouts.iter().take(MAX_LAYOUTS) {
        b.push(Kind::Layout, fp, false, None);
    }
    b.out
}

/// Layout fingerprints kept per message.
const MAX_LAYOUTS: usize = 4;

/// Layout fingerprints of the message's HTML bodies (not of attached HTML files), at most 4.
pub fn layout_fingerprints(raw: &[u8]) -> Vec<String> {
    use phishlens_core::parse::{BodyKind, Mail};
    // A MIME parse: a scan of the raw message for HTML part headers was cheaper, but cut a part at any line
    // starting with `--` (CSS and HTML comments) and so misread one HTML body in thirteen.
    let mail = Mail::parse(raw, &phishlens_core::config::Limits::default());
    let mut layouts = LayoutsOfHtml::default();
    for b in mail.bodies().iter().filter(|b| b.kind == BodyKind::Html && !b.is_attachment) {
        layouts.push_body(&b.text);
    }
    layouts.0
}

/// The same fingerprints from HTML bodies already decoded (tag and attribute names are ASCII, so the charset
/// decoding in between changes nothing): push each body as the analysis hands it over.
#[derive(Debug, Default)]
pub struct LayoutsOfHtml(pub Vec<String>);

impl LayoutsOfHtml {
    pub fn push_body(&mut self, html: &str) {
        if self.0.len() < MAX_LAYOUTS
            && let Some(fp) = layout::fingerprint(html)
        {
            self.0.push(fp);
        }
    }
}

/// An envelope address rewritten by a forwarder (Gmail's `user+caf_=dest@`, SRS `SRS0=...@`): it names the
/// forwarding mailbox, not the sender.
fn forwarder_address(a: &str) -> bool {
    let local = a.rsplit_once('@').map_or(a, |(l, _)| l);
    local.contains("+caf_=") || local.starts_with("srs0=") || local.starts_with("srs1=")
}

/// True when the analysis counts as flagged for correlation (phishing or suspicious).
pub fn flagged(v: Verdict) -> bool {
    v != Verdict::Clean
}

#[cfg(test)]
mod tests {
    use super::*;
    use phishlens_core::brands;
    use phishlens_core::model::{Facts, Link, Mailbox, Origin};

    fn report(facts: Facts) -> Report {
        // Built by the pipeline so that new Report fields need no change here.
        let mut r = phishlens_core::analyze(b"", &phishlens_core::Config::default());
        r.facts = facts;
        r.verdict = Verdict::Phishing;
        r
    }

    fn link(url: &str, host: &str, reg: Option<&str>) -> Link {
        Link { url: url.into(), host: host.into(), registrable: reg.map(Into::into), ..Default::default() }
    }

    /// A batch takes the layout fingerprints from the HTML bodies as the analysis decodes them; every other path
    /// (reanalyze, `record`) from the raw message: both give the same, for base64 and quoted-printable HTML,
    /// and never count an attached HTML file as the body.
    #[test]
    fn layouts_from_the_analysis_and_from_the_raw_message_agree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let mut compared = 0;
        for name in ["amazon_prime.eml", "amazon_genuine.eml", "memory/amazon_kit_a.eml", "memory/amazon_kit_b.eml"] {
            let raw = std::fs::read(root.join(name)).expect("fixture");
            let mut layouts = LayoutsOfHtml::default();
            let cfg = phishlens_core::Config::default();
            let _ = phishlens_core::analyze_with_html(&raw, &cfg, &mut |html| layouts.push_body(html));
            assert_eq!(layouts.0, layout_fingerprints(&raw), "{name}");
            compared += layouts.0.len();
        }
        assert!(compared >= 3, "the fixtures have HTML layouts to compare");

        let page = (0..20).map(|i| format!("<div class=\"r{i}\"><p>line</p></div>")).collect::<String>();
        let html = format!("<html><body>{page}<!-- a comment -->\n-- not a boundary --\n{page}</body></html>");
        let expected = layout::fingerprint(&html);
        assert!(expected.is_some());
        let qp = html.replace('=', "=3D");
        let raw = format!(
            "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=\"XX\"\r\n\r\n--XX\r\n\
             Content-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n--XX--\r\n"
        );
        assert_eq!(layout_fingerprints(raw.as_bytes()), vec![expected.clone().unwrap_or_default()]);
        let attached = format!(
            "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n\
             Content-Type: text/plain\r\n\r\nsee the file\r\n--B\r\nContent-Type: text/html\r\n\
             Content-Disposition: attachment; filename=x.html\r\n\r\n{html}\r\n--B--\r\n"
        );
        assert!(layout_fingerprints(attached.as_bytes()).is_empty());
    }

    fn find(v: &[Indicator], k: Kind) -> Vec<&Indicator> {
        v.iter().filter(|i| i.kind == k).collect()
    }

    #[test]
    fn patterns_and_shapes() {
        assert_eq!(host_pattern("3-137-150-20.cprapid.com").as_deref(), Some("N-N-N-N.cprapid.com"));
        assert_eq!(host_pattern("mail2.example.com"), None);
        assert_eq!(url_path_shape("https://x.cn/ap/signin/12345?x=1").as_deref(), Some("/ap/signin/N"));
        assert_eq!(url_path_shape("https://x.cn/u/a8f9c2d1e0b7/login.php").as_deref(), Some("/u/*/login.php"));
        assert_eq!(url_path_shape("https://x.cn/"), None);
        assert_eq!(url_path_shape("https://x.cn/login"), None);
        assert_eq!(origin_net("121.50.46.57".parse().unwrap()), "121.50.46.0/24");
        assert_eq!(origin_net("2001:db8:1234:5678::1".parse().unwrap()), "2001:db8:1234::/48");
    }

    #[test]
    fn a_users_own_brands_never_link_analyses() {
        let facts = Facts {
            links: vec![link(
                "https://portal.example-bank.test/login",
                "portal.example-bank.test",
                Some("example-bank.test"),
            )],
            ..Default::default()
        };
        let r = report(facts);
        let builtin = extract(&r, None, brands::builtin());
        assert!(find(&builtin, Kind::LinkHost)[0].weight > 0.0);
        let mut kb = brands::builtin().clone();
        let extra = brands::BrandKb::from_toml(
            "[[brand]]\nid = \"example_bank\"\nname = \"Example Bank\"\ndomains = [\"example-bank.test\"]\n",
        )
        .unwrap();
        kb.merge(extra);
        let with_brand = extract(&r, None, &kb);
        assert!(find(&with_brand, Kind::LinkHost).iter().all(|i| i.benign && i.weight == 0.0));
    }

    #[test]
    fn rdap_network_and_asn_of_the_origin_are_indicators_unless_cloud() {
        use phishlens_core::intel::{GeoIp, Hosting, Intel, IpIntel, IpRegistration};
        let ip: std::net::IpAddr = "106.75.178.120".parse().unwrap();
        let facts = Facts { origin: Some(Origin { ip: Some(ip), ..Default::default() }), ..Default::default() };
        let origin_intel = |hosting: Option<&str>| IpIntel {
            ip,
            roles: vec!["origin".into()],
            registration: Some(IpRegistration {
                name: Some("UCLOUD-NET".into()),
                range: Some("106.75.0.0/16".into()),
                ..Default::default()
            }),
            rdns: None,
            geo: Some(GeoIp { asn: Some(135377), ..Default::default() }),
            hosting: hosting.map(|k| Hosting { kind: k.into(), provider: "UCloud".into() }),
            asn: None,
            dnsbl: Vec::new(),
        };
        let mut r = report(facts);
        r.intel = Some(Intel { ips: vec![origin_intel(Some("hosting"))], ..Default::default() });
        let v = extract(&r, None, brands::builtin());
        assert_eq!(find(&v, Kind::OriginNetwork)[0].value, "UCLOUD-NET (106.75.0.0/16)");
        assert_eq!(find(&v, Kind::OriginAsn)[0].value, "AS135377");
        assert!(find(&v, Kind::OriginAsn)[0].weight > 0.0);
        // A cloud network is everyone's: recorded, never linking.
        r.intel = Some(Intel { ips: vec![origin_intel(Some("cloud"))], ..Default::default() });
        let v = extract(&r, None, brands::builtin());
        assert!(find(&v, Kind::OriginNetwork)[0].benign && find(&v, Kind::OriginAsn)[0].weight == 0.0);
    }

    #[test]
    fn kagoya_style_message_yields_ip_net_host_and_pattern() {
        let facts = Facts {
            from: Some(Mailbox {
                display_name: None,
                address: Some("support@kagoya.jp".into()),
                domain: Some("kagoya.jp".into()),
            }),
            origin: Some(Origin { ip: Some("121.50.46.57".parse().unwrap()), ..Default::default() }),
            links: vec![link(
                "https://3-137-150-20.cprapid.com:2083/",
                "3-137-150-20.cprapid.com",
                Some("3-137-150-20.cprapid.com"),
            )],
            message_id: Some("71b4e43ad1e693b3fe671fdc77b12a7e@localhost.localdomain".into()),
            ..Default::default()
        };
        let v = extract(&report(facts), None, brands::builtin());
        assert_eq!(find(&v, Kind::OriginIp)[0].value, "121.50.46.57");
        assert_eq!(find(&v, Kind::OriginIp)[0].weight, 5.0);
        assert_eq!(find(&v, Kind::OriginNet)[0].value, "121.50.46.0/24");
        assert_eq!(find(&v, Kind::LinkHost)[0].value, "3-137-150-20.cprapid.com");
        assert_eq!(find(&v, Kind::HostPattern)[0].value, "N-N-N-N.cprapid.com");
        // localhost.localdomain has no registrable domain: nothing to link on.
        assert!(find(&v, Kind::MessageIdDomain).is_empty());
    }

    #[test]
    fn shared_providers_weigh_nothing() {
        let facts = Facts {
            from: Some(Mailbox {
                display_name: None,
                address: Some("someone@gmail.com".into()),
                domain: Some("gmail.com".into()),
            }),
            origin: Some(Origin {
                ip: Some("209.85.220.41".parse().unwrap()),
                from_name: Some("mail-sor-f41.google.com".into()),
                ..Default::default()
            }),
            links: vec![link("https://storage.googleapis.com/", "storage.googleapis.com", Some("googleapis.com"))],
            ..Default::default()
        };
        let v = extract(&report(facts), None, brands::builtin());
        for k in [Kind::OriginIp, Kind::OriginNet, Kind::SenderDomain, Kind::LinkHost, Kind::LinkDomain, Kind::Url] {
            let got = find(&v, k);
            assert!(!got.is_empty(), "{k:?} missing");
            assert!(got.iter().all(|i| i.weight == 0.0 && i.benign), "{k:?}: {got:?}");
        }
        // The exact address of a webmail sender is still specific.
        assert_eq!(find(&v, Kind::Email)[0].weight, Kind::Email.weight());
    }

    #[test]
    fn hostile_urls_do_not_panic() {
        for u in ["", "://", "http://", "https://@:/", "a://\u{3042}/\u{3044}", "https://x/%%%/////////"] {
            let _ = url_path_shape(u);
            let _ = host_of_url(u);
            let _ = host_pattern(u);
        }
    }
}
