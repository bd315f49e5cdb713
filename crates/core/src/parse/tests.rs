//! Tests of the parse module: charsets, broken encodings, forwards, limits, and never panicking.

use super::*;
use encoding_rs::Encoding;

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

fn b64_lines(bytes: &[u8]) -> String {
    let s = b64(bytes);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            out.push_str("\r\n");
        }
        out.push(c);
    }
    out
}

fn parse(raw: &[u8]) -> Mail<'_> {
    Mail::parse(raw, &Limits::default())
}

fn has_problem(m: &Mail, code: &str) -> bool {
    m.problems.iter().any(|p| p.code == code)
}

fn body_text(m: &Mail) -> String {
    m.bodies().iter().filter(|b| !b.is_attachment).map(|b| b.text.to_string()).collect::<Vec<_>>().join("\n")
}

/// Call every accessor; used by the no-panic tests.
fn touch_all(m: &Mail) {
    let _ = m.is_empty();
    let _ = m.header_raw_all("Received");
    let _ = m.header_raw_all("Subject");
    let _ = m.header_text("Subject");
    let _ = m.header_text("Content-Type");
    let _ = m.header_names();
    let _ = m.subject();
    let _ = m.from();
    let _ = m.sender();
    let _ = m.reply_to();
    let _ = m.to();
    let _ = m.return_path();
    let _ = m.message_id();
    let _ = m.date();
    for b in m.bodies() {
        let _ = b.text.len();
    }
    for p in m.parts() {
        let _ = p.bytes.len();
    }
    let _ = (&m.problems, &m.forwarded, m.size);
}

#[test]
fn reads_basic_headers() {
    let raw = b"From: =?UTF-8?B?44Kr44K044Ok?= <support@kagoya.jp>\r\nSubject: hi\r\nMessage-ID: <a@b.example>\r\nReturn-Path: <x@y.example>\r\n\r\nbody\r\n";
    let m = parse(raw);
    let f = m.from().unwrap();
    assert_eq!(f.display_name.as_deref(), Some("カゴヤ"));
    assert_eq!(f.domain.as_deref(), Some("kagoya.jp"));
    assert_eq!(m.message_id().as_deref(), Some("a@b.example"));
    assert_eq!(m.return_path().as_deref(), Some("x@y.example"));
    assert_eq!(m.bodies().len(), 1);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
}

#[test]
fn unfolds() {
    assert_eq!(unfold("a\r\n\tb\n c"), "a b c");
    assert_eq!(unfold("a\r\nb"), "ab");
    assert_eq!(unfold("件名\r\n \t\r\n\tです\r\n"), "件名  です");
    assert_eq!(unfold(""), "");
}

/// The char-by-char definition of unfolding, which `unfold` must match on any input.
fn unfold_reference(s: &str) -> String {
    let mut out = String::new();
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

proptest::proptest! {
    #[test]
    fn unfold_matches_its_definition(s in "[a\r\n \té日]{0,40}") {
        proptest::prop_assert_eq!(unfold(&s), unfold_reference(&s));
    }
}

#[test]
fn raw_8bit_shift_jis_and_euc_jp_headers() {
    for e in [encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP] {
        let mut raw = b"From: ".to_vec();
        raw.extend(enc("\"アマゾン カスタマーサービス\"", e));
        raw.extend(b" <info@amaz0n-support.example>\r\nSubject: ");
        raw.extend(enc("【重要】お支払い方法の更新が必要です", e));
        raw.extend(b"\r\nTo: ");
        raw.extend(enc("山田 太郎", e));
        raw.extend(b" <taro@example.jp>\r\n\r\nbody\r\n");
        let m = parse(&raw);
        assert_eq!(m.subject().as_deref(), Some("【重要】お支払い方法の更新が必要です"), "{}", e.name());
        let f = m.from().unwrap();
        assert_eq!(f.display_name.as_deref(), Some("アマゾン カスタマーサービス"), "{}", e.name());
        assert_eq!(f.address.as_deref(), Some("info@amaz0n-support.example"));
        assert_eq!(m.to()[0].display_name.as_deref(), Some("山田 太郎"));
        assert_eq!(m.header_text("Subject").as_deref(), Some("【重要】お支払い方法の更新が必要です"));
        assert!(has_problem(&m, "header.raw_8bit"));
    }
}

#[test]
fn iso2022jp_headers_and_body() {
    let subject = "【KAGOYA CLOUD VPS】ご利用料金のお支払いについて";
    let body = "いつもご利用いただき誠にありがとうございます。\r\n3日以内にお支払いください。\r\n";
    let raw = format!(
        "From: =?ISO-2022-JP?B?{}?= <noreply@kagoya.example>\r\nSubject: =?ISO-2022-JP?B?{}?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
        b64(&enc("カゴヤ・ジャパン", encoding_rs::ISO_2022_JP)),
        b64(&enc(subject, encoding_rs::ISO_2022_JP)),
    );
    let mut raw = raw.into_bytes();
    raw.extend(enc(body, encoding_rs::ISO_2022_JP));
    let m = parse(&raw);
    assert_eq!(m.subject().as_deref(), Some(subject));
    assert_eq!(m.from().unwrap().display_name.as_deref(), Some("カゴヤ・ジャパン"));
    assert!(body_text(&m).contains("3日以内にお支払いください"));
}

#[test]
fn iso2022jp_body_with_wrong_vendor_or_no_label() {
    let body = "①お客様のアカウントは停止されます。髙橋様";
    // NEC/IBM extension characters: encodable in Shift_JIS; ISO-2022-JP bytes from the same JIS row/cell.
    let jis = b"\x1b$B-!\x1b(B".to_vec();
    for label in ["us-ascii", "ISO-2022-JP-MS", "CP50220", "utf-8", "x-unknown", ""] {
        let ct = if label.is_empty() { "text/plain".to_string() } else { format!("text/plain; charset={label}") };
        let mut raw = format!("From: a@b.example\r\nSubject: t\r\nContent-Type: {ct}\r\n\r\n").into_bytes();
        raw.extend(&jis);
        raw.extend(enc("お客様のアカウントは停止されます。", encoding_rs::ISO_2022_JP));
        raw.extend(b"\r\n");
        let m = parse(&raw);
        let text = body_text(&m);
        assert!(text.contains("①お客様のアカウントは停止されます。"), "{label}: {text:?}");
        assert!(!text.contains('\u{1b}'), "{label}");
    }
    let sjis = enc(body, encoding_rs::SHIFT_JIS);
    for label in ["Shift_JIS", "cp932", "windows-31j", "utf-8", ""] {
        let ct = if label.is_empty() { "text/plain".to_string() } else { format!("text/plain; charset={label}") };
        let mut raw =
            format!("From: a@b.example\r\nContent-Type: {ct}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").into_bytes();
        raw.extend(&sjis);
        let m = parse(&raw);
        assert_eq!(body_text(&m).trim(), body, "{label}");
    }
    let mut raw = b"From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
    raw.extend(enc(body, encoding_rs::SHIFT_JIS));
    assert!(has_problem(&parse(&raw), "charset.mislabelled"));
}

/// The vendored mail-parser decodes multi-byte charsets in 64 KiB chunks (vendor/mail-parser/README.vendored.md):
/// characters and ISO-2022-JP escape state that straddle a chunk boundary must come out whole.
#[test]
fn long_japanese_bodies_decode_whole_across_decoder_chunks() {
    // An odd-length ASCII prefix shifts the double-byte characters so that some straddle every 64 KiB boundary;
    // half-width katakana (1 byte in Shift_JIS) adds more misalignment.
    let line = "お支払い情報の更新をお願いいたします。ｶｺﾞﾔ VPS 3日以内\r\n";
    let mut text = String::from("x");
    while text.len() < 300_000 {
        text.push_str(line);
    }
    for (e, label) in [(encoding_rs::SHIFT_JIS, "shift_jis"), (encoding_rs::ISO_2022_JP, "iso-2022-jp")] {
        let mut raw = format!(
            "From: a@b.example\r\nContent-Type: text/plain; charset={label}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        )
        .into_bytes();
        let encoded = enc(&text, e);
        // What encoding_rs gives for the whole input in one call (ISO-2022-JP has no half-width katakana, so its
        // encoder wrote full-width ones).
        let expected = e.decode_without_bom_handling(&encoded).0.into_owned();
        assert!(expected.contains("お支払い情報の更新をお願いいたします。"));
        raw.extend(encoded);
        let decoded = body_text(&parse(&raw));
        assert_eq!(decoded.len(), expected.len(), "{label}");
        assert!(decoded == expected, "{label}: decoded text differs");
    }
}

#[test]
fn euc_jp_and_other_charsets_in_bodies() {
    for (text, e, label) in [
        ("お支払い方法の確認", encoding_rs::EUC_JP, "euc-jp"),
        ("您的账户已被冻结", encoding_rs::GBK, "gb2312"),
        ("您的帳戶已被凍結", encoding_rs::BIG5, "big5"),
        ("계정이 정지되었습니다", encoding_rs::EUC_KR, "ks_c_5601-1987"),
        ("Sua conta será bloqueada", encoding_rs::WINDOWS_1252, "iso-8859-1"),
        ("Ваш аккаунт заблокирован", encoding_rs::KOI8_R, "koi8-r"),
        ("Ваш аккаунт заблокирован", encoding_rs::WINDOWS_1251, "windows-1251"),
    ] {
        let mut raw =
            format!("From: a@b.example\r\nContent-Type: text/plain; charset=\"{label}\"\r\n\r\n").into_bytes();
        raw.extend(enc(text, e));
        assert_eq!(body_text(&parse(&raw)).trim(), text, "{label}");
        // And the same bytes base64-encoded in a subject.
        let raw = format!("Subject: =?{label}?B?{}?=\r\n\r\nx", b64(&enc(text, e)));
        assert_eq!(parse(raw.as_bytes()).subject().as_deref(), Some(text), "{label} subject");
    }
}

#[test]
fn encoded_words_split_missing_end_and_quoted() {
    let name = "アマゾンプライム会員";
    let bytes = name.as_bytes();
    let (a, b) = bytes.split_at(7);
    let raw = format!(
        "From: \"=?UTF-8?B?{}?= =?UTF-8?B?{}?=\" <x@evil.example>\r\nSubject: =?UTF-8?B?{}?= =?UTF-8?B?{}\r\n\r\nx",
        b64(a),
        b64(b),
        b64(a),
        b64(b)
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.from().unwrap().display_name.as_deref(), Some(name));
    assert_eq!(m.subject().as_deref(), Some(name));
    assert!(has_problem(&m, "header.broken_encoded_word"));
}

#[test]
fn base64_with_garbage_in_html_body() {
    let html = "<html><body><a href=\"https://evil.example/login\">ログイン</a></body></html>";
    let mut enc64 = b64_lines(html.as_bytes());
    enc64.insert_str(10, "!!#");
    let raw = format!(
        "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{enc64}\r\n--BB--\r\n"
    );
    let m = parse(raw.as_bytes());
    let bodies = m.bodies();
    let html_body = bodies.iter().find(|b| b.kind == BodyKind::Html).expect("html body");
    assert!(html_body.text.contains("https://evil.example/login"), "{:?}", html_body.text);
    assert!(!html_body.is_attachment);
    assert!(has_problem(&m, "encoding.broken_base64"));
}

#[test]
fn base64_with_garbage_in_attachment() {
    let data: Vec<u8> = (0u8..=255).collect();
    let mut enc64 = b64_lines(&data);
    enc64.insert(5, '*');
    let raw = format!(
        "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--BB\r\nContent-Type: application/zip; name=\"invoice.zip\"\r\nContent-Disposition: attachment; filename=\"invoice.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{enc64}\r\n--BB--\r\n"
    );
    let m = parse(raw.as_bytes());
    let parts = m.parts();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].bytes.as_ref(), data.as_slice());
    assert_eq!(parts[0].content_type, "application/zip");
    assert_eq!(parts[0].name.as_deref(), Some("invoice.zip"));
}

#[test]
fn quoted_printable_with_garbage() {
    let raw = "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPay =E2=82=AC10 now =ZZ at https://x.example/?a=3Db =\r\ncontinued\r\n";
    let m = parse(raw.as_bytes());
    let t = body_text(&m);
    assert!(t.contains("Pay €10 now =ZZ at https://x.example/?a=b continued"), "{t:?}");
}

#[test]
fn line_endings_lf_crlf_mixed() {
    for nl in ["\r\n", "\n", "mixed"] {
        let line = |i: usize| if nl == "mixed" { if i.is_multiple_of(2) { "\r\n" } else { "\n" } } else { nl };
        let lines = [
            "From: =?UTF-8?B?44Kr44K044Ok?= <a@b.example>",
            "Subject: =?UTF-8?Q?caf=C3=A9?=",
            "Content-Type: multipart/alternative; boundary=\"X\"",
            "",
            "--X",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "plain part",
            "--X",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<p>html part</p>",
            "--X--",
            "",
        ];
        let raw: String = lines.iter().enumerate().map(|(i, l)| format!("{l}{}", line(i))).collect();
        let m = parse(raw.as_bytes());
        assert_eq!(m.subject().as_deref(), Some("café"), "{nl:?}");
        assert_eq!(m.from().unwrap().display_name.as_deref(), Some("カゴヤ"));
        let b = m.bodies();
        assert_eq!(b.len(), 2, "{nl:?}");
        assert!(b.iter().any(|b| b.kind == BodyKind::Text && b.text.contains("plain part")));
        assert!(b.iter().any(|b| b.kind == BodyKind::Html && b.text.contains("html part")));
    }
}

#[test]
fn nested_multiparts_are_read() {
    let raw = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=A\r\n\r\n--A\r\nContent-Type: multipart/related; boundary=B\r\n\r\n--B\r\nContent-Type: multipart/alternative; boundary=C\r\n\r\n--C\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n--C\r\nContent-Type: text/html\r\n\r\n<b>deep html</b>\r\n--C--\r\n--B\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B--\r\n--A--\r\n";
    let m = parse(raw.as_bytes());
    let b = m.bodies();
    assert!(b.iter().any(|b| b.text.contains("deep text")));
    assert!(b.iter().any(|b| b.text.contains("deep html")));
    assert_eq!(m.parts().len(), 1);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
}

fn inner_phish() -> String {
    "From: \"Amazon\" <account@amazon-security.example>\r\nSubject: Your account is on hold\r\nReceived: from mx.evil.example ([203.0.113.7]) by mx.victim.example\r\nContent-Type: text/plain\r\n\r\nVerify your account within 24 hours: https://amazon-security.example/verify\r\n".to_string()
}

#[test]
fn forwarded_as_attachment_plain_and_base64() {
    for cte in ["7bit", "base64"] {
        let inner = if cte == "base64" { b64_lines(inner_phish().as_bytes()) } else { inner_phish() };
        let raw = format!(
            "From: Taro <taro@victim.example>\r\nTo: abuse@isp.example\r\nSubject: Fwd: phishing\r\nContent-Type: multipart/mixed; boundary=F\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\nPlease look at the attached mail.\r\n--F\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{inner}\r\n--F--\r\n"
        );
        let m = parse(raw.as_bytes());
        let fw = m.forwarded.as_ref().unwrap_or_else(|| panic!("{cte}: not seen as forwarded"));
        assert_eq!(fw.wrapper_from.as_deref(), Some("taro@victim.example"));
        assert_eq!(fw.wrapper_subject.as_deref(), Some("Fwd: phishing"));
        assert_eq!(m.subject().as_deref(), Some("Your account is on hold"), "{cte}");
        assert_eq!(m.from().unwrap().domain.as_deref(), Some("amazon-security.example"));
        assert!(body_text(&m).contains("within 24 hours"), "{cte}");
        assert_eq!(m.header_raw_all("Received").len(), 1, "{cte}");
    }
}

/// An attached message with neither From nor Subject still counts as a message when its Received line reads
/// (Received headers are kept raw by the parser and read on demand for this test).
#[test]
fn forwarded_message_known_by_its_received_line_only() {
    let wrap = |inner: &str| {
        format!(
            "From: Taro <taro@victim.example>\r\nSubject: Fwd: this\r\nContent-Type: multipart/mixed; boundary=F\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\nfyi\r\n--F\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--F--\r\n"
        )
    };
    let received = "Received: from mx.evil.example ([203.0.113.7]) by mx.victim.example; Mon, 23 Nov 2026 09:00:00 +0900\r\nContent-Type: text/plain\r\n\r\nVerify your account: https://amazon-security.example/verify\r\n";
    let raw = wrap(received);
    let m = parse(raw.as_bytes());
    assert!(m.forwarded.is_some(), "Received-only inner message not taken");
    assert!(body_text(&m).contains("Verify your account"));
    assert_eq!(m.subject(), None);
    let no_headers = "Content-Type: text/plain\r\n\r\nVerify your account: https://amazon-security.example/verify\r\n";
    assert!(parse(wrap(no_headers).as_bytes()).forwarded.is_none());
}

#[test]
fn forwarded_eml_as_octet_stream() {
    let raw = format!(
        "From: taro@victim.example\r\nSubject: Fw: this\r\nContent-Type: multipart/mixed; boundary=F\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\nfyi\r\n--F\r\nContent-Type: application/octet-stream; name=\"phish.eml\"\r\nContent-Disposition: attachment; filename=\"phish.eml\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--F--\r\n",
        b64_lines(inner_phish().as_bytes())
    );
    let m = parse(raw.as_bytes());
    assert!(m.forwarded.is_some());
    assert_eq!(m.subject().as_deref(), Some("Your account is on hold"));
    assert!(body_text(&m).contains("within 24 hours"));
}

#[test]
fn bounce_is_not_a_forward() {
    let raw = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nSubject: Undelivered Mail Returned to Sender\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; x@y.example\r\nAction: failed\r\n\r\n--R\r\nContent-Type: message/rfc822\r\n\r\n{}\r\n--R--\r\n",
        inner_phish()
    );
    let m = parse(raw.as_bytes());
    assert!(m.forwarded.is_none());
    assert_eq!(m.subject().as_deref(), Some("Undelivered Mail Returned to Sender"));
    // Also a bounce without multipart/report, known from its sender.
    let raw = format!(
        "From: MAILER-DAEMON@mx.example\r\nSubject: failure notice\r\nContent-Type: multipart/mixed; boundary=R\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n--R\r\nContent-Type: message/rfc822\r\n\r\n{}\r\n--R--\r\n",
        inner_phish()
    );
    assert!(parse(raw.as_bytes()).forwarded.is_none());
}

#[test]
fn long_outer_message_is_not_a_forward() {
    let long = "This is a newsletter paragraph with real content of its own. ".repeat(100);
    let raw = format!(
        "From: news@shop.example\r\nSubject: News\r\nContent-Type: multipart/mixed; boundary=F\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\n{long}\r\n--F\r\nContent-Type: message/rfc822\r\n\r\n{}\r\n--F--\r\n",
        inner_phish()
    );
    let m = parse(raw.as_bytes());
    assert!(m.forwarded.is_none());
    assert_eq!(m.subject().as_deref(), Some("News"));
}

#[test]
fn many_parts_finish_and_report_the_limit() {
    let mut raw = String::from("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=Z\r\n\r\n");
    for i in 0..100_000 {
        raw.push_str(&format!("--Z\r\nContent-Type: text/plain\r\n\r\n{i}\r\n"));
    }
    raw.push_str("--Z--\r\n");
    let t = std::time::Instant::now();
    let m = parse(raw.as_bytes());
    touch_all(&m);
    assert!(has_problem(&m, "limit.parts"), "{:?}", m.problems);
    assert!(m.bodies().len() <= Limits::default().max_parts);
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
}

#[test]
fn deep_multipart_nesting_finishes_and_reports_the_limit() {
    let depth = 10_000;
    let mut raw = String::from("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for i in 1..depth {
        raw.push_str(&format!("--b{}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n", i - 1));
    }
    raw.push_str(&format!("--b{}\r\nContent-Type: text/plain\r\n\r\nbottom\r\n", depth - 1));
    for i in (0..depth).rev() {
        raw.push_str(&format!("--b{i}--\r\n"));
    }
    let t = std::time::Instant::now();
    let m = parse(raw.as_bytes());
    touch_all(&m);
    assert!(has_problem(&m, "limit.depth") || has_problem(&m, "limit.parts"), "{:?}", m.problems);
    assert!(!body_text(&m).contains("bottom"));
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
}

#[test]
fn deep_message_nesting_finishes_and_reports_the_limit() {
    let depth = 10_000;
    let mut raw = String::new();
    for _ in 0..depth {
        raw.push_str("From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\n");
    }
    raw.push_str("From: c@d.example\r\nSubject: bottom\r\n\r\nbottom\r\n");
    let m = parse(raw.as_bytes());
    touch_all(&m);
    assert!(has_problem(&m, "limit.depth"), "{:?}", m.problems);
}

#[test]
fn many_headers_report_the_limit() {
    let mut raw = String::from("From: a@b.example\r\n");
    for i in 0..5000 {
        raw.push_str(&format!("X-H{i}: v\r\n"));
    }
    raw.push_str("\r\nbody\r\n");
    let m = parse(raw.as_bytes());
    assert!(has_problem(&m, "limit.headers"));
    assert!(m.header_names().len() <= Limits::default().max_headers);
}

#[test]
fn oversized_message_is_cut_and_reported() {
    let limits = Limits { max_message_bytes: 100, ..Limits::default() };
    let raw = format!("From: a@b.example\r\nSubject: s\r\n\r\n{}", "x".repeat(1000));
    let m = Mail::parse(raw.as_bytes(), &limits);
    assert!(has_problem(&m, "limit.message_size"));
    assert_eq!(m.size, 100);
}

#[test]
fn garbage_is_not_a_message() {
    let m = parse(b"");
    assert!(m.is_empty());
    touch_all(&m);
    assert!(has_problem(&m, "parse.no_message"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Pieces that make MIME parsers stumble.
    fn nasty_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Content-Type: multipart/mixed; boundary=\"b\"\r\n".to_string()),
            Just("Content-Type: multipart/alternative; boundary=b\n".to_string()),
            Just("Content-Type: message/rfc822\r\n".to_string()),
            Just("Content-Type: text/html; charset=iso-2022-jp\r\n".to_string()),
            Just("Content-Type: text/plain; charset=x-bogus\r\n".to_string()),
            Just("Content-Transfer-Encoding: base64\r\n".to_string()),
            Just("Content-Transfer-Encoding: quoted-printable\r\n".to_string()),
            Just("Subject: =?utf-8?B?44Kr".to_string()),
            Just("Subject: =?iso-2022-jp?Q?=1B$B?=\r\n".to_string()),
            Just("From: \"=?x?B?=?=\" <a@b>, (c) <d@e>\r\n".to_string()),
            Just("--b\r\n".to_string()),
            Just("--b--\r\n".to_string()),
            Just("\r\n".to_string()),
            Just("\n".to_string()),
            Just("=?".to_string()),
            Just("=\r\n".to_string()),
            Just("\u{1b}$B".to_string()),
            "[A-Za-z0-9+/=!*]{0,40}".prop_map(|s| s),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let m = Mail::parse(&bytes, &Limits::default());
            touch_all(&m);
        }

        #[test]
        fn nasty_mime_never_panics(pieces in proptest::collection::vec(nasty_piece(), 0..60)) {
            let raw = format!("From: a@b.example\r\n{}", pieces.concat());
            let m = Mail::parse(raw.as_bytes(), &Limits::default());
            touch_all(&m);
            let tight = Limits { max_parts: 3, max_depth: 1, max_headers: 2, max_header_bytes: 8, max_body_bytes: 5, ..Limits::default() };
            let m = Mail::parse(raw.as_bytes(), &tight);
            touch_all(&m);
        }

        #[test]
        fn header_decoding_never_panics(s in any::<String>(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode::decode_words(&s);
            let _ = decode::decode_words(&format!("=?utf-8?B?{s}?= =?utf-8?Q?{s}"));
            let _ = decode::header_bytes_to_text(&bytes);
            let _ = decode::decode_text(&bytes, Some("iso-2022-jp"));
            let _ = decode::base64_lenient(&bytes);
            let _ = decode::qp_lenient(&bytes);
            let _ = raw_display_names(&s, 100);
        }
    }
}

/// Every message of the shared corpus through `Mail::parse` and all accessors: no panic, and the time.
/// Run with `cargo test -p phishlens-core --release corpus_parses -- --ignored --nocapture`.
#[test]
#[ignore]
fn corpus_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !root.exists() {
        eprintln!("corpus not found at {}; skipped", root.display());
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut bytes = 0usize;
    let mut parse_time = std::time::Duration::ZERO;
    let mut all_time = std::time::Duration::ZERO;
    let mut codes: std::collections::BTreeMap<String, usize> = Default::default();
    let mut forwarded = Vec::new();
    for f in &files {
        let raw = std::fs::read(f).unwrap();
        bytes += raw.len();
        let t = std::time::Instant::now();
        let m = Mail::parse(&raw, &Limits::default());
        parse_time += t.elapsed();
        touch_all(&m);
        all_time += t.elapsed();
        let top = f.components().rev().nth(1).map(|c| c.as_os_str().to_string_lossy().to_string()).unwrap_or_default();
        for p in &m.problems {
            *codes.entry(format!("{}/{}", if top == "phish" { "phish" } else { "other" }, p.code)).or_default() += 1;
        }
        if m.forwarded.is_some() {
            forwarded.push(f.display().to_string());
        }
    }
    eprintln!(
        "{} messages, {} MiB; parse {:?} ({:.0} msg/s), parse+accessors {:?} ({:.0} msg/s)",
        files.len(),
        bytes >> 20,
        parse_time,
        files.len() as f64 / parse_time.as_secs_f64(),
        all_time,
        files.len() as f64 / all_time.as_secs_f64()
    );
    eprintln!("problems: {codes:?}");
    eprintln!("forwarded ({}): {forwarded:#?}", forwarded.len());
}

#[test]
fn from_with_a_stray_comma_keeps_name_and_address() {
    let raw = b"From: Microsoft account team ,_<no-reply@access-accsecurity.example>\r\nSubject: x\r\n\r\nbody\r\n";
    let m = Mail::parse(raw, &Limits::default());
    let f = m.from().unwrap();
    assert_eq!(f.address.as_deref(), Some("no-reply@access-accsecurity.example"));
    assert_eq!(f.domain.as_deref(), Some("access-accsecurity.example"));
    assert_eq!(f.display_name.as_deref(), Some("Microsoft account team"));
}
