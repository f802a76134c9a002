//! `gen_rules [RULES] [SEED]`: print a realistic rule file (default 10,000 rules, seed 42) for
//! measuring `check` against `promtool check rules`.

use std::process::ExitCode;

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let rules = args.next().map_or(Ok(10_000), |a| a.parse::<usize>());
    let seed = args.next().map_or(Ok(42), |a| a.parse::<u64>());
    match (rules, seed) {
        (Ok(rules), Ok(seed)) => {
            print!("{}", corpus::generate(rules, seed));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("gen_rules: usage: gen_rules [RULES] [SEED]");
            ExitCode::from(2)
        }
    }
}
