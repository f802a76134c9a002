//! The direct limiter: one limit shared by all callers.

use std::sync::Arc;

use crate::observe::Options;
use crate::{Algorithm, Clock, Decision, MonotonicClock, Observer, Reservation};

/// One rate limit for a whole process (no keys): `Send + Sync`, lock-free for GCRA, token
/// bucket, leaky bucket (when `period/limit` is whole nanoseconds) and fixed window (when the
/// packed state fits 64 bits); the other algorithms use a mutex.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{DirectLimiter, Gcra, ManualClock, Quota};
///
/// let clock = ManualClock::new(0);
/// let lim = DirectLimiter::builder(Gcra::new(Quota::per_second(2)?)).clock(clock.clone()).build();
/// assert!(lim.check().allowed() && lim.check().allowed());
/// let d = lim.check();
/// assert!(!d.allowed());
/// assert_eq!(d.retry_after(), Some(Duration::from_millis(500)));
/// assert!(lim.peek(1).retry_after_ns().is_some()); // peek consumes nothing
/// clock.advance(Duration::from_millis(500));
/// let r = lim.reserve(1).map_err(|_| "denied")?;
/// lim.cancel(r); // refund
/// assert!(lim.check().allowed());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DirectLimiter<A: Algorithm, C = MonotonicClock> {
    alg: A,
    cell: Padded<A::Cell>,
    clock: C,
    opts: Options,
}

/// The shared state on cache lines of its own: threads writing it do not evict the
/// read-only fields (quota, clock) the other threads read for every decision. 128 bytes: a
/// line and its prefetch pair on x86.
#[derive(Debug)]
#[repr(align(128))]
struct Padded<T>(T);

/// Builds a [`DirectLimiter`].
#[derive(Debug)]
pub struct DirectBuilder<A, C> {
    alg: A,
    clock: C,
    opts: Options,
}

impl<A: Algorithm> DirectLimiter<A> {
    /// A limiter with the monotonic clock.
    #[must_use]
    pub fn new(alg: A) -> DirectLimiter<A> {
        DirectLimiter::builder(alg).build()
    }

    /// Starts a builder (monotonic clock, enforcing, no observer).
    #[must_use]
    pub fn builder(alg: A) -> DirectBuilder<A, MonotonicClock> {
        DirectBuilder::new(alg)
    }
}

impl<A: Algorithm> DirectBuilder<A, MonotonicClock> {
    /// Starts a builder (monotonic clock, enforcing, no observer).
    #[must_use]
    pub fn new(alg: A) -> DirectBuilder<A, MonotonicClock> {
        DirectBuilder {
            alg,
            clock: MonotonicClock::new(),
            opts: Options::default(),
        }
    }
}

impl<A: Algorithm, C: Clock> DirectBuilder<A, C> {
    /// Uses `clock` for "now".
    #[must_use]
    pub fn clock<C2: Clock>(self, clock: C2) -> DirectBuilder<A, C2> {
        DirectBuilder {
            alg: self.alg,
            clock,
            opts: self.opts,
        }
    }

    /// Shadow mode: decide and report, never deny (a would-be denial consumes nothing).
    #[must_use]
    pub fn shadow(mut self, shadow: bool) -> DirectBuilder<A, C> {
        self.opts.shadow = shadow;
        self
    }

    /// Calls `observer` with every decision.
    #[must_use]
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> DirectBuilder<A, C> {
        self.opts.observer = Some(observer);
        self
    }

    /// Builds the limiter.
    #[must_use]
    pub fn build(self) -> DirectLimiter<A, C> {
        let cell = Padded(self.alg.new_cell());
        DirectLimiter {
            alg: self.alg,
            cell,
            clock: self.clock,
            opts: self.opts,
        }
    }
}

impl<A: Algorithm, C: Clock> DirectLimiter<A, C> {
    /// Checks one unit now.
    #[inline(always)]
    pub fn check(&self) -> Decision {
        self.check_at(self.clock.now(), 1)
    }

    /// Checks `cost` units now.
    #[inline(always)]
    pub fn check_n(&self, cost: u64) -> Decision {
        self.check_at(self.clock.now(), cost)
    }

    /// Checks `cost` units at `now` (ns on this limiter's clock): lets callers read the clock
    /// once for many checks.
    #[inline(always)]
    pub fn check_at(&self, now: u64, cost: u64) -> Decision {
        if self.opts.is_plain() {
            return self.alg.cell_check(&self.cell.0, now, cost, true);
        }
        self.check_observed(now, cost)
    }

    /// The shadow-mode / observer path, out of line.
    #[inline(never)]
    fn check_observed(&self, now: u64, cost: u64) -> Decision {
        let d = self.alg.cell_check(&self.cell.0, now, cost, true);
        self.opts.finish(&self.alg, d)
    }

    /// Whether `cost` units would be admitted now, consuming nothing.
    pub fn peek(&self, cost: u64) -> Decision {
        self.peek_at(self.clock.now(), cost)
    }

    /// Whether `cost` units would be admitted at `now`, consuming nothing (no observer call).
    pub fn peek_at(&self, now: u64, cost: u64) -> Decision {
        self.alg.cell_check(&self.cell.0, now, cost, false)
    }

    /// Admits `cost` units now as a [`Reservation`] that [`cancel`](DirectLimiter::cancel) can
    /// give back.
    ///
    /// # Errors
    ///
    /// The denying decision.
    pub fn reserve(&self, cost: u64) -> Result<Reservation, Decision> {
        self.reserve_at(self.clock.now(), cost)
    }

    /// [`reserve`](DirectLimiter::reserve) at `now`.
    ///
    /// # Errors
    ///
    /// The denying decision.
    pub fn reserve_at(&self, now: u64, cost: u64) -> Result<Reservation, Decision> {
        let d = self.check_at(now, cost);
        if !d.allowed() {
            return Err(d);
        }
        let cost = if d.shadowed() { 0 } else { cost };
        Ok(Reservation {
            at: now,
            cost,
            decision: d,
        })
    }

    /// Gives back a reservation's cost now.
    pub fn cancel(&self, r: Reservation) {
        self.cancel_at(self.clock.now(), r);
    }

    /// Gives back a reservation's cost at `now`.
    pub fn cancel_at(&self, now: u64, r: Reservation) {
        if r.cost > 0 {
            self.alg.cell_refund(&self.cell.0, now, r.at, r.cost);
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> &A {
        &self.alg
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }
}
