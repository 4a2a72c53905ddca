//! The `bilateral` binary: parse options, run one subcommand, map errors to
//! exit codes (0 success, 1 runtime failure, 2 usage or invalid scenario).

use std::process::ExitCode;

use bilateral::cli::{Cli, Command};
use bilateral::commands::{self, UsageError};
use bilateral::scenario::ScenarioError;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run::execute(args),
        Command::Validate(args) => commands::validate::execute(args),
        Command::Sweep(args) => commands::sweep::execute(args),
        Command::Bench(args) => commands::bench::execute(args),
        Command::Merge(args) => commands::merge::execute(args),
        Command::Trace(args) => commands::trace::execute(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
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
