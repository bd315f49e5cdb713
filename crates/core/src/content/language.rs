//! Language of the visible text, cheaply: the script decides Japanese, Chinese, Korean and Russian; common
//! function words decide among the Latin-script languages. Good enough to say "this Amazon notice is in
//! Portuguese", which is all the report needs.

use super::lexicon::is_cjk;

/// At most this many chars are looked at.
const SAMPLE_CHARS: usize = 4000;

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
    for word in
        text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty() && w.len() <= 8).take(SAMPLE_CHARS / 4)
    {
        // Stop words are short: one lookup of the word packed into an integer, no allocation.
        let Some(key) = stopword_key(word) else { continue };
        if let Ok(at) = STOPWORD_INDEX.binary_search_by_key(&key, |&(k, _)| k) {
            let languages = STOPWORD_INDEX[at].1;
            for (i, n) in counts.iter_mut().enumerate() {
                *n += usize::from(languages & (1 << i) != 0);
            }
        }
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
}
