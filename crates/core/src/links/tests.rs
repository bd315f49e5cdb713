use super::*;
use crate::config::Limits;
use crate::model::LinkSource;
use proptest::prelude::*;

fn cfg() -> Config {
    Config::default()
}

fn run(raw: &str) -> (Facts, String, Vec<Finding>) {
    let mail = Mail::parse(raw.as_bytes(), &Limits::default());
    let mut facts = Facts::default();
    let text = extract(&mail, &cfg(), &mut facts);
    let mut out = Vec::new();
    check(&facts, &cfg(), &mut out);
    (facts, text, out)
}

fn html_mail(html: &str) -> String {
    format!("From: a@b.example\r\nSubject: t\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n")
}

fn text_mail(text: &str) -> String {
    format!("From: a@b.example\r\nSubject: t\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n")
}

fn ids(out: &[Finding]) -> Vec<&str> {
    out.iter().map(|f| f.id.as_str()).collect()
}

fn url_findings(url: &str) -> Vec<String> {
    let mut facts = Facts::default();
    add_link(&mut facts, link_from_url(url, LinkSource::Text).expect("a link"), &cfg());
    let mut out = Vec::new();
    check(&facts, &cfg(), &mut out);
    out.into_iter().map(|f| f.id).collect()
}

#[test]
fn amazon_seed_button_link() {
    let (facts, text, out) = run(&html_mail(
        r#"<p>お支払い方法に問題があります。</p><p><a href="https://www.4ztfqg8.cn"> 会員特典とお支払い方法の確認 </a></p>"#,
    ));
    assert_eq!(facts.links.len(), 1);
    let l = &facts.links[0];
    assert_eq!(l.host, "www.4ztfqg8.cn");
    assert_eq!(l.registrable.as_deref(), Some("4ztfqg8.cn"));
    assert_eq!(l.anchor_text.as_deref(), Some("会員特典とお支払い方法の確認"));
    assert_eq!(l.sources, [LinkSource::Href]);
    assert!(facts.content.has_html);
    assert!(text.contains("会員特典とお支払い方法の確認"));
    // The button text is not a URL: no mismatch; the random-looking registered name is the structural signal.
    assert_eq!(ids(&out), ["links.random_domain"]);
    assert_eq!(out[0].params["domain"], "4ztfqg8.cn");
}

#[test]
fn kagoya_seed_cpanel_link() {
    let (facts, _, out) =
        run(&text_mail("▼コントロールパネルへのログインはこちら\nhttps://3-137-150-20.cprapid.com:2083/\n"));
    let l = &facts.links[0];
    assert_eq!(l.host, "3-137-150-20.cprapid.com");
    assert_eq!(l.port, Some(2083));
    let got = ids(&out);
    for id in ["links.cpanel_port", "links.ip_in_hostname", "links.dynamic_dns"] {
        assert!(got.contains(&id), "{id} missing from {got:?}");
    }
    let f = out.iter().find(|f| f.id == "links.ip_in_hostname").unwrap();
    assert_eq!(f.params["ip"], "3.137.150.20");
    assert_eq!(f.evidence[0].excerpt, "https://3-137-150-20.cprapid.com:2083/");
}

#[test]
fn seed_fixtures_when_present() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    let Ok(kagoya) = std::fs::read(format!("{dir}/kagoya_vps.eml")) else { return };
    let mail = Mail::parse(&kagoya, &Limits::default());
    let mut facts = Facts::default();
    extract(&mail, &cfg(), &mut facts);
    assert!(facts.links.iter().any(|l| l.host == "3-137-150-20.cprapid.com" && l.port == Some(2083)));
    if let Ok(amazon) = std::fs::read(format!("{dir}/amazon_prime.eml")) {
        let mail = Mail::parse(&amazon, &Limits::default());
        let mut facts = Facts::default();
        extract(&mail, &cfg(), &mut facts);
        assert!(facts.links.iter().any(|l| l.registrable.as_deref() == Some("4ztfqg8.cn")), "{:?}", facts.links);
    }
}

#[test]
fn japanese_glued_url_in_plain_text() {
    let (facts, _, _) = run(&text_mail("こちらhttps://www.4ztfqg8.cn/から手続きしてください。"));
    assert_eq!(facts.links.len(), 1);
    assert_eq!(facts.links[0].url, "https://www.4ztfqg8.cn/");
}

#[test]
fn text_href_mismatch_fires_only_for_displayed_domains() {
    let (facts, _, out) =
        run(&html_mail(r#"<a href="https://secure-login.evil-site.com/x">https://www.amazon.co.jp/</a>"#));
    assert!(ids(&out).contains(&"links.text_href_mismatch"), "{:?}", ids(&out));
    let f = out.iter().find(|f| f.id == "links.text_href_mismatch").unwrap();
    assert_eq!(f.params["shown"], "www.amazon.co.jp");
    assert_eq!(f.params["actual"], "evil-site.com");
    // The displayed URL is not a destination of its own.
    assert_eq!(facts.links.len(), 1);

    // "Click here", same site, same brand in another country, opaque tracker: quiet.
    for html in [
        r#"<a href="https://evil.example/x">Click here</a>"#,
        r#"<a href="https://www.amazon.co.jp/gp/css">amazon.co.jp</a>"#,
        r#"<a href="https://www.amazon.com/">www.amazon.co.jp</a>"#,
        r#"<a href="https://u123.ct.sendgrid.net/ls/click?upn=abc">www.shop.example.com</a>"#,
        r#"<a href="https://click.news.example/?u=https%3A%2F%2Fwww.shop.example%2F">www.shop.example</a>"#,
        r#"<a href="https://www.youtube.com/watch?v=x">https://youtu.be/x</a>"#,
    ] {
        let (_, _, out) = run(&html_mail(html));
        assert!(!ids(&out).contains(&"links.text_href_mismatch"), "{html}: {:?}", ids(&out));
    }
}

#[test]
fn safelinks_are_unwrapped() {
    let (facts, _, _) = run(&html_mail(
        r#"<a href="https://apc01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.4ztfqg8.cn%2F&amp;data=05">x</a>"#,
    ));
    assert_eq!(facts.links[0].url, "https://www.4ztfqg8.cn/");
    assert!(facts.links[0].wrapped_in.as_deref().unwrap().contains("safelinks"));
    assert!(facts.links[0].tags.contains(&TAG_WRAPPED.to_string()));
}

#[test]
fn ip_literals() {
    assert!(url_findings("http://106.75.178.120/login").contains(&"links.ip_literal".to_string()));
    // Private addresses (router pages in genuine notices) are not phishing infrastructure.
    assert!(!url_findings("http://192.168.1.1/").contains(&"links.ip_literal".to_string()));
    let got = url_findings("http://1783935608/");
    assert!(got.contains(&"links.ip_obfuscated".to_string()), "{got:?}");
    let l = link_from_url("http://1783935608/", LinkSource::Text).unwrap();
    assert_eq!(l.ip.unwrap().to_string(), "106.84.178.120");
}

#[test]
fn a_version_number_turned_into_a_link_is_not_an_ip_link() {
    let with_anchor = |url: &str, text: &str| {
        let mut facts = Facts::default();
        let mut l = link_from_url(url, LinkSource::Href).expect("a link");
        l.anchor_text = Some(text.to_string());
        add_link(&mut facts, l, &cfg());
        let mut out = Vec::new();
        check(&facts, &cfg(), &mut out);
        out.into_iter().map(|f| f.id).collect::<Vec<_>>()
    };
    // "UHD 4.1.0.1" auto-linked by the sender's mail client.
    assert!(!with_anchor("http://4.1.0.1/", "4.1.0.1").contains(&"links.ip_literal".to_string()));
    // The same address with a path, or behind other words, is a link to a server.
    assert!(with_anchor("http://4.1.0.1/login.php", "4.1.0.1").contains(&"links.ip_literal".to_string()));
    assert!(with_anchor("http://4.1.0.1/", "Verify your account").contains(&"links.ip_literal".to_string()));
}

#[test]
fn userinfo_trick() {
    let got = url_findings("https://amazon.co.jp@evil.example/signin");
    assert!(got.contains(&"links.userinfo".to_string()));
    let l = link_from_url("https://amazon.co.jp@evil.example/signin", LinkSource::Text).unwrap();
    assert_eq!(l.host, "evil.example");
}

#[test]
fn punycode_hosts_show_both_forms() {
    let l = link_from_url("https://xn--pple-43d.com/", LinkSource::Text).unwrap();
    assert_eq!(l.host, "xn--pple-43d.com");
    assert_eq!(l.host_unicode.as_deref(), Some("аpple.com"));
    let l = link_from_url("https://аpple.com/", LinkSource::Text).unwrap();
    assert_eq!(l.host, "xn--pple-43d.com");
    assert!(url_findings("https://xn--pple-43d.com/").contains(&"links.punycode".to_string()));
}

#[test]
fn zones_shorteners_ports_paths() {
    assert!(url_findings("https://bit.ly/3xYz").contains(&"links.shortener".to_string()));
    assert!(url_findings("https://amzn-verify.web.app/").contains(&"links.free_hosting".to_string()));
    assert!(url_findings("https://my-box.duckdns.org/").contains(&"links.dynamic_dns".to_string()));
    assert!(url_findings("https://1.2.3.4.nip.io/").contains(&"links.ip_in_hostname".to_string()));
    assert!(url_findings("https://shop.example.com:8443/").contains(&"links.nonstandard_port".to_string()));
    assert!(url_findings("https://mail.example.com:2096/").contains(&"links.cpanel_port".to_string()));
    assert!(
        url_findings("https://bakery.example.com/wp-includes/js/amazon/signin.php")
            .contains(&"links.compromised_site_path".to_string())
    );
    assert!(url_findings("https://x.example.com/secure/login.php").contains(&"links.credential_path".to_string()));
    assert!(url_findings("https://www.amazon.co.jp/ap/signin?x=1").is_empty());
}

#[test]
fn open_redirect_adds_destination() {
    let (facts, _, out) =
        run(&html_mail(r#"<a href="https://news.example.org/out?url=https%3A%2F%2Fwww.4ztfqg8.cn%2F">Open</a>"#));
    assert!(ids(&out).contains(&"links.redirect_param"));
    assert!(facts.links.iter().any(|l| l.url == "https://www.4ztfqg8.cn/" && l.wrapped_in.is_some()));
    // A redirect within the same site is not a signal.
    assert!(url_findings("https://www.example.com/login?next=https://www.example.com/account").is_empty());
}

#[test]
fn javascript_and_data_urls() {
    let (facts, _, out) = run(&html_mail(
        r#"<a href="java&#x09;script:location='https://evil.example'">a</a><a href="data:text/html;base64,PHNjcmlwdD4=">b</a>
           <a href="javascript:void(0)">c</a><img src="data:image/png;base64,iVBOR">"#,
    ));
    let got = ids(&out);
    assert!(got.contains(&"links.javascript_url") && got.contains(&"links.data_url"), "{got:?}");
    assert_eq!(facts.links.iter().filter(|l| l.host.is_empty()).count(), 2);
}

#[test]
fn forms_passwords_and_meta_refresh() {
    let (facts, _, out) = run(&html_mail(
        r#"<meta http-equiv="refresh" content="0;url=https://evil.example/p"><form action="https://collect.example/post.php" method="post">
           <input name="email"><input type="password" name="pw"></form>"#,
    ));
    assert_eq!(facts.content.forms.len(), 1);
    assert!(facts.content.forms[0].has_password);
    let got = ids(&out);
    for id in ["links.form_in_mail", "links.password_field", "links.meta_refresh"] {
        assert!(got.contains(&id), "{id} missing from {got:?}");
    }
}

#[test]
fn search_forms_are_not_reported() {
    let (facts, _, out) =
        run(&html_mail(r#"<form action="https://www.search.example/redirect"><input name="q"></form>"#));
    assert_eq!(facts.content.forms.len(), 1);
    assert!(!ids(&out).contains(&"links.form_in_mail"));
}

#[test]
fn hidden_text_only_when_substantial() {
    let (facts, text, out) = run(&html_mail(r#"<div style="display:none">Your order has shipped</div><p>Hello</p>"#));
    assert_eq!(facts.content.hidden_text, ["Your order has shipped"]);
    assert_eq!(text, "Hello");
    assert!(!ids(&out).contains(&"links.hidden_text"));
    let filler = "lorem ipsum dolor sit amet ".repeat(12);
    let (_, _, out) = run(&html_mail(&format!(r#"<span style="font-size:0">{filler}</span><p>Pay now</p>"#)));
    assert!(ids(&out).contains(&"links.hidden_text"));
}

#[test]
fn base_href_resolves_relative_links() {
    let (facts, _, _) = run(&html_mail(r#"<base href="https://evil.example/kit/"><a href="login.php">Sign in</a>"#));
    assert_eq!(facts.links[0].url, "https://evil.example/kit/login.php");
}

#[test]
fn html_attachment_links_are_marked() {
    let raw = "From: a@b.example\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
        --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached invoice.\r\n\
        --XX\r\nContent-Type: text/html; name=invoice.html\r\nContent-Disposition: attachment; filename=invoice.html\r\n\r\n\
        <html><script>window.location.href = \"https://evil.example/o365/\";</script><form action=\"https://evil.example/p.php\"><input type=password></form></html>\r\n\
        --XX--\r\n";
    let (facts, _, out) = run(raw);
    let js = facts.links.iter().find(|l| l.url == "https://evil.example/o365/").expect("script redirect found");
    assert!(js.sources.contains(&LinkSource::HtmlAttachment));
    let action = facts.links.iter().find(|l| l.url == "https://evil.example/p.php").unwrap();
    assert_eq!(action.sources, [LinkSource::HtmlAttachment, LinkSource::FormAction]);
    assert!(ids(&out).contains(&"links.password_field"));
}

#[test]
fn visible_text_is_plain_then_html() {
    let raw = "From: a@b.example\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=XX\r\n\r\n\
        --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain   words\r\n\r\n\r\n\r\nmore\r\n\
        --XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html&nbsp;words</p>\r\n--XX--\r\n";
    let (_, text, _) = run(raw);
    assert_eq!(text, "plain words\n\nmore\nhtml words");
}

#[test]
fn link_limit_is_enforced() {
    let html: String = (0..50).map(|i| format!("<a href=\"https://h{i}.example.com/\">x</a>")).collect();
    let mail_raw = html_mail(&html);
    let mail = Mail::parse(mail_raw.as_bytes(), &Limits::default());
    let mut c = cfg();
    c.limits.max_links = 10;
    let mut facts = Facts::default();
    extract(&mail, &c, &mut facts);
    assert_eq!(facts.links.len(), 10);
    assert!(facts.problems.iter().any(|p| p.code == "limit.links"));
}

#[test]
fn every_finding_is_in_the_catalog() {
    let (_, _, out) = run(&html_mail(
        r#"<a href="https://secure.evil.example/">https://www.amazon.co.jp/</a><a href="http://106.75.178.120/">x</a>
        <a href="http://1783935608/">x</a><a href="https://3-137-150-20.cprapid.com:2083/">x</a><a href="https://a.web.app/">x</a>
        <a href="https://bit.ly/x">x</a><a href="https://xn--pple-43d.com/">x</a><a href="https://a.example@b.example/">x</a>
        <a href="https://c.example:8080/">x</a><a href="https://d.example/?u=https://e.example/">x</a><a href="https://4ztfqg8.cn/">x</a>
        <a href="https://f.example/wp-admin/x/">x</a><a href="https://g.example/login.php">x</a><a href="javascript:alert(1)">x</a>
        <a href="data:text/html,x">x</a><meta http-equiv=refresh content="0;url=https://h.example/"><form action="https://i.example/"><input type=password></form>
        <div style="display:none">"#,
    ));
    for f in &out {
        assert!(crate::catalog::CATALOG.get(&f.id).is_some(), "{} is not in the catalog", f.id);
    }
    assert!(out.len() >= 18, "{:?}", ids(&out));
}

proptest! {
    #[test]
    fn link_from_url_never_panics(s in ".{0,200}") {
        if let Some(l) = link_from_url(&s, LinkSource::Text) {
            prop_assert!(l.url.chars().count() <= 9000);
        }
        let _ = link_from_url(&format!("https://{s}"), LinkSource::Href);
        let _ = link_from_url(&format!("https://urldefense.com/v3/__{s}__;{s}!!"), LinkSource::Href);
    }

    #[test]
    fn extract_never_panics(body in ".{0,300}") {
        let _ = run(&html_mail(&body));
        let _ = run(&text_mail(&body));
    }
}

#[test]
fn the_senders_own_app_on_a_hosting_platform_is_not_free_hosting() {
    assert!(is_senders_own_app("syzkaller.appspot.com", "syzkaller.appspotmail.com"));
    // Another tenant, or a sender on a plain domain, is still a stranger's site.
    assert!(!is_senders_own_app("login-secure.appspot.com", "syzkaller.appspotmail.com"));
    assert!(!is_senders_own_app("paypal.web.app", "paypal.com"));
}
