//! What is structurally odd about one URL: the host (IP literal, an IP spelled inside a name, dynamic DNS,
//! free hosting, shortener, random-looking name), the port, the path (hijacked CMS paths, credential pages)
//! and URLs carried inside other URLs. Each test is cheap: set lookups over the host's suffixes and one pass
//! over short strings.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;

/// FNV-1a: the zone sets are fixed and small, and looked up for every suffix of every host; SipHash's
/// flooding resistance buys nothing here and costs most of the lookup.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type ZoneSet = HashSet<&'static str, BuildHasherDefault<Fnv>>;

/// Dynamic DNS, tunnels and auto-generated hosting names: anyone gets a name in seconds, for free.
const DYNAMIC_DNS: &[&str] = &[
    "duckdns.org",
    "no-ip.com",
    "no-ip.org",
    "no-ip.biz",
    "no-ip.info",
    "noip.me",
    "ddns.net",
    "hopto.org",
    "zapto.org",
    "sytes.net",
    "servehttp.com",
    "serveftp.com",
    "myftp.biz",
    "myftp.org",
    "redirectme.net",
    "servebeer.com",
    "bounceme.net",
    "myvnc.com",
    "webhop.me",
    "3utilities.com",
    "gotdns.ch",
    "ddnsking.com",
    "dynu.net",
    "dynu.com",
    "freeddns.org",
    "dyndns.org",
    "dyndns.info",
    "dynv6.net",
    "dynuddns.net",
    "ydns.eu",
    "nsupdate.info",
    "freemyip.com",
    "mooo.com",
    "us.to",
    "chickenkiller.com",
    "strangled.net",
    "afraid.org",
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "ngrok-free.dev",
    "trycloudflare.com",
    "serveo.net",
    "loca.lt",
    "localtunnel.me",
    "portmap.io",
    "cprapid.com",
    "nip.io",
    "sslip.io",
    "xip.io",
    "kozow.com",
    "ooguy.com",
    "theworkpc.com",
];

/// Free web hosting, site builders, app platforms, object storage and IPFS gateways: legitimate services
/// that phishing kits are parked on because they cost nothing and borrow a reputable name.
const FREE_HOSTING: &[&str] = &[
    "firebaseapp.com",
    "web.app",
    "appspot.com",
    "run.app",
    "cloudfunctions.net",
    "pages.dev",
    "workers.dev",
    "r2.dev",
    "netlify.app",
    "netlify.com",
    "vercel.app",
    "now.sh",
    "github.io",
    "gitlab.io",
    "glitch.me",
    "repl.co",
    "replit.app",
    "replit.dev",
    "herokuapp.com",
    "onrender.com",
    "fly.dev",
    "surge.sh",
    "weebly.com",
    "weeblysite.com",
    "wixsite.com",
    "wixstudio.io",
    "editorx.io",
    "000webhostapp.com",
    "blogspot.com",
    "wordpress.com",
    "webflow.io",
    "godaddysites.com",
    "square.site",
    "mystrikingly.com",
    "jimdosite.com",
    "jimdofree.com",
    "yolasite.com",
    "webnode.page",
    "site123.me",
    "tilda.ws",
    "framer.website",
    "framer.app",
    "notion.site",
    "carrd.co",
    "lovable.app",
    "glide.page",
    "amplifyapp.com",
    "azurewebsites.net",
    "web.core.windows.net",
    "blob.core.windows.net",
    "storage.googleapis.com",
    "firebasestorage.googleapis.com",
    "s3.amazonaws.com",
    "ipfs.io",
    "dweb.link",
    "ipfs.dweb.link",
    "cloudflare-ipfs.com",
    "w3s.link",
    "nftstorage.link",
    "gateway.pinata.cloud",
    "fleek.co",
    "ipfs.fleek.co",
    "sites.google.com",
    "forms.office.com",
    "typedream.app",
    "my.canva.site",
    "canva.site",
    "bubbleapps.io",
    "sharepoint-online.net",
    "ukit.me",
    "ucoz.net",
    "mobirisesite.com",
];

/// URL shorteners: the destination is hidden until the click. Brand-owned shorteners (amzn.to, youtu.be,
/// forms.gle) lead to the brand's own sites and are left out.
const SHORTENERS: &[&str] = &[
    "bit.ly",
    "bitly.com",
    "bit.do",
    "tinyurl.com",
    "t.co",
    "is.gd",
    "v.gd",
    "cutt.ly",
    "rb.gy",
    "ow.ly",
    "buff.ly",
    "goo.gl",
    "shorturl.at",
    "t.ly",
    "tiny.cc",
    "rebrand.ly",
    "s.id",
    "x.gd",
    "qrco.de",
    "shorturl.asia",
    "urlz.fr",
    "ux.nu",
    "urx.nu",
    "urx2.nu",
    "urx3.nu",
    "reurl.cc",
    "lihi.cc",
    "lihi1.cc",
    "lihi1.com",
    "lihi2.cc",
    "bl.ink",
    "cli.re",
    "clck.ru",
    "u.to",
    "soo.gd",
    "2u.pw",
    "n9.cl",
    "gg.gg",
    "ouo.io",
    "adf.ly",
    "shrtco.de",
    "chilp.it",
    "t2m.io",
    "tny.im",
    "qr.net",
    "short.gy",
    "shorte.st",
    "s.yam.com",
    "00m.in",
    "risu.io",
    "kutt.it",
    "tinu.be",
    "linkr.it",
    "bitly.ws",
    "yourls.org",
    "hyperurl.co",
    "url.ie",
    "cutt.us",
    "shrturi.com",
    "vo.la",
    "iplogger.org",
    "grabify.link",
];

/// Free image hosts. A company's mail carries its logo and pictures from its own servers or its mail provider's;
/// kits and spam runs paste theirs on anonymous image hosts, which need no account and survive takedowns.
const IMAGE_HOSTS: &[&str] = &[
    "imgur.com",
    "zupimages.net",
    "imgprom.com",
    "postimg.cc",
    "postimages.org",
    "ibb.co",
    "imgbb.com",
    "imageshack.com",
    "imageshack.us",
    "tinypic.com",
    "photobucket.com",
    "prnt.sc",
    "prntscr.com",
    "gyazo.com",
    "imgbox.com",
    "lensdump.com",
    "pixhost.to",
    "freeimage.host",
    "iili.io",
    "imagizer.imageshack.com",
    "casimages.com",
    "hostingpics.net",
    "noelshack.com",
    "servimg.com",
    "fastpic.org",
    "radikal.ru",
    "imgsrc.ru",
    "funkyimg.com",
    "picshack.net",
    "imagetwist.com",
    "imgpile.com",
    "pixxxels.cc",
];

/// Email service providers and click trackers: their redirect URLs are opaque by design and appear in most
/// legitimate newsletters, so a mismatch or an embedded URL behind them says nothing by itself.
const TRACKERS: &[&str] = &[
    "sendgrid.net",
    "list-manage.com",
    "mailchi.mp",
    "mandrillapp.com",
    "mailgun.org",
    "exacttarget.com",
    "exct.net",
    "awstrack.me",
    "awstrk.jp",
    "hubspotlinks.com",
    "hubspotemail.net",
    "hs-analytics.net",
    "createsend.com",
    "createsend1.com",
    "cmail19.com",
    "cmail20.com",
    "rs6.net",
    "constantcontact.com",
    "klclick.com",
    "klclick1.com",
    "klclick2.com",
    "klclick3.com",
    "klaviyomail.com",
    "mlsend.com",
    "mailerlite.com",
    "sendibt2.com",
    "sendibt3.com",
    "sendibm1.com",
    "sendinblue.com",
    "brevo.com",
    "mjt.lu",
    "mailjet.com",
    "doubleclick.net",
    "google-analytics.com",
    "substack.com",
    "beehiiv.com",
    "convertkit-mail.com",
    "ck.page",
    "mailpoet.com",
    "salesforce.com",
    "marketo.com",
    "mktoweb.com",
    "mkt.com",
    "pardot.com",
    "eloqua.com",
    "en25.com",
    "responsys.net",
    "bronto.com",
    "emltrk.com",
    "cuenote.jp",
    "bme.jp",
    "blastmail.jp",
    "magbee.jp",
    "benchmarkemail.com",
    "activehosted.com",
    "acemlna.com",
    "acemlnb.com",
    "acemlnc.com",
    "acemlnd.com",
    "aweber.com",
    "getresponse.com",
    "gr8.com",
    "linkedin.com",
    "facebookmail.com",
    "twitter.com",
    "x.com",
    "amazonaws.com",
    "sparkpostmail.com",
    "spmailtechnolo.com",
    "mailanyone.net",
    "ctrk.klclick.com",
    "urldefense.com",
    "mimecast.com",
    "mimecastprotect.com",
    "safelinks.protection.outlook.com",
    "barracudanetworks.com",
    "msgfocus.com",
    "emarsys.net",
    "e-rewards.com",
    "campaign-archive.com",
    "icptrack.com",
    "intercom-clicks.com",
    "customeriomail.com",
    "postmarkapp.com",
    "zoho.com",
    "zohocampaigns.com",
    "stripe.com",
    "shopify.com",
    "pstmrk.it",
    "mcsv.net",
    "mcdlv.net",
    "mailchimp.com",
    "mcusercontent.com",
];

/// Short domains that belong to a brand, with the brand's usual first label: `youtu.be` showing for a
/// `youtube.com` link is the same owner.
const BRAND_SHORT_DOMAINS: &[(&str, &str)] = &[
    ("youtu.be", "youtube"),
    ("amzn.to", "amazon"),
    ("amzn.asia", "amazon"),
    ("a.co", "amazon"),
    ("fb.me", "facebook"),
    ("fb.com", "facebook"),
    ("t.co", "twitter"),
    ("x.com", "twitter"),
    ("lnkd.in", "linkedin"),
    ("goo.gl", "google"),
    ("g.co", "google"),
    ("forms.gle", "google"),
    ("aka.ms", "microsoft"),
    ("1drv.ms", "microsoft"),
    ("live.com", "microsoft"),
    ("outlook.com", "microsoft"),
    ("office.com", "microsoft"),
    ("apple.co", "apple"),
    ("icloud.com", "apple"),
    ("wa.me", "whatsapp"),
    ("instagr.am", "instagram"),
    ("rkt.ms", "rakuten"),
];

/// The brand label of a site (its registrable domain's first label, or the brand a short domain belongs to).
pub fn brand_label(site: &str) -> &str {
    BRAND_SHORT_DOMAINS
        .iter()
        .find(|(d, _)| *d == site)
        .map_or_else(|| site.split('.').next().unwrap_or(site), |(_, b)| b)
}

fn set(list: &'static [&'static str]) -> ZoneSet {
    list.iter().copied().collect()
}

static DYNAMIC_DNS_SET: LazyLock<ZoneSet> = LazyLock::new(|| set(DYNAMIC_DNS));
static FREE_HOSTING_SET: LazyLock<ZoneSet> = LazyLock::new(|| set(FREE_HOSTING));
static SHORTENER_SET: LazyLock<ZoneSet> = LazyLock::new(|| set(SHORTENERS));
static TRACKER_SET: LazyLock<ZoneSet> = LazyLock::new(|| set(TRACKERS));
static IMAGE_HOST_SET: LazyLock<ZoneSet> = LazyLock::new(|| set(IMAGE_HOSTS));

/// The zone of `host` that is in `zones`: the host itself or one of its parent domains.
fn zone_in(host: &str, zones: &ZoneSet) -> Option<&'static str> {
    let mut h = host;
    loop {
        if let Some(z) = zones.get(h) {
            return Some(z);
        }
        let (_, parent) = h.split_once('.')?;
        h = parent;
    }
}

pub fn dynamic_dns_zone(host: &str) -> Option<&'static str> {
    zone_in(host, &DYNAMIC_DNS_SET)
}

/// Free-hosting zone of a host, from the curated list; `blogspot.*` in every country code too.
pub fn free_hosting_zone(host: &str) -> Option<&'static str> {
    if let Some(z) = zone_in(host, &FREE_HOSTING_SET) {
        return Some(z);
    }
    // blogspot.jp, blogspot.co.uk, ...
    let mut labels = host.rsplit('.');
    let (_, second, third) = (labels.next(), labels.next(), labels.next());
    (second == Some("blogspot") || third == Some("blogspot")).then_some("blogspot.com")
}

pub fn shortener(host: &str) -> Option<&'static str> {
    zone_in(host, &SHORTENER_SET)
}

/// The free image host serving `host`, if any.
pub fn image_host(host: &str) -> Option<&'static str> {
    zone_in(host, &IMAGE_HOST_SET)
}

/// Social profiles and web standards: any sender may link to its pages there, so such links say nothing about
/// who runs the mail's links.
pub const SOCIAL_DOMAINS: &[&str] = &[
    "facebook.com",
    "fb.com",
    "twitter.com",
    "x.com",
    "instagram.com",
    "youtube.com",
    "youtu.be",
    "linkedin.com",
    "line.me",
    "tiktok.com",
    "pinterest.com",
    "w3.org",
    "schema.org",
];

/// True when the host belongs to an email service provider or click tracker.
pub fn is_tracker(host: &str) -> bool {
    zone_in(host, &TRACKER_SET).is_some()
}

/// An IPv4 address spelled inside a host name: `3-137-150-20.cprapid.com`, `1.2.3.4.nip.io`,
/// `ec2-3-1-2-3.compute-1.amazonaws.com`, `static.1.2.3.4.clients.example`. Four consecutive numeric tokens
/// (split on `.` and `-`), each 0..=255.
pub fn ip_in_hostname(host: &str) -> Option<Ipv4Addr> {
    if crate::domain::host_ip(host).is_some() {
        return None;
    }
    let tokens: Vec<&str> = host.split(['.', '-']).take(64).collect();
    tokens.windows(4).find_map(|w| {
        let mut o = [0u8; 4];
        for (slot, t) in o.iter_mut().zip(w) {
            if t.is_empty() || t.len() > 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = t.parse().ok()?;
        }
        Some(Ipv4Addr::from(o))
    })
}

/// The host as written in the URL (between `://` or the start, and the path), without userinfo or port.
pub fn raw_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    if host_port.starts_with('[') {
        return host_port.split(']').next().map_or(host_port, |h| h.trim_start_matches('['));
    }
    host_port.split(':').next().unwrap_or("")
}

/// True when an IPv4 host was written in an obfuscated form (decimal `3232235777`, hex `0xc0a80101`,
/// octal `0300.0250.1.1`, short `192.168.257`): browsers accept these and readers do not recognise them.
pub fn ip_obfuscated(raw_host: &str, ip: &IpAddr) -> bool {
    let IpAddr::V4(v4) = ip else { return false };
    let canonical = v4.to_string();
    !raw_host.is_empty() && raw_host.trim_end_matches('.') != canonical
}

/// cPanel / WHM / webmail ports: the login pages of a hijacked or rented shared-hosting server.
pub fn is_cpanel_port(port: u16) -> bool {
    matches!(port, 2082 | 2083 | 2086 | 2087 | 2095 | 2096)
}

/// Paths of content management systems whose files phishing kits are dropped into on hijacked sites.
/// Images and documents under `wp-content/uploads` are ordinary blog content and do not count.
pub fn compromised_site_path(path: &str) -> Option<&'static str> {
    if !(path.contains("/wp-") || path.contains("/WP-") || path.contains("/.well-known/")) {
        return None;
    }
    let p = path.to_ascii_lowercase();
    const MARKERS: &[&str] = &["/wp-admin/", "/wp-includes/", "/wp-content/", "/.well-known/"];
    let m = MARKERS.iter().find(|m| p.contains(**m))?;
    if *m == "/wp-content/" {
        let ordinary =
            [".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".pdf", ".mp3", ".mp4", ".css", ".js", ".ico"];
        if ordinary.iter().any(|e| p.ends_with(e)) {
            return None;
        }
    }
    Some(m.trim_matches('/'))
}

/// A credential page by its file name (`login.php`, `signin.html`, `verify.aspx`, `webscr.php`): genuine
/// services rarely expose such script names, phishing kits nearly always do.
pub fn credential_path(path: &str) -> Option<String> {
    let file = path.rsplit('/').find(|s| !s.is_empty())?;
    let (_, ext) = file.rsplit_once('.')?;
    if !["php", "html", "htm", "asp", "aspx", "jsp", "cgi"].iter().any(|e| ext.eq_ignore_ascii_case(e)) {
        return None;
    }
    let file = file.to_ascii_lowercase();
    let (stem, _) = file.rsplit_once('.')?;
    const WORDS: &[&str] = &[
        "login",
        "logon",
        "signin",
        "sign-in",
        "verify",
        "verification",
        "webscr",
        "auth",
        "password",
        "account",
        "update",
        "secure",
        "confirm",
        "unlock",
        "validate",
    ];
    WORDS.iter().any(|w| stem.contains(w)).then(|| file.clone())
}

/// A web URL carried in a query parameter (`?url=https://...`, percent-encoded twice, or base64 `aHR0c...`)
/// or in the path (`/redirect/https://...`): the first hop redirects the reader somewhere else.
pub fn embedded_url(u: &url::Url) -> Option<String> {
    for (_, v) in u.query_pairs().take(32) {
        if let Some(found) = url_in_value(&v) {
            return Some(found);
        }
    }
    if let Some(frag) = u.fragment()
        && let Some(found) = url_in_value(frag)
    {
        return Some(found);
    }
    let path = u.path();
    // Every marker starts with "/http": most paths have none, and one search rules out all six.
    memchr::memmem::find(path.as_bytes(), b"/http")?;
    for marker in ["/http://", "/https://", "/http%3a", "/https%3a", "/http%3A", "/https%3A"] {
        if let Some(at) = path.find(marker) {
            return url_in_value(&path[at + 1..]);
        }
    }
    None
}

/// True when `s` starts with `prefix`, ASCII case-insensitively (no lower-cased copy: this runs for every
/// query parameter of every link).
fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn url_in_value(v: &str) -> Option<String> {
    let v = v.trim();
    let starts_web = |s: &str| starts_with_ignore_case(s, "http://") || starts_with_ignore_case(s, "https://");
    if starts_web(v) {
        return Some(v.to_string());
    }
    if starts_with_ignore_case(v, "http%3a%2f") || starts_with_ignore_case(v, "https%3a%2f") {
        let once: String = url::form_urlencoded::parse(format!("x={v}").as_bytes()).next()?.1.into_owned();
        return starts_web(&once).then_some(once);
    }
    // base64 of "http" is "aHR0c".
    if v.starts_with("aHR0c") && v.len() <= 4096 {
        let bytes = super::unwrap::base64_decode(v)?;
        let s = String::from_utf8(bytes).ok()?;
        let s = s.trim().to_string();
        return (starts_web(&s) && !s.contains(char::is_whitespace)).then_some(s);
    }
    None
}

/// How random a domain label looks, for names like `4ztfqg8` or `cljqxt` that kits register in bulk.
/// Cheap features: no vowels, long consonant runs, digits mixed into letters, improbable letter pairs.
/// Returns a score; `>= RANDOM_LABEL_THRESHOLD` counts as random. Tuned to stay quiet on popular domains.
pub fn randomness(label: &str) -> f32 {
    let bytes = label.as_bytes();
    if bytes.len() < 5 || bytes.len() > 63 || !bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
        return 0.0;
    }
    let lower = |b: u8| b.to_ascii_lowercase();
    let is_vowel = |b: u8| matches!(lower(b), b'a' | b'e' | b'i' | b'o' | b'u');
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    if letters < 4 {
        return 0.0;
    }
    let mut score = 0.0f32;
    let vowels = bytes.iter().filter(|b| is_vowel(**b)).count();
    let has_y = bytes.iter().any(|b| lower(*b) == b'y');
    // Five-letter acronyms (msnbc, bfmtv) have no vowels either; six consonants in a row rarely mean anything.
    if vowels == 0 && !has_y && letters >= 6 {
        score += 2.0;
    }
    // Longest consonant run, digits and hyphens breaking runs.
    let mut run = 0;
    let mut max_run = 0;
    for &b in bytes {
        if b.is_ascii_alphabetic() && !is_vowel(b) && lower(b) != b'y' {
            run += 1;
            max_run = max_run.max(run);
        } else {
            run = 0;
        }
    }
    if max_run >= 5 {
        score += 2.0;
    } else if max_run == 4 {
        score += 0.5;
    }
    // Digits interleaved with letters (4ztfqg8), not just a trailing number (web1, office365).
    let mut transitions = 0;
    for w in bytes.windows(2) {
        if w[0].is_ascii_digit() != w[1].is_ascii_digit() && w[0] != b'-' && w[1] != b'-' {
            transitions += 1;
        }
    }
    if transitions >= 4 {
        score += 3.0;
    } else if transitions == 3 {
        score += 2.0;
    } else if transitions == 2 && bytes.first().is_some_and(u8::is_ascii_digit) {
        score += 1.5;
    } else if transitions == 2 {
        score += 1.0;
    }
    // Letter pairs rare in English and romanised Japanese.
    let mut pairs = 0;
    let mut rare = 0;
    for w in bytes.windows(2) {
        if w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic() {
            pairs += 1;
            rare += usize::from(is_rare_pair([lower(w[0]), lower(w[1])]));
        }
    }
    if pairs >= 4 {
        let ratio = rare as f32 / pairs as f32;
        if ratio >= 0.5 {
            score += 1.5;
        } else if ratio >= 0.34 {
            score += 0.5;
        }
    }
    score
}

/// msnbc, bfmtv and pstmrk (acronyms, no vowels) score 2-4.5; 4ztfqg8 and cljqxt score 5-5.5.
pub const RANDOM_LABEL_THRESHOLD: f32 = 5.0;

/// Letter pairs that almost never occur inside words of English or romanised Japanese.
fn is_rare_pair(p: [u8; 2]) -> bool {
    let [a, b] = p;
    let is_vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    if is_vowel(a) || is_vowel(b) {
        return false;
    }
    // Consonant pairs common in English/romaji.
    const COMMON: &[&[u8; 2]] = &[
        b"th", b"sh", b"ch", b"st", b"nd", b"ng", b"nt", b"ns", b"ts", b"ll", b"ss", b"rs", b"rt", b"rd", b"rn", b"rm",
        b"rk", b"rl", b"rc", b"rg", b"rb", b"rp", b"rv", b"rf", b"rr", b"tr", b"pr", b"br", b"cr", b"dr", b"fr", b"gr",
        b"kr", b"wr", b"pl", b"bl", b"cl", b"fl", b"gl", b"sl", b"kl", b"sp", b"sc", b"sk", b"sm", b"sn", b"sw", b"st",
        b"ck", b"ct", b"ft", b"ld", b"lt", b"lk", b"lm", b"lp", b"lf", b"ls", b"mp", b"mb", b"nc", b"nk", b"nn", b"mm",
        b"pp", b"tt", b"ff", b"gg", b"dd", b"bb", b"cc", b"ph", b"wh", b"gh", b"kh", b"pt", b"xt", b"wn", b"wl", b"ws",
        b"tw", b"dw", b"gn", b"kn", b"ms", b"ds", b"ps", b"ks", b"ls", b"gs", b"bs", b"hn", b"ht", b"nf", b"nv", b"nj",
        b"nz", b"tz", b"zz", b"sq", b"pm", b"tv", b"hr", b"cs", b"nm", b"vn", b"bc", b"dn", b"hm", b"lv", b"rh",
    ];
    !COMMON.iter().any(|c| c[0] == a && c[1] == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        assert_eq!(dynamic_dns_zone("3-137-150-20.cprapid.com"), Some("cprapid.com"));
        assert_eq!(dynamic_dns_zone("evil.duckdns.org"), Some("duckdns.org"));
        assert_eq!(dynamic_dns_zone("www.kagoya.jp"), None);
        assert_eq!(free_hosting_zone("login-amazon.web.app"), Some("web.app"));
        assert_eq!(free_hosting_zone("x.blogspot.jp"), Some("blogspot.com"));
        assert_eq!(free_hosting_zone("sites.google.com"), Some("sites.google.com"));
        assert_eq!(free_hosting_zone("www.google.com"), None);
        assert_eq!(shortener("bit.ly"), Some("bit.ly"));
        assert_eq!(shortener("amzn.to"), None);
        assert!(is_tracker("u123.ct.sendgrid.net"));
        assert!(!is_tracker("www.4ztfqg8.cn"));
        assert_eq!(brand_label("youtu.be"), brand_label("youtube.com"));
        assert_eq!(brand_label("amazon.co.jp"), "amazon");
    }

    #[test]
    fn ips_in_host_names() {
        assert_eq!(ip_in_hostname("3-137-150-20.cprapid.com"), Some(Ipv4Addr::new(3, 137, 150, 20)));
        assert_eq!(ip_in_hostname("1.2.3.4.nip.io"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(ip_in_hostname("ec2-3-1-2-3.compute-1.amazonaws.com"), Some(Ipv4Addr::new(3, 1, 2, 3)));
        assert_eq!(ip_in_hostname("121.50.46.57"), None);
        assert_eq!(ip_in_hostname("www.2024-01-02.example.com"), None);
        assert_eq!(ip_in_hostname("mail-1-2.example.com"), None);
    }

    #[test]
    fn obfuscated_ips() {
        let ip: IpAddr = "192.168.1.1".parse().unwrap();
        assert!(ip_obfuscated("3232235777", &ip));
        assert!(ip_obfuscated("0xc0a80101", &ip));
        assert!(!ip_obfuscated("192.168.1.1", &ip));
        assert_eq!(raw_host("http://user@3232235777:80/x"), "3232235777");
    }

    #[test]
    fn paths() {
        assert_eq!(compromised_site_path("/wp-content/plugins/x/login/index.php"), Some("wp-content"));
        assert_eq!(compromised_site_path("/wp-content/uploads/2024/01/flyer.pdf"), None);
        assert_eq!(compromised_site_path("/.well-known/pki-validation/amazon/"), Some(".well-known"));
        assert_eq!(compromised_site_path("/products/shoes"), None);
        assert_eq!(compromised_site_path("/cgi-bin/htsearch"), None);
        assert_eq!(credential_path("/secure/Login.php").as_deref(), Some("login.php"));
        assert_eq!(credential_path("/ap/signin"), None);
        assert_eq!(credential_path("/index.html"), None);
    }

    #[test]
    fn embedded_urls() {
        let u = url::Url::parse("https://redirect.example/out?to=https%3A%2F%2Fevil.example%2Fx").unwrap();
        assert_eq!(embedded_url(&u).as_deref(), Some("https://evil.example/x"));
        let u = url::Url::parse("https://r.example/?u=aHR0cHM6Ly9ldmlsLmV4YW1wbGUv").unwrap();
        assert_eq!(embedded_url(&u).as_deref(), Some("https://evil.example/"));
        let u = url::Url::parse("https://r.example/go/https://evil.example/").unwrap();
        assert_eq!(embedded_url(&u).as_deref(), Some("https://evil.example/"));
        let u = url::Url::parse("https://shop.example/item?id=42&ref=mail").unwrap();
        assert_eq!(embedded_url(&u), None);
    }

    #[test]
    fn random_labels_from_the_seeds_score_high() {
        for l in ["4ztfqg8", "cljqxt", "xkqzvbt"] {
            assert!(randomness(l) >= RANDOM_LABEL_THRESHOLD, "{l}: {}", randomness(l));
        }
        for l in [
            "amazon",
            "kagoya",
            "rakuten",
            "mercari",
            "w3schools",
            "office365",
            "smbc-card",
            "mufg",
            "strengths",
            "nytimes",
            "dropbox",
        ] {
            assert!(randomness(l) < RANDOM_LABEL_THRESHOLD, "{l}: {}", randomness(l));
        }
    }

    /// The popular legitimate domains must not look random.
    #[test]
    fn top_domains_do_not_look_random() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/top500-domains.csv");
        let Ok(csv) = std::fs::read_to_string(path) else {
            eprintln!("top500-domains.csv not found at {path}; skipped");
            return;
        };
        let mut flagged = Vec::new();
        for line in csv.lines().skip(1) {
            let Some(domain) = line.split(',').nth(1) else { continue };
            let Some(reg) = crate::domain::registrable(domain) else { continue };
            let label = reg.split('.').next().unwrap_or("");
            if randomness(label) >= RANDOM_LABEL_THRESHOLD {
                flagged.push(reg);
            }
        }
        assert!(flagged.is_empty(), "flagged: {flagged:?}");
    }
}
