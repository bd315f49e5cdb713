//! Dates as registries write them (RDAP's RFC 3339, WHOIS's many layouts: "2022-02-27 14:21:00",
//! "2001/04/02", "2022-02-27T14:21:00Z", "27-Feb-2022") turned into unix seconds.

use chrono::{NaiveDate, NaiveDateTime};

pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp());
    }
    let head: String = s.chars().take(19).collect();
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d %H:%M:%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&head, f) {
            return Some(dt.and_utc().timestamp());
        }
    }
    let first = s.split_whitespace().next().unwrap_or("");
    let day: String = first.chars().take(11).collect();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d-%b-%Y", "%d.%m.%Y", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(&day, f) {
            return d.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp());
        }
    }
    None
}

/// YYYY-MM-DD for unix seconds.
pub fn ymd(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_date_layouts() {
        let d = parse_date("2022-02-27 14:21:00").unwrap();
        assert_eq!(ymd(d), "2022-02-27");
        assert_eq!(parse_date("2022-02-27T14:21:00Z"), Some(d));
        assert_eq!(ymd(parse_date("2001/04/02").unwrap()), "2001-04-02");
        assert_eq!(ymd(parse_date("27-Feb-2022").unwrap()), "2022-02-27");
        assert_eq!(ymd(parse_date("2012-03-08T14:02:27-05:00").unwrap()), "2012-03-08");
        assert!(parse_date("yesterday").is_none());
    }
}
