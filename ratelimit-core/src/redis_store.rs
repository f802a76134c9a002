//! A Redis store: one limit shared by many processes.
//!
//! Each algorithm is one Lua script run atomically by the server, one round trip per decision
//! (`EVALSHA`, loading the script on `NOSCRIPT`). The scripts keep one key per limited key,
//! `<prefix>{<key>}:<algorithm>`. A composite (several limits on one key,
//! [`RedisBuilder::composite`]) is one script too, over the keys
//! `<prefix>{<key>}:<algorithm>:<limit>:<period µs>:<burst>`: the hash tag puts them in one
//! Redis Cluster slot, the script reads every limit before writing any, and a denial writes
//! nothing. [`RedisLimiter::peek`] runs the same script without writing;
//! [`RedisLimiter::check_many`] sends many decisions in one pipeline (one write, one read). Every write sets a TTL of the time until the state
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
//! Connections are plain RESP2 over TCP or a unix socket, one request at a time per
//! connection, with no task or channel in between (the redis crate's multiplexed connection
//! cost 10-20% of the decisions per second of one connection); concurrent callers each take a
//! connection of their own from a small pool of idle ones (up to 16 kept). A connection that
//! fails or times out is dropped and the next decision connects again; an idle connection
//! found dead on first use (a restarted server) is replaced and the request sent once more.
//! URLs may carry a user, password and database number (`redis://user:pw@host:port/2`); TLS is
//! not supported.
//!
//! When Redis cannot be reached the [`FailPolicy`] decides, and the decision says so
//! ([`StoreDecision::degraded`]); [`RedisLimiter::failures`] counts those decisions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::{RedisError, Script, Value};

mod wire;

use crate::algorithm::{decide_us, params_us};
use crate::{
    Algorithm, AnyAlgorithm, Composite, Decision, Error, FixedWindowState, KeyedBuilder,
    KeyedLimiter, MonotonicClock, Quota, SlidingLogState, SlidingWindowState,
};
use wire::Pool;

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
    parts: Vec<AnyAlgorithm>,
    composite: bool,
    prefix: String,
    policy: FailPolicy,
    timeout: Duration,
}

const PRELUDE: &str = include_str!("redis/prelude.lua");
const BUCKET: &str = include_str!("redis/bucket.lua");
const FIXED_WINDOW: &str = include_str!("redis/fixed_window.lua");
const SLIDING_WINDOW: &str = include_str!("redis/sliding_window.lua");
const SLIDING_LOG: &str = include_str!("redis/sliding_log.lua");
const SINGLE: &str = include_str!("redis/single.lua");
const COMPOSITE: &str = include_str!("redis/composite.lua");

/// One limit as the scripts see it.
#[derive(Debug)]
struct Part {
    alg: AnyAlgorithm,
    quota: Quota,
    /// The quota with its period in µs (the scripts' unit).
    quota_us: Quota,
    /// The composite script's kind (1 bucket, 2 fixed window, 3 sliding window, 4 sliding log).
    kind: u8,
    /// The script's parameters: (s, p, cap) for the buckets, (limit, period µs, 0) else.
    args: [u64; 3],
    /// Appended to `<prefix>{<key>}`.
    suffix: String,
}

impl Part {
    fn new(alg: AnyAlgorithm, composite: bool) -> Result<Part, Error> {
        let quota = alg.quota();
        if !quota.period_ns().is_multiple_of(1000) {
            return Err(Error::InvalidOption {
                field: "period",
                value: quota.period_ns().into(),
                reason: "the redis store needs a whole number of microseconds",
            });
        }
        let quota_us = Quota::builder(
            quota.limit(),
            Duration::from_nanos(quota.period_ns() / 1000),
        )
        .burst(quota.burst())
        .build()?;
        let (s, p, cap) = params_us(quota_us);
        const EXACT: u128 = 1 << 53;
        let window = u128::from(quota.limit()) * u128::from(quota_us.period_ns());
        let fits = |x: u128| u64::try_from(x).ok().filter(|&x| u128::from(x) < EXACT);
        let (Some(s), Some(p), Some(cap), Some(_)) = (fits(s), fits(p), fits(cap), fits(window))
        else {
            return Err(Error::InvalidOption {
                field: "quota",
                value: cap.max(window),
                reason: "burst·period and limit·period must stay below 2^53 µs for exact Lua arithmetic",
            });
        };
        let window_args = [quota.limit(), quota_us.period_ns(), 0];
        let (kind, args) = match alg {
            AnyAlgorithm::FixedWindow(_) => (2, window_args),
            AnyAlgorithm::SlidingWindow(_) => (3, window_args),
            AnyAlgorithm::SlidingLog(_) => (4, window_args),
            _ => (1, [s, p, cap]),
        };
        let suffix = if composite {
            format!(
                ":{}:{}:{}:{}",
                alg.name(),
                quota.limit(),
                quota_us.period_ns(),
                quota.burst()
            )
        } else {
            format!(":{}", alg.name())
        };
        Ok(Part {
            alg,
            quota,
            quota_us,
            kind,
            args,
            suffix,
        })
    }

    /// The decision of this limit from the state the script saw (the in-memory algorithm on
    /// the same state, so both stores agree on every field); `apply` as in
    /// [`Algorithm::check`] (whether the request is being consumed).
    fn decision(&self, seen: &[Value], now_us: u64, cost: u64, apply: bool) -> Option<Decision> {
        let u = |i: usize| match seen.get(i) {
            Some(Value::Int(v)) => u64::try_from(*v).ok(),
            _ => None,
        };
        let now = now_us.saturating_mul(1000);
        Some(match self.alg {
            AnyAlgorithm::FixedWindow(a) => a.check(
                &mut FixedWindowState::from_parts(u(0)?, u(1)?),
                now,
                cost,
                apply,
            ),
            AnyAlgorithm::SlidingWindow(a) => a.check(
                &mut SlidingWindowState::from_parts(u(0)?, u(1)?, u(2)?),
                now,
                cost,
                apply,
            ),
            AnyAlgorithm::SlidingLog(a) => {
                let mut entries = Vec::with_capacity(seen.len() / 2);
                for j in (0..seen.len() / 2).map(|j| 2 * j) {
                    entries.push((u(j)?.saturating_mul(1000), u(j + 1)?));
                }
                a.check(
                    &mut SlidingLogState::from_entries(entries),
                    now,
                    cost,
                    apply,
                )
            }
            _ => decide_us(self.quota, self.quota_us, u128::from(u(0)?), cost),
        })
    }
}

impl RedisBuilder {
    /// A limiter on the server at `url` (`redis://host:port`, `redis+unix:///path/to.sock`).
    #[must_use]
    pub fn new(url: &str, alg: AnyAlgorithm) -> RedisBuilder {
        RedisBuilder {
            url: url.to_string(),
            parts: vec![alg],
            composite: false,
            prefix: "rl:".to_string(),
            policy: FailPolicy::Closed,
            timeout: Duration::from_millis(250),
        }
    }

    /// Several limits on one key, decided by one script in one round trip: admitted only if
    /// every limit admits, and a denial consumes from none (as [`Composite`] in memory).
    ///
    /// ```no_run
    /// use ratelimit_core::{AnyAlgorithm, Composite, FixedWindow, Gcra, Quota};
    /// use ratelimit_core::redis_store::RedisBuilder;
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let both = Composite::new(vec![
    ///     AnyAlgorithm::Gcra(Gcra::new(Quota::per_second(10)?)),
    ///     AnyAlgorithm::FixedWindow(FixedWindow::new(Quota::per_hour(1000)?)),
    /// ])?;
    /// let lim = RedisBuilder::composite("redis://127.0.0.1:6379", both).build()?;
    /// let d = lim.check("user:42", 1).await;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn composite(url: &str, limits: Composite<AnyAlgorithm>) -> RedisBuilder {
        RedisBuilder {
            url: url.to_string(),
            parts: limits.parts().to_vec(),
            composite: true,
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

    /// Validates the quotas for the scripts and sets up the connection (lazily: a server that
    /// is down now is connected to when it comes up).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] if a quota does not fit the scripts' exact arithmetic,
    /// [`Error::Redis`] for a malformed URL, [`Error::NoRuntime`] outside a Tokio runtime.
    pub fn build(self) -> Result<RedisLimiter, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        let parts = self
            .parts
            .iter()
            .map(|a| Part::new(*a, self.composite))
            .collect::<Result<Vec<_>, _>>()?;
        let connect_error = |source| Error::Redis {
            operation: "connect",
            source,
        };
        let client = redis::Client::open(self.url.as_str()).map_err(connect_error)?;
        let conn =
            Pool::new(client.get_connection_info().clone(), self.timeout).map_err(connect_error)?;
        let code = if self.composite {
            [
                PRELUDE,
                BUCKET,
                FIXED_WINDOW,
                SLIDING_WINDOW,
                SLIDING_LOG,
                COMPOSITE,
            ]
            .concat()
        } else {
            let (limit, name) = match parts.first().map(|p| p.kind) {
                Some(2) => (FIXED_WINDOW, "fixed_window"),
                Some(3) => (SLIDING_WINDOW, "sliding_window"),
                Some(4) => (SLIDING_LOG, "sliding_log"),
                _ => (BUCKET, "bucket"),
            };
            [PRELUDE, limit, &SINGLE.replace("LIMIT", name)].concat()
        };
        let sha = Script::new(&code).get_hash().to_string();
        let local = match (self.policy, self.composite) {
            (FailPolicy::Local, false) => self
                .parts
                .first()
                .map(|a| Local::Single(KeyedBuilder::new(*a).build_default())),
            (FailPolicy::Local, true) => Some(Local::Composite(
                KeyedBuilder::new(Composite::new(self.parts.clone())?).build_default(),
            )),
            _ => None,
        };
        let Some(first) = parts.first() else {
            return Err(Error::InvalidOption {
                field: "parts",
                value: 0,
                reason: "a composite needs at least one limit",
            });
        };
        let (alg, quota) = (first.alg, first.quota);
        Ok(RedisLimiter {
            inner: Arc::new(Inner {
                conn,
                sha,
                code,
                alg,
                quota,
                parts,
                composite: self.composite,
                prefix: self.prefix,
                policy: self.policy,
                timeout: self.timeout,
                failures: AtomicU64::new(0),
                local,
            }),
        })
    }
}

/// The in-process fallback of [`FailPolicy::Local`].
#[derive(Debug)]
enum Local {
    Single(KeyedLimiter<String, AnyAlgorithm, MonotonicClock>),
    Composite(KeyedLimiter<String, Composite<AnyAlgorithm>, MonotonicClock>),
}

#[derive(Debug)]
struct Inner {
    conn: Pool,
    /// The script's source (for `SCRIPT LOAD`).
    code: String,
    sha: String,
    /// The first limit's algorithm and quota (the fail policies' limit).
    alg: AnyAlgorithm,
    quota: Quota,
    parts: Vec<Part>,
    composite: bool,
    prefix: String,
    policy: FailPolicy,
    timeout: Duration,
    failures: AtomicU64,
    local: Option<Local>,
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
/// assert!(lim.peek("user:42", 1).await.decision.remaining() < 100); // consumes nothing
/// let ds = lim.check_many(&[("user:1", 1), ("user:2", 1)]).await; // one round trip
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisLimiter {
    inner: Arc<Inner>,
}

impl RedisLimiter {
    /// Decides `cost` for `key` on the server's clock; the fail policy decides if Redis fails.
    pub async fn check(&self, key: &str, cost: u64) -> StoreDecision {
        self.decide(key, None, cost, true).await
    }

    /// Like [`check`](RedisLimiter::check) at a caller-given time in microseconds (tests,
    /// simulations, replays: the scripts take it instead of reading `TIME`).
    pub async fn check_at_us(&self, key: &str, now_us: u64, cost: u64) -> StoreDecision {
        self.decide(key, Some(now_us), cost, true).await
    }

    /// Whether `cost` for `key` would be admitted now, consuming nothing (the same script,
    /// without its writes); the fail policy decides if Redis fails.
    pub async fn peek(&self, key: &str, cost: u64) -> StoreDecision {
        self.decide(key, None, cost, false).await
    }

    /// [`peek`](RedisLimiter::peek) at a caller-given time in microseconds.
    pub async fn peek_at_us(&self, key: &str, now_us: u64, cost: u64) -> StoreDecision {
        self.decide(key, Some(now_us), cost, false).await
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
        self.try_decide(key, now_us, cost, true).await
    }

    /// Like [`peek`](RedisLimiter::peek) without a fail policy: Redis errors are returned.
    ///
    /// # Errors
    ///
    /// As [`try_check`](RedisLimiter::try_check).
    pub async fn try_peek(
        &self,
        key: &str,
        now_us: Option<u64>,
        cost: u64,
    ) -> Result<Decision, Error> {
        self.try_decide(key, now_us, cost, false).await
    }

    /// Decides many `(key, cost)` requests in one pipeline: one write and one read on the
    /// connection for all of them, each still one atomic script on the server, in order. If
    /// the pipeline fails, the fail policy decides every request.
    pub async fn check_many(&self, requests: &[(&str, u64)]) -> Vec<StoreDecision> {
        match self.try_check_many(requests, None).await {
            Ok(ds) => ds
                .into_iter()
                .map(|decision| StoreDecision {
                    decision,
                    degraded: None,
                })
                .collect(),
            Err(_) => requests
                .iter()
                .map(|&(key, cost)| self.fail(key, cost, true))
                .collect(),
        }
    }

    /// Like [`check_many`](RedisLimiter::check_many) without a fail policy, optionally at a
    /// caller-given time in microseconds.
    ///
    /// # Errors
    ///
    /// As [`try_check`](RedisLimiter::try_check), for the first request that failed.
    pub async fn try_check_many(
        &self,
        requests: &[(&str, u64)],
        now_us: Option<u64>,
    ) -> Result<Vec<Decision>, Error> {
        let mut packed = Vec::with_capacity(requests.len() * 128);
        for &(key, cost) in requests {
            self.command(&mut packed, key, now_us, cost, true);
        }
        let replies = self.query(&packed, requests.len()).await?;
        if replies.len() != requests.len() {
            return Err(Error::RedisReply {
                reply: format!("{replies:?}"),
            });
        }
        replies
            .iter()
            .zip(requests)
            .map(|(r, &(_, cost))| self.decision_from(r, cost, true))
            .collect()
    }

    /// The SHA1 of the limiter's script (as `EVALSHA` takes it).
    #[must_use]
    pub fn script_sha(&self) -> &str {
        &self.inner.sha
    }

    /// Appends the `EVALSHA` command of one decision to `out`:
    /// `sha nkeys keys... now cost apply params...`.
    fn command(&self, out: &mut Vec<u8>, key: &str, now_us: Option<u64>, cost: u64, apply: bool) {
        let i = &self.inner;
        let n = i.parts.len();
        let per_part = if i.composite { 4 } else { 3 };
        wire::header(out, 3 + n + 3 + per_part * n);
        wire::bulk(out, b"EVALSHA");
        wire::bulk(out, i.sha.as_bytes());
        wire::bulk_u64(out, n as u64);
        for p in &i.parts {
            let len = i.prefix.len() + key.len() + 2 + p.suffix.len();
            wire::bulk_len(out, len);
            out.extend_from_slice(i.prefix.as_bytes());
            out.push(b'{');
            out.extend_from_slice(key.as_bytes());
            out.push(b'}');
            out.extend_from_slice(p.suffix.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        match now_us {
            Some(t) => wire::bulk_u64(out, t),
            None => wire::bulk(out, b""),
        }
        wire::bulk_u64(out, cost);
        wire::bulk(out, if apply { b"1" } else { b"0" });
        for p in &i.parts {
            if i.composite {
                wire::bulk_u64(out, p.kind.into());
            }
            for a in p.args {
                wire::bulk_u64(out, a);
            }
        }
    }

    /// Sends `packed` (`n` `EVALSHA` commands) and reads the replies; on `NOSCRIPT` (a server
    /// restarted or flushed), loads the script and sends them again.
    async fn query(&self, packed: &[u8], n: usize) -> Result<Vec<Value>, Error> {
        let conn = &self.inner.conn;
        match conn.query(packed, n).await {
            Err(e) if e.code() == Some("NOSCRIPT") => {
                let mut load = Vec::with_capacity(self.inner.code.len() + 64);
                wire::pack(&mut load, &[b"SCRIPT", b"LOAD", self.inner.code.as_bytes()]);
                conn.query(&load, 1).await.map_err(script_error)?;
                conn.query(packed, n).await
            }
            r => r,
        }
        .map_err(script_error)
    }

    async fn try_decide(
        &self,
        key: &str,
        now_us: Option<u64>,
        cost: u64,
        apply: bool,
    ) -> Result<Decision, Error> {
        let mut packed = Vec::with_capacity(256);
        self.command(&mut packed, key, now_us, cost, apply);
        let replies = self.query(&packed, 1).await?;
        let Some(reply) = replies.first() else {
            return Err(Error::RedisReply {
                reply: "no reply".to_string(),
            });
        };
        self.decision_from(reply, cost, apply)
    }

    /// The decision from a script's reply `{admitted, state..., now_us}` (one limit) or
    /// `{admitted, now_us, n1, state 1..., n2, state 2...}` (composite).
    fn decision_from(&self, reply: &Value, cost: u64, apply: bool) -> Result<Decision, Error> {
        let bad = || Error::RedisReply {
            reply: format!("{reply:?}"),
        };
        let Value::Array(r) = reply else {
            return Err(bad());
        };
        let int = |i: usize| match r.get(i) {
            Some(Value::Int(v)) => u64::try_from(*v).ok(),
            _ => None,
        };
        let i = &self.inner;
        let now_at = if i.composite {
            1
        } else {
            r.len().saturating_sub(1)
        };
        let (Some(admitted), Some(now_us), true) = (int(0), int(now_at), now_at > 0) else {
            return Err(bad());
        };
        // As in memory: a composite's limits apply the request only when all admit.
        let apply = apply && admitted == 1;
        let d = if i.composite {
            let mut ds = Vec::with_capacity(i.parts.len());
            let mut at = 2;
            for p in &i.parts {
                let n = int(at)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(bad)?;
                let seen = r.get(at + 1..at + 1 + n).ok_or_else(bad)?;
                ds.push(p.decision(seen, now_us, cost, apply).ok_or_else(bad)?);
                at += 1 + n;
            }
            Decision::all(&ds)
        } else {
            let seen = r.get(1..now_at).ok_or_else(bad)?;
            i.parts
                .first()
                .and_then(|p| p.decision(seen, now_us, cost, apply))
        };
        match d {
            Some(d) if (admitted == 1) == d.allowed() => Ok(d),
            _ => Err(bad()),
        }
    }

    async fn decide(
        &self,
        key: &str,
        now_us: Option<u64>,
        cost: u64,
        apply: bool,
    ) -> StoreDecision {
        match self.try_decide(key, now_us, cost, apply).await {
            Ok(decision) => StoreDecision {
                decision,
                degraded: None,
            },
            Err(_) => self.fail(key, cost, apply),
        }
    }

    /// The fail policy's decision (counted).
    fn fail(&self, key: &str, cost: u64, apply: bool) -> StoreDecision {
        let i = &self.inner;
        i.failures.fetch_add(1, Ordering::Relaxed);
        let limit = match i.alg {
            AnyAlgorithm::Gcra(_) | AnyAlgorithm::TokenBucket(_) | AnyAlgorithm::LeakyBucket(_) => {
                i.quota.burst()
            }
            _ => i.quota.limit(),
        };
        let policy = (i.quota.limit(), i.quota.period_ns());
        let timeout = u64::try_from(i.timeout.as_nanos())
            .unwrap_or(u64::MAX)
            .max(1);
        let key = key.to_string();
        let decision = match (&i.local, i.policy) {
            (Some(Local::Single(l)), _) if apply => l.check_n(&key, cost),
            (Some(Local::Single(l)), _) => l.peek(&key, cost),
            (Some(Local::Composite(l)), _) if apply => l.check_n(&key, cost),
            (Some(Local::Composite(l)), _) => l.peek(&key, cost),
            (None, FailPolicy::Open) => Decision::plain(true, limit, limit, 0, 0, policy),
            (None, _) => Decision::plain(false, limit, 0, timeout, timeout, policy),
        };
        StoreDecision {
            decision,
            degraded: Some(i.policy),
        }
    }

    /// Decisions the fail policy made because Redis failed.
    #[must_use]
    pub fn failures(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// The algorithm (the first limit's, for a composite).
    #[must_use]
    pub fn algorithm(&self) -> &AnyAlgorithm {
        &self.inner.alg
    }
}

fn script_error(source: RedisError) -> Error {
    Error::Redis {
        operation: "script",
        source,
    }
}
