//! Per-key quotas: exact keys, patterns and a default, changeable at run time.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, PoisonError, RwLock};

use crate::{Algorithm, Clock, Decision, KeyedBuilder, KeyedLimiter, MonotonicClock, Quota};

/// Which quota applies to a key, resolved in a fixed order: the exact key, then the most
/// specific matching pattern, then the default.
///
/// Patterns use `*` for any run of characters (`tenant-*`, `*:admin`, `*`). The most specific
/// pattern is the one with the most literal (non-`*`) characters; ties go to the pattern that
/// sorts first, so the resolution never depends on insertion or hash order.
///
/// ```
/// use ratelimit_core::{Quota, QuotaRules};
///
/// let rules = QuotaRules::new(Quota::per_second(10)?)
///     .pattern("tenant-*", Quota::per_second(100)?)
///     .pattern("tenant-big-*", Quota::per_second(1000)?)
///     .exact("tenant-big-7", Quota::per_second(5)?);
/// assert_eq!(rules.resolve("tenant-big-7").limit(), 5);
/// assert_eq!(rules.resolve("tenant-big-8").limit(), 1000);
/// assert_eq!(rules.resolve("tenant-3").limit(), 100);
/// assert_eq!(rules.resolve("other").limit(), 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRules {
    default: Quota,
    exact: HashMap<String, Quota>,
    /// Most specific first.
    patterns: Vec<(String, Quota)>,
}

fn literal_len(p: &str) -> usize {
    p.chars().filter(|&c| c != '*').count()
}

/// Whether `key` matches `pattern` (`*` = any run of characters, possibly empty).
fn glob_match(pattern: &str, key: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == key;
    }
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return false,
    };
    let Some(mut tail) = key.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = match rest.split_last() {
        Some(x) => x,
        None => return false,
    };
    for m in middle {
        match tail.find(m) {
            Some(i) => tail = &tail[i + m.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

impl QuotaRules {
    /// Rules with only a default.
    #[must_use]
    pub fn new(default: Quota) -> QuotaRules {
        QuotaRules {
            default,
            exact: HashMap::new(),
            patterns: Vec::new(),
        }
    }

    /// Sets the quota of one key.
    #[must_use]
    pub fn exact(mut self, key: &str, quota: Quota) -> QuotaRules {
        self.exact.insert(key.to_string(), quota);
        self
    }

    /// Sets the quota of the keys matching `pattern` (replacing an equal pattern).
    #[must_use]
    pub fn pattern(mut self, pattern: &str, quota: Quota) -> QuotaRules {
        self.patterns.retain(|(p, _)| p != pattern);
        self.patterns.push((pattern.to_string(), quota));
        self.patterns
            .sort_by(|(a, _), (b, _)| literal_len(b).cmp(&literal_len(a)).then_with(|| a.cmp(b)));
        self
    }

    /// The quota for `key`.
    #[must_use]
    pub fn resolve(&self, key: &str) -> Quota {
        if let Some(q) = self.exact.get(key) {
            return *q;
        }
        self.patterns
            .iter()
            .find(|(p, _)| glob_match(p, key))
            .map_or(self.default, |(_, q)| *q)
    }
}

type Make<A> = Arc<dyn Fn(Quota) -> A + Send + Sync>;

/// One keyed limiter per distinct quota.
type PerQuota<A, C> = HashMap<Quota, Arc<KeyedLimiter<String, A, C>>>;

/// A keyed limiter whose quota depends on the key ([`QuotaRules`]), with rules replaceable at
/// run time: keys whose quota did not change keep their state (no reset burst); a key whose
/// quota changed starts fresh under the new one.
///
/// Internally one [`KeyedLimiter`] per distinct quota; state left under an old quota is
/// reclaimed by [`sweep`](RuledLimiter::sweep) once fresh.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{Gcra, ManualClock, Quota, QuotaRules, RuledLimiter};
///
/// let clock = ManualClock::new(0);
/// let rules = QuotaRules::new(Quota::per_minute(1)?).exact("vip", Quota::per_minute(3)?);
/// let lim = RuledLimiter::new(Gcra::new, rules.clone(), clock.clone());
/// assert_eq!((0..5).filter(|_| lim.check("vip", 1).allowed()).count(), 3);
/// assert!(lim.check("bob", 1).allowed());
/// // Change vip's quota: bob's state is kept (still denied), vip starts fresh under the new one.
/// lim.set_rules(rules.exact("vip", Quota::per_minute(2)?));
/// assert!(!lim.check("bob", 1).allowed());
/// assert_eq!((0..5).filter(|_| lim.check("vip", 1).allowed()).count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RuledLimiter<A: Algorithm, C: Clock + Clone = MonotonicClock> {
    make: Make<A>,
    clock: C,
    rules: RwLock<Arc<QuotaRules>>,
    limiters: RwLock<PerQuota<A, C>>,
}

impl<A: Algorithm, C: Clock + Clone + Debug> Debug for RuledLimiter<A, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuledLimiter")
            .field("clock", &self.clock)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl<A: Algorithm, C: Clock + Clone> RuledLimiter<A, C> {
    /// A limiter building each quota's algorithm with `make` (e.g. `Gcra::new`).
    pub fn new(
        make: impl Fn(Quota) -> A + Send + Sync + 'static,
        rules: QuotaRules,
        clock: C,
    ) -> RuledLimiter<A, C> {
        RuledLimiter {
            make: Arc::new(make),
            clock,
            rules: RwLock::new(Arc::new(rules)),
            limiters: RwLock::new(HashMap::new()),
        }
    }

    /// Replaces the rules; state of keys whose quota is unchanged is kept.
    pub fn set_rules(&self, rules: QuotaRules) {
        *self.rules.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(rules);
    }

    /// The current rules.
    pub fn rules(&self) -> Arc<QuotaRules> {
        self.rules
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn limiter(&self, quota: Quota) -> Arc<KeyedLimiter<String, A, C>> {
        if let Some(l) = self
            .limiters
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&quota)
        {
            return l.clone();
        }
        let mut w = self
            .limiters
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        w.entry(quota)
            .or_insert_with(|| {
                let b = KeyedBuilder::new((self.make)(quota)).clock(self.clock.clone());
                Arc::new(b.build_default())
            })
            .clone()
    }

    /// Checks `cost` units for `key` now under its quota.
    pub fn check(&self, key: &str, cost: u64) -> Decision {
        self.check_at(key, self.clock.now(), cost)
    }

    /// Checks `cost` units for `key` at `now` under its quota.
    pub fn check_at(&self, key: &str, now: u64, cost: u64) -> Decision {
        let quota = self.rules().resolve(key);
        self.limiter(quota).check_at(&key.to_string(), now, cost)
    }

    /// Drops fresh keys under every quota, and the limiters of quotas no key uses any more.
    pub fn sweep(&self) -> usize {
        let now = self.clock.now();
        let mut w = self
            .limiters
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let dropped = w.values().map(|l| l.sweep_at(now)).sum();
        w.retain(|_, l| !l.is_empty());
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", ""));
        assert!(glob_match("a*", "a"));
        assert!(glob_match("a*c", "abc"));
        assert!(!glob_match("a*c", "ab"));
        assert!(glob_match("*:admin", "x:admin"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXcYb"));
        assert!(!glob_match("ab*ba", "aba"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exact2"));
    }

    #[test]
    fn specificity_does_not_depend_on_order() {
        let q = |n| Quota::per_second(n).unwrap();
        let a = QuotaRules::new(q(1))
            .pattern("a*", q(2))
            .pattern("*z", q(3))
            .pattern("ab*", q(4));
        let b = QuotaRules::new(q(1))
            .pattern("ab*", q(4))
            .pattern("*z", q(3))
            .pattern("a*", q(2));
        for key in ["abz", "az", "xz", "ab", "q"] {
            assert_eq!(a.resolve(key), b.resolve(key), "{key}");
        }
        assert_eq!(a.resolve("abz").limit(), 4);
        // "*z" and "a*" have one literal each: the tie goes to "*z", which sorts first.
        assert_eq!(a.resolve("az").limit(), 3);
    }
}
