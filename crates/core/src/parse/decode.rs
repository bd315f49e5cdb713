//! Byte-level decoding that mail-parser gets wrong on real Japanese (and generally hostile) mail: charset
//! labels it does not know (ISO-2022-JP-MS, CP50220, CP932...), wrong labels, missing labels, raw 8-bit
//! header bytes, encoded-words split in the middle of a multibyte character or lacking their `?=`, and
//! base64 / quoted-printable with garbage in it. Everything here is lenient: it always returns text and says
//! what was wrong instead of failing.

use encoding_rs::Encoding;
use std::borrow::Cow;

/// At most this many bytes are fed to the charset detector; the guess is then applied to the whole input.
const SNIFF_BYTES: usize = 32 << 10;

/// How a charset label turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetNote {
    /// The label was known and the bytes decoded cleanly (or were plain ASCII / UTF-8 without a label).
    Fine,
    /// No label and the bytes were not UTF-8: the charset was detected.
    Sniffed,
    /// A label nobody knows: the charset was detected.
    Unknown,
    /// A known label that did not fit the bytes; another charset decoded them cleanly.
    Mislabelled,
}

/// The result of decoding bytes to text.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static Encoding,
    pub note: CharsetNote,
}

/// Resolve a MIME charset label, including the Japanese vendor variants encoding_rs does not list. RFC 2231
/// language suffixes (`utf-8*ja`) and quotes are ignored.
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let label = label.split('*').next().unwrap_or(label).trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if label.is_empty() || label.len() > 40 {
        return None;
    }
    let lower = label.to_ascii_lowercase().replace('_', "-");
    let enc = match lower.as_str() {
        // ISO-2022-JP with Microsoft / NEC / IBM extensions: encoding_rs's decoder already reads the NEC row 13
        // and IBM extension rows and half-width katakana (ESC ( I), which is what these labels add.
        "iso-2022-jp-ms" | "iso-2022-jp-1" | "iso-2022-jp-2" | "iso-2022-jp-3" | "iso-2022-jp-2004" | "cp50220"
        | "cp50221" | "cp50222" | "csiso2022jp2" | "x-iso-2022-jp" | "jis" | "x-windows-50220" | "x-windows-50221"
        | "iso2022jp" => encoding_rs::ISO_2022_JP,
        "cp932" | "ms932" | "windows-31j" | "x-sjis" | "sjis" | "shift-jis" | "x-ms-cp932" | "shift-jisx0213"
        | "shift-jis-2004" | "sjis-win" | "sjis-open" | "ibm-943" | "ibm943" => encoding_rs::SHIFT_JIS,
        "euc-jp-ms" | "eucjp-ms" | "eucjp" | "eucjp-win" | "x-euc-jp" | "euc-jis-2004" | "euc-jisx0213" | "cp51932"
        | "cp20932" => encoding_rs::EUC_JP,
        "cp949" | "uhc" | "ks-c-5601-1987" | "ks-c-5601" | "x-windows-949" | "ksc5601" => encoding_rs::EUC_KR,
        "cp936" | "x-gbk" | "gb-2312" | "gb2312-80" | "euc-cn" | "x-euc-cn" => encoding_rs::GBK,
        "cp950" | "big5-hkscs" | "x-big5" => encoding_rs::BIG5,
        "utf8" | "x-utf-8" | "unicode-1-1-utf-8" => encoding_rs::UTF_8,
        _ => return Encoding::for_label_no_replacement(lower.as_bytes()),
    };
    Some(enc)
}

/// ISO-2022-JP announces itself with escape sequences; a decoder for any other label leaves them as
/// control characters.
pub fn has_iso2022jp_escape(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"\x1b$B").is_some()
        || memchr::memmem::find(bytes, b"\x1b$@").is_some()
        || memchr::memmem::find(bytes, b"\x1b(J").is_some()
        || memchr::memmem::find(bytes, b"\x1b(I").is_some()
}

/// Escape sequences of ISO-2022-JP: ESC, then `$` or `(` and one byte (`$ ( D` style four-byte forms are
/// not used in mail).
fn iso2022jp_escape_len(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [0x1b, b'$' | b'(', b'@' | b'B' | b'J' | b'I', ..] => Some(3),
        _ => None,
    }
}

/// The WHATWG decoder turns an escape sequence directly followed by another one into U+FFFD (a guard for
/// the web); mailers write such empty switches all the time. Drop the first of each such pair.
fn drop_empty_iso2022jp_switches(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut i = 0usize;
    let mut out: Option<Vec<u8>> = None;
    while let Some(rel) = memchr::memchr(0x1b, bytes.get(i..).unwrap_or_default()) {
        let pos = i + rel;
        match iso2022jp_escape_len(&bytes[pos..]) {
            Some(n) if iso2022jp_escape_len(bytes.get(pos + n..).unwrap_or_default()).is_some() => {
                let o = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                if o.is_empty() {
                    o.extend_from_slice(&bytes[..pos]);
                } else {
                    o.extend_from_slice(&bytes[i..pos]);
                }
                i = pos + n;
            }
            _ => {
                if let Some(o) = out.as_mut() {
                    o.extend_from_slice(&bytes[i..=pos]);
                }
                i = pos + 1;
            }
        }
    }
    match out {
        Some(mut o) => {
            o.extend_from_slice(bytes.get(i..).unwrap_or_default());
            Cow::Owned(o)
        }
        None => Cow::Borrowed(bytes),
    }
}

/// Decode with `enc`; ISO-2022-JP is cleaned of empty escape switches first.
fn decode_with<'a>(enc: &'static Encoding, bytes: &'a [u8]) -> (Cow<'a, str>, bool) {
    if enc == encoding_rs::ISO_2022_JP
        && let Cow::Owned(cleaned) = drop_empty_iso2022jp_switches(bytes)
    {
        if cleaned.len() >= EXACT_DECODE_BYTES {
            let (t, e) = decode_exact(enc, &cleaned);
            return (Cow::Owned(t), e);
        }
        let (t, e) = enc.decode_without_bom_handling(&cleaned);
        return (Cow::Owned(t.into_owned()), e);
    }
    if bytes.len() >= EXACT_DECODE_BYTES {
        let as_is = if enc == encoding_rs::UTF_8 {
            std::str::from_utf8(bytes).is_ok()
        } else {
            enc.is_ascii_compatible() && bytes.is_ascii()
        };
        if !as_is {
            let (t, e) = decode_exact(enc, bytes);
            return (Cow::Owned(t), e);
        }
    }
    enc.decode_without_bom_handling(bytes)
}

/// From this size on, text is decoded by `decode_exact`.
const EXACT_DECODE_BYTES: usize = 1 << 20;

/// Decode into a string of exactly the decoded size: one pass to measure, one to write. encoding_rs's one-call
/// decoding reserves the worst case (up to three bytes out per byte in) and touches every page of it, which
/// for a body of megabytes makes the peak memory several times the body; here it is the decoded size.
fn decode_exact(enc: &'static Encoding, bytes: &[u8]) -> (String, bool) {
    let mut chunk = [0u8; 16 << 10];
    let mut measure = enc.new_decoder_without_bom_handling();
    let (mut total, mut src) = (0usize, bytes);
    loop {
        let (result, read, written, _) = measure.decode_to_utf8(src, &mut chunk, true);
        total += written;
        src = src.get(read..).unwrap_or_default();
        if result == encoding_rs::CoderResult::InputEmpty {
            break;
        }
    }
    let mut out: Vec<u8> = Vec::with_capacity(total);
    let mut decoder = enc.new_decoder_without_bom_handling();
    let (mut had_errors, mut src) = (false, bytes);
    loop {
        let (result, read, written, replaced) = decoder.decode_to_utf8(src, &mut chunk, true);
        had_errors |= replaced;
        out.extend_from_slice(chunk.get(..written).unwrap_or_default());
        src = src.get(read..).unwrap_or_default();
        if result == encoding_rs::CoderResult::InputEmpty {
            break;
        }
    }
    // The decoder writes whole UTF-8 sequences; the fallback is never taken.
    let text = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, had_errors)
}

/// Guess the charset of bytes with no usable label. Japanese is favoured for the short, ambiguous cases
/// (the tool's readers are mostly in Japan); longer Chinese or Korean text is still recognised.
pub fn sniff(bytes: &[u8]) -> &'static Encoding {
    if has_iso2022jp_escape(bytes) {
        return encoding_rs::ISO_2022_JP;
    }
    if bytes.is_ascii() || std::str::from_utf8(bytes).is_ok() {
        return encoding_rs::UTF_8;
    }
    let sample = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    det.feed(sample, sample.len() == bytes.len());
    det.guess(Some(b"jp"), chardetng::Utf8Detection::Allow)
}

/// Decode bytes declared (or not) to be in `label`. Never fails; when the label is missing, unknown or
/// wrong, the charset is detected and the note says so.
pub fn decode_text<'a>(bytes: &'a [u8], label: Option<&str>) -> Decoded<'a> {
    let label = label.map(str::trim).filter(|l| !l.is_empty());
    let declared = label.and_then(encoding_for_label);
    match (label, declared) {
        (_, Some(enc)) => {
            // A label of ASCII / Latin-1 / UTF-8 on ISO-2022-JP bytes is the classic mislabel.
            if enc != encoding_rs::ISO_2022_JP && has_iso2022jp_escape(bytes) {
                let (text, _) = decode_with(encoding_rs::ISO_2022_JP, bytes);
                return Decoded { text, encoding: encoding_rs::ISO_2022_JP, note: CharsetNote::Mislabelled };
            }
            let (text, had_errors) = decode_with(enc, bytes);
            if !had_errors {
                return Decoded { text, encoding: enc, note: CharsetNote::Fine };
            }
            let guess = sniff(bytes);
            if guess != enc {
                let (alt, alt_errors) = decode_with(guess, bytes);
                if !alt_errors {
                    return Decoded { text: alt, encoding: guess, note: CharsetNote::Mislabelled };
                }
            }
            Decoded { text, encoding: enc, note: CharsetNote::Fine }
        }
        (Some(_), None) => {
            let enc = sniff(bytes);
            let (text, _) = decode_with(enc, bytes);
            Decoded { text, encoding: enc, note: CharsetNote::Unknown }
        }
        (None, None) => {
            let enc = sniff(bytes);
            let (text, _) = decode_with(enc, bytes);
            let note = if enc == encoding_rs::UTF_8 { CharsetNote::Fine } else { CharsetNote::Sniffed };
            Decoded { text, encoding: enc, note }
        }
    }
}

const B64_INVALID: u8 = 0xff;
static B64: [u8; 256] = {
    let mut t = [B64_INVALID; 256];
    let mut i = 0u8;
    while i < 64 {
        let c = match i {
            0..=25 => b'A' + i,
            26..=51 => b'a' + (i - 26),
            52..=61 => b'0' + (i - 52),
            62 => b'+',
            _ => b'/',
        };
        t[c as usize] = i;
        i += 1;
    }
    // URL-safe alphabet, which some senders use by mistake.
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t
};

/// Lenient base64: skips white space, skips (and counts) any other byte outside the alphabet, and carries on
/// after padding (concatenated base64 blocks exist). Returns the bytes and the number of garbage bytes.
pub fn base64_lenient(input: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut garbage = 0usize;
    let mut acc: u32 = 0;
    let mut n = 0u8;
    for &c in input {
        let v = B64[c as usize];
        if v != B64_INVALID {
            acc = (acc << 6) | u32::from(v);
            n += 1;
            if n == 4 {
                out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
                acc = 0;
                n = 0;
            }
        } else if c == b'=' {
            flush_b64(&mut out, acc, n);
            acc = 0;
            n = 0;
        } else if !matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            garbage += 1;
        }
    }
    flush_b64(&mut out, acc, n);
    (out, garbage)
}

fn flush_b64(out: &mut Vec<u8>, acc: u32, n: u8) {
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Lenient quoted-printable (body form): `=XY` escapes, soft line breaks (`=` before CRLF or LF, with
/// trailing blanks tolerated); an `=` that starts neither is kept as written and counted as broken.
pub fn qp_lenient(input: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(input.len());
    let mut broken = 0usize;
    let mut i = 0usize;
    while i < input.len() {
        let c = input[i];
        if c != b'=' {
            out.push(c);
            i += 1;
            continue;
        }
        let a = input.get(i + 1).copied();
        let b = input.get(i + 2).copied();
        if let (Some(h), Some(l)) = (a.and_then(hex), b.and_then(hex)) {
            out.push((h << 4) | l);
            i += 3;
            continue;
        }
        // Soft line break, possibly with blanks before the line end.
        let mut j = i + 1;
        while matches!(input.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        match input.get(j) {
            Some(b'\n') => i = j + 1,
            Some(b'\r') if input.get(j + 1) == Some(&b'\n') => i = j + 2,
            Some(b'\r') => i = j + 1,
            None => i = j,
            _ => {
                broken += 1;
                out.push(b'=');
                i += 1;
            }
        }
    }
    (out, broken)
}

/// Q encoding of encoded-words: like quoted-printable, plus `_` for space.
fn q_word(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0usize;
    while i < input.len() {
        let c = input[i];
        match c {
            b'_' => out.push(b' '),
            b'=' => {
                if let (Some(h), Some(l)) =
                    (input.get(i + 1).copied().and_then(hex), input.get(i + 2).copied().and_then(hex))
                {
                    out.push((h << 4) | l);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Longest encoded-word payload looked at (RFC 2047 allows 75 chars for the whole word).
const MAX_WORD_PAYLOAD: usize = 2048;

/// What went wrong while decoding a header's encoded-words.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WordIssues {
    /// An encoded-word lacked its closing `?=` or its payload was not valid base64.
    pub broken: bool,
    /// An encoded-word named a charset nobody knows.
    pub unknown_charset: bool,
    /// An encoded-word's charset label did not fit its bytes.
    pub mislabelled: bool,
}

/// One parsed encoded-word: charset label, decoded payload bytes, and where it ends in the input.
struct Word<'a> {
    charset: &'a str,
    bytes: Vec<u8>,
    end: usize,
    broken: bool,
}

/// Parse `=?charset?X?payload?=` at the start of `s`. A missing `?=` is tolerated (the payload then ends at
/// white space or at the end); anything else malformed means "not an encoded-word".
fn parse_word(s: &str) -> Option<Word<'_>> {
    let rest = s.strip_prefix("=?")?;
    let q1 = rest.find('?')?;
    let charset = &rest[..q1];
    if charset.is_empty() || charset.len() > 40 || charset.contains(|c: char| c.is_whitespace() || c == '=') {
        return None;
    }
    let after_cs = &rest[q1 + 1..];
    let mut it = after_cs.chars();
    let enc = it.next()?.to_ascii_uppercase();
    if !matches!(enc, 'B' | 'Q') || it.next()? != '?' {
        return None;
    }
    let payload_start = 2 + q1 + 1 + 2;
    let payload_all = s.as_bytes().get(payload_start..)?;
    // The payload is ASCII without blanks; the scan is bounded so that a long header full of `=?` stays linear.
    let mut end_at = None;
    let mut stop = payload_all.len().min(MAX_WORD_PAYLOAD);
    for (k, &c) in payload_all.iter().enumerate().take(MAX_WORD_PAYLOAD) {
        if c == b'?' && payload_all.get(k + 1) == Some(&b'=') {
            end_at = Some(k);
            break;
        }
        if c.is_ascii_whitespace() || !c.is_ascii() {
            stop = k;
            break;
        }
    }
    let (payload, end, broken) = match end_at {
        Some(p) => (&payload_all[..p], payload_start + p + 2, false),
        None => (&payload_all[..stop], payload_start + stop, true),
    };
    let (bytes, broken) = if enc == 'B' {
        let (b, garbage) = base64_lenient(payload);
        (b, broken || garbage > 0)
    } else {
        (q_word(payload), broken)
    };
    Some(Word { charset, bytes, end, broken })
}

/// Decode RFC 2047 encoded-words in an (unfolded) header text. Adjacent encoded-words in the same charset
/// are joined before charset decoding, so a character split across two words comes out whole. Encoded-words
/// inside quoted strings (not allowed, but common) are decoded too.
pub fn decode_words(s: &str) -> (String, WordIssues) {
    let mut issues = WordIssues::default();
    if !s.contains("=?") {
        return (s.to_string(), issues);
    }
    let mut out = String::with_capacity(s.len());
    // Bytes of the current run of adjacent encoded-words, with their charset label.
    let mut pending: Option<(&str, Vec<u8>)> = None;
    let mut i = 0usize;
    while i < s.len() {
        let Some(rel) = s[i..].find("=?") else { break };
        let pos = i + rel;
        let before = &s[i..pos];
        match parse_word(&s[pos..]) {
            Some(w) => {
                issues.broken |= w.broken;
                // Only the blank between two encoded-words is dropped (RFC 2047 6.2).
                let adjacent = pending.is_some() && before.chars().all(|c| c.is_ascii_whitespace());
                match &mut pending {
                    Some((cs, bytes)) if adjacent && cs.eq_ignore_ascii_case(w.charset) => {
                        bytes.extend_from_slice(&w.bytes);
                    }
                    _ => {
                        flush_run(&mut out, pending.take(), &mut issues);
                        if !adjacent {
                            out.push_str(before);
                        }
                        pending = Some((w.charset, w.bytes));
                    }
                }
                i = pos + w.end;
            }
            None => {
                flush_run(&mut out, pending.take(), &mut issues);
                out.push_str(before);
                out.push_str("=?");
                i = pos + 2;
            }
        }
    }
    flush_run(&mut out, pending.take(), &mut issues);
    if let Some(rest) = s.get(i..) {
        out.push_str(rest);
    }
    (out, issues)
}

fn flush_run(out: &mut String, run: Option<(&str, Vec<u8>)>, issues: &mut WordIssues) {
    let Some((charset, bytes)) = run else { return };
    let d = decode_text(&bytes, Some(charset));
    match d.note {
        CharsetNote::Unknown => issues.unknown_charset = true,
        CharsetNote::Mislabelled => issues.mislabelled = true,
        _ => {}
    }
    // Control characters from a broken decode would only confuse the reader.
    out.extend(d.text.chars().filter(|c| !c.is_control() || *c == '\t'));
}

/// Header bytes to text: UTF-8 if valid (RFC 6532), else the detected legacy charset (raw Shift_JIS or
/// EUC-JP headers are common in Japanese spam and in old mailers).
pub fn header_bytes_to_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let (s, _) = decode_with(sniff(bytes), bytes);
            Cow::Owned(s.into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(text: &str, e: &'static Encoding) -> Vec<u8> {
        let (b, _, unmappable) = e.encode(text);
        assert!(!unmappable, "{text} not encodable in {}", e.name());
        b.into_owned()
    }

    fn b64(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.len();
            let v = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            for k in 0..4 {
                if k <= n {
                    s.push(A[((v >> (18 - 6 * k)) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    #[test]
    fn labels_resolve_including_vendor_variants() {
        assert_eq!(encoding_for_label("ISO-2022-JP-MS"), Some(encoding_rs::ISO_2022_JP));
        assert_eq!(encoding_for_label("CP50220"), Some(encoding_rs::ISO_2022_JP));
        assert_eq!(encoding_for_label("cp932"), Some(encoding_rs::SHIFT_JIS));
        assert_eq!(encoding_for_label("Windows-31J"), Some(encoding_rs::SHIFT_JIS));
        assert_eq!(encoding_for_label("\"euc-jp\""), Some(encoding_rs::EUC_JP));
        assert_eq!(encoding_for_label("utf-8*ja"), Some(encoding_rs::UTF_8));
        assert_eq!(encoding_for_label("ks_c_5601-1987"), Some(encoding_rs::EUC_KR));
        assert_eq!(encoding_for_label("GB2312"), Some(encoding_rs::GBK));
        assert_eq!(encoding_for_label("gb18030"), Some(encoding_rs::GB18030));
        assert_eq!(encoding_for_label("big5"), Some(encoding_rs::BIG5));
        assert_eq!(encoding_for_label("koi8-r"), Some(encoding_rs::KOI8_R));
        assert_eq!(encoding_for_label("iso-8859-5"), Some(encoding_rs::ISO_8859_5));
        assert_eq!(encoding_for_label("windows-1251"), Some(encoding_rs::WINDOWS_1251));
        assert_eq!(encoding_for_label("x-no-such-charset"), None);
    }

    #[test]
    fn cp50220_extensions_decode() {
        // NEC row 13 (circled digits) and the IBM extension kanji 髙 are what the -MS variants add.
        let sjis = enc("①髙橋", encoding_rs::SHIFT_JIS);
        let d = decode_text(&sjis, Some("cp932"));
        assert_eq!(d.text, "①髙橋");
        // The same characters in ISO-2022-JP: ① is 0x2D21 in JIS X 0208 with NEC extensions.
        let jis = b"\x1b$B-!\x1b(B";
        assert_eq!(decode_text(jis, Some("ISO-2022-JP-MS")).text, "①");
        // Half-width katakana through ESC ( I (CP50221).
        assert_eq!(decode_text(b"\x1b(I1\x1b(B", Some("CP50221")).text, "ｱ");
    }

    #[test]
    fn wrong_or_missing_labels_are_sniffed() {
        let text = "お支払い方法の確認をお願いします。アカウントは停止されます。";
        let jis = enc(text, encoding_rs::ISO_2022_JP);
        let d = decode_text(&jis, Some("us-ascii"));
        assert_eq!(d.text, text);
        assert_eq!(d.note, CharsetNote::Mislabelled);
        let d = decode_text(&jis, None);
        assert_eq!(d.text, text);
        let sjis = enc(text, encoding_rs::SHIFT_JIS);
        let d = decode_text(&sjis, Some("utf-8"));
        assert_eq!(d.text, text);
        assert_eq!(d.note, CharsetNote::Mislabelled);
        let euc = enc(text, encoding_rs::EUC_JP);
        let d = decode_text(&euc, Some("x-unknown-thing"));
        assert_eq!(d.text, text);
        assert_eq!(d.note, CharsetNote::Unknown);
        let d = decode_text(&euc, None);
        assert_eq!(d.text, text);
        assert_eq!(d.note, CharsetNote::Sniffed);
    }

    #[test]
    fn western_chinese_korean_with_labels() {
        for (text, e, label) in [
            ("Olá, sua conta será bloqueada", encoding_rs::WINDOWS_1252, "iso-8859-1"),
            ("Zażółć gęślą jaźń", encoding_rs::ISO_8859_2, "iso-8859-2"),
            ("Ваш аккаунт заблокирован", encoding_rs::KOI8_R, "koi8-r"),
            ("Ваш аккаунт заблокирован", encoding_rs::WINDOWS_1251, "windows-1251"),
            ("您的账户已被冻结", encoding_rs::GBK, "gb2312"),
            ("您的账户已被冻结", encoding_rs::GB18030, "gb18030"),
            ("您的帳戶已被凍結", encoding_rs::BIG5, "big5"),
            ("계정이 정지되었습니다", encoding_rs::EUC_KR, "euc-kr"),
            ("アカウント", encoding_rs::EUC_JP, "euc-jp"),
        ] {
            let bytes = enc(text, e);
            assert_eq!(decode_text(&bytes, Some(label)).text, text, "{label}");
        }
    }

    #[test]
    fn empty_iso2022jp_switches_are_not_errors() {
        let d = decode_text(b"\x1b$B$\"\x1b(B\x1b$B$$\x1b(B\x1b(B", Some("iso-2022-jp"));
        assert_eq!(d.text, "あい");
    }

    #[test]
    fn base64_with_garbage() {
        let (b, g) = base64_lenient(b"SGVs!!bG8g\r\nd29y*bGQ=\r\n");
        assert_eq!(b, b"Hello world");
        assert_eq!(g, 3);
        let (b, g) = base64_lenient(b"SGk=SGk=");
        assert_eq!(b, b"HiHi");
        assert_eq!(g, 0);
    }

    #[test]
    fn qp_with_garbage() {
        let (b, broken) = qp_lenient(b"caf=C3=A9 =\r\nsoft =ZZ end=  \nx=");
        assert_eq!(b, "café soft =ZZ endx".as_bytes());
        assert_eq!(broken, 1);
    }

    #[test]
    fn encoded_word_split_inside_a_character() {
        let bytes = "アマゾン".as_bytes();
        // Split the UTF-8 bytes in the middle of the second character.
        let (a, b) = bytes.split_at(4);
        let s = format!("=?UTF-8?B?{}?= =?utf-8?B?{}?=", b64(a), b64(b));
        let (t, issues) = decode_words(&s);
        assert_eq!(t, "アマゾン");
        assert_eq!(issues, WordIssues::default());
    }

    #[test]
    fn encoded_word_broken_forms() {
        // Missing ?= at the end.
        let s = format!("Re: =?UTF-8?B?{}", b64("支払い".as_bytes()));
        let (t, issues) = decode_words(&s);
        assert_eq!(t, "Re: 支払い");
        assert!(issues.broken);
        // Wrong label: Shift_JIS bytes labelled ISO-8859-1... decoded cleanly by 8859-1, so only a label that
        // fails (UTF-8) can be corrected.
        let sjis = enc("【重要】アカウント確認", encoding_rs::SHIFT_JIS);
        let (t, issues) = decode_words(&format!("=?utf-8?B?{}?=", b64(&sjis)));
        assert_eq!(t, "【重要】アカウント確認");
        assert!(issues.mislabelled);
        // Inside a quoted string, with Q encoding and text around it.
        let (t, _) = decode_words("\"=?iso-8859-1?Q?Jos=E9_Silva?=\" x");
        assert_eq!(t, "\"José Silva\" x");
        // Not an encoded-word at all.
        assert_eq!(decode_words("a =? b ?= c").0, "a =? b ?= c");
        // Unknown charset.
        let (t, issues) = decode_words(&format!("=?x-foo?B?{}?=", b64("テスト".as_bytes())));
        assert_eq!(t, "テスト");
        assert!(issues.unknown_charset);
    }

    #[test]
    fn iso2022jp_encoded_words_with_text_between() {
        let jis = enc("ご利用料金", encoding_rs::ISO_2022_JP);
        let s = format!("[KAGOYA] =?ISO-2022-JP?B?{}?= notice", b64(&jis));
        assert_eq!(decode_words(&s).0, "[KAGOYA] ご利用料金 notice");
    }

    #[test]
    fn raw_8bit_header_bytes() {
        for e in [encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP] {
            let bytes = enc("【Amazon】お支払い方法の更新が必要です", e);
            assert_eq!(header_bytes_to_text(&bytes), "【Amazon】お支払い方法の更新が必要です", "{}", e.name());
        }
    }

    #[test]
    fn large_text_decodes_exactly_like_the_one_call_decoder() {
        let ja = "お客様のアカウントは停止されました。ｶｰﾄﾞ情報を更新してください。abc\r\n".repeat(20_000);
        let latin = "Caro cliente, a sua conta está suspensa. Não perca o acesso.\r\n".repeat(30_000);
        let mut broken = encoding_rs::SHIFT_JIS.encode(&ja).0.into_owned();
        broken.extend_from_slice(b"\x81\xff tail \x82");
        let cases: Vec<(&'static Encoding, Vec<u8>)> = vec![
            (encoding_rs::SHIFT_JIS, encoding_rs::SHIFT_JIS.encode(&ja).0.into_owned()),
            (encoding_rs::EUC_JP, encoding_rs::EUC_JP.encode(&ja).0.into_owned()),
            (encoding_rs::ISO_2022_JP, encoding_rs::ISO_2022_JP.encode(&ja).0.into_owned()),
            (encoding_rs::WINDOWS_1252, encoding_rs::WINDOWS_1252.encode(&latin).0.into_owned()),
            (encoding_rs::UTF_8, latin.as_bytes().to_vec()),
            (encoding_rs::SHIFT_JIS, broken),
        ];
        for (enc, bytes) in cases {
            assert!(bytes.len() >= EXACT_DECODE_BYTES, "{} case too small", enc.name());
            let (ours, our_errors) = decode_with(enc, &bytes);
            let (theirs, their_errors) = enc.decode_without_bom_handling(&bytes);
            assert_eq!(ours, theirs, "{}", enc.name());
            assert_eq!(our_errors, their_errors, "{}", enc.name());
            // Exactly sized: no worst-case reserve left behind.
            if let Cow::Owned(s) = &ours {
                assert_eq!(s.capacity(), s.len(), "{}", enc.name());
            }
        }
    }
}
