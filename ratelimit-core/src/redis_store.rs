//! A Redis store: one limit shared by many processes.
//!
//! Each algorithm is one Lua script run atomically by the server, one round trip per decision
//! (`EVALSHA`, loading the script on `NOSCRIPT`). The scripts keep one key per limited key,
//! `<prefix>{<key>}:<algorithm>`: the hash tag puts every limit of one key (e.g. the parts of
//! a composite) in one Redis Cluster slot. Every write sets a TTL of the time until the state
//! is fresh again plus one second, so idle keys expire and expiry never changes a decision
//! (the second of slack covers callers that pass their own time, whose clock may run behind
//! the server's).
//!
//! Time is read from the Redis server (`TIME`, microseconds), so clients with skewed clocks
//! agree; a server clock going backwards only makes decisions stricter. Lua numbers are
//! doubles, exact up to 2^53: times are kept in microseconds, the quota's period must be a
//! whole number of microseconds, and `burst·period/g` and `limit·period` (µs) must stay
//! below 2^53 ([`RedisBuilder::build`] checks). The decision is recomputed in Rust from the
//! state the script saw, by the in-memory algorithm, so both stores agree on every field (times
//! rounded to whole microseconds by the server's clock).
//!
//! When Redis cannot be reached the [`FailPolicy`] decides, and the decision says so
//! ([`StoreDecision::degraded`]); [`RedisLimiter::failures`] counts those decisions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::algorithm::{decide_us, params_us};
use crate::{
    Algorithm, AnyAlgorithm, Decision, Error, FixedWindowState, KeyedBuilder, KeyedLimiter,
    MonotonicClock, Quota, SlidingLogState, SlidingWindowState,
};

/// What to decide when Redis cannot be reached or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailPolicy {
    /// Admit every request (availability over protection).
    Open,
    /// Deny every request, with a retry-after of the connection timeout.
    Closed,
    /// Decide with an in-process limiter of the same algorithm and quota (per instance, so
    /// `n` instances together admit up to `n` times the limit while Redis is away).
    Local,
}

/// A decision from a [`RedisLimiter`], and whether Redis made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreDecision {
    /// The decision.
    pub decision: Decision,
    /// `Some(policy)` when Redis failed and the fail policy decided.
    pub degraded: Option<FailPolicy>,
}

/// Builds a [`RedisLimiter`].
#[derive(Debug, Clone)]
pub struct RedisBuilder {
    url: String,
    alg: AnyAlgorithm,
    prefix: String,
    policy: FailPolicy,
    timeout: Duration,
}

impl RedisBuilder {
    /// A limiter on the server at `url` (`redis://host:port`, `redis+unix:///path/to.sock`).
    #[must_use]
    pub fn new(url: &str, alg: AnyAlgorithm) -> RedisBuilder {
        RedisBuilder {
            url: url.to_string(),
            alg,
            prefix: "rl:".to_string(),
            policy: FailPolicy::Closed,
            timeout: Duration::from_millis(250),
        }
    }

    /// The key prefix (default `rl:`).
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> RedisBuilder {
        self.prefix = prefix.to_string();
        self
    }

    /// The fail policy (default [`FailPolicy::Closed`]).
    #[must_use]
    pub fn fail_policy(mut self, policy: FailPolicy) -> RedisBuilder {
        self.policy = policy;
        self
    }

    /// Connection and response timeout (default 250 ms): how long a decision may wait for
    /// Redis before the fail policy applies.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> RedisBuilder {
        self.timeout = timeout;
        self
    }

    /// Validates the quota for the scripts and sets up the connection (lazily: a server that
    /// is down now is connected to when it comes up).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] if the quota does not fit the scripts' exact arithmetic,
    /// [`Error::Redis`] for a malformed URL, [`Error::NoRuntime`] outside a Tokio runtime.
    pub fn build(self) -> Result<RedisLimiter, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        let quota = self.alg.quota();
        if !quota.period_ns().is_multiple_of(1000) {
            return Err(Error::InvalidOption {
                field: "period",
                value: quota.period_ns().into(),
                reason: "the redis store needs a whole number of microseconds",
            });
        }
        let mut b = Quota::builder(
            quota.limit(),
            Duration::from_nanos(quota.period_ns() / 1000),
        );
        b = b.burst(quota.burst());
        let quota_us = b.build()?;
        let (s, p, cap) = params_us(quota_us);
        const EXACT: u128 = 1 << 53;
        let window = u128::from(quota.limit()) * u128::from(quota_us.period_ns());
        if cap >= EXACT || window >= EXACT || s >= EXACT {
            return Err(Error::InvalidOption {
                field: "quota",
                value: cap.max(window),
                reason: "burst·period and limit·period must stay below 2^53 µs for exact Lua arithmetic",
            });
        }
        let client = redis::Client::open(self.url.as_str()).map_err(|source| Error::Redis {
            operation: "connect",
            source,
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(self.timeout);
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(|source| {
            Error::Redis {
                operation: "connect",
                source,
            }
        })?;
        let script = Script::new(match self.alg {
            AnyAlgorithm::FixedWindow(_) => include_str!("redis/fixed_window.lua"),
            AnyAlgorithm::SlidingWindow(_) => include_str!("redis/sliding_window.lua"),
            AnyAlgorithm::SlidingLog(_) => include_str!("redis/sliding_log.lua"),
            _ => include_str!("redis/bucket.lua"),
        });
        let local = (self.policy == FailPolicy::Local)
            .then(|| Arc::new(KeyedBuilder::new(self.alg).build_default()));
        Ok(RedisLimiter {
            inner: Arc::new(Inner {
                conn,
                script,
                alg: self.alg,
                quota,
                quota_us,
                // The quota's script arguments, rendered once.
                quota_args: match self.alg {
                    AnyAlgorithm::FixedWindow(_)
                    | AnyAlgorithm::SlidingWindow(_)
                    | AnyAlgorithm::SlidingLog(_) => {
                        vec![quota.limit().to_string(), quota_us.period_ns().to_string()]
                    }
                    _ => vec![s.to_string(), p.to_string(), cap.to_string()],
                },
                prefix: self.prefix,
                policy: self.policy,
                timeout: self.timeout,
                failures: AtomicU64::new(0),
                local,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    conn: ConnectionManager,
    script: Script,
    alg: AnyAlgorithm,
    quota: Quota,
    quota_us: Quota,
    quota_args: Vec<String>,
    prefix: String,
    policy: FailPolicy,
    timeout: Duration,
    failures: AtomicU64,
    local: Option<Arc<KeyedLimiter<String, AnyAlgorithm, MonotonicClock>>>,
}

/// A limit whose per-key state lives in Redis, shared by every process using the same server,
/// prefix and algorithm. Cheap to clone (clones share the connection).
///
/// ```no_run
/// use std::time::Duration;
/// use ratelimit_core::{AnyAlgorithm, Gcra, Quota};
/// use ratelimit_core::redis_store::{FailPolicy, RedisBuilder};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let alg = AnyAlgorithm::Gcra(Gcra::new(Quota::per_second(100)?));
/// let lim = RedisBuilder::new("redis://127.0.0.1:6379", alg).fail_policy(FailPolicy::Open).build()?;
/// let d = lim.check("user:42", 1).await;
/// if !d.decision.allowed() { /* 429 with d.decision.x_headers() */ }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisLimiter {
    inner: Arc<Inner>,
}

impl RedisLimiter {
    /// Decides `cost` for `key` on the server's clock; the fail policy decides if Redis fails.
    pub async fn check(&self, key: &str, cost: u64) -> StoreDecision {
        self.decide(key, None, cost).await
    }

    /// Like [`check`](RedisLimiter::check) at a caller-given time in microseconds (tests,
    /// simulations, replays: the scripts take it instead of reading `TIME`).
    pub async fn check_at_us(&self, key: &str, now_us: u64, cost: u64) -> StoreDecision {
        self.decide(key, Some(now_us), cost).await
    }

    /// Like [`check`](RedisLimiter::check) without a fail policy: Redis errors are returned.
    ///
    /// # Errors
    ///
    /// [`Error::Redis`] when the server cannot be reached, [`Error::RedisReply`] for a reply
    /// that is not a decision.
    pub async fn try_check(
        &self,
        key: &str,
        now_us: Option<u64>,
        cost: u64,
    ) -> Result<Decision, Error> {
        let i = &self.inner;
        let redis_key = format!("{}{{{}}}:{}", i.prefix, key, i.alg.name());
        let mut inv = i.script.key(redis_key);
        inv.arg(now_us.map_or_else(String::new, |t| t.to_string()))
            .arg(cost);
        for a in &i.quota_args {
            inv.arg(a.as_str());
        }
        let mut conn = i.conn.clone();
        let reply: Vec<i64> = inv
            .invoke_async(&mut conn)
            .await
            .map_err(|source| Error::Redis {
                operation: "script",
                source,
            })?;
        self.decision_from(&reply, cost)
    }

    fn decision_from(&self, r: &[i64], cost: u64) -> Result<Decision, Error> {
        let bad = || Error::RedisReply {
            reply: format!("{r:?}"),
        };
        let u = |i: usize| {
            r.get(i)
                .and_then(|&v| u64::try_from(v).ok())
                .ok_or_else(bad)
        };
        let i = &self.inner;
        let d = match i.alg {
            AnyAlgorithm::FixedWindow(a) => {
                let now = u(3)?.saturating_mul(1000);
                a.check(
                    &mut FixedWindowState::from_parts(u(1)?, u(2)?),
                    now,
                    cost,
                    true,
                )
            }
            AnyAlgorithm::SlidingWindow(a) => {
                let now = u(4)?.saturating_mul(1000);
                a.check(
                    &mut SlidingWindowState::from_parts(u(1)?, u(2)?, u(3)?),
                    now,
                    cost,
                    true,
                )
            }
            AnyAlgorithm::SlidingLog(a) => {
                let now = u(1)?.saturating_mul(1000);
                let mut entries = Vec::with_capacity(r.len() / 2);
                let mut j = 2;
                while j + 1 < r.len() {
                    entries.push((u(j)?.saturating_mul(1000), u(j + 1)?));
                    j += 2;
                }
                a.check(&mut SlidingLogState::from_entries(entries), now, cost, true)
            }
            _ => decide_us(i.quota, i.quota_us, u128::from(u(1)?), cost),
        };
        if (u(0)? == 1) != d.allowed() {
            return Err(bad());
        }
        Ok(d)
    }

    async fn decide(&self, key: &str, now_us: Option<u64>, cost: u64) -> StoreDecision {
        match self.try_check(key, now_us, cost).await {
            Ok(decision) => StoreDecision {
                decision,
                degraded: None,
            },
            Err(_) => {
                let i = &self.inner;
                i.failures.fetch_add(1, Ordering::Relaxed);
                let limit = match i.alg {
                    AnyAlgorithm::Gcra(_)
                    | AnyAlgorithm::TokenBucket(_)
                    | AnyAlgorithm::LeakyBucket(_) => i.quota.burst(),
                    _ => i.quota.limit(),
                };
                let policy = (i.quota.limit(), i.quota.period_ns());
                let timeout = u64::try_from(i.timeout.as_nanos())
                    .unwrap_or(u64::MAX)
                    .max(1);
                let decision = match (&i.local, i.policy) {
                    (Some(local), _) => local.check_n(&key.to_string(), cost),
                    (None, FailPolicy::Open) => Decision::plain(true, limit, limit, 0, 0, policy),
                    (None, _) => Decision::plain(false, limit, 0, timeout, timeout, policy),
                };
                StoreDecision {
                    decision,
                    degraded: Some(i.policy),
                }
            }
        }
    }

    /// Decisions the fail policy made because Redis failed.
    #[must_use]
    pub fn failures(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> &AnyAlgorithm {
        &self.inner.alg
    }
}
