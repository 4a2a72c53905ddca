//! One module per subcommand.

pub mod bench;
pub mod calibrate;
pub mod discover;
pub mod merge;
pub mod report;
pub mod robust;
pub mod run;
pub mod score;
pub mod sensitivity;
pub mod sweep;
pub mod trace;
pub mod validate;
pub mod verify;

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::scenario::Scenario;

/// An error in what the user asked for (exit code 2), as opposed to a
/// failure while doing it (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Checks that `name` is a lever of `scenario`, suggesting the closest one.
pub fn check_lever(scenario: &Scenario, name: &str) -> Result<(), UsageError> {
    if scenario.lever(name).is_some() {
        return Ok(());
    }
    let names: Vec<&str> = scenario.levers.iter().map(|l| l.name.as_str()).collect();
    let hint = crate::scenario::suggest(name, &names)
        .map(|s| format!("did you mean `{s}`?"))
        .unwrap_or_else(|| format!("levers: {}", names.join(", ")));
    Err(UsageError(format!(
        "scenario {} has no lever `{name}`; {hint}",
        scenario.path.display()
    )))
}

/// Refuses a parameter given twice among `--param` options (`given` are
/// the options as typed, in the order of `ranges`): the second would
/// silently replace or fight the first.
pub fn check_distinct_params(
    ranges: &[crate::scenario::sweep::SweepRange],
    given: &[String],
) -> Result<(), UsageError> {
    for (j, r) in ranges.iter().enumerate() {
        if let Some(i) = ranges[..j].iter().position(|q| q.index == r.index) {
            return Err(UsageError(format!(
                "--param `{}` is given twice (`{}` and `{}`); give each parameter once",
                r.path,
                given.get(i).map_or("", String::as_str),
                given.get(j).map_or("", String::as_str)
            )));
        }
    }
    Ok(())
}

/// Refuses, before anything runs, an output folder `out` (`--out`, or the
/// default) that is an existing file or lies under one.
pub fn check_out(out: &std::path::Path) -> Result<(), UsageError> {
    let Some(file) = crate::output::folder::file_in_the_way(out) else {
        return Ok(());
    };
    let what = if file == out {
        format!("--out {} is a file, not a folder", out.display())
    } else {
        format!(
            "--out {}: {} is a file, not a folder",
            out.display(),
            file.display()
        )
    };
    Err(UsageError(format!(
        "{what}; give a folder for the outputs (an existing one, or a new one to make)"
    )))
}

/// The memory a command may plan to hold unless `--max-memory` says
/// otherwise (8 GiB).
pub const DEFAULT_MAX_MEMORY_GIB: f64 = 8.0;

/// Refuses a plan whose estimated memory on `threads` threads is above
/// `max_gib` GiB, before anything runs, with the estimate and what
/// changes it.
pub fn check_memory(
    plan: &crate::engine::Plan,
    threads: usize,
    max_gib: f64,
) -> Result<(), UsageError> {
    let estimate = plan.memory_estimate(threads);
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    if gib(estimate.total()) <= max_gib {
        return Ok(());
    }
    Err(UsageError(format!(
        "this run would hold about {:.1} GiB ({:.1} GiB of statistics for {} levers x {} month ends, {:.1} GiB of runs in flight on {threads} threads), more than the {max_gib} GiB allowed; run fewer levers (--lever), fewer threads (--threads), a shorter horizon, or allow more with --max-memory GIB",
        gib(estimate.total()),
        gib(estimate.statistics),
        plan.levers.len(),
        plan.calendar.month_ends.len(),
        gib(estimate.in_flight),
    )))
}

/// Writes `text` to stdout. A closed pipe (`bilateral … | head`) is not an
/// error: the reader has what it wanted.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The most worker threads bilateral starts, whatever `--threads` says.
pub const MAX_THREADS: usize = 256;

/// The worker threads for `--threads`: the option (at most
/// [`MAX_THREADS`], with a note), or every core. The engine starts no more
/// than one per chunk of 64 runs.
pub fn threads(option: Option<usize>) -> Result<usize, UsageError> {
    match option {
        Some(0) => Err(UsageError("--threads must be at least 1".into())),
        Some(n) if n > MAX_THREADS => {
            eprintln!(
                "note: --threads {n} is more than bilateral uses: running on {MAX_THREADS} threads (and never more than one per 64 runs)"
            );
            Ok(MAX_THREADS)
        }
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// A progress bar on stderr (runs done, runs/s, ETA), hidden when stderr is
/// not a terminal or with `--quiet`.
pub fn progress(quiet: bool, total: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    // The rate is runs done over time elapsed, as the final line reports it
    // (indicatif's {per_sec} is a recent-window estimate with 4 decimals).
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {rate} runs/s  eta {eta}")
    {
        bar.set_style(style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let seconds = state.elapsed().as_secs_f64().max(1e-9);
                let _ = write!(w, "{:.0}", state.pos() as f64 / seconds);
            },
        ));
    }
    bar
}

/// The `bilateral` command: parses `argv` (the program name first), runs
/// one subcommand, prints errors, and returns the exit code (0 success, 1
/// runtime failure, 2 usage or invalid scenario, 130 interrupted). The
/// binary's `main` and the Python package's `bilateral` command both call
/// it. Installs the Ctrl-C handler: the engine finishes its current chunk
/// and stops, nothing is written under a final name; a second Ctrl-C exits
/// at once.
pub fn main<I, T>(argv: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use crate::cli::{Cli, Command};
    use crate::engine::{self, EngineError};
    use crate::scenario::ScenarioError;
    use clap::Parser;
    use std::sync::atomic::Ordering;

    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            // What `Cli::parse` does, without leaving the process: help and
            // version on stdout (exit 0), usage errors on stderr (exit 2).
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    let _ = ctrlc::set_handler(|| {
        if engine::INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let result = match &cli.command {
        Command::Run(args) => run::execute(args),
        Command::Validate(args) => validate::execute(args),
        Command::Sweep(args) => sweep::execute(args),
        Command::Bench(args) => bench::execute(args),
        Command::Merge(args) => merge::execute(args),
        Command::Score(args) => score::execute(args),
        Command::Calibrate(args) => calibrate::execute(args),
        Command::Report(args) => report::execute(args),
        Command::Trace(args) => trace::execute(args),
        Command::Robust(args) => robust::execute(args),
        Command::Discover(args) => discover::execute(args),
        Command::Sensitivity(args) => sensitivity::execute(args),
        Command::Verify(args) => verify::execute(args),
    };
    match result {
        Ok(()) => 0,
        Err(e)
            if matches!(
                e.downcast_ref::<EngineError>(),
                Some(EngineError::Interrupted)
            ) =>
        {
            eprintln!(
                "interrupted: no output file was written or changed; earlier outputs are as they were"
            );
            130
        }
        Err(e) => {
            let usage = e.downcast_ref::<ScenarioError>().is_some()
                || e.downcast_ref::<UsageError>().is_some()
                || e.downcast_ref::<validate::ValidationFailed>().is_some();
            if e.downcast_ref::<validate::ValidationFailed>().is_none() {
                eprintln!("error: {e:#}");
            }
            if usage { 2 } else { 1 }
        }
    }
}
