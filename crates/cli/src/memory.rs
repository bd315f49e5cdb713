//! The memory subcommands: saving each analysis (`analyze` with `--db`, `--no-store`, `--no-raw`), and
//! `history`, `show`, `reanalyze`, `campaigns` and `export` over the stored analyses. A thin layer over
//! phishlens-store: the store decides what is linked and how strongly; this module parses arguments and
//! prints.

use clap::{Args, Subcommand, ValueEnum};
use phishlens_core::finding::{Evidence, EvidenceKind, Finding};
use phishlens_core::model::{SeenBefore, SharedIndicator};
use phishlens_core::render::{self, Lang};
use phishlens_core::{Config, Report};
use phishlens_store::campaigns::{self, Campaign, CampaignOptions};
use phishlens_store::export::{self, ExportSet};
use phishlens_store::{AnalysisRow, GroupStatus, HistoryFilter, Prepared, RecordOptions, SqliteStore, Store};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Store options of `analyze` (flatten into its arguments).
#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// The analysis database (default: $PHISHLENS_DB, else phishlens/phishlens.db in the user data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Neither save this analysis nor compare it with earlier ones.
    #[arg(long)]
    pub no_store: bool,
    /// Save facts, findings and indicators but not the raw message (it cannot be re-analysed later).
    #[arg(long)]
    pub no_raw: bool,
}

/// `--db` for the subcommands that read the store.
#[derive(Args, Debug, Clone, Default)]
pub struct DbArg {
    /// The analysis database (default: $PHISHLENS_DB, else phishlens/phishlens.db in the user data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Md,
    Json,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s}: use ja or en"))
}

/// `YYYY-MM-DD` (UTC midnight) or unix seconds.
fn parse_date(s: &str) -> Result<i64, String> {
    if let Ok(n) = s.trim().parse::<i64>() {
        return Ok(n);
    }
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp())
        .ok_or_else(|| format!("not a date (YYYY-MM-DD): {s}"))
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Only this verdict (phishing, suspicious, clean).
    #[arg(long)]
    pub verdict: Option<String>,
    /// Only mail claiming this brand id (e.g. amazon, kagoya).
    #[arg(long)]
    pub brand: Option<String>,
    /// Only analyses with this indicator (IP, domain, host, URL, address, hash; defanged forms accepted).
    #[arg(long)]
    pub indicator: Option<String>,
    /// Received (else analysed) on or after this date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub since: Option<i64>,
    /// Received (else analysed) before this date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub until: Option<i64>,
    /// Include analyses replaced by a later re-analysis of the same message.
    #[arg(long)]
    pub all: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Analysis id (from `history`).
    pub id: i64,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// For an analysis stored by an older phishlens without its whole report: print what was stored instead of
    /// re-analysing its raw message. (Newer analyses are always shown as reported; `reanalyze` runs the
    /// current rules.)
    #[arg(long)]
    pub stored: bool,
}

#[derive(Args, Debug)]
pub struct ReanalyzeArgs {
    /// Analysis ids to re-run; none means every current analysis whose raw message was kept.
    pub ids: Vec<i64>,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// Options are global so that `campaigns show C1 --format md` works as well as `campaigns --format md show C1`.
#[derive(Args, Debug)]
pub struct CampaignsArgs {
    #[command(subcommand)]
    pub command: Option<CampaignsCommand>,
    /// The analysis database (default: $PHISHLENS_DB, else phishlens/phishlens.db in the user data directory).
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
    /// Minimum link strength between two analyses (4 = an exact origin IP, link host, URL or HTML layout).
    #[arg(long, default_value_t = 4.0, global = true)]
    pub min_strength: f64,
    #[arg(long, value_enum, default_value_t = ListFormat::Text, global = true)]
    pub format: ListFormat,
    #[arg(long, value_parser = parse_lang, global = true)]
    pub lang: Option<Lang>,
}

#[derive(Subcommand, Debug)]
pub enum CampaignsCommand {
    /// One campaign: its members and how they are linked.
    Show {
        /// Campaign id (C12 or 12).
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Stix,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Analysis id; or use --campaign.
    #[arg(required_unless_present = "campaign", conflicts_with = "campaign")]
    pub id: Option<i64>,
    /// Export a campaign (C12) instead of one analysis.
    #[arg(long, value_name = "ID")]
    pub campaign: Option<String>,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long = "as", value_enum, default_value_t = ExportFormat::Csv)]
    pub as_: ExportFormat,
    /// Defang values in CSV (hxxps://x[.]cn) and neutralise spreadsheet formulas: for people, not machines.
    #[arg(long)]
    pub defang: bool,
    /// Campaign link strength, as for `campaigns`.
    #[arg(long, default_value_t = 4.0)]
    pub min_strength: f64,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn open(db: &DbArg) -> Result<SqliteStore, String> {
    let path = phishlens_store::resolve_db_path(db.db.as_deref()).map_err(|e| e.to_string())?;
    if !path.exists() {
        return Err(format!("{}: no database yet (run `phishlens analyze` first)", path.display()));
    }
    SqliteStore::open(&path).map_err(|e| e.to_string())
}

/// Saves analyses during `analyze`. A batch's workers `prepare` (hash, indicators) and its one store thread
/// `record_prepared`s into group transactions; the batch writer holds each output back in a [`CommitGate`]
/// until its group is committed, so that nothing printed is missing from the store after a crash or Ctrl-C.
#[derive(Clone)]
pub struct Recorder {
    store: Arc<dyn Store>,
    keep_raw: bool,
    /// `--brands`, so that correlation knows the same genuine domains as the analysis.
    brands: Option<Arc<phishlens_core::brands::BrandKb>>,
}

impl Recorder {
    /// None with `--no-store`. An explicit `--db`/PHISHLENS_DB that cannot be opened is an error; the default
    /// location failing (read-only home, ...) is a warning and the analysis goes on unsaved.
    /// `PHISHLENS_NO_STORE=1` acts like `--no-store` (for test suites and scripts that never want a store).
    pub fn open(args: &StoreArgs) -> Result<Option<Recorder>, String> {
        let env_off = std::env::var_os("PHISHLENS_NO_STORE").is_some_and(|v| !v.is_empty() && v != "0");
        if args.no_store || (env_off && args.db.is_none()) {
            return Ok(None);
        }
        let explicit = args.db.is_some() || std::env::var_os("PHISHLENS_DB").is_some_and(|v| !v.is_empty());
        let opened = phishlens_store::resolve_db_path(args.db.as_deref()).and_then(|p| SqliteStore::open(&p));
        match opened {
            Ok(s) => Ok(Some(Recorder { store: Arc::new(s), keep_raw: !args.no_raw, brands: None })),
            Err(e) if explicit => Err(e.to_string()),
            Err(e) => {
                eprintln!("phishlens: {e}; this analysis is not saved (use --no-store to silence this)");
                Ok(None)
            }
        }
    }

    /// Correlate with the brands the analysis used (`--brands`).
    pub fn with_brands(mut self, brands: Option<Arc<phishlens_core::brands::BrandKb>>) -> Recorder {
        self.brands = brands;
        self
    }

    /// The part of recording that needs no store (hashing, indicators): done by a batch's workers in parallel.
    /// `layouts`: the layout fingerprints of the HTML bodies, taken during the analysis.
    pub fn prepare(&self, raw: &[u8], report: &Report, layouts: &[String]) -> Prepared {
        phishlens_store::prepare_with_layouts(raw, report, &self.options(None), layouts)
    }

    /// Compare with earlier analyses (fills `report.seen_before`, adds memory findings) and save into the open
    /// group; on the batch's one store thread. Returns the group: the analysis is stored once the
    /// [`CommitGate`] releases it. On error nothing was saved and the report is as analysed.
    pub fn record_prepared(
        &self,
        raw: &[u8],
        prepared: &Prepared,
        report: &mut Report,
        source: &str,
    ) -> Result<u64, String> {
        let opts = self.options(Some(source));
        self.store.record_prepared(raw, prepared, report, &opts).map(|d| d.group).map_err(|e| e.to_string())
    }

    fn options(&self, source: Option<&str>) -> RecordOptions {
        RecordOptions {
            keep_raw: self.keep_raw,
            source: source.map(str::to_string),
            now: None,
            correlate: true,
            brands: self.brands.clone(),
        }
    }
}

/// Holds batch outputs back until the group transaction holding their analysis is committed: an output line
/// means "stored". Outputs without a group (not stored, or no store) pass straight through. Order of arrival
/// is kept.
pub struct CommitGate<T> {
    recorder: Option<Recorder>,
    held: std::collections::VecDeque<(Option<u64>, T)>,
}

impl<T> CommitGate<T> {
    pub fn new(recorder: Option<Recorder>) -> Self {
        CommitGate { recorder, held: std::collections::VecDeque::new() }
    }

    /// How long the writer may wait for the next output before committing the open group itself.
    pub fn idle_wait(&self) -> std::time::Duration {
        if self.held.is_empty() { std::time::Duration::from_secs(3600) } else { phishlens_store::GROUP_MAX_AGE }
    }

    pub fn push(&mut self, group: Option<u64>, item: T) {
        self.held.push_back((group, item));
    }

    /// Nothing came for a while: commit what is due, so held outputs do not wait for the next message.
    pub fn idle(&mut self) {
        if let Some(r) = &self.recorder
            && let Err(e) = r.store.commit_due()
        {
            eprintln!("phishlens: store: {e}");
        }
    }

    /// The outputs that may be written now, in order (stops at the first one still waiting).
    pub fn ready(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        while let Some((group, _)) = self.held.front() {
            let ok = match (group, &self.recorder) {
                (Some(g), Some(r)) => match r.store.group_status(*g) {
                    GroupStatus::Open => false,
                    GroupStatus::Committed => true,
                    GroupStatus::Failed(e) => {
                        eprintln!("phishlens: store: a group of analyses was not saved: {e}");
                        true
                    }
                },
                _ => true,
            };
            if !ok {
                break;
            }
            if let Some((_, item)) = self.held.pop_front() {
                out.push(item);
            }
        }
        out
    }

    /// End of the batch (or Ctrl-C): commit the open group and release everything.
    pub fn finish(&mut self) -> Vec<T> {
        if let Some(r) = &self.recorder
            && let Err(e) = r.store.commit()
        {
            eprintln!("phishlens: store: the last analyses were not saved: {e}");
        }
        let mut out = self.ready();
        // Whatever is still held belongs to a group that could not be settled: written anyway (the analysis is
        // done), but not stored.
        out.extend(self.held.drain(..).map(|(_, t)| t));
        out
    }
}

// ---- wording ----

fn t(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    if lang == Lang::Ja { ja } else { en }
}

fn verdict_word(lang: Lang, v: &str) -> String {
    render::i18n::t(lang, &format!("verdict_word.{v}")).to_string()
}

fn day(ts: i64) -> String {
    phishlens_store::correlate::day(ts)
}

fn one_line(s: &str, max: usize) -> String {
    let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    phishlens_core::finding::bounded(&s, max)
}

// ---- history ----

pub fn history(args: HistoryArgs) -> Result<ExitCode, String> {
    let store = open(&args.db)?;
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let filter = HistoryFilter {
        verdict: args.verdict,
        brand: args.brand,
        indicator: args.indicator,
        since: args.since,
        until: args.until,
        include_superseded: args.all,
        limit: Some(args.limit),
    };
    let rows = store.history(&filter).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
        }
        ListFormat::Md => {
            let _ = writeln!(
                out,
                "| # | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|",
                t(lang, "received", "受信日"),
                t(lang, "verdict", "判定"),
                t(lang, "score", "スコア"),
                t(lang, "brands", "ブランド"),
                t(lang, "subject", "件名")
            );
            for r in &rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {:.1} | {} | {} |",
                    r.id,
                    day(r.when()),
                    verdict_word(lang, &r.verdict),
                    r.score,
                    render::md_escape(&r.brands.join(", ")),
                    render::md_escape(&one_line(r.subject.as_deref().unwrap_or("-"), 80))
                );
            }
        }
        ListFormat::Text => {
            if rows.is_empty() {
                let _ = writeln!(out, "{}", t(lang, "No stored analyses match.", "該当する分析はありません。"));
            }
            for r in &rows {
                let line = format!(
                    "#{:<5} {}  {:<10} {:>5.1}  {:<12} {}{}",
                    r.id,
                    day(r.when()),
                    verdict_word(lang, &r.verdict),
                    r.score,
                    one_line(&r.brands.join(","), 12),
                    one_line(r.subject.as_deref().unwrap_or("-"), 80),
                    if r.superseded { t(lang, "  (replaced)", "  (再分析済み)") } else { "" }
                );
                let _ = writeln!(out, "{}", render::clean(&line));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---- show ----

/// The stored `seen_before` entries (the stored JSON is the serialised `SeenBefore`).
fn stored_seen_before(doc: &Value) -> Vec<SeenBefore> {
    let Some(a) = doc.get("seen_before").and_then(Value::as_array) else { return Vec::new() };
    a.iter()
        .take(50)
        .map(|s| SeenBefore {
            analysis_id: s["analysis_id"].as_i64().unwrap_or(0),
            analysed_at: s["analysed_at"].as_i64().unwrap_or(0),
            received_at: s["received_at"].as_i64(),
            subject: s["subject"].as_str().map(str::to_string),
            verdict: s["verdict"].as_str().unwrap_or("").to_string(),
            shared: s["shared"]
                .as_array()
                .into_iter()
                .flatten()
                .take(50)
                .map(|x| SharedIndicator {
                    kind: x["kind"].as_str().unwrap_or("").to_string(),
                    value: x["value"].as_str().unwrap_or("").to_string(),
                })
                .collect(),
            strength: s["strength"].as_f64().unwrap_or(0.0),
        })
        .collect()
}

fn evidence_kind(s: &str) -> EvidenceKind {
    match s {
        "header" => EvidenceKind::Header,
        "hop" => EvidenceKind::Hop,
        "body" => EvidenceKind::Body,
        "url" => EvidenceKind::Url,
        "attachment" => EvidenceKind::Attachment,
        _ => EvidenceKind::Parse,
    }
}

/// The stored `memory.*` findings: what the store said when the message was analysed.
fn stored_memory_findings(doc: &Value) -> Vec<Finding> {
    let Some(a) = doc.get("findings").and_then(Value::as_array) else { return Vec::new() };
    a.iter()
        .filter(|f| f["id"].as_str().is_some_and(|id| id.starts_with("memory.")))
        .filter(|f| f["id"].as_str().is_some_and(|id| phishlens_core::catalog::CATALOG.get(id).is_some()))
        .map(|f| {
            let mut out = Finding::new(f["id"].as_str().unwrap_or(""));
            if let Some(p) = f["params"].as_object() {
                for (k, v) in p {
                    out = out.param(k, v.as_str().unwrap_or(""));
                }
            }
            for e in f["evidence"].as_array().into_iter().flatten().take(8) {
                out = out.evidence(Evidence::new(
                    evidence_kind(e["kind"].as_str().unwrap_or("")),
                    e["location"].as_str().unwrap_or(""),
                    e["excerpt"].as_str().unwrap_or(""),
                ));
            }
            out
        })
        .collect()
}

/// A short text/Markdown rendering of a stored JSON report (when the raw message was not kept).
fn stored_summary(row: &AnalysisRow, doc: &Value, lang: Lang, md: bool) -> String {
    let mut s = String::new();
    let h = if md { "## " } else { "" };
    s.push_str(&format!(
        "{h}#{} {} — {} ({:.1})\n",
        row.id,
        one_line(row.subject.as_deref().unwrap_or("-"), 120),
        verdict_word(lang, &row.verdict),
        row.score
    ));
    s.push_str(&format!(
        "{}: {}\n\n",
        t(lang, "Stored report (the raw message was not kept)", "保存済みのレポート(元のメールは保存されていません)"),
        day(row.analysed_at)
    ));
    for f in doc["findings"].as_array().into_iter().flatten().take(50) {
        let id = f["id"].as_str().unwrap_or("");
        let params: std::collections::BTreeMap<String, String> = f["params"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default();
        let title = phishlens_core::catalog::CATALOG
            .get(id)
            .map(|d| phishlens_core::catalog::interpolate(lang.pick(&d.title), &params))
            .unwrap_or_else(|| f["title"].as_str().unwrap_or(id).to_string());
        let title = if md { render::md_escape(&title) } else { render::clean(&title) };
        s.push_str(&format!("- {title}\n"));
    }
    s
}

/// Print a stored analysis exactly as it was reported then (same renderers, same format and language options
/// as `analyze`; JSON gains `analysis_id`). `reanalyze` is the way to run the current rules. Analyses stored
/// by an older phishlens without their whole report: re-analysed from the raw message with the stored "seen
/// before" and memory findings (or, without it or with `--stored`, a summary of what was stored), and said so.
pub fn show(args: ShowArgs, cfg: &Config, color: bool) -> Result<ExitCode, String> {
    let store = open(&args.db)?;
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let stored =
        store.analysis(args.id).map_err(|e| e.to_string())?.ok_or_else(|| format!("no analysis #{}", args.id))?;
    let mut out = std::io::stdout().lock();
    if let Some(report) = stored.full_report() {
        let _ = writeln!(out, "{}", render_report(&report, args.id, args.format, lang, color));
        return Ok(ExitCode::SUCCESS);
    }
    let raw = if args.stored { None } else { store.raw_message(args.id).map_err(|e| e.to_string())? };
    let Some(raw) = raw else {
        eprintln!(
            "phishlens: #{} was stored by an older phishlens without its whole report: showing what was stored",
            args.id
        );
        let text = match args.format {
            ListFormat::Json => serde_json::to_string_pretty(&stored.report).unwrap_or_default(),
            ListFormat::Md => stored_summary(&stored.row, &stored.report, lang, true),
            ListFormat::Text => stored_summary(&stored.row, &stored.report, lang, false),
        };
        let _ = writeln!(out, "{text}");
        return Ok(ExitCode::SUCCESS);
    };
    eprintln!(
        "phishlens: #{} was stored by an older phishlens without its whole report: re-analysed from the stored \
         message with the current rules (its stored \"seen before\" and memory findings kept)",
        args.id
    );
    let mut report = phishlens_core::analyze(&raw, cfg);
    report.seen_before = stored_seen_before(&stored.report);
    // Capped as when they were recorded (memory alone never makes a mail "phishing").
    // The cap they were recorded with is what they weighed then (their stored weights).
    let stored_cap: f64 = stored.report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["id"].as_str().is_some_and(|id| id.starts_with("memory.")))
        .filter_map(|f| f["weight"].as_f64())
        .sum();
    phishlens_store::correlate::add_memory_findings(&mut report, stored_memory_findings(&stored.report), stored_cap);
    if report.verdict.as_str() != stored.row.verdict {
        eprintln!(
            "phishlens: #{} re-analysed with the current rules: {} (stored: {})",
            args.id,
            report.verdict.as_str(),
            stored.row.verdict
        );
    }
    let _ = writeln!(out, "{}", render_report(&report, args.id, args.format, lang, color));
    Ok(ExitCode::SUCCESS)
}

/// One report as `analyze` prints a single message (JSON: pretty, no `source`), JSON with `analysis_id` added.
fn render_report(report: &Report, id: i64, format: ListFormat, lang: Lang, color: bool) -> String {
    match format {
        ListFormat::Text => render::text(report, lang, color),
        ListFormat::Md => render::markdown(report, lang),
        ListFormat::Json => {
            let mut v = render::json::report(report, lang, None);
            if let Some(o) = v.as_object_mut() {
                o.insert("analysis_id".into(), Value::from(id));
            }
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
    }
}

// ---- reanalyze ----

/// Re-run stored raw messages through the current rules. Each becomes a new analysis of the same message
/// (the old one is kept, marked replaced), correlated again.
pub fn reanalyze(args: ReanalyzeArgs, cfg: &Config) -> Result<ExitCode, String> {
    let store = open(&args.db)?;
    let targets: Vec<AnalysisRow> = if args.ids.is_empty() {
        store.history(&HistoryFilter::default()).map_err(|e| e.to_string())?.into_iter().filter(|r| r.has_raw).collect()
    } else {
        let mut v = Vec::new();
        for id in &args.ids {
            let a = store.analysis(*id).map_err(|e| e.to_string())?.ok_or_else(|| format!("no analysis #{id}"))?;
            v.push(a.row);
        }
        v
    };
    let mut out = std::io::stdout().lock();
    let mut results = Vec::new();
    let mut missing = 0;
    // Oldest first, so that each one is compared with what came before it.
    let mut targets = targets;
    targets.sort_by_key(|r| r.id);
    for row in targets {
        let Some(raw) = store.raw_message(row.id).map_err(|e| e.to_string())? else {
            missing += 1;
            eprintln!("phishlens: #{}: the raw message was not kept (--no-raw); cannot re-analyse", row.id);
            continue;
        };
        let mut report = phishlens_core::analyze(&raw, cfg);
        let opts = RecordOptions {
            keep_raw: true,
            source: row.source.clone(),
            now: None,
            correlate: true,
            brands: cfg.brands.clone(),
        };
        let rec = store.record(&raw, &mut report, &opts).map_err(|e| e.to_string())?;
        let changed = report.verdict.as_str() != row.verdict;
        if args.format != ListFormat::Json {
            let line = format!(
                "#{} -> #{}  {} -> {} ({:.1} -> {:.1}){}  {}",
                row.id,
                rec.analysis_id,
                row.verdict,
                report.verdict.as_str(),
                row.score,
                report.score,
                if changed { " *" } else { "" },
                one_line(row.subject.as_deref().unwrap_or("-"), 60)
            );
            let _ = writeln!(out, "{}", render::clean(&line));
        }
        results.push(serde_json::json!({
            "old_id": row.id, "new_id": rec.analysis_id,
            "old_verdict": row.verdict, "new_verdict": report.verdict,
            "old_score": row.score, "new_score": report.score,
        }));
    }
    if args.format == ListFormat::Json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&results).unwrap_or_default());
    }
    Ok(if missing > 0 && results.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

// ---- campaigns ----

fn campaign_text(c: &Campaign, lang: Lang, md: bool, detail: bool) -> String {
    let esc = |s: &str| if md { render::md_escape(s) } else { render::clean(s) };
    let mut s = String::new();
    let verdicts: Vec<String> = c.verdicts.iter().map(|(v, n)| format!("{} {n}", verdict_word(lang, v))).collect();
    if md {
        s.push_str(&format!("## {} ({} {})\n\n", c.id, c.size, t(lang, "analyses", "件")));
    } else {
        s.push_str(&format!("{}  {} {}  ", c.id, c.size, t(lang, "analyses", "件")));
    }
    let span = format!("{} – {}", day(c.first_seen), day(c.last_seen));
    let bullet = if md { "- " } else { "  " };
    if !md {
        s.push_str(&format!("{span}  {}\n", verdicts.join(", ")));
    } else {
        s.push_str(&format!("{bullet}{}: {span}\n", t(lang, "Period", "期間")));
        s.push_str(&format!("{bullet}{}: {}\n", t(lang, "Verdicts", "判定"), verdicts.join(", ")));
    }
    let list = |v: &[String]| {
        if v.is_empty() { "-".to_string() } else { esc(&v.iter().take(10).cloned().collect::<Vec<_>>().join(", ")) }
    };
    s.push_str(&format!("{bullet}{}: {}\n", t(lang, "Brands", "ブランド"), list(&c.brands)));
    s.push_str(&format!("{bullet}{}: {}\n", t(lang, "Origin IPs", "送信元 IP"), list(&c.origin_ips)));
    s.push_str(&format!(
        "{bullet}{}: {}\n",
        t(lang, "Origin networks", "送信元ネットワーク"),
        list(&c.origin_networks)
    ));
    s.push_str(&format!("{bullet}{}: {}\n", t(lang, "Link domains", "リンク先ドメイン"), list(&c.link_domains)));
    let shared: Vec<String> = c.shared_by_all.iter().map(|v| format!("{} {}", v.kind, v.value)).collect();
    s.push_str(&format!("{bullet}{}: {}\n", t(lang, "Shared by all", "全件に共通"), list(&shared)));
    if detail {
        s.push_str(&format!("\n{}{}\n", if md { "### " } else { "" }, t(lang, "Members", "含まれる分析")));
        for m in &c.members {
            s.push_str(&format!(
                "{bullet}#{} {} {} {}\n",
                m.id,
                day(m.when()),
                verdict_word(lang, &m.verdict),
                esc(&one_line(m.subject.as_deref().unwrap_or("-"), 80))
            ));
        }
        s.push_str(&format!("\n{}{}\n", if md { "### " } else { "" }, t(lang, "Links", "つながり")));
        for l in &c.links {
            s.push_str(&format!("{bullet}#{} – #{} ({:.1}): {}\n", l.a, l.b, l.strength, esc(&l.shared.join(", "))));
        }
    }
    s
}

fn find_campaign(all: Vec<Campaign>, id: &str) -> Result<Campaign, String> {
    let id = campaigns::normalise_id(id);
    all.into_iter().find(|c| c.id == id).ok_or_else(|| format!("no campaign {id} (see `phishlens campaigns`)"))
}

pub fn campaigns(args: CampaignsArgs) -> Result<ExitCode, String> {
    let store = open(&DbArg { db: args.db.clone() })?;
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let opts = CampaignOptions { min_strength: args.min_strength, ..Default::default() };
    let all = campaigns::campaigns(&store, &opts).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    match args.command {
        Some(CampaignsCommand::Show { id }) => {
            let c = find_campaign(all, &id)?;
            let text = match args.format {
                ListFormat::Json => serde_json::to_string_pretty(&c).unwrap_or_default(),
                ListFormat::Md => campaign_text(&c, lang, true, true),
                ListFormat::Text => campaign_text(&c, lang, false, true),
            };
            let _ = writeln!(out, "{text}");
        }
        None => match args.format {
            ListFormat::Json => {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            }
            f => {
                if all.is_empty() {
                    let _ = writeln!(
                        out,
                        "{}",
                        t(
                            lang,
                            "No campaigns: no stored analyses are linked strongly enough.",
                            "キャンペーンはありません(十分に強く結びつく分析がありません)。"
                        )
                    );
                }
                for c in &all {
                    let _ = writeln!(out, "{}", campaign_text(c, lang, f == ListFormat::Md, false));
                }
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

// ---- export ----

pub fn export(args: ExportArgs) -> Result<ExitCode, String> {
    let store = open(&args.db)?;
    let set = match (&args.campaign, args.id) {
        (Some(cid), _) => {
            let opts = CampaignOptions { min_strength: args.min_strength, ..Default::default() };
            let c = find_campaign(campaigns::campaigns(&store, &opts).map_err(|e| e.to_string())?, cid)?;
            let ids: Vec<i64> = c.members.iter().map(|m| m.id).collect();
            ExportSet {
                indicators: store.indicators_of(&ids).map_err(|e| e.to_string())?,
                analyses: c.members,
                campaign: Some(export::CampaignInfo { id: c.id, brands: c.brands }),
            }
        }
        (None, Some(id)) => {
            let a = store.analysis(id).map_err(|e| e.to_string())?.ok_or_else(|| format!("no analysis #{id}"))?;
            ExportSet { analyses: vec![a.row], indicators: a.indicators, campaign: None }
        }
        (None, None) => return Err("give an analysis id or --campaign ID".to_string()),
    };
    let text = match args.as_ {
        ExportFormat::Csv => export::csv(&set, args.defang),
        ExportFormat::Stix => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
            serde_json::to_string_pretty(&export::stix(&set, now)).unwrap_or_default() + "\n"
        }
    };
    match &args.output {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?,
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse() {
        assert_eq!(parse_date("2022-11-01").unwrap(), 1_667_260_800);
        assert_eq!(parse_date("1667260800").unwrap(), 1_667_260_800);
        assert!(parse_date("yesterday").is_err());
    }

    #[test]
    fn stored_memory_part_round_trips() {
        let doc = serde_json::json!({
            "seen_before": [{ "analysis_id": 1, "analysed_at": 10, "received_at": null, "subject": "Active! mail",
                              "verdict": "phishing", "shared": [{ "kind": "origin_ip", "value": "121.50.46.57" }],
                              "strength": 8.0 }],
            "findings": [
                { "id": "memory.same_origin_ip", "params": { "value": "121.50.46.57" },
                  "evidence": [{ "kind": "hop", "location": "analysis #1", "excerpt": "x" }] },
                { "id": "links.something", "params": {} }
            ]
        });
        let sb = stored_seen_before(&doc);
        assert_eq!(sb.len(), 1);
        assert_eq!(sb[0].shared[0].value, "121.50.46.57");
        let f = stored_memory_findings(&doc);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence[0].kind, EvidenceKind::Hop);
    }
}
