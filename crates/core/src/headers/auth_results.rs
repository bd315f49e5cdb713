//! Authentication-Results (RFC 8601), ARC-Authentication-Results (RFC 8617) and Received-SPF (RFC 7208 §9.1).
//!
//! These headers are only as honest as whoever wrote them: the caller decides which copies were added by the
//! recipient's side. This module only reads what a copy says: the authserv-id and the spf / dkim / dmarc / arc
//! results, tolerating Microsoft's id-less form (`spf=pass (sender IP is ...) ...;dmarc=pass ...`) and comments.

use crate::finding::cut_bytes as cut;

/// Longest part of a value read.
const MAX_PARSE_BYTES: usize = 8 << 10;
/// Most `;`-separated parts read.
const MAX_PARTS: usize = 32;
/// Longest result or property value kept.
const MAX_VALUE: usize = 255;

/// What one results header says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthResults {
    pub authserv_id: Option<String>,
    pub spf: Option<String>,
    pub dkim: Option<String>,
    pub dmarc: Option<String>,
    pub arc: Option<String>,
    /// Microsoft's composite authentication verdict (`compauth=fail`).
    pub compauth: Option<String>,
    /// `header.from=` of the dmarc result: the domain DMARC was evaluated for.
    pub dmarc_from: Option<String>,
}

impl AuthResults {
    /// True when any result claims a pass.
    pub fn claims_pass(&self) -> bool {
        [&self.spf, &self.dkim, &self.dmarc, &self.arc].into_iter().flatten().any(|r| r == "pass")
    }

    pub fn is_empty(&self) -> bool {
        self.spf.is_none() && self.dkim.is_none() && self.dmarc.is_none() && self.arc.is_none()
    }
}

/// Read an Authentication-Results or ARC-Authentication-Results value.
pub fn parse_auth_results(value: &str) -> AuthResults {
    let mut out = AuthResults::default();
    let mut first = true;
    for part in split_top_level(cut(value, MAX_PARSE_BYTES), ';').into_iter().take(MAX_PARTS) {
        let bare = strip_comments(part);
        let bare = bare.trim();
        if bare.is_empty() {
            continue;
        }
        // ARC: `i=1; authserv-id; ...`
        if first && is_arc_instance(bare) {
            continue;
        }
        if first {
            first = false;
            if !bare.contains('=') {
                // authserv-id [version]
                out.authserv_id = bare.split_whitespace().next().map(|w| bounded_lower(w.trim_end_matches('.')));
                continue;
            }
        }
        let mut words = bare.split_whitespace();
        let Some((method, result)) = words.next().and_then(|w| w.split_once('=')) else { continue };
        let method = method.to_ascii_lowercase();
        let result = bounded_lower(result);
        match method.as_str() {
            "spf" => set_first(&mut out.spf, result),
            // Several signatures: one pass is enough for DKIM to have authenticated the domain.
            "dkim" if out.dkim.as_deref() != Some("pass") => out.dkim = Some(result),
            "dmarc" if out.dmarc.is_none() => {
                out.dmarc = Some(result);
                out.dmarc_from = property(bare, "header.from");
            }
            "arc" => set_first(&mut out.arc, result),
            "compauth" => set_first(&mut out.compauth, result),
            _ => {}
        }
    }
    out
}

/// Read a Received-SPF value: the result and who wrote it (`pass (mx.example.jp: domain of ...)` or
/// `receiver=`).
pub fn parse_received_spf(value: &str) -> AuthResults {
    let value = cut(value.trim(), MAX_PARSE_BYTES);
    let mut out = AuthResults::default();
    let result = value.split(|c: char| c.is_whitespace() || c == '(' || c == ';').next().unwrap_or("");
    if result.is_empty() || result.contains('=') {
        return out;
    }
    out.spf = Some(bounded_lower(result));
    // The comment opens with the reporting host: "(protection.outlook.com: domain of ...)".
    let reporter = value
        .find('(')
        .and_then(|i| value.get(i + 1..))
        .and_then(|rest| rest.split([':', ')', ' ']).next())
        .filter(|w| w.contains('.'))
        .map(str::to_string);
    out.authserv_id = property(value, "receiver").or(reporter).map(|r| bounded_lower(&r));
    out
}

fn set_first(slot: &mut Option<String>, value: String) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

fn is_arc_instance(s: &str) -> bool {
    s.strip_prefix("i=").or_else(|| s.strip_prefix("I=")).is_some_and(|n| n.trim().bytes().all(|b| b.is_ascii_digit()))
}

/// `name=value` anywhere in the text (outside comments the caller already removed), value without `;`.
fn property(text: &str, name: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ';').find_map(|w| {
        let (k, v) = w.split_once('=')?;
        let v = v.trim_matches(|c: char| c == '"' || c == '<' || c == '>' || c == ',');
        (k.eq_ignore_ascii_case(name) && !v.is_empty()).then(|| bounded_lower(v))
    })
}

fn bounded_lower(s: &str) -> String {
    let mut end = s.len().min(MAX_VALUE);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_lowercase()
}

/// Split on `sep` outside parentheses and double quotes.
fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth = depth.saturating_add(1),
            ')' if !quoted => depth = depth.saturating_sub(1),
            c if c == sep && depth == 0 && !quoted => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
                if out.len() >= MAX_PARTS {
                    return out;
                }
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8601_with_authserv_id() {
        let a = parse_auth_results(
            "mx.example.jp; spf=pass smtp.mailfrom=bounces.amazon.co.jp; dkim=pass header.d=amazon.co.jp; \
             dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=amazon.co.jp",
        );
        assert_eq!(a.authserv_id.as_deref(), Some("mx.example.jp"));
        assert_eq!(a.spf.as_deref(), Some("pass"));
        assert_eq!(a.dkim.as_deref(), Some("pass"));
        assert_eq!(a.dmarc.as_deref(), Some("pass"));
        assert_eq!(a.dmarc_from.as_deref(), Some("amazon.co.jp"));
        assert!(a.claims_pass());
    }

    #[test]
    fn microsoft_without_authserv_id() {
        let a = parse_auth_results(
            "spf=softfail (sender IP is 202.129.206.234) smtp.mailfrom=example.or.th; dkim=none (message not \
             signed) header.d=none;dmarc=none action=none header.from=example.or.th;compauth=fail reason=001",
        );
        assert_eq!(a.authserv_id, None);
        assert_eq!(a.spf.as_deref(), Some("softfail"));
        assert_eq!(a.dkim.as_deref(), Some("none"));
        assert_eq!(a.dmarc.as_deref(), Some("none"));
        assert_eq!(a.compauth.as_deref(), Some("fail"));
        assert!(!a.claims_pass());
    }

    #[test]
    fn arc_results_and_multiple_signatures() {
        let a = parse_auth_results(
            "i=1; mx.google.com; dkim=fail header.i=@a.example; dkim=pass header.i=@b.example; \
             arc=pass (i=1 spf=pass); spf=pass (google.com: domain of x@b.example designates 192.0.2.1 as \
             permitted sender; extra) smtp.mailfrom=x@b.example; dmarc=fail (p=REJECT) header.from=c.example",
        );
        assert_eq!(a.authserv_id.as_deref(), Some("mx.google.com"));
        assert_eq!(a.dkim.as_deref(), Some("pass"));
        assert_eq!(a.arc.as_deref(), Some("pass"));
        assert_eq!(a.spf.as_deref(), Some("pass"));
        assert_eq!(a.dmarc.as_deref(), Some("fail"));
        assert_eq!(a.dmarc_from.as_deref(), Some("c.example"));
    }

    #[test]
    fn received_spf() {
        let a = parse_received_spf(
            "SoftFail (protection.outlook.com: domain of transitioning example.or.th discourages use of \
             202.129.206.234 as permitted sender)",
        );
        assert_eq!(a.spf.as_deref(), Some("softfail"));
        assert_eq!(a.authserv_id.as_deref(), Some("protection.outlook.com"));
        let a = parse_received_spf("Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; receiver=mx.example.net;");
        assert_eq!(a.spf.as_deref(), Some("pass"));
        assert_eq!(a.authserv_id.as_deref(), Some("mx.example.net"));
    }

    #[test]
    fn garbage_is_empty() {
        for g in ["", ";;;", "((((", "none", "x=", "=", "i=1;", "\u{3042}=\u{3044}; ;"] {
            let a = parse_auth_results(g);
            assert!(!a.claims_pass(), "{g}");
        }
        assert!(parse_received_spf("").spf.is_none());
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_and_stays_bounded(s in "[ -~\\PC]{0,400}") {
                for a in [parse_auth_results(&s), parse_received_spf(&s)] {
                    for v in [&a.authserv_id, &a.spf, &a.dkim, &a.dmarc, &a.arc, &a.dmarc_from].into_iter().flatten() {
                        prop_assert!(v.len() <= MAX_VALUE * 4);
                    }
                }
                let _ = super::super::super::date::parse_date(&s);
            }
        }
    }
}
