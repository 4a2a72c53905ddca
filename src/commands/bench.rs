//! `bilateral bench`: end-to-end speed of a scenario, next to a floor probe
//! measured in the same process so the ratio is stable on noisy machines.

use std::hint::black_box;
use std::time::Instant;

use anyhow::Result;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::UsageError;
use crate::cli::BenchArgs;
use crate::engine::{self, Plan, Step, seeds};
use crate::model::lanes::{self, LANES, LanePath, WIDE_LANES, XoshiroLanes};
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

/// The floor probe's arithmetic across lanes: per lane the same ten
/// uniforms, ten exponentials of `-3 u` summed in the same order, and one
/// logarithm per agent-week, with one Xoshiro256++ generator per lane,
/// seeded as the engine seeds the choice streams of runs 0, 1, 2, … under
/// master seed 1. The exponentials are the model's: [`exp_lanes`] on four
/// lanes, or on a CPU with AVX2 its AVX2 path (where the scalar probe
/// times the platform's `f64::exp`); the logarithm stays scalar per lane,
/// there being no bit-reproducible lane version of `ln` in the crate.
/// Returns nanoseconds per agent-week (one lane of one iteration is an
/// agent-week) and the path it ran: the batched step's own width.
///
/// [`exp_lanes`]: crate::model::lanes::exp_lanes
pub fn batched_floor_probe_ns(agent_weeks: u64) -> (f64, LanePath) {
    let path = LanePath::detect();
    let mut gens = XoshiroLanes::new(&probe_generators());
    let iterations = agent_weeks.div_ceil(LANES as u64);
    let start = Instant::now();
    // Dispatch once around the loop so the whole body, generator steps
    // included, is compiled for the path's instruction set.
    let acc = match path {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `detect` found AVX2 on this CPU.
        LanePath::Avx2 => unsafe { batched_probe_avx2(&mut gens, iterations) },
        _ => batched_probe(&mut gens, iterations, lanes::exp_lanes),
    };
    black_box(acc);
    let ns = start.elapsed().as_nanos() as f64 / (iterations * LANES as u64) as f64;
    (ns, path)
}

/// [`batched_floor_probe_ns`] on the widest registers this CPU has: eight
/// lanes of AVX-512 where it has AVX-512 F and DQ (the exponential's table
/// looked up in registers, [`lanes::exp_lanes_avx512`]), else `None`. The
/// floor that a batched step of eight lanes would face; the batched step
/// itself stays at four (eight ran no faster; README, speed).
pub fn widest_floor_probe_ns(agent_weeks: u64) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    if lanes::has_avx512() {
        let mut gens = XoshiroLanes::new(&probe_generators());
        let iterations = agent_weeks.div_ceil(WIDE_LANES as u64);
        let start = Instant::now();
        // SAFETY: the CPU has AVX-512 F and DQ, checked just above.
        black_box(unsafe { batched_probe_avx512(&mut gens, iterations) });
        let per_lane = (iterations * WIDE_LANES as u64) as f64;
        return Some(start.elapsed().as_nanos() as f64 / per_lane);
    }
    let _ = agent_weeks;
    None
}

/// The generators of a batched probe's `N` lanes.
fn probe_generators<const N: usize>() -> [Xoshiro256PlusPlus; N] {
    std::array::from_fn(|l| seeds::stream(seeds::run_seed(1, l as u64), seeds::STREAM_CHOICE, 0))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn batched_probe_avx2(gens: &mut XoshiroLanes, iterations: u64) -> [f64; LANES] {
    // A closure inherits the function's AVX2, so the exponential inlines.
    batched_probe(gens, iterations, |x| lanes::exp_lanes_avx2(x))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn batched_probe_avx512(gens: &mut XoshiroLanes<WIDE_LANES>, iterations: u64) -> [f64; WIDE_LANES] {
    use std::arch::x86_64::{_mm512_loadu_pd, _mm512_storeu_pd};
    batched_probe(gens, iterations, |x| {
        let mut y = [0.0; WIDE_LANES];
        // SAFETY: unaligned load and store of arrays of eight.
        unsafe {
            _mm512_storeu_pd(
                y.as_mut_ptr(),
                lanes::exp_lanes_avx512(_mm512_loadu_pd(x.as_ptr())),
            );
        }
        y
    })
}

/// The loop of the batched probes: the sum of the logarithms per lane.
#[inline(always)]
fn batched_probe<const N: usize>(
    gens: &mut XoshiroLanes<N>,
    iterations: u64,
    exp_lanes: impl Fn([f64; N]) -> [f64; N],
) -> [f64; N] {
    let mut acc = [0.0f64; N];
    for _ in 0..iterations {
        let mut u = [[0.0f64; N]; 10];
        for x in &mut u {
            *x = gens.next_f64();
        }
        let mut total = [0.0f64; N];
        for x in &u {
            // black_box as in the scalar probe: the exponentials are
            // computed, not hoisted or folded.
            let e = exp_lanes(black_box(x.map(|v| -3.0 * v)));
            for l in 0..N {
                total[l] += e[l];
            }
        }
        let total = black_box(total);
        for l in 0..N {
            acc[l] += total[l].ln();
        }
    }
    acc
}

/// How a step reads in the report.
fn step_name(step: Step) -> String {
    match step {
        Step::Scalar => "scalar".to_string(),
        Step::Batched(path) => format!("lanes of {LANES}, {}", path.name()),
    }
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
    let time_run = |threads: usize, step: Step| -> Result<f64> {
        let mut plan = plan.clone();
        plan.step = step;
        let start = Instant::now();
        engine::run(&plan, threads, |_| Ok(()), |_| {})?;
        Ok(start.elapsed().as_secs_f64())
    };
    // The scalar and the batched step on one thread, the engine's default
    // on two, each next to a probe, alternating so a slow spell of a
    // shared host hits every side of each ratio; the fastest of each is
    // kept (noise only ever slows a measurement down).
    let probe_iterations = 2_000_000;
    let default_step = plan.step;
    let batched_step = Step::batched();
    let (mut scalar, mut batched, mut two, mut probe) =
        (f64::INFINITY, f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut batched_probe = f64::INFINITY;
    let mut widest_probe: Option<f64> = None;
    let mut path = LanePath::Portable;
    for _ in 0..REPEATS {
        probe = probe.min(floor_probe_ns(probe_iterations));
        let (ns, p) = batched_floor_probe_ns(probe_iterations);
        (batched_probe, path) = (batched_probe.min(ns), p);
        if let Some(ns) = widest_floor_probe_ns(probe_iterations) {
            widest_probe = Some(widest_probe.map_or(ns, |w| w.min(ns)));
        }
        scalar = scalar.min(time_run(1, Step::Scalar)?);
        batched = batched.min(time_run(1, batched_step)?);
        two = two.min(time_run(2, default_step)?);
    }
    let one = if default_step == Step::Scalar {
        scalar
    } else {
        batched
    };
    let ns = |seconds: f64| seconds * 1e9 / agent_weeks;
    let lever_runs = runs as f64 * levers.len() as f64;
    let weeks = scenario.calendar.horizon_weeks;
    let n_levers = levers.len();
    let text = format!(
        "scenario         {}\n\
         work             {} x {} x {} x 2 agents = {agent_weeks:.0} agent-weeks\n\
         1 thread scalar  {:.0} runs/s, {:.0} ns per agent-week (the reference step)\n\
         1 thread batched {:.0} runs/s, {:.0} ns per agent-week ({}), {:.2}x scalar\n\
         2 threads        {:.0} runs/s, speed-up {:.2}x ({}, the default)\n\
         floor probe      {probe:.0} ns per agent-week (10 uniforms, 10 exp, 1 ln)\n\
         ratio to floor   {:.2} (the default step on 1 thread)\n\
         batched floor    {batched_probe:.0} ns per agent-week (lanes of {LANES}, {}){}\n\
         (best of {REPEATS}; runs/s counts one lever's run as a run)\n",
        scenario.path.display(),
        crate::output::count(runs, "run"),
        crate::output::count(n_levers, "lever"),
        crate::output::count(weeks, "week"),
        lever_runs / scalar,
        ns(scalar),
        lever_runs / batched,
        ns(batched),
        step_name(batched_step),
        scalar / batched,
        lever_runs / two,
        one / two,
        step_name(default_step),
        ns(one) / probe,
        path.name(),
        widest_probe.map_or(String::new(), |ns| format!(
            "\nwidest floor     {ns:.0} ns per agent-week (lanes of {WIDE_LANES}, avx512)"
        )),
    );
    super::emit(&text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::exp::exp;

    /// What each of `N` lanes of a batched probe must sum: the scalar
    /// probe's arithmetic with the model's exponential, on the lane's own
    /// generator.
    fn scalar_probe_sums<const N: usize>(iterations: u64) -> [f64; N] {
        let mut sums = [0.0f64; N];
        for (l, mut rng) in probe_generators::<N>().into_iter().enumerate() {
            for _ in 0..iterations {
                let u: [f64; 10] = std::array::from_fn(|_| rng.random::<f64>());
                let total: f64 = u.iter().fold(0.0, |t, x| t + exp(-3.0 * x));
                sums[l] += total.ln();
            }
        }
        sums
    }

    /// The batched probe does per lane what the scalar probe does with the
    /// model's exponential, to the bit, on every path this CPU runs.
    #[test]
    fn the_batched_probe_is_the_scalar_arithmetic_lane_by_lane() {
        let iterations = 500;
        let want = scalar_probe_sums::<LANES>(iterations);
        let bits = |a: [f64; LANES]| a.map(f64::to_bits);
        let portable = batched_probe(
            &mut XoshiroLanes::new(&probe_generators()),
            iterations,
            lanes::exp_lanes_portable,
        );
        assert_eq!(bits(portable), bits(want));
        let fallback = batched_probe(
            &mut XoshiroLanes::new(&probe_generators()),
            iterations,
            lanes::exp_lanes,
        );
        assert_eq!(bits(fallback), bits(want));
        #[cfg(target_arch = "x86_64")]
        if LanePath::detect() == LanePath::Avx2 {
            // SAFETY: the CPU has AVX2.
            let avx2 = unsafe {
                batched_probe_avx2(&mut XoshiroLanes::new(&probe_generators()), iterations)
            };
            assert_eq!(bits(avx2), bits(want));
        }
        let (ns, _) = batched_floor_probe_ns(1000);
        assert!(ns > 0.0);
    }

    /// The eight-lane AVX-512 probe is the scalar probe's arithmetic per
    /// lane too, to the bit, for the generators of runs 0..8 (so the upper
    /// four lanes, which the four-lane probes never run, are checked).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_widest_probe_is_the_scalar_arithmetic_in_all_eight_lanes() {
        if !lanes::has_avx512() {
            // A CPU without AVX-512 never runs this probe.
            assert_eq!(widest_floor_probe_ns(1000), None);
            return;
        }
        let iterations = 500;
        let want = scalar_probe_sums::<WIDE_LANES>(iterations);
        // SAFETY: the CPU has AVX-512 F and DQ.
        let got = unsafe {
            batched_probe_avx512(&mut XoshiroLanes::new(&probe_generators()), iterations)
        };
        assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits));
        assert!(widest_floor_probe_ns(1000).is_some_and(|ns| ns > 0.0));
    }
}
