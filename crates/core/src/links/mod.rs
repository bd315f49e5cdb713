//! Links: every URL in the plain text, the HTML (href, src, form action, meta refresh, area) and HTML
//! attachments; wrappers unwrapped; what is structurally odd about each link. Also the HTML-only facts a
//! reader cannot see: forms, password fields, hidden text.
//!
//! `extract` reads each body once (the HTML through the streaming scanner in `html.rs`) and tags every link
//! with short machine tags; `check` turns tags into findings. Tags are computed in `link_from_url`, so a bare
//! URL given to `phishlens url` gets the same structural analysis as a link in a mail.

pub mod signals;
mod text_urls;
mod unwrap;

pub use signals::{ip_in_hostname, randomness};
pub use text_urls::{TextUrl, displayed_host, find as find_text_urls};

use crate::config::Config;
use crate::domain;
use crate::finding::{Evidence, Finding, bounded};
use crate::html::{self, ScanLimits};
use crate::model::{Facts, Form, Link, LinkSource};
use crate::parse::{BodyKind, Mail};
use std::collections::{BTreeMap, HashMap};

/// Longest anchor text kept on a link, in chars.
const ANCHOR_TEXT_CHARS: usize = 200;
/// Longest `data:` / `javascript:` URL kept, in chars (the payload can be megabytes).
const SCRIPT_URL_CHARS: usize = 200;
/// Most forms and hidden-text excerpts kept per message.
const FORMS_MAX: usize = 20;
const HIDDEN_MAX: usize = 20;

// Link tags. Findings carry the explanation; tags let other modules and the JSON output see the same facts.
pub const TAG_WRAPPED: &str = "wrapped";
pub const TAG_IP_LITERAL: &str = "ip_literal";
pub const TAG_IP_OBFUSCATED: &str = "ip_obfuscated";
pub const TAG_IP_IN_HOSTNAME: &str = "ip_in_hostname";
pub const TAG_DYNAMIC_DNS: &str = "dynamic_dns";
pub const TAG_FREE_HOSTING: &str = "free_hosting";
pub const TAG_SHORTENER: &str = "shortener";
pub const TAG_TRACKER: &str = "tracker";
pub const TAG_PUNYCODE: &str = "punycode";
pub const TAG_USERINFO: &str = "userinfo";
pub const TAG_CPANEL_PORT: &str = "cpanel_port";
pub const TAG_NONSTANDARD_PORT: &str = "nonstandard_port";
pub const TAG_REDIRECT_PARAM: &str = "redirect_param";
pub const TAG_RANDOM_DOMAIN: &str = "random_domain";
pub const TAG_COMPROMISED_PATH: &str = "compromised_site_path";
pub const TAG_CREDENTIAL_PATH: &str = "credential_path";
pub const TAG_JAVASCRIPT_URL: &str = "javascript_url";
pub const TAG_DATA_URL: &str = "data_url";
pub const TAG_TEXT_HREF_MISMATCH: &str = "text_href_mismatch";

fn tag(link: &mut Link, t: &str) {
    if !link.tags.iter().any(|x| x == t) {
        link.tags.push(t.to_string());
    }
}

fn has_tag(link: &Link, t: &str) -> bool {
    link.tags.iter().any(|x| x == t)
}

/// `javascript:` and `data:` URLs (after the browser's removal of whitespace and control characters).
/// None when the URL is neither, or is harmless (`javascript:void(0)`, an inline `data:image/...`).
fn script_or_data_link(t: &str, source: LinkSource) -> Option<Option<Link>> {
    if t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("http")) {
        return None;
    }
    let compact: String =
        t.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control()).take(48).collect::<String>();
    let lower = compact.to_ascii_lowercase();
    let tag_name = if lower.starts_with("javascript:") || lower.starts_with("vbscript:") {
        let body = lower.split_once(':').map_or("", |(_, b)| b).trim_end_matches(';');
        if matches!(body, "" | "void(0)" | "void0" | "void(null)" | "false" | "returnfalse") {
            return Some(None);
        }
        TAG_JAVASCRIPT_URL
    } else if let Some(rest) = lower.strip_prefix("data:") {
        let mime = rest.split([';', ',']).next().unwrap_or("");
        if mime.starts_with("image/")
            || mime.starts_with("font/")
            || mime.starts_with("audio/")
            || mime.starts_with("video/")
        {
            return Some(None);
        }
        TAG_DATA_URL
    } else {
        return None;
    };
    Some(Some(Link {
        url: bounded(t, SCRIPT_URL_CHARS),
        sources: vec![source],
        tags: vec![tag_name.to_string()],
        ..Default::default()
    }))
}

/// Build a `Link` from a URL string, unwrapping known wrappers and tagging what is odd about it.
/// None when it is not a usable absolute web URL. `javascript:` and non-image `data:` URLs give a link with
/// an empty host and the tag `javascript_url` / `data_url`.
pub fn link_from_url(url: &str, source: LinkSource) -> Option<Link> {
    analyse_url(url, source).map(|b| b.link)
}

/// A link and the web URL carried in its parameters (`signals::embedded_url`), found while tagging it and
/// kept so that adding the link and its destination does not parse the URL again.
#[derive(Clone)]
struct Built {
    link: Link,
    embedded: Option<String>,
}

/// `link_from_url`, also returning the embedded URL.
fn analyse_url(url: &str, source: LinkSource) -> Option<Built> {
    let t = url.trim().trim_matches(|c| matches!(c, '<' | '>' | '"' | '\''));
    let t = html::cut(t, 8 << 10);
    if let Some(special) = script_or_data_link(t, source) {
        return special.map(|link| Built { link, embedded: None });
    }
    let scheme_end = t.find(':')?;
    let scheme = &t[..scheme_end];
    if !["http", "https", "ftp"].iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
        return None;
    }
    let parsed = url::Url::parse(t).ok()?;
    let (raw, u, wrapped_in) = unwrap::unwrap(t, parsed);
    let (host, ip) = match u.host()? {
        url::Host::Domain(d) => (d.to_ascii_lowercase(), None),
        url::Host::Ipv4(v4) => (v4.to_string(), Some(std::net::IpAddr::V4(v4))),
        url::Host::Ipv6(v6) => (v6.to_string(), Some(std::net::IpAddr::V6(v6))),
    };
    if host.is_empty() {
        return None;
    }
    let facts = host_facts(&host, ip.is_some());
    let mut link = Link {
        wrapped_in,
        host_unicode: facts.host_unicode.clone(),
        registrable: facts.registrable.clone(),
        ip,
        port: u.port(),
        sources: vec![source],
        host,
        ..Default::default()
    };
    let embedded = tag_structure(&mut link, &facts, &u, &raw);
    // The serialisation moves into the link (no copy); the tags above needed the parsed form.
    link.url = u.into();
    Some(Built { link, embedded })
}

/// What a link's host alone says. Links of a message (and of a batch) share few hosts, and the public-suffix
/// lookup, IDNA and the zone sets are most of the cost of a link.
#[derive(Clone)]
struct HostFacts {
    host_unicode: Option<String>,
    registrable: Option<String>,
    ip_in_hostname: bool,
    dynamic_dns: bool,
    free_hosting: bool,
    shortener: bool,
    tracker: bool,
    punycode: bool,
    random_domain: bool,
}

fn host_facts_uncached(host: &str, is_ip: bool) -> HostFacts {
    let host_unicode = domain::to_unicode(host);
    let registrable = if is_ip { None } else { domain::registrable(host) };
    let random_domain = registrable.as_deref().is_some_and(|reg| {
        !domain::is_private_suffix(host)
            && signals::randomness(reg.split('.').next().unwrap_or("")) >= signals::RANDOM_LABEL_THRESHOLD
    });
    HostFacts {
        ip_in_hostname: !is_ip && signals::ip_in_hostname(host).is_some(),
        dynamic_dns: signals::dynamic_dns_zone(host).is_some(),
        free_hosting: signals::free_hosting_zone(host).is_some(),
        shortener: signals::shortener(host).is_some(),
        tracker: signals::is_tracker(host),
        punycode: host_unicode.is_some() || host.split('.').any(|l| l.starts_with("xn--")),
        random_domain,
        host_unicode,
        registrable,
    }
}

/// Most hosts remembered per thread (then the cache starts over): bounded memory on any batch.
const HOST_CACHE_MAX: usize = 4096;

thread_local! {
    /// Domain hosts already analysed (IP literals are rare and cheap, and not kept).
    static HOST_CACHE: std::cell::RefCell<HashMap<String, HostFacts>> = std::cell::RefCell::new(HashMap::new());
}

/// `host_facts_uncached`, remembered per thread.
fn host_facts(host: &str, is_ip: bool) -> HostFacts {
    if is_ip {
        return host_facts_uncached(host, true);
    }
    if let Some(hit) = HOST_CACHE.with(|c| c.borrow().get(host).cloned()) {
        return hit;
    }
    let facts = host_facts_uncached(host, false);
    HOST_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= HOST_CACHE_MAX {
            c.clear();
        }
        c.insert(host.to_string(), facts.clone());
    });
    facts
}

/// Tags that depend on the URL alone. Returns the web URL carried in the link's parameters, if any (looked
/// for in every link: the redirect tag needs it, and so do the destinations of trackers and redirects).
fn tag_structure(link: &mut Link, facts: &HostFacts, u: &url::Url, raw: &str) -> Option<String> {
    if link.wrapped_in.is_some() {
        tag(link, TAG_WRAPPED);
    }
    if let Some(ip) = link.ip {
        tag(link, TAG_IP_LITERAL);
        if signals::ip_obfuscated(signals::raw_host(raw), &ip) {
            tag(link, TAG_IP_OBFUSCATED);
        }
    } else if facts.ip_in_hostname {
        tag(link, TAG_IP_IN_HOSTNAME);
    }
    if facts.dynamic_dns {
        tag(link, TAG_DYNAMIC_DNS);
    }
    if facts.free_hosting {
        tag(link, TAG_FREE_HOSTING);
    }
    if facts.shortener {
        tag(link, TAG_SHORTENER);
    }
    if facts.tracker {
        tag(link, TAG_TRACKER);
    }
    if facts.punycode {
        tag(link, TAG_PUNYCODE);
    }
    if !u.username().is_empty() || u.password().is_some() {
        tag(link, TAG_USERINFO);
    }
    if let Some(port) = link.port {
        if signals::is_cpanel_port(port) {
            tag(link, TAG_CPANEL_PORT);
        } else if !matches!(port, 80 | 443) {
            tag(link, TAG_NONSTANDARD_PORT);
        }
    }
    let embedded = signals::embedded_url(u);
    // A tracker's parameters carry the sender's own links: a redirect through it is what it is for.
    if !facts.tracker
        && let Some(target) = &embedded
        && let Some(target_host) = url::Url::parse(target).ok().and_then(|t| t.host_str().map(str::to_ascii_lowercase))
    {
        let target_reg = domain::registrable(&target_host).unwrap_or(target_host);
        if link.registrable.as_deref() != Some(target_reg.as_str()) {
            tag(link, TAG_REDIRECT_PARAM);
        }
    }
    if facts.random_domain {
        tag(link, TAG_RANDOM_DOMAIN);
    }
    let path = u.path();
    if signals::compromised_site_path(path).is_some() {
        tag(link, TAG_COMPROMISED_PATH);
    }
    if signals::credential_path(path).is_some() {
        tag(link, TAG_CREDENTIAL_PATH);
    }
    embedded
}

/// Merge `new` into `existing` (same URL): pool sources and tags; keep the first anchor text unless the new
/// one is the evidence of a text/href mismatch.
fn merge_link(existing: &mut Link, new: Link) {
    let mismatch = has_tag(&new, TAG_TEXT_HREF_MISMATCH) && !has_tag(existing, TAG_TEXT_HREF_MISMATCH);
    for s in new.sources {
        if !existing.sources.contains(&s) {
            existing.sources.push(s);
        }
    }
    for t in new.tags {
        if !existing.tags.contains(&t) {
            existing.tags.push(t);
        }
    }
    if (existing.anchor_text.is_none() || mismatch)
        && let Some(a) = new.anchor_text
    {
        existing.anchor_text = Some(a);
    }
    if existing.wrapped_in.is_none() {
        existing.wrapped_in = new.wrapped_in;
    }
}

/// Add a link, merging with an existing one for the same URL.
pub fn add_link(facts: &mut Facts, link: Link, cfg: &Config) {
    if let Some(existing) = facts.links.iter_mut().find(|l| l.url == link.url) {
        merge_link(existing, link);
        return;
    }
    if facts.links.len() < cfg.limits.max_links {
        facts.links.push(link);
    }
}

/// Links of one message, deduplicated by URL in constant time per link.
struct LinkSet<'f> {
    facts: &'f mut Facts,
    index: HashMap<String, usize>,
    max: usize,
    /// Links carried inside other links' parameters, added after the carrier.
    dropped: usize,
    /// `analyse_url` results by URL as written: mail repeats the same link (logo, button, footer, the URL
    /// again as text), and parsing, the public-suffix lookup and the tags are the costly part of a link.
    built: HashMap<String, Option<Built>>,
}

/// Most URLs whose analysis is remembered per message (the cache is an optimisation, not a limit).
const BUILT_CACHE_MAX: usize = 512;

impl LinkSet<'_> {
    /// `analyse_url(url, source)`, remembered per URL (the source only fills `sources`).
    fn build(&mut self, url: &str, source: LinkSource) -> Option<Built> {
        if let Some(known) = self.built.get(url) {
            return known.clone().map(|mut b| {
                b.link.sources = vec![source];
                b
            });
        }
        let built = analyse_url(url, source);
        if self.built.len() < BUILT_CACHE_MAX {
            self.built.insert(url.to_string(), built.clone());
        }
        built
    }

    fn add(&mut self, link: Link) {
        if let Some(&i) = self.index.get(&link.url) {
            if let Some(existing) = self.facts.links.get_mut(i) {
                merge_link(existing, link);
            }
            return;
        }
        if self.facts.links.len() >= self.max {
            self.dropped += 1;
            return;
        }
        self.index.insert(link.url.clone(), self.facts.links.len());
        self.facts.links.push(link);
    }

    /// Add a link and, when it redirects through a parameter, the destination too (that is where the
    /// reader lands; the brand checks need it).
    fn add_with_target(&mut self, link: Link, embedded: Option<String>) {
        let target = embedded.filter(|_| has_tag(&link, TAG_REDIRECT_PARAM) || has_tag(&link, TAG_TRACKER));
        let Some(target) = target else {
            self.add(link);
            return;
        };
        let sources = link.sources.clone();
        let carrier = link.url.clone();
        self.add(link);
        if let Some(Built { link: mut inner, .. }) =
            self.build(&target, sources.first().copied().unwrap_or(LinkSource::Href))
        {
            inner.sources = sources;
            if inner.wrapped_in.is_none() {
                inner.wrapped_in = Some(carrier);
            }
            self.add(inner);
        }
    }
}

/// Registrable domain, or the host itself for IPs and unknown suffixes.
fn site_of(host: &str) -> String {
    domain::registrable(host).unwrap_or_else(|| host.to_string())
}

/// The first label of a registrable domain: `amazon` for amazon.co.jp and amazon.com (same owner, different
/// country sites); the brand of a brand's short domain (youtu.be).
fn brand_label(site: &str) -> &str {
    signals::brand_label(site)
}

/// When the anchor's visible text is itself a URL or domain and the link goes to an unrelated site, the
/// displayed host. Ordinary words ("Click here") never count; nor do opaque trackers, or a tracker carrying
/// the displayed site in its parameters.
fn text_href_mismatch(text: &str, link: &Link, embedded: Option<&str>) -> Option<String> {
    if link.host.is_empty() {
        return None;
    }
    let shown = displayed_host(text)?;
    let shown_site = site_of(&shown);
    let actual_site = link.registrable.clone().unwrap_or_else(|| link.host.clone());
    if shown_site == actual_site || brand_label(&shown_site) == brand_label(&actual_site) {
        return None;
    }
    if let Some(target) = embedded
        && let Some(th) = url::Url::parse(target).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        && brand_label(&site_of(&th)) == brand_label(&shown_site)
    {
        return None;
    }
    if has_tag(link, TAG_TRACKER) {
        return None;
    }
    Some(shown)
}

/// Collapse runs of spaces and blank lines in plain text, appending to `out` up to `max` bytes.
fn push_plain(out: &mut String, text: &str, max: usize) {
    let mut blank_run = 0;
    for line in text.lines() {
        if out.len() >= max {
            return;
        }
        let line_start = out.len();
        for word in line.split(|c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}')) {
            if word.is_empty() {
                continue;
            }
            if out.len() > line_start {
                out.push(' ');
            }
            let room = max.saturating_sub(out.len() + 1);
            out.push_str(html::cut(word, room));
        }
        if out.len() == line_start {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push('\n');
    }
}

/// Fill `facts.links`, `facts.content.forms`, `facts.content.hidden_text`, `facts.content.has_html`;
/// return the visible text of the message (text/plain bodies, then HTML text), bounded.
pub fn extract(mail: &Mail, cfg: &Config, facts: &mut Facts) -> String {
    let max_text = cfg.limits.max_body_bytes;
    let max_links = cfg.limits.max_links;
    let bodies = mail.bodies();
    let mut visible = String::new();
    let mut forms: Vec<Form> = Vec::new();
    let mut hidden: Vec<String> = Vec::new();
    let mut has_html = false;
    let mut set = LinkSet { index: HashMap::new(), max: max_links, dropped: 0, facts, built: HashMap::new() };
    for (i, l) in set.facts.links.iter().enumerate() {
        set.index.insert(l.url.clone(), i);
    }

    for b in bodies.iter().filter(|b| b.kind == BodyKind::Text) {
        push_plain(&mut visible, &b.text, max_text);
        for u in find_text_urls(&b.text, max_links) {
            if let Some(built) = set.build(&u.url, LinkSource::Text) {
                set.add_with_target(built.link, built.embedded);
            }
        }
    }

    for b in bodies.iter().filter(|b| b.kind == BodyKind::Html) {
        has_html = true;
        let scan = html::scan(&b.text, ScanLimits { max_urls: max_links, max_text_bytes: max_text });
        if scan.anchors.len() >= max_links || scan.urls.len() >= max_links {
            set.dropped += 1;
        }
        let base = scan.base_href.as_deref().and_then(|h| url::Url::parse(h).ok());
        let resolve = |raw: &str| -> Option<String> {
            if raw.starts_with('#') || raw.is_empty() {
                return None;
            }
            // Without a <base> every URL is taken as written: no parse needed here (`build` parses it).
            let Some(base) = &base else { return Some(raw.to_string()) };
            match url::Url::parse(raw) {
                Err(url::ParseError::RelativeUrlWithoutBase) => base.join(raw).ok().map(String::from),
                _ => Some(raw.to_string()),
            }
        };
        let with_sources = |mut link: Link| {
            if b.is_attachment && !link.sources.contains(&LinkSource::HtmlAttachment) {
                link.sources.insert(0, LinkSource::HtmlAttachment);
            }
            link
        };
        for a in &scan.anchors {
            let Some(href) = resolve(&a.href) else { continue };
            let source = if a.is_area { LinkSource::Area } else { LinkSource::Href };
            let Some(Built { mut link, embedded }) = set.build(&href, source) else { continue };
            let text = a.text.trim();
            if !text.is_empty() {
                link.anchor_text = Some(bounded(text, ANCHOR_TEXT_CHARS));
                if text_href_mismatch(text, &link, embedded.as_deref()).is_some() {
                    tag(&mut link, TAG_TEXT_HREF_MISMATCH);
                }
            }
            set.add_with_target(with_sources(link), embedded);
        }
        for (source, raw) in &scan.urls {
            let lower = raw.get(..4).unwrap_or(raw).to_ascii_lowercase();
            if lower.starts_with("cid:") {
                continue;
            }
            let Some(url) = resolve(raw) else { continue };
            if let Some(built) = set.build(&url, *source) {
                set.add_with_target(with_sources(built.link), built.embedded);
            }
        }
        // URLs written as text (mail clients make them clickable), outside anchors so that the URL an
        // anchor displays is not mistaken for a destination.
        let mut spans = scan.anchors.iter().map(|a| a.text_span.clone()).filter(|s| !s.is_empty()).peekable();
        for u in find_text_urls(&scan.text, max_links) {
            while spans.peek().is_some_and(|s| s.end <= u.start) {
                spans.next();
            }
            if spans.peek().is_some_and(|s| s.start <= u.start) {
                continue;
            }
            if let Some(built) = set.build(&u.url, LinkSource::Text) {
                set.add_with_target(with_sources(built.link), built.embedded);
            }
        }
        // An attached HTML page usually sends the reader on with script (`window.location = "..."`).
        if b.is_attachment {
            for r in &scan.scripts {
                let Some(script) = b.text.get(r.clone()) else { continue };
                for u in find_text_urls(html::cut(script, 256 << 10), 20) {
                    if let Some(built) = set.build(&u.url, LinkSource::Text) {
                        set.add_with_target(with_sources(built.link), built.embedded);
                    }
                }
            }
        }
        let mut with_password = 0;
        for f in scan.forms {
            with_password += usize::from(f.has_password);
            if forms.len() < FORMS_MAX {
                forms.push(f);
            }
        }
        if scan.password_inputs > with_password && forms.len() < FORMS_MAX {
            // Password inputs outside any form still collect a password (script submits them).
            forms.push(Form { action: None, has_password: true, input_names: Vec::new() });
        }
        for h in scan.hidden_text {
            if hidden.len() < HIDDEN_MAX {
                hidden.push(h);
            }
        }
        if !scan.text.is_empty() && visible.len() < max_text {
            let room = max_text.saturating_sub(visible.len() + 1);
            visible.push_str(html::cut(&scan.text, room));
            visible.push('\n');
        }
    }
    if set.dropped > 0 {
        set.facts.problems.push(crate::model::Problem {
            code: "limit.links".to_string(),
            detail: format!("more than {max_links} links; the rest were not analysed"),
        });
    }
    let facts = set.facts;
    facts.content.has_html |= has_html;
    facts.content.forms.extend(forms);
    facts.content.hidden_text.extend(hidden);
    while visible.ends_with('\n') {
        visible.pop();
    }
    visible
}

/// True when the link was followed or loaded as a page (not only an embedded image or stylesheet).
fn is_clickable(link: &Link) -> bool {
    link.sources.iter().any(|s| !matches!(s, LinkSource::Src | LinkSource::HtmlAttachment))
}

/// Input names that ask for personal data or credentials (a search box or a newsletter "subscribe a friend"
/// form asks for neither).
fn is_sensitive_input(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "pass", "pwd", "login", "user", "email", "e-mail", "mail", "account", "card", "cc", "cvv", "cvc", "exp", "ssn",
        "pin", "otp", "code", "phone", "tel", "birth", "dob", "address", "token", "secret", "answer",
    ];
    WORDS.iter().any(|w| n.contains(w))
}

/// A form worth reporting: it collects credentials or personal data, or it sits in an attached HTML page
/// (a local copy of a log-in page).
fn form_collects_data(form: &Form, facts: &Facts) -> bool {
    if form.has_password || form.input_names.iter().any(|n| is_sensitive_input(n)) {
        return true;
    }
    form.action.as_deref().is_some_and(|a| {
        facts.links.iter().any(|l| {
            l.sources.contains(&LinkSource::HtmlAttachment) && l.sources.contains(&LinkSource::FormAction) && l.url == a
        })
    })
}

/// Findings being built, one per id, in a fixed order.
struct Findings(BTreeMap<&'static str, Finding>);

impl Findings {
    /// Add evidence to the finding `id`, creating it with `params` the first time.
    fn add(&mut self, id: &'static str, params: &[(&str, String)], evidence: Evidence) {
        let f = self.0.entry(id).or_insert_with(|| {
            let mut f = Finding::new(id);
            for (k, v) in params {
                f = f.param(k, v.clone());
            }
            f
        });
        if f.evidence.len() < 8 && !f.evidence.contains(&evidence) {
            f.evidence.push(evidence);
        }
    }
}

/// Total length of hidden text (chars) above which hiding text counts as a signal: a preheader (one short
/// hidden line) is ordinary newsletter practice; paragraphs of hidden text are filter evasion.
const HIDDEN_TEXT_SIGNAL_CHARS: usize = 200;

/// A mail client turned a dotted number in the text ("UHD 4.1.0.1", a version) into `http://4.1.0.1/`: the
/// anchor text is the address itself and the link has no path, port or query. Phishing links to an address
/// carry a path to the fake page.
fn is_autolinked_number(l: &crate::model::Link, ip: &std::net::IpAddr) -> bool {
    let shown = l.anchor_text.as_deref().map(str::trim).unwrap_or("");
    if shown != ip.to_string() || l.port.is_some() {
        return false;
    }
    let Ok(u) = url::Url::parse(&l.url) else { return false };
    matches!(u.path(), "" | "/") && u.query().is_none() && u.fragment().is_none()
}

/// A link to the sender's own app on a hosting platform: `syzkaller.appspot.com` in mail from
/// `syzbot@syzkaller.appspotmail.com`. The platform's tenant name (the first label) is the sender's too.
fn is_senders_own_app(link_host: &str, sender_domain: &str) -> bool {
    let tenant = |h: &str| h.split('.').next().unwrap_or("").to_ascii_lowercase();
    let (a, b) = (tenant(link_host), tenant(sender_domain));
    a.len() >= 4 && a == b && link_host.contains('.') && sender_domain.matches('.').count() >= 2
}

/// An HTML mail whose every clickable link leaves the sender's domain, with no List-Id or List-Unsubscribe.
/// A company writing to its customers links to its own site; a newsletter that links elsewhere is sent as bulk
/// mail and says so in its headers. A formatted mail that does neither was sent by someone who does not run the
/// site it promotes: the shape of phishing and of spam runs from throw-away domains. Bounces quote other
/// people's mail and are left out.
fn check_offsite_links(facts: &Facts, cfg: &Config, f: &mut Findings) {
    // A button in an attached PDF is a formatted call to action too.
    let formatted =
        facts.content.has_html || facts.links.iter().any(|l| l.sources.contains(&LinkSource::PdfAttachment));
    if !formatted || facts.list_id.is_some() || facts.list_unsubscribe.is_some() {
        return;
    }
    let Some(from) = facts.from.as_ref() else { return };
    let Some(address) = from.address.as_deref() else { return };
    if domain::is_system_sender(address) {
        return;
    }
    let Some(sender_host) = from.domain.as_deref().map(domain::normalize_host) else { return };
    let Some(sender_reg) = domain::registrable(&sender_host) else { return };
    let idx = crate::brands::kb(cfg).index();
    let sender_brands: Vec<usize> = idx.owners_of_host(&sender_host).into_iter().map(|(b, _, _)| b).collect();
    let mut offsite: Vec<&crate::model::Link> = Vec::new();
    for l in facts.links.iter().filter(|l| is_clickable(l) && !l.host.is_empty()).take(500) {
        let reg = l.registrable.as_deref().unwrap_or(&l.host);
        // The sender's own site: the same domain, the sender's name under its mail provider's domain
        // (mediaunspun.imakenews.net linking to mediaunspun.com), or a sister domain of the same brand
        // (hotmail.com and msn.com).
        let name = reg.split('.').next().unwrap_or("");
        let tenant = name.len() >= 4 && sender_host.split('.').any(|label| label == name);
        let sister =
            !sender_brands.is_empty() && idx.owners_of_host(&l.host).iter().any(|(b, _, _)| sender_brands.contains(b));
        if reg == sender_reg || tenant || sister {
            return;
        }
        // Mail providers' click trackers (sendgrid, list-manage, ...) wrap a sender's own links in transactional
        // mail too: they say nothing either way.
        let tracker = signals::is_tracker(&l.host) && signals::free_hosting_zone(&l.host).is_none();
        if !signals::SOCIAL_DOMAINS.contains(&reg) && !tracker {
            offsite.push(l);
        }
    }
    let Some(first) = offsite.first() else { return };
    let mut domains: Vec<&str> = Vec::new();
    for l in &offsite {
        let reg = l.registrable.as_deref().unwrap_or(&l.host);
        if domains.len() < 4 && !domains.contains(&reg) {
            domains.push(reg);
        }
    }
    let params = [("sender", sender_reg.clone()), ("domains", domains.join(", "))];
    f.add("links.offsite_without_list_headers", &params, Evidence::header("From", address));
    f.add("links.offsite_without_list_headers", &params, Evidence::url(&first.url));
}

/// Link findings.
pub fn check(facts: &Facts, cfg: &Config, out: &mut Vec<Finding>) {
    let mut f = Findings(BTreeMap::new());
    let sender_domain = facts.from.as_ref().and_then(|m| m.domain.as_deref()).unwrap_or("");
    for l in facts.links.iter().filter(|l| is_clickable(l)) {
        let ev = || Evidence::url(&l.url);
        let host = || l.host.clone();
        for t in &l.tags {
            match t.as_str() {
                TAG_TEXT_HREF_MISMATCH => {
                    // The sender's own click-through redirect (`clickthru.online.com` in mail from
                    // newsletter.online.com) hides nothing about who runs the link.
                    let actual_reg = l.registrable.as_deref().unwrap_or(&l.host);
                    if !sender_domain.is_empty() && domain::registrable(sender_domain).as_deref() == Some(actual_reg) {
                        continue;
                    }
                    let text = l.anchor_text.clone().unwrap_or_default();
                    let shown = displayed_host(&text).unwrap_or_default();
                    let actual = l.registrable.clone().unwrap_or_else(host);
                    f.add("links.text_href_mismatch", &[("shown", shown), ("actual", actual)], ev());
                    f.add("links.text_href_mismatch", &[], Evidence::body("anchor text", &text));
                }
                TAG_IP_LITERAL => {
                    if let Some(ip) = l.ip
                        && !domain::is_non_public(&ip)
                        && !is_autolinked_number(l, &ip)
                    {
                        f.add("links.ip_literal", &[("ip", ip.to_string())], ev());
                    }
                }
                TAG_IP_OBFUSCATED => {
                    let ip = l.ip.map(|i| i.to_string()).unwrap_or_default();
                    f.add("links.ip_obfuscated", &[("ip", ip)], ev());
                }
                TAG_IP_IN_HOSTNAME => {
                    let ip = ip_in_hostname(&l.host).map(|i| i.to_string()).unwrap_or_default();
                    f.add("links.ip_in_hostname", &[("host", host()), ("ip", ip)], ev());
                }
                TAG_DYNAMIC_DNS => {
                    let zone = signals::dynamic_dns_zone(&l.host).unwrap_or_default().to_string();
                    f.add("links.dynamic_dns", &[("host", host()), ("zone", zone)], ev());
                }
                TAG_FREE_HOSTING => {
                    let zone = signals::free_hosting_zone(&l.host).unwrap_or_default().to_string();
                    if !is_senders_own_app(&l.host, sender_domain) {
                        f.add("links.free_hosting", &[("host", host()), ("zone", zone)], ev());
                    }
                }
                TAG_SHORTENER => f.add("links.shortener", &[("host", host())], ev()),
                TAG_PUNYCODE => {
                    let unicode = l.host_unicode.clone().unwrap_or_else(host);
                    f.add("links.punycode", &[("host", host()), ("unicode", unicode)], ev());
                }
                TAG_USERINFO => {
                    let userinfo = url::Url::parse(&l.url)
                        .map(|u| {
                            let user = u.username().to_string();
                            url::form_urlencoded::parse(format!("x={user}").as_bytes())
                                .next()
                                .map_or(user, |(_, v)| v.into_owned())
                        })
                        .unwrap_or_default();
                    f.add("links.userinfo", &[("userinfo", userinfo), ("host", host())], ev());
                }
                TAG_CPANEL_PORT => {
                    let port = l.port.map(|p| p.to_string()).unwrap_or_default();
                    f.add("links.cpanel_port", &[("host", host()), ("port", port)], ev());
                }
                TAG_NONSTANDARD_PORT => {
                    let port = l.port.map(|p| p.to_string()).unwrap_or_default();
                    f.add("links.nonstandard_port", &[("host", host()), ("port", port)], ev());
                }
                TAG_REDIRECT_PARAM => {
                    // The sender's own redirector (www.imakenews.com in mail from x.imakenews.net) is click
                    // tracking, not a hidden destination.
                    let name = l.registrable.as_deref().unwrap_or(&l.host).split('.').next().unwrap_or("");
                    if name.len() >= 4 && sender_domain.split('.').any(|label| label.eq_ignore_ascii_case(name)) {
                        continue;
                    }
                    let target =
                        url::Url::parse(&l.url).ok().and_then(|u| signals::embedded_url(&u)).unwrap_or_default();
                    f.add("links.redirect_param", &[("host", host()), ("target", target)], ev());
                }
                TAG_RANDOM_DOMAIN => {
                    let d = l.registrable.clone().unwrap_or_else(host);
                    f.add("links.random_domain", &[("domain", d)], ev());
                }
                TAG_COMPROMISED_PATH => {
                    let marker = url::Url::parse(&l.url)
                        .ok()
                        .and_then(|u| signals::compromised_site_path(u.path()))
                        .unwrap_or_default()
                        .to_string();
                    f.add("links.compromised_site_path", &[("host", host()), ("marker", marker)], ev());
                }
                TAG_CREDENTIAL_PATH => {
                    let file = url::Url::parse(&l.url)
                        .ok()
                        .and_then(|u| signals::credential_path(u.path()))
                        .unwrap_or_default();
                    f.add("links.credential_path", &[("host", host()), ("file", file)], ev());
                }
                TAG_JAVASCRIPT_URL => f.add("links.javascript_url", &[("url", l.url.clone())], ev()),
                TAG_DATA_URL => f.add("links.data_url", &[("url", l.url.clone())], ev()),
                _ => {}
            }
        }
        if l.sources.contains(&LinkSource::MetaRefresh) && !l.host.is_empty() {
            f.add("links.meta_refresh", &[("url", l.url.clone())], ev());
        }
    }
    // Images count here too (they are what an image host serves), but not the host's own mail.
    let sender_reg = domain::registrable(sender_domain).unwrap_or_default();
    for l in facts.links.iter().take(500) {
        if let Some(zone) = signals::image_host(&l.host)
            && sender_reg != zone
        {
            f.add("links.image_host", &[("host", l.host.clone()), ("zone", zone.to_string())], Evidence::url(&l.url));
        }
    }
    check_offsite_links(facts, cfg, &mut f);
    let forms = &facts.content.forms;
    let asking: Vec<&Form> = forms.iter().filter(|x| form_collects_data(x, facts)).collect();
    if !asking.is_empty() {
        let action = asking.iter().find_map(|x| x.action.clone()).unwrap_or_else(|| "-".to_string());
        let params = [("action", action), ("count", asking.len().to_string())];
        for form in asking.iter().take(8) {
            let ev = match &form.action {
                Some(a) => Evidence::url(a),
                None => Evidence::body("text/html", format!("<form> inputs: {}", form.input_names.join(", "))),
            };
            f.add("links.form_in_mail", &params, ev);
        }
    }
    let password_forms = forms.iter().filter(|x| x.has_password).count();
    if password_forms > 0 {
        let ev = forms
            .iter()
            .find(|x| x.has_password)
            .map(|x| {
                Evidence::body(
                    "text/html",
                    format!("<input type=password> in <form action={}>", x.action.as_deref().unwrap_or("-")),
                )
            })
            .unwrap_or_else(|| Evidence::body("text/html", "<input type=password>"));
        f.add("links.password_field", &[("count", password_forms.to_string())], ev);
    }
    let hidden_chars: usize = facts.content.hidden_text.iter().map(|h| h.chars().count()).sum();
    if hidden_chars >= HIDDEN_TEXT_SIGNAL_CHARS {
        let params = [("chars", hidden_chars.to_string())];
        for h in facts.content.hidden_text.iter().take(4) {
            f.add("links.hidden_text", &params, Evidence::body("hidden text", h));
        }
    }
    out.extend(f.0.into_values());
}

#[cfg(test)]
mod tests;
