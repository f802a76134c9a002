//! A deterministic generator of realistic rule files (shared by the bench and the
//! `gen_rules` example through `#[path]`).

use std::fmt::Write as _;

const SERVICES: &[&str] = &[
    "api", "web", "auth", "billing", "search", "checkout", "gateway", "worker",
];
const METRICS: &[&str] = &[
    "http_requests_total",
    "grpc_server_handled_total",
    "rpc_calls_total",
    "queue_messages_processed_total",
];
const HISTOGRAMS: &[&str] = &[
    "http_request_duration_seconds",
    "grpc_server_handling_seconds",
    "db_query_duration_seconds",
];
const GAUGES: &[&str] = &[
    "node_memory_MemAvailable_bytes",
    "process_resident_memory_bytes",
    "queue_depth",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
}

/// A rule file with `rules` rules (about 60% recording, 40% alerting) in groups of 20.
pub(crate) fn generate(rules: usize, seed: u64) -> String {
    let mut r = Rng(seed | 1);
    let mut out = String::with_capacity(rules * 320);
    out.push_str("groups:\n");
    let mut n = 0;
    let mut g = 0;
    while n < rules {
        let svc = r.pick(SERVICES);
        let _ = writeln!(
            out,
            "  - name: {svc}-{g}\n    interval: {}\n    rules:",
            r.pick(&["30s", "1m", "2m"])
        );
        for _ in 0..20 {
            if n >= rules {
                break;
            }
            let m = r.pick(METRICS);
            let h = r.pick(HISTOGRAMS);
            let w = r.pick(&["1m", "5m", "10m", "30m"]);
            if r.next() % 10 < 6 {
                let (name, expr) = match r.next() % 4 {
                    0 => (
                        format!("job:{m}:rate{w}_{n}"),
                        format!("sum by (job, instance) (rate({m}{{job=\"{svc}\"}}[{w}]))"),
                    ),
                    1 => (
                        format!("job:{h}:p99_{n}"),
                        format!(
                            "histogram_quantile(0.99, sum by (job, le) (rate({h}_bucket{{job=\"{svc}\"}}[{w}])))"
                        ),
                    ),
                    2 => (
                        format!("job:{m}:errors_ratio{w}_{n}"),
                        format!(
                            "sum by (job) (rate({m}{{job=\"{svc}\",code=~\"5..\"}}[{w}]))\n          /\n          sum by (job) (rate({m}{{job=\"{svc}\"}}[{w}]))"
                        ),
                    ),
                    _ => (
                        format!("instance:{}:avg_{n}", r.pick(GAUGES)),
                        format!(
                            "avg_over_time({}{{job=~\"{svc}|{svc}-canary\"}}[{w}])",
                            r.pick(GAUGES)
                        ),
                    ),
                };
                let _ = writeln!(
                    out,
                    "      - record: {name}\n        expr: |\n          {expr}"
                );
                if r.next().is_multiple_of(3) {
                    let _ = writeln!(out, "        labels:\n          team: {svc}");
                }
            } else {
                let (name, expr) = match r.next() % 3 {
                    0 => (
                        format!("{svc}HighErrorRate{n}"),
                        format!(
                            "sum by (job, instance) (rate({m}{{job=\"{svc}\",code=~\"5..\"}}[{w}]))\n          / sum by (job, instance) (rate({m}{{job=\"{svc}\"}}[{w}])) > 0.05"
                        ),
                    ),
                    1 => (
                        format!("{svc}HighLatency{n}"),
                        format!(
                            "histogram_quantile(0.99, sum by (job, instance, le) (rate({h}_bucket{{job=\"{svc}\"}}[{w}]))) > 0.5"
                        ),
                    ),
                    _ => (format!("{svc}Down{n}"), format!("up{{job=\"{svc}\"}} == 0")),
                };
                let _ = writeln!(
                    out,
                    "      - alert: {name}\n        expr: |\n          {expr}\n        for: {}\n        labels:\n          severity: {}\n          team: {svc}\n        annotations:\n          summary: \"{svc} on {{{{ $labels.instance }}}} is unhealthy\"\n          description: \"{{{{ $labels.job }}}} on {{{{ $labels.instance }}}}: value {{{{ $value | humanizePercentage }}}} for {w}\"\n          runbook_url: \"https://runbooks.example.com/{svc}/{name}\"",
                    r.pick(&["1m", "5m", "10m"]),
                    r.pick(&["critical", "warning", "info"])
                );
            }
            n += 1;
        }
        g += 1;
    }
    out
}
