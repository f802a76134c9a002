//! Exact rate limiters: GCRA, token bucket, leaky bucket, fixed window, sliding log and sliding
//! window counter; direct, keyed and composite; in memory by default, on Redis across processes.
//!
//! Decisions use integer nanoseconds and exact integer arithmetic: a quota of 7 per 90 s is
//! exactly that, with no rounding of the emission interval. Every check returns a [`Decision`]:
//! allowed or not, the limit, the remaining units, the time until the state is fresh again and,
//! when denied, the *exact* earliest time the same request would be admitted. Decisions convert
//! to the IETF `RateLimit`/`RateLimit-Policy` headers and to `X-RateLimit-*`/`Retry-After`.
//!
//! # Semantics (DESIGN.md)
//!
//! Every request has a `cost` (default 1); a denied request consumes nothing; keys are
//! independent; a cost above the capacity is always denied ([`Decision::too_big`], no retry
//! time). With `t` the request time:
//!
//! - `gcra`, `token-bucket`, `leaky-bucket`: capacity `burst` (default `limit`), refilled by
//!   `limit` per `period` continuously, starting full; admitted iff the tokens at `t` are at
//!   least `cost`. The three make identical decisions and differ in the state they keep.
//! - `fixed-window`: windows `[k*period, (k+1)*period)`; admitted iff the cost admitted in the
//!   window plus `cost` is at most `limit`.
//! - `sliding-log`: admitted iff the cost admitted at times `s` with `t - period < s <= t`, plus
//!   `cost`, is at most `limit`.
//! - `sliding-window`: with `k = floor(t/period)`, `e = t - k*period` and `prev`/`curr` the cost
//!   admitted in windows `k-1`/`k`: admitted iff `prev*(period-e) + (curr+cost)*period <=
//!   limit*period`.
//!
//! # Which algorithm when
//!
//! | algorithm | state per key | bursts | exactness | pick it for |
//! |---|---|---|---|---|
//! | [`Gcra`] | 16 bytes (8 in a keyed limiter) | `burst` at once, then smooth; any window `w` admits ≤ `burst + w·limit/period` (up to `2·limit−1` per period when `burst = limit`) | exact | the default: smallest state, lock-free, smooth |
//! | [`TokenBucket`] | 48 bytes | as GCRA | exact, same decisions | when you think in tokens |
//! | [`LeakyBucket`] | 32 bytes | as GCRA | exact, same decisions | metering a steady outflow |
//! | [`FixedWindow`] | 16 bytes | up to `2·limit` across a window edge | exact per window | cheap counters, quotas per calendar-like window |
//! | [`SlidingLog`] | one entry per admitted instant (≤ `limit`) | never more than `limit` in any `period` | exact | strict "at most N in any W" (small N) |
//! | [`SlidingWindow`] | 24 bytes | ≤ `limit + w·limit/period` in any `w ≤ period` | approximates the log | near-strict windows at fixed-window cost |
//!
//! Each algorithm's page has a runnable example. [`AnyAlgorithm`] picks one by name at run
//! time; [`Composite`] combines several limits on one key (all must admit; a denial consumes
//! from none).
//!
//! # Limiters
//!
//! - [`DirectLimiter`]: one limit for the process, `Send + Sync`, lock-free (atomics) for GCRA,
//!   token and leaky bucket (when `period/limit` is a whole number of nanoseconds) and fixed
//!   window (when its packed state fits 64 bits).
//! - [`KeyedLimiter`]: one state per key, sharded; fresh-equivalent keys are reclaimed lazily
//!   and by [`KeyedLimiter::sweep`]; an optional key cap whose evictions only ever admit more.
//! - [`RuledLimiter`]: a quota per key from [`QuotaRules`] (exact key, then the most specific
//!   pattern, then the default), replaceable at run time without resetting unchanged keys.
//! - `redis_store::RedisLimiter` (feature `redis`): the state in Redis, one atomic Lua script
//!   and one round trip per decision (composites too), peek, pipelined batches, server time,
//!   a fail policy.
//!
//! All take `check_at(now)` so callers can batch clock reads, `peek` (consumes nothing),
//! `reserve`/`cancel` (refunds), shadow mode and an [`Observer`] for metrics. Time comes from a
//! [`Clock`]: [`MonotonicClock`] (default: the CPU's time-stamp counter where the OS trusts
//! it, exact to the nanosecond), [`ManualClock`] for tests and simulations, and the
//! opt-in [`TickerClock`] (one atomic load per reading, coarse but monotonic).
//!
//! ```
//! use std::time::Duration;
//! use ratelimit_core::{Gcra, KeyedBuilder, ManualClock, Quota};
//!
//! let clock = ManualClock::new(0);
//! let quota = Quota::builder(10, Duration::from_secs(1)).burst(5).build()?;
//! let limiter = KeyedBuilder::new(Gcra::new(quota)).clock(clock.clone()).build::<String>()?;
//! let user = "alice".to_string();
//! assert!(limiter.check_n(&user, 5).allowed());
//! let d = limiter.check(&user);
//! assert!(!d.allowed());
//! assert_eq!(d.retry_after(), Some(Duration::from_millis(100)));
//! let headers = d.x_headers(); // [("X-RateLimit-Limit", "5"), ..., ("Retry-After", "1")]
//! assert_eq!(headers.last(), Some(&("Retry-After", "1".to_string())));
//! clock.advance(Duration::from_millis(100));
//! assert!(limiter.check(&user).allowed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! - `redis`: [`redis_store`], a Redis store shared by many processes (async, tokio).
//! - `tokio`: `wait`, async waiting until admitted with a maximum wait.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod algorithm;
mod clock;
mod decision;
mod direct;
mod error;
mod keyed;
mod observe;
mod quota;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis_store;
mod rules;
pub mod trace;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod wait;

pub use algorithm::{
    ALGORITHM_NAMES, Algorithm, AlgorithmKind, AnyAlgorithm, AnyCell, AnyState, BucketCell,
    Composite, CompositeState, FixedWindow, FixedWindowCell, FixedWindowState, Gcra, GcraState,
    LeakyBucket, LeakyBucketState, LockedCell, SlidingLog, SlidingLogState, SlidingWindow,
    SlidingWindowState, TokenBucket, TokenBucketState,
};
pub use clock::{Clock, ManualClock, MonotonicClock, TickerClock};
pub use decision::Decision;
pub use direct::{DirectBuilder, DirectLimiter};
pub use error::Error;
pub use keyed::{FastHash, FastHasher, KeyedBuilder, KeyedLimiter};
pub use observe::{DecisionCounters, Observer, OutcomeCounts, Reservation};
pub use quota::{Quota, QuotaBuilder};
pub use rules::{QuotaRules, RuledLimiter};

#[cfg(test)]
mod tests {
    use super::*;

    /// The state sizes the crate docs' table promises.
    #[test]
    fn state_sizes_match_the_docs() {
        use std::mem::size_of;
        assert_eq!(size_of::<GcraState>(), 16);
        assert_eq!(size_of::<TokenBucketState>(), 48);
        assert_eq!(size_of::<LeakyBucketState>(), 32);
        assert_eq!(size_of::<FixedWindowState>(), 16);
        assert_eq!(size_of::<SlidingWindowState>(), 24);
    }
}
