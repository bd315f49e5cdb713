//! Fuzz the bare-URL analysis.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let report = phishlens_core::analyze_url(s, &phishlens_core::Config::default());
        let _ = phishlens_core::render::json::url_report(&report, phishlens_core::render::Lang::Ja);
    }
});
