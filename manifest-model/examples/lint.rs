//! Parse, validate and lint Kubernetes manifests (files or directories).
//!
//! ```text
//! cargo run -p manifest-model --example lint -- [--format text|json] [--kube-version X.Y] PATH...
//! ```
//!
//! docker-compose files among the paths (a top-level `services` mapping and no `kind`) get
//! the compose checks, ECS task definitions (with `containerDefinitions`) the ECS checks.
//!
//! Exit status: 0 no error-level findings, 1 error-level findings, 2 bad usage or unreadable
//! input (one line on stderr). JSON output:
//! `{"diagnostics":[{"file","line","column","severity","code","message",...}],"summary":{"errors":N,"warnings":N}}`.

use std::path::PathBuf;
use std::process::ExitCode;

use manifest_model::compose::{check_compose, load_compose};
use manifest_model::ecs::{check_task_definition, load_task_definition};
use manifest_model::lint::{LintConfig, check_all};
use manifest_model::{KubeVersion, Summary, load_paths, manifest_files, sort_diagnostics};

const USAGE: &str = "usage: lint [--format text|json] [--kube-version X.Y] PATH...";

enum Format {
    Text,
    Json,
}

struct Args {
    format: Format,
    kube_version: KubeVersion,
    paths: Vec<PathBuf>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut format = Format::Text;
    let mut kube_version = KubeVersion::enabled();
    let mut paths = Vec::new();
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (a.clone(), None),
        };
        match flag.as_str() {
            "--format" | "--kube-version" => {
                let value = match inline {
                    Some(v) => v,
                    None => args
                        .next()
                        .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))?,
                };
                if flag == "--format" {
                    format = match value.as_str() {
                        "text" => Format::Text,
                        "json" => Format::Json,
                        other => return Err(format!("unknown format {other:?}; {USAGE}")),
                    };
                } else {
                    kube_version = value.parse().map_err(|e| format!("{e}; {USAGE}"))?;
                }
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            "--" => paths.extend(args.by_ref().map(PathBuf::from)),
            f if f.starts_with('-') && f.len() > 1 => {
                return Err(format!("unknown option {f}; {USAGE}"));
            }
            _ => paths.push(PathBuf::from(a)),
        }
    }
    if paths.is_empty() {
        return Err(format!("no PATH given; {USAGE}"));
    }
    Ok(Args {
        format,
        kube_version,
        paths,
    })
}

fn run() -> Result<bool, String> {
    let args = parse_args(std::env::args().skip(1))?;
    let loaded = load_paths(&args.paths).map_err(|e| {
        let source = std::error::Error::source(&e).map_or_else(String::new, |s| format!(": {s}"));
        format!("{e}{source}")
    })?;
    let mut diagnostics = check_all(&loaded, args.kube_version, &LintConfig::default());
    // docker-compose files in the same paths get the compose checks instead of being skipped.
    let mut compose_files = Vec::new();
    for path in &args.paths {
        for file in manifest_files(path).map_err(|e| e.to_string())? {
            let src =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            if let Ok((compose, structural)) = load_compose(&src, &file)
                && !compose.services.is_empty()
                && compose.node.get("kind").is_none()
            {
                diagnostics.extend(structural);
                diagnostics.extend(check_compose(&compose));
                compose_files.push(file);
            } else if src.contains("containerDefinitions") {
                match load_task_definition(&src, &file) {
                    Ok((td, structural)) => {
                        diagnostics.extend(structural);
                        diagnostics.extend(check_task_definition(&td));
                    }
                    Err(e) => diagnostics.push(
                        manifest_model::Diagnostic::new(
                            manifest_model::Severity::Error,
                            "ecs/invalid",
                            e.to_string(),
                        )
                        .at(&file, 1, 1),
                    ),
                }
                compose_files.push(file);
            }
        }
    }
    diagnostics.retain(|d| d.code != "k8s/not-a-manifest" || !compose_files.contains(&d.file));
    sort_diagnostics(&mut diagnostics);
    let summary = Summary::of(&diagnostics);
    match args.format {
        Format::Text => {
            for d in &diagnostics {
                println!("{d}");
            }
            println!(
                "{} objects, {} errors, {} warnings",
                loaded.objects.len(),
                summary.errors,
                summary.warnings
            );
        }
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Output<'a> {
                diagnostics: &'a [manifest_model::Diagnostic],
                summary: Summary,
            }
            let out = serde_json::to_string(&Output {
                diagnostics: &diagnostics,
                summary,
            })
            .map_err(|e| e.to_string())?;
            println!("{out}");
        }
    }
    Ok(summary.errors == 0)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("lint: {message}");
            ExitCode::from(2)
        }
    }
}
