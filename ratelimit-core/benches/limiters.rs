//! In-memory limiters against governor 0.10, in the same run.
//!
//! `cargo bench -p ratelimit-core --bench limiters` (add `-- --quick` for a short run). Prints
//! bytes per key at 1,000,000 keys (RSS delta) before the timings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use governor::clock::FakeRelativeClock;
use ratelimit_core::{DirectBuilder, Gcra, KeyedBuilder, ManualClock, Quota};

const BIG: u32 = 4_000_000_000;

fn ours_quota_allow() -> Quota {
    Quota::builder(1_000_000_000, Duration::from_secs(1))
        .burst(u64::from(BIG))
        .build()
        .unwrap()
}

fn gov_quota_allow() -> governor::Quota {
    governor::Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap())
        .allow_burst(NonZeroU32::new(BIG).unwrap())
}

fn gov_quota_deny() -> governor::Quota {
    governor::Quota::per_second(NonZeroU32::new(1).unwrap())
}

fn direct(c: &mut Criterion) {
    let mut g = c.benchmark_group("direct");
    // Algorithm alone: manual/fake clocks.
    let ours = DirectBuilder::new(Gcra::new(ours_quota_allow()))
        .clock(ManualClock::new(0))
        .build();
    g.bench_function("allow/manual-clock/ours", |b| {
        b.iter(|| black_box(ours.check().allowed()))
    });
    let gov =
        governor::RateLimiter::direct_with_clock(gov_quota_allow(), FakeRelativeClock::default());
    g.bench_function("allow/manual-clock/governor", |b| {
        b.iter(|| black_box(gov.check().is_ok()))
    });
    let ours = DirectBuilder::new(Gcra::new(Quota::per_second(1).unwrap()))
        .clock(ManualClock::new(0))
        .build();
    ours.check();
    g.bench_function("deny/manual-clock/ours", |b| {
        b.iter(|| black_box(ours.check().allowed()))
    });
    let gov =
        governor::RateLimiter::direct_with_clock(gov_quota_deny(), FakeRelativeClock::default());
    let _ = gov.check();
    g.bench_function("deny/manual-clock/governor", |b| {
        b.iter(|| black_box(gov.check().is_ok()))
    });
    // Each crate's default clock (both read the TSC through quanta where trusted).
    let ours = DirectBuilder::new(Gcra::new(ours_quota_allow())).build();
    g.bench_function("allow/default-clock/ours", |b| {
        b.iter(|| black_box(ours.check().allowed()))
    });
    let ticker = ratelimit_core::TickerClock::start(Duration::from_millis(1)).unwrap();
    let ours = DirectBuilder::new(Gcra::new(ours_quota_allow()))
        .clock(ticker)
        .build();
    g.bench_function("allow/ticker-clock/ours", |b| {
        b.iter(|| black_box(ours.check().allowed()))
    });
    let gov = governor::RateLimiter::direct(gov_quota_allow());
    g.bench_function("allow/default-clock/governor", |b| {
        b.iter(|| black_box(gov.check().is_ok()))
    });
    let ours = DirectBuilder::new(Gcra::new(Quota::per_hour(1).unwrap())).build();
    ours.check();
    g.bench_function("deny/default-clock/ours", |b| {
        b.iter(|| black_box(ours.check().allowed()))
    });
    let gov = governor::RateLimiter::direct(governor::Quota::per_hour(NonZeroU32::new(1).unwrap()));
    let _ = gov.check();
    g.bench_function("deny/default-clock/governor", |b| {
        b.iter(|| black_box(gov.check().is_ok()))
    });
    g.finish();
}

/// The clocks alone: ours (default and ticker), quanta's (governor's default), std's Instant.
fn clocks(c: &mut Criterion) {
    use ratelimit_core::Clock;
    let mut g = c.benchmark_group("clock");
    let ours = ratelimit_core::MonotonicClock::new();
    g.bench_function("now/ours", |b| b.iter(|| black_box(ours.now())));
    let quanta = quanta::Clock::new();
    g.bench_function("now/quanta", |b| b.iter(|| black_box(quanta.now())));
    let origin = Instant::now();
    g.bench_function("now/std-instant", |b| {
        b.iter(|| black_box(origin.elapsed()))
    });
    g.finish();
}

fn shuffled(n: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..n).collect();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

fn keyed(c: &mut Criterion) {
    let mut g = c.benchmark_group("keyed");
    for n in [1_000u64, 1_000_000] {
        let keys = shuffled(n);
        let ours = KeyedBuilder::new(Gcra::new(ours_quota_allow()))
            .clock(ManualClock::new(0))
            .build::<u64>()
            .unwrap();
        let gov = governor::RateLimiter::dashmap_with_clock(
            gov_quota_allow(),
            FakeRelativeClock::default(),
        );
        for k in &keys {
            ours.check(k);
            let _ = gov.check_key(k);
        }
        g.bench_with_input(BenchmarkId::new("ours", n), &keys, |b, keys| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % keys.len();
                black_box(ours.check(&keys[i]).allowed())
            })
        });
        g.bench_with_input(BenchmarkId::new("governor", n), &keys, |b, keys| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % keys.len();
                black_box(gov.check_key(&keys[i]).is_ok())
            })
        });
    }
    g.finish();
}

/// Two threads on one key: time per operation over both threads (total ops / wall time).
fn two_threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("two-threads-one-key");
    let ours = Arc::new(
        DirectBuilder::new(Gcra::new(ours_quota_allow()))
            .clock(ManualClock::new(0))
            .build(),
    );
    g.bench_function("ours", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    let ours = ours.clone();
                    s.spawn(move || {
                        for _ in 0..iters / 2 {
                            black_box(ours.check().allowed());
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    let gov = Arc::new(governor::RateLimiter::direct_with_clock(
        gov_quota_allow(),
        FakeRelativeClock::default(),
    ));
    g.bench_function("governor", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    let gov = gov.clone();
                    s.spawn(move || {
                        for _ in 0..iters / 2 {
                            black_box(gov.check().is_ok());
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    g.finish();
}

fn rss_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Bytes per key with 1,000,000 u64 keys (RSS delta while filling), each crate in turn.
fn bytes_per_key() {
    const N: u64 = 1_000_000;
    let keys = shuffled(N);
    let before = rss_kb();
    let ours = KeyedBuilder::new(Gcra::new(ours_quota_allow()))
        .clock(ManualClock::new(0))
        .build::<u64>()
        .unwrap();
    for k in &keys {
        ours.check(k);
    }
    let after = rss_kb();
    println!(
        "bytes-per-key/ours (1M u64 keys, gcra): {:.1} (RSS delta), {:.1} (slots)",
        (after - before) as f64 * 1024.0 / N as f64,
        ours.approx_bytes() as f64 / N as f64
    );
    drop(ours);
    let before = rss_kb();
    let gov =
        governor::RateLimiter::dashmap_with_clock(gov_quota_allow(), FakeRelativeClock::default());
    for k in &keys {
        let _ = gov.check_key(k);
    }
    let after = rss_kb();
    println!(
        "bytes-per-key/governor (1M u64 keys): {:.1} (RSS delta)",
        (after - before) as f64 * 1024.0 / N as f64
    );
    drop(gov);
}

fn main() {
    bytes_per_key();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    clocks(&mut c);
    direct(&mut c);
    keyed(&mut c);
    two_threads(&mut c);
    c.final_summary();
}
