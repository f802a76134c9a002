//! The six algorithms as pure state machines over integer nanoseconds.
//!
//! Each algorithm is a small value built from a [`Quota`] that implements [`Algorithm`]: it
//! decides a request `(now, cost)` against a per-key state it does not own. Limiters own the
//! states (one for [`DirectLimiter`](crate::DirectLimiter), one per key for
//! [`KeyedLimiter`](crate::KeyedLimiter)); the same state machines back the Redis scripts.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{Decision, Quota};

mod any;
mod bucket;
mod composite;
mod log;
mod window;

pub use any::{ALGORITHM_NAMES, AlgorithmKind, AnyAlgorithm, AnyCell, AnyState};
pub use bucket::{
    BucketCell, Gcra, GcraState, LeakyBucket, LeakyBucketState, TokenBucket, TokenBucketState,
};
#[cfg(feature = "redis")]
pub(crate) use bucket::{decide_us, params_us};
pub use composite::{Composite, CompositeState};
pub use log::{SlidingLog, SlidingLogState};
pub use window::{
    FixedWindow, FixedWindowCell, FixedWindowState, SlidingWindow, SlidingWindowState,
};

/// The packing of algorithms whose packed state is the state itself.
macro_rules! unpacked_state {
    () => {
        type Packed = <Self as $crate::Algorithm>::State;

        #[inline(always)]
        fn pack(&self, state: Self::State) -> Result<Self::State, Self::State> {
            Ok(state)
        }

        #[inline(always)]
        fn unpack(&self, packed: Self::State) -> Self::State {
            packed
        }

        #[inline(always)]
        fn packed_is_fresh(&self, packed: &Self::State, now: u64) -> bool {
            self.is_fresh(packed, now)
        }
    };
}
use unpacked_state;

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A rate-limiting algorithm: decides requests against a state it does not own.
///
/// Sealed: the crate's six algorithms, [`AnyAlgorithm`] and [`Composite`] implement it.
/// A fresh key's state is `State::default()`.
pub trait Algorithm: Debug + Clone + Send + Sync + 'static + sealed::Sealed {
    /// The per-key state.
    type State: Debug + Clone + Default + Send + Sync + 'static;
    /// The state of a direct limiter, shared between threads (an atomic where it fits).
    type Cell: Debug + Send + Sync;

    /// The algorithm's name as in DESIGN.md (`gcra`, `token-bucket`, ...).
    fn name(&self) -> &'static str;

    /// The quota.
    fn quota(&self) -> Quota;

    /// Decides a request of `cost` at `now`; updates `state` only if `apply` and admitted.
    fn check(&self, state: &mut Self::State, now: u64, cost: u64, apply: bool) -> Decision;

    /// Whether `state` decides every future request as a fresh key would (it can be dropped).
    fn is_fresh(&self, state: &Self::State, now: u64) -> bool;

    /// Gives back `cost` admitted at `at` (a cancelled reservation), as of `now`.
    fn refund(&self, state: &mut Self::State, now: u64, at: u64, cost: u64);

    /// The state as a [`KeyedLimiter`](crate::KeyedLimiter) stores it: smaller where the
    /// algorithm allows (GCRA: one `u64`), else the state itself.
    type Packed: Debug + Default + Send + Sync + 'static;

    /// Packs a state; gives it back when it does not fit the packed form (the keyed limiter
    /// then keeps it unpacked, so packing never changes a decision).
    ///
    /// # Errors
    ///
    /// The state, when it does not fit.
    fn pack(&self, state: Self::State) -> Result<Self::Packed, Self::State>;

    /// Unpacks a state packed by [`pack`](Algorithm::pack).
    fn unpack(&self, packed: Self::Packed) -> Self::State;

    /// [`is_fresh`](Algorithm::is_fresh) of a packed state.
    fn packed_is_fresh(&self, packed: &Self::Packed, now: u64) -> bool;

    /// A fresh shared cell.
    fn new_cell(&self) -> Self::Cell;

    /// [`check`](Algorithm::check) on a shared cell, atomically.
    fn cell_check(&self, cell: &Self::Cell, now: u64, cost: u64, apply: bool) -> Decision;

    /// [`refund`](Algorithm::refund) on a shared cell, atomically.
    fn cell_refund(&self, cell: &Self::Cell, now: u64, at: u64, cost: u64);
}

/// A mutex-protected state: the cell of algorithms whose state does not fit in an atomic.
#[derive(Debug, Default)]
pub struct LockedCell<S>(Mutex<S>);

impl<S> LockedCell<S> {
    pub(crate) fn new(s: S) -> LockedCell<S> {
        LockedCell(Mutex::new(s))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        // A panic in another thread cannot leave a state half-updated (updates are single
        // assignments), so a poisoned lock is still usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Compare-and-swap loop over a state packed into one `u64`.
#[inline(always)]
pub(crate) fn cas_update<S>(
    atomic: &AtomicU64,
    decode: impl Fn(u64) -> S,
    encode: impl Fn(&S) -> u64,
    mut f: impl FnMut(&mut S) -> Decision,
    apply: bool,
) -> Decision {
    let mut cur = atomic.load(Ordering::Acquire);
    loop {
        let mut s = decode(cur);
        let d = f(&mut s);
        if !(apply && d.allowed) {
            return d;
        }
        let new = encode(&s);
        if new == cur {
            return d;
        }
        match atomic.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return d,
            Err(actual) => cur = actual,
        }
    }
}

/// Like [`cas_update`] for a refund (always stores).
pub(crate) fn cas_refund<S>(
    atomic: &AtomicU64,
    decode: impl Fn(u64) -> S,
    encode: impl Fn(&S) -> u64,
    f: impl Fn(&mut S),
) {
    let _ = atomic.fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
        let mut s = decode(cur);
        f(&mut s);
        Some(encode(&s))
    });
}

/// Number of bits needed to represent `x`.
pub(crate) fn bits(x: u64) -> u32 {
    64 - x.leading_zeros()
}
