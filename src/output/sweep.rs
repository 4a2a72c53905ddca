//! sweep.csv: one row per sweep point, lever and metric.

use crate::model::Pair;
use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::engine::Results;
use crate::model::outcome::{METRICS, expand};

/// Streams sweep points to CSV.
pub struct SweepWriter<W: Write> {
    out: csv::Writer<W>,
    scenario: String,
    ids: Pair<String>,
}

impl<W: Write> SweepWriter<W> {
    /// Writes the header: `scenario,point`, one column per swept parameter
    /// path, then `lever,metric,n,mean,sd,ci_low,ci_high,p05,p50,p95`.
    pub fn new(w: W, scenario: &str, ids: &Pair<String>, params: &[String]) -> io::Result<Self> {
        let mut out = csv_writer(w);
        let mut header = vec!["scenario".to_string(), "point".to_string()];
        header.extend(params.iter().cloned());
        header.extend(
            [
                "lever", "metric", "n", "mean", "sd", "ci_low", "ci_high", "p05", "p50", "p95",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        out.write_record(&header)?;
        Ok(SweepWriter {
            out,
            scenario: scenario.to_string(),
            ids: ids.clone(),
        })
    }

    /// Writes the rows of point `point` (0-based) with parameter `values`.
    pub fn write_point(
        &mut self,
        point: usize,
        values: &[f64],
        results: &Results,
    ) -> io::Result<()> {
        for lever in &results.levers {
            for (def, s) in METRICS.iter().zip(&lever.metrics) {
                let ci = s.ci95();
                let mut row = vec![self.scenario.clone(), point.to_string()];
                row.extend(values.iter().map(|&v| fmt_num(Some(v))));
                row.extend([
                    lever.name.clone(),
                    expand(def.template, &self.ids),
                    s.n().to_string(),
                    fmt_num(s.mean()),
                    fmt_num(s.sd()),
                    fmt_num(ci.map(|c| c.0)),
                    fmt_num(ci.map(|c| c.1)),
                    fmt_num(s.quantile(0.05)),
                    fmt_num(s.quantile(0.5)),
                    fmt_num(s.quantile(0.95)),
                ]);
                self.out.write_record(&row)?;
            }
        }
        Ok(())
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}
