//! The pressure lexicon (data/lexicon.toml): one Aho-Corasick automaton over every term, built once, run over
//! text folded the same way as the terms (full-width ASCII and half-width katakana to their usual forms,
//! lower case, zero-width characters removed, white space collapsed), so that "３日以内", "ﾊﾟｽﾜｰﾄﾞ" and
//! "VERIFY  your\naccount" match like their plain spellings.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Deserialize)]
struct File {
    set: Vec<Set>,
}

#[derive(Deserialize)]
struct Set {
    category: String,
    lang: String,
    terms: Vec<String>,
}

/// One term of the lexicon, folded.
#[derive(Debug, Clone)]
pub struct Term {
    pub category: String,
    pub lang: String,
    pub folded: String,
    /// Latin terms must stand as whole words (so "locked" does not match "blocked").
    whole_word: bool,
}

pub struct Lexicon {
    pub terms: Vec<Term>,
    automaton: Option<AhoCorasick>,
}

pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon::from_toml(include_str!("../../data/lexicon.toml")));

/// A term found: its index in `terms` and its byte range in the *original* text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub term: usize,
    pub start: usize,
    pub end: usize,
}

impl Lexicon {
    pub fn from_toml(text: &str) -> Lexicon {
        // The file is part of the build; a broken one fails the tests below rather than a user's run.
        let file: File = toml::from_str(text).unwrap_or_else(|e| panic!("data/lexicon.toml: {e}"));
        let mut terms: Vec<Term> = Vec::new();
        for set in file.set {
            for t in set.terms {
                let folded = fold(&t).text.trim().to_string();
                if folded.is_empty() || terms.iter().any(|x| x.folded == folded) {
                    continue;
                }
                let whole_word = folded.chars().next().is_some_and(|c| c.is_alphanumeric() && !is_cjk(c))
                    && folded.chars().last().is_some_and(|c| c.is_alphanumeric() && !is_cjk(c));
                terms.push(Term { category: set.category.clone(), lang: set.lang.clone(), folded, whole_word });
            }
        }
        // A DFA (chosen by hand: the builder picks a slower NFA for this many terms) costs some hundreds of KiB
        // once and runs the per-message scan about twice as fast; the matches are the same.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(terms.iter().map(|t| t.folded.as_str()))
            .ok();
        Lexicon { terms, automaton }
    }

    /// Every term in `text` (leftmost-longest, non-overlapping), at most `max` hits, with ranges in `text`.
    pub fn find(&self, text: &str, max: usize) -> Vec<Hit> {
        let Some(ac) = &self.automaton else { return Vec::new() };
        let folded = fold(text);
        let f = folded.text.as_str();
        let mut hits = Vec::new();
        for m in ac.find_iter(f) {
            if hits.len() >= max {
                break;
            }
            let Some(term) = self.terms.get(m.pattern().as_usize()) else { continue };
            if term.whole_word {
                let before = f[..m.start()].chars().next_back();
                let after = f[m.end()..].chars().next();
                if before.is_some_and(is_word_char) || after.is_some_and(is_word_char) {
                    continue;
                }
            }
            let start = folded.original(m.start());
            let end = folded.original(m.end()).max(start);
            hits.push(Hit { term: m.pattern().as_usize(), start, end });
        }
        hits
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// Kana, CJK ideographs and Hangul: scripts written without spaces, where word boundaries do not apply.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF | 0xFF66..=0xFF9F)
}

/// Text folded for matching, with a sparse map back to byte offsets in the original.
pub struct Folded {
    pub text: String,
    /// (folded offset, original offset) at every point where the difference between the two changes.
    map: Vec<(usize, usize)>,
    original_len: usize,
}

impl Folded {
    /// Byte offset in the original text of a char boundary in the folded text.
    pub fn original(&self, folded_pos: usize) -> usize {
        let i = self.map.partition_point(|&(f, _)| f <= folded_pos);
        let (f, o) = if i == 0 { (0, 0) } else { self.map[i - 1] };
        (o + (folded_pos - f)).min(self.original_len)
    }
}

/// Half-width katakana U+FF66..U+FF9D to full-width.
const HALFWIDTH_KANA: &[char] = &[
    'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー', 'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク',
    'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ', 'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ',
    'フ', 'ヘ', 'ホ', 'マ', 'ミ', 'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン',
];

/// Full-width kana plus a (half-width) voiced or semi-voiced sound mark, combined.
fn combine_mark(base: char, mark: char) -> Option<char> {
    let b = base as u32;
    if mark == '\u{FF9E}' {
        // カ..ト (every other code point has a voiced form), ハ..ホ, ウ.
        let voiced = match base {
            'ウ' => 'ヴ',
            _ if (0x30AB..=0x30C1).contains(&b) && (b - 0x30AB).is_multiple_of(2) => char::from_u32(b + 1)?,
            'ツ' => 'ヅ',
            'テ' => 'デ',
            'ト' => 'ド',
            _ if (0x30CF..=0x30DB).contains(&b) && (b - 0x30CF).is_multiple_of(3) => char::from_u32(b + 1)?,
            _ => return None,
        };
        return Some(voiced);
    }
    if mark == '\u{FF9F}' && (0x30CF..=0x30DB).contains(&b) && (b - 0x30CF).is_multiple_of(3) {
        return char::from_u32(b + 2);
    }
    None
}

/// Fold text for matching (see the module comment). Linear, one pass.
pub fn fold(s: &str) -> Folded {
    let mut text = String::with_capacity(s.len());
    let mut map: Vec<(usize, usize)> = vec![(0, 0)];
    let mut delta: isize = 0;
    let mut last_space = false;
    let bytes = s.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        // Fast path: a run of ASCII that is not white space is copied lower-cased in one go. The folded text
        // keeps the run's length, so the difference between the two texts, and the offset map, stay as they are.
        // A single space between words is kept in the run (it folds to itself); a second one, or any other
        // white space, ends it and is collapsed below.
        let mut run = 0usize;
        let mut run_space = last_space;
        for &b in &bytes[i..] {
            if !b.is_ascii() || (0x09..=0x0d).contains(&b) || (b == b' ' && run_space) {
                break;
            }
            run_space = b == b' ';
            run += 1;
        }
        if run > 0 {
            let start = text.len();
            text.push_str(&s[i..i + run]);
            text[start..].make_ascii_lowercase();
            last_space = run_space;
            i += run;
            continue;
        }
        let Some(c) = s[i..].chars().next() else { break };
        let mut consumed_end = i + c.len_utf8();
        match c {
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => {}
            c if c.is_whitespace() => {
                if !last_space {
                    text.push(' ');
                }
            }
            '\u{FF01}'..='\u{FF5E}' => {
                let a = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
                text.push(a.to_ascii_lowercase());
            }
            '\u{FF66}'..='\u{FF9D}' => {
                let full = HALFWIDTH_KANA.get(c as usize - 0xFF66).copied().unwrap_or(c);
                let next = s.get(consumed_end..).and_then(|rest| rest.chars().next());
                match next.and_then(|m| combine_mark(full, m).map(|k| (k, m))) {
                    Some((combined, mark @ ('\u{FF9E}' | '\u{FF9F}'))) => {
                        text.push(combined);
                        consumed_end += mark.len_utf8();
                    }
                    _ => text.push(full),
                }
            }
            '\u{FF9E}' => text.push('゛'),
            '\u{FF9F}' => text.push('゜'),
            '\u{FF61}' => text.push('。'),
            '\u{FF62}' => text.push('「'),
            '\u{FF63}' => text.push('」'),
            '\u{FF64}' => text.push('、'),
            '\u{FF65}' => text.push('・'),
            c if c.is_ascii() => text.push(c.to_ascii_lowercase()),
            c if c.is_uppercase() => text.extend(c.to_lowercase()),
            c => text.push(c),
        }
        last_space = text.ends_with(' ');
        let new_delta = consumed_end as isize - text.len() as isize;
        if new_delta != delta {
            map.push((text.len(), consumed_end));
            delta = new_delta;
        }
        i = consumed_end;
    }
    Folded { text, map, original_len: s.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fold` as it was before single spaces joined the ASCII fast path: the oracle for the test below.
    fn fold_reference(s: &str) -> Folded {
        let mut text = String::with_capacity(s.len());
        let mut map: Vec<(usize, usize)> = vec![(0, 0)];
        let mut delta: isize = 0;
        let mut last_space = false;
        let bytes = s.as_bytes();
        let mut i = 0usize;
        while i < bytes.len() {
            // Fast path: a run of ASCII that is not white space is copied lower-cased in one go. The folded text
            // keeps the run's length, so the difference between the two texts, and the offset map, stay as they are.
            let run =
                bytes[i..].iter().take_while(|&&b| b.is_ascii() && !(b == b' ' || (0x09..=0x0d).contains(&b))).count();
            if run > 0 {
                let start = text.len();
                text.push_str(&s[i..i + run]);
                text[start..].make_ascii_lowercase();
                last_space = false;
                i += run;
                continue;
            }
            let Some(c) = s[i..].chars().next() else { break };
            let mut consumed_end = i + c.len_utf8();
            match c {
                '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => {}
                c if c.is_whitespace() => {
                    if !last_space {
                        text.push(' ');
                    }
                }
                '\u{FF01}'..='\u{FF5E}' => {
                    let a = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
                    text.push(a.to_ascii_lowercase());
                }
                '\u{FF66}'..='\u{FF9D}' => {
                    let full = HALFWIDTH_KANA.get(c as usize - 0xFF66).copied().unwrap_or(c);
                    let next = s.get(consumed_end..).and_then(|rest| rest.chars().next());
                    match next.and_then(|m| combine_mark(full, m).map(|k| (k, m))) {
                        Some((combined, mark @ ('\u{FF9E}' | '\u{FF9F}'))) => {
                            text.push(combined);
                            consumed_end += mark.len_utf8();
                        }
                        _ => text.push(full),
                    }
                }
                '\u{FF9E}' => text.push('゛'),
                '\u{FF9F}' => text.push('゜'),
                '\u{FF61}' => text.push('。'),
                '\u{FF62}' => text.push('「'),
                '\u{FF63}' => text.push('」'),
                '\u{FF64}' => text.push('、'),
                '\u{FF65}' => text.push('・'),
                c if c.is_ascii() => text.push(c.to_ascii_lowercase()),
                c if c.is_uppercase() => text.extend(c.to_lowercase()),
                c => text.push(c),
            }
            last_space = text.ends_with(' ');
            let new_delta = consumed_end as isize - text.len() as isize;
            if new_delta != delta {
                map.push((text.len(), consumed_end));
                delta = new_delta;
            }
            i = consumed_end;
        }
        Folded { text, map, original_len: s.len() }
    }

    #[test]
    fn fast_path_folds_as_the_char_by_char_reading() {
        let pieces = [
            "Verify",
            " ",
            "  ",
            "\t",
            "\r\n",
            "ＰＡＳＳ",
            "ﾊﾟｽ",
            "ｶﾞ",
            "\u{200B}",
            "é",
            "Ã",
            "x",
            "3日",
            "\u{3000}",
            "!",
        ];
        let mut seed = 0x9e37_79b9_u64;
        for _ in 0..500 {
            let mut s = String::new();
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 58) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                s.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let (fast, slow) = (fold(&s), fold_reference(&s));
            assert_eq!(fast.text, slow.text, "{s:?}");
            for p in 0..=fast.text.len() {
                assert_eq!(fast.original(p), slow.original(p), "{s:?} at {p}");
            }
        }
    }

    #[test]
    fn folds_widths_case_and_blanks() {
        assert_eq!(fold("３日以内にＰＡＳＳＷＯＲＤ").text, "3日以内にpassword");
        assert_eq!(fold("ﾊﾟｽﾜｰﾄﾞ ｶｰﾄﾞ").text, "パスワード カード");
        assert_eq!(fold("Verify \r\n\t Your\u{200B} Account").text, "verify your account");
        assert_eq!(fold("SUSPENSÃO").text, "suspensão");
    }

    #[test]
    fn maps_back_to_original_offsets() {
        let s = "【重要】３日以内にﾊﾟｽﾜｰﾄﾞを変更";
        let hits = LEXICON.find(s, 10);
        let found: Vec<&str> = hits.iter().map(|h| &s[h.start..h.end]).collect();
        assert!(found.contains(&"日以内"), "{found:?}");
        assert!(found.contains(&"ﾊﾟｽﾜｰﾄﾞ"), "{found:?}");
    }

    #[test]
    fn whole_words_only_for_latin_terms() {
        let cats = |s: &str| -> Vec<String> {
            LEXICON.find(s, 10).iter().map(|h| LEXICON.terms[h.term].folded.clone()).collect()
        };
        assert!(cats("the port is blocked by a firewall").is_empty());
        assert_eq!(cats("Your account was LOCKED."), vec!["account was locked"]);
        assert!(cats("the mutex is locked").is_empty());
        assert_eq!(cats("お客様のアカウントは凍結されました"), vec!["凍結"]);
    }

    #[test]
    fn automaton_is_a_dfa_of_modest_size() {
        let ac = LEXICON.automaton.as_ref().expect("lexicon automaton builds");
        assert_eq!(ac.kind(), AhoCorasickKind::DFA);
        assert!(ac.memory_usage() < 8 << 20, "{} bytes", ac.memory_usage());
    }

    #[test]
    fn lexicon_loads_with_every_category() {
        for c in ["deadline", "threat", "payment", "credential", "prize"] {
            for lang in ["ja", "en", "pt"] {
                assert!(LEXICON.terms.iter().any(|t| t.category == c && t.lang == lang), "{c}/{lang}");
            }
        }
    }
}
