//! discovery.csv: PRIM's coverage–density trade-off curve, one row per box
//! and restricted parameter (one row with an empty parameter for a box that
//! restricts none, the first).

use std::io::{self, Write};

use super::{csv_writer, fmt_num};
use crate::analysis::prim::PrimBox;

/// Column names, in order.
pub const HEADER: [&str; 13] = [
    "box",
    "coverage",
    "density",
    "mass",
    "n",
    "k",
    "restricted",
    "parameter",
    "low",
    "high",
    "qp_low",
    "qp_high",
    "chosen",
];

/// Writes discovery.csv for `curve` over the parameters `names`; `chosen`
/// is the index of the chosen box.
pub fn write(w: impl Write, curve: &[PrimBox], names: &[String], chosen: usize) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(HEADER)?;
    for (i, b) in curve.iter().enumerate() {
        let head = [
            i.to_string(),
            fmt_num(Some(b.coverage)),
            fmt_num(Some(b.density)),
            fmt_num(Some(b.mass)),
            b.n.to_string(),
            b.k.to_string(),
            b.restricted.len().to_string(),
        ];
        let flag = if i == chosen { "1" } else { "0" }.to_string();
        if b.restricted.is_empty() {
            let mut row = head.to_vec();
            row.extend(["", "", "", "", ""].map(String::from));
            row.push(flag.clone());
            out.write_record(&row)?;
        }
        for &(j, qp_low, qp_high) in &b.restricted {
            let mut row = head.to_vec();
            row.extend([
                names[j].clone(),
                fmt_num(Some(b.limits[j].0)),
                fmt_num(Some(b.limits[j].1)),
                fmt_p(qp_low),
                fmt_p(qp_high),
                flag.clone(),
            ]);
            out.write_record(&row)?;
        }
    }
    out.flush()
}

/// A quasi-p-value: tiny ones matter by their order of magnitude, so they
/// keep three significant digits (`1.23e-31`) where `fmt_num` would print 0.
fn fmt_p(p: Option<f64>) -> String {
    match p {
        Some(p) if p.is_finite() && p > 0.0 && p < 1e-4 => format!("{p:.2e}"),
        other => fmt_num(other),
    }
}
