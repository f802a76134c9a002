//! Window algorithms: fixed window and sliding window counter.

use std::sync::atomic::AtomicU64;

use super::{Algorithm, LockedCell, bits, cas_refund, cas_update, sealed};
use crate::{Decision, Quota};

/// The state of a [`FixedWindow`] key: the window index and the cost admitted in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FixedWindowState {
    index: u64,
    count: u64,
}

impl FixedWindowState {
    #[cfg(feature = "redis")]
    pub(crate) fn from_parts(index: u64, count: u64) -> FixedWindowState {
        FixedWindowState { index, count }
    }
}

/// The shared cell of a [`FixedWindow`]: index and count packed into one `u64` when both fit
/// (`bits(limit) + bits(u64::MAX / period) <= 64`, e.g. up to 2^20 per millisecond), else a mutex.
#[derive(Debug)]
pub enum FixedWindowCell {
    /// Lock-free: `index << count_bits | count`.
    Atomic(AtomicU64),
    /// Locked.
    Locked(LockedCell<FixedWindowState>),
}

/// Fixed window: windows `[k*period, (k+1)*period)`; admitted iff the cost admitted in the
/// window plus `cost` is at most `limit`.
///
/// The cheapest state (two integers), exact per window, but up to `2*limit` can pass within a
/// short interval straddling a window edge.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{Algorithm, FixedWindow, FixedWindowState, Quota};
///
/// let fw = FixedWindow::new(Quota::builder(2, Duration::from_secs(1)).build()?);
/// let mut st = FixedWindowState::default();
/// assert!(fw.check(&mut st, 999_000_000, 2, true).allowed());
/// let d = fw.check(&mut st, 999_000_000, 1, true);
/// assert_eq!(d.retry_after_ns(), Some(1_000_000)); // the next window
/// assert!(fw.check(&mut st, 1_000_000_000, 2, true).allowed());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedWindow {
    quota: Quota,
    /// Bits of the count in the packed cell, if the state fits.
    count_bits: Option<u32>,
}

impl FixedWindow {
    /// A fixed window for `quota` (`burst` is ignored).
    #[must_use]
    pub fn new(quota: Quota) -> FixedWindow {
        let cb = bits(quota.limit());
        let ib = bits(u64::MAX / quota.period_ns());
        FixedWindow {
            quota,
            count_bits: (cb + ib <= 64).then_some(cb),
        }
    }

    fn current(&self, st: &FixedWindowState, now: u64) -> (u64, u64) {
        let k = (now / self.quota.period_ns()).max(st.index);
        (k, if k == st.index { st.count } else { 0 })
    }

    fn decode(cb: u32) -> impl Fn(u64) -> FixedWindowState {
        move |v| FixedWindowState {
            index: v >> cb,
            count: v & ((1u64 << cb) - 1),
        }
    }

    fn encode(cb: u32) -> impl Fn(&FixedWindowState) -> u64 {
        move |s| (s.index << cb) | s.count
    }
}

impl sealed::Sealed for FixedWindow {}

impl Algorithm for FixedWindow {
    type State = FixedWindowState;
    type Cell = FixedWindowCell;
    super::unpacked_state!();

    fn name(&self) -> &'static str {
        "fixed-window"
    }

    fn quota(&self) -> Quota {
        self.quota
    }

    #[inline]
    fn check(&self, st: &mut FixedWindowState, now: u64, cost: u64, apply: bool) -> Decision {
        let (k, count) = self.current(st, now);
        let limit = self.quota.limit();
        let period = self.quota.period_ns();
        let end = (u128::from(k) + 1) * u128::from(period) - u128::from(now);
        let allowed = cost <= limit - count.min(limit);
        let after = if allowed { count + cost } else { count };
        if apply && allowed {
            *st = FixedWindowState {
                index: k,
                count: after,
            };
        }
        let mut d = Decision::plain(allowed, limit, 0, 0, 0, (limit, period));
        d.rem_num = u128::from(limit.saturating_sub(after));
        d.reset_num = if after > 0 { end } else { 0 };
        d.retry_num = end;
        d.too_big = cost > limit;
        d
    }

    fn is_fresh(&self, st: &FixedWindowState, now: u64) -> bool {
        self.current(st, now).1 == 0
    }

    fn refund(&self, st: &mut FixedWindowState, _now: u64, at: u64, cost: u64) {
        if at / self.quota.period_ns() == st.index {
            st.count = st.count.saturating_sub(cost);
        }
    }

    fn new_cell(&self) -> FixedWindowCell {
        match self.count_bits {
            Some(_) => FixedWindowCell::Atomic(AtomicU64::new(0)),
            None => FixedWindowCell::Locked(LockedCell::default()),
        }
    }

    #[inline]
    fn cell_check(&self, cell: &FixedWindowCell, now: u64, cost: u64, apply: bool) -> Decision {
        match (cell, self.count_bits) {
            (FixedWindowCell::Atomic(a), Some(cb)) => cas_update(
                a,
                Self::decode(cb),
                Self::encode(cb),
                |st| self.check(st, now, cost, apply),
                apply,
            ),
            (FixedWindowCell::Locked(m), _) => self.check(&mut m.lock(), now, cost, apply),
            // A cell built by another FixedWindow: decide on a fresh state, change nothing.
            (FixedWindowCell::Atomic(_), None) => {
                self.check(&mut FixedWindowState::default(), now, cost, false)
            }
        }
    }

    fn cell_refund(&self, cell: &FixedWindowCell, now: u64, at: u64, cost: u64) {
        match (cell, self.count_bits) {
            (FixedWindowCell::Atomic(a), Some(cb)) => {
                cas_refund(a, Self::decode(cb), Self::encode(cb), |st| {
                    self.refund(st, now, at, cost)
                });
            }
            (FixedWindowCell::Locked(m), _) => self.refund(&mut m.lock(), now, at, cost),
            (FixedWindowCell::Atomic(_), None) => {}
        }
    }
}

/// The state of a [`SlidingWindow`] key: the current window index and the cost admitted in it
/// and in the window before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlidingWindowState {
    index: u64,
    prev: u64,
    curr: u64,
}

impl SlidingWindowState {
    #[cfg(feature = "redis")]
    pub(crate) fn from_parts(index: u64, prev: u64, curr: u64) -> SlidingWindowState {
        SlidingWindowState { index, prev, curr }
    }
}

/// Sliding window counter: with `k = floor(t/period)`, `e = t - k*period`, `prev`/`curr` the
/// cost admitted in windows `k-1`/`k`: admitted iff
/// `prev*(period - e) + (curr + cost)*period <= limit*period` (exact integers).
///
/// Three integers per key; smooths the fixed window's edge burst (at most
/// `limit + floor(limit*w/period)` in any interval `w <= period`), approximating the sliding log.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{Algorithm, Quota, SlidingWindow, SlidingWindowState};
///
/// let sw = SlidingWindow::new(Quota::builder(4, Duration::from_secs(1)).build()?);
/// let mut st = SlidingWindowState::default();
/// assert!(sw.check(&mut st, 0, 4, true).allowed());
/// // Half-way through the next window half of the previous window still counts.
/// let d = sw.check(&mut st, 1_000_000_000, 3, true);
/// assert_eq!(d.retry_after_ns(), Some(750_000_000));
/// assert!(sw.check(&mut st, 1_750_000_000, 3, true).allowed());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindow {
    quota: Quota,
}

impl SlidingWindow {
    /// A sliding window counter for `quota` (`burst` is ignored).
    #[must_use]
    pub fn new(quota: Quota) -> SlidingWindow {
        SlidingWindow { quota }
    }

    /// (k, e, prev, curr) at `now`.
    fn current(&self, st: &SlidingWindowState, now: u64) -> (u64, u64, u64, u64) {
        let period = self.quota.period_ns();
        let k = (now / period).max(st.index);
        let e = now.saturating_sub(k.saturating_mul(period));
        let (prev, curr) = if k == st.index {
            (st.prev, st.curr)
        } else if Some(k) == st.index.checked_add(1) {
            (st.curr, 0)
        } else {
            (0, 0)
        };
        (k, e, prev, curr)
    }
}

impl sealed::Sealed for SlidingWindow {}

impl Algorithm for SlidingWindow {
    type State = SlidingWindowState;
    type Cell = LockedCell<SlidingWindowState>;
    super::unpacked_state!();

    fn name(&self) -> &'static str {
        "sliding-window"
    }

    fn quota(&self) -> Quota {
        self.quota
    }

    fn check(&self, st: &mut SlidingWindowState, now: u64, cost: u64, apply: bool) -> Decision {
        let (k, e, prev, curr) = self.current(st, now);
        let limit = u128::from(self.quota.limit());
        let pd = u128::from(self.quota.period_ns());
        let (p, c, e, kk) = (
            u128::from(prev),
            u128::from(curr),
            u128::from(e),
            u128::from(k),
        );
        let weighted = p * (pd - e);
        let allowed = weighted + (c + u128::from(cost)) * pd <= limit * pd;
        let after = if allowed { curr + cost } else { curr };
        if apply && allowed {
            *st = SlidingWindowState {
                index: k,
                prev,
                curr: after,
            };
        }
        let a = u128::from(after);
        let remaining = ((limit * pd).saturating_sub(weighted) / pd).saturating_sub(a);
        let now128 = u128::from(now);
        let reset = if after > 0 {
            (kk + 2) * pd - now128
        } else if prev > 0 {
            (kk + 1) * pd - now128
        } else {
            0
        };
        let cost = u128::from(cost);
        let retry_at = if allowed || cost > limit {
            now128
        } else if c + cost <= limit && p > 0 && pd - (limit - c - cost) * pd / p < pd {
            // Still in window k, once prev's weight has decayed enough.
            kk * pd + (pd - (limit - c - cost) * pd / p)
        } else {
            // Window k+1: prev' = curr (after), curr' = 0.
            let e1 = ((limit - cost) * pd)
                .checked_div(a)
                .map_or(0, |x| pd - x.min(pd));
            (kk + 1) * pd + e1
        };
        let mut d = Decision::plain(
            allowed,
            self.quota.limit(),
            0,
            0,
            0,
            (self.quota.limit(), self.quota.period_ns()),
        );
        d.rem_num = remaining;
        d.reset_num = reset;
        d.retry_num = retry_at.saturating_sub(now128);
        d.too_big = cost > limit;
        d
    }

    fn is_fresh(&self, st: &SlidingWindowState, now: u64) -> bool {
        let (_, _, prev, curr) = self.current(st, now);
        prev == 0 && curr == 0
    }

    fn refund(&self, st: &mut SlidingWindowState, _now: u64, at: u64, cost: u64) {
        let ai = at / self.quota.period_ns();
        if ai == st.index {
            st.curr = st.curr.saturating_sub(cost);
        } else if ai.checked_add(1) == Some(st.index) {
            st.prev = st.prev.saturating_sub(cost);
        }
    }

    fn new_cell(&self) -> Self::Cell {
        LockedCell::default()
    }

    fn cell_check(&self, cell: &Self::Cell, now: u64, cost: u64, apply: bool) -> Decision {
        self.check(&mut cell.lock(), now, cost, apply)
    }

    fn cell_refund(&self, cell: &Self::Cell, now: u64, at: u64, cost: u64) {
        self.refund(&mut cell.lock(), now, at, cost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fixed_window_packs_when_it_fits() {
        let fw = FixedWindow::new(Quota::per_second(1000).unwrap());
        assert!(matches!(fw.new_cell(), FixedWindowCell::Atomic(_)));
        let fw = FixedWindow::new(
            Quota::builder(u64::MAX, Duration::from_nanos(1))
                .build()
                .unwrap(),
        );
        assert!(matches!(fw.new_cell(), FixedWindowCell::Locked(_)));
        let q = Quota::builder(3, Duration::from_millis(10))
            .build()
            .unwrap();
        let fw = FixedWindow::new(q);
        let cell = fw.new_cell();
        let mut st = FixedWindowState::default();
        for t in [
            0u64, 1, 2, 3, 9_999_999, 10_000_000, 10_000_001, 10_000_002, 10_000_003, 25_000_000,
        ] {
            let a = fw.cell_check(&cell, t, 1, true);
            let b = fw.check(&mut st, t, 1, true);
            assert_eq!(a, b, "t={t}");
        }
        fw.cell_refund(&cell, 25_000_000, 25_000_000, 1);
        fw.refund(&mut st, 25_000_000, 25_000_000, 1);
        assert_eq!(
            fw.cell_check(&cell, 25_000_001, 3, true),
            fw.check(&mut st, 25_000_001, 3, true)
        );
    }

    #[test]
    fn sliding_window_retry_is_exact() {
        let sw = SlidingWindow::new(Quota::builder(5, Duration::from_nanos(10)).build().unwrap());
        let mut st = SlidingWindowState::default();
        assert!(sw.check(&mut st, 3, 4, true).allowed());
        assert!(sw.check(&mut st, 12, 1, true).allowed());
        let d = sw.check(&mut st, 12, 3, false);
        assert!(!d.allowed());
        let r = d.retry_after_ns().unwrap();
        assert!(!sw.check(&mut st, 12 + r - 1, 3, false).allowed());
        assert!(sw.check(&mut st, 12 + r, 3, false).allowed());
    }
}
