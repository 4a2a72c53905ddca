//! robust.csv: robustness of every lever, one statistic per row.
//!
//! Tidy: `lever, criterion, statistic, value, ci_low, ci_high`. The
//! criterion is an objective as given (`trade_loss_usd_bn=min`) or the
//! satisficing requirement's text; docs/ANALYSIS.md lists the statistics.

use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::analysis::regret::{QUANTILES, RobustReport};

/// Column names, in order.
pub const HEADER: [&str; 6] = [
    "lever",
    "criterion",
    "statistic",
    "value",
    "ci_low",
    "ci_high",
];

/// Writes robust.csv: `levers` in report order, `objectives[o]` the
/// criterion name of objective `o`, `require` the requirement's text.
pub fn write(
    w: impl Write,
    report: &RobustReport,
    levers: &[String],
    objectives: &[String],
    require: Option<&str>,
) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(HEADER)?;
    let mut row = |lever: &str,
                   criterion: &str,
                   statistic: &str,
                   value: Option<f64>,
                   ci: Option<(f64, f64)>| {
        out.write_record([
            lever,
            criterion,
            statistic,
            &fmt_num(value),
            &fmt_num(ci.map(|c| c.0)),
            &fmt_num(ci.map(|c| c.1)),
        ])
    };
    for (o, criterion) in objectives.iter().enumerate() {
        for (l, lever) in levers.iter().enumerate() {
            let s = &report.objectives[o][l];
            row(lever, criterion, "n", Some(s.values.n() as f64), None)?;
            row(lever, criterion, "mean", s.values.mean(), s.values.ci95())?;
            for q in QUANTILES {
                let name = format!("p{:02}", (q * 100.0).round() as u32);
                row(lever, criterion, &name, s.values.quantile(q), None)?;
            }
            row(
                lever,
                criterion,
                "regret_n",
                Some(report.compared[o] as f64),
                None,
            )?;
            row(
                lever,
                criterion,
                "regret_mean",
                s.regret.mean(),
                s.regret.ci95(),
            )?;
            row(lever, criterion, "regret_p90", s.regret.quantile(0.9), None)?;
            row(lever, criterion, "regret_max", s.regret.max(), None)?;
            row(lever, criterion, "p_best", s.p_best, s.p_best_ci)?;
            row(
                lever,
                criterion,
                "rank_minimax_regret",
                Some(s.rank_minimax_regret as f64),
                None,
            )?;
        }
    }
    if let (Some(rows), Some(text)) = (&report.satisficing, require) {
        for (lever, s) in levers.iter().zip(rows) {
            row(
                lever,
                text,
                "runs_satisfied",
                Some(s.satisfied as f64),
                None,
            )?;
            row(lever, text, "satisficing_share", s.share, s.ci)?;
            row(lever, text, "rank_satisficing", Some(s.rank as f64), None)?;
        }
    }
    out.flush()
}
