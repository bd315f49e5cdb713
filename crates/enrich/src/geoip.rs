//! ASN, country and city of an IP from MaxMind-format databases the user already has (GeoLite2 or DB-IP:
//! ASN, City, Country; `--geoip PATH`, `PHISHLENS_GEOIP`). The lookups are local, so they run with
//! `--offline` too. Which kind of database a file is comes from its metadata (`database_type`), not its
//! name; every kind is read through one tolerant record shape, since vendors differ in which keys they fill.

use phishlens_core::intel::{GeoIp, Source};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Largest database file loaded (GeoLite2-City is ~70 MiB, DB-IP City Lite ~130 MiB).
const MAX_DB_BYTES: u64 = 512 << 20;
/// Databases opened at most.
const MAX_DBS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Asn,
    City,
    Country,
    /// Some other MaxMind-format database: read for whatever of the same keys it has.
    Other,
}

impl DbKind {
    /// From the metadata's database_type: "GeoLite2-ASN", "GeoLite2-City", "DBIP-ASN-Lite (compat=GeoLite2-ASN)",
    /// "DBIP-City-Lite", "DBIP-Country-Lite", "GeoIP2-ISP", ...
    pub fn from_type(t: &str) -> DbKind {
        let t = t.to_ascii_lowercase();
        if t.contains("asn") || t.contains("isp") {
            DbKind::Asn
        } else if t.contains("city") {
            DbKind::City
        } else if t.contains("country") {
            DbKind::Country
        } else {
            DbKind::Other
        }
    }
}

struct Db {
    label: String,
    kind: DbKind,
    reader: maxminddb::Reader<Vec<u8>>,
}

/// The opened databases, shared by every message of a run.
pub struct GeoDbs {
    dbs: Vec<Db>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Named {
    iso_code: Option<String>,
    names: BTreeMap<String, String>,
}

/// The keys GeoLite2 and DB-IP use, all optional.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Record {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<String>,
    country: Option<Named>,
    registered_country: Option<Named>,
    city: Option<Named>,
}

fn name_of(n: &Named) -> Option<String> {
    n.names.get("en").or_else(|| n.names.values().next()).map(|s| phishlens_core::finding::bounded(s, 100))
}

/// The paths in `PHISHLENS_GEOIP` (colon-separated), empty entries skipped.
pub fn env_paths() -> Vec<PathBuf> {
    std::env::var_os("PHISHLENS_GEOIP")
        .map(|v| std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect())
        .unwrap_or_default()
}

impl GeoDbs {
    /// Open every file; an unreadable or non-MaxMind file is an error naming it (the user asked for it).
    pub fn open(paths: &[PathBuf]) -> Result<GeoDbs, String> {
        let mut dbs = Vec::new();
        for p in paths.iter().take(MAX_DBS) {
            dbs.push(open_one(p)?);
        }
        Ok(GeoDbs { dbs })
    }

    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    /// "GeoLite2-ASN (asn.mmdb)", one per database, for the report.
    pub fn describe(&self) -> Vec<String> {
        self.dbs.iter().map(|d| format!("{} ({:?})", d.label, d.kind)).collect()
    }

    /// What the databases say about `ip`; None when none of them knows it.
    pub fn lookup(&self, ip: IpAddr) -> Option<GeoIp> {
        let mut g = GeoIp::default();
        let mut used: Vec<&str> = Vec::new();
        for db in &self.dbs {
            let Ok(found) = db.reader.lookup(ip) else { continue };
            let Ok(Some(r)) = found.decode::<Record>() else { continue };
            let before = g.clone();
            g.asn = g.asn.or(r.autonomous_system_number);
            g.as_org = g.as_org.or_else(|| {
                r.autonomous_system_organization.as_deref().map(|s| phishlens_core::finding::bounded(s, 200))
            });
            let country = r.country.as_ref().or(r.registered_country.as_ref()).and_then(|c| c.iso_code.clone());
            g.country = g.country.or_else(|| country.map(|c| phishlens_core::finding::bounded(&c, 8)));
            g.city = g.city.or_else(|| r.city.as_ref().and_then(name_of));
            if g != before {
                used.push(&db.label);
            }
        }
        if used.is_empty() {
            return None;
        }
        g.source = Source {
            source: "mmdb".into(),
            server: Some(used.join(", ")),
            fetched_at: crate::lookup::now_secs(),
            ..Default::default()
        };
        Some(g)
    }
}

fn open_one(p: &Path) -> Result<Db, String> {
    let meta = std::fs::metadata(p).map_err(|e| format!("--geoip {}: {e}", p.display()))?;
    if meta.len() > MAX_DB_BYTES {
        return Err(format!("--geoip {}: larger than {} MiB", p.display(), MAX_DB_BYTES >> 20));
    }
    let bytes = std::fs::read(p).map_err(|e| format!("--geoip {}: {e}", p.display()))?;
    let reader = maxminddb::Reader::from_source(bytes)
        .map_err(|e| format!("--geoip {}: not a MaxMind-format database: {e}", p.display()))?;
    let db_type = reader.metadata().database_type.clone();
    let file = p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Db {
        label: format!("{} {file}", phishlens_core::finding::bounded(&db_type, 80)),
        kind: DbKind::from_type(&db_type),
        reader,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_metadata() {
        assert_eq!(DbKind::from_type("GeoLite2-ASN"), DbKind::Asn);
        assert_eq!(DbKind::from_type("DBIP-ASN-Lite (compat=GeoLite2-ASN)"), DbKind::Asn);
        assert_eq!(DbKind::from_type("GeoLite2-City"), DbKind::City);
        assert_eq!(DbKind::from_type("DBIP-City-Lite"), DbKind::City);
        assert_eq!(DbKind::from_type("DBIP-Country-Lite"), DbKind::Country);
        assert_eq!(DbKind::from_type("My-Test"), DbKind::Other);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("junk.mmdb");
        std::fs::write(&p, b"not a database").unwrap();
        let e = GeoDbs::open(&[p]).err().unwrap();
        assert!(e.contains("junk.mmdb"), "{e}");
    }
}
