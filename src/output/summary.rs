//! summary.csv: one row per lever and outcome metric.

use crate::model::Pair;
use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::engine::Results;
use crate::model::outcome::{METRICS, expand};

/// Column names, in order.
pub const HEADER: [&str; 13] = [
    "scenario", "lever", "metric", "n", "mean", "sd", "min", "p05", "p25", "p50", "p75", "p95",
    "max",
];

/// Writes summary.csv.
pub fn write(
    w: impl Write,
    scenario: &str,
    ids: &Pair<String>,
    results: &Results,
) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(HEADER)?;
    for lever in &results.levers {
        for (def, s) in METRICS.iter().zip(&lever.metrics) {
            let q = |p| fmt_num(s.quantile(p));
            out.write_record([
                scenario.to_string(),
                lever.name.clone(),
                expand(def.template, ids),
                s.n().to_string(),
                fmt_num(s.mean()),
                fmt_num(s.sd()),
                fmt_num(s.min()),
                q(0.05),
                q(0.25),
                q(0.5),
                q(0.75),
                q(0.95),
                fmt_num(s.max()),
            ])?;
        }
    }
    out.flush()
}
