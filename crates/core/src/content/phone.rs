//! Telephone numbers in the text. "Callback" phishing (TOAD: telephone-oriented attack delivery) carries no link
//! at all: a fake invoice or renewal for Norton, McAfee or PayPal and a number to call "to cancel", where a
//! person talks the victim into remote access or a bank transfer. The number is the indicator an abuse desk
//! needs, and the only thing that makes such a mail actionable.

use std::sync::LazyLock;

/// Text searched (numbers sit near the top of a fake invoice).
const SCAN_BYTES: usize = 32 << 10;

/// International numbers written with a leading `+`, and North American ones (`1 855 596 2198`,
/// `(808) 631-7590`, `1.808.631.7590`), each delimited by non-digits so that order and tracking numbers are not
/// read as phone numbers.
static PHONE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?:^|[^0-9A-Za-z+])((?:\+[1-9][0-9]{0,2}[ .\-]?(?:\([0-9]{1,4}\)[ .\-]?)?[0-9]{1,4}(?:[ .\-][0-9]{2,4}){1,3})|(?:(?:\+?1[ .\-]?)?\(?[2-9][0-9]{2}\)?[ .\-][0-9]{3}[ .\-][0-9]{4}))(?:$|[^0-9A-Za-z])",
    )
    .ok()
});

/// Distinct phone numbers in `text`, as written, at most `max`.
pub fn phone_numbers(text: &str, max: usize) -> Vec<String> {
    let Some(re) = PHONE.as_ref() else { return Vec::new() };
    let text = crate::finding::cut_bytes(text, SCAN_BYTES);
    // A number has at least 10 digits within a short span (the longest pattern, `+999 (9999) 9999 9999 9999
    // 9999`, is under 40 bytes): most texts have no such cluster and need no regex pass.
    if !has_digit_cluster(text.as_bytes(), 10, 40) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for caps in re.captures_iter(text) {
        if out.len() >= max {
            break;
        }
        let Some(m) = caps.get(1) else { continue };
        let number = m.as_str().trim();
        let digits = number.bytes().filter(u8::is_ascii_digit).count();
        if (10..=15).contains(&digits) && !out.iter().any(|n| n == number) {
            out.push(number.to_string());
        }
    }
    out
}

/// True when some `span` bytes of `b` hold at least `digits` ASCII digits.
fn has_digit_cluster(b: &[u8], digits: usize, span: usize) -> bool {
    // Positions of the last `digits` digits seen, as a ring.
    let mut ring = vec![0usize; digits.max(1)];
    let mut seen = 0usize;
    for (i, c) in b.iter().enumerate() {
        if !c.is_ascii_digit() {
            continue;
        }
        let slot = seen % ring.len();
        // The digit `digits - 1` places back is the one this write replaces.
        if seen + 1 >= ring.len() && i - ring[(seen + 1) % ring.len()] < span {
            return true;
        }
        ring[slot] = i;
        seen += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_clusters() {
        assert!(has_digit_cluster(b"call 1 855 596 2198 now", 10, 40));
        assert!(has_digit_cluster(b"1234567890", 10, 40));
        assert!(!has_digit_cluster(b"123456789", 10, 40));
        // Ten digits, but spread over more than 40 bytes.
        let spread = b"order 12345 placed on the fifth of the month, item 67890";
        assert!(!has_digit_cluster(spread, 10, 40));
        assert!(has_digit_cluster(spread, 10, 60));
        assert!(!has_digit_cluster(b"", 10, 40));
    }

    #[test]
    fn finds_callback_numbers() {
        let t = "If you have any questions, call us on 1 855 596 2198. Support Line Contact: 1 810 285-6898 \
                 or (808) 631-7590, from abroad +81 3-1234-5678.";
        assert_eq!(phone_numbers(t, 8), ["1 855 596 2198", "1 810 285-6898", "(808) 631-7590", "+81 3-1234-5678"]);
    }

    #[test]
    fn order_numbers_dates_and_versions_are_not_phones() {
        for t in [
            "Order Number: 823-70-898, Statement no: LU58582EKQ5084",
            "Date: 2024-12-05 10:32, version 1.808.631",
            "Tracking 999d6516-3162-42ce-80b6-bdb5dd9abb82",
            "Invoice 12345678901234567890",
        ] {
            assert!(phone_numbers(t, 8).is_empty(), "{t}");
        }
    }

    #[test]
    fn bounded() {
        let t = "call 212-555-0100 ".repeat(10_000);
        assert_eq!(phone_numbers(&t, 4).len(), 1);
    }
}
