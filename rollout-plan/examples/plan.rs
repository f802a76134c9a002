//! `plan [--format text|json|mermaid|svg] ROLLOUT.yaml`: the expanded plan of an Argo Rollout (with
//! its AnalysisTemplates if they are in the same file), after validating it.
//!
//! Exit status: 0 plan printed and no error-level findings; 1 error-level findings (printed on
//! stderr, the plan is still printed when it can be computed); 2 bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use rollout_plan::{Severity, parse_file, plan, validate, validate::Options};

enum Format {
    Text,
    Json,
    Mermaid,
    Svg,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("plan: {msg} (usage: plan [--format text|json|mermaid|svg] ROLLOUT.yaml)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut format = Format::Text;
    let mut path: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => match args.next().as_deref() {
                Some("text") => format = Format::Text,
                Some("json") => format = Format::Json,
                Some("mermaid") => format = Format::Mermaid,
                Some("svg") => format = Format::Svg,
                Some(other) => return usage(&format!("unknown format {other:?}")),
                None => return usage("--format needs a value"),
            },
            "-h" | "--help" => {
                println!("usage: plan [--format text|json|mermaid|svg] ROLLOUT.yaml");
                return ExitCode::SUCCESS;
            }
            other if other.starts_with('-') => return usage(&format!("unknown option {other:?}")),
            other => {
                if path.is_some() {
                    return usage("exactly one file expected");
                }
                path = Some(PathBuf::from(other));
            }
        }
    }
    let Some(path) = path else {
        return usage("missing ROLLOUT.yaml");
    };
    let manifest = match parse_file(&path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("plan: {e}");
            return ExitCode::from(2);
        }
    };
    if manifest.rollouts.is_empty() {
        eprintln!("plan: {}: no Rollout found", path.display());
        return ExitCode::from(2);
    }
    let diagnostics = validate(&manifest, &Options::new());
    for d in &diagnostics {
        eprintln!("{d}");
    }
    let mut failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let mut plans = Vec::new();
    for r in &manifest.rollouts {
        match plan(r, &manifest.templates) {
            Ok(p) => plans.push(p),
            Err(e) => {
                eprintln!("plan: {e}");
                failed = true;
            }
        }
    }
    match format {
        Format::Json => {
            let value = if plans.len() == 1 {
                plans
                    .first()
                    .map(rollout_plan::Plan::to_json)
                    .unwrap_or_default()
            } else {
                serde_json::Value::Array(plans.iter().map(rollout_plan::Plan::to_json).collect())
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Text => {
            for p in &plans {
                print!("{}", p.to_text());
            }
        }
        Format::Mermaid => {
            for p in &plans {
                print!("{}", p.to_mermaid());
            }
        }
        Format::Svg => {
            for p in &plans {
                print!("{}", p.to_svg());
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
