use super::*;
use crate::brands::builtin;
use crate::model::Mailbox;

fn mailbox(name: Option<&str>, address: &str) -> Mailbox {
    Mailbox {
        display_name: name.map(str::to_string),
        address: Some(address.to_string()),
        domain: domain::address_domain(address),
    }
}

fn link(url: &str) -> Link {
    let u = url::Url::parse(url).unwrap();
    let host = u.host_str().unwrap().to_string();
    Link {
        url: url.to_string(),
        registrable: domain::registrable(&host),
        host,
        sources: vec![LinkSource::Href],
        ..Default::default()
    }
}

fn facts(name: Option<&str>, address: &str, subject: &str, links: &[&str]) -> Facts {
    Facts {
        from: Some(mailbox(name, address)),
        subject: Some(subject.to_string()),
        links: links.iter().map(|u| link(u)).collect(),
        ..Default::default()
    }
}

fn run(mut f: Facts, body: &str) -> (Facts, Vec<Finding>) {
    let kb = builtin();
    extract(body, kb, &mut f);
    let mut out = Vec::new();
    check(&f, kb, &Config::default(), &mut out);
    (f, out)
}

fn ids_of(out: &[Finding]) -> Vec<&str> {
    let mut v: Vec<&str> = out.iter().map(|f| f.id.as_str()).collect();
    v.sort();
    v.dedup();
    v
}

fn weight(out: &[Finding]) -> f64 {
    let mut seen = std::collections::HashSet::new();
    out.iter()
        .filter(|f| seen.insert(f.id.clone()))
        .map(|f| crate::catalog::CATALOG.get(&f.id).map_or(0.0, |d| d.weight))
        .sum()
}

#[test]
fn kagoya_seed_genuine_sender_foreign_links() {
    let f = facts(
        Some("カゴヤ・ジャパン サポートセンター"),
        "support@kagoya.jp",
        "【お申し込みを受け付けました】カゴヤ・クラウド VPS へのお申し込みありがとうございました",
        &["https://3-137-150-20.cprapid.com/login"],
    );
    let (f, out) = run(f, "カゴヤ・ジャパンをご利用いただきありがとうございます。以下よりログインしてください。");
    let c = &f.brands[0];
    assert_eq!(c.brand_id, "kagoya");
    assert!(c.sender_genuine);
    assert_eq!(c.links_genuine, Some(false));
    assert!(c.seen_in.contains(&SEEN_DISPLAY_NAME.to_string()));
    let ids = ids_of(&out);
    assert!(ids.contains(&"identity.genuine_sender_foreign_links"), "{ids:?}");
    // Never "fake domain" for KAGOYA's own kagoya.jp.
    for bad in ["identity.brand_domain_mismatch", "identity.lookalike_tld", "identity.lookalike_typo"] {
        assert!(!ids.contains(&bad), "{bad} in {ids:?}");
    }
}

#[test]
fn amazon_seed_threat_name_and_mismatch() {
    let f = facts(
        Some("会員資格は取り消されます。"),
        "amazon@cljqxt.top",
        "Amazonプライムの自動更新設定を解除いたしました!",
        &["https://www.4ztfqg8.cn"],
    );
    let body = "お支払い方法に問題があり、プライム特典をご利用いただけない状況です。\
                Amazonプライムをご利用いただきありがとうございます。会員特典とお支払い方法の確認";
    let (f, out) = run(f, body);
    let c = f.brands.iter().find(|c| c.brand_id == "amazon").expect("amazon claimed");
    assert!(!c.sender_genuine);
    assert_eq!(c.links_genuine, Some(false));
    for w in [SEEN_LOCAL_PART, SEEN_SUBJECT, SEEN_BODY] {
        assert!(c.seen_in.contains(&w.to_string()), "{w} in {:?}", c.seen_in);
    }
    let ids = ids_of(&out);
    for want in ["identity.brand_domain_mismatch", "identity.display_name_sentence", "identity.brand_links_foreign"] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    assert!(weight(&out) >= 8.0);
}

#[test]
fn genuine_amazon_notice_is_quiet() {
    let f = facts(
        Some("Amazon.co.jp"),
        "shipment-tracking@amazon.co.jp",
        "Amazon.co.jp ご注文の商品を発送しました",
        &[
            "https://www.amazon.co.jp/gp/css/order-history?ref_=pe_1234",
            "https://www.amazon.co.jp/gp/help/customer/display.html?nodeId=201909010",
        ],
    );
    let mut f = f;
    f.links.push(Link { sources: vec![LinkSource::Src], ..link("https://m.media-amazon.com/images/G/09/logo.png") });
    let (f, out) = run(f, "山田 太郎 様\nご注文の商品を発送しました。\nAmazon.co.jp");
    let c = &f.brands[0];
    assert_eq!(c.brand_id, "amazon");
    assert!(c.sender_genuine);
    assert_eq!(c.links_genuine, Some(true));
    assert_eq!(weight(&out), 0.0, "{:?}", ids_of(&out));
    assert_eq!(ids_of(&out), ["identity.brand_sender_genuine"]);
}

#[test]
fn display_name_with_other_address() {
    let f = facts(Some("support@amazon.co.jp"), "x@evil.top", "ご確認ください", &[]);
    let (_, out) = run(f, "");
    let ids = ids_of(&out);
    assert!(ids.contains(&"identity.display_name_address"), "{ids:?}");
    assert!(ids.contains(&"identity.brand_domain_mismatch"), "{ids:?}");
    // The same address in name and From is normal.
    let f = facts(Some("taro@example.jp"), "taro@example.jp", "hello", &[]);
    let (_, out) = run(f, "");
    assert!(out.is_empty(), "{:?}", ids_of(&out));
}

#[test]
fn lookalike_links_and_senders() {
    let f = facts(Some("Amazon"), "info@arnazon.co.jp", "ご注文", &["https://amazon-co-jp.example.top/signin"]);
    let (f, out) = run(f, "");
    let ids = ids_of(&out);
    assert!(ids.contains(&"identity.lookalike_homoglyph"), "{ids:?}");
    assert!(ids.contains(&"identity.brand_domain_in_subdomain"), "{ids:?}");
    let c = &f.brands[0];
    assert!(c.seen_in.contains(&SEEN_FROM_DOMAIN.to_string()) && c.seen_in.contains(&SEEN_LINK.to_string()));
    let f = facts(
        None,
        "no-reply@example.jp",
        "お知らせ",
        &["https://secure-paypal-login.com/", "http://xn--pypal-4ve.com/"],
    );
    let (_, out) = run(f, "");
    let ids = ids_of(&out);
    assert!(ids.contains(&"identity.brand_in_domain"), "{ids:?}");
    assert!(ids.contains(&"identity.lookalike_homoglyph"), "{ids:?}");
}

#[test]
fn staff_of_a_brand_posting_to_a_list_is_not_a_notice() {
    let f = facts(
        Some("Taro Yamada"),
        "taro.yamada@microsoft.com",
        "[PATCH v2] hv: fix a race",
        &["https://lore.kernel.org/r/1"],
    );
    let (_, out) = run(f, "Signed-off-by: Taro Yamada");
    assert_eq!(weight(&out), 0.0, "{:?}", ids_of(&out));
}

#[test]
fn passing_mention_in_a_newsletter_is_not_a_claim() {
    let mut body = "今週のニュースレターです。".repeat(200);
    body.push_str("なお、お支払いにはAmazon Payもご利用いただけます。");
    let f = facts(Some("Example Shop"), "news@example-shop.jp", "今週のおすすめ", &["https://example-shop.jp/"]);
    let (f, out) = run(f, &body);
    assert_eq!(f.brands[0].seen_in, [SEEN_BODY_MENTION]);
    assert!(out.is_empty(), "{:?}", ids_of(&out));
}

#[test]
fn third_party_newsletter_about_a_brand_is_weak() {
    let f = facts(
        Some("Deals Weekly"),
        "deals@dealsweekly.example",
        "Amazon Prime Day: the best deals",
        &["https://dealsweekly.example/a"],
    );
    let (_, out) = run(f, "Amazon Prime Day starts today. Here are our picks.");
    assert!(weight(&out) < 2.0, "{:?}", ids_of(&out));
}

#[test]
fn genuine_sender_naming_partners_is_not_flagged() {
    let f = facts(
        Some("楽天カード"),
        "info@mail.rakuten-card.co.jp",
        "JCBブランドのご案内",
        &["https://www.rakuten-card.co.jp/"],
    );
    let (_, out) = run(f, "楽天カード(JCB)をご利用いただきありがとうございます。");
    assert_eq!(weight(&out), 0.0, "{:?}", ids_of(&out));
}

#[test]
fn weak_names_need_name_or_subject() {
    // "line" in a body is an ordinary word.
    let f = facts(Some("Taro"), "taro@example.jp", "meeting", &[]);
    let (f, _) = run(f, "Please read the first LINE below and the next line.");
    assert!(f.brands.is_empty(), "{:?}", f.brands);
    let f = facts(Some("LINE"), "notice@line-security.example", "LINEアカウントの確認", &[]);
    let (f, out) = run(f, "");
    assert_eq!(f.brands[0].brand_id, "line");
    assert!(ids_of(&out).contains(&"identity.brand_domain_mismatch"));
}

#[test]
fn fullwidth_and_mixed_width_names() {
    let f = facts(Some("Ａｍａｚｏｎ"), "info@shop-example.top", "ご請求", &[]);
    let (f, out) = run(f, "");
    assert_eq!(f.brands[0].brand_id, "amazon");
    assert_eq!(f.brands[0].matched, "Ａｍａｚｏｎ");
    assert!(ids_of(&out).contains(&"identity.brand_domain_mismatch"));
}

#[test]
fn free_mail_is_not_the_brand() {
    let f = facts(Some("Google アカウント"), "google.security.team@gmail.com", "セキュリティ通知", &[]);
    let (f, out) = run(f, "");
    assert!(!f.brands[0].sender_genuine);
    assert_eq!(ids_of(&out), ["identity.brand_from_free_mail"]);
    let f = facts(Some("au"), "taro@ezweb.ne.jp", "hi", &[]);
    let (_, out) = run(f, "");
    assert!(out.is_empty(), "{:?}", ids_of(&out));
    // A docomo user writing from docomo.ne.jp about docomo is no impersonation.
    let f = facts(Some("Taro"), "docomo-taro@docomo.ne.jp", "docomoの機種変更", &[]);
    let (_, out) = run(f, "");
    assert!(out.is_empty(), "{:?}", ids_of(&out));
    // Bounces from the provider's system addresses are the provider's.
    let f = facts(Some("Mail Delivery Subsystem"), "mailer-daemon@googlemail.com", "Delivery Status Notification", &[]);
    let (f, out) = run(f, "Google tried to deliver your message, but it was rejected.");
    assert!(f.brands[0].sender_genuine);
    assert_eq!(weight(&out), 0.0, "{:?}", ids_of(&out));
}

#[test]
fn url_only_analysis() {
    let mut f = Facts { links: vec![link("https://amazon.co.jp.signin-update.top/ap/signin")], ..Default::default() };
    let kb = builtin();
    extract("", kb, &mut f);
    let mut out = Vec::new();
    check(&f, kb, &Config::default(), &mut out);
    assert_eq!(ids_of(&out), ["identity.brand_domain_in_subdomain"]);
}

#[test]
fn hostile_input_does_not_panic() {
    let long = "ア".repeat(100_000) + &"Amazon ".repeat(10_000);
    let f = facts(Some(&"会員。".repeat(1000)), "a@b", &"\u{200B}".repeat(5000), &[]);
    let (_, _) = run(f, &long);
    let f = Facts {
        from: Some(Mailbox { display_name: Some("@".into()), address: Some("@@".into()), domain: Some("..".into()) }),
        ..Default::default()
    };
    let _ = run(f, "\u{FF9E}\u{FF9F}ﾞ");
}

/// The seed fixtures, through the whole pipeline (read if present; other areas may still be in progress).
#[test]
fn seed_fixtures_through_pipeline() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    let cfg = Config::default();
    if let Ok(raw) = std::fs::read(format!("{dir}/kagoya_vps.eml")) {
        let r = crate::analyze(&raw, &cfg);
        let c = r.facts.brands.iter().find(|c| c.brand_id == "kagoya").expect("kagoya claimed");
        assert!(c.sender_genuine);
        assert!(!r.findings.iter().any(|f| f.id == "identity.brand_domain_mismatch"));
        if !r.facts.links.is_empty() {
            assert_eq!(c.links_genuine, Some(false));
            assert!(r.findings.iter().any(|f| f.id == "identity.genuine_sender_foreign_links"));
        }
    }
    if let Ok(raw) = std::fs::read(format!("{dir}/amazon_prime.eml")) {
        let r = crate::analyze(&raw, &cfg);
        let c = r.facts.brands.iter().find(|c| c.brand_id == "amazon").expect("amazon claimed");
        assert!(!c.sender_genuine);
        assert!(r.findings.iter().any(|f| f.id == "identity.brand_domain_mismatch"));
        assert!(r.findings.iter().any(|f| f.id == "identity.display_name_sentence"));
    }
    if let Ok(raw) = std::fs::read(format!("{dir}/amazon_genuine.eml")) {
        let r = crate::analyze(&raw, &cfg);
        let bad: Vec<_> = r.findings.iter().filter(|f| f.id.starts_with("identity.") && f.weight > 0.0).collect();
        assert!(bad.is_empty(), "{bad:#?}");
        assert!(r.facts.brands.iter().any(|c| c.brand_id == "amazon" && c.sender_genuine));
    }
}

/// Time of extract + check on a ~40 KiB Japanese/English body with 20 links. Run with
/// `cargo test --release -p phishlens-core identity_speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn identity_speed() {
    let mut body = String::new();
    while body.len() < 40 << 10 {
        body.push_str("いつもご利用いただきありがとうございます。今月のおすすめ商品をご案内します。Amazon Payもご利用いただけます。");
        body.push_str("Please find the details of your order below; the JCB card ending 1234 was charged. ");
    }
    let urls: Vec<String> = (0..20).map(|i| format!("https://host{i}.example-shop{}.jp/item/{i}", i % 7)).collect();
    let url_refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let base = facts(Some("Example Shop"), "news@example-shop.jp", "今週のおすすめ【Amazon Pay対応】", &url_refs);
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let (f, out) = run(base.clone(), &body);
        std::hint::black_box((f, out));
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    eprintln!("identity extract+check: {per:.1} µs per message");
}
