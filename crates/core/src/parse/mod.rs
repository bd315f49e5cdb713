//! The only module that knows the mail parser's types. Everything else sees `Mail` and plain Rust values,
//! so upgrading mail-parser (or replacing it) touches this module alone.
//!
//! Hostile input is the normal case: sizes, part counts, header counts and depth are bounded here, and
//! whatever cannot be read becomes a `Problem` in the report instead of an error. Where mail-parser's
//! decoding is wrong for real Japanese mail (raw 8-bit Shift_JIS headers, ISO-2022-JP bodies with a wrong or
//! vendor-specific label, encoded-words split inside a character, base64 with garbage) the text is decoded
//! again here from the raw bytes (see `decode`).

pub mod decode;

use crate::config::Limits;
use crate::finding::cut_bytes as cut_str;
use crate::model::{Forwarded, Mailbox, Problem};
use mail_parser::parsers::MessageStream;
use mail_parser::{Address, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use std::borrow::Cow;
use std::sync::LazyLock;

/// mail-parser's default header parsers for the headers read through it, except that `Received` is not
/// parsed: `headers::received` reads every Received line with its own grammar, and mail-parser's Received
/// parser was about 3% of the whole analysis.
/// The only use of a parsed Received (is an attached message a message?) parses it on demand
/// (`has_own_headers`). Built once: the map is not rebuilt per message.
static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    use HeaderName as H;
    let mut p = MessageParser::new();
    for h in [H::Subject, H::Comments, H::ContentDescription, H::ContentLocation, H::ContentTransferEncoding] {
        p = p.header_text(h);
    }
    for h in [
        H::From,
        H::To,
        H::Cc,
        H::Bcc,
        H::ReplyTo,
        H::Sender,
        H::ResentTo,
        H::ResentFrom,
        H::ResentBcc,
        H::ResentCc,
        H::ResentSender,
    ] {
        p = p.header_address(h);
    }
    for h in [H::Date, H::ResentDate] {
        p = p.header_date(h);
    }
    for h in [H::MessageId, H::References, H::InReplyTo, H::ReturnPath, H::ContentId, H::ResentMessageId] {
        p = p.header_id(h);
    }
    for h in [H::Keywords, H::ContentLanguage] {
        p = p.header_comma_separated(h);
    }
    for h in [H::ContentType, H::ContentDisposition] {
        p = p.header_content_type(h);
    }
    // Everything else (Received, List-*, MIME-Version, DKIM-Signature, X-...) is skipped, not copied into a
    // value: this module reads those headers from the raw bytes at their offsets (`header_raw_all`,
    // `header_decoded`), and copying every long signature header cost about a twentieth of the analysis.
    p.default_header_ignore()
});

/// Kind of a readable body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Text,
    Html,
}

/// A readable body: a text/plain or text/html part (including HTML attachments, marked as such).
#[derive(Debug, Clone)]
pub struct Body<'a> {
    pub kind: BodyKind,
    pub text: Cow<'a, str>,
    /// True when the part is an attachment (e.g. an attached .html file), not the message body itself.
    pub is_attachment: bool,
    pub name: Option<String>,
}

/// A non-text part (attachment or inline binary such as an image).
#[derive(Debug, Clone)]
pub struct Part<'a> {
    pub name: Option<String>,
    /// Declared content type, lower case, e.g. "image/png".
    pub content_type: String,
    pub bytes: Cow<'a, [u8]>,
    pub inline: bool,
}

/// At most this many problems are kept (one per code); the rest add nothing for the reader.
const MAX_PROBLEMS: usize = 32;
/// An outer message whose own text is longer than this is a message in its own right, not a forwarding note.
const FORWARD_NOTE_MAX_CHARS: usize = 4000;

/// What this module decoded again because mail-parser's result was unusable.
enum PartFix {
    Text { kind: BodyKind, text: String, is_body: bool },
    Binary { bytes: Vec<u8>, inline: bool },
}

/// Per part of the analysed message: nesting depth and any re-decoded content.
#[derive(Default)]
struct PartView {
    /// Deeper than `max_depth`: not examined.
    too_deep: bool,
    fix: Option<PartFix>,
}

/// A parsed message, possibly the inner message of a forward-as-attachment wrapper.
pub struct Mail<'x> {
    outer: Option<Message<'x>>,
    /// Index in `outer.parts` of the message/rfc822 part analysed instead of the wrapper.
    inner_part: Option<usize>,
    /// An attached message that mail-parser left as bytes (e.g. an `.eml` sent as application/octet-stream),
    /// parsed here.
    inner_owned: Option<Box<Message<'static>>>,
    pub problems: Vec<Problem>,
    pub forwarded: Option<Forwarded>,
    pub size: usize,
    limits: Limits,
    views: Vec<PartView>,
}

fn problem(code: &str, detail: impl Into<String>) -> Problem {
    Problem { code: code.to_string(), detail: detail.into() }
}

impl<'x> Mail<'x> {
    /// Parse raw bytes. Never fails: an unreadable message is an empty `Mail` with problems.
    pub fn parse(raw: &'x [u8], limits: &Limits) -> Mail<'x> {
        let mut problems = Vec::new();
        let raw = match raw.get(..limits.max_message_bytes) {
            Some(cut) if cut.len() < raw.len() => {
                problems.push(problem(
                    "limit.message_size",
                    format!("message is {} bytes; only the first {} were read", raw.len(), limits.max_message_bytes),
                ));
                cut
            }
            _ => raw,
        };
        let raw = cap_message_nesting(raw, limits, &mut problems);
        // mail-parser is written not to panic, but it has debug assertions on paths hostile input reaches;
        // a panic there must cost this message, not the batch it is part of.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| PARSER.parse(raw)));
        let outer = match parsed {
            Ok(m) => m.filter(|m| !m.parts.is_empty()),
            Err(_) => {
                problems.push(problem("parse.parser_failed", "the MIME parser failed on this message"));
                None
            }
        };
        if outer.is_none() {
            problems.push(problem("parse.no_message", "no RFC 5322 header section could be read"));
        }
        let mut mail = Mail {
            outer,
            inner_part: None,
            inner_owned: None,
            problems,
            forwarded: None,
            size: raw.len(),
            limits: limits.clone(),
            views: Vec::new(),
        };
        mail.select_forwarded();
        mail.examine();
        mail
    }

    fn push_problem(&mut self, code: &str, detail: impl Into<String>) {
        if self.problems.len() < MAX_PROBLEMS && !self.problems.iter().any(|p| p.code == code) {
            self.problems.push(problem(code, detail));
        }
    }

    /// Forward-as-attachment: an outer mail whose own content is at most a short note and which carries a
    /// message (message/rfc822, possibly base64-encoded, or an attached .eml). Bounces also carry the
    /// original message, but they are analysed as the bounce itself.
    fn select_forwarded(&mut self) {
        let Some(outer) = &self.outer else { return };
        // Most mail carries no message at all: look for a candidate first (cheap), and only then pay for the
        // bounce test and the length of the outer text.
        let candidate = outer.parts.iter().take(self.limits.max_parts).any(|part| match &part.body {
            PartType::Message(m) => has_own_headers(m),
            PartType::Binary(b) | PartType::InlineBinary(b) => looks_like_attached_message(part, b),
            _ => false,
        });
        if !candidate
            || is_bounce_or_report(outer, self.limits.max_parts)
            || outer_note_chars(outer, FORWARD_NOTE_MAX_CHARS) > FORWARD_NOTE_MAX_CHARS
        {
            return;
        }
        let mut inner_part = None;
        let mut inner_owned = None;
        for (i, part) in outer.parts.iter().enumerate().take(self.limits.max_parts) {
            match &part.body {
                PartType::Message(m) if has_own_headers(m) => {
                    inner_part = Some(i);
                    break;
                }
                PartType::Binary(b) | PartType::InlineBinary(b) if looks_like_attached_message(part, b) => {
                    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        PARSER.parse(b.as_ref()).map(Message::into_owned)
                    }));
                    if let Ok(Some(m)) = parsed.map(|m| m.filter(|m| has_own_headers(m))) {
                        inner_owned = Some(Box::new(m));
                        break;
                    }
                }
                _ => {}
            }
        }
        if inner_part.is_none() && inner_owned.is_none() {
            return;
        }
        let wrapper_from = outer.from().and_then(first_mailbox).and_then(|m| m.address);
        let wrapper_subject = self.outer_subject();
        self.inner_part = inner_part;
        self.inner_owned = inner_owned;
        self.forwarded = Some(Forwarded { wrapper_from, wrapper_subject });
    }

    fn outer_subject(&self) -> Option<String> {
        let outer = self.outer.as_ref()?;
        header_decoded(outer, "Subject", &self.limits).or_else(|| outer.subject().map(str::to_string))
    }

    /// The message analysed: the forwarded inner message if there is one, else the message itself.
    fn msg(&self) -> Option<&Message<'x>> {
        if let Some(m) = &self.inner_owned {
            return Some(m);
        }
        let outer = self.outer.as_ref()?;
        if let Some(i) = self.inner_part
            && let Some(PartType::Message(m)) = outer.parts.get(i).map(|p| &p.body)
            && !m.parts.is_empty()
        {
            return Some(m);
        }
        Some(outer)
    }

    /// Check the limits on the analysed message and decode again whatever mail-parser got wrong.
    fn examine(&mut self) {
        let Some(msg) = self.msg() else { return };
        let limits = &self.limits;
        let mut found: Vec<Problem> = Vec::new();
        let mut note = |code: &str, detail: String| {
            if !found.iter().any(|p| p.code == code) {
                found.push(problem(code, detail));
            }
        };
        if msg.parts.len() > limits.max_parts {
            note(
                "limit.parts",
                format!("{} MIME parts; only the first {} are examined", msg.parts.len(), limits.max_parts),
            );
        }
        let headers = msg.headers();
        if headers.len() > limits.max_headers {
            note(
                "limit.headers",
                format!("{} header fields; only the first {} are read", headers.len(), limits.max_headers),
            );
        }
        if headers
            .iter()
            .take(limits.max_headers)
            .any(|h| (h.offset_end() as usize).saturating_sub(h.offset_start() as usize) > limits.max_header_bytes)
        {
            note(
                "limit.header_bytes",
                format!("a header field is longer than {} bytes and was cut", limits.max_header_bytes),
            );
        }

        // Depth of every part, walking the multipart tree from the root (bounded by the part limit).
        let n = msg.parts.len().min(limits.max_parts);
        let mut views: Vec<PartView> = (0..n).map(|_| PartView::default()).collect();
        let mut stack = vec![(0usize, 0usize)];
        let mut visited = 0usize;
        let mut deepest = 0usize;
        while let Some((id, depth)) = stack.pop() {
            visited += 1;
            if visited > n {
                break;
            }
            deepest = deepest.max(depth);
            if depth > limits.max_depth
                && let Some(v) = views.get_mut(id)
            {
                v.too_deep = true;
            }
            if let Some(PartType::Multipart(children)) = msg.parts.get(id).map(|p| &p.body) {
                for &c in children.iter().rev() {
                    let c = c as usize;
                    // Children always come after their parent; anything else would be a cycle.
                    if c > id && c < n {
                        stack.push((c, depth + 1));
                    }
                }
            }
        }
        // Parts never reached from the root are not examined when the root itself is too deep to matter.
        let nested_depth = nested_message_depth(msg, limits);
        if deepest > limits.max_depth || nested_depth > limits.max_depth {
            note(
                "limit.depth",
                format!(
                    "MIME parts nested {} levels deep; parts below level {} are not examined",
                    deepest.max(nested_depth),
                    limits.max_depth
                ),
            );
        }

        // Text the parser could not decode properly: decode again from the raw bytes.
        for (i, part) in msg.parts.iter().enumerate().take(n) {
            if views[i].too_deep {
                continue;
            }
            let (fix, issues) = redecode_part(msg, i, part, limits);
            for (code, detail) in issues {
                note(code, detail);
            }
            views[i].fix = fix;
        }

        // Headers: raw 8-bit bytes, broken encoded-words, unknown charsets.
        for name in ["Subject", "From"] {
            if let Some(bytes) = header_raw_bytes(msg, name, limits) {
                if !bytes.is_ascii() && std::str::from_utf8(bytes).is_err() {
                    note(
                        "header.raw_8bit",
                        format!("{name} is written in raw 8-bit bytes without MIME encoding; charset detected"),
                    );
                }
                let text = unfold(&decode::header_bytes_to_text(bytes));
                let (_, issues) = decode::decode_words(&text);
                if issues.broken {
                    note("header.broken_encoded_word", format!("{name} has a malformed MIME encoded-word"));
                }
                if issues.unknown_charset {
                    note("charset.unknown", format!("{name} uses an unknown charset; charset detected"));
                }
                if issues.mislabelled {
                    note("charset.mislabelled", format!("{name} is labelled with the wrong charset"));
                }
            }
        }
        self.views = views;
        for p in found {
            self.push_problem(&p.code, p.detail);
        }
    }

    /// True when no header section could be read at all.
    pub fn is_empty(&self) -> bool {
        self.outer.is_none()
    }

    /// Raw, unfolded values of every header with this name (case-insensitive), top to bottom.
    /// Bytes that are not UTF-8 are decoded with a detected charset (raw Shift_JIS headers exist).
    pub fn header_raw_all(&self, name: &str) -> Vec<String> {
        let Some(msg) = self.msg() else {
            return Vec::new();
        };
        msg.headers()
            .iter()
            .take(self.limits.max_headers)
            .filter(|h| h.name().eq_ignore_ascii_case(name))
            .filter_map(|h| header_bytes(msg, h.offset_start(), h.offset_end(), &self.limits))
            .map(|bytes| unfold(&decode_bytes(bytes)))
            .collect()
    }

    /// Names of all headers, top to bottom (bounded).
    pub fn header_names(&self) -> Vec<String> {
        let Some(msg) = self.msg() else {
            return Vec::new();
        };
        msg.headers().iter().take(self.limits.max_headers).map(|h| h.name().to_string()).collect()
    }

    /// Decoded text of the first header with this name: raw 8-bit bytes and MIME encoded-words (including
    /// broken ones) decoded, folding removed, trimmed.
    pub fn header_text(&self, name: &str) -> Option<String> {
        let msg = self.msg()?;
        if let Some(t) = header_decoded(msg, name, &self.limits) {
            return Some(t);
        }
        let h = msg.headers().iter().take(self.limits.max_headers).find(|h| h.name().eq_ignore_ascii_case(name))?;
        match h.value() {
            HeaderValue::Text(t) => Some(t.to_string()),
            HeaderValue::TextList(l) => Some(l.join(", ")),
            _ => None,
        }
    }

    pub fn subject(&self) -> Option<String> {
        let msg = self.msg()?;
        header_decoded(msg, "Subject", &self.limits).or_else(|| msg.subject().map(str::to_string))
    }

    /// The From mailbox. A stray comma in the display name (`Microsoft account team ,_<x@evil.example>`) splits
    /// it into a name-only mailbox and the real one: the first mailbox with an address is the sender, named by
    /// what was written before it.
    pub fn from(&self) -> Option<Mailbox> {
        let msg = self.msg()?;
        let all = self.mailboxes(msg.from(), "From", 8);
        let Some(pos) = all.iter().position(|m| m.address.is_some()) else { return all.into_iter().next() };
        let meaningful = |n: &&str| n.chars().any(char::is_alphanumeric);
        let names: Vec<&str> =
            all[..=pos].iter().filter_map(|m| m.display_name.as_deref()).filter(meaningful).collect();
        let mut m = all[pos].clone();
        if pos > 0 && !names.is_empty() {
            m.display_name = Some(names.join(" ").trim_end_matches([',', '_', ' ']).to_string());
        }
        Some(m)
    }

    pub fn sender(&self) -> Option<Mailbox> {
        let msg = self.msg()?;
        self.mailboxes(msg.sender(), "Sender", 1).into_iter().next()
    }

    pub fn reply_to(&self) -> Vec<Mailbox> {
        self.msg().map(|m| self.mailboxes(m.reply_to(), "Reply-To", 100)).unwrap_or_default()
    }

    pub fn to(&self) -> Vec<Mailbox> {
        self.msg().map(|m| self.mailboxes(m.to(), "To", 100)).unwrap_or_default()
    }

    /// Mailboxes as mail-parser read them, with display names re-read from the raw header when mail-parser
    /// could not decode them (raw 8-bit names, encoded-words split inside a character, unknown charsets).
    fn mailboxes(&self, parsed: Option<&Address<'_>>, header: &str, max: usize) -> Vec<Mailbox> {
        let Some(parsed) = parsed else { return Vec::new() };
        let mut boxes: Vec<Mailbox> = parsed.iter().take(max).map(|x| to_mailbox(x.name(), x.address())).collect();
        let needs_fix = boxes.iter().any(|b| b.display_name.as_deref().is_some_and(garbled));
        let raw_8bit = self
            .msg()
            .and_then(|m| header_raw_bytes(m, header, &self.limits))
            .is_some_and(|b| !b.is_ascii() && std::str::from_utf8(b).is_err());
        if !needs_fix && !raw_8bit {
            return boxes;
        }
        let Some(raw) = self.header_raw_all(header).into_iter().next() else { return boxes };
        let names = raw_display_names(&raw, max);
        let aligned = names.len() == boxes.len();
        for (i, b) in boxes.iter_mut().enumerate() {
            if !(aligned || i == 0) {
                break;
            }
            let bad = b.display_name.as_deref().is_some_and(garbled) || raw_8bit;
            if bad && let Some(Some(n)) = names.get(i) {
                b.display_name = Some(n.clone());
            }
        }
        boxes
    }

    /// Return-Path address without brackets (empty string for the null sender `<>`).
    pub fn return_path(&self) -> Option<String> {
        let raw = self.header_raw_all("Return-Path").into_iter().next()?;
        let t = raw.trim();
        let t = match (t.find('<'), t.rfind('>')) {
            (Some(a), Some(b)) if a < b => &t[a + 1..b],
            _ => t,
        };
        Some(t.trim().to_string())
    }

    /// Message-ID without brackets.
    pub fn message_id(&self) -> Option<String> {
        if let Some(id) = self.msg()?.message_id() {
            return Some(id.to_string());
        }
        // mail-parser rejects some malformed ids; keep what was written.
        let raw = self.header_raw_all("Message-ID").into_iter().next()?;
        let t = raw.trim().trim_start_matches('<').trim_end_matches('>').trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// Date header as (unix seconds, raw text).
    pub fn date(&self) -> (Option<i64>, Option<String>) {
        let Some(msg) = self.msg() else {
            return (None, None);
        };
        let raw = self.header_raw_all("Date").into_iter().next().map(|s| s.trim().to_string());
        (msg.date().map(|d| d.to_timestamp()), raw)
    }

    /// Readable bodies: text/plain and text/html parts, then HTML attachments.
    pub fn bodies(&self) -> Vec<Body<'_>> {
        let Some(msg) = self.msg() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let max = self.limits.max_body_bytes;
        for (i, part) in msg.parts.iter().enumerate().take(self.limits.max_parts) {
            let view = self.views.get(i);
            if view.is_some_and(|v| v.too_deep) {
                continue;
            }
            let name = part.attachment_name().map(str::to_string);
            match view.and_then(|v| v.fix.as_ref()) {
                Some(PartFix::Text { kind, text, is_body }) => {
                    out.push(Body {
                        kind: *kind,
                        text: Cow::Borrowed(cut_str(text, max)),
                        is_attachment: !is_body,
                        name,
                    });
                    continue;
                }
                Some(PartFix::Binary { .. }) => continue,
                None => {}
            }
            let id = i as u32;
            let is_attachment = msg.attachments.contains(&id);
            let in_body = msg.text_body.contains(&id) || msg.html_body.contains(&id);
            let (kind, text) = match &part.body {
                PartType::Text(t) => (BodyKind::Text, t),
                PartType::Html(h) => (BodyKind::Html, h),
                _ => continue,
            };
            if !in_body && !is_attachment {
                continue;
            }
            out.push(Body {
                kind,
                text: Cow::Borrowed(cut_str(text, max)),
                is_attachment: is_attachment && !in_body,
                name,
            });
        }
        out
    }

    /// Non-text parts: attachments and inline binaries (images).
    pub fn parts(&self) -> Vec<Part<'_>> {
        let Some(msg) = self.msg() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, part) in msg.parts.iter().enumerate().take(self.limits.max_parts) {
            let view = self.views.get(i);
            if view.is_some_and(|v| v.too_deep) {
                continue;
            }
            let (bytes, inline): (Cow<'_, [u8]>, bool) = match (view.and_then(|v| v.fix.as_ref()), &part.body) {
                (Some(PartFix::Binary { bytes, inline }), _) => (Cow::Borrowed(bytes.as_slice()), *inline),
                (Some(PartFix::Text { .. }), _) => continue,
                (None, PartType::Binary(b)) => (Cow::Borrowed(b.as_ref()), false),
                (None, PartType::InlineBinary(b)) => (Cow::Borrowed(b.as_ref()), true),
                _ => continue,
            };
            out.push(Part {
                name: part.attachment_name().map(str::to_string),
                content_type: declared_type(part).unwrap_or_else(|| "application/octet-stream".to_string()),
                bytes,
                inline,
            });
        }
        out
    }
}

/// Content types under which the parser nests a whole message (a digest's parts default to message/rfc822):
/// the part before the slash, and the subtypes that nest.
const NESTING_TYPES: &[(&[u8], &[&[u8]])] = &[(b"message", &[b"rfc822", b"global"]), (b"multipart", &[b"digest"])];

/// Start of the nesting content type (`message/rfc822`, `message/global`, `multipart/digest`, any case) whose
/// slash is at `slash`, if there is one.
fn nesting_type_at(raw: &[u8], slash: usize) -> Option<usize> {
    let after = raw.get(slash + 1..)?;
    NESTING_TYPES.iter().find_map(|(ty, subtypes)| {
        let start = slash.checked_sub(ty.len())?;
        let named = raw.get(start..slash)?.eq_ignore_ascii_case(ty)
            && subtypes.iter().any(|st| after.get(..st.len()).is_some_and(|a| a.eq_ignore_ascii_case(st)));
        named.then_some(start)
    })
}

/// Attackers can nest message/rfc822 parts thousands deep: the parser follows them all, and dropping such a
/// tree recurses once per level (10,000 levels overflow the stack). Cut the input before the number of
/// attached messages passes a generous bound (siblings count too, which only makes the cut earlier).
///
/// This runs over every byte of every message, so it looks only at slashes (memchr) and compares the few bytes
/// around each: several times faster than a case-insensitive multi-pattern search, whose start bytes (m, M)
/// are common in text and base64.
fn cap_message_nesting<'a>(raw: &'a [u8], limits: &Limits, problems: &mut Vec<Problem>) -> &'a [u8] {
    let cap = (limits.max_parts / 4).max(64);
    let mut seen = 0usize;
    for slash in memchr::memchr_iter(b'/', raw) {
        let Some(start) = nesting_type_at(raw, slash) else { continue };
        if seen < cap {
            seen += 1;
            continue;
        }
        // Cut at the start of the line that names the (cap+1)th attached message.
        let line_start = raw[..start].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        problems.push(problem(
            "limit.depth",
            format!("more than {cap} attached messages (message/rfc822); the rest of the message was not read"),
        ));
        return &raw[..line_start];
    }
    raw
}

/// Depth of message/rfc822 nesting below `msg`, walked with an explicit stack and a visit budget.
fn nested_message_depth(msg: &Message<'_>, limits: &Limits) -> usize {
    let mut deepest = 0usize;
    let mut budget = limits.max_parts;
    let mut stack: Vec<(&Message<'_>, usize)> = vec![(msg, 0)];
    while let Some((m, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if depth > limits.max_depth {
            continue;
        }
        for p in m.parts.iter() {
            if budget == 0 {
                return deepest;
            }
            budget -= 1;
            if let PartType::Message(inner) = &p.body {
                stack.push((inner, depth + 1));
            }
        }
    }
    deepest
}

/// Multipart/report bounces (delivery-status), read receipts, and the classic bounce senders and subjects:
/// analysed as themselves, not as the message they quote. ARF abuse reports (feedback-report) are not
/// bounces: their attached message is the one to analyse.
fn is_bounce_or_report(outer: &Message<'_>, max_parts: usize) -> bool {
    if let Some(ct) = outer.content_type()
        && ct.ctype().eq_ignore_ascii_case("multipart")
        && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
        && !ct.attribute("report-type").is_some_and(|r| r.eq_ignore_ascii_case("feedback-report"))
    {
        return true;
    }
    for part in outer.parts.iter().take(max_parts) {
        if let Some(t) = declared_type(part)
            && (t.starts_with("message/delivery-status") || t.starts_with("message/global-delivery-status"))
        {
            return true;
        }
    }
    if let Some(addr) = outer.from().and_then(first_mailbox).and_then(|m| m.address) {
        let local = addr.split('@').next().unwrap_or("").to_ascii_lowercase();
        if matches!(local.as_str(), "mailer-daemon" | "postmaster" | "mail-daemon" | "mailerdaemon") {
            return true;
        }
    }
    // Delivery reports are sent with the null reverse path; people forwarding mail are not.
    if outer
        .headers()
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case("Return-Path"))
        .and_then(|h| outer.raw_message.get(h.offset_start() as usize..h.offset_end() as usize))
        .is_some_and(|b| b.iter().filter(|c| !c.is_ascii_whitespace()).eq(b"<>".iter()))
    {
        return true;
    }
    let mut subject = outer.subject().unwrap_or("").to_lowercase();
    // The start of the outer text says "could not be delivered" when the subject does not.
    subject.push('\n');
    subject.push_str(&outer_note_sample(outer).to_lowercase());
    const BOUNCE_SUBJECTS: &[&str] = &[
        "undeliver",
        "undelivered",
        "delivery status",
        "delivery failure",
        "delivery has failed",
        "delivery failed",
        "returned mail",
        "failure notice",
        "could not be delivered",
        "could not send",
        "non-delivery",
        "not delivered",
        "delivery notification",
        "配信不能",
        "配送エラー",
        "送信できません",
        "届きませんでした",
        "宛先不明",
        "エラーメール",
    ];
    BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s))
}

/// Chars of the outer message's own readable text (HTML without its tags), to tell a forwarding note from
/// a message of its own. Counting stops once past `limit` (the result is then some number above it).
fn outer_note_chars(outer: &Message<'_>, limit: usize) -> usize {
    let mut total = 0usize;
    let ids = if outer.text_body.is_empty() { &outer.html_body } else { &outer.text_body };
    for id in ids.iter().take(16) {
        if total > limit {
            break;
        }
        let room = limit + 1 - total;
        match outer.parts.get(*id as usize).map(|p| &p.body) {
            Some(PartType::Text(t)) => total += t.trim().chars().take(room).count(),
            Some(PartType::Html(h)) => total += html_text_chars(h, room),
            _ => {}
        }
    }
    total
}

/// The first chars of the outer message's plain text.
fn outer_note_sample(outer: &Message<'_>) -> String {
    outer
        .text_body
        .iter()
        .take(4)
        .filter_map(|id| match outer.parts.get(*id as usize).map(|p| &p.body) {
            Some(PartType::Text(t)) => Some(t.chars().take(1000).collect::<String>()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rough count of non-blank chars outside tags, enough to size a note; stops at `max`.
fn html_text_chars(html: &str, max: usize) -> usize {
    let mut in_tag = false;
    let mut n = 0usize;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag && !c.is_whitespace() => {
                n += 1;
                if n >= max {
                    break;
                }
            }
            _ => {}
        }
    }
    n
}

fn has_own_headers(m: &Message<'_>) -> bool {
    !m.parts.is_empty() && (m.from().is_some() || m.subject().is_some() || last_received_parses(m))
}

/// What `Message::received().is_some()` answers under mail-parser's default parsers (`PARSER` keeps Received
/// raw): the last Received header yields at least one field.
fn last_received_parses(m: &Message<'_>) -> bool {
    let Some(h) = m.parts.first().and_then(|p| p.headers.iter().rev().find(|h| h.name == HeaderName::Received)) else {
        return false;
    };
    let (s, e) = (h.offset_start() as usize, h.offset_end() as usize);
    m.raw_message
        .get(s..e.max(s))
        .is_some_and(|raw| matches!(MessageStream::new(raw).parse_received(), HeaderValue::Received(_)))
}

/// A binary part that is an attached message: message/rfc822 that the parser could not descend into, or an
/// `.eml` file sent with a generic type.
fn looks_like_attached_message(part: &MessagePart<'_>, bytes: &[u8]) -> bool {
    let ty = declared_type(part).unwrap_or_default();
    let named_eml = part.attachment_name().is_some_and(|n| n.to_ascii_lowercase().ends_with(".eml"));
    (ty == "message/rfc822" || named_eml) && bytes.len() > 20
}

/// Declared content type of a part, lower case, without parameters.
fn declared_type(part: &MessagePart<'_>) -> Option<String> {
    part.content_type().map(|ct| {
        match ct.subtype() {
            Some(st) => format!("{}/{}", ct.ctype(), st),
            None => ct.ctype().to_string(),
        }
        .to_ascii_lowercase()
    })
}

/// Raw bytes of a header value, bounded.
fn header_bytes<'m>(msg: &'m Message<'_>, start: u32, end: u32, limits: &Limits) -> Option<&'m [u8]> {
    let (s, e) = (start as usize, end as usize);
    // Header offsets index the whole buffer the message was parsed from (for an inline attached message,
    // the outer message), so the field is used, not `raw_message()`.
    msg.raw_message.get(s..e.min(s.saturating_add(limits.max_header_bytes)).max(s))
}

fn header_raw_bytes<'m>(msg: &'m Message<'_>, name: &str, limits: &Limits) -> Option<&'m [u8]> {
    let h = msg.headers().iter().take(limits.max_headers).find(|h| h.name().eq_ignore_ascii_case(name))?;
    header_bytes(msg, h.offset_start(), h.offset_end(), limits)
}

/// First header with this name, decoded by this module (raw 8-bit bytes, encoded-words, folding).
fn header_decoded(msg: &Message<'_>, name: &str, limits: &Limits) -> Option<String> {
    let bytes = header_raw_bytes(msg, name, limits)?;
    let text = unfold(&decode::header_bytes_to_text(bytes));
    let (decoded, _) = decode::decode_words(&text);
    Some(strip_controls(decoded.trim()))
}

fn strip_controls(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() || *c == '\t').collect()
}

/// A display name mail-parser could not decode.
fn garbled(s: &str) -> bool {
    s.contains('\u{FFFD}') || s.contains("=?") || s.chars().any(|c| c.is_control())
}

/// Display names of the mailboxes in a raw address header, in order: the text before `<` (quotes removed,
/// encoded-words decoded) or a trailing `(comment)`. Commas inside quotes, angle brackets and comments do not
/// separate mailboxes.
fn raw_display_names(raw: &str, max: usize) -> Vec<Option<String>> {
    let mut items: Vec<String> = Vec::new();
    let mut cur = String::new();
    let (mut in_quote, mut in_angle, mut paren) = (false, false, 0usize);
    let mut escaped = false;
    for c in raw.chars() {
        if items.len() >= max {
            break;
        }
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quote => {
                escaped = true;
                continue;
            }
            '"' if paren == 0 => in_quote = !in_quote,
            '<' if !in_quote && paren == 0 => in_angle = true,
            '>' if !in_quote && paren == 0 => in_angle = false,
            '(' if !in_quote => paren += 1,
            ')' if !in_quote => paren = paren.saturating_sub(1),
            ',' if !in_quote && !in_angle && paren == 0 => {
                items.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if items.len() < max && !cur.trim().is_empty() {
        items.push(cur);
    }
    items
        .iter()
        .map(|item| {
            let item = item.trim();
            let name = match item.find('<') {
                Some(p) => item[..p].trim(),
                None => match (item.find('('), item.rfind(')')) {
                    (Some(a), Some(b)) if a < b => item[a + 1..b].trim(),
                    _ => "",
                },
            };
            let name = name.trim_matches('"').trim();
            let (decoded, _) = decode::decode_words(name);
            let decoded = strip_controls(decoded.trim().trim_matches('"').trim());
            (!decoded.is_empty()).then_some(decoded)
        })
        .collect()
}

/// Decode a text/* part again from its raw bytes when mail-parser's text is unusable (transfer encoding
/// with garbage, a charset label it does not know or that does not fit); also recover binary parts whose
/// base64 was broken (mail-parser then returns the encoded text). Returns the fix and the problems seen.
fn redecode_part(
    msg: &Message<'_>,
    index: usize,
    part: &MessagePart<'_>,
    limits: &Limits,
) -> (Option<PartFix>, Vec<(&'static str, String)>) {
    let mut issues = Vec::new();
    let current: &str = match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.as_ref(),
        _ => return (None, issues),
    };
    let suspicious_text = memchr::memchr(0x1b, current.as_bytes()).is_some()
        || memchr::memmem::find(current.as_bytes(), "\u{FFFD}".as_bytes()).is_some();
    if !part.is_encoding_problem && !suspicious_text {
        return (None, issues);
    }
    let declared = declared_type(part);
    let is_text_type = declared.as_deref().is_none_or(|t| t.starts_with("text/"));
    let cte = part.content_transfer_encoding().map(|s| s.trim().to_ascii_lowercase()).or_else(|| {
        // mail-parser only keeps the header's text when it parsed; fall back to the raw header.
        part.headers
            .iter()
            .find(|h| h.name().eq_ignore_ascii_case("Content-Transfer-Encoding"))
            .and_then(|h| header_bytes(msg, h.offset_start(), h.offset_end(), limits))
            .map(|b| String::from_utf8_lossy(b).trim().to_ascii_lowercase())
    });
    // Raw encoded bytes of the part body (bounded so that a huge part cannot cost unbounded work).
    let (start, end) = (part.offset_body as usize, part.offset_end as usize);
    let raw_cap = limits.max_body_bytes.saturating_mul(2);
    let Some(raw) = msg.raw_message.get(start..end.min(start.saturating_add(raw_cap)).max(start)) else {
        return (None, issues);
    };
    let where_ = format!("part {index} ({})", declared.as_deref().unwrap_or("text/plain"));
    let bytes: Cow<'_, [u8]> = match cte.as_deref() {
        Some(c) if c.starts_with("base64") => {
            let (b, garbage) = decode::base64_lenient(raw);
            if garbage > 0 || part.is_encoding_problem {
                issues.push((
                    "encoding.broken_base64",
                    format!("{where_}: {garbage} bytes outside the base64 alphabet were skipped"),
                ));
            }
            Cow::Owned(b)
        }
        Some(c) if c.starts_with("quoted-printable") => {
            let (b, broken) = decode::qp_lenient(raw);
            if broken > 0 || part.is_encoding_problem {
                issues.push((
                    "encoding.broken_qp",
                    format!("{where_}: {broken} malformed quoted-printable escapes kept as written"),
                ));
            }
            Cow::Owned(b)
        }
        _ => Cow::Borrowed(raw),
    };
    if !is_text_type {
        // A binary attachment whose base64 was broken: hand out the decoded bytes, not the base64 text.
        let inline = declared.as_deref().is_some_and(|t| t.starts_with("image/"))
            && !part.content_disposition().is_some_and(|d| d.is_attachment());
        return (Some(PartFix::Binary { bytes: bytes.into_owned(), inline }), issues);
    }
    let label = part.content_type().and_then(|ct| ct.attribute("charset")).map(str::to_string);
    let decoded = decode::decode_text(&bytes, label.as_deref());
    match decoded.note {
        decode::CharsetNote::Unknown => issues.push((
            "charset.unknown",
            format!("{where_}: unknown charset {:?}; read as {}", label.unwrap_or_default(), decoded.encoding.name()),
        )),
        decode::CharsetNote::Mislabelled => issues.push((
            "charset.mislabelled",
            format!("{where_}: labelled {:?} but written in {}", label.unwrap_or_default(), decoded.encoding.name()),
        )),
        decode::CharsetNote::Sniffed => {
            issues.push(("charset.missing", format!("{where_}: no charset given; read as {}", decoded.encoding.name())))
        }
        decode::CharsetNote::Fine => {}
    }
    let text = strip_nul(decoded.text);
    // Keep mail-parser's text if ours is no better (e.g. truly binary junk either way).
    if !part.is_encoding_problem && garbage_score(&text) >= garbage_score(current) {
        return (None, issues);
    }
    let kind = if declared.as_deref() == Some("text/html") { BodyKind::Html } else { BodyKind::Text };
    let id = index as u32;
    let is_body = if part.is_encoding_problem {
        // mail-parser demoted the part to an attachment because it could not decode it.
        !part.content_disposition().is_some_and(|d| d.is_attachment())
            && matches!(declared.as_deref(), None | Some("text/plain" | "text/html"))
    } else {
        msg.text_body.contains(&id) || msg.html_body.contains(&id)
    };
    (Some(PartFix::Text { kind, text, is_body }), issues)
}

/// The text without NUL and escape characters, copied only when it has some (a decoded body can be megabytes).
fn strip_nul(text: Cow<'_, str>) -> String {
    if !text.bytes().any(|b| b == 0 || b == 0x1b) {
        return text.into_owned();
    }
    text.chars().filter(|&c| c != '\0' && c != '\u{1b}').collect()
}

/// Replacement and escape characters: what a wrong decode leaves behind.
fn garbage_score(s: &str) -> usize {
    s.chars().filter(|&c| c == '\u{FFFD}' || c == '\u{1b}').count()
}

/// Decode header bytes: UTF-8 if valid, else the most likely legacy charset.
pub fn decode_bytes(bytes: &[u8]) -> Cow<'_, str> {
    decode::header_bytes_to_text(bytes)
}

/// Remove header folding (CRLF / LF followed by white space): each line break with the blanks after it
/// becomes one space; a line break without blanks after it is dropped. Runs for every header read, so it
/// copies the text between line breaks in slices (memchr) rather than char by char.
pub fn unfold(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0usize;
    while let Some(off) = memchr::memchr2(b'\r', b'\n', b.get(i..).unwrap_or_default()) {
        let brk = i + off;
        out.push_str(s.get(i..brk).unwrap_or_default());
        let mut j = brk;
        while matches!(b.get(j), Some(b'\r' | b'\n')) {
            j += 1;
        }
        if matches!(b.get(j), Some(b' ' | b'\t')) {
            out.push(' ');
            while matches!(b.get(j), Some(b' ' | b'\t')) {
                j += 1;
            }
        }
        i = j;
    }
    out.push_str(s.get(i..).unwrap_or_default());
    out
}

fn to_mailbox(name: Option<&str>, address: Option<&str>) -> Mailbox {
    let address = address.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
    let domain = address.as_deref().and_then(crate::domain::address_domain);
    let display_name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    Mailbox { display_name, address, domain }
}

fn first_mailbox(a: &Address<'_>) -> Option<Mailbox> {
    a.first().map(|x| to_mailbox(x.name(), x.address()))
}

#[cfg(test)]
mod tests;
