//! The big shared providers (data/shared_providers.toml): domains whose values never link two analyses.

use serde::Deserialize;
use std::collections::HashSet;
use std::sync::LazyLock;

#[derive(Deserialize)]
struct File {
    webmail: Vec<String>,
    mail_platforms: Vec<String>,
    cloud: Vec<String>,
}

struct Lists {
    all: HashSet<String>,
    mail: HashSet<String>,
    webmail: HashSet<String>,
}

static SHARED: LazyLock<Lists> = LazyLock::new(|| {
    // Part of the build; a broken file is a defect caught by the test below.
    let f: File = toml::from_str(include_str!("../data/shared_providers.toml"))
        .unwrap_or_else(|e| panic!("data/shared_providers.toml: {e}"));
    let lower = |v: Vec<String>| v.into_iter().map(|d| d.to_ascii_lowercase()).collect::<Vec<_>>();
    let (webmail, platforms, cloud) = (lower(f.webmail), lower(f.mail_platforms), lower(f.cloud));
    let mail: HashSet<String> = webmail.iter().chain(platforms.iter()).cloned().collect();
    let all = mail.iter().cloned().chain(cloud).collect();
    Lists { all, mail, webmail: webmail.into_iter().collect() }
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

#[cfg(test)]
mod tests {
    use super::*;

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
