//! `kustomize DIR`: prints the built YAML stream, byte-identical to `kubectl kustomize DIR`.
//!
//! Exit status: 0 on success, 1 when the build fails (where kubectl fails), 2 on bad usage.

use std::io::Write as _;
use std::process::ExitCode;

use manifest_model::kustomize::Kustomizer;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: kustomize DIR");
        return ExitCode::from(2);
    };
    if dir.starts_with('-') {
        eprintln!("usage: kustomize DIR (no options are supported)");
        return ExitCode::from(2);
    }
    match run(dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(dir: &str) -> Result<(), Box<dyn std::error::Error>> {
    let build = Kustomizer::new().build(dir)?;
    for w in build.warnings() {
        eprintln!("{w}");
    }
    let mut out = std::io::stdout().lock();
    out.write_all(build.to_yaml().as_bytes())?;
    out.flush()?;
    Ok(())
}
