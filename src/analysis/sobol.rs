//! Sobol' first-order and total sensitivity indices (variance-based global
//! sensitivity analysis), by the Saltelli radial design with the Saltelli
//! et al. (2010) first-order and Jansen (1999) total-effect estimators,
//! with bootstrap intervals.
//!
//! The design: two independent matrices `A` and `B` of `n` base samples
//! each over the unit cube `[0, 1]^d`, and for each factor `i` the matrix
//! `AB_i`, `A` with column `i` taken from `B`. With `f_A`, `f_B`, `f_ABi`
//! the model at their rows (SALib's `analyze/sobol.py`, which these
//! formulas follow):
//!
//! ```text
//! V    = population variance of (f_A, f_B) together
//! S_i  = mean(f_B · (f_ABi − f_A)) / V              (Saltelli et al. 2010, table 2 (b))
//! ST_i = mean((f_A − f_ABi)²) / (2V)                (Jansen 1999; Saltelli et al. 2010 (f))
//! ```
//!
//! The outputs are centred on their mean first (SALib normalises them), so
//! the first-order estimator does not carry the output's mean as noise.
//! A model with randomness of its own (a simulation with choice and shock
//! streams) gets that randomness as one more factor, the **noise**: each
//! row of `A` and of `B` has its own noise (`Noise::side` 0 and 1 of the
//! row), every `AB_i` keeps `A`'s, and `AB_noise` is `A` with `B`'s noise.
//! The noise's total index is then the share of the output variance that
//! the model's own randomness makes (alone or with the parameters), its
//! first-order index what it makes alone.
//!
//! Base samples are pseudo-random (Xoshiro256++ streams of the project's
//! seed scheme, one per row, so a design of `2n` rows begins with the
//! design of `n`), not a quasi-random sequence: rows are independent, which
//! is what makes the bootstrap intervals valid. The bootstrap resamples
//! whole rows (every matrix's row `j` together) with replacement; the
//! interval is the 2.5% and 97.5% percentile of the estimates over the
//! resamples, and the standard error their standard deviation.

use rand::Rng;

use crate::engine::seeds;

/// Bootstrap resamples for the intervals (SALib's default is 100).
pub const RESAMPLES: usize = 500;

/// Which randomness of its own a stochastic model uses at a design point:
/// the noise of row `row`'s `A` sample (`side` 0) or its `B` sample (1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noise {
    /// Design row.
    pub row: u64,
    /// 0 for the noise of `A`'s row, 1 for `B`'s.
    pub side: u64,
}

/// A Saltelli design over `factors` parameters with `samples` base samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolDesign {
    /// Parameters (the unit cube's dimension).
    pub factors: usize,
    /// Base samples `n`.
    pub samples: u64,
    /// Seed of the rows and the bootstrap.
    pub seed: u64,
    /// The model has randomness of its own: add the noise as a factor
    /// (its indices come after the parameters').
    pub noise: bool,
}

/// A point of the design: where to evaluate the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Parameter values on the unit cube, each in (0, 1).
    pub u: Vec<f64>,
    /// The model's own randomness at this point.
    pub noise: Noise,
}

/// An estimate with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    /// The estimate on all rows (`None` when the output does not vary).
    pub value: Option<f64>,
    /// The 2.5% and 97.5% percentiles over the bootstrap resamples.
    pub ci: Option<(f64, f64)>,
    /// Standard deviation over the bootstrap resamples.
    pub se: Option<f64>,
}

/// The indices of one factor.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SobolIndices {
    /// First-order index `S_i`.
    pub first: Estimate,
    /// Total-effect index `ST_i`.
    pub total: Estimate,
}

/// Why indices cannot be estimated from the outputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SobolError {
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
}

/// A number in (0, 1) from 64 random bits: the 53 high bits, offset by
/// half a step, so neither end is ever reached (a normal's quantile at 0 is
/// infinite). Above 2^52 the half step is lost to rounding (those values
/// fall on the grid), and the top one, 2^53 - 1/2, rounds to 2^53: it is
/// held to the largest double below 1 (the `min`), which changes no other
/// value and so no earlier design.
pub fn open_unit(bits: u64) -> f64 {
    const BELOW_ONE: f64 = 1.0 - 1.0 / (1u64 << 53) as f64;
    (((bits >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)).min(BELOW_ONE)
}

/// An index in `0..n` from 64 random bits (multiply-shift; the bias is
/// below `n / 2^64`).
pub fn below(bits: u64, n: usize) -> usize {
    ((u128::from(bits) * n as u128) >> 64) as usize
}

impl SobolDesign {
    /// Factors with an index: the parameters, then the noise if any.
    pub fn indexed(&self) -> usize {
        self.factors + usize::from(self.noise)
    }

    /// Model evaluations per row: `A`, `B` and one `AB` per indexed factor.
    pub fn per_row(&self) -> u64 {
        2 + self.indexed() as u64
    }

    /// Model evaluations in all: `n (d + 2)`, plus `n` with the noise.
    pub fn len(&self) -> u64 {
        self.samples * self.per_row()
    }

    /// Whether the design has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `row` of `A` and of `B`.
    pub fn base(&self, row: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = seeds::stream(
            seeds::run_seed(self.seed, row),
            seeds::STREAM_SENSITIVITY,
            0,
        );
        let a = (0..self.factors)
            .map(|_| open_unit(rng.next_u64()))
            .collect();
        let b = (0..self.factors)
            .map(|_| open_unit(rng.next_u64()))
            .collect();
        (a, b)
    }

    /// Point `k` of the design, in evaluation order: row by row, each row
    /// `A`, `B`, `AB_1` … `AB_d` (then `AB_noise`).
    pub fn point(&self, k: u64) -> Point {
        let per_row = self.per_row();
        let (row, m) = (k / per_row, (k % per_row) as usize);
        let (a, b) = self.base(row);
        let noise = |side| Noise { row, side };
        match m {
            0 => Point {
                u: a,
                noise: noise(0),
            },
            1 => Point {
                u: b,
                noise: noise(1),
            },
            m if m - 2 < self.factors => {
                let i = m - 2;
                let mut u = a;
                u[i] = b[i];
                Point { u, noise: noise(0) }
            }
            _ => Point {
                u: a,
                noise: noise(1),
            },
        }
    }

    /// The indices of every indexed factor (parameters, then the noise)
    /// from the model's values `y` at the design's points in evaluation
    /// order, with `resamples` bootstrap resamples.
    pub fn analyze(&self, y: &[f64], resamples: usize) -> Result<Vec<SobolIndices>, SobolError> {
        if y.len() as u64 != self.len() {
            return Err(SobolError::Length {
                got: y.len(),
                expected: self.len(),
            });
        }
        let undefined = y.iter().filter(|v| !v.is_finite()).count();
        if undefined > 0 {
            return Err(SobolError::Undefined(undefined));
        }
        let k = self.indexed();
        let per_row = self.per_row() as usize;
        let n = self.samples as usize;
        let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
        let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
        let rows: Vec<&[f64]> = centred.chunks(per_row).collect();
        let all: Vec<usize> = (0..n).collect();
        let full = estimate(&rows, &all, k);
        let mut replicates: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(resamples); k];
        let mut rng = seeds::stream(seeds::run_seed(self.seed, 0), seeds::STREAM_SENSITIVITY, 2);
        let mut pick = vec![0; n];
        for _ in 0..resamples {
            for p in &mut pick {
                *p = below(rng.next_u64(), n);
            }
            if let Some(e) = estimate(&rows, &pick, k) {
                for (r, x) in replicates.iter_mut().zip(e) {
                    r.push(x);
                }
            }
        }
        Ok((0..k)
            .map(|i| {
                let value = full.as_ref().map(|f| f[i]);
                let first: Vec<f64> = replicates[i].iter().map(|r| r.0).collect();
                let total: Vec<f64> = replicates[i].iter().map(|r| r.1).collect();
                SobolIndices {
                    first: with_interval(value.map(|v| v.0), first),
                    total: with_interval(value.map(|v| v.1), total),
                }
            })
            .collect())
    }
}

/// `(S_i, ST_i)` per factor over the rows `pick` (with repeats); `None`
/// when `f_A` and `f_B` do not vary over them.
fn estimate(rows: &[&[f64]], pick: &[usize], k: usize) -> Option<Vec<(f64, f64)>> {
    let n = pick.len() as f64;
    let (mut sum, mut squares) = (0.0, 0.0);
    let mut first = vec![0.0; k];
    let mut total = vec![0.0; k];
    for &j in pick {
        let r = rows[j];
        let (a, b) = (r[0], r[1]);
        sum += a + b;
        squares += a * a + b * b;
        for i in 0..k {
            let ab = r[2 + i];
            first[i] += b * (ab - a);
            total[i] += (a - ab) * (a - ab);
        }
    }
    let m = sum / (2.0 * n);
    let variance = squares / (2.0 * n) - m * m;
    let floor = 1e-12 * (squares / (2.0 * n)).max(f64::MIN_POSITIVE);
    if variance.is_nan() || variance <= floor {
        return None;
    }
    Some(
        first
            .iter()
            .zip(&total)
            .map(|(f, t)| (f / n / variance, t / n / (2.0 * variance)))
            .collect(),
    )
}

/// The estimate `value` with the percentile interval and standard error of
/// its bootstrap `replicates`.
pub fn with_interval(value: Option<f64>, mut replicates: Vec<f64>) -> Estimate {
    if value.is_none() || replicates.len() < 2 {
        return Estimate {
            value,
            ci: None,
            se: None,
        };
    }
    replicates.sort_by(f64::total_cmp);
    let n = replicates.len() as f64;
    let mean = replicates.iter().sum::<f64>() / n;
    let var = replicates
        .iter()
        .map(|x| (x - mean) * (x - mean))
        .sum::<f64>()
        / (n - 1.0);
    Estimate {
        value,
        ci: Some((
            percentile(&replicates, 0.025),
            percentile(&replicates, 0.975),
        )),
        se: Some(var.sqrt()),
    }
}

/// The `q` quantile of sorted values, linearly interpolated between order
/// statistics (numpy's default, "type 7").
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Estimates the indices of `f` over the design: evaluates it at every
/// point (in evaluation order, single-threaded) and analyses the values.
/// For checks on functions with known indices; the command evaluates the
/// simulator on the engine instead.
pub fn sobol(
    design: &SobolDesign,
    resamples: usize,
    f: impl Fn(&[f64], Noise) -> f64,
) -> Result<Vec<SobolIndices>, SobolError> {
    let y: Vec<f64> = (0..design.len())
        .map(|k| {
            let p = design.point(k);
            f(&p.u, p.noise)
        })
        .collect();
    design.analyze(&y, resamples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn design(factors: usize, samples: u64, noise: bool) -> SobolDesign {
        SobolDesign {
            factors,
            samples,
            seed: 20250903,
            noise,
        }
    }

    /// Checks every estimate against `truth` within four bootstrap standard
    /// errors, and that the standard errors are small enough for the check
    /// to mean something; returns the largest absolute error.
    fn check(name: &str, got: &[SobolIndices], truth: &[(f64, f64)], max_se: f64) -> f64 {
        let mut worst: f64 = 0.0;
        for (i, (g, &(s1, st))) in got.iter().zip(truth).enumerate() {
            for (what, e, t) in [("S1", g.first, s1), ("ST", g.total, st)] {
                let (v, se) = (e.value.unwrap(), e.se.unwrap());
                let (lo, hi) = e.ci.unwrap();
                assert!(
                    lo <= v && v <= hi,
                    "{name} {what}_{i}: {v} outside [{lo}, {hi}]"
                );
                assert!(se < max_se, "{name} {what}_{i}: standard error {se}");
                assert!(
                    (v - t).abs() <= 4.0 * se,
                    "{name} {what}_{}: {v:.4} vs {t:.4} (se {se:.4})",
                    i + 1
                );
                worst = worst.max((v - t).abs());
                println!(
                    "{name} {what}_{}: {v:.4} (true {t:.4}, error {:+.4}, se {se:.4})",
                    i + 1,
                    v - t
                );
            }
        }
        worst
    }

    /// Ishigami & Homma (1990): `sin x1 + a sin² x2 + b x3⁴ sin x1` on
    /// `[-π, π]³`, a = 7, b = 0.1: S = 0.314, 0.442, 0; ST = 0.558, 0.442,
    /// 0.244.
    #[test]
    fn ishigami_indices_match_the_closed_form() {
        let (a, b) = (7.0, 0.1);
        let pi4 = PI.powi(4);
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * pi4 * pi4 * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        let truth = [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)];
        for (t, (s1, st)) in truth
            .iter()
            .zip([(0.314, 0.558), (0.442, 0.442), (0.0, 0.244)])
        {
            assert!((t.0 - s1).abs() < 5e-4 && (t.1 - st).abs() < 5e-4);
        }
        let got = sobol(&design(3, 8192, false), RESAMPLES, |u, _| {
            let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
            x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
        })
        .unwrap();
        let worst = check("ishigami", &got, &truth, 0.03);
        assert!(worst < 0.05, "largest error {worst}");
    }

    /// The Sobol' G function `Π (|4u − 2| + a_i) / (1 + a_i)`: partial
    /// variances `V_i = 1 / (3 (1 + a_i)²)`, `V = Π (1 + V_i) − 1`,
    /// `S_i = V_i / V`, `ST_i = V_i Π_{j≠i} (1 + V_j) / V`.
    #[test]
    fn g_function_indices_match_the_closed_form() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
        let vi: Vec<f64> = a
            .iter()
            .map(|a| 1.0 / (3.0 * (1.0 + a) * (1.0 + a)))
            .collect();
        let v = vi.iter().map(|v| 1.0 + v).product::<f64>() - 1.0;
        let truth: Vec<(f64, f64)> = vi
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let others: f64 = vi
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, v)| 1.0 + v)
                    .product();
                (x / v, x * others / v)
            })
            .collect();
        let got = sobol(&design(a.len(), 8192, false), RESAMPLES, |u, _| {
            u.iter()
                .zip(&a)
                .map(|(u, a)| ((4.0 * u - 2.0).abs() + a) / (1.0 + a))
                .product()
        })
        .unwrap();
        let worst = check("G", &got, &truth, 0.03);
        assert!(worst < 0.03, "largest error {worst}");
    }

    /// A model with noise of its own: `x1 + e` with `e` standard normal from
    /// the point's noise, `x1` uniform with variance 1/12 · 12 = 1: half the
    /// variance is the noise's, additive, so S = ST = 0.5 for both.
    #[test]
    fn the_noise_factor_takes_the_models_own_variance() {
        let noise = |n: Noise| {
            let mut rng = seeds::stream(seeds::run_seed(5, n.row), 9, n.side);
            let u = open_unit(rng.next_u64());
            -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u)
        };
        let got = sobol(&design(2, 8192, true), RESAMPLES, |u, n| {
            (u[0] - 0.5) * 12f64.sqrt() + noise(n)
        })
        .unwrap();
        check("noise", &got, &[(0.5, 0.5), (0.0, 0.0), (0.5, 0.5)], 0.03);
    }

    #[test]
    fn constant_undefined_and_misfit_outputs() {
        let d = design(2, 64, false);
        let got = sobol(&d, 50, |_, _| 3.0).unwrap();
        assert!(
            got.iter()
                .all(|g| g.first.value.is_none() && g.total.ci.is_none())
        );
        assert_eq!(
            sobol(&d, 50, |u, _| if u[0] < 0.5 { f64::NAN } else { 1.0 }).unwrap_err(),
            SobolError::Undefined((0..d.len()).filter(|&k| d.point(k).u[0] < 0.5).count())
        );
        assert!(matches!(
            d.analyze(&[1.0; 3], 10),
            Err(SobolError::Length { got: 3, .. })
        ));
    }

    #[test]
    fn the_design_is_radial_and_nested() {
        let d = design(3, 10, true);
        assert_eq!(d.len(), 10 * 6);
        let small = design(3, 5, true);
        for k in 0..small.len() {
            assert_eq!(
                small.point(k),
                d.point(k),
                "a longer design begins with the shorter"
            );
        }
        let (a, b) = d.base(4);
        for i in 0..3 {
            let p = d.point(4 * 6 + 2 + i as u64);
            for j in 0..3 {
                assert_eq!(p.u[j], if j == i { b[j] } else { a[j] });
            }
            assert_eq!(p.noise, Noise { row: 4, side: 0 });
        }
        let last = d.point(4 * 6 + 5);
        assert_eq!((last.u, last.noise.side), (a, 1));
        assert!((0..d.len()).all(|k| d.point(k).u.iter().all(|&u| u > 0.0 && u < 1.0)));
    }

    /// Two rows of a two-factor design with outputs chosen by hand, worked
    /// with the formulas of the module's documentation. The outputs are
    /// the centred values below plus 10 (their mean over all eight):
    ///
    /// ```text
    /// row   f_A  f_B  f_AB1  f_AB2     (centred)
    ///  0     2   -1     1      3
    ///  1    -2   -1    -4      2
    /// ```
    ///
    /// `f_A`, `f_B`: mean (2 - 1 - 2 - 1) / 4 = -1/2, mean square
    /// (4 + 1 + 4 + 1) / 4 = 5/2, so V = 5/2 - 1/4 = 9/4.
    /// S_1 = ((-1)(1 - 2) + (-1)(-4 + 2)) / 2 / V = (3/2) / (9/4) = 2/3;
    /// ST_1 = ((2 - 1)² + (-2 + 4)²) / 2 / (2V) = (5/2) / (9/2) = 5/9;
    /// S_2 = ((-1)(3 - 2) + (-1)(2 + 2)) / 2 / V = -10/9;
    /// ST_2 = ((2 - 3)² + (-2 - 2)²) / 2 / (2V) = 17/9.
    #[test]
    fn a_hand_worked_design_gives_the_saltelli_and_jansen_estimates() {
        let d = design(2, 2, false);
        assert_eq!(d.len(), 8);
        let centred = [2.0, -1.0, 1.0, 3.0, -2.0, -1.0, -4.0, 2.0];
        let y: Vec<f64> = centred.iter().map(|v| v + 10.0).collect();
        let got = d.analyze(&y, 500).unwrap();
        assert_eq!(got.len(), 2);
        let truth = [(2.0 / 3.0, 5.0 / 9.0), (-10.0 / 9.0, 17.0 / 9.0)];
        for (i, (g, (s1, st))) in got.iter().zip(truth).enumerate() {
            let (v1, vt) = (g.first.value.unwrap(), g.total.value.unwrap());
            assert!((v1 - s1).abs() < 1e-12, "S_{}: {v1} vs {s1}", i + 1);
            assert!((vt - st).abs() < 1e-12, "ST_{}: {vt} vs {st}", i + 1);
        }
        // The outputs' mean does not enter: the same outputs shifted by a
        // large constant give the same indices.
        let shifted: Vec<f64> = centred.iter().map(|v| v + 1.0e4).collect();
        let again = d.analyze(&shifted, 0).unwrap();
        for (g, (s1, st)) in again.iter().zip(truth) {
            assert!((g.first.value.unwrap() - s1).abs() < 1e-9);
            assert!((g.total.value.unwrap() - st).abs() < 1e-9);
            // No resamples: no interval.
            assert_eq!((g.first.ci, g.first.se), (None, None));
        }
    }

    /// With two rows a bootstrap resample is row 0 twice, row 1 twice
    /// (a quarter of the resamples each) or both rows (half). On the
    /// design above, row 0 alone has V = 9/4 (f_A, f_B = 2, -1) and
    /// S_1 = (-1)(1 - 2) / V = 4/9; row 1 alone has V = 1/4 (-2, -1) and
    /// S_1 = (-1)(-4 + 2) / V = 8; both rows give 2/3. Of 500 resamples
    /// about 125 are each of the single rows, so the 2.5% and 97.5%
    /// percentiles are 4/9 and 8 exactly, and the standard error is near
    /// the three-point distribution's standard deviation
    /// sqrt(E[x²] - E[x]²) = sqrt(16.272 - 2.4444²) = 3.209.
    #[test]
    fn bootstrap_intervals_of_two_rows_span_the_single_row_estimates() {
        let d = design(2, 2, false);
        let y = [12.0, 9.0, 11.0, 13.0, 8.0, 9.0, 6.0, 12.0];
        let got = d.analyze(&y, 500).unwrap();
        let first = got[0].first;
        let (lo, hi) = first.ci.unwrap();
        assert!((lo - 4.0 / 9.0).abs() < 1e-12, "lower {lo}");
        assert!((hi - 8.0).abs() < 1e-12, "upper {hi}");
        let se = first.se.unwrap();
        let (e1, e2): (f64, f64) = (
            (4.0 / 9.0) / 4.0 + (2.0 / 3.0) / 2.0 + 8.0 / 4.0,
            (16.0 / 81.0) / 4.0 + (4.0 / 9.0) / 2.0 + 64.0 / 4.0,
        );
        let sd = (e2 - e1 * e1).sqrt();
        assert!((sd - 3.209).abs() < 1e-3, "{sd}");
        assert!((se - sd).abs() < 0.3, "se {se} vs {sd}");
    }

    #[test]
    fn with_interval_takes_type_7_percentiles_and_the_sample_deviation() {
        // Sorted 1..5: h = 4 · 0.025 = 0.1 -> 1.1; h = 3.9 -> 4.9. Mean 3,
        // squared deviations 4 + 1 + 0 + 1 + 4 = 10 over n - 1 = 4.
        let e = with_interval(Some(0.5), vec![4.0, 1.0, 5.0, 3.0, 2.0]);
        assert_eq!(e.value, Some(0.5));
        let (lo, hi) = e.ci.unwrap();
        assert!(
            (lo - 1.1).abs() < 1e-12 && (hi - 4.9).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert!((e.se.unwrap() - 2.5f64.sqrt()).abs() < 1e-12);
        // Two replicates are enough for an interval, one is not.
        let two = with_interval(Some(0.0), vec![2.0, 0.0]);
        let (lo, hi) = two.ci.unwrap();
        assert!(
            (lo - 0.05).abs() < 1e-12 && (hi - 1.95).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert!((two.se.unwrap() - 2f64.sqrt()).abs() < 1e-12);
        let one = with_interval(Some(0.0), vec![1.0]);
        assert_eq!((one.ci, one.se), (None, None));
        // No estimate: no interval, whatever the replicates.
        let none = with_interval(None, vec![1.0, 2.0, 3.0]);
        assert_eq!(none, Estimate::default());
    }

    #[test]
    fn open_unit_is_half_a_step_above_the_grid_and_never_zero() {
        let step = 1.0 / (1u64 << 53) as f64;
        assert_eq!(open_unit(0), 0.5 * step);
        assert_eq!(open_unit((1 << 11) - 1), 0.5 * step, "low bits dropped");
        assert_eq!(open_unit(1 << 11), 1.5 * step);
        // 53 high bits of 2^52 - 1: (2^52 - 1/2) / 2^53, exact.
        assert_eq!(open_unit(u64::MAX >> 1), 0.5 - 0.5 * step);
        assert!(open_unit(u64::MAX - (1 << 11)) < 1.0);
        // The top 2^11 patterns: 2^53 - 1/2 rounds up to 2^53, held below 1.
        assert_eq!(open_unit(u64::MAX), 1.0 - step);
        assert_eq!(open_unit(u64::MAX - ((1 << 11) - 1)), 1.0 - step);
    }

    #[test]
    fn below_maps_the_bits_evenly_onto_the_indices() {
        assert_eq!(below(0, 7), 0);
        assert_eq!(below(u64::MAX, 7), 6);
        assert_eq!(below(1 << 63, 10), 5);
        assert_eq!(below(u64::MAX / 4, 4), 0);
        assert_eq!(below(u64::MAX / 4 + 1, 4), 1);
        assert_eq!(below(u64::MAX, 1), 0);
    }

    #[test]
    fn a_design_without_samples_is_empty() {
        assert!(design(3, 0, true).is_empty());
        assert_eq!(design(3, 0, true).len(), 0);
        assert!(!design(3, 1, false).is_empty());
        assert_eq!(design(3, 1, false).len(), 5);
        assert!(!design(0, 1, true).is_empty());
        assert_eq!(design(0, 1, true).len(), 3);
    }

    /// Replicates 0, 1, 1 offset by 1e8: sample variance
    /// (4/9 + 1/9 + 1/9) / 2 = 1/3 whatever the offset. Summing squared
    /// deviations keeps it; forms like Σx² − n·mean² lose it to
    /// cancellation (the mean 1e8 + 2/3 is not representable).
    #[test]
    fn the_standard_error_survives_a_large_common_offset() {
        let e = with_interval(Some(0.0), vec![1e8, 1e8 + 1.0, 1e8 + 1.0]);
        let se = e.se.unwrap();
        assert!((se - (1.0f64 / 3.0).sqrt()).abs() < 1e-6, "se {se}");
    }

    /// Sobol' indices are ratios of variances: rescaling the outputs (to
    /// another unit, however small or large) leaves them unchanged.
    #[test]
    fn indices_do_not_depend_on_the_outputs_unit() {
        let d = design(2, 2, false);
        let y = [12.0, 9.0, 11.0, 13.0, 8.0, 9.0, 6.0, 12.0];
        let truth = [(2.0 / 3.0, 5.0 / 9.0), (-10.0 / 9.0, 17.0 / 9.0)];
        for scale in [1e-9, 1e-4, 1e6] {
            let scaled: Vec<f64> = y.iter().map(|v| v * scale).collect();
            let got = d.analyze(&scaled, 0).unwrap();
            for (g, (s1, st)) in got.iter().zip(truth) {
                let (v1, vt) = (g.first.value.unwrap(), g.total.value.unwrap());
                assert!((v1 - s1).abs() < 1e-9, "scale {scale}: {v1} vs {s1}");
                assert!((vt - st).abs() < 1e-9, "scale {scale}: {vt} vs {st}");
            }
        }
    }

    /// Outputs that do not vary are told apart from outputs that do by a
    /// floor of 1e-12 on V relative to the mean square of f_A and f_B.
    /// Four rows `(1 + δ, 1 − δ, −2)` (each summing to 0, so centring
    /// leaves them): mean 1, mean square 1 + δ², V = δ², a ratio of
    /// δ² / (1 + δ²). At δ² = 1.2e-12 the indices are estimated, at
    /// 0.8e-12 they are not (the output counts as constant).
    #[test]
    fn the_constant_output_floor_is_relative_to_the_mean_square() {
        let d = design(1, 4, false);
        let y = |delta: f64| -> Vec<f64> {
            (0..4)
                .flat_map(|_| [1.0 + delta, 1.0 - delta, -2.0])
                .collect()
        };
        let above = d.analyze(&y(1.2e-12f64.sqrt()), 0).unwrap();
        assert!(above[0].first.value.is_some() && above[0].total.value.is_some());
        let below = d.analyze(&y(0.8e-12f64.sqrt()), 0).unwrap();
        assert_eq!((below[0].first.value, below[0].total.value), (None, None));
    }
}
