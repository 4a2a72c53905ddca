//! sensitivity.csv: global sensitivity of every outcome metric to every
//! uncertain parameter, one index per row.
//!
//! Tidy: `lever, metric, parameter, index, value, ci_low, ci_high`. The
//! index is `S1` or `ST` (Sobol first-order and total) or `mu`, `mu_star`,
//! `sigma` (Morris); the interval is the bootstrap 95% percentile
//! interval. Parameters are named as in runs.csv (`us.hawkishness`); the
//! `noise` row is the model's own randomness (Sobol only). docs/ANALYSIS.md
//! describes the method.

use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::analysis::sobol::Estimate;

/// Column names, in order.
pub const HEADER: [&str; 7] = [
    "lever",
    "metric",
    "parameter",
    "index",
    "value",
    "ci_low",
    "ci_high",
];

/// One index of one parameter for one metric and lever.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Lever.
    pub lever: String,
    /// Outcome metric, as in runs.csv.
    pub metric: String,
    /// Parameter, as in runs.csv, or `noise`.
    pub parameter: String,
    /// `S1`, `ST`, `mu`, `mu_star` or `sigma`.
    pub index: &'static str,
    /// The estimate and its interval.
    pub estimate: Estimate,
}

/// Writes sensitivity.csv, the rows in the order given.
pub fn write(w: impl Write, rows: &[Row]) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(HEADER)?;
    for r in rows {
        let e = &r.estimate;
        out.write_record([
            r.lever.as_str(),
            &r.metric,
            &r.parameter,
            r.index,
            &fmt_num(e.value),
            &fmt_num(e.ci.map(|c| c.0)),
            &fmt_num(e.ci.map(|c| c.1)),
        ])?;
    }
    out.flush()
}
