//! Quotas: how much, over how long, and how much at once.

use std::time::Duration;

use crate::Error;

/// A rate: `limit` units per `period`, with a bucket capacity of `burst` units.
///
/// Any (count, period) is allowed, e.g. 7 per 90 s: decisions use exact integer arithmetic in
/// nanoseconds (no rounding of the emission interval `period / limit`).
///
/// What `burst` means depends on the algorithm: the bucket capacity for `gcra`, `token-bucket`
/// and `leaky-bucket` (default `limit`); window algorithms ignore it.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::Quota;
///
/// let q = Quota::builder(7, Duration::from_secs(90)).burst(3).build()?;
/// assert_eq!((q.limit(), q.period_ns(), q.burst()), (7, 90_000_000_000, 3));
/// // redis-cell's `max_burst` is our burst minus one.
/// assert_eq!(Quota::from_redis_cell(2, 7, Duration::from_secs(90))?.burst(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    limit: u64,
    period: u64,
    burst: u64,
}

impl Quota {
    /// Starts a quota of `limit` units per `period`.
    #[must_use]
    pub fn builder(limit: u64, period: Duration) -> QuotaBuilder {
        QuotaBuilder {
            limit,
            period,
            burst: None,
        }
    }

    /// `limit` per second, burst `limit`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidQuota`] if `limit` is 0.
    pub fn per_second(limit: u64) -> Result<Quota, Error> {
        Quota::builder(limit, Duration::from_secs(1)).build()
    }

    /// `limit` per minute, burst `limit`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidQuota`] if `limit` is 0.
    pub fn per_minute(limit: u64) -> Result<Quota, Error> {
        Quota::builder(limit, Duration::from_secs(60)).build()
    }

    /// `limit` per hour, burst `limit`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidQuota`] if `limit` is 0.
    pub fn per_hour(limit: u64) -> Result<Quota, Error> {
        Quota::builder(limit, Duration::from_secs(3600)).build()
    }

    /// Converts redis-cell's `CL.THROTTLE key max_burst count period` parameters: its
    /// `max_burst` admits `max_burst + 1` back-to-back requests, our `burst`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidQuota`] as for [`QuotaBuilder::build`].
    pub fn from_redis_cell(max_burst: u64, count: u64, period: Duration) -> Result<Quota, Error> {
        Quota::builder(count, period)
            .burst(max_burst.saturating_add(1))
            .build()
    }

    /// Units per period.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The period in nanoseconds.
    #[must_use]
    pub fn period_ns(&self) -> u64 {
        self.period
    }

    /// The period.
    #[must_use]
    pub fn period(&self) -> Duration {
        Duration::from_nanos(self.period)
    }

    /// The bucket capacity (only the bucket algorithms use it).
    #[must_use]
    pub fn burst(&self) -> u64 {
        self.burst
    }

    /// `gcd(limit, period)`: the emission interval is `(period/g) / (limit/g)` nanoseconds.
    pub(crate) fn gcd(&self) -> u64 {
        let (mut a, mut b) = (self.limit, self.period);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }
}

/// Builds a [`Quota`], validating it in [`build`](QuotaBuilder::build).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaBuilder {
    limit: u64,
    period: Duration,
    burst: Option<u64>,
}

impl QuotaBuilder {
    /// Sets the bucket capacity (default: `limit`).
    #[must_use]
    pub fn burst(mut self, burst: u64) -> QuotaBuilder {
        self.burst = Some(burst);
        self
    }

    /// Validates and builds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidQuota`] if `limit` or `burst` is 0, or `period` is zero or longer than
    /// `u64::MAX` nanoseconds (584 years).
    pub fn build(self) -> Result<Quota, Error> {
        if self.limit == 0 {
            return Err(Error::InvalidQuota {
                field: "limit",
                value: 0,
                reason: "must be at least 1",
            });
        }
        let ns = self.period.as_nanos();
        if ns == 0 {
            return Err(Error::InvalidQuota {
                field: "period",
                value: 0,
                reason: "must be at least 1ns",
            });
        }
        let Ok(period) = u64::try_from(ns) else {
            return Err(Error::InvalidQuota {
                field: "period",
                value: ns,
                reason: "must be at most u64::MAX nanoseconds",
            });
        };
        let burst = self.burst.unwrap_or(self.limit);
        if burst == 0 {
            return Err(Error::InvalidQuota {
                field: "burst",
                value: 0,
                reason: "must be at least 1",
            });
        }
        Ok(Quota {
            limit: self.limit,
            period,
            burst,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let e = Quota::builder(0, Duration::from_secs(1))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidQuota { field: "limit", .. }));
        let e = Quota::builder(1, Duration::ZERO).build().unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidQuota {
                field: "period",
                ..
            }
        ));
        let e = Quota::builder(1, Duration::from_secs(1))
            .burst(0)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidQuota { field: "burst", .. }));
        let e = Quota::builder(1, Duration::MAX).build().unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidQuota {
                field: "period",
                ..
            }
        ));
    }

    #[test]
    fn defaults_and_gcd() {
        let q = Quota::builder(7, Duration::from_secs(90)).build().unwrap();
        assert_eq!(q.burst(), 7);
        assert_eq!(q.gcd(), 1);
        assert_eq!(
            Quota::builder(7, Duration::from_nanos(91))
                .build()
                .unwrap()
                .gcd(),
            7
        );
        assert_eq!(Quota::per_second(3).unwrap().gcd(), 1);
        assert_eq!(
            Quota::per_minute(10).unwrap().period(),
            Duration::from_secs(60)
        );
        assert_eq!(Quota::per_hour(10).unwrap().period_ns(), 3_600_000_000_000);
    }
}
