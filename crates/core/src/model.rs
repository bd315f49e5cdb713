//! The facts extracted from one message: what the extract stage hands to the judge and the renderers.
//!
//! Everything here is plain owned data (serialisable, comparable in tests) so that later stages (enrichment,
//! storage, the web UI) can consume it without knowing how the message was parsed.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// A mailbox as written in From / Reply-To / Sender / To.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Mailbox {
    /// Decoded display name, if any.
    pub display_name: Option<String>,
    /// The address as written (decoded), if any.
    pub address: Option<String>,
    /// Lower-cased host part of the address, if any.
    pub domain: Option<String>,
}

/// One Received header turned into a hop. Index 0 is the top (newest) line, written by the recipient's side.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Hop {
    pub index: usize,
    /// The name the receiving server recorded for the peer (reverse DNS or its own notion), if any.
    pub from_name: Option<String>,
    /// The name the peer gave in HELO/EHLO, if recorded.
    pub helo: Option<String>,
    /// The peer's IP address, if recorded.
    pub ip: Option<IpAddr>,
    pub by: Option<String>,
    pub with: Option<String>,
    pub id: Option<String>,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    /// Unix seconds from the date after the `;`.
    pub timestamp: Option<i64>,
    /// Seconds between the previous (older, lower) hop and this one. Negative means clock skew.
    pub delay_secs: Option<i64>,
    /// True when this hop belongs to the trusted part of the chain (the recipient's own servers).
    pub trusted: bool,
    /// The unfolded header text, cut to a bounded length.
    pub raw: String,
}

/// The hop where the message entered the trusted part of the chain: the sender's side.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Origin {
    pub ip: Option<IpAddr>,
    pub helo: Option<String>,
    pub from_name: Option<String>,
    pub hop_index: usize,
    /// Why this hop was chosen, in English, for the report (e.g. "first hop received by a trusted relay").
    pub reason: String,
    /// The same in Japanese, for the Japanese report.
    #[serde(skip)]
    pub reason_ja: String,
}

/// What the receiving server recorded at delivery (Authentication-Results / Received-SPF at the trusted top).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DeliveryAuth {
    pub authserv_id: Option<String>,
    pub spf: Option<String>,
    pub dkim: Option<String>,
    pub dmarc: Option<String>,
    pub arc: Option<String>,
    /// The header the results were read from, unfolded and bounded.
    pub raw: String,
}

/// Where a link was found.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LinkSource {
    Text,
    Href,
    Src,
    FormAction,
    MetaRefresh,
    Area,
    HtmlAttachment,
    Qr,
    /// A link annotation (a button) inside an attached PDF.
    PdfAttachment,
}

/// One URL found in the message (or given to `phishlens url`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Link {
    /// The URL as analysed (after unwrapping known link wrappers).
    pub url: String,
    /// The wrapper URL it was unwrapped from, if any.
    pub wrapped_in: Option<String>,
    /// Lower-case ASCII (punycode) host.
    pub host: String,
    /// Unicode form of an IDN host, when it differs from `host`.
    pub host_unicode: Option<String>,
    /// Registrable domain (public suffix + 1), None for IP literals or unknown suffixes.
    pub registrable: Option<String>,
    /// Set when the host is an IP literal.
    pub ip: Option<IpAddr>,
    /// Explicit port, if any.
    pub port: Option<u16>,
    pub sources: Vec<LinkSource>,
    /// Visible text of the anchor (or area alt), bounded.
    pub anchor_text: Option<String>,
    /// Short machine tags for what is odd about this link (e.g. "ip_literal", "shortener"); the findings carry
    /// the explanation.
    pub tags: Vec<String>,
}

/// A term from a lexicon found in the text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LexiconHit {
    /// deadline | threat | payment | credential | ...
    pub category: String,
    pub term: String,
    /// The sentence or surrounding text, bounded.
    pub excerpt: String,
}

/// An HTML form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Form {
    pub action: Option<String>,
    pub has_password: bool,
    pub input_names: Vec<String>,
}

/// The readable content of the message.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Content {
    /// "ja", "en", "pt", ... or None when unknown.
    pub language: Option<String>,
    /// The start of the visible text (text/plain, or HTML with tags removed), bounded.
    pub excerpt: String,
    /// Length in chars of the whole visible text.
    pub text_chars: usize,
    pub lexicon_hits: Vec<LexiconHit>,
    pub forms: Vec<Form>,
    /// Text hidden with CSS (display:none, font-size:0, ...), bounded excerpts.
    pub hidden_text: Vec<String>,
    pub has_html: bool,
    /// Telephone numbers in the text, as written (bounded): what callback phishing asks the reader to call.
    pub phone_numbers: Vec<String>,
}

/// An attachment (or inline binary part).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Attachment {
    pub name: Option<String>,
    pub declared_type: String,
    /// Type found from the bytes (e.g. "zip", "pdf", "pe", "html"), not from the name.
    pub detected_type: Option<String>,
    pub size: usize,
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    pub inline: bool,
    /// Why this attachment is risky (e.g. "html", "executable", "disk_image", "macro_office", "archive").
    pub risk: Option<String>,
}

/// A brand the message claims to be.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BrandClaim {
    /// Stable id from the brand knowledge base (e.g. "amazon").
    pub brand_id: String,
    /// The brand's display name.
    pub brand: String,
    /// Where the claim was seen: display_name, subject, body, from_domain, link.
    pub seen_in: Vec<String>,
    /// The term that matched, as written in the message.
    pub matched: String,
    /// The From domain is one of the brand's genuine domains.
    pub sender_genuine: bool,
    /// Whether links go to the brand's genuine domains: Some(true) all do, Some(false) none do, None no links.
    pub links_genuine: Option<bool>,
    /// The name was found only after undoing a disguise (`T E M U`, `Iedger`, `MеtаМаsk`): the words as
    /// written in the display name or subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disguised: Option<String>,
}

/// Something the parser could not read, or a limit that was hit. Analysis goes on; the report names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Problem {
    /// Stable code, e.g. "limit.parts", "charset.unknown", "base64.garbage".
    pub code: String,
    pub detail: String,
}

/// The message was forwarded as an attachment; the analysis is of the inner message.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Forwarded {
    pub wrapper_from: Option<String>,
    pub wrapper_subject: Option<String>,
}

/// All facts about one message.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Facts {
    pub subject: Option<String>,
    pub from: Option<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    pub sender: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    /// Address in Return-Path, without brackets.
    pub return_path: Option<String>,
    /// Message-ID without brackets.
    pub message_id: Option<String>,
    /// Date header as unix seconds, and as written.
    pub date: Option<i64>,
    pub date_raw: Option<String>,
    /// X-Mailer / User-Agent.
    pub mailer: Option<String>,
    /// List-Id and List-Unsubscribe: a mailing list or a bulk sender that declares itself (RFC 2919, 2369).
    pub list_id: Option<String>,
    pub list_unsubscribe: Option<String>,
    pub hops: Vec<Hop>,
    pub origin: Option<Origin>,
    /// Seconds from the oldest to the newest dated hop.
    pub transit_secs: Option<i64>,
    pub delivery_auth: Option<DeliveryAuth>,
    /// Authentication-Results / Received-SPF copies below the trusted part that claim a pass: the sender's
    /// words, kept to flag forgeries, never used as results.
    pub untrusted_auth: Vec<DeliveryAuth>,
    pub links: Vec<Link>,
    pub content: Content,
    pub attachments: Vec<Attachment>,
    pub brands: Vec<BrandClaim>,
    pub problems: Vec<Problem>,
    pub forwarded: Option<Forwarded>,
    /// Size of the raw message in bytes.
    pub size: usize,
}

/// One indicator an earlier analysis shares with this one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SharedIndicator {
    /// origin_ip, origin_net, sender_domain, return_path_domain, message_id_domain, link_domain, link_host,
    /// host_pattern, url_path_shape, mailer, layout, ...
    pub kind: String,
    pub value: String,
}

/// An earlier stored analysis that shares infrastructure with this message ("seen before").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SeenBefore {
    /// Stored analysis id.
    pub analysis_id: i64,
    /// When that analysis ran, unix seconds.
    pub analysed_at: i64,
    /// When that message was received (first dated hop or Date), unix seconds, if known.
    pub received_at: Option<i64>,
    pub subject: Option<String>,
    pub verdict: String,
    pub shared: Vec<SharedIndicator>,
    /// How strongly the two are linked (sum of the shared indicators' weights).
    pub strength: f64,
}
