//! timeseries.csv: one row per lever, month end and variable.

use crate::model::Pair;
use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::calendar::Calendar;
use crate::engine::Results;
use crate::model::outcome::{VARIABLES, expand};

/// Column names, in order.
pub const HEADER: [&str; 13] = [
    "scenario", "lever", "month", "date", "variable", "n", "mean", "sd", "p05", "p25", "p50",
    "p75", "p95",
];

/// Writes timeseries.csv.
pub fn write(
    w: impl Write,
    scenario: &str,
    ids: &Pair<String>,
    calendar: &Calendar,
    results: &Results,
) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(HEADER)?;
    let names: Vec<String> = VARIABLES.iter().map(|v| expand(v.template, ids)).collect();
    for lever in &results.levers {
        for (m, ((date, _), month)) in calendar.month_ends.iter().zip(&lever.months).enumerate() {
            for (name, s) in names.iter().zip(month) {
                let q = |p| fmt_num(s.quantile(p));
                out.write_record([
                    scenario.to_string(),
                    lever.name.clone(),
                    (m + 1).to_string(),
                    date.clone(),
                    name.clone(),
                    s.n().to_string(),
                    fmt_num(s.mean()),
                    fmt_num(s.sd()),
                    q(0.05),
                    q(0.25),
                    q(0.5),
                    q(0.75),
                    q(0.95),
                ])?;
            }
        }
    }
    out.flush()
}
