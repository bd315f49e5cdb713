//! phishlens-store: the memory of phishlens.
//!
//! Every analysis can be saved (message hashes, the report, verdict, normalised indicators, optionally the raw
//! message) so that the next one can say "the same origin IP sent the KAGOYA 'Active! mail' notice two weeks
//! ago" and so that stored analyses can be grouped into campaigns and shared as CSV or STIX 2.1.
//!
//! Storage sits behind the [`Store`] trait: the analysis code (and the CLI) only talk to the trait, so a
//! shared PostgreSQL backend for teams can be added next to [`SqliteStore`] without touching them.
//! What is backend-independent lives in its own modules: which indicators a report yields and how much each
//! one links two analyses ([`indicators`]), the HTML layout fingerprint ([`layout`]), how matches become
//! "seen before" entries and findings ([`correlate`]), campaign clustering ([`campaigns`]) and export
//! ([`export`]).

mod blobs;
pub mod campaigns;
pub mod correlate;
pub mod export;
pub mod indicators;
pub mod layout;
mod path;
mod providers;
pub mod sqlite;

pub use campaigns::{Campaign, CampaignOptions};
pub use indicators::{Indicator, Kind};
pub use path::{default_db_path, resolve_db_path};
pub use sqlite::SqliteStore;
pub use sqlite::{GROUP_MAX, GROUP_MAX_AGE};

use phishlens_core::Report;
use serde::Serialize;

/// What went wrong with the store. Storage errors never stop an analysis: the caller reports them and goes on.
#[derive(Debug)]
pub enum StoreError {
    /// Opening, creating or securing the database file.
    Io(String),
    /// The database said no (locked for too long, corrupt, full disk, ...).
    Db(String),
    /// The database was written by a newer phishlens whose schema this one does not know.
    TooNew { found: i64, known: i64 },
    /// Asked for something that is not there.
    NotFound(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Io(e) => write!(f, "store: {e}"),
            StoreError::Db(e) => write!(f, "store database: {e}"),
            StoreError::TooNew { found, known } => write!(
                f,
                "store database has schema version {found}, newer than this phishlens knows ({known}): upgrade phishlens"
            ),
            StoreError::NotFound(what) => write!(f, "not in the store: {what}"),
        }
    }
}

impl std::error::Error for StoreError {}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How one analysis is recorded.
#[derive(Debug, Clone, Default)]
pub struct RecordOptions {
    /// Keep the raw message (so it can be re-analysed with newer rules). `--no-raw` sets this to false.
    pub keep_raw: bool,
    /// Where the message came from (file path, `-`, mbox path#n), shown in `history`.
    pub source: Option<String>,
    /// "Now" in unix seconds; None means the system clock (tests set it).
    pub now: Option<i64>,
    /// Look up earlier analyses and fill `seen_before` / memory findings. False stores only.
    pub correlate: bool,
    /// The brands the analysis used (`--brands` adds to the built-in ones): a brand's genuine domains never link
    /// analyses. None means the built-in knowledge base.
    pub brands: Option<std::sync::Arc<phishlens_core::brands::BrandKb>>,
}

/// What `record` saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub analysis_id: i64,
    /// Row id of the message (one per distinct sha256 of the raw bytes).
    pub message_id: i64,
    /// False when the same bytes had been stored before: a second analysis of a known message.
    pub new_message: bool,
}

/// What an analysis gives the store before the store itself is involved: the message's identity and its
/// indicators. A batch computes it in its workers, in parallel, so that the one thread that writes to the
/// store only looks up, correlates and writes ([`Store::record_prepared`]).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Hex sha256 of the raw message: its identity in the store.
    pub sha256: String,
    pub indicators: Vec<Indicator>,
}

/// Hash the message and extract its indicators (backend-independent; no lock, no I/O). The report must be the
/// analysis without memory findings, as `record_prepared` then gets it.
pub fn prepare(raw: &[u8], report: &Report, opts: &RecordOptions) -> Prepared {
    prepare_inner(raw, report, opts, None)
}

/// As [`prepare`], with the layout fingerprints taken from the HTML bodies the analysis decoded
/// (`phishlens_core::analyze_with_html` into [`indicators::LayoutsOfHtml`]) rather than from the raw message.
pub fn prepare_with_layouts(raw: &[u8], report: &Report, opts: &RecordOptions, layouts: &[String]) -> Prepared {
    prepare_inner(raw, report, opts, Some(layouts))
}

fn prepare_inner(raw: &[u8], report: &Report, opts: &RecordOptions, layouts: Option<&[String]>) -> Prepared {
    use sha2::Digest;
    let kb: &phishlens_core::brands::BrandKb = match opts.brands.as_deref() {
        Some(kb) => kb,
        None => phishlens_core::brands::builtin(),
    };
    let indicators = match layouts {
        Some(layouts) => indicators::extract_with_layouts(report, layouts, kb),
        None => indicators::extract(report, Some(raw), kb),
    };
    // sha256 only: it is the message's identity here. sha1 and md5 of a 40 KiB message cost a tenth of the
    // whole analysis (md5 has no hardware help); `sqlite::message_hashes` computes them when someone needs them.
    Prepared { sha256: hex(&sha2::Sha256::digest(raw)), indicators }
}

/// Lower-case hex, without a formatting call per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// What `record_deferred` did: the analysis is in the open group `group`, durable once
/// `group_status(group)` says `Committed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deferred {
    pub recorded: Recorded,
    pub group: u64,
}

/// Where a group of deferred analyses stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupStatus {
    /// Not committed yet: its analyses must not be reported as stored.
    Open,
    /// Durable.
    Committed,
    /// The commit failed: its analyses are not stored.
    Failed(String),
}

/// One stored analysis, as listed by `history` and used by campaigns.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AnalysisRow {
    pub id: i64,
    pub message_id: i64,
    pub sha256: String,
    pub analysed_at: i64,
    pub received_at: Option<i64>,
    pub source: Option<String>,
    pub subject: Option<String>,
    pub verdict: String,
    pub score: f64,
    /// The verdict from the message's own evidence, without `memory.*` findings. Only analyses flagged by it
    /// may be pointed to by later "seen before" findings (no cascade through memory).
    pub base_verdict: String,
    /// Brand ids the message claimed.
    pub brands: Vec<String>,
    /// A later analysis of the same message replaced this one (re-analysis).
    pub superseded: bool,
    pub has_raw: bool,
}

impl AnalysisRow {
    pub fn flagged(&self) -> bool {
        self.verdict != "clean"
    }
    /// Flagged by its own evidence (base verdict), not only through resemblance to earlier analyses.
    pub fn base_flagged(&self) -> bool {
        self.base_verdict != "clean"
    }
    /// When the message was received if known, else when it was analysed.
    pub fn when(&self) -> i64 {
        self.received_at.unwrap_or(self.analysed_at)
    }
}

/// One stored indicator row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorRow {
    pub analysis_id: i64,
    pub kind: String,
    pub value: String,
    /// How much sharing it links two analyses (0: never links, e.g. gmail.com).
    pub weight: f64,
    /// A big shared provider or a brand's genuine domain: kept for search, never exported as an IOC.
    pub benign: bool,
}

/// Filters of `history`. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub verdict: Option<String>,
    pub brand: Option<String>,
    /// An indicator value (IP, domain, host, URL, address, hash): analyses that have it, of any kind.
    pub indicator: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Include analyses replaced by a re-analysis of the same message.
    pub include_superseded: bool,
    pub limit: Option<usize>,
}

/// `report_format` of a stored document holding the whole report as reported.
pub const FULL_REPORT_FORMAT: i64 = 2;

/// A stored analysis in full.
#[derive(Debug, Clone)]
pub struct StoredAnalysis {
    pub row: AnalysisRow,
    /// The report as stored. Since `report_format` 2: the whole serialised `Report` as it was reported (see
    /// [`StoredAnalysis::full_report`]). Older rows: the whole `Report` when the raw message was not kept, else
    /// only what cannot be recomputed (`"partial": true`: verdict, score, finding ids and params, memory
    /// findings, `seen_before`).
    pub report: serde_json::Value,
    pub indicators: Vec<IndicatorRow>,
}

impl StoredAnalysis {
    /// The report exactly as it was reported, when the stored document holds it whole (every analysis stored
    /// since `report_format` 2, and older ones stored without their raw message). None for an older partial
    /// document: the caller has to re-analyse the raw message.
    pub fn full_report(&self) -> Option<Report> {
        let doc = self.report.as_object()?;
        let whole = doc.get("report_format").and_then(serde_json::Value::as_i64) == Some(FULL_REPORT_FORMAT)
            || (doc.get("partial").is_none() && doc.contains_key("facts"));
        if !whole {
            return None;
        }
        let mut report: Report = serde_json::from_value(self.report.clone()).ok()?;
        if let (Some(origin), Some(ja)) =
            (report.facts.origin.as_mut(), doc.get("origin_reason_ja").and_then(serde_json::Value::as_str))
        {
            origin.reason_ja = ja.to_string();
        }
        Some(report)
    }
}

/// The storage interface. Implementations must make `record` atomic: when it returns Ok, the analysis,
/// its message and its indicators are durable; when the process dies before, none of them are visible.
/// Batches use group commit instead: `record_deferred` puts analyses into one open transaction that is
/// committed every so many analyses or milliseconds (or by `commit`); an analysis is durable, and may be
/// reported as stored, once `group_status` of its group says `Committed`.
pub trait Store: Send + Sync {
    /// Correlate `report` with earlier analyses (filling `report.seen_before` and adding `memory.*`
    /// findings, which may change the verdict) and save it, all in one transaction. `raw` is the message as
    /// analysed (hashed always, kept when `opts.keep_raw`).
    fn record(&self, raw: &[u8], report: &mut Report, opts: &RecordOptions) -> Result<Recorded>;
    /// As `record`, into the open group transaction: durable only when its group is. Later analyses of the
    /// same group are correlated with it. On error this analysis is not stored, and an implementation may fail
    /// the whole open group (SQLite does, rather than pay for a savepoint per analysis): `group_status` then
    /// says `Failed` for the others.
    fn record_deferred(&self, raw: &[u8], report: &mut Report, opts: &RecordOptions) -> Result<Deferred> {
        let prepared = prepare(raw, report, opts);
        self.record_prepared(raw, &prepared, report, opts)
    }
    /// As `record_deferred`, with the hashing and indicator extraction already done by [`prepare`] (on another
    /// thread: a batch's workers prepare, its one store thread records).
    fn record_prepared(
        &self,
        raw: &[u8],
        prepared: &Prepared,
        report: &mut Report,
        opts: &RecordOptions,
    ) -> Result<Deferred>;
    /// Commit the open group now (end of a batch; idle input).
    fn commit(&self) -> Result<()>;
    /// Commit the open group if it is due (old or full enough); cheap to call often.
    fn commit_due(&self) -> Result<()>;
    /// Whether a group is committed.
    fn group_status(&self, group: u64) -> GroupStatus;
    /// One analysis with its report and indicators.
    fn analysis(&self, id: i64) -> Result<Option<StoredAnalysis>>;
    /// The raw message of an analysis, if it was kept.
    fn raw_message(&self, analysis_id: i64) -> Result<Option<Vec<u8>>>;
    /// Analyses, newest first.
    fn history(&self, filter: &HistoryFilter) -> Result<Vec<AnalysisRow>>;
    /// Every current (not superseded) analysis and all its indicators with weight > 0: the input of campaign
    /// clustering.
    fn current(&self) -> Result<(Vec<AnalysisRow>, Vec<IndicatorRow>)>;
    /// Indicators of the given analyses (all kinds, benign ones included).
    fn indicators_of(&self, analysis_ids: &[i64]) -> Result<Vec<IndicatorRow>>;
}

/// Unix seconds now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_and_prepare_names_the_message_by_its_sha256() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n";
        let report = phishlens_core::analyze(raw, &phishlens_core::Config::default());
        let p = prepare(raw, &report, &RecordOptions::default());
        use sha2::Digest;
        let expected: String = sha2::Sha256::digest(raw).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(p.sha256, expected);
        assert!(p.indicators.iter().any(|i| i.kind == Kind::SenderDomain && i.value == "example.com"));
    }
}
