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
    let mail = parse::Mail::parse(raw, &cfg.limits);
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

/// Bytes of text lower-cased at a time by `says_scan`, and the overlap between pieces (longer than any QR
/// word in any case), so that a word across a cut is still seen.
const SCAN_WORDS_CHUNK: usize = 64 << 10;
const SCAN_WORDS_OVERLAP: usize = 64;

/// True when the text, lower-cased, contains one of `QR_WORDS`. The text can be megabytes: it is lower-cased
/// piece by piece, not copied whole.
fn says_scan(text: &str) -> bool {
    let mut start = 0usize;
    while start < text.len() {
        let end = text.ceil_char_boundary(start.saturating_add(SCAN_WORDS_CHUNK));
        let with_overlap = text.ceil_char_boundary(end.saturating_add(SCAN_WORDS_OVERLAP));
        let lower = text.get(start..with_overlap).unwrap_or("").to_lowercase();
        if QR_WORDS.iter().any(|w| lower.contains(w)) {
            return true;
        }
        start = end;
    }
    false
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
    fn says_scan_finds_words_in_any_piece_and_across_cuts() {
        assert!(says_scan("Please SCAN the code"));
        assert!(says_scan("コードを読み取ってください"));
        assert!(!says_scan("Please pay the invoice"));
        for at in [0, SCAN_WORDS_CHUNK - 3, SCAN_WORDS_CHUNK - 1, SCAN_WORDS_CHUNK, 3 * SCAN_WORDS_CHUNK + 7] {
            let text = format!("{}QR-Code{}", "x".repeat(at), "y".repeat(10));
            assert!(says_scan(&text), "word at {at}");
        }
        // Multi-byte text with the word straddling a piece boundary.
        let text = format!("{}スキャン", "あ".repeat(SCAN_WORDS_CHUNK / 3));
        assert!(says_scan(&text));
        assert!(!says_scan(&"あ".repeat(SCAN_WORDS_CHUNK)));
    }
}
