//! Finding brand names in text: one Aho-Corasick pass over the folded text (NFKC, lower case, no invisible
//! characters), ASCII names only on word boundaries, ordinary-word names (au, LINE, Apple) only as written.

use super::normalize::{Folded, fold, width_fold};
use crate::brands::BrandIndex;

/// One brand name found in a text.
#[derive(Debug, Clone)]
pub struct TextHit {
    pub brand: usize,
    pub weak: bool,
    /// Byte range in the folded text.
    pub start: usize,
    pub end: usize,
}

/// A letter or digit that continues a word: `únicos` must not yield `NICOS`. Kana and kanji do not, so that
/// `Amazonプライム` still names Amazon.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        && !matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF66}'..='\u{FF9F}' | '\u{AC00}'..='\u{D7AF}')
}

/// A weak alias counts only as written in the knowledge base or in upper case (`LINE`, not `line`).
fn case_matches(as_written_in_mail: &str, alias: &str) -> bool {
    if !alias.chars().any(|c| c.is_ascii_alphabetic()) {
        return true;
    }
    let seen = width_fold(as_written_in_mail);
    seen == alias || seen == alias.to_uppercase()
}

/// True when the match at `start..end` of `text` is part of a host name or address (`mx.google.com`,
/// `taro@docomo.ne.jp`, `https://www.amazon.co.jp/`): in running text that names a server, not a sender.
fn inside_hostname(text: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).and_then(|i| text.get(i));
    let after = text.get(end);
    let after2 = text.get(end + 1);
    matches!(before, Some(b'.' | b'@' | b'/'))
        || matches!(after, Some(b'@'))
        || (after == Some(&b'.') && after2.is_some_and(u8::is_ascii_alphanumeric))
}

/// Every brand name in `folded` (whose source is `src`), at most `max_hits`. In running text (`body`), names
/// that are part of a host name or address are skipped.
pub fn find(folded: &Folded, src: &str, idx: &BrandIndex, max_hits: usize, body: bool) -> Vec<TextHit> {
    let mut hits = Vec::new();
    let Some(ac) = idx.alias_matcher.as_ref() else {
        return hits;
    };
    let text = folded.text.as_bytes();
    for m in ac.find_iter(&folded.text) {
        if hits.len() >= max_hits {
            break;
        }
        let Some(refs) = idx.alias_refs.get(m.pattern().as_usize()) else {
            continue;
        };
        let Some(first) = refs.first() else {
            continue;
        };
        // All refs of one pattern share the folded text, hence the boundary needs.
        let before = folded.text.get(..m.start()).and_then(|s| s.chars().next_back());
        let after = folded.text.get(m.end()..).and_then(|s| s.chars().next());
        if (first.bound_start && before.is_some_and(is_word_char))
            || (first.bound_end && after.is_some_and(is_word_char))
        {
            continue;
        }
        if body && (first.bound_start || first.bound_end) && inside_hostname(text, m.start(), m.end()) {
            continue;
        }
        let mut written: Option<&str> = None;
        for r in refs {
            if r.weak {
                let w = *written.get_or_insert_with(|| folded.source_slice(src, m.start(), m.end()));
                if !case_matches(w, &r.written) {
                    continue;
                }
            }
            hits.push(TextHit { brand: r.brand, weak: r.weak, start: m.start(), end: m.end() });
        }
    }
    hits
}

/// Brands named in the local part of an address (`amazon@…`, `smbc-card.info@…`): strong ASCII aliases and
/// domain tokens, with `.`, `_`, `-`, `+` and digits as word separators.
pub fn in_local_part(local: &str, idx: &BrandIndex) -> Vec<(usize, String)> {
    let local = super::normalize::cut(local, 128);
    let words: String =
        local.chars().map(|c| if c.is_ascii_alphabetic() { c.to_ascii_lowercase() } else { ' ' }).collect();
    let mut out: Vec<(usize, String)> = Vec::new();
    if let Some(ac) = idx.alias_matcher.as_ref() {
        let b = words.as_bytes();
        for m in ac.find_iter(&words).take(16) {
            let bounded =
                (m.start() == 0 || b.get(m.start() - 1) == Some(&b' ')) && b.get(m.end()).is_none_or(|c| *c == b' ');
            if !bounded {
                continue;
            }
            for r in idx.alias_refs.get(m.pattern().as_usize()).into_iter().flatten().filter(|r| !r.weak) {
                if !out.iter().any(|(b, _)| *b == r.brand) {
                    out.push((r.brand, local.to_string()));
                }
            }
        }
    }
    if let Some((brand, _)) = super::lookalike::token_hit(idx, &local.to_ascii_lowercase())
        && !out.iter().any(|(b, _)| *b == brand)
    {
        out.push((brand, local.to_string()));
    }
    out
}

/// Look-alike letters a name may be written with, undone: Cyrillic and Greek letters that look Latin
/// (`MеtаМаsk`), a capital I for a small l (`Iedger`, `Iog in`), 0 and 1 inside words (`Amaz0n`, `Netf1ix`),
/// and letters spaced apart (`T E M U`, `I T A Ú`). None when nothing changes. Only for short header texts
/// (display name, subject): the result is matched in addition to the text itself, never instead of it.
pub fn undisguise(text: &str) -> Option<String> {
    let text = super::normalize::cut(text, 1024);
    let chars: Vec<char> = text.chars().collect();
    let is_letter = |c: Option<&char>| c.is_some_and(|c| c.is_alphabetic());
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        // A run of three or more single letters separated by single spaces: join it.
        let single = |j: usize| {
            is_letter(chars.get(j)) && !is_letter(chars.get(j + 1)) && (j == 0 || !is_letter(chars.get(j - 1)))
        };
        if single(i) {
            let mut j = i;
            let mut run = vec![chars[i]];
            while chars.get(j + 1) == Some(&' ') && single(j + 2) {
                j += 2;
                run.push(chars[j]);
            }
            if run.len() >= 3 {
                out.extend(run);
                changed = true;
                i = j + 1;
                continue;
            }
        }
        let c = chars[i];
        let prev = if i > 0 { chars.get(i - 1) } else { None };
        let next = chars.get(i + 1);
        let mapped = match c {
            '\u{0370}'..='\u{04FF}' => {
                let sk: String = unicode_security::skeleton(&c.to_string()).collect();
                let mut it = sk.chars();
                match (it.next(), it.next()) {
                    (Some(l), None) if l.is_ascii_alphabetic() => l,
                    _ => c,
                }
            }
            // At the start of a word, as a capital: `Iedger` is Ledger, `Iog in` is Log in.
            'I' if !is_letter(prev) && next.is_some_and(|n| n.is_ascii_lowercase()) => 'L',
            // And the other way round in capitals: `lTAU` for `ITAU`.
            'l' if !prev.is_some_and(|p| p.is_lowercase()) && next.is_some_and(|n| n.is_ascii_uppercase()) => 'I',
            '0' if is_letter(prev) || (is_letter(next) && is_letter(chars.get(i + 2))) => 'o',
            '1' if is_letter(prev) && is_letter(chars.get(i.wrapping_sub(2))) => 'l',
            _ => c,
        };
        changed |= mapped != c;
        out.push(mapped);
        i += 1;
    }
    changed.then_some(out)
}

/// Fold and search a text in one go.
pub fn find_in(src: &str, max_bytes: usize, idx: &BrandIndex, max_hits: usize, body: bool) -> (Folded, Vec<TextHit>) {
    let folded = fold(src, max_bytes);
    let hits = find(&folded, src, idx, max_hits, body);
    (folded, hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brands::builtin;

    fn brands_in(text: &str) -> Vec<(String, bool)> {
        let kb = builtin();
        let (_, hits) = find_in(text, usize::MAX, kb.index(), 100, false);
        hits.iter().map(|h| (kb.brands[h.brand].id.clone(), h.weak)).collect()
    }

    fn ids(text: &str) -> Vec<String> {
        brands_in(text).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn finds_names_in_any_width_and_case() {
        assert_eq!(ids("Ａｍａｚｏｎプライムの自動更新"), ["amazon"]);
        assert_eq!(ids("AMAZON.CO.JP"), ["amazon"]);
        assert_eq!(ids("ｱﾏｿﾞﾝからのお知らせ"), ["amazon"]);
        assert_eq!(ids("Am\u{200B}azon"), ["amazon"]);
        assert_eq!(ids("【三井住友カード】ご利用確認"), ["smbc_card"]);
        assert_eq!(ids("カゴヤ・ジャパン サポートセンター"), ["kagoya"]);
        assert_eq!(ids("Vpassログイン"), ["smbc_card"]);
        assert_eq!(ids("McAfee™ Total Protection"), ["mcafee"]);
        assert_eq!(ids("C\u{0337}a\u{0337}rref\u{0337}our"), ["carrefour"]);
    }

    #[test]
    fn ascii_names_need_word_boundaries() {
        assert!(ids("upstream paypalooza amazonian").is_empty());
        assert!(ids("the JCBX team").is_empty());
        assert!(ids("Produtos únicos para você").is_empty());
        assert_eq!(ids("JCBカード"), ["jcb"]);
        assert_eq!(ids("via PayPal."), ["paypal"]);
    }

    #[test]
    fn host_names_in_running_text_are_not_claims() {
        let kb = builtin();
        let body = |t: &str| find_in(t, usize::MAX, kb.index(), 100, true).1.len();
        assert_eq!(body("Received: by mx.google.com with SMTP; taro@docomo.ne.jp"), 0);
        assert_eq!(body("see https://www.amazon.co.jp/gp/css"), 0);
        assert_eq!(body("Googleアカウントの確認. Amazonのご注文。"), 2);
        assert_eq!(body("Thank you for shopping at Amazon.co.jp."), 1);
    }

    #[test]
    fn weak_names_only_as_written() {
        assert_eq!(brands_in("【au】ご利用料金"), [("au".to_string(), true)]);
        assert!(brands_in("au revoir").iter().all(|(_, w)| *w));
        assert!(ids("Au revoir, the next line of apple pie").is_empty());
        assert_eq!(brands_in("LINE"), [("line".to_string(), true)]);
        assert_eq!(brands_in("LINEアカウント"), [("line".to_string(), false)]);
    }

    #[test]
    fn disguised_names_are_undone() {
        let kb = builtin();
        let found = |t: &str| {
            let v = undisguise(t).unwrap_or_default();
            find_in(&v, usize::MAX, kb.index(), 100, false)
                .1
                .iter()
                .map(|h| kb.brands[h.brand].id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(found("T E M U"), ["temu"]);
        assert_eq!(found("Scan your Iedger now"), ["ledger"]);
        assert_eq!(found("M\u{0435}t\u{0430}M\u{0430}sk wallet"), ["metamask"]);
        assert_eq!(found("Your Amaz0n order"), ["amazon"]);
        assert_eq!(undisguise("A plain subject with I and 2024 in it"), None);
        assert_eq!(undisguise("a b"), None);
    }

    #[test]
    fn local_parts() {
        let kb = builtin();
        let idx = kb.index();
        let id = |l: &str| in_local_part(l, idx).into_iter().map(|(b, _)| kb.brands[b].id.clone()).collect::<Vec<_>>();
        assert_eq!(id("amazon"), ["amazon"]);
        assert_eq!(id("amazon-jp.support2"), ["amazon"]);
        assert_eq!(id("smbccard"), ["smbc_card"]);
        assert!(id("info").is_empty());
        assert!(id("shipment-tracking").is_empty());
    }
}
