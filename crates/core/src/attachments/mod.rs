//! Attachments: hashes (for IOC exchange and sandbox/VirusTotal look-ups), the type found from the bytes (not
//! the name), and why the type is risky. Image parts are scanned for QR codes (see `crate::qr`) and the URLs
//! inside become links, so that quishing gets the same link analysis as a clickable URL.
//!
//! `extract` does the expensive work once and records its conclusions as risk tags on each
//! `model::Attachment` (`risk`, comma-separated, strongest first); `check` only turns tags into findings, so
//! the judge stays a pure function of the facts.

pub mod magic;
pub mod pdf;

use crate::config::Config;
use crate::finding::{Evidence, Finding};
use crate::model::{Attachment, Facts, LinkSource};
use crate::parse::{BodyKind, Mail};
use magic::Detected;
use md5::Md5;
use memchr::memmem;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Most attachments described per message (the parser already bounds parts; this bounds hashing work).
const MAX_ATTACHMENTS: usize = 200;
/// Most images scanned for QR codes per message: decoding is the expensive step.
pub const MAX_QR_IMAGES: usize = 10;
/// Most `data:image/...;base64,` images taken from HTML bodies.
const MAX_DATA_URI_IMAGES: usize = 5;

/// Risk category of a type found in the bytes.
fn kind_risk(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "pe" | "elf" | "macho" | "msi" | "java_class" | "jar" | "apk" => "executable",
        "javascript" | "vbscript" | "hta" | "wsf" | "powershell" | "batch" | "chm" => "script",
        "lnk" => "shortcut",
        "mobileconfig" => "config_profile",
        "iso" | "udf" | "vhd" | "vhdx" | "img" => "disk_image",
        "docm" | "xlsm" | "pptm" => "macro_office",
        "onenote" => "onenote",
        "html" | "svg" => "html",
        "zip" | "rar" | "7z" | "gzip" | "bzip2" | "xz" | "cab" | "ace" | "arj" | "tar" => "archive",
        _ => return None,
    })
}

/// Risk category of a file-name extension (lower case): what Windows or a browser does when it is opened.
pub(crate) fn ext_risk(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "exe" | "scr" | "com" | "pif" | "msi" | "msp" | "dll" | "cpl" | "xll" | "jar" | "apk" | "appx" | "msix"
        | "appxbundle" | "msixbundle" | "gadget" | "application" | "ocx" => "executable",
        "js" | "jse" | "vbs" | "vbe" | "hta" | "wsf" | "wsh" | "wsc" | "ps1" | "psm1" | "bat" | "cmd" | "reg"
        | "sct" | "vb" | "chm" => "script",
        "lnk" | "url" | "scf" | "settingcontent-ms" | "library-ms" | "search-ms" => "shortcut",
        "mobileconfig" => "config_profile",
        "iso" | "img" | "vhd" | "vhdx" | "dmg" | "udf" => "disk_image",
        "docm" | "xlsm" | "pptm" | "dotm" | "xltm" | "potm" | "ppsm" | "xlam" | "ppam" | "sldm" => "macro_office",
        "one" | "onepkg" => "onenote",
        "html" | "htm" | "shtml" | "shtm" | "xhtml" | "xht" | "svg" | "svgz" | "mht" | "mhtml" => "html",
        "zip" | "rar" | "7z" | "gz" | "tgz" | "bz2" | "xz" | "cab" | "ace" | "arj" | "lzh" | "z" | "tar" | "r00"
        | "uue" => "archive",
        _ => return None,
    })
}

/// Extensions people trust as "just a document or a picture": what a disguised payload pretends to be.
fn benign_ext(ext: &str) -> bool {
    matches!(
        ext,
        "pdf"
            | "doc"
            | "docx"
            | "xls"
            | "xlsx"
            | "ppt"
            | "pptx"
            | "rtf"
            | "txt"
            | "csv"
            | "odt"
            | "ods"
            | "odp"
            | "jpg"
            | "jpeg"
            | "png"
            | "gif"
            | "bmp"
            | "tif"
            | "tiff"
            | "webp"
            | "heic"
            | "mp3"
            | "mp4"
            | "wav"
            | "m4a"
            | "mov"
            | "avi"
    )
}

/// Declared content types that promise a document or a picture.
fn benign_declared(ct: &str) -> bool {
    ct.starts_with("image/")
        || ct.starts_with("audio/")
        || ct.starts_with("video/")
        || ct == "application/pdf"
        || ct == "application/msword"
        || ct.starts_with("application/vnd.ms-")
        || ct.starts_with("application/vnd.openxmlformats")
        || ct.starts_with("application/vnd.oasis.opendocument")
}

/// Categories whose bytes are dangerous enough that a benign name or type over them is a lie worth reporting.
fn dangerous_category(c: &str) -> bool {
    matches!(c, "executable" | "script" | "shortcut" | "config_profile" | "disk_image" | "html" | "archive")
}

/// Characters that reverse how a name is displayed ("invoice\u{202E}fdp.exe" shows as "invoiceexe.pdf").
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202E}' | '\u{202D}' | '\u{202B}' | '\u{2067}' | '\u{2066}' | '\u{2068}')
}

/// The name as shown in a report: bidi controls made visible so the reader sees the real order.
pub fn display_name(a: &Attachment) -> String {
    match &a.name {
        Some(n) => n
            .chars()
            .take(200)
            .map(|c| if is_bidi_override(c) { format!("<U+{:04X}>", c as u32) } else { c.to_string() })
            .collect(),
        None => format!("(unnamed {})", a.declared_type),
    }
}

/// "invoice.pdf.exe": a trusted-looking extension followed by a dangerous one.
fn double_extension(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim_end_matches(['.', ' ', '\t']);
    let mut exts = base.rsplit('.');
    let (Some(outer), Some(inner), Some(_stem)) = (exts.next(), exts.next(), exts.next()) else {
        return false;
    };
    let outer = outer.trim().to_ascii_lowercase();
    let inner = inner.trim().to_ascii_lowercase();
    (benign_ext(&inner) || ext_risk(&inner) == Some("archive"))
        && ext_risk(&outer).is_some_and(|r| r != "archive" && r != "macro_office")
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Risk tags for one attachment, strongest first.
fn risk_tags(name: Option<&str>, declared: &str, det: &Detected) -> Vec<&'static str> {
    let ext = name.and_then(magic::extension);
    // An unnamed HTML part is rendered as (part of) the body, or is a parser artefact of broken MIME; only a
    // named one is a file the reader opens on its own.
    let by_bytes = det.kind.and_then(kind_risk).filter(|&c| c != "html" || name.is_some());
    let by_name = ext.as_deref().and_then(ext_risk);
    let mut tags = Vec::new();
    if name.is_some_and(|n| n.chars().any(is_bidi_override)) {
        tags.push("rtl_override");
    }
    if let Some(c) = by_bytes
        && dangerous_category(c)
        // An Office document or a JAR is a ZIP too: a ZIP under a docx name is no lie.
        && !(c == "archive" && ext.as_deref().is_some_and(|e| matches!(e, "docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp")))
        && (ext.as_deref().is_some_and(benign_ext) || (by_name.is_none() && benign_declared(declared)))
    {
        tags.push("type_mismatch");
    }
    if name.is_some_and(double_extension) {
        tags.push("double_extension");
    }
    let macro_ole = det.macros && matches!(det.kind, Some("doc" | "xls" | "ppt" | "ole"));
    let mut cats: Vec<&'static str> = [by_bytes, by_name].into_iter().flatten().collect();
    if macro_ole {
        cats.push("macro_office");
    }
    if name.is_some() && matches!(declared, "text/html" | "image/svg+xml" | "application/xhtml+xml") {
        cats.push("html");
    }
    for c in ["executable", "script", "shortcut", "config_profile", "disk_image", "macro_office", "onenote", "html"] {
        if cats.contains(&c) {
            tags.push(c);
        }
    }
    if !det.risky_inner.is_empty() {
        tags.push("archive_payload");
    }
    if det.encrypted {
        tags.push("encrypted_archive");
    }
    if cats.contains(&"archive") {
        tags.push("archive");
    }
    if det.pdf_active {
        tags.push("pdf_active");
    }
    tags
}

/// Describe one part: hashes, detected type, risk tags.
pub fn describe(name: Option<&str>, declared: &str, bytes: &[u8], inline: bool) -> (Attachment, Detected) {
    let det = magic::detect(bytes);
    let tags = risk_tags(name, declared, &det);
    let a = Attachment {
        name: name.map(str::to_string),
        declared_type: declared.to_string(),
        detected_type: det.kind.map(str::to_string),
        size: bytes.len(),
        md5: hex(&Md5::digest(bytes)),
        sha1: hex(&Sha1::digest(bytes)),
        sha256: hex(&Sha256::digest(bytes)),
        inline,
        risk: (!tags.is_empty()).then(|| tags.join(",")),
    };
    (a, det)
}

fn add_tag(a: &mut Attachment, tag: &str) {
    match &mut a.risk {
        Some(r) if r.split(',').any(|t| t == tag) => {}
        Some(r) => {
            r.push(',');
            r.push_str(tag);
        }
        None => a.risk = Some(tag.to_string()),
    }
}

/// Scans images for QR codes within the per-message budget.
struct QrScanner {
    scanned: usize,
    /// Fingerprints of the images already looked at: the same logo often appears several times.
    seen: Vec<u64>,
}

impl QrScanner {
    /// Scan `bytes` if it is a PNG/JPEG/GIF within the limits and not seen before; add the URLs found as
    /// links. True when a QR code with a URL was found.
    fn scan(&mut self, kind: Option<&str>, bytes: &[u8], cfg: &Config, facts: &mut Facts) -> bool {
        if !matches!(kind, Some("png" | "jpeg" | "gif"))
            || self.scanned >= MAX_QR_IMAGES
            || bytes.len() > cfg.limits.max_qr_image_bytes
        {
            return false;
        }
        let fingerprint = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            h.finish()
        };
        if self.seen.contains(&fingerprint) {
            return false;
        }
        self.seen.push(fingerprint);
        let Some(payloads) = crate::qr::scan_image(bytes, &cfg.limits) else { return false };
        self.scanned += 1;
        let mut found = false;
        for p in payloads {
            if let Some(url) = crate::qr::url_in_payload(&p)
                && let Some(link) = crate::links::link_from_url(&url, LinkSource::Qr)
            {
                crate::links::add_link(facts, link, cfg);
                found = true;
            }
        }
        found
    }
}

/// Fill `facts.attachments`; add links found in QR codes (source `Qr`) through `crate::links::add_link`.
pub fn extract(mail: &Mail, cfg: &Config, facts: &mut Facts) {
    let mut qr = QrScanner { scanned: 0, seen: Vec::new() };
    for part in mail.parts() {
        if facts.attachments.len() >= MAX_ATTACHMENTS {
            break;
        }
        let (mut a, _) = describe(part.name.as_deref(), &part.content_type, &part.bytes, part.inline);
        if qr.scan(a.detected_type.as_deref(), &part.bytes, cfg, facts) {
            add_tag(&mut a, "qr_code");
        }
        if a.detected_type.as_deref() == Some("pdf") {
            for url in pdf::link_annotations(&part.bytes, 16) {
                if let Some(link) = crate::links::link_from_url(&url, LinkSource::PdfAttachment) {
                    crate::links::add_link(facts, link, cfg);
                }
            }
        }
        facts.attachments.push(a);
    }
    let bodies = mail.bodies();
    // Unnamed text "attachments" are body fragments (Apple Mail splits bodies) or artefacts of broken MIME.
    for body in bodies.iter().filter(|b| b.is_attachment && b.name.is_some()) {
        if facts.attachments.len() >= MAX_ATTACHMENTS {
            break;
        }
        // The parser hands attached text decoded to UTF-8; the hashes are of that text (see report gaps).
        let declared = if body.kind == BodyKind::Html { "text/html" } else { "text/plain" };
        let (a, _) = describe(body.name.as_deref(), declared, body.text.as_bytes(), false);
        facts.attachments.push(a);
    }
    // Images embedded in the HTML itself (<img src="data:image/png;base64,...">) carry QR codes too.
    let mut taken = 0;
    for body in bodies.iter().filter(|b| b.kind == BodyKind::Html) {
        if taken >= MAX_DATA_URI_IMAGES || qr.scanned >= MAX_QR_IMAGES {
            break;
        }
        for (ct, encoded) in data_uri_images(&body.text) {
            if taken >= MAX_DATA_URI_IMAGES || facts.attachments.len() >= MAX_ATTACHMENTS {
                return;
            }
            // Look at the header before decoding the whole image: most embedded images are small icons.
            let head = base64_decode(encoded, 4096, false).unwrap_or_default();
            if crate::qr::header_dimensions(&head)
                .is_some_and(|(w, h)| crate::qr::plausible(w, h, &cfg.limits).is_err())
            {
                continue;
            }
            taken += 1;
            let Some(bytes) = base64_decode(encoded, cfg.limits.max_qr_image_bytes, true) else { continue };
            // Only images that carry a QR code are listed (and hashed): the others are decoration.
            if qr.scan(magic::detect(&bytes).kind, &bytes, cfg, facts) {
                let (mut a, _) = describe(None, &ct, &bytes, true);
                add_tag(&mut a, "qr_code");
                facts.attachments.push(a);
            }
        }
    }
}

/// `data:image/...;base64,` images in an HTML text: (content type, the base64 text onwards), at most
/// four times `MAX_DATA_URI_IMAGES` (icons are skipped from their header before decoding).
fn data_uri_images(html: &str) -> Vec<(String, &[u8])> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    for pos in memmem::find_iter(b, b"data:image/").take(MAX_DATA_URI_IMAGES * 8) {
        if out.len() >= MAX_DATA_URI_IMAGES * 4 {
            break;
        }
        let rest = b.get(pos + 5..).unwrap_or_default();
        let Some(head_end) = rest.iter().take(64).position(|&c| c == b',') else { continue };
        let head = String::from_utf8_lossy(rest.get(..head_end).unwrap_or_default()).to_ascii_lowercase();
        let Some(ct) = head.strip_suffix(";base64") else { continue };
        if matches!(ct, "image/png" | "image/jpeg" | "image/jpg" | "image/gif") {
            out.push((ct.to_string(), rest.get(head_end + 1..).unwrap_or_default()));
        }
    }
    out
}

/// Decode base64 up to the first byte that is neither base64 nor white space, at most `max` bytes out.
/// With `whole`, data longer than `max` gives None (a cut image is useless); without, the first `max` bytes
/// are returned. None when nothing decodes.
fn base64_decode(input: &[u8], max: usize, whole: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(max.min(input.len() / 4 * 3 + 3));
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        let v = BASE64_VALUE[usize::from(c)];
        if v == SKIP {
            continue;
        }
        if v == STOP {
            break;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if out.len() >= max {
                if whole {
                    return None;
                }
                break;
            }
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Marks in `BASE64_VALUE`: white space and padding are skipped; anything else not in the alphabet ends the
/// data (the closing quote of a `data:` URI).
const SKIP: u8 = 0xFE;
const STOP: u8 = 0xFF;

/// The value of each byte in the base64 alphabet, or `SKIP` / `STOP`.
static BASE64_VALUE: [u8; 256] = {
    let mut t = [STOP; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b' ' as usize] = SKIP;
    t[b'\t' as usize] = SKIP;
    t[b'\r' as usize] = SKIP;
    t[b'\n' as usize] = SKIP;
    t[b'=' as usize] = SKIP;
    t
};

/// The finding reported for a risk tag (`qr_code` is reported once per message from the links instead).
fn finding_id(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "rtl_override" => "attachments.rtl_override",
        "type_mismatch" => "attachments.type_mismatch",
        "double_extension" => "attachments.double_extension",
        "executable" => "attachments.executable",
        "script" => "attachments.script",
        "shortcut" => "attachments.shortcut",
        "config_profile" => "attachments.config_profile",
        "disk_image" => "attachments.disk_image",
        "macro_office" => "attachments.macro_office",
        "onenote" => "attachments.onenote",
        "html" => "attachments.html",
        "archive_payload" => "attachments.archive_payload",
        "encrypted_archive" => "attachments.encrypted_archive",
        "archive" => "attachments.archive",
        "pdf_active" => "attachments.pdf_active",
        _ => return None,
    })
}

/// Attachment findings.
pub fn check(facts: &Facts, _cfg: &Config, out: &mut Vec<Finding>) {
    for a in facts.attachments.iter().take(MAX_ATTACHMENTS) {
        let Some(risk) = &a.risk else { continue };
        let name = display_name(a);
        let kind = a.detected_type.as_deref().unwrap_or("unknown");
        let ext = a.name.as_deref().and_then(magic::extension).unwrap_or_default();
        let summary = format!("type {kind} (declared {}), {} bytes, sha256 {}", a.declared_type, a.size, a.sha256);
        for tag in risk.split(',') {
            let Some(id) = finding_id(tag) else { continue };
            out.push(
                Finding::new(id)
                    .param("name", name.clone())
                    .param("type", kind)
                    .param("ext", ext.clone())
                    .param("declared", a.declared_type.clone())
                    .evidence(Evidence::attachment(&name, &summary)),
            );
        }
    }
    let qr_urls: Vec<&str> =
        facts.links.iter().filter(|l| l.sources.contains(&LinkSource::Qr)).map(|l| l.url.as_str()).take(8).collect();
    if let Some(first) = qr_urls.first() {
        let images: Vec<&Attachment> =
            facts.attachments.iter().filter(|a| a.risk.as_deref().is_some_and(|r| r.contains("qr_code"))).collect();
        let image = images.first().map(|a| display_name(a)).unwrap_or_else(|| "(image)".to_string());
        let mut f = Finding::new("attachments.qr_code_url").param("url", *first).param("image", image);
        for a in images.iter().take(4) {
            let kind = a.detected_type.as_deref().unwrap_or("image");
            f = f.evidence(Evidence::attachment(
                &display_name(a),
                format!("QR code in {kind} image, sha256 {}", a.sha256),
            ));
        }
        for u in qr_urls {
            f = f.evidence(Evidence::url(u));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests;
