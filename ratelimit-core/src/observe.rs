//! Shadow mode, metrics hooks and reservations: what limiters do around a decision.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};

use crate::{Decision, Quota};

/// A hook called with every decision a limiter makes (for metrics, logs, traces).
///
/// Called on the deciding thread after the decision, so keep it cheap (counters).
pub trait Observer: Debug + Send + Sync {
    /// One decision by the algorithm called `algorithm` for `quota`. In shadow mode
    /// `decision.shadowed()` tells the requests the limit would have denied.
    fn on_decision(&self, algorithm: &'static str, quota: &Quota, decision: &Decision);
}

/// Counts of decisions by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Admitted by the limit.
    pub allowed: u64,
    /// Denied (and not admitted).
    pub denied: u64,
    /// Would have been denied, admitted by shadow mode.
    pub shadowed: u64,
    /// Denied or shadowed because the cost exceeds the capacity.
    pub too_big: u64,
}

/// An [`Observer`] counting decisions by quota and outcome.
///
/// ```
/// use std::sync::Arc;
/// use ratelimit_core::{DecisionCounters, DirectLimiter, Gcra, ManualClock, Quota};
///
/// let counters = Arc::new(DecisionCounters::default());
/// let q = Quota::per_second(1)?;
/// let lim = DirectLimiter::builder(Gcra::new(q))
///     .clock(ManualClock::new(0))
///     .shadow(true)
///     .observer(counters.clone())
///     .build();
/// assert!(lim.check().allowed());
/// assert!(lim.check().allowed()); // shadow mode never denies ...
/// let c = counters.get(&q);
/// assert_eq!((c.allowed, c.shadowed), (1, 1)); // ... but reports it
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct DecisionCounters {
    by_quota: Mutex<HashMap<Quota, OutcomeCounts>>,
}

impl DecisionCounters {
    /// The counts for `quota` (zero if never seen).
    #[must_use]
    pub fn get(&self, quota: &Quota) -> OutcomeCounts {
        self.by_quota
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(quota)
            .copied()
            .unwrap_or_default()
    }

    /// All counts.
    #[must_use]
    pub fn snapshot(&self) -> Vec<(Quota, OutcomeCounts)> {
        self.by_quota
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(q, c)| (*q, *c))
            .collect()
    }
}

impl Observer for DecisionCounters {
    fn on_decision(&self, _algorithm: &'static str, quota: &Quota, d: &Decision) {
        let mut m = self.by_quota.lock().unwrap_or_else(PoisonError::into_inner);
        let c = m.entry(*quota).or_default();
        if d.shadowed() {
            c.shadowed += 1;
        } else if d.allowed() {
            c.allowed += 1;
        } else {
            c.denied += 1;
        }
        if d.too_big() {
            c.too_big += 1;
        }
    }
}

/// Options shared by the limiters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub(crate) shadow: bool,
    pub(crate) observer: Option<Arc<dyn Observer>>,
}

impl Options {
    /// Whether decisions pass through unchanged and unobserved: the hot path then returns
    /// the algorithm's decision directly, so a caller that only reads `allowed` lets the
    /// compiler drop the other fields.
    #[inline(always)]
    pub(crate) fn is_plain(&self) -> bool {
        !self.shadow && self.observer.is_none()
    }

    /// Applies shadow mode and calls the observer.
    #[inline(always)]
    pub(crate) fn finish<A: crate::Algorithm>(&self, alg: &A, mut d: Decision) -> Decision {
        if self.shadow && !d.allowed {
            d.allowed = true;
            d.shadowed = true;
        }
        if let Some(o) = &self.observer {
            notify(o.as_ref(), alg, d);
        }
        d
    }
}

/// Out of line so that the hot path keeps the decision in registers.
#[cold]
#[inline(never)]
fn notify<A: crate::Algorithm>(o: &dyn Observer, alg: &A, d: Decision) {
    o.on_decision(alg.name(), &alg.quota(), &d);
}

/// Admitted cost that can be given back with the limiter's `cancel` (e.g. when the work the
/// request stood for did not happen). Plain data: cancelling twice refunds twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a reservation does nothing unless cancelled; drop it to keep the cost consumed"]
pub struct Reservation {
    pub(crate) at: u64,
    pub(crate) cost: u64,
    pub(crate) decision: Decision,
}

impl Reservation {
    /// The time (ns, limiter clock) the cost was admitted.
    #[must_use]
    pub fn at(&self) -> u64 {
        self.at
    }

    /// The admitted cost (0 when shadow mode admitted a request the limit denied).
    #[must_use]
    pub fn cost(&self) -> u64 {
        self.cost
    }

    /// The decision that admitted it.
    #[must_use]
    pub fn decision(&self) -> &Decision {
        &self.decision
    }
}
