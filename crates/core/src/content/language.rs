//! Language of the visible text, cheaply: the script decides Japanese, Chinese, Korean and Russian; common
//! function words decide among the Latin-script languages. Good enough to say "this Amazon notice is in
//! Portuguese", which is all the report needs.

use super::lexicon::is_cjk;

/// At most this many chars are looked at (the script of the first 2,000 is the text's; this runs on every
/// message).
const SAMPLE_CHARS: usize = 2000;
/// At most this many words are looked up as stop words (a few hundred settle the language; this runs on every
/// message).
const SAMPLE_WORDS: usize = 300;

const STOPWORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "you", "your", "to", "of", "is", "for", "this", "that", "with", "are", "have", "please",
            "on", "we", "be", "it", "will", "not",
        ],
    ),
    (
        "pt",
        &[
            "de", "que", "não", "para", "com", "uma", "os", "seu", "sua", "você", "por", "mais", "das", "dos", "está",
            "foi", "ao", "seus", "são", "é",
        ],
    ),
    (
        "es",
        &[
            "de", "que", "el", "los", "las", "para", "con", "una", "por", "su", "usted", "es", "del", "se", "está",
            "más", "su", "sus", "al", "y",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "des", "et", "est", "vous", "votre", "pour", "une", "dans", "qui", "pas", "sur", "nous",
            "avec", "du", "au", "ce", "vos",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "und", "ist", "sie", "ihr", "ihre", "nicht", "mit", "für", "das", "ein", "eine", "den", "zu",
            "auf", "wir", "bitte", "dem", "von",
        ],
    ),
];

/// A word of at most 6 bytes, ASCII letters lower-cased (as `eq_ignore_ascii_case` compares), packed into an
/// integer; longer words are never stop words.
fn stopword_key(word: &str) -> Option<u64> {
    let b = word.as_bytes();
    if b.is_empty() || b.len() > 6 {
        return None;
    }
    let mut packed = [0u8; 8];
    for (p, c) in packed.iter_mut().zip(b) {
        *p = c.to_ascii_lowercase();
    }
    // The length goes in the last byte so that no two words share a key.
    packed[7] = b.len() as u8;
    Some(u64::from_le_bytes(packed))
}

/// Every stop word's key with the set of languages (bit i: `STOPWORDS[i]`) that use it, sorted by key.
static STOPWORD_INDEX: std::sync::LazyLock<Vec<(u64, u8)>> = std::sync::LazyLock::new(|| {
    let mut index: Vec<(u64, u8)> = Vec::new();
    for (i, (_, words)) in STOPWORDS.iter().enumerate() {
        for w in words.iter() {
            let Some(key) = stopword_key(w) else { continue };
            match index.iter_mut().find(|(k, _)| *k == key) {
                Some((_, langs)) => *langs |= 1 << i,
                None => index.push((key, 1 << i)),
            }
        }
    }
    index.sort_unstable();
    index
});

/// "ja", "en", "pt", "es", "fr", "de", "zh", "ko", "ru", or None when there is too little text to say.
pub fn detect(text: &str) -> Option<&'static str> {
    let (mut kana, mut han, mut hangul, mut cyrillic, mut latin) = (0usize, 0usize, 0usize, 0usize, 0usize);
    // ASCII bytes are counted without decoding a char (most text is ASCII or has long ASCII runs); an ASCII
    // char can only be a Latin letter or nothing.
    let bytes = text.as_bytes();
    let (mut i, mut taken) = (0usize, 0usize);
    while i < bytes.len() && taken < SAMPLE_CHARS {
        // 16 ASCII bytes at a time where the text allows (the fixed-size loops compile to vector code).
        if taken + 16 <= SAMPLE_CHARS
            && let Some(chunk) = bytes.get(i..i + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok())
            && chunk.iter().fold(0u8, |acc, &b| acc | b).is_ascii()
        {
            latin += chunk.iter().map(|&b| usize::from(b.is_ascii_alphabetic())).sum::<usize>();
            taken += 16;
            i += 16;
            continue;
        }
        taken += 1;
        let b = bytes[i];
        if b.is_ascii() {
            latin += usize::from(b.is_ascii_alphabetic());
            i += 1;
            continue;
        }
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else { break };
        i += c.len_utf8();
        match c as u32 {
            0x3040..=0x30FF | 0xFF66..=0xFF9D => kana += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF => hangul += 1,
            0x0400..=0x04FF => cyrillic += 1,
            _ if is_cjk(c) => han += 1,
            _ if c.is_alphabetic() && c.is_ascii() || ('\u{C0}'..='\u{24F}').contains(&c) => latin += 1,
            _ => {}
        }
    }
    // Japanese always has kana; Chinese has (almost) none.
    if kana >= 3 && kana * 20 >= kana + han {
        return Some("ja");
    }
    let cjk = han + hangul + kana;
    if hangul >= 3 && hangul * 2 >= cjk && hangul * 4 >= latin {
        return Some("ko");
    }
    if han >= 5 && han * 3 >= latin {
        return Some("zh");
    }
    if cyrillic >= 10 && cyrillic * 2 >= latin {
        return Some("ru");
    }
    if latin < 20 {
        return None;
    }
    let mut counts = [0usize; STOPWORDS.len()];
    let mut count_word = |word: &str| {
        // Stop words are short: one lookup of the word packed into an integer, no allocation.
        let Some(key) = stopword_key(word) else { return };
        if let Ok(at) = STOPWORD_INDEX.binary_search_by_key(&key, |&(k, _)| k) {
            let languages = STOPWORD_INDEX[at].1;
            for (i, n) in counts.iter_mut().enumerate() {
                *n += usize::from(languages & (1 << i) != 0);
            }
        }
    };
    // The first SAMPLE_WORDS words of at most 8 bytes (a word is a run of alphabetic chars), read with the
    // same ASCII fast path as above.
    let mut words = 0usize;
    let mut word_start: Option<usize> = None;
    let mut i = 0usize;
    while i < bytes.len() && words < SAMPLE_WORDS {
        let b = bytes[i];
        let (alphabetic, len) = if b.is_ascii() {
            (b.is_ascii_alphabetic(), 1)
        } else {
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else { break };
            (c.is_alphabetic(), c.len_utf8())
        };
        if alphabetic {
            word_start.get_or_insert(i);
        } else if let Some(start) = word_start.take()
            && i - start <= 8
        {
            words += 1;
            count_word(text.get(start..i).unwrap_or_default());
        }
        i += len;
    }
    if let Some(start) = word_start
        && words < SAMPLE_WORDS
        && bytes.len() - start <= 8
    {
        count_word(text.get(start..).unwrap_or_default());
    }
    let (best, &n) = counts.iter().enumerate().max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))?;
    (n >= 3).then(|| STOPWORDS[best].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_languages() {
        assert_eq!(detect("いつもご利用いただきありがとうございます。お支払い方法を更新してください。"), Some("ja"));
        assert_eq!(detect("【重要】会員情報確認のお願い 至急対応"), Some("ja"));
        assert_eq!(detect("您的账户已被冻结，请立即登录验证您的身份信息。"), Some("zh"));
        assert_eq!(detect("고객님의 계정이 정지되었습니다. 지금 확인하세요."), Some("ko"));
        assert_eq!(
            detect("Your account has been suspended. Please verify your identity to restore access to the service."),
            Some("en")
        );
        assert_eq!(
            detect(
                "Prezado cliente, sua conta foi bloqueada. Você precisa atualizar os seus dados para não perder o acesso."
            ),
            Some("pt")
        );
        assert_eq!(
            detect(
                "Estimado cliente, su cuenta ha sido suspendida. Por favor verifique los datos de la tarjeta para el pago."
            ),
            Some("es")
        );
        assert_eq!(detect("Ваш аккаунт заблокирован, подтвердите данные"), Some("ru"));
        assert_eq!(detect("ok"), None);
        assert_eq!(detect(""), None);
    }

    /// The char-by-char reading `detect` replaced with byte loops: both must agree on every input.
    fn detect_reference(text: &str) -> Option<&'static str> {
        let (mut kana, mut han, mut hangul, mut cyrillic, mut latin) = (0usize, 0usize, 0usize, 0usize, 0usize);
        for c in text.chars().take(SAMPLE_CHARS) {
            match c as u32 {
                0x3040..=0x30FF | 0xFF66..=0xFF9D => kana += 1,
                0xAC00..=0xD7AF | 0x1100..=0x11FF => hangul += 1,
                0x0400..=0x04FF => cyrillic += 1,
                _ if is_cjk(c) => han += 1,
                _ if c.is_alphabetic() && c.is_ascii() || ('\u{C0}'..='\u{24F}').contains(&c) => latin += 1,
                _ => {}
            }
        }
        if kana >= 3 && kana * 20 >= kana + han {
            return Some("ja");
        }
        let cjk = han + hangul + kana;
        if hangul >= 3 && hangul * 2 >= cjk && hangul * 4 >= latin {
            return Some("ko");
        }
        if han >= 5 && han * 3 >= latin {
            return Some("zh");
        }
        if cyrillic >= 10 && cyrillic * 2 >= latin {
            return Some("ru");
        }
        if latin < 20 {
            return None;
        }
        let mut counts = [0usize; STOPWORDS.len()];
        for word in
            text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty() && w.len() <= 8).take(SAMPLE_WORDS)
        {
            let Some(key) = stopword_key(word) else { continue };
            if let Ok(at) = STOPWORD_INDEX.binary_search_by_key(&key, |&(k, _)| k) {
                for (i, n) in counts.iter_mut().enumerate() {
                    *n += usize::from(STOPWORD_INDEX[at].1 & (1 << i) != 0);
                }
            }
        }
        let (best, &n) = counts.iter().enumerate().max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))?;
        (n >= 3).then(|| STOPWORDS[best].0)
    }

    #[test]
    fn byte_loops_agree_with_the_char_reading() {
        let words = [
            "the",
            "your",
            "und",
            "für",
            "não",
            "está",
            "vous",
            "de",
            "la",
            "a1b",
            "Ünïcödé",
            "アカウント",
            "账户",
            "계정",
            "аккаунт",
            "x",
            "verylongwordhere",
            " ",
            "\u{a0}",
            "\n",
            "...",
            "é",
            "ﾃｽﾄ",
        ];
        // Deterministic pseudo-random texts (an LCG), long enough to cross both sample limits.
        let mut seed = 0x2545_f491_u64;
        for round in 0..300 {
            let mut text = String::new();
            let n = if round % 10 == 0 { 3000 } else { round % 97 };
            for _ in 0..n {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(words[(seed >> 33) as usize % words.len()]);
                if seed & 1 == 0 {
                    text.push(' ');
                }
            }
            assert_eq!(detect(&text), detect_reference(&text), "{text:?}");
        }
    }
}
