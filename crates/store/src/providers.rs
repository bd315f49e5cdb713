//! Domains whose values never link two analyses: the big shared providers (data/shared_providers.toml), the
//! popular legitimate sites (data/popular_domains.txt, the top 500) and the link redirectors of big companies
//! (`redirectors` in shared_providers.toml).
//!
//! Why: "seen before" must not turn a legitimate mail into a false alarm because it links to nytimes.com or
//! aka.ms like some earlier phishing mail did. Phishing kits copy genuine mails, footers and all, so what
//! popular sites share says nothing about who sent a mail.

use serde::Deserialize;
use std::collections::HashSet;
use std::sync::LazyLock;

#[derive(Deserialize)]
struct File {
    webmail: Vec<String>,
    mail_platforms: Vec<String>,
    cloud: Vec<String>,
    /// Click trackers and short links of big companies (aka.ms, us.click.yahoo.com): their URLs lead to the
    /// company's own pages and are copied into kits with the rest of a genuine mail, so even an exact URL
    /// links nothing.
    #[serde(default)]
    redirectors: Vec<String>,
}

struct Lists {
    all: HashSet<String>,
    mail: HashSet<String>,
    webmail: HashSet<String>,
    redirectors: HashSet<String>,
}

static SHARED: LazyLock<Lists> = LazyLock::new(|| {
    // Part of the build; a broken file is a defect caught by the test below.
    let f: File = toml::from_str(include_str!("../data/shared_providers.toml"))
        .unwrap_or_else(|e| panic!("data/shared_providers.toml: {e}"));
    let lower = |v: Vec<String>| v.into_iter().map(|d| d.to_ascii_lowercase()).collect::<Vec<_>>();
    let (webmail, platforms, cloud) = (lower(f.webmail), lower(f.mail_platforms), lower(f.cloud));
    let mail: HashSet<String> = webmail.iter().chain(platforms.iter()).cloned().collect();
    let all = mail.iter().cloned().chain(cloud).collect();
    Lists { all, mail, webmail: webmail.into_iter().collect(), redirectors: lower(f.redirectors).into_iter().collect() }
});

/// Registrable domains of popular legitimate sites (one a line, `#` comments).
static POPULAR: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/popular_domains.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

fn under(set: &HashSet<String>, host: &str) -> bool {
    let mut rest = host.trim_end_matches('.');
    for _ in 0..16 {
        if set.contains(rest) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, r)) if r.contains('.') => rest = r,
            _ => return false,
        }
    }
    false
}

/// True when `host` is (under) a webmail or mail platform: its relays carry everyone's mail, so even their
/// exact IP addresses say nothing about the sender.
pub fn is_mail_platform(host: &str) -> bool {
    under(&SHARED.mail, host)
}

/// True when `domain` is (under) a free webmail provider: its users' exact addresses are still their own.
pub fn is_webmail(domain: &str) -> bool {
    under(&SHARED.webmail, domain)
}

/// True when `host` is a listed provider or under one (`mail-sor-f41.google.com`, `x.s3.amazonaws.com`).
/// Bounded: at most 16 parent lookups.
pub fn is_shared(host: &str) -> bool {
    under(&SHARED.all, host)
}

/// True when `host`'s registrable domain is a popular legitimate site (news.bbc.co.uk, us.click.yahoo.com). By
/// registrable domain, not by suffix, so that a user's site under a hosting suffix (x.blogspot.com) is not.
pub fn is_popular(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if POPULAR.contains(host) {
        return true;
    }
    phishlens_core::domain::registrable(host).is_some_and(|r| POPULAR.contains(r.as_str()))
}

/// True when `host` is (under) a big company's link redirector: even its exact URLs link nothing.
pub fn is_redirector(host: &str) -> bool {
    under(&SHARED.redirectors, host)
}

/// A value under any of these never links two analyses by itself.
pub fn is_common(host: &str) -> bool {
    is_shared(host) || is_popular(host) || is_redirector(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popular_sites_and_redirectors() {
        for h in ["nytimes.com", "news.bbc.co.uk", "us.click.yahoo.com", "www.cnet.com", "t.co"] {
            assert!(is_popular(h), "{h}");
            assert!(is_common(h), "{h}");
        }
        for h in ["aka.ms", "us.click.yahoo.com", "go.microsoft.com"] {
            assert!(is_redirector(h), "{h}");
        }
        // Users' sites under a hosting provider, and unknown sites, are not popular.
        for h in ["evil.blogspot.com", "foo.sakura.ne.jp", "3-137-150-20.cprapid.com", "dury.agency", "xent.com"] {
            assert!(!is_popular(h), "{h}");
        }
        // Every line is a registrable domain (the file says it is reduced to them).
        let mut bad: Vec<&str> =
            POPULAR.iter().copied().filter(|d| phishlens_core::domain::registrable(d).as_deref() != Some(*d)).collect();
        bad.sort_unstable();
        assert!(bad.is_empty(), "not registrable domains: {bad:?}");
    }

    #[test]
    fn shared_providers_and_their_subdomains() {
        assert!(is_shared("gmail.com"));
        assert!(is_shared("mail-sor-f41.google.com"));
        assert!(is_shared("bucket.s3.amazonaws.com"));
        assert!(is_shared("storage.googleapis.com"));
        assert!(!is_shared("kagoya.jp"));
        assert!(!is_shared("3-137-150-20.cprapid.com"));
        assert!(!is_shared("com"));
        assert!(is_mail_platform("mail-sor-f41.google.com"));
        assert!(!is_mail_platform("ec2-3-98-12-45.ca-central-1.compute.amazonaws.com"));
    }
}
