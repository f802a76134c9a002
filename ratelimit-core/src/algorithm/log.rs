//! The sliding log.

use std::collections::VecDeque;

use super::{Algorithm, LockedCell, sealed};
use crate::{Decision, Quota};

/// The state of a [`SlidingLog`] key: admitted (time, cost) pairs in the window, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlidingLogState {
    entries: VecDeque<(u64, u64)>,
    total: u64,
}

impl SlidingLogState {
    #[cfg(feature = "redis")]
    pub(crate) fn from_entries(entries: Vec<(u64, u64)>) -> SlidingLogState {
        let total = entries.iter().map(|&(_, c)| c).sum();
        SlidingLogState {
            entries: entries.into(),
            total,
        }
    }
}

/// Sliding log: admitted iff the cost admitted at times `s` with `t - period < s <= t`, plus
/// `cost`, is at most `limit`.
///
/// Exact ("never more than `limit` in any window of length `period`"), at the price of one
/// entry per admitted request time (at most `limit` entries per key).
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{Algorithm, Quota, SlidingLog, SlidingLogState};
///
/// let sl = SlidingLog::new(Quota::builder(2, Duration::from_secs(1)).build()?);
/// let mut st = SlidingLogState::default();
/// assert!(sl.check(&mut st, 100, 1, true).allowed());
/// assert!(sl.check(&mut st, 900_000_000, 1, true).allowed());
/// let d = sl.check(&mut st, 950_000_000, 1, true);
/// assert_eq!(d.retry_after_ns(), Some(50_000_100)); // when the entry at 100 ns leaves
/// assert!(sl.check(&mut st, 1_000_000_100, 1, true).allowed());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingLog {
    quota: Quota,
}

impl SlidingLog {
    /// A sliding log for `quota` (`burst` is ignored).
    #[must_use]
    pub fn new(quota: Quota) -> SlidingLog {
        SlidingLog { quota }
    }

    /// Drops entries that left the window `(now - period, now]`.
    fn evict(&self, st: &mut SlidingLogState, now: u64) {
        let period = self.quota.period_ns();
        while let Some(&(s, c)) = st.entries.front() {
            if u128::from(s) + u128::from(period) <= u128::from(now) {
                st.entries.pop_front();
                st.total -= c;
            } else {
                break;
            }
        }
    }
}

impl sealed::Sealed for SlidingLog {}

impl Algorithm for SlidingLog {
    type State = SlidingLogState;
    type Cell = LockedCell<SlidingLogState>;
    super::unpacked_state!();

    fn name(&self) -> &'static str {
        "sliding-log"
    }

    fn quota(&self) -> Quota {
        self.quota
    }

    fn check(&self, st: &mut SlidingLogState, now: u64, cost: u64, apply: bool) -> Decision {
        // Eviction is invisible: evicted entries never count again (times do not go back
        // before an entry: entries are stored at max(now, newest)).
        self.evict(st, now);
        let limit = self.quota.limit();
        let period = self.quota.period_ns();
        let allowed = cost <= limit - st.total.min(limit);
        if apply && allowed && cost > 0 {
            let t = st.entries.back().map_or(now, |&(s, _)| s.max(now));
            match st.entries.back_mut() {
                Some((s, c)) if *s == t => *c += cost,
                _ => st.entries.push_back((t, cost)),
            }
            st.total += cost;
        }
        let n = u128::from(now);
        let p = u128::from(period);
        let reset = st
            .entries
            .back()
            .map_or(0, |&(s, _)| (u128::from(s) + p).saturating_sub(n));
        let mut retry = 0;
        if !allowed && cost <= limit {
            let mut left = st.total;
            for &(s, c) in &st.entries {
                left -= c;
                if left + cost <= limit {
                    retry = (u128::from(s) + p).saturating_sub(n);
                    break;
                }
            }
        }
        let mut d = Decision::plain(allowed, limit, 0, 0, 0, (limit, period));
        d.rem_num = u128::from(limit.saturating_sub(st.total));
        d.reset_num = reset;
        d.retry_num = retry;
        d.too_big = cost > limit;
        d
    }

    fn is_fresh(&self, st: &SlidingLogState, now: u64) -> bool {
        let period = u128::from(self.quota.period_ns());
        st.entries
            .back()
            .is_none_or(|&(s, _)| u128::from(s) + period <= u128::from(now))
    }

    fn refund(&self, st: &mut SlidingLogState, _now: u64, at: u64, cost: u64) {
        let i = st.entries.iter().rposition(|&(s, _)| s <= at);
        if let Some((i, (_, c))) = i.and_then(|i| st.entries.get_mut(i).map(|e| (i, e))) {
            let back = cost.min(*c);
            *c -= back;
            st.total -= back;
            if *c == 0 {
                st.entries.remove(i);
            }
        }
    }

    fn new_cell(&self) -> Self::Cell {
        LockedCell::new(SlidingLogState::default())
    }

    fn cell_check(&self, cell: &Self::Cell, now: u64, cost: u64, apply: bool) -> Decision {
        self.check(&mut cell.lock(), now, cost, apply)
    }

    fn cell_refund(&self, cell: &Self::Cell, now: u64, at: u64, cost: u64) {
        self.refund(&mut cell.lock(), now, at, cost);
    }
}
