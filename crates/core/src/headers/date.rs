//! A tolerant RFC 5322 date reader for Received timestamps (and Date headers the mail parser gave up on).
//!
//! Real Received lines carry every date dialect ever shipped: missing weekdays, two-digit years, obsolete zone
//! names (JST, EST), asctime order, trailing comments. Tokens are classified by shape rather than position so that
//! all of these read the same; anything implausible yields None instead of a wrong time.

use chrono::NaiveDate;

/// Most tokens a date is read from; anything longer is garbage, not a date.
const MAX_TOKENS: usize = 16;

/// Unix seconds of a date such as `Tue, 15 Nov 2022 10:12:33 +0900 (JST)`. None when it is not a date.
pub fn parse_date(s: &str) -> Option<i64> {
    let cleaned = strip_comments(s);
    let mut day: Option<u32> = None;
    let mut month: Option<u32> = None;
    let mut year: Option<i32> = None;
    let mut time: Option<(u32, u32, u32)> = None;
    let mut offset: Option<i64> = None;
    for token in cleaned.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).take(MAX_TOKENS) {
        if time.is_none()
            && let Some(t) = read_time(token)
        {
            time = Some(t);
            continue;
        }
        if let Some(iso) = read_iso(token) {
            // 2023-07-29 or 2023-07-29T22:33:33Z
            (year, month, day) = (Some(iso.0), Some(iso.1), Some(iso.2));
            if let Some(t) = iso.3 {
                time = Some(t);
            }
            if iso.4.is_some() {
                offset = iso.4;
            }
            continue;
        }
        if offset.is_none()
            && let Some(o) = read_numeric_zone(token)
        {
            offset = Some(o);
            continue;
        }
        if token.bytes().all(|b| b.is_ascii_digit()) {
            let Ok(n) = token.parse::<u32>() else { continue };
            if token.len() <= 2 && day.is_none() {
                day = Some(n);
            } else if year.is_none() && token.len() <= 4 {
                year = Some(expand_year(n, token.len()));
            }
            continue;
        }
        if month.is_none()
            && let Some(m) = read_month(token)
        {
            month = Some(m);
            continue;
        }
        if offset.is_none()
            && let Some(o) = read_named_zone(token)
        {
            offset = Some(o);
        }
    }
    let (h, mi, sec) = time?;
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    let naive = date.and_hms_opt(h, mi, sec.min(59))?;
    Some(naive.and_utc().timestamp() - offset.unwrap_or(0))
}

/// Remove parenthesised comments (nesting tolerated, unbalanced ones cut the rest).
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(256));
    let mut depth = 0usize;
    for c in s.chars().take(256) {
        match c {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// RFC 5322 §4.3: two-digit years are 1950-2049, three-digit years are offset from 1900.
fn expand_year(n: u32, digits: usize) -> i32 {
    let n = n as i32;
    match digits {
        1 | 2 if n < 50 => 2000 + n,
        1 | 2 => 1900 + n,
        3 => 1900 + n,
        _ => n,
    }
}

fn read_time(token: &str) -> Option<(u32, u32, u32)> {
    if !token.contains(':') || token.contains('-') || token.contains('+') {
        return None;
    }
    // Drop fractional seconds.
    let token = token.split('.').next()?;
    let mut parts = token.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: u32 = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((h, m, s))
}

type Iso = (i32, u32, u32, Option<(u32, u32, u32)>, Option<i64>);

/// `2023-07-29` or `2023-07-29T22:33:33Z` / `...+09:00`.
fn read_iso(token: &str) -> Option<Iso> {
    let b = token.as_bytes();
    if b.len() < 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y: i32 = token.get(0..4)?.parse().ok()?;
    let m: u32 = token.get(5..7)?.parse().ok()?;
    let d: u32 = token.get(8..10)?.parse().ok()?;
    let rest = token.get(10..)?;
    let Some(rest) = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t')) else {
        return rest.is_empty().then_some((y, m, d, None, None));
    };
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let time = read_time(rest.get(..zone_at)?);
    let zone = rest.get(zone_at..)?;
    let offset = if zone.eq_ignore_ascii_case("z") { Some(0) } else { read_numeric_zone(zone) };
    Some((y, m, d, time, offset))
}

/// `+0900`, `-0300`, `+09:00`. Seconds east of UTC.
fn read_numeric_zone(token: &str) -> Option<i64> {
    let (sign, digits) = match token.as_bytes().first()? {
        b'+' => (1, token.get(1..)?),
        b'-' => (-1, token.get(1..)?),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits.get(0..2)?.parse().ok()?;
    let m: i64 = digits.get(2..4)?.parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn read_month(token: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if token.len() < 3 || !token.is_ascii() {
        return None;
    }
    let t = token.trim_end_matches('.').to_ascii_lowercase();
    MONTHS.iter().position(|m| t.len() >= 3 && m.starts_with(&t)).map(|i| i as u32 + 1)
}

/// Obsolete and common zone names. Seconds east of UTC.
fn read_named_zone(token: &str) -> Option<i64> {
    let t = token.to_ascii_uppercase();
    let hours: f64 = match t.as_str() {
        "UT" | "UTC" | "GMT" | "Z" | "WET" => 0.0,
        "EST" => -5.0,
        "EDT" => -4.0,
        "CST" => -6.0,
        "CDT" => -5.0,
        "MST" => -7.0,
        "MDT" => -6.0,
        "PST" => -8.0,
        "PDT" => -7.0,
        "JST" | "KST" => 9.0,
        "CET" | "BST" | "MET" | "WEST" => 1.0,
        "CEST" | "EET" | "MEST" | "SAST" => 2.0,
        "EEST" | "MSK" => 3.0,
        "IST" => 5.5,
        "HKT" | "SGT" | "AWST" => 8.0,
        "AEST" => 10.0,
        "AEDT" => 11.0,
        "NZST" => 12.0,
        "BRT" => -3.0,
        _ => return None,
    };
    Some((hours * 3600.0) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc5322_and_its_dialects() {
        // 2022-11-15 01:12:33 UTC
        let want = 1_668_474_753;
        assert_eq!(parse_date("Tue, 15 Nov 2022 10:12:33 +0900 (JST)"), Some(want));
        assert_eq!(parse_date("15 Nov 2022 10:12:33 +0900"), Some(want), "no weekday");
        assert_eq!(parse_date("Tue, 15 Nov 22 10:12:33 JST"), Some(want), "two-digit year, named zone");
        assert_eq!(parse_date("Mon, 14 Nov 2022 20:12:33 EST"), Some(want), "obsolete US zone");
        assert_eq!(parse_date("Tue Nov 15 01:12:33 2022"), Some(want), "asctime order, no zone");
        assert_eq!(parse_date("  Tue,  15 Nov 2022 01:12:33.123 +0000 (UTC) (extra)"), Some(want));
        assert_eq!(parse_date("2022-11-15T10:12:33+09:00"), Some(want));
        assert_eq!(parse_date("Sat, 29 Jul 2023 22:33:33 -0300 (envelope-from <a@b.example>)"), Some(1_690_680_813));
    }

    #[test]
    fn rejects_non_dates() {
        for s in ["", "garbage", "Tue, 32 Nov 2022 10:12:33", "15 Nov 2022", "99:99:99", "(((", "1 2 3 4:5"] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }
}
