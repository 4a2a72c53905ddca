//! PRIM, the patient rule induction method (Friedman and Fisher 1999), for
//! scenario discovery: a box over the uncertain parameters in which the runs
//! of interest are concentrated.
//!
//! The algorithm follows the EMA Workbench's `Prim` (binary mode, the
//! default `lenient1` objective, ema_workbench/analysis/prim.py), step by
//! step, so its trade-off curves can be compared with it:
//!
//! * **Peeling.** From the box around all the data, every parameter offers
//!   two candidate boxes: its upper limit moved down to the `1 − alpha`
//!   quantile of the values in the box, or its lower limit moved up to the
//!   `alpha` quantile. Each is scored by the gain in density per point
//!   removed, `(mean_new − mean_old) / (n_old − n_new)`; the best (ties: the
//!   box with fewer restricted parameters, then parameter order, upper peel
//!   first) is taken while its score is positive and its mass stays at or
//!   above `mass_min`.
//! * **Pasting.** Each restricted limit may then move back out to take in
//!   the `paste_alpha` share of the points just beyond it (lower limits
//!   first); a paste is taken while it raises the density and keeps the mass
//!   at or above `mass_min`.
//! * Every box taken is a point of the **coverage–density trade-off curve**.
//! * **Quasi-p-values** (Bryant and Lempert 2010): for each restricted limit
//!   of a box, the one-sided binomial probability of at least the box's
//!   `k` cases of interest among its `n` points if the density were that of
//!   the box with that limit removed.
//!
//! Quantiles are the EMA Workbench's (`get_quantile`, after sdtoolkit): a
//! limit falls halfway between two distinct neighbouring values, so points
//! never sit on a limit by accident of rounding.

use statrs::distribution::{Binomial, DiscreteCDF};

/// PRIM's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimOptions {
    /// Share of the box's points peeled off per step, in (0, 0.5).
    pub peel_alpha: f64,
    /// Share of the points beyond a limit pasted back per step, in (0, 0.5).
    pub paste_alpha: f64,
    /// Smallest share of all points a box may hold, in (0, 1).
    pub mass_min: f64,
}

impl Default for PrimOptions {
    /// The EMA Workbench's defaults: 0.05, 0.05, 0.05.
    fn default() -> Self {
        PrimOptions {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
        }
    }
}

/// One box of the trade-off curve.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimBox {
    /// `[parameter]`: (lower, upper) limits; unrestricted parameters keep
    /// the data's minimum and maximum.
    pub limits: Vec<(f64, f64)>,
    /// Points in the box.
    pub n: usize,
    /// Cases of interest in the box.
    pub k: usize,
    /// Share of all cases of interest that are in the box.
    pub coverage: f64,
    /// Share of the box's points that are cases of interest.
    pub density: f64,
    /// Share of all points in the box.
    pub mass: f64,
    /// Restricted parameters (a limit differs from the data's range), in
    /// parameter order, each with the quasi-p-values of its lower and upper
    /// limit (`None`: that side is not restricted).
    pub restricted: Vec<(usize, Option<f64>, Option<f64>)>,
}

/// Why PRIM cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrimError {
    /// No data, or columns of different lengths.
    #[error("PRIM needs at least one point and columns of equal length")]
    Shape,
    /// No point is a case of interest.
    #[error("no run is a case of interest: the condition holds in none of the {0} runs")]
    NoCases(usize),
    /// An option is out of its range.
    #[error("{0} must lie strictly between 0 and {1}")]
    Option(&'static str, f64),
}

/// The EMA Workbench's quantile (`prim_util.get_quantile`) of sorted `data`.
pub fn get_quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = (sorted.len() - 1) as f64 * q;
    let (mut lo, mut hi) = (i.floor() as usize, i.ceil() as usize);
    if q > 0.5 {
        while sorted[lo] == sorted[hi] && lo > 0 {
            lo -= 1;
        }
    } else {
        while sorted[lo] == sorted[hi] && hi < sorted.len() - 1 {
            hi += 1;
        }
    }
    (sorted[lo] + sorted[hi]) / 2.0
}

/// `P(X >= k)` for `X ~ Binomial(n, p)`.
pub fn binomial_upper_tail(k: usize, n: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    Binomial::new(p, n as u64).map_or(f64::NAN, |b| b.sf(k as u64 - 1))
}

struct Prim<'a> {
    x: &'a [Vec<f64>],
    y: &'a [bool],
    init: Vec<(f64, f64)>,
    options: PrimOptions,
    total_k: usize,
}

/// A box in the making: its limits and the points inside.
struct Candidate {
    limits: Vec<(f64, f64)>,
    inside: Vec<usize>,
}

impl Prim<'_> {
    fn n(&self) -> usize {
        self.y.len()
    }

    fn cases(&self, inside: &[usize]) -> usize {
        inside.iter().filter(|&&i| self.y[i]).count()
    }

    fn mean(&self, inside: &[usize]) -> f64 {
        if inside.is_empty() {
            0.0
        } else {
            self.cases(inside) as f64 / inside.len() as f64
        }
    }

    /// The `lenient1` objective: gain in mean per point moved.
    fn objective(&self, old: &[usize], new: &[usize]) -> f64 {
        let (m_old, m_new) = (self.mean(old), self.mean(new));
        if m_old == m_new || old.len() == new.len() {
            return 0.0;
        }
        (m_new - m_old) / old.len().abs_diff(new.len()) as f64
    }

    fn restricted(&self, limits: &[(f64, f64)]) -> Vec<usize> {
        (0..limits.len())
            .filter(|&j| limits[j] != self.init[j])
            .collect()
    }

    /// Points of all the data inside `limits` (only `dims` checked).
    fn in_box(&self, limits: &[(f64, f64)], dims: &[usize]) -> Vec<usize> {
        (0..self.n())
            .filter(|&i| {
                dims.iter()
                    .all(|&j| limits[j].0 <= self.x[j][i] && self.x[j][i] <= limits[j].1)
            })
            .collect()
    }

    /// The best of `candidates` by (objective, unrestricted parameters),
    /// the first on ties.
    fn best(&self, current: &[usize], candidates: Vec<Candidate>) -> Option<(f64, Candidate)> {
        let mut best: Option<(f64, usize, Candidate)> = None;
        for c in candidates {
            let obj = self.objective(current, &c.inside);
            let free = self.init.len() - self.restricted(&c.limits).len();
            let better = match &best {
                None => true,
                Some((o, f, _)) => obj > *o || (obj == *o && free > *f),
            };
            if better {
                best = Some((obj, free, c));
            }
        }
        best.map(|(o, _, c)| (o, c))
    }

    fn peel_candidates(&self, current: &Candidate) -> Vec<Candidate> {
        let mut out = Vec::with_capacity(2 * self.x.len());
        for (j, column) in self.x.iter().enumerate() {
            let mut values: Vec<f64> = current.inside.iter().map(|&i| column[i]).collect();
            values.sort_by(f64::total_cmp);
            let alpha = self.options.peel_alpha;
            for upper in [true, false] {
                let q = get_quantile(&values, if upper { 1.0 - alpha } else { alpha });
                let inside: Vec<usize> = current
                    .inside
                    .iter()
                    .copied()
                    .filter(|&i| {
                        if upper {
                            column[i] <= q
                        } else {
                            column[i] >= q
                        }
                    })
                    .collect();
                let mut limits = current.limits.clone();
                if upper {
                    limits[j].1 = q;
                } else {
                    limits[j].0 = q;
                }
                out.push(Candidate { limits, inside });
            }
        }
        out
    }

    fn paste_candidates(&self, current: &Candidate) -> Vec<Candidate> {
        let dims = self.restricted(&current.limits);
        let mut out = Vec::with_capacity(2 * dims.len());
        for &j in &dims {
            for lower in [true, false] {
                let mut region = current.limits.clone();
                region[j] = if lower {
                    (self.init[j].0, current.limits[j].0)
                } else {
                    (current.limits[j].1, self.init[j].1)
                };
                let mut values: Vec<f64> = self
                    .in_box(&region, &dims)
                    .into_iter()
                    .map(|i| self.x[j][i])
                    .collect();
                values.sort_by(f64::total_cmp);
                let alpha = self.options.paste_alpha;
                let mut limits = current.limits.clone();
                if lower {
                    limits[j].0 = if values.is_empty() {
                        self.init[j].0
                    } else {
                        get_quantile(&values, 1.0 - alpha)
                    };
                } else {
                    limits[j].1 = if values.is_empty() {
                        self.init[j].1
                    } else {
                        get_quantile(&values, alpha)
                    };
                }
                let inside = self.in_box(&limits, &dims);
                out.push(Candidate { limits, inside });
            }
        }
        out
    }

    fn record(&self, c: &Candidate) -> PrimBox {
        let n = c.inside.len();
        let k = self.cases(&c.inside);
        let dims = self.restricted(&c.limits);
        let restricted = dims
            .iter()
            .map(|&j| {
                let qp = |lower: bool| {
                    let side = if lower { 0 } else { 1 };
                    let (limit, open) = if lower {
                        (c.limits[j].0, self.init[j].0)
                    } else {
                        (c.limits[j].1, self.init[j].1)
                    };
                    (limit != open).then(|| {
                        let mut relaxed = c.limits.clone();
                        if side == 0 {
                            relaxed[j].0 = open;
                        } else {
                            relaxed[j].1 = open;
                        }
                        let points = self.in_box(&relaxed, &dims);
                        let p = self.mean(&points);
                        binomial_upper_tail(k, n, p)
                    })
                };
                (j, qp(true), qp(false))
            })
            .collect();
        PrimBox {
            limits: c.limits.clone(),
            n,
            k,
            coverage: k as f64 / self.total_k.max(1) as f64,
            density: if n == 0 { 0.0 } else { k as f64 / n as f64 },
            mass: n as f64 / self.n() as f64,
            restricted,
        }
    }
}

/// Runs PRIM on columns `x[parameter][point]` labelled `y[point]` (true: a
/// case of interest) and returns the trade-off curve: the box around all
/// the data first, then every box peeling and pasting took, in order.
pub fn prim(x: &[Vec<f64>], y: &[bool], options: PrimOptions) -> Result<Vec<PrimBox>, PrimError> {
    if y.is_empty() || x.iter().any(|c| c.len() != y.len()) {
        return Err(PrimError::Shape);
    }
    for (name, value, max) in [
        ("peel_alpha", options.peel_alpha, 0.5),
        ("paste_alpha", options.paste_alpha, 0.5),
        ("mass_min", options.mass_min, 1.0),
    ] {
        if !(value > 0.0 && value < max) {
            return Err(PrimError::Option(name, max));
        }
    }
    let total_k = y.iter().filter(|&&b| b).count();
    if total_k == 0 {
        return Err(PrimError::NoCases(y.len()));
    }
    let init: Vec<(f64, f64)> = x
        .iter()
        .map(|c| {
            c.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect();
    let prim = Prim {
        x,
        y,
        init: init.clone(),
        options,
        total_k,
    };
    let n = y.len() as f64;
    let mut current = Candidate {
        limits: init,
        inside: (0..y.len()).collect(),
    };
    let mut curve = vec![prim.record(&current)];
    // Peeling.
    loop {
        let candidates = prim.peel_candidates(&current);
        let Some((obj, next)) = prim.best(&current.inside, candidates) else {
            break;
        };
        let (mass_old, mass_new) = (
            current.inside.len() as f64 / n,
            next.inside.len() as f64 / n,
        );
        if mass_new >= options.mass_min && mass_new < mass_old && obj > 0.0 {
            current = next;
            curve.push(prim.record(&current));
        } else {
            break;
        }
    }
    // Pasting.
    loop {
        let candidates = prim.paste_candidates(&current);
        let Some((obj, next)) = prim.best(&current.inside, candidates) else {
            break;
        };
        let (mass_old, mass_new) = (
            current.inside.len() as f64 / n,
            next.inside.len() as f64 / n,
        );
        if mass_new >= options.mass_min
            && mass_new > mass_old
            && obj > 0.0
            && prim.mean(&next.inside) > prim.mean(&current.inside)
        {
            current = next;
            curve.push(prim.record(&current));
        } else {
            break;
        }
    }
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// `n` points uniform on the unit cube of `dims` dimensions, labelled
    /// true inside `[0.2, 0.6] x [0.5, 1]` on the first two (volume 0.2).
    fn planted(n: usize, dims: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<bool>) {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let x: Vec<Vec<f64>> = (0..dims)
            .map(|_| (0..n).map(|_| rng.random::<f64>()).collect())
            .collect();
        let y = (0..n)
            .map(|i| (0.2..=0.6).contains(&x[0][i]) && x[1][i] >= 0.5)
            .collect();
        (x, y)
    }

    #[test]
    fn quantiles_match_the_ema_workbench() {
        // Values worked with prim_util.get_quantile by hand.
        let d = [1.0, 2.0, 3.0, 4.0, 5.0];
        // i = 4 * 0.05 = 0.2: floor 0, ceil 1 -> (1 + 2) / 2.
        assert_eq!(get_quantile(&d, 0.05), 1.5);
        // i = 3.8: 3, 4 -> 4.5.
        assert_eq!(get_quantile(&d, 0.95), 4.5);
        // Ties move outwards: i = 0.2 on [1, 1, 1, 2] -> hi walks to 3.
        assert_eq!(get_quantile(&[1.0, 1.0, 1.0, 2.0], 0.05), 1.5);
        assert_eq!(get_quantile(&[1.0, 2.0, 2.0, 2.0], 0.95), 1.5);
        // i exact: 4 * 0.5 = 2 -> lo = hi = 2, a tie, hi walks to 3.
        assert_eq!(get_quantile(&d, 0.5), 3.5);
    }

    #[test]
    fn the_binomial_tail_matches_a_direct_sum() {
        let direct = |k: usize, n: usize, p: f64| -> f64 {
            (k..=n)
                .map(|j| {
                    let c: f64 = (0..j).map(|t| (n - t) as f64 / (j - t) as f64).product();
                    c * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32)
                })
                .sum()
        };
        for (k, n, p) in [
            (3, 10, 0.2),
            (7, 10, 0.5),
            (10, 10, 0.9),
            (1, 25, 0.01),
            (20, 40, 0.3),
        ] {
            let (a, b) = (binomial_upper_tail(k, n, p), direct(k, n, p));
            assert!(
                (a - b).abs() < 1e-12 * b.max(1e-300) + 1e-15,
                "{k} {n} {p}: {a} vs {b}"
            );
        }
        assert_eq!(binomial_upper_tail(0, 5, 0.3), 1.0);
        assert_eq!(binomial_upper_tail(6, 5, 0.3), 0.0);
    }

    #[test]
    fn prim_recovers_a_planted_box() {
        let (x, y) = planted(4000, 5, 1);
        let curve = prim(&x, &y, PrimOptions::default()).unwrap();
        assert_eq!(curve[0].coverage, 1.0);
        assert_eq!(curve[0].mass, 1.0);
        assert!(
            (curve[0].density - 0.2).abs() < 0.02,
            "{}",
            curve[0].density
        );
        // Coverage never grows while peeling; density ends near 1.
        let best = curve
            .iter()
            .filter(|b| b.coverage >= 0.9)
            .max_by(|a, b| a.density.total_cmp(&b.density))
            .unwrap();
        assert!(best.density >= 0.9, "density {}", best.density);
        let dims: Vec<usize> = best.restricted.iter().map(|r| r.0).collect();
        assert_eq!(dims, [0, 1], "only the planted dimensions are restricted");
        let (l0, l1) = (best.limits[0], best.limits[1]);
        assert!(
            (l0.0 - 0.2).abs() < 0.03 && (l0.1 - 0.6).abs() < 0.03,
            "{l0:?}"
        );
        assert!((l1.0 - 0.5).abs() < 0.03, "{l1:?}");
        // Restrictions that matter are highly significant.
        for (_, lo, _) in &best.restricted {
            if let Some(p) = lo {
                assert!(*p < 1e-6, "quasi-p {p}");
            }
        }
        // The statistics are what they say.
        for b in &curve {
            let inside: Vec<usize> = (0..y.len())
                .filter(|&i| (0..5).all(|j| b.limits[j].0 <= x[j][i] && x[j][i] <= b.limits[j].1))
                .collect();
            let k = inside.iter().filter(|&&i| y[i]).count();
            assert_eq!((b.n, b.k), (inside.len(), k));
            assert!(b.mass >= 0.05);
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let opts = PrimOptions::default();
        assert_eq!(
            prim(&[vec![1.0]], &[false], opts),
            Err(PrimError::NoCases(1))
        );
        assert_eq!(
            prim(&[vec![1.0, 2.0]], &[true], opts),
            Err(PrimError::Shape)
        );
        let bad = PrimOptions {
            peel_alpha: 0.6,
            ..opts
        };
        assert!(matches!(
            prim(&[vec![1.0]], &[true], bad),
            Err(PrimError::Option("peel_alpha", _))
        ));
    }

    /// Labels written as `T` (a case) and `F`, one per point.
    fn case_labels(labels: &str) -> Vec<bool> {
        labels.chars().map(|c| c == 'T').collect()
    }

    /// One parameter with the points `x = 0 … 9`, labelled by `labels`.
    fn on_zero_to_nine(labels: &str) -> (Vec<Vec<f64>>, Vec<bool>) {
        assert_eq!(labels.len(), 10);
        (vec![(0..10).map(f64::from).collect()], case_labels(labels))
    }

    /// Ten points `x = 0 … 9` in one dimension, labelled
    /// `F T T T T T F F T T` (7 cases), peel_alpha 0.2, worked by hand:
    ///
    /// * Peel 1. Upper: quantile 0.8 of 0…9 is (7 + 8) / 2 = 7.5, keeping
    ///   0…7 (5 of 8, density down). Lower: quantile 0.2 is (1 + 2) / 2 =
    ///   1.5, keeping 2…9 (6 of 8 = 0.75, gain 0.05 over 2 points): taken.
    /// * Peel 2 on 2…9: upper 7.5 keeps 2…7 (4 of 6), lower 3.5 keeps 4…9
    ///   (4 of 6): both lower the density, peeling stops.
    /// * Paste: below 1.5 lie 0 and 1; their 0.95 quantile is 0.5, taking
    ///   back x = 1 (7 of 9 = 0.778, up by 0.028 for 1 point): taken. Above
    ///   9 nothing moves. Next, pasting 0 back gives 7 of 10: stop.
    ///
    /// Quasi-p-values: with the lower limit removed the density is 7/10,
    /// so box 1 (6 of 8) has P(Bin(8, 0.7) >= 6) = 0.29647548 +
    /// 0.19765032 + 0.05764801 = 0.55177381 and box 2 (7 of 9) has
    /// P(Bin(9, 0.7) >= 7) = 0.26682793 + 0.15564963 + 0.04035361 =
    /// 0.46283117.
    #[test]
    fn a_hand_worked_curve_peels_then_pastes() {
        let (x, y) = on_zero_to_nine("FTTTTTFFTT");
        let opts = PrimOptions {
            peel_alpha: 0.2,
            paste_alpha: 0.05,
            mass_min: 0.05,
        };
        let curve = prim(&x, &y, opts).unwrap();
        let summary: Vec<((f64, f64), usize, usize)> =
            curve.iter().map(|b| (b.limits[0], b.n, b.k)).collect();
        assert_eq!(
            summary,
            [((0.0, 9.0), 10, 7), ((1.5, 9.0), 8, 6), ((0.5, 9.0), 9, 7)]
        );
        let last = &curve[2];
        assert_eq!(last.coverage, 1.0);
        assert_eq!(last.mass, 0.9);
        assert!((last.density - 7.0 / 9.0).abs() < 1e-15);
        assert!((curve[1].coverage - 6.0 / 7.0).abs() < 1e-15);
        assert_eq!(curve[0].restricted, []);
        for (b, p) in [(&curve[1], 0.551_773_81), (&curve[2], 0.462_831_17)] {
            assert_eq!(b.restricted.len(), 1);
            let (j, lower, upper) = b.restricted[0];
            assert_eq!((j, upper), (0, None));
            let lower = lower.unwrap();
            assert!((lower - p).abs() < 1e-8, "{lower} vs {p}");
        }
    }

    /// The data of the hand-worked curve with mass_min 0.85: the first
    /// peel's 8-point box (mass 0.8) is below it, so the curve is the box
    /// around all the data alone (and nothing is restricted to paste).
    #[test]
    fn a_peel_below_mass_min_is_not_taken() {
        let (x, y) = on_zero_to_nine("FTTTTTFFTT");
        let opts = PrimOptions {
            peel_alpha: 0.2,
            paste_alpha: 0.05,
            mass_min: 0.85,
        };
        let curve = prim(&x, &y, opts).unwrap();
        assert_eq!(curve.len(), 1);
        assert_eq!(curve[0].limits, [(0.0, 9.0)]);
    }

    /// Symmetric data `F T T T T T T T T F` on 0…9, peel_alpha 0.1: the
    /// upper peel (limit 8.5) and the lower peel (0.5) both remove one
    /// false point, an equal gain with the same parameter restricted; the
    /// upper peel comes first and is taken. The next step peels the lower
    /// false point, leaving (0.5, 8.5) with density 1.
    #[test]
    fn equal_peels_take_the_upper_limit_first() {
        let (x, y) = on_zero_to_nine("FTTTTTTTTF");
        let opts = PrimOptions {
            peel_alpha: 0.1,
            ..PrimOptions::default()
        };
        let curve = prim(&x, &y, opts).unwrap();
        let limits: Vec<(f64, f64)> = curve.iter().map(|b| b.limits[0]).collect();
        assert_eq!(limits, [(0.0, 9.0), (0.0, 8.5), (0.5, 8.5)]);
        assert_eq!(curve[2].density, 1.0);
    }

    #[test]
    fn options_must_lie_strictly_inside_their_ranges() {
        let x = [vec![1.0, 2.0]];
        let y = [true, false];
        let ok = PrimOptions::default();
        assert!(prim(&x, &y, ok).is_ok());
        for (opts, name) in [
            (
                PrimOptions {
                    peel_alpha: 0.5,
                    ..ok
                },
                "peel_alpha",
            ),
            (
                PrimOptions {
                    peel_alpha: 0.0,
                    ..ok
                },
                "peel_alpha",
            ),
            (
                PrimOptions {
                    paste_alpha: 0.5,
                    ..ok
                },
                "paste_alpha",
            ),
            (
                PrimOptions {
                    paste_alpha: 0.0,
                    ..ok
                },
                "paste_alpha",
            ),
            (
                PrimOptions {
                    paste_alpha: f64::NAN,
                    ..ok
                },
                "paste_alpha",
            ),
            (
                PrimOptions {
                    mass_min: 1.0,
                    ..ok
                },
                "mass_min",
            ),
            (
                PrimOptions {
                    mass_min: 0.0,
                    ..ok
                },
                "mass_min",
            ),
        ] {
            assert!(
                matches!(prim(&x, &y, opts), Err(PrimError::Option(n, _)) if n == name),
                "{opts:?}"
            );
        }
        let just_inside = PrimOptions {
            peel_alpha: 0.499,
            paste_alpha: 1e-9,
            mass_min: 0.999,
        };
        assert!(prim(&x, &y, just_inside).is_ok());
        assert_eq!(prim(&[], &[], ok), Err(PrimError::Shape));
        assert_eq!(
            prim(&[vec![1.0], vec![1.0, 2.0]], &[true], ok),
            Err(PrimError::Shape)
        );
    }

    #[test]
    fn the_binomial_tail_at_certain_and_impossible_success() {
        assert_eq!(binomial_upper_tail(1, 5, 0.0), 0.0);
        assert_eq!(binomial_upper_tail(5, 5, 1.0), 1.0);
        assert_eq!(binomial_upper_tail(0, 5, 0.0), 1.0);
        // k = n: p^n.
        assert!((binomial_upper_tail(4, 4, 0.5) - 0.0625).abs() < 1e-15);
    }

    /// Eight points (x0, x1) with 6 cases, peel_alpha 0.2, worked by hand:
    ///
    /// ```text
    /// point  0     1     2     3     4     5     6     7
    /// x0     5     1     3     0     4     2     7     6
    /// x1     0     4     1     7     6     5     2     3
    /// case   T     T     T     T     F     F     T     T
    /// ```
    ///
    /// Peel 1 (limits 5.5 and 1.5 on both): only x1 <= 5.5 gains (drops
    /// points 3 and 4: 5 of 6). Peel 2 on points 0 1 2 5 6 7: x0 >= 2.5
    /// (quantile 0.2 of 1 2 3 5 6 7) drops points 1 and 5, and x1 <= 3.5
    /// (quantile 0.8 of 0…5) drops the same two: both reach 4 of 4, the
    /// same gain 1/12. The first restricts a second parameter, the other
    /// keeps x0 free: the one with fewer restricted parameters is taken,
    /// though it comes later.
    #[test]
    fn equal_gains_prefer_the_box_with_fewer_restricted_parameters() {
        let x = vec![
            vec![5.0, 1.0, 3.0, 0.0, 4.0, 2.0, 7.0, 6.0],
            vec![0.0, 4.0, 1.0, 7.0, 6.0, 5.0, 2.0, 3.0],
        ];
        let y = case_labels("TTTTFFTT");
        let opts = PrimOptions {
            peel_alpha: 0.2,
            ..PrimOptions::default()
        };
        let curve = prim(&x, &y, opts).unwrap();
        let limits: Vec<Vec<(f64, f64)>> = curve.iter().map(|b| b.limits.clone()).collect();
        assert_eq!(
            limits,
            [
                vec![(0.0, 7.0), (0.0, 7.0)],
                vec![(0.0, 7.0), (0.0, 5.5)],
                vec![(0.0, 7.0), (0.0, 3.5)],
            ]
        );
        assert_eq!((curve[2].n, curve[2].k), (4, 4));
        let dims: Vec<usize> = curve[2].restricted.iter().map(|r| r.0).collect();
        assert_eq!(dims, [1]);
    }

    /// Ten points on 0…4 with ties (8 cases), peel_alpha 0.2:
    ///
    /// ```text
    /// x       0      1    2      3    4
    /// cases   T F T  T    T T T  T    T F
    /// ```
    ///
    /// Peel 1: the upper quantile (3 + 4) / 2 = 3.5 drops x = 4 (2 points,
    /// density 0.8 -> 7/8: 0.0375 per point); the lower quantile walks
    /// over the tied zeros to (0 + 1) / 2 = 0.5 and drops x = 0 (3 points,
    /// 0.8 -> 6/7: 0.019 per point). The upper peel is taken, though its
    /// total gain (0.075) is below the lower's (0.057 · 3 = 0.171): the
    /// objective is the gain per point. Peel 2 drops x = 0 (5 of 5).
    #[test]
    fn peeling_gain_is_counted_per_point_removed() {
        let x = vec![vec![3.0, 4.0, 0.0, 2.0, 2.0, 1.0, 4.0, 2.0, 0.0, 0.0]];
        let y = case_labels("TTTTTTFTFT");
        let opts = PrimOptions {
            peel_alpha: 0.2,
            ..PrimOptions::default()
        };
        let curve = prim(&x, &y, opts).unwrap();
        let summary: Vec<((f64, f64), usize, usize)> =
            curve.iter().map(|b| (b.limits[0], b.n, b.k)).collect();
        assert_eq!(
            summary,
            [((0.0, 4.0), 10, 8), ((0.0, 3.5), 8, 7), ((0.5, 3.5), 5, 5)]
        );
        // The other way round: x = 0 F | 1 F T F T | 2 T T | 4 T F F (5
        // cases). The upper peel (quantile (2 + 4) / 2 = 3) drops x = 4,
        // 0.5 -> 4/7, 0.0714 over 3 points (0.0238 each); the lower
        // (1.5) drops x <= 1, 0.5 -> 3/5, a larger 0.1 but over 5 points
        // (0.02 each): the upper peel is taken. Then x <= 1 goes (4/7 ->
        // 2/2 over 5 points), leaving the two cases at x = 2.
        let x = vec![vec![4.0, 2.0, 4.0, 2.0, 1.0, 1.0, 1.0, 4.0, 0.0, 1.0]];
        let y = case_labels("TTFTFTFFFT");
        let curve = prim(&x, &y, opts).unwrap();
        let summary: Vec<((f64, f64), usize, usize)> =
            curve.iter().map(|b| (b.limits[0], b.n, b.k)).collect();
        assert_eq!(
            summary,
            [((0.0, 4.0), 10, 5), ((0.0, 3.0), 7, 4), ((1.5, 3.0), 2, 2)]
        );
    }
}
