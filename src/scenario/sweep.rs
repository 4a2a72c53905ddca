//! Parameter sweeps: ranges over model parameters, expanded into a full grid
//! or a Latin hypercube sample of points.

use rand::RngExt;

use crate::engine::seeds;

/// One swept parameter: `PATH=LOW:HIGH:STEPS`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRange {
    /// Dotted parameter path, as in levers.
    pub path: String,
    /// Flat parameter index.
    pub index: usize,
    /// Lowest value.
    pub low: f64,
    /// Highest value.
    pub high: f64,
    /// Grid values from low to high (1: just `low`).
    pub steps: u32,
}

/// A sweep: ranges plus how to sample them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepSpec {
    /// The swept parameters.
    pub ranges: Vec<SweepRange>,
    /// Latin hypercube sample size; `None`: the full grid.
    pub samples: Option<u32>,
    /// Levers to run at each point (the baseline is always run).
    pub levers: Vec<String>,
}

/// Most points a sweep may have.
pub const MAX_POINTS: u64 = 100_000;

/// Parses `LOW:HIGH:STEPS` (STEPS ≥ 1; LOW ≤ HIGH, equal only with one step).
pub fn parse_range(text: &str) -> Result<(f64, f64, u32), String> {
    let parts: Vec<&str> = text.split(':').collect();
    let [low, high, steps] = parts.as_slice() else {
        return Err(format!("`{text}` is not LOW:HIGH:STEPS (e.g. 0.05:0.5:10)"));
    };
    let num = |s: &str, what: &str| -> Result<f64, String> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{what} `{s}` in `{text}` is not a finite number"))
    };
    let (low, high) = (num(low, "LOW")?, num(high, "HIGH")?);
    let steps: u32 = steps
        .trim()
        .parse()
        .ok()
        .filter(|&n| (1..=10_000).contains(&n))
        .ok_or_else(|| {
            format!("STEPS `{steps}` in `{text}` must be a whole number from 1 to 10000")
        })?;
    if low > high || (low == high && steps > 1) {
        return Err(format!("`{text}` needs LOW < HIGH"));
    }
    Ok((low, high, steps))
}

impl SweepSpec {
    /// The number of points the sweep has.
    pub fn point_count(&self) -> u64 {
        match self.samples {
            Some(n) => u64::from(n),
            None => self.ranges.iter().map(|r| u64::from(r.steps)).product(),
        }
    }

    /// The points: one value per range, in range order. The grid varies the
    /// last range fastest; the Latin hypercube draws from stream 4 of the
    /// master seed, so the same seed gives the same points.
    pub fn points(&self, seed: u64) -> Vec<Vec<f64>> {
        match self.samples {
            None => {
                let mut points = vec![Vec::new()];
                for r in &self.ranges {
                    let values: Vec<f64> = (0..r.steps)
                        .map(|k| {
                            if r.steps == 1 {
                                r.low
                            } else {
                                r.low + (r.high - r.low) * f64::from(k) / f64::from(r.steps - 1)
                            }
                        })
                        .collect();
                    points = points
                        .into_iter()
                        .flat_map(|p| {
                            values.iter().map(move |&v| {
                                let mut q = p.clone();
                                q.push(v);
                                q
                            })
                        })
                        .collect();
                }
                points
            }
            Some(n) => {
                let n = n as usize;
                let mut columns = Vec::with_capacity(self.ranges.len());
                for (j, r) in self.ranges.iter().enumerate() {
                    let mut rng =
                        seeds::stream(seeds::run_seed(seed, 0), seeds::STREAM_SWEEP, j as u64);
                    // One value in each of n equal strata, strata shuffled.
                    let mut strata: Vec<usize> = (0..n).collect();
                    for k in (1..n).rev() {
                        let m = rng.random_range(0..=k);
                        strata.swap(k, m);
                    }
                    let column: Vec<f64> = strata
                        .iter()
                        .map(|&s| {
                            r.low + (r.high - r.low) * (s as f64 + rng.random::<f64>()) / n as f64
                        })
                        .collect();
                    columns.push(column);
                }
                (0..n)
                    .map(|k| columns.iter().map(|c| c[k]).collect())
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(samples: Option<u32>) -> SweepSpec {
        SweepSpec {
            ranges: vec![
                SweepRange {
                    path: "a".into(),
                    index: 0,
                    low: 0.0,
                    high: 1.0,
                    steps: 3,
                },
                SweepRange {
                    path: "b".into(),
                    index: 1,
                    low: 10.0,
                    high: 20.0,
                    steps: 2,
                },
            ],
            samples,
            levers: vec![],
        }
    }

    #[test]
    fn the_grid_is_the_full_product_with_the_last_range_fastest() {
        let p = spec(None).points(1);
        assert_eq!(
            p,
            vec![
                vec![0.0, 10.0],
                vec![0.0, 20.0],
                vec![0.5, 10.0],
                vec![0.5, 20.0],
                vec![1.0, 10.0],
                vec![1.0, 20.0]
            ]
        );
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_each_stratum_of_each_range() {
        let s = spec(Some(7));
        let p = s.points(42);
        assert_eq!(p.len(), 7);
        for (j, r) in s.ranges.iter().enumerate() {
            let mut strata: Vec<usize> = p
                .iter()
                .map(|q| ((q[j] - r.low) / (r.high - r.low) * 7.0) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..7).collect::<Vec<_>>());
        }
        assert_eq!(p, s.points(42), "same seed, same points");
        assert_ne!(p, s.points(43));
    }

    #[test]
    fn ranges_parse_and_bad_ones_are_explained() {
        assert_eq!(parse_range("0.05:0.5:10"), Ok((0.05, 0.5, 10)));
        assert_eq!(parse_range("3:3:1"), Ok((3.0, 3.0, 1)));
        assert!(
            parse_range("0.5:0.05:10")
                .unwrap_err()
                .contains("LOW < HIGH")
        );
        assert!(parse_range("0:1").unwrap_err().contains("LOW:HIGH:STEPS"));
        assert!(parse_range("0:nan:3").unwrap_err().contains("finite"));
        assert!(parse_range("0:1:0").unwrap_err().contains("STEPS"));
    }
}
