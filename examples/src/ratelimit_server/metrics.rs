//! Counters and histograms, rendered in the Prometheus text exposition format (0.0.4).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// A histogram with fixed bounds: per-bucket counts (cumulated when rendered), sum in ns.
#[derive(Debug)]
struct Histogram {
    bounds: &'static [f64],
    /// `bounds` in nanoseconds (rounded to the nearest), compared without floating point.
    bounds_ns: Box<[u64]>,
    /// One per bound plus `+Inf`.
    counts: Box<[AtomicU64]>,
    sum_ns: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            bounds_ns: bounds.iter().map(|b| (b * 1e9).round() as u64).collect(),
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_ns: AtomicU64::new(0),
        }
    }

    fn observe(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        // `le` bounds are inclusive; the bounds in ns are exact for the sub-ns-free values used.
        let i = self
            .bounds_ns
            .iter()
            .position(|&b| ns <= b)
            .unwrap_or(self.bounds_ns.len());
        if let Some(c) = self.counts.get(i) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cum = 0u64;
        for (i, c) in self.counts.iter().enumerate() {
            cum += c.load(Ordering::Relaxed);
            let le = self
                .bounds
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cum}");
        }
        let sum = self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
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
    codes: Box<[AtomicU64]>,
    duration: Histogram,
}

/// The server's metrics. Routes and rules are fixed when the server starts, so every series
/// is a preallocated atomic and recording never locks.
#[derive(Debug)]
pub(crate) struct Metrics {
    routes: Vec<RouteMetrics>,
    /// Per rule: `[allowed, denied]`.
    decisions: Vec<(String, [AtomicU64; 2])>,
    decision_duration: Histogram,
    backend_errors: AtomicU64,
}

impl Metrics {
    /// Metrics for the route labels `routes` and the rule names `rules` (indexes are ids).
    pub(crate) fn new(routes: &[String], rules: &[String]) -> Metrics {
        Metrics {
            routes: routes
                .iter()
                .map(|r| RouteMetrics {
                    route: r.clone(),
                    codes: (0..CODES).map(|_| AtomicU64::new(0)).collect(),
                    duration: Histogram::new(&HTTP_BUCKETS),
                })
                .collect(),
            decisions: rules
                .iter()
                .map(|r| (r.clone(), [AtomicU64::new(0), AtomicU64::new(0)]))
                .collect(),
            decision_duration: Histogram::new(&DECISION_BUCKETS),
            backend_errors: AtomicU64::new(0),
        }
    }

    pub(crate) fn request(&self, route: usize, code: u16, took: Duration) {
        let Some(r) = self.routes.get(route) else {
            return;
        };
        if let Some(c) = usize::from(code)
            .checked_sub(100)
            .and_then(|i| r.codes.get(i))
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
        r.duration.observe(took);
    }

    pub(crate) fn decision(&self, rule: usize, allowed: bool, took: Duration) {
        if let Some((_, c)) = self.decisions.get(rule) {
            c[usize::from(!allowed)].fetch_add(1, Ordering::Relaxed);
        }
        self.decision_duration.observe(took);
    }

    pub(crate) fn backend_error(&self) {
        self.backend_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP http_requests_total HTTP requests by route and status code.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for r in &self.routes {
            let route = escape(&r.route);
            for (i, c) in r.codes.iter().enumerate() {
                let n = c.load(Ordering::Relaxed);
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
                .render(&mut out, "http_request_duration_seconds", &labels);
        }
        out.push_str(
            "# HELP ratelimit_decisions_total Rate-limit decisions by rule and outcome.\n",
        );
        out.push_str("# TYPE ratelimit_decisions_total counter\n");
        for (rule, c) in &self.decisions {
            let rule = escape(rule);
            for (outcome, n) in ["allowed", "denied"].iter().zip(c) {
                let _ = writeln!(
                    out,
                    "ratelimit_decisions_total{{rule=\"{rule}\",outcome=\"{outcome}\"}} {}",
                    n.load(Ordering::Relaxed)
                );
            }
        }
        out.push_str(
            "# HELP ratelimit_decision_duration_seconds Time to make one rate-limit decision.\n",
        );
        out.push_str("# TYPE ratelimit_decision_duration_seconds histogram\n");
        self.decision_duration
            .render(&mut out, "ratelimit_decision_duration_seconds", "");
        out.push_str(
            "# HELP ratelimit_backend_errors_total Failed calls to the Redis backend (decisions and health pings).\n",
        );
        out.push_str("# TYPE ratelimit_backend_errors_total counter\n");
        let _ = writeln!(
            out,
            "ratelimit_backend_errors_total {}",
            self.backend_errors.load(Ordering::Relaxed)
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
