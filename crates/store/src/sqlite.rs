//! The embedded store: one SQLite file (bundled SQLite, extension loading not compiled in).
//!
//! Durability: WAL journal, `synchronous = NORMAL`. `record` is one IMMEDIATE transaction; a batch uses group
//! commit instead (`record_deferred`): analyses go into one open transaction (no savepoint each: a failed
//! write fails its whole group, whose analyses are then reported as not stored), and
//! the group is committed every `GROUP_MAX` analyses or `GROUP_MAX_AGE`, whichever comes first (a commit per
//! message made the store cost more than the analysis; each commit waits for an fsync). An analysis is durable once its group is committed:
//! the caller learns it from `group_status` and only then says "stored". A committed group is in the WAL and
//! survives the process being killed (Ctrl-C, crash, OOM); an open one is rolled back on next open. (NORMAL
//! may lose the last transactions on power loss, not on a process crash; that is the usual trade for WAL.)
//! Concurrency: one connection per `SqliteStore` behind a mutex (a batch's workers take turns; the section is
//! short), and other processes wait on SQLite's lock (`busy_timeout`) instead of failing.
//! Privacy: the file is created owner-only (0600) before SQLite opens it; SQLite gives its -wal/-shm files the
//! database file's permissions.
//! Large values: raw messages and report documents go to the blob file next to the database (see blobs.rs),
//! synced before each group's commit; SQLite keeps their offset and length (an in-memory store keeps them in
//! the raws and reports tables, as databases before schema version 4 did).

use crate::blobs::{BlobFile, BlobRef};
use crate::correlate::{self, Match};
use crate::indicators::{self, Indicator};
use crate::{
    AnalysisRow, Deferred, GroupStatus, HistoryFilter, IndicatorRow, RecordOptions, Recorded, Result, Store,
    StoreError, StoredAnalysis, hex,
};
use phishlens_core::{Report, Verdict};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use sha2::Digest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Migrations, in order. Index + 1 is the schema version they bring the database to. Never edit a released
/// one: add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_memory.sql"),
    include_str!("../migrations/0003_base_verdict.sql"),
    include_str!("../migrations/0004_blobs.sql"),
    include_str!("../migrations/0005_links.sql"),
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// A value found in more earlier analyses than this is a shared resource and links nothing (as in campaigns).
const MATCHES_PER_VALUE: usize = crate::campaigns::MAX_GROUP;
/// Earlier analyses read in full per recorded one (the strongest candidates).
const MAX_CANDIDATES: usize = 3 * correlate::MAX_SEEN;

/// A group is committed once it holds this many analyses...
pub const GROUP_MAX: usize = 256;
/// ... or is this old, whichever comes first (checked on each record, and by the caller when idle).
pub const GROUP_MAX_AGE: Duration = Duration::from_millis(250);
/// Failed groups remembered for `group_status` (a caller asks soon after; older ones are long settled).
const FAILED_KEPT: usize = 64;
/// Bounds of the lookup memo (values and rows); past them it starts again empty.
const MEMO_VALUES: usize = 200_000;
const MEMO_ROWS: usize = 50_000;

/// The open group transaction.
struct Group {
    id: u64,
    started: Instant,
    records: usize,
}

/// What lookups already read, kept while nobody else writes to the database: a batch's messages share many values
/// (a campaign's IP, host and layout), and reading each value's analyses and their rows again for every message
/// was most of what correlation cost. Exact, not a guess: this connection's own writes are added as they are
/// made, a rolled-back group empties it, and so does any commit by another connection (`PRAGMA data_version`,
/// checked when a group starts, under the write lock).
#[derive(Default)]
struct Memo {
    data_version: Option<i64>,
    /// Per value key: the newest analyses holding it, as the lookup query returns them (at most its limit).
    values: HashMap<i64, Vec<(i64, bool)>>,
    rows: HashMap<i64, Arc<AnalysisRow>>,
}

impl Memo {
    fn clear(&mut self) {
        self.values.clear();
        self.rows.clear();
    }
}

struct Inner {
    conn: Connection,
    memo: Memo,
    /// The report document being written, kept between analyses: a fresh buffer per message was a fresh
    /// allocation of its size, and fresh pages, every time.
    doc_buf: Vec<u8>,
    /// Raw messages and report documents (None in memory: they go into the raws and reports tables).
    blobs: Option<BlobFile>,
    group: Option<Group>,
    next_group: u64,
    /// Groups whose commit failed (their analyses are not stored), newest last.
    failed: Vec<(u64, String)>,
}

pub struct SqliteStore {
    inner: Mutex<Inner>,
    /// Every group with an id up to this one is settled (committed or failed).
    settled: AtomicU64,
    path: Option<PathBuf>,
}

fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// Create the file owner-only if it does not exist yet (and its directory, owner-only too).
pub(crate) fn create_private(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir).map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Io(format!("{}: {e}", path.display()))),
    }
}

fn configure(conn: &Connection, file: bool) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_err)?;
    // Every statement of `record` stays prepared (the default cache of 16 was smaller than the statements one
    // analysis uses, so some were prepared again for each one).
    conn.set_prepared_statement_cache_capacity(64);
    // 16 KiB pages for a new database (ignored for an existing one): a stored message is mostly one blob
    // spread over overflow pages, and SQLite's cost (WAL frame writes, checksums, checkpoint copies) goes per
    // page; 4 KiB pages made it 4x the system calls for the same bytes. Must precede the switch to WAL.
    conn.execute_batch("PRAGMA page_size = 16384").map_err(db_err)?;
    // Query planner stability: without it, statements whose plan could depend on a bound value (`LIMIT ?`)
    // were re-prepared at every new binding, a tenth of the correlation lookups' time.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(db_err)?;
    if file {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(db_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Db(format!("could not switch to WAL (journal_mode {mode})")));
        }
    }
    // An 8 MiB page cache (enough for the links table of a large store; SQLite scans its page cache at
    // every transaction end, so a huge one costs on every commit) and memory-mapped reads. Foreign keys are
    // not enforced: the only writer is `write` below, which inserts parents first in the same transaction,
    // and checking them cost a parent lookup per indicator row.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -8192; \
         PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 4096;",
    )
    .map_err(db_err)?;
    Ok(())
}

/// Bring the schema to `SCHEMA_VERSION`, one migration per transaction. Safe when several processes open the
/// same new file at once: the version is read again under the write lock.
fn migrate(conn: &mut Connection) -> Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { found: version, known: SCHEMA_VERSION });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        let Some(sql) = usize::try_from(version).ok().and_then(|v| MIGRATIONS.get(v)) else {
            return Err(StoreError::Db(format!("unknown schema version {version}")));
        };
        tx.execute_batch(sql).map_err(db_err)?;
        if version + 1 == 2 {
            fill_value_keys(&tx).map_err(db_err)?;
        }
        if version + 1 == 3 {
            fill_base_verdicts(&tx).map_err(db_err)?;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {}", version + 1)).map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
}

/// The lookup key of an indicator: FNV-1a (64 bit) of `kind NUL value`. Stable across versions and platforms
/// (it is stored); a collision only adds a candidate that the strength threshold then judges.
pub fn value_key(kind: &str, value: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in kind.bytes().chain(std::iter::once(0)).chain(value.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// Migration 2's data step: keys for indicator rows written before keys existed.
fn fill_value_keys(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String)> = tx
        .prepare("SELECT rowid, kind, value FROM indicators WHERE vkey IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut up = tx.prepare("UPDATE indicators SET vkey = ?3 WHERE rowid = ?1 AND kind = ?2")?;
    for (rowid, k, v) in rows {
        let key = value_key(&k, &v);
        up.execute(params![rowid, k, key])?;
    }
    Ok(())
}

/// Migration 3's data step: base score and verdict of analyses written before they were stored. Recomputed from
/// the stored findings (their weights as stored, memory.* left out) when the stored report has them; else the
/// stored verdict is taken as the base one (assumed flagged by its own evidence: a missed link is better than a
/// lost one).
fn fill_base_verdicts(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let rows: Vec<(i64, f64, String, Option<String>)> = tx
        .prepare(
            "SELECT a.id, a.score, a.verdict, (SELECT json FROM reports r WHERE r.analysis_id = a.id) \
             FROM analyses a WHERE a.base_verdict IS NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut up = tx.prepare("UPDATE analyses SET base_score = ?2, base_verdict = ?3 WHERE id = ?1")?;
    for (id, score, verdict, json) in rows {
        let (base_score, base_verdict) = match json.as_deref().and_then(base_from_document) {
            // Only when the stored weights account for the stored score (older documents may list no findings
            // or no weights at all).
            Some((base, all)) if (all - score).abs() < 0.01 => {
                (base, correlate::verdict_for(base).as_str().to_string())
            }
            _ => (score, verdict),
        };
        up.execute(params![id, base_score, base_verdict])?;
    }
    Ok(())
}

/// The base score of a stored report document (the stored weights of its findings other than memory.*) and
/// the sum of all its weights; None when the document has no findings list (or is not JSON).
fn base_from_document(json: &str) -> Option<(f64, f64)> {
    let doc: serde_json::Value = serde_json::from_str(json).ok()?;
    let findings = doc.get("findings")?.as_array()?;
    let (mut base, mut all) = (0.0, 0.0);
    for f in findings {
        let id = f.get("id").and_then(serde_json::Value::as_str).unwrap_or("");
        let w = f.get("weight").and_then(serde_json::Value::as_f64).unwrap_or(0.0);
        all += w;
        if !id.starts_with("memory.") {
            base += w;
        }
    }
    let round = |x: f64| (x * 100.0).round() / 100.0 + 0.0;
    Some((round(base), round(all)))
}

const ROW_COLUMNS: &str = "a.id, a.message_id, m.sha256, a.analysed_at, a.received_at, a.source, a.subject, a.verdict, \
     a.score, a.brands, a.superseded, \
     m.raw_len IS NOT NULL OR EXISTS (SELECT 1 FROM raws r WHERE r.message_id = m.id), \
     coalesce(a.base_verdict, a.verdict)";

fn analysis_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AnalysisRow> {
    let brands: String = r.get(9)?;
    Ok(AnalysisRow {
        id: r.get(0)?,
        message_id: r.get(1)?,
        sha256: r.get(2)?,
        analysed_at: r.get(3)?,
        received_at: r.get(4)?,
        source: r.get(5)?,
        subject: r.get(6)?,
        verdict: r.get(7)?,
        score: r.get(8)?,
        brands: brands.split(',').filter(|b| !b.is_empty()).map(str::to_string).collect(),
        superseded: r.get::<_, i64>(10)? != 0,
        has_raw: r.get::<_, i64>(11)? != 0,
        base_verdict: r.get(12)?,
    })
}

/// When the message was received: the top (recipient-side) dated hop, else its Date header.
fn received_at(report: &Report) -> Option<i64> {
    report.facts.hops.iter().find_map(|h| h.timestamp).or(report.facts.date)
}

/// The stored JSON document: the whole `Report` exactly as it was reported (facts, findings with weights and
/// evidence, iocs, seen_before, intel, verdict, score), so that `show` prints what the user saw then, whatever
/// the rules say now. Compact JSON; the `Report` at the top level (older readers and migrations look for
/// `findings` and `seen_before` there), plus `report_format` and the Japanese origin reason, which `Report`'s
/// own serialised form leaves out.
fn report_document(report: &Report, out: &mut Vec<u8>) {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        #[serde(flatten)]
        report: &'a Report,
        report_format: i64,
        #[serde(skip_serializing_if = "str::is_empty")]
        origin_reason_ja: &'a str,
    }
    let doc = Doc {
        report,
        report_format: crate::FULL_REPORT_FORMAT,
        origin_reason_ja: report.facts.origin.as_ref().map_or("", |o| o.reason_ja.as_str()),
    };
    out.clear();
    if serde_json::to_writer(&mut *out, &doc).is_err() {
        out.clear();
        out.extend_from_slice(b"{}");
    }
    // A huge document does not pin its size for the rest of the batch.
    if out.capacity() > 1024 * 1024 && out.len() < out.capacity() / 4 {
        out.shrink_to(out.len());
    }
}

/// Normalise a value typed by a user for `history --indicator`: undo defanging, lower-case hosts.
pub fn normalise_query(v: &str) -> String {
    let v = v.trim().replace("[.]", ".").replace("(.)", ".").replace("[@]", "@").replace("[:]", ":");
    let v = if let Some(r) = v.strip_prefix("hxxps://") {
        format!("https://{r}")
    } else if let Some(r) = v.strip_prefix("hxxp://") {
        format!("http://{r}")
    } else {
        v
    };
    if v.contains("://") { v } else { v.to_lowercase() }
}

/// Append `clause` with its one `?` numbered as the next parameter.
fn push_arg(sql: &mut String, args: &mut Vec<rusqlite::types::Value>, clause: &str, v: rusqlite::types::Value) {
    args.push(v);
    sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
}

impl SqliteStore {
    /// Open (creating owner-only if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        create_private(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(path, flags).map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
        configure(&conn, true)?;
        migrate(&mut conn)?;
        let blobs = BlobFile::open(path)?;
        Ok(SqliteStore::with(conn, Some(blobs), Some(path.to_path_buf())))
    }

    fn with(conn: Connection, blobs: Option<BlobFile>, path: Option<PathBuf>) -> SqliteStore {
        SqliteStore {
            inner: Mutex::new(Inner {
                conn,
                memo: Memo::default(),
                doc_buf: Vec::new(),
                blobs,
                group: None,
                next_group: 1,
                failed: Vec::new(),
            }),
            settled: AtomicU64::new(0),
            path,
        }
    }

    /// A database in memory (tests, benchmarks of correlation alone).
    pub fn open_in_memory() -> Result<SqliteStore> {
        let mut conn = Connection::open_in_memory().map_err(db_err)?;
        configure(&conn, false)?;
        migrate(&mut conn)?;
        Ok(SqliteStore::with(conn, None, None))
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.lock().conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic in another thread while holding the lock leaves the connection usable: the open group is
        // still a valid transaction, committed or rolled back later like any other.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Commit the open group, if any, with the lock held. A failed commit rolls the group back and is
    /// remembered so that `group_status` reports its analyses as not stored.
    fn commit_locked(&self, inner: &mut Inner) -> Result<()> {
        let Some(g) = inner.group.as_ref() else { return Ok(()) };
        let id = g.id;
        // The group's blobs are durable before any row pointing at them is.
        if let Some(Err(e)) = inner.blobs.as_mut().map(BlobFile::sync) {
            self.fail_locked(inner, &e);
            return Err(e);
        }
        match inner.conn.prepare_cached("COMMIT").and_then(|mut st| st.execute([])) {
            Ok(_) => {
                inner.group = None;
                self.settled.store(id, Ordering::Release);
                Ok(())
            }
            Err(e) => {
                let e = db_err(e);
                self.fail_locked(inner, &e);
                Err(e)
            }
        }
    }

    /// Roll the open group back and remember it as failed: `group_status` then reports its analyses as not
    /// stored.
    fn fail_locked(&self, inner: &mut Inner, e: &StoreError) {
        let Some(g) = inner.group.take() else { return };
        let _ = inner.conn.execute_batch("ROLLBACK");
        inner.memo.clear();
        if let Some(b) = inner.blobs.as_mut() {
            b.rollback();
        }
        inner.failed.push((g.id, e.to_string()));
        if inner.failed.len() > FAILED_KEPT {
            inner.failed.remove(0);
        }
        self.settled.store(g.id, Ordering::Release);
    }

    /// Earlier analyses sharing the indicators. Two steps: the newest analyses holding each value, with their
    /// flag (the key of `links` alone), then the rows of the strongest candidates only. Both go through the memo.
    fn lookup(
        tx: &Connection,
        memo: &mut Memo,
        inds: &[Indicator],
        exclude_message: Option<i64>,
    ) -> rusqlite::Result<Vec<Match>> {
        let limit = MATCHES_PER_VALUE + 1;
        let mut hits: Vec<(usize, i64)> = Vec::new();
        let mut strength: HashMap<i64, f64> = HashMap::new();
        // One statement per value not in the memo: several values per statement (a UNION ALL of limited
        // subqueries) cost as much.
        for (n, ind) in inds.iter().enumerate().filter(|(_, i)| i.weight > 0.0) {
            let key = value_key(ind.kind.as_str(), &ind.value);
            if !memo.values.contains_key(&key) {
                if memo.values.len() >= MEMO_VALUES {
                    memo.values.clear();
                }
                let ids: Vec<(i64, bool)> = tx
                    .prepare_cached(
                        "SELECT analysis_id, flagged FROM links WHERE vkey = ?1 ORDER BY analysis_id DESC LIMIT ?2",
                    )?
                    .query_map(params![key, i64::try_from(limit).unwrap_or(i64::MAX)], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                memo.values.insert(key, ids);
            }
            let Some(ids) = memo.values.get(&key) else { continue };
            if ids.len() > MATCHES_PER_VALUE {
                continue;
            }
            // A value seen in more mail judged clean by its own evidence than in flagged mail is a legitimate
            // sender's infrastructure (a newsletter's click tracker, a mailing list's server) that one of its
            // mails was once misjudged on: it links nothing. Without this, every later sibling of one misjudged
            // CNET newsletter resembled "earlier phishing".
            let flagged = ids.iter().filter(|(_, f)| *f).count();
            if ids.len() - flagged > flagged {
                continue;
            }
            for (id, _) in ids {
                hits.push((n, *id));
                *strength.entry(*id).or_insert(0.0) += ind.weight;
            }
        }
        // Only candidates that can reach "seen before" are read, strongest first, a bounded number.
        let mut candidates: Vec<(i64, f64)> =
            strength.into_iter().filter(|(_, s)| *s >= correlate::SEEN_MIN_STRENGTH).collect();
        candidates.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(b.0.cmp(&a.0)));
        candidates.truncate(MAX_CANDIDATES);
        let mut rows: HashMap<i64, Arc<AnalysisRow>> = HashMap::new();
        let row_sql =
            format!("SELECT {ROW_COLUMNS} FROM analyses a JOIN messages m ON m.id = a.message_id WHERE a.id = ?1");
        for (id, _) in &candidates {
            let row = match memo.rows.get(id) {
                Some(row) => Some(Arc::clone(row)),
                None => {
                    let row =
                        tx.prepare_cached(&row_sql)?.query_row(params![id], analysis_row).optional()?.map(Arc::new);
                    if let Some(row) = &row {
                        if memo.rows.len() >= MEMO_ROWS {
                            memo.rows.clear();
                        }
                        memo.rows.insert(*id, Arc::clone(row));
                    }
                    row
                }
            };
            if let Some(row) = row.filter(|r| !r.superseded && Some(r.message_id) != exclude_message) {
                rows.insert(*id, row);
            }
        }
        let mut out = Vec::new();
        for (n, id) in hits {
            if let (Some(row), Some(ind)) = (rows.get(&id), inds.get(n)) {
                out.push(Match {
                    kind: ind.kind,
                    value: ind.value.clone(),
                    weight: ind.weight,
                    earlier: Arc::clone(row),
                });
            }
        }
        Ok(out)
    }

    /// Record into the open group (opening one if needed). An error rolls the group back (see below). Hashing
    /// and indicator extraction were done before (`prepare`), without the lock.
    fn record_in_group(
        &self,
        raw: &[u8],
        prepared: &crate::Prepared,
        report: &mut Report,
        opts: &RecordOptions,
    ) -> Result<Deferred> {
        let now = opts.now.unwrap_or_else(crate::now_secs);
        let (sha256, inds) = (&prepared.sha256, &prepared.indicators);
        let mut inner = self.lock();
        if let Some(g) = &inner.group
            && (g.records >= GROUP_MAX || g.started.elapsed() >= GROUP_MAX_AGE)
        {
            // The analyses already in it stay as they are if this fails: reported through group_status.
            let _ = self.commit_locked(&mut inner);
        }
        if inner.group.is_none() {
            inner.conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut st| st.execute([])).map_err(db_err)?;
            if let Some(Err(e)) = inner.blobs.as_mut().map(BlobFile::begin) {
                let _ = inner.conn.execute_batch("ROLLBACK");
                return Err(e);
            }
            // Another connection's commit since the memo was filled makes it stale (our own do not count).
            let version = inner
                .conn
                .prepare_cached("PRAGMA data_version")
                .and_then(|mut st| st.query_row([], |r| r.get::<_, i64>(0)))
                .ok();
            if version.is_none() || version != inner.memo.data_version {
                inner.memo.clear();
                inner.memo.data_version = version;
            }
            let id = inner.next_group;
            inner.next_group += 1;
            inner.group = Some(Group { id, started: Instant::now(), records: 0 });
        }
        let group = inner.group.as_ref().map_or(0, |g| g.id);
        // No savepoint per analysis: SQLite copies every page a savepoint touches first into a sub-journal
        // (the random pages of the lookup index, ~25 pages per analysis then), a sixth of the store's cost. A
        // failed write instead rolls the whole group back and marks it failed: its other analyses are then
        // reported as not stored, which is true. (Write errors are I/O errors; the commit would fail too.)
        let Inner { conn, blobs, memo, doc_buf, .. } = &mut *inner;
        match write(conn, memo, doc_buf, blobs.as_mut(), raw, report, opts, now, sha256, inds) {
            Ok(recorded) => {
                if let Some(g) = inner.group.as_mut() {
                    g.records += 1;
                }
                Ok(Deferred { recorded, group })
            }
            Err(e) => {
                let e = db_err(e);
                self.fail_locked(&mut inner, &e);
                Err(e)
            }
        }
    }
}

fn io_to_db(e: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// sha1 and md5 of a raw message, for whoever needs them (they are not computed when storing).
pub fn message_hashes(raw: &[u8]) -> (String, String) {
    (hex(&sha1::Sha1::digest(raw)), hex(&md5::Md5::digest(raw)))
}

/// Correlate and insert one analysis (inside the caller's group transaction).
#[allow(clippy::too_many_arguments)]
fn write(
    tx: &Connection,
    memo: &mut Memo,
    doc: &mut Vec<u8>,
    mut blobs: Option<&mut BlobFile>,
    raw: &[u8],
    report: &mut Report,
    opts: &RecordOptions,
    now: i64,
    sha256: &str,
    inds: &[Indicator],
) -> rusqlite::Result<Recorded> {
    // The base verdict: from the message's own evidence (the report has no memory findings yet; base_of leaves
    // any out anyway). It decides whether this analysis may be pointed to later, and whether it links to
    // earlier clean mail now.
    let (base_score, base_verdict) = correlate::base_of(report);
    let core_flagged = indicators::flagged(base_verdict);
    let known: Option<(i64, bool)> = tx
        .prepare_cached(
            "SELECT id, raw_len IS NOT NULL OR EXISTS (SELECT 1 FROM raws r WHERE r.message_id = messages.id) \
             FROM messages WHERE sha256 = ?1",
        )?
        .query_row(params![sha256], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let existing = known.map(|(id, _)| id);

    if opts.correlate {
        let matches = SqliteStore::lookup(tx, memo, inds, existing)?;
        let seen = correlate::seen_before(matches, core_flagged);
        let mut extra = correlate::findings(&seen);
        let cap = correlate::memory_cap_for(&seen);
        if let Some(mid) = existing {
            let sql = format!(
                "SELECT {ROW_COLUMNS} FROM analyses a JOIN messages m ON m.id = a.message_id \
                 WHERE a.message_id = ?1 ORDER BY a.id DESC LIMIT 1"
            );
            let last = tx.prepare_cached(&sql)?.query_row(params![mid], analysis_row).optional()?;
            if let Some(last) = last {
                extra.push(correlate::same_message(&last));
            }
        }
        report.seen_before = seen.into_iter().map(|s| s.entry).collect();
        // Capped: memory alone can make a clean mail suspicious, never phishing.
        correlate::add_memory_findings(report, extra, cap);
    }

    // The raw message goes to the blob file when there is one (written once there, not into the WAL and again
    // by the checkpoint).
    let raw_blob = |blobs: &mut Option<&mut BlobFile>| -> rusqlite::Result<Option<BlobRef>> {
        match blobs {
            Some(b) if opts.keep_raw => b.append(raw).map(Some).map_err(io_to_db),
            _ => Ok(None),
        }
    };
    let message_id = match known {
        Some((id, has_raw)) => {
            // Its earlier analyses are superseded below, and it may gain its raw message.
            memo.rows.retain(|_, r| r.message_id != id);
            if opts.keep_raw && !has_raw {
                match raw_blob(&mut blobs)? {
                    Some(at) => tx
                        .prepare_cached("UPDATE messages SET raw_off = ?2, raw_len = ?3 WHERE id = ?1")?
                        .execute(params![id, at.off, at.len])?,
                    None => tx
                        .prepare_cached("INSERT OR IGNORE INTO raws (message_id, raw) VALUES (?1, ?2)")?
                        .execute(params![id, raw])?,
                };
            }
            tx.prepare_cached("UPDATE analyses SET superseded = 1 WHERE message_id = ?1 AND superseded = 0")?
                .execute(params![id])?;
            id
        }
        None => {
            let at = raw_blob(&mut blobs)?;
            tx.prepare_cached(
                "INSERT INTO messages (sha256, sha1, md5, size, first_seen, raw_off, raw_len) \
                 VALUES (?1, '', '', ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                sha256,
                i64::try_from(raw.len()).unwrap_or(i64::MAX),
                now,
                at.map(|a| a.off),
                at.map(|a| a.len)
            ])?;
            let id = tx.last_insert_rowid();
            if opts.keep_raw && at.is_none() {
                tx.prepare_cached("INSERT INTO raws (message_id, raw) VALUES (?1, ?2)")?.execute(params![id, raw])?;
            }
            id
        }
    };

    let mut brand_ids: Vec<&str> = report.facts.brands.iter().map(|b| b.brand_id.as_str()).collect();
    brand_ids.sort_unstable();
    brand_ids.dedup();
    let brands = format!(",{},", brand_ids.join(","));
    report_document(report, doc);
    let doc: &[u8] = doc;
    let doc_at = match blobs.as_mut() {
        Some(b) => Some(b.append(doc).map_err(io_to_db)?),
        None => None,
    };
    tx.prepare_cached(
        "INSERT INTO analyses (message_id, analysed_at, received_at, source, subject, verdict, score, \
         flagged, superseded, brands, tool_version, base_score, base_verdict, report_off, report_len, indicators) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        message_id,
        now,
        received_at(report),
        opts.source,
        report.facts.subject,
        report.verdict.as_str(),
        report.score,
        i64::from(indicators::flagged(report.verdict)),
        brands,
        env!("CARGO_PKG_VERSION"),
        base_score,
        base_verdict.as_str(),
        doc_at.map(|a| a.off),
        doc_at.map(|a| a.len),
        pack_indicators(inds),
    ])?;
    let analysis_id = tx.last_insert_rowid();
    if doc_at.is_none() {
        tx.prepare_cached("INSERT INTO reports (analysis_id, json) VALUES (?1, ?2)")?
            .execute(params![analysis_id, String::from_utf8_lossy(doc)])?;
    }
    insert_links(tx, memo, analysis_id, base_verdict, inds)?;
    if memo.rows.len() < MEMO_ROWS {
        let row = AnalysisRow {
            id: analysis_id,
            message_id,
            sha256: sha256.to_string(),
            analysed_at: now,
            received_at: received_at(report),
            source: opts.source.clone(),
            subject: report.facts.subject.clone(),
            verdict: report.verdict.as_str().to_string(),
            score: report.score,
            base_verdict: base_verdict.as_str().to_string(),
            brands: brand_ids.iter().map(|b| b.to_string()).collect(),
            superseded: false,
            has_raw: opts.keep_raw || known.is_some_and(|(_, has_raw)| has_raw),
        };
        memo.rows.insert(analysis_id, Arc::new(row));
    }
    Ok(Recorded { analysis_id, message_id, new_message: existing.is_none() })
}

/// The packed form of an analysis's indicators (`analyses.indicators`): a JSON array of
/// `[kind, value, weight, benign]`.
fn pack_indicators(inds: &[Indicator]) -> String {
    let packed: Vec<(&str, &str, f64, u8)> =
        inds.iter().map(|i| (i.kind.as_str(), i.value.as_str(), i.weight, u8::from(i.benign))).collect();
    serde_json::to_string(&packed).unwrap_or_else(|_| "[]".to_string())
}

/// The indicators of one analysis from its packed form, sorted by kind and value. A damaged value yields none
/// rather than an error: the analysis stays readable.
fn unpack_indicators(analysis_id: i64, packed: Option<&str>) -> Vec<IndicatorRow> {
    let Some(packed) = packed else { return Vec::new() };
    let entries: Vec<(String, String, f64, i64)> = serde_json::from_str(packed).unwrap_or_default();
    let mut out: Vec<IndicatorRow> = entries
        .into_iter()
        .map(|(kind, value, weight, benign)| IndicatorRow { analysis_id, kind, value, weight, benign: benign != 0 })
        .collect();
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.value.cmp(&b.value)));
    out
}

/// The lookup entries of one analysis: one per value that can link (weight > 0), with the analysis's own flag
/// so that a lookup reads nothing else. One row per statement: a multi-row `VALUES` list is run by SQLite as a
/// co-routine and cost 60% more per row. The memo learns them too (the newest analysis first, as the lookup
/// query orders them).
fn insert_links(
    tx: &Connection,
    memo: &mut Memo,
    analysis_id: i64,
    base_verdict: Verdict,
    inds: &[Indicator],
) -> rusqlite::Result<()> {
    let flagged = indicators::flagged(base_verdict);
    let mut ins = tx.prepare_cached("INSERT OR IGNORE INTO links (vkey, analysis_id, flagged) VALUES (?1, ?2, ?3)")?;
    for i in inds.iter().filter(|i| i.weight > 0.0) {
        let key = value_key(i.kind.as_str(), &i.value);
        ins.execute(params![key, analysis_id, flagged])?;
        if let Some(ids) = memo.values.get_mut(&key) {
            ids.insert(0, (analysis_id, flagged));
            ids.truncate(MATCHES_PER_VALUE + 1);
        }
    }
    Ok(())
}

impl Drop for SqliteStore {
    /// A store dropped with an open group commits it: whoever recorded into it is finishing normally.
    fn drop(&mut self) {
        let mut inner = self.lock();
        let _ = self.commit_locked(&mut inner);
    }
}

impl Store for SqliteStore {
    fn record(&self, raw: &[u8], report: &mut Report, opts: &RecordOptions) -> Result<Recorded> {
        let d = self.record_deferred(raw, report, opts)?;
        self.commit()?;
        match self.group_status(d.group) {
            GroupStatus::Failed(e) => Err(StoreError::Db(e)),
            _ => Ok(d.recorded),
        }
    }

    fn record_prepared(
        &self,
        raw: &[u8],
        prepared: &crate::Prepared,
        report: &mut Report,
        opts: &RecordOptions,
    ) -> Result<Deferred> {
        // On error the report may have gained seen_before entries from a rolled-back lookup: clear them so the
        // output never claims what the store does not hold.
        self.record_in_group(raw, prepared, report, opts).inspect_err(|_| report.seen_before.clear())
    }

    fn commit(&self) -> Result<()> {
        let mut inner = self.lock();
        self.commit_locked(&mut inner)
    }

    fn commit_due(&self) -> Result<()> {
        let mut inner = self.lock();
        match &inner.group {
            Some(g) if g.started.elapsed() >= GROUP_MAX_AGE || g.records >= GROUP_MAX => self.commit_locked(&mut inner),
            _ => Ok(()),
        }
    }

    fn group_status(&self, group: u64) -> GroupStatus {
        if group > self.settled.load(Ordering::Acquire) {
            return GroupStatus::Open;
        }
        let inner = self.lock();
        match inner.failed.iter().find(|(g, _)| *g == group) {
            Some((_, e)) => GroupStatus::Failed(e.clone()),
            None => GroupStatus::Committed,
        }
    }

    fn analysis(&self, id: i64) -> Result<Option<StoredAnalysis>> {
        let inner = self.lock();
        let conn = &inner.conn;
        let sql = format!(
            "SELECT {ROW_COLUMNS}, a.report_off, a.report_len, \
             CASE WHEN a.report_len IS NULL THEN (SELECT json FROM reports WHERE analysis_id = a.id) END \
             FROM analyses a JOIN messages m ON m.id = a.message_id WHERE a.id = ?1"
        );
        let found = conn
            .query_row(&sql, params![id], |r| {
                let at = match (r.get::<_, Option<i64>>(13)?, r.get::<_, Option<i64>>(14)?) {
                    (Some(off), Some(len)) => Some(BlobRef { off, len }),
                    _ => None,
                };
                Ok((analysis_row(r)?, at, r.get::<_, Option<String>>(15)?.unwrap_or_default()))
            })
            .optional()
            .map_err(db_err)?;
        let Some((row, at, json)) = found else { return Ok(None) };
        // A report that cannot be read back (a damaged or missing blob file) is Null, not an error: the row and
        // its indicators (history, export) stay usable.
        let report = match (at, inner.blobs.as_ref()) {
            (Some(at), Some(b)) => {
                b.read(at).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::from_str(&json).unwrap_or(serde_json::Value::Null),
        };
        drop(inner);
        let indicators = self.indicators_of(&[id])?;
        Ok(Some(StoredAnalysis { row, report, indicators }))
    }

    fn raw_message(&self, analysis_id: i64) -> Result<Option<Vec<u8>>> {
        let inner = self.lock();
        let found = inner
            .conn
            .query_row(
                "SELECT m.raw_off, m.raw_len, m.sha256, \
                 CASE WHEN m.raw_len IS NULL THEN (SELECT raw FROM raws r WHERE r.message_id = m.id) END \
                 FROM analyses a JOIN messages m ON m.id = a.message_id WHERE a.id = ?1",
                params![analysis_id],
                |r| {
                    Ok((
                        r.get::<_, Option<i64>>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<Vec<u8>>>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(db_err)?;
        match found {
            Some((Some(off), Some(len), sha256, _)) => {
                let b = inner.blobs.as_ref().ok_or_else(|| StoreError::Io("the blob file is not open".into()))?;
                let raw = b.read(BlobRef { off, len })?;
                // The message's identity doubles as an integrity check of the blob file.
                if hex(&sha2::Sha256::digest(&raw)) != sha256 {
                    return Err(StoreError::Io(format!("the stored message of analysis #{analysis_id} is damaged")));
                }
                Ok(Some(raw))
            }
            Some((_, _, _, raw)) => Ok(raw),
            None => Ok(None),
        }
    }

    fn history(&self, f: &HistoryFilter) -> Result<Vec<AnalysisRow>> {
        let mut sql = format!("SELECT {ROW_COLUMNS} FROM analyses a JOIN messages m ON m.id = a.message_id WHERE 1=1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if !f.include_superseded {
            sql.push_str(" AND a.superseded = 0");
        }
        if let Some(v) = &f.verdict {
            push_arg(&mut sql, &mut args, " AND a.verdict = ?", v.to_lowercase().into());
        }
        if let Some(b) = &f.brand {
            push_arg(&mut sql, &mut args, " AND a.brands LIKE ?", format!("%,{},%", b.to_lowercase()).into());
        }
        if let Some(i) = &f.indicator {
            // Any kind: the value's key under every kind in `links`, and the packed indicators for the values
            // that link nothing (big providers, genuine brand domains), which have no key there.
            let v = normalise_query(i);
            let mut clause = String::from(" AND (a.id IN (SELECT analysis_id FROM links WHERE vkey IN (");
            for (n, k) in crate::indicators::ALL_KINDS.iter().enumerate() {
                args.push(value_key(k.as_str(), &v).into());
                clause.push_str(&format!("{}?{}", if n > 0 { ", " } else { "" }, args.len()));
            }
            clause.push_str("))");
            sql.push_str(&clause);
            push_arg(
                &mut sql,
                &mut args,
                " OR EXISTS (SELECT 1 FROM json_each(a.indicators) j WHERE json_extract(j.value, '$[1]') = ?))",
                v.into(),
            );
        }
        if let Some(s) = f.since {
            push_arg(&mut sql, &mut args, " AND coalesce(a.received_at, a.analysed_at) >= ?", s.into());
        }
        if let Some(u) = f.until {
            push_arg(&mut sql, &mut args, " AND coalesce(a.received_at, a.analysed_at) < ?", u.into());
        }
        let limit = f.limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        push_arg(&mut sql, &mut args, " ORDER BY a.id DESC LIMIT ?", limit.into());
        let inner = self.lock();
        let mut stmt = inner.conn.prepare(&sql).map_err(db_err)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), analysis_row).map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    fn current(&self) -> Result<(Vec<AnalysisRow>, Vec<IndicatorRow>)> {
        let inner = self.lock();
        let conn = &inner.conn;
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM analyses a JOIN messages m ON m.id = a.message_id WHERE a.superseded = 0 \
             ORDER BY a.id"
        );
        let rows = conn
            .prepare(&sql)
            .and_then(|mut s| s.query_map([], analysis_row)?.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db_err)?;
        let packed = conn
            .prepare("SELECT id, indicators FROM analyses WHERE superseded = 0 ORDER BY id")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(db_err)?;
        let inds = packed
            .into_iter()
            .flat_map(|(id, p)| unpack_indicators(id, p.as_deref()))
            .filter(|i| i.weight > 0.0)
            .collect();
        Ok((rows, inds))
    }

    fn indicators_of(&self, analysis_ids: &[i64]) -> Result<Vec<IndicatorRow>> {
        let inner = self.lock();
        let mut stmt = inner.conn.prepare_cached("SELECT indicators FROM analyses WHERE id = ?1").map_err(db_err)?;
        let mut out = Vec::new();
        for id in analysis_ids {
            let packed: Option<Option<String>> =
                stmt.query_row(params![id], |r| r.get(0)).optional().map_err(db_err)?;
            out.extend(unpack_indicators(*id, packed.flatten().as_deref()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_defanged_queries() {
        assert_eq!(normalise_query("121[.]50[.]46[.]57"), "121.50.46.57");
        assert_eq!(normalise_query("hxxps://www[.]4ztfqg8[.]cn"), "https://www.4ztfqg8.cn");
        assert_eq!(normalise_query("Kagoya.JP"), "kagoya.jp");
    }

    #[test]
    fn the_whole_report_comes_back_as_reported() {
        let raw = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/kagoya_vps.eml")).unwrap();
        let s = SqliteStore::open_in_memory().unwrap();
        let mut report = phishlens_core::analyze(&raw, &phishlens_core::Config::default());
        let opts = RecordOptions { keep_raw: true, correlate: true, ..Default::default() };
        let rec = s.record(&raw, &mut report, &opts).unwrap();
        let stored = s.analysis(rec.analysis_id).unwrap().unwrap();
        let back = stored.full_report().expect("a whole report");
        assert_eq!(serde_json::to_value(&back).unwrap(), serde_json::to_value(&report).unwrap());
        // Not in Report's serialised form, but the Japanese text shows it.
        let ja = |r: &Report| r.facts.origin.as_ref().map(|o| o.reason_ja.clone()).unwrap_or_default();
        assert!(!ja(&report).is_empty());
        assert_eq!(ja(&back), ja(&report));
        // A partial document of an older version is not taken for a report.
        let old = StoredAnalysis {
            report: serde_json::json!({ "partial": true, "verdict": "phishing", "score": 9.0, "findings": [] }),
            ..stored
        };
        assert!(old.full_report().is_none());
    }

    #[test]
    fn fresh_database_is_at_the_current_version() {
        let s = SqliteStore::open_in_memory().unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    }
}
