//! Renderers: the same report as terminal text, Markdown or JSON, in Japanese or English.
//!
//! Text and Markdown share one document walk (`document.rs`) written against a small `Sink` trait, so the
//! two never drift apart; JSON is a separate, versioned shape (`json.rs`, schema in schema/report.schema.json).

mod document;
pub mod i18n;
mod intel;
pub mod json;
mod sink;

pub use i18n::Lang;
pub use sink::{clean, md_escape};

use crate::judge::{Report, UrlReport};

/// Terminal text. `color` adds ANSI colours (only on a TTY).
pub fn text(report: &Report, lang: Lang, color: bool) -> String {
    let mut s = sink::TextSink::new(color);
    document::report(report, lang, &mut s);
    s.finish()
}

/// A Markdown report to paste into a ticket or a blog post.
pub fn markdown(report: &Report, lang: Lang) -> String {
    let mut s = sink::MdSink::default();
    document::report(report, lang, &mut s);
    s.finish()
}

pub fn url_text(report: &UrlReport, lang: Lang, color: bool) -> String {
    let mut s = sink::TextSink::new(color);
    document::url_report(report, lang, &mut s);
    s.finish()
}

pub fn url_markdown(report: &UrlReport, lang: Lang) -> String {
    let mut s = sink::MdSink::default();
    document::url_report(report, lang, &mut s);
    s.finish()
}

/// Unix seconds as `2022-11-15 01:12:33 UTC`.
pub fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// Seconds as `2s`, `3m 05s`, `1h 02m`, `2d 03h`; negative keeps its sign.
pub fn fmt_duration(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let body = if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3600)
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_sign() {
        assert_eq!(fmt_duration(2), "2s");
        assert_eq!(fmt_duration(-125), "-2m 05s");
        assert_eq!(fmt_duration(90_000), "1d 01h");
    }
}
