//! The `backup` reference CLI (contract in DESIGN.md):
//!
//! ```text
//! backup --store URL [--endpoint URL] COMMAND ...
//!   create [--include GLOB]... [--exclude GLOB]... PATH...   prints the new backup's name
//!   list [--format text|json]                                newest first
//!   verify NAME [--deep]
//!   restore NAME DEST [--force]
//!   prune [--keep-last N] [--keep-within DUR] [--keep-daily N] [--keep-weekly N]
//!         [--keep-monthly N] [--keep-yearly N] [--dry-run]
//! ```
//!
//! Exit status: 0 success, 1 a failed check (verify found problems, restore refused the
//! archive), 2 bad usage or anything that could not be read or done.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use backup::{
    CalendarDuration, Error, FileSource, Progress, ProgressUpdate, Repository, RestoreOptions,
    RetentionPolicy, Source, StoreOptions,
};

enum Failure {
    /// Exit 1.
    Check(String),
    /// Exit 2.
    Usage(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if e.is_refused() {
            Failure::Check(text)
        } else {
            Failure::Usage(text)
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// A one-line progress display on a terminal.
struct Bar {
    enabled: bool,
}

impl Progress for Bar {
    fn update(&mut self, u: ProgressUpdate) {
        if self.enabled {
            eprint!(
                "\r{} files, {:.1} MiB   ",
                u.files_done,
                u.bytes_done as f64 / 1_048_576.0
            );
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if self.enabled {
            eprintln!();
        }
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(Failure::Check(m)) => {
            eprintln!("backup: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(m)) => {
            eprintln!("backup: {m}");
            ExitCode::from(2)
        }
    }
}

fn value(args: &mut std::vec::IntoIter<String>, flag: &str) -> Result<String, Failure> {
    args.next()
        .ok_or_else(|| usage(format!("{flag} needs a value")))
}

fn number(args: &mut std::vec::IntoIter<String>, flag: &str) -> Result<u32, Failure> {
    let v = value(args, flag)?;
    v.parse()
        .map_err(|_| usage(format!("{flag}: {v:?} is not a non-negative number")))
}

fn run(args: Vec<String>) -> Result<ExitCode, Failure> {
    let mut args = args.into_iter();
    let mut store = None;
    let mut options = StoreOptions::default();
    let command = loop {
        match args.next().as_deref() {
            Some("--store") => store = Some(value(&mut args, "--store")?),
            Some("--endpoint") => options = options.endpoint(value(&mut args, "--endpoint")?),
            Some(flag) if flag.starts_with("--") => {
                return Err(usage(format!("unknown option {flag}")));
            }
            Some(cmd) => break cmd.to_owned(),
            None => {
                return Err(usage(
                    "usage: backup --store URL COMMAND ... (create, list, verify, restore, prune)",
                ));
            }
        }
    };
    let store = store.ok_or_else(|| usage("--store URL is required"))?;
    let repo = Repository::from_boxed(backup::open_store(&store, &options)?);
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "create" => create(&repo, rest),
        "list" => list(&repo, rest),
        "verify" => verify(&repo, rest),
        "restore" => restore(&repo, rest),
        "prune" => prune(&repo, rest),
        other => Err(usage(format!("unknown command {other:?}"))),
    }
}

fn create(repo: &Repository, args: Vec<String>) -> Result<ExitCode, Failure> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let mut paths = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--include" => include.push(value(&mut args, "--include")?),
            "--exclude" => exclude.push(value(&mut args, "--exclude")?),
            flag if flag.starts_with("--") => {
                return Err(usage(format!("create: unknown option {flag}")));
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        return Err(usage("create needs at least one PATH"));
    }
    let sources: Vec<Source> = paths
        .into_iter()
        .map(|p| {
            let mut s = FileSource::new(p);
            for g in &include {
                s = s.include(g.clone());
            }
            for g in &exclude {
                s = s.exclude(g.clone());
            }
            s.into()
        })
        .collect();
    let mut bar = Bar {
        enabled: std::io::stderr().is_terminal(),
    };
    let manifest = repo.create(&sources, &mut bar)?;
    drop(bar);
    println!("{}", manifest.name);
    Ok(ExitCode::SUCCESS)
}

fn list(repo: &Repository, args: Vec<String>) -> Result<ExitCode, Failure> {
    let mut json = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => match value(&mut args, "--format")?.as_str() {
                "json" => json = true,
                "text" => json = false,
                other => return Err(usage(format!("--format: {other:?} is not text or json"))),
            },
            other => return Err(usage(format!("list: unexpected argument {other:?}"))),
        }
    }
    let backups = repo.list()?;
    if json {
        let items: Vec<serde_json::Value> = backups
            .iter()
            .map(|m| {
                serde_json::json!({
                    "name": m.name,
                    "created_at": m.created_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                    "size": m.archive.size,
                    "sha256": m.archive.sha256,
                    "files": m.files.len(),
                    "sources": m.sources,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(items));
    } else {
        for m in &backups {
            let sources: Vec<String> = m
                .sources
                .iter()
                .map(|s| match s {
                    backup::SourceRecord::Files { path, .. } => path.clone(),
                    backup::SourceRecord::Redis { address, .. } => format!("redis://{address}"),
                    backup::SourceRecord::Prometheus { url, .. } => url.clone(),
                    _ => "?".into(),
                })
                .collect();
            println!(
                "{}  {}  {:>12}  {}",
                m.name,
                m.created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                m.archive.size,
                sources.join(" ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(repo: &Repository, args: Vec<String>) -> Result<ExitCode, Failure> {
    let mut deep = false;
    let mut name = None;
    for arg in args {
        match arg.as_str() {
            "--deep" => deep = true,
            flag if flag.starts_with("--") => {
                return Err(usage(format!("verify: unknown option {flag}")));
            }
            _ if name.is_none() => name = Some(arg),
            _ => return Err(usage("verify takes one NAME")),
        }
    }
    let name = name.ok_or_else(|| usage("verify needs a NAME"))?;
    let report = repo.verify(&name, deep)?;
    println!("{report}");
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn restore(repo: &Repository, args: Vec<String>) -> Result<ExitCode, Failure> {
    let mut force = false;
    let mut positional = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--force" => force = true,
            flag if flag.starts_with("--") => {
                return Err(usage(format!("restore: unknown option {flag}")));
            }
            _ => positional.push(arg),
        }
    }
    let [name, dest] =
        <[String; 2]>::try_from(positional).map_err(|_| usage("restore needs NAME and DEST"))?;
    let mut bar = Bar {
        enabled: std::io::stderr().is_terminal(),
    };
    let summary = repo.restore(
        &name,
        dest.as_ref(),
        RestoreOptions::new().force(force),
        &mut bar,
    )?;
    drop(bar);
    println!(
        "restored {name} into {dest}: {} files, {} bytes, {} directories, {} links",
        summary.files, summary.bytes, summary.directories, summary.links
    );
    Ok(ExitCode::SUCCESS)
}

fn prune(repo: &Repository, args: Vec<String>) -> Result<ExitCode, Failure> {
    let mut policy = RetentionPolicy::new();
    let mut dry_run = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        policy = match arg.as_str() {
            "--keep-last" => policy.keep_last(number(&mut args, &arg)?),
            "--keep-daily" => policy.keep_daily(number(&mut args, &arg)?),
            "--keep-weekly" => policy.keep_weekly(number(&mut args, &arg)?),
            "--keep-monthly" => policy.keep_monthly(number(&mut args, &arg)?),
            "--keep-yearly" => policy.keep_yearly(number(&mut args, &arg)?),
            "--keep-within" => {
                let d: CalendarDuration = value(&mut args, &arg)?.parse()?;
                policy.keep_within(d)
            }
            "--dry-run" => {
                dry_run = true;
                policy
            }
            other => return Err(usage(format!("prune: unexpected argument {other:?}"))),
        };
    }
    let plan = repo.prune(&policy, dry_run)?;
    let remove = if dry_run { "would remove" } else { "removed" };
    for d in &plan.decisions {
        if d.keep {
            let reasons: Vec<String> = d.reasons.iter().map(|r| r.to_string()).collect();
            println!("keep {} ({})", d.name, reasons.join(", "));
        } else {
            println!("{remove} {}", d.name);
        }
    }
    for name in &plan.incomplete {
        println!("{remove} {name} (incomplete)");
    }
    Ok(ExitCode::SUCCESS)
}
