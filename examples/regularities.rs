//! Prints in what share of runs a scenario reproduces the record's regularities.
//!
//! cargo run --release --example regularities -- scenarios/us_mexico_2025-02.toml [RUNS]

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "scenarios/us_mexico_2025-02.toml".into()),
    );
    let runs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    // Counts do not depend on the thread count: use every core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let scenario = match bilateral::scenario::Scenario::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{e}");
            std::process::exit(2);
        }
    };
    match bilateral::engine::count_regularities(&scenario, runs, scenario.seed, threads) {
        Ok(list) => {
            for r in list {
                println!(
                    "{:4} {:5.1}%  ({} of {})  {}",
                    r.id,
                    100.0 * r.share(),
                    r.holds,
                    r.applicable,
                    r.description
                );
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
