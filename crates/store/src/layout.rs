//! The layout fingerprint: what stays the same when a phishing kit is reused with another brand name, another
//! victim name and other links ("the same kit"). It is a hash of the HTML's tag sequence with every tag's
//! attribute names (sorted) and nothing else: no text, no attribute values, no comments. Two mails from the
//! same template share it; a one-line edit of the markup does not (this is an exact match, cheap to look up).
//!
//! A light byte scanner, not an HTML parser: no DOM, one pass, bounded by `MAX_TAGS`. It reads the HTML bodies
//! as the analysis decoded them (`indicators::LayoutsOfHtml`); tag and attribute names are ASCII, so the
//! charset makes no difference.

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
    fingerprint_bytes(html.as_bytes())
}

/// As `fingerprint`, on the document's bytes in any ASCII-compatible charset.
pub fn fingerprint_bytes(html: &[u8]) -> Option<String> {
    let mut h = Sha256::new();
    let mut tags = 0usize;
    tag_tokens(html, |t| {
        if !t.starts_with('/') {
            tags += 1;
        }
        h.update(t.as_bytes());
        h.update(b"\n");
    });
    if tags < MIN_TAGS {
        return None;
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    Some(format!("h1:{hex}"))
}

/// Read the tag or attribute name at `i` into `out` (lower-cased, at most `MAX_NAME` bytes); returns the index
/// after the whole name. Names are ASCII by construction, so bytes map to chars one to one.
fn name_at(bytes: &[u8], mut i: usize, out: &mut String) -> usize {
    let start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':') {
        i += 1;
    }
    let end = i.min(start + MAX_NAME);
    out.extend(bytes[start..end].iter().map(|c| char::from(c.to_ascii_lowercase())));
    i
}

/// Tokens: `tag attr1 attr2` for start tags (attribute names sorted), `/tag` for end tags, handed to `emit`
/// one by one (reused buffers, no allocation per tag: this runs on every stored message).
fn tag_tokens(b: &[u8], mut emit: impl FnMut(&str)) {
    let mut count = 0usize;
    let mut token = String::new();
    let mut name = String::new();
    // Attribute names of the current tag, as ranges into `attr_buf`.
    let mut attr_buf = String::new();
    let mut attrs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() && count < MAX_TAGS {
        let Some(off) = memchr::memchr(b'<', &b[i..]) else { break };
        i += off + 1;
        if b[i..].starts_with(b"!--") {
            i = find(b, i + 3, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        if i < b.len() && (b[i] == b'!' || b[i] == b'?') {
            i = find_byte(b, i, b'>').map_or(b.len(), |e| e + 1);
            continue;
        }
        let closing = i < b.len() && b[i] == b'/';
        if closing {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        name.clear();
        i = name_at(b, i, &mut name);
        count += 1;
        if closing {
            token.clear();
            token.push('/');
            token.push_str(&name);
            emit(&token);
            i = find_byte(b, i, b'>').map_or(b.len(), |e| e + 1);
            continue;
        }
        // Attributes: names only, values skipped (quoted or not).
        attr_buf.clear();
        attrs.clear();
        while i < b.len() && b[i] != b'>' {
            let c = b[i];
            if c.is_ascii_alphabetic() {
                let from = attr_buf.len();
                let after = name_at(b, i, &mut attr_buf);
                if attrs.len() < MAX_ATTRS && attr_buf.len() > from {
                    attrs.push((from, attr_buf.len()));
                } else {
                    attr_buf.truncate(from);
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
                        i = find_byte(b, i + 1, b[i]).map_or(b.len(), |e| e + 1);
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
        let attr = |r: &(usize, usize)| attr_buf.get(r.0..r.1).unwrap_or("");
        attrs.sort_by(|x, y| attr(x).cmp(attr(y)));
        attrs.dedup_by(|x, y| attr(x) == attr(y));
        token.clear();
        token.push_str(&name);
        for a in &attrs {
            token.push(' ');
            token.push_str(attr(a));
        }
        emit(&token);
        if RAW_TEXT.contains(&name.as_str()) {
            // Jump to `</name`; its end tag is then read as usual.
            i = find_end_tag(b, i, name.as_bytes()).unwrap_or(b.len());
        }
    }
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= b.len() || needle.is_empty() {
        return None;
    }
    memchr::memmem::find(&b[from..], needle).map(|p| p + from)
}

fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    memchr::memchr(needle, b.get(from..)?).map(|p| p + from)
}

/// The first `</name` (name compared ignoring ASCII case) at or after `from`.
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(at) = find_byte(b, i, b'<') {
        let rest = &b[at + 1..];
        if rest.first() == Some(&b'/') && rest.get(1..=name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name)) {
            return Some(at);
        }
        i = at + 1;
    }
    None
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
