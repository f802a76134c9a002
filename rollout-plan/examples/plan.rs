//! `plan [--format text|json|mermaid|svg] ROLLOUT.yaml`: the expanded plan of an Argo Rollout
//! (with its AnalysisTemplates if they are in the same file), after validating it.
//!
//! Exit status: 0 plan printed and no error-level findings; 1 error-level findings (printed on
//! stderr; the plan is still printed when it can be computed); 2 bad usage or unreadable input.

use std::error::Error as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use rollout_plan::{Plan, Severity, parse_file, plan, validate, validate::Options};

enum Format {
    Text,
    Json,
    Mermaid,
    Svg,
}

const USAGE: &str = "usage: plan [--format text|json|mermaid|svg] ROLLOUT.yaml";

fn usage(msg: &str) -> ExitCode {
    eprintln!("plan: {msg} ({USAGE})");
    ExitCode::from(2)
}

/// Writes to stdout; a closed pipe (`plan ... | head`) is not worth a panic.
fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
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
                emit(&format!("{USAGE}\n"));
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
            match e.source() {
                Some(cause) => eprintln!("plan: {e}: {cause}"),
                None => eprintln!("plan: {e}"),
            }
            return ExitCode::from(2);
        }
    };
    let diagnostics = validate(&manifest, &Options::new());
    for d in &diagnostics {
        eprintln!("{d}");
    }
    let mut failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    if manifest.rollouts.is_empty() {
        eprintln!("plan: {}: no Rollout found", path.display());
        return ExitCode::from(if failed { 1 } else { 2 });
    }
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
    let output: String = match format {
        Format::Json => {
            let value = match plans.as_slice() {
                [one] => one.to_json(),
                many => serde_json::Value::Array(many.iter().map(Plan::to_json).collect()),
            };
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        Format::Text => plans.iter().map(Plan::to_text).collect(),
        Format::Mermaid => plans.iter().map(Plan::to_mermaid).collect(),
        Format::Svg => plans.iter().map(Plan::to_svg).collect(),
    };
    emit(&output);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
