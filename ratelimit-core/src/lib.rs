//! Exact rate limiters: GCRA, token bucket, leaky bucket, fixed window, sliding log and sliding
//! window counter; keyed and composite; in memory by default, on Redis across processes.
//!
//! # Features
//!
//! - `redis`: a Redis store shared by many processes.
//! - `tokio`: async waiting until a request is admitted.
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
pub use clock::{Clock, ManualClock, MonotonicClock};
pub use decision::Decision;
pub use direct::{DirectBuilder, DirectLimiter};
pub use error::Error;
pub use keyed::{FastHash, FastHasher, KeyedBuilder, KeyedLimiter};
pub use observe::{DecisionCounters, Observer, OutcomeCounts, Reservation};
pub use quota::{Quota, QuotaBuilder};
