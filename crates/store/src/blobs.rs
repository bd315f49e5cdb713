//! The blob file: raw messages and report documents, appended to one owner-only file next to the database
//! (`<db>-blobs`), with only their offset and length in SQLite.
//!
//! Why: in SQLite a 40 KiB message is written twice (a WAL frame per page, then the checkpoint copies each
//! page into the database) plus page checksums and overflow-chain bookkeeping; that was most of what storing
//! cost. Appended here it is written once.
//!
//! Durability: the bytes of a group are written before its rows and `fdatasync`ed before its SQLite commit, so
//! a committed row never points at bytes that a crash or power loss could take away. A group that is rolled
//! back is cut off the end of the file again; one that dies with the process leaves unreferenced bytes at the
//! end, which nothing reads. Appends happen only inside a write transaction (`BEGIN IMMEDIATE`), so two
//! processes sharing a database never append at once: the end of the file is read when the group starts.

use crate::{Result, StoreError};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Longest blob read back (a stored message is at most the analysis size limit; a report is far smaller).
const MAX_BLOB: u64 = 256 * 1024 * 1024;
/// Appends are gathered in memory up to this size and written in one call (two small writes per message cost
/// a system call and the file system's per-write bookkeeping each); a blob this large is written directly.
const WRITE_AT: usize = 1024 * 1024;

/// Where a blob is: byte offset and length in the blob file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlobRef {
    pub off: i64,
    pub len: i64,
}

pub(crate) struct BlobFile {
    file: File,
    path: PathBuf,
    /// End of the file as this process writes it (valid while a group is open).
    end: u64,
    /// End of the file when the open group started: a failed group is cut back to it.
    group_start: u64,
    /// Bytes written since the last sync.
    dirty: bool,
    /// Appended bytes not written yet; they start at `pending_at` in the file.
    pending: Vec<u8>,
    pending_at: u64,
}

fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("{}: {e}", path.display()))
}

/// The blob file of the database at `db`.
pub(crate) fn path_for(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push("-blobs");
    db.with_file_name(name)
}

impl BlobFile {
    /// Open (creating owner-only) the blob file of the database at `db`.
    pub fn open(db: &Path) -> Result<BlobFile> {
        let path = path_for(db);
        crate::sqlite::create_private(&path)?;
        let file = std::fs::OpenOptions::new().read(true).write(true).open(&path).map_err(|e| io_err(&path, e))?;
        Ok(BlobFile { file, path, end: 0, group_start: 0, dirty: false, pending: Vec::new(), pending_at: 0 })
    }

    /// A group starts (the caller holds the database's write lock): append from the current end of the file.
    pub fn begin(&mut self) -> Result<()> {
        let len = self.file.metadata().map_err(|e| io_err(&self.path, e))?.len();
        self.end = len;
        self.group_start = len;
        self.dirty = false;
        self.pending.clear();
        self.pending_at = len;
        Ok(())
    }

    /// Append one blob (inside a group).
    pub fn append(&mut self, bytes: &[u8]) -> std::io::Result<BlobRef> {
        let off = self.end;
        if bytes.len() >= WRITE_AT {
            self.flush()?;
            write_all_at(&self.file, bytes, off)?;
            self.pending_at = off + bytes.len() as u64;
        } else {
            if self.pending.is_empty() {
                self.pending_at = off;
            }
            self.pending.extend_from_slice(bytes);
            if self.pending.len() >= WRITE_AT {
                self.flush()?;
            }
        }
        self.end += bytes.len() as u64;
        self.dirty = true;
        let to_i64 = |v: u64| i64::try_from(v).map_err(|_| std::io::Error::other("blob file too large"));
        Ok(BlobRef { off: to_i64(off)?, len: to_i64(bytes.len() as u64)? })
    }

    /// Write the gathered appends.
    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            write_all_at(&self.file, &self.pending, self.pending_at)?;
            self.pending_at += self.pending.len() as u64;
            self.pending.clear();
        }
        Ok(())
    }

    /// Make the group's bytes durable: called before its SQLite commit.
    pub fn sync(&mut self) -> Result<()> {
        self.flush().map_err(|e| io_err(&self.path, e))?;
        if self.dirty {
            self.file.sync_data().map_err(|e| io_err(&self.path, e))?;
            self.dirty = false;
        }
        Ok(())
    }

    /// The group was rolled back: cut its bytes off again (the write lock is still held, nobody appended after).
    pub fn rollback(&mut self) {
        self.pending.clear();
        self.pending_at = self.group_start;
        if self.end != self.group_start {
            let _ = self.file.set_len(self.group_start);
            self.end = self.group_start;
        }
        self.dirty = false;
    }

    /// Read one blob back. An offset outside the file (a damaged row, a truncated file) is an error, not a panic.
    pub fn read(&self, at: BlobRef) -> Result<Vec<u8>> {
        let (Ok(off), Ok(len)) = (u64::try_from(at.off), u64::try_from(at.len)) else {
            return Err(StoreError::Db(format!("bad blob reference {at:?}")));
        };
        // Appended in this process and not written yet.
        if !self.pending.is_empty() && off >= self.pending_at {
            let from = usize::try_from(off - self.pending_at).unwrap_or(usize::MAX);
            let to = usize::try_from(len).ok().and_then(|l| from.checked_add(l));
            if let Some(bytes) = to.and_then(|to| self.pending.get(from..to)) {
                return Ok(bytes.to_vec());
            }
        }
        let size = self.file.metadata().map_err(|e| io_err(&self.path, e))?.len();
        if len > MAX_BLOB || off.checked_add(len).is_none_or(|e| e > size) {
            return Err(StoreError::Io(format!("{}: blob {at:?} is outside the file", self.path.display())));
        }
        let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
        read_exact_at(&self.file, &mut buf, off).map_err(|e| io_err(&self.path, e))?;
        Ok(buf)
    }
}

#[cfg(unix)]
fn write_all_at(f: &File, buf: &[u8], off: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, buf, off)
}

#[cfg(unix)]
fn read_exact_at(f: &File, buf: &mut [u8], off: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, off)
}

#[cfg(not(unix))]
fn write_all_at(mut f: &File, buf: &[u8], off: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    f.seek(SeekFrom::Start(off))?;
    f.write_all(buf)
}

#[cfg(not(unix))]
fn read_exact_at(mut f: &File, buf: &mut [u8], off: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    f.seek(SeekFrom::Start(off))?;
    f.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_read_back_and_a_rolled_back_group_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let mut b = BlobFile::open(&db).unwrap();
        b.begin().unwrap();
        let one = b.append(b"first message").unwrap();
        let two = b.append(b"second").unwrap();
        // Gathered in memory, not written yet, and still readable.
        assert_eq!(b.read(two).unwrap(), b"second");
        // A large blob is written directly, after what was gathered before it.
        let big_bytes = vec![7u8; WRITE_AT + 3];
        let big = b.append(&big_bytes).unwrap();
        let after = b.append(b"after").unwrap();
        b.sync().unwrap();
        assert_eq!(b.read(big).unwrap(), big_bytes);
        assert_eq!(b.read(after).unwrap(), b"after");
        assert_eq!(std::fs::metadata(path_for(&db)).unwrap().len(), u64::try_from(after.off + after.len).unwrap());
        assert_eq!(b.read(one).unwrap(), b"first message");
        assert_eq!(b.read(two).unwrap(), b"second");
        b.begin().unwrap();
        let gone = b.append(b"rolled back").unwrap();
        b.rollback();
        assert!(b.read(gone).is_err());
        assert!(b.read(BlobRef { off: i64::MAX, len: 10 }).is_err());
        assert!(b.read(BlobRef { off: -1, len: 1 }).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path_for(&db)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
