//! `stack-backup`: back up the rate-limiter stack's Redis dataset and configuration, and list,
//! verify, restore and prune the backups. See `examples::stack_backup` for the commands.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdout = std::io::stdout().lock();
    match examples::stack_backup::run(args, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("stack-backup: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}
