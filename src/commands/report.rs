//! `bilateral report`: report.html (and results.xlsx) for an output folder
//! of `run`, `merge` or `sensitivity`.

use anyhow::Result;

use super::UsageError;
use crate::cli::ReportArgs;
use crate::output;

/// Runs `bilateral report`.
pub fn execute(args: &ReportArgs) -> Result<()> {
    if !args.dir.join("timeseries.csv").is_file()
        && !args.dir.join(output::export::SENSITIVITY.name).is_file()
    {
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
