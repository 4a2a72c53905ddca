//! `bilateral calibrate`: searches named parameters to minimise the mean
//! CRPS of the baseline against observations, and writes a calibrated copy
//! of the scenario.
//!
//! The search is seeded and derivative-free: a Latin hypercube screen over
//! the ranges (half the budget), then Nelder–Mead from the best point in
//! coordinates scaled to [0, 1], clamped to the ranges. Every evaluation
//! runs the same runs with the same seed (common random numbers), so the
//! objective changes smoothly with the parameters rather than with luck.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::UsageError;
use crate::cli::CalibrateArgs;
use crate::engine::{self, Plan};
use crate::output::{self, csv_writer, fmt_num};
use crate::scenario::sweep::{SweepRange, SweepSpec};
use crate::scenario::{ParamValue, Scenario};
use crate::score::{self, Observation};

struct Objective<'a> {
    scenario: &'a Scenario,
    observed: &'a [Observation],
    ranges: &'a [SweepRange],
    runs: u64,
    seed: u64,
    threads: usize,
    log: Vec<(Vec<f64>, f64, f64, f64)>,
}

impl Objective<'_> {
    /// Mean CRPS (and 50% / 90% coverage) with the ranges' parameters at `x`
    /// (`None`: the scenario as written).
    fn eval(&mut self, x: Option<&[f64]>) -> Result<(f64, f64, f64)> {
        let mut s = self.scenario.clone();
        if let Some(values) = x {
            let baseline = &mut s.levers[0];
            for (r, &v) in self.ranges.iter().zip(values) {
                baseline.overrides.retain(|(i, _)| *i != r.index);
                baseline.overrides.push((r.index, ParamValue::Fixed(v)));
            }
        }
        let plan = Plan::new(&s, &["baseline".to_string()], self.runs, self.seed)
            .map_err(anyhow::Error::msg)?;
        let results = engine::run(&plan, self.threads, |_| Ok(()), |_| {})?;
        let (rows, _) = score::score_results(&results, 0, &s.calendar, &s.ids, self.observed);
        let t = score::totals(&rows);
        if let Some(values) = x {
            self.log
                .push((values.to_vec(), t.mean_crps, t.coverage_50, t.coverage_90));
        }
        Ok((t.mean_crps, t.coverage_50, t.coverage_90))
    }

    fn at_unit(&self, u: &[f64]) -> Vec<f64> {
        self.ranges
            .iter()
            .zip(u)
            .map(|(r, &z)| r.low + (r.high - r.low) * z.clamp(0.0, 1.0))
            .collect()
    }
}

/// Runs `bilateral calibrate`.
pub fn execute(args: &CalibrateArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let observed = score::read_observed(&args.observed).map_err(UsageError)?;
    let mut ranges = Vec::new();
    for p in &args.params {
        let (path, range) = p
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--param `{p}` is not PATH=LOW:HIGH")))?;
        // A calibration range is a sweep range with two grid points.
        ranges.push(
            scenario
                .sweep_range(path.trim(), &format!("{}:2", range.trim()))
                .map_err(UsageError)?,
        );
    }
    if ranges.is_empty() {
        return Err(UsageError("give at least one --param PATH=LOW:HIGH".into()).into());
    }
    if args.budget < 2 * ranges.len() as u32 + 2 {
        return Err(UsageError(format!(
            "--budget must be at least {}",
            2 * ranges.len() + 2
        ))
        .into());
    }
    let threads = super::threads(args.threads)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let mut obj = Objective {
        scenario: &scenario,
        observed: &observed,
        ranges: &ranges,
        runs: args.runs,
        seed,
        threads,
        log: Vec::new(),
    };
    let before = obj.eval(None)?;
    // The values as written are a candidate too (when fixed and inside the
    // ranges), so the result is never worse than the scenario as written.
    let current: Option<Vec<f64>> = ranges
        .iter()
        .map(|r| match scenario.baseline[r.index] {
            ParamValue::Fixed(x) if (r.low..=r.high).contains(&x) => Some(x),
            _ => None,
        })
        .collect();
    if let Some(x) = current {
        obj.eval(Some(&x))?;
    }

    // 1. Latin hypercube screen.
    let screen = args.budget / 2;
    let spec = SweepSpec {
        ranges: ranges.clone(),
        samples: Some(screen.max(2)),
        levers: vec![],
    };
    for point in spec.points(seed) {
        obj.eval(Some(&point))?;
    }
    // 2. Nelder–Mead from the best screened point, in unit coordinates.
    let best = obj
        .log
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|e| e.0.clone())
        .unwrap_or_default();
    let to_unit = |x: &[f64]| -> Vec<f64> {
        ranges
            .iter()
            .zip(x)
            .map(|(r, &v)| (v - r.low) / (r.high - r.low))
            .collect()
    };
    let remaining = args.budget.saturating_sub(obj.log.len() as u32);
    nelder_mead(&mut obj, to_unit(&best), remaining)?;

    let (values, crps, c50, c90) = obj
        .log
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .cloned()
        .context("no evaluation")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| super::run::default_out(&args.scenario));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    write_log(&out.join("calibration.csv"), &ranges, &obj.log)?;
    let target = args.write.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        out.join(format!("{stem}_calibrated.toml"))
    });
    let note = format!(
        "Calibrated by `bilateral calibrate` on {} ({} observations): {} evaluations ({} Latin hypercube, then Nelder-Mead), {} runs each, seed {}.\nMean CRPS {:.4} -> {:.4}; 50% interval coverage {:.0}% -> {:.0}%; 90% coverage {:.0}% -> {:.0}%.",
        args.observed.display(),
        observed.len(),
        obj.log.len(),
        screen,
        args.runs,
        seed,
        before.0,
        crps,
        100.0 * before.1,
        100.0 * c50,
        100.0 * before.2,
        100.0 * c90
    );
    write_calibrated(&args.scenario, &target, &ranges, &values, &note)?;
    let mut text = format!("{note}\n");
    for (r, v) in ranges.iter().zip(&values) {
        text += &format!(
            "  {} = {} (searched {} to {})\n",
            r.path,
            fmt_num(Some(*v)),
            r.low,
            r.high
        );
    }
    text += &format!(
        "calibrated scenario -> {}\nevaluations -> {}\n",
        target.display(),
        out.join("calibration.csv").display()
    );
    super::emit(&text)?;
    Ok(())
}

/// Nelder–Mead on the unit cube (points clamped), at most `budget` evaluations.
fn nelder_mead(obj: &mut Objective<'_>, start: Vec<f64>, budget: u32) -> Result<()> {
    let d = start.len();
    let mut used = 0u32;
    let f = |obj: &mut Objective<'_>, u: &[f64], used: &mut u32| -> Result<f64> {
        *used += 1;
        let x = obj.at_unit(u);
        Ok(obj.eval(Some(&x))?.0)
    };
    let clamp = |u: Vec<f64>| {
        u.into_iter()
            .map(|z| z.clamp(0.0, 1.0))
            .collect::<Vec<f64>>()
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::new();
    if budget < d as u32 + 1 {
        return Ok(());
    }
    let s0 = clamp(start.clone());
    let v0 = f(obj, &s0, &mut used)?;
    simplex.push((s0, v0));
    for k in 0..d {
        let mut p = start.clone();
        p[k] = if p[k] + 0.15 <= 1.0 {
            p[k] + 0.15
        } else {
            p[k] - 0.15
        };
        let p = clamp(p);
        let v = f(obj, &p, &mut used)?;
        simplex.push((p, v));
    }
    while used + 2 <= budget {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let centroid: Vec<f64> = (0..d)
            .map(|k| simplex[..d].iter().map(|p| p.0[k]).sum::<f64>() / d as f64)
            .collect();
        let worst = simplex[d].clone();
        let along = |t: f64| {
            clamp(
                (0..d)
                    .map(|k| centroid[k] + t * (worst.0[k] - centroid[k]))
                    .collect(),
            )
        };
        let reflected = along(-1.0);
        let fr = f(obj, &reflected, &mut used)?;
        if fr < simplex[0].1 {
            let expanded = along(-2.0);
            let fe = f(obj, &expanded, &mut used)?;
            simplex[d] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (reflected, fr);
        } else {
            let contracted = along(0.5);
            let fc = f(obj, &contracted, &mut used)?;
            if fc < worst.1 {
                simplex[d] = (contracted, fc);
            } else {
                // Shrink towards the best point.
                let best = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    if used >= budget {
                        break;
                    }
                    let q = clamp((0..d).map(|k| best[k] + 0.5 * (p.0[k] - best[k])).collect());
                    let v = f(obj, &q, &mut used)?;
                    *p = (q, v);
                }
            }
        }
    }
    Ok(())
}

fn write_log(path: &Path, ranges: &[SweepRange], log: &[(Vec<f64>, f64, f64, f64)]) -> Result<()> {
    output::write_atomic(path, |w| {
        let mut out = csv_writer(w);
        let mut header = vec!["evaluation".to_string()];
        header.extend(ranges.iter().map(|r| r.path.clone()));
        header.extend(["mean_crps", "coverage_50", "coverage_90"].map(String::from));
        out.write_record(&header)?;
        for (k, (x, crps, c50, c90)) in log.iter().enumerate() {
            let mut row = vec![(k + 1).to_string()];
            row.extend(x.iter().map(|v| fmt_num(Some(*v))));
            row.extend([
                fmt_num(Some(*crps)),
                fmt_num(Some(*c50)),
                fmt_num(Some(*c90)),
            ]);
            out.write_record(&row)?;
        }
        out.flush()
    })?;
    Ok(())
}

/// Writes a copy of the scenario file with the calibrated values, keeping
/// its layout and comments, and a comment block saying how they were found.
fn write_calibrated(
    source: &Path,
    target: &Path,
    ranges: &[SweepRange],
    values: &[f64],
    note: &str,
) -> Result<()> {
    let text = std::fs::read_to_string(source)
        .with_context(|| format!("cannot read {}", source.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .context("the scenario is no longer valid TOML")?;
    for (r, &v) in ranges.iter().zip(values) {
        let parts: Vec<&str> = r.path.split('.').collect();
        let (tables, key) = parts.split_at(parts.len() - 1);
        let mut item = doc.as_item_mut();
        for t in tables {
            item = &mut item[*t];
        }
        let (old, comment) = match item[key[0]].as_value() {
            Some(v) => {
                let mut bare = v.clone();
                bare.decor_mut().clear();
                let comment = v
                    .decor()
                    .suffix()
                    .and_then(|s| s.as_str())
                    .map(|s| s.trim().trim_start_matches('#').trim().to_string())
                    .filter(|s| !s.is_empty());
                (bare.to_string(), comment)
            }
            None => (String::new(), None),
        };
        let rounded = (v * 1e4).round() / 1e4;
        let mut value = toml_edit::Value::from(rounded);
        value.decor_mut().set_prefix(" ");
        let note = comment.map_or_else(String::new, |c| format!("; {c}"));
        value
            .decor_mut()
            .set_suffix(format!("  # calibrated, was {old}{note}"));
        item[key[0]] = toml_edit::Item::Value(value);
    }
    let header: String = note.lines().map(|l| format!("# {l}\n")).collect();
    let body = doc.to_string();
    output::write_atomic(target, |w| {
        w.write_all(header.as_bytes())?;
        w.write_all(b"#\n")?;
        w.write_all(body.as_bytes())
    })?;
    Ok(())
}
