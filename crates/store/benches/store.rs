//! What the store adds to an analysis: `analyze` alone against `analyze` + `record_deferred` (correlate and
//! save into group transactions, as a batch does; raw message kept) into a file database that grows as the
//! bench runs. The store's cost must stay under 20% of the analysis (not met yet). Whole-command figures
//! (README, memory section, 2026-11-23, best of 5, fresh database each run, 1,991 phishing mails):
//!
//!     /usr/bin/time ./target/release/phishlens analyze --offline --jobs 1 --format jsonl \
//!         ../shared/corpus/phish > /dev/null                    # with --no-store: 1.07 s CPU
//!                                                               # with --db /tmp/x.db: 1.71 s CPU (+60%)
//!
//! It was 2.2 s (+110%) before 16 KiB pages, the query planner stability guarantee (no re-prepare per
//! binding), dropping the savepoint per analysis, direct serialisation of the stored report and a memchr-based
//! layout scan. Default `--jobs` (2 cores), wall time: 0.58 s with `--no-store`, 1.88 s with a store (one lock:
//! the store does not use the second core).
//!
//! Messages: the phishing folder of ../shared/corpus when present (never copied into the repo), else the
//! fixtures. `PHISHLENS_BENCH_LIMIT` caps how many are loaded (default 300).
//!
//!     cargo bench -p phishlens-store --bench store

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phishlens_core::Config;
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
                let mut r = phishlens_core::analyze(&raw, &cfg);
                let opts = RecordOptions {
                    keep_raw: true,
                    source: None,
                    now: Some(1_700_000_000 + n as i64),
                    correlate: true,
                };
                black_box(store.record_deferred(&raw, &mut r, &opts).expect("record"));
            }
            store.commit().expect("commit");
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
