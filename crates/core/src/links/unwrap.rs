//! Link wrappers: mail security gateways and redirectors rewrite every link into their own URL carrying the
//! original. The report is about where the reader would land, so the original is recovered; the wrapper is
//! kept in `Link::wrapped_in`.
//!
//! Known formats: Microsoft Defender Safe Links (`*.safelinks.protection.outlook.com/?url=`), Proofpoint URL
//! Defense v1/v2 (`urldefense.proofpoint.com/v2/url?u=` with `-`→`%`, `_`→`/`) and v3
//! (`urldefense.com/v3/__URL__;BASE64!!...`), Google (`www.google.*/url?q=`), Facebook (`l.facebook.com/l.php?u=`).
//! Mimecast and Barracuda links are opaque (the original is stored server-side) and stay as they are.

use std::borrow::Cow;
use url::Url;

/// Parameter value of the first `name` in the query, percent-decoded.
fn query_param(u: &Url, name: &str) -> Option<String> {
    u.query_pairs().take(64).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Base64, standard or URL-safe alphabet, padding optional (Proofpoint v3's replaced characters, URLs
/// hidden in query parameters).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Proofpoint v3: `https://urldefense.com/v3/__https://example.com/a*b__;Kg!!token$`. Each `*` in the URL stands
/// for the next character of the base64 block; `**X` for a run of `X`-coded length.
fn proofpoint_v3(raw: &str) -> Option<String> {
    let at = raw.find("/v3/__")?;
    let rest = &raw[at + 6..];
    let end = rest.find("__;")?;
    let encoded = percent_decode(&rest[..end]);
    let after = &rest[end + 3..];
    let bytes_part = &after[..after.find('!').unwrap_or(after.len())];
    let replacements: Vec<char> = String::from_utf8(base64_decode(bytes_part)?).ok()?.chars().collect();
    let mut out = String::with_capacity(encoded.len());
    let mut next = 0usize;
    let mut chars = encoded.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '*' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'*') {
            chars.next();
            let code = chars.next()?;
            let run = run_length(code)?;
            for _ in 0..run {
                out.push(*replacements.get(next)?);
                next += 1;
            }
        } else {
            out.push(*replacements.get(next)?);
            next += 1;
        }
    }
    Some(out)
}

/// Run lengths of Proofpoint v3: A..Z a..z 0..9 - _ code 2, 3, 4, ...
fn run_length(code: char) -> Option<usize> {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    alphabet.find(code).map(|i| i + 2)
}

/// Proofpoint v2: `u=https-3A__example.com_path` (`-XX` is `%XX`, `_` is `/`).
fn proofpoint_v2(u: &str) -> String {
    percent_decode(&u.replace('-', "%").replace('_', "/"))
}

/// If `u` is a known wrapper, the URL it carries.
pub fn unwrap_once(u: &Url) -> Option<String> {
    let host = u.host_str()?;
    let path = u.path();
    let inner = if host.ends_with(".safelinks.protection.outlook.com") {
        query_param(u, "url")
    } else if host == "urldefense.proofpoint.com" {
        let q = query_param(u, "u")?;
        if path.starts_with("/v1/") { Some(q) } else { Some(proofpoint_v2(&q)) }
    } else if host == "urldefense.com" && path.starts_with("/v3/") {
        proofpoint_v3(u.as_str())
    } else if (host.starts_with("www.google.") || host.starts_with("google.")) && path == "/url" {
        query_param(u, "q").or_else(|| query_param(u, "url"))
    } else if matches!(host, "l.facebook.com" | "lm.facebook.com" | "l.instagram.com") && path == "/l.php" {
        query_param(u, "u")
    } else {
        None
    }?;
    let inner = inner.trim();
    let lower = inner.get(..8).unwrap_or(inner).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then(|| inner.to_string())
}

/// Unwrap nested wrappers (a Safe Link around a Proofpoint link), at most a few levels.
/// Returns the innermost URL as written, parsed, and the outermost wrapper when anything was unwrapped.
pub fn unwrap(raw: &str, u: Url) -> (Cow<'_, str>, Url, Option<String>) {
    let Some(first) = unwrap_once(&u) else {
        return (Cow::Borrowed(raw), u, None);
    };
    let outer = u.to_string();
    let Ok(mut cur) = Url::parse(&first) else {
        return (Cow::Borrowed(raw), u, None);
    };
    let mut cur_raw = first;
    for _ in 0..3 {
        let Some(inner) = unwrap_once(&cur) else { break };
        let Ok(next) = Url::parse(&inner) else { break };
        cur = next;
        cur_raw = inner;
    }
    (Cow::Owned(cur_raw), cur, Some(outer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unwrapped(s: &str) -> String {
        unwrap(s, Url::parse(s).unwrap()).1.to_string()
    }

    #[test]
    fn safelinks() {
        let s = "https://jpn01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.4ztfqg8.cn%2Flogin%3Fa%3D1&data=05%7C01&reserved=0";
        let (_, u, w) = unwrap(s, Url::parse(s).unwrap());
        assert_eq!(u.as_str(), "https://www.4ztfqg8.cn/login?a=1");
        assert!(w.unwrap().contains("safelinks"));
    }

    #[test]
    fn proofpoint_v1_v2_v3() {
        assert_eq!(
            unwrapped("https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_path_x-3Fa-3D1&d=DwMF&c=x"),
            "https://evil.example/path/x?a=1"
        );
        assert_eq!(
            unwrapped("https://urldefense.proofpoint.com/v1/url?u=http://evil.example/a&k=abc"),
            "http://evil.example/a"
        );
        // "*" replaced by the decoded "?" ("Pw" is base64 of "?").
        assert_eq!(
            unwrapped("https://urldefense.com/v3/__https://evil.example/login*a=1__;Pw!!ABC$"),
            "https://evil.example/login?a=1"
        );
    }

    #[test]
    fn google_and_facebook_redirects() {
        assert_eq!(unwrapped("https://www.google.com/url?q=https://evil.example/&sa=D"), "https://evil.example/");
        assert_eq!(
            unwrapped("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=x"),
            "https://evil.example/"
        );
        // Not a wrapper: left alone.
        assert_eq!(
            unwrapped("https://www.google.com/search?q=https://x.example"),
            "https://www.google.com/search?q=https://x.example"
        );
        // A wrapper carrying something that is not a web URL is left alone.
        assert_eq!(
            unwrapped("https://www.google.com/url?q=javascript:alert(1)"),
            "https://www.google.com/url?q=javascript:alert(1)"
        );
    }

    #[test]
    fn nested_wrappers() {
        let inner = "https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_&d=x";
        let outer = format!(
            "https://nam02.safelinks.protection.outlook.com/?url={}",
            url::form_urlencoded::byte_serialize(inner.as_bytes()).collect::<String>()
        );
        assert_eq!(unwrapped(&outer), "https://evil.example/");
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "https://urldefense.com/v3/__https://x*__;!!",
            "https://urldefense.com/v3/__https://x**Z__;QUJD!!",
            "https://urldefense.com/v3/__https://x__;$$$!!",
            "https://urldefense.proofpoint.com/v2/url?u=-ZZ-",
        ] {
            let _ = unwrap(s, Url::parse(s).unwrap());
        }
    }
}
