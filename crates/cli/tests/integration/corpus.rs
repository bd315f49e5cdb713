//! Every message of ../shared/corpus is analysed and rendered without a panic. Skipped (with a note) when the
//! corpus is not next to the repository. Prints the share of each folder per verdict.

use crate::util::corpus;
use phishlens_core::render::{self, Lang};
use std::path::{Path, PathBuf};

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            eml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "eml") {
            out.push(p);
        }
    }
}

#[test]
fn whole_corpus_without_panic() {
    let Some(root) = corpus() else {
        eprintln!("../shared/corpus not found: corpus test skipped");
        return;
    };
    let cfg = phishlens_core::Config::default();
    let mut panics = Vec::new();
    let mut total = 0;
    for folder in ["phish", "ham-modern", "ham-2002", "spam"] {
        let mut files = Vec::new();
        eml_files(&root.join(folder), &mut files);
        let mut counts = [0usize; 3];
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            let result = std::panic::catch_unwind(|| {
                let r = phishlens_core::analyze(&bytes, &cfg);
                let _ = render::text(&r, Lang::Ja, false);
                let _ = render::markdown(&r, Lang::En);
                let _ = render::json::report(&r, Lang::En, None);
                r.verdict
            });
            match result {
                Ok(v) => counts[v as usize] += 1,
                Err(_) => panics.push(f.display().to_string()),
            }
        }
        total += files.len();
        let n = files.len().max(1) as f64;
        eprintln!(
            "{folder}: {} messages: phishing {:.1}%, suspicious {:.1}%, clean {:.1}%",
            files.len(),
            counts[2] as f64 * 100.0 / n,
            counts[1] as f64 * 100.0 / n,
            counts[0] as f64 * 100.0 / n
        );
    }
    assert!(total > 1000, "corpus looks incomplete: {total}");
    assert!(panics.is_empty(), "panicked on: {panics:?}");
}
