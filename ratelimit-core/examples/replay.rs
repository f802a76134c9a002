//! Replays a request trace against one limit per key and prints a decision per request.
//!
//! ```text
//! cargo run -p ratelimit-core --example replay -- --algorithm A --limit N --period DUR [--burst B] < trace
//! ```
//!
//! The trace on stdin has one request per line, `<t_ms> <key> [cost]`, times non-decreasing;
//! the output has one line per request, `allow` or `deny`. Exit status 2 with one line on
//! stderr for bad usage or input (nothing is printed on stdout then).

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use ratelimit_core::trace::{parse_duration, read_trace};
use ratelimit_core::{AnyAlgorithm, KeyedBuilder, ManualClock, Quota};

const USAGE: &str = "usage: replay --algorithm A --limit N --period DUR [--burst B] < TRACE";

struct Args {
    algorithm: String,
    limit: u64,
    period: std::time::Duration,
    burst: Option<u64>,
}

fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut algorithm = None;
    let mut limit = None;
    let mut period = None;
    let mut burst = None;
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value; {USAGE}"))
        };
        match flag.as_str() {
            "--algorithm" => algorithm = Some(value("--algorithm")?),
            "--limit" => {
                let v = value("--limit")?;
                limit = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("--limit: expected a positive integer, got {v:?}"))?,
                );
            }
            "--period" => {
                let v = value("--period")?;
                period = Some(parse_duration(&v).map_err(|e| format!("--period: {e}"))?);
            }
            "--burst" => {
                let v = value("--burst")?;
                burst = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("--burst: expected a positive integer, got {v:?}"))?,
                );
            }
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(Args {
        algorithm: algorithm.ok_or_else(|| format!("missing --algorithm; {USAGE}"))?,
        limit: limit.ok_or_else(|| format!("missing --limit; {USAGE}"))?,
        period: period.ok_or_else(|| format!("missing --period; {USAGE}"))?,
        burst,
    })
}

fn run() -> Result<(), String> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = parse_args(&argv)?;
    let mut quota = Quota::builder(args.limit, args.period);
    if let Some(b) = args.burst {
        quota = quota.burst(b);
    }
    let quota = quota.build().map_err(|e| e.to_string())?;
    let alg =
        AnyAlgorithm::from_name(&args.algorithm, quota).map_err(|e| format!("--algorithm: {e}"))?;
    let trace = read_trace("<stdin>", io::stdin().lock()).map_err(|e| e.to_string())?;
    let limiter = KeyedBuilder::new(alg)
        .clock(ManualClock::new(0))
        .build::<String>()
        .map_err(|e| e.to_string())?;
    let mut out = BufWriter::new(io::stdout().lock());
    for req in &trace {
        let d = limiter.check_at(&req.key, req.t_ns(), req.cost);
        writeln!(out, "{}", if d.allowed() { "allow" } else { "deny" })
            .map_err(|e| format!("cannot write stdout: {e}"))?;
    }
    out.flush().map_err(|e| format!("cannot write stdout: {e}"))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("replay: {msg}");
            ExitCode::from(2)
        }
    }
}
