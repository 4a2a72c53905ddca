//! Uncertainties: distributions a parameter is drawn from once per run.

use rand::Rng;
use rand_distr::{Beta, Distribution as _, LogNormal, Normal, Triangular, Uniform};

/// A distribution as written in a scenario file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    /// `{ dist = "uniform", low, high }`
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// `{ dist = "normal", mean, sd }`
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// `{ dist = "lognormal", median, sigma }`: `ln X ~ Normal(ln median, sigma)`.
    LogNormal {
        /// Median.
        median: f64,
        /// Standard deviation of `ln X`.
        sigma: f64,
    },
    /// `{ dist = "beta", alpha, beta, low = 0, high = 1 }`: a Beta scaled to `[low, high]`.
    Beta {
        /// Shape alpha.
        alpha: f64,
        /// Shape beta.
        beta: f64,
        /// Lower end of the support.
        low: f64,
        /// Upper end of the support.
        high: f64,
    },
    /// `{ dist = "triangular", low, mode, high }`
    Triangular {
        /// Lower bound.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
}

/// The distribution names a scenario may use, with their keys.
pub const DISTRIBUTIONS: &[(&str, &[&str])] = &[
    ("uniform", &["low", "high"]),
    ("normal", &["mean", "sd"]),
    ("lognormal", &["median", "sigma"]),
    ("beta", &["alpha", "beta", "low", "high"]),
    ("triangular", &["low", "mode", "high"]),
];

/// A distribution ready to sample (set up once per scenario, not per draw).
#[derive(Debug, Clone)]
pub enum Sampler {
    /// Uniform.
    Uniform(Uniform<f64>),
    /// Normal.
    Normal(Normal<f64>),
    /// Log-normal.
    LogNormal(LogNormal<f64>),
    /// Beta scaled to `[low, low + width]`.
    Beta(Beta<f64>, f64, f64),
    /// Triangular.
    Triangular(Triangular<f64>),
}

impl Distribution {
    /// Builds the distribution from its name and keys, checking its parameters.
    pub fn build(name: &str, get: impl Fn(&str) -> Option<f64>) -> Result<Distribution, String> {
        let need = |k: &str| get(k).ok_or_else(|| format!("distribution `{name}` needs `{k}`"));
        let d = match name {
            "uniform" => Distribution::Uniform {
                low: need("low")?,
                high: need("high")?,
            },
            "normal" => Distribution::Normal {
                mean: need("mean")?,
                sd: need("sd")?,
            },
            "lognormal" => Distribution::LogNormal {
                median: need("median")?,
                sigma: need("sigma")?,
            },
            "beta" => Distribution::Beta {
                alpha: need("alpha")?,
                beta: need("beta")?,
                low: get("low").unwrap_or(0.0),
                high: get("high").unwrap_or(1.0),
            },
            "triangular" => Distribution::Triangular {
                low: need("low")?,
                mode: need("mode")?,
                high: need("high")?,
            },
            other => return Err(format!("unknown distribution `{other}`")),
        };
        d.check()?;
        Ok(d)
    }

    fn check(&self) -> Result<(), String> {
        match *self {
            Distribution::Uniform { low, high } if low >= high => Err(format!(
                "uniform needs low < high (got low = {low}, high = {high})"
            )),
            Distribution::Normal { sd, .. } if sd <= 0.0 => {
                Err(format!("normal needs sd > 0 (got {sd})"))
            }
            Distribution::LogNormal { median, sigma } if median <= 0.0 || sigma <= 0.0 => {
                Err(format!(
                    "lognormal needs median > 0 and sigma > 0 (got median = {median}, sigma = {sigma})"
                ))
            }
            Distribution::Beta {
                alpha,
                beta,
                low,
                high,
            } if alpha <= 0.0 || beta <= 0.0 || low >= high => Err(format!(
                "beta needs alpha > 0, beta > 0 and low < high (got alpha = {alpha}, beta = {beta}, low = {low}, high = {high})"
            )),
            Distribution::Triangular { low, mode, high }
                if !(low <= mode && mode <= high && low < high) =>
            {
                Err(format!(
                    "triangular needs low <= mode <= high and low < high (got {low}, {mode}, {high})"
                ))
            }
            _ => Ok(()),
        }
    }

    /// The smallest and largest values the distribution can produce.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform { low, high } | Distribution::Triangular { low, high, .. } => {
                (low, high)
            }
            Distribution::Beta { low, high, .. } => (low, high),
            Distribution::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Distribution::LogNormal { .. } => (0.0, f64::INFINITY),
        }
    }

    /// The interval holding the central 99% of draws (0.5% in each tail).
    pub fn central_99(&self) -> (f64, f64) {
        // The 0.995 quantile of the standard normal.
        const Z: f64 = 2.575_829_303_548_901;
        match *self {
            Distribution::Normal { mean, sd } => (mean - Z * sd, mean + Z * sd),
            Distribution::LogNormal { median, sigma } => {
                (median * (-Z * sigma).exp(), median * (Z * sigma).exp())
            }
            _ => self.support(),
        }
    }

    /// The mean of the distribution (for docs and tests).
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Uniform { low, high } => (low + high) / 2.0,
            Distribution::Normal { mean, .. } => mean,
            Distribution::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Distribution::Beta {
                alpha,
                beta,
                low,
                high,
            } => low + (high - low) * alpha / (alpha + beta),
            Distribution::Triangular { low, mode, high } => (low + mode + high) / 3.0,
        }
    }

    /// The sampler; the parameters were checked in [`Distribution::build`].
    pub fn sampler(&self) -> Result<Sampler, String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        Ok(match *self {
            Distribution::Uniform { low, high } => {
                Sampler::Uniform(Uniform::new(low, high).map_err(|e| err(&e))?)
            }
            Distribution::Normal { mean, sd } => {
                Sampler::Normal(Normal::new(mean, sd).map_err(|e| err(&e))?)
            }
            Distribution::LogNormal { median, sigma } => {
                Sampler::LogNormal(LogNormal::new(median.ln(), sigma).map_err(|e| err(&e))?)
            }
            Distribution::Beta {
                alpha,
                beta,
                low,
                high,
            } => Sampler::Beta(
                Beta::new(alpha, beta).map_err(|e| err(&e))?,
                low,
                high - low,
            ),
            Distribution::Triangular { low, mode, high } => {
                Sampler::Triangular(Triangular::new(low, high, mode).map_err(|e| err(&e))?)
            }
        })
    }

    /// The `u`-quantile (inverse CDF) for `u` in (0, 1): the value below
    /// which a share `u` of draws falls. Maps a point of the unit cube to
    /// parameter values in `bilateral sensitivity`. `u` is clamped into
    /// [0, 1]; the ends give the support's ends (infinite for a normal).
    pub fn quantile(&self, u: f64) -> f64 {
        use statrs::distribution::{Beta as BetaDist, ContinuousCDF};
        let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
        // The standard normal quantile, via the inverse complementary error
        // function (as statrs' Normal::inverse_cdf).
        let z = |u: f64| -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u);
        match *self {
            Distribution::Uniform { low, high } => low + u * (high - low),
            Distribution::Normal { mean, sd } => mean + sd * z(u),
            Distribution::LogNormal { median, sigma } => median * (sigma * z(u)).exp(),
            Distribution::Beta {
                alpha,
                beta,
                low,
                high,
            } => {
                // The shapes were checked positive in `build`; a failure
                // here cannot happen, the mean is a safe answer anyway.
                let x =
                    BetaDist::new(alpha, beta).map_or(alpha / (alpha + beta), |d| d.inverse_cdf(u));
                low + (high - low) * x
            }
            Distribution::Triangular { low, mode, high } => {
                let width = high - low;
                let at_mode = (mode - low) / width;
                if u <= at_mode {
                    low + (u * width * (mode - low)).sqrt()
                } else {
                    high - ((1.0 - u) * width * (high - mode)).sqrt()
                }
            }
        }
    }

    /// A short description, e.g. `uniform(0.1, 0.3)`.
    pub fn describe(&self) -> String {
        match *self {
            Distribution::Uniform { low, high } => format!("uniform({low}, {high})"),
            Distribution::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
            Distribution::LogNormal { median, sigma } => {
                format!("lognormal(median {median}, sigma {sigma})")
            }
            Distribution::Beta {
                alpha,
                beta,
                low,
                high,
            } => format!("beta({alpha}, {beta}) on [{low}, {high}]"),
            Distribution::Triangular { low, mode, high } => {
                format!("triangular({low}, {mode}, {high})")
            }
        }
    }
}

impl Sampler {
    /// One draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Uniform(d) => d.sample(rng),
            Sampler::Normal(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Beta(d, low, width) => low + width * d.sample(rng),
            Sampler::Triangular(d) => d.sample(rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Distribution;
    use statrs::distribution::{Beta, ContinuousCDF, LogNormal, Normal};

    /// Every quantile inverts the distribution's CDF (statrs' CDFs, and the
    /// triangular's written out), on a grid of levels.
    #[test]
    fn quantiles_invert_the_cdf() {
        let tri = |x: f64, a: f64, c: f64, b: f64| {
            if x <= c {
                (x - a) * (x - a) / ((b - a) * (c - a))
            } else {
                1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
            }
        };
        let normal = Normal::new(3.0, 2.0).unwrap();
        let lognormal = LogNormal::new(0.5_f64.ln(), 0.4).unwrap();
        let beta = Beta::new(2.0, 5.0).unwrap();
        for k in 1..100 {
            let u = f64::from(k) / 100.0;
            let cases: [(Distribution, f64); 5] = [
                (
                    Distribution::Uniform {
                        low: -1.0,
                        high: 3.0,
                    },
                    {
                        let x = Distribution::Uniform {
                            low: -1.0,
                            high: 3.0,
                        }
                        .quantile(u);
                        (x + 1.0) / 4.0
                    },
                ),
                (Distribution::Normal { mean: 3.0, sd: 2.0 }, {
                    normal.cdf(Distribution::Normal { mean: 3.0, sd: 2.0 }.quantile(u))
                }),
                (
                    Distribution::LogNormal {
                        median: 0.5,
                        sigma: 0.4,
                    },
                    {
                        let d = Distribution::LogNormal {
                            median: 0.5,
                            sigma: 0.4,
                        };
                        lognormal.cdf(d.quantile(u))
                    },
                ),
                (
                    Distribution::Beta {
                        alpha: 2.0,
                        beta: 5.0,
                        low: 10.0,
                        high: 20.0,
                    },
                    {
                        let d = Distribution::Beta {
                            alpha: 2.0,
                            beta: 5.0,
                            low: 10.0,
                            high: 20.0,
                        };
                        beta.cdf((d.quantile(u) - 10.0) / 10.0)
                    },
                ),
                (
                    Distribution::Triangular {
                        low: 4.0,
                        mode: 8.0,
                        high: 13.0,
                    },
                    {
                        let d = Distribution::Triangular {
                            low: 4.0,
                            mode: 8.0,
                            high: 13.0,
                        };
                        tri(d.quantile(u), 4.0, 8.0, 13.0)
                    },
                ),
            ];
            for (d, back) in cases {
                assert!(
                    (back - u).abs() < 1e-9,
                    "{}: cdf(quantile({u})) = {back}",
                    d.describe()
                );
            }
        }
        let n = Distribution::Normal { mean: 0.0, sd: 1.0 };
        assert!((n.quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-9);
        assert_eq!(n.quantile(0.5), 0.0);
    }
}
