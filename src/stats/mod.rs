//! Mergeable, fixed-size statistics of outcomes.
//!
//! Every accumulator here is **exactly** mergeable: adding runs one by one,
//! or adding them in any partition and merging the parts in any order, gives
//! bit-identical statistics. That is what makes outputs byte-identical for
//! any thread count and for sharded runs merged later. Moments are kept as
//! integer sums of values in fixed point (units of 2⁻²⁰ ≈ 9.5·10⁻⁷, so a
//! mean is exact to within 5·10⁻⁷ of the mean of the unrounded values); the
//! histogram counts are integers.
//!
//! Quantiles are nearest-rank (the smallest value with at least a share `q`
//! of the runs at or below it), read off a fixed-bin histogram over the
//! quantity's known range: a bin is centred on a multiple of the resolution,
//! so a quantile is exact for values on that grid (integers, round rates) and
//! within half a bin otherwise. Values below zero or above the range fall in
//! two overflow counts; a quantile that lands there is reported as the
//! observed min / max. The size does not grow with the number of runs.

use serde::{Deserialize, Serialize};

/// Fixed-point scale of the integer sums: 2^20.
const SCALE: f64 = 1_048_576.0;

fn quantize(x: f64) -> i64 {
    // Round half away from zero; `as` saturates, which only guards the
    // conversion (values are bounded by their parameter ranges). Written
    // without `f64::round`, which is a library call on baseline x86-64.
    // Half the i64 range keeps a paired difference of two values exact.
    let y = x * SCALE;
    let rounded = y + 0.5f64.copysign(y);
    // The common case with one conversion instruction: inside ±2^62 the
    // saturating conversion and the clamp change nothing, and the compiler
    // drops their checks (the merge adds ~500 values per run).
    if rounded.abs() < HALF_I64_RANGE {
        rounded as i64
    } else {
        (rounded as i64).clamp(i64::MIN / 2, i64::MAX / 2)
    }
}

/// 2^62, where [`quantize`]'s clamp to half the i64 range starts.
const HALF_I64_RANGE: f64 = 4_611_686_018_427_387_904.0;

/// Where a value falls in a histogram of `bins` bins of width `resolution`
/// centred on multiples of it: bin k holds [(k - 1/2)·resolution,
/// (k + 1/2)·resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Below,
    Bin(usize),
    Above,
}

#[inline(always)]
fn place(x: f64, resolution: f64, bins: usize) -> Place {
    // Truncation is floor for t ≥ 0; it avoids `f64::floor`, a library
    // call on baseline x86-64. Comparing before converting (t < bins as a
    // float, exact for any real bin count) is the integer comparison
    // floor(t) < bins, and leaves a conversion that cannot saturate; to
    // u32, which is one instruction where a u64 conversion takes ten
    // (histograms have far fewer than 2^32 bins: `Summary::new` sizes them
    // from the quantities' ranges).
    let t = x / resolution + 0.5;
    if t < 0.0 {
        Place::Below
    } else if t < bins.min(u32::MAX as usize) as f64 {
        Place::Bin(t as u32 as usize)
    } else {
        Place::Above
    }
}

/// `min.min(x)` and `max.max(x)` for an `x` that is not NaN and extremes
/// that never are: the same bits as the standard library's x86-64 lowering
/// (the running extreme kept on a tie, so a -0 after a +0 keeps +0), in two
/// compare-and-selects instead of its NaN handling, and the same on every
/// platform (`f64::min` leaves the sign of a zero tie to the platform).
#[inline(always)]
fn extend_extremes(min: &mut f64, max: &mut f64, x: f64) {
    if x < *min {
        *min = x;
    }
    if x > *max {
        *max = x;
    }
}

/// Count, sum and sum of squares in fixed point: exact, mergeable moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Moments {
    n: u64,
    #[serde(with = "i128_text")]
    sum: i128,
    #[serde(with = "i128_text")]
    sumsq: i128,
}

impl Moments {
    fn add_q(&mut self, q: i64) {
        self.n += 1;
        self.sum += i128::from(q);
        // One widening 64 x 64 -> 128-bit multiply, not a 128-bit one.
        self.sumsq += i128::from(q) * i128::from(q);
    }

    /// Adds the counts and sums of `other`.
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum += other.sum;
        self.sumsq += other.sumsq;
    }

    /// Mean, if any value was added.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64 / SCALE)
    }

    /// Sample standard deviation (n - 1), if at least two values were added.
    pub fn sd(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = i128::from(self.n);
        // n·Σq² − (Σq)² is an exact integer while it fits; beyond, fall back
        // to floating point (still deterministic: it only reads the sums).
        let numerator = n
            .checked_mul(self.sumsq)
            .and_then(|a| {
                self.sum
                    .checked_mul(self.sum)
                    .and_then(|b| a.checked_sub(b))
            })
            .map_or_else(
                || {
                    let mean = self.sum as f64 / self.n as f64;
                    (self.sumsq as f64 - self.sum as f64 * mean) * self.n as f64
                },
                |x| x as f64,
            );
        let var = numerator / (self.n as f64 * (self.n - 1) as f64) / (SCALE * SCALE);
        Some(var.max(0.0).sqrt())
    }
}

impl Moments {
    /// Adds `other` with every count and sum overflow-checked; `None` (and
    /// `self` unchanged) when a total does not fit.
    fn checked_merge(&self, other: &Moments) -> Option<Moments> {
        Some(Moments {
            n: self.n.checked_add(other.n)?,
            sum: self.sum.checked_add(other.sum)?,
            sumsq: self.sumsq.checked_add(other.sumsq)?,
        })
    }

    /// The invariants every accumulation of `n` values satisfies: no sums
    /// without values, a non-negative sum of squares, and (Cauchy–Schwarz)
    /// `(Σq)² <= n·Σq²` while it fits in 128 bits.
    fn check(&self) -> Result<(), &'static str> {
        if self.n == 0 && (self.sum != 0 || self.sumsq != 0) {
            return Err("sums without any value counted");
        }
        if self.sumsq < 0 {
            return Err("a negative sum of squares");
        }
        if let (Some(square), Some(bound)) = (
            self.sum.checked_mul(self.sum),
            i128::from(self.n).checked_mul(self.sumsq),
        ) && square > bound
        {
            return Err("a sum too large for its sum of squares");
        }
        Ok(())
    }
}

/// Moments, extremes and histogram of one quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    moments: Moments,
    #[serde(with = "f64_text")]
    min: f64,
    #[serde(with = "f64_text")]
    max: f64,
    resolution: f64,
    below: u64,
    above: u64,
    #[serde(with = "sparse_counts")]
    counts: Vec<u64>,
}

impl Summary {
    /// An empty summary binned at `resolution` over `[0, upper]`.
    pub fn new(resolution: f64, upper: f64) -> Summary {
        let bins = (upper / resolution).round() as usize + 1;
        Summary {
            moments: Moments::default(),
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
        self.moments.add_q(quantize(x));
        extend_extremes(&mut self.min, &mut self.max, x);
        match place(x, self.resolution, self.counts.len()) {
            Place::Below => self.below += 1,
            Place::Bin(k) => self.counts[k] += 1,
            Place::Above => self.above += 1,
        }
    }

    /// Adds `values` in order: the same bits as [`Summary::add`] on each.
    ///
    /// The merge's hot loop, written for the memory system: the bins of a
    /// month's summaries (about 10 MB per lever) do not stay in cache
    /// between chunks, so nearly every bin increment misses. The values'
    /// bins are found first, with the moments and extremes kept in
    /// registers, and then incremented in a tight loop of independent
    /// increments, so many misses are in flight at once instead of the few
    /// that fit beside the arithmetic in the out-of-order window.
    pub fn add_all(&mut self, values: impl IntoIterator<Item = f64>) {
        const BATCH: usize = 64;
        let Moments {
            mut n,
            mut sum,
            mut sumsq,
        } = self.moments;
        let (mut min, mut max) = (self.min, self.max);
        let (mut below, mut above) = (self.below, self.above);
        let resolution = self.resolution;
        let counts = &mut self.counts[..];
        let mut bins = [0usize; BATCH];
        let mut pending = 0;
        for x in values {
            if x.is_nan() {
                continue;
            }
            let q = quantize(x);
            n += 1;
            sum += i128::from(q);
            sumsq += i128::from(q) * i128::from(q);
            extend_extremes(&mut min, &mut max, x);
            match place(x, resolution, counts.len()) {
                Place::Below => below += 1,
                Place::Bin(k) => {
                    bins[pending] = k;
                    pending += 1;
                    if pending == BATCH {
                        bins.iter().for_each(|&b| counts[b] += 1);
                        pending = 0;
                    }
                }
                Place::Above => above += 1,
            }
        }
        bins[..pending].iter().for_each(|&b| counts[b] += 1);
        self.moments = Moments { n, sum, sumsq };
        (self.min, self.max) = (min, max);
        (self.below, self.above) = (below, above);
    }

    /// Adds everything `other` holds (same binning). Exact and
    /// order-independent.
    pub fn merge(&mut self, other: &Summary) {
        self.moments.merge(&other.moments);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.below += other.below;
        self.above += other.above;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// [`Summary::merge`] for untrusted input: every count and sum
    /// overflow-checked, `self` unchanged on an error.
    pub fn checked_merge(&mut self, other: &Summary) -> Result<(), &'static str> {
        if !self.same_shape(other) {
            return Err("a different binning");
        }
        let overflow = "a count or sum that overflows when added";
        let moments = self.moments.checked_merge(&other.moments).ok_or(overflow)?;
        let below = self.below.checked_add(other.below).ok_or(overflow)?;
        let above = self.above.checked_add(other.above).ok_or(overflow)?;
        let counts = self
            .counts
            .iter()
            .zip(&other.counts)
            .map(|(a, b)| a.checked_add(*b))
            .collect::<Option<Vec<u64>>>()
            .ok_or(overflow)?;
        self.moments = moments;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.below = below;
        self.above = above;
        self.counts = counts;
        Ok(())
    }

    /// Checks what any accumulation of values satisfies, for a summary read
    /// from an untrusted file: the histogram (with its overflow counts)
    /// holds exactly `n` values, an empty summary holds nothing, and
    /// otherwise `min <= mean <= max` with finite extremes.
    pub fn check(&self) -> Result<(), &'static str> {
        self.moments.check()?;
        let total = self
            .counts
            .iter()
            .try_fold(self.below, |t, &c| t.checked_add(c))
            .and_then(|t| t.checked_add(self.above))
            .ok_or("histogram counts that overflow")?;
        if total != self.moments.n {
            return Err("a histogram total different from n");
        }
        if self.moments.n == 0 {
            if self.min != f64::INFINITY || self.max != f64::NEG_INFINITY {
                return Err("extremes without any value counted");
            }
            return Ok(());
        }
        if !(self.min.is_finite() && self.max.is_finite() && self.min <= self.max) {
            return Err("min and max that are not finite with min <= max");
        }
        // The mean is of the values rounded to the fixed-point grid: within
        // half a grid step of the exact mean.
        let mean = self.mean().unwrap_or(f64::NAN);
        let slack = 1.0 / SCALE + 1e-12 * self.min.abs().max(self.max.abs());
        if !(mean >= self.min - slack && mean <= self.max + slack) {
            return Err("a mean outside [min, max]");
        }
        Ok(())
    }

    /// Whether `other` has the same binning (and so can be merged).
    pub fn same_shape(&self, other: &Summary) -> bool {
        self.resolution == other.resolution && self.counts.len() == other.counts.len()
    }

    /// Number of histogram bins.
    pub fn bins(&self) -> usize {
        self.counts.len()
    }

    /// Number of values added.
    pub fn n(&self) -> u64 {
        self.moments.n
    }

    /// Mean, if any value was added.
    pub fn mean(&self) -> Option<f64> {
        self.moments.mean()
    }

    /// Sample standard deviation (n - 1), if at least two values were added.
    pub fn sd(&self) -> Option<f64> {
        self.moments.sd()
    }

    /// Smallest value.
    pub fn min(&self) -> Option<f64> {
        (self.n() > 0).then_some(self.min)
    }

    /// Largest value.
    pub fn max(&self) -> Option<f64> {
        (self.n() > 0).then_some(self.max)
    }

    /// Nearest-rank quantile `q` in `[0, 1]` (see the module docs for its error).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = self.below;
        if seen >= rank {
            return Some(self.min);
        }
        for (k, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some((k as f64 * self.resolution).clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }

    /// The distribution as (value, weight) points in increasing order:
    /// each bin's count at its centre, the overflow counts at min and max.
    fn points(&self) -> Vec<(f64, f64)> {
        let n = self.n() as f64;
        let mut pts = Vec::new();
        if self.below > 0 {
            pts.push((self.min, self.below as f64 / n));
        }
        for (k, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                pts.push((
                    (k as f64 * self.resolution).clamp(self.min, self.max),
                    c as f64 / n,
                ));
            }
        }
        if self.above > 0 {
            pts.push((self.max, self.above as f64 / n));
        }
        pts
    }

    /// Mid-distribution PIT of `y`: P(X < y) + P(X = y) / 2, reading the
    /// histogram at its resolution (values in the same bin count as equal).
    pub fn pit(&self, y: f64) -> Option<f64> {
        if self.n() == 0 {
            return None;
        }
        let half = self.resolution / 2.0;
        let (mut less, mut equal) = (0.0, 0.0);
        for (x, w) in self.points() {
            if x < y - half {
                less += w;
            } else if x <= y + half {
                equal += w;
            }
        }
        Some(less + equal / 2.0)
    }

    /// Continuous ranked probability score of observation `y` against the
    /// distribution: E|X − y| − E|X − X'| / 2, with X at bin centres.
    pub fn crps(&self, y: f64) -> Option<f64> {
        if self.n() == 0 {
            return None;
        }
        let pts = self.points();
        let mut to_obs = 0.0;
        let mut spread = 0.0;
        let mut cumulative = 0.0;
        for &(x, w) in &pts {
            to_obs += w * (x - y).abs();
            cumulative += w;
            // For sorted points: E|X − X'| = 2 Σ w_j x_j (2 C_j − w_j − 1).
            spread += 2.0 * w * x * (2.0 * cumulative - w - 1.0);
        }
        Some(to_obs - spread / 2.0)
    }

    /// 95% confidence interval of the mean (Student t, n - 1 df).
    pub fn ci95(&self) -> Option<(f64, f64)> {
        let (mean, sd) = (self.mean()?, self.sd()?);
        let half = t_quantile_975(self.n() - 1) * sd / (self.n() as f64).sqrt();
        Some((mean - half, mean + half))
    }
}

/// Paired differences between a lever and the baseline over the same runs
/// (common random numbers): exact moments of the difference, the sums of
/// both sides over the pairs, and how often each side is larger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    lever: Moments,
    baseline: Moments,
    delta: Moments,
    greater: u64,
    less: u64,
}

impl Paired {
    /// Adds one pair; pairs with an undefined (`NaN`) side are skipped.
    pub fn add(&mut self, lever: f64, baseline: f64) {
        if lever.is_nan() || baseline.is_nan() {
            return;
        }
        let (l, b) = (quantize(lever), quantize(baseline));
        self.lever.add_q(l);
        self.baseline.add_q(b);
        self.delta.add_q(l - b);
        self.greater += u64::from(lever > baseline);
        self.less += u64::from(lever < baseline);
    }

    /// Adds everything `other` holds. Exact and order-independent.
    pub fn merge(&mut self, other: &Paired) {
        self.lever.merge(&other.lever);
        self.baseline.merge(&other.baseline);
        self.delta.merge(&other.delta);
        self.greater += other.greater;
        self.less += other.less;
    }

    /// [`Paired::merge`] for untrusted input: overflow-checked, `self`
    /// unchanged on an error.
    pub fn checked_merge(&mut self, other: &Paired) -> Result<(), &'static str> {
        let overflow = "a count or sum that overflows when added";
        let merged = Paired {
            lever: self.lever.checked_merge(&other.lever).ok_or(overflow)?,
            baseline: self
                .baseline
                .checked_merge(&other.baseline)
                .ok_or(overflow)?,
            delta: self.delta.checked_merge(&other.delta).ok_or(overflow)?,
            greater: self.greater.checked_add(other.greater).ok_or(overflow)?,
            less: self.less.checked_add(other.less).ok_or(overflow)?,
        };
        *self = merged;
        Ok(())
    }

    /// Checks what any accumulation of pairs satisfies: the three moments
    /// count the same pairs, and no more pairs are larger or smaller than
    /// counted.
    pub fn check(&self) -> Result<(), &'static str> {
        for m in [&self.lever, &self.baseline, &self.delta] {
            m.check()?;
        }
        let n = self.delta.n;
        if self.lever.n != n || self.baseline.n != n {
            return Err("paired counts that differ between the two sides");
        }
        if self.greater.checked_add(self.less).is_none_or(|c| c > n) {
            return Err("more pairs above or below the reference than pairs");
        }
        Ok(())
    }

    /// Pairs counted.
    pub fn n(&self) -> u64 {
        self.delta.n
    }

    /// Mean of the lever's values over the pairs.
    pub fn mean_lever(&self) -> Option<f64> {
        self.lever.mean()
    }

    /// Mean of the baseline's values over the pairs.
    pub fn mean_baseline(&self) -> Option<f64> {
        self.baseline.mean()
    }

    /// Mean paired difference (lever - baseline).
    pub fn mean_delta(&self) -> Option<f64> {
        self.delta.mean()
    }

    /// Sample standard deviation of the differences.
    pub fn sd_delta(&self) -> Option<f64> {
        self.delta.sd()
    }

    /// 95% confidence interval of the mean difference (Student t, n - 1 df).
    pub fn ci95(&self) -> Option<(f64, f64)> {
        let (mean, sd) = (self.mean_delta()?, self.sd_delta()?);
        let half = t_quantile_975(self.n() - 1) * sd / (self.n() as f64).sqrt();
        Some((mean - half, mean + half))
    }

    /// Share of pairs where the lever's value is above the baseline's.
    pub fn p_greater(&self) -> Option<f64> {
        (self.n() > 0).then(|| self.greater as f64 / self.n() as f64)
    }

    /// Share of pairs where the lever's value is below the baseline's.
    pub fn p_less(&self) -> Option<f64> {
        (self.n() > 0).then(|| self.less as f64 / self.n() as f64)
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_975(df: u64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let df = df.max(1) as f64;
    if df >= 100.0 {
        // Cornish-Fisher expansion around the normal quantile to 1/df³
        // (Abramowitz and Stegun 26.7.5): within 2e-8 of the published
        // values from df = 100, where the generic inverse CDF loses
        // precision. (With two terms it was 2.6e-6 off at df = 100.)
        let z: f64 = 1.959_963_984_540_054;
        let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
        return z
            + (z3 + z) / (4.0 * df)
            + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
            + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df * df * df);
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// 128-bit integers as decimal strings in partial files (JSON numbers lose
/// precision beyond 2^53 in most readers).
mod i128_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Floats as text, so the infinities of an empty summary's extremes survive
/// JSON (which has no infinity); round trips are exact.
mod f64_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{x:?}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Histogram counts as `[length, [[bin, count], …]]` with only the non-zero
/// bins: most bins of a fine histogram are empty.
mod sparse_counts {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(counts: &[u64], s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let nonzero: Vec<(usize, u64)> = counts
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, c)| *c > 0)
            .collect();
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&counts.len())?;
        t.serialize_element(&nonzero)?;
        t.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        let (len, nonzero): (usize, Vec<(usize, u64)>) = Deserialize::deserialize(d)?;
        if len > 10_000_000 {
            return Err(serde::de::Error::custom("histogram too long"));
        }
        let mut counts = vec![0; len];
        for (k, c) in nonzero {
            *counts
                .get_mut(k)
                .ok_or_else(|| serde::de::Error::custom("histogram bin out of range"))? = c;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values this large overflow n·Σq² (not Σq²) in 128 bits: the
    /// deviation falls back to floating point and must still be that of a
    /// two-pass computation (±1e11 alternating: mean 0, sd 1e11 ·
    /// sqrt(n/(n-1))).
    #[test]
    fn the_standard_deviation_of_huge_values_uses_the_fallback_and_is_right() {
        let mut m = Moments::default();
        let n = 1000;
        for i in 0..n {
            m.add_q(quantize(if i % 2 == 0 { 1e11 } else { -1e11 }));
        }
        assert!(
            i128::from(m.n).checked_mul(m.sumsq).is_none(),
            "the fallback is taken"
        );
        let want = 1e11 * (f64::from(n) / f64::from(n - 1)).sqrt();
        let got = m.sd().unwrap();
        assert!((got - want).abs() <= 1e-9 * want, "sd {got}, want {want}");
    }

    #[test]
    fn checked_merge_adds_counts_and_refuses_an_overflow() {
        let mut a = Summary::new(1.0, 10.0);
        [1.0, 2.0, 3.0].iter().for_each(|&x| a.add(x));
        let mut b = Summary::new(1.0, 10.0);
        [4.0, 5.0].iter().for_each(|&x| b.add(x));
        let mut merged = a.clone();
        merged.checked_merge(&b).unwrap();
        let mut plain = a.clone();
        plain.merge(&b);
        assert_eq!(merged, plain);
        assert_eq!(
            (merged.n(), merged.mean(), merged.min(), merged.max()),
            (5, Some(3.0), Some(1.0), Some(5.0))
        );
        assert_eq!(merged.quantile(0.5), Some(3.0));
        // Counts merge by addition: two values in one bin stay two.
        let mut c = Summary::new(1.0, 10.0);
        c.add(2.0);
        c.merge(&a);
        assert_eq!(c.quantile(0.5), Some(2.0));
        assert_eq!(c.n(), 4);
        // A total that overflows is refused and leaves the summary as it was.
        let mut huge = b.clone();
        huge.moments.n = u64::MAX;
        let before = a.clone();
        assert!(a.checked_merge(&huge).is_err());
        assert_eq!(a, before);
        // A different binning is refused.
        assert!(a.checked_merge(&Summary::new(0.5, 10.0)).is_err());
        assert!(a.checked_merge(&Summary::new(1.0, 20.0)).is_err());
        assert!(a.same_shape(&Summary::new(1.0, 10.0)));
    }

    #[test]
    fn check_refuses_each_impossible_summary_and_accepts_real_ones() {
        let mut s = Summary::new(1.0, 10.0);
        assert_eq!(s.check(), Ok(()));
        assert_eq!(s.min(), None);
        [2.0, 7.0].iter().for_each(|&x| s.add(x));
        assert_eq!(s.check(), Ok(()));
        assert_eq!((s.min(), s.max()), (Some(2.0), Some(7.0)));
        // A negative sum of squares.
        let mut bad = s.clone();
        bad.moments.sumsq = -1;
        assert!(bad.check().is_err());
        // Σq² too small for Σq (Cauchy–Schwarz: (2 + 7)² > 2 · 2²).
        let mut bad = s.clone();
        bad.moments.sumsq = i128::from(quantize(2.0)).pow(2);
        assert!(bad.check().is_err());
        // The histogram must hold exactly n values, counting the overflows.
        let mut bad = s.clone();
        bad.above += 1;
        assert!(bad.check().is_err());
        let mut over = Summary::new(1.0, 10.0);
        [2.0, 50.0, -3.0].iter().for_each(|&x| over.add(x));
        assert_eq!(
            over.check(),
            Ok(()),
            "values above and below the bins count"
        );
        // A mean outside [min, max].
        let mut bad = s.clone();
        bad.max = 4.0;
        assert!(bad.check().is_err());
        let mut bad = s.clone();
        bad.min = 5.0;
        assert!(bad.check().is_err());
        // Sums without values; extremes without values (either one).
        let mut bad = Summary::new(1.0, 10.0);
        bad.moments.sum = 5;
        assert!(bad.check().is_err());
        let mut bad = Summary::new(1.0, 10.0);
        bad.min = 3.0;
        assert!(bad.check().is_err());
        let mut bad = Summary::new(1.0, 10.0);
        bad.max = 3.0;
        assert!(bad.check().is_err());
        // One value: mean = min = max exactly, and a value off the
        // fixed-point grid whose rounded mean falls just outside [min, max]
        // (within the half-step slack) are both real summaries.
        for x in [4.0, 0.3 / SCALE, 5.0 + 0.3 / SCALE, -0.3 / SCALE] {
            let mut one = Summary::new(1.0, 10.0);
            one.add(x);
            assert_eq!(one.check(), Ok(()), "one value {x}");
        }
    }

    #[test]
    fn merge_adds_the_counts_above_and_below_the_bins() {
        let mut a = Summary::new(1.0, 10.0);
        [20.0, 30.0, -1.0, 5.0].iter().for_each(|&x| a.add(x));
        // Counts 1 + 2 above and 0 + 1 below: a product would give 2 and 0.
        let mut b = Summary::new(1.0, 10.0);
        b.add(40.0);
        let fresh = b.clone();
        b.merge(&a);
        assert_eq!((b.above, b.below, b.n()), (3, 1, 5));
        assert_eq!(b.check(), Ok(()));
        let mut c = fresh;
        c.checked_merge(&a).unwrap();
        assert_eq!(c, b);
    }

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
        // Values are summed in units of 2^-20: the mean is within half a unit.
        assert!((s.mean().unwrap() - mean).abs() <= 0.5 / 1_048_576.0);
        assert!((s.sd().unwrap() - var.sqrt()).abs() < 1e-6);
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
    fn any_partition_merged_in_any_order_is_bit_identical() {
        let values: Vec<f64> = (0..1000)
            .map(|i| (f64::from(i) * 0.618).fract() * 97.3 - 3.0)
            .collect();
        let mut whole = Summary::new(0.1, 100.0);
        values.iter().for_each(|&x| whole.add(x));
        for cut in [1usize, 17, 500, 999] {
            let (mut a, mut b) = (Summary::new(0.1, 100.0), Summary::new(0.1, 100.0));
            values[..cut].iter().for_each(|&x| a.add(x));
            values[cut..].iter().for_each(|&x| b.add(x));
            let mut ab = a.clone();
            ab.merge(&b);
            let mut ba = b.clone();
            ba.merge(&a);
            assert_eq!(ab, whole);
            assert_eq!(ba, whole);
            assert_eq!(ab.sd().unwrap().to_bits(), whole.sd().unwrap().to_bits());
        }
    }

    #[test]
    fn a_summary_survives_a_round_trip_through_json() {
        let mut s = Summary::new(0.5, 50.0);
        let empty = s.clone();
        [1.0, 2.5, 60.0, -1.0, 2.5, 0.1 + 0.2]
            .iter()
            .for_each(|&x| s.add(x));
        for summary in [s, empty] {
            let text = serde_json::to_string(&summary).unwrap();
            let back: Summary = serde_json::from_str(&text).unwrap();
            assert_eq!(back, summary);
        }
    }

    /// The CRPS of the sample `values` at `y`, computed directly:
    /// E|X - y| - E|X - X'|/2 over the sample.
    fn sample_crps(values: &[f64], y: f64) -> f64 {
        let n = values.len() as f64;
        let e1: f64 = values.iter().map(|x| (x - y).abs()).sum::<f64>() / n;
        let e2: f64 = values
            .iter()
            .flat_map(|a| values.iter().map(move |b| (a - b).abs()))
            .sum::<f64>()
            / (n * n);
        e1 - e2 / 2.0
    }

    #[test]
    fn crps_and_pit_match_direct_computations() {
        let values = [1.0, 2.0, 2.0, 5.0, 7.0];
        let mut s = Summary::new(1.0, 10.0);
        values.iter().for_each(|&x| s.add(x));
        for y in [0.0, 2.0, 3.5, 9.0] {
            assert!(
                (s.crps(y).unwrap() - sample_crps(&values, y)).abs() < 1e-12,
                "y = {y}"
            );
        }
        assert_eq!(s.pit(2.0), Some(0.2 + 0.4 / 2.0));
        assert_eq!(s.pit(0.0), Some(0.0));
        assert_eq!(s.pit(8.0), Some(1.0));
        // A point mass scored at its own value: perfect.
        let mut point = Summary::new(0.5, 50.0);
        (0..10).for_each(|_| point.add(25.0));
        assert_eq!(point.crps(25.0), Some(0.0));
        assert_eq!(point.crps(30.0), Some(5.0));
    }

    #[test]
    fn crps_counts_the_values_above_and_below_the_bins_at_the_extremes() {
        // 50 lies above the bins and -4 below them: each is the one value
        // there, so the histogram's points are exact and CRPS is the sample's.
        let values = [-4.0, 1.0, 2.0, 3.0, 50.0];
        let mut s = Summary::new(1.0, 10.0);
        values.iter().for_each(|&x| s.add(x));
        for y in [0.0, 2.5, 40.0] {
            let got = s.crps(y).unwrap();
            assert!(
                (got - sample_crps(&values, y)).abs() < 1e-12,
                "y = {y}: {got}"
            );
        }
    }

    #[test]
    fn the_interval_of_the_mean_is_students() {
        // 1..=10: mean 5.5, sd sqrt(55/6), t(0.975, 9) = 2.262157.
        let mut s = Summary::new(1.0, 10.0);
        (1..=10).for_each(|i| s.add(f64::from(i)));
        let half = 2.262_157 * (55.0f64 / 6.0).sqrt() / 10f64.sqrt();
        let (lo, hi) = s.ci95().unwrap();
        assert!(
            (lo - (5.5 - half)).abs() < 1e-5 && (hi - (5.5 + half)).abs() < 1e-5,
            "({lo}, {hi})"
        );
        let mut one = Summary::new(1.0, 10.0);
        one.add(3.0);
        assert_eq!(one.ci95(), None);
    }

    #[test]
    fn paired_counts_means_and_merges_match_a_direct_count() {
        let lever = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0];
        let baseline = [2.0, 7.0, 1.0, 8.0, 2.0, 8.0];
        let mut whole = Paired::default();
        let (mut first, mut second) = (Paired::default(), Paired::default());
        for (k, (&l, &b)) in lever.iter().zip(&baseline).enumerate() {
            whole.add(l, b);
            if k < 2 {
                first.add(l, b)
            } else {
                second.add(l, b)
            }
        }
        // 4 pairs above the baseline, 2 below; every pair differs, so
        // greater + less = n is a real accumulation.
        assert_eq!(
            (whole.p_greater(), whole.p_less()),
            (Some(4.0 / 6.0), Some(2.0 / 6.0))
        );
        assert_eq!(whole.check(), Ok(()));
        assert_eq!(whole.mean_lever(), Some(23.0 / 6.0));
        assert_eq!(whole.mean_baseline(), Some(28.0 / 6.0));
        assert!((whole.mean_delta().unwrap() - (-5.0 / 6.0)).abs() < 1e-12);
        let mut merged = first.clone();
        merged.merge(&second);
        assert_eq!(merged, whole);
        let mut checked = first;
        checked.checked_merge(&second).unwrap();
        assert_eq!(checked, whole);
        let mut bad = whole.clone();
        bad.less += 1;
        assert!(bad.check().is_err(), "more pairs above or below than pairs");
    }

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_quantile_975(1) - 12.7062).abs() < 1e-3);
        assert!((t_quantile_975(10) - 2.2281).abs() < 1e-3);
        assert!((t_quantile_975(120) - 1.97993).abs() < 1e-4);
        // The Cornish-Fisher branch (df >= 100) against published values
        // (R's qt(0.975, df)): t(100) = 1.983971519, t(200) = 1.971896224.
        assert!((t_quantile_975(100) - 1.983_971_519).abs() < 1e-7);
        assert!((t_quantile_975(200) - 1.971_896_224).abs() < 1e-7);
        assert!((t_quantile_975(1_000_000) - 1.95996).abs() < 1e-4);
    }

    /// The fast paths of `quantize`, `place` and `extend_extremes` give
    /// the bits of the plain formulas they replace, at and around every
    /// edge: ±2^62 (where the clamp starts), infinities, NaN, bin edges,
    /// the last bin, and signed zeros.
    #[test]
    fn the_merge_fast_paths_are_the_plain_formulas() {
        let plain_quantize = |x: f64| {
            let y = x * SCALE;
            ((y + 0.5f64.copysign(y)) as i64).clamp(i64::MIN / 2, i64::MAX / 2)
        };
        let edge = HALF_I64_RANGE / SCALE;
        let mut xs = vec![0.0, -0.0, 0.5 / SCALE, -0.5 / SCALE, 1e300, -1e300];
        xs.extend([f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 3.75, -2.25]);
        for k in -3i64..=3 {
            for sign in [1.0, -1.0] {
                xs.push(sign * f64::from_bits((edge.to_bits() as i64 + k) as u64));
            }
        }
        for &x in &xs {
            assert_eq!(quantize(x), plain_quantize(x), "quantize({x:e})");
        }
        let plain_place = |x: f64, resolution: f64, bins: usize| {
            let t = x / resolution + 0.5;
            if t < 0.0 {
                Place::Below
            } else if (t as usize) < bins {
                Place::Bin(t as usize)
            } else {
                Place::Above
            }
        };
        // NaN is skipped before it is placed.
        let placed = xs.iter().filter(|x| !x.is_nan());
        for &x in placed.chain(&[4.75, 4.7499999, 5.0, 5.25, -0.25, -0.2500001]) {
            assert_eq!(place(x, 0.5, 10), plain_place(x, 0.5, 10), "place({x:e})");
        }
        for (a, b) in [
            (1.0, 2.0),
            (2.0, 1.0),
            (f64::INFINITY, 3.0),
            (-1.0, f64::NEG_INFINITY),
        ] {
            let (mut min, mut max) = (a, a);
            extend_extremes(&mut min, &mut max, b);
            assert_eq!(min.to_bits(), a.min(b).to_bits(), "min({a}, {b})");
            assert_eq!(max.to_bits(), a.max(b).to_bits(), "max({a}, {b})");
        }
        // On a tie of zeros the running extreme stays, on every platform
        // (x86's minsd/maxsd give that for f64::min/max at run time; ARM's
        // fminnm would give -0).
        for (a, b) in [(0.0, -0.0), (-0.0, 0.0)] {
            let (mut min, mut max) = (a, a);
            extend_extremes(&mut min, &mut max, b);
            assert_eq!((min.to_bits(), max.to_bits()), (a.to_bits(), a.to_bits()));
            #[cfg(target_arch = "x86_64")]
            {
                let (x, y) = std::hint::black_box((a, b));
                assert_eq!(x.min(y).to_bits(), min.to_bits(), "x86 min({a}, {b})");
                assert_eq!(x.max(y).to_bits(), max.to_bits(), "x86 max({a}, {b})");
            }
        }
    }

    /// The merge's batched `add_all` is `add` value by value, bit for
    /// bit: over more values than one batch of bins, with NaN skipped,
    /// values below and above the bins, bin edges and signed zeros.
    #[test]
    fn add_all_is_add_one_value_at_a_time() {
        let mut values = vec![f64::NAN, -0.0, 0.0, -0.3, 7.5, 1e9, 0.25, 0.2499];
        values.extend((0..300).map(|k| (f64::from(k) * 0.37).sin() * 6.0 + 4.0));
        for prefix in [0, 1, 63, 64, 65, values.len()] {
            let mut one_by_one = Summary::new(0.5, 10.0);
            values[..prefix].iter().for_each(|&x| one_by_one.add(x));
            let mut all = Summary::new(0.5, 10.0);
            all.add_all(values[..prefix].iter().copied());
            assert_eq!(
                format!("{all:?}"),
                format!("{one_by_one:?}"),
                "{prefix} values"
            );
        }
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
