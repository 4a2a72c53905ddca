//! `bilateral report`: report.html (and results.xlsx) for an output folder
//! of `run`, `merge` or `sensitivity`.

use anyhow::Result;

use super::UsageError;
use crate::cli::ReportArgs;
use crate::output;

/// Runs `bilateral report`.
pub fn execute(args: &ReportArgs) -> Result<()> {
    let has = |name: &str| args.dir.join(name).is_file();
    if !has("timeseries.csv") && !has(output::export::SENSITIVITY.name) {
        // A robust or discover folder: its table goes into a workbook, it
        // has no charts of its own.
        if args.xlsx && (has(output::export::ROBUST.name) || has(output::export::DISCOVERY.name)) {
            output::xlsx::write(&args.dir)?;
            return Ok(super::emit(&format!(
                "workbook -> {}\n",
                args.dir.join("results.xlsx").display()
            ))?);
        }
        return Err(UsageError(format!(
            "{} holds no timeseries.csv: give the output folder of `bilateral run` (or of `bilateral sensitivity`)",
            args.dir.display()
        ))
        .into());
    }
    output::report::write(&args.dir)?;
    let mut text = format!("report -> {}\n", args.dir.join("report.html").display());
    if args.xlsx {
        output::xlsx::write(&args.dir)?;
        text += &format!("workbook -> {}\n", args.dir.join("results.xlsx").display());
    }
    super::emit(&text)?;
    Ok(())
}
