//! The end-of-batch summary: counts per verdict, top brands, origin networks and link domains, and the
//! messages most worth a look. Memory stays bounded however many messages pass through.

use phishlens_core::Verdict;
use phishlens_core::judge::Report;
use phishlens_core::render::Lang;
use phishlens_core::render::i18n::t;
use std::collections::HashMap;

/// Distinct keys kept per counter; rarer keys beyond this are dropped.
const MAX_KEYS: usize = 50_000;
const TOP: usize = 10;

/// What the summary keeps of one message.
pub struct Record {
    pub source: String,
    pub verdict: Verdict,
    pub score: f64,
    pub subject: String,
    pub brands: Vec<String>,
    pub origin_net: Option<String>,
    pub link_domains: Vec<String>,
}

impl Record {
    pub fn of(source: &str, r: &Report) -> Record {
        let mut link_domains: Vec<String> = r
            .facts
            .links
            .iter()
            .filter_map(|l| l.registrable.clone().or_else(|| l.ip.map(|i| i.to_string())))
            .collect();
        link_domains.sort();
        link_domains.dedup();
        Record {
            source: source.to_string(),
            verdict: r.verdict,
            score: r.score,
            subject: r.facts.subject.clone().unwrap_or_default(),
            brands: r.facts.brands.iter().map(|b| b.brand.clone()).collect(),
            origin_net: r.facts.origin.as_ref().and_then(|o| o.ip).map(phishlens_core::domain::origin_net),
            link_domains,
        }
    }
}

#[derive(Default)]
pub struct Summary {
    pub phishing: usize,
    pub suspicious: usize,
    pub clean: usize,
    pub errors: usize,
    pub interrupted: bool,
    brands: HashMap<String, usize>,
    networks: HashMap<String, usize>,
    link_domains: HashMap<String, usize>,
    /// Highest scores, at most TOP.
    worth: Vec<(f64, String, String, Verdict)>,
}

fn bump(m: &mut HashMap<String, usize>, k: &str) {
    if let Some(c) = m.get_mut(k) {
        *c += 1;
    } else if m.len() < MAX_KEYS {
        m.insert(k.to_string(), 1);
    }
}

fn top(m: &HashMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = m.iter().map(|(k, c)| (k.clone(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(TOP);
    v
}

impl Summary {
    pub fn total(&self) -> usize {
        self.phishing + self.suspicious + self.clean
    }

    pub fn add(&mut self, r: &Record) {
        match r.verdict {
            Verdict::Phishing => self.phishing += 1,
            Verdict::Suspicious => self.suspicious += 1,
            Verdict::Clean => self.clean += 1,
        }
        for b in &r.brands {
            bump(&mut self.brands, b);
        }
        if let Some(n) = &r.origin_net {
            bump(&mut self.networks, n);
        }
        for d in &r.link_domains {
            bump(&mut self.link_domains, d);
        }
        if r.verdict != Verdict::Clean {
            self.worth.push((r.score, r.source.clone(), r.subject.clone(), r.verdict));
            self.worth.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal).then(a.1.cmp(&b.1)));
            self.worth.truncate(TOP);
        }
    }

    /// Markdown or plain text.
    pub fn render(&self, lang: Lang, md: bool) -> String {
        let mut o = String::new();
        let h = |o: &mut String, s: &str| {
            if md {
                o.push_str(&format!("\n## {s}\n\n"));
            } else {
                o.push_str(&format!("\n■ {s}\n"));
            }
        };
        let line = |o: &mut String, s: String| {
            if md {
                o.push_str(&format!("- {}\n", phishlens_core::render::md_escape(&s)));
            } else {
                o.push_str(&format!("  {}\n", phishlens_core::render::clean(&s)));
            }
        };
        if md {
            o.push_str(&format!("# {}\n", t(lang, "summary.title")));
        } else {
            o.push_str(&format!("{}\n", t(lang, "summary.title")));
        }
        h(&mut o, t(lang, "summary.by_verdict"));
        line(&mut o, format!("{}: {}", t(lang, "summary.messages"), self.total()));
        line(&mut o, format!("{}: {}", t(lang, "verdict_word.phishing"), self.phishing));
        line(&mut o, format!("{}: {}", t(lang, "verdict_word.suspicious"), self.suspicious));
        line(&mut o, format!("{}: {}", t(lang, "verdict_word.clean"), self.clean));
        if self.errors > 0 {
            line(&mut o, format!("{}: {}", t(lang, "summary.errors"), self.errors));
        }
        for (key, m) in [
            ("summary.top_brands", &self.brands),
            ("summary.top_networks", &self.networks),
            ("summary.top_link_domains", &self.link_domains),
        ] {
            let items = top(m);
            if items.is_empty() {
                continue;
            }
            h(&mut o, t(lang, key));
            for (k, c) in items {
                let k = if key == "summary.top_brands" { k } else { phishlens_core::domain::defang(&k) };
                line(&mut o, format!("{k}: {c}"));
            }
        }
        if !self.worth.is_empty() {
            h(&mut o, t(lang, "summary.worth_a_look"));
            for (score, source, subject, v) in &self.worth {
                line(
                    &mut o,
                    format!(
                        "{} {:.1}  {}  {}",
                        t(lang, &format!("verdict_word.{}", v.as_str())),
                        score,
                        source,
                        subject
                    ),
                );
            }
        }
        if self.interrupted {
            o.push('\n');
            line(&mut o, t(lang, "summary.interrupted").to_string());
        }
        o
    }
}
