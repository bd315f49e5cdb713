//! Running `analyze` over many messages: a reader thread streams messages, `--jobs` workers analyse and
//! render them, and the main thread writes results (in input order, or as each finishes for jsonl), keeps the
//! summary and the progress bar. Ctrl-C stops reading; everything already finished is still written out.
//!
//! With a store, the workers also hash each message and extract its indicators, then hand it to one store
//! thread, which correlates it with earlier analyses (those of this batch included), writes it and renders it.
//! Workers never wait on the store's lock, and at `--jobs 1` analysis and storage run side by side on two
//! cores. The queue to the store thread is bounded in messages and in bytes, so memory does not grow with the
//! batch however far the store falls behind.

use crate::inputs::{self, Item, Unit};
use crate::summary::{Record, Summary};
use phishlens_core::render::{self, Lang};
use phishlens_core::{Config, Verdict};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    Md,
}

pub struct Options {
    /// Saves each analysis and adds what earlier ones share with it (None: --no-store).
    pub recorder: Option<crate::memory::Recorder>,
    pub format: Format,
    pub lang: Lang,
    pub color: bool,
    pub jobs: usize,
    /// Print every full report in a batch, not only the list and the summary.
    pub full: bool,
    pub progress: bool,
}

pub static STOP: AtomicBool = AtomicBool::new(false);

pub struct Outcome {
    pub seq: usize,
    pub source: String,
    /// Rendered output for this message (empty for errors).
    pub rendered: String,
    pub record: Option<Record>,
    pub error: Option<String>,
    /// The store's group transaction holding this analysis: written out only once it is committed.
    pub stored: Option<u64>,
}

pub struct BatchResult {
    pub summary: Summary,
    pub worst: Option<Verdict>,
}

fn render_one(report: &phishlens_core::Report, source: &str, opts: &Options, batch: bool) -> String {
    match opts.format {
        Format::Text if batch && !opts.full => String::new(),
        Format::Md if batch && !opts.full => String::new(),
        Format::Text => render::text(report, opts.lang, opts.color),
        Format::Md => render::markdown(report, opts.lang),
        Format::Json => {
            let v = render::json::report(report, opts.lang, batch.then_some(source));
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
        Format::Jsonl => {
            let v = render::json::report(report, opts.lang, Some(source));
            serde_json::to_string(&v).unwrap_or_default()
        }
    }
}

/// One line per message in a text/md batch listing.
fn list_line(o: &Outcome, opts: &Options) -> String {
    let Some(r) = &o.record else {
        return format!("error  {}  {}", o.source, o.error.as_deref().unwrap_or(""));
    };
    let v = render::i18n::t(opts.lang, &format!("verdict_word.{}", r.verdict.as_str()));
    let line = format!("{v:<10} {:>5.1}  {}  {}", r.score, o.source, r.subject);
    if opts.format == Format::Md { format!("- {}", render::md_escape(&line)) } else { render::clean(&line) }
}

/// An analysed message on its way to the store thread.
struct ToStore {
    seq: usize,
    source: String,
    bytes: Vec<u8>,
    report: Box<phishlens_core::Report>,
    prepared: phishlens_store::Prepared,
}

/// Messages waiting for the store thread, at most...
const STORE_QUEUE: usize = 64;
/// ... and at most this many bytes of raw messages (always at least one message, however large): enough to
/// keep the workers busy through a group commit's fsync.
const STORE_QUEUE_BYTES: usize = 32 << 20;

/// The bytes of raw messages queued for the store thread. A worker waits while the queue is full; once the
/// store thread is gone (`close`), nobody waits any more.
struct ByteBudget {
    state: Mutex<(usize, bool)>,
    freed: Condvar,
}

impl ByteBudget {
    fn new() -> Self {
        ByteBudget { state: Mutex::new((0, false)), freed: Condvar::new() }
    }

    fn acquire(&self, n: usize) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while !st.1 && st.0 > 0 && st.0.saturating_add(n) > STORE_QUEUE_BYTES {
            st = self.freed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.0 = st.0.saturating_add(n);
    }

    fn release(&self, n: usize) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.0 = st.0.saturating_sub(n);
        self.freed.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        self.freed.notify_all();
    }
}

/// Closes the budget when the store thread ends, however it ends.
struct CloseOnDrop<'a>(&'a ByteBudget);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// The output of one analysed message (rendered now: memory findings, if any, are in the report).
fn outcome(
    seq: usize,
    source: String,
    report: &phishlens_core::Report,
    stored: Option<u64>,
    opts: &Options,
    batch: bool,
) -> Outcome {
    let rendered = render_one(report, &source, opts, batch);
    let record = Record::of(&source, report);
    Outcome { seq, source, rendered, record: Some(record), error: None, stored }
}

pub fn run(
    units: &[Unit],
    cfg: Arc<Config>,
    opts: &Options,
    batch: bool,
    net: Option<&crate::network::Network>,
) -> BatchResult {
    let jobs = opts.jobs.max(1);
    let max_bytes = cfg.limits.max_message_bytes;
    // Bounded queues: the reader never runs far ahead of the workers, so memory does not grow with the batch.
    let (item_tx, item_rx) = mpsc::sync_channel::<(usize, Item)>(jobs * 2);
    let item_rx = Arc::new(Mutex::new(item_rx));
    let (out_tx, out_rx) = mpsc::sync_channel::<Outcome>(jobs * 4);
    let (store_tx, store_rx) = match &opts.recorder {
        Some(_) => {
            let (tx, rx) = mpsc::sync_channel::<ToStore>(STORE_QUEUE);
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    let budget = ByteBudget::new();
    let known_total: Option<u64> =
        if units.iter().all(|u| matches!(u, Unit::File(_))) { Some(units.len() as u64) } else { None };
    let bar = opts.progress.then(|| progress_bar(known_total));

    let mut summary = Summary::default();
    let mut worst: Option<Verdict> = None;
    std::thread::scope(|scope| {
        let units_ref = units;
        let budget = &budget;
        scope.spawn(move || {
            let mut seq = 0usize;
            inputs::for_each_item(units_ref, max_bytes, |item| {
                if STOP.load(Ordering::Relaxed) {
                    return false;
                }
                let ok = item_tx.send((seq, item)).is_ok();
                seq += 1;
                ok
            });
        });
        if let (Some(rec), Some(rx)) = (opts.recorder.as_ref(), store_rx) {
            let tx = out_tx.clone();
            scope.spawn(move || {
                let _close = CloseOnDrop(budget);
                for job in rx {
                    let ToStore { seq, source, bytes, mut report, prepared } = job;
                    let stored = rec
                        .record_prepared(&bytes, &prepared, &mut report, &source)
                        .map_err(|e| eprintln!("phishlens: {source}: not stored: {e}"))
                        .ok();
                    budget.release(bytes.len());
                    drop(bytes);
                    if tx.send(outcome(seq, source, &report, stored, opts, batch)).is_err() {
                        return;
                    }
                }
            });
        }
        for _ in 0..jobs {
            let rx = Arc::clone(&item_rx);
            let tx = out_tx.clone();
            let store_tx = store_tx.clone();
            let cfg = Arc::clone(&cfg);
            scope.spawn(move || {
                loop {
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, item)) = next else { return };
                    let outcome = match item {
                        Item::Message { source, bytes } => {
                            // With a store, the layout fingerprints are taken from the HTML bodies as the analysis
                            // decodes them (decoding the message again for them cost a tenth of storing).
                            let mut layouts = phishlens_store::indicators::LayoutsOfHtml::default();
                            let mut report = if opts.recorder.is_some() {
                                phishlens_core::analyze_with_html(&bytes, &cfg, &mut |html| layouts.push_body(html))
                            } else {
                                phishlens_core::analyze(&bytes, &cfg)
                            };
                            if let Some(n) = net {
                                n.enrich(&mut report, &bytes);
                            }
                            if let (Some(rec), Some(store_tx)) = (opts.recorder.as_ref(), store_tx.as_ref()) {
                                let prepared = rec.prepare(&bytes, &report, &layouts.0);
                                budget.acquire(bytes.len());
                                let job = ToStore { seq, source, bytes, report: Box::new(report), prepared };
                                if store_tx.send(job).is_err() {
                                    return;
                                }
                                continue;
                            }
                            outcome(seq, source, &report, None, opts, batch)
                        }
                        Item::Error { source, error } => Outcome {
                            seq,
                            source,
                            rendered: String::new(),
                            record: None,
                            error: Some(error),
                            stored: None,
                        },
                    };
                    if tx.send(outcome).is_err() {
                        return;
                    }
                }
            });
        }
        drop(store_tx);
        drop(out_tx);

        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut pending: BTreeMap<usize, Outcome> = BTreeMap::new();
        let mut next_seq = 0usize;
        let mut first_json = true;
        if opts.format == Format::Json && batch {
            let _ = writeln!(out, "[");
        }
        let ordered = opts.format != Format::Jsonl;
        // Outputs are held until the store has committed their analysis (group commit).
        let mut gate = crate::memory::CommitGate::new(opts.recorder.clone());
        let mut done = false;
        while !done {
            match out_rx.recv_timeout(gate.idle_wait()) {
                Ok(o) => {
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                    gate.push(o.stored, o);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => gate.idle(),
                Err(mpsc::RecvTimeoutError::Disconnected) => done = true,
            }
            let ready = if done { gate.finish() } else { gate.ready() };
            for o in ready {
                if ordered {
                    pending.insert(o.seq, o);
                    while let Some(o) = pending.remove(&next_seq) {
                        next_seq += 1;
                        emit(&mut out, &o, opts, batch, &mut first_json, &mut summary, &mut worst);
                    }
                } else {
                    emit(&mut out, &o, opts, batch, &mut first_json, &mut summary, &mut worst);
                    let _ = out.flush();
                }
            }
        }
        // After an interrupt, sequence numbers may have gaps: write what is left in order.
        for (_, o) in std::mem::take(&mut pending) {
            emit(&mut out, &o, opts, batch, &mut first_json, &mut summary, &mut worst);
        }
        if opts.format == Format::Json && batch {
            let _ = writeln!(out, "\n]");
        }
        let _ = out.flush();
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summary.interrupted = STOP.load(Ordering::Relaxed);
    BatchResult { summary, worst }
}

fn emit(
    out: &mut impl Write,
    o: &Outcome,
    opts: &Options,
    batch: bool,
    first_json: &mut bool,
    summary: &mut Summary,
    worst: &mut Option<Verdict>,
) {
    if let Some(err) = &o.error {
        summary.errors += 1;
        eprintln!("phishlens: {}: {}", o.source, err);
        if matches!(opts.format, Format::Text | Format::Md) && batch && !opts.full {
            let _ = writeln!(out, "{}", list_line(o, opts));
        }
        return;
    }
    if let Some(r) = &o.record {
        summary.add(r);
        *worst = (*worst).max(Some(r.verdict));
    }
    match opts.format {
        Format::Json if batch => {
            if !*first_json {
                let _ = writeln!(out, ",");
            }
            *first_json = false;
            let _ = write!(out, "{}", o.rendered);
        }
        Format::Text | Format::Md if batch && !opts.full => {
            let _ = writeln!(out, "{}", list_line(o, opts));
        }
        Format::Text | Format::Md if batch => {
            let _ = writeln!(out, "{}\n", o.rendered);
            let _ = writeln!(
                out,
                "{}",
                if opts.format == Format::Md {
                    "\n---\n"
                } else {
                    "════════════════════════════════════════"
                }
            );
        }
        _ => {
            let _ = writeln!(out, "{}", o.rendered);
        }
    }
}

fn progress_bar(total: Option<u64>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = match total {
        Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {pos} {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_queue_is_bounded_in_bytes_and_never_blocks_once_closed() {
        let budget = ByteBudget::new();
        // One message always fits, however large.
        budget.acquire(STORE_QUEUE_BYTES * 2);
        let second_in = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                budget.acquire(10);
                second_in.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!second_in.load(Ordering::SeqCst), "a full queue must make the worker wait");
            budget.release(STORE_QUEUE_BYTES * 2);
        });
        assert!(second_in.load(Ordering::SeqCst));
        budget.release(10);
        // Once the store thread is gone, nobody waits.
        budget.acquire(STORE_QUEUE_BYTES);
        budget.close();
        budget.acquire(STORE_QUEUE_BYTES);
    }
}
