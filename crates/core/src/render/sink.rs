//! Output sinks for the shared document walk: plain/coloured terminal text and Markdown.
//!
//! Every string that reaches a sink may come from a criminal: sinks neutralise terminal escapes, bidi
//! overrides and Markdown/HTML markup so a report can be pasted into a terminal, a ticket or a blog safely.

use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Bad,
    Warn,
    Good,
    Dim,
}

pub trait Sink {
    fn title(&mut self, text: &str, tone: Tone);
    fn heading(&mut self, text: &str);
    fn kv(&mut self, key: &str, value: &str);
    fn para(&mut self, text: &str, tone: Tone);
    fn item(&mut self, text: &str, tone: Tone);
    /// A nested line under the previous item (evidence).
    fn sub(&mut self, text: &str);
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]);
}

/// Replace control characters and invisible direction overrides with visible marks.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                out.push_str(&format!("<U+{:04X}>", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn clean_multiline(s: &str) -> String {
    s.lines().map(clean).collect::<Vec<_>>().join("\n")
}

pub struct TextSink {
    out: String,
    color: bool,
}

impl TextSink {
    pub fn new(color: bool) -> Self {
        TextSink { out: String::new(), color }
    }
    pub fn finish(self) -> String {
        self.out
    }
    fn paint(&self, s: &str, tone: Tone) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match tone {
            Tone::Plain => return s.to_string(),
            Tone::Bad => "1;31",
            Tone::Warn => "1;33",
            Tone::Good => "1;32",
            Tone::Dim => "2",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }
}

impl Sink for TextSink {
    fn title(&mut self, text: &str, tone: Tone) {
        let t = self.paint(&clean(text), tone);
        self.out.push_str(&format!("{t}\n"));
    }
    fn heading(&mut self, text: &str) {
        let h = if self.color { format!("\x1b[1m■ {}\x1b[0m", clean(text)) } else { format!("■ {}", clean(text)) };
        self.out.push_str(&format!("\n{h}\n"));
    }
    fn kv(&mut self, key: &str, value: &str) {
        self.out.push_str(&format!("  {}: {}\n", clean(key), clean(value)));
    }
    fn para(&mut self, text: &str, tone: Tone) {
        for line in clean_multiline(text).lines() {
            let l = self.paint(line, tone);
            self.out.push_str(&format!("  {l}\n"));
        }
    }
    fn item(&mut self, text: &str, tone: Tone) {
        let l = self.paint(&clean(text), tone);
        self.out.push_str(&format!("  - {l}\n"));
    }
    fn sub(&mut self, text: &str) {
        let l = self.paint(&clean(text), Tone::Dim);
        self.out.push_str(&format!("      {l}\n"));
    }
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let cells: Vec<Vec<String>> = std::iter::once(header.iter().map(|h| clean(h)).collect())
            .chain(rows.iter().map(|r| r.iter().map(|c| clean(c)).collect()))
            .collect();
        let ncol = header.len();
        let widths: Vec<usize> =
            (0..ncol).map(|i| cells.iter().map(|r| r.get(i).map_or(0, |c| c.width())).max().unwrap_or(0)).collect();
        for (ri, r) in cells.iter().enumerate() {
            let mut line = String::from("  ");
            for (i, w) in widths.iter().enumerate() {
                let c = r.get(i).map_or("", String::as_str);
                line.push_str(c);
                if i + 1 < ncol {
                    line.push_str(&" ".repeat(w.saturating_sub(c.width()) + 2));
                }
            }
            self.out.push_str(line.trim_end());
            self.out.push('\n');
            if ri == 0 {
                let total: usize = widths.iter().sum::<usize>() + 2 * ncol.saturating_sub(1);
                self.out.push_str(&format!("  {}\n", "-".repeat(total)));
            }
        }
    }
}

/// Escape text for Markdown so mail content cannot inject markup, links or HTML.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[derive(Default)]
pub struct MdSink {
    out: String,
}

impl MdSink {
    pub fn finish(self) -> String {
        self.out
    }
}

impl Sink for MdSink {
    fn title(&mut self, text: &str, _tone: Tone) {
        if self.out.is_empty() {
            self.out.push_str(&format!("# {}\n\n", md_escape(text)));
        } else {
            self.out.push_str(&format!("**{}**\n\n", md_escape(text)));
        }
    }
    fn heading(&mut self, text: &str) {
        self.out.push_str(&format!("\n## {}\n\n", md_escape(text)));
    }
    fn kv(&mut self, key: &str, value: &str) {
        self.out.push_str(&format!("- **{}**: {}\n", md_escape(key), md_escape(value)));
    }
    fn para(&mut self, text: &str, _tone: Tone) {
        let body: Vec<String> = clean_multiline(text).lines().map(md_escape).collect();
        self.out.push_str(&format!("{}\n\n", body.join("  \n")));
    }
    fn item(&mut self, text: &str, _tone: Tone) {
        self.out.push_str(&format!("- {}\n", md_escape(text)));
    }
    fn sub(&mut self, text: &str) {
        self.out.push_str(&format!("  - {}\n", md_escape(text)));
    }
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
        self.out.push_str(&row(header.iter().map(|h| md_escape(h)).collect()));
        self.out.push_str(&row(header.iter().map(|_| "---".to_string()).collect()));
        for r in rows {
            self.out.push_str(&row(r.iter().map(|c| md_escape(c)).collect()));
        }
        self.out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_terminal_escapes_and_bidi() {
        assert_eq!(clean("a\x1b[31mb"), "a<U+001B>[31mb");
        assert_eq!(clean("x\u{202E}fdp.exe"), "x<U+202E>fdp.exe");
    }

    #[test]
    fn markdown_escapes_markup() {
        assert_eq!(md_escape("<script>[x](y)|"), "&lt;script&gt;\\[x\\](y)\\|");
    }
}
