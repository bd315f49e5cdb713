use super::*;
use crate::model::LinkSource;

/// base64 with 76-char lines, as MIME writes it.
fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            out.push_str("\r\n");
        }
        out.push(c);
    }
    out
}

/// A multipart/mixed message with a short text body and the given attachments (name, content type, bytes).
fn message(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut m = String::from(
        "From: \"Amazon\" <no-reply@amaz0n-billing.example>\r\nTo: user@example.jp\r\nSubject: Payment failed\r\n\
         Message-ID: <t1@amaz0n-billing.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"BOUND\"\r\n\r\n\
         --BOUND\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease scan the code below.\r\n",
    );
    for (name, ct, bytes) in parts {
        m.push_str(&format!(
            "--BOUND\r\nContent-Type: {ct}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(bytes)
        ));
    }
    m.push_str("--BOUND--\r\n");
    m.into_bytes()
}

fn pe() -> Vec<u8> {
    let mut b = vec![0u8; 512];
    b[..2].copy_from_slice(b"MZ");
    b[0x3C] = 0x80;
    b[0x80..0x84].copy_from_slice(b"PE\0\0");
    b
}

fn qr_png(text: &str, scale: u32) -> Vec<u8> {
    crate::qr::tests_support::qr_png(text, scale)
}

fn tags(a: &Attachment) -> Vec<&str> {
    a.risk.as_deref().map(|r| r.split(',').collect()).unwrap_or_default()
}

fn ids(report: &crate::Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn qr_code_in_attached_png_becomes_a_link() {
    let png = qr_png("https://www.4ztfqg8.cn/login", 4);
    let raw = message(&[("qr.png", "image/png", &png)]);
    let report = crate::analyze(&raw, &Config::default());
    let link = report.facts.links.iter().find(|l| l.sources.contains(&LinkSource::Qr)).expect("QR link");
    assert_eq!(link.url, "https://www.4ztfqg8.cn/login");
    assert_eq!(link.host, "www.4ztfqg8.cn");
    let a = &report.facts.attachments[0];
    assert_eq!(a.detected_type.as_deref(), Some("png"));
    assert!(tags(a).contains(&"qr_code"));
    let f = report.findings.iter().find(|f| f.id == "attachments.qr_code_url").expect("finding");
    assert_eq!(f.params.get("image").map(String::as_str), Some("qr.png"));
    assert!(f.evidence.iter().any(|e| e.location == "qr.png" && e.excerpt.contains(&a.sha256)));
}

#[test]
fn qr_code_in_data_uri_image_becomes_a_link() {
    let png = qr_png("https://pay.4ztfqg8.cn/x", 4);
    let raw = format!(
        "From: a@b.example\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n\
         <html><body><img src=\"data:image/png;base64,{}\"></body></html>\r\n",
        b64(&png).replace("\r\n", "")
    );
    let report = crate::analyze(raw.as_bytes(), &Config::default());
    assert!(report.facts.links.iter().any(|l| l.url == "https://pay.4ztfqg8.cn/x" && l.sources == [LinkSource::Qr]));
    assert!(ids(&report).contains(&"attachments.qr_code_url"));
}

#[test]
fn hashes_and_names() {
    let raw = message(&[("abc.txt", "text/plain", b"abc")]);
    let report = crate::analyze(&raw, &Config::default());
    let a = report.facts.attachments.iter().find(|a| a.name.as_deref() == Some("abc.txt")).expect("attachment");
    assert_eq!(a.md5, "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(a.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(a.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(a.size, 3);
    assert_eq!(a.risk, None);
    // RFC 2231 encoded name, decoded by the parser.
    let raw =
        b"From: a@b.example\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B--\r\n";
    let report = crate::analyze(raw, &Config::default());
    let a = &report.facts.attachments[0];
    assert_eq!(a.name.as_deref(), Some("請求書.pdf"));
    assert_eq!(a.detected_type.as_deref(), Some("pdf"));
}

#[test]
fn executable_named_pdf_is_a_type_mismatch() {
    let exe = pe();
    let raw = message(&[("Invoice_0423.pdf", "application/pdf", &exe)]);
    let report = crate::analyze(&raw, &Config::default());
    let a = &report.facts.attachments[0];
    assert_eq!(a.detected_type.as_deref(), Some("pe"));
    assert_eq!(tags(a), vec!["type_mismatch", "executable"]);
    let ids = ids(&report);
    assert!(ids.contains(&"attachments.type_mismatch") && ids.contains(&"attachments.executable"));
    let f = report.findings.iter().find(|f| f.id == "attachments.type_mismatch").expect("finding");
    assert_eq!(f.params.get("ext").map(String::as_str), Some("pdf"));
    assert!(f.evidence[0].excerpt.starts_with("type pe"));
}

#[test]
fn html_named_jpg_is_a_type_mismatch_but_html_named_html_is_not() {
    let html = b"<html><form action=\"https://x.example/p\"><input type=password></form></html>";
    let (a, _) = describe(Some("scan.jpg"), "image/jpeg", html, false);
    assert_eq!(tags(&a), vec!["type_mismatch", "html"]);
    let (a, _) = describe(Some("Remittance.htm"), "application/octet-stream", html, false);
    assert_eq!(tags(&a), vec!["html"]);
    // Unnamed HTML is body, not a file the reader opens.
    let (a, _) = describe(None, "text/html", html, true);
    assert_eq!(tags(&a), Vec::<&str>::new());
    let (a, _) = describe(None, "image/png", &pe(), true);
    assert_eq!(tags(&a), vec!["type_mismatch", "executable"]);
    // A docx is a ZIP: no lie.
    let zip = magic_zip(&[("a.xml", false)]);
    let (a, _) = describe(Some("report.docx"), "application/vnd.openxmlformats-officedocument", &zip, false);
    assert!(!tags(&a).contains(&"type_mismatch"));
}

fn magic_zip(names: &[(&str, bool)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, encrypted) in names {
        b.extend_from_slice(b"PK\x03\x04\x14\x00");
        b.extend_from_slice(&(u16::from(*encrypted)).to_le_bytes());
        b.extend_from_slice(&[0u8; 18]);
        b.extend_from_slice(&(name.len() as u16).to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(name.as_bytes());
    }
    b
}

#[test]
fn risk_categories() {
    let cases: &[(&str, &[u8], &[&str])] = &[
        ("a.html", b"<!DOCTYPE html><html>", &["html"]),
        ("a.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x</script></svg>", &["html"]),
        ("a.lnk", &[0x4C, 0, 0, 0, 1, 0x14, 2, 0, 0], &["shortcut"]),
        ("a.js", b"var s=new ActiveXObject('WScript.Shell');", &["script"]),
        ("a.vbs", b"Set o = CreateObject(\"WScript.Shell\")", &["script"]),
        ("a.ps1", b"Write-Host hi", &["script"]),
        ("a.exe", &pe(), &["executable"]),
        ("a.iso", b"not really", &["disk_image"]),
        ("a.rar", b"Rar!\x1a\x07\x00xx", &["archive"]),
        ("a.one", b"x", &["onenote"]),
        (
            "Compliance0115955918",
            b"<plist><dict><key>PayloadType</key><string>com.apple.caldav.account</string>",
            &["config_profile"],
        ),
        ("a.pdf", b"%PDF-1.4 /OpenAction << /S /Launch >>", &["pdf_active"]),
        ("a.txt", b"hello", &[]),
        ("a.png", &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0], &[]),
    ];
    for (name, bytes, want) in cases {
        let (a, _) = describe(Some(name), "application/octet-stream", bytes, false);
        assert_eq!(tags(&a), *want, "{name}");
    }
    let zip = magic_zip(&[("Invoice.pdf.exe", true)]);
    let (a, _) = describe(Some("invoice.zip"), "application/zip", &zip, false);
    assert_eq!(tags(&a), vec!["archive_payload", "encrypted_archive", "archive"]);
    let docm =
        magic_zip(&[("[Content_Types].xml", false), ("word/document.xml", false), ("word/vbaProject.bin", false)]);
    let (a, _) = describe(Some("order.docx"), "application/octet-stream", &docm, false);
    assert_eq!((a.detected_type.as_deref(), tags(&a)), (Some("docm"), vec!["macro_office"]));
}

#[test]
fn double_extension_and_rtl_override() {
    let (a, _) = describe(Some("invoice.pdf.exe"), "application/octet-stream", &pe(), false);
    assert_eq!(tags(&a), vec!["double_extension", "executable"]);
    let (a, _) = describe(Some("Scan_0091.PDF .html"), "text/html", b"<html>", false);
    assert_eq!(tags(&a), vec!["double_extension", "html"]);
    assert!(!double_extension("backup.tar.gz"));
    assert!(!double_extension("report.2024.pdf"));
    assert!(!double_extension("jquery.min.js"));
    // "invoice\u{202E}fdp.exe" is displayed as "invoiceexe.pdf".
    let (a, _) = describe(Some("invoice\u{202E}fdp.exe"), "application/octet-stream", &pe(), false);
    assert_eq!(tags(&a), vec!["rtl_override", "executable"]);
    assert_eq!(display_name(&a), "invoice<U+202E>fdp.exe");
    let mut out = Vec::new();
    let facts = Facts { attachments: vec![a], ..Default::default() };
    check(&facts, &Config::default(), &mut out);
    let f = out.iter().find(|f| f.id == "attachments.rtl_override").expect("finding");
    assert_eq!(f.evidence[0].location, "invoice<U+202E>fdp.exe");
}

#[test]
fn attached_html_file_from_bodies_is_listed() {
    let raw =
        b"From: a@b.example\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--B\r\nContent-Type: text/html; name=\"Remittance.html\"\r\n\
Content-Disposition: attachment; filename=\"Remittance.html\"\r\n\r\n<html><body><form action=\"https://x.example/p\">\
</form></body></html>\r\n--B--\r\n";
    let report = crate::analyze(raw, &Config::default());
    let a = report.facts.attachments.iter().find(|a| a.name.as_deref() == Some("Remittance.html")).expect("html");
    assert_eq!(a.detected_type.as_deref(), Some("html"));
    assert!(ids(&report).contains(&"attachments.html"));
}

#[test]
fn catalog_has_every_finding() {
    for tag in [
        "rtl_override",
        "type_mismatch",
        "double_extension",
        "executable",
        "script",
        "shortcut",
        "config_profile",
        "disk_image",
        "macro_office",
        "onenote",
        "html",
        "archive_payload",
        "encrypted_archive",
        "archive",
        "pdf_active",
    ] {
        let id = finding_id(tag).expect("id");
        assert!(crate::catalog::CATALOG.get(id).is_some(), "{id}");
    }
    assert!(crate::catalog::CATALOG.get("attachments.qr_code_url").is_some());
}

#[test]
fn base64_decoder() {
    assert_eq!(base64_decode(b"aGVs\r\nbG8=\"", 100, true).as_deref(), Some(&b"hello"[..]));
    assert_eq!(base64_decode(b"aGVsbG8=", 3, true), None);
    assert_eq!(base64_decode(b"aGVsbG8=", 3, false).as_deref(), Some(&b"hel"[..]));
    assert_eq!(base64_decode(b"\"", 3, true), None);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn detection_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048), name in ".{0,40}") {
            let (a, _) = describe(Some(&name), "application/octet-stream", &bytes, false);
            let mut out = Vec::new();
            check(&Facts { attachments: vec![a], ..Default::default() }, &Config::default(), &mut out);
        }

        #[test]
        fn magic_prefixes_never_panic(prefix in 0usize..12, tail in proptest::collection::vec(any::<u8>(), 0..600)) {
            let heads: [&[u8]; 12] = [b"MZ", b"PK\x03\x04", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
                b"%PDF-", &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A], &[0xFF, 0xD8, 0xFF], b"GIF89a",
                &[0xFF, 0xFE], b"<html", &[0xCA, 0xFE, 0xBA, 0xBE], b"BM", b"RIFF"];
            let mut b = heads[prefix].to_vec();
            b.extend_from_slice(&tail);
            let _ = magic::detect(&b);
            let _ = crate::qr::scan_image(&b, &crate::config::Limits::default());
        }

        #[test]
        fn qr_path_never_panics_on_corrupted_images(seed in any::<u64>(), flips in 1usize..20) {
            let mut png = qr_png("https://a.example/", 3);
            let mut x = seed;
            for _ in 0..flips {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let i = (x >> 33) as usize % png.len();
                png[i] ^= (x >> 16) as u8 | 1;
            }
            let _ = crate::qr::scan_image(&png, &crate::config::Limits::default());
            let _ = crate::qr::dimensions(&png);
        }

        #[test]
        fn base64_and_data_uris_never_panic(s in ".{0,300}") {
            for (_, enc) in data_uri_images(&format!("<img src=\"data:image/png;base64,{s}\">")) {
                let _ = base64_decode(enc, 1000, true);
            }
        }
    }
}
