//! `bilateral calibrate`: searches named parameters to minimise the mean
//! CRPS of the baseline against observations, and writes a calibrated copy
//! of the scenario.
//!
//! The search is seeded and derivative-free: a Latin hypercube screen over
//! the ranges (half the budget), then Nelder–Mead from the best point in
//! coordinates scaled to [0, 1], clamped to the ranges. Every evaluation
//! runs the same runs with the same seed (common random numbers), so the
//! objective changes smoothly with the parameters rather than with luck.
//!
//! The objective is the mean CRPS plus a penalty for every required
//! regularity of the record (`--require R1=0.85`) that holds in fewer runs
//! than asked, so a fit cannot buy a lower CRPS by dropping the story the
//! record tells. The screened points that fit within 25% of the best show,
//! per parameter, how tightly the record pins it down.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::UsageError;
use crate::calibration;
use crate::cli::CalibrateArgs;
use crate::engine::{self, Plan};
use crate::output::{self, csv_writer, fmt_num};
use crate::scenario::sweep::{SweepRange, SweepSpec};
use crate::scenario::{ParamValue, Scenario};
use crate::score::{self, Observation};

/// Objective units (mean CRPS) added per unit of share a required
/// regularity falls short by: a 10-point shortfall costs 2, about the whole
/// mean CRPS of the shipped calibration scenario, so the search trades
/// little of the record's story for a better fit.
const SHORTFALL_PENALTY: f64 = 20.0;

/// Screened points whose objective is within this share of the best count
/// as fitting about as well (reported per parameter as a range).
const FIT_TOLERANCE: f64 = 0.25;

/// A regularity to keep in at least `share` of the runs.
#[derive(Debug, Clone)]
struct Requirement {
    id: &'static str,
    index: usize,
    share: f64,
}

/// One evaluation of the objective.
#[derive(Debug, Clone)]
struct Evaluation {
    /// Parameter values, in `--param` order.
    x: Vec<f64>,
    /// Mean CRPS plus the shortfall penalty: what is minimised.
    objective: f64,
    mean_crps: f64,
    coverage_50: f64,
    coverage_90: f64,
    /// Share of runs in which each required regularity holds.
    shares: Vec<f64>,
}

struct Objective<'a> {
    scenario: &'a Scenario,
    observed: &'a [Observation],
    ranges: &'a [SweepRange],
    required: &'a [Requirement],
    runs: u64,
    seed: u64,
    threads: usize,
    log: Vec<Evaluation>,
}

impl Objective<'_> {
    /// Evaluates the ranges' parameters at `x` (`None`: the scenario as
    /// written, not logged).
    fn eval(&mut self, x: Option<&[f64]>) -> Result<Evaluation> {
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
        let shares = if self.required.is_empty() {
            Vec::new()
        } else {
            // The same runs (seed and count) as the score: common random numbers.
            let found =
                calibration::regularities(&s, self.runs, self.seed).map_err(anyhow::Error::msg)?;
            self.required
                .iter()
                .map(|r| found[r.index].share())
                .collect()
        };
        let shortfall: f64 = self
            .required
            .iter()
            .zip(&shares)
            .map(|(r, &got)| (r.share - got).max(0.0))
            .sum();
        let evaluation = Evaluation {
            x: x.map(<[f64]>::to_vec).unwrap_or_default(),
            objective: t.mean_crps + SHORTFALL_PENALTY * shortfall,
            mean_crps: t.mean_crps,
            coverage_50: t.coverage_50,
            coverage_90: t.coverage_90,
            shares,
        };
        if x.is_some() {
            self.log.push(evaluation.clone());
        }
        Ok(evaluation)
    }

    fn at_unit(&self, u: &[f64]) -> Vec<f64> {
        self.ranges
            .iter()
            .zip(u)
            .map(|(r, &z)| r.low + (r.high - r.low) * z.clamp(0.0, 1.0))
            .collect()
    }
}

/// Parses `--require ID=SHARE`.
fn parse_requirement(text: &str) -> Result<Requirement, UsageError> {
    let ids: Vec<&'static str> = calibration::ids().collect();
    let (id, share) = text
        .split_once('=')
        .ok_or_else(|| UsageError(format!("--require `{text}` is not ID=SHARE, e.g. R1=0.8")))?;
    let id = id.trim();
    let Some(index) = ids.iter().position(|&known| known.eq_ignore_ascii_case(id)) else {
        let hint = crate::scenario::suggest(id, &ids)
            .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
        return Err(UsageError(format!(
            "--require: `{id}` is not a regularity{hint}; known: {}",
            ids.join(", ")
        )));
    };
    let share: f64 = share
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| (0.0..=1.0).contains(v))
        .ok_or_else(|| {
            UsageError(format!(
                "--require {id}: the share must be a number from 0 to 1, got `{}`",
                share.trim()
            ))
        })?;
    Ok(Requirement {
        id: ids[index],
        index,
        share,
    })
}

/// Runs `bilateral calibrate`.
pub fn execute(args: &CalibrateArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let observed = score::read_observed(&args.observed).map_err(UsageError)?;
    score::check_variables(
        &args.observed,
        &observed,
        &score::variable_names(&scenario.ids),
    )
    .map_err(UsageError)?;
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
    super::check_distinct_params(&ranges, &args.params)?;
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
    let required = args
        .require
        .iter()
        .map(|r| parse_requirement(r))
        .collect::<Result<Vec<_>, _>>()?;
    let threads = super::threads(args.threads)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let mut obj = Objective {
        scenario: &scenario,
        observed: &observed,
        ranges: &ranges,
        required: &required,
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
    let outside_note = if let Some(x) = &current {
        obj.eval(Some(x))?;
        String::new()
    } else {
        format!(
            "note: the scenario's own values of {} are not all fixed values inside the searched ranges, so the result can score worse than the scenario as written\n",
            ranges
                .iter()
                .map(|r| r.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };

    // 1. Latin hypercube screen.
    let screen = args.budget / 2;
    let spec = SweepSpec {
        ranges: ranges.clone(),
        samples: Some(screen.max(2)),
        levers: vec![],
    };
    let screen_start = obj.log.len();
    for point in spec.points(seed) {
        obj.eval(Some(&point))?;
    }
    let screen_end = obj.log.len();
    // 2. Nelder–Mead from the best screened point, in unit coordinates.
    let best = obj
        .log
        .iter()
        .min_by(|a, b| a.objective.total_cmp(&b.objective))
        .map(|e| e.x.clone())
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

    let after = obj
        .log
        .iter()
        .min_by(|a, b| a.objective.total_cmp(&b.objective))
        .cloned()
        .context("no evaluation")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| super::run::default_out(&args.scenario));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    write_log(&out.join("calibration.csv"), &ranges, &required, &obj.log)?;
    let target = args.write.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        out.join(format!("{stem}_calibrated.toml"))
    });
    let mut note = format!(
        "Calibrated by `bilateral calibrate` on {} ({} observations): {} evaluations ({} Latin hypercube, then Nelder-Mead), {} runs each, seed {}.\nMean CRPS {:.4} -> {:.4}; 50% interval coverage {:.0}% -> {:.0}%; 90% coverage {:.0}% -> {:.0}%.",
        args.observed.display(),
        observed.len(),
        obj.log.len(),
        screen,
        args.runs,
        seed,
        before.mean_crps,
        after.mean_crps,
        100.0 * before.coverage_50,
        100.0 * after.coverage_50,
        100.0 * before.coverage_90,
        100.0 * after.coverage_90
    );
    if !required.is_empty() {
        let kept: Vec<String> = required
            .iter()
            .enumerate()
            .map(|(k, r)| {
                format!(
                    "{} >= {:.0}%: {:.0}% -> {:.0}%",
                    r.id,
                    100.0 * r.share,
                    100.0 * before.shares[k],
                    100.0 * after.shares[k]
                )
            })
            .collect();
        note += &format!(
            "\nRegularities required (shortfall penalised {SHORTFALL_PENALTY} per unit share): {}.",
            kept.join("; ")
        );
    }
    note += &format!(
        "\nReproduce (from the file as it was before calibration): bilateral calibrate {} --observed {}{}{} --budget {} --runs {} --seed {seed}",
        args.scenario.display(),
        args.observed.display(),
        ranges
            .iter()
            .map(|r| format!(" --param {}={}:{}", r.path, r.low, r.high))
            .collect::<String>(),
        required
            .iter()
            .map(|r| format!(" --require {}={}", r.id, r.share))
            .collect::<String>(),
        args.budget,
        args.runs,
    );
    let values = after.x.clone();
    // Which values fit about as well as the best: the record pins down a
    // parameter whose range here is narrow, and leaves open one whose range
    // is wide. Screened points are a uniform design, so their spread is
    // not skewed by where Nelder-Mead chose to look.
    let fitting: Vec<&Evaluation> = obj.log[screen_start..screen_end]
        .iter()
        .filter(|e| e.objective <= after.objective * (1.0 + FIT_TOLERANCE))
        .collect();
    let fit_ranges: Vec<Option<(f64, f64)>> = (0..ranges.len())
        .map(|k| {
            let values = fitting.iter().map(|e| e.x[k]);
            let low = values.clone().fold(f64::INFINITY, f64::min);
            let high = values.fold(f64::NEG_INFINITY, f64::max);
            (low <= high).then_some((low, high))
        })
        .collect();
    note += &format!(
        "\nScreened points within {:.0}% of the best objective: {} of {}; their range per parameter: {}.",
        100.0 * FIT_TOLERANCE,
        fitting.len(),
        screen_end - screen_start,
        ranges
            .iter()
            .zip(&fit_ranges)
            .map(|(r, f)| match f {
                Some((lo, hi)) =>
                    format!("{} {}..{}", r.path, fmt_num(Some(*lo)), fmt_num(Some(*hi))),
                None => format!("{} -", r.path),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    write_calibrated(&args.scenario, &target, &ranges, &values, &note)?;
    let mut text = format!("{note}\n{outside_note}");
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
        Ok(obj.eval(Some(&x))?.objective)
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

fn write_log(
    path: &Path,
    ranges: &[SweepRange],
    required: &[Requirement],
    log: &[Evaluation],
) -> Result<()> {
    output::write_atomic(path, |w| {
        let mut out = csv_writer(w);
        let mut header = vec!["evaluation".to_string()];
        header.extend(ranges.iter().map(|r| r.path.clone()));
        header.extend(["objective", "mean_crps", "coverage_50", "coverage_90"].map(String::from));
        header.extend(required.iter().map(|r| format!("share_{}", r.id)));
        out.write_record(&header)?;
        for (k, e) in log.iter().enumerate() {
            let mut row = vec![(k + 1).to_string()];
            row.extend(e.x.iter().map(|v| fmt_num(Some(*v))));
            row.extend(
                [e.objective, e.mean_crps, e.coverage_50, e.coverage_90]
                    .iter()
                    .chain(&e.shares)
                    .map(|v| fmt_num(Some(*v))),
            );
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
