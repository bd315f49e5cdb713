//! Text folding for brand matching: criminals write `Ａｍａｚｏｎ`, `ＡＭＡＺＯＮ`, `Am\u{200B}azon` or half-width
//! `ｱﾏｿﾞﾝ` so that naive filters miss the name. Folding maps all of these to one form (NFKC, lower case, no
//! invisible characters) while keeping a compact map back to the original text, so that evidence can quote the
//! message as written.
//!
//! Speed matters (this runs over every body): ASCII and the common Japanese blocks, which NFKC leaves alone,
//! take a fast path; only other characters go through the Unicode normaliser.

pub use crate::finding::cut_bytes as cut;
use unicode_normalization::UnicodeNormalization;

/// Folded text plus a map from folded byte offsets back to source byte offsets.
#[derive(Debug, Default, Clone)]
pub struct Folded {
    pub text: String,
    /// (folded offset, source offset) at every place where the two stop advancing in step. Between two
    /// checkpoints both advance by the same number of bytes.
    checkpoints: Vec<(usize, usize)>,
    /// Length of the source that was folded (the input may have been cut).
    source_len: usize,
}

/// Characters that render as nothing and are used to break up names (`Am\u{200B}azon`).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Blocks that NFKC maps to themselves and that do not change under lower-casing (kana, kanji, CJK punctuation
/// except the ideographic space).
fn is_stable_cjk(c: char) -> bool {
    matches!(c, '\u{3001}'..='\u{303F}' | '\u{3041}'..='\u{3096}' | '\u{30A0}'..='\u{30FE}' | '\u{4E00}'..='\u{9FFF}')
}

fn is_halfwidth_katakana(c: char) -> bool {
    ('\u{FF61}'..='\u{FF9F}').contains(&c)
}

/// Fold `src` (at most `max_bytes` of it, cut at a char boundary) for matching.
pub fn fold(src: &str, max_bytes: usize) -> Folded {
    let src = cut(src, max_bytes);
    let mut out = String::with_capacity(src.len());
    let mut checkpoints = Vec::new();
    let bytes = src.as_bytes();
    let mut at = 0usize;
    while at < bytes.len() {
        // A run of ASCII is copied lower-cased in one go (same length, so no checkpoint).
        let run = bytes[at..].iter().position(|b| !b.is_ascii()).unwrap_or(bytes.len() - at);
        if run > 0 {
            let start = out.len();
            out.push_str(&src[at..at + run]);
            if let Some(appended) = out.get_mut(start..) {
                appended.make_ascii_lowercase();
            }
            at += run;
            continue;
        }
        let i = at;
        let Some(c) = src[i..].chars().next() else { break };
        at += c.len_utf8();
        let before = out.len();
        let src_len;
        if is_stable_cjk(c) {
            out.push(c);
            continue;
        } else if is_invisible(c) {
            src_len = c.len_utf8();
        } else if ('\u{FF01}'..='\u{FF5E}').contains(&c) {
            // Full-width ASCII: the fixed offset is what NFKC does, without the normaliser's cost.
            let ascii = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
            out.push(ascii.to_ascii_lowercase());
            src_len = c.len_utf8();
        } else if c == '\u{3000}' || matches!(c, '\u{2122}' | '\u{2120}' | '\u{00AE}' | '\u{00A9}') {
            // The ideographic space, and trade-mark signs: NFKC spells ™ as "TM", which would glue itself to the
            // name (`McAfee™` -> `mcafeetm`).
            out.push(' ');
            src_len = c.len_utf8();
        } else if matches!(c, '\u{0332}' | '\u{0334}'..='\u{0338}') {
            // Strike-through and underline overlays (`C̷a̷rref̷our`) from "fancy text" generators.
            src_len = c.len_utf8();
        } else if is_halfwidth_katakana(c) {
            // Normalise the whole run so that ｿﾞ composes to ゾ.
            let mut end = i + c.len_utf8();
            while let Some(d) = src.get(end..).and_then(|rest| rest.chars().next()) {
                if !is_halfwidth_katakana(d) {
                    break;
                }
                end += d.len_utf8();
            }
            at = end;
            out.extend(src.get(i..end).unwrap_or_default().nfkc());
            src_len = end - i;
        } else {
            for n in std::iter::once(c).nfkc() {
                if n.is_ascii() {
                    out.push(n.to_ascii_lowercase());
                } else {
                    out.extend(n.to_lowercase());
                }
            }
            src_len = c.len_utf8();
        }
        if out.len() - before != src_len {
            checkpoints.push((out.len(), i + src_len));
        }
    }
    Folded { text: out, checkpoints, source_len: src.len() }
}

impl Folded {
    /// The source byte offset that corresponds to a folded byte offset (approximate inside a multi-char
    /// normalisation, exact elsewhere). Always within the folded source length.
    pub fn source_offset(&self, folded: usize) -> usize {
        let idx = self.checkpoints.partition_point(|&(o, _)| o <= folded);
        let (o, s) = if idx == 0 { (0, 0) } else { self.checkpoints[idx - 1] };
        (s + folded.saturating_sub(o)).min(self.source_len)
    }

    /// The source text behind a folded range, widened to char boundaries.
    pub fn source_slice<'a>(&self, src: &'a str, start: usize, end: usize) -> &'a str {
        let src = cut(src, self.source_len);
        let mut a = self.source_offset(start).min(src.len());
        let mut b = self.source_offset(end).clamp(a, src.len());
        while a > 0 && !src.is_char_boundary(a) {
            a -= 1;
        }
        while b < src.len() && !src.is_char_boundary(b) {
            b += 1;
        }
        src.get(a..b).unwrap_or_default()
    }
}

/// Fold a short string (a name, an alias) without keeping the map.
pub fn fold_str(s: &str) -> String {
    fold(s, usize::MAX).text
}

/// Map full-width ASCII to ASCII and drop invisible characters, keeping case: used to compare a match with an
/// alias as written (`LINE` vs `line`).
pub fn width_fold(s: &str) -> String {
    s.chars()
        .filter(|c| !is_invisible(*c))
        .map(
            |c| {
                if ('\u{FF01}'..='\u{FF5E}').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap_or(c) } else { c }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_and_invisibles() {
        assert_eq!(fold_str("Ａｍａｚｏｎ"), "amazon");
        assert_eq!(fold_str("AMAZON"), "amazon");
        assert_eq!(fold_str("Am\u{200B}a\u{00AD}zon"), "amazon");
        assert_eq!(fold_str("ｱﾏｿﾞﾝ"), "アマゾン");
        assert_eq!(fold_str("𝐀𝐦𝐚𝐳𝐨𝐧"), "amazon");
        assert_eq!(fold_str("三井住友カード"), "三井住友カード");
        assert_eq!(fold_str("ＳＭＢＣ　カード"), "smbc カード");
    }

    #[test]
    fn maps_back_to_source() {
        let src = "ご案内：Ａｍａｚｏｎプライム会員";
        let f = fold(src, usize::MAX);
        let start = f.text.find("amazon").unwrap();
        assert_eq!(f.source_slice(src, start, start + "amazon".len()), "Ａｍａｚｏｎ");
        let p = f.text.find("プライム").unwrap();
        assert_eq!(f.source_slice(src, p, p + "プライム".len()), "プライム");
        let src = "xx Am\u{200B}azon yy";
        let f = fold(src, usize::MAX);
        let s = f.text.find("amazon").unwrap();
        assert_eq!(f.source_slice(src, s, s + 6), "Am\u{200B}azon");
    }

    #[test]
    fn cuts_at_char_boundaries() {
        let f = fold("アマゾン", 4);
        assert_eq!(f.text, "ア");
        assert_eq!(cut("アマゾン", 5), "ア");
        // A slice request beyond the end never panics.
        assert_eq!(f.source_slice("アマゾン", 0, 1000), "ア");
    }
}
