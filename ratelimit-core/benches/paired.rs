//! Ours against governor 0.10 interleaved: on a shared machine whose load changes from second
//! to second, a ratio from two separate criterion runs moves by ±50%. Here each round times
//! a slice of ours and a slice of governor's back to back (alternating which goes first), and
//! the report is the median over rounds of the per-round ratio (ours / governor: below 1 is
//! faster), beside the median time per operation of each.
//!
//! `cargo bench -p ratelimit-core --bench paired` (`-- two` runs only the rows whose name
//! contains `two`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use governor::clock::FakeRelativeClock;
use ratelimit_core::{
    Clock, DirectBuilder, Gcra, KeyedBuilder, ManualClock, MonotonicClock, Quota,
};

const ROUNDS: usize = 101;
const BIG: u32 = 4_000_000_000;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Times `iters` calls of `f`, in ns per call.
fn slice(iters: u64, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn pair(name: &str, iters: u64, ours: &mut dyn FnMut(), gov: &mut dyn FnMut()) {
    pair_n(name, iters, 1, ours, gov);
}

/// Like [`pair`] for closures that each do `ops` operations.
fn pair_n(name: &str, iters: u64, ops: u64, ours: &mut dyn FnMut(), gov: &mut dyn FnMut()) {
    if !selected(name) {
        return;
    }
    let slice = |iters, f: &mut dyn FnMut()| slice(iters, f) / ops as f64;
    slice(iters, ours);
    slice(iters, gov);
    let (mut a, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (x, y) = if round % 2 == 0 {
            let x = slice(iters, ours);
            (x, slice(iters, gov))
        } else {
            let y = slice(iters, gov);
            (slice(iters, ours), y)
        };
        a.push(x);
        b.push(y);
        r.push(x / y);
    }
    println!(
        "{name:<34} ours {:>8.2} ns  governor {:>8.2} ns  ratio {:.2}",
        median(&mut a),
        median(&mut b),
        median(&mut r)
    );
}

/// Whether the row `name` is selected by the command line's filter (the first argument that is
/// not a flag; none selects every row).
fn selected(name: &str) -> bool {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .is_none_or(|f| name.contains(&f))
}

fn ours_allow() -> Quota {
    Quota::builder(1_000_000_000, Duration::from_secs(1))
        .burst(u64::from(BIG))
        .build()
        .unwrap()
}

fn gov_allow() -> governor::Quota {
    governor::Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap())
        .allow_burst(NonZeroU32::new(BIG).unwrap())
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

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let c = MonotonicClock::new();
    let q = quanta::Clock::new();
    pair(
        "clock now (quanta = governor's)",
        20_000,
        &mut || {
            black_box(c.now());
        },
        &mut || {
            black_box(q.now());
        },
    );

    let o = DirectBuilder::new(Gcra::new(ours_allow()))
        .clock(ManualClock::new(0))
        .build();
    let g = governor::RateLimiter::direct_with_clock(gov_allow(), FakeRelativeClock::default());
    pair(
        "direct allow, manual clock",
        20_000,
        &mut || {
            black_box(o.check().allowed());
        },
        &mut || {
            black_box(g.check().is_ok());
        },
    );
    let o = DirectBuilder::new(Gcra::new(Quota::per_second(1).unwrap()))
        .clock(ManualClock::new(0))
        .build();
    o.check();
    let g = governor::RateLimiter::direct_with_clock(
        governor::Quota::per_second(NonZeroU32::new(1).unwrap()),
        FakeRelativeClock::default(),
    );
    let _ = g.check();
    pair(
        "direct deny, manual clock",
        20_000,
        &mut || {
            black_box(o.check().allowed());
        },
        &mut || {
            black_box(g.check().is_ok());
        },
    );
    let o = DirectBuilder::new(Gcra::new(ours_allow())).build();
    let g = governor::RateLimiter::direct(gov_allow());
    pair(
        "direct allow, default clocks",
        20_000,
        &mut || {
            black_box(o.check().allowed());
        },
        &mut || {
            black_box(g.check().is_ok());
        },
    );
    let o = DirectBuilder::new(Gcra::new(Quota::per_hour(1).unwrap())).build();
    o.check();
    let g = governor::RateLimiter::direct(governor::Quota::per_hour(NonZeroU32::new(1).unwrap()));
    let _ = g.check();
    pair(
        "direct deny, default clocks",
        20_000,
        &mut || {
            black_box(o.check().allowed());
        },
        &mut || {
            black_box(g.check().is_ok());
        },
    );
    // Two threads on one key: wall time per operation over both threads.
    let o = DirectBuilder::new(Gcra::new(ours_allow()))
        .clock(ManualClock::new(0))
        .build();
    let g = governor::RateLimiter::direct_with_clock(gov_allow(), FakeRelativeClock::default());
    const OPS: u64 = 100_000;
    pair_n(
        "two threads one key, manual clock",
        1,
        2 * OPS,
        &mut || {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..OPS {
                            black_box(o.check().allowed());
                        }
                    });
                }
            });
        },
        &mut || {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..OPS {
                            black_box(g.check().is_ok());
                        }
                    });
                }
            });
        },
    );
    // The same with each crate's default clock.
    let o = DirectBuilder::new(Gcra::new(ours_allow())).build();
    let g = governor::RateLimiter::direct(gov_allow());
    pair_n(
        "two threads one key, default clocks",
        1,
        2 * OPS,
        &mut || {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..OPS {
                            black_box(o.check().allowed());
                        }
                    });
                }
            });
        },
        &mut || {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..OPS {
                            black_box(g.check().is_ok());
                        }
                    });
                }
            });
        },
    );
    for n in [1_000u64, 1_000_000] {
        if !selected(&format!("keyed {n} keys, manual clock")) {
            continue;
        }
        let keys = shuffled(n);
        let o = KeyedBuilder::new(Gcra::new(ours_allow()))
            .clock(ManualClock::new(0))
            .build::<u64>()
            .unwrap();
        let g =
            governor::RateLimiter::dashmap_with_clock(gov_allow(), FakeRelativeClock::default());
        for k in &keys {
            o.check(k);
            let _ = g.check_key(k);
        }
        let (mut i, mut j) = (0, 0);
        pair(
            &format!("keyed {n} keys, manual clock"),
            if n > 1000 { 2_000 } else { 20_000 },
            &mut || {
                i = (i + 1) % keys.len();
                black_box(o.check(&keys[i]).allowed());
            },
            &mut || {
                j = (j + 1) % keys.len();
                black_box(g.check_key(&keys[j]).is_ok());
            },
        );
    }
}
