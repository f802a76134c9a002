//! Clocks: where "now" comes from.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// A source of time in integer nanoseconds since an origin of the clock's choosing.
///
/// Limiters only compare and subtract readings of one clock, so the origin does not matter;
/// window algorithms align their windows to multiples of the period since the origin.
/// A clock should never go backwards; if it does, no algorithm admits more because of it.
pub trait Clock: Debug + Send + Sync {
    /// The current time in nanoseconds.
    fn now(&self) -> u64;
}

/// The default clock: the CPU's time-stamp counter where the OS trusts it, else the OS
/// monotonic clock; nanoseconds since the clock was created.
///
/// Reading [`Instant::now`] costs 25–100 ns on VMs (about 100 ns on the benchmark machine),
/// more than a whole decision; the counter costs what one `RDTSC` costs (about 10 ns there,
/// the same as governor's default clock, which reads it the same way). The counter is read
/// through [quanta](https://docs.rs/quanta), which uses it only when the CPU reports an
/// invariant TSC and `RDTSCP` (a constant rate in every power state), calibrates it once per
/// process against the OS monotonic clock (the first [`MonotonicClock::new`] blocks for
/// 10–200 ms), and otherwise reads `clock_gettime(CLOCK_MONOTONIC)` itself. The resolution
/// stays one nanosecond, so decisions stay exact.
///
/// Monotonicity: quanta promises monotonic readings of one counter, but does not check that
/// the counters of all cores are in step (a VM, a multi-socket machine whose BIOS does not
/// sync them); readings from a thread that moves between cores could then go backwards. The
/// Linux kernel does check (at boot, on CPU hot-plug and with its clocksource watchdog) and
/// bases `CLOCK_MONOTONIC` on the counter only while they are in step. So on Linux this clock
/// reads the counter only if the kernel's current clocksource is `tsc` when the first clock is
/// created; otherwise it reads [`Instant`] (monotonic, slower). Its readings are then exactly
/// as monotonic as the kernel's own clock. (A coarse clock such as `CLOCK_MONOTONIC_COARSE`
/// is cheap too, but its 4 ms resolution would make every decision inexact; for a coarse but
/// even cheaper clock, opt in to [`TickerClock`].) Should a clock still step back, no
/// algorithm admits more because of it.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    /// The calibrated counter, when trusted.
    counter: Option<&'static quanta::Clock>,
    /// The counter's raw reading at creation.
    origin_raw: u64,
    /// The OS clock at creation (the fallback's origin).
    origin: Instant,
}

/// The process's calibrated counter, if the OS trusts it (decided and calibrated once).
fn counter() -> Option<&'static quanta::Clock> {
    static COUNTER: OnceLock<Option<quanta::Clock>> = OnceLock::new();
    COUNTER
        .get_or_init(|| os_trusts_tsc().then(quanta::Clock::new))
        .as_ref()
}

/// Whether the kernel keeps its own monotonic clock on the time-stamp counter.
#[cfg(target_os = "linux")]
fn os_trusts_tsc() -> bool {
    std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
        .is_ok_and(|s| s.trim() == "tsc")
}

/// Other systems keep the counters in step themselves (Windows, macOS) or quanta reads the
/// OS clock.
#[cfg(not(target_os = "linux"))]
fn os_trusts_tsc() -> bool {
    true
}

impl MonotonicClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> MonotonicClock {
        MonotonicClock::with_counter(counter())
    }

    fn with_counter(counter: Option<&'static quanta::Clock>) -> MonotonicClock {
        MonotonicClock {
            counter,
            origin_raw: counter.map_or(0, quanta::Clock::raw),
            origin: Instant::now(),
        }
    }

    /// Whether this clock reads the CPU's counter (else the OS monotonic clock).
    #[must_use]
    pub fn uses_cpu_counter(&self) -> bool {
        self.counter.is_some()
    }
}

impl Default for MonotonicClock {
    fn default() -> MonotonicClock {
        MonotonicClock::new()
    }
}

impl Clock for MonotonicClock {
    #[inline]
    fn now(&self) -> u64 {
        match self.counter {
            // Scaled to ns (0 if the reading is at or before the origin).
            Some(c) => c.delta_as_nanos(self.origin_raw, c.raw()),
            // Saturates after 584 years.
            None => u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX),
        }
    }
}

/// A clock that moves only when told to: for tests and simulations. Clones share the time.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{Clock, ManualClock};
///
/// let clock = ManualClock::new(0);
/// let shared = clock.clone();
/// clock.advance(Duration::from_millis(5));
/// assert_eq!(shared.now(), 5_000_000);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock reading `now_ns`.
    #[must_use]
    pub fn new(now_ns: u64) -> ManualClock {
        ManualClock {
            now: Arc::new(AtomicU64::new(now_ns)),
        }
    }

    /// Sets the time (it may go backwards: tests use that to check robustness).
    pub fn set(&self, now_ns: u64) {
        self.now.store(now_ns, Ordering::Relaxed);
    }

    /// Moves the time forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .now
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(by))
            });
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }
}

/// An opt-in fast clock: a background thread publishes the monotonic time every `resolution`,
/// and a reading is one atomic load (about 1 ns, against 25–100 ns for [`Instant::now`] on VMs).
///
/// Monotonic (one writer, fed by [`Instant`]), but coarse: a reading lags real time by up to
/// `resolution` plus scheduling delay, so decisions are made as of the last tick (never
/// admitting more than the quota allows at that earlier time). The thread exits once every
/// clone is dropped.
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::{Clock, DirectLimiter, Gcra, Quota, TickerClock};
///
/// let clock = TickerClock::start(Duration::from_millis(1))?;
/// let lim = DirectLimiter::builder(Gcra::new(Quota::per_second(100)?)).clock(clock.clone()).build();
/// assert!(lim.check().allowed());
/// let a = clock.now();
/// std::thread::sleep(Duration::from_millis(5));
/// assert!(clock.now() > a);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TickerClock {
    now: Arc<AtomicU64>,
}

impl TickerClock {
    /// Starts the ticking thread.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the thread cannot be spawned.
    pub fn start(resolution: Duration) -> Result<TickerClock, crate::Error> {
        let now = Arc::new(AtomicU64::new(0));
        let weak = Arc::downgrade(&now);
        let origin = Instant::now();
        std::thread::Builder::new()
            .name("ratelimit-ticker".to_string())
            .spawn(move || {
                while let Some(now) = weak.upgrade() {
                    let t = u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    now.fetch_max(t, Ordering::Release);
                    drop(now);
                    std::thread::sleep(resolution);
                }
            })
            .map_err(|source| crate::Error::Io {
                source_name: "ticker thread".to_string(),
                source,
            })?;
        Ok(TickerClock { now })
    }
}

impl Clock for TickerClock {
    #[inline]
    fn now(&self) -> u64 {
        self.now.load(Ordering::Acquire)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    #[inline]
    fn now(&self) -> u64 {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    #[inline]
    fn now(&self) -> u64 {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_clock_does_not_go_backwards() {
        let c = MonotonicClock::new();
        let a = c.now();
        let b = c.now();
        assert!(b >= a);
    }

    #[test]
    fn monotonic_clock_follows_real_time() {
        // The process's choice (counter or OS clock), and the OS clock fallback.
        for c in [MonotonicClock::new(), MonotonicClock::with_counter(None)] {
            let start = Instant::now();
            let a = c.now();
            std::thread::sleep(Duration::from_millis(20));
            let b = c.now();
            let real = u64::try_from(start.elapsed().as_nanos()).unwrap();
            // Calibrated against the OS clock: within 5% plus a millisecond of it.
            assert!(b - a >= 19_000_000, "{}", b - a);
            assert!(b - a <= real + real / 20 + 1_000_000, "{} vs {real}", b - a);
            // Other threads read the same timeline.
            let t = std::thread::scope(|s| s.spawn(|| c.now()).join().unwrap());
            assert!(t >= b);
        }
    }

    #[test]
    fn manual_clock_saturates() {
        let c = ManualClock::new(u64::MAX - 1);
        c.advance(Duration::from_secs(1));
        assert_eq!(c.now(), u64::MAX);
        c.set(3);
        assert_eq!(c.now(), 3);
    }
}
