//! Throughput of the offline analysis on one core, next to mail-parser's parse + body decode of the same
//! messages in the same run (so the ratio holds on a noisy machine).
//!
//! Messages: the phishing folder of ../shared/corpus when present (never copied into the repo), else the
//! bundled fixtures. `PHISHLENS_BENCH_LIMIT` caps how many are loaded (default 500).
//!
//!     cargo bench -p phishlens-core --bench analyze
//!
//! The figure that holds on a noisy (shared, 2-core) machine is the ratio of the two throughputs; run it a few
//! times. For a figure that does not move with the machine's load, count instructions instead: with
//! `PHISHLENS_BENCH_COUNT=1` the binary runs each side once over the same messages (after one warm-up message,
//! so one-time table building is left out), in two functions callgrind can be told to count:
//!
//!     cargo bench -p phishlens-core --bench analyze --no-run    # prints the binary's path
//!     PHISHLENS_BENCH_COUNT=1 valgrind --tool=callgrind --toggle-collect='analyze::count_*' target/release/deps/analyze-HASH
//!     callgrind_annotate --inclusive=yes callgrind.out.PID | grep count_
//!
//! Instructions are not time (SIMD and cache behaviour differ), so this is for comparing two builds.
//! Peak memory of a single large message is measured separately, on generated files (never committed):
//! see `big_message.py` next to this file for the generator and the `/usr/bin/time` command.

use criterion::{Criterion, Throughput, criterion_group};

// The allocator the phishlens binary ships with, for both sides of the comparison.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::hint::black_box;
use std::path::Path;

fn load() -> Vec<Vec<u8>> {
    let limit: usize = std::env::var("PHISHLENS_BENCH_LIMIT").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = root.join("../shared/corpus/phish");
    let dir = if corpus.is_dir() { corpus } else { root.join("tests/fixtures") };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "eml")).collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths.truncate(limit);
    eprintln!("bench: {} messages from {}", paths.len(), dir.display());
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// The baseline: what mail-parser alone costs to parse a message and decode its bodies and attachments.
fn parse_and_decode(raw: &[u8]) -> usize {
    let Some(msg) = mail_parser::MessageParser::default().parse(raw) else { return 0 };
    let mut n = 0;
    for i in 0..msg.text_body_count() {
        n += msg.body_text(i).map_or(0, |t| t.len());
    }
    for i in 0..msg.html_body_count() {
        n += msg.body_html(i).map_or(0, |t| t.len());
    }
    for a in msg.attachments() {
        n += a.contents().len();
    }
    n
}

fn bench(c: &mut Criterion) {
    let msgs = load();
    let bytes: u64 = msgs.iter().map(|m| m.len() as u64).sum();
    let cfg = phishlens_core::Config::default();
    let mut g = c.benchmark_group("corpus");
    g.sample_size(10);
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function("mail_parser_parse_decode", |b| {
        b.iter(|| msgs.iter().map(|m| parse_and_decode(black_box(m))).sum::<usize>())
    });
    g.bench_function("phishlens_analyze", |b| {
        b.iter(|| msgs.iter().map(|m| phishlens_core::analyze(black_box(m), &cfg).score as i64).sum::<i64>())
    });
    g.finish();
    eprintln!("bench: {} bytes in {} messages (mean {} bytes)", bytes, msgs.len(), bytes / msgs.len().max(1) as u64);
}

/// One pass of the baseline over all messages (a separate function so that callgrind can count it alone).
#[inline(never)]
fn count_baseline(msgs: &[Vec<u8>]) -> usize {
    msgs.iter().map(|m| parse_and_decode(black_box(m))).sum()
}

/// One pass of the whole analysis over all messages.
#[inline(never)]
fn count_analysis(msgs: &[Vec<u8>], cfg: &phishlens_core::Config) -> i64 {
    msgs.iter().map(|m| phishlens_core::analyze(black_box(m), cfg).score as i64).sum()
}

fn count_once() {
    let msgs = load();
    let cfg = phishlens_core::Config::default();
    if let Some(first) = msgs.first() {
        black_box(phishlens_core::analyze(first, &cfg));
        black_box(parse_and_decode(first));
    }
    // `PHISHLENS_BENCH_ONLY=analysis` (or `baseline`) runs one side alone, e.g. under `perf record`.
    let only = std::env::var("PHISHLENS_BENCH_ONLY").unwrap_or_default();
    let t = std::time::Instant::now();
    let n = if only == "analysis" { 0 } else { count_baseline(&msgs) };
    let baseline = t.elapsed();
    let t = std::time::Instant::now();
    let score = if only == "baseline" { 0 } else { count_analysis(&msgs, &cfg) };
    let analysis = t.elapsed();
    eprintln!(
        "bench: one pass each: baseline {baseline:?} ({n} bytes decoded), analysis {analysis:?} (score sum {score})"
    );
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("PHISHLENS_BENCH_COUNT").is_some() {
        count_once();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
