//! Helpers: the built binary, fixture paths, temp dirs, and running commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// ../shared/corpus next to the repository, when present.
pub fn corpus() -> Option<PathBuf> {
    let p = root().join("../shared/corpus");
    p.is_dir().then_some(p)
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_phishlens"));
    // No test writes to the user's data directory: stores are opt-in per test (with --db).
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("NO_COLOR", "1")
        .env_remove("PHISHLENS_GEOIP")
        .env("PHISHLENS_NO_STORE", "1");
    c
}

/// Tests never reach the internet: `analyze` runs with `--offline` unless the test points it at its own
/// servers or at recorded evidence.
fn hermetic<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let networked = ["--offline", "--dns-server", "--rdap-bootstrap", "--whois-server", "--replay-evidence"];
    let mut v = args.to_vec();
    if v.first() == Some(&"analyze") && !v.iter().any(|a| networked.contains(a)) {
        v.insert(1, "--offline");
    }
    v
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn finish(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Run {
    finish(bin().args(hermetic(args)).stdin(Stdio::null()).output().expect("run phishlens"))
}

pub fn run_stdin(args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = bin()
        .args(hermetic(args))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn phishlens");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    finish(out)
}

pub fn json(args: &[&str]) -> serde_json::Value {
    let r = run(args);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Ids of the findings in a JSON report.
pub fn finding_ids(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
