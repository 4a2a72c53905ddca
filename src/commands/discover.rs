//! `bilateral discover`: in which futures does a condition hold for a lever.
//!
//! Runs the lever as `bilateral run` does (run `i` is run `i` of runs.csv),
//! labels each run by the condition over its outcome metrics, keeps only
//! the sampled uncertainties and the label (8 bytes per parameter and run),
//! and runs `analysis::prim` over them.

use anyhow::Result;

use super::UsageError;
use super::robust::{Analysis, Common, metric_names};
use crate::analysis::condition::{MetricCondition, describe_error};
use crate::analysis::prim::{PrimBox, PrimError, PrimOptions, prim};
use crate::cli::DiscoverArgs;
use crate::engine::{self, Plan};
use crate::output::export;
use crate::output::manifest::{AnalysisInfo, Manifest, RunIdentity};
use crate::output::{self, fmt_num};
use crate::scenario::Scenario;

/// The densest box with at least `min_coverage` (the first on ties).
pub fn choose(curve: &[PrimBox], min_coverage: f64) -> usize {
    let mut best = 0;
    for (i, b) in curve.iter().enumerate() {
        if b.coverage >= min_coverage && b.density > curve[best].density {
            best = i;
        }
    }
    best
}

/// The validated settings of `bilateral discover`.
#[derive(Debug, Clone)]
pub struct DiscoverConfig {
    /// The scenario.
    pub scenario: Scenario,
    /// The lever whose runs are labelled.
    pub lever: String,
    /// The condition as given (`--when`).
    pub when: String,
    /// The condition, parsed.
    pub condition: MetricCondition,
    /// PRIM's settings.
    pub options: PrimOptions,
    /// The chosen box's least coverage.
    pub min_coverage: f64,
    /// The uncertain parameters (runs.csv's names).
    pub parameters: Vec<String>,
    /// Runs, seed, threads, output folder.
    pub common: Common,
    /// No progress bar and no summary.
    pub quiet: bool,
}

impl DiscoverConfig {
    /// Loads the scenario of `args` and checks the options.
    pub fn from_args(args: &DiscoverArgs) -> Result<DiscoverConfig> {
        Self::for_scenario(Scenario::load(&args.scenario)?, args)
    }

    /// The settings for `scenario`, already loaded, with the options `args`
    /// (its `scenario` path is only used for the default output folder):
    /// the checks and messages of `bilateral discover`.
    pub fn for_scenario(scenario: Scenario, args: &DiscoverArgs) -> Result<DiscoverConfig> {
        super::check_lever(&scenario, &args.lever)?;
        let options = PrimOptions {
            peel_alpha: args.peel_alpha,
            paste_alpha: args.paste_alpha,
            mass_min: args.mass_min,
        };
        for (option, value, max) in [
            ("--peel-alpha", options.peel_alpha, 0.5),
            ("--paste-alpha", options.paste_alpha, 0.5),
            ("--mass-min", options.mass_min, 1.0),
        ] {
            if !(value > 0.0 && value < max) {
                return Err(UsageError(format!(
                    "{option} {value} must lie strictly between 0 and {max}"
                ))
                .into());
            }
        }
        if !(0.0..=1.0).contains(&args.min_coverage) {
            return Err(UsageError(format!(
                "--min-coverage {} must lie in [0, 1]",
                args.min_coverage
            ))
            .into());
        }
        let names = metric_names(&scenario.ids);
        let condition = MetricCondition::parse(&args.when, &names)
            .map_err(|e| UsageError(format!("--when `{}`: {}", args.when, describe_error(&e))))?;
        let parameters: Vec<String> = scenario
            .uncertain_indices()
            .iter()
            .map(|&i| scenario.path_of(i))
            .collect();
        if parameters.is_empty() {
            return Err(UsageError(format!(
                "scenario {} has no uncertain parameter to find boxes over",
                scenario.path.display()
            ))
            .into());
        }
        let common = Common::new(&scenario, &args.scenario, &args.engine, None, "discover")?;
        Ok(DiscoverConfig {
            scenario,
            lever: args.lever.clone(),
            when: args.when.clone(),
            condition,
            options,
            min_coverage: args.min_coverage,
            parameters,
            common,
            quiet: args.engine.quiet,
        })
    }
}

/// What `bilateral discover` computed.
#[derive(Debug, Clone)]
pub struct DiscoverOutcome {
    /// PRIM's trade-off curve.
    pub curve: Vec<PrimBox>,
    /// The parameters the boxes are over (those the lever varies).
    pub kept: Vec<String>,
    /// The chosen box.
    pub chosen: usize,
    /// Runs labelled.
    pub runs: usize,
    /// discovery.csv and the manifest.
    pub analysis: Analysis,
    /// When the runs started.
    pub clock: std::time::Instant,
}

/// Runs the lever of `config`, labels the runs and finds the boxes;
/// nothing is written.
pub fn compute(config: &DiscoverConfig) -> Result<DiscoverOutcome> {
    let DiscoverConfig {
        scenario,
        lever,
        when,
        condition,
        options,
        min_coverage,
        parameters,
        common,
        quiet,
    } = config;
    let &Common {
        runs,
        seed,
        threads,
        ..
    } = common;
    let plan =
        Plan::new(scenario, std::slice::from_ref(lever), runs, seed).map_err(anyhow::Error::msg)?;
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(runs as usize); parameters.len()];
    let mut labels: Vec<bool> = Vec::with_capacity(runs as usize);
    let bar = super::progress(*quiet, runs);
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
    engine::run(
        &plan,
        threads,
        |record| {
            for (c, &v) in columns.iter_mut().zip(&record.reported) {
                c.push(v);
            }
            labels.push(condition.holds(&record.metrics));
            Ok(())
        },
        |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();
    // Parameters that the lever holds fixed cannot bound a box.
    let varying: Vec<usize> = (0..parameters.len())
        .filter(|&j| columns[j].iter().any(|&v| v != columns[j][0]))
        .collect();
    let x: Vec<Vec<f64>> = varying
        .iter()
        .map(|&j| std::mem::take(&mut columns[j]))
        .collect();
    let kept: Vec<String> = varying.iter().map(|&j| parameters[j].clone()).collect();
    let curve = prim(&x, &labels, *options).map_err(|e| match e {
        PrimError::NoCases(n) => anyhow::Error::new(UsageError(format!(
            "--when `{when}` holds in none of the {n} runs of lever `{lever}`: there is nothing to discover (try a looser condition or more --runs)"
        ))),
        other => anyhow::Error::new(other),
    })?;
    let chosen = choose(&curve, *min_coverage);
    let path = common.out.join(export::DISCOVERY.name);
    let mut table = Vec::new();
    output::discovery::write(&mut table, &curve, &kept, chosen)
        .map_err(|e| output::OutputError::at(&path, e))?;
    let mut manifest = Manifest::new(
        RunIdentity::of(
            scenario,
            seed,
            labels.len() as u64,
            std::slice::from_ref(lever),
        ),
        threads,
        started,
        clock.elapsed().as_secs_f64(),
    );
    manifest.analysis = Some(AnalysisInfo {
        command: "discover".into(),
        settings: vec![
            format!("when = {when}"),
            format!("peel_alpha = {}", options.peel_alpha),
            format!("paste_alpha = {}", options.paste_alpha),
            format!("mass_min = {}", options.mass_min),
            format!("min_coverage = {min_coverage}"),
        ],
    });
    Ok(DiscoverOutcome {
        curve,
        kept,
        chosen,
        runs: labels.len(),
        analysis: Analysis {
            file: &export::DISCOVERY,
            table,
            manifest,
        },
        clock,
    })
}

/// Runs `bilateral discover`.
pub fn execute(args: &DiscoverArgs) -> Result<()> {
    let config = DiscoverConfig::from_args(args)?;
    let outcome = compute(&config)?;
    outcome.analysis.write(&config.common.out)?;
    if !config.quiet {
        print_summary(
            &config,
            &outcome.curve,
            &outcome.kept,
            outcome.chosen,
            outcome.runs,
            outcome.clock.elapsed().as_secs_f64(),
            &config.common.out.join(export::DISCOVERY.name),
        )?;
    }
    Ok(())
}

fn print_summary(
    args: &DiscoverConfig,
    curve: &[PrimBox],
    names: &[String],
    chosen: usize,
    runs: usize,
    elapsed: f64,
    path: &std::path::Path,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let r3 = |x: f64| fmt_num(Some((x * 1000.0).round() / 1000.0));
    let first = &curve[0];
    let mut text = format!(
        "{runs} runs of `{}` in {elapsed:.1} s; `{}` holds in {} ({}) -> {}\n\nbox  coverage  density   mass  restricted\n",
        args.lever,
        args.when,
        first.k,
        r3(first.density),
        path.display()
    );
    for (i, b) in curve.iter().enumerate() {
        let _ = writeln!(
            text,
            "{i:>3}  {:>8}  {:>7}  {:>5}  {:>10}{}",
            r3(b.coverage),
            r3(b.density),
            r3(b.mass),
            b.restricted.len(),
            if i == chosen { "  <- chosen" } else { "" }
        );
    }
    let b = &curve[chosen];
    let _ = writeln!(
        text,
        "\nchosen box {chosen} (densest with coverage >= {}): coverage {}, density {}, mass {}",
        args.min_coverage,
        r3(b.coverage),
        r3(b.density),
        r3(b.mass)
    );
    let p = |q: Option<f64>| q.map_or_else(|| "-".to_string(), |q| format!("{q:.2e}"));
    for &(j, lo, hi) in &b.restricted {
        let _ = writeln!(
            text,
            "  {:<32} [{}, {}]  quasi-p {} / {}",
            names[j],
            fmt_num(Some(b.limits[j].0)),
            fmt_num(Some(b.limits[j].1)),
            p(lo),
            p(hi)
        );
    }
    super::emit(&text)
}
