//! Nelder–Mead simplex search on the unit cube: the local half of
//! `bilateral calibrate`'s search (the Latin hypercube screen is
//! `scenario::sweep`).
//!
//! Hand-written rather than taken from a crate (argmin) because the
//! calibration needs three things a general optimiser does not promise: a
//! hard budget of objective evaluations (each one is thousands of
//! simulated runs), points kept inside the box by clamping, and a sequence
//! of evaluated points fixed by the start alone, so a calibration is
//! reproducible to the bit. The steps are the standard ones (Nelder and
//! Mead 1965; coefficients reflection 1, expansion 2, contraction 1/2,
//! shrink 1/2, as in Lagarias et al. 1998).

/// Side of the first simplex around the start, in unit coordinates: large
/// enough to leave the start's neighbourhood of Monte Carlo noise, small
/// enough to stay local to the screened best point.
const INITIAL_STEP: f64 = 0.15;

/// Minimises `f` over `[0, 1]^d` from `start` with at most `budget`
/// evaluations (none if the budget cannot hold the first simplex, `d + 1`
/// points). Every point passed to `f` is inside the cube; `f`'s error stops
/// the search. Returns the best point seen and its value, if any.
pub fn minimise<E>(
    mut f: impl FnMut(&[f64]) -> Result<f64, E>,
    start: &[f64],
    budget: u32,
) -> Result<Option<(Vec<f64>, f64)>, E> {
    let d = start.len();
    if budget < d as u32 + 1 {
        return Ok(None);
    }
    let mut used = 0u32;
    let mut eval = |u: &[f64], used: &mut u32| -> Result<f64, E> {
        *used += 1;
        f(u)
    };
    let clamp = |u: Vec<f64>| -> Vec<f64> { u.into_iter().map(|z| z.clamp(0.0, 1.0)).collect() };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    let s0 = clamp(start.to_vec());
    let v0 = eval(&s0, &mut used)?;
    simplex.push((s0, v0));
    for k in 0..d {
        let mut p = start.to_vec();
        // Step inwards where the start sits near the upper face.
        p[k] = if p[k] + INITIAL_STEP <= 1.0 {
            p[k] + INITIAL_STEP
        } else {
            p[k] - INITIAL_STEP
        };
        let p = clamp(p);
        let v = eval(&p, &mut used)?;
        simplex.push((p, v));
    }
    // Each iteration needs up to two evaluations (reflect, then expand or
    // contract); a shrink stops where the budget does.
    while used + 2 <= budget {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let centroid: Vec<f64> = (0..d)
            .map(|k| simplex[..d].iter().map(|p| p.0[k]).sum::<f64>() / d as f64)
            .collect();
        let worst = simplex[d].clone();
        let along = |t: f64| {
            clamp(
                (0..d)
                    .map(|k| centroid[k] + t * (worst.0[k] - centroid[k]))
                    .collect(),
            )
        };
        let reflected = along(-1.0);
        let fr = eval(&reflected, &mut used)?;
        if fr < simplex[0].1 {
            let expanded = along(-2.0);
            let fe = eval(&expanded, &mut used)?;
            simplex[d] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (reflected, fr);
        } else {
            let contracted = along(0.5);
            let fc = eval(&contracted, &mut used)?;
            if fc < worst.1 {
                simplex[d] = (contracted, fc);
            } else {
                let best = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    if used >= budget {
                        break;
                    }
                    let q = clamp((0..d).map(|k| best[k] + 0.5 * (p.0[k] - best[k])).collect());
                    let v = eval(&q, &mut used)?;
                    *p = (q, v);
                }
            }
        }
    }
    Ok(simplex.into_iter().min_by(|a, b| a.1.total_cmp(&b.1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// A convex quadratic with its minimum at `(0.3, 0.7)`, value 1.
    fn bowl(u: &[f64]) -> Result<f64, Infallible> {
        Ok(1.0 + (u[0] - 0.3).powi(2) + 4.0 * (u[1] - 0.7).powi(2))
    }

    #[test]
    fn finds_the_minimum_of_a_quadratic_bowl() {
        let (x, v) = minimise(bowl, &[0.9, 0.1], 200).unwrap().unwrap();
        assert!(
            (x[0] - 0.3).abs() < 1e-3 && (x[1] - 0.7).abs() < 1e-3,
            "{x:?}"
        );
        assert!((v - 1.0).abs() < 1e-6, "{v}");
    }

    #[test]
    fn a_minimum_outside_the_cube_is_found_on_its_face() {
        // Minimum at u0 = 1.4: the constrained minimum is on the face u0 = 1.
        let f = |u: &[f64]| -> Result<f64, Infallible> {
            Ok((u[0] - 1.4).powi(2) + (u[1] - 0.5).powi(2))
        };
        let (x, _) = minimise(f, &[0.2, 0.2], 200).unwrap().unwrap();
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 0.5).abs() < 1e-2,
            "{x:?}"
        );
    }

    #[test]
    fn never_exceeds_the_budget_and_stays_in_the_cube() {
        for budget in [0, 2, 3, 4, 5, 10, 37] {
            let mut calls = 0u32;
            let f = |u: &[f64]| -> Result<f64, Infallible> {
                calls += 1;
                assert!(u.iter().all(|z| (0.0..=1.0).contains(z)), "{u:?}");
                bowl(u)
            };
            let found = minimise(f, &[1.0, 1.0], budget).unwrap();
            assert!(calls <= budget, "{calls} calls for budget {budget}");
            assert_eq!(found.is_none(), budget < 3, "budget {budget}");
        }
    }

    #[test]
    fn an_error_of_the_objective_stops_the_search() {
        let mut calls = 0;
        let f = |_: &[f64]| -> Result<f64, &str> {
            calls += 1;
            if calls == 4 { Err("stop") } else { Ok(1.0) }
        };
        assert_eq!(minimise(f, &[0.5, 0.5], 50), Err("stop"));
        assert_eq!(calls, 4);
    }
}
