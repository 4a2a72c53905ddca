//! `bilateral sweep`: the same levers over a grid or Latin hypercube of
//! parameter values, with common random numbers across points.

use std::time::Instant;

use anyhow::Result;

use super::run::default_out;
use super::{UsageError, check_lever};
use crate::cli::SweepArgs;
use crate::engine::{self, Plan};
use crate::output;
use crate::output::export;
use crate::output::folder::Transaction;
use crate::output::manifest::{Manifest, RunIdentity};
use crate::output::sweep::SweepWriter;
use crate::scenario::sweep::SweepSpec;
use crate::scenario::{ParamValue, Scenario};

/// Runs `bilateral sweep`.
pub fn execute(args: &SweepArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    // The command line replaces the file's [sweep] ranges when it gives any.
    let mut spec = scenario.sweep.clone().unwrap_or_default();
    if !args.params.is_empty() {
        spec.ranges.clear();
        for p in &args.params {
            let (path, range) = p
                .split_once('=')
                .ok_or_else(|| UsageError(format!("--param `{p}` is not PATH=LOW:HIGH:STEPS")))?;
            spec.ranges.push(
                scenario
                    .sweep_range(path.trim(), range.trim())
                    .map_err(UsageError)?,
            );
        }
        super::check_distinct_params(&spec.ranges, &args.params)?;
    }
    if spec.ranges.is_empty() {
        return Err(UsageError(
            "nothing to sweep: give --param PATH=LOW:HIGH:STEPS or a [sweep] table in the scenario"
                .into(),
        )
        .into());
    }
    if let Some(n) = args.samples {
        if n < 2 {
            return Err(UsageError("--samples must be at least 2".into()).into());
        }
        spec.samples = Some(n);
    }
    if !args.levers.is_empty() {
        spec.levers = args.levers.clone();
    }
    for name in &spec.levers {
        check_lever(&scenario, name)?;
    }
    let points_total = spec.point_count();
    if points_total > crate::scenario::sweep::MAX_POINTS {
        return Err(UsageError(format!(
            "the sweep has {points_total} points; at most 100000 are allowed"
        ))
        .into());
    }
    let levers: Vec<String> = scenario
        .levers
        .iter()
        .filter(|l| l.name == "baseline" || spec.levers.contains(&l.name))
        .map(|l| l.name.clone())
        .collect();
    let runs = args.runs.unwrap_or(scenario.runs);
    let seed = args.seed.unwrap_or(scenario.seed);
    let threads = super::threads(args.threads)?;
    if runs == 0 {
        return Err(UsageError("--runs must be at least 1".into()).into());
    }
    // A sweep's manifest.json describes the sweep, so by default it goes to
    // a folder of its own: `run`'s manifest (which `report` reads) beside
    // its CSV files stays as it is.
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.scenario).join("sweep"));
    super::check_out(&out)?;
    let mut folder = Transaction::folder(&out)?;

    let started = chrono::Utc::now();
    let clock = Instant::now();
    let points = spec.points(seed);
    let paths: Vec<String> = spec.ranges.iter().map(|r| r.path.clone()).collect();
    let sweep_path = folder.dir().join(export::SWEEP.name);
    let file = folder.stream(export::SWEEP.name)?;
    let mut writer = SweepWriter::new(file, &scenario.name, &scenario.ids, &paths)?;
    let bar = super::progress(args.quiet, points.len() as u64 * runs);
    for (k, values) in points.iter().enumerate() {
        let at_point = with_values(&scenario, &spec, values);
        let plan = Plan::new(&at_point, &levers, runs, seed).map_err(anyhow::Error::msg)?;
        let done_before = k as u64 * runs;
        let results = engine::run(
            &plan,
            threads,
            |_| Ok(()),
            |done| bar.set_position(done_before + done),
        )?;
        writer.write_point(k, values, &results)?;
    }
    bar.finish_and_clear();
    let file = writer
        .finish()
        .map_err(|e| output::OutputError::at(&sweep_path, e))?;
    folder.add_streamed(file, false)?;
    let mut manifest = Manifest::new(
        RunIdentity::of(&scenario, seed, runs, &levers),
        threads,
        started,
        clock.elapsed().as_secs_f64(),
    );
    manifest.sweep = Some(crate::output::manifest::SweepInfo {
        params: spec
            .ranges
            .iter()
            .map(|r| format!("{}={}:{}:{}", r.path, r.low, r.high, r.steps))
            .collect(),
        design: match spec.samples {
            Some(n) => format!("latin hypercube, {n} points"),
            None => format!("full grid, {} points", points.len()),
        },
    });
    folder.export(&[&export::MANIFEST], None, manifest)?;
    folder.commit()?;
    if !args.quiet {
        super::emit(&format!(
            "{} x {} x {} in {:.1} s -> {}\n",
            output::count(points.len(), "point"),
            output::count(levers.len(), "lever"),
            output::count(runs, "run"),
            clock.elapsed().as_secs_f64(),
            sweep_path.display()
        ))?;
    }
    Ok(())
}

/// The scenario with the swept parameters fixed at `values` in every lever
/// (the sweep wins over a lever's own setting of the same parameter).
fn with_values(scenario: &Scenario, spec: &SweepSpec, values: &[f64]) -> Scenario {
    let mut s = scenario.clone();
    for lever in &mut s.levers {
        for (r, &v) in spec.ranges.iter().zip(values) {
            lever.overrides.retain(|(i, _)| *i != r.index);
            lever.overrides.push((r.index, ParamValue::Fixed(v)));
        }
    }
    s
}
