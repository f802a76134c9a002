//! Async waiting on tokio's (paused) clock.

use std::sync::Arc;
use std::time::Duration;

use ratelimit_core::wait::TokioClock;
use ratelimit_core::{FixedWindow, KeyedBuilder, Quota, SlidingLog};

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn waits_exactly_the_retry_after() {
    let lim = KeyedBuilder::new(SlidingLog::new(Quota::per_second(2).unwrap()))
        .clock(TokioClock::new())
        .build::<u8>()
        .unwrap();
    let start = tokio::time::Instant::now();
    for _ in 0..6 {
        lim.until_ready(&1, 1, Duration::from_secs(5))
            .await
            .unwrap();
    }
    // 2 at 0 s, 2 at 1 s, 2 at 2 s.
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    let e = lim
        .until_ready(&1, 3, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(e.too_big());
    let e = lim
        .until_ready(&1, 1, Duration::from_millis(999))
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn concurrent_waiters_share_the_limit() {
    let lim = Arc::new(
        KeyedBuilder::new(FixedWindow::new(
            Quota::builder(3, Duration::from_millis(100))
                .build()
                .unwrap(),
        ))
        .clock(TokioClock::new())
        .build::<u8>()
        .unwrap(),
    );
    let start = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..9)
        .map(|_| {
            let lim = lim.clone();
            tokio::spawn(
                async move { lim.until_ready(&0, 1, Duration::from_secs(1)).await.is_ok() },
            )
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap());
    }
    assert_eq!(start.elapsed(), Duration::from_millis(200));
}
