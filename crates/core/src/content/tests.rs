use super::*;
use crate::config::Limits;

fn facts_for(subject: &str, text: &str) -> Facts {
    let raw = b"From: a@b.example\r\n\r\nx\r\n";
    let mail = Mail::parse(raw, &Limits::default());
    let mut facts = Facts { subject: Some(subject.to_string()), ..Default::default() };
    extract(&mail, text, &Config::default(), &mut facts);
    facts
}

fn ids(facts: &Facts) -> Vec<String> {
    let mut out = Vec::new();
    check(facts, &Config::default(), &mut out);
    out.into_iter().map(|f| f.id).collect()
}

#[test]
fn amazon_style_japanese_payment_phish() {
    let f = facts_for(
        "【Amazon】プライム会員の自動更新ができませんでした",
        "お客様のお支払い方法に問題があります。２４時間以内にお支払い方法の更新を行ってください。\
         期限までに更新されない場合、プライム会員特典は自動的にキャンセルされます。",
    );
    assert_eq!(f.content.language.as_deref(), Some("ja"));
    let cats: Vec<&str> = f.content.lexicon_hits.iter().map(|h| h.category.as_str()).collect();
    assert!(cats.contains(&"deadline") && cats.contains(&"threat") && cats.contains(&"payment"), "{cats:?}");
    let hit = f.content.lexicon_hits.iter().find(|h| h.term == "自動的にキャンセル").unwrap();
    assert_eq!(hit.excerpt, "期限までに更新されない場合、プライム会員特典は自動的にキャンセルされます。");
    let found = ids(&f);
    for id in ["content.deadline", "content.threat", "content.payment_request", "content.pressure_with_request"] {
        assert!(found.contains(&id.to_string()), "{id} missing from {found:?}");
    }
}

#[test]
fn kagoya_style_threat_in_subject_and_halfwidth_text() {
    let f = facts_for(
        "【KAGOYA】サーバーの利用停止について",
        "ご利用料金が未払いのため、3日以内にﾛｸﾞｲﾝして確認してください。ﾊﾟｽﾜｰﾄﾞが必要です。",
    );
    let terms: Vec<&str> = f.content.lexicon_hits.iter().map(|h| h.term.as_str()).collect();
    for t in ["利用停止", "未払い", "日以内", "パスワード"] {
        assert!(terms.contains(&t), "{t} missing from {terms:?}");
    }
    let mut out = Vec::new();
    check(&f, &Config::default(), &mut out);
    let threat = out.iter().find(|f| f.id == "content.threat").unwrap();
    assert_eq!(threat.evidence[0].location, "Subject");
}

#[test]
fn english_and_portuguese_phish() {
    let f = facts_for(
        "Action required",
        "We detected unusual activity on your account. Please verify your account within 24 hours or it will be suspended.",
    );
    assert_eq!(f.content.language.as_deref(), Some("en"));
    assert!(ids(&f).contains(&"content.pressure_with_request".to_string()));
    let f = facts_for(
        "Aviso",
        "Prezado cliente, sua conta foi bloqueada. Atualize seus dados cadastrais imediatamente para evitar o cancelamento.",
    );
    assert_eq!(f.content.language.as_deref(), Some("pt"));
    assert!(ids(&f).contains(&"content.pressure_with_request".to_string()));
}

#[test]
fn threat_in_display_name() {
    let raw = b"From: a@b.example\r\n\r\nx\r\n";
    let mail = Mail::parse(raw, &Limits::default());
    let mut facts = Facts {
        from: Some(crate::model::Mailbox {
            display_name: Some("会員資格は取り消されます。".to_string()),
            address: Some("amazon@cljqxt.example".to_string()),
            domain: Some("cljqxt.example".to_string()),
        }),
        ..Default::default()
    };
    extract(&mail, "3日間以内にお支払い方法の再登録をお願いいたします。", &Config::default(), &mut facts);
    let mut out = Vec::new();
    check(&facts, &Config::default(), &mut out);
    let threat = out.iter().find(|f| f.id == "content.threat").expect("threat");
    assert_eq!(threat.evidence[0].location, "From");
    assert!(out.iter().any(|f| f.id == "content.deadline"));
    assert!(out.iter().any(|f| f.id == "content.pressure_with_request"));
}

#[test]
fn ordinary_mail_has_no_pressure() {
    let f = facts_for(
        "Re: meeting notes",
        "Thanks for the notes. The firewall blocked port 25 again, so I moved the relay. See you on Monday.\n\
         配信停止はこちらからお手続きください。",
    );
    // An unsubscribe footer is recorded (category "unsubscribe", a sign of bulk mail) but is no pressure.
    let pressure: Vec<_> = f.content.lexicon_hits.iter().filter(|h| h.category != "unsubscribe").collect();
    assert!(pressure.is_empty(), "{pressure:?}");
    assert!(ids(&f).is_empty());
}

#[test]
fn password_alone_is_not_the_combination() {
    let f = facts_for("Password changed", "Your password was changed. If this was you, no action is needed.");
    let found = ids(&f);
    assert_eq!(found, vec!["content.credential_request".to_string()]);
}

#[test]
fn excerpt_and_counts_are_bounded() {
    let long = "あ".repeat(10_000) + &"within 24 hours. ".repeat(10_000);
    let f = facts_for("", &long);
    assert!(f.content.excerpt.chars().count() <= EXCERPT_CHARS + 1);
    assert_eq!(f.content.text_chars, long.chars().count());
    assert!(f.content.lexicon_hits.len() <= MAX_HITS);
    for h in &f.content.lexicon_hits {
        assert!(h.excerpt.chars().count() <= HIT_EXCERPT_CHARS + 1);
    }
}

#[test]
fn catalog_has_every_content_finding() {
    for id in [
        "content.deadline",
        "content.threat",
        "content.payment_request",
        "content.credential_request",
        "content.prize",
        "content.pressure_with_request",
        "content.disguised_text",
    ] {
        assert!(crate::catalog::CATALOG.get(id).is_some(), "{id}");
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), t in "[ｱ-ﾝﾞﾟ３日以内パスワードＡ-Ｚa-z .。\n]{0,80}") {
            let f = facts_for(&t, &s);
            let _ = ids(&f);
            let f = facts_for(&s, &t);
            let _ = ids(&f);
            let folded = lexicon::fold(&t);
            prop_assert!(folded.original(folded.text.len()) <= t.len());
        }
    }
}

/// Lexicon findings over the shared corpus, per folder: how often each fires on phishing vs legitimate
/// mail. Run with `cargo test -p phishlens-core --release corpus_lexicon -- --ignored --nocapture`.
#[test]
#[ignore]
fn corpus_lexicon() {
    use std::collections::BTreeMap;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !root.exists() {
        eprintln!("corpus not found at {}; skipped", root.display());
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
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
    let mut per: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    let mut langs: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut terms: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut t_total = std::time::Duration::ZERO;
    for f in &files {
        let raw = std::fs::read(f).unwrap();
        let rel = f.strip_prefix(&root).unwrap();
        let group = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
        let mail = Mail::parse(&raw, &Limits::default());
        let mut text = String::new();
        for b in mail.bodies() {
            if b.kind == crate::parse::BodyKind::Html {
                let mut in_tag = false;
                for c in b.text.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => {
                            in_tag = false;
                            text.push(' ');
                        }
                        _ if !in_tag => text.push(c),
                        _ => {}
                    }
                }
            } else {
                text.push_str(&b.text);
            }
            text.push('\n');
        }
        let mut facts = Facts { subject: mail.subject(), ..Default::default() };
        let t = std::time::Instant::now();
        extract(&mail, &text, &Config::default(), &mut facts);
        let mut out = Vec::new();
        check(&facts, &Config::default(), &mut out);
        t_total += t.elapsed();
        let e = per.entry(group.clone()).or_default();
        e.0 += 1;
        for id in out.iter().map(|f| f.id.clone()) {
            *e.1.entry(id).or_default() += 1;
        }
        *langs
            .entry(group.clone())
            .or_default()
            .entry(facts.content.language.clone().unwrap_or("-".into()))
            .or_default() += 1;
        for h in &facts.content.lexicon_hits {
            *terms.entry(group.clone()).or_default().entry(format!("{}:{}", h.category, h.term)).or_default() += 1;
        }
    }
    eprintln!("content extract+check: {:?} for {} messages", t_total, files.len());
    for (g, (n, ids)) in &per {
        eprintln!("{g} ({n}):");
        for (id, c) in ids {
            eprintln!("  {id}: {c} ({:.1}%)", *c as f64 * 100.0 / *n as f64);
        }
        eprintln!("  languages: {:?}", langs.get(g));
        let mut top: Vec<_> = terms.get(g).map(|m| m.iter().collect()).unwrap_or_default();
        top.sort_by(|a, b| b.1.cmp(a.1));
        eprintln!("  top terms: {:?}", &top[..top.len().min(40)]);
    }
}

#[test]
fn disguised_letters_in_the_body() {
    // "Your wallet is suspended" with Cyrillic s, e and a Greek omicron.
    let f = facts_for("Notice", "Y\u{3BF}ur wallet is \u{455}u\u{455}p\u{435}nded. Restore access today.");
    assert!(ids(&f).contains(&"content.disguised_text".to_string()));
    // A Russian sentence next to an English one is not a disguise, nor is a formula.
    let f = facts_for("Привет", "Привет, как дела? See you at the meeting. The set 𝔸𝔹ℂ is closed.");
    assert!(!ids(&f).contains(&"content.disguised_text".to_string()));
}
