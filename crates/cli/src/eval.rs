//! `phishlens eval`: how well the verdicts match labelled mail. Confusion matrix, detection and false-positive
//! rates with 95% (Wilson) intervals, which findings fire on which label, and the misses and false positives by
//! file: the first thing to read when tuning weights.

use phishlens_core::{Config, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone)]
pub struct Labelled {
    pub label: String,
    pub path: PathBuf,
}

/// A label counts as positive (phishing) when it starts with "phish", unless `--positive` names others.
pub fn is_positive(label: &str, positives: &[String]) -> bool {
    if positives.is_empty() {
        label.to_ascii_lowercase().starts_with("phish")
    } else {
        positives.iter().any(|p| p == label)
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            collect(&p, out, depth + 1);
        } else if ft.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("eml")) {
            out.push(p);
        }
    }
}

/// `label=DIR` pairs and/or a TSV of `path<TAB>label` lines (paths relative to the TSV's folder).
pub fn gather(labels: &[String], tsv: Option<&Path>) -> Result<Vec<Labelled>, String> {
    let mut out = Vec::new();
    for l in labels {
        let (label, dir) = l.split_once('=').ok_or_else(|| format!("--label wants LABEL=DIR, got {l}"))?;
        let dir = PathBuf::from(dir);
        if !dir.exists() {
            return Err(format!("{}: no such file or directory", dir.display()));
        }
        let mut files = Vec::new();
        if dir.is_dir() {
            collect(&dir, &mut files, 0);
        } else {
            files.push(dir);
        }
        out.extend(files.into_iter().map(|path| Labelled { label: label.to_string(), path }));
    }
    if let Some(tsv) = tsv {
        let text = std::fs::read_to_string(tsv).map_err(|e| format!("{}: {e}", tsv.display()))?;
        let base = tsv.parent().unwrap_or(Path::new("."));
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (p, label) =
                line.split_once('\t').ok_or_else(|| format!("{}:{}: want path<TAB>label", tsv.display(), n + 1))?;
            out.push(Labelled { label: label.trim().to_string(), path: base.join(p.trim()) });
        }
    }
    if out.is_empty() {
        return Err("no labelled messages: give --label LABEL=DIR or --tsv FILE".to_string());
    }
    Ok(out)
}

/// Wilson score interval for k successes in n trials, 95%.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) / n) + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub path: String,
    pub label: String,
    pub verdict: Option<Verdict>,
    pub score: f64,
    pub findings: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct LabelStats {
    pub positive: bool,
    pub total: usize,
    pub phishing: usize,
    pub suspicious: usize,
    pub clean: usize,
    pub errors: usize,
    /// Share flagged (phishing or suspicious): the detection rate for positive labels, the false-positive rate
    /// for the others.
    pub flagged_rate: f64,
    pub flagged_ci95: (f64, f64),
    pub phishing_rate: f64,
}

#[derive(Debug, Serialize)]
pub struct Evaluation {
    pub labels: BTreeMap<String, LabelStats>,
    /// finding id -> label -> messages it fired on.
    pub findings: BTreeMap<String, BTreeMap<String, usize>>,
    pub misses: Vec<Row>,
    pub false_positives: Vec<Row>,
    pub messages_per_second: f64,
}

pub fn run(items: &[Labelled], cfg: &Config, jobs: usize, positives: &[String]) -> Evaluation {
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<(usize, Row)>> = Mutex::new(Vec::with_capacity(items.len()));
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { return };
                    if crate::batch::STOP.load(Ordering::Relaxed) {
                        return;
                    }
                    let path = item.path.display().to_string();
                    let row = match std::fs::read(&item.path) {
                        Ok(bytes) => {
                            let r = phishlens_core::analyze(&bytes, cfg);
                            Row {
                                path,
                                label: item.label.clone(),
                                verdict: Some(r.verdict),
                                score: r.score,
                                findings: r.findings.iter().map(|f| f.id.clone()).collect(),
                                error: None,
                            }
                        }
                        Err(e) => Row {
                            path,
                            label: item.label.clone(),
                            verdict: None,
                            score: 0.0,
                            findings: Vec::new(),
                            error: Some(e.to_string()),
                        },
                    };
                    if let Ok(mut g) = rows.lock() {
                        g.push((i, row));
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut rows = rows.into_inner().unwrap_or_default();
    rows.sort_by_key(|(i, _)| *i);
    let mut labels: BTreeMap<String, LabelStats> = BTreeMap::new();
    let mut findings: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut false_positives = Vec::new();
    for (_, row) in &rows {
        let positive = is_positive(&row.label, positives);
        let st = labels.entry(row.label.clone()).or_default();
        st.positive = positive;
        st.total += 1;
        match row.verdict {
            Some(Verdict::Phishing) => st.phishing += 1,
            Some(Verdict::Suspicious) => st.suspicious += 1,
            Some(Verdict::Clean) => st.clean += 1,
            None => st.errors += 1,
        }
        for id in &row.findings {
            *findings.entry(id.clone()).or_default().entry(row.label.clone()).or_default() += 1;
        }
        let flagged = matches!(row.verdict, Some(Verdict::Phishing | Verdict::Suspicious));
        if positive && !flagged {
            misses.push(row.clone());
        } else if !positive && flagged {
            false_positives.push(row.clone());
        }
    }
    for st in labels.values_mut() {
        let flagged = st.phishing + st.suspicious;
        let n = st.total - st.errors;
        st.flagged_rate = if n > 0 { flagged as f64 / n as f64 } else { 0.0 };
        st.phishing_rate = if n > 0 { st.phishing as f64 / n as f64 } else { 0.0 };
        st.flagged_ci95 = wilson(flagged, n);
    }
    false_positives.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
    misses.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
    Evaluation {
        labels,
        findings,
        misses,
        false_positives,
        messages_per_second: if elapsed > 0.0 { rows.len() as f64 / elapsed } else { 0.0 },
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Markdown (also fine as plain text).
pub fn markdown(e: &Evaluation, max_rows: usize) -> String {
    use phishlens_core::render::md_escape;
    let mut o = String::from("# phishlens evaluation\n\n## Verdicts by label\n\n");
    o.push_str("| label | kind | messages | phishing | suspicious | clean | errors | flagged | 95% CI |\n");
    o.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for (l, s) in &e.labels {
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {}–{} |\n",
            md_escape(l),
            if s.positive { "detection" } else { "false positives" },
            s.total,
            s.phishing,
            s.suspicious,
            s.clean,
            s.errors,
            pct(s.flagged_rate),
            pct(s.flagged_ci95.0),
            pct(s.flagged_ci95.1)
        ));
    }
    o.push_str(&format!("\n{:.0} messages/s over all workers.\n", e.messages_per_second));
    o.push_str("\n## Findings by label (share of messages it fired on)\n\n");
    let names: Vec<&String> = e.labels.keys().collect();
    o.push_str(&format!(
        "| finding | weight | {} |\n",
        names.iter().map(|n| md_escape(n)).collect::<Vec<_>>().join(" | ")
    ));
    o.push_str(&format!("|---|---|{}\n", "---|".repeat(names.len())));
    let mut ids: Vec<(&String, &BTreeMap<String, usize>)> = e.findings.iter().collect();
    ids.sort_by_key(|(id, _)| (*id).clone());
    for (id, per) in ids {
        let w = phishlens_core::catalog::CATALOG.get(id).map_or(0.0, |d| d.weight);
        let cells: Vec<String> = names
            .iter()
            .map(|n| {
                let c = per.get(*n).copied().unwrap_or(0);
                let t = e.labels.get(*n).map_or(1, |s| s.total.max(1));
                if c == 0 { "·".to_string() } else { format!("{} ({})", pct(c as f64 / t as f64), c) }
            })
            .collect();
        o.push_str(&format!("| {} | {:+.1} | {} |\n", md_escape(id), w, cells.join(" | ")));
    }
    for (title, rows) in [("False positives", &e.false_positives), ("Misses", &e.misses)] {
        o.push_str(&format!("\n## {title} ({})\n\n", rows.len()));
        for r in rows.iter().take(max_rows) {
            let v = r.verdict.map_or("error", |v| v.as_str());
            o.push_str(&format!("- `{}` {} {:.1}: {}\n", r.path, v, r.score, md_escape(&r.findings.join(", "))));
        }
        if rows.len() > max_rows {
            o.push_str(&format!("- … {} more (use --format json for all)\n", rows.len() - max_rows));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_brackets_the_rate() {
        let (lo, hi) = wilson(90, 100);
        assert!(lo > 0.82 && lo < 0.84, "{lo}");
        assert!(hi > 0.94 && hi < 0.95, "{hi}");
        assert_eq!(wilson(0, 0), (0.0, 0.0));
        let (lo, hi) = wilson(0, 50);
        assert!(lo < 1e-9 && hi > 0.05 && hi < 0.08, "{lo} {hi}");
    }

    #[test]
    fn positive_labels() {
        assert!(is_positive("phish", &[]));
        assert!(!is_positive("ham-modern", &[]));
        assert!(is_positive("bad", &["bad".to_string()]));
    }
}
