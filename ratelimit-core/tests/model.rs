//! Property tests: every algorithm against a plain reference model of the DESIGN.md formulas,
//! written here from the definitions (history-based, exact integers), plus invariants.

use std::collections::HashMap;
use std::time::Duration;

use proptest::prelude::*;
use ratelimit_core::{
    Algorithm, AnyAlgorithm, AnyState, Composite, DirectBuilder, KeyedBuilder, ManualClock, Quota,
};

/// The reference model: a history of admitted (t, cost) and the DESIGN.md rule for each
/// algorithm, evaluated from the history alone.
#[derive(Debug, Clone)]
struct Model {
    kind: &'static str,
    limit: u128,
    period: u128,
    burst: u128,
    hist: Vec<(u128, u128)>,
}

impl Model {
    fn new(kind: &'static str, q: Quota) -> Model {
        Model {
            kind,
            limit: q.limit().into(),
            period: q.period_ns().into(),
            burst: q.burst().into(),
            hist: Vec::new(),
        }
    }

    fn sum(&self, lo_incl: u128, hi_incl: u128) -> u128 {
        self.hist
            .iter()
            .filter(|(s, _)| *s >= lo_incl && *s <= hi_incl)
            .map(|(_, c)| c)
            .sum()
    }

    /// Bucket family: tokens refill continuously; admitted iff for every earlier admission
    /// time s: (A[s,t] + n)·period <= burst·period + (t − s)·limit, and n <= burst.
    /// (Unrolling "tokens at t >= n" over the history gives exactly these inequalities.)
    fn bucket_admits(&self, t: u128, n: u128) -> bool {
        n <= self.burst
            && self.hist.iter().all(|&(s, _)| {
                (self.sum(s, t) + n) * self.period
                    <= self.burst * self.period + (t - s) * self.limit
            })
    }

    fn admits(&self, t: u128, n: u128) -> bool {
        let (l, p) = (self.limit, self.period);
        match self.kind {
            "gcra" | "token-bucket" | "leaky-bucket" => self.bucket_admits(t, n),
            "fixed-window" => {
                let k = t / p;
                self.sum(k * p, (k + 1) * p - 1) + n <= l
            }
            "sliding-log" => {
                let lo = if t >= p { t - p + 1 } else { 0 };
                self.sum(lo, t) + n <= l
            }
            "sliding-window" => {
                let k = t / p;
                let e = t - k * p;
                let prev = if k == 0 {
                    0
                } else {
                    self.sum((k - 1) * p, k * p - 1)
                };
                let curr = self.sum(k * p, (k + 1) * p - 1);
                prev * (p - e) + (curr + n) * p <= l * p
            }
            _ => unreachable!(),
        }
    }

    fn capacity(&self) -> u128 {
        match self.kind {
            "gcra" | "token-bucket" | "leaky-bucket" => self.burst,
            _ => self.limit,
        }
    }

    /// Largest n admitted at t (by search: the model is the definition, not a formula).
    fn remaining(&self, t: u128) -> u128 {
        (0..=self.capacity())
            .rev()
            .find(|&n| self.admits(t, n))
            .unwrap_or(0)
    }

    fn record(&mut self, t: u128, n: u128) {
        self.hist.push((t, n));
    }
}

fn quota_strategy() -> impl Strategy<Value = Quota> {
    (1u64..8, 1u64..400, 1u64..8).prop_map(|(limit, period, burst)| {
        Quota::builder(limit, Duration::from_nanos(period))
            .burst(burst)
            .build()
            .unwrap()
    })
}

/// Non-decreasing times with random gaps, costs 0..=9, keys 0..3.
fn trace_strategy() -> impl Strategy<Value = Vec<(u64, u64, u8)>> {
    prop::collection::vec(
        (0u64..150, prop_oneof![Just(1u64), 0u64..10], 0u8..3),
        1..50,
    )
    .prop_map(|v| {
        let mut t = 0;
        v.into_iter()
            .map(|(gap, cost, key)| {
                t += if gap < 50 { 0 } else { gap };
                (t, cost, key)
            })
            .collect()
    })
}

fn algorithm(kind: &str, q: Quota) -> AnyAlgorithm {
    AnyAlgorithm::from_name(kind, q).unwrap()
}

const KINDS: [&str; 6] = [
    "gcra",
    "token-bucket",
    "leaky-bucket",
    "fixed-window",
    "sliding-log",
    "sliding-window",
];

/// Runs one algorithm's pure state machine against the model on one key, checking every
/// decision: allowed, too-big, remaining, and retry-after exactness.
fn check_against_model(
    kind: &'static str,
    q: Quota,
    trace: &[(u64, u64, u8)],
) -> Result<(), TestCaseError> {
    let alg = algorithm(kind, q);
    let mut st = AnyState::default();
    let mut m = Model::new(kind, q);
    for &(t, cost, _) in trace {
        let (tt, n) = (u128::from(t), u128::from(cost));
        let peek = alg.check(&mut st.clone(), t, cost, false);
        let d = alg.check(&mut st, t, cost, true);
        let want = m.admits(tt, n);
        prop_assert_eq!(
            d.allowed(),
            want,
            "{} at t={} cost={} q={:?}",
            kind,
            t,
            cost,
            q
        );
        prop_assert_eq!(peek.allowed(), want);
        prop_assert_eq!(d.too_big(), n > m.capacity());
        if want {
            m.record(tt, n);
        } else if n <= m.capacity() {
            let r = u128::from(d.retry_after_ns().unwrap());
            prop_assert!(r >= 1);
            prop_assert!(
                !m.admits(tt + r - 1, n),
                "{} retry {} too late? t={} cost={}",
                kind,
                r,
                t,
                cost
            );
            prop_assert!(
                m.admits(tt + r, n),
                "{} retry {} too early: t={} cost={} q={:?}",
                kind,
                r,
                t,
                cost,
                q
            );
        } else {
            prop_assert!(d.retry_after_ns().is_none());
        }
        prop_assert_eq!(
            u128::from(d.remaining()),
            m.remaining(tt),
            "{} remaining at t={}",
            kind,
            t
        );
        prop_assert_eq!(d.limit() as u128, m.capacity());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn gcra_matches_model(q in quota_strategy(), trace in trace_strategy()) {
        check_against_model("gcra", q, &trace)?;
    }

    #[test]
    fn token_bucket_matches_model(q in quota_strategy(), trace in trace_strategy()) {
        check_against_model("token-bucket", q, &trace)?;
    }

    #[test]
    fn leaky_bucket_matches_model(q in quota_strategy(), trace in trace_strategy()) {
        check_against_model("leaky-bucket", q, &trace)?;
    }

    #[test]
    fn fixed_window_matches_model(q in quota_strategy(), trace in trace_strategy()) {
        check_against_model("fixed-window", q, &trace)?;
    }

    #[test]
    fn sliding_log_matches_model(q in quota_strategy(), trace in trace_strategy()) {
        check_against_model("sliding-log", q, &trace)?;
    }

    #[test]
    fn sliding_window_matches_model(q in quota_strategy(), trace in trace_strategy()) {
        check_against_model("sliding-window", q, &trace)?;
    }

    /// Direct limiters (atomic cells where they fit) decide as the model does.
    #[test]
    fn direct_limiters_match_model(q in quota_strategy(), trace in trace_strategy()) {
        for kind in KINDS {
            let lim = DirectBuilder::new(algorithm(kind, q)).clock(ManualClock::new(0)).build();
            let mut m = Model::new(kind, q);
            for &(t, cost, _) in &trace {
                let want = m.admits(t.into(), cost.into());
                prop_assert_eq!(lim.check_at(t, cost).allowed(), want, "{}", kind);
                if want { m.record(t.into(), cost.into()); }
            }
        }
    }

    /// Keyed: keys are independent, and reclaiming fresh keys (sweeps at random points, tiny
    /// lazy-sweep thresholds) never changes a decision.
    #[test]
    fn keyed_limiters_match_per_key_models(q in quota_strategy(), trace in trace_strategy(), sweeps in prop::collection::vec(any::<bool>(), 50)) {
        for kind in KINDS {
            let lim = KeyedBuilder::new(algorithm(kind, q)).clock(ManualClock::new(0)).shards(2).build::<u8>().unwrap();
            let mut models: HashMap<u8, Model> = HashMap::new();
            for (i, &(t, cost, key)) in trace.iter().enumerate() {
                if sweeps[i % sweeps.len()] {
                    lim.sweep_at(t);
                }
                let m = models.entry(key).or_insert_with(|| Model::new(kind, q));
                let want = m.admits(t.into(), cost.into());
                prop_assert_eq!(lim.check_at(&key, t, cost).allowed(), want, "{} key {}", kind, key);
                if want { m.record(t.into(), cost.into()); }
            }
            prop_assert!(lim.len() <= 3);
        }
    }

    /// Keyed GCRA keeps its per-key time packed in 64 bits of ticks while it fits and
    /// unpacked beyond: decisions equal the model on traces that cross that boundary.
    #[test]
    fn keyed_gcra_across_the_64_bit_tick_boundary(q in quota_strategy(), trace in trace_strategy(), back in 0u64..3000) {
        let (mut a, mut b) = (q.limit(), q.period_ns());
        while b != 0 {
            (a, b) = (b, a % b);
        }
        let s = q.limit() / a;
        // With s > 1, times run from below to beyond 2^64/s ns, where ticks need 65 bits.
        let base = (u64::MAX / s).saturating_sub(back).min(u64::MAX - 8_000);
        let lim = KeyedBuilder::new(algorithm("gcra", q)).clock(ManualClock::new(0)).shards(1).build::<u8>().unwrap();
        let mut models: HashMap<u8, Model> = HashMap::new();
        for &(t, cost, key) in &trace {
            let t = base + t;
            let m = models.entry(key).or_insert_with(|| Model::new("gcra", q));
            let want = m.admits(t.into(), cost.into());
            prop_assert_eq!(lim.check_at(&key, t, cost).allowed(), want, "key {} at {}", key, t);
            if want { m.record(t.into(), cost.into()); }
        }
    }

    /// A key cap holds, and evicting only ever admits more: every request the uncapped
    /// limiter admits, given the same history of admissions... (weaker, checkable form) the
    /// capped limiter never denies a request whose key's model admits it on the capped
    /// limiter's own admitted history.
    #[test]
    fn key_cap_bounds_len_and_only_admits_more(q in quota_strategy(), trace in trace_strategy()) {
        for kind in KINDS {
            let lim = KeyedBuilder::new(algorithm(kind, q)).clock(ManualClock::new(0)).shards(1).max_keys(2).build::<u8>().unwrap();
            let mut models: HashMap<u8, Model> = HashMap::new();
            for &(t, cost, key) in &trace {
                let m = models.entry(key).or_insert_with(|| Model::new(kind, q));
                let allowed = lim.check_at(&key, t, cost).allowed();
                if m.admits(t.into(), cost.into()) {
                    prop_assert!(allowed, "{} capped limiter denied what the model admits", kind);
                }
                if allowed { m.record(t.into(), cost.into()); }
                prop_assert!(lim.len() <= 2);
            }
        }
    }

    /// Composite: admitted iff every component's model admits; a denial consumes from none.
    #[test]
    fn composite_is_all_and_denial_consumes_nothing(q1 in quota_strategy(), q2 in quota_strategy(), k1 in 0usize..6, k2 in 0usize..6, trace in trace_strategy()) {
        let comp = Composite::new(vec![algorithm(KINDS[k1], q1), algorithm(KINDS[k2], q2)]).unwrap();
        let lim = DirectBuilder::new(comp).clock(ManualClock::new(0)).build();
        let mut m1 = Model::new(KINDS[k1], q1);
        let mut m2 = Model::new(KINDS[k2], q2);
        for &(t, cost, _) in &trace {
            let (tt, n) = (u128::from(t), u128::from(cost));
            let want = m1.admits(tt, n) && m2.admits(tt, n);
            let d = lim.check_at(t, cost);
            prop_assert_eq!(d.allowed(), want);
            if want {
                m1.record(tt, n);
                m2.record(tt, n);
            } else if n <= m1.capacity() && n <= m2.capacity() {
                let r = u128::from(d.retry_after_ns().unwrap());
                prop_assert!(m1.admits(tt + r, n) && m2.admits(tt + r, n));
                prop_assert!(!(m1.admits(tt + r - 1, n) && m2.admits(tt + r - 1, n)));
            }
        }
    }

    /// Invariants on admitted histories (any window bounds), independent of the model.
    #[test]
    fn window_bounds_hold(q in quota_strategy(), trace in trace_strategy()) {
        for kind in KINDS {
            let alg = algorithm(kind, q);
            let mut st = AnyState::default();
            let mut adm: Vec<(u128, u128)> = Vec::new();
            for &(t, cost, _) in &trace {
                if alg.check(&mut st, t, cost, true).allowed() { adm.push((t.into(), cost.into())); }
            }
            let (l, p, b) = (u128::from(q.limit()), u128::from(q.period_ns()), u128::from(q.burst()));
            for &(u, _) in &adm {
                for &(v, _) in &adm {
                    if v < u { continue; }
                    let a: u128 = adm.iter().filter(|(s, _)| *s >= u && *s <= v).map(|(_, c)| c).sum();
                    let w = v - u;
                    match kind {
                        // GCRA: at most burst + floor(w·limit/period) in any closed interval of length w.
                        "gcra" | "token-bucket" | "leaky-bucket" => prop_assert!(a <= b + w * l / p, "{} {} > bound", kind, a),
                        // Windows of length < period: sliding log never exceeds the limit.
                        "sliding-log" if w < p => prop_assert!(a <= l),
                        // Fixed window: at most limit per aligned window.
                        "fixed-window" if u / p == v / p => prop_assert!(a <= l),
                        // Sliding window counter: at most limit + floor(limit·w/period) for w < period.
                        "sliding-window" if w < p => prop_assert!(a <= l + l * w / p),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Peeks and refunds of nothing are invisible; a cancelled reservation is as if the
    /// request had not been made (for the bucket family, at the same instant).
    #[test]
    fn peek_is_invisible_and_cancel_refunds(q in quota_strategy(), trace in trace_strategy()) {
        for kind in KINDS {
            let a = DirectBuilder::new(algorithm(kind, q)).clock(ManualClock::new(0)).build();
            let b = DirectBuilder::new(algorithm(kind, q)).clock(ManualClock::new(0)).build();
            for &(t, cost, key) in &trace {
                let _ = a.peek_at(t, cost + 1);
                if key == 0
                    && let Ok(r) = a.reserve_at(t, 1)
                {
                    a.cancel_at(t, r);
                }
                prop_assert_eq!(a.check_at(t, cost).allowed(), b.check_at(t, cost).allowed(), "{}", kind);
            }
        }
    }
}

proptest! {
    /// Quota resolution never panics on arbitrary patterns and keys, an exact key always wins,
    /// and the result does not depend on the order the patterns were added in.
    #[test]
    fn quota_rules_resolve_deterministically(pats in prop::collection::vec("[a-c*]{0,5}", 0..6), key in "[a-c]{0,6}") {
        use ratelimit_core::QuotaRules;
        let q = |n: u64| Quota::per_second(n).unwrap();
        let mut fwd = QuotaRules::new(q(1));
        let mut rev = QuotaRules::new(q(1));
        for (i, p) in pats.iter().enumerate() {
            fwd = fwd.pattern(p, q(i as u64 + 2));
        }
        // Same pattern → same quota in both (the last one added wins in `fwd`).
        let mut last: HashMap<&String, u64> = HashMap::new();
        for (i, p) in pats.iter().enumerate() {
            last.insert(p, i as u64 + 2);
        }
        for p in pats.iter().rev() {
            rev = rev.pattern(p, q(last[p]));
        }
        prop_assert_eq!(fwd.resolve(&key), rev.resolve(&key));
        let fwd = fwd.exact(&key, q(99));
        prop_assert_eq!(fwd.resolve(&key).limit(), 99);
    }
}

proptest! {
    /// The text parsers return an error, never panic, on arbitrary input; valid lines round-trip.
    #[test]
    fn trace_and_duration_parsers_never_panic(text in "\\PC{0,40}", t in 0u64..1_000_000, key in "[a-z0-9:_-]{1,12}", cost in 0u64..100) {
        use ratelimit_core::trace::{parse_duration, parse_line, read_trace};
        let _ = parse_line("p", 1, &text);
        let _ = parse_duration(&text);
        let _ = read_trace("p", text.as_bytes());
        let line = parse_line("p", 1, &format!("{t} {key} {cost}")).unwrap().unwrap();
        prop_assert_eq!((line.t_ms, line.key.as_str(), line.cost), (t, key.as_str(), cost));
        prop_assert_eq!(parse_duration(&format!("{t}ms")).unwrap(), Duration::from_millis(t));
    }
}
