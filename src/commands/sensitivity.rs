//! `bilateral sensitivity`: which uncertain parameters drive each outcome.
//!
//! For every lever, the scenario's distribution-valued parameters of that
//! lever are the factors. A design point on the unit cube
//! (`analysis::sobol` or `analysis::morris`) becomes parameter values
//! through each parameter's quantile function (clamped into its allowed
//! range, as a draw is), and the model runs there on the engine
//! (`engine::evaluate`, in parallel, the values in point order, so the
//! output is the same for any `--threads`) with the choice and shock
//! streams of the point's noise. The estimators then read the metrics.

use crate::model::Pair;
use std::fmt::Write as _;

use anyhow::Result;

use super::UsageError;
use super::robust::{Analysis, Common, metric_names, select_levers};
use crate::analysis::morris::MorrisDesign;
use crate::analysis::sobol::{self, Estimate, SobolDesign};
use crate::cli::SensitivityArgs;
use crate::engine;
use crate::model::params;
use crate::output::export;
use crate::output::manifest::{AnalysisInfo, Manifest, RunIdentity};
use crate::output::sensitivity::Row;
use crate::output::{self, fmt_num};
use crate::scenario::{Distribution, ParamValue, ResolvedLever, Scenario};

/// Base samples of a Sobol analysis when none are given.
pub const DEFAULT_SOBOL_SAMPLES: u64 = 1024;
/// Trajectories of a Morris analysis when none are given.
pub const DEFAULT_MORRIS_TRAJECTORIES: u64 = 100;
/// Most model runs per lever (about 2 GB of metrics held in memory).
pub const MAX_RUNS_PER_LEVER: u64 = 10_000_000;
/// The Morris grid spans these quantiles of each distribution (its ends
/// would be infinite for a normal or a log-normal).
pub const MORRIS_QUANTILES: (f64, f64) = (0.005, 0.995);

/// A lever to analyse: name, parameters, uncertain parameters, design.
#[derive(Debug, Clone)]
struct LeverPlan {
    name: String,
    lever: ResolvedLever,
    factors: Vec<(usize, Distribution)>,
    design: Design,
}

/// Per metric: per parameter the named indices, or why the metric is left out.
type MetricIndices = Result<Vec<Vec<(&'static str, Estimate)>>, String>;

/// The design of one lever.
#[derive(Debug, Clone, Copy)]
enum Design {
    Sobol(SobolDesign),
    Morris(MorrisDesign),
}

impl Design {
    fn len(&self) -> u64 {
        match self {
            Design::Sobol(d) => d.len(),
            Design::Morris(d) => d.len(),
        }
    }
}

/// The uncertain parameters of `lever`: flat index and distribution, in
/// index order (the order of runs.csv's columns).
pub fn uncertain_of(scenario: &Scenario, lever: &str) -> Vec<(usize, Distribution)> {
    let Some(lever) = scenario.lever(lever) else {
        return Vec::new();
    };
    scenario
        .values_for(lever)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            ParamValue::Uncertain(d) => Some((i, *d)),
            ParamValue::Fixed(_) => None,
        })
        .collect()
}

/// Sets the uncertain parameters `factors` in `values` to their quantiles
/// at the unit-cube point `u`, clamped into each parameter's allowed range.
pub fn at_point(values: &mut [f64], factors: &[(usize, Distribution)], u: &[f64]) {
    for (&(index, d), &u) in factors.iter().zip(u) {
        let (_, _, spec) = params::spec_at(index);
        values[index] = d.quantile(u).clamp(spec.min, spec.max);
    }
}

/// The validated settings of `bilateral sensitivity`.
#[derive(Debug, Clone)]
pub struct SensitivityConfig {
    /// The scenario.
    pub scenario: Scenario,
    /// Levers analysed, in scenario order.
    pub levers: Vec<String>,
    /// `sobol` or `morris`.
    pub method: String,
    /// Morris grid levels.
    pub levels: u32,
    /// Base samples (Sobol) or trajectories (Morris), seed, threads,
    /// output folder.
    pub common: Common,
    /// No progress bar and no summary.
    pub quiet: bool,
    plans: Vec<LeverPlan>,
}

impl SensitivityConfig {
    /// Loads the scenario of `args` and checks the options.
    pub fn from_args(args: &SensitivityArgs) -> Result<SensitivityConfig> {
        Self::for_scenario(Scenario::load(&args.scenario)?, args)
    }

    /// The settings for `scenario`, already loaded, with the options `args`
    /// (its `scenario` path is only used for the default output folder):
    /// the checks and messages of `bilateral sensitivity`, and the design
    /// of every lever.
    pub fn for_scenario(scenario: Scenario, args: &SensitivityArgs) -> Result<SensitivityConfig> {
        let levers = select_levers(&scenario, &args.levers.levers)?;
        // clap refuses any other value on the command line.
        if !matches!(args.method.as_str(), "sobol" | "morris") {
            return Err(UsageError(format!(
                "--method `{}` must be `sobol` or `morris`",
                args.method
            ))
            .into());
        }
        let morris = args.method == "morris";
        if let (Some(s), Some(r)) = (args.samples, args.engine.runs)
            && s != r
        {
            return Err(UsageError(format!(
                "--samples {s} and --runs {r} disagree; they mean the same here, give one"
            ))
            .into());
        }
        let default = if morris {
            DEFAULT_MORRIS_TRAJECTORIES
        } else {
            DEFAULT_SOBOL_SAMPLES
        };
        let requested = args.samples.or(args.engine.runs).unwrap_or(default);
        if requested < 2 {
            return Err(UsageError(format!(
                "--samples (or --runs) {requested}: at least 2 are needed for an estimate and its interval"
            ))
            .into());
        }
        let common = Common::new(
            &scenario,
            &args.scenario,
            &args.engine,
            Some(requested),
            "sensitivity",
        )?;
        let (samples, seed) = (common.runs, common.seed);
        if morris {
            MorrisDesign {
                factors: 1,
                trajectories: 1,
                levels: args.levels,
                seed,
            }
            .check()
            .map_err(|e| UsageError(format!("--levels {}: {e}", args.levels)))?;
        }
        let mut plans = Vec::new();
        for name in &levers {
            let factors = uncertain_of(&scenario, name);
            if factors.is_empty() {
                return Err(UsageError(format!(
                    "lever `{name}` of scenario {} has no uncertain parameter to analyse",
                    scenario.path.display()
                ))
                .into());
            }
            // The metrics of every point are held until the estimators read
            // them (~220 bytes a run): bound the design before it is built.
            let per_sample = factors.len() as u64 + if morris { 1 } else { 3 };
            match samples.checked_mul(per_sample) {
                Some(n) if n <= MAX_RUNS_PER_LEVER => {}
                _ => {
                    return Err(UsageError(format!(
                        "--samples {samples} means {samples} x {per_sample} runs for lever `{name}`; at most {MAX_RUNS_PER_LEVER} are allowed (each run's metrics are held in memory)"
                    ))
                    .into());
                }
            }
            let design = if morris {
                Design::Morris(MorrisDesign {
                    factors: factors.len(),
                    trajectories: samples,
                    levels: args.levels,
                    seed,
                })
            } else {
                Design::Sobol(SobolDesign {
                    factors: factors.len(),
                    samples,
                    seed,
                    noise: true,
                })
            };
            let lever = scenario
                .lever(name)
                .ok_or_else(|| UsageError(format!("no lever named `{name}`")))?;
            let resolved = ResolvedLever::new(&scenario, lever).map_err(anyhow::Error::msg)?;
            plans.push(LeverPlan {
                name: name.clone(),
                lever: resolved,
                factors,
                design,
            });
        }
        Ok(SensitivityConfig {
            scenario,
            levers,
            method: args.method.clone(),
            levels: args.levels,
            common,
            quiet: args.engine.quiet,
            plans,
        })
    }
}

/// What `bilateral sensitivity` computed.
#[derive(Debug, Clone)]
pub struct SensitivityOutcome {
    /// The indices, in sensitivity.csv's order.
    pub rows: Vec<Row>,
    /// Per lever and metric left out: why.
    pub skipped: Vec<(String, String, String)>,
    /// Model runs, all levers.
    pub total: u64,
    /// sensitivity.csv and the manifest.
    pub analysis: Analysis,
    /// Seconds the runs and estimates took.
    pub elapsed: f64,
}

/// Runs the designs of `config` and estimates the indices; nothing is
/// written.
pub fn compute(config: &SensitivityConfig) -> Result<SensitivityOutcome> {
    let SensitivityConfig {
        scenario,
        levers,
        method,
        levels,
        common,
        quiet,
        plans,
    } = config;
    let &Common {
        runs: samples,
        seed,
        threads,
        ..
    } = common;
    let (morris, levels) = (method == "morris", *levels);

    let total: u64 = plans.iter().map(|p| p.design.len()).sum();
    let names = metric_names(&scenario.ids);
    let bar = super::progress(*quiet, total);
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut skipped: Vec<(String, String, String)> = Vec::new();
    let mut done = 0;
    for LeverPlan {
        name,
        lever,
        factors,
        design,
    } in plans
    {
        let evaluate = |u: &[f64], noise: sobol::Noise| {
            let mut values = lever.fixed.clone();
            at_point(&mut values, factors, u);
            engine::simulate_values(
                lever,
                &scenario.calendar,
                &values,
                seed,
                noise.row,
                noise.side,
            )
        };
        let (lo, hi) = MORRIS_QUANTILES;
        let y: Vec<Vec<f64>> = engine::evaluate(
            threads,
            design.len(),
            |k| match design {
                Design::Sobol(d) => {
                    let p = d.point(k);
                    evaluate(&p.u, p.noise)
                }
                Design::Morris(d) => {
                    let (u, noise) = d.point(k);
                    let u: Vec<f64> = u.iter().map(|u| lo + (hi - lo) * u).collect();
                    evaluate(&u, noise)
                }
            },
            |n| bar.set_position(done + n),
        )?;
        done += design.len();
        let mut parameters: Vec<String> =
            factors.iter().map(|(i, _)| scenario.path_of(*i)).collect();
        if matches!(design, Design::Sobol(_)) {
            parameters.push("noise".into());
        }
        // Each metric's indices are independent of the others': estimated
        // in parallel, collected in metric order.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| anyhow::anyhow!("cannot start the thread pool: {e}"))?;
        let per_metric: Vec<MetricIndices> = pool.install(|| {
            use rayon::prelude::*;
            (0..names.len())
                .into_par_iter()
                .map(|m| {
                    let column: Vec<f64> = y.iter().map(|v| v[m]).collect();
                    match design {
                        Design::Sobol(d) => d
                            .analyze(&column, sobol::RESAMPLES)
                            .map(|ix| {
                                ix.iter()
                                    .map(|i| vec![("S1", i.first), ("ST", i.total)])
                                    .collect()
                            })
                            .map_err(|e| e.to_string()),
                        Design::Morris(d) => d
                            .analyze(&column, sobol::RESAMPLES)
                            .map(|ix| {
                                ix.iter()
                                    .map(|e| {
                                        vec![
                                            ("mu", e.mu),
                                            ("mu_star", e.mu_star),
                                            ("sigma", e.sigma),
                                        ]
                                    })
                                    .collect()
                            })
                            .map_err(|e| e.to_string()),
                    }
                })
                .collect()
        });
        for (metric, result) in names.iter().zip(per_metric) {
            match result {
                Ok(per_parameter) => {
                    for (parameter, indices) in parameters.iter().zip(per_parameter) {
                        for (index, estimate) in indices {
                            rows.push(Row {
                                lever: name.clone(),
                                metric: metric.clone(),
                                parameter: parameter.clone(),
                                index,
                                estimate,
                            });
                        }
                    }
                }
                Err(why) => skipped.push((name.clone(), metric.clone(), why)),
            }
        }
    }
    bar.finish_and_clear();
    let elapsed = clock.elapsed().as_secs_f64();
    let path = common.out.join(export::SENSITIVITY.name);
    let mut table = Vec::new();
    output::sensitivity::write(&mut table, &rows).map_err(|e| output::OutputError::at(&path, e))?;
    let mut manifest = Manifest::new(
        RunIdentity::of(scenario, seed, samples, levers),
        threads,
        started,
        elapsed,
    );
    let mut settings = vec![format!("method = {method}")];
    if morris {
        settings.push(format!(
            "design = {samples} trajectories of d + 1 points, {} levels from the {} to the {} quantile, step {} of the range",
            levels,
            MORRIS_QUANTILES.0,
            MORRIS_QUANTILES.1,
            fmt_num(Some(
                MorrisDesign {
                    factors: 1,
                    trajectories: 1,
                    levels,
                    seed
                }
                .delta()
            ))
        ));
    } else {
        settings.push(format!(
            "design = Saltelli: {samples} base samples, N (d + 3) runs per lever (A, B, one AB per parameter, one for the noise)"
        ));
    }
    settings.push(format!(
        "bootstrap = {} resamples, 95% percentile intervals",
        sobol::RESAMPLES
    ));
    for (lever, metric, why) in &skipped {
        settings.push(format!("left out = {lever} {metric}: {why}"));
    }
    manifest.analysis = Some(AnalysisInfo {
        command: "sensitivity".into(),
        settings,
    });
    Ok(SensitivityOutcome {
        rows,
        skipped,
        total,
        analysis: Analysis {
            file: &export::SENSITIVITY,
            table,
            manifest,
        },
        elapsed,
    })
}

/// Runs `bilateral sensitivity`.
pub fn execute(args: &SensitivityArgs) -> Result<()> {
    let config = SensitivityConfig::from_args(args)?;
    let outcome = compute(&config)?;
    outcome.analysis.write(&config.common.out)?;
    if !config.quiet {
        let text = summary(
            &plans_summary(&config.plans),
            &outcome.rows,
            &outcome.skipped,
            config.method == "morris",
            outcome.total,
            outcome.elapsed,
            &config.common.out.join(export::SENSITIVITY.name),
            &config.scenario.ids,
        );
        super::emit(&text)?;
    }
    Ok(())
}

/// Per lever: name, evaluations.
fn plans_summary(plans: &[LeverPlan]) -> Vec<(String, u64, usize)> {
    plans
        .iter()
        .map(|p| (p.name.clone(), p.design.len(), p.factors.len()))
        .collect()
}

/// Parameters shown per metric in the printed summary.
const SHOWN: usize = 5;

/// The printed summary: per lever and headline metric, the parameters with
/// the largest total index (or mu*), with the noise's share for Sobol.
#[allow(clippy::too_many_arguments)]
fn summary(
    plans: &[(String, u64, usize)],
    rows: &[Row],
    skipped: &[(String, String, String)],
    morris: bool,
    total: u64,
    elapsed: f64,
    path: &std::path::Path,
    ids: &Pair<String>,
) -> String {
    let r3 = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |x| output::fmt_fixed(x, 3));
    let ci = |e: &Estimate| {
        e.ci.map_or_else(String::new, |(a, b)| {
            format!("[{}, {}]", r3(Some(a)), r3(Some(b)))
        })
    };
    let mut text = format!(
        "{} ({}) in {elapsed:.1} s -> {}\n",
        output::count(total, "run"),
        output::count(plans.len(), "lever"),
        path.display()
    );
    let headline: Vec<String> = output::decision::HEADLINE
        .iter()
        .map(|t| crate::model::outcome::expand(t, ids))
        .collect();
    // Sobol: ranked by S1, the share a parameter explains on its own; ST
    // also counts its interactions with the model's randomness.
    let (key, other) = if morris {
        ("mu_star", "sigma")
    } else {
        ("S1", "ST")
    };
    for (lever, runs, d) in plans {
        let _ = writeln!(
            text,
            "\n{lever}: {}, {}",
            output::count(*d, "uncertain parameter"),
            output::count(*runs, "run")
        );
        for metric in &headline {
            if let Some((_, _, why)) = skipped.iter().find(|s| &s.0 == lever && &s.1 == metric) {
                let _ = writeln!(text, "  {metric}: left out ({why})");
                continue;
            }
            let of = |parameter: &str, index: &str| {
                rows.iter().find(|r| {
                    &r.lever == lever
                        && &r.metric == metric
                        && r.parameter == parameter
                        && r.index == index
                })
            };
            let mut ranked: Vec<&Row> = rows
                .iter()
                .filter(|r| {
                    &r.lever == lever
                        && &r.metric == metric
                        && r.index == key
                        && r.parameter != "noise"
                })
                .collect();
            if ranked.is_empty() {
                continue;
            }
            ranked.sort_by(|a, b| {
                b.estimate
                    .value
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&a.estimate.value.unwrap_or(f64::NEG_INFINITY))
            });
            let noise = if morris {
                String::new()
            } else {
                of("noise", "ST").map_or_else(String::new, |r| {
                    let together = Estimate {
                        value: r.estimate.value.map(|v| 1.0 - v),
                        ci: r.estimate.ci.map(|(lo, hi)| (1.0 - hi, 1.0 - lo)),
                        se: r.estimate.se,
                    };
                    format!(
                        ": parameters together {} {}, noise {}",
                        r3(together.value),
                        ci(&together),
                        r3(r.estimate.value),
                    )
                })
            };
            let _ = writeln!(text, "  {metric}{noise}");
            let _ = writeln!(
                text,
                "    {:<34} {:>7} {:>17}  {:>7} {:>17}",
                "parameter", key, "95% interval", other, "95% interval"
            );
            for r in ranked.iter().take(SHOWN) {
                let o = of(&r.parameter, other);
                let _ = writeln!(
                    text,
                    "    {:<34} {:>7} {:>17}  {:>7} {:>17}",
                    r.parameter,
                    r3(r.estimate.value),
                    ci(&r.estimate),
                    r3(o.and_then(|o| o.estimate.value)),
                    o.map_or_else(String::new, |o| ci(&o.estimate)),
                );
            }
        }
    }
    text
}
