//! The only module that knows the mail parser's types. Everything else sees `Mail` and plain Rust values,
//! so upgrading mail-parser (or replacing it) touches this file alone.
//!
//! Hostile input is the normal case: sizes, part counts and depth are bounded here, and whatever cannot be
//! read becomes a `Problem` in the report instead of an error.

use crate::config::Limits;
use crate::model::{Forwarded, Mailbox, Problem};
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use std::borrow::Cow;

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

/// A parsed message, possibly the inner message of a forward-as-attachment wrapper.
pub struct Mail<'x> {
    outer: Option<Message<'x>>,
    /// Index in `outer.parts` of the message/rfc822 part analysed instead of the wrapper.
    inner_part: Option<usize>,
    pub problems: Vec<Problem>,
    pub forwarded: Option<Forwarded>,
    pub size: usize,
    limits: Limits,
}

fn problem(code: &str, detail: impl Into<String>) -> Problem {
    Problem { code: code.to_string(), detail: detail.into() }
}

impl<'x> Mail<'x> {
    /// Parse raw bytes. Never fails: an unreadable message is an empty `Mail` with problems.
    pub fn parse(raw: &'x [u8], limits: &Limits) -> Mail<'x> {
        let mut problems = Vec::new();
        let raw = if raw.len() > limits.max_message_bytes {
            problems.push(problem(
                "limit.message_size",
                format!("message is {} bytes; only the first {} were read", raw.len(), limits.max_message_bytes),
            ));
            &raw[..limits.max_message_bytes]
        } else {
            raw
        };
        let outer = MessageParser::default().parse(raw);
        if outer.is_none() {
            problems.push(problem("parse.no_message", "no RFC 5322 header section could be read"));
        }
        let mut mail =
            Mail { outer, inner_part: None, problems, forwarded: None, size: raw.len(), limits: limits.clone() };
        if let Some(msg) = &mail.outer
            && msg.parts.len() > limits.max_parts
        {
            mail.problems.push(problem(
                "limit.parts",
                format!("{} MIME parts; only the first {} are examined", msg.parts.len(), limits.max_parts),
            ));
        }
        mail.select_forwarded();
        mail
    }

    /// Forward-as-attachment: an outer mail whose only real content is one message/rfc822 part.
    fn select_forwarded(&mut self) {
        let Some(outer) = &self.outer else { return };
        let mut inner = None;
        for (i, part) in outer.parts.iter().enumerate().take(self.limits.max_parts) {
            if let PartType::Message(m) = &part.body {
                // The first attached message that has headers of its own.
                if m.from().is_some() || m.subject().is_some() || m.received().is_some() {
                    inner = Some(i);
                    break;
                }
            }
        }
        if let Some(i) = inner {
            self.inner_part = Some(i);
            self.forwarded = Some(Forwarded {
                wrapper_from: outer.from().and_then(first_mailbox).and_then(|m| m.address),
                wrapper_subject: outer.subject().map(str::to_string),
            });
        }
    }

    fn msg(&self) -> Option<&Message<'x>> {
        let outer = self.outer.as_ref()?;
        if let Some(i) = self.inner_part
            && let Some(PartType::Message(m)) = outer.parts.get(i).map(|p| &p.body)
        {
            return Some(m);
        }
        Some(outer)
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
        let raw = msg.raw_message();
        msg.headers()
            .iter()
            .take(self.limits.max_headers)
            .filter(|h| h.name().eq_ignore_ascii_case(name))
            .filter_map(|h| {
                let (s, e) = (h.offset_start() as usize, h.offset_end() as usize);
                let bytes = raw.get(s..e.min(s + self.limits.max_header_bytes))?;
                Some(unfold(&decode_bytes(bytes)))
            })
            .collect()
    }

    /// Names of all headers, top to bottom (bounded).
    pub fn header_names(&self) -> Vec<String> {
        let Some(msg) = self.msg() else {
            return Vec::new();
        };
        msg.headers().iter().take(self.limits.max_headers).map(|h| h.name().to_string()).collect()
    }

    /// Decoded text of the first header with this name.
    pub fn header_text(&self, name: &str) -> Option<String> {
        let msg = self.msg()?;
        let h = msg.headers().iter().take(self.limits.max_headers).find(|h| h.name().eq_ignore_ascii_case(name))?;
        match h.value() {
            HeaderValue::Text(t) => Some(t.to_string()),
            HeaderValue::TextList(l) => Some(l.join(", ")),
            _ => self.header_raw_all(name).into_iter().next().map(|s| s.trim().to_string()),
        }
    }

    pub fn subject(&self) -> Option<String> {
        let msg = self.msg()?;
        let s = msg.subject()?;
        Some(self.redecode_if_raw8bit("Subject", s))
    }

    pub fn from(&self) -> Option<Mailbox> {
        let mut m = self.msg()?.from().and_then(first_mailbox)?;
        if let Some(n) = &m.display_name {
            m.display_name = Some(self.redecode_if_raw8bit("From", n));
        }
        Some(m)
    }

    pub fn sender(&self) -> Option<Mailbox> {
        self.msg()?.sender().and_then(first_mailbox)
    }

    pub fn reply_to(&self) -> Vec<Mailbox> {
        self.msg().and_then(|m| m.reply_to()).map(all_mailboxes).unwrap_or_default()
    }

    pub fn to(&self) -> Vec<Mailbox> {
        self.msg().and_then(|m| m.to()).map(all_mailboxes).unwrap_or_default()
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
            let is_attachment = msg.attachments.contains(&(i as u32));
            let in_body = msg.text_body.contains(&(i as u32)) || msg.html_body.contains(&(i as u32));
            let (kind, text) = match &part.body {
                PartType::Text(t) => (BodyKind::Text, t),
                PartType::Html(h) => (BodyKind::Html, h),
                _ => continue,
            };
            if !in_body && !is_attachment {
                continue;
            }
            let text: Cow<'_, str> = if text.len() > max {
                let mut end = max;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                Cow::Borrowed(&text[..end])
            } else {
                Cow::Borrowed(text.as_ref())
            };
            out.push(Body {
                kind,
                text,
                is_attachment: is_attachment && !in_body,
                name: part.attachment_name().map(str::to_string),
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
        for part in msg.parts.iter().take(self.limits.max_parts) {
            let (bytes, inline) = match &part.body {
                PartType::Binary(b) => (b, false),
                PartType::InlineBinary(b) => (b, true),
                _ => continue,
            };
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(st) => format!("{}/{}", ct.ctype(), st),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_string())
                .to_ascii_lowercase();
            out.push(Part {
                name: part.attachment_name().map(str::to_string),
                content_type,
                bytes: Cow::Borrowed(bytes.as_ref()),
                inline,
            });
        }
        out
    }

    /// For a header whose raw bytes are 8-bit non-UTF-8 (no encoded-word), decode the raw bytes by charset
    /// detection instead of trusting the parser's lossy UTF-8.
    fn redecode_if_raw8bit(&self, name: &str, parsed: &str) -> String {
        if !parsed.contains('\u{FFFD}') {
            return parsed.to_string();
        }
        let Some(raw) = self.header_raw_all(name).into_iter().next() else {
            return parsed.to_string();
        };
        let t = raw.trim();
        if name.eq_ignore_ascii_case("From") {
            // Keep the display-name part only.
            let name_part = t.split('<').next().unwrap_or(t).trim().trim_matches('"').trim();
            return name_part.to_string();
        }
        t.to_string()
    }
}

/// Decode header bytes: UTF-8 if valid, else the most likely legacy charset.
pub fn decode_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
            det.feed(bytes, true);
            let enc = det.guess(Some(b"jp"), chardetng::Utf8Detection::Allow);
            let (s, _, _) = enc.decode(bytes);
            Cow::Owned(s.into_owned())
        }
    }
}

/// Remove header folding (CRLF / LF followed by white space).
pub fn unfold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' || c == '\n' {
            while matches!(chars.peek(), Some('\r' | '\n')) {
                chars.next();
            }
            if matches!(chars.peek(), Some(' ' | '\t')) {
                out.push(' ');
                while matches!(chars.peek(), Some(' ' | '\t')) {
                    chars.next();
                }
            }
            continue;
        }
        out.push(c);
    }
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

fn all_mailboxes(a: &Address<'_>) -> Vec<Mailbox> {
    a.iter().take(100).map(|x| to_mailbox(x.name(), x.address())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_basic_headers() {
        let raw = b"From: =?UTF-8?B?44Kr44K044Ok?= <support@kagoya.jp>\r\nSubject: hi\r\nMessage-ID: <a@b.example>\r\nReturn-Path: <x@y.example>\r\n\r\nbody\r\n";
        let m = Mail::parse(raw, &Limits::default());
        let f = m.from().unwrap();
        assert_eq!(f.display_name.as_deref(), Some("カゴヤ"));
        assert_eq!(f.domain.as_deref(), Some("kagoya.jp"));
        assert_eq!(m.message_id().as_deref(), Some("a@b.example"));
        assert_eq!(m.return_path().as_deref(), Some("x@y.example"));
        assert_eq!(m.bodies().len(), 1);
    }

    #[test]
    fn unfolds() {
        assert_eq!(unfold("a\r\n\tb\n c"), "a b c");
    }
}
