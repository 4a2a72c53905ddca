//! `bilateral validate`: parse and check scenario files, change nothing.

use anyhow::Result;

use crate::cli::ValidateArgs;
use crate::scenario::{ParamValue, Scenario};

/// Every file was checked; some had problems (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} scenario files have problems")]
pub struct ValidationFailed {
    /// Files with problems.
    pub failed: usize,
    /// Files checked.
    pub total: usize,
}

/// Runs `bilateral validate`.
pub fn execute(args: &ValidateArgs) -> Result<()> {
    let mut failed = 0;
    for path in &args.scenarios {
        match Scenario::load(path) {
            Ok(s) => {
                let uncertain = s
                    .baseline
                    .iter()
                    .filter(|v| matches!(v, ParamValue::Uncertain(_)))
                    .count();
                super::emit(&format!(
                    "ok: {} (scenario {}, {}, {}, {} to {})\n",
                    path.display(),
                    s.name,
                    crate::output::count(s.levers.len(), "lever"),
                    crate::output::count(uncertain, "uncertain parameter"),
                    crate::output::count(s.calendar.horizon_weeks, "week"),
                    s.calendar.month_ends.last().map_or("", |(d, _)| d.as_str()),
                ))?;
            }
            Err(e) => {
                failed += 1;
                eprint!("{e}");
            }
        }
    }
    if failed > 0 {
        return Err(ValidationFailed {
            failed,
            total: args.scenarios.len(),
        }
        .into());
    }
    Ok(())
}
