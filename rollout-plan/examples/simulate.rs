//! `simulate [--format text|json] [--limit DURATION] ROLLOUT.yaml SCENARIO.yaml`: run a Rollout
//! offline against scripted metric values and operator actions (see `rollout_plan::sim::Scenario`;
//! an example scenario is `examples/data/guide-fails-at-25.yaml`).
//!
//! Exit status: 0 promoted; 1 aborted, stalled on a manual gate, or still running at the limit;
//! 2 bad usage or unreadable input.

use std::error::Error as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use rollout_plan::duration::{format_seconds, parse_millis};
use rollout_plan::parse_file;
use rollout_plan::sim::{Outcome, Scenario, simulate_scenario};

const USAGE: &str = "usage: simulate [--format text|json] [--limit 2h] ROLLOUT.yaml SCENARIO.yaml";

fn usage(msg: &str) -> ExitCode {
    eprintln!("simulate: {msg} ({USAGE})");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut json = false;
    let mut limit = 24 * 3_600_000;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => match args.next().as_deref() {
                Some("json") => json = true,
                Some("text") => json = false,
                _ => return usage("--format takes text or json"),
            },
            "--limit" => match args.next().as_deref().and_then(parse_millis) {
                Some(ms) if ms > 0 => limit = ms,
                _ => return usage("--limit takes a Go duration such as 2h"),
            },
            other if other.starts_with('-') => return usage(&format!("unknown option {other:?}")),
            other => files.push(PathBuf::from(other)),
        }
    }
    let [rollout_file, scenario_file] = files.as_slice() else {
        return usage("expected ROLLOUT.yaml and SCENARIO.yaml");
    };
    let manifest = match parse_file(rollout_file) {
        Ok(m) => m,
        Err(e) => {
            match e.source() {
                Some(cause) => eprintln!("simulate: {e}: {cause}"),
                None => eprintln!("simulate: {e}"),
            }
            return ExitCode::from(2);
        }
    };
    let Some(rollout) = manifest.rollouts.first() else {
        eprintln!("simulate: {}: no Rollout found", rollout_file.display());
        return ExitCode::from(2);
    };
    let scenario = match std::fs::read_to_string(scenario_file) {
        Ok(text) => match Scenario::from_yaml(&text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("simulate: {}: {e}", scenario_file.display());
                return ExitCode::from(2);
            }
        },
        Err(e) => {
            eprintln!("simulate: cannot read {}: {e}", scenario_file.display());
            return ExitCode::from(2);
        }
    };
    let sim = match simulate_scenario(rollout, &manifest.templates, &scenario, limit) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("simulate: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = String::new();
    if json {
        out = format!(
            "{}\n",
            serde_json::to_string_pretty(&sim).unwrap_or_default()
        );
    } else {
        for e in &sim.events {
            let v = serde_json::to_value(e).unwrap_or_default();
            let at = v["at"].as_i64().unwrap_or(0);
            let mut fields: Vec<String> = v
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| *k != "at" && *k != "event")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            fields.sort();
            out.push_str(&format!(
                "{:>9}  {:<18} {}\n",
                format_seconds(at / 1000),
                v["event"].as_str().unwrap_or(""),
                fields.join(" ")
            ));
        }
        out.push_str(&format!(
            "outcome: {}\n",
            serde_json::to_string(&sim.outcome).unwrap_or_default()
        ));
    }
    // A closed pipe (`simulate ... | head`) is not worth a panic.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    match sim.outcome {
        Outcome::Promoted { .. } => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}
