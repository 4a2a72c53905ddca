//! Robustness of levers over the same sampled futures: regret, the share of
//! futures in which a lever is best, and satisficing.
//!
//! Every lever is run on the same futures (common random numbers): run `i`
//! of one lever and run `i` of another differ only in the policy. The regret
//! of a lever in run `i` is therefore exact: its value minus the best
//! lever's value in that same run (for an objective to minimise; the best
//! value minus its value for one to maximise). It is zero for the best lever
//! and never negative.
//!
//! [`Robustness`] takes one run at a time (all levers of that run together)
//! and keeps fixed-size statistics ([`Summary`]: exact means, exact min and
//! max, binned quantiles): memory does not grow with the number of runs, and
//! the result depends only on the runs added, in order.

use super::condition::MetricCondition;
use crate::stats::Summary;

/// Whether an objective is to be made small or large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// Smaller is better.
    Min,
    /// Larger is better.
    Max,
}

/// One objective: a metric and its direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// Index of the metric in a run's metric values.
    pub metric: usize,
    /// Direction.
    pub sense: Sense,
    /// Quantile bin width of the metric (and of its regret).
    pub resolution: f64,
    /// Upper end of the binned range.
    pub upper: f64,
}

/// Quantiles reported for every objective.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// The normal quantile of a 95% two-sided interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Accumulates the robustness statistics of `levers` levers, run by run.
#[derive(Debug, Clone)]
pub struct Robustness {
    objectives: Vec<Objective>,
    levers: usize,
    require: Option<MetricCondition>,
    /// `[objective][lever]`: the objective's values.
    values: Vec<Vec<Summary>>,
    /// `[objective][lever]`: the regret.
    regret: Vec<Vec<Summary>>,
    /// `[objective][lever]`: runs in which the lever is best, a tie of `k`
    /// levers counting `1/k` for each.
    best: Vec<Vec<f64>>,
    /// `[objective]`: runs in which every lever's value is defined.
    compared: Vec<u64>,
    /// `[lever]`: runs meeting the requirement.
    satisfied: Vec<u64>,
    runs: u64,
}

/// Statistics of one lever on one objective.
#[derive(Debug, Clone, PartialEq)]
pub struct LeverObjective {
    /// The objective's values.
    pub values: Summary,
    /// Its regret in the runs where every lever's value is defined.
    pub regret: Summary,
    /// Share of those runs in which the lever is best (ties shared).
    pub p_best: Option<f64>,
    /// 95% Wilson interval of `p_best`.
    pub p_best_ci: Option<(f64, f64)>,
    /// Rank by minimax regret (1 = smallest maximum regret; ties broken by
    /// the mean regret, then lever order).
    pub rank_minimax_regret: usize,
}

/// Statistics of one lever under the satisficing requirement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeverSatisficing {
    /// Runs meeting the requirement.
    pub satisfied: u64,
    /// Their share of the runs.
    pub share: Option<f64>,
    /// 95% Wilson interval of the share.
    pub ci: Option<(f64, f64)>,
    /// Rank by share (1 = largest; ties broken by lever order).
    pub rank: usize,
}

/// The finished statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustReport {
    /// Runs added.
    pub runs: u64,
    /// `[objective][lever]`.
    pub objectives: Vec<Vec<LeverObjective>>,
    /// `[objective]`: runs in which every lever's value was defined (the
    /// runs of regret and `p_best`).
    pub compared: Vec<u64>,
    /// `[lever]`, if a requirement was given.
    pub satisficing: Option<Vec<LeverSatisficing>>,
}

impl Robustness {
    /// Empty statistics for `levers` levers (at least one).
    pub fn new(
        objectives: Vec<Objective>,
        levers: usize,
        require: Option<MetricCondition>,
    ) -> Robustness {
        let per = |o: &Objective| -> Vec<Summary> {
            (0..levers)
                .map(|_| Summary::new(o.resolution, o.upper))
                .collect()
        };
        Robustness {
            values: objectives.iter().map(per).collect(),
            regret: objectives.iter().map(per).collect(),
            best: vec![vec![0.0; levers]; objectives.len()],
            compared: vec![0; objectives.len()],
            satisfied: vec![0; levers],
            objectives,
            levers,
            require,
            runs: 0,
        }
    }

    /// Adds one run: `metrics[l]` holds lever `l`'s metric values in that
    /// run. A run with another number of levers is a caller bug: it is
    /// skipped (and trips a debug assertion).
    pub fn add_run(&mut self, metrics: &[&[f64]]) {
        if metrics.len() != self.levers {
            debug_assert!(false, "a run needs one metric row per lever");
            return;
        }
        self.runs += 1;
        for (o, objective) in self.objectives.iter().enumerate() {
            let value = |l: usize| {
                metrics[l]
                    .get(objective.metric)
                    .copied()
                    .unwrap_or(f64::NAN)
            };
            for l in 0..self.levers {
                self.values[o][l].add(value(l));
            }
            if (0..self.levers).any(|l| value(l).is_nan()) {
                continue;
            }
            self.compared[o] += 1;
            let best = (0..self.levers)
                .map(value)
                .reduce(|a, b| match objective.sense {
                    Sense::Min => a.min(b),
                    Sense::Max => a.max(b),
                })
                .unwrap_or(f64::NAN);
            let tied = (0..self.levers).filter(|&l| value(l) == best).count();
            for l in 0..self.levers {
                let regret = match objective.sense {
                    Sense::Min => value(l) - best,
                    Sense::Max => best - value(l),
                };
                self.regret[o][l].add(regret);
                if value(l) == best {
                    self.best[o][l] += 1.0 / tied as f64;
                }
            }
        }
        if let Some(require) = &self.require {
            for (l, m) in metrics.iter().enumerate() {
                if require.holds(m) {
                    self.satisfied[l] += 1;
                }
            }
        }
    }

    /// The statistics of the runs added so far.
    pub fn report(&self) -> RobustReport {
        let objectives = (0..self.objectives.len())
            .map(|o| {
                let n = self.compared[o];
                let mut rows: Vec<LeverObjective> = (0..self.levers)
                    .map(|l| {
                        let p = (n > 0).then(|| self.best[o][l] / n as f64);
                        LeverObjective {
                            values: self.values[o][l].clone(),
                            regret: self.regret[o][l].clone(),
                            p_best: p,
                            p_best_ci: p.map(|p| wilson(p, n)),
                            rank_minimax_regret: 0,
                        }
                    })
                    .collect();
                let key = |r: &LeverObjective| {
                    (
                        r.regret.max().unwrap_or(f64::INFINITY),
                        r.regret.mean().unwrap_or(f64::INFINITY),
                    )
                };
                let order = rank_by(self.levers, |a, b| {
                    let (ka, kb) = (key(&rows[a]), key(&rows[b]));
                    ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
                });
                for (l, r) in order.into_iter().enumerate() {
                    rows[l].rank_minimax_regret = r;
                }
                rows
            })
            .collect();
        let satisficing = self.require.as_ref().map(|_| {
            let n = self.runs;
            let mut rows: Vec<LeverSatisficing> = self
                .satisfied
                .iter()
                .map(|&s| {
                    let share = (n > 0).then(|| s as f64 / n as f64);
                    LeverSatisficing {
                        satisfied: s,
                        share,
                        ci: share.map(|p| wilson(p, n)),
                        rank: 0,
                    }
                })
                .collect();
            let order = rank_by(self.levers, |a, b| {
                self.satisfied[b].cmp(&self.satisfied[a])
            });
            for (l, r) in order.into_iter().enumerate() {
                rows[l].rank = r;
            }
            rows
        });
        RobustReport {
            runs: self.runs,
            objectives,
            compared: self.compared.clone(),
            satisficing,
        }
    }
}

/// Ranks (1-based) of `0..n` under `cmp`, ties broken by index.
fn rank_by(n: usize, cmp: impl Fn(usize, usize) -> std::cmp::Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    let mut rank = vec![0; n];
    for (r, &l) in order.iter().enumerate() {
        rank[l] = r + 1;
    }
    rank
}

/// The 95% Wilson score interval of a share `p` of `n` trials.
pub fn wilson(p: f64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objective(metric: usize, sense: Sense) -> Objective {
        Objective {
            metric,
            sense,
            resolution: 0.5,
            upper: 100.0,
        }
    }

    /// Three levers, four runs, worked by hand.
    ///
    /// metric 0 (min):  run  A  B  C   best  regret A B C
    ///                   0   1  2  3    1          0 1 2
    ///                   1   5  4  4    4          1 0 0   (B, C tie)
    ///                   2   2  6  1    1          1 5 0
    ///                   3   3  3  9    3          0 0 6   (A, B tie)
    fn runs() -> Vec<[[f64; 2]; 3]> {
        vec![
            [[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]],
            [[5.0, 0.0], [4.0, 0.0], [4.0, 1.0]],
            [[2.0, 1.0], [6.0, 1.0], [1.0, 1.0]],
            [[3.0, 0.0], [3.0, 0.0], [9.0, 0.0]],
        ]
    }

    fn report(sense: Sense) -> RobustReport {
        let require =
            MetricCondition::parse("m0 <= 3 and m1 == 0", &["m0".into(), "m1".into()]).unwrap();
        let mut r = Robustness::new(vec![objective(0, sense)], 3, Some(require));
        for run in runs() {
            let rows: Vec<&[f64]> = run.iter().map(|m| m.as_slice()).collect();
            r.add_run(&rows);
        }
        r.report()
    }

    #[test]
    fn regret_and_p_best_match_the_hand_computation() {
        let rep = report(Sense::Min);
        let o = &rep.objectives[0];
        let mean = |l: usize| o[l].regret.mean().unwrap();
        assert_eq!([mean(0), mean(1), mean(2)], [0.5, 1.5, 2.0]);
        let max = |l: usize| o[l].regret.max().unwrap();
        assert_eq!([max(0), max(1), max(2)], [1.0, 5.0, 6.0]);
        // Best: A in runs 0 and 3 (half), B in 1 (half) and 3 (half), C in 1 (half) and 2.
        let p = |l: usize| o[l].p_best.unwrap();
        assert_eq!([p(0), p(1), p(2)], [1.5 / 4.0, 1.0 / 4.0, 1.5 / 4.0]);
        assert_eq!(p(0) + p(1) + p(2), 1.0);
        let rank: Vec<usize> = o.iter().map(|x| x.rank_minimax_regret).collect();
        assert_eq!(rank, [1, 2, 3]);
        // Values: A is 1, 5, 2, 3: mean 2.75, median (nearest rank 2 of 4) 2.
        assert_eq!(o[0].values.mean(), Some(2.75));
        assert_eq!(o[0].values.quantile(0.5), Some(2.0));
    }

    #[test]
    fn maximising_flips_the_regret() {
        let rep = report(Sense::Max);
        let o = &rep.objectives[0];
        // Best per run: 3, 5, 6, 9; regret A: 2, 0, 4, 6.
        assert_eq!(o[0].regret.mean(), Some(3.0));
        assert_eq!(o[0].regret.max(), Some(6.0));
        // Every run has a lever with zero regret.
        assert_eq!(o.iter().map(|x| x.p_best.unwrap()).sum::<f64>(), 1.0);
    }

    #[test]
    fn satisficing_counts_and_ranks() {
        let rep = report(Sense::Min);
        let s = rep.satisficing.unwrap();
        // m0 <= 3 and m1 == 0: A runs 0, 3; B run 3; C run 0. B and C
        // tie: lever order decides.
        assert_eq!(s.iter().map(|x| x.satisfied).collect::<Vec<_>>(), [2, 1, 1]);
        assert_eq!(s.iter().map(|x| x.rank).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(s[0].share, Some(0.5));
    }

    #[test]
    fn undefined_values_leave_the_run_out_of_the_comparison() {
        let mut r = Robustness::new(vec![objective(0, Sense::Min)], 2, None);
        r.add_run(&[&[1.0], &[f64::NAN]]);
        r.add_run(&[&[1.0], &[0.0]]);
        let rep = r.report();
        assert_eq!(rep.compared, [1]);
        assert_eq!(rep.objectives[0][0].values.n(), 2);
        assert_eq!(rep.objectives[0][1].values.n(), 1);
        assert_eq!(rep.objectives[0][0].regret.mean(), Some(1.0));
        assert_eq!(rep.objectives[0][1].p_best, Some(1.0));
    }

    #[test]
    fn wilson_matches_a_reference_value() {
        // 8 of 10: Wilson 95% interval (0.4902, 0.9433) (e.g. R's prop.test
        // without continuity correction, or statsmodels proportion_confint).
        let (lo, hi) = wilson(0.8, 10);
        assert!((lo - 0.490_162).abs() < 1e-5, "{lo}");
        assert!((hi - 0.943_318).abs() < 1e-5, "{hi}");
        let (lo, hi) = wilson(0.0, 20);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.161_125).abs() < 1e-5, "{hi}");
    }

    #[test]
    fn without_compared_runs_there_is_no_p_best_and_without_runs_no_share() {
        let require = MetricCondition::parse("m0 <= 3", &["m0".into()]).unwrap();
        let mut r = Robustness::new(vec![objective(0, Sense::Min)], 2, Some(require));
        let empty = r.report();
        assert_eq!((empty.runs, empty.compared.clone()), (0, vec![0]));
        for o in &empty.objectives[0] {
            assert_eq!((o.p_best, o.p_best_ci), (None, None));
        }
        for s in empty.satisficing.as_ref().unwrap() {
            assert_eq!((s.satisfied, s.share, s.ci), (0, None, None));
        }
        // One run, lever 1's value undefined: nothing is compared, but the
        // run counts for satisficing (lever 0 meets m0 <= 3, lever 1 not).
        r.add_run(&[&[1.0], &[f64::NAN]]);
        let rep = r.report();
        assert_eq!((rep.runs, rep.compared.clone()), (1, vec![0]));
        for o in &rep.objectives[0] {
            assert_eq!((o.p_best, o.p_best_ci), (None, None));
            assert_eq!(o.regret.n(), 0);
        }
        let s = rep.satisficing.unwrap();
        assert_eq!((s[0].share, s[1].share), (Some(1.0), Some(0.0)));
    }

    /// Regret worked by hand (objective to minimise):
    ///
    /// ```text
    /// run  A  B  C   regret A B C
    ///  0   2  0  1          2 0 1
    ///  1   2  2  0          2 2 0
    /// ```
    ///
    /// Maximum regret A 2, B 2, C 1; mean A 2, B 1, C 0.5. C has the
    /// smallest maximum; A and B tie on it and B's smaller mean ranks it
    /// before A, against lever order.
    #[test]
    fn minimax_regret_ties_are_broken_by_the_mean_regret() {
        let mut r = Robustness::new(vec![objective(0, Sense::Min)], 3, None);
        r.add_run(&[&[2.0], &[0.0], &[1.0]]);
        r.add_run(&[&[2.0], &[2.0], &[0.0]]);
        let rep = r.report();
        let o = &rep.objectives[0];
        let max: Vec<f64> = o.iter().map(|x| x.regret.max().unwrap()).collect();
        let mean: Vec<f64> = o.iter().map(|x| x.regret.mean().unwrap()).collect();
        assert_eq!(max, [2.0, 2.0, 1.0]);
        assert_eq!(mean, [2.0, 1.0, 0.5]);
        let rank: Vec<usize> = o.iter().map(|x| x.rank_minimax_regret).collect();
        assert_eq!(rank, [3, 2, 1]);
        assert!(rep.satisficing.is_none());
    }
}
