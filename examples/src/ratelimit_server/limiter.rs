//! One limiter per rule, in memory or on Redis, and the decisions they make.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::Duration;

use axum::http::HeaderValue;

use ratelimit_core::redis_store::{FailPolicy, RedisBuilder, RedisLimiter};
use ratelimit_core::{AnyAlgorithm, Decision, KeyedBuilder, KeyedLimiter, MonotonicClock};

use super::ServerError;
use super::config::KeySource;

/// Keys held per rule in memory at most (a key spray evicts keys, which only ever admits more).
const MAX_KEYS: usize = 1 << 20;

#[derive(Debug)]
enum Store {
    /// Client-chosen keys: a randomly seeded hasher so they cannot be crafted to collide.
    Memory(KeyedLimiter<String, AnyAlgorithm, MonotonicClock, RandomState>),
    Redis(RedisLimiter),
}

/// A rule's limiter.
#[derive(Debug)]
pub(crate) struct RuleLimiter {
    pub(crate) name: String,
    pub(crate) route: Option<String>,
    pub(crate) key: KeySource,
    store: Store,
    /// `RateLimit-Policy` for the quota `(limit, period ns)`, rendered on first use.
    policy_header: OnceLock<((u64, u64), HeaderValue)>,
}

/// A decision and whether the fail policy made it because Redis failed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub(crate) decision: Decision,
    pub(crate) degraded: bool,
}

/// Where the limiters keep their state.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Memory,
    Redis {
        url: String,
        policy: FailPolicy,
        timeout: Duration,
    },
}

impl RuleLimiter {
    /// Builds the limiter of rule `name` (inside a Tokio runtime for Redis).
    pub(crate) fn new(
        name: &str,
        route: Option<&str>,
        key: &KeySource,
        alg: AnyAlgorithm,
        backend: &Backend,
    ) -> Result<RuleLimiter, ServerError> {
        let store = match backend {
            Backend::Memory => Store::Memory(
                KeyedBuilder::new(alg)
                    .hasher(RandomState::new())
                    .max_keys(MAX_KEYS)
                    .build()
                    .map_err(|source| ServerError::Limiter {
                        rule: name.to_string(),
                        source,
                    })?,
            ),
            Backend::Redis {
                url,
                policy,
                timeout,
            } => Store::Redis(
                // One prefix per rule: two rules with the same algorithm never share state.
                RedisBuilder::new(url, alg)
                    .prefix(&format!("rl:{name}:"))
                    .fail_policy(*policy)
                    .timeout(*timeout)
                    .build()
                    .map_err(|source| ServerError::Limiter {
                        rule: name.to_string(),
                        source,
                    })?,
            ),
        };
        Ok(RuleLimiter {
            name: name.to_string(),
            route: route.map(str::to_string),
            key: key.clone(),
            store,
            policy_header: OnceLock::new(),
        })
    }

    /// The `RateLimit-Policy` header value of `d` (`"NAME";q=LIMIT;w=SECONDS`, as
    /// [`Decision::ietf_headers`] renders it): a rule has one quota, so it is rendered once.
    pub(crate) fn policy_header(&self, d: &Decision) -> Option<HeaderValue> {
        let policy = d.policy();
        let render = || {
            let mut v = String::with_capacity(self.name.len() + 32);
            let _ = write!(
                v,
                "\"{}\";q={};w={}",
                self.name,
                policy.0,
                policy.1.div_ceil(1_000_000_000)
            );
            HeaderValue::from_str(&v).ok()
        };
        match self.policy_header.get() {
            Some((p, v)) if *p == policy => Some(v.clone()),
            Some(_) => render(),
            None => {
                let v = render()?;
                Some(self.policy_header.get_or_init(|| (policy, v)).1.clone())
            }
        }
    }

    /// Consumes `cost` for `key` if admitted.
    #[allow(clippy::ptr_arg)] // the in-memory map's keys are Strings, looked up by &String
    pub(crate) async fn consume(&self, key: &String, cost: u64) -> Outcome {
        match &self.store {
            Store::Memory(l) => Outcome {
                decision: l.check_n(key, cost),
                degraded: false,
            },
            Store::Redis(l) => {
                let d = l.check(key, cost).await;
                Outcome {
                    decision: d.decision,
                    degraded: d.degraded.is_some(),
                }
            }
        }
    }

    /// Whether `cost` for `key` would be admitted, consuming nothing (on Redis: the same
    /// script without its writes; the fail policy decides when Redis fails).
    #[allow(clippy::ptr_arg)] // as in `consume`
    pub(crate) async fn peek(&self, key: &String, cost: u64) -> Outcome {
        match &self.store {
            Store::Memory(l) => Outcome {
                decision: l.peek(key, cost),
                degraded: false,
            },
            Store::Redis(l) => {
                let d = l.peek(key, cost).await;
                Outcome {
                    decision: d.decision,
                    degraded: d.degraded.is_some(),
                }
            }
        }
    }
}
