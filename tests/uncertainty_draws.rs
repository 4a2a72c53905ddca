//! Sampled uncertainties follow their declared distributions: a
//! Kolmogorov–Smirnov test on the values reported in runs.csv, against CDFs
//! computed here independently of the samplers.

mod common;

use common::*;

const RUNS: usize = 2000;

/// erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.3275911 * x.abs());
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}

fn normal_cdf(x: f64, mean: f64, sd: f64) -> f64 {
    0.5 * (1.0 + erf((x - mean) / (sd * std::f64::consts::SQRT_2)))
}

/// Beta CDF by Simpson integration of the density (shapes > 1 here).
fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    let density = |t: f64| t.powf(a - 1.0) * (1.0 - t).powf(b - 1.0);
    let integrate = |hi: f64| {
        let n = 2000;
        let h = hi / n as f64;
        (0..=n)
            .map(|k| {
                let w = if k == 0 || k == n {
                    1.0
                } else if k % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                w * density(k as f64 * h)
            })
            .sum::<f64>()
            * h
            / 3.0
    };
    integrate(x.clamp(0.0, 1.0)) / integrate(1.0)
}

fn triangular_cdf(x: f64, lo: f64, mode: f64, hi: f64) -> f64 {
    if x <= lo {
        0.0
    } else if x <= mode {
        (x - lo).powi(2) / ((hi - lo) * (mode - lo))
    } else if x < hi {
        1.0 - (hi - x).powi(2) / ((hi - lo) * (hi - mode))
    } else {
        1.0
    }
}

/// Kolmogorov–Smirnov distance between the sample and a CDF.
fn ks(mut sample: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    sample.sort_by(f64::total_cmp);
    let n = sample.len() as f64;
    sample
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

#[test]
fn every_distribution_family_is_sampled_as_declared() {
    let tmp = tempfile::tempdir().unwrap();
    let path = variant(
        tmp.path(),
        "us_mexico_2025-02.toml",
        &[
            (
                "trust_baseline = 0.45",
                "trust_baseline = { dist = \"beta\", alpha = 2, beta = 5 }",
            ),
            (
                "econ_weight = 0.06",
                "econ_weight = { dist = \"normal\", mean = 0.06, sd = 0.01 }",
            ),
            (
                "transfer_batch_sd = 5\n",
                "transfer_batch_sd = { dist = \"lognormal\", median = 5, sigma = 0.3 }\n",
            ),
        ],
    );
    let dir = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(&path)
        .args(["--runs", &RUNS.to_string(), "--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let (h, rows) = read_csv(&dir.join("runs.csv"));
    let column = |name: &str| -> Vec<f64> {
        let c = col(&h, name);
        rows.iter().map(|r| r[c].parse::<f64>().unwrap()).collect()
    };
    // Critical KS distance at alpha = 0.001.
    let critical = (-(0.001f64 / 2.0).ln() / 2.0).sqrt() / (RUNS as f64).sqrt();
    let checks: Vec<(&str, f64)> = vec![
        (
            "us.hawkishness",
            ks(column("us.hawkishness"), |x| {
                ((x - 2.5) / 1.5).clamp(0.0, 1.0)
            }),
        ),
        (
            "us.concession_half_life_weeks",
            ks(column("us.concession_half_life_weeks"), |x| {
                triangular_cdf(x, 8.0, 12.0, 20.0)
            }),
        ),
        (
            "world.trust_baseline",
            ks(column("world.trust_baseline"), |x| beta_cdf(x, 2.0, 5.0)),
        ),
        (
            "us.econ_weight",
            ks(column("us.econ_weight"), |x| normal_cdf(x, 0.06, 0.01)),
        ),
        (
            "us.transfer_batch_sd",
            ks(
                column("us.transfer_batch_sd")
                    .iter()
                    .map(|x| x.ln())
                    .collect(),
                |x| normal_cdf(x, 5f64.ln(), 0.3),
            ),
        ),
    ];
    for (name, d) in checks {
        assert!(d < critical, "{name}: KS distance {d:.4} >= {critical:.4}");
    }
}

#[test]
fn the_ks_check_would_catch_a_wrong_distribution() {
    // The same statistic rejects a sample from a shifted uniform: the
    // goodness-of-fit test above can fail.
    let sample: Vec<f64> = (0..RUNS)
        .map(|i| 2.7 + 1.5 * (i as f64 + 0.5) / RUNS as f64)
        .collect();
    let critical = (-(0.001f64 / 2.0).ln() / 2.0).sqrt() / (RUNS as f64).sqrt();
    assert!(ks(sample, |x| ((x - 2.5) / 1.5).clamp(0.0, 1.0)) > critical);
}
