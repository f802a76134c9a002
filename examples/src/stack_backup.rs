//! `stack-backup`: back up the rate-limiter stack (its Redis dataset and its configuration
//! directory) with the [`backup`] crate, and list, verify, restore and prune the backups.
//!
//! ```text
//! stack-backup [--store URL] [--endpoint URL] COMMAND
//!   create  [--redis HOST:PORT] [--redis-password-env VAR] [--config DIR] [--no-redis]
//!   list    [--format text|json]
//!   verify  NAME [--deep]
//!   restore NAME DEST [--force]
//!   prune   [--keep-last N] [--keep-within DUR] [--keep-daily N] [--keep-weekly N]
//!           [--keep-monthly N] [--keep-yearly N] [--dry-run]
//! ```
//!
//! The store is a local directory by default (`./stack-backups`), or `s3://bucket/prefix`
//! with `--endpoint` for any S3-compatible server. A backup holds `dump.rdb` (the RDB
//! fetched over the replication protocol, so the server may be remote) and `config/` (the
//! deploy repository, `examples/stack` by default). The Redis password is read from the
//! environment variable named by `--redis-password-env`, never from the command line, so it
//! does not show in process listings.
//!
//! Exit status: 0 success, 1 a failed check (verify found problems, restore refused an
//! unsafe or damaged backup), 2 bad usage or an operational error (one line on stderr).

use std::io::Write;
use std::path::PathBuf;

use backup::{
    CalendarDuration, FileSource, NoProgress, RedisSource, Repository, RestoreOptions,
    RetentionPolicy, Source, SourceRecord, StoreOptions,
};
use time::format_description::well_known::Rfc3339;

/// How a run ended, as the exit status DESIGN.md gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A check failed (exit 1): the message says what.
    Check(String),
    /// Bad usage or an operational error (exit 2).
    Usage(String),
}

impl Failure {
    /// The process exit status for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Check(_) => 1,
            Failure::Usage(_) => 2,
        }
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        match self {
            Failure::Check(m) | Failure::Usage(m) => m,
        }
    }
}

impl From<backup::Error> for Failure {
    fn from(e: backup::Error) -> Self {
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

/// The program's usage line.
pub const USAGE: &str =
    "usage: stack-backup [--store URL] [--endpoint URL] create|list|verify|restore|prune ...";

/// Where `create` reads the configuration when `--config` is not given.
pub fn default_config_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/stack"))
}

/// Runs the program with `args` (without the program name), writing its output to `out`.
///
/// # Errors
///
/// A [`Failure`] whose [`Failure::exit_code`] is the process's exit status.
pub fn run(args: Vec<String>, out: &mut dyn Write) -> Result<(), Failure> {
    let mut args = Args(args.into_iter());
    let mut store = "stack-backups".to_string();
    let mut options = StoreOptions::default();
    let command = loop {
        match args.next().as_deref() {
            Some("--store") => store = args.value("--store")?,
            Some("--endpoint") => options = options.endpoint(args.value("--endpoint")?),
            Some("-h" | "--help") => {
                return writeln!(out, "{USAGE}").map_err(|e| usage(e.to_string()));
            }
            Some(flag) if flag.starts_with('-') => {
                return Err(usage(format!("unknown option {flag:?}; {USAGE}")));
            }
            Some(cmd) => break cmd.to_string(),
            None => return Err(usage(USAGE)),
        }
    };
    let repo = Repository::from_boxed(backup::open_store(&store, &options)?);
    let result = match command.as_str() {
        "create" => create(&repo, args, out),
        "list" => list(&repo, args, out),
        "verify" => verify(&repo, args, out),
        "restore" => restore(&repo, args, out),
        "prune" => prune(&repo, args, out),
        other => Err(usage(format!("unknown command {other:?}; {USAGE}"))),
    };
    out.flush().map_err(|e| usage(e.to_string()))?;
    result
}

struct Args(std::vec::IntoIter<String>);

impl Args {
    fn next(&mut self) -> Option<String> {
        self.0.next()
    }

    fn value(&mut self, flag: &str) -> Result<String, Failure> {
        self.0
            .next()
            .ok_or_else(|| usage(format!("{flag} needs a value")))
    }

    fn number(&mut self, flag: &str) -> Result<u32, Failure> {
        let v = self.value(flag)?;
        v.parse()
            .map_err(|_| usage(format!("{flag}: {v:?} is not a non-negative whole number")))
    }
}

fn io(e: std::io::Error) -> Failure {
    usage(format!("cannot write output: {e}"))
}

fn create(repo: &Repository, mut args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let mut redis = Some("127.0.0.1:6379".to_string());
    let mut password_env = None;
    let mut config = default_config_dir();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--redis" => redis = Some(args.value("--redis")?),
            "--no-redis" => redis = None,
            "--redis-password-env" => password_env = Some(args.value("--redis-password-env")?),
            "--config" => config = PathBuf::from(args.value("--config")?),
            other => return Err(usage(format!("create: unexpected argument {other:?}"))),
        }
    }
    if !config.is_dir() {
        return Err(usage(format!(
            "create: --config {} is not a directory",
            config.display()
        )));
    }
    let mut sources: Vec<Source> = Vec::new();
    if let Some(address) = redis {
        let mut source = RedisSource::new(address).archive_path("dump.rdb");
        if let Some(var) = password_env {
            let password = std::env::var(&var)
                .map_err(|_| usage(format!("create: environment variable {var} is not set")))?;
            source = source.auth(None, password);
        }
        sources.push(source.into());
    }
    sources.push(FileSource::new(&config).archive_path("config").into());
    let manifest = repo.create(&sources, &mut NoProgress)?;
    writeln!(out, "{}", manifest.name).map_err(io)
}

fn describe(source: &SourceRecord) -> String {
    match source {
        SourceRecord::Files { path, .. } => path.clone(),
        SourceRecord::Redis { address, .. } => format!("redis://{address}"),
        SourceRecord::Prometheus { url, .. } => url.clone(),
        _ => "unknown source".to_string(),
    }
}

fn list(repo: &Repository, mut args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let mut json = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => {
                json = match args.value("--format")?.as_str() {
                    "json" => true,
                    "text" => false,
                    other => return Err(usage(format!("--format: {other:?} is not text or json"))),
                }
            }
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
                    "created_at": m.created_at.format(&Rfc3339).unwrap_or_default(),
                    "size": m.archive.size,
                    "sha256": m.archive.sha256,
                    "files": m.files.len(),
                    "sources": m.sources.iter().map(describe).collect::<Vec<_>>(),
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::Value::Array(items)).map_err(io)
    } else {
        for m in &backups {
            let sources: Vec<String> = m.sources.iter().map(describe).collect();
            writeln!(
                out,
                "{}  {}  {:>12}  {}",
                m.name,
                m.created_at.format(&Rfc3339).unwrap_or_default(),
                m.archive.size,
                sources.join(" ")
            )
            .map_err(io)?;
        }
        Ok(())
    }
}

fn verify(repo: &Repository, mut args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let mut deep = false;
    let mut name = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--deep" => deep = true,
            flag if flag.starts_with('-') => {
                return Err(usage(format!("verify: unknown option {flag:?}")));
            }
            _ if name.is_none() => name = Some(arg),
            _ => return Err(usage("verify takes one NAME")),
        }
    }
    let name = name.ok_or_else(|| usage("verify needs a NAME"))?;
    let report = repo.verify(&name, deep)?;
    writeln!(out, "{report}").map_err(io)?;
    if report.is_ok() {
        Ok(())
    } else {
        Err(Failure::Check(format!("backup {name} failed verification")))
    }
}

fn restore(repo: &Repository, mut args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let mut force = false;
    let mut positional = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--force" => force = true,
            flag if flag.starts_with('-') => {
                return Err(usage(format!("restore: unknown option {flag:?}")));
            }
            _ => positional.push(arg),
        }
    }
    let [name, dest] =
        <[String; 2]>::try_from(positional).map_err(|_| usage("restore needs NAME and DEST"))?;
    let summary = repo.restore(
        &name,
        dest.as_ref(),
        RestoreOptions::new().force(force),
        &mut NoProgress,
    )?;
    writeln!(
        out,
        "restored {name} into {dest}: {} files, {} bytes; copy dump.rdb into a stopped redis-server's data directory to restore the dataset",
        summary.files, summary.bytes
    )
    .map_err(io)
}

fn prune(repo: &Repository, mut args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let mut policy = RetentionPolicy::new();
    let mut dry_run = false;
    while let Some(arg) = args.next() {
        policy = match arg.as_str() {
            "--keep-last" => policy.keep_last(args.number(&arg)?),
            "--keep-daily" => policy.keep_daily(args.number(&arg)?),
            "--keep-weekly" => policy.keep_weekly(args.number(&arg)?),
            "--keep-monthly" => policy.keep_monthly(args.number(&arg)?),
            "--keep-yearly" => policy.keep_yearly(args.number(&arg)?),
            "--keep-within" => {
                let d: CalendarDuration = args.value(&arg)?.parse()?;
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
            writeln!(out, "keep {}", d.name).map_err(io)?;
        } else {
            writeln!(out, "{remove} {}", d.name).map_err(io)?;
        }
    }
    for name in &plan.incomplete {
        writeln!(out, "{remove} {name} (incomplete)").map_err(io)?;
    }
    Ok(())
}
