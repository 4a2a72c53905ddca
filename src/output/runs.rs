//! runs.csv: one row per run and lever, streamed in run order.

use crate::model::Pair;
use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::engine::RunRecord;
use crate::model::outcome::{METRICS, expand};

/// Streams run records to a CSV writer.
pub struct RunsWriter<W: Write> {
    out: csv::Writer<W>,
    levers: Vec<String>,
}

impl<W: Write> RunsWriter<W> {
    /// Writes the header: `run,lever,seed`, one column per reported
    /// parameter path, the metrics, then `rule_<name>_fired` per rule.
    pub fn new(
        w: W,
        ids: &Pair<String>,
        levers: Vec<String>,
        reported: &[String],
        rules: &[String],
    ) -> io::Result<Self> {
        let mut out = csv_writer(w);
        let mut header: Vec<String> = ["run", "lever", "seed"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        header.extend(reported.iter().cloned());
        header.extend(METRICS.iter().map(|m| expand(m.template, ids)));
        header.extend(rules.iter().map(|r| format!("rule_{r}_fired")));
        out.write_record(&header)?;
        Ok(RunsWriter { out, levers })
    }

    /// Writes one run.
    pub fn write(&mut self, r: &RunRecord) -> io::Result<()> {
        let mut row = Vec::with_capacity(3 + r.reported.len() + r.metrics.len());
        row.push(r.run.to_string());
        row.push(self.levers[r.lever].clone());
        row.push(seed_cell(r.seed));
        row.extend(r.reported.iter().map(|&x| fmt_num(Some(x))));
        row.extend(r.metrics.iter().map(|&x| fmt_num(Some(x))));
        row.extend(r.rules_fired.iter().map(u32::to_string));
        self.out.write_record(&row)?;
        Ok(())
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// A run seed as a cell: `0x` and 16 hex digits. A 64-bit seed has more
/// digits than a spreadsheet keeps in a number, and the `0x` prefix makes
/// every spreadsheet read it as text, exactly.
pub fn seed_cell(seed: u64) -> String {
    format!("0x{seed:016x}")
}
