//! Decisions and their HTTP header forms.

use std::time::Duration;

/// The outcome of one check: whether the request is admitted, and the numbers clients need.
///
/// Values that need a division (remaining, reset-after, retry-after) are computed when asked
/// for, so a caller that only looks at [`allowed`](Decision::allowed) pays nothing for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub(crate) allowed: bool,
    pub(crate) shadowed: bool,
    pub(crate) too_big: bool,
    /// Capacity reported as the limit (burst for buckets, limit for windows).
    pub(crate) limit: u64,
    /// remaining = floor(rem_num / unit).
    pub(crate) rem_num: u128,
    pub(crate) unit: u128,
    /// reset_after = ceil(reset_num / tick) ns; retry_after = ceil(retry_num / tick) ns.
    pub(crate) reset_num: u128,
    pub(crate) retry_num: u128,
    pub(crate) tick: u128,
    /// The policy (limit per period) for `RateLimit-Policy`.
    pub(crate) policy_limit: u64,
    pub(crate) policy_period: u64,
}

fn ceil_div(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { a.div_ceil(b) }
}

fn clamp64(v: u128) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

impl Decision {
    /// A decision whose values are already in final form (units and ticks of 1).
    pub(crate) fn plain(
        allowed: bool,
        limit: u64,
        remaining: u64,
        reset_after: u64,
        retry_after: u64,
        policy: (u64, u64),
    ) -> Decision {
        Decision {
            allowed,
            shadowed: false,
            too_big: false,
            limit,
            rem_num: u128::from(remaining),
            unit: 1,
            reset_num: u128::from(reset_after),
            retry_num: u128::from(retry_after),
            tick: 1,
            policy_limit: policy.0,
            policy_period: policy.1,
        }
    }

    /// Whether the request is admitted (always true in shadow mode; see
    /// [`shadowed`](Decision::shadowed)).
    #[inline]
    #[must_use]
    pub fn allowed(&self) -> bool {
        self.allowed
    }

    /// Whether the limit denied the request but shadow mode admitted it anyway (and consumed
    /// nothing for it).
    #[must_use]
    pub fn shadowed(&self) -> bool {
        self.shadowed
    }

    /// Whether the limit would deny the request (in shadow mode too).
    #[must_use]
    pub fn limited(&self) -> bool {
        !self.allowed || self.shadowed
    }

    /// Whether the request's cost exceeds the capacity: it will never be admitted.
    #[must_use]
    pub fn too_big(&self) -> bool {
        self.too_big
    }

    /// The capacity: `burst` for the bucket algorithms, `limit` for the window algorithms.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Units that could still be admitted right now after this decision (rounded down).
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.rem_num.checked_div(self.unit).map_or(0, clamp64)
    }

    /// Nanoseconds until the state is back to that of a fresh key (full bucket, empty windows)
    /// without further traffic (rounded up).
    #[must_use]
    pub fn reset_after_ns(&self) -> u64 {
        clamp64(ceil_div(self.reset_num, self.tick))
    }

    /// [`reset_after_ns`](Decision::reset_after_ns) as a duration.
    #[must_use]
    pub fn reset_after(&self) -> Duration {
        Duration::from_nanos(self.reset_after_ns())
    }

    /// When denied and the cost fits the capacity: nanoseconds after the decision's time at
    /// which the same request would be admitted (the exact earliest time, without other
    /// traffic). `None` when admitted or when the cost is too big.
    #[must_use]
    pub fn retry_after_ns(&self) -> Option<u64> {
        if !self.limited() || self.too_big {
            return None;
        }
        Some(clamp64(ceil_div(self.retry_num, self.tick)))
    }

    /// [`retry_after_ns`](Decision::retry_after_ns) as a duration.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_ns().map(Duration::from_nanos)
    }

    /// The quota's `limit` and `period` (ns), as published in `RateLimit-Policy`.
    #[must_use]
    pub fn policy(&self) -> (u64, u64) {
        (self.policy_limit, self.policy_period)
    }

    /// Combines the decisions of several limits on one request (all must admit): admitted iff
    /// all are; remaining is the minimum, reset-after and retry-after the maximum, the policy
    /// that of the component with the fewest remaining.
    #[must_use]
    pub fn all(decisions: &[Decision]) -> Option<Decision> {
        let first = decisions.first()?;
        let mut out = *first;
        for d in decisions {
            if d.remaining() < out.remaining() || (d.limited() && !out.limited()) {
                out.limit = d.limit;
                out.policy_limit = d.policy_limit;
                out.policy_period = d.policy_period;
            }
        }
        let allowed = decisions.iter().all(|d| d.allowed);
        let shadowed = allowed && decisions.iter().any(|d| d.shadowed);
        let too_big = decisions.iter().any(|d| d.too_big);
        let remaining = decisions.iter().map(Decision::remaining).min().unwrap_or(0);
        let reset = decisions
            .iter()
            .map(Decision::reset_after_ns)
            .max()
            .unwrap_or(0);
        let retry = decisions
            .iter()
            .filter_map(Decision::retry_after_ns)
            .max()
            .unwrap_or(0);
        let mut d = Decision::plain(
            allowed,
            out.limit,
            remaining,
            reset,
            retry,
            (out.policy_limit, out.policy_period),
        );
        d.shadowed = shadowed;
        d.too_big = too_big;
        Some(d)
    }

    /// The IETF headers (draft-ietf-httpapi-ratelimit-headers, structured-field form):
    /// `RateLimit-Policy: "name";q=limit;w=seconds` and `RateLimit: "name";r=remaining;t=seconds`,
    /// plus `Retry-After: seconds` when limited. Seconds are rounded up so clients never come
    /// back early.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ratelimit_core::{DirectLimiter, Gcra, ManualClock, Quota};
    ///
    /// let q = Quota::builder(10, Duration::from_secs(60)).build()?;
    /// let lim = DirectLimiter::builder(Gcra::new(q)).clock(ManualClock::new(0)).build();
    /// let d = lim.check();
    /// assert_eq!(d.ietf_headers("api"), vec![
    ///     ("RateLimit-Policy", "\"api\";q=10;w=60".to_string()),
    ///     ("RateLimit", "\"api\";r=9;t=6".to_string()),
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn ietf_headers(&self, policy_name: &str) -> Vec<(&'static str, String)> {
        let name = policy_name.replace(['\\', '"'], "");
        let mut h = vec![
            (
                "RateLimit-Policy",
                format!(
                    "\"{name}\";q={};w={}",
                    self.policy_limit,
                    secs_ceil(self.policy_period)
                ),
            ),
            (
                "RateLimit",
                format!(
                    "\"{name}\";r={};t={}",
                    self.remaining(),
                    secs_ceil(self.reset_after_ns())
                ),
            ),
        ];
        if let Some(r) = self.retry_after_ns() {
            h.push(("Retry-After", secs_ceil(r).to_string()));
        }
        h
    }

    /// The common `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds
    /// from now, rounded up) and, when limited, `Retry-After` (seconds, rounded up).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ratelimit_core::{DirectLimiter, FixedWindow, ManualClock, Quota};
    ///
    /// let q = Quota::builder(1, Duration::from_secs(60)).build()?;
    /// let clock = ManualClock::new(0);
    /// let lim = DirectLimiter::builder(FixedWindow::new(q)).clock(clock.clone()).build();
    /// assert!(lim.check().allowed());
    /// clock.advance(Duration::from_millis(40_500));
    /// let d = lim.check();
    /// assert_eq!(d.x_headers(), vec![
    ///     ("X-RateLimit-Limit", "1".to_string()),
    ///     ("X-RateLimit-Remaining", "0".to_string()),
    ///     ("X-RateLimit-Reset", "20".to_string()),
    ///     ("Retry-After", "20".to_string()),
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn x_headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("X-RateLimit-Limit", self.limit.to_string()),
            ("X-RateLimit-Remaining", self.remaining().to_string()),
            (
                "X-RateLimit-Reset",
                secs_ceil(self.reset_after_ns()).to_string(),
            ),
        ];
        if let Some(r) = self.retry_after_ns() {
            h.push(("Retry-After", secs_ceil(r).to_string()));
        }
        h
    }
}

fn secs_ceil(ns: u64) -> u64 {
    ns.div_ceil(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_values() {
        let mut d = Decision::plain(false, 5, 0, 0, 0, (5, 1_000));
        d.rem_num = 17;
        d.unit = 4;
        d.reset_num = 10;
        d.retry_num = 7;
        d.tick = 3;
        assert_eq!(d.remaining(), 4);
        assert_eq!(d.reset_after_ns(), 4);
        assert_eq!(d.retry_after_ns(), Some(3));
        d.too_big = true;
        assert_eq!(d.retry_after_ns(), None);
    }

    #[test]
    fn all_combines() {
        let a = Decision::plain(true, 10, 4, 100, 0, (10, 1_000));
        let b = Decision::plain(false, 3, 0, 500, 70, (3, 60));
        let c = Decision::all(&[a, b]).unwrap();
        assert!(!c.allowed());
        assert_eq!((c.limit(), c.remaining(), c.reset_after_ns()), (3, 0, 500));
        assert_eq!(c.retry_after_ns(), Some(70));
        assert_eq!(c.policy(), (3, 60));
        assert!(Decision::all(&[]).is_none());
    }

    #[test]
    fn retry_after_header_rounds_up() {
        let d = Decision::plain(false, 1, 0, 1, 1, (1, 1));
        assert_eq!(d.x_headers()[3], ("Retry-After", "1".to_string()));
    }
}
