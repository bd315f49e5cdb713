//! URLs written as plain text: `http(s)://`, defanged `hxxp(s)://`, and `www.` hosts without a scheme.
//!
//! Japanese mail glues ASCII URLs to the surrounding text (`こちらhttps://www.4ztfqg8.cn/から`), so a URL ends
//! at the first character that cannot be part of it, full-width forms and CJK punctuation included; trailing
//! sentence punctuation is trimmed. A host may be an IDN written in Unicode, but only when its label starts
//! with a non-ASCII letter: an ASCII label followed by kana is a URL followed by text.

/// Longest URL taken from text, in bytes; the rest of an absurdly long run is skipped.
const URL_MAX: usize = 4096;

/// Where a URL starts in text: `https://`, `http://`, `hxxps://`, `hxxp://` or `www.`, in any case.
struct Start {
    start: usize,
    end: usize,
    is_www: bool,
}

/// Every start of a URL in text, in order. No two occurrences of these patterns can overlap (none contains
/// another's first letter where it would have to), so they are found from their separators, `:` and `.`:
/// one SIMD search for two bytes that are rare in text, instead of an automaton stepping through every byte.
fn starts(text: &str) -> impl Iterator<Item = Start> + '_ {
    let b = text.as_bytes();
    let before = move |p: usize, prefix: &[u8]| {
        p.checked_sub(prefix.len()).is_some_and(|s| b.get(s..p).is_some_and(|w| w.eq_ignore_ascii_case(prefix)))
    };
    memchr::memchr2_iter(b':', b'.', b).filter_map(move |p| {
        if b.get(p) == Some(&b'.') {
            return before(p, b"www").then(|| Start { start: p - 3, end: p + 1, is_www: true });
        }
        if b.get(p + 1..p + 3) != Some(b"//") {
            return None;
        }
        let scheme = [b"https" as &[u8], b"http", b"hxxps", b"hxxp"].into_iter().find(|s| before(p, s))?;
        Some(Start { start: p - scheme.len(), end: p + 3, is_www: false })
    })
}

/// A URL found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextUrl {
    /// Byte offset of the URL in the text.
    pub start: usize,
    /// The URL, normalised: `hxxp` -> `http`, `www.` prefixed with `http://`.
    pub url: String,
}

/// ASCII characters allowed in the authority part (userinfo, host, port).
fn authority_ascii(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, b'-' | b'.' | b'_' | b'~' | b'%' | b'@' | b':' | b'!' | b'$' | b'&' | b'+' | b',' | b';' | b'=')
        || c == b'[' // IPv6 literal
        || c == b']'
}

/// ASCII characters allowed in the path, query and fragment.
fn path_ascii(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'@'
                | b':'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'/'
                | b'?'
                | b'#'
                | b'['
                | b']'
        )
}

/// A non-ASCII character that may be part of an IDN label: a letter or digit that is not a full-width form.
fn idn_char(c: char) -> bool {
    c.is_alphanumeric() && !('\u{ff00}'..='\u{ffef}').contains(&c)
}

/// End (exclusive) of the authority starting at `from`.
fn scan_authority(s: &str, from: usize) -> usize {
    let mut end = from;
    // Whether the current label started with a non-ASCII letter; None at a label start.
    let mut label_unicode: Option<bool> = None;
    for (off, c) in s[from..].char_indices() {
        if c.is_ascii() {
            let b = c as u8;
            if !authority_ascii(b) {
                break;
            }
            if matches!(b, b'.' | b'@' | b':') {
                label_unicode = None;
            } else if label_unicode.is_none() {
                label_unicode = Some(false);
            }
        } else {
            match label_unicode {
                None if idn_char(c) => label_unicode = Some(true),
                Some(true) if idn_char(c) => {}
                _ => break,
            }
        }
        end = from + off + c.len_utf8();
        if end - from > URL_MAX {
            break;
        }
    }
    end
}

/// End (exclusive) of the ASCII path/query/fragment run starting at `from`.
fn scan_path(s: &str, from: usize) -> usize {
    let b = s.as_bytes();
    let mut end = from;
    while end < b.len() && path_ascii(b[end]) {
        end += 1;
    }
    end
}

/// Trim trailing punctuation that belongs to the sentence, keeping balanced closing brackets.
fn trim_trailing(url: &str) -> &str {
    let mut u = url;
    loop {
        let Some(last) = u.chars().last() else { return u };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '*' => true,
            ')' => u.matches('(').count() < u.matches(')').count(),
            ']' => u.matches('[').count() < u.matches(']').count(),
            _ => false,
        };
        if !drop {
            return u;
        }
        u = &u[..u.len() - last.len_utf8()];
    }
}

/// Find URLs in text, in order, at most `max`.
pub fn find(text: &str, max: usize) -> Vec<TextUrl> {
    let mut out = Vec::new();
    let mut consumed = 0;
    for m in starts(text) {
        if out.len() >= max {
            break;
        }
        let Start { start, end: match_end, is_www } = m;
        if start < consumed {
            continue;
        }
        let b = text.as_bytes();
        if is_www
            && start > 0
            && b.get(start - 1)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'/' | b'@' | b'%'))
        {
            continue;
        }
        let auth_start = if is_www { start } else { match_end };
        let auth_end = scan_authority(text, auth_start);
        let end = if text.as_bytes().get(auth_end).is_some_and(|&c| matches!(c, b'/' | b'?' | b'#')) {
            scan_path(text, auth_end)
        } else {
            auth_end
        };
        consumed = end.max(match_end);
        let raw = trim_trailing(&text[start..end]);
        let raw = crate::html::cut(raw, URL_MAX);
        // Host: after the last '@' of the authority, before a port.
        let auth = &text[auth_start..auth_end.min(start + raw.len()).max(auth_start)];
        let host = auth.rsplit('@').next().unwrap_or("");
        let host = if host.starts_with('[') { host } else { host.split(':').next().unwrap_or("") };
        if host.is_empty() || !(host.contains('.') || host.starts_with('[')) || host.starts_with('.') {
            continue;
        }
        if is_www && crate::domain::registrable(host).is_none() {
            continue;
        }
        let url = if is_www {
            format!("http://{raw}")
        } else if raw.as_bytes().get(1).is_some_and(|c| c.eq_ignore_ascii_case(&b'x')) {
            // hxxp(s):// -> http(s)://
            let rest = &raw[4..];
            format!("http{rest}")
        } else {
            raw.to_string()
        };
        out.push(TextUrl { start, url });
    }
    out
}

/// The host a piece of visible text displays, when the text is itself a URL or a bare domain name
/// (`https://www.amazon.co.jp/...`, `www.amazon.co.jp`, `Amazon.co.jp`). None for ordinary words like
/// "Click here" or "会員特典とお支払い方法の確認".
pub fn displayed_host(text: &str) -> Option<String> {
    let t = text.trim().trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | '「' | '」' | '"' | '\'' | '“' | '”')
    });
    if t.is_empty() || t.len() > 2048 {
        return None;
    }
    // A URL with a scheme or www. anywhere in short text ("Visit https://x.example now").
    if let Some(u) = find(t, 1).into_iter().next() {
        return url::Url::parse(&u.url).ok()?.host_str().map(str::to_ascii_lowercase);
    }
    if t.contains(char::is_whitespace) {
        return None;
    }
    // A bare domain, possibly with a path: every char a host char, a dot, a known public suffix.
    let t = trim_trailing(t);
    let host = t.split(['/', '?', '#']).next().unwrap_or("");
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') || host.contains("..") {
        return None;
    }
    if !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || (!c.is_ascii() && idn_char(c))) {
        return None;
    }
    // The last label must be alphabetic (or punycode): "1.5" or "v2.0" are not domains.
    let tld = host.rsplit('.').next().unwrap_or("");
    if !(tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--")) {
        return None;
    }
    let ascii = crate::domain::to_ascii(host)?;
    crate::domain::registrable(&ascii)?;
    Some(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn urls(t: &str) -> Vec<String> {
        find(t, 100).into_iter().map(|u| u.url).collect()
    }

    #[test]
    fn url_glued_to_japanese_text() {
        assert_eq!(urls("こちらhttps://www.4ztfqg8.cn/から"), ["https://www.4ztfqg8.cn/"]);
        assert_eq!(urls("こちらhttps://www.4ztfqg8.cnからログイン"), ["https://www.4ztfqg8.cn"]);
        assert_eq!(urls("URL：https://example.com/a?b=c。"), ["https://example.com/a?b=c"]);
        assert_eq!(urls("「https://example.com/x」をご確認ください"), ["https://example.com/x"]);
        assert_eq!(urls("ｈｔｔｐｓ：／／example.com"), Vec::<String>::new());
    }

    #[test]
    fn trailing_punctuation_and_brackets() {
        assert_eq!(urls("see (https://example.com/a)."), ["https://example.com/a"]);
        assert_eq!(urls("https://en.wikipedia.org/wiki/Foo_(bar), ok"), ["https://en.wikipedia.org/wiki/Foo_(bar)"]);
        assert_eq!(urls("<https://example.com/>"), ["https://example.com/"]);
        assert_eq!(urls("'https://example.com/q?a=1'"), ["https://example.com/q?a=1"]);
    }

    #[test]
    fn defanged_www_and_case() {
        assert_eq!(urls("hxxps://evil.example/login"), ["https://evil.example/login"]);
        assert_eq!(urls("HTTP://EXAMPLE.COM"), ["HTTP://EXAMPLE.COM"]);
        assert_eq!(urls("visit www.amazon.co.jp today"), ["http://www.amazon.co.jp"]);
        assert_eq!(urls("https://www.example.com/"), ["https://www.example.com/"]);
        assert_eq!(urls("mail me at bob@www.example.com or www.notatld"), Vec::<String>::new());
        assert_eq!(urls("https://amazon.co.jp@evil.example/x"), ["https://amazon.co.jp@evil.example/x"]);
        assert_eq!(urls("http://"), Vec::<String>::new());
    }

    #[test]
    fn unicode_idn_host() {
        assert_eq!(urls("https://日本語.jp/から"), ["https://日本語.jp/"]);
    }

    #[test]
    fn displayed_hosts() {
        assert_eq!(displayed_host(" https://www.amazon.co.jp/gp/ ").as_deref(), Some("www.amazon.co.jp"));
        assert_eq!(displayed_host("Amazon.co.jp").as_deref(), Some("amazon.co.jp"));
        assert_eq!(displayed_host("www.smbc-card.com/mem/index.jsp").as_deref(), Some("www.smbc-card.com"));
        assert_eq!(displayed_host("Click here"), None);
        assert_eq!(displayed_host("会員特典とお支払い方法の確認"), None);
        assert_eq!(displayed_host("version 1.5"), None);
        assert_eq!(displayed_host("report.pdf"), None);
        assert_eq!(displayed_host("support@amazon.co.jp"), None);
    }

    /// URL starts as the Aho-Corasick automaton found them before `starts` (leftmost-first, non-overlapping).
    fn starts_by_automaton(text: &str) -> Vec<(usize, usize, bool)> {
        let ac = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(["https://", "http://", "hxxps://", "hxxp://", "www."])
            .unwrap();
        ac.find_iter(text).map(|m| (m.start(), m.end(), m.pattern().as_usize() == 4)).collect()
    }

    proptest! {
        #[test]
        fn starts_match_the_automaton(parts in proptest::collection::vec(prop_oneof![
            Just("http"), Just("HTTPS"), Just("hxxp"), Just("hXxPs"), Just("s"), Just(":"), Just("//"), Just("/"),
            Just("www"), Just("WwW"), Just("w"), Just("."), Just("h"), Just("日本"), Just(" "), Just("x"),
        ], 0..30)) {
            let input: String = parts.concat();
            let found: Vec<_> = starts(&input).map(|m| (m.start, m.end, m.is_www)).collect();
            prop_assert_eq!(found, starts_by_automaton(&input));
        }

        #[test]
        fn never_panics_and_is_bounded(input in ".{0,300}") {
            let found = find(&input, 5);
            prop_assert!(found.len() <= 5);
            for u in &found {
                prop_assert!(u.url.len() <= URL_MAX + 8);
                prop_assert!(input.is_char_boundary(u.start));
            }
            let _ = displayed_host(&input);
        }

        #[test]
        fn never_panics_on_url_soup(parts in proptest::collection::vec(prop_oneof![
            Just("http://"), Just("hxxps://"), Just("www."), Just("."), Just("@"), Just(":"), Just("日本"), Just("から"),
            Just("a"), Just("com"), Just("/"), Just(")"), Just("("), Just("["), Just("]"), Just("ｘ"), Just(" "),
        ], 0..40)) {
            let input: String = parts.concat();
            let _ = find(&input, 50);
            let _ = displayed_host(&input);
        }
    }
}
