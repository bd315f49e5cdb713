//! Helpers: fixtures, analysing and recording with a fixed "now".

use phishlens_core::{Config, Report};
use phishlens_store::{RecordOptions, Recorded, SqliteStore, Store};
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(name: &str) -> Vec<u8> {
    let p = root().join("tests/fixtures").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Unix seconds of a UTC date `YYYY-MM-DD`.
pub fn at(date: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().and_hms_opt(3, 0, 0).unwrap().and_utc().timestamp()
}

pub fn record(store: &dyn Store, raw: &[u8], now: i64) -> (Report, Recorded) {
    let mut report = phishlens_core::analyze(raw, &Config::default());
    let opts =
        RecordOptions { keep_raw: true, source: Some("test".into()), now: Some(now), correlate: true, brands: None };
    let rec = store.record(raw, &mut report, &opts).expect("record");
    (report, rec)
}

pub fn temp_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("phishlens.db")).unwrap();
    (dir, s)
}

/// The message with an extra header, so that it hashes differently.
pub fn variant(raw: &[u8], n: usize) -> Vec<u8> {
    let mut v = format!("X-Test-Seq: {n}\r\n").into_bytes();
    v.extend_from_slice(raw);
    v
}
