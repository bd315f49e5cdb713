//! The report as a document, in the order of the seed posts (subject, sender, origin, route, body and links,
//! impersonation, conclusion, advice), but leading with the verdict and its strongest reasons.

use super::i18n::{Lang, t};
use super::sink::{Sink, Tone};
use super::{fmt_duration, fmt_time};
use crate::catalog::{CATALOG, interpolate};
use crate::domain::defang;
use crate::finding::{EvidenceKind, Finding, Severity};
use crate::judge::{Report, UrlReport, Verdict};
use crate::model::{Facts, Link, LinkSource, Mailbox};

/// How many reasons lead the report.
const LEAD_REASONS: usize = 5;

pub fn finding_title(f: &Finding, lang: Lang) -> String {
    match CATALOG.get(&f.id) {
        Some(d) => interpolate(lang.pick(&d.title), &f.params),
        None => f.id.clone(),
    }
}

pub fn finding_explanation(f: &Finding, lang: Lang) -> String {
    match CATALOG.get(&f.id) {
        Some(d) => interpolate(lang.pick(&d.explain), &f.params),
        None => String::new(),
    }
}

fn severity(lang: Lang, s: Severity) -> &'static str {
    t(
        lang,
        match s {
            Severity::Critical => "sev.critical",
            Severity::High => "sev.high",
            Severity::Medium => "sev.medium",
            Severity::Low => "sev.low",
            Severity::Info => "sev.info",
        },
    )
}

fn verdict_tone(v: Verdict) -> Tone {
    match v {
        Verdict::Phishing => Tone::Bad,
        Verdict::Suspicious => Tone::Warn,
        Verdict::Clean => Tone::Good,
    }
}

fn verdict_line(lang: Lang, v: Verdict, score: f64) -> String {
    let key = format!("verdict.{}", v.as_str());
    format!("{} ({} {:.1})", t(lang, &key), t(lang, "score"), score)
}

fn mailbox(m: &Mailbox) -> String {
    match (&m.display_name, &m.address) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (None, Some(a)) => format!("<{a}>"),
        (Some(n), None) => n.clone(),
        (None, None) => String::new(),
    }
}

fn evidence_line(e: &crate::finding::Evidence) -> String {
    let excerpt = if e.kind == EvidenceKind::Url { defang(&e.excerpt) } else { e.excerpt.clone() };
    format!("{}: {}", e.location, excerpt)
}

fn reasons(findings: &[Finding], lang: Lang, s: &mut dyn Sink) {
    let strong: Vec<&Finding> = findings.iter().filter(|f| f.weight > 0.0).take(LEAD_REASONS).collect();
    if strong.is_empty() {
        return;
    }
    s.heading(t(lang, "reasons"));
    for f in strong {
        let tone = if f.severity >= Severity::High { Tone::Bad } else { Tone::Warn };
        s.item(&format!("[{}] {}", severity(lang, f.severity), finding_title(f, lang)), tone);
        s.sub(&finding_explanation(f, lang));
        if let Some(e) = f.evidence.first() {
            s.sub(&format!("{}: {}", t(lang, "label.evidence"), evidence_line(e)));
        }
    }
}

fn all_findings(findings: &[Finding], lang: Lang, s: &mut dyn Sink) {
    for f in findings {
        let tone = match f.severity {
            Severity::Critical | Severity::High => Tone::Bad,
            Severity::Medium => Tone::Warn,
            _ => Tone::Plain,
        };
        s.item(
            &format!(
                "[{}] {} ({} {:+.1}, {})",
                severity(lang, f.severity),
                finding_title(f, lang),
                t(lang, "label.weight"),
                f.weight,
                f.id
            ),
            tone,
        );
        s.sub(&finding_explanation(f, lang));
        for e in &f.evidence {
            s.sub(&format!("{}: {}", t(lang, "label.evidence"), evidence_line(e)));
        }
    }
}

fn link_lines(links: &[Link], lang: Lang, s: &mut dyn Sink) {
    if links.is_empty() {
        s.para(t(lang, "label.no_links"), Tone::Plain);
        return;
    }
    for l in links {
        let tone = if l.tags.is_empty() { Tone::Plain } else { Tone::Warn };
        s.item(&defang(&l.url), tone);
        if let Some(u) = &l.host_unicode {
            s.sub(&format!("IDN: {} = {}", defang(u), defang(&l.host)));
        }
        if let Some(a) = &l.anchor_text
            && !a.trim().is_empty()
        {
            s.sub(&format!("{}: 「{}」", t(lang, "label.anchor"), a.trim()));
        }
        if let Some(w) = &l.wrapped_in {
            s.sub(&format!("{}: {}", t(lang, "label.unwrapped"), defang(w)));
        }
        if l.sources.contains(&LinkSource::Qr) {
            s.sub(t(lang, "label.via_qr"));
        }
        if !l.tags.is_empty() {
            s.sub(&l.tags.join(", "));
        }
    }
}

fn brands(f: &Facts, lang: Lang, s: &mut dyn Sink) {
    s.heading(t(lang, "sec.brands"));
    if f.brands.is_empty() {
        s.para(t(lang, "label.no_brands"), Tone::Plain);
        return;
    }
    for b in &f.brands {
        let line = match lang {
            Lang::Ja => format!(
                "「{}」{}({}: {})",
                b.brand,
                t(lang, "label.brand_claims"),
                t(lang, "label.seen_in"),
                b.seen_in.join(", ")
            ),
            Lang::En => format!(
                "{} {} ({}: {})",
                t(lang, "label.brand_claims"),
                b.brand,
                t(lang, "label.seen_in"),
                b.seen_in.join(", ")
            ),
        };
        s.item(&line, if b.sender_genuine { Tone::Plain } else { Tone::Warn });
        s.sub(t(lang, if b.sender_genuine { "label.sender_genuine_yes" } else { "label.sender_genuine_no" }));
        match b.links_genuine {
            Some(true) => s.sub(t(lang, "label.links_genuine_yes")),
            Some(false) => s.sub(t(lang, "label.links_genuine_no")),
            None => {}
        }
    }
}

fn sender(f: &Facts, lang: Lang, s: &mut dyn Sink) {
    s.heading(t(lang, "sec.sender"));
    let none = t(lang, "label.none");
    s.kv(t(lang, "label.from"), &f.from.as_ref().map(mailbox).unwrap_or_else(|| none.to_string()));
    s.kv(t(lang, "label.return_path"), f.return_path.as_deref().map(|r| format!("<{r}>")).as_deref().unwrap_or(none));
    for r in &f.reply_to {
        s.kv(t(lang, "label.reply_to"), &mailbox(r));
    }
    if let Some(m) = &f.sender {
        s.kv(t(lang, "label.sender"), &mailbox(m));
    }
    s.kv(t(lang, "label.message_id"), f.message_id.as_deref().map(|m| format!("<{m}>")).as_deref().unwrap_or(none));
    if let Some(d) = &f.date_raw {
        s.kv(t(lang, "label.date"), d);
    }
    if let Some(m) = &f.mailer {
        s.kv(t(lang, "label.mailer"), m);
    }
}

fn origin_and_route(f: &Facts, lang: Lang, s: &mut dyn Sink) {
    s.heading(t(lang, "sec.origin"));
    match &f.origin {
        Some(o) => {
            let none = t(lang, "label.none");
            s.kv(t(lang, "label.ip"), &o.ip.map(|i| i.to_string()).unwrap_or_else(|| none.to_string()));
            s.kv(t(lang, "label.helo"), o.helo.as_deref().unwrap_or(none));
            if let Some(n) = &o.from_name {
                s.kv(t(lang, "label.rdns"), n);
            }
            s.kv(t(lang, "label.hop"), &format!("Received[{}]", o.hop_index));
            let reason = if lang == Lang::Ja && !o.reason_ja.is_empty() { &o.reason_ja } else { &o.reason };
            s.kv(t(lang, "label.why_origin"), reason);
        }
        None => s.para(t(lang, "label.no_origin"), Tone::Plain),
    }
    if let Some(a) = &f.delivery_auth {
        let mut parts = Vec::new();
        for (k, v) in [("spf", &a.spf), ("dkim", &a.dkim), ("dmarc", &a.dmarc), ("arc", &a.arc)] {
            if let Some(v) = v {
                parts.push(format!("{k}={v}"));
            }
        }
        if let Some(id) = &a.authserv_id {
            parts.push(format!("({id})"));
        }
        s.kv(t(lang, "label.delivery_auth"), &parts.join(" "));
    }
    if f.hops.is_empty() {
        return;
    }
    s.heading(t(lang, "sec.route"));
    let rows: Vec<Vec<String>> = f
        .hops
        .iter()
        .map(|h| {
            let from = match (&h.from_name, &h.helo) {
                (Some(n), Some(hl)) if n != hl => format!("{n} ({hl})"),
                (Some(n), _) => n.clone(),
                (None, Some(hl)) => format!("({hl})"),
                (None, None) => String::new(),
            };
            let delay = match h.delay_secs {
                Some(d) if d < 0 => format!("{} ({})", fmt_duration(d), t(lang, "label.clock_skew")),
                Some(d) => fmt_duration(d),
                None => String::new(),
            };
            vec![
                h.index.to_string(),
                from,
                h.ip.map(|i| i.to_string()).unwrap_or_default(),
                h.by.clone().unwrap_or_default(),
                h.timestamp.map(fmt_time).unwrap_or_default(),
                delay,
                if h.trusted { "✓".to_string() } else { String::new() },
            ]
        })
        .collect();
    let header = [
        t(lang, "col.hop"),
        t(lang, "col.from"),
        t(lang, "col.ip"),
        t(lang, "col.by"),
        t(lang, "col.time"),
        t(lang, "col.delay"),
        t(lang, "col.trusted"),
    ];
    s.table(&header, &rows);
    if let Some(tr) = f.transit_secs {
        s.kv(t(lang, "label.transit"), &fmt_duration(tr));
    }
}

fn body(f: &Facts, lang: Lang, s: &mut dyn Sink) {
    s.heading(t(lang, "sec.body"));
    if let Some(l) = &f.content.language {
        s.kv(t(lang, "label.language"), l);
    }
    if !f.content.excerpt.is_empty() {
        s.kv(t(lang, "label.excerpt"), &crate::finding::bounded(&f.content.excerpt, 200));
    }
    s.kv(t(lang, "label.links"), &f.links.len().to_string());
    link_lines(&f.links, lang, s);
    if !f.content.phone_numbers.is_empty() {
        s.kv(t(lang, "label.phone_numbers"), &f.content.phone_numbers.join(", "));
    }
    if !f.attachments.is_empty() {
        s.heading(t(lang, "sec.attachments"));
        for a in &f.attachments {
            let name = a.name.as_deref().unwrap_or("(unnamed)");
            let ty = a.detected_type.as_deref().unwrap_or(&a.declared_type);
            s.item(
                &format!("{name} ({ty}, {} {})", a.size, t(lang, "label.size")),
                if a.risk.is_some() { Tone::Warn } else { Tone::Plain },
            );
            s.sub(&format!("SHA-256 {}", a.sha256));
        }
    }
}

fn iocs(r: &Report, lang: Lang, s: &mut dyn Sink) {
    let i = &r.iocs;
    if i.urls.is_empty() && i.domains.is_empty() && i.ips.is_empty() && i.emails.is_empty() && i.hashes.is_empty() {
        return;
    }
    s.heading(t(lang, "sec.iocs"));
    let mut rows = Vec::new();
    for u in &i.urls {
        rows.push(vec!["url".to_string(), defang(u)]);
    }
    for d in &i.domains {
        rows.push(vec!["domain".to_string(), defang(d)]);
    }
    for ip in &i.ips {
        rows.push(vec!["ip".to_string(), defang(ip)]);
    }
    for e in &i.emails {
        rows.push(vec!["email".to_string(), defang(e)]);
    }
    for h in &i.hashes {
        rows.push(vec!["sha256".to_string(), h.sha256.clone()]);
    }
    s.table(&["type", "value"], &rows);
}

fn seen_before(r: &Report, lang: Lang, s: &mut dyn Sink) {
    if r.seen_before.is_empty() {
        return;
    }
    s.heading(t(lang, "sec.seen_before"));
    for sb in &r.seen_before {
        let verdict = t(lang, &format!("verdict_word.{}", sb.verdict));
        s.item(
            &format!(
                "#{} {} {} [{}] {}",
                sb.analysis_id,
                t(lang, "label.analysed_on"),
                fmt_time(sb.analysed_at),
                verdict,
                sb.subject.as_deref().unwrap_or("")
            ),
            Tone::Warn,
        );
        if let Some(rx) = sb.received_at {
            s.sub(&format!("{}: {}", t(lang, "label.received_on"), fmt_time(rx)));
        }
        let shared: Vec<String> = sb.shared.iter().map(|i| format!("{}={}", i.kind, defang(&i.value))).collect();
        s.sub(&format!("{}: {}", t(lang, "label.shared"), shared.join(", ")));
        s.sub(&format!("{}: {:.1}", t(lang, "label.strength"), sb.strength));
    }
}

pub fn report(r: &Report, lang: Lang, s: &mut dyn Sink) {
    let f = &r.facts;
    s.title(t(lang, "title"), Tone::Plain);
    s.title(&verdict_line(lang, r.verdict, r.score), verdict_tone(r.verdict));
    if f.forwarded.is_some() {
        s.para(t(lang, "label.forwarded"), Tone::Plain);
    }
    reasons(&r.findings, lang, s);
    s.heading(t(lang, "sec.subject"));
    s.para(f.subject.as_deref().unwrap_or(t(lang, "label.none")), Tone::Plain);
    sender(f, lang, s);
    origin_and_route(f, lang, s);
    if let Some(intel) = &r.intel {
        super::intel::origin_section(r, intel, lang, s);
    }
    body(f, lang, s);
    if let Some(intel) = &r.intel {
        super::intel::links_section(r, intel, lang, s);
    }
    brands(f, lang, s);
    seen_before(r, lang, s);
    s.heading(t(lang, "sec.conclusion"));
    s.para(&verdict_line(lang, r.verdict, r.score), verdict_tone(r.verdict));
    if r.verdict == Verdict::Clean {
        s.para(t(lang, "clean_caveat"), Tone::Plain);
    }
    s.heading(t(lang, "sec.findings"));
    all_findings(&r.findings, lang, s);
    s.heading(t(lang, "sec.advice"));
    s.para(t(lang, &format!("advice.{}", r.verdict.as_str())), Tone::Plain);
    iocs(r, lang, s);
    if !f.problems.is_empty() {
        s.heading(t(lang, "sec.problems"));
        for p in &f.problems {
            s.item(&format!("{}: {}", p.code, p.detail), Tone::Plain);
        }
    }
}

pub fn url_report(r: &UrlReport, lang: Lang, s: &mut dyn Sink) {
    s.title(&defang(&r.url), Tone::Plain);
    s.title(&verdict_line(lang, r.verdict, r.score), verdict_tone(r.verdict));
    reasons(&r.findings, lang, s);
    s.heading(t(lang, "sec.body"));
    link_lines(&r.facts.links, lang, s);
    if !r.facts.brands.is_empty() {
        brands(&r.facts, lang, s);
    }
    s.heading(t(lang, "sec.findings"));
    all_findings(&r.findings, lang, s);
    if r.verdict == Verdict::Clean {
        s.para(t(lang, "clean_caveat"), Tone::Plain);
    }
}
