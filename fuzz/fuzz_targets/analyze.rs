//! Fuzz the whole offline analysis and every renderer: no input may panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phishlens_core::render::{self, Lang};

fuzz_target!(|data: &[u8]| {
    let cfg = phishlens_core::Config::default();
    let report = phishlens_core::analyze(data, &cfg);
    let _ = render::text(&report, Lang::Ja, false);
    let _ = render::markdown(&report, Lang::En);
    let _ = render::json::report(&report, Lang::En, None);
});
