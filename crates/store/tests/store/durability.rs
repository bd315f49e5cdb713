//! The store keeps what it said it stored: a writer killed mid-batch, two writers at once, owner-only files,
//! and a database written by schema version 1.

use crate::util::{fixture, record, root, temp_store, variant};
use phishlens_store::sqlite::SCHEMA_VERSION;
use phishlens_store::{HistoryFilter, SqliteStore, Store};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const CHILD_DB: &str = "PHISHLENS_STORE_TEST_CHILD_DB";

/// Not a test on its own: when started by `killed_writer_loses_nothing_it_reported` (with the env var set), it
/// records messages forever, printing `stored N` after each commit, until it is killed.
#[test]
fn child_writer() {
    let Some(db) = std::env::var_os(CHILD_DB) else { return };
    let store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    let raw = fixture("kagoya_vps.eml");
    let mut out = std::io::stdout().lock();
    for n in 0..100_000 {
        record(&store, &variant(&raw, n), 1_668_474_000 + n as i64);
        use std::io::Write;
        writeln!(out, "stored {}", n + 1).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn killed_writer_loses_nothing_it_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phishlens.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "durability::child_writer", "--nocapture", "--test-threads", "1"])
        .env(CHILD_DB, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reported = 0usize;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("stored ") {
            reported = n.trim().parse().unwrap();
            if reported >= 25 {
                break;
            }
        }
    }
    // SIGKILL: no destructor, no clean close, possibly in the middle of a transaction.
    child.kill().unwrap();
    let _ = child.wait();
    assert!(reported >= 25, "child reported only {reported}");
    let store = SqliteStore::open(&db).unwrap();
    let rows = store.history(&HistoryFilter::default()).unwrap();
    assert!(rows.len() >= reported, "reported {reported}, found {}", rows.len());
    // Every row is whole: its indicators, its raw message and its report (both in the blob file) are there too.
    for r in rows.iter().take(reported) {
        assert!(!store.indicators_of(&[r.id]).unwrap().is_empty(), "analysis {} has no indicators", r.id);
        let raw = store.raw_message(r.id).unwrap().unwrap_or_else(|| panic!("analysis {} lost its message", r.id));
        assert!(!raw.is_empty());
        let a = store.analysis(r.id).unwrap().unwrap();
        assert!(a.full_report().is_some(), "analysis {} lost its report", r.id);
    }
    // The next writer appends after whatever the killed one left, and both stay readable.
    record(&store, &fixture("memory/amazon_kit_a.eml"), 1_673_000_000);
    let newest = store.history(&HistoryFilter { limit: Some(1), ..Default::default() }).unwrap();
    assert!(store.raw_message(newest[0].id).unwrap().is_some());
    assert!(store.raw_message(rows[rows.len() - 1].id).unwrap().is_some());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn concurrent_writers_lose_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phishlens.db");
    let raw = fixture("memory/amazon_kit_a.eml");
    const PER_WRITER: usize = 40;
    std::thread::scope(|s| {
        for w in 0..2 {
            let db = db.clone();
            let raw = raw.clone();
            // Separate stores: separate connections, as two processes would have.
            s.spawn(move || {
                let store = SqliteStore::open(&db).unwrap();
                for n in 0..PER_WRITER {
                    record(&store, &variant(&raw, w * 1000 + n), 1_673_000_000);
                }
            });
        }
    });
    let store = SqliteStore::open(&db).unwrap();
    let rows = store.history(&HistoryFilter::default()).unwrap();
    assert_eq!(rows.len(), 2 * PER_WRITER);
    // The two writers appended to one blob file without overwriting each other (raw_message checks sha256).
    for r in &rows {
        assert!(store.raw_message(r.id).unwrap().is_some(), "analysis {}", r.id);
        assert!(store.analysis(r.id).unwrap().unwrap().full_report().is_some(), "analysis {}", r.id);
    }
}

#[test]
#[cfg(unix)]
fn database_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store) = temp_store();
    record(&store, &fixture("kagoya_vps.eml"), 1_668_474_000);
    for name in ["phishlens.db", "phishlens.db-wal", "phishlens.db-blobs"] {
        let p = dir.path().join(name);
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}: {mode:o}");
    }
    drop(store);
    // A fresh nested directory is created owner-only too.
    let nested = dir.path().join("a/b/phishlens.db");
    let _s = SqliteStore::open(&nested).unwrap();
    let mode = std::fs::metadata(nested.parent().unwrap()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn a_lost_blob_file_leaves_rows_usable_and_says_what_is_missing() {
    let (dir, store) = temp_store();
    let (_, rec) = record(&store, &fixture("kagoya_vps.eml"), 1_668_474_000);
    drop(store);
    std::fs::write(dir.path().join("phishlens.db-blobs"), b"").unwrap();
    let store = SqliteStore::open(&dir.path().join("phishlens.db")).unwrap();
    let a = store.analysis(rec.analysis_id).unwrap().unwrap();
    assert!(a.full_report().is_none());
    assert!(!a.indicators.is_empty());
    assert!(store.raw_message(rec.analysis_id).is_err(), "a missing message is an error, not an empty one");
}

#[test]
fn version_1_database_migrates_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let sql = std::fs::read_to_string(root().join("crates/store/tests/fixtures/schema_v1.sql")).unwrap();
        conn.execute_batch(&sql).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 1);
    }
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    // Two analyses of message 1 (the older one now superseded), one of message 2.
    let current = store.history(&HistoryFilter::default()).unwrap();
    assert_eq!(current.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 2]);
    let all = store.history(&HistoryFilter { include_superseded: true, ..Default::default() }).unwrap();
    assert_eq!(all.len(), 3);
    // Brands were filled from the stored JSON.
    let kagoya = store.history(&HistoryFilter { brand: Some("kagoya".into()), ..Default::default() }).unwrap();
    assert_eq!(kagoya.iter().map(|r| r.id).collect::<Vec<_>>(), vec![2]);
    // Its indicators were packed into their analyses (version 5), the ones that link nothing included, and a
    // search finds both kinds.
    let inds = store.indicators_of(&[2]).unwrap();
    let mut got: Vec<(&str, &str, f64)> = inds.iter().map(|i| (i.kind.as_str(), i.value.as_str(), i.weight)).collect();
    got.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(
        got,
        vec![
            ("host_pattern", "N-N-N-N.cprapid.com", 1.5),
            ("origin_ip", "121.50.46.57", 5.0),
            ("origin_net", "121.50.46.0/24", 1.5),
            ("sender_domain", "kagoya.jp", 0.0),
        ]
    );
    for (value, want) in [("121.50.46.57", vec![2, 1]), ("kagoya.jp", vec![2]), ("example.com", vec![3])] {
        let f = HistoryFilter { indicator: Some(value.into()), include_superseded: true, ..Default::default() };
        let ids: Vec<i64> = store.history(&f).unwrap().iter().map(|r| r.id).collect();
        assert_eq!(ids, want, "{value}");
    }
    // The raw message kept by version 1 is still there.
    assert!(store.raw_message(3).unwrap().is_some());
    assert!(store.raw_message(2).unwrap().is_none());
    // Old indicators still correlate with new analyses.
    let (report, _) = record(&store, &fixture("kagoya_vps.eml"), 1_668_474_000);
    assert!(report.seen_before.iter().any(|s| s.analysis_id == 2), "{:?}", report.seen_before);
    // Opening again is a no-op.
    drop(store);
    assert_eq!(SqliteStore::open(&db).unwrap().schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA user_version = 999").unwrap();
    }
    let err = SqliteStore::open(&db).err().expect("refused");
    assert!(err.to_string().contains("999"), "{err}");
}
