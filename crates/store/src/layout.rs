//! The layout fingerprint: what stays the same when a phishing kit is reused with another brand name, another
//! victim name and other links ("the same kit"). It is a hash of the HTML's tag sequence with every tag's
//! attribute names (sorted) and nothing else: no text, no attribute values, no comments. Two mails from the
//! same template share it; a one-line edit of the markup does not (this is an exact match, cheap to look up).
//!
//! A light byte scanner, not an HTML parser: no DOM, one pass, bounded by `MAX_TAGS`. It reads the HTML bodies
//! as the analysis decoded them (`indicators::LayoutsOfHtml`); tag and attribute names are ASCII, so the
//! charset makes no difference.
//!
//! The fingerprints are stored in users' databases and compared with later ones: the hashed token stream
//! (`tag attr1 attr2\n`, `/tag\n`) must never change for any input. The tests hold the first implementation
//! as a reference and compare against it on generated tag soup.

use std::sync::LazyLock;

use memchr::memmem;
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
const RAW_TEXT: &[&[u8]] = &[b"script", b"style", b"textarea", b"title"];

/// The hash input is gathered up to this size before it is hashed: one hasher call per token cost more than
/// the whole scan.
const HASH_CHUNK: usize = 8 * 1024;
/// Longest token: a name, then `MAX_ATTRS` times a space and a name, then the newline.
const MAX_TOKEN: usize = MAX_NAME + MAX_ATTRS * (1 + MAX_NAME) + 1;

static COMMENT_END: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"-->"));

/// Bytes of a tag or attribute name (ASCII letters, digits, `-`, `:`).
static NAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'-' || b == b':';
        c += 1;
    }
    t
};

/// The fingerprint of one HTML document, `None` when it has fewer than `MIN_TAGS` tags.
pub fn fingerprint(html: &str) -> Option<String> {
    fingerprint_bytes(html.as_bytes())
}

/// As `fingerprint`, on the document's bytes in any ASCII-compatible charset.
pub fn fingerprint_bytes(html: &[u8]) -> Option<String> {
    let mut tokens = TokenHash::default();
    tag_tokens(html, &mut tokens);
    tokens.finish()
}

/// The SHA-256 of the token stream, each token followed by `\n`, fed to the hasher in large slices.
struct TokenHash {
    hasher: Sha256,
    /// Tokens not hashed yet.
    pending: Vec<u8>,
    /// `pending` is hashed when it reaches this size (`HASH_CHUNK`; the tests vary it).
    hash_at: usize,
    start_tags: usize,
}

impl Default for TokenHash {
    fn default() -> Self {
        TokenHash {
            hasher: Sha256::new(),
            pending: Vec::with_capacity(HASH_CHUNK + MAX_TOKEN),
            hash_at: HASH_CHUNK,
            start_tags: 0,
        }
    }
}

impl TokenHash {
    /// Closes the token written into `pending` since the last call.
    fn end_token(&mut self) {
        self.pending.push(b'\n');
        if self.pending.len() >= self.hash_at {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
    }

    fn finish(mut self) -> Option<String> {
        if self.start_tags < MIN_TAGS {
            return None;
        }
        self.hasher.update(&self.pending);
        let digest = self.hasher.finalize();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(3 + 24);
        out.push_str("h1:");
        for b in digest.iter().take(12) {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        Some(out)
    }
}

/// The index after the name starting at `i` (the end of `b` at most).
fn name_end(b: &[u8], i: usize) -> usize {
    let rest = b.get(i..).unwrap_or_default();
    rest.iter().position(|&c| !NAME_BYTE[usize::from(c)]).map_or(b.len(), |p| i + p)
}

/// Appends `b[start..start + len]` lower-cased (ASCII). Eight bytes at a time, also past the name when the
/// document goes on (the extra bytes are cut off again): names are short, and a byte loop's exit costs more
/// than the copy.
fn push_lowercase(out: &mut Vec<u8>, b: &[u8], start: usize, len: usize) {
    let end = start.saturating_add(len).min(b.len());
    let mut at = start;
    while at < end {
        let take = (end - at).min(8);
        let mut word = [0u8; 8];
        match b.get(at..at + 8) {
            Some(w) => word.copy_from_slice(w),
            None => {
                for (d, s) in word.iter_mut().zip(b.get(at..end).unwrap_or_default()) {
                    *d = *s;
                }
            }
        }
        out.extend_from_slice(&lowercase_word(u64::from_le_bytes(word)).to_le_bytes());
        out.truncate(out.len() - (8 - take));
        at += take;
    }
}

/// ASCII lower case of eight bytes at once; other bytes stay as they are. Each byte is computed apart (no
/// carry crosses bytes): 7-bit values plus 0x3f reach 0x80 from `A` on, plus 0x25 from the byte after `Z`.
fn lowercase_word(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let low7 = x & LOW7;
    let from_a = low7 + 0x3f3f_3f3f_3f3f_3f3f;
    let after_z = low7 + 0x2525_2525_2525_2525;
    let upper = from_a & !after_z & !x & HIGHS;
    x | (upper >> 2)
}

/// The attribute names of one start tag (the first `MAX_ATTRS`, each cut to `MAX_NAME` bytes), as places in
/// the document: most tags have none or one, so nothing is copied before the tag's end.
struct AttrNames {
    /// Start and length of each name in the document.
    spans: [(usize, u8); MAX_ATTRS],
    count: usize,
}

impl AttrNames {
    fn new() -> Self {
        AttrNames { spans: [(0, 0); MAX_ATTRS], count: 0 }
    }

    /// Keeps the name at `start..end` of the document (cut to `MAX_NAME` bytes), unless the tag has
    /// `MAX_ATTRS` already.
    fn push(&mut self, start: usize, end: usize) {
        if let Some(span) = self.spans.get_mut(self.count) {
            *span = (start, end.saturating_sub(start).min(MAX_NAME) as u8);
            self.count += 1;
        }
    }

    fn get<'a>(&self, b: &'a [u8], k: usize) -> &'a [u8] {
        let Some(&(start, len)) = self.spans.get(k) else { return &[] };
        b.get(start..start + usize::from(len)).unwrap_or_default()
    }

    /// Writes ` name` (lower-cased) for each name in byte order, each distinct name once.
    fn write_sorted(&self, b: &[u8], out: &mut Vec<u8>) {
        let n = self.count.min(MAX_ATTRS);
        if n < 2 {
            if n == 1 {
                out.push(b' ');
                let (start, len) = self.spans[0];
                push_lowercase(out, b, start, usize::from(len));
            }
            return;
        }
        let lower = |k: u8| self.get(b, usize::from(k)).iter().map(u8::to_ascii_lowercase);
        // Insertion sort of indices: at most `MAX_ATTRS` names, most often two or three.
        let mut order = [0u8; MAX_ATTRS];
        for k in 1..n as u8 {
            let mut j = usize::from(k);
            while j > 0 && lower(order[j - 1]).gt(lower(k)) {
                order[j] = order[j - 1];
                j -= 1;
            }
            order[j] = k;
        }
        let mut last: Option<u8> = None;
        for &k in order.get(..n).unwrap_or_default() {
            if last.is_none_or(|l| !lower(l).eq(lower(k))) {
                out.push(b' ');
                let (start, len) = self.spans.get(usize::from(k)).copied().unwrap_or_default();
                push_lowercase(out, b, start, usize::from(len));
                last = Some(k);
            }
        }
    }
}

/// The index after the whitespace starting at `i`.
fn skip_whitespace(b: &[u8], i: usize) -> usize {
    // Mostly none: `name="value"`.
    if !b.get(i).is_some_and(u8::is_ascii_whitespace) {
        return i.min(b.len());
    }
    let rest = b.get(i..).unwrap_or_default();
    rest.iter().position(|c| !c.is_ascii_whitespace()).map_or(b.len(), |p| i + p)
}

/// Writes the tokens into `out`: `tag attr1 attr2` for start tags (attribute names sorted, each once), `/tag`
/// for end tags.
fn tag_tokens(b: &[u8], out: &mut TokenHash) {
    let mut count = 0usize;
    let mut attrs = AttrNames::new();
    let mut i = 0;
    while count < MAX_TAGS {
        let Some(off) = b.get(i..).and_then(|rest| find_byte(rest, b'<')) else { break };
        i += off + 1;
        let rest = b.get(i..).unwrap_or_default();
        match rest.first() {
            Some(b'!') if rest.starts_with(b"!--") => {
                let body = rest.get(3..).unwrap_or_default();
                i = COMMENT_END.find(body).map_or(b.len(), |e| i + 3 + e + 3);
                continue;
            }
            Some(b'!' | b'?') => {
                i = find_byte(rest, b'>').map_or(b.len(), |e| i + e + 1);
                continue;
            }
            _ => {}
        }
        let closing = rest.first() == Some(&b'/');
        if closing {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let name_start = i;
        i = name_end(b, i);
        let raw_name = b.get(name_start..i).unwrap_or_default();
        count += 1;
        if closing {
            out.pending.push(b'/');
            push_lowercase(&mut out.pending, b, name_start, (i - name_start).min(MAX_NAME));
            out.end_token();
            i = b.get(i..).and_then(|rest| find_byte(rest, b'>')).map_or(b.len(), |e| i + e + 1);
            continue;
        }
        // Attributes: names only, values skipped (quoted or not).
        attrs.count = 0;
        while let Some(&c) = b.get(i) {
            if c == b'>' {
                break;
            }
            if !c.is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            let end = name_end(b, i);
            attrs.push(i, end);
            // `end > i`: the name holds at least the letter at `i`.
            i = skip_whitespace(b, end);
            if b.get(i) == Some(&b'=') {
                i = skip_whitespace(b, i + 1);
                match b.get(i) {
                    Some(&quote @ (b'"' | b'\'')) => {
                        let value = b.get(i + 1..).unwrap_or_default();
                        i = find_byte(value, quote).map_or(b.len(), |e| i + 1 + e + 1);
                    }
                    _ => {
                        let value = b.get(i..).unwrap_or_default();
                        i = value.iter().position(|&v| v.is_ascii_whitespace() || v == b'>').map_or(b.len(), |p| i + p);
                    }
                }
            }
        }
        push_lowercase(&mut out.pending, b, name_start, raw_name.len().min(MAX_NAME));
        attrs.write_sorted(b, &mut out.pending);
        out.start_tags += 1;
        out.end_token();
        if let Some(raw) = RAW_TEXT.iter().find(|t| t.eq_ignore_ascii_case(raw_name)) {
            // Jump to `</name`; its end tag is then read as usual.
            i = find_end_tag(b, i, raw).unwrap_or(b.len());
        }
    }
}

/// The first `needle` in `hay`. Most searches here end within a few bytes (`>` after an end tag's name, the
/// quote after `class="x`, the `<` after `>\n`), where a call of `memchr` costs more than the search: the
/// first 32 bytes are looked at 8 at a time in place.
#[inline]
fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(needle);
    let mut at = 0;
    for chunk in hay.chunks_exact(8).take(4) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
        // The lowest byte of `word` equal to `needle` sets the lowest flag (borrows only run upwards).
        let x = u64::from_le_bytes(word) ^ pattern;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr::memchr(needle, hay.get(at..)?).map(|p| p + at)
}

/// The first `</name` (name compared ignoring ASCII case) at or after `from`.
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(at) = b.get(i..).and_then(|rest| find_byte(rest, b'<')).map(|p| p + i) {
        let rest = b.get(at + 1..).unwrap_or_default();
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
    use proptest::prelude::*;

    /// The first implementation, kept verbatim (with its own copies of the limits): the fingerprints already
    /// stored were made by it, so the scanner above must give the same tokens and the same hash for any input.
    mod reference {
        use sha2::{Digest, Sha256};

        const MIN_TAGS: usize = 15;
        const MAX_TAGS: usize = 5000;
        const MAX_NAME: usize = 32;
        const MAX_ATTRS: usize = 16;
        const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title"];

        pub(super) fn reference_fingerprint(html: &[u8]) -> Option<String> {
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
        pub(super) fn tag_tokens(b: &[u8], mut emit: impl FnMut(&str)) {
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
                if rest.first() == Some(&b'/') && rest.get(1..=name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name))
                {
                    return Some(at);
                }
                i = at + 1;
            }
            None
        }
    }

    /// The token stream (`token\n` each) and the start tag count the scanner hashes.
    fn token_stream(html: &[u8]) -> (Vec<u8>, usize) {
        let mut t = TokenHash { hash_at: usize::MAX, ..TokenHash::default() };
        tag_tokens(html, &mut t);
        (t.pending, t.start_tags)
    }

    fn reference_token_stream(html: &[u8]) -> (Vec<u8>, usize) {
        let (mut out, mut tags) = (Vec::new(), 0);
        reference::tag_tokens(html, |t| {
            if !t.starts_with('/') {
                tags += 1;
            }
            out.extend_from_slice(t.as_bytes());
            out.push(b'\n');
        });
        (out, tags)
    }

    fn assert_same_as_reference(html: &[u8]) {
        let (tokens, tags) = token_stream(html);
        let (ref_tokens, ref_tags) = reference_token_stream(html);
        assert_eq!(String::from_utf8_lossy(&tokens), String::from_utf8_lossy(&ref_tokens));
        assert_eq!(tags, ref_tags);
        assert_eq!(fingerprint_bytes(html), reference::reference_fingerprint(html));
    }

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

    /// A value computed by the first implementation: a change here breaks every stored "same kit" link.
    #[test]
    fn stored_fingerprints_keep_their_value() {
        let html = page("Amazon", "https://www.4ztfqg8.cn", "a");
        assert_eq!(fingerprint(&html), reference::reference_fingerprint(html.as_bytes()));
        assert_eq!(fingerprint(&html).as_deref(), Some(FIXED_PAGE_FINGERPRINT));
    }

    const FIXED_PAGE_FINGERPRINT: &str = "h1:b37c2877d571ad7dfafcfada";

    #[test]
    fn tokens_are_lowercased_sorted_and_deduplicated() {
        let (tokens, tags) = token_stream(b"<DIV Style=x CLASS='a b' style id><Br/></Div><!-- <p> --><p a=\"<b>\">");
        assert_eq!(String::from_utf8_lossy(&tokens), "div class id style\nbr\n/div\np a\n");
        assert_eq!(tags, 3);
    }

    #[test]
    fn limits_match_the_reference() {
        let long = "x".repeat(40);
        let many_attrs: String = (0..20).map(|k| format!(" a{} b{long}{k}=v", 19 - k)).collect();
        let doc = format!("<{long}{many_attrs}></{long}><T{long}>").repeat(3000);
        assert_same_as_reference(doc.as_bytes());
        let (tokens, tags) = token_stream(doc.as_bytes());
        assert_eq!(tags, 3333, "MAX_TAGS (5000) counts end tags too");
        assert!(tokens.split(|&c| c == b'\n').all(|t| t.len() <= MAX_TOKEN));
    }

    #[test]
    fn words_lowercase_like_bytes() {
        for c in 0..=255u8 {
            for pos in 0..8 {
                let mut word = *b"aZ-:0@[`";
                word[pos] = c;
                let mut expected = word;
                expected.make_ascii_lowercase();
                assert_eq!(lowercase_word(u64::from_le_bytes(word)).to_le_bytes(), expected, "{c:#x} at {pos}");
            }
        }
        let mut out = b"x".to_vec();
        push_lowercase(&mut out, b"<DIV-Container:ABCDEFGHIJ", 1, 22);
        assert_eq!(out, b"xdiv-container:abcdefgh");
        push_lowercase(&mut out, b"<TD", 1, 5);
        assert_eq!(out, b"xdiv-container:abcdefghtd");
    }

    #[test]
    fn hashing_in_chunks_gives_the_same_hash() {
        let html = page("Amazon", "https://x.cn", "<b>bold</b>").repeat(40);
        let whole = fingerprint(&html);
        for hash_at in [1, 7, 100, 4096] {
            let mut t = TokenHash { hash_at, ..TokenHash::default() };
            tag_tokens(html.as_bytes(), &mut t);
            assert_eq!(t.finish(), whole, "{hash_at}");
        }
        assert_eq!(whole, reference::reference_fingerprint(html.as_bytes()));
    }

    /// One piece of tag soup: tags with odd names and attributes, comments, raw text blocks, stray markup, text.
    fn soup_piece() -> impl Strategy<Value = String> {
        let name = "[a-zA-Z][a-zA-Z0-9:_-]{0,36}|script|SCRIPT|Style|title|textarea|TITLE|scriptx|p|a|div";
        let attr_name = "[a-zA-Z0-9!:_-][a-zA-Z0-9:_-]{0,36}|href|HREF|class|id|style";
        let value = prop_oneof![
            Just(String::new()),
            "=[^ >\t]{0,8}",
            " = [a-z>]{0,4}",
            "=\"[^\"]{0,10}\"?",
            "='[^']{0,10}'?",
            "=\\s{0,2}",
        ];
        let sep = "[ \t\n\r\x0b\x0c/\"']{0,3}";
        let attr = (sep, attr_name, value).prop_map(|(s, n, v)| format!("{s}{n}{v}"));
        let start_tag = (name, proptest::collection::vec(attr, 0..20), "[ /]{0,2}>?")
            .prop_map(|(n, attrs, end)| format!("<{n}{}{end}", attrs.concat()));
        prop_oneof![
            4 => start_tag,
            2 => (name, "[ a-z=]{0,3}>?").prop_map(|(n, rest)| format!("</{n}{rest}")),
            1 => "<!--[^>]{0,10}(-->|->|>)?",
            1 => prop_oneof![Just("<!-->"), Just("<!--->"), Just("<!---->"), Just("<!-"), Just("<!doctype html>"),
                Just("<?xml version=\"1.0\"?>"), Just("<![CDATA[x]]>"), Just("</"), Just("<"), Just("< p>"),
                Just("<1>"), Just("</script"), Just("</SCRIPT >"), Just("</styl"), Just("<あ>"), Just("\u{3000}")]
                .prop_map(String::from),
            2 => "[^<]{0,12}",
            1 => "[<>=\"'/! a-zA-Zé日\t]{0,12}",
        ]
    }

    proptest! {
        #[test]
        fn tag_soup_matches_the_reference(
            pieces in proptest::collection::vec(soup_piece(), 0..80),
            cut in any::<prop::sample::Index>(),
        ) {
            let html = pieces.concat();
            let bytes = html.as_bytes();
            // Cut anywhere, also inside a multi-byte character: bodies arrive truncated.
            let cut = bytes.get(..cut.index(bytes.len() + 1)).unwrap_or(bytes);
            for doc in [bytes, cut] {
                let (tokens, tags) = token_stream(doc);
                let (ref_tokens, ref_tags) = reference_token_stream(doc);
                prop_assert_eq!(String::from_utf8_lossy(&tokens), String::from_utf8_lossy(&ref_tokens));
                prop_assert_eq!(tags, ref_tags);
                prop_assert_eq!(fingerprint_bytes(doc), reference::reference_fingerprint(doc));
            }
        }

        #[test]
        fn arbitrary_bytes_match_the_reference(bytes in proptest::collection::vec(
            prop_oneof![Just(b'<'), Just(b'>'), Just(b'/'), Just(b'!'), Just(b'-'), Just(b'='), Just(b'"'), Just(b' '),
                Just(b'a'), Just(b's'), Just(b'T'), any::<u8>()],
            0..400,
        )) {
            prop_assert_eq!(token_stream(&bytes), reference_token_stream(&bytes));
            prop_assert_eq!(fingerprint_bytes(&bytes), reference::reference_fingerprint(&bytes));
        }
    }

    /// The decoded HTML bodies of the corpus messages (`../shared/corpus`), as the store receives them.
    fn corpus_html_bodies() -> Vec<String> {
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, files);
                } else if p.extension().is_some_and(|x| x == "eml") {
                    files.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        let mut files = Vec::new();
        walk(&root, &mut files);
        files.sort();
        if files.is_empty() {
            eprintln!("corpus not found at {}: nothing compared", root.display());
        }
        let cfg = phishlens_core::Config::default();
        let mut bodies = Vec::new();
        for f in &files {
            let Ok(raw) = std::fs::read(f) else { continue };
            phishlens_core::analyze_with_html(&raw, &cfg, &mut |html| bodies.push(html.to_string()));
        }
        bodies
    }

    /// Every HTML body of the corpus gives the reference's tokens and fingerprint. Run with
    /// `cargo test --release -p phishlens-store layout -- --ignored`.
    #[test]
    #[ignore = "reads the corpus outside the repository"]
    fn corpus_bodies_match_the_reference() {
        let bodies = corpus_html_bodies();
        let mut with_fingerprint = 0;
        for html in &bodies {
            assert_same_as_reference(html.as_bytes());
            with_fingerprint += usize::from(fingerprint(html).is_some());
        }
        eprintln!("{} HTML bodies compared, {with_fingerprint} with a fingerprint: all equal", bodies.len());
    }

    /// Measurement aid, not a test: prints the cost of both implementations on the corpus HTML bodies. Run with
    /// `cargo test --release -p phishlens-store layout::tests::measure -- --ignored --nocapture`.
    #[test]
    #[ignore = "measurement aid: prints timings, asserts nothing"]
    fn measure_speed_on_corpus() {
        let bodies = corpus_html_bodies();
        let kib = bodies.iter().map(String::len).sum::<usize>() as f64 / 1024.0;
        let rounds = 20;
        let mut groups: Vec<Vec<&String>> = vec![Vec::new()];
        let mut group_bytes = 0;
        for html in &bodies {
            if group_bytes > 256 * 1024 {
                groups.push(Vec::new());
                group_bytes = 0;
            }
            group_bytes += html.len();
            if let Some(g) = groups.last_mut() {
                g.push(html);
            }
        }
        let time = |f: &dyn Fn(&[u8]) -> Option<String>| {
            let start = std::time::Instant::now();
            // Groups of bodies that stay in the L2 cache, as a body just decoded by the analysis does.
            for group in &groups {
                for _ in 0..rounds {
                    for html in group {
                        std::hint::black_box(f(std::hint::black_box(html.as_bytes())));
                    }
                }
            }
            let ns = start.elapsed().as_nanos() as f64 / f64::from(rounds);
            (ns / kib, ns / bodies.len().max(1) as f64)
        };
        // Best of five, both interleaved: other builds share the machine.
        let (mut old_best, mut new_best) = ((f64::MAX, f64::MAX), (f64::MAX, f64::MAX));
        for _ in 0..5 {
            let (kib_ns, body_ns) = time(&reference::reference_fingerprint);
            if kib_ns < old_best.0 {
                old_best = (kib_ns, body_ns);
            }
            let (kib_ns, body_ns) = time(&fingerprint_bytes);
            if kib_ns < new_best.0 {
                new_best = (kib_ns, body_ns);
            }
        }
        eprintln!(
            "{} bodies, {kib:.0} KiB: reference {:.0} ns/KiB ({:.0} ns/body), new {:.0} ns/KiB ({:.0} ns/body), {:.2}x",
            bodies.len(),
            old_best.0,
            old_best.1,
            new_best.0,
            new_best.1,
            old_best.0 / new_best.0
        );
    }
}
