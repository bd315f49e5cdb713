//! The one door every lookup goes through: replay from an evidence file, the local cache, an in-process
//! memo (so concurrent branches and later messages of a batch ask each question once), the per-lookup
//! timeout and the overall deadline, and the evidence record. Protocol modules only say how to fetch.

use crate::cache::Cache;
use phishlens_core::intel::{Source, Unknown};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio::time::Instant;

/// The result of one question.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Outcome {
    /// An answer (records, an RDAP object, a WHOIS text).
    Data(Value),
    /// A definite "there is nothing": nxdomain, nodata, not found (404). Cacheable.
    Negative(String),
    /// No answer: timeout, SERVFAIL, refused, malformed, rate limited. Reported as unknown, never cached.
    Failed(String),
}

/// One question and its answer, as kept in the cache and in evidence files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Answer {
    /// dns | rdap | rdap-bootstrap | whois | auth
    pub kind: String,
    /// e.g. "TXT kagoya.jp", "ip 106.75.178.120", "whois.cnnic.cn 4ztfqg8.cn".
    pub query: String,
    pub server: Option<String>,
    pub outcome: Outcome,
    /// Unix seconds.
    pub fetched_at: i64,
    pub ttl_secs: u64,
}

/// What a protocol module returns from the network.
pub struct Fetched {
    pub outcome: Outcome,
    pub ttl_secs: u64,
    pub server: Option<String>,
}

impl Fetched {
    pub fn new(outcome: Outcome, ttl_secs: u64, server: Option<String>) -> Fetched {
        Fetched { outcome, ttl_secs, server }
    }
    pub fn failed(reason: impl Into<String>, server: Option<String>) -> Fetched {
        Fetched { outcome: Outcome::Failed(reason.into()), ttl_secs: 0, server }
    }
}

/// An answer handed to a protocol module, with where it came from.
#[derive(Debug, Clone)]
pub struct Got {
    pub outcome: Outcome,
    pub source: Source,
}

impl Got {
    pub fn data(&self) -> Option<&Value> {
        match &self.outcome {
            Outcome::Data(v) => Some(v),
            _ => None,
        }
    }
}

/// Evidence file layout (`--save-evidence`, `--replay-evidence`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub phishlens_evidence: u32,
    pub answers: Vec<Answer>,
}

type Key = (String, String);
/// One question's answer, shared by everyone who asks it; the age is set when it came from the cache.
type Shared = Arc<OnceCell<(Answer, Option<i64>)>>;

/// Shared by every message of a run.
pub struct Lookups {
    cache: Option<Cache>,
    replay: Option<HashMap<Key, Answer>>,
    evidence: Option<Mutex<BTreeMap<Key, Answer>>>,
    memo: Mutex<HashMap<Key, Shared>>,
}

/// Most memo entries kept before the memo is dropped (a batch must not grow memory without bound).
const MEMO_MAX: usize = 50_000;

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Lookups {
    pub fn new(cache: Option<Cache>, replay: Option<EvidenceFile>, save_evidence: bool) -> Lookups {
        let replay = replay.map(|f| f.answers.into_iter().map(|a| ((a.kind.clone(), a.query.clone()), a)).collect());
        Lookups { cache, replay, evidence: save_evidence.then(|| Mutex::new(BTreeMap::new())), memo: Mutex::default() }
    }

    pub fn is_replay(&self) -> bool {
        self.replay.is_some()
    }

    /// Drop the negative DNS answers cached since `since` (unix seconds): they came from a resolver found
    /// not to give real answers.
    pub fn forget_negative_since(&self, since: i64) {
        if let Some(c) = &self.cache {
            c.forget_negative_dns_since(since);
        }
    }

    /// Whether the evidence file being replayed holds any answer of this kind.
    pub fn replay_has_kind(&self, kind: &str) -> bool {
        self.replay.as_ref().is_some_and(|r| r.keys().any(|(k, _)| k == kind))
    }

    /// Every answer used so far (for `--save-evidence`).
    pub fn evidence(&self) -> EvidenceFile {
        let answers = match &self.evidence {
            Some(m) => m.lock().map(|m| m.values().cloned().collect()).unwrap_or_default(),
            None => Vec::new(),
        };
        EvidenceFile { phishlens_evidence: 1, answers }
    }

    fn record(&self, a: &Answer) {
        if let Some(m) = &self.evidence
            && let Ok(mut m) = m.lock()
        {
            m.insert((a.kind.clone(), a.query.clone()), a.clone());
        }
    }
}

/// Per-message state: the deadline, the unknowns and the counters.
pub struct Ctx<'a> {
    pub lookups: &'a Lookups,
    pub per_lookup: Duration,
    pub deadline: Instant,
    unknown: Mutex<Vec<Unknown>>,
    pub network: AtomicUsize,
    pub cached: AtomicUsize,
    pub replayed: AtomicUsize,
    pub failed: AtomicUsize,
}

impl<'a> Ctx<'a> {
    pub fn new(lookups: &'a Lookups, per_lookup: Duration, deadline: Instant) -> Ctx<'a> {
        Ctx {
            lookups,
            per_lookup,
            deadline,
            unknown: Mutex::default(),
            network: AtomicUsize::new(0),
            cached: AtomicUsize::new(0),
            replayed: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// Time left for one more lookup: the per-lookup timeout, cut by the overall deadline.
    pub fn budget(&self) -> Duration {
        self.per_lookup.min(self.remaining())
    }

    /// Time left before the overall deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    pub fn unknown(&self, lookup: impl Into<String>, reason: impl Into<String>) {
        if let Ok(mut u) = self.unknown.lock()
            && u.len() < 200
        {
            let lookup = lookup.into();
            if !u.iter().any(|x| x.lookup == lookup) {
                u.push(Unknown { lookup, reason: reason.into() });
            }
        }
    }

    pub fn take_unknown(&self) -> Vec<Unknown> {
        let mut u = self.unknown.lock().map(|mut u| std::mem::take(&mut *u)).unwrap_or_default();
        // Lookups finish in any order; the report lists them in a stable one.
        u.sort_by(|a, b| a.lookup.cmp(&b.lookup));
        u
    }

    /// Ask one question once. `fetch` runs only when neither the replay file, the memo nor the cache has a
    /// usable answer; it is cut at the lookup's budget.
    pub async fn get<F, Fut>(&self, kind: &str, query: &str, cacheable: bool, fetch: F) -> Got
    where
        F: FnOnce(Duration) -> Fut,
        Fut: Future<Output = Fetched>,
    {
        self.get_within(kind, query, cacheable, self.per_lookup, fetch).await
    }

    /// `get` with a time limit of `limit` (still cut by the overall deadline): for a question that is
    /// itself a chain of lookups, such as the whole SPF/DKIM/DMARC evaluation.
    pub async fn get_within<F, Fut>(&self, kind: &str, query: &str, cacheable: bool, limit: Duration, fetch: F) -> Got
    where
        F: FnOnce(Duration) -> Fut,
        Fut: Future<Output = Fetched>,
    {
        let key = (kind.to_string(), query.to_string());
        if let Some(replay) = &self.lookups.replay {
            let got = match replay.get(&key) {
                Some(a) => {
                    self.replayed.fetch_add(1, Ordering::Relaxed);
                    Got { outcome: a.outcome.clone(), source: source_of(a, None, true) }
                }
                None => Got {
                    outcome: Outcome::Failed("not in the evidence file".into()),
                    source: Source { source: kind.into(), replayed: true, ..Default::default() },
                },
            };
            self.note(kind, query, &got.outcome);
            return got;
        }
        let cell = {
            let mut memo = self.lookups.memo.lock().unwrap_or_else(|e| e.into_inner());
            if memo.len() >= MEMO_MAX {
                memo.clear();
            }
            memo.entry(key.clone()).or_default().clone()
        };
        let mut ran = false;
        let (answer, cache_age) = cell
            .get_or_init(|| async {
                ran = true;
                if cacheable
                    && let Some(cache) = &self.lookups.cache
                    && let Some(a) = cache.get(kind, query, now_secs())
                {
                    let age = now_secs() - a.fetched_at;
                    return (a, Some(age.max(0)));
                }
                let budget = limit.min(self.remaining());
                let fetched_at = now_secs();
                let fetched = if budget.is_zero() {
                    Fetched::failed("overall deadline reached before the lookup", None)
                } else {
                    match tokio::time::timeout(budget, fetch(budget)).await {
                        Ok(f) => f,
                        Err(_) => Fetched::failed(format!("timed out after {} ms", budget.as_millis()), None),
                    }
                };
                let a = Answer {
                    kind: kind.into(),
                    query: query.into(),
                    server: fetched.server,
                    outcome: fetched.outcome,
                    fetched_at,
                    ttl_secs: fetched.ttl_secs,
                };
                if cacheable
                    && !matches!(a.outcome, Outcome::Failed(_))
                    && let Some(cache) = &self.lookups.cache
                {
                    cache.put(&a);
                }
                (a, None)
            })
            .await
            .clone();
        if matches!(answer.outcome, Outcome::Failed(_)) {
            // A failure is not memoised: the next message may be luckier.
            let mut memo = self.lookups.memo.lock().unwrap_or_else(|e| e.into_inner());
            memo.remove(&key);
        }
        if cache_age.is_some() {
            self.cached.fetch_add(1, Ordering::Relaxed);
        } else if ran && kind != "mmdb" {
            // Local database lookups are not network lookups.
            self.network.fetch_add(1, Ordering::Relaxed);
        }
        self.lookups.record(&answer);
        let got = Got { outcome: answer.outcome.clone(), source: source_of(&answer, cache_age, false) };
        self.note(kind, query, &got.outcome);
        got
    }

    fn note(&self, kind: &str, query: &str, o: &Outcome) {
        if let Outcome::Failed(reason) = o {
            self.failed.fetch_add(1, Ordering::Relaxed);
            self.unknown(format!("{kind} {query}"), reason.clone());
        }
    }
}

fn source_of(a: &Answer, cache_age: Option<i64>, replayed: bool) -> Source {
    let source = match a.kind.as_str() {
        "rdap-bootstrap" => "rdap",
        "auth" => "mail-auth",
        k => k,
    };
    Source {
        source: source.to_string(),
        server: a.server.clone(),
        fetched_at: a.fetched_at,
        cache_age_secs: cache_age,
        replayed,
    }
}

/// Merge several answers' provenance into one: the oldest fetch, the oldest cache age.
pub fn merge_sources(sources: &[&Source]) -> Source {
    let mut out = match sources.first() {
        Some(s) => (*s).clone(),
        None => return Source::default(),
    };
    for s in &sources[1..] {
        if s.fetched_at != 0 && (out.fetched_at == 0 || s.fetched_at < out.fetched_at) {
            out.fetched_at = s.fetched_at;
        }
        out.cache_age_secs = match (out.cache_age_secs, s.cache_age_secs) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        out.replayed |= s.replayed;
    }
    out
}
