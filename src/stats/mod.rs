//! Mergeable, fixed-size statistics of outcomes.
//!
//! A [`Summary`] keeps moments (Welford), the extremes and a fixed-bin
//! histogram over the quantity's known range, so its size does not grow with
//! the number of runs. Quantiles are nearest-rank (the smallest value with at
//! least a share `q` of the runs at or below it), read off the histogram: a
//! bin is centred on a multiple of the resolution, so a quantile is exact for
//! values on that grid (integers, round rates) and within half a bin
//! otherwise. Values below zero or above the range fall in two overflow
//! counts; a quantile that lands there is reported as the observed min / max.

/// Moments, extremes and histogram of one quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    resolution: f64,
    below: u64,
    above: u64,
    counts: Vec<u32>,
}

impl Summary {
    /// An empty summary binned at `resolution` over `[0, upper]`.
    pub fn new(resolution: f64, upper: f64) -> Summary {
        let bins = (upper / resolution).round() as usize + 1;
        Summary {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            resolution,
            below: 0,
            above: 0,
            counts: vec![0; bins],
        }
    }

    /// Adds one value; `NaN` (undefined in this run) is skipped.
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let k = (x / self.resolution).round();
        if k < 0.0 {
            self.below += 1;
        } else if k as usize >= self.counts.len() {
            self.above += 1;
        } else {
            self.counts[k as usize] += 1;
        }
    }

    /// Number of values added.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Mean, if any value was added.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Sample standard deviation (n - 1), if at least two values were added.
    pub fn sd(&self) -> Option<f64> {
        (self.n > 1).then(|| (self.m2 / (self.n - 1) as f64).max(0.0).sqrt())
    }

    /// Smallest value.
    pub fn min(&self) -> Option<f64> {
        (self.n > 0).then_some(self.min)
    }

    /// Largest value.
    pub fn max(&self) -> Option<f64> {
        (self.n > 0).then_some(self.max)
    }

    /// Nearest-rank quantile `q` in `[0, 1]` (see the module docs for its error).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = self.below;
        if seen >= rank {
            return Some(self.min);
        }
        for (k, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some((k as f64 * self.resolution).clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }
}

/// Paired differences between a lever and the baseline over the same runs
/// (common random numbers): Welford moments of the difference, the means of
/// both sides over the pairs, and how often each side is larger.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Paired {
    n: u64,
    mean_lever: f64,
    mean_baseline: f64,
    mean_delta: f64,
    m2_delta: f64,
    greater: u64,
    less: u64,
}

impl Paired {
    /// Adds one pair; pairs with an undefined (`NaN`) side are skipped.
    pub fn add(&mut self, lever: f64, baseline: f64) {
        if lever.is_nan() || baseline.is_nan() {
            return;
        }
        self.n += 1;
        let n = self.n as f64;
        self.mean_lever += (lever - self.mean_lever) / n;
        self.mean_baseline += (baseline - self.mean_baseline) / n;
        let d = lever - baseline;
        let delta = d - self.mean_delta;
        self.mean_delta += delta / n;
        self.m2_delta += delta * (d - self.mean_delta);
        self.greater += u64::from(lever > baseline);
        self.less += u64::from(lever < baseline);
    }

    /// Pairs counted.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Mean of the lever's values over the pairs.
    pub fn mean_lever(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean_lever)
    }

    /// Mean of the baseline's values over the pairs.
    pub fn mean_baseline(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean_baseline)
    }

    /// Mean paired difference (lever - baseline).
    pub fn mean_delta(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean_delta)
    }

    /// Sample standard deviation of the differences.
    pub fn sd_delta(&self) -> Option<f64> {
        (self.n > 1).then(|| (self.m2_delta / (self.n - 1) as f64).max(0.0).sqrt())
    }

    /// 95% confidence interval of the mean difference (Student t, n - 1 df).
    pub fn ci95(&self) -> Option<(f64, f64)> {
        let sd = self.sd_delta()?;
        let half = t_quantile_975(self.n - 1) * sd / (self.n as f64).sqrt();
        Some((self.mean_delta - half, self.mean_delta + half))
    }

    /// Share of pairs where the lever's value is above the baseline's.
    pub fn p_greater(&self) -> Option<f64> {
        (self.n > 0).then(|| self.greater as f64 / self.n as f64)
    }

    /// Share of pairs where the lever's value is below the baseline's.
    pub fn p_less(&self) -> Option<f64> {
        (self.n > 0).then(|| self.less as f64 / self.n as f64)
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_975(df: u64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let df = df.max(1) as f64;
    if df >= 100.0 {
        // Cornish-Fisher expansion around the normal quantile: accurate to
        // 1e-7 here, where the generic inverse CDF loses precision.
        let z: f64 = 1.959_963_984_540_054;
        let (z3, z5) = (z.powi(3), z.powi(5));
        return z + (z3 + z) / (4.0 * df) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df);
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

impl Summary {
    /// 95% confidence interval of the mean (Student t, n - 1 df).
    pub fn ci95(&self) -> Option<(f64, f64)> {
        let sd = self.sd()?;
        let half = t_quantile_975(self.n - 1) * sd / (self.n as f64).sqrt();
        Some((self.mean - half, self.mean + half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact nearest-rank quantile, computed independently by sorting.
    fn exact(values: &[f64], q: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }

    #[test]
    fn quantiles_are_exact_on_the_grid_and_within_half_a_bin_off_it() {
        let on_grid: Vec<f64> = (0..1000).map(|i| f64::from((i * 7919) % 31)).collect();
        let off_grid: Vec<f64> = (0..1000)
            .map(|i| f64::from((i * 7919) % 1000) / 37.0)
            .collect();
        for (values, res, tol) in [(&on_grid, 1.0, 0.0), (&off_grid, 0.1, 0.05 + 1e-12)] {
            let mut s = Summary::new(res, 100.0);
            values.iter().for_each(|&x| s.add(x));
            for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
                let got = s.quantile(q).unwrap();
                let want = exact(values, q);
                assert!((got - want).abs() <= tol, "q={q}: got {got}, exact {want}");
            }
        }
    }

    #[test]
    fn moments_match_a_two_pass_computation() {
        let values: Vec<f64> = (0..500)
            .map(|i| (f64::from(i) * 0.37).sin() * 10.0 + 20.0)
            .collect();
        let mut s = Summary::new(0.01, 100.0);
        values.iter().for_each(|&x| s.add(x));
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!((s.mean().unwrap() - mean).abs() < 1e-9);
        assert!((s.sd().unwrap() - var.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn paired_interval_matches_a_direct_computation() {
        let lever: Vec<f64> = (0..200).map(|i| f64::from(i % 17) + 0.5).collect();
        let base: Vec<f64> = (0..200)
            .map(|i| f64::from(i % 17) + f64::from(i % 3) * 0.1)
            .collect();
        let mut p = Paired::default();
        lever.iter().zip(&base).for_each(|(&l, &b)| p.add(l, b));
        p.add(f64::NAN, 1.0);
        let d: Vec<f64> = lever.iter().zip(&base).map(|(l, b)| l - b).collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        // t(0.975, 199) = 1.971957 (tables).
        let half = 1.971957 * sd / n.sqrt();
        let (lo, hi) = p.ci95().unwrap();
        assert_eq!(p.n(), 200);
        assert!((lo - (mean - half)).abs() < 1e-5 && (hi - (mean + half)).abs() < 1e-5);
        assert_eq!(p.p_greater(), Some(1.0));
        assert_eq!(p.p_less(), Some(0.0));
    }

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_quantile_975(1) - 12.7062).abs() < 1e-3);
        assert!((t_quantile_975(10) - 2.2281).abs() < 1e-3);
        assert!((t_quantile_975(120) - 1.97993).abs() < 1e-4);
        assert!((t_quantile_975(1_000_000) - 1.95996).abs() < 1e-4);
    }

    #[test]
    fn nan_is_skipped_and_overflow_reports_extremes() {
        let mut s = Summary::new(1.0, 10.0);
        s.add(f64::NAN);
        assert_eq!(s.n(), 0);
        assert_eq!(s.quantile(0.5), None);
        for x in [-3.0, 5.0, 50.0] {
            s.add(x);
        }
        assert_eq!(s.quantile(0.0), Some(-3.0));
        assert_eq!(s.quantile(0.5), Some(5.0));
        assert_eq!(s.quantile(1.0), Some(50.0));
    }
}
