//! Counters and histograms, rendered in the Prometheus text exposition format (0.0.4).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of `http_request_duration_seconds`.
const HTTP_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Upper bounds (seconds) of `ratelimit_decision_duration_seconds` (the alert's 5 ms among them).
const DECISION_BUCKETS: [f64; 14] = [
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25,
];

/// Every series' counters, one copy per stripe: a thread adds to its own stripe (Tokio's
/// workers each get one), so two workers recording at once never write the same cache line;
/// a read sums the stripes.
#[derive(Debug)]
struct Cells {
    /// `stripes.len()` is a power of two; each stripe is `len + PAD` counters.
    stripes: Box<[Box<[AtomicU64]>]>,
}

/// Counters after each stripe's last, so that two stripes' allocations never share a line.
const PAD: usize = 16;

/// The stripe of the calling thread (threads are numbered in the order they first record).
fn thread_stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local!(static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed));
    STRIPE.with(|s| *s)
}

impl Cells {
    fn new(len: usize) -> Cells {
        // Four per core: threads are numbered as they come, so a few besides the workers
        // (the main thread, blocking threads) rarely make two workers share a stripe.
        let n = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .saturating_mul(4)
            .next_power_of_two()
            .min(256);
        Cells {
            stripes: (0..n)
                .map(|_| (0..len + PAD).map(|_| AtomicU64::new(0)).collect())
                .collect(),
        }
    }

    #[inline]
    fn add(&self, i: usize, v: u64) {
        let s = thread_stripe() & (self.stripes.len() - 1);
        if let Some(c) = self.stripes.get(s).and_then(|s| s.get(i)) {
            c.fetch_add(v, Ordering::Relaxed);
        }
    }

    fn get(&self, i: usize) -> u64 {
        self.stripes
            .iter()
            .filter_map(|s| s.get(i))
            .fold(0u64, |a, c| a.wrapping_add(c.load(Ordering::Relaxed)))
    }
}

/// A histogram with fixed bounds: per-bucket counts (cumulated when rendered), then the sum
/// in ns, at `base` in the cells.
#[derive(Debug)]
struct Histogram {
    bounds: &'static [f64],
    /// `bounds` in nanoseconds (rounded to the nearest), compared without floating point.
    bounds_ns: Box<[u64]>,
    base: usize,
}

impl Histogram {
    /// Cells a histogram with `bounds` takes: one per bound, `+Inf`, the sum.
    const fn cells(bounds: &[f64]) -> usize {
        bounds.len() + 2
    }

    fn new(bounds: &'static [f64], base: usize) -> Histogram {
        Histogram {
            bounds,
            bounds_ns: bounds.iter().map(|b| (b * 1e9).round() as u64).collect(),
            base,
        }
    }

    fn observe(&self, cells: &Cells, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        // `le` bounds are inclusive; the bounds in ns are exact for the sub-ns-free values used.
        let i = self
            .bounds_ns
            .iter()
            .position(|&b| ns <= b)
            .unwrap_or(self.bounds_ns.len());
        cells.add(self.base + i, 1);
        cells.add(self.base + self.bounds.len() + 1, ns);
    }

    fn render(&self, cells: &Cells, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cum = 0u64;
        for i in 0..=self.bounds.len() {
            cum = cum.wrapping_add(cells.get(self.base + i));
            let le = self
                .bounds
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cum}");
        }
        let sum = cells.get(self.base + self.bounds.len() + 1) as f64 / 1e9;
        if labels.is_empty() {
            let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cum}");
        } else {
            let _ = writeln!(
                out,
                "{name}_sum{{{labels}}} {sum}\n{name}_count{{{labels}}} {cum}"
            );
        }
    }
}

/// Status codes 100..=599, one counter each.
const CODES: usize = 500;

#[derive(Debug)]
struct RouteMetrics {
    route: String,
    /// Cell of status code 100; the others follow.
    codes: usize,
    duration: Histogram,
}

/// The server's metrics. Routes and rules are fixed when the server starts, so every series
/// is a preallocated atomic counter (per thread, see [`Cells`]) and recording never locks.
#[derive(Debug)]
pub(crate) struct Metrics {
    cells: Cells,
    routes: Vec<RouteMetrics>,
    /// Per rule: its name and the cell of `allowed` (`denied` follows).
    decisions: Vec<(String, usize)>,
    decision_duration: Histogram,
    backend_errors: usize,
}

impl Metrics {
    /// Metrics for the route labels `routes` and the rule names `rules` (indexes are ids).
    pub(crate) fn new(routes: &[String], rules: &[String]) -> Metrics {
        let mut next = 0;
        let mut take = |n: usize| {
            next += n;
            next - n
        };
        let routes = routes
            .iter()
            .map(|r| RouteMetrics {
                route: r.clone(),
                codes: take(CODES),
                duration: Histogram::new(&HTTP_BUCKETS, take(Histogram::cells(&HTTP_BUCKETS))),
            })
            .collect();
        let decisions = rules.iter().map(|r| (r.clone(), take(2))).collect();
        let decision_duration =
            Histogram::new(&DECISION_BUCKETS, take(Histogram::cells(&DECISION_BUCKETS)));
        let backend_errors = take(1);
        Metrics {
            cells: Cells::new(next),
            routes,
            decisions,
            decision_duration,
            backend_errors,
        }
    }

    pub(crate) fn request(&self, route: usize, code: u16, took: Duration) {
        let Some(r) = self.routes.get(route) else {
            return;
        };
        if let Some(i) = usize::from(code).checked_sub(100).filter(|&i| i < CODES) {
            self.cells.add(r.codes + i, 1);
        }
        r.duration.observe(&self.cells, took);
    }

    pub(crate) fn decision(&self, rule: usize, allowed: bool, took: Duration) {
        if let Some((_, c)) = self.decisions.get(rule) {
            self.cells.add(c + usize::from(!allowed), 1);
        }
        self.decision_duration.observe(&self.cells, took);
    }

    pub(crate) fn backend_error(&self) {
        self.cells.add(self.backend_errors, 1);
    }

    /// The exposition text.
    pub(crate) fn render(&self) -> String {
        let cells = &self.cells;
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP http_requests_total HTTP requests by route and status code.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for r in &self.routes {
            let route = escape(&r.route);
            for i in 0..CODES {
                let n = cells.get(r.codes + i);
                let code = i + 100;
                // Codes seen, and 500 always: the error-ratio rules then read 0, not nothing,
                // while all is well, and the first 5xx is an increase `rate` sees.
                if n > 0 || code == 500 {
                    let _ = writeln!(
                        out,
                        "http_requests_total{{route=\"{route}\",code=\"{code}\"}} {n}"
                    );
                }
            }
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to answer an HTTP request, by route.\n",
        );
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for r in &self.routes {
            let labels = format!("route=\"{}\"", escape(&r.route));
            r.duration
                .render(cells, &mut out, "http_request_duration_seconds", &labels);
        }
        out.push_str(
            "# HELP ratelimit_decisions_total Rate-limit decisions by rule and outcome.\n",
        );
        out.push_str("# TYPE ratelimit_decisions_total counter\n");
        for (rule, c) in &self.decisions {
            let rule = escape(rule);
            for (k, outcome) in ["allowed", "denied"].iter().enumerate() {
                let _ = writeln!(
                    out,
                    "ratelimit_decisions_total{{rule=\"{rule}\",outcome=\"{outcome}\"}} {}",
                    cells.get(c + k)
                );
            }
        }
        out.push_str(
            "# HELP ratelimit_decision_duration_seconds Time to make one rate-limit decision.\n",
        );
        out.push_str("# TYPE ratelimit_decision_duration_seconds histogram\n");
        self.decision_duration
            .render(cells, &mut out, "ratelimit_decision_duration_seconds", "");
        out.push_str(
            "# HELP ratelimit_backend_errors_total Failed calls to the Redis backend (decisions and health pings).\n",
        );
        out.push_str("# TYPE ratelimit_backend_errors_total counter\n");
        let _ = writeln!(
            out,
            "ratelimit_backend_errors_total {}",
            cells.get(self.backend_errors)
        );
        out
    }
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads record into their own stripes; what is rendered is every thread's sum.
    #[test]
    fn counts_from_many_threads_add_up() {
        let m = Metrics::new(&["/a".to_string()], &["r".to_string()]);
        std::thread::scope(|s| {
            for t in 0..12u64 {
                let m = &m;
                s.spawn(move || {
                    for i in 0..1_000u64 {
                        m.request(0, 200, Duration::from_micros(100 + t));
                        m.decision(0, i % 4 != 0, Duration::from_nanos(20_000));
                    }
                    m.backend_error();
                });
            }
        });
        let t = m.render();
        assert!(
            t.contains("http_requests_total{route=\"/a\",code=\"200\"} 12000\n"),
            "{t}"
        );
        assert!(t.contains("http_request_duration_seconds_count{route=\"/a\"} 12000\n"));
        // 1,000 observations of each of 100..=111 µs.
        assert!(
            t.contains("http_request_duration_seconds_sum{route=\"/a\"} 1.266\n"),
            "{t}"
        );
        assert!(t.contains("ratelimit_decisions_total{rule=\"r\",outcome=\"allowed\"} 9000\n"));
        assert!(t.contains("ratelimit_decisions_total{rule=\"r\",outcome=\"denied\"} 3000\n"));
        assert!(t.contains("ratelimit_decision_duration_seconds_bucket{le=\"0.000025\"} 12000\n"));
        assert!(t.contains("ratelimit_decision_duration_seconds_bucket{le=\"0.00001\"} 0\n"));
        assert!(t.contains("ratelimit_backend_errors_total 12\n"));
    }

    #[test]
    fn renders_cumulative_buckets_and_counters() {
        let m = Metrics::new(&["/a".to_string()], &["r\"x".to_string()]);
        m.request(0, 200, Duration::from_micros(700));
        m.request(0, 429, Duration::from_secs(20));
        m.request(7, 200, Duration::ZERO); // unknown route: ignored
        m.decision(0, false, Duration::from_micros(30));
        m.backend_error();
        let t = m.render();
        assert!(t.contains("http_requests_total{route=\"/a\",code=\"200\"} 1\n"));
        assert!(t.contains("http_requests_total{route=\"/a\",code=\"429\"} 1\n"));
        assert!(t.contains("http_requests_total{route=\"/a\",code=\"500\"} 0\n"));
        assert!(!t.contains("code=\"404\""));
        assert!(t.contains("http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0005\"} 0\n"));
        assert!(t.contains("http_request_duration_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"));
        assert!(t.contains("http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 2\n"));
        assert!(t.contains("http_request_duration_seconds_count{route=\"/a\"} 2\n"));
        assert!(t.contains("http_request_duration_seconds_sum{route=\"/a\"} 20.0007\n"));
        assert!(t.contains("ratelimit_decisions_total{rule=\"r\\\"x\",outcome=\"denied\"} 1\n"));
        assert!(t.contains("ratelimit_decision_duration_seconds_bucket{le=\"0.00005\"} 1\n"));
        assert!(t.contains("ratelimit_decision_duration_seconds_count 1\n"));
        assert!(t.contains("ratelimit_backend_errors_total 1\n"));
    }
}
