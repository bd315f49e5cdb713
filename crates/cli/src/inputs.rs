//! What `analyze` reads: .eml files, `-` (stdin), directories (their .eml files, recursively; Maildir folders'
//! cur/ and new/), and mbox files, streamed message by message so a large archive never sits in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// One thing to read messages from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Stdin,
    /// A single message file.
    File(PathBuf),
    /// An mbox file: many messages.
    Mbox(PathBuf),
    /// A path that could not be opened: reported in its place, and the rest goes on.
    Missing(String, String),
}

/// One message read, or the reason it could not be.
pub enum Item {
    Message { source: String, bytes: Vec<u8> },
    Error { source: String, error: String },
}

/// Expand the command-line paths, in order. A path that cannot be read stays in the list as `Missing`.
pub fn expand(args: &[String]) -> Vec<Unit> {
    let mut units = Vec::new();
    for a in args {
        if a == "-" {
            units.push(Unit::Stdin);
            continue;
        }
        let p = PathBuf::from(a);
        let meta = match std::fs::metadata(&p) {
            Ok(m) => m,
            Err(e) => {
                units.push(Unit::Missing(a.clone(), e.to_string()));
                continue;
            }
        };
        if meta.is_dir() {
            walk_dir(&p, &mut units, 0);
        } else if looks_like_mbox(&p) {
            units.push(Unit::Mbox(p));
        } else {
            units.push(Unit::File(p));
        }
    }
    units
}

/// True when the directory is a Maildir (has cur/ and new/).
fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

fn walk_dir(dir: &Path, out: &mut Vec<Unit>, depth: usize) {
    // Bounded depth, and symlinked directories are not followed: no loops.
    if depth > 32 {
        return;
    }
    let maildir = is_maildir(dir);
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            let name = e.file_name();
            if maildir && (name == "cur" || name == "new") {
                let mut files: Vec<_> = std::fs::read_dir(&path)
                    .map(|r| r.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect())
                    .unwrap_or_default();
                files.sort();
                out.extend(files.into_iter().map(Unit::File));
            } else if maildir && name == "tmp" {
                // Messages still being delivered.
            } else {
                walk_dir(&path, out, depth + 1);
            }
        } else if ft.is_file() || ft.is_symlink() && path.is_file() {
            let ext = path.extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase);
            match ext.as_deref() {
                Some("eml") => out.push(Unit::File(path)),
                Some("mbox" | "mbx") => out.push(Unit::Mbox(path)),
                _ => {}
            }
        }
    }
}

/// An mbox file starts with a `From ` separator line (an .eml file starts with a header field).
fn looks_like_mbox(p: &Path) -> bool {
    let mut head = [0u8; 5];
    File::open(p).and_then(|mut f| f.read_exact(&mut head)).map(|_| &head == b"From ").unwrap_or(false)
}

/// Read at most `max` bytes (+1, so the parser can tell the message was cut).
fn read_bounded(r: impl Read, max: usize) -> std::io::Result<Vec<u8>> {
    read_bounded_sized(r, max, 0)
}

/// As `read_bounded`, with room for `size_hint` bytes from the start (a file's length): growing the buffer in
/// steps cost copies and fresh pages for every message of a batch.
fn read_bounded_sized(r: impl Read, max: usize, size_hint: u64) -> std::io::Result<Vec<u8>> {
    let cap = usize::try_from(size_hint.saturating_add(1)).unwrap_or(usize::MAX).min(max.saturating_add(1));
    let mut buf = Vec::with_capacity(cap);
    r.take(max as u64 + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Read every message of every unit, in order, handing each to `f`; stop early when `f` returns false.
pub fn for_each_item(units: &[Unit], max_bytes: usize, mut f: impl FnMut(Item) -> bool) {
    for u in units {
        let keep_going = match u {
            Unit::Stdin => {
                let item = match read_bounded(std::io::stdin().lock(), max_bytes) {
                    Ok(bytes) => Item::Message { source: "-".to_string(), bytes },
                    Err(e) => Item::Error { source: "-".to_string(), error: e.to_string() },
                };
                f(item)
            }
            Unit::File(p) => {
                let source = p.display().to_string();
                let read = File::open(p).and_then(|file| {
                    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                    read_bounded_sized(file, max_bytes, size)
                });
                let item = match read {
                    Ok(bytes) => Item::Message { source, bytes },
                    Err(e) => Item::Error { source, error: e.to_string() },
                };
                f(item)
            }
            Unit::Missing(source, error) => f(Item::Error { source: source.clone(), error: error.clone() }),
            Unit::Mbox(p) => {
                let source = p.display().to_string();
                match File::open(p) {
                    Ok(file) => read_mbox(BufReader::new(file), &source, max_bytes, &mut f),
                    Err(e) => f(Item::Error { source, error: e.to_string() }),
                }
            }
        };
        if !keep_going {
            return;
        }
    }
}

/// Split an mbox stream into messages (mboxo/mboxrd: `>From ` lines are unescaped). Each message is capped at
/// `max_bytes`; the rest of an oversized message is skipped, not buffered.
pub fn read_mbox(mut r: impl BufRead, path: &str, max_bytes: usize, f: &mut impl FnMut(Item) -> bool) -> bool {
    let mut index = 0usize;
    let mut current: Option<Vec<u8>> = None;
    let mut line = Vec::new();
    let mut prev_blank = true;
    loop {
        line.clear();
        // A line is read in bounded chunks so a file with no newline cannot exhaust memory.
        let n = match (&mut r).take(1 << 20).read_until(b'\n', &mut line) {
            Ok(n) => n,
            Err(e) => return f(Item::Error { source: format!("{path}#{}", index + 1), error: e.to_string() }),
        };
        if n == 0 {
            break;
        }
        let is_sep = prev_blank && line.starts_with(b"From ");
        prev_blank = line == b"\n" || line == b"\r\n";
        if is_sep {
            if let Some(msg) = current.take() {
                index += 1;
                if !f(Item::Message { source: format!("{path}#{index}"), bytes: msg }) {
                    return false;
                }
            }
            current = Some(Vec::new());
            continue;
        }
        let msg = current.get_or_insert_with(Vec::new);
        if msg.len() > max_bytes {
            continue;
        }
        let body: &[u8] =
            if line.starts_with(b">") && line.iter().skip_while(|&&b| b == b'>').take(5).eq(b"From ".iter()) {
                &line[1..]
            } else {
                &line
            };
        msg.extend_from_slice(body);
    }
    if let Some(msg) = current.take()
        && !msg.iter().all(u8::is_ascii_whitespace)
    {
        index += 1;
        return f(Item::Message { source: format!("{path}#{index}"), bytes: msg });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_mbox_and_unescapes_from_lines() {
        let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From the start\nbody\n\nFrom c@d Mon Jan  1 00:00:00 2024\nSubject: two\n\nx\n";
        let mut got = Vec::new();
        read_mbox(&mbox[..], "box", 1 << 20, &mut |i| {
            if let Item::Message { source, bytes } = i {
                got.push((source, String::from_utf8(bytes).unwrap()));
            }
            true
        });
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "box#1");
        assert!(got[0].1.contains("\nFrom the start\n"));
        assert!(got[1].1.starts_with("Subject: two"));
    }
}
