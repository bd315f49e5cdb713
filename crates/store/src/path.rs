//! Where the database lives when the user does not say: the platform's per-user data directory, computed
//! from the environment (no extra crate): `$XDG_DATA_HOME/phishlens/phishlens.db`, else
//! `~/.local/share/phishlens/phishlens.db` (Linux and other Unix), `~/Library/Application Support/phishlens/`
//! (macOS), `%APPDATA%\phishlens\` (Windows).

use crate::{Result, StoreError};
use std::path::{Path, PathBuf};

const FILE_NAME: &str = "phishlens.db";

fn non_empty(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The default database path, or None when no home or data directory can be found.
pub fn default_db_path() -> Option<PathBuf> {
    let dir = if cfg!(windows) {
        non_empty("APPDATA")
    } else if cfg!(target_os = "macos") {
        non_empty("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        non_empty("XDG_DATA_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| non_empty("HOME").map(|h| h.join(".local/share")))
    }?;
    Some(dir.join("phishlens").join(FILE_NAME))
}

/// `--db PATH` if given, else `PHISHLENS_DB`, else the default path.
pub fn resolve_db_path(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = non_empty("PHISHLENS_DB") {
        return Ok(p);
    }
    default_db_path().ok_or_else(|| {
        StoreError::Io("no data directory (set HOME or XDG_DATA_HOME, or give --db / PHISHLENS_DB)".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_path_wins() {
        let p = resolve_db_path(Some(Path::new("/tmp/x.db"))).unwrap();
        assert_eq!(p, PathBuf::from("/tmp/x.db"));
    }

    #[test]
    fn default_path_ends_in_phishlens_db() {
        if let Some(p) = default_db_path() {
            assert!(p.ends_with("phishlens/phishlens.db"), "{}", p.display());
        }
    }
}
