//! The local answer cache (SQLite, one table): every answer with the time it was fetched and its TTL, so a
//! campaign of a hundred mails costs one lookup per fact and the report can say how old a fact is.

use crate::lookup::{Answer, Outcome};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

pub struct Cache {
    conn: Mutex<Connection>,
}

/// Shortest and longest time an answer is kept, whatever its TTL says.
const MIN_TTL: u64 = 60;
const MAX_TTL: u64 = 7 * 86_400;

impl Cache {
    pub fn open(path: &Path) -> Result<Cache, String> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::init(conn).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn in_memory() -> Result<Cache, String> {
        Self::init(Connection::open_in_memory().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
    }

    fn init(conn: Connection) -> rusqlite::Result<Cache> {
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE IF NOT EXISTS answer (
                 kind TEXT NOT NULL, query TEXT NOT NULL, server TEXT, outcome TEXT NOT NULL,
                 fetched_at INTEGER NOT NULL, ttl INTEGER NOT NULL, PRIMARY KEY (kind, query));",
        )?;
        Ok(Cache { conn: Mutex::new(conn) })
    }

    /// A fresh answer, if one is kept.
    pub fn get(&self, kind: &str, query: &str, now: i64) -> Option<Answer> {
        let conn = self.conn.lock().ok()?;
        let row: Option<(Option<String>, String, i64, i64)> = conn
            .query_row(
                "SELECT server, outcome, fetched_at, ttl FROM answer WHERE kind = ?1 AND query = ?2",
                params![kind, query],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .ok()
            .flatten();
        let (server, outcome, fetched_at, ttl) = row?;
        if fetched_at.saturating_add(ttl) <= now {
            return None;
        }
        let outcome: Outcome = serde_json::from_str(&outcome).ok()?;
        Some(Answer {
            kind: kind.into(),
            query: query.into(),
            server,
            outcome,
            fetched_at,
            ttl_secs: u64::try_from(ttl).unwrap_or(0),
        })
    }

    /// Forget the negative DNS answers (nxdomain, nodata) fetched at or after `since`.
    pub fn forget_negative_dns_since(&self, since: i64) {
        if let Ok(conn) = self.conn.lock() {
            let _ = conn.execute(
                "DELETE FROM answer WHERE kind = 'dns' AND fetched_at >= ?1 AND outcome LIKE '{\"type\":\"negative\"%'",
                params![since],
            );
        }
    }

    pub fn put(&self, a: &Answer) {
        let Ok(outcome) = serde_json::to_string(&a.outcome) else { return };
        let ttl = a.ttl_secs.clamp(MIN_TTL, MAX_TTL) as i64;
        if let Ok(conn) = self.conn.lock() {
            let _ = conn.execute(
                "INSERT OR REPLACE INTO answer (kind, query, server, outcome, fetched_at, ttl)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![a.kind, a.query, a.server, outcome, a.fetched_at, ttl],
            );
        }
    }
}

/// The default cache file: `$XDG_CACHE_HOME/phishlens/lookups.sqlite` or `~/.cache/phishlens/...`.
pub fn default_path() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| Path::new(&h).join(".cache")))?;
    Some(base.join("phishlens").join("lookups.sqlite"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_answers_until_their_ttl_runs_out() {
        let c = Cache::in_memory().unwrap();
        let a = Answer {
            kind: "dns".into(),
            query: "A example.jp".into(),
            server: None,
            outcome: Outcome::Data(serde_json::json!(["192.0.2.1"])),
            fetched_at: 1000,
            ttl_secs: 300,
        };
        c.put(&a);
        assert_eq!(c.get("dns", "A example.jp", 1200).unwrap().outcome, a.outcome);
        assert!(c.get("dns", "A example.jp", 1300).is_none());
        assert!(c.get("dns", "A other.jp", 1200).is_none());
    }
}
