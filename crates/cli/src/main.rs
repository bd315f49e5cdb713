//! The `phishlens` command: a thin layer over phishlens-core that reads inputs, runs the analysis and writes
//! reports. Exit status: 0 when the analysis ran (whatever the verdict), 1 when `--fail-on` matched, 2 for
//! usage errors or unreadable input.

mod batch;
mod eval;
mod inputs;
mod memory;
mod network;
mod summary;

use batch::{Format, Options};
use clap::{Args, Parser, Subcommand, ValueEnum};
use phishlens_core::brands::BrandKb;
use phishlens_core::config::TrustedRelay;
use phishlens_core::render::{self, Lang};
use phishlens_core::{Config, Verdict};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

// mimalloc: the analysis allocates many small strings per message; glibc malloc took a tenth of its time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` (its place in `mi_option_e`, mimalloc v3's mimalloc.h).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system at once rather than after mimalloc's default second: one 25 MiB message
/// otherwise peaked at 4.5x its size, over the 4x limit (with lazy arena commit, set at build time in
/// .cargo/config.toml, it peaks where glibc's malloc does).
#[allow(unsafe_code)]
fn tune_allocator() {
    // SAFETY: mi_option_set stores a value in mimalloc's option table and takes no pointers; 0 is a valid
    // purge delay (purge at once).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

#[derive(Parser)]
#[command(
    name = "phishlens",
    version,
    about = "Investigate a suspicious email and explain, with evidence, whether it is phishing"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse messages: .eml files, `-` for stdin, directories (recursively; Maildir too) or mbox files.
    Analyze(Box<AnalyzeArgs>),
    /// Analyse bare URLs (from an SMS or a chat); one per line on stdin when none are given.
    Url(UrlArgs),
    /// Measure the verdicts against labelled mail (offline): detection and false-positive rates, findings by
    /// label, misses and false positives.
    Eval(EvalArgs),
    /// Past analyses in the store: filter by verdict, brand, indicator, date.
    History(memory::HistoryArgs),
    /// Re-render a stored analysis (re-analysed with the current rules when its raw message was kept).
    Show(memory::ShowArgs),
    /// Re-run the analysis of stored messages with the current rules.
    Reanalyze(memory::ReanalyzeArgs),
    /// Stored analyses grouped into campaigns by shared infrastructure; `campaigns show ID` for one.
    Campaigns(memory::CampaignsArgs),
    /// Indicators of an analysis or a campaign as CSV or a STIX 2.1 bundle.
    Export(memory::ExportArgs),
}

#[derive(Args)]
struct EvalArgs {
    /// LABEL=DIR (repeatable): every .eml under DIR has that label. Labels starting with "phish" are positive.
    #[arg(long = "label", value_name = "LABEL=DIR")]
    labels: Vec<String>,
    /// A TSV of `path<TAB>label` lines (paths relative to the TSV).
    #[arg(long, value_name = "FILE")]
    tsv: Option<std::path::PathBuf>,
    /// Labels that count as phishing (default: those starting with "phish").
    #[arg(long = "positive", value_name = "LABEL")]
    positives: Vec<String>,
    /// md (default) or json.
    #[arg(long, value_enum, default_value_t = EvalFormat::Md)]
    format: EvalFormat,
    /// Parallel workers (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Misses and false positives listed in Markdown, at most.
    #[arg(long, default_value_t = 50)]
    max_rows: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EvalFormat {
    Md,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Phishing,
    Suspicious,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args)]
struct Common {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Report language (default: from the locale).
    #[arg(long, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// No network at all: skip the live lookups (SPF/DKIM/DMARC now, RDAP, WHOIS, DNS). The offline findings
    /// stay as they are.
    #[arg(long)]
    offline: bool,
    /// Extra brands (TOML, same layout as the built-in data/brands.toml); they extend the built-in list.
    #[arg(long, value_name = "FILE")]
    brands: Option<std::path::PathBuf>,
    /// Exit with status 1 when any result is at least this bad.
    #[arg(long, value_enum, value_name = "VERDICT")]
    fail_on: Option<FailOn>,
    /// Colours in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args)]
struct AnalyzeArgs {
    /// Files, directories, mbox files, or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    #[command(flatten)]
    common: Common,
    /// A relay of your own (CIDR, IP or host name), trusted like the recipient's top hop. Repeatable.
    #[arg(long = "trusted-relay", value_name = "CIDR|HOST", value_parser = TrustedRelay::parse)]
    trusted_relays: Vec<TrustedRelay>,
    /// Parallel workers for batches (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// In a batch with text or md output, print every full report, not only the list and the summary.
    #[arg(long)]
    full: bool,
    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,
    #[command(flatten)]
    network: network::NetworkArgs,
    #[command(flatten)]
    store: memory::StoreArgs,
}

#[derive(Args)]
struct UrlArgs {
    /// URLs to analyse; read one per line from stdin when none are given.
    urls: Vec<String>,
    #[command(flatten)]
    common: Common,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s}: use ja or en"))
}

fn config(common: &Common, trusted_relays: Vec<TrustedRelay>) -> Result<Config, String> {
    let mut cfg = Config { trusted_relays, ..Config::default() };
    if let Some(path) = &common.brands {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let extra = BrandKb::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut kb = phishlens_core::brands::builtin().clone();
        // `merge` also drops the matchers the clone may carry, so that they are rebuilt with the new brands.
        kb.merge(extra);
        cfg.brands = Some(Arc::new(kb));
    }
    Ok(cfg)
}

fn color(common: &Common) -> bool {
    match common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            common.format == Format::Text && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

fn fails(fail_on: Option<FailOn>, worst: Option<Verdict>) -> bool {
    match (fail_on, worst) {
        (Some(FailOn::Phishing), Some(w)) => w >= Verdict::Phishing,
        (Some(FailOn::Suspicious), Some(w)) => w >= Verdict::Suspicious,
        _ => false,
    }
}

fn analyze(args: AnalyzeArgs) -> Result<ExitCode, String> {
    let cfg = config(&args.common, args.trusted_relays.clone())?;
    let units = inputs::expand(&args.paths);
    let batch = units.len() > 1
        || units.iter().any(|u| matches!(u, inputs::Unit::Mbox(_)))
        || args.paths.iter().any(|p| std::path::Path::new(p).is_dir());
    let lang = args.common.lang.unwrap_or_else(Lang::from_env);
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let recorder = memory::Recorder::open(&args.store)?.map(|r| r.with_brands(cfg.brands.clone()));
    let opts = Options {
        recorder,
        format: args.common.format,
        lang,
        color: color(&args.common),
        jobs,
        full: args.full,
        progress: batch && !args.no_progress && args.common.format != Format::Jsonl && std::io::stderr().is_terminal(),
    };
    let _ = ctrlc::set_handler(|| batch::STOP.store(true, std::sync::atomic::Ordering::Relaxed));
    let net = network::Network::from_args(&args.network, args.common.offline)?;
    let result = batch::run(&units, Arc::new(cfg), &opts, batch, net.as_ref());
    if let Some(n) = &net {
        n.finish()?;
    }
    if batch {
        let md = opts.format == Format::Md;
        let text = result.summary.render(lang, md);
        if matches!(opts.format, Format::Text | Format::Md) {
            print!("\n{text}");
        } else {
            eprint!("{text}");
        }
        let _ = std::io::stdout().flush();
    }
    if result.summary.errors > 0 && (!batch || result.summary.total() == 0) {
        return Ok(ExitCode::from(2));
    }
    if fails(args.common.fail_on, result.worst) {
        return Ok(ExitCode::from(1));
    }
    if result.summary.errors > 0 {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn url(args: UrlArgs) -> Result<ExitCode, String> {
    let cfg = config(&args.common, Vec::new())?;
    let lang = args.common.lang.unwrap_or_else(Lang::from_env);
    let color = color(&args.common);
    let mut urls = args.urls.clone();
    if urls.is_empty() {
        for line in std::io::stdin().lock().lines().take(100_000) {
            let line = line.map_err(|e| format!("stdin: {e}"))?;
            let line = line.trim();
            if !line.is_empty() {
                urls.push(line.to_string());
            }
        }
    }
    if urls.is_empty() {
        return Err("no URL given".to_string());
    }
    let mut worst = None;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let many = urls.len() > 1;
    if args.common.format == Format::Json && many {
        let _ = writeln!(out, "[");
    }
    for (i, u) in urls.iter().enumerate() {
        let r = phishlens_core::analyze_url(u, &cfg);
        worst = worst.max(Some(r.verdict));
        let text = match args.common.format {
            Format::Text => render::url_text(&r, lang, color),
            Format::Md => render::url_markdown(&r, lang),
            Format::Json => serde_json::to_string_pretty(&render::json::url_report(&r, lang)).unwrap_or_default(),
            Format::Jsonl => serde_json::to_string(&render::json::url_report(&r, lang)).unwrap_or_default(),
        };
        if args.common.format == Format::Json && many && i > 0 {
            let _ = writeln!(out, ",");
        }
        let _ = writeln!(out, "{text}");
    }
    if args.common.format == Format::Json && many {
        let _ = writeln!(out, "]");
    }
    let _ = out.flush();
    Ok(if fails(args.common.fail_on, worst) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn eval(args: EvalArgs) -> Result<ExitCode, String> {
    let items = eval::gather(&args.labels, args.tsv.as_deref())?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let _ = ctrlc::set_handler(|| batch::STOP.store(true, std::sync::atomic::Ordering::Relaxed));
    let e = eval::run(&items, &Config::default(), jobs, &args.positives);
    match args.format {
        EvalFormat::Md => print!("{}", eval::markdown(&e, args.max_rows)),
        EvalFormat::Json => println!("{}", serde_json::to_string_pretty(&e).map_err(|e| e.to_string())?),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(a) => analyze(*a),
        Command::Url(u) => url(u),
        Command::Eval(e) => eval(e),
        Command::History(a) => memory::history(a),
        Command::Show(a) => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            memory::show(a, &Config::default(), color)
        }
        Command::Reanalyze(a) => memory::reanalyze(a, &Config::default()),
        Command::Campaigns(a) => memory::campaigns(a),
        Command::Export(a) => memory::export(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("phishlens: {e}");
            ExitCode::from(2)
        }
    }
}
