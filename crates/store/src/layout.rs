//! The layout fingerprint: what stays the same when a phishing kit is reused with another brand name, another
//! victim name and other links ("the same kit"). It is a hash of the HTML's tag sequence with every tag's
//! attribute names (sorted) and nothing else: no text, no attribute values, no comments. Two mails from the
//! same template share it; a one-line edit of the markup does not (this is an exact match, cheap to look up).
//!
//! A light byte scanner, not an HTML parser: no DOM, one pass, bounded by `MAX_TAGS`.

use sha2::{Digest, Sha256};

/// Fewer tags than this is too little structure to tell kits apart (`<p>hello</p>` is everyone's).
pub const MIN_TAGS: usize = 15;
/// At most this many tags are read from one document.
const MAX_TAGS: usize = 5000;
/// Longest tag or attribute name kept, in bytes.
const MAX_NAME: usize = 32;
/// Attribute names kept per tag.
const MAX_ATTRS: usize = 16;

/// Tags whose content is not markup: skipped to their closing tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title"];

/// The fingerprint of one HTML document, `None` when it has fewer than `MIN_TAGS` tags.
pub fn fingerprint(html: &str) -> Option<String> {
    let tokens = tag_tokens(html);
    let tags = tokens.iter().filter(|t| !t.starts_with('/')).count();
    if tags < MIN_TAGS {
        return None;
    }
    let mut h = Sha256::new();
    for t in &tokens {
        h.update(t.as_bytes());
        h.update(b"\n");
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    Some(format!("h1:{hex}"))
}

fn name_at(bytes: &[u8], mut i: usize) -> (String, usize) {
    let start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':') {
        i += 1;
    }
    let end = i.min(start + MAX_NAME);
    (String::from_utf8_lossy(&bytes[start..end]).to_ascii_lowercase(), i)
}

/// Tokens: `tag attr1 attr2` for start tags (attribute names sorted), `/tag` for end tags.
fn tag_tokens(html: &str) -> Vec<String> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_TAGS {
        let Some(off) = memchr_lt(&b[i..]) else { break };
        i += off + 1;
        if b[i..].starts_with(b"!--") {
            i = find(b, i + 3, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        if i < b.len() && (b[i] == b'!' || b[i] == b'?') {
            i = find(b, i, b">").map_or(b.len(), |e| e + 1);
            continue;
        }
        let closing = i < b.len() && b[i] == b'/';
        if closing {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        let (name, after) = name_at(b, i);
        i = after;
        if closing {
            out.push(format!("/{name}"));
            i = find(b, i, b">").map_or(b.len(), |e| e + 1);
            continue;
        }
        // Attributes: names only, values skipped (quoted or not).
        let mut attrs: Vec<String> = Vec::new();
        while i < b.len() && b[i] != b'>' {
            let c = b[i];
            if c.is_ascii_alphabetic() {
                let (a, after) = name_at(b, i);
                if attrs.len() < MAX_ATTRS && !a.is_empty() {
                    attrs.push(a);
                }
                i = after.max(i + 1);
                // Skip `= value`.
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && b[i] == b'=' {
                    i += 1;
                    while i < b.len() && b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                        let q = [b[i]];
                        i = find(b, i + 1, &q).map_or(b.len(), |e| e + 1);
                    } else {
                        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                            i += 1;
                        }
                    }
                }
            } else {
                i += 1;
            }
        }
        attrs.sort();
        attrs.dedup();
        let raw_text = RAW_TEXT.contains(&name.as_str());
        let mut token = name.clone();
        for a in attrs {
            token.push(' ');
            token.push_str(&a);
        }
        out.push(token);
        if raw_text {
            // Jump to `</name`; its end tag is then read as usual.
            let close = format!("</{name}");
            i = find_ci(b, i, close.as_bytes()).unwrap_or(b.len());
        }
    }
    out
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'<')
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= b.len() || needle.is_empty() {
        return None;
    }
    b[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn find_ci(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= b.len() || needle.is_empty() {
        return None;
    }
    b[from..].windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle)).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str, link: &str, extra: &str) -> String {
        format!(
            r#"<html><head><meta charset="utf-8"><title>{name}</title><style>p {{ color: red }}</style></head>
<body><div style="font-family:sans-serif"><h2>{name} payment problem</h2><p>Dear {name} customer</p>
<p>Please update.</p><ol><li>one</li><li>two</li><li>three</li></ol>
<p><a href="{link}" class="btn">Confirm</a></p><p>{extra}</p><table><tr><td>x</td></tr></table></div></body></html>"#
        )
    }

    #[test]
    fn same_template_with_other_names_and_links_matches() {
        let a = fingerprint(&page("Amazon", "https://www.4ztfqg8.cn", "a")).unwrap();
        let b = fingerprint(&page("Rakuten", "https://other.example.top/x?y=1", "different text here")).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn different_markup_differs() {
        let a = fingerprint(&page("Amazon", "https://x.cn", "a")).unwrap();
        let b = fingerprint(&page("Amazon", "https://x.cn", "<b>bold</b>")).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn small_documents_have_no_fingerprint() {
        assert_eq!(fingerprint("<p>hello</p>"), None);
        assert_eq!(fingerprint(""), None);
    }

    #[test]
    fn hostile_markup_does_not_panic() {
        for s in ["<", "<<<<", "<a href=\"", "<!--", "<script>", "<a b='c", "</", "<a\u{3042}>", "<あ"] {
            let _ = fingerprint(s);
            let _ = fingerprint(&s.repeat(1000));
        }
    }
}
