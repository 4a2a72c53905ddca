//! decision.csv: one row per lever, the headline metrics as columns (mean and
//! paired difference from the reference lever), ready for a briefing table.

use crate::model::Pair;
use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::engine::Results;
use crate::model::outcome::{METRICS, expand};

/// The headline metrics, in column order.
pub const HEADLINE: [&str; 8] = [
    "{a}_tariff_pct_end",
    "extraditions_total",
    "agreement_signed",
    "{b}_retaliated",
    "{a}_strike_{b}",
    "{b}_approval_pct_end",
    "trade_loss_usd_bn",
    "drug_flow_index_end",
];

/// Writes decision.csv: `scenario,lever,baseline`, then for each headline
/// metric `<metric>_mean` and `<metric>_delta` (0 for the reference).
pub fn write(
    w: impl Write,
    scenario: &str,
    ids: &Pair<String>,
    results: &Results,
) -> io::Result<()> {
    let mut out = csv_writer(w);
    let mut header = vec!["scenario".to_string(), "lever".into(), "baseline".into()];
    let mut columns = Vec::new();
    for t in HEADLINE {
        let name = expand(t, ids);
        header.push(format!("{name}_mean"));
        header.push(format!("{name}_delta"));
        columns.push(METRICS.iter().position(|m| m.template == t).unwrap_or(0));
    }
    out.write_record(&header)?;
    let reference = &results.levers[results.reference].name;
    for (l, lever) in results.levers.iter().enumerate() {
        let mut row = vec![scenario.to_string(), lever.name.clone(), reference.clone()];
        for &m in &columns {
            row.push(fmt_num(lever.metrics[m].mean()));
            let delta = if l == results.reference {
                Some(0.0)
            } else {
                lever.paired[m].mean_delta()
            };
            row.push(fmt_num(delta));
        }
        out.write_record(&row)?;
    }
    out.flush()
}
