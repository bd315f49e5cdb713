//! What the store adds to an analysis: `analyze` alone against `analyze_with_html` + `prepare_with_layouts` +
//! `record_prepared` (hash, extract indicators, correlate and save into group transactions, as a batch does;
//! raw message kept) into a file database that grows as the
//! bench runs. The store's cost must stay under 20% of the analysis (not met yet). Whole-command figures are in
//! the README (memory section); on 2026-11-23, min of 6 interleaved runs, fresh database each run, 1,991
//! phishing mails, 2-core shared machine:
//!
//!     rm -f /tmp/b.db*; /usr/bin/time -f "%e s wall %U+%S cpu" ./target/release/phishlens analyze --offline \
//!         [--jobs 1] [--no-store | --db /tmp/b.db] --format jsonl ../shared/corpus/phish > /dev/null
//!
//! default `--jobs` (2): 0.43 s wall / 0.81 s CPU with `--no-store`, 0.67 s / 1.16 s with a store (+56% wall,
//! ~180 µs of CPU per message); `--jobs 1`: 0.69 s against 0.75 s wall (+9%), the store thread using the second
//! core.
//!
//! History (CPU with a store, `--jobs 1`): 3.3 s with a transaction per message; 2.2 s with group commit;
//! 1.71 s after 16 KiB pages, the query planner stability guarantee, no savepoint per analysis, direct
//! serialisation of the stored report and a memchr-based layout scan; 1.83 s once the whole report was stored
//! (so that `show` prints it as reported); 1.62-1.87 s with raw messages and reports in the blob file; then the
//! store thread (wall, not CPU); 1.39-1.50 s with the layout taken from the HTML the analysis decoded; 1.16 s
//! with schema 5 (indicators packed into their analysis, a `links` table that answers lookups alone, a lookup
//! memo), gathered blob writes and a faster layout scan. Tried and dropped: multi-row `VALUES` inserts (SQLite
//! runs them as a co-routine: +50% per row), several lookups per statement (`UNION ALL` of limited subqueries:
//! no gain), mimalloc's default purge delay instead of 0 (no difference beyond noise).
//!
//! Messages: the phishing folder of ../shared/corpus when present (never copied into the repo), else the
//! fixtures. `PHISHLENS_BENCH_LIMIT` caps how many are loaded (default 300).
//!
//!     cargo bench -p phishlens-store --bench store

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phishlens_core::Config;
use phishlens_store::indicators::LayoutsOfHtml;
use phishlens_store::{RecordOptions, SqliteStore, Store};
use std::hint::black_box;
use std::path::Path;

fn load() -> Vec<Vec<u8>> {
    let limit: usize = std::env::var("PHISHLENS_BENCH_LIMIT").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = root.join("../shared/corpus/phish");
    let dirs = if corpus.is_dir() {
        vec![corpus]
    } else {
        vec![root.join("tests/fixtures"), root.join("tests/fixtures/memory")]
    };
    let mut paths: Vec<_> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().filter_map(Result::ok).map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    paths.truncate(limit);
    eprintln!("bench: {} messages", paths.len());
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn bench(c: &mut Criterion) {
    let msgs = load();
    let cfg = Config::default();
    let bytes: u64 = msgs.iter().map(|m| m.len() as u64).sum();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("bench.db")).expect("open store");
    let mut g = c.benchmark_group("store");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("analyze", |b| {
        b.iter(|| {
            for m in &msgs {
                black_box(phishlens_core::analyze(m, &cfg));
            }
        })
    });
    let mut n = 0u64;
    g.bench_function("analyze+record", |b| {
        b.iter(|| {
            for m in &msgs {
                // A header with a counter makes every message new to the store, as in a batch of distinct mail.
                n += 1;
                let mut raw = format!("X-Bench: {n}\r\n").into_bytes();
                raw.extend_from_slice(m);
                // As a batch does: the layout fingerprints come from the HTML the analysis decodes.
                let mut layouts = LayoutsOfHtml::default();
                let mut r = phishlens_core::analyze_with_html(&raw, &cfg, &mut |html| layouts.push_body(html));
                let opts = RecordOptions {
                    keep_raw: true,
                    source: None,
                    now: Some(1_700_000_000 + n as i64),
                    correlate: true,
                    brands: None,
                };
                let prepared = phishlens_store::prepare_with_layouts(&raw, &r, &opts, &layouts.0);
                black_box(store.record_prepared(&raw, &prepared, &mut r, &opts).expect("record"));
            }
            store.commit().expect("commit");
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
