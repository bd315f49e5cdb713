//! The layout fingerprint: what stays the same when a phishing kit is reused with another brand name, another
//! victim name and other links ("the same kit"). It is a hash of the HTML's tag sequence with every tag's
//! attribute names (sorted) and nothing else: no text, no attribute values, no comments. Two mails from the
//! same template share it; a one-line edit of the markup does not (this is an exact match, cheap to look up).
//!
//! A light byte scanner, not an HTML parser: no DOM, one pass, bounded by `MAX_TAGS`. The HTML is found in
//! the raw message by `html_parts`, a scan for part headers declaring text/html, not a MIME parse: the
//! fingerprint needs only the ASCII tag and attribute names, which every ASCII-compatible charset keeps as
//! they are, so only the transfer encoding is undone. (Re-parsing the whole message cost more than storing
//! it.)

use phishlens_core::parse::decode::{base64_lenient, qp_lenient};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// At most this many part header blocks are looked at in one message.
const MAX_BLOCKS: usize = 64;
/// At most this many HTML parts are returned.
const MAX_HTML_PARTS: usize = 4;

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

/// Lines of `b` with their start offsets (the line without its CR LF).
fn lines(b: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= b.len() {
            return None;
        }
        let start = pos;
        let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
        pos = end + 1;
        let line = &b[start..end];
        Some((start, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

/// The header value of `name` in a header block (folded lines joined), lower-cased.
fn header_value(block: &[u8], name: &[u8]) -> Option<String> {
    let mut out: Option<String> = None;
    for (_, line) in lines(block) {
        match &mut out {
            Some(v) if line.first().is_some_and(|c| *c == b' ' || *c == b'\t') => {
                v.push_str(&String::from_utf8_lossy(line).to_ascii_lowercase());
            }
            Some(_) => break,
            None => {
                if line.len() > name.len()
                    && line[..name.len()].eq_ignore_ascii_case(name)
                    && line.get(name.len()) == Some(&b':')
                {
                    out = Some(String::from_utf8_lossy(&line[name.len() + 1..]).to_ascii_lowercase());
                }
            }
        }
    }
    out
}

/// The HTML bodies of a raw message, transfer encoding undone: every header block (the message's own, and
/// each one after a `--boundary` line) that declares `text/html` and is not an attachment, with the body up to
/// the next boundary line. Bounded by `MAX_BLOCKS` blocks and `MAX_HTML_PARTS` results.
pub fn html_parts(raw: &[u8]) -> Vec<Cow<'_, [u8]>> {
    let mut out = Vec::new();
    // Header blocks start at 0 and after each boundary line (found with a SIMD search for `\n--`, not line
    // by line: base64 attachments are most of the bytes).
    let mut starts = vec![0usize];
    for at in memchr::memmem::find_iter(raw, b"\n--") {
        if starts.len() >= MAX_BLOCKS {
            break;
        }
        let line_start = at + 1;
        let Some(eol) = memchr::memchr(b'\n', &raw[line_start..]) else { break };
        if eol > 2 {
            starts.push(line_start + eol + 1);
        }
    }
    for (n, &start) in starts.iter().enumerate() {
        if out.len() >= MAX_HTML_PARTS {
            break;
        }
        let rest = &raw[start..];
        // End of the header block: the first empty line.
        let Some((body_off, _)) = lines(rest).find(|(_, l)| l.is_empty()) else { continue };
        let block = &rest[..body_off];
        let Some(ctype) = header_value(block, b"content-type") else { continue };
        if !ctype.trim_start().starts_with("text/html") {
            continue;
        }
        if header_value(block, b"content-disposition").is_some_and(|d| d.trim_start().starts_with("attachment")) {
            continue;
        }
        let body_start = body_off + memchr::memchr(b'\n', &rest[body_off..]).map_or(0, |i| i + 1);
        let body = &rest[body_start.min(rest.len())..];
        // The body runs to the next boundary line (for the top-level block of a single-part message: to the end).
        let end = if n == 0 && starts.len() == 1 {
            body.len()
        } else {
            memchr::memmem::find(body, b"\n--").map_or(body.len(), |o| o + 1)
        };
        let body = &body[..end];
        let cte = header_value(block, b"content-transfer-encoding").unwrap_or_default();
        let decoded = if cte.contains("base64") {
            Cow::Owned(base64_lenient(body).0)
        } else if cte.contains("quoted-printable") {
            Cow::Owned(qp_lenient(body).0)
        } else {
            Cow::Borrowed(body)
        };
        out.push(decoded);
    }
    out
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
    fn html_parts_are_found_and_decoded_without_a_mime_parse() {
        let html = page("Amazon", "https://www.4ztfqg8.cn", "a");
        let b64 = {
            // A tiny encoder for the test (the store never encodes).
            const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut o = String::new();
            for c in html.as_bytes().chunks(3) {
                let n = (u32::from(c[0]) << 16)
                    | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                    | u32::from(*c.get(2).unwrap_or(&0));
                for i in 0..4 {
                    if i <= c.len() {
                        o.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                    } else {
                        o.push('=');
                    }
                }
            }
            o
        };
        let raw = format!(
            "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=\"XX\"\r\n\r\n--XX\r\n\
             Content-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: text/html;\r\n charset=utf-8\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--XX--\r\n"
        );
        let parts = html_parts(raw.as_bytes());
        assert_eq!(parts.len(), 1);
        assert_eq!(fingerprint_bytes(&parts[0]), fingerprint(&html));
        // A single-part HTML message, quoted-printable.
        let qp = html.replace('=', "=3D");
        let raw = format!("Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}");
        let parts = html_parts(raw.as_bytes());
        assert_eq!(fingerprint_bytes(&parts[0]), fingerprint(&html));
        // An attached HTML file is not the body.
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/html\r\n\
             Content-Disposition: attachment; filename=x.html\r\n\r\n{html}\r\n--B--\r\n"
        );
        assert!(html_parts(raw.as_bytes()).is_empty());
    }

    #[test]
    fn hostile_markup_does_not_panic() {
        for s in ["<", "<<<<", "<a href=\"", "<!--", "<script>", "<a b='c", "</", "<a\u{3042}>", "<あ"] {
            let _ = fingerprint(s);
            let _ = fingerprint(&s.repeat(1000));
            let _ = html_parts(s.as_bytes());
        }
        for raw in ["Content-Type: text/html\r\n", "--\n--x\n\n", "--x\nContent-Type: text/html\n\n", "\n\n--a"] {
            let _ = html_parts(raw.as_bytes());
        }
    }
}
