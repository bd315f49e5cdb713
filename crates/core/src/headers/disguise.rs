//! Text disguised against filters and readers in the Subject and the sender's display name: Latin words with
//! Cyrillic or Greek look-alike letters mixed in ("MеtаМаsk", "Yοur"), invisible characters inside words,
//! Unicode tag characters, and "bold" mathematical letters standing in for plain ones ("𝗪𝗲𝗹𝗰𝗼𝗺𝗲").
//!
//! A genuine sender writes its own name and subject in plain letters of one script; these tricks exist only to
//! get past keyword filters and brand checks while still reading as the brand to a person.

/// How a text was disguised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disguise {
    /// Latin letters and Cyrillic/Greek look-alikes inside one word.
    MixedScript,
    /// Zero-width or other invisible characters inside a word.
    Invisible,
    /// Unicode tag characters or supplementary variation selectors (never part of ordinary text).
    Tags,
    /// Mathematical alphanumeric symbols used as letters.
    MathLetters,
}

impl Disguise {
    pub fn name(self) -> &'static str {
        match self {
            Disguise::MixedScript => "mixed-script",
            Disguise::Invisible => "invisible",
            Disguise::Tags => "tags",
            Disguise::MathLetters => "math-letters",
        }
    }
}

/// Most characters looked at (subjects and names are short; a hostile one may not be).
const MAX_CHARS: usize = 2000;
/// Most body characters looked at.
const MAX_BODY_CHARS: usize = 16_000;
/// Mathematical letters needed before they count (one symbol may be an honest formula).
const MIN_MATH_LETTERS: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Other,
}

fn script(c: char) -> Script {
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F => Script::Latin,
        0x370..=0x3FF => Script::Greek,
        0x400..=0x4FF => Script::Cyrillic,
        _ => Script::Other,
    }
}

/// Zero-width characters and joiners. Not the soft hyphen (German newsletters hyphenate with it, and mis-decoded
/// Latin-1 is full of it); only inside Latin words, since Persian and Indic text need the joiners.
fn is_invisible(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200D | 0x2060..=0x2064 | 0xFEFF | 0x34F | 0x180E)
}

fn is_tag(c: char) -> bool {
    matches!(c as u32, 0xE0000..=0xE007F | 0xE0100..=0xE01EF)
}

/// Mathematical alphanumerics (`𝗪𝗲𝗹𝗰𝗼𝗺𝗲`) and small capitals (`ᴘᴀʏᴍᴇɴᴛ`): stand-in letters from "fancy text"
/// generators.
fn is_math_letter(c: char) -> bool {
    matches!(c as u32, 0x1D400..=0x1D7FF | 0x1D00..=0x1D22 | 0x0262 | 0x026A | 0x0274 | 0x0280 | 0x028F | 0x0299 | 0x029C | 0x029F)
}

/// Like [`find`] for body text: look-alike letters, invisible characters inside words and tag characters, but
/// not math letters (formulas are honest in a body).
pub fn find_in_body(text: &str) -> Option<(Disguise, String)> {
    find_within(text, MAX_BODY_CHARS).filter(|(kind, _)| *kind != Disguise::MathLetters)
}

/// The first disguise found in `text`, with the word (or text) that shows it.
pub fn find(text: &str) -> Option<(Disguise, String)> {
    find_within(text, MAX_CHARS)
}

fn find_within(text: &str, max_chars: usize) -> Option<(Disguise, String)> {
    let mut math = 0usize;
    // Current word: which scripts it has, whether an invisible char sat between letters.
    let (mut latin, mut lookalike, mut invisible_inside, mut pending_invisible) = (false, false, false, false);
    let mut word_start: Option<usize> = None;
    let mut found: Option<(Disguise, usize, usize)> = None;
    let mut end_of_text = text.len();
    let bytes = text.as_bytes();
    let (mut i, mut n) = (0usize, 0usize);
    while i < bytes.len() {
        if n >= max_chars {
            end_of_text = i;
            break;
        }
        // A run of ASCII while the current word shows nothing (no look-alike letter, no invisible char): words
        // ending inside the run end clean, so only where the last word starts matters. Most text is this.
        if !lookalike && !invisible_inside && !pending_invisible {
            let limit = bytes.len().min(i.saturating_add(max_chars - n));
            let run = bytes[i..limit].iter().position(|b| !b.is_ascii()).unwrap_or(limit - i);
            if run > 1 {
                let seg = &bytes[i..i + run];
                match seg.iter().rposition(|b| !b.is_ascii_alphabetic()) {
                    // The run ends in a non-letter: no word is open.
                    Some(p) if p + 1 == run => (word_start, latin) = (None, false),
                    // The run ends in letters: a Latin word starts after its last non-letter.
                    Some(p) => (word_start, latin) = (Some(i + p + 1), true),
                    // All letters: the open word (if any) goes on.
                    None => {
                        word_start.get_or_insert(i);
                        latin = true;
                    }
                }
                i += run;
                n += run;
                continue;
            }
        }
        n += 1;
        // ASCII (most of any text) without decoding a char: a letter is Latin, anything else ends a word.
        let b = bytes[i];
        if b.is_ascii() {
            i += 1;
            if b.is_ascii_alphabetic() {
                word_start.get_or_insert(i - 1);
                latin = true;
                invisible_inside |= pending_invisible;
                pending_invisible = false;
                continue;
            }
            if let Some(start) = word_start.take()
                && found.is_none()
            {
                if latin && lookalike {
                    found = Some((Disguise::MixedScript, start, i - 1));
                } else if invisible_inside && latin && !lookalike {
                    found = Some((Disguise::Invisible, start, i - 1));
                }
            }
            (latin, lookalike, invisible_inside, pending_invisible) = (false, false, false, false);
            continue;
        }
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else { break };
        let at = i;
        i += c.len_utf8();
        if is_tag(c) {
            return Some((Disguise::Tags, crate::finding::bounded(text, 120)));
        }
        if is_math_letter(c) {
            math += 1;
        }
        if c.is_alphabetic() {
            let s = script(c);
            if word_start.is_none() {
                word_start = Some(at);
            }
            latin |= s == Script::Latin;
            lookalike |= matches!(s, Script::Cyrillic | Script::Greek);
            invisible_inside |= pending_invisible;
            pending_invisible = false;
            continue;
        }
        if is_invisible(c) && word_start.is_some() {
            pending_invisible = true;
            continue;
        }
        // A word ended at `at`.
        if let Some(start) = word_start.take()
            && found.is_none()
        {
            if latin && lookalike {
                found = Some((Disguise::MixedScript, start, at));
            } else if invisible_inside && latin && !lookalike {
                found = Some((Disguise::Invisible, start, at));
            }
        }
        (latin, lookalike, invisible_inside, pending_invisible) = (false, false, false, false);
    }
    if let Some(start) = word_start
        && found.is_none()
    {
        if latin && lookalike {
            found = Some((Disguise::MixedScript, start, end_of_text));
        } else if invisible_inside && latin && !lookalike {
            found = Some((Disguise::Invisible, start, end_of_text));
        }
    }
    if let Some((kind, start, end)) = found {
        let word: String = text.get(start..end).unwrap_or("").chars().filter(|c| !is_invisible(*c)).collect();
        return Some((kind, crate::finding::bounded(&word, 80)));
    }
    if math >= MIN_MATH_LETTERS {
        return Some((Disguise::MathLetters, crate::finding::bounded(text, 120)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The char-by-char reading the ASCII fast paths replaced, kept as the reference they must agree with.
    fn reference_find_within(text: &str, max_chars: usize) -> Option<(Disguise, String)> {
        let mut math = 0usize;
        // Current word: which scripts it has, whether an invisible char sat between letters.
        let (mut latin, mut lookalike, mut invisible_inside, mut pending_invisible) = (false, false, false, false);
        let mut word_start: Option<usize> = None;
        let mut found: Option<(Disguise, usize, usize)> = None;
        let mut end_of_text = text.len();
        for (n, (i, c)) in text.char_indices().enumerate() {
            if n >= max_chars {
                end_of_text = i;
                break;
            }
            if is_tag(c) {
                return Some((Disguise::Tags, crate::finding::bounded(text, 120)));
            }
            if is_math_letter(c) {
                math += 1;
            }
            if c.is_alphabetic() {
                let s = script(c);
                if word_start.is_none() {
                    word_start = Some(i);
                }
                latin |= s == Script::Latin;
                lookalike |= matches!(s, Script::Cyrillic | Script::Greek);
                invisible_inside |= pending_invisible;
                pending_invisible = false;
                continue;
            }
            if is_invisible(c) && word_start.is_some() {
                pending_invisible = true;
                continue;
            }
            // A word ended at `i`.
            if let Some(start) = word_start.take()
                && found.is_none()
            {
                if latin && lookalike {
                    found = Some((Disguise::MixedScript, start, i));
                } else if invisible_inside && latin && !lookalike {
                    found = Some((Disguise::Invisible, start, i));
                }
            }
            (latin, lookalike, invisible_inside, pending_invisible) = (false, false, false, false);
        }
        if let Some(start) = word_start
            && found.is_none()
        {
            if latin && lookalike {
                found = Some((Disguise::MixedScript, start, end_of_text));
            } else if invisible_inside && latin && !lookalike {
                found = Some((Disguise::Invisible, start, end_of_text));
            }
        }
        if let Some((kind, start, end)) = found {
            let word: String = text.get(start..end).unwrap_or("").chars().filter(|c| !is_invisible(*c)).collect();
            return Some((kind, crate::finding::bounded(&word, 80)));
        }
        if math >= MIN_MATH_LETTERS {
            return Some((Disguise::MathLetters, crate::finding::bounded(text, 120)));
        }
        None
    }

    proptest! {
        #[test]
        fn fast_paths_agree_with_the_char_by_char_reading(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("a"), Just("Pay"), Just("pal"), Just(" "), Just("."), Just("-"), Just("\u{430}"),
                    Just("\u{3BF}"), Just("\u{200B}"), Just("\u{E0041}"), Just("\u{1D5EA}"), Just("あ"),
                    Just("é"), Just("\n"), Just("12"), Just("ᴘ")
                ],
                0..40,
            ),
            max in 0usize..60,
        ) {
            let text: String = parts.concat();
            prop_assert_eq!(find_within(&text, max), reference_find_within(&text, max));
        }
    }

    #[test]
    fn cyrillic_letters_inside_a_latin_word() {
        // "MetaMask" with Cyrillic е, а, М.
        let (kind, word) = find("\u{4D}\u{435}t\u{430}\u{41C}\u{430}sk.io").unwrap();
        assert_eq!(kind, Disguise::MixedScript);
        assert!(word.starts_with('M'));
        // Greek omicron in "Your".
        assert_eq!(find("Y\u{3BF}ur account").map(|d| d.0), Some(Disguise::MixedScript));
    }

    #[test]
    fn whole_words_in_other_scripts_are_fine() {
        assert_eq!(find("Привет, John: ваш заказ"), None);
        assert_eq!(find("Καλημέρα from Athens"), None);
        assert_eq!(find("Amazon.co.jp ご注文の確認"), None);
        assert_eq!(find("Müller & Søn: Café"), None);
        assert_eq!(find("🎉 Great news ❤️ for you"), None);
    }

    #[test]
    fn invisible_characters_inside_words() {
        assert_eq!(find("Pay\u{200B}Pal security").map(|d| d.0), Some(Disguise::Invisible));
        // Joiners belong in Persian words; soft hyphens are ordinary hyphenation.
        assert_eq!(find("می\u{200C}خواهم"), None);
        assert_eq!(find("Donau\u{AD}dampf\u{AD}schiff"), None);
        // Between words it is sloppy, not a disguise.
        assert_eq!(find("PayPal \u{200B}security"), None);
    }

    #[test]
    fn tag_characters_and_math_letters() {
        assert_eq!(find("I\u{E0139}RS Tax Office").map(|d| d.0), Some(Disguise::Tags));
        assert_eq!(find("#𝗪𝗲𝗹𝗰𝗼𝗺𝗲 to the club").map(|d| d.0), Some(Disguise::MathLetters));
        assert_eq!(find("the set 𝔸 of points"), None);
        assert_eq!(find("--ᴘᴀʏᴍᴇɴᴛ ᴅᴇᴄʟɪɴᴇᴅ--").map(|d| d.0), Some(Disguise::MathLetters));
    }

    #[test]
    fn long_hostile_input_is_bounded() {
        let s = "а".repeat(100_000) + "abc";
        assert_eq!(find(&s), None);
    }
}
