//! Holding simulated distributions against observations: interval
//! coverage, PIT and CRPS per observation, and their totals.

use crate::model::Pair;
use std::io::{self, Write};
use std::path::Path;

use crate::calendar::Calendar;
use crate::engine::Results;
use crate::model::outcome::{VARIABLES, expand};
use crate::output::{csv_writer, fmt_num};
use crate::stats::Summary;

/// One observed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Month, `YYYY-MM`.
    pub date: String,
    /// Variable, named as in timeseries.csv.
    pub variable: String,
    /// Observed value.
    pub value: f64,
    /// Where it comes from.
    pub source: String,
    /// Its line in the observations file.
    pub line: usize,
}

/// The largest observations file read (64 MiB).
pub const MAX_OBSERVED_BYTES: u64 = 64 << 20;

/// The largest magnitude of an observed value: beyond any variable
/// bilateral simulates (percent, counts, US$ bn), and where CRPS stays a
/// number.
pub const MAX_OBSERVED_VALUE: f64 = 1e9;

/// Opens a CSV file and reads its header.
fn open_csv(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>), String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let header = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    Ok((reader, header))
}

/// Reads a whole file of at most `max` bytes.
fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{}: larger than {max} bytes, the most an observations file may be",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Reads an observations file (`date,variable,value,source`), at most
/// [`MAX_OBSERVED_BYTES`]: every value finite and within
/// ±[`MAX_OBSERVED_VALUE`], each month and variable observed once.
pub fn read_observed(path: &Path) -> Result<Vec<Observation>, String> {
    let bytes = read_bounded(path, MAX_OBSERVED_BYTES)?;
    parse_observed(path, &bytes)
}

/// Parses the bytes of an observations file read from `path` (see
/// [`read_observed`]).
pub fn parse_observed(path: &Path, bytes: &[u8]) -> Result<Vec<Observation>, String> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != ["date", "variable", "value", "source"] {
        return Err(format!(
            "{}: the header must be date,variable,value,source",
            path.display()
        ));
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let r = record.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let date = r.get(0).unwrap_or_default().to_string();
        let valid_date = date.len() == 7
            && date.as_bytes()[4] == b'-'
            && date[..4].parse::<u32>().is_ok()
            && date[5..]
                .parse::<u32>()
                .is_ok_and(|m| (1..=12).contains(&m));
        if !valid_date {
            return Err(format!(
                "{}:{line}: date `{date}` is not YYYY-MM",
                path.display()
            ));
        }
        let value: f64 = r
            .get(2)
            .unwrap_or_default()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| format!("{}:{line}: value is not a finite number", path.display()))?;
        if value.abs() > MAX_OBSERVED_VALUE {
            return Err(format!(
                "{}:{line}: value {} is outside ±{MAX_OBSERVED_VALUE:e}, beyond any variable bilateral simulates",
                path.display(),
                r.get(2).unwrap_or_default().trim()
            ));
        }
        let variable = r.get(1).unwrap_or_default().trim().to_string();
        if let Some(first) = out
            .iter()
            .find(|o: &&Observation| o.date == date && o.variable == variable)
        {
            let what = if first.value == value {
                "a duplicate of"
            } else {
                "contradicts"
            };
            return Err(format!(
                "{}:{line}: {variable} in {date} = {value} {what} line {} ({}); give each month and variable once",
                path.display(),
                first.line,
                first.value
            ));
        }
        out.push(Observation {
            date,
            variable,
            value,
            source: r.get(3).unwrap_or_default().to_string(),
            line,
        });
    }
    Ok(out)
}

/// Refuses an observation of a variable not among `names` (the variables
/// simulated), suggesting the closest.
pub fn check_variables(
    path: &Path,
    observed: &[Observation],
    names: &[String],
) -> Result<(), String> {
    let valid: Vec<&str> = names.iter().map(String::as_str).collect();
    for o in observed {
        if !valid.contains(&o.variable.as_str()) {
            let hint = crate::scenario::suggest(&o.variable, &valid).map_or_else(
                || format!("variables: {}", valid.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            return Err(format!(
                "{}:{}: unknown variable `{}`; {hint}",
                path.display(),
                o.line,
                o.variable
            ));
        }
    }
    Ok(())
}

/// The month-end variables of a scenario with actors `ids`, named as in
/// timeseries.csv.
pub fn variable_names(ids: &Pair<String>) -> Vec<String> {
    VARIABLES.iter().map(|v| expand(v.template, ids)).collect()
}

/// The score of one observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The observation.
    pub observation: Observation,
    /// Simulated quantiles p05, p25, p50, p75, p95.
    pub quantiles: [f64; 5],
    /// Inside [p25, p75].
    pub in_50: bool,
    /// Inside [p05, p95].
    pub in_90: bool,
    /// Percentile of the observation in the simulated distribution.
    pub pit: f64,
    /// Continuous ranked probability score (unit of the variable).
    pub crps: f64,
}

/// Totals over the scored observations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Totals {
    /// Observations scored.
    pub n: usize,
    /// Share inside the 50% interval.
    pub coverage_50: f64,
    /// Share inside the 90% interval.
    pub coverage_90: f64,
    /// Mean CRPS.
    pub mean_crps: f64,
}

/// Totals of `rows`.
pub fn totals(rows: &[Scored]) -> Totals {
    let n = rows.len().max(1) as f64;
    Totals {
        n: rows.len(),
        coverage_50: rows.iter().filter(|r| r.in_50).count() as f64 / n,
        coverage_90: rows.iter().filter(|r| r.in_90).count() as f64 / n,
        mean_crps: rows.iter().map(|r| r.crps).sum::<f64>() / n,
    }
}

fn interval_flags(q: &[f64; 5], y: f64) -> (bool, bool) {
    (q[1] <= y && y <= q[3], q[0] <= y && y <= q[4])
}

/// Scores observations against a run's accumulated distributions (exact:
/// PIT and CRPS from the full histograms) for lever `lever`. Observations
/// outside the calendar or of unknown variables are returned separately.
pub fn score_results(
    results: &Results,
    lever: usize,
    calendar: &Calendar,
    ids: &Pair<String>,
    observed: &[Observation],
) -> (Vec<Scored>, Vec<Observation>) {
    let names: Vec<String> = VARIABLES.iter().map(|v| expand(v.template, ids)).collect();
    let mut scored = Vec::new();
    let mut skipped = Vec::new();
    for o in observed {
        let month = calendar.month_ends.iter().position(|(d, _)| *d == o.date);
        let var = names.iter().position(|n| *n == o.variable);
        let summary: Option<&Summary> = month
            .zip(var)
            .map(|(m, v)| &results.levers[lever].months[m][v]);
        let Some(s) = summary.filter(|s| s.n() > 0) else {
            skipped.push(o.clone());
            continue;
        };
        let q = [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| s.quantile(p).unwrap_or(f64::NAN));
        let (in_50, in_90) = interval_flags(&q, o.value);
        scored.push(Scored {
            observation: o.clone(),
            quantiles: q,
            in_50,
            in_90,
            pit: s.pit(o.value).unwrap_or(f64::NAN),
            crps: s.crps(o.value).unwrap_or(f64::NAN),
        });
    }
    (scored, skipped)
}

/// The variables a timeseries.csv holds, in first-seen order.
pub fn timeseries_variables(path: &Path) -> Result<Vec<String>, String> {
    let (mut reader, header) = open_csv(path)?;
    let c = header
        .iter()
        .position(|h| h == "variable")
        .ok_or(format!("{}: no column variable", path.display()))?;
    let mut names: Vec<String> = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| format!("{}: {e}", path.display()))?;
        let v = r.get(c).unwrap_or_default();
        if !names.iter().any(|n| n == v) {
            names.push(v.to_string());
        }
    }
    Ok(names)
}

/// Scores observations against the quantiles of a timeseries.csv
/// (approximate: PIT interpolated between the quantiles, CRPS from the
/// quantile scores at 5%, 25%, 50%, 75% and 95%).
pub fn score_timeseries(
    path: &Path,
    lever: &str,
    observed: &[Observation],
) -> Result<(Vec<Scored>, Vec<Observation>), String> {
    let (mut reader, header) = open_csv(path)?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or(format!("{}: no column {name}", path.display()))
    };
    let (c_lever, c_date, c_var) = (col("lever")?, col("date")?, col("variable")?);
    let qcols = [
        col("p05")?,
        col("p25")?,
        col("p50")?,
        col("p75")?,
        col("p95")?,
    ];
    let mut rows = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| format!("{}: {e}", path.display()))?;
        if r.get(c_lever) == Some(lever) {
            let q = qcols.map(|c| {
                r.get(c)
                    .and_then(|x| x.parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            });
            rows.push((
                r.get(c_date).unwrap_or_default().to_string(),
                r.get(c_var).unwrap_or_default().to_string(),
                q,
            ));
        }
    }
    let levels = [0.05, 0.25, 0.5, 0.75, 0.95];
    let mut scored = Vec::new();
    let mut skipped = Vec::new();
    for o in observed {
        let Some((_, _, q)) = rows
            .iter()
            .find(|(d, v, q)| *d == o.date && *v == o.variable && q.iter().all(|x| x.is_finite()))
        else {
            skipped.push(o.clone());
            continue;
        };
        let y = o.value;
        let (in_50, in_90) = interval_flags(q, y);
        let pit = if y < q[0] {
            0.025
        } else if y > q[4] {
            0.975
        } else {
            let k = (0..4).find(|&k| y <= q[k + 1]).unwrap_or(3);
            if q[k + 1] > q[k] {
                levels[k] + (levels[k + 1] - levels[k]) * (y - q[k]) / (q[k + 1] - q[k])
            } else {
                (levels[k] + levels[k + 1]) / 2.0
            }
        };
        // CRPS = 2 ∫ QS_τ dτ, approximated by the mean quantile score.
        let crps = 2.0
            * q.iter()
                .zip(levels)
                .map(|(&qt, t)| ((if y < qt { 1.0 } else { 0.0 }) - t) * (qt - y))
                .sum::<f64>()
            / 5.0;
        scored.push(Scored {
            observation: o.clone(),
            quantiles: *q,
            in_50,
            in_90,
            pit,
            crps,
        });
    }
    Ok((scored, skipped))
}

/// Writes score.csv: one row per scored observation, then a `total` row
/// (its `observed` cell holds the number of observations, `in_50` and
/// `in_90` the coverage shares, `crps` the mean CRPS).
pub fn write(
    w: impl Write,
    scenario: &str,
    lever: &str,
    method: &str,
    rows: &[Scored],
) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record([
        "scenario", "lever", "date", "variable", "observed", "p05", "p25", "p50", "p75", "p95",
        "in_50", "in_90", "pit", "crps", "method",
    ])?;
    let b = |x: bool| if x { "1".to_string() } else { "0".to_string() };
    for r in rows {
        let mut row = vec![
            scenario.to_string(),
            lever.to_string(),
            r.observation.date.clone(),
            r.observation.variable.clone(),
            fmt_num(Some(r.observation.value)),
        ];
        row.extend(r.quantiles.iter().map(|&q| fmt_num(Some(q))));
        row.extend([
            b(r.in_50),
            b(r.in_90),
            fmt_num(Some(r.pit)),
            fmt_num(Some(r.crps)),
            method.to_string(),
        ]);
        out.write_record(&row)?;
    }
    let t = totals(rows);
    out.write_record([
        scenario.to_string(),
        lever.to_string(),
        "total".into(),
        "all".into(),
        t.n.to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        fmt_num(Some(t.coverage_50)),
        fmt_num(Some(t.coverage_90)),
        String::new(),
        fmt_num(Some(t.mean_crps)),
        method.to_string(),
    ])?;
    out.flush()
}
