//! `deploy-check [--format text|json|sarif] [DIR]`: check a deploy repository with every crate
//! of the workspace (see `examples::deploy_check`). Without DIR it checks the example
//! repository shipped in `examples/stack`.
//!
//! Exit status: 0 no error-level findings, 1 error-level findings, 2 bad usage or unreadable
//! input (one line on stderr).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use examples::deploy_check;

const USAGE: &str = "usage: deploy-check [--format text|json|sarif] [DIR]";

#[derive(Clone, Copy)]
enum Format {
    Text,
    Json,
    Sarif,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("deploy-check: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut format = Format::Text;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = if arg == "--format" {
            Some(
                args.next()
                    .ok_or_else(|| format!("--format needs a value; {USAGE}"))?,
            )
        } else {
            arg.strip_prefix("--format=").map(str::to_string)
        };
        if let Some(value) = value {
            format = match value.as_str() {
                "text" => Format::Text,
                "json" => Format::Json,
                "sarif" => Format::Sarif,
                other => return Err(format!("unknown format {other:?}; {USAGE}")),
            };
        } else if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        } else if arg.starts_with('-') {
            return Err(format!("unknown option {arg:?}; {USAGE}"));
        } else if dir.replace(PathBuf::from(&arg)).is_some() {
            return Err(format!("only one DIR may be given; {USAGE}"));
        }
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/stack")));
    let outcome = deploy_check::check(&dir).map_err(|e| e.to_string())?;
    let text = match format {
        Format::Text => outcome.to_text(),
        Format::Json => format!("{:#}\n", outcome.to_json()),
        Format::Sarif => format!(
            "{:#}\n",
            outcome
                .report
                .to_sarif("deploy-check", env!("CARGO_PKG_VERSION"))
        ),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`deploy-check | head`) is not an error worth a message.
    let _ = stdout.write_all(text.as_bytes());
    Ok(if outcome.report.summary().errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
