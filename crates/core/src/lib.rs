//! phishlens-core: the analysis pipeline.
//!
//! bytes -> parse (`parse::Mail`) -> extract (`model::Facts`) -> judge (`finding::Finding`s, verdict) ->
//! render (text, Markdown, JSON; ja/en). Each stage is a module with one job; only `parse` knows the mail
//! parser, and nothing here touches the network or the disk.

pub mod attachments;
pub mod brands;
pub mod catalog;
pub mod config;
pub mod content;
pub mod domain;
pub mod finding;
pub mod headers;
pub mod html;
pub mod identity;
pub mod intel;
pub mod iocs;
pub mod judge;
pub mod links;
pub mod model;
pub mod parse;
pub mod qr;
pub mod render;

pub use config::Config;
pub use judge::{Report, UrlReport, Verdict};

/// Analyse one raw message. Never panics on any input; never fails: an unreadable message yields a report
/// whose `problems` say why.
pub fn analyze(raw: &[u8], cfg: &Config) -> Report {
    analyze_inner(raw, cfg, None)
}

/// As [`analyze`], handing the decoded text of each HTML body (not of attached HTML files) to `html_body` on
/// the way. For callers that read more from the HTML than the analysis does (the store's layout fingerprint),
/// so that they need not decode the message a second time.
pub fn analyze_with_html(raw: &[u8], cfg: &Config, html_body: &mut dyn FnMut(&str)) -> Report {
    analyze_inner(raw, cfg, Some(html_body))
}

fn analyze_inner(raw: &[u8], cfg: &Config, html_body: Option<&mut dyn FnMut(&str)>) -> Report {
    let mail = parse::Mail::parse(raw, &cfg.limits);
    if let Some(visit) = html_body {
        for b in mail.bodies().iter().filter(|b| b.kind == parse::BodyKind::Html && !b.is_attachment) {
            visit(&b.text);
        }
    }
    let kb = brands::kb(cfg);
    let mut facts = model::Facts {
        size: mail.size,
        problems: mail.problems.clone(),
        forwarded: mail.forwarded.clone(),
        ..Default::default()
    };
    headers::extract(&mail, cfg, &mut facts);
    let visible_text = links::extract(&mail, cfg, &mut facts);
    content::extract(&mail, &visible_text, cfg, &mut facts);
    if quishing_plausible(&facts, &visible_text) {
        attachments::extract(&mail, cfg, &mut facts);
    } else {
        // Decoding images for QR codes is the most expensive step; a mail that already offers several links to
        // click has no need to hide one in a QR code, so its images are hashed but not decoded.
        let no_qr = Config { limits: config::Limits { max_qr_image_bytes: 0, ..cfg.limits.clone() }, ..cfg.clone() };
        attachments::extract(&mail, &no_qr, &mut facts);
    }
    identity::extract(&visible_text, kb, &mut facts);
    judge::judge(facts, &visible_text, kb, cfg)
}

/// Links a reader can click (not images or style sheets loaded by the HTML).
fn clickable_links(facts: &model::Facts) -> usize {
    facts.links.iter().filter(|l| l.sources.iter().any(|s| *s != model::LinkSource::Src)).count()
}

/// Words a quishing mail uses to make the reader scan its code (the code itself is an image, so the text has
/// to ask for it), in the languages of the lexicons.
const QR_WORDS: &[&str] =
    &["qr", "scan", "スキャン", "読み取", "読取", "escane", "digitaliz", "scannen", "numéris", "escanea"];

/// Quishing hides the one link in a QR code so that link scanners miss it. Decoding images is the most
/// expensive step of the analysis, so it runs only where a QR code is plausible: few links to click, and a text
/// that asks the reader to scan something, or hardly any text at all (the whole message is an image).
fn quishing_plausible(facts: &model::Facts, visible_text: &str) -> bool {
    if clickable_links(facts) > 3 {
        return false;
    }
    let subject = facts.subject.as_deref().unwrap_or("");
    visible_text.trim().chars().nth(300).is_none() || says_scan(subject) || says_scan(visible_text)
}

/// `QR_WORDS` in any case, in one pass (the text can be megabytes). ASCII letters are matched in any case;
/// the one non-ASCII letter that has a case, the `é` of "numéris", is listed in both cases. No other char
/// lower-cases into these words, so this finds what lower-casing the text and searching would.
static QR_WORDS_ANY_CASE: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(QR_WORDS.iter().copied().chain(["numÉris"]))
        .ok()
});

/// True when the text, lower-cased, contains one of `QR_WORDS`.
fn says_scan(text: &str) -> bool {
    QR_WORDS_ANY_CASE.as_ref().is_some_and(|ac| ac.is_match(text))
}

/// Analyse a bare URL (from an SMS or a chat): the link checks and the brand checks, nothing else.
pub fn analyze_url(url: &str, cfg: &Config) -> UrlReport {
    let kb = brands::kb(cfg);
    judge::judge_url(url, kb, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_scan_finds_words_in_any_case() {
        assert!(says_scan("Please SCAN the code"));
        assert!(says_scan("コードを読み取ってください"));
        assert!(says_scan("Veuillez NUMÉRISER le code"));
        assert!(says_scan("Bitte den QR-Code scannen"));
        assert!(!says_scan("Please pay the invoice"));
        for at in [0, (64 << 10) - 3, 64 << 10, 3 * (64 << 10) + 7] {
            let text = format!("{}QR-Code{}", "x".repeat(at), "y".repeat(10));
            assert!(says_scan(&text), "word at {at}");
        }
        let text = format!("{}スキャン", "あ".repeat(30_000));
        assert!(says_scan(&text));
        assert!(!says_scan(&"あ".repeat(30_000)));
    }

    /// The lower-casing reading `says_scan` replaced: both agree, including on letters whose lower case is
    /// not ASCII (Turkish dotted I, Kelvin sign) and on mixed scripts.
    #[test]
    fn says_scan_agrees_with_lower_casing() {
        let reference = |t: &str| {
            let lower = t.to_lowercase();
            QR_WORDS.iter().any(|w| lower.contains(w))
        };
        for t in [
            "SCAN",
            "sCaN",
            "DİGİTALİZE",
            "DIGITALIZE",
            "NUMÉRIS",
            "NUMéRIS",
            "Numeris",
            "ESCANEA",
            "escanéa",
            "Q R",
            "\u{212A}qr",
            "ＱＲ",
            "スキャン",
            "読取り",
            "Scannen Sie",
            "",
            "qR",
            "SCA\u{0307}N",
        ] {
            assert_eq!(says_scan(t), reference(t), "{t:?}");
        }
    }
}
