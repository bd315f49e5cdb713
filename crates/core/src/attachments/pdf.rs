//! Links inside attached PDFs. A PDF lure is one page with a button, and the button is a link annotation
//! (`/URI (https://bit.ly/...)`): the mail itself carries no link for filters to see. Only the annotation
//! dictionaries are read, without decompressing streams: that is where the reader's click goes, and it keeps the
//! scan a bounded byte search.

/// Longest URI read from one annotation.
const MAX_URI_BYTES: usize = 2048;

/// URIs of the PDF's link annotations, in order, without duplicates, at most `max`.
pub fn link_annotations(pdf: &[u8], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = pdf;
    while out.len() < max {
        let Some(at) = memchr::memmem::find(rest, b"/URI") else { break };
        rest = &rest[at + 4..];
        let skipped = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let Some(after) = rest.get(skipped..) else { break };
        if after.first() != Some(&b'(') {
            continue;
        }
        let (uri, used) = literal_string(&after[1..]);
        rest = &after[1 + used..];
        let uri = uri.trim();
        let is_web =
            uri.len() > 8 && (uri[..8].eq_ignore_ascii_case("https://") || uri[..7].eq_ignore_ascii_case("http://"));
        if is_web && !out.iter().any(|u| u == uri) {
            out.push(uri.to_string());
        }
    }
    out
}

/// A PDF literal string up to its closing parenthesis (escapes and balanced parentheses honoured), bounded.
/// Returns the text (non-ASCII bytes dropped: URLs are ASCII) and the bytes consumed.
fn literal_string(bytes: &[u8]) -> (String, usize) {
    let mut s = String::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() && i < MAX_URI_BYTES {
        let b = bytes[i];
        match b {
            b'\\' => {
                if let Some(&n) = bytes.get(i + 1) {
                    match n {
                        b'(' | b')' | b'\\' => s.push(char::from(n)),
                        b'n' | b'r' | b't' => {}
                        _ if n.is_ascii_graphic() => s.push(char::from(n)),
                        _ => {}
                    }
                }
                i += 2;
                continue;
            }
            b'(' => depth += 1,
            b')' if depth == 0 => return (s, i + 1),
            b')' => depth -= 1,
            _ => {}
        }
        if b.is_ascii_graphic() {
            s.push(char::from(b));
        }
        i += 1;
    }
    (s, i.min(bytes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_link_annotations() {
        let pdf =
            b"%PDF-1.4\n1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI (https://bit.ly/3uW44X4) >> >>\n\
            2 0 obj << /A << /URI(https://pay.4ztfqg8.cn/a\\(1\\)) >> >> 3 0 obj << /URI (mailto:x@example.com) >>\n\
            4 0 obj << /URI (https://bit.ly/3uW44X4) >>";
        assert_eq!(link_annotations(pdf, 8), ["https://bit.ly/3uW44X4", "https://pay.4ztfqg8.cn/a(1)"]);
    }

    #[test]
    fn garbage_and_truncation_are_bounded() {
        assert!(link_annotations(b"/URI (https://unterminated", 8).len() <= 1);
        assert!(link_annotations(b"/URI", 8).is_empty());
        assert!(link_annotations(&[0xFF; 4096], 8).is_empty());
        let many: Vec<u8> = (0..100).flat_map(|i| format!("/URI (https://h{i}.example/)").into_bytes()).collect();
        assert_eq!(link_annotations(&many, 16).len(), 16);
    }
}
