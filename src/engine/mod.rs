//! The Monte Carlo engine: seeds, parallel runs, and the merge.
//!
//! Runs are cut into fixed-size chunks of 64. A batch of chunks is simulated
//! in parallel (rayon); each chunk is then added to the statistics, the
//! levers' summaries in parallel, while its records stream to runs.csv in
//! run order. The statistics are exact integer sums (see `stats`), so the
//! result does not depend on which thread adds what: outputs are
//! byte-identical for any `--threads` and for shards merged later. Stop
//! rules and Ctrl-C are checked after every chunk, in run order. Only one
//! batch of chunk results is alive at a time: memory does not grow with the
//! number of runs.

pub mod seeds;

use crate::model::Pair;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use crate::calendar::Calendar;
use crate::model::batch::simulate_lanes;
use crate::model::lanes::{LANES, LanePath};
use crate::model::outcome::{self, METRICS, VARIABLES};
use crate::model::{DynamicsRngs, ModelParams, NoObserver, Observer, RunTotals, State, simulate};
use crate::regularities::{self, Story};
use crate::scenario::{ResolvedLever, Scenario};
use crate::stats::{Paired, Summary};

/// Runs per chunk: the unit of parallel work and of ordered merging. Fixed,
/// so results do not depend on the thread count.
pub const CHUNK_RUNS: u64 = 64;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Levers to run, the comparison baseline first.
    pub levers: Vec<ResolvedLever>,
    /// Runs per lever.
    pub runs: u64,
    /// The run indices this plan simulates: all of `0..runs`, or one
    /// shard's share of them.
    pub range: std::ops::Range<u64>,
    /// Master seed.
    pub seed: u64,
    /// Weeks and month ends.
    pub calendar: Calendar,
    /// Flat indices reported per run (the uncertainties).
    pub reported: Vec<usize>,
    /// Index into `levers` of the lever others are compared with.
    pub reference: usize,
    /// Names of all rules of the run levers: the `rule_<name>_fired` columns.
    pub rule_names: Vec<String>,
    /// Stop early once a metric is precise enough (`--until-ci`).
    pub stop_rule: Option<StopRule>,
    /// Judge every run against the record's regularities
    /// (`RunRecord::regularities`), in the same simulation as its outputs.
    pub judge_regularities: bool,
    /// How the runs are stepped: [`Step::fastest`] unless set otherwise
    /// (the outputs are the same bits either way; `bilateral bench` times
    /// both).
    pub step: Step,
}

/// How the engine advances its runs; every choice gives the same bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One run at a time ([`crate::model::simulate`], the reference).
    Scalar,
    /// [`LANES`] runs of a lever at a time on this compiled path
    /// ([`crate::model::batch::simulate_lanes`]); a chunk's last runs of a
    /// lever that do not fill a batch run scalar.
    Batched(LanePath),
}

impl Step {
    /// The default: batched where the CPU has AVX2, where it is the faster
    /// (354.7 M against 400.0 M instructions on 1,000 September Mexico
    /// baseline runs, callgrind); scalar elsewhere, the array path of the
    /// lanes being slower than the scalar step without AVX2's registers.
    pub fn fastest() -> Step {
        match LanePath::detect() {
            LanePath::Avx2 => Step::Batched(LanePath::Avx2),
            _ => Step::Scalar,
        }
    }

    /// The batched step on the widest path this CPU runs.
    pub fn batched() -> Step {
        Step::Batched(LanePath::detect())
    }
}

/// What a plan will hold in memory, in bytes, before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// The statistics: per lever, every metric's and every month end's
    /// variables' histograms (levers × month ends × variables × bins).
    pub statistics: u64,
    /// The chunks simulated ahead of the merge, with every run's month-end
    /// values (threads × chunks in flight × 64 runs × levers × month ends ×
    /// variables).
    pub in_flight: u64,
}

impl MemoryEstimate {
    /// Both parts.
    pub fn total(&self) -> u64 {
        self.statistics.saturating_add(self.in_flight)
    }
}

impl Plan {
    /// Estimates the memory a run of this plan on `threads` threads holds.
    pub fn memory_estimate(&self, threads: usize) -> MemoryEstimate {
        let summary = |resolution: f64, upper: f64| -> u64 {
            let bins = (upper / resolution).round().max(0.0) as u64 + 1;
            std::mem::size_of::<Summary>() as u64 + 8 * bins
        };
        let months = self.calendar.month_ends.len() as u64;
        let levers = self.levers.len() as u64;
        let metrics: u64 = METRICS
            .iter()
            .map(|m| summary(m.resolution, m.upper) + std::mem::size_of::<Paired>() as u64)
            .sum();
        let variables: u64 = VARIABLES
            .iter()
            .map(|v| summary(v.resolution, v.upper))
            .sum();
        let per_lever = metrics.saturating_add(months.saturating_mul(variables));
        let chunks = (self.range.end - self.range.start).div_ceil(CHUNK_RUNS);
        let workers = (threads as u64).min(chunks).max(1);
        // Chunks ahead of the merge (4 per worker) and in the channel (2
        // per worker), and the one being merged.
        let chunks_held = (6 * workers + 1).min(chunks.max(1));
        let per_record = std::mem::size_of::<RunRecord>() as u64
            + 8 * (self.reported.len() + METRICS.len()) as u64
            + 4 * self.rule_names.len() as u64
            + 8 * months * VARIABLES.len() as u64;
        MemoryEstimate {
            statistics: levers.saturating_mul(per_lever),
            in_flight: chunks_held
                .saturating_mul(CHUNK_RUNS)
                .saturating_mul(levers)
                .saturating_mul(per_record),
        }
    }

    /// A plan for `levers` (names) of `scenario`.
    pub fn new(
        scenario: &Scenario,
        levers: &[String],
        runs: u64,
        seed: u64,
    ) -> Result<Plan, String> {
        let resolved = levers
            .iter()
            .map(|name| {
                let lever = scenario
                    .lever(name)
                    .ok_or_else(|| format!("no lever named `{name}`"))?;
                ResolvedLever::new(scenario, lever)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut rule_names: Vec<String> = Vec::new();
        for r in resolved.iter().flat_map(|l| &l.rules) {
            if !rule_names.contains(&r.name) {
                rule_names.push(r.name.clone());
            }
        }
        Ok(Plan {
            levers: resolved,
            runs,
            seed,
            calendar: scenario.calendar.clone(),
            reported: scenario.uncertain_indices(),
            reference: 0,
            rule_names,
            range: 0..runs,
            stop_rule: None,
            judge_regularities: false,
            step: Step::fastest(),
        })
    }
}

/// One run of one lever, as streamed to runs.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Run index, 0-based.
    pub run: u64,
    /// Index into `Plan::levers`.
    pub lever: usize,
    /// The run seed.
    pub seed: u64,
    /// Values of `Plan::reported` parameters in this run.
    pub reported: Vec<f64>,
    /// Outcome metrics (`NaN` = undefined).
    pub metrics: Vec<f64>,
    /// Times each rule of `Plan::rule_names` fired in this run (0 for rules
    /// of other levers).
    pub rules_fired: Vec<u32>,
    /// Verdicts on the regularities, one per `regularities::CHECKS` row
    /// (`None`: does not apply); empty unless `Plan::judge_regularities`.
    pub regularities: Vec<Option<bool>>,
}

/// Accumulated results of one lever.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LeverResults {
    /// Lever name.
    pub name: String,
    /// One summary per metric in `outcome::METRICS` order.
    pub metrics: Vec<Summary>,
    /// `[month][variable]` summaries in `outcome::VARIABLES` order.
    pub months: Vec<Vec<Summary>>,
    /// Paired differences with the reference lever, one per metric (empty
    /// statistics for the reference itself).
    pub paired: Vec<Paired>,
}

/// Accumulated results of a whole run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Results {
    /// Per lever, in plan order.
    pub levers: Vec<LeverResults>,
    /// Runs per lever accumulated.
    pub runs: u64,
    /// Index of the reference lever of `paired`.
    pub reference: usize,
    /// Whether a stop rule ended the run before all runs were done.
    #[serde(default)]
    pub stopped_early: bool,
}

/// Records the month-end variables as the run passes each month end.
struct MonthEnds<'a> {
    weeks: &'a [(String, u32)],
    next: usize,
    out: &'a mut [f64],
}

impl Observer for MonthEnds<'_> {
    fn week_end(&mut self, state: &State) {
        let n = VARIABLES.len();
        while self.next < self.weeks.len() && self.weeks[self.next].1 == state.week {
            outcome::variables(state, &mut self.out[self.next * n..(self.next + 1) * n]);
            self.next += 1;
        }
    }
}

/// Sets up the parameters and streams of run `run` of `lever`: the same
/// function serves the engine and `bilateral trace`, so a traced run is the
/// run in runs.csv.
pub fn prepare_run(
    lever: &ResolvedLever,
    master_seed: u64,
    run: u64,
) -> (ModelParams, DynamicsRngs, Vec<f64>, u64) {
    let run_seed = seeds::run_seed(master_seed, run);
    let mut values = lever.fixed.clone();
    lever.draw(&mut values, |index| {
        seeds::stream(run_seed, seeds::STREAM_UNCERTAINTY, index as u64)
    });
    let params = ModelParams::from_flat(&values);
    let rngs = DynamicsRngs {
        choice: seeds::stream(run_seed, seeds::STREAM_CHOICE, 0),
        shocks: seeds::stream(run_seed, seeds::STREAM_SHOCKS, 0),
    };
    (params, rngs, values, run_seed)
}

/// The outcome metrics of one run of `lever` with every parameter fixed at
/// `values` (a full flat vector, as `prepare_run` draws it) and the dynamics
/// streams of noise `side` of run `run` under `master_seed`: side 0 is the
/// choice and shock streams of run `run` of `bilateral run`, side 1 an
/// independent second pair (`bilateral sensitivity` crosses them).
pub fn simulate_values(
    lever: &ResolvedLever,
    calendar: &Calendar,
    values: &[f64],
    master_seed: u64,
    run: u64,
    side: u64,
) -> Vec<f64> {
    let run_seed = seeds::run_seed(master_seed, run);
    let params = ModelParams::from_flat(values);
    let mut rngs = DynamicsRngs {
        choice: seeds::stream(run_seed, seeds::STREAM_CHOICE, side),
        shocks: seeds::stream(run_seed, seeds::STREAM_SHOCKS, side),
    };
    let (state, totals) = simulate(
        &params,
        &lever.rules,
        calendar.horizon_weeks,
        &mut rngs,
        &mut crate::model::NoObserver,
    );
    let mut metrics = vec![0.0; METRICS.len()];
    outcome::metrics(&state, &totals, &mut metrics);
    metrics
}

/// Evaluates `f` at `0..count` on `threads` threads and returns the values
/// in index order: the same vector for any thread count, as long as `f`
/// depends on its index alone. Works in batches of whole chunks
/// ([`CHUNK_RUNS`]); after each batch `on_progress` sees the points done
/// and Ctrl-C stops the evaluation.
pub fn evaluate<T: Send>(
    threads: usize,
    count: u64,
    f: impl Fn(u64) -> T + Sync,
    mut on_progress: impl FnMut(u64),
) -> Result<Vec<T>, EngineError> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| EngineError::Threads(e.to_string()))?;
    let batch = CHUNK_RUNS * 4 * threads.max(1) as u64;
    let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut start = 0;
    while start < count {
        let end = count.min(start + batch);
        let part: Vec<T> = pool.install(|| (start..end).into_par_iter().map(&f).collect());
        out.extend(part);
        on_progress(end);
        if INTERRUPTED.load(Ordering::Relaxed) {
            return Err(EngineError::Interrupted);
        }
        start = end;
    }
    Ok(out)
}

struct ChunkResult {
    records: Vec<RunRecord>,
    /// Per record: months × variables.
    month_values: Vec<f64>,
}

fn simulate_chunk(plan: &Plan, chunk: u64) -> ChunkResult {
    let first = plan.range.start + chunk * CHUNK_RUNS;
    let last = (first + CHUNK_RUNS).min(plan.range.end);
    let per_record = plan.calendar.month_ends.len() * VARIABLES.len();
    let n_levers = plan.levers.len();
    let count = (last - first) as usize * n_levers;
    let mut records: Vec<Option<RunRecord>> = (0..count).map(|_| None).collect();
    let mut month_values = vec![f64::NAN; count * per_record];
    // Record `k` is run `first + k / levers` of lever `k % levers`, each
    // with its own slice of month-end values.
    let mut slots: Vec<&mut [f64]> = if per_record == 0 {
        (0..count).map(|_| <&mut [f64]>::default()).collect()
    } else {
        month_values.chunks_mut(per_record).collect()
    };
    for li in 0..n_levers {
        let mut run = first;
        while run < last {
            let batch = match plan.step {
                Step::Batched(path) if last - run >= LANES as u64 => Some(path),
                _ => None,
            };
            let size = if batch.is_some() { LANES } else { 1 };
            let ks: Vec<usize> = (0..size)
                .map(|l| (run - first) as usize * n_levers + li + l * n_levers)
                .collect();
            let outs: Vec<&mut [f64]> = ks.iter().map(|&k| std::mem::take(&mut slots[k])).collect();
            let done = if plan.judge_regularities {
                simulate_group(
                    plan,
                    li,
                    run,
                    batch,
                    outs,
                    Story::default,
                    regularities::judge,
                )
            } else {
                simulate_group(plan, li, run, batch, outs, || NoObserver, |_| Vec::new())
            };
            for (k, record) in ks.into_iter().zip(done) {
                records[k] = Some(record);
            }
            run += size as u64;
        }
    }
    ChunkResult {
        records: records
            .into_iter()
            .map(|r| r.expect("every run of the chunk is simulated"))
            .collect(),
        month_values,
    }
}

/// Simulates runs `run..run + outs.len()` of lever `li` (a batch of
/// [`LANES`] on `batch`'s path, else one scalar run), each recording its
/// month ends into its `outs` slice and watched by one `extra` observer
/// (the story of its regularities, or nothing), which `judge` reads.
fn simulate_group<X: Observer>(
    plan: &Plan,
    li: usize,
    run: u64,
    batch: Option<LanePath>,
    outs: Vec<&mut [f64]>,
    extra: impl Fn() -> X,
    judge: impl Fn(&X) -> Vec<Option<bool>>,
) -> Vec<RunRecord> {
    let lever = &plan.levers[li];
    let weeks = plan.calendar.horizon_weeks;
    let mut params = Vec::with_capacity(outs.len());
    let mut rngs = Vec::with_capacity(outs.len());
    let mut drawn = Vec::with_capacity(outs.len());
    for l in 0..outs.len() as u64 {
        let (p, r, values, run_seed) = prepare_run(lever, plan.seed, run + l);
        params.push(p);
        rngs.push(r);
        drawn.push((values, run_seed));
    }
    let mut observers: Vec<(MonthEnds, X)> = outs
        .into_iter()
        .map(|out| {
            let month_ends = MonthEnds {
                weeks: &plan.calendar.month_ends,
                next: 0,
                out,
            };
            (month_ends, extra())
        })
        .collect();
    let ends: Vec<(State, RunTotals)> = match batch {
        Some(path) => {
            let params = std::array::from_fn(|l| &params[l]);
            let rngs: &mut [DynamicsRngs; LANES] =
                (&mut rngs[..]).try_into().expect("a batch is LANES runs");
            let observers: &mut [_; LANES] = (&mut observers[..])
                .try_into()
                .expect("a batch is LANES runs");
            simulate_lanes(path, params, &lever.rules, weeks, rngs, observers).into()
        }
        None => vec![simulate(
            &params[0],
            &lever.rules,
            weeks,
            &mut rngs[0],
            &mut observers[0],
        )],
    };
    ends.into_iter()
        .zip(&observers)
        .zip(&drawn)
        .enumerate()
        .map(|(l, (((state, totals), (_, extra)), (values, run_seed)))| {
            let mut metrics = vec![0.0; METRICS.len()];
            outcome::metrics(&state, &totals, &mut metrics);
            RunRecord {
                run: run + l as u64,
                lever: li,
                seed: *run_seed,
                reported: plan.reported.iter().map(|&i| values[i]).collect(),
                metrics,
                rules_fired: plan
                    .rule_names
                    .iter()
                    .map(|name| {
                        lever
                            .rules
                            .iter()
                            .position(|r| r.name == *name)
                            .map_or(0, |k| totals.rules_fired[k])
                    })
                    .collect(),
                regularities: judge(extra),
            }
        })
        .collect()
}

/// Runs the baseline of `scenario` `runs` times on `threads` threads and
/// counts each regularity.
pub fn count_regularities(
    scenario: &Scenario,
    runs: u64,
    seed: u64,
    threads: usize,
) -> Result<Vec<regularities::Regularity>, RegularitiesError> {
    let mut plan = Plan::new(scenario, &["baseline".to_string()], runs, seed)
        .map_err(RegularitiesError::Scenario)?;
    plan.judge_regularities = true;
    let mut tally = regularities::Tally::default();
    run(
        &plan,
        threads,
        |record| {
            tally.add(&record.regularities);
            Ok(())
        },
        |_| {},
    )?;
    Ok(tally.rows())
}

/// Why the regularities could not be counted.
#[derive(Debug, thiserror::Error)]
pub enum RegularitiesError {
    /// The scenario has no baseline, or it does not resolve.
    #[error("{0}")]
    Scenario(String),
    /// The engine stopped (Ctrl-C, threads).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Runs the plan on `threads` threads. `on_record` sees every run in run
/// order (run 0 of every lever, then run 1, …); `on_progress` the runs done.
pub fn run(
    plan: &Plan,
    threads: usize,
    mut on_record: impl FnMut(&RunRecord) -> std::io::Result<()> + Send,
    mut on_progress: impl FnMut(u64),
) -> Result<Results, EngineError> {
    // No more workers than chunks: the others would have nothing to do.
    let chunks = (plan.range.end - plan.range.start).div_ceil(CHUNK_RUNS);
    let workers = threads
        .min(usize::try_from(chunks).unwrap_or(usize::MAX))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .map_err(|e| EngineError::Threads(e.to_string()))?;
    let n_months = plan.calendar.month_ends.len();
    let mut levers: Vec<LeverResults> = plan
        .levers
        .iter()
        .map(|l| LeverResults {
            name: l.name.clone(),
            metrics: METRICS
                .iter()
                .map(|m| Summary::new(m.resolution, m.upper))
                .collect(),
            months: (0..n_months)
                .map(|_| {
                    VARIABLES
                        .iter()
                        .map(|v| Summary::new(v.resolution, v.upper))
                        .collect()
                })
                .collect(),
            paired: vec![Paired::default(); METRICS.len()],
        })
        .collect();
    let per_record = n_months * VARIABLES.len();
    let mut done = 0;
    let mut stopped_early = false;
    // One buffer for every chunk's summary-major month-end values: a
    // fresh zeroed one per chunk and lever cost 1% of a run's instructions.
    let mut by_summary = Vec::new();
    // Adds one chunk (in run order) to the statistics, streams its records
    // and reports progress; true when the stop rule is met. Checked after
    // every chunk in run order: where a run stops depends on the seed alone,
    // never on the thread count.
    let mut absorb = |chunk: &ChunkResult| -> Result<bool, EngineError> {
        for (li, lever) in levers.iter_mut().enumerate() {
            merge_chunk(plan, chunk, li, lever, per_record, &mut by_summary);
        }
        for record in &chunk.records {
            on_record(record).map_err(EngineError::Output)?;
        }
        let last_run = chunk.records.last().map_or(plan.range.start, |r| r.run + 1);
        done = last_run - plan.range.start;
        on_progress(last_run);
        if INTERRUPTED.load(Ordering::Relaxed) {
            return Err(EngineError::Interrupted);
        }
        Ok(plan.stop_rule.as_ref().is_some_and(|rule| {
            levers.iter().all(|l| {
                l.metrics[rule.metric]
                    .ci95()
                    .is_some_and(|(lo, hi)| (hi - lo) / 2.0 <= rule.half_width)
            })
        }))
    };
    if workers == 1 {
        for c in 0..chunks {
            if absorb(&simulate_chunk(plan, c))? {
                stopped_early = true;
                break;
            }
        }
    } else {
        // Workers take chunks in order from a shared counter and send them
        // back; the calling thread puts them in order and absorbs them, so
        // no worker ever waits at a barrier. Memory stays flat: no worker
        // starts a chunk more than `ahead` chunks past the last absorbed one
        // (the lowest chunk in flight never waits, so this cannot deadlock),
        // and the channel is bounded, so a slow consumer (runs.csv on a slow
        // disk) holds the workers back. Chunks simulated past a stop are
        // discarded.
        let ahead = 4 * workers as u64;
        let next_chunk = AtomicU64::new(0);
        let absorbed = AtomicU64::new(0);
        let stop_workers = AtomicBool::new(false);
        let (sender, receiver) = mpsc::sync_channel::<(u64, ChunkResult)>(2 * workers);
        std::thread::scope(|threads_scope| -> Result<(), EngineError> {
            let (next_chunk, absorbed, stop_workers, pool) =
                (&next_chunk, &absorbed, &stop_workers, &pool);
            threads_scope.spawn(move || {
                pool.scope(|pool_scope| {
                    for _ in 0..workers {
                        let sender = sender.clone();
                        pool_scope.spawn(move |_| {
                            while !stop_workers.load(Ordering::Relaxed) {
                                let c = next_chunk.fetch_add(1, Ordering::Relaxed);
                                if c >= chunks {
                                    break;
                                }
                                while c >= absorbed.load(Ordering::Acquire) + ahead
                                    && !stop_workers.load(Ordering::Relaxed)
                                {
                                    std::thread::sleep(std::time::Duration::from_millis(1));
                                }
                                if stop_workers.load(Ordering::Relaxed)
                                    || sender.send((c, simulate_chunk(plan, c))).is_err()
                                {
                                    break;
                                }
                            }
                        });
                    }
                });
            });
            let mut waiting = BTreeMap::new();
            let mut expected = 0;
            let outcome = (|| {
                for (c, chunk) in &receiver {
                    waiting.insert(c, chunk);
                    while let Some(chunk) = waiting.remove(&expected) {
                        expected += 1;
                        absorbed.store(expected, Ordering::Release);
                        if absorb(&chunk)? {
                            stopped_early = true;
                            return Ok(());
                        }
                    }
                }
                Ok(())
            })();
            // Let the workers finish: no new chunks, and a closed channel
            // for any that is blocked sending.
            stop_workers.store(true, Ordering::Relaxed);
            drop(receiver);
            outcome
        })?;
    }
    Ok(Results {
        levers,
        runs: done,
        reference: plan.reference,
        stopped_early,
    })
}

/// Adds lever `li`'s runs of `chunk` to its statistics.
///
/// Summary by summary: each month-end summary takes all the chunk's runs
/// in one go, in run order (so the same bits as run by run), and
/// [`Summary::add_all`] overlaps the misses on its bins (about 10 MB of
/// them per lever, out of cache between chunks); run by run, the merge was
/// a fifth of the wall time.
fn merge_chunk(
    plan: &Plan,
    chunk: &ChunkResult,
    li: usize,
    lever: &mut LeverResults,
    per_record: usize,
    by_summary: &mut Vec<f64>,
) {
    let n_levers = plan.levers.len();
    let runs = chunk.records.len() / n_levers.max(1);
    for run in chunk.records.chunks(n_levers) {
        let record = &run[li];
        if li != plan.reference {
            let reference = &run[plan.reference].metrics;
            for ((p, &x), &b) in lever.paired.iter_mut().zip(&record.metrics).zip(reference) {
                p.add(x, b);
            }
        }
    }
    for (m, summary) in lever.metrics.iter_mut().enumerate() {
        summary.add_all(chunk.records.chunks(n_levers).map(|run| run[li].metrics[m]));
    }
    if per_record == 0 {
        // No month end within the horizon: no month summaries to add to.
        return;
    }
    // The lever's month-end values turned summary-major (a few hundred kB,
    // in cache), so each summary reads its runs' values as one slice.
    // Every element is written below before it is read; the zeros only
    // size a buffer that is reused chunk after chunk.
    by_summary.resize(per_record * runs, 0.0);
    for (r, values) in chunk
        .month_values
        .chunks_exact(per_record)
        .skip(li)
        .step_by(n_levers)
        .enumerate()
    {
        for (s, &x) in values.iter().enumerate() {
            by_summary[s * runs + r] = x;
        }
    }
    let summaries = lever.months.iter_mut().flatten();
    for (summary, values) in summaries.zip(by_summary.chunks_exact(runs.max(1))) {
        summary.add_all(values.iter().copied());
    }
}

/// Set when the user presses Ctrl-C; the engine stops after the current chunk.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Stop adding runs once the 95% confidence half-width of one metric's mean
/// is at most `half_width` for every lever.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopRule {
    /// Index into `model::outcome::METRICS`.
    pub metric: usize,
    /// Target half-width, in the metric's unit.
    pub half_width: f64,
}

impl Results {
    /// Adds the runs of `other` (the same levers and outputs, other runs).
    /// Exact: merging shards in any order gives the single-machine numbers.
    pub fn merge(&mut self, other: &Results) -> Result<(), String> {
        if self.levers.len() != other.levers.len() || self.reference != other.reference {
            return Err("the partial results have different levers".into());
        }
        for (a, b) in self.levers.iter_mut().zip(&other.levers) {
            let shapes_match = a.name == b.name
                && a.metrics.len() == b.metrics.len()
                && a.months.len() == b.months.len()
                && a.metrics
                    .iter()
                    .zip(&b.metrics)
                    .all(|(x, y)| x.same_shape(y))
                && a.months.iter().zip(&b.months).all(|(m, n)| {
                    m.len() == n.len() && m.iter().zip(n).all(|(x, y)| x.same_shape(y))
                });
            if !shapes_match {
                return Err(format!(
                    "lever `{}` has a different layout in the partial results",
                    a.name
                ));
            }
            a.metrics
                .iter_mut()
                .zip(&b.metrics)
                .for_each(|(x, y)| x.merge(y));
            for (m, n) in a.months.iter_mut().zip(&b.months) {
                m.iter_mut().zip(n).for_each(|(x, y)| x.merge(y));
            }
            a.paired
                .iter_mut()
                .zip(&b.paired)
                .for_each(|(x, y)| x.merge(y));
        }
        self.runs += other.runs;
        Ok(())
    }
}

impl Results {
    /// Checks results read from an untrusted file (a shard's partial)
    /// against what this binary accumulates: the levers `levers` in order
    /// with the reference at `reference`, every metric of
    /// `outcome::METRICS` and every variable of `outcome::VARIABLES` at each
    /// of `months` month ends, binned as this binary bins them, each
    /// summary internally consistent and counting at most `runs` values.
    /// The message names the lever and the quantity.
    pub fn check(
        &self,
        ids: &Pair<String>,
        levers: &[String],
        reference: usize,
        months: usize,
        runs: u64,
    ) -> Result<(), String> {
        if self.runs != runs {
            return Err(format!(
                "results.runs is {} but the shard's run range holds {runs} runs",
                self.runs
            ));
        }
        if self.stopped_early {
            return Err("results.stopped_early is set: a shard always runs its whole range".into());
        }
        let names: Vec<&str> = self.levers.iter().map(|l| l.name.as_str()).collect();
        if names != levers || self.reference != reference {
            return Err(format!(
                "results hold levers {names:?} (reference {}) but the partial names {levers:?} (reference {reference})",
                self.reference
            ));
        }
        for lever in &self.levers {
            let at =
                |what: String, problem: &str| format!("lever `{}`, {what}: {problem}", lever.name);
            if lever.metrics.len() != METRICS.len() || lever.paired.len() != METRICS.len() {
                return Err(at(
                    "metrics".into(),
                    &format!(
                        "{} metric summaries and {} paired ones, this bilateral reports {}",
                        lever.metrics.len(),
                        lever.paired.len(),
                        METRICS.len()
                    ),
                ));
            }
            if lever.months.len() != months {
                return Err(at(
                    "months".into(),
                    &format!(
                        "{} month ends, the horizon has {months}",
                        lever.months.len()
                    ),
                ));
            }
            for month in &lever.months {
                if month.len() != VARIABLES.len() {
                    return Err(at(
                        "months".into(),
                        &format!(
                            "{} variables at a month end, this bilateral reports {}",
                            month.len(),
                            VARIABLES.len()
                        ),
                    ));
                }
            }
            let summaries = METRICS
                .iter()
                .zip(&lever.metrics)
                .map(|(m, s)| (outcome::expand(m.template, ids), m.resolution, m.upper, s))
                .chain(lever.months.iter().flat_map(|month| {
                    VARIABLES
                        .iter()
                        .zip(month)
                        .map(|(v, s)| (outcome::expand(v.template, ids), v.resolution, v.upper, s))
                }));
            for (name, resolution, upper, s) in summaries {
                if !s.same_shape(&Summary::new(resolution, upper)) {
                    return Err(at(format!("`{name}`"), "a different resolution or range"));
                }
                s.check().map_err(|e| at(format!("`{name}`"), e))?;
                if s.n() > runs {
                    return Err(at(
                        format!("`{name}`"),
                        &format!("n = {} is more than the {runs} runs", s.n()),
                    ));
                }
            }
            for (m, p) in METRICS.iter().zip(&lever.paired) {
                let name = outcome::expand(m.template, ids);
                p.check().map_err(|e| at(format!("paired `{name}`"), e))?;
                if p.n() > runs {
                    return Err(at(
                        format!("paired `{name}`"),
                        &format!("n = {} is more than the {runs} runs", p.n()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// [`Results::merge`] for checked untrusted input: every count and sum
    /// overflow-checked; on an error `self` may hold part of `other`.
    pub fn checked_merge(&mut self, other: &Results) -> Result<(), String> {
        if self.levers.len() != other.levers.len() || self.reference != other.reference {
            return Err("the partial results have different levers".into());
        }
        for (a, b) in self.levers.iter_mut().zip(&other.levers) {
            let fail = |what: &str, e: &str| format!("lever `{}`, {what}: {e}", a.name);
            if a.name != b.name
                || a.metrics.len() != b.metrics.len()
                || a.months.len() != b.months.len()
                || a.paired.len() != b.paired.len()
            {
                return Err(format!(
                    "lever `{}` has a different layout in the partial results",
                    a.name
                ));
            }
            for (x, y) in a.metrics.iter_mut().zip(&b.metrics) {
                x.checked_merge(y).map_err(|e| fail("metrics", e))?;
            }
            for (m, n) in a.months.iter_mut().zip(&b.months) {
                if m.len() != n.len() {
                    return Err(fail("months", "a different layout"));
                }
                for (x, y) in m.iter_mut().zip(n) {
                    x.checked_merge(y).map_err(|e| fail("months", e))?;
                }
            }
            for (x, y) in a.paired.iter_mut().zip(&b.paired) {
                x.checked_merge(y).map_err(|e| fail("paired", e))?;
            }
        }
        self.runs = self
            .runs
            .checked_add(other.runs)
            .ok_or("the run counts overflow")?;
        Ok(())
    }
}

/// The run indices of shard `shard` (1-based) of `shards` over `runs` runs:
/// contiguous blocks in order, so shard outputs concatenate in run order.
pub fn shard_range(runs: u64, shard: u64, shards: u64) -> std::ops::Range<u64> {
    let at = |k: u64| (u128::from(runs) * u128::from(k) / u128::from(shards)) as u64;
    at(shard - 1)..at(shard)
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The thread pool could not be built.
    #[error("cannot start the thread pool: {0}")]
    Threads(String),
    /// Streaming a run record failed.
    #[error("cannot write {0}")]
    Output(std::io::Error),
    /// The user pressed Ctrl-C.
    #[error("interrupted")]
    Interrupted,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 64 runs of the September Mexico scenario's baseline and one lever.
    fn results() -> Results {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join("us_mexico_2025-09.toml");
        let scenario = Scenario::load(&path).unwrap();
        let levers = ["baseline".to_string(), "mx_retaliates".to_string()];
        let plan = Plan::new(&scenario, &levers, 64, scenario.seed).unwrap();
        run(&plan, 1, |_| Ok(()), |_| {}).unwrap()
    }

    #[test]
    fn results_merge_only_with_the_same_levers_and_reference() {
        let a = results();
        let mut doubled = a.clone();
        doubled.merge(&a).unwrap();
        assert_eq!(doubled.runs, 2 * a.runs);
        let mut other_reference = a.clone();
        other_reference.reference = 1;
        assert!(a.clone().merge(&other_reference).is_err());
        let mut fewer = a.clone();
        fewer.levers.pop();
        assert!(a.clone().merge(&fewer).is_err());
        let mut renamed = a.clone();
        renamed.levers[1].name = "other".into();
        assert!(a.clone().merge(&renamed).is_err());
    }

    #[test]
    fn batched_and_scalar_steps_give_the_same_records_and_statistics() {
        // 70 runs: a full chunk of 16 batches, then one batch and two
        // runs a batch cannot fill, which run scalar. Every lever of every
        // shipped scenario, the regularities judged too, on two threads.
        for path in &crate::scenario::shipped_scenario_paths() {
            let scenario = Scenario::load(path).unwrap();
            let levers: Vec<String> = scenario.levers.iter().map(|l| l.name.clone()).collect();
            let mut plan = Plan::new(&scenario, &levers, 70, scenario.seed).unwrap();
            plan.judge_regularities = true;
            let outputs = |step: Step| {
                let mut plan = plan.clone();
                plan.step = step;
                let mut records = Vec::new();
                let results = run(
                    &plan,
                    2,
                    |r| {
                        records.push(format!("{r:?}"));
                        Ok(())
                    },
                    |_| {},
                )
                .unwrap();
                (records, format!("{results:?}"))
            };
            let scalar = outputs(Step::Scalar);
            assert_eq!(scalar.0.len(), 70 * levers.len());
            for lanes in LanePath::available() {
                assert!(
                    outputs(Step::Batched(lanes)) == scalar,
                    "{}: {}",
                    path.display(),
                    lanes.name()
                );
            }
        }
    }
}
