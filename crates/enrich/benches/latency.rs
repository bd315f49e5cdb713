//! Latency of the live investigation follows the depth of the lookup dependency chain, not the number of
//! lookups (issue #3, point 10): the Amazon seed mail enriched against the hermetic test servers with every
//! DNS answer delayed by 50 ms. About four round trips (~200 ms) is the target; one per lookup would be
//! seconds. Run: `cargo bench -p phishlens-enrich --bench latency`.

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use phishlens_enrich::{EnrichConfig, Enricher};
use std::time::{Duration, Instant};
use support::*;

const RTT_MS: u64 = 50;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (dns, rdap, whois) = rt.block_on(async {
        let dns = dns_server(ZONES, Duration::from_millis(RTT_MS)).await;
        let (rdap, whois) = seed_registries().await;
        (dns, rdap, whois)
    });
    let cfg = EnrichConfig {
        dns_server: Some(dns),
        rdap_bootstrap: rdap,
        whois_server: Some(whois.to_string()),
        lookup_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(5),
        ..Default::default()
    };
    let raw = fixture("amazon_prime.eml");
    let offline = phishlens_core::analyze(&raw, &phishlens_core::Config::default());
    // One run up front, to print what the figure is made of.
    let (elapsed, network) = rt.block_on(async {
        let e = Enricher::new(cfg.clone()).expect("enricher");
        let t = Instant::now();
        let intel = e.investigate(&offline, &raw).await;
        (t.elapsed(), intel.lookups.network)
    });
    println!(
        "amazon seed, {RTT_MS} ms per DNS answer: {} ms for {network} lookups = {:.1} round trips",
        elapsed.as_millis(),
        elapsed.as_secs_f64() * 1000.0 / RTT_MS as f64
    );
    let mut g = c.benchmark_group("enrich");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("amazon_seed_dns_50ms", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh enricher each time: no memo, no resolver cache (the cold path a user sees).
                let e = rt.block_on(async { Enricher::new(cfg.clone()).expect("enricher") });
                let t = Instant::now();
                let intel = rt.block_on(e.investigate(&offline, &raw));
                total += t.elapsed();
                std::hint::black_box(intel);
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
