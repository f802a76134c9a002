//! Waiting until admitted, for tokio users.

use std::hash::{BuildHasher, Hash};
use std::time::Duration;

use crate::{Algorithm, Clock, Decision, DirectLimiter, KeyedLimiter};

/// A clock reading tokio's time, so limiters follow `tokio::time::pause`/`advance` in tests.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> TokioClock {
        TokioClock {
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> TokioClock {
        TokioClock::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// Checks until admitted: sleeps exactly the retry-after between checks, gives up (returning
/// the last denial) when the cost can never fit or admission would come after `max_wait`.
async fn wait(
    mut check: impl FnMut() -> Decision,
    max_wait: Duration,
) -> Result<Decision, Decision> {
    let deadline = tokio::time::Instant::now() + max_wait;
    loop {
        let d = check();
        if d.allowed() {
            return Ok(d);
        }
        let Some(retry) = d.retry_after() else {
            return Err(d);
        };
        let wake = tokio::time::Instant::now() + retry;
        if wake > deadline {
            return Err(d);
        }
        tokio::time::sleep_until(wake).await;
    }
}

impl<A: Algorithm, C: Clock> DirectLimiter<A, C> {
    /// Waits until `cost` units are admitted, at most `max_wait`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ratelimit_core::{DirectLimiter, Gcra, Quota};
    /// use ratelimit_core::wait::TokioClock;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let lim = DirectLimiter::builder(Gcra::new(Quota::per_second(10)?)).clock(TokioClock::new()).build();
    /// assert!(lim.check_n(10).allowed());
    /// let start = tokio::time::Instant::now();
    /// assert!(lim.until_ready(2, Duration::from_secs(1)).await.is_ok());
    /// assert_eq!(start.elapsed(), Duration::from_millis(200));
    /// assert!(lim.until_ready(5, Duration::from_millis(100)).await.is_err()); // would take 500 ms
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The last denial, when the cost is too big or admission would take longer than `max_wait`.
    pub async fn until_ready(&self, cost: u64, max_wait: Duration) -> Result<Decision, Decision> {
        wait(|| self.check_n(cost), max_wait).await
    }
}

impl<K: Hash + Eq + Clone, A: Algorithm, C: Clock, H: BuildHasher + Clone>
    KeyedLimiter<K, A, C, H>
{
    /// Waits until `cost` units for `key` are admitted, at most `max_wait`.
    ///
    /// # Errors
    ///
    /// The last denial, when the cost is too big or admission would take longer than `max_wait`.
    pub async fn until_ready(
        &self,
        key: &K,
        cost: u64,
        max_wait: Duration,
    ) -> Result<Decision, Decision> {
        wait(|| self.check_n(key, cost), max_wait).await
    }
}
