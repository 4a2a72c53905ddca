//! `bilateral report`: report.html (and results.xlsx) for an output folder
//! of `run`, `merge`, `sensitivity`, `robust` or `discover`.

use anyhow::Result;

use super::UsageError;
use crate::cli::ReportArgs;
use crate::output;

/// Runs `bilateral report`.
pub fn execute(args: &ReportArgs) -> Result<()> {
    let has = |name: &str| args.dir.join(name).is_file();
    let analysis = [
        &output::export::SENSITIVITY,
        &output::export::ROBUST,
        &output::export::DISCOVERY,
    ];
    if !has("timeseries.csv") && !analysis.iter().any(|f| has(f.name)) {
        return Err(UsageError(format!(
            "{} holds no timeseries.csv: give the output folder of `bilateral run` (or of `bilateral sensitivity`, `robust` or `discover`)",
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
