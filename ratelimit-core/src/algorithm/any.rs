//! Choosing the algorithm at run time.

use std::str::FromStr;

use super::{
    Algorithm, BucketCell, FixedWindow, FixedWindowCell, FixedWindowState, Gcra, GcraState,
    LeakyBucket, LeakyBucketState, LockedCell, SlidingLog, SlidingLogState, SlidingWindow,
    SlidingWindowState, TokenBucket, TokenBucketState, sealed,
};
use crate::{Decision, Error, Quota};

/// Any of the six algorithms, chosen at run time (e.g. from configuration).
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{Algorithm, AnyAlgorithm, Quota};
///
/// let q = Quota::builder(5, Duration::from_secs(1)).build()?;
/// let alg = AnyAlgorithm::from_name("sliding-log", q)?;
/// assert_eq!(alg.name(), "sliding-log");
/// assert!(AnyAlgorithm::from_name("nope", q).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyAlgorithm {
    /// [`Gcra`].
    Gcra(Gcra),
    /// [`TokenBucket`].
    TokenBucket(TokenBucket),
    /// [`LeakyBucket`].
    LeakyBucket(LeakyBucket),
    /// [`FixedWindow`].
    FixedWindow(FixedWindow),
    /// [`SlidingLog`].
    SlidingLog(SlidingLog),
    /// [`SlidingWindow`].
    SlidingWindow(SlidingWindow),
}

/// The names accepted by [`AnyAlgorithm::from_name`], as in DESIGN.md.
pub const ALGORITHM_NAMES: [&str; 6] = [
    "gcra",
    "token-bucket",
    "leaky-bucket",
    "fixed-window",
    "sliding-log",
    "sliding-window",
];

impl AnyAlgorithm {
    /// The algorithm called `name` (one of [`ALGORITHM_NAMES`]) for `quota`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownAlgorithm`] for an unknown name.
    pub fn from_name(name: &str, quota: Quota) -> Result<AnyAlgorithm, Error> {
        Ok(match AlgorithmKind::from_str(name)? {
            AlgorithmKind::Gcra => AnyAlgorithm::Gcra(Gcra::new(quota)),
            AlgorithmKind::TokenBucket => AnyAlgorithm::TokenBucket(TokenBucket::new(quota)),
            AlgorithmKind::LeakyBucket => AnyAlgorithm::LeakyBucket(LeakyBucket::new(quota)),
            AlgorithmKind::FixedWindow => AnyAlgorithm::FixedWindow(FixedWindow::new(quota)),
            AlgorithmKind::SlidingLog => AnyAlgorithm::SlidingLog(SlidingLog::new(quota)),
            AlgorithmKind::SlidingWindow => AnyAlgorithm::SlidingWindow(SlidingWindow::new(quota)),
        })
    }

    /// Which algorithm this is.
    #[must_use]
    pub fn kind(&self) -> AlgorithmKind {
        match self {
            AnyAlgorithm::Gcra(_) => AlgorithmKind::Gcra,
            AnyAlgorithm::TokenBucket(_) => AlgorithmKind::TokenBucket,
            AnyAlgorithm::LeakyBucket(_) => AlgorithmKind::LeakyBucket,
            AnyAlgorithm::FixedWindow(_) => AlgorithmKind::FixedWindow,
            AnyAlgorithm::SlidingLog(_) => AlgorithmKind::SlidingLog,
            AnyAlgorithm::SlidingWindow(_) => AlgorithmKind::SlidingWindow,
        }
    }
}

/// The six algorithms by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlgorithmKind {
    /// `gcra`.
    Gcra,
    /// `token-bucket`.
    TokenBucket,
    /// `leaky-bucket`.
    LeakyBucket,
    /// `fixed-window`.
    FixedWindow,
    /// `sliding-log`.
    SlidingLog,
    /// `sliding-window`.
    SlidingWindow,
}

impl AlgorithmKind {
    /// The DESIGN.md name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            AlgorithmKind::Gcra => "gcra",
            AlgorithmKind::TokenBucket => "token-bucket",
            AlgorithmKind::LeakyBucket => "leaky-bucket",
            AlgorithmKind::FixedWindow => "fixed-window",
            AlgorithmKind::SlidingLog => "sliding-log",
            AlgorithmKind::SlidingWindow => "sliding-window",
        }
    }
}

impl FromStr for AlgorithmKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<AlgorithmKind, Error> {
        Ok(match s {
            "gcra" => AlgorithmKind::Gcra,
            "token-bucket" => AlgorithmKind::TokenBucket,
            "leaky-bucket" => AlgorithmKind::LeakyBucket,
            "fixed-window" => AlgorithmKind::FixedWindow,
            "sliding-log" => AlgorithmKind::SlidingLog,
            "sliding-window" => AlgorithmKind::SlidingWindow,
            _ => {
                return Err(Error::UnknownAlgorithm {
                    name: s.to_string(),
                });
            }
        })
    }
}

/// The per-key state of an [`AnyAlgorithm`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyState {
    /// A fresh key (any algorithm).
    #[default]
    Fresh,
    /// [`GcraState`].
    Gcra(GcraState),
    /// [`TokenBucketState`].
    TokenBucket(TokenBucketState),
    /// [`LeakyBucketState`].
    LeakyBucket(LeakyBucketState),
    /// [`FixedWindowState`].
    FixedWindow(FixedWindowState),
    /// [`SlidingLogState`].
    SlidingLog(SlidingLogState),
    /// [`SlidingWindowState`].
    SlidingWindow(SlidingWindowState),
}

/// The shared cell of an [`AnyAlgorithm`].
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyCell {
    /// [`Gcra`]'s cell.
    Gcra(BucketCell<GcraState>),
    /// [`TokenBucket`]'s cell.
    TokenBucket(BucketCell<TokenBucketState>),
    /// [`LeakyBucket`]'s cell.
    LeakyBucket(BucketCell<LeakyBucketState>),
    /// [`FixedWindow`]'s cell.
    FixedWindow(FixedWindowCell),
    /// [`SlidingLog`]'s cell.
    SlidingLog(LockedCell<SlidingLogState>),
    /// [`SlidingWindow`]'s cell.
    SlidingWindow(LockedCell<SlidingWindowState>),
}

/// Dispatches `$body` with `$a` bound to the inner algorithm and `$s` to its state, moved out
/// and back (a state of another variant, which this crate never passes, starts fresh).
macro_rules! with_state {
    ($self:expr, $state:expr, |$a:ident, $s:ident| $body:expr) => {
        match $self {
            AnyAlgorithm::Gcra($a) => with_state!(@one $state, Gcra, $s, $body),
            AnyAlgorithm::TokenBucket($a) => with_state!(@one $state, TokenBucket, $s, $body),
            AnyAlgorithm::LeakyBucket($a) => with_state!(@one $state, LeakyBucket, $s, $body),
            AnyAlgorithm::FixedWindow($a) => with_state!(@one $state, FixedWindow, $s, $body),
            AnyAlgorithm::SlidingLog($a) => with_state!(@one $state, SlidingLog, $s, $body),
            AnyAlgorithm::SlidingWindow($a) => with_state!(@one $state, SlidingWindow, $s, $body),
        }
    };
    (@one $state:expr, $v:ident, $s:ident, $body:expr) => {{
        let mut inner = match std::mem::take($state) {
            AnyState::$v(x) => x,
            _ => Default::default(),
        };
        let $s = &mut inner;
        let out = $body;
        *$state = AnyState::$v(inner);
        out
    }};
}

impl sealed::Sealed for AnyAlgorithm {}

impl Algorithm for AnyAlgorithm {
    type State = AnyState;
    type Cell = AnyCell;
    super::unpacked_state!();

    fn name(&self) -> &'static str {
        self.kind().name()
    }

    fn quota(&self) -> Quota {
        match self {
            AnyAlgorithm::Gcra(a) => a.quota(),
            AnyAlgorithm::TokenBucket(a) => a.quota(),
            AnyAlgorithm::LeakyBucket(a) => a.quota(),
            AnyAlgorithm::FixedWindow(a) => a.quota(),
            AnyAlgorithm::SlidingLog(a) => a.quota(),
            AnyAlgorithm::SlidingWindow(a) => a.quota(),
        }
    }

    fn check(&self, state: &mut AnyState, now: u64, cost: u64, apply: bool) -> Decision {
        with_state!(self, state, |a, s| a.check(s, now, cost, apply))
    }

    fn is_fresh(&self, state: &AnyState, now: u64) -> bool {
        match (self, state) {
            (_, AnyState::Fresh) => true,
            (AnyAlgorithm::Gcra(a), AnyState::Gcra(s)) => a.is_fresh(s, now),
            (AnyAlgorithm::TokenBucket(a), AnyState::TokenBucket(s)) => a.is_fresh(s, now),
            (AnyAlgorithm::LeakyBucket(a), AnyState::LeakyBucket(s)) => a.is_fresh(s, now),
            (AnyAlgorithm::FixedWindow(a), AnyState::FixedWindow(s)) => a.is_fresh(s, now),
            (AnyAlgorithm::SlidingLog(a), AnyState::SlidingLog(s)) => a.is_fresh(s, now),
            (AnyAlgorithm::SlidingWindow(a), AnyState::SlidingWindow(s)) => a.is_fresh(s, now),
            // Another algorithm's state is replaced by a fresh one on the next check.
            _ => true,
        }
    }

    fn refund(&self, state: &mut AnyState, now: u64, at: u64, cost: u64) {
        with_state!(self, state, |a, s| a.refund(s, now, at, cost));
    }

    fn new_cell(&self) -> AnyCell {
        match self {
            AnyAlgorithm::Gcra(a) => AnyCell::Gcra(a.new_cell()),
            AnyAlgorithm::TokenBucket(a) => AnyCell::TokenBucket(a.new_cell()),
            AnyAlgorithm::LeakyBucket(a) => AnyCell::LeakyBucket(a.new_cell()),
            AnyAlgorithm::FixedWindow(a) => AnyCell::FixedWindow(a.new_cell()),
            AnyAlgorithm::SlidingLog(a) => AnyCell::SlidingLog(a.new_cell()),
            AnyAlgorithm::SlidingWindow(a) => AnyCell::SlidingWindow(a.new_cell()),
        }
    }

    fn cell_check(&self, cell: &AnyCell, now: u64, cost: u64, apply: bool) -> Decision {
        match (self, cell) {
            (AnyAlgorithm::Gcra(a), AnyCell::Gcra(c)) => a.cell_check(c, now, cost, apply),
            (AnyAlgorithm::TokenBucket(a), AnyCell::TokenBucket(c)) => {
                a.cell_check(c, now, cost, apply)
            }
            (AnyAlgorithm::LeakyBucket(a), AnyCell::LeakyBucket(c)) => {
                a.cell_check(c, now, cost, apply)
            }
            (AnyAlgorithm::FixedWindow(a), AnyCell::FixedWindow(c)) => {
                a.cell_check(c, now, cost, apply)
            }
            (AnyAlgorithm::SlidingLog(a), AnyCell::SlidingLog(c)) => {
                a.cell_check(c, now, cost, apply)
            }
            (AnyAlgorithm::SlidingWindow(a), AnyCell::SlidingWindow(c)) => {
                a.cell_check(c, now, cost, apply)
            }
            // A cell of another algorithm: decide as for a fresh key, change nothing.
            (a, _) => a.check(&mut AnyState::Fresh, now, cost, false),
        }
    }

    fn cell_refund(&self, cell: &AnyCell, now: u64, at: u64, cost: u64) {
        match (self, cell) {
            (AnyAlgorithm::Gcra(a), AnyCell::Gcra(c)) => a.cell_refund(c, now, at, cost),
            (AnyAlgorithm::TokenBucket(a), AnyCell::TokenBucket(c)) => {
                a.cell_refund(c, now, at, cost)
            }
            (AnyAlgorithm::LeakyBucket(a), AnyCell::LeakyBucket(c)) => {
                a.cell_refund(c, now, at, cost)
            }
            (AnyAlgorithm::FixedWindow(a), AnyCell::FixedWindow(c)) => {
                a.cell_refund(c, now, at, cost)
            }
            (AnyAlgorithm::SlidingLog(a), AnyCell::SlidingLog(c)) => {
                a.cell_refund(c, now, at, cost)
            }
            (AnyAlgorithm::SlidingWindow(a), AnyCell::SlidingWindow(c)) => {
                a.cell_refund(c, now, at, cost)
            }
            _ => {}
        }
    }
}
