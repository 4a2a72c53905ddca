//! `bilateral bench`: end-to-end speed of a scenario, next to a floor probe
//! measured in the same process so the ratio is stable on noisy machines.

use std::hint::black_box;
use std::time::Instant;

use anyhow::Result;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::UsageError;
use crate::cli::BenchArgs;
use crate::engine::{self, Plan};
use crate::scenario::Scenario;

/// Repetitions of each measurement; the fastest is reported (noise only
/// ever slows a measurement down).
const REPEATS: usize = 5;

/// The bare arithmetic one agent-week of a logit-choice model needs: ten
/// uniform draws from the same generator, the ten exponentials of a 10-way
/// softmax, and one logarithm. Returns nanoseconds per agent-week.
pub fn floor_probe_ns(iterations: u64) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let start = Instant::now();
    let mut acc = 0.0f64;
    for _ in 0..iterations {
        let mut u = [0.0f64; 10];
        for x in &mut u {
            *x = rng.random::<f64>();
        }
        let mut total = 0.0;
        for x in &u {
            total += black_box(-3.0 * x).exp();
        }
        acc += black_box(total).ln();
    }
    black_box(acc);
    start.elapsed().as_nanos() as f64 / iterations as f64
}

/// Runs `bilateral bench`.
pub fn execute(args: &BenchArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let runs = args.runs;
    if runs == 0 {
        return Err(UsageError("--runs must be at least 1".into()).into());
    }
    let levers: Vec<String> = scenario.levers.iter().map(|l| l.name.clone()).collect();
    let plan = Plan::new(&scenario, &levers, runs, scenario.seed).map_err(anyhow::Error::msg)?;
    let agent_weeks =
        runs as f64 * levers.len() as f64 * f64::from(scenario.calendar.horizon_weeks) * 2.0;
    let time_run = |threads: usize| -> Result<f64> {
        let start = Instant::now();
        engine::run(&plan, threads, |_| Ok(()), |_| {})?;
        Ok(start.elapsed().as_secs_f64())
    };
    // One and two threads alternate, each next to a probe, so a slow spell
    // of a shared host hits both sides of every ratio; the fastest of each
    // is kept (noise only ever slows a measurement down).
    let probe_iterations = 2_000_000;
    let (mut one, mut two, mut probe) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..REPEATS {
        probe = probe.min(floor_probe_ns(probe_iterations));
        one = one.min(time_run(1)?);
        two = two.min(time_run(2)?);
    }
    let ns_one = one * 1e9 / agent_weeks;
    let lever_runs = runs as f64 * levers.len() as f64;
    let weeks = scenario.calendar.horizon_weeks;
    let n_levers = levers.len();
    let text = format!(
        "scenario         {}\n\
         work             {} x {} x {} x 2 agents = {agent_weeks:.0} agent-weeks\n\
         1 thread         {:.0} runs/s, {ns_one:.0} ns per agent-week\n\
         2 threads        {:.0} runs/s, speed-up {:.2}x\n\
         floor probe      {probe:.0} ns per agent-week (10 uniforms, 10 exp, 1 ln)\n\
         ratio to floor   {:.2}\n\
         (best of {REPEATS}; runs/s counts one lever's run as a run)\n",
        scenario.path.display(),
        crate::output::count(runs, "run"),
        crate::output::count(n_levers, "lever"),
        crate::output::count(weeks, "week"),
        lever_runs / one,
        lever_runs / two,
        one / two,
        ns_one / probe,
    );
    super::emit(&text)?;
    Ok(())
}
