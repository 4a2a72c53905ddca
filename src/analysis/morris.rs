//! Morris elementary effects (Morris 1991, with Campolongo et al. 2007's
//! `mu*`): the cheap screen of which parameters matter at all.
//!
//! The design is `r` one-at-a-time trajectories on a grid of `p` levels
//! `0, 1/(p−1), …, 1` of the unit cube (`p` even), with step
//! `Δ = p / (2(p − 1))`, as SALib's `sample/morris.py` without its
//! optimal-trajectory selection. A trajectory starts at a grid point whose
//! every coordinate is drawn uniformly from the `p` levels (a coordinate in
//! the lower half steps up by `Δ`, one in the upper half down), then moves
//! one factor at a time, in a random order, so it has `d + 1` points. The
//! elementary effect of factor `i` on trajectory `t` is
//!
//! ```text
//! EE_ti = (f(x + s_i Δ e_i) − f(x)) / (s_i Δ)      (s_i = ±1, the step's direction)
//! ```
//!
//! in the output's unit per unit of the cube, and over the trajectories
//! (SALib's `analyze/morris.py`):
//!
//! ```text
//! mu    = mean of EE_ti          mu* = mean of |EE_ti|
//! sigma = standard deviation of EE_ti (n − 1 in the denominator)
//! ```
//!
//! Intervals are the 2.5% and 97.5% percentiles over bootstrap resamples of
//! whole trajectories (SALib bootstraps `mu*` alone, with a normal
//! interval). A model with randomness of its own gets the same noise along
//! a trajectory (`Noise { row: t, side: 0 }`), so an effect compares the
//! parameter's values on the same random numbers.

use rand::Rng;

use super::sobol::{Estimate, Noise, below, with_interval};
use crate::engine::seeds;

/// A Morris design: `trajectories` trajectories over `factors` parameters
/// on a grid of `levels` levels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisDesign {
    /// Parameters.
    pub factors: usize,
    /// Trajectories `r`.
    pub trajectories: u64,
    /// Grid levels `p`, even, at least 2.
    pub levels: u32,
    /// Seed of the trajectories and the bootstrap.
    pub seed: u64,
}

/// One trajectory: where it starts, in which order its factors move, and
/// each factor's direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Starting point, on the grid.
    pub start: Vec<f64>,
    /// Factors in the order they move.
    pub order: Vec<usize>,
    /// Per factor: +1 (up by `Δ`) or −1.
    pub direction: Vec<f64>,
}

/// The effects of one factor.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Effects {
    /// Mean elementary effect.
    pub mu: Estimate,
    /// Mean absolute elementary effect.
    pub mu_star: Estimate,
    /// Standard deviation of the elementary effects.
    pub sigma: Estimate,
}

/// Why the effects cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MorrisError {
    /// Some evaluations are undefined (`NaN`).
    #[error("{0} of the model's values are undefined")]
    Undefined(usize),
    /// The outputs do not match the design.
    #[error("{got} outputs for a design of {expected} points")]
    Length {
        /// Outputs given.
        got: usize,
        /// Points in the design.
        expected: u64,
    },
    /// The levels are not even and at least 2.
    #[error("the grid needs an even number of levels, at least 2 (got {0})")]
    Levels(u32),
}

impl MorrisDesign {
    /// Checks the levels.
    pub fn check(&self) -> Result<(), MorrisError> {
        if self.levels < 2 || !self.levels.is_multiple_of(2) {
            return Err(MorrisError::Levels(self.levels));
        }
        Ok(())
    }

    /// The step `Δ = p / (2(p − 1))`.
    pub fn delta(&self) -> f64 {
        let p = f64::from(self.levels);
        p / (2.0 * (p - 1.0))
    }

    /// Points per trajectory, `d + 1`.
    pub fn per_trajectory(&self) -> u64 {
        self.factors as u64 + 1
    }

    /// Model evaluations in all, `r (d + 1)`.
    pub fn len(&self) -> u64 {
        self.trajectories * self.per_trajectory()
    }

    /// Whether the design has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Trajectory `t`.
    pub fn trajectory(&self, t: u64) -> Trajectory {
        let mut rng = seeds::stream(seeds::run_seed(self.seed, t), seeds::STREAM_SENSITIVITY, 1);
        let p = self.levels as usize;
        let top = (p - 1) as f64;
        let mut start = Vec::with_capacity(self.factors);
        let mut direction = Vec::with_capacity(self.factors);
        for _ in 0..self.factors {
            let level = below(rng.next_u64(), p);
            start.push(level as f64 / top);
            direction.push(if level < p / 2 { 1.0 } else { -1.0 });
        }
        let mut order: Vec<usize> = (0..self.factors).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, below(rng.next_u64(), i + 1));
        }
        Trajectory {
            start,
            order,
            direction,
        }
    }

    /// Point `k` of the design, in evaluation order (trajectory by
    /// trajectory), with the noise of its trajectory.
    pub fn point(&self, k: u64) -> (Vec<f64>, Noise) {
        let per = self.per_trajectory();
        let (t, m) = (k / per, (k % per) as usize);
        let tr = self.trajectory(t);
        let mut u = tr.start;
        for &i in &tr.order[..m] {
            u[i] = (u[i] + tr.direction[i] * self.delta()).clamp(0.0, 1.0);
        }
        (u, Noise { row: t, side: 0 })
    }

    /// The effects of every factor from the model's values `y` at the
    /// design's points in evaluation order, with `resamples` bootstrap
    /// resamples of the trajectories.
    pub fn analyze(&self, y: &[f64], resamples: usize) -> Result<Vec<Effects>, MorrisError> {
        self.check()?;
        if y.len() as u64 != self.len() {
            return Err(MorrisError::Length {
                got: y.len(),
                expected: self.len(),
            });
        }
        let undefined = y.iter().filter(|v| !v.is_finite()).count();
        if undefined > 0 {
            return Err(MorrisError::Undefined(undefined));
        }
        let d = self.factors;
        let per = self.per_trajectory() as usize;
        // effects[t][i]
        let effects: Vec<Vec<f64>> = y
            .chunks(per)
            .enumerate()
            .map(|(t, ys)| {
                let tr = self.trajectory(t as u64);
                let mut ee = vec![0.0; d];
                for (m, &i) in tr.order.iter().enumerate() {
                    ee[i] = (ys[m + 1] - ys[m]) / (tr.direction[i] * self.delta());
                }
                ee
            })
            .collect();
        let r = effects.len();
        let stats = |pick: &[usize], i: usize| -> Option<(f64, f64, f64)> {
            if pick.len() < 2 {
                return None;
            }
            let n = pick.len() as f64;
            let mu = pick.iter().map(|&t| effects[t][i]).sum::<f64>() / n;
            let mu_star = pick.iter().map(|&t| effects[t][i].abs()).sum::<f64>() / n;
            let var = pick
                .iter()
                .map(|&t| (effects[t][i] - mu) * (effects[t][i] - mu))
                .sum::<f64>()
                / (n - 1.0);
            Some((mu, mu_star, var.sqrt()))
        };
        let all: Vec<usize> = (0..r).collect();
        let mut rng = seeds::stream(seeds::run_seed(self.seed, 0), seeds::STREAM_SENSITIVITY, 2);
        let mut replicates: Vec<Vec<(f64, f64, f64)>> = vec![Vec::with_capacity(resamples); d];
        let mut pick = vec![0; r];
        for _ in 0..resamples {
            for p in &mut pick {
                *p = below(rng.next_u64(), r);
            }
            for (i, rep) in replicates.iter_mut().enumerate() {
                if let Some(s) = stats(&pick, i) {
                    rep.push(s);
                }
            }
        }
        Ok((0..d)
            .map(|i| {
                let full = stats(&all, i);
                let rep = &replicates[i];
                Effects {
                    mu: with_interval(full.map(|s| s.0), rep.iter().map(|s| s.0).collect()),
                    mu_star: with_interval(full.map(|s| s.1), rep.iter().map(|s| s.1).collect()),
                    sigma: with_interval(full.map(|s| s.2), rep.iter().map(|s| s.2).collect()),
                }
            })
            .collect())
    }
}

/// Computes the effects of `f` over the design (single-threaded): for
/// checks on functions with known effects.
pub fn morris(
    design: &MorrisDesign,
    resamples: usize,
    f: impl Fn(&[f64], Noise) -> f64,
) -> Result<Vec<Effects>, MorrisError> {
    design.check()?;
    let y: Vec<f64> = (0..design.len())
        .map(|k| {
            let (u, noise) = design.point(k);
            f(&u, noise)
        })
        .collect();
    design.analyze(&y, resamples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(factors: usize, trajectories: u64) -> MorrisDesign {
        MorrisDesign {
            factors,
            trajectories,
            levels: 4,
            seed: 7,
        }
    }

    #[test]
    fn a_linear_model_has_its_slopes_as_effects() {
        let slopes = [4.0, -2.0, 1.0, 0.0];
        let got = morris(&design(4, 30), 100, |u, _| {
            u.iter().zip(&slopes).map(|(u, s)| u * s).sum()
        })
        .unwrap();
        for (g, s) in got.iter().zip(slopes) {
            assert!((g.mu.value.unwrap() - s).abs() < 1e-9);
            assert!((g.mu_star.value.unwrap() - s.abs()).abs() < 1e-9);
            assert!(g.sigma.value.unwrap() < 1e-9);
        }
    }

    /// The G function's factors matter less as `a_i` grows: mu* ranks them
    /// in that order, and an interaction-free linear term of the same
    /// design has zero sigma while the G function's do not.
    #[test]
    fn mu_star_ranks_the_g_function_factors_by_importance() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0];
        let got = morris(&design(a.len(), 200), 200, |u, _| {
            u.iter()
                .zip(&a)
                .map(|(u, a)| ((4.0 * u - 2.0).abs() + a) / (1.0 + a))
                .product()
        })
        .unwrap();
        let mu_star: Vec<f64> = got.iter().map(|g| g.mu_star.value.unwrap()).collect();
        for i in 1..a.len() {
            assert!(
                mu_star[i] < mu_star[i - 1],
                "mu* must fall with a: {mu_star:?}"
            );
            // Separated beyond their bootstrap intervals.
            let (lo, _) = got[i - 1].mu_star.ci.unwrap();
            let (_, hi) = got[i].mu_star.ci.unwrap();
            assert!(hi < lo, "factor {i}: intervals overlap: {hi} >= {lo}");
        }
        // The G function is symmetric about 0.5 in each factor: mu is near 0
        // while mu* is not.
        assert!(got[0].mu.value.unwrap().abs() < 0.5 * mu_star[0]);
    }

    #[test]
    fn trajectories_step_one_factor_at_a_time_on_the_grid() {
        let d = design(5, 20);
        let delta = d.delta();
        assert!((delta - 2.0 / 3.0).abs() < 1e-12);
        for t in 0..d.trajectories {
            let points: Vec<Vec<f64>> = (0..d.per_trajectory())
                .map(|m| d.point(t * d.per_trajectory() + m).0)
                .collect();
            for w in points.windows(2) {
                let moved: Vec<usize> = (0..5).filter(|&i| w[0][i] != w[1][i]).collect();
                assert_eq!(moved.len(), 1);
                let i = moved[0];
                assert!(((w[1][i] - w[0][i]).abs() - delta).abs() < 1e-12);
            }
            for p in &points {
                for &u in p {
                    let level = u * 3.0;
                    assert!((level - level.round()).abs() < 1e-9 && (0.0..=1.0).contains(&u));
                }
            }
        }
        assert_eq!(
            MorrisDesign { levels: 3, ..d }.check(),
            Err(MorrisError::Levels(3))
        );
    }
}
