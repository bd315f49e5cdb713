//! A streaming pass over HTML: visible text, anchors with their text, URLs in attributes, forms, hidden text.
//! One linear scan, no DOM: a DOM per message costs more than parsing the message.
//!
//! The input is written by criminals, so the scanner accepts anything: unquoted, single- and double-quoted
//! attributes, entities inside attribute values (`href="&#x68;ttps://..."`), tags left open at the end of the
//! input, `<a` without `>`, attribute values containing `>`. Nothing recurses (nesting depth costs nothing) and
//! every output collection is bounded, so a hostile 8 MiB body costs one pass and bounded memory.

pub(crate) use crate::finding::cut_bytes as cut;
use crate::model::{Form, LinkSource};
use memchr::{memchr, memchr2, memmem};
use std::ops::Range;

/// Longest anchor text kept, in bytes.
const ANCHOR_TEXT_MAX: usize = 300;
/// Longest attribute value kept (URLs), in bytes. Longer values are cut at a char boundary.
const ATTR_VALUE_MAX: usize = 8 << 10;
/// Longest excerpt of one hidden region, in bytes, and how many regions are kept.
const HIDDEN_TEXT_MAX: usize = 600;
const HIDDEN_REGIONS_MAX: usize = 32;
const FORMS_MAX: usize = 20;
const FORM_INPUTS_MAX: usize = 40;
const SCRIPTS_MAX: usize = 50;
/// Elements opened inside a hidden region that are tracked to find where the region ends.
const HIDDEN_DEPTH_MAX: usize = 64;

/// One `<a href>` (or `<area href>`) with the text a reader sees for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Anchor {
    /// The href, entities decoded, not yet resolved against `<base>`.
    pub href: String,
    /// Visible text inside the anchor, whitespace-collapsed and bounded; the `alt` of an image inside it when
    /// the anchor has no text; the `alt` of an `<area>`.
    pub text: String,
    /// Where the anchor's text sits in `HtmlScan::text`, so plain-text URL finding can skip it.
    pub text_span: Range<usize>,
    pub is_area: bool,
}

/// What one pass over an HTML document found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HtmlScan {
    /// Visible text: whitespace collapsed, block elements as line breaks, script/style/comments/hidden text
    /// left out, zero-width characters removed. Bounded.
    pub text: String,
    pub title: Option<String>,
    /// The first `<base href>`, against which relative URLs resolve.
    pub base_href: Option<String>,
    pub anchors: Vec<Anchor>,
    /// URLs from other attributes: `src`, `background`, form `action`/`formaction`, meta refresh.
    pub urls: Vec<(LinkSource, String)>,
    pub forms: Vec<Form>,
    /// `<input type=password>` anywhere, inside a form or not.
    pub password_inputs: usize,
    /// Text a reader does not see (display:none, visibility:hidden, tiny font, opacity 0, `hidden`), one
    /// bounded excerpt per hidden region.
    pub hidden_text: Vec<String>,
    /// Byte ranges of `<script>` contents in the input (an HTML attachment's redirect lives there).
    pub scripts: Vec<Range<usize>>,
    /// A bound was hit (text, anchors or URLs); what was kept is still correct.
    pub truncated: bool,
}

/// Bounds of one scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanLimits {
    /// Most anchors, and most other URLs, kept.
    pub max_urls: usize,
    /// Largest visible text kept, in bytes.
    pub max_text_bytes: usize,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits { max_urls: 500, max_text_bytes: 8 << 20 }
    }
}

/// A lower-case tag name, truncated to 15 bytes (enough to tell every element we care about apart), with the
/// element's kind (`VOID`, `BLOCK`, ...) looked up once. Copy.
#[derive(Clone, Copy, PartialEq, Eq)]
struct TagName {
    buf: [u8; 15],
    len: u8,
    kind: u8,
}

/// Elements without content (no end tag).
const VOID: u8 = 1;
/// Elements that start and end a line of text.
const BLOCK: u8 = 2;
/// Table cells: a space between their texts.
const CELL: u8 = 4;
/// Containers whose stray end tag inside a hidden region means the region was implicitly closed.
const CLOSES_HIDDEN: u8 = 8;
/// Elements `start_tag` / `end_tag` look at more closely (links, forms, raw text, title).
const SPECIAL: u8 = 16;

/// The kind of an element, by lower-case name: one match per tag instead of one per question.
fn tag_kind(name: &[u8]) -> u8 {
    match name {
        b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"dl" | b"dt" | b"dd" | b"header" | b"footer"
        | b"nav" | b"aside" | b"main" | b"pre" | b"fieldset" | b"address" | b"figure" | b"figcaption" | b"thead"
        | b"tfoot" => BLOCK,
        b"div" | b"tr" | b"li" | b"table" | b"ul" | b"ol" | b"blockquote" | b"section" | b"article" | b"center"
        | b"body" | b"tbody" => BLOCK | CLOSES_HIDDEN,
        b"br" | b"hr" => VOID | BLOCK,
        b"form" => BLOCK | CLOSES_HIDDEN | SPECIAL,
        b"td" | b"th" => CELL | CLOSES_HIDDEN,
        b"html" => CLOSES_HIDDEN,
        b"area" | b"base" | b"embed" | b"img" | b"input" | b"link" | b"meta" | b"source" => VOID | SPECIAL,
        b"col" | b"param" | b"track" | b"wbr" | b"keygen" => VOID,
        b"a" | b"iframe" | b"frame" | b"script" | b"select" | b"textarea" | b"button" | b"style" | b"title" => SPECIAL,
        _ => 0,
    }
}

impl TagName {
    fn new(raw: &[u8]) -> TagName {
        let mut buf = [0u8; 15];
        let n = raw.len().min(15);
        for (d, s) in buf.iter_mut().zip(raw) {
            *d = s.to_ascii_lowercase();
        }
        TagName { buf, len: n as u8, kind: tag_kind(&buf[..n]) }
    }

    /// Read a tag name starting at `b[start]`, up to whitespace, `/` or `>`; returns it and where it ends.
    fn read(b: &[u8], start: usize) -> (TagName, usize) {
        let mut buf = [0u8; 15];
        let j = skip(b, start, |c| class(c) & (WS | SLASH | GT) == 0);
        let raw = b.get(start..j).unwrap_or_default();
        for (d, s) in buf.iter_mut().zip(raw) {
            *d = s.to_ascii_lowercase();
        }
        let n = raw.len().min(15);
        (TagName { buf, len: n as u8, kind: tag_kind(&buf[..n]) }, j)
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len).min(15)]
    }

    fn is(&self, kind: u8) -> bool {
        self.kind & kind != 0
    }
}

/// Byte classes of the tag grammar, one table lookup per byte.
const WS: u8 = 1;
const SLASH: u8 = 2;
const GT: u8 = 4;
const EQ: u8 = 8;
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = WS;
    t[b'\t' as usize] = WS;
    t[b'\n' as usize] = WS;
    t[b'\r' as usize] = WS;
    t[0x0c] = WS;
    t[b'/' as usize] = SLASH;
    t[b'>' as usize] = GT;
    t[b'=' as usize] = EQ;
    t
};

fn class(b: u8) -> u8 {
    BYTE_CLASS[usize::from(b)]
}

fn is_ws(b: u8) -> bool {
    class(b) & WS != 0
}

/// Characters that render as nothing: dropped from text (phishers sprinkle them to break keyword matching).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' | '\u{034f}')
}

/// False when the UTF-8 sequence led by the non-ASCII byte `lead` can be neither whitespace nor an invisible
/// character. Those all start with C2 (U+0085, U+00A0, U+00AD), CD (U+034F), E1 (U+1680), E2 (U+2000-U+2060),
/// E3 (U+3000) or EF (U+FEFF).
fn may_be_space_or_invisible(lead: u8) -> bool {
    matches!(lead, 0xc2 | 0xcd | 0xe1 | 0xe2 | 0xe3 | 0xef)
}

/// ASCII whitespace in text (HTML's set plus vertical tab, which `char::is_whitespace` also collapses).
fn is_text_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// Length of the UTF-8 sequence led by the non-ASCII byte `lead` of a valid string.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xf0.. => 4,
        0xe0.. => 3,
        _ => 2,
    }
}

/// A whitespace-collapsing, bounded text buffer.
struct TextSink {
    out: String,
    max: usize,
    pending_space: bool,
    pending_newline: bool,
    full: bool,
}

impl TextSink {
    fn new(max: usize) -> TextSink {
        TextSink { out: String::new(), max, pending_space: false, pending_newline: false, full: false }
    }

    fn flush_pending(&mut self) {
        if self.out.is_empty() {
            self.pending_newline = false;
            self.pending_space = false;
            return;
        }
        if self.pending_newline {
            if !self.out.ends_with('\n') {
                while self.out.ends_with(' ') {
                    self.out.pop();
                }
                self.out.push('\n');
            }
        } else if self.pending_space && !self.out.ends_with(['\n', ' ']) {
            self.out.push(' ');
        }
        self.pending_newline = false;
        self.pending_space = false;
    }

    /// Append a run that has no whitespace and no invisible characters.
    fn push_run(&mut self, run: &str) {
        if run.is_empty() || self.full {
            return;
        }
        self.flush_pending();
        let room = self.max.saturating_sub(self.out.len());
        if run.len() > room {
            self.out.push_str(cut(run, room));
            self.full = true;
        } else {
            self.out.push_str(run);
        }
    }

    fn push_str(&mut self, s: &str) {
        if self.full {
            return;
        }
        // Byte loop with fast paths: most text between tags is printable ASCII or plain CJK/Latin letters,
        // which only extend the current run.
        let b = s.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_graphic() {
                i += 1;
                continue;
            }
            if c < 0x80 {
                // One space between two visible ASCII chars stays inside the run: it is what collapsing would
                // write there anyway, and it spares a `push_run` per word.
                if c == b' ' && i > start && b.get(i + 1).is_some_and(u8::is_ascii_graphic) {
                    i += 1;
                    continue;
                }
                i += 1;
                if is_text_ws(c) {
                    // A run of whitespace (source indentation between tags) collapses at once.
                    if i - 1 > start {
                        self.push_run(&s[start..i - 1]);
                    }
                    self.pending_space = true;
                    while i < b.len() && is_text_ws(b[i]) {
                        i += 1;
                    }
                    start = i;
                }
                continue;
            }
            if !may_be_space_or_invisible(c) {
                // The lead byte gives the length (`s` is valid UTF-8, so this stays on char boundaries).
                i += utf8_len(c);
                continue;
            }
            let Some(ch) = s.get(i..).and_then(|rest| rest.chars().next()) else { break };
            let len = ch.len_utf8();
            let space = ch.is_whitespace();
            if space || is_invisible(ch) {
                self.push_run(&s[start..i]);
                if space {
                    self.pending_space = true;
                }
                start = i + len;
            }
            i += len;
        }
        self.push_run(&s[start..]);
    }

    fn space(&mut self) {
        self.pending_space = true;
    }

    fn line_break(&mut self) {
        self.pending_newline = true;
    }

    fn finish(mut self) -> String {
        while self.out.ends_with([' ', '\n']) {
            self.out.pop();
        }
        self.out
    }
}

/// An element whose text is hidden, and the elements opened inside it (to find its end without a DOM).
struct HiddenRegion {
    tag: TagName,
    inner: Vec<TagName>,
    text: TextSink,
}

/// The anchor being read.
struct OpenAnchor {
    href: String,
    text: TextSink,
    alt: Option<String>,
    span_start: usize,
}

/// The attributes the scanner cares about, raw (entities not yet decoded).
#[derive(Default)]
struct Attrs<'a> {
    href: Option<&'a str>,
    src: Option<&'a str>,
    action: Option<&'a str>,
    formaction: Option<&'a str>,
    content: Option<&'a str>,
    http_equiv: Option<&'a str>,
    style: Option<&'a str>,
    hidden: bool,
    type_: Option<&'a str>,
    name: Option<&'a str>,
    background: Option<&'a str>,
    alt: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    fn set(&mut self, name: &str, value: &'a str) {
        let slot = match name.len() {
            3 if name.eq_ignore_ascii_case("src") => &mut self.src,
            3 if name.eq_ignore_ascii_case("alt") => &mut self.alt,
            4 if name.eq_ignore_ascii_case("href") => &mut self.href,
            4 if name.eq_ignore_ascii_case("type") => &mut self.type_,
            4 if name.eq_ignore_ascii_case("name") => &mut self.name,
            5 if name.eq_ignore_ascii_case("style") => &mut self.style,
            6 if name.eq_ignore_ascii_case("action") => &mut self.action,
            6 if name.eq_ignore_ascii_case("hidden") => {
                self.hidden = true;
                return;
            }
            7 if name.eq_ignore_ascii_case("content") => &mut self.content,
            10 if name.eq_ignore_ascii_case("http-equiv") => &mut self.http_equiv,
            10 if name.eq_ignore_ascii_case("formaction") => &mut self.formaction,
            10 if name.eq_ignore_ascii_case("background") => &mut self.background,
            _ => return,
        };
        // The first occurrence wins, as in browsers.
        if slot.is_none() {
            *slot = Some(value);
        }
    }
}

/// The first position at or after `i` whose byte does not satisfy `pred` (or the end): a slice search, without
/// a bounds check per byte.
fn skip(b: &[u8], i: usize, pred: impl Fn(u8) -> bool) -> usize {
    b.get(i..).and_then(|rest| rest.iter().position(|&c| !pred(c))).map_or(b.len(), |o| i + o)
}

/// Read the attributes of a tag starting at `i` (just after the tag name). Returns the position after the
/// closing `>` (or the end of input when there is none).
fn parse_attrs<'a>(s: &'a str, mut i: usize, attrs: &mut Attrs<'a>) -> usize {
    let b = s.as_bytes();
    let len = b.len();
    loop {
        while i < len && class(b[i]) & (WS | SLASH) != 0 {
            i += 1;
        }
        if i >= len {
            return len;
        }
        if b[i] == b'>' {
            return i + 1;
        }
        // Attribute name: at least one byte (a leading '=' belongs to the name, as in the HTML spec).
        let name_start = i;
        i += 1;
        while i < len && class(b[i]) == 0 {
            i += 1;
        }
        let name = &s[name_start..i];
        while i < len && is_ws(b[i]) {
            i += 1;
        }
        let mut value = "";
        if i < len && b[i] == b'=' {
            i += 1;
            while i < len && is_ws(b[i]) {
                i += 1;
            }
            if i < len && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let start = i + 1;
                match memchr(q, &b[start..]) {
                    Some(off) => {
                        value = &s[start..start + off];
                        i = start + off + 1;
                    }
                    None => {
                        value = &s[start..];
                        i = len;
                    }
                }
            } else {
                let start = i;
                while i < len && class(b[i]) & (WS | GT) == 0 {
                    i += 1;
                }
                value = &s[start..i];
            }
        }
        attrs.set(name, value);
    }
}

/// Named character references worth knowing: the XML five, spaces, typography, and the HTML5 names used to
/// obfuscate URLs (`&colon;`, `&sol;`, `&period;`, `&commat;`).
const NAMED: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("AMP", "&"),
    ("LT", "<"),
    ("GT", ">"),
    ("QUOT", "\""),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("hellip", "…"),
    ("mdash", "—"),
    ("ndash", "–"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("bull", "•"),
    ("middot", "·"),
    ("yen", "¥"),
    ("euro", "€"),
    ("pound", "£"),
    ("cent", "¢"),
    ("times", "×"),
    ("divide", "÷"),
    ("deg", "°"),
    ("sect", "§"),
    ("para", "¶"),
    ("shy", "\u{ad}"),
    ("zwnj", "\u{200c}"),
    ("zwj", "\u{200d}"),
    ("ensp", "\u{2002}"),
    ("emsp", "\u{2003}"),
    ("thinsp", "\u{2009}"),
    ("colon", ":"),
    ("sol", "/"),
    ("period", "."),
    ("commat", "@"),
    ("quest", "?"),
    ("equals", "="),
    ("num", "#"),
    ("percnt", "%"),
    ("lowbar", "_"),
    ("excl", "!"),
    ("plus", "+"),
    ("comma", ","),
    ("semi", ";"),
    ("lpar", "("),
    ("rpar", ")"),
    ("Tab", "\t"),
    ("NewLine", "\n"),
];

/// Legacy names that browsers accept without the `;`.
const LEGACY_NO_SEMICOLON: &[&str] = &["amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "AMP", "LT", "GT", "QUOT"];

/// Decode the character reference starting at `s[i] == '&'`. Returns the replacement and the bytes consumed,
/// or None when this `&` is literal.
fn entity_at(s: &str, i: usize, in_attr: bool) -> Option<(EntityValue, usize)> {
    let b = s.as_bytes();
    let mut j = i + 1;
    if b.get(j) == Some(&b'#') {
        j += 1;
        let hex = matches!(b.get(j), Some(b'x' | b'X'));
        if hex {
            j += 1;
        }
        let digits_start = j;
        let mut value: u32 = 0;
        let mut overflow = false;
        while let Some(&d) = b.get(j) {
            let v = if hex { (d as char).to_digit(16) } else { (d as char).to_digit(10) };
            let Some(v) = v else { break };
            value = match value.checked_mul(if hex { 16 } else { 10 }).and_then(|x| x.checked_add(v)) {
                Some(x) if x <= 0x10ffff => x,
                _ => {
                    overflow = true;
                    0x10ffff + 1
                }
            };
            j += 1;
        }
        if j == digits_start {
            return None;
        }
        if b.get(j) == Some(&b';') {
            j += 1;
        }
        let c = if overflow || value == 0 { '\u{fffd}' } else { char::from_u32(value).unwrap_or('\u{fffd}') };
        return Some((EntityValue::Char(c), j - i));
    }
    let name_start = j;
    while j < b.len() && j - name_start < 12 && b[j].is_ascii_alphanumeric() {
        j += 1;
    }
    let name = &s[name_start..j];
    if name.is_empty() {
        return None;
    }
    if b.get(j) == Some(&b';') {
        let (_, v) = NAMED.iter().find(|(n, _)| *n == name)?;
        return Some((EntityValue::Str(v), j + 1 - i));
    }
    // No semicolon: only the legacy names, and in attributes not when followed by [alnum=] (`?a=1&copy=2`).
    let legacy = LEGACY_NO_SEMICOLON.iter().find(|n| name.starts_with(**n)).copied()?;
    let after = b.get(name_start + legacy.len()).copied();
    if in_attr && after.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'=') {
        return None;
    }
    let (_, v) = NAMED.iter().find(|(n, _)| *n == legacy)?;
    Some((EntityValue::Str(v), 1 + legacy.len()))
}

enum EntityValue {
    Char(char),
    Str(&'static str),
}

/// Decode character references in an attribute value (or RCDATA text).
pub fn decode_entities(raw: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr(b'&', &b[i..]) {
        let amp = i + off;
        out.push_str(&raw[i..amp]);
        match entity_at(raw, amp, in_attr) {
            Some((EntityValue::Char(c), n)) => {
                out.push(c);
                i = amp + n;
            }
            Some((EntityValue::Str(v), n)) => {
                out.push_str(v);
                i = amp + n;
            }
            None => {
                out.push('&');
                i = amp + 1;
            }
        }
    }
    out.push_str(&raw[i..]);
    out
}

/// An attribute value as a URL: entities decoded, surrounding whitespace removed, bounded.
fn attr_url(raw: &str) -> String {
    let v = decode_entities(cut(raw, ATTR_VALUE_MAX), true);
    v.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control()).to_string()
}

/// True when an inline style hides the element's text. Declarations are read one by one (this runs for
/// nearly every tag of a newsletter, so no allocation and no lower-casing copy).
// Kept out of the scanner loop: inlined there, it made the loop around it slower.
#[inline(never)]
fn style_hides(style: &str) -> bool {
    let mut zero_height = false;
    let mut overflow_hidden = false;
    // Styles are long (newsletters put every rule inline) and declarations short: one pass finds the `:` and
    // `;` of all declarations, eight bytes at a time.
    let style = cut(style, 4096);
    let b = style.as_bytes();
    let mut decl_start = 0;
    let mut colon = None;
    let separators = Separators { b, i: 0 };
    for pos in separators.chain(std::iter::once(b.len())) {
        if b.get(pos) == Some(&b':') {
            colon = colon.or(Some(pos));
            continue;
        }
        // `pos` ends a declaration (a `;` or the end of the style).
        let start = decl_start;
        decl_start = pos + 1;
        let Some(c) = colon.take() else { continue };
        let (Some(prop), Some(value)) = (style.get(start..c), style.get(c + 1..pos)) else { continue };
        if declaration_hides(prop, value, &mut zero_height, &mut overflow_hidden) {
            return true;
        }
    }
    // Preheader idiom: a zero-height box with overflow hidden.
    zero_height && overflow_hidden
}

/// Positions of the `:` and `;` bytes of a style, in order. The two differ only in the lowest bit, so one
/// SWAR test per eight bytes finds both (a search call per declaration cost more than the declaration).
struct Separators<'a> {
    b: &'a [u8],
    i: usize,
}

impl Iterator for Separators<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        while let Some(chunk) = self.b.get(self.i..self.i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
            // A zero byte in `x` is a `:` or `;` in the chunk; the lowest flagged byte is the first one
            // (borrows only flag bytes above a real zero).
            let x = (u64::from_le_bytes(chunk) | LO) ^ (u64::from(b';') * LO);
            let found = x.wrapping_sub(LO) & !x & HI;
            if found != 0 {
                let at = self.i + (found.trailing_zeros() / 8) as usize;
                self.i = at + 1;
                return Some(at);
            }
            self.i += 8;
        }
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            if c | 1 == b';' {
                return Some(self.i - 1);
            }
        }
        None
    }
}

/// `str::trim` with an ASCII fast path (the same result: `trim` is only needed again when an edge is a
/// vertical tab or a non-ASCII char, which `trim_ascii` leaves).
fn trim_fast(s: &str) -> &str {
    let t = s.trim_ascii();
    let odd = |b: &u8| *b >= 0x80 || *b == 0x0b;
    if t.as_bytes().first().is_some_and(odd) || t.as_bytes().last().is_some_and(odd) { t.trim() } else { t }
}

/// The CSS properties that can hide text.
enum HidingProp {
    Display,
    Visibility,
    FontSize,
    Opacity,
    Height,
    Overflow,
}

/// True when one declaration hides the text by itself; notes the parts of the zero-height idiom.
fn declaration_hides(prop: &str, value: &str, zero_height: &mut bool, overflow_hidden: &mut bool) -> bool {
    let prop = trim_fast(prop);
    let is = |name: &str| prop.eq_ignore_ascii_case(name);
    // Most declarations (margins, colours, fonts, mso-*) are none of these: the value is not even looked at.
    let which = match prop.len() {
        7 if is("display") => HidingProp::Display,
        10 if is("visibility") => HidingProp::Visibility,
        9 if is("font-size") => HidingProp::FontSize,
        7 if is("opacity") => HidingProp::Opacity,
        10 if is("max-height") => HidingProp::Height,
        6 if is("height") => HidingProp::Height,
        8 if is("overflow") => HidingProp::Overflow,
        _ => return false,
    };
    let value = trim_fast(value);
    let value = value.strip_suffix("!important").map_or(value, str::trim_end);
    match which {
        HidingProp::Display => value.eq_ignore_ascii_case("none"),
        HidingProp::Visibility => value.eq_ignore_ascii_case("hidden"),
        HidingProp::FontSize => css_number(value).is_some_and(|(v, unit)| {
            if unit.eq_ignore_ascii_case("em") || unit.eq_ignore_ascii_case("rem") { v < 0.2 } else { v < 2.0 }
        }),
        HidingProp::Opacity => css_number(value).is_some_and(|(v, _)| v < 0.05),
        HidingProp::Height => {
            *zero_height |= css_number(value).is_some_and(|(v, _)| v == 0.0);
            false
        }
        HidingProp::Overflow => {
            *overflow_hidden |= value.eq_ignore_ascii_case("hidden");
            false
        }
    }
}

/// A CSS number and its unit (`0.5px` -> (0.5, "px")).
fn css_number(value: &str) -> Option<(f32, &str)> {
    // Byte positions: the number and the unit are ASCII, and the first other byte starts a char.
    let num_end = value.bytes().position(|c| !(c.is_ascii_digit() || c == b'.')).unwrap_or(value.len());
    let (num, rest) = value.split_at(num_end);
    let num: f32 = whole_number(num).map_or_else(|| num.parse().ok(), Some)?;
    let unit_end = rest.bytes().position(|c| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    Some((num, &rest[..unit_end]))
}

/// `12`, `11.0`, `0.00`: a whole number written with at most 7 digits, exactly as `str::parse::<f32>` reads it
/// (integers that small are exact in f32) but without the float parser, which font sizes ran through.
fn whole_number(num: &str) -> Option<f32> {
    let b = num.as_bytes();
    let int_len = b.iter().position(|&c| c == b'.').unwrap_or(b.len());
    let (int, frac) = (&b[..int_len], b.get(int_len + 1..).unwrap_or_default());
    if int.is_empty() || int.len() > 7 || !frac.iter().all(|&c| c == b'0') {
        return None;
    }
    let mut n = 0u32;
    for &c in int {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n as f32)
}

/// `content="0; url=https://..."` of a meta refresh.
fn refresh_url(content: &str) -> Option<String> {
    let decoded = decode_entities(cut(content, ATTR_VALUE_MAX), true);
    let lower = decoded.to_ascii_lowercase();
    let at = lower.find("url")?;
    let rest = decoded[at + 3..].trim_start();
    let rest = rest.strip_prefix('=')?.trim();
    let rest = rest.trim_matches(|c| c == '\'' || c == '"').trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

struct Scanner<'a> {
    src: &'a str,
    limits: ScanLimits,
    out: HtmlScan,
    text: TextSink,
    hidden: Option<HiddenRegion>,
    anchor: Option<OpenAnchor>,
    current_form: Option<usize>,
    title: Option<TextSink>,
}

impl<'a> Scanner<'a> {
    fn emit_text(&mut self, s: &str) {
        if let Some(t) = &mut self.title {
            t.push_str(s);
            return;
        }
        if let Some(h) = &mut self.hidden {
            h.text.push_str(s);
            return;
        }
        self.text.push_str(s);
        if let Some(a) = &mut self.anchor {
            a.text.push_str(s);
        }
    }

    fn space(&mut self) {
        if self.hidden.is_none() {
            self.text.space();
            if let Some(a) = &mut self.anchor {
                a.text.space();
            }
        } else if let Some(h) = &mut self.hidden {
            h.text.space();
        }
    }

    fn line_break(&mut self) {
        if let Some(h) = &mut self.hidden {
            h.text.space();
            return;
        }
        self.text.line_break();
        if let Some(a) = &mut self.anchor {
            a.text.space();
        }
    }

    fn push_url(&mut self, source: LinkSource, raw: &str) {
        let url = attr_url(raw);
        if url.is_empty() {
            return;
        }
        if self.out.urls.len() >= self.limits.max_urls {
            self.out.truncated = true;
            return;
        }
        self.out.urls.push((source, url));
    }

    fn close_anchor(&mut self) {
        let Some(a) = self.anchor.take() else { return };
        if self.out.anchors.len() >= self.limits.max_urls {
            self.out.truncated = true;
            return;
        }
        let mut text = a.text.finish();
        if text.is_empty()
            && let Some(alt) = a.alt
        {
            text = alt;
        }
        let span_end = self.text.out.len().max(a.span_start);
        self.out.anchors.push(Anchor { href: a.href, text, text_span: a.span_start..span_end, is_area: false });
    }

    fn close_hidden(&mut self) {
        let Some(h) = self.hidden.take() else { return };
        let t = h.text.finish();
        if !t.is_empty() && self.out.hidden_text.len() < HIDDEN_REGIONS_MAX {
            self.out.hidden_text.push(t);
        }
    }

    fn start_tag(&mut self, name: TagName, attrs: &Attrs<'a>, end: usize) -> usize {
        let n = name.as_bytes();
        // Inside a hidden region only the region's own extent matters (plus links and forms, below).
        let mut opens_hidden = false;
        if let Some(h) = &mut self.hidden {
            if h.tag.as_bytes() == b"p" && n == b"p" && h.inner.is_empty() {
                // A new <p> implicitly closes a hidden <p>.
                self.close_hidden();
            } else if !name.is(VOID) && h.inner.len() < HIDDEN_DEPTH_MAX {
                h.inner.push(name);
            }
        } else if !name.is(VOID) && (attrs.hidden || attrs.style.is_some_and(style_hides)) {
            opens_hidden = true;
        }
        if name.is(BLOCK) {
            self.line_break();
        } else if name.is(CELL) {
            self.space();
        }
        if !name.is(SPECIAL) {
            // Spans, paragraphs, cells and the like: nothing more to read.
            if let Some(bg) = attrs.background {
                self.push_url(LinkSource::Src, bg);
            }
            if opens_hidden {
                self.hidden = Some(HiddenRegion { tag: name, inner: Vec::new(), text: TextSink::new(HIDDEN_TEXT_MAX) });
            }
            return end;
        }
        match n {
            b"a" => {
                self.close_anchor();
                if let Some(href) = attrs.href {
                    let href = attr_url(href);
                    if !href.is_empty() {
                        self.anchor = Some(OpenAnchor {
                            href,
                            text: TextSink::new(ANCHOR_TEXT_MAX),
                            alt: None,
                            span_start: self.text.out.len(),
                        });
                    }
                }
            }
            b"area" => {
                if let Some(href) = attrs.href {
                    let href = attr_url(href);
                    if !href.is_empty() && self.out.anchors.len() < self.limits.max_urls {
                        let text =
                            attrs.alt.map(|a| decode_entities(cut(a, ANCHOR_TEXT_MAX), true)).unwrap_or_default();
                        let at = self.text.out.len();
                        self.out.anchors.push(Anchor { href, text, text_span: at..at, is_area: true });
                    }
                }
            }
            b"img" => {
                if let Some(src) = attrs.src {
                    self.push_url(LinkSource::Src, src);
                }
                if let (Some(a), Some(alt)) = (&mut self.anchor, attrs.alt)
                    && a.alt.is_none()
                {
                    let alt = decode_entities(cut(alt, ANCHOR_TEXT_MAX), true);
                    let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !alt.is_empty() {
                        a.alt = Some(alt);
                    }
                }
            }
            b"iframe" | b"frame" | b"embed" | b"script" | b"source" => {
                if let Some(src) = attrs.src {
                    self.push_url(LinkSource::Src, src);
                }
            }
            b"link" => {
                if let Some(href) = attrs.href {
                    self.push_url(LinkSource::Src, href);
                }
            }
            b"base" => {
                if self.out.base_href.is_none()
                    && let Some(href) = attrs.href
                {
                    let href = attr_url(href);
                    if !href.is_empty() {
                        self.out.base_href = Some(href);
                    }
                }
            }
            b"meta" => {
                if attrs.http_equiv.is_some_and(|h| h.trim().eq_ignore_ascii_case("refresh"))
                    && let Some(url) = attrs.content.and_then(refresh_url)
                    && self.out.urls.len() < self.limits.max_urls
                {
                    self.out.urls.push((LinkSource::MetaRefresh, url));
                }
            }
            b"form" => {
                let action = attrs.action.map(attr_url).filter(|a| !a.is_empty() && a != "#");
                if let Some(a) = &action {
                    self.push_url(LinkSource::FormAction, a);
                }
                if self.out.forms.len() < FORMS_MAX {
                    self.out.forms.push(Form { action, has_password: false, input_names: Vec::new() });
                    self.current_form = Some(self.out.forms.len() - 1);
                } else {
                    self.out.truncated = true;
                    self.current_form = None;
                }
            }
            b"input" | b"select" | b"textarea" | b"button" => {
                let is_password =
                    n == b"input" && attrs.type_.is_some_and(|t| t.trim().eq_ignore_ascii_case("password"));
                if is_password {
                    self.out.password_inputs += 1;
                }
                if let Some(fa) = attrs.formaction {
                    self.push_url(LinkSource::FormAction, fa);
                }
                if n == b"input"
                    && attrs.type_.is_some_and(|t| t.trim().eq_ignore_ascii_case("image"))
                    && let Some(src) = attrs.src
                {
                    self.push_url(LinkSource::Src, src);
                }
                if let Some(f) = self.current_form.and_then(|i| self.out.forms.get_mut(i)) {
                    f.has_password |= is_password;
                    if let Some(name) = attrs.name
                        && f.input_names.len() < FORM_INPUTS_MAX
                    {
                        let name = decode_entities(cut(name, 64), true);
                        if !name.is_empty() && !f.input_names.contains(&name) {
                            f.input_names.push(name);
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some(bg) = attrs.background {
            self.push_url(LinkSource::Src, bg);
        }
        if opens_hidden {
            self.hidden = Some(HiddenRegion { tag: name, inner: Vec::new(), text: TextSink::new(HIDDEN_TEXT_MAX) });
        }
        // Raw-text and RCDATA elements: their content is not markup.
        match n {
            b"script" | b"style" => {
                let close = find_end_tag(self.src, end, n);
                if n == b"script" && close > end && self.out.scripts.len() < SCRIPTS_MAX {
                    self.out.scripts.push(end..close);
                }
                return close;
            }
            b"title" if self.out.title.is_none() && self.title.is_none() => {
                self.title = Some(TextSink::new(ANCHOR_TEXT_MAX));
            }
            b"textarea" | b"title" => {}
            _ => {}
        }
        end
    }

    fn end_tag(&mut self, name: TagName) {
        let n = name.as_bytes();
        if name.is(SPECIAL)
            && n == b"title"
            && let Some(t) = self.title.take()
        {
            let t = t.finish();
            if !t.is_empty() {
                self.out.title = Some(t);
            }
            return;
        }
        if let Some(h) = &mut self.hidden {
            if let Some(pos) = h.inner.iter().rposition(|t| *t == name) {
                h.inner.truncate(pos);
            } else if h.tag == name || name.is(CLOSES_HIDDEN) {
                self.close_hidden();
            }
        }
        if name.is(SPECIAL) {
            match n {
                b"a" => self.close_anchor(),
                b"form" => self.current_form = None,
                _ => {}
            }
        }
        if name.is(BLOCK) {
            self.line_break();
        } else if name.is(CELL) {
            self.space();
        }
    }

    fn run(mut self) -> HtmlScan {
        let s = self.src;
        let b = s.as_bytes();
        let len = b.len();
        let mut i = 0;
        while i < len {
            let Some(off) = memchr2(b'<', b'&', &b[i..]) else {
                self.emit_text(&s[i..]);
                break;
            };
            let at = i + off;
            if at > i {
                self.emit_text(&s[i..at]);
            }
            if b[at] == b'&' {
                match entity_at(s, at, false) {
                    Some((EntityValue::Char(c), n)) => {
                        let mut buf = [0u8; 4];
                        self.emit_text(c.encode_utf8(&mut buf));
                        i = at + n;
                    }
                    Some((EntityValue::Str(v), n)) => {
                        self.emit_text(v);
                        i = at + n;
                    }
                    None => {
                        self.emit_text("&");
                        i = at + 1;
                    }
                }
                continue;
            }
            i = self.markup(at);
        }
        self.finish()
    }

    /// Handle the markup starting at `s[at] == '<'`; return where text resumes.
    fn markup(&mut self, at: usize) -> usize {
        let s = self.src;
        let b = s.as_bytes();
        let len = b.len();
        let next = b.get(at + 1).copied();
        // Inside <title> only its end tag is markup.
        if self.title.is_some() {
            if next == Some(b'/') && tag_name_is(b, at + 2, b"title") {
                let end = memchr(b'>', &b[at..]).map_or(len, |o| at + o + 1);
                self.end_tag(TagName::new(b"title"));
                return end;
            }
            self.emit_text("<");
            return at + 1;
        }
        match next {
            Some(b'!') => {
                if b[at..].starts_with(b"<!--") {
                    let body = at + 4;
                    // `<!-->` and `<!--->` are complete (empty) comments.
                    if b[body..].starts_with(b">") {
                        return body + 1;
                    }
                    if b[body..].starts_with(b"->") {
                        return body + 2;
                    }
                    return memmem::find(&b[body..], b"-->").map_or(len, |o| body + o + 3);
                }
                if b[at..].starts_with(b"<![CDATA[") {
                    let body = at + 9;
                    return memmem::find(&b[body..], b"]]>").map_or(len, |o| body + o + 3);
                }
                memchr(b'>', &b[at..]).map_or(len, |o| at + o + 1)
            }
            Some(b'?') => memchr(b'>', &b[at..]).map_or(len, |o| at + o + 1),
            Some(b'/') => {
                let name_start = at + 2;
                if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
                    // `</>` is ignored; `</ 3` is a bogus comment.
                    return memchr(b'>', &b[at..]).map_or(len, |o| at + o + 1);
                }
                let (name, j) = TagName::read(b, name_start);
                let end = memchr(b'>', &b[j..]).map_or(len, |o| j + o + 1);
                self.end_tag(name);
                end
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name_start = at + 1;
                let (name, j) = TagName::read(b, name_start);
                let mut attrs = Attrs::default();
                let end = parse_attrs(s, j, &mut attrs);
                self.start_tag(name, &attrs, end)
            }
            _ => {
                self.emit_text("<");
                at + 1
            }
        }
    }

    fn finish(mut self) -> HtmlScan {
        if let Some(t) = self.title.take() {
            let t = t.finish();
            if !t.is_empty() {
                self.out.title = Some(t);
            }
        }
        self.close_anchor();
        self.close_hidden();
        self.out.truncated |= self.text.full;
        self.out.text = self.text.finish();
        // Spans must stay inside the final (trimmed) text.
        let text_len = self.out.text.len();
        for a in &mut self.out.anchors {
            a.text_span = a.text_span.start.min(text_len)..a.text_span.end.min(text_len);
        }
        self.out
    }
}

/// True when `b[at..]` starts with the tag name `name` (case-insensitive) followed by a delimiter.
fn tag_name_is(b: &[u8], at: usize, name: &[u8]) -> bool {
    let Some(cand) = b.get(at..at + name.len()) else { return false };
    cand.eq_ignore_ascii_case(name) && b.get(at + name.len()).is_none_or(|&c| is_ws(c) || c == b'/' || c == b'>')
}

/// Position of the `<` of `</name` after `from`, or the end of input.
fn find_end_tag(s: &str, from: usize, name: &[u8]) -> usize {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(off) = memchr(b'<', &b[i..]) {
        let at = i + off;
        if b.get(at + 1) == Some(&b'/') && tag_name_is(b, at + 2, name) {
            return at;
        }
        i = at + 1;
    }
    b.len()
}

/// Scan an HTML document once.
pub fn scan(html: &str, limits: ScanLimits) -> HtmlScan {
    let scanner = Scanner {
        src: html,
        limits,
        out: HtmlScan::default(),
        text: TextSink::new(limits.max_text_bytes),
        hidden: None,
        anchor: None,
        current_form: None,
        title: None,
    };
    scanner.run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sc(html: &str) -> HtmlScan {
        scan(html, ScanLimits::default())
    }

    #[test]
    fn visible_text_and_blocks() {
        let s = sc("<html><head><title>Notice</title><style>p{color:red}</style></head>\
                    <body><p>Hello&nbsp;  <b>World</b></p><div>second&amp;line</div><br>third<script>var a='<p>x';</script></body>");
        assert_eq!(s.text, "Hello World\nsecond&line\nthird");
        assert_eq!(s.title.as_deref(), Some("Notice"));
        assert_eq!(s.scripts.len(), 1);
    }

    #[test]
    fn anchors_with_all_quoting_styles() {
        let s = sc(r#"<A HREF=https://a.example/x>one</A><a href='https://b.example/?q=1&amp;r=2'>two</a><a
            href = "https://c.example/>" >three</a>"#);
        let hrefs: Vec<_> = s.anchors.iter().map(|a| a.href.as_str()).collect();
        assert_eq!(hrefs, ["https://a.example/x", "https://b.example/?q=1&r=2", "https://c.example/>"]);
        assert_eq!(s.anchors[2].text, "three");
        assert_eq!(s.text, "one two three".replace(' ', ""));
    }

    #[test]
    fn entity_encoded_href_is_decoded() {
        let s = sc(r#"<a href="&#x68;ttps&colon;//evil&#46;example/&#X41;">x</a>"#);
        assert_eq!(s.anchors[0].href, "https://evil.example/A");
        // A query parameter that looks like a legacy entity is not decoded inside attributes.
        let s = sc(r#"<a href="https://x.example/?a=1&copy=2&lt=3">x</a>"#);
        assert_eq!(s.anchors[0].href, "https://x.example/?a=1&copy=2&lt=3");
    }

    #[test]
    fn amazon_seed_button() {
        let s = sc(r#"<p><a href="https://www.4ztfqg8.cn"> 会員特典とお支払い方法の確認 </a></p>"#);
        assert_eq!(s.anchors.len(), 1);
        assert_eq!(s.anchors[0].href, "https://www.4ztfqg8.cn");
        assert_eq!(s.anchors[0].text, "会員特典とお支払い方法の確認");
        assert_eq!(s.text, "会員特典とお支払い方法の確認");
    }

    #[test]
    fn comments_cdata_and_conditional_comments_are_not_text() {
        let s =
            sc("a<!-- <a href='https://hidden.example'>x</a> -->b<![CDATA[ c ]]>d<!--[if mso]>e<![endif]-->f<!---->g");
        assert_eq!(s.text, "abdfg");
        assert!(s.anchors.is_empty());
    }

    #[test]
    fn unclosed_things_at_eof() {
        let s = sc(r#"text <a href="https://eof.example/"#);
        assert_eq!(s.anchors.len(), 1);
        assert_eq!(s.anchors[0].href, "https://eof.example/");
        let s = sc("<a href=https://x.example>never closed");
        assert_eq!(s.anchors[0].text, "never closed");
        let s = sc("x<!-- never closed");
        assert_eq!(s.text, "x");
        let s = sc("<script>for(;;){}");
        assert_eq!(s.text, "");
        let s = sc("a < b and c<3 & d");
        assert_eq!(s.text, "a < b and c<3 & d");
    }

    #[test]
    fn base_meta_refresh_forms_and_sources() {
        let s = sc(
            r#"<base href="https://base.example/dir/"><meta http-equiv="Refresh" content="0; URL='https://go.example/p'">
            <img src="logo.png" alt="Logo"><td background="https://bg.example/b.gif">
            <form action="https://collect.example/post.php" method=post><input name=email><input type=PASSWORD name=pass></form>
            <input type="password">"#,
        );
        assert_eq!(s.base_href.as_deref(), Some("https://base.example/dir/"));
        assert!(s.urls.contains(&(LinkSource::MetaRefresh, "https://go.example/p".to_string())));
        assert!(s.urls.contains(&(LinkSource::Src, "logo.png".to_string())));
        assert!(s.urls.contains(&(LinkSource::Src, "https://bg.example/b.gif".to_string())));
        assert!(s.urls.contains(&(LinkSource::FormAction, "https://collect.example/post.php".to_string())));
        assert_eq!(s.forms.len(), 1);
        assert!(s.forms[0].has_password);
        assert_eq!(s.forms[0].input_names, ["email", "pass"]);
        assert_eq!(s.password_inputs, 2);
    }

    #[test]
    fn hidden_text_is_kept_apart() {
        let s = sc(r#"<div style="DISPLAY: none">preheader <span>words</span></div><p>shown</p>
            <span style="font-size:0px">pad</span><span style="font-size:0.9em">small but shown</span>
            <p hidden>attr hidden</p><div style="opacity:0">ghost</div>
            <div style="max-height:0px;overflow:hidden">preview</div><div style="line-height:0;max-height:200px;overflow:hidden">tall</div>"#);
        assert_eq!(s.hidden_text, ["preheader words", "pad", "attr hidden", "ghost", "preview"]);
        assert_eq!(s.text, "shown\nsmall but shown\ntall");
    }

    #[test]
    fn hidden_region_ends_at_an_ancestor_close() {
        // The hidden <p> is never closed; the </td> of its parent ends it.
        let s = sc(r#"<table><tr><td><p style="display:none">secret</td><td>visible</td></tr></table>"#);
        assert_eq!(s.hidden_text, ["secret"]);
        assert_eq!(s.text, "visible");
    }

    #[test]
    fn image_alt_becomes_anchor_text_and_area_is_an_anchor() {
        let s = sc(
            r#"<a href="https://x.example"><img src="cid:1" alt="amazon.co.jp"></a><map><area href="https://y.example" alt="Sign in"></map>"#,
        );
        assert_eq!(s.anchors[0].text, "amazon.co.jp");
        assert!(s.anchors[1].is_area);
        assert_eq!(s.anchors[1].text, "Sign in");
    }

    #[test]
    fn deep_nesting_is_linear() {
        let html = "<div>".repeat(200_000) + "deep" + &"</div>".repeat(200_000);
        let s = sc(&html);
        assert_eq!(s.text, "deep");
        let html = "<div style=display:none>".repeat(100_000) + "x";
        let s = sc(&html);
        assert!(s.hidden_text.len() <= HIDDEN_REGIONS_MAX);
    }

    #[test]
    fn zero_width_characters_are_dropped() {
        let s = sc("Pa\u{200b}ss&#8203;word");
        assert_eq!(s.text, "Password");
    }

    #[test]
    fn bounds_hold() {
        let html = "<a href=https://x.example/>x</a>".repeat(2000);
        let s = scan(&html, ScanLimits { max_urls: 10, max_text_bytes: 100 });
        assert_eq!(s.anchors.len(), 10);
        assert!(s.text.len() <= 100);
        assert!(s.truncated);
    }

    // The element sets as they were written before `tag_kind` merged them into one match.
    fn is_void(name: &[u8]) -> bool {
        matches!(
            name,
            b"area"
                | b"base"
                | b"br"
                | b"col"
                | b"embed"
                | b"hr"
                | b"img"
                | b"input"
                | b"link"
                | b"meta"
                | b"param"
                | b"source"
                | b"track"
                | b"wbr"
                | b"keygen"
        )
    }

    /// Elements that start and end a line of text.
    fn is_block(name: &[u8]) -> bool {
        matches!(
            name,
            b"p" | b"div"
                | b"br"
                | b"tr"
                | b"li"
                | b"h1"
                | b"h2"
                | b"h3"
                | b"h4"
                | b"h5"
                | b"h6"
                | b"table"
                | b"ul"
                | b"ol"
                | b"dl"
                | b"dt"
                | b"dd"
                | b"blockquote"
                | b"hr"
                | b"section"
                | b"article"
                | b"header"
                | b"footer"
                | b"nav"
                | b"aside"
                | b"main"
                | b"pre"
                | b"form"
                | b"fieldset"
                | b"address"
                | b"figure"
                | b"figcaption"
                | b"center"
                | b"body"
                | b"tbody"
                | b"thead"
                | b"tfoot"
        )
    }

    /// Containers whose stray end tag inside a hidden region means the region was implicitly closed.
    fn closes_hidden_region(name: &[u8]) -> bool {
        matches!(
            name,
            b"div"
                | b"td"
                | b"th"
                | b"tr"
                | b"table"
                | b"tbody"
                | b"body"
                | b"html"
                | b"li"
                | b"ul"
                | b"ol"
                | b"center"
                | b"blockquote"
                | b"form"
                | b"section"
                | b"article"
        )
    }

    #[test]
    fn tag_kinds_match_the_element_sets() {
        let names = [
            "a",
            "abbr",
            "address",
            "area",
            "article",
            "aside",
            "b",
            "base",
            "blockquote",
            "body",
            "br",
            "button",
            "center",
            "col",
            "dd",
            "div",
            "dl",
            "dt",
            "embed",
            "fieldset",
            "figcaption",
            "figure",
            "font",
            "footer",
            "form",
            "frame",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "head",
            "header",
            "hr",
            "html",
            "i",
            "iframe",
            "img",
            "input",
            "keygen",
            "li",
            "link",
            "main",
            "meta",
            "nav",
            "o:p",
            "ol",
            "p",
            "param",
            "pre",
            "script",
            "section",
            "select",
            "source",
            "span",
            "strong",
            "style",
            "table",
            "tbody",
            "td",
            "textarea",
            "tfoot",
            "th",
            "thead",
            "title",
            "tr",
            "track",
            "u",
            "ul",
            "wbr",
            "w:lsdexception",
            "x",
        ];
        for n in names {
            let t = TagName::new(n.as_bytes());
            let b = n.as_bytes();
            assert_eq!(t.is(VOID), is_void(b), "{n}");
            assert_eq!(t.is(BLOCK), is_block(b), "{n}");
            assert_eq!(t.is(CELL), matches!(b, b"td" | b"th"), "{n}");
            assert_eq!(t.is(CLOSES_HIDDEN), closes_hidden_region(b), "{n}");
            let upper = n.to_ascii_uppercase();
            let (read, end) = TagName::read(format!("<{upper} x>").as_bytes(), 1);
            assert!(read == t && end == 1 + n.len(), "{n}");
        }
        // Every element `start_tag` and `end_tag` handle by name is SPECIAL (the others skip those matches).
        for n in [
            "a", "area", "img", "iframe", "frame", "embed", "script", "source", "link", "base", "meta", "form",
            "input", "select", "textarea", "button", "style", "title",
        ] {
            assert!(TagName::new(n.as_bytes()).is(SPECIAL), "{n}");
        }
    }

    #[test]
    fn lead_byte_filter_keeps_every_space_and_invisible_char() {
        for c in (0x80..=0x10ffff).filter_map(char::from_u32) {
            if c.is_whitespace() || is_invisible(c) {
                let mut buf = [0u8; 4];
                let lead = c.encode_utf8(&mut buf).as_bytes()[0];
                assert!(may_be_space_or_invisible(lead), "{c:?}");
                assert_eq!(utf8_len(lead), c.len_utf8());
            }
        }
        for c in ['é', 'あ', '漢', '😀', '\u{a0}'] {
            let mut buf = [0u8; 4];
            assert_eq!(utf8_len(c.encode_utf8(&mut buf).as_bytes()[0]), c.len_utf8());
        }
    }

    /// `style_hides` as it was before the single search and the property-first lookup.
    fn style_hides_reference(style: &str) -> bool {
        let mut zero_height = false;
        let mut overflow_hidden = false;
        let style = cut(style, 4096);
        let b = style.as_bytes();
        let mut decl_start = 0;
        while decl_start <= b.len() {
            let decl_end = b[decl_start..].iter().position(|&c| c == b';').map_or(b.len(), |o| decl_start + o);
            let decl = &style[decl_start..decl_end];
            decl_start = decl_end + 1;
            let Some(colon) = decl.bytes().position(|c| c == b':') else { continue };
            let (prop, value) = (&decl[..colon], &decl[colon + 1..]);
            let prop = prop.trim();
            let value = value.trim();
            let value = value.strip_suffix("!important").map_or(value, str::trim_end);
            let number = |v: &str| -> Option<(f32, String)> {
                let num_end = v.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(v.len());
                let num: f32 = v[..num_end].parse().ok()?;
                let rest = &v[num_end..];
                let unit_end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
                Some((num, rest[..unit_end].to_string()))
            };
            let is = |name: &str| prop.eq_ignore_ascii_case(name);
            if is("display") {
                if value.eq_ignore_ascii_case("none") {
                    return true;
                }
            } else if is("visibility") {
                if value.eq_ignore_ascii_case("hidden") {
                    return true;
                }
            } else if is("font-size") {
                if let Some((v, unit)) = number(value) {
                    let tiny = if unit.eq_ignore_ascii_case("em") || unit.eq_ignore_ascii_case("rem") {
                        v < 0.2
                    } else {
                        v < 2.0
                    };
                    if tiny {
                        return true;
                    }
                }
            } else if is("opacity") {
                if number(value).is_some_and(|(v, _)| v < 0.05) {
                    return true;
                }
            } else if is("max-height") || is("height") {
                zero_height |= number(value).is_some_and(|(v, _)| v == 0.0);
            } else if is("overflow") {
                overflow_hidden |= value.eq_ignore_ascii_case("hidden");
            }
        }
        zero_height && overflow_hidden
    }

    proptest! {
        #[test]
        fn separators_are_every_colon_and_semicolon(s in "[a-z:;0-9 é]{0,40}") {
            let expected: Vec<usize> =
                s.bytes().enumerate().filter(|(_, c)| matches!(c, b':' | b';')).map(|(i, _)| i).collect();
            prop_assert_eq!(Separators { b: s.as_bytes(), i: 0 }.collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn whole_numbers_read_as_the_float_parser_reads_them() {
        for n in ["0", "00", "1", "11.", "11.0", "11.00", "1234567", "0.000", "007"] {
            assert_eq!(whole_number(n), n.parse::<f32>().ok(), "{n}");
        }
        for n in ["", ".", ".0", "1.5", "12345678", "1.01", "1..0"] {
            assert_eq!(whole_number(n), None, "{n}");
        }
    }

    /// `TextSink::push_str` as it was before spaces were kept inside runs: one `push_run` per word.
    fn push_str_by_word(t: &mut TextSink, s: &str) {
        let mut start = 0;
        for (i, ch) in s.char_indices() {
            if ch.is_whitespace() || is_invisible(ch) {
                t.push_run(&s[start..i]);
                if ch.is_whitespace() {
                    t.pending_space = true;
                }
                start = i + ch.len_utf8();
            }
        }
        t.push_run(&s[start..]);
    }

    proptest! {
        #[test]
        fn text_sink_runs_with_spaces_match_word_by_word(
            pieces in proptest::collection::vec(
                ("[ a-z\t\n\u{3000}\u{200b}\u{a0}\u{feff}\u{2028}é漢あ😀.\x01]{0,12}", 0u8..3),
                0..12,
            ),
            max in 0usize..40,
        ) {
            let (mut fast, mut slow) = (TextSink::new(max), TextSink::new(max));
            for (text, between) in &pieces {
                fast.push_str(text);
                push_str_by_word(&mut slow, text);
                if !slow.full {
                    prop_assert_eq!(&fast.out, &slow.out);
                }
                match between {
                    1 => { fast.space(); slow.space(); }
                    2 => { fast.line_break(); slow.line_break(); }
                    _ => {}
                }
            }
            prop_assert_eq!(fast.finish(), slow.finish());
        }

        #[test]
        fn style_hides_matches_the_reference(
            style in r"(( |\t|\x0b|\xa0)?(display|DISPLAY|font-size|Font-Size|opacity|max-height|overflow|visibility|color|height|mso-x)( |\xa0|\x{3000})?:( |\x0b)?(none|hidden|NONE|0|0px|00\.0|1px|1\.9px|2px|0\.1em|0\.2rem|\.1|\.|12px|11\.0pt|0\.04|red|é)?( |\xa0)?(!important| !important|!IMPORTANT)?( |\x0b)?(;|:)?){0,6}",
        ) {
            prop_assert_eq!(style_hides(&style), style_hides_reference(&style));
        }

        #[test]
        fn never_panics_and_stays_bounded(input in ".{0,400}") {
            let s = scan(&input, ScanLimits { max_urls: 8, max_text_bytes: 64 });
            prop_assert!(s.text.len() <= 64);
            prop_assert!(s.anchors.len() <= 8 && s.urls.len() <= 8);
            for a in &s.anchors {
                prop_assert!(a.text_span.end <= s.text.len() && a.text_span.start <= a.text_span.end);
            }
        }

        #[test]
        fn never_panics_on_tag_soup(parts in proptest::collection::vec(prop_oneof![
            Just("<a href="), Just("<"), Just(">"), Just("\""), Just("'"), Just("&"), Just("&#x"), Just("&amp"),
            Just("</a>"), Just("<!--"), Just("-->"), Just("<script>"), Just("</script"), Just("<div style=display:none>"),
            Just("</div>"), Just("<form action=x>"), Just("<input type=password>"), Just("日本"), Just(" "), Just("https://x.example"),
            Just("<title>"), Just("<![CDATA["), Just("<meta http-equiv=refresh content='0;url=a'>"), Just("<base href=/>"),
        ], 0..60)) {
            let input: String = parts.concat();
            let s = sc(&input);
            prop_assert!(s.hidden_text.len() <= HIDDEN_REGIONS_MAX);
        }
    }
}
