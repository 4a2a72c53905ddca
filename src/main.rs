//! The `bilateral` binary: parse options, run one subcommand, map errors to
//! exit codes (0 success, 1 runtime failure, 2 usage or invalid scenario).

use std::process::ExitCode;

use bilateral::cli::{Cli, Command};
use bilateral::commands::{self, UsageError};
use bilateral::engine::{self, EngineError};
use bilateral::scenario::ScenarioError;
use clap::Parser;
use std::sync::atomic::Ordering;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C, SIGTERM (what `timeout`, Slurm's `scancel` and its time limit
    // send) and SIGHUP: the engine finishes its current chunk and stops;
    // nothing is written under a final name and the temp files go. A
    // second signal exits at once.
    let _ = ctrlc::set_handler(|| {
        if engine::INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let result = match &cli.command {
        Command::Run(args) => commands::run::execute(args),
        Command::Validate(args) => commands::validate::execute(args),
        Command::Sweep(args) => commands::sweep::execute(args),
        Command::Bench(args) => commands::bench::execute(args),
        Command::Merge(args) => commands::merge::execute(args),
        Command::Score(args) => commands::score::execute(args),
        Command::Calibrate(args) => commands::calibrate::execute(args),
        Command::Report(args) => commands::report::execute(args),
        Command::Trace(args) => commands::trace::execute(args),
        Command::Robust(args) => commands::robust::execute(args),
        Command::Discover(args) => commands::discover::execute(args),
        Command::Verify(args) => commands::verify::execute(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if matches!(
                e.downcast_ref::<EngineError>(),
                Some(EngineError::Interrupted)
            ) =>
        {
            eprintln!(
                "interrupted: no output file was written or changed; earlier outputs are as they were"
            );
            ExitCode::from(130)
        }
        Err(e) => {
            let usage = e.downcast_ref::<ScenarioError>().is_some()
                || e.downcast_ref::<UsageError>().is_some()
                || e.downcast_ref::<commands::validate::ValidationFailed>()
                    .is_some();
            if e.downcast_ref::<commands::validate::ValidationFailed>()
                .is_none()
            {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}
