//! Several limits on one key.

use super::{Algorithm, LockedCell, sealed};
use crate::{Decision, Error, Quota};

/// Several limits on one key (e.g. 10 per second and 1000 per hour): a request is admitted
/// only if every component admits it, and a denied request consumes from none.
///
/// The combined decision reports the smallest remaining, the largest reset-after and the
/// largest retry-after (exact: each component's "admissible" is monotone in time).
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{AnyAlgorithm, Composite, DirectLimiter, FixedWindow, Gcra, ManualClock, Quota};
///
/// let per_sec = AnyAlgorithm::Gcra(Gcra::new(Quota::per_second(10)?));
/// let per_hour = AnyAlgorithm::FixedWindow(FixedWindow::new(Quota::per_hour(12)?));
/// let both = Composite::new(vec![per_sec, per_hour])?;
/// let lim = DirectLimiter::builder(both).clock(ManualClock::new(0)).build();
/// assert_eq!((0..20).filter(|_| lim.check().allowed()).count(), 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composite<A> {
    parts: Vec<A>,
    quota: Quota,
}

/// The per-key state of a [`Composite`]: one state per component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompositeState<S> {
    parts: Vec<S>,
}

impl<A: Algorithm> Composite<A> {
    /// All of `parts` must admit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] if `parts` is empty.
    pub fn new(parts: Vec<A>) -> Result<Composite<A>, Error> {
        let Some(quota) = parts.first().map(Algorithm::quota) else {
            return Err(Error::InvalidOption {
                field: "parts",
                value: 0,
                reason: "a composite needs at least one limit",
            });
        };
        Ok(Composite { parts, quota })
    }

    /// The components.
    #[must_use]
    pub fn parts(&self) -> &[A] {
        &self.parts
    }

    fn fit(&self, st: &mut CompositeState<A::State>) {
        st.parts.resize_with(self.parts.len(), Default::default);
    }
}

impl<A: Algorithm> sealed::Sealed for Composite<A> {}

impl<A: Algorithm> Algorithm for Composite<A> {
    type State = CompositeState<A::State>;
    type Cell = LockedCell<CompositeState<A::State>>;
    super::unpacked_state!();

    fn name(&self) -> &'static str {
        "composite"
    }

    /// The first component's quota.
    fn quota(&self) -> Quota {
        self.quota
    }

    fn check(&self, st: &mut Self::State, now: u64, cost: u64, apply: bool) -> Decision {
        self.fit(st);
        let mut ds: Vec<Decision> = self
            .parts
            .iter()
            .zip(st.parts.iter_mut())
            .map(|(a, s)| a.check(s, now, cost, false))
            .collect();
        if apply && ds.iter().all(|d| d.allowed) {
            ds = self
                .parts
                .iter()
                .zip(st.parts.iter_mut())
                .map(|(a, s)| a.check(s, now, cost, true))
                .collect();
        }
        Decision::all(&ds).unwrap_or_else(|| Decision::plain(false, 0, 0, 0, 0, (0, 0)))
    }

    fn is_fresh(&self, st: &Self::State, now: u64) -> bool {
        self.parts
            .iter()
            .zip(&st.parts)
            .all(|(a, s)| a.is_fresh(s, now))
    }

    fn refund(&self, st: &mut Self::State, now: u64, at: u64, cost: u64) {
        self.fit(st);
        for (a, s) in self.parts.iter().zip(st.parts.iter_mut()) {
            a.refund(s, now, at, cost);
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
