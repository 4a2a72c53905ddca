//! `bilateral calibrate`: searches named parameters to minimise the mean
//! CRPS of the baseline against observations, and writes a calibrated copy
//! of the scenario.
//!
//! Several scenarios, each with its observations, are calibrated jointly:
//! the objective is the sum of their mean CRPS (and penalties); a bare
//! `--param PATH` is one value shared by every scenario (one United States
//! in the three 2025 pairs), `--param STEM:PATH` a value of one scenario.
//!
//! The search is seeded and derivative-free: a Latin hypercube screen over
//! the ranges (half the budget, `scenario::sweep`), then Nelder–Mead
//! (`analysis::nelder_mead`) from the best point in coordinates scaled to
//! [0, 1], clamped to the ranges. Every evaluation
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
use crate::analysis::nelder_mead;
use crate::cli::CalibrateArgs;
use crate::engine::{self, Plan};
use crate::output::{self, csv_writer, fmt_num};
use crate::regularities;
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

/// A regularity to keep in at least `share` of one scenario's runs.
#[derive(Debug, Clone)]
struct Requirement {
    /// As given (`R1`, or `STEM:R1` for a scenario other than the first).
    label: String,
    index: usize,
    /// The scenario it is checked in.
    scenario: usize,
    share: f64,
}

/// One searched dimension: a value set in one or more scenarios.
#[derive(Debug, Clone)]
struct Dimension {
    /// As given: `PATH` (shared) or `STEM:PATH`.
    label: String,
    low: f64,
    high: f64,
    /// (scenario, its range of the parameter) for every scenario it is set in.
    targets: Vec<(usize, SweepRange)>,
}

/// One scenario of the calibration with its observations.
struct Case {
    path: std::path::PathBuf,
    stem: String,
    scenario: Scenario,
    observed: Vec<Observation>,
}

/// How one scenario scored in one evaluation.
#[derive(Debug, Clone)]
struct CaseScore {
    mean_crps: f64,
    coverage_50: f64,
    coverage_90: f64,
}

/// One evaluation of the objective.
#[derive(Debug, Clone)]
struct Evaluation {
    /// Parameter values, in `--param` order.
    x: Vec<f64>,
    /// Summed mean CRPS over the scenarios plus the shortfall penalty: what
    /// is minimised.
    objective: f64,
    /// Per scenario, in the order given.
    cases: Vec<CaseScore>,
    /// Share of runs in which each required regularity holds.
    shares: Vec<f64>,
}

impl Evaluation {
    fn mean_crps_sum(&self) -> f64 {
        self.cases.iter().map(|c| c.mean_crps).sum()
    }
}

struct Objective<'a> {
    cases: &'a [Case],
    dims: &'a [Dimension],
    required: &'a [Requirement],
    runs: u64,
    seed: u64,
    threads: usize,
    log: Vec<Evaluation>,
}

impl Objective<'_> {
    /// Evaluates the dimensions at `x` (`None`: the scenarios as written,
    /// not logged).
    fn eval(&mut self, x: Option<&[f64]>) -> Result<Evaluation> {
        let mut cases = Vec::with_capacity(self.cases.len());
        let mut shares = vec![0.0; self.required.len()];
        for (j, case) in self.cases.iter().enumerate() {
            let mut s = case.scenario.clone();
            if let Some(values) = x {
                let baseline = &mut s.levers[0];
                for (d, &v) in self.dims.iter().zip(values) {
                    for (_, r) in d.targets.iter().filter(|(k, _)| *k == j) {
                        baseline.overrides.retain(|(i, _)| *i != r.index);
                        baseline.overrides.push((r.index, ParamValue::Fixed(v)));
                    }
                }
            }
            let mut plan = Plan::new(&s, &["baseline".to_string()], self.runs, self.seed)
                .map_err(anyhow::Error::msg)?;
            // The regularities are judged in the very runs that are scored
            // (common random numbers, and one simulation per evaluation).
            plan.judge_regularities = self.required.iter().any(|r| r.scenario == j);
            let mut tally = regularities::Tally::default();
            let results = engine::run(
                &plan,
                self.threads,
                |record| {
                    tally.add(&record.regularities);
                    Ok(())
                },
                |_| {},
            )?;
            let (rows, _) = score::score_results(&results, 0, &s.calendar, &s.ids, &case.observed);
            let t = score::totals(&rows);
            cases.push(CaseScore {
                mean_crps: t.mean_crps,
                coverage_50: t.coverage_50,
                coverage_90: t.coverage_90,
            });
            if plan.judge_regularities {
                let found = tally.rows();
                for (k, r) in self.required.iter().enumerate() {
                    if r.scenario == j {
                        shares[k] = found[r.index].share();
                    }
                }
            }
        }
        let shortfall: f64 = self
            .required
            .iter()
            .zip(&shares)
            .map(|(r, &got)| (r.share - got).max(0.0))
            .sum();
        let crps: f64 = cases.iter().map(|c| c.mean_crps).sum();
        let evaluation = Evaluation {
            x: x.map(<[f64]>::to_vec).unwrap_or_default(),
            objective: crps + SHORTFALL_PENALTY * shortfall,
            cases,
            shares,
        };
        if x.is_some() {
            self.log.push(evaluation.clone());
        }
        Ok(evaluation)
    }

    fn at_unit(&self, u: &[f64]) -> Vec<f64> {
        self.dims
            .iter()
            .zip(u)
            .map(|(r, &z)| r.low + (r.high - r.low) * z.clamp(0.0, 1.0))
            .collect()
    }
}

/// Splits `STEM:REST` into the scenario it names and `REST`; without a
/// known stem prefix, `default` (None: every scenario) and the whole text.
fn scenario_prefix<'t>(
    text: &'t str,
    cases: &[Case],
    what: &str,
) -> Result<(Option<usize>, &'t str), UsageError> {
    let Some((stem, rest)) = text.split_once(':') else {
        return Ok((None, text));
    };
    // A range `LOW:HIGH` also holds a colon: only text before the `=` can
    // name a scenario.
    if stem.contains('=') {
        return Ok((None, text));
    }
    let stem = stem.trim();
    match cases.iter().position(|c| c.stem == stem) {
        Some(j) => Ok((Some(j), rest)),
        None => {
            let stems: Vec<&str> = cases.iter().map(|c| c.stem.as_str()).collect();
            let hint = crate::scenario::suggest(stem, &stems)
                .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
            Err(UsageError(format!(
                "{what} `{text}`: `{stem}` is not the file stem of a scenario given{hint}; given: {}",
                stems.join(", ")
            )))
        }
    }
}

/// Parses `--param [STEM:]PATH=LOW:HIGH`.
fn parse_dimension(text: &str, cases: &[Case]) -> Result<Dimension, UsageError> {
    let (only, rest) = scenario_prefix(text, cases, "--param")?;
    let (path, range) = rest
        .split_once('=')
        .ok_or_else(|| UsageError(format!("--param `{text}` is not [STEM:]PATH=LOW:HIGH")))?;
    let range = range.trim();
    if range.split(':').count() != 2 {
        return Err(UsageError(format!(
            "--param `{text}`: `{range}` is not LOW:HIGH (e.g. {path}=1:5)",
            path = path.trim()
        )));
    }
    let mut targets = Vec::new();
    for (j, case) in cases.iter().enumerate() {
        if only.is_some_and(|k| k != j) {
            continue;
        }
        // A calibration range is a sweep range with two grid points; its
        // messages quote the range as the user typed it.
        let as_sweep = format!("{range}:2");
        let r = case
            .scenario
            .sweep_range(path.trim(), &as_sweep)
            .map_err(|e| {
                let e = e.replace(&format!("`{as_sweep}`"), &format!("`{range}`"));
                if cases.len() > 1 {
                    UsageError(format!("--param `{text}` in {}: {e}", case.path.display()))
                } else {
                    UsageError(format!("--param `{text}`: {e}"))
                }
            })?;
        targets.push((j, r));
    }
    let (low, high) = (targets[0].1.low, targets[0].1.high);
    Ok(Dimension {
        label: text
            .split_once('=')
            .map_or(text, |(l, _)| l)
            .trim()
            .to_string(),
        low,
        high,
        targets,
    })
}

/// Parses `--require [STEM:]ID=SHARE`.
fn parse_requirement(text: &str, cases: &[Case]) -> Result<Requirement, UsageError> {
    let (only, rest) = scenario_prefix(text, cases, "--require")?;
    let ids: Vec<&'static str> = regularities::ids().collect();
    let (id, share) = rest
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
    let scenario = only.unwrap_or(0);
    let label = if scenario == 0 {
        ids[index].to_string()
    } else {
        format!("{}:{}", cases[scenario].stem, ids[index])
    };
    Ok(Requirement {
        label,
        index,
        scenario,
        share,
    })
}

/// Runs `bilateral calibrate`.
pub fn execute(args: &CalibrateArgs) -> Result<()> {
    if args.observed.len() != args.scenario.len() {
        return Err(UsageError(format!(
            "give one --observed per scenario, in the same order: {} scenarios, {} --observed",
            args.scenario.len(),
            args.observed.len()
        ))
        .into());
    }
    if args.write.is_some() && args.scenario.len() > 1 {
        return Err(UsageError(
            "--write names one calibrated file: with several scenarios each is written to <out>/<stem>_calibrated.toml".into(),
        )
        .into());
    }
    let cases = load_cases(args)?;
    let dims = parse_dimensions(args, &cases)?;
    let required = args
        .require
        .iter()
        .map(|r| parse_requirement(r, &cases))
        .collect::<Result<Vec<_>, _>>()?;
    let threads = super::threads(args.threads)?;
    let seed = args.seed.unwrap_or(cases[0].scenario.seed);
    let mut obj = Objective {
        cases: &cases,
        dims: &dims,
        required: &required,
        runs: args.runs,
        seed,
        threads,
        log: Vec::new(),
    };
    let before = obj.eval(None)?;
    // The values as written are a candidate too (when fixed, the same in
    // every scenario a dimension sets, and inside the ranges), so the result
    // is never worse than the scenarios as written.
    let current: Option<Vec<f64>> = dims
        .iter()
        .map(|d| {
            let values: Option<Vec<f64>> = d
                .targets
                .iter()
                .map(|(j, r)| match cases[*j].scenario.baseline[r.index] {
                    ParamValue::Fixed(x) if (r.low..=r.high).contains(&x) => Some(x),
                    _ => None,
                })
                .collect();
            values
                .filter(|v| v.iter().all(|x| *x == v[0]))
                .map(|v| v[0])
        })
        .collect();
    let outside_note = if let Some(x) = &current {
        obj.eval(Some(x))?;
        String::new()
    } else {
        format!(
            "note: the scenarios' own values of {} are not all fixed values inside the searched ranges (and the same in every scenario), so the result can score worse than the scenarios as written\n",
            dims.iter()
                .map(|d| d.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };

    // 1. Latin hypercube screen.
    let screen = args.budget / 2;
    let spec = SweepSpec {
        ranges: dims
            .iter()
            .map(|d| SweepRange {
                path: d.label.clone(),
                ..d.targets[0].1.clone()
            })
            .collect(),
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
        dims.iter()
            .zip(x)
            .map(|(r, &v)| (v - r.low) / (r.high - r.low))
            .collect()
    };
    let remaining = args.budget.saturating_sub(obj.log.len() as u32);
    // Every evaluation is logged by the objective: the best is read from the log.
    nelder_mead::minimise(
        |u| {
            let x = obj.at_unit(u);
            obj.eval(Some(&x)).map(|e| e.objective)
        },
        &to_unit(&best),
        remaining,
    )?;

    let after = obj
        .log
        .iter()
        .min_by(|a, b| a.objective.total_cmp(&b.objective))
        .cloned()
        .context("no evaluation")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| super::run::default_out(&args.scenario[0]));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    write_log(
        &out.join("calibration.csv"),
        &cases,
        &dims,
        &required,
        &obj.log,
    )?;

    let note = calibration_note(
        args,
        &cases,
        &dims,
        &required,
        [&before, &after],
        &obj.log[screen_start..screen_end],
        obj.log.len(),
        seed,
    );
    let values = after.x.clone();
    let mut targets_written = Vec::new();
    for (j, case) in cases.iter().enumerate() {
        let target = args
            .write
            .clone()
            .unwrap_or_else(|| out.join(format!("{}_calibrated.toml", case.stem)));
        let (ranges, vals): (Vec<SweepRange>, Vec<f64>) = dims
            .iter()
            .zip(&values)
            .flat_map(|(d, &v)| {
                d.targets
                    .iter()
                    .filter(move |(k, _)| *k == j)
                    .map(move |(_, r)| (r.clone(), v))
            })
            .unzip();
        write_calibrated(&case.path, &target, &ranges, &vals, &note)?;
        targets_written.push(target);
    }
    let mut text = format!("{note}\n{outside_note}");
    for (r, v) in dims.iter().zip(&values) {
        text += &format!(
            "  {} = {} (searched {} to {})\n",
            r.label,
            fmt_num(Some(*v)),
            r.low,
            r.high
        );
    }
    for target in &targets_written {
        text += &format!("calibrated scenario -> {}\n", target.display());
    }
    text += &format!("evaluations -> {}\n", out.join("calibration.csv").display());
    super::emit(&text)?;
    Ok(())
}

/// The comment block of the calibrated file and the command's report: what
/// was searched and how, the scores before and after, the regularities
/// kept, the command that reproduces it, and how tightly the screen pins
/// each parameter down.
#[allow(clippy::too_many_arguments)]
fn calibration_note(
    args: &CalibrateArgs,
    cases: &[Case],
    dims: &[Dimension],
    required: &[Requirement],
    [before, after]: [&Evaluation; 2],
    screened: &[Evaluation],
    evaluations: usize,
    seed: u64,
) -> String {
    let screen = screened.len();
    let scored: Vec<String> = cases
        .iter()
        .zip(&args.observed)
        .map(|(c, o)| format!("{} ({} observations)", o.display(), c.observed.len()))
        .collect();
    let mut note = format!(
        "Calibrated by `bilateral calibrate` on {}: {} evaluations ({} Latin hypercube, then Nelder-Mead), {} runs each, seed {}.",
        scored.join(" and "),
        evaluations,
        screen,
        args.runs,
        seed,
    );
    for (j, c) in cases.iter().enumerate() {
        let (b, a) = (&before.cases[j], &after.cases[j]);
        let which = if cases.len() > 1 {
            format!("{}: m", c.stem)
        } else {
            "M".to_string()
        };
        note += &format!(
            "\n{which}ean CRPS {:.4} -> {:.4}; 50% interval coverage {:.0}% -> {:.0}%; 90% coverage {:.0}% -> {:.0}%.",
            b.mean_crps,
            a.mean_crps,
            100.0 * b.coverage_50,
            100.0 * a.coverage_50,
            100.0 * b.coverage_90,
            100.0 * a.coverage_90
        );
    }
    if cases.len() > 1 {
        note += &format!(
            "\nSummed mean CRPS {:.4} -> {:.4}.",
            before.mean_crps_sum(),
            after.mean_crps_sum()
        );
    }
    if !required.is_empty() {
        let kept: Vec<String> = required
            .iter()
            .enumerate()
            .map(|(k, r)| {
                format!(
                    "{} >= {:.0}%: {:.0}% -> {:.0}%",
                    r.label,
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
        "\nReproduce (from the files as they were before calibration): bilateral calibrate {}{}{}{} --budget {} --runs {} --seed {seed}",
        args.scenario
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        args.observed
            .iter()
            .map(|o| format!(" --observed {}", o.display()))
            .collect::<String>(),
        dims.iter()
            .map(|r| format!(" --param {}={}:{}", r.label, r.low, r.high))
            .collect::<String>(),
        required
            .iter()
            .map(|r| format!(" --require {}={}", r.label, r.share))
            .collect::<String>(),
        args.budget,
        args.runs,
    );
    // Which values fit about as well as the best: the record pins down a
    // parameter whose range here is narrow, and leaves open one whose range
    // is wide. Screened points are a uniform design, so their spread is
    // not skewed by where Nelder-Mead chose to look.
    let (fitting, fit_ranges) = fit_ranges(screened, after.objective, dims.len());
    if fitting == 0 {
        note += &format!(
            "\nNo screened point is within {:.0}% of the best objective (none of {}): the best lies outside the screen (the starting values or a Nelder-Mead step), so the screen gives no range of values that fit about as well.",
            100.0 * FIT_TOLERANCE,
            screened.len(),
        );
        return note;
    }
    note += &format!(
        "\nScreened points within {:.0}% of the best objective: {} of {}; their range per parameter: {}.",
        100.0 * FIT_TOLERANCE,
        fitting,
        screened.len(),
        dims.iter()
            .zip(&fit_ranges)
            .map(|(r, f)| match f {
                Some((lo, hi)) =>
                    format!("{} {}..{}", r.label, fmt_num(Some(*lo)), fmt_num(Some(*hi))),
                None => format!("{} -", r.label),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    note
}

/// Loads each scenario with its observations, named by its file stem.
fn load_cases(args: &CalibrateArgs) -> Result<Vec<Case>> {
    let mut cases: Vec<Case> = Vec::new();
    for (path, observed) in args.scenario.iter().zip(&args.observed) {
        let stem = path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        if cases.iter().any(|c| c.stem == stem) {
            return Err(UsageError(format!(
                "two scenarios with the file stem `{stem}`: each scenario is named by its stem (in STEM:PATH and the calibrated file), so give each once"
            ))
            .into());
        }
        let scenario = Scenario::load(path)?;
        let obs = score::read_observed(observed).map_err(UsageError)?;
        score::check_variables(observed, &obs, &score::variable_names(&scenario.ids))
            .map_err(UsageError)?;
        cases.push(Case {
            path: path.clone(),
            stem,
            scenario,
            observed: obs,
        });
    }
    Ok(cases)
}

/// Parses every `--param` and checks that each parameter is searched once
/// and the budget holds the search.
fn parse_dimensions(args: &CalibrateArgs, cases: &[Case]) -> Result<Vec<Dimension>> {
    let dims: Vec<Dimension> = args
        .params
        .iter()
        .map(|p| parse_dimension(p, cases))
        .collect::<Result<Vec<_>, _>>()?;
    if dims.is_empty() {
        return Err(UsageError("give at least one --param PATH=LOW:HIGH".into()).into());
    }
    for (k, d) in dims.iter().enumerate() {
        if let Some(twice) = dims[..k].iter().find(|e| {
            e.targets
                .iter()
                .any(|(j, r)| d.targets.iter().any(|(i, q)| i == j && q.index == r.index))
        }) {
            return Err(UsageError(format!(
                "--param `{}` is given twice (as `{}` too): give each parameter once",
                d.label, twice.label
            ))
            .into());
        }
    }
    if args.budget < 2 * dims.len() as u32 + 2 {
        return Err(UsageError(format!("--budget must be at least {}", 2 * dims.len() + 2)).into());
    }
    Ok(dims)
}

/// The screened points that fit within [`FIT_TOLERANCE`] of the best
/// objective, and per dimension the range of their values (`None`: no point
/// fits).
fn fit_ranges(screened: &[Evaluation], best: f64, dims: usize) -> (usize, Vec<Option<(f64, f64)>>) {
    let fitting: Vec<&Evaluation> = screened
        .iter()
        .filter(|e| e.objective <= best * (1.0 + FIT_TOLERANCE))
        .collect();
    let fit_ranges: Vec<Option<(f64, f64)>> = (0..dims)
        .map(|k| {
            let values = fitting.iter().map(|e| e.x[k]);
            let low = values.clone().fold(f64::INFINITY, f64::min);
            let high = values.fold(f64::NEG_INFINITY, f64::max);
            (low <= high).then_some((low, high))
        })
        .collect();
    (fitting.len(), fit_ranges)
}

fn write_log(
    path: &Path,
    cases: &[Case],
    dims: &[Dimension],
    required: &[Requirement],
    log: &[Evaluation],
) -> Result<()> {
    output::write_atomic(path, |w| {
        let mut out = csv_writer(w);
        let mut header = vec!["evaluation".to_string()];
        header.extend(dims.iter().map(|r| r.label.clone()));
        header.push("objective".into());
        // One scenario keeps the plain column names; several get one set each.
        for c in cases {
            let suffix = if cases.len() > 1 {
                format!("_{}", c.stem)
            } else {
                String::new()
            };
            header.extend(
                ["mean_crps", "coverage_50", "coverage_90"].map(|n| format!("{n}{suffix}")),
            );
        }
        header.extend(required.iter().map(|r| format!("share_{}", r.label)));
        out.write_record(&header)?;
        for (k, e) in log.iter().enumerate() {
            let mut row = vec![(k + 1).to_string()];
            row.extend(e.x.iter().map(|v| fmt_num(Some(*v))));
            row.push(fmt_num(Some(e.objective)));
            for c in &e.cases {
                row.extend([c.mean_crps, c.coverage_50, c.coverage_90].map(|v| fmt_num(Some(v))));
            }
            row.extend(e.shares.iter().map(|v| fmt_num(Some(*v))));
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
