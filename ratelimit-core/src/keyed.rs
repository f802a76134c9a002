//! The keyed limiter: one state per key, sharded, with bounded memory.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hashbrown::HashTable;

use crate::observe::Options;
use crate::{Algorithm, Clock, Decision, Error, MonotonicClock, Observer, Reservation};

/// A fast, non-cryptographic hasher (multiply-xorshift) for trusted keys.
///
/// Keys chosen by an attacker (IP addresses, user names) can be crafted to collide; use
/// [`KeyedBuilder::hasher`] with [`std::collections::hash_map::RandomState`] for those.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHash;

/// The hasher of [`FastHash`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(23) ^ x).wrapping_mul(K);
    }

    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(K) ^ (h >> 29)
    }
}

impl BuildHasher for FastHash {
    type Hasher = FastHasher;

    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

/// One lock's worth of keys.
type Shards<K, A> = Box<[Mutex<Shard<K, A>>]>;

/// A shard's keys and states. The tables are looked up by a hash computed once per decision
/// (it also picks the shard), so a key is hashed once, not twice.
struct Shard<K, A: Algorithm> {
    /// Packed states (every state that packs, i.e. practically all).
    map: HashTable<(K, A::Packed)>,
    /// States that do not pack (e.g. a GCRA time beyond 64 bits); usually empty.
    wide: HashTable<(K, A::State)>,
    /// Length at which the next insert first drops fresh states (amortized reclaim).
    sweep_at: usize,
}

impl<K: Hash + Eq, A: Algorithm> Shard<K, A> {
    fn len(&self) -> usize {
        self.map.len() + self.wide.len()
    }

    /// Drops the fresh states; returns how many.
    fn sweep(&mut self, alg: &A, now: u64) -> usize {
        let before = self.len();
        self.map.retain(|(_, p)| !alg.packed_is_fresh(p, now));
        self.wide.retain(|(_, s)| !alg.is_fresh(s, now));
        self.sweep_at = (self.len() * 2).max(64);
        before - self.len()
    }

    /// Stores the state of a key that is not held, packed if it packs.
    fn store(&mut self, alg: &A, key: K, hash: u64, st: A::State, hasher: &impl BuildHasher) {
        match alg.pack(st) {
            Ok(p) => {
                self.map
                    .insert_unique(hash, (key, p), |(k, _)| hasher.hash_one(k));
            }
            Err(st) => {
                self.wide
                    .insert_unique(hash, (key, st), |(k, _)| hasher.hash_one(k));
            }
        }
    }

    /// Removes `key` (whose hash is `hash`) wherever it is held.
    fn remove(&mut self, key: &K, hash: u64) {
        if let Ok(e) = self.map.find_entry(hash, |(k, _)| k == key) {
            e.remove();
        }
        if let Ok(e) = self.wide.find_entry(hash, |(k, _)| k == key) {
            e.remove();
        }
    }

    /// Applies `f` to a held key's state; `None` if the key is not held.
    #[inline(always)]
    fn update<R>(
        &mut self,
        alg: &A,
        key: &K,
        hash: u64,
        hasher: &impl BuildHasher,
        f: impl FnOnce(&mut A::State) -> R,
    ) -> Option<R>
    where
        K: Clone,
    {
        if let Some((_, slot)) = self.map.find_mut(hash, |(k, _)| k == key) {
            let mut st = alg.unpack(std::mem::take(slot));
            let r = f(&mut st);
            match alg.pack(st) {
                Ok(p) => *slot = p,
                Err(st) => {
                    self.remove(key, hash);
                    self.wide
                        .insert_unique(hash, (key.clone(), st), |(k, _)| hasher.hash_one(k));
                }
            }
            return Some(r);
        }
        if self.wide.is_empty() {
            return None;
        }
        let (_, st) = self.wide.find_mut(hash, |(k, _)| k == key)?;
        let r = f(st);
        if let Ok(e) = self.wide.find_entry(hash, |(k, _)| k == key) {
            let ((k, st), _) = e.remove();
            self.store(alg, k, hash, st, hasher);
        }
        Some(r)
    }
}

/// One limit per key (any `Hash + Eq + Clone` key), in sharded hash maps with bounded memory.
///
/// Memory: a key whose state is back to that of a fresh key (bucket full, windows empty) is
/// dropped, which never changes a decision. That happens lazily (an insert into a shard that
/// doubled since its last sweep sweeps it first) and by [`sweep`](KeyedLimiter::sweep). With
/// [`KeyedBuilder::max_keys`] the number of keys never exceeds the cap: when a shard is full
/// even after a sweep, an arbitrary key is evicted, which resets it to fresh, so eviction only
/// ever admits more, never less ([`evictions`](KeyedLimiter::evictions) counts them).
///
/// Bytes per key: a slot holds the key and the algorithm's packed state
/// ([`Algorithm::Packed`]: one `u64` for [`Gcra`](crate::Gcra), the state itself for the
/// others) plus one control byte, and the maps keep at least 1/8 of their slots free (so up to
/// twice that after growth). For `u64` keys and GCRA that is 17 bytes per slot: 19–39 bytes
/// per key depending on where the tables are in their growth (31 by slots, 36 by RSS at
/// 1,000,000 keys against governor's 43, measured by `benches/limiters.rs`). A GCRA state
/// whose time in ticks needs more than 64 bits (only when `period/limit` is not whole
/// nanoseconds and the clock reads beyond `2^64/(limit/gcd(limit, period))` ns) is kept
/// unpacked in a second map, so packing never changes a decision.
/// [`approx_bytes`](KeyedLimiter::approx_bytes) reports the current total.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{FixedWindow, KeyedBuilder, ManualClock, Quota};
///
/// let clock = ManualClock::new(0);
/// let lim = KeyedBuilder::new(FixedWindow::new(Quota::per_second(1)?))
///     .clock(clock.clone())
///     .max_keys(10_000)
///     .build()?;
/// assert!(lim.check(&"alice").allowed());
/// assert!(!lim.check(&"alice").allowed());
/// assert!(lim.check(&"bob").allowed()); // keys are independent
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(lim.sweep(), 2); // both are fresh again
/// assert!(lim.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct KeyedLimiter<K, A: Algorithm, C = MonotonicClock, H = FastHash> {
    alg: A,
    clock: C,
    shards: Shards<K, A>,
    hasher: H,
    shard_shift: u32,
    shard_cap: Option<usize>,
    evictions: AtomicU64,
    opts: Options,
}

impl<K, A: Algorithm, C: std::fmt::Debug, H> std::fmt::Debug for KeyedLimiter<K, A, C, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedLimiter")
            .field("algorithm", &self.alg)
            .field("clock", &self.clock)
            .field("shards", &self.shards.len())
            .field("shard_cap", &self.shard_cap)
            .field("evictions", &self.evictions)
            .finish_non_exhaustive()
    }
}

/// Builds a [`KeyedLimiter`].
#[derive(Debug)]
pub struct KeyedBuilder<A, C, H> {
    alg: A,
    clock: C,
    hasher: H,
    shards: usize,
    max_keys: Option<usize>,
    opts: Options,
}

impl<K: Hash + Eq + Clone, A: Algorithm> KeyedLimiter<K, A> {
    /// A keyed limiter with the defaults (monotonic clock, [`FastHash`], no key cap).
    #[must_use]
    pub fn new(alg: A) -> KeyedLimiter<K, A> {
        let b = KeyedBuilder::new(alg);
        let shards = b.shards;
        b.build_unchecked(shards)
    }
}

impl<A: Algorithm> KeyedBuilder<A, MonotonicClock, FastHash> {
    /// Starts a builder: monotonic clock, [`FastHash`], 4 shards per CPU, no key cap.
    #[must_use]
    pub fn new(alg: A) -> KeyedBuilder<A, MonotonicClock, FastHash> {
        let shards = std::thread::available_parallelism()
            .map_or(4, |n| n.get() * 4)
            .next_power_of_two();
        KeyedBuilder {
            alg,
            clock: MonotonicClock::new(),
            hasher: FastHash,
            shards,
            max_keys: None,
            opts: Options::default(),
        }
    }
}

impl<A: Algorithm, C: Clock, H: BuildHasher + Clone> KeyedBuilder<A, C, H> {
    /// Uses `clock` for "now".
    #[must_use]
    pub fn clock<C2: Clock>(self, clock: C2) -> KeyedBuilder<A, C2, H> {
        KeyedBuilder {
            alg: self.alg,
            clock,
            hasher: self.hasher,
            shards: self.shards,
            max_keys: self.max_keys,
            opts: self.opts,
        }
    }

    /// Uses `hasher` (e.g. `RandomState` for keys chosen by clients).
    #[must_use]
    pub fn hasher<H2: BuildHasher + Clone>(self, hasher: H2) -> KeyedBuilder<A, C, H2> {
        KeyedBuilder {
            alg: self.alg,
            clock: self.clock,
            hasher,
            shards: self.shards,
            max_keys: self.max_keys,
            opts: self.opts,
        }
    }

    /// The number of shards (rounded up to a power of two; default 4 per CPU).
    #[must_use]
    pub fn shards(mut self, shards: usize) -> KeyedBuilder<A, C, H> {
        self.shards = shards;
        self
    }

    /// Caps the number of keys held.
    #[must_use]
    pub fn max_keys(mut self, max_keys: usize) -> KeyedBuilder<A, C, H> {
        self.max_keys = Some(max_keys);
        self
    }

    /// Shadow mode: decide and report, never deny.
    #[must_use]
    pub fn shadow(mut self, shadow: bool) -> KeyedBuilder<A, C, H> {
        self.opts.shadow = shadow;
        self
    }

    /// Calls `observer` with every decision.
    #[must_use]
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> KeyedBuilder<A, C, H> {
        self.opts.observer = Some(observer);
        self
    }

    /// Builds the limiter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] if `shards` is 0 or above 2^16, or `max_keys` is 0.
    pub fn build<K: Hash + Eq + Clone>(self) -> Result<KeyedLimiter<K, A, C, H>, Error> {
        if self.shards == 0 || self.shards > 1 << 16 {
            return Err(Error::InvalidOption {
                field: "shards",
                value: self.shards as u128,
                reason: "must be between 1 and 65536",
            });
        }
        let mut shards = self.shards.next_power_of_two();
        if let Some(m) = self.max_keys {
            if m == 0 {
                return Err(Error::InvalidOption {
                    field: "max_keys",
                    value: 0,
                    reason: "must be at least 1",
                });
            }
            // Every shard holds at least one key, so the caps add up to at most max_keys.
            while shards > m {
                shards /= 2;
            }
        }
        Ok(self.build_unchecked(shards))
    }

    /// Builds with the default shard count (cannot fail).
    pub(crate) fn build_default<K: Hash + Eq + Clone>(self) -> KeyedLimiter<K, A, C, H> {
        let shards = self.shards;
        self.build_unchecked(shards)
    }

    fn build_unchecked<K: Hash + Eq + Clone>(self, shards: usize) -> KeyedLimiter<K, A, C, H> {
        let shard_cap = self.max_keys.map(|m| m / shards);
        let v: Vec<_> = (0..shards)
            .map(|_| {
                Mutex::new(Shard {
                    map: HashTable::new(),
                    wide: HashTable::new(),
                    sweep_at: 64,
                })
            })
            .collect();
        KeyedLimiter {
            alg: self.alg,
            clock: self.clock,
            shards: v.into_boxed_slice(),
            hasher: self.hasher,
            shard_shift: 64 - shards.trailing_zeros(),
            shard_cap,
            evictions: AtomicU64::new(0),
            opts: self.opts,
        }
    }
}

impl<K: Hash + Eq + Clone, A: Algorithm, C: Clock, H: BuildHasher + Clone>
    KeyedLimiter<K, A, C, H>
{
    /// The key's hash and its locked shard.
    fn shard(&self, key: &K) -> (u64, MutexGuard<'_, Shard<K, A>>) {
        let hash = self.hasher.hash_one(key);
        let i = if self.shards.len() == 1 {
            0
        } else {
            // Middle bits: hashbrown uses the low bits for the slot and the top 7 as tag.
            (hash.rotate_right(24) >> self.shard_shift) as usize
        };
        let m = self.shards.get(i).unwrap_or_else(|| &self.shards[0]);
        (hash, m.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Checks one unit for `key` now.
    #[inline]
    pub fn check(&self, key: &K) -> Decision {
        self.check_at(key, self.clock.now(), 1)
    }

    /// Checks `cost` units for `key` now.
    #[inline]
    pub fn check_n(&self, key: &K, cost: u64) -> Decision {
        self.check_at(key, self.clock.now(), cost)
    }

    /// Checks `cost` units for `key` at `now` (ns on this limiter's clock).
    #[inline]
    pub fn check_at(&self, key: &K, now: u64, cost: u64) -> Decision {
        let d = self.decide(key, now, cost, true);
        if self.opts.is_plain() {
            return d;
        }
        self.opts.finish(&self.alg, d)
    }

    /// Whether `cost` units for `key` would be admitted now, consuming nothing.
    pub fn peek(&self, key: &K, cost: u64) -> Decision {
        self.peek_at(key, self.clock.now(), cost)
    }

    /// Whether `cost` units for `key` would be admitted at `now`, consuming nothing.
    pub fn peek_at(&self, key: &K, now: u64, cost: u64) -> Decision {
        self.decide(key, now, cost, false)
    }

    /// Admits `cost` units for `key` now as a cancellable [`Reservation`].
    ///
    /// # Errors
    ///
    /// The denying decision.
    pub fn reserve(&self, key: &K, cost: u64) -> Result<Reservation, Decision> {
        self.reserve_at(key, self.clock.now(), cost)
    }

    /// [`reserve`](KeyedLimiter::reserve) at `now`.
    ///
    /// # Errors
    ///
    /// The denying decision.
    pub fn reserve_at(&self, key: &K, now: u64, cost: u64) -> Result<Reservation, Decision> {
        let d = self.check_at(key, now, cost);
        if !d.allowed() {
            return Err(d);
        }
        Ok(Reservation {
            at: now,
            cost: if d.shadowed() { 0 } else { cost },
            decision: d,
        })
    }

    /// Gives back a reservation's cost for `key` now.
    pub fn cancel(&self, key: &K, r: Reservation) {
        self.cancel_at(key, self.clock.now(), r);
    }

    /// Gives back a reservation's cost for `key` at `now` (nothing if the key was reclaimed).
    pub fn cancel_at(&self, key: &K, now: u64, r: Reservation) {
        if r.cost == 0 {
            return;
        }
        let (hash, mut shard) = self.shard(key);
        shard.update(&self.alg, key, hash, &self.hasher, |st| {
            self.alg.refund(st, now, r.at, r.cost)
        });
    }

    fn decide(&self, key: &K, now: u64, cost: u64, apply: bool) -> Decision {
        let (hash, mut shard) = self.shard(key);
        let held = shard.update(&self.alg, key, hash, &self.hasher, |st| {
            self.alg.check(st, now, cost, apply)
        });
        if let Some(d) = held {
            return d;
        }
        let mut st = A::State::default();
        let d = self.alg.check(&mut st, now, cost, apply);
        if apply && !self.alg.is_fresh(&st, now) {
            self.make_room(&mut shard, now);
            shard.store(&self.alg, key.clone(), hash, st, &self.hasher);
        }
        d
    }

    fn make_room(&self, shard: &mut Shard<K, A>, now: u64) {
        let len = shard.len();
        let full = self.shard_cap.is_some_and(|c| len >= c);
        if len >= shard.sweep_at || full {
            shard.sweep(&self.alg, now);
        }
        if let Some(cap) = self.shard_cap {
            while shard.len() >= cap.max(1) {
                let victim = shard.map.iter().next().map(|(k, _)| k);
                let victim = victim.or_else(|| shard.wide.iter().next().map(|(k, _)| k));
                let Some(victim) = victim.cloned() else {
                    break;
                };
                shard.remove(&victim, self.hasher.hash_one(&victim));
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Drops every key whose state is fresh now; returns how many.
    pub fn sweep(&self) -> usize {
        self.sweep_at(self.clock.now())
    }

    /// Drops every key whose state is fresh at `now`; returns how many.
    pub fn sweep_at(&self, now: u64) -> usize {
        let mut dropped = 0;
        for m in &*self.shards {
            let mut shard = m.lock().unwrap_or_else(PoisonError::into_inner);
            dropped += shard.sweep(&self.alg, now);
        }
        dropped
    }

    /// Releases spare capacity of the maps (after a large sweep).
    pub fn shrink_to_fit(&self) {
        for m in &*self.shards {
            let mut shard = m.lock().unwrap_or_else(PoisonError::into_inner);
            shard.map.shrink_to_fit(|(k, _)| self.hasher.hash_one(k));
            shard.wide.shrink_to_fit(|(k, _)| self.hasher.hash_one(k));
        }
    }

    /// Keys held (including some that may be fresh and not yet reclaimed).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keys evicted by the key cap while not fresh.
    pub fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }

    /// Approximate bytes held by the maps' slots (capacity × (key + packed state + 1 control
    /// byte), plus the same for states that do not pack).
    pub fn approx_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(K, A::Packed)>() + 1;
        let wide_slot = std::mem::size_of::<(K, A::State)>() + 1;
        self.shards
            .iter()
            .map(|m| {
                let shard = m.lock().unwrap_or_else(PoisonError::into_inner);
                shard.map.capacity() * slot + shard.wide.capacity() * wide_slot
            })
            .sum()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> &A {
        &self.alg
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }
}
