//! Content: what the message says, as opposed to where it came from. The language of the visible text, a
//! bounded excerpt, and the pressure phrases phishing relies on (deadlines, threats of suspension, requests
//! for payment details or credentials, prizes) from a ja/en/pt/es lexicon. One phrase proves little (a
//! genuine password-reset notice says "password"); pressure combined with a request for money or secrets is
//! the classic pattern, and weighs more.

pub mod language;
pub mod lexicon;
pub mod phone;

use crate::config::Config;
use crate::finding::cut_bytes as cut;
use crate::finding::{Evidence, Finding, bounded};
use crate::model::{Facts, LexiconHit};
use crate::parse::Mail;
use lexicon::LEXICON;

/// Longest excerpt of the visible text kept in the facts, in chars.
const EXCERPT_CHARS: usize = 400;
/// Longest sentence kept around a lexicon hit, in chars.
const HIT_EXCERPT_CHARS: usize = 160;
/// The lexicon runs over this many bytes of text at most (phishing says its piece early).
const SCAN_BYTES: usize = 64 << 10;
/// Hits kept per category, and overall.
const HITS_PER_CATEGORY: usize = 4;
const MAX_HITS: usize = 24;
/// Body bytes searched for disguised letters.
const DISGUISE_SCAN_BYTES: usize = 16 << 10;
/// Telephone numbers kept in the facts.
const MAX_PHONE_NUMBERS: usize = 4;
/// Visible text (chars) beyond which pressure phrases no longer count (see `check`).
const LONG_TEXT_CHARS: usize = 5000;
/// Categories that pressure the reader or ask for something, as opposed to lures.
const PRESSURE_CATEGORIES: &[&str] = &["deadline", "threat", "payment", "credential"];
/// Category of the pseudo lexicon hit that records disguised letters in the body.
pub const DISGUISED: &str = "disguised";

/// Fill `facts.content`: language, excerpt, text size and lexicon hits. The subject and the From display
/// name are scanned with the text (pressure phrases are often there only).
pub fn extract(mail: &Mail, text: &str, _cfg: &Config, facts: &mut Facts) {
    facts.content.text_chars = text.chars().count();
    // Collapsing stops just past the excerpt: `bounded` then cuts and marks it as it would the whole.
    facts.content.excerpt =
        bounded(collapse_blanks(cut(text.trim(), EXCERPT_CHARS * 16), EXCERPT_CHARS + 2).trim(), EXCERPT_CHARS);
    let subject = facts.subject.clone().or_else(|| mail.subject()).unwrap_or_default();
    let body = cut(text, SCAN_BYTES);
    facts.content.language =
        language::detect(body).or_else(|| language::detect(&format!("{subject} {body}"))).map(str::to_string);
    // A threat in the sender's display name ("会員資格は取り消されます。 <...>") is seen in the wild.
    let display_name = facts.from.as_ref().and_then(|m| m.display_name.clone()).unwrap_or_default();
    let mut hits = lexicon_hits(&subject, 8);
    for h in lexicon_hits(&display_name, 4) {
        if !hits.iter().any(|x| x.term == h.term && x.category == h.category) {
            hits.push(h);
        }
    }
    for h in lexicon_hits(body, MAX_HITS * 4) {
        if !hits.iter().any(|x| x.term == h.term && x.category == h.category) {
            hits.push(h);
        }
    }
    // Bounded per category so that one long text cannot crowd the rest out.
    // Letters disguised against filters (look-alike alphabets, invisible characters inside words) ride along
    // with the lexicon hits under their own category, so the facts carry them without a new field. Math letters
    // are left out here: formulas in a body are honest.
    if let Some((kind, word)) = crate::headers::disguise::find_in_body(cut(body, DISGUISE_SCAN_BYTES)) {
        hits.insert(
            0,
            LexiconHit { category: DISGUISED.to_string(), term: word.clone(), excerpt: kind.name().to_string() },
        );
    }
    let mut kept: Vec<LexiconHit> = Vec::new();
    for h in hits {
        if kept.len() < MAX_HITS && kept.iter().filter(|k| k.category == h.category).count() < HITS_PER_CATEGORY {
            kept.push(h);
        }
    }
    facts.content.lexicon_hits = kept;
    facts.content.phone_numbers = phone::phone_numbers(body, MAX_PHONE_NUMBERS);
}

/// Lexicon hits in `text`, one per distinct term, each with the sentence around it.
fn lexicon_hits(text: &str, max: usize) -> Vec<LexiconHit> {
    let mut out: Vec<LexiconHit> = Vec::new();
    for hit in LEXICON.find(text, max) {
        let Some(term) = LEXICON.terms.get(hit.term) else { continue };
        let Some(matched) = text.get(hit.start..hit.end) else { continue };
        if out.iter().any(|h| h.category == term.category && h.term == term.folded) {
            continue;
        }
        out.push(LexiconHit {
            category: term.category.clone(),
            term: term.folded.clone(),
            excerpt: sentence_around(text, hit.start, hit.end, matched),
        });
    }
    out
}

/// The sentence containing text[start..end], bounded on both sides.
fn sentence_around(text: &str, start: usize, end: usize, matched: &str) -> String {
    const SIDE: usize = 70;
    let is_stop = |c: char| matches!(c, '。' | '！' | '？' | '!' | '?' | '\n' | '\r');
    let before = text.get(..start).unwrap_or("");
    let mut from = start;
    for (n, (i, c)) in before.char_indices().rev().enumerate() {
        if is_stop(c) || (c == '.' && text[i + 1..].starts_with(' ')) {
            break;
        }
        from = i;
        if n >= SIDE {
            break;
        }
    }
    let after = text.get(end..).unwrap_or("");
    let mut to = end;
    for (n, (i, c)) in after.char_indices().enumerate() {
        to = end + i + c.len_utf8();
        if is_stop(c) || c == '.' || n >= SIDE {
            break;
        }
    }
    let s = text.get(from..to).unwrap_or(matched);
    bounded(collapse_blanks(s, HIT_EXCERPT_CHARS + 2).trim(), HIT_EXCERPT_CHARS)
}

/// `s` with every run of white space made one space. Stops once the result holds at least `min_chars` chars
/// and ends in a non-blank one, so that trimmed it still holds `min_chars - 1`: enough for a caller that trims
/// and keeps at most `min_chars - 2` chars (and marks the cut when there were more).
fn collapse_blanks(s: &str, min_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut blank = false;
    let mut chars = 0usize;
    for c in s.chars() {
        if chars >= min_chars && !blank {
            break;
        }
        if c.is_whitespace() {
            if !blank {
                out.push(' ');
                chars += 1;
            }
            blank = true;
        } else {
            out.push(c);
            chars += 1;
            blank = false;
        }
    }
    out
}

/// Content findings: one per category present, and the combination of pressure (deadline or threat) with
/// a request for payment details or credentials.
pub fn check(facts: &Facts, _cfg: &Config, out: &mut Vec<Finding>) {
    let hits = &facts.content.lexicon_hits;
    if hits.is_empty() {
        return;
    }
    let of = |cat: &'static str| hits.iter().filter(move |h| h.category == cat);
    let terms = |cat: &'static str| of(cat).map(|h| h.term.as_str()).collect::<Vec<_>>().join(", ");
    let evidence = |h: &LexiconHit| -> Evidence {
        let excerpt = h.excerpt.trim_end_matches('…');
        let display_name = facts.from.as_ref().and_then(|m| m.display_name.as_deref());
        if excerpt.is_empty() {
            Evidence::body("text", &h.excerpt)
        } else if facts.subject.as_deref().is_some_and(|s| s.contains(excerpt)) {
            Evidence::header("Subject", &h.excerpt)
        } else if display_name.is_some_and(|n| n.contains(excerpt)) {
            Evidence::header("From", &h.excerpt)
        } else {
            Evidence::body("text", &h.excerpt)
        }
    };
    // In a long text (an article, a digest) these phrases are reported speech, not pressure on the reader:
    // phishing keeps its message short. The lures below count at any length.
    let long_text = facts.content.text_chars > LONG_TEXT_CHARS;
    for (cat, id) in [
        ("deadline", "content.deadline"),
        ("threat", "content.threat"),
        ("payment", "content.payment_request"),
        ("credential", "content.credential_request"),
        ("prize", "content.prize"),
        ("advance_fee", "content.advance_fee"),
        ("crypto_lure", "content.crypto_lure"),
        ("dating_lure", "content.dating_lure"),
        ("health_lure", "content.health_lure"),
        ("offer_lure", "content.offer_lure"),
    ] {
        if of(cat).next().is_none() || (long_text && PRESSURE_CATEGORIES.contains(&cat)) {
            continue;
        }
        let mut f = Finding::new(id).param("terms", terms(cat));
        for h in of(cat).take(3) {
            f = f.evidence(evidence(h));
        }
        out.push(f);
    }
    if let Some(h) = of(DISGUISED).next() {
        out.push(
            Finding::new("content.disguised_text")
                .param("word", h.term.clone())
                .param("kind", h.excerpt.clone())
                .evidence(Evidence::body("text", &h.term)),
        );
    }
    // Callback phishing: an invoice or renewal wording and a number to call, usually with no link at all.
    if let (Some(h), Some(number)) = (of("callback").next(), facts.content.phone_numbers.first()) {
        out.push(
            Finding::new("content.callback_lure")
                .param("term", h.term.clone())
                .param("phone", number.clone())
                .evidence(evidence(h))
                .evidence(Evidence::body("text", number)),
        );
    }
    let pressure: Vec<&LexiconHit> = of("deadline").chain(of("threat")).collect();
    let request: Vec<&LexiconHit> = of("payment").chain(of("credential")).collect();
    if let (Some(p), Some(r), false) = (pressure.first(), request.first(), long_text) {
        out.push(
            Finding::new("content.pressure_with_request")
                .param("pressure", p.term.clone())
                .param("request", r.term.clone())
                .evidence(evidence(p))
                .evidence(evidence(r)),
        );
    }
}

#[cfg(test)]
mod tests;
