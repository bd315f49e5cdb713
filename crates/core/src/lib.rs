//! phishlens-core: the analysis pipeline.
//!
//! bytes -> parse (`parse::Mail`) -> extract (`model::Facts`) -> judge (`finding::Finding`s, verdict) ->
//! render (text, Markdown, JSON; ja/en). Each stage is a module with one job; only `parse` knows the mail
//! parser, and nothing here touches the network or the disk.

pub mod attachments;
pub mod brands;
pub mod catalog;
pub mod config;
pub mod content;
pub mod domain;
pub mod finding;
pub mod headers;
pub mod html;
pub mod identity;
pub mod intel;
pub mod iocs;
pub mod judge;
pub mod links;
pub mod model;
pub mod parse;
pub mod qr;
pub mod render;

pub use config::Config;
pub use judge::{Report, UrlReport, Verdict};

/// Analyse one raw message. Never panics on any input; never fails: an unreadable message yields a report
/// whose `problems` say why.
pub fn analyze(raw: &[u8], cfg: &Config) -> Report {
    let mail = parse::Mail::parse(raw, &cfg.limits);
    let kb = brands::kb(cfg);
    let mut facts = model::Facts {
        size: mail.size,
        problems: mail.problems.clone(),
        forwarded: mail.forwarded.clone(),
        ..Default::default()
    };
    headers::extract(&mail, cfg, &mut facts);
    let visible_text = links::extract(&mail, cfg, &mut facts);
    content::extract(&mail, &visible_text, cfg, &mut facts);
    attachments::extract(&mail, cfg, &mut facts);
    identity::extract(&visible_text, kb, &mut facts);
    judge::judge(facts, &visible_text, kb, cfg)
}

/// Analyse a bare URL (from an SMS or a chat): the link checks and the brand checks, nothing else.
pub fn analyze_url(url: &str, cfg: &Config) -> UrlReport {
    let kb = brands::kb(cfg);
    judge::judge_url(url, kb, cfg)
}
