//! `check [--format text|json] [--validate-only] [--dialect v2|v3] PATH...`
//!
//! Validate (as `promtool check rules` does) and lint Prometheus rule files and PrometheusRule
//! manifests. Directories are searched for `*.yml`/`*.yaml`. Exit status: 0 no error-level
//! findings, 1 error-level findings, 2 bad usage or unreadable input.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rules::{CheckOptions, Checker, Diagnostic, Dialect, Summary};

/// mimalloc: the checks allocate many small short-lived values on two threads, where it is
/// markedly faster than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The JSON document of DESIGN.md.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [Diagnostic],
    summary: Summary,
}

enum Format {
    Text,
    Json,
}

struct Args {
    format: Format,
    opts: CheckOptions,
    paths: Vec<PathBuf>,
}

const USAGE: &str = "usage: check [--format text|json] [--validate-only] [--dialect v2|v3] PATH...";

fn parse_args() -> Result<Args, String> {
    let mut format = Format::Text;
    let mut opts = CheckOptions::default();
    let mut paths = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--format" => {
                format = match it.next().as_deref() {
                    Some("text") => Format::Text,
                    Some("json") => Format::Json,
                    Some(other) => {
                        return Err(format!("--format: expected text or json, got {other:?}"));
                    }
                    None => return Err("--format needs text or json".to_string()),
                }
            }
            "--validate-only" => opts.validate_only = true,
            "--dialect" => {
                let v = it.next().ok_or("--dialect needs v2 or v3")?;
                opts.dialect = v.parse::<Dialect>().map_err(|e| e.to_string())?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => paths.push(PathBuf::from(a)),
        }
    }
    if paths.is_empty() {
        return Err("no PATH given".to_string());
    }
    Ok(Args {
        format,
        opts,
        paths,
    })
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            let is_yaml = e.extension().is_some_and(|x| x == "yml" || x == "yaml");
            if e.is_dir() || is_yaml {
                collect(&e, out)?;
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

fn render_text(
    diags: &[Diagnostic],
    sources: &HashMap<String, String>,
    w: &mut impl Write,
) -> std::io::Result<()> {
    // Lines of each file with findings, split once.
    let mut lines: HashMap<&str, Vec<&str>> = HashMap::new();
    for d in diags {
        writeln!(w, "{d}")?;
        if !lines.contains_key(d.file.as_str())
            && let Some(src) = sources.get(&d.file)
        {
            lines.insert(&d.file, src.lines().collect());
        }
        let line = lines
            .get(d.file.as_str())
            .and_then(|ls| ls.get(usize::try_from(d.line).unwrap_or(0).saturating_sub(1)))
            .copied();
        if let Some(line) = line {
            let num = d.line.to_string();
            let pad = " ".repeat(num.len());
            writeln!(w, " {num} | {line}")?;
            // Caret under the column (columns count characters; keep tabs as tabs).
            let lead: String = line
                .chars()
                .take(usize::try_from(d.column).unwrap_or(1).saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(w, " {pad} | {lead}^")?;
        }
    }
    let s = Summary::of(diags);
    writeln!(w, "{} error(s), {} warning(s)", s.errors, s.warnings)
}

fn run() -> Result<bool, String> {
    let args = parse_args()?;
    let mut files = Vec::new();
    for p in &args.paths {
        if !p.exists() {
            return Err(format!(
                "cannot read {}: no such file or directory",
                p.display()
            ));
        }
        collect(p, &mut files)?;
    }
    let mut checker = Checker::new(args.opts);
    let mut sources = HashMap::new();
    for f in &files {
        let src =
            std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let name = f.display().to_string();
        checker.add_source(&name, &src);
        sources.insert(name, src);
    }
    let diags = checker.finish();
    let summary = Summary::of(&diags);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let io = match args.format {
        Format::Json => {
            let doc = JsonReport {
                diagnostics: &diags,
                summary,
            };
            serde_json::to_writer(&mut w, &doc)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(w))
        }
        Format::Text => render_text(&diags, &sources, &mut w),
    };
    io.and_then(|()| w.flush())
        .map_err(|e| format!("cannot write output: {e}"))?;
    Ok(summary.errors > 0)
}

fn main() -> ExitCode {
    match run() {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(msg) => {
            eprintln!("check: {msg}");
            ExitCode::from(2)
        }
    }
}
