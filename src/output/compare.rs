//! compare.csv: every lever against the reference lever, run by run.
//!
//! Run `i` of every lever shares its random numbers with run `i` of the
//! reference (common random numbers), so the differences are paired: the
//! interval is a 95% confidence interval of the mean paired difference.

use crate::model::Pair;
use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::engine::Results;
use crate::model::outcome::{METRICS, expand};

/// Column names, in order.
pub const HEADER: [&str; 13] = [
    "scenario",
    "lever",
    "baseline",
    "metric",
    "n",
    "mean_lever",
    "mean_baseline",
    "mean_delta",
    "sd_delta",
    "ci_low",
    "ci_high",
    "p_lever_greater",
    "p_lever_less",
];

/// Writes compare.csv.
pub fn write(
    w: impl Write,
    scenario: &str,
    ids: &Pair<String>,
    results: &Results,
) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(HEADER)?;
    let reference = &results.levers[results.reference].name;
    for (l, lever) in results.levers.iter().enumerate() {
        if l == results.reference {
            continue;
        }
        for (def, p) in METRICS.iter().zip(&lever.paired) {
            let ci = p.ci95();
            out.write_record([
                scenario.to_string(),
                lever.name.clone(),
                reference.clone(),
                expand(def.template, ids),
                p.n().to_string(),
                fmt_num(p.mean_lever()),
                fmt_num(p.mean_baseline()),
                fmt_num(p.mean_delta()),
                fmt_num(p.sd_delta()),
                fmt_num(ci.map(|c| c.0)),
                fmt_num(ci.map(|c| c.1)),
                fmt_num(p.p_greater()),
                fmt_num(p.p_less()),
            ])?;
        }
    }
    out.flush()
}
