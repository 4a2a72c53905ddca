//! `bilateral merge`: combines the partial results of sharded runs into the
//! outputs a single run would have written, byte for byte.
//!
//! Partials come from other machines and are untrusted input: every one is
//! checked on its own and against the others (`output::partial`), the
//! statistics merge with overflow checks, and the runs files are checked
//! row by row while they are copied. Nothing is renamed into the output
//! folder before every input has passed.

use std::path::PathBuf;

use anyhow::Result;

use super::UsageError;
use crate::cli::MergeArgs;
use crate::output::export::{self, RunTables};
use crate::output::folder::Transaction;
use crate::output::manifest::{Manifest, RunIdentity};
use crate::output::partial::{self, Partial};

/// Runs `bilateral merge`.
pub fn execute(args: &MergeArgs) -> Result<()> {
    super::check_out(&args.out)?;
    let mut parts: Vec<(PathBuf, Partial)> = args
        .partials
        .iter()
        .map(|p| Ok((p.clone(), partial::read(p).map_err(usage)?)))
        .collect::<Result<_>>()?;
    parts.sort_by_key(|(_, p)| p.shard);
    partial::check_set(&parts).map_err(usage)?;
    let (first_path, first) = &parts[0];
    let mut results = first.results.clone();
    for (path, p) in &parts[1..] {
        results
            .checked_merge(&p.results)
            .map_err(|e| UsageError(format!("{}: `results`: {e}", path.display())))?;
    }
    if results.runs != first.runs {
        return Err(UsageError(format!(
            "{}: the shards hold {} runs, not the {} of `runs`",
            first_path.display(),
            results.runs,
            first.runs
        ))
        .into());
    }
    let calendar = first.calendar().ok_or_else(|| {
        UsageError(format!(
            "{}: `start_date`/`horizon_months` have no calendar",
            first_path.display()
        ))
    })?;

    let mut folder = Transaction::folder(&args.out)?;
    // runs.csv: the shards' rows in shard order are the rows in run order.
    if first.runs_file.is_some() {
        let mut file = folder.stream(export::RUNS.name)?;
        partial::copy_runs(&parts, &mut file).map_err(usage)?;
        folder.add_streamed(file, true)?;
    }
    let mut manifest = Manifest::new(
        RunIdentity {
            scenario: first.scenario.clone(),
            scenario_path: first.scenario_path.clone(),
            scenario_sha256: first.scenario_sha256.clone(),
            seed: first.seed,
            runs: first.runs,
            levers: first.levers.clone(),
            start_date: first.start_date.clone(),
            horizon_months: first.horizon_months,
            horizon_weeks: calendar.horizon_weeks,
        },
        0,
        chrono::Utc::now(),
        0.0,
    );
    manifest.merged_shards = Some(first.shards);
    let tables = RunTables {
        scenario: &first.scenario,
        ids: &first.ids,
        calendar: &calendar,
        results: &results,
    };
    folder.export(&export::RUN_FILES, Some(tables), manifest)?;
    folder.commit()?;
    if !args.quiet {
        super::emit(&format!(
            "merged {} ({} x {}) -> {}\n",
            crate::output::count(first.shards, "shard"),
            crate::output::count(first.runs, "run"),
            crate::output::count(first.levers.len(), "lever"),
            args.out.display()
        ))?;
    }
    Ok(())
}

/// A bad partial is a problem with what the user gave (exit code 2).
fn usage(e: partial::PartialError) -> UsageError {
    UsageError(e.to_string())
}
