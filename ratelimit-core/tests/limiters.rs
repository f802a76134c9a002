//! Limiters: concurrency, shadow mode, observers, reservations, headers, key reclaim.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ratelimit_core::{
    AnyAlgorithm, Composite, DecisionCounters, DirectBuilder, DirectLimiter, FixedWindow, Gcra,
    KeyedBuilder, KeyedLimiter, LeakyBucket, ManualClock, Quota, SlidingLog, SlidingWindow,
    TokenBucket,
};

const KINDS: [&str; 6] = [
    "gcra",
    "token-bucket",
    "leaky-bucket",
    "fixed-window",
    "sliding-log",
    "sliding-window",
];

/// Two threads hammer one direct limiter for a fixed number of attempts at a fixed instant:
/// exactly the capacity is admitted, for every algorithm (atomic and locked cells), and for
/// a 7-per-90-s GCRA (locked cell: the interval is not whole nanoseconds).
#[test]
fn two_threads_admit_exactly_the_bound() {
    let q = Quota::builder(1000, Duration::from_secs(1))
        .build()
        .unwrap();
    let odd = Quota::builder(7, Duration::from_secs(90))
        .burst(500)
        .build()
        .unwrap();
    let mut cases: Vec<(AnyAlgorithm, usize)> = KINDS
        .iter()
        .map(|k| (AnyAlgorithm::from_name(k, q).unwrap(), 1000))
        .collect();
    cases.push((AnyAlgorithm::Gcra(Gcra::new(odd)), 500));
    for (alg, bound) in cases {
        let clock = ManualClock::new(5_000_000_000);
        let lim = Arc::new(DirectBuilder::new(alg).clock(clock.clone()).build());
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let lim = lim.clone();
                thread::spawn(move || (0..20_000).filter(|_| lim.check().allowed()).count())
            })
            .collect();
        let admitted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(admitted, bound, "{alg:?}");
    }
}

/// Two threads while the clock moves: GCRA admits burst + elapsed·rate exactly.
#[test]
fn two_threads_with_a_moving_clock() {
    let clock = ManualClock::new(0);
    let lim = Arc::new(
        DirectBuilder::new(Gcra::new(Quota::per_second(100).unwrap()))
            .clock(clock.clone())
            .build(),
    );
    let stepper = {
        let clock = clock.clone();
        thread::spawn(move || {
            for _ in 0..1000 {
                clock.advance(Duration::from_millis(1));
                thread::yield_now();
            }
        })
    };
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let lim = lim.clone();
            thread::spawn(move || (0..50_000).filter(|_| lim.check().allowed()).count())
        })
        .collect();
    stepper.join().unwrap();
    let admitted: usize = workers.into_iter().map(|h| h.join().unwrap()).sum();
    // Whatever the interleaving, no more than burst + 1 s · 100/s (less if the bucket sat
    // full while the workers were descheduled), and at least the burst.
    let rest = (0..1000).filter(|_| lim.check().allowed()).count();
    assert!(
        (100..=200).contains(&(admitted + rest)),
        "{admitted} + {rest}"
    );
}

#[test]
fn shadow_mode_reports_but_never_denies() {
    let counters = Arc::new(DecisionCounters::default());
    let q = Quota::per_second(2).unwrap();
    let lim = KeyedBuilder::new(SlidingLog::new(q))
        .clock(ManualClock::new(0))
        .shadow(true)
        .observer(counters.clone())
        .build::<u32>()
        .unwrap();
    let ds: Vec<_> = (0..5).map(|_| lim.check(&7)).collect();
    assert!(ds.iter().all(|d| d.allowed()));
    assert_eq!(ds.iter().filter(|d| d.shadowed()).count(), 3);
    assert!(ds[4].limited());
    assert_eq!(ds[4].retry_after(), Some(Duration::from_secs(1)));
    let c = counters.get(&q);
    assert_eq!((c.allowed, c.denied, c.shadowed), (2, 0, 3));
    // A shadowed request consumed nothing: a reservation of it refunds nothing.
    let r = lim.reserve(&7, 1).unwrap();
    assert_eq!(r.cost(), 0);
}

#[test]
fn observer_counts_denials_and_too_big() {
    let counters = Arc::new(DecisionCounters::default());
    let q = Quota::per_second(1).unwrap();
    let lim = DirectLimiter::builder(FixedWindow::new(q))
        .clock(ManualClock::new(0))
        .observer(counters.clone())
        .build();
    assert!(lim.check().allowed());
    assert!(!lim.check().allowed());
    let d = lim.check_n(2);
    assert!(d.too_big() && d.retry_after().is_none());
    let c = counters.get(&q);
    assert_eq!((c.allowed, c.denied, c.too_big), (1, 2, 1));
    assert_eq!(counters.snapshot().len(), 1);
}

#[test]
fn reservations_refund_in_keyed_and_composite_limiters() {
    let clock = ManualClock::new(0);
    let lim: KeyedLimiter<&str, _, _> =
        KeyedBuilder::new(TokenBucket::new(Quota::per_minute(3).unwrap()))
            .clock(clock.clone())
            .build()
            .unwrap();
    let r = lim.reserve(&"k", 3).unwrap();
    assert!(lim.reserve(&"k", 1).is_err());
    lim.cancel(&"k", r);
    assert!(lim.check_n(&"k", 3).allowed());

    let comp = Composite::new(vec![
        AnyAlgorithm::LeakyBucket(LeakyBucket::new(Quota::per_second(5).unwrap())),
        AnyAlgorithm::SlidingWindow(SlidingWindow::new(Quota::per_minute(6).unwrap())),
    ])
    .unwrap();
    let lim = DirectBuilder::new(comp).clock(clock.clone()).build();
    let r = lim.reserve(5).unwrap();
    assert!(!lim.check().allowed());
    lim.cancel(r);
    assert!(lim.check_n(5).allowed());
    // The per-minute component now has 1 left; a denial by it consumes from neither.
    clock.advance(Duration::from_secs(1));
    let d = lim.check_n(2);
    assert!(!d.allowed());
    assert!(lim.check_n(1).allowed());
}

#[test]
fn lazy_reclaim_keeps_memory_bounded() {
    let clock = ManualClock::new(0);
    let lim = KeyedBuilder::new(Gcra::new(Quota::per_second(10).unwrap()))
        .clock(clock.clone())
        .shards(4)
        .build::<u64>()
        .unwrap();
    for round in 0..20u64 {
        for k in 0..1000u64 {
            assert!(lim.check(&(round * 1000 + k)).allowed());
        }
        clock.advance(Duration::from_secs(1)); // every key is fresh again
    }
    // 20,000 distinct keys were seen; lazy sweeps dropped the fresh ones on the way.
    assert!(lim.len() <= 4 * 1000, "{}", lim.len());
    let held = lim.len();
    assert_eq!(lim.sweep(), held);
    assert!(lim.is_empty());
    lim.shrink_to_fit();
    assert!(lim.approx_bytes() < 64 * 1024);
}

/// A GCRA key whose theoretical arrival time in ticks needs more than 64 bits (3/s: 3 ticks
/// per ns, at 2^63 ns) is held unpacked and decides exactly as the bare algorithm, moving
/// between the packed and unpacked maps as the time allows.
#[test]
fn keyed_gcra_beyond_64_bit_ticks_stays_exact() {
    use ratelimit_core::{Algorithm, GcraState};
    let q = Quota::builder(3, Duration::from_secs(1))
        .burst(2)
        .build()
        .unwrap();
    let gcra = Gcra::new(q);
    let lim = KeyedBuilder::new(gcra)
        .clock(ManualClock::new(0))
        .shards(1)
        .build::<u8>()
        .unwrap();
    let mut model = GcraState::default();
    let mut small = GcraState::default();
    let mut t = 0u64;
    let mut decisions = 0;
    for step in 0..200u64 {
        // Small times (packed) for key 0 all along; key 1 jumps beyond 2^63 ns halfway.
        let big = if step >= 100 { 1u64 << 63 } else { 0 };
        t += 1 + step * 7_919_993 % 500_000_000;
        let cost = 1 + step % 2;
        let d = lim.check_at(&1, big + t, cost);
        let m = gcra.check(&mut model, big + t, cost, true);
        assert_eq!(d, m, "step {step}");
        let d = lim.check_at(&0, t, 1);
        assert_eq!(d, gcra.check(&mut small, t, 1, true), "step {step}");
        decisions += usize::from(d.allowed());
    }
    assert!(decisions > 0);
    assert!(lim.len() <= 2);
    let r = lim
        .reserve_at(&1, (1 << 63) + t + 10_000_000_000, 2)
        .unwrap();
    lim.cancel_at(&1, (1 << 63) + t + 10_000_000_000, r);
    let held = lim.len();
    assert!(held >= 1);
    assert_eq!(lim.sweep_at((1 << 63) + t + 20_000_000_000), held);
    assert_eq!(lim.len(), 0);
}

#[test]
fn key_cap_evicts_and_counts() {
    let lim = KeyedBuilder::new(Gcra::new(Quota::per_hour(1).unwrap()))
        .clock(ManualClock::new(0))
        .max_keys(8)
        .build::<u32>()
        .unwrap();
    for k in 0..100 {
        assert!(lim.check(&k).allowed());
        assert!(lim.len() <= 8);
    }
    assert_eq!(lim.evictions(), 92);
    assert!(
        KeyedBuilder::new(Gcra::new(Quota::per_hour(1).unwrap()))
            .max_keys(0)
            .build::<u32>()
            .is_err()
    );
    assert!(
        KeyedBuilder::new(Gcra::new(Quota::per_hour(1).unwrap()))
            .shards(0)
            .build::<u32>()
            .is_err()
    );
}

#[test]
fn default_clock_and_keyed_new_work() {
    let lim = DirectLimiter::new(Gcra::new(Quota::per_hour(2).unwrap()));
    assert!(lim.check().allowed() && lim.check().allowed());
    let d = lim.check();
    assert!(!d.allowed());
    let r = d.retry_after().unwrap();
    assert!(
        r > Duration::from_secs(1790) && r <= Duration::from_secs(1800),
        "{r:?}"
    );
    let k: KeyedLimiter<String, _> =
        KeyedLimiter::new(FixedWindow::new(Quota::per_hour(1).unwrap()));
    assert!(k.check(&"a".to_string()).allowed());
}

#[test]
fn headers_for_denials() {
    let clock = ManualClock::new(0);
    let lim = DirectBuilder::new(Gcra::new(
        Quota::builder(10, Duration::from_secs(60)).build().unwrap(),
    ))
    .clock(clock)
    .build();
    assert!(lim.check_n(10).allowed());
    let d = lim.check();
    assert_eq!(
        d.ietf_headers("per-min"),
        vec![
            ("RateLimit-Policy", "\"per-min\";q=10;w=60".to_string()),
            ("RateLimit", "\"per-min\";r=0;t=60".to_string()),
            ("Retry-After", "6".to_string()),
        ]
    );
    assert_eq!(d.x_headers()[0], ("X-RateLimit-Limit", "10".to_string()));
}

#[test]
fn clock_going_backwards_never_admits_more() {
    for kind in KINDS {
        let q = Quota::per_second(3).unwrap();
        let clock = ManualClock::new(10_000_000_000);
        let lim = DirectBuilder::new(AnyAlgorithm::from_name(kind, q).unwrap())
            .clock(clock.clone())
            .build();
        assert_eq!(
            (0..10).filter(|_| lim.check().allowed()).count(),
            3,
            "{kind}"
        );
        clock.set(0);
        assert_eq!(
            (0..10).filter(|_| lim.check().allowed()).count(),
            0,
            "{kind}"
        );
    }
}

#[test]
fn ruled_limiter_keeps_state_of_unchanged_keys() {
    use ratelimit_core::{QuotaRules, RuledLimiter};
    let clock = ManualClock::new(0);
    let rules = QuotaRules::new(Quota::per_minute(2).unwrap())
        .pattern("team-*", Quota::per_minute(4).unwrap());
    let lim = RuledLimiter::new(
        |q| AnyAlgorithm::from_name("sliding-window", q).unwrap(),
        rules.clone(),
        clock.clone(),
    );
    assert_eq!(
        (0..9).filter(|_| lim.check("team-a", 1).allowed()).count(),
        4
    );
    assert_eq!((0..9).filter(|_| lim.check("solo", 1).allowed()).count(), 2);
    // A new, more specific pattern for team-b only: team-a and solo keep their state.
    lim.set_rules(rules.pattern("team-b*", Quota::per_minute(1).unwrap()));
    assert!(!lim.check("team-a", 1).allowed());
    assert!(!lim.check("solo", 1).allowed());
    assert_eq!(
        (0..9).filter(|_| lim.check("team-b", 1).allowed()).count(),
        1
    );
    clock.advance(Duration::from_secs(120));
    assert_eq!(lim.sweep(), 3);
}

/// Times at the very end of the u64 range (and costs at its end) decide without panicking.
#[test]
fn extreme_times_and_costs_do_not_panic() {
    for kind in KINDS {
        for period in [1u64, 7, 1_000_000_000] {
            let q = Quota::builder(3, Duration::from_nanos(period))
                .build()
                .unwrap();
            let lim = DirectBuilder::new(AnyAlgorithm::from_name(kind, q).unwrap())
                .clock(ManualClock::new(0))
                .build();
            for now in [0, 1, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
                for cost in [0, 1, 3, 4, u64::MAX] {
                    let d = lim.check_at(now, cost);
                    let _ = (
                        d.remaining(),
                        d.reset_after_ns(),
                        d.retry_after_ns(),
                        d.x_headers(),
                        d.ietf_headers("x"),
                    );
                    if let Ok(r) = lim.reserve_at(now, cost) {
                        lim.cancel_at(now, r);
                    }
                }
            }
        }
    }
}
