//! One limiter per rule, in memory or on Redis, and the decisions they make.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::http::HeaderValue;

use ratelimit_core::redis_store::{FailPolicy, RedisBuilder, RedisLimiter};
use ratelimit_core::{AnyAlgorithm, Decision, KeyedBuilder, KeyedLimiter, MonotonicClock};

use super::ServerError;
use super::config::KeySource;

/// Keys held per rule in memory at most (a key spray evicts keys, which only ever admits more).
const MAX_KEYS: usize = 1 << 20;

/// What a limiter counts by: an IP address or any other text.
///
/// Text that is an IP address is kept as the address, in canonical form (`::ffff:1.2.3.4` is
/// `1.2.3.4`, `0::1` is `::1`): the API's key `"10.0.0.7"` and a request from 10.0.0.7 share
/// one state whatever the spelling or the listener's address family, and a client IP is
/// counted without being formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClientKey {
    Ip(IpAddr),
    Text(Box<str>),
}

/// As few bytes as tell the keys apart (every decision hashes its key); an address
/// and a text may hash alike, which equality sorts out.
impl Hash for ClientKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            ClientKey::Ip(IpAddr::V4(a)) => state.write_u64(u64::from(a.to_bits())),
            ClientKey::Ip(IpAddr::V6(a)) => state.write_u128(a.to_bits()),
            ClientKey::Text(t) => t.hash(state),
        }
    }
}

impl ClientKey {
    pub(crate) fn ip(ip: IpAddr) -> ClientKey {
        ClientKey::Ip(ip.to_canonical())
    }

    pub(crate) fn text(text: &str) -> ClientKey {
        match text.parse::<IpAddr>() {
            Ok(ip) => ClientKey::ip(ip),
            Err(_) => ClientKey::Text(text.into()),
        }
    }

    /// The key as Redis stores it (an address in its canonical text form).
    fn as_text(&self) -> Cow<'_, str> {
        match self {
            ClientKey::Ip(ip) => Cow::Owned(ip.to_string()),
            ClientKey::Text(t) => Cow::Borrowed(t),
        }
    }
}

#[derive(Debug)]
enum Store {
    /// Client-chosen keys: a randomly seeded hasher so they cannot be crafted to collide.
    Memory(KeyedLimiter<ClientKey, AnyAlgorithm, MonotonicClock, RandomState>),
    Redis(RedisLimiter),
}

/// A rule's limiter.
#[derive(Debug)]
pub(crate) struct RuleLimiter {
    pub(crate) name: String,
    pub(crate) route: Option<String>,
    pub(crate) key: KeySource,
    /// `"NAME";r=`: the start of every `RateLimit` header value of this rule.
    pub(crate) rate_prefix: Box<[u8]>,
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
            rate_prefix: format!("\"{name}\";r=").into_bytes().into_boxed_slice(),
            store,
            policy_header: OnceLock::new(),
        })
    }

    /// The `RateLimit-Policy` header value of `d` (`"NAME";q=LIMIT;w=SECONDS`, as
    /// [`Decision::ietf_headers`] renders it): a rule has one quota, so it is rendered once,
    /// as a static value whose clones cost nothing (see [`intern`]).
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
            v
        };
        match self.policy_header.get() {
            Some((p, v)) if *p == policy => Some(v.clone()),
            // Not the rule's quota (never seen in practice): rendered each time.
            Some(_) => HeaderValue::from_str(&render()).ok(),
            None => {
                let v = render();
                // `from_static` accepts visible ASCII only (a rule name is).
                let v = if v.bytes().all(|b| (b' '..=b'~').contains(&b)) {
                    HeaderValue::from_static(intern(v))
                } else {
                    HeaderValue::from_str(&v).ok()?
                };
                Some(self.policy_header.get_or_init(|| (policy, v)).1.clone())
            }
        }
    }

    /// Consumes `cost` for `key` if admitted.
    pub(crate) async fn consume(&self, key: &ClientKey, cost: u64) -> Outcome {
        match &self.store {
            Store::Memory(l) => Outcome {
                decision: l.check_n(key, cost),
                degraded: false,
            },
            Store::Redis(l) => {
                let d = l.check(&key.as_text(), cost).await;
                Outcome {
                    decision: d.decision,
                    degraded: d.degraded.is_some(),
                }
            }
        }
    }

    /// Whether `cost` for `key` would be admitted, consuming nothing (on Redis: the same
    /// script without its writes; the fail policy decides when Redis fails).
    pub(crate) async fn peek(&self, key: &ClientKey, cost: u64) -> Outcome {
        match &self.store {
            Store::Memory(l) => Outcome {
                decision: l.peek(key, cost),
                degraded: false,
            },
            Store::Redis(l) => {
                let d = l.peek(&key.as_text(), cost).await;
                Outcome {
                    decision: d.decision,
                    degraded: d.degraded.is_some(),
                }
            }
        }
    }
}

/// `s` for the rest of the process. A header value made from a static string is cloned without
/// touching a shared reference count, which the workers would otherwise pass between their
/// caches on every request. Interned once per distinct policy (rule name and quota), however
/// many servers the process builds, so the memory kept is bounded by the configurations.
fn intern(s: String) -> &'static str {
    static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut set = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(v) = set.get(s.as_str()) {
        return v;
    }
    let v: &'static str = Box::leak(s.into_boxed_str());
    set.insert(v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratelimit_core::Quota;

    #[test]
    fn addresses_are_one_key_however_spelled() {
        let v4 = ClientKey::ip("10.0.0.7".parse().unwrap());
        assert_eq!(ClientKey::text("10.0.0.7"), v4);
        assert_eq!(ClientKey::text("::ffff:10.0.0.7"), v4);
        assert_eq!(ClientKey::ip("::ffff:10.0.0.7".parse().unwrap()), v4);
        assert_eq!(ClientKey::text("0:0::1"), ClientKey::text("::1"));
        assert_eq!(ClientKey::text("10.0.0.7").as_text(), "10.0.0.7");
        assert_eq!(ClientKey::text("::ffff:10.0.0.7").as_text(), "10.0.0.7");
        // Not addresses: kept as they are.
        for t in ["k", "10.0.0.07", "10.0.0.7 ", "[::1]", "10.0.0.7:80"] {
            assert_eq!(ClientKey::text(t), ClientKey::Text(t.into()), "{t}");
            assert_eq!(ClientKey::text(t).as_text(), t);
        }
    }

    #[tokio::test]
    async fn the_api_key_of_an_address_shares_the_state_of_its_requests() {
        let alg = AnyAlgorithm::from_name("fixed-window", Quota::per_second(3).unwrap()).unwrap();
        let lim = RuleLimiter::new("r", None, &KeySource::ClientIp, alg, &Backend::Memory).unwrap();
        let peer = ClientKey::ip("::ffff:192.0.2.1".parse().unwrap());
        assert_eq!(lim.consume(&peer, 2).await.decision.remaining(), 1);
        let api = ClientKey::text("192.0.2.1");
        assert_eq!(lim.peek(&api, 1).await.decision.remaining(), 0);
        assert!(lim.consume(&api, 1).await.decision.allowed());
        assert!(!lim.consume(&peer, 1).await.decision.allowed());
        assert!(
            lim.consume(&ClientKey::text("other"), 3)
                .await
                .decision
                .allowed()
        );
    }

    #[test]
    fn a_policy_is_interned_once() {
        let a = intern("\"x\";q=1;w=1".to_string());
        let b = intern("\"x\";q=1;w=1".to_string());
        assert!(std::ptr::eq(a, b));
        assert_ne!(intern("\"y\";q=1;w=1".to_string()), a);
    }
}
