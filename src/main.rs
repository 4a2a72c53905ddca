//! The `bilateral` binary: [`bilateral::commands::main`] with the
//! process's arguments and its exit code (0 success, 1 runtime failure, 2
//! usage or invalid scenario, 130 interrupted).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(bilateral::commands::main(std::env::args_os()))
}
