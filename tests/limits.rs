//! Limits and input checks, each with its message: a thread count beyond
//! the stated maximum, duplicate options, rule conditions too deep or too
//! long, inputs too large to hold, and the versions the manifest names.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn threads_beyond_the_maximum_are_capped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "100", "--threads", "10000", "--quiet", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--threads 10000 is more than bilateral uses: running on 256 threads"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "100 runs on --threads 10000 took {:?}",
        started.elapsed()
    );
    assert_eq!(json(&tmp.path().join("manifest.json"))["threads"], 256);
}

#[test]
fn manifest_names_the_rand_version_bilateral_links() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "10", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let manifest = json(&tmp.path().join("manifest.json"));
    for krate in ["rand", "rand_distr", "rand_xoshiro"] {
        let dep = &cargo["dependencies"][krate];
        let requirement = dep
            .as_str()
            .or_else(|| dep.get("version").and_then(|v| v.as_str()))
            .unwrap();
        let recorded = manifest["rng_crates"][krate].as_str().unwrap();
        // A caret requirement "0.10" is met by 0.10.x only.
        assert!(
            recorded.starts_with(&format!("{requirement}.")) || recorded == requirement,
            "{krate}: manifest names {recorded}, Cargo.toml requires {requirement}"
        );
    }
}

/// The shipped September scenario with a lever `deep` whose one rule has
/// the condition `when`.
fn with_rule(dir: &Path, when: &str) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(scenario("us_mexico_2025-09.toml")).unwrap();
    text.push_str(&format!(
        "\n[levers.deep]\ndescription = \"x\"\n[[levers.deep.rules]]\nname = \"r\"\nactor = \"us\"\nwhen = \"{when}\"\ndo = \"cut_tariff\"\namount = 5\n"
    ));
    let path = dir.join("rule.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn rule_conditions_too_deep_or_too_long_get_one_verdict_from_validate_and_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            format!(
                "{}us_tariff_pct > 0{}",
                "(".repeat(10_000),
                ")".repeat(10_000)
            ),
            "more than the 4096 allowed",
        ),
        (
            vec!["us_tariff_pct > 0"; 50_000].join(" or "),
            "more than the 4096 allowed",
        ),
        (
            format!("{}us_tariff_pct > 0{}", "(".repeat(33), ")".repeat(33)),
            "parentheses nest more than 32 deep",
        ),
        (
            vec!["week > 0"; 257].join(" and "),
            "more than 256 comparisons",
        ),
    ];
    for (when, expected) in cases {
        let path = with_rule(tmp.path(), &when);
        let mut verdicts = Vec::new();
        for command in ["validate", "run"] {
            let mut cmd = bilateral();
            cmd.arg(command).arg(&path);
            if command == "run" {
                cmd.args(["--runs", "5", "--quiet", "--out"])
                    .arg(tmp.path().join("out"));
            }
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(out.status.code(), Some(2), "{command}: {stderr:.2000}");
            assert!(stderr.contains(expected), "{command}: {stderr:.2000}");
            assert!(!stderr.contains("overflow"), "{stderr:.2000}");
            assert!(
                stderr.len() < 4000,
                "a short message: {} bytes",
                stderr.len()
            );
            verdicts.push(stderr.lines().nth(1).unwrap_or_default().to_string());
        }
        assert_eq!(verdicts[0], verdicts[1], "validate and run agree");
        assert!(!tmp.path().join("out").exists());
    }
    // At the limits exactly: accepted by both.
    let most = format!(
        "{}{}{}",
        "(".repeat(32),
        vec!["week > 0"; 256].join(" or "),
        ")".repeat(32)
    );
    let path = with_rule(tmp.path(), &most);
    bilateral().arg("validate").arg(&path).assert().success();
    bilateral()
        .arg("run")
        .arg(&path)
        .args(["--runs", "5", "--lever", "deep", "--quiet", "--out"])
        .arg(tmp.path().join("ok"))
        .assert()
        .success();
}

#[test]
fn exponents_in_conditions_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let path = with_rule(tmp.path(), "trust > 1e-3 and us_tariff_pct >= 2.5E+1");
    bilateral().arg("validate").arg(&path).assert().success();
    bilateral()
        .arg("robust")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args([
            "--objective",
            "trade_loss_usd_bn=min",
            "--require",
            "trade_loss_usd_bn < 1e3",
            "--runs",
            "10",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path().join("robust"))
        .assert()
        .success();
}

#[test]
fn many_unknown_keys_are_found_fast_and_listed_briefly() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("us_mexico_2025-09.toml")).unwrap();
    let junk: String = (0..100_000).map(|i| format!("junk_{i} = 1\n")).collect();
    let path = tmp.path().join("keys.toml");
    std::fs::write(
        &path,
        text.replacen("[world]\n", &format!("[world]\n{junk}"), 1),
    )
    .unwrap();
    let started = Instant::now();
    let out = bilateral().arg("validate").arg(&path).output().unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    assert!(
        stderr.contains("100000 problems in scenario"),
        "{stderr:.500}"
    );
    assert!(
        stderr.contains("... and 99950 more problems (only the first 50 are listed)"),
        "{stderr:.500}"
    );
    // The lines and columns are still right.
    let line = text[..text.find("[world]\n").unwrap()].lines().count() + 2;
    assert!(
        stderr.contains(&format!(":{line}:1: unknown key `junk_0` in [world]")),
        "{stderr:.800}"
    );
    assert!(
        stderr.contains(&format!(
            ":{}:1: unknown key `junk_49` in [world]",
            line + 49
        )),
        "{stderr:.800}"
    );
}

#[test]
fn a_scenario_file_is_read_up_to_a_stated_size() {
    let out = bilateral()
        .args(["validate", "/dev/zero"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the file is larger than 16777216 bytes, the most a scenario may be"),
        "{stderr}"
    );
}

/// The September scenario with `n` extra levers and the horizon `months`.
fn many_levers(dir: &Path, n: usize, months: u32) -> std::path::PathBuf {
    let text = std::fs::read_to_string(scenario("us_mexico_2025-09.toml"))
        .unwrap()
        .replacen(
            "horizon_months = 24 ",
            &format!("horizon_months = {months} "),
            1,
        );
    let levers: String = (0..n)
        .map(|i| format!("\n[levers.l{i}]\ndescription = \"x\"\nus.hawkishness = 2.0\n"))
        .collect();
    let path = dir.join(format!("levers_{n}_{months}.toml"));
    std::fs::write(&path, text + &levers).unwrap();
    path
}

#[test]
fn memory_is_estimated_before_a_run_and_a_run_too_large_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (levers, months) in [(3000, 24), (50, 600)] {
        let path = many_levers(tmp.path(), levers, months);
        let out_dir = tmp.path().join(format!("out_{levers}"));
        let started = Instant::now();
        let out = bilateral()
            .arg("run")
            .arg(&path)
            .args(["--runs", "10000", "--quiet", "--out"])
            .arg(&out_dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "refused at once"
        );
        assert!(stderr.contains("this run would hold about"), "{stderr}");
        assert!(
            stderr.contains(&format!("levers x {} month ends", months)),
            "{stderr}"
        );
        assert!(stderr.contains("more than the 8 GiB allowed"), "{stderr}");
        assert!(stderr.contains("--max-memory GIB"), "{stderr}");
        assert!(!out_dir.exists(), "nothing written");
    }
    // The limit is the option's: a small run under a tiny limit is refused,
    // and runs with the default.
    let out = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "10", "--quiet", "--max-memory", "0.001", "--out"])
        .arg(tmp.path().join("small"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than the 0.001 GiB allowed"));
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "10", "--quiet", "--out"])
        .arg(tmp.path().join("small"))
        .assert()
        .success();
}

#[test]
fn the_name_and_shard_limits_are_named_in_their_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "a".repeat(65);
    let path = variant(
        tmp.path(),
        "us_mexico_2025-09.toml",
        &[("[levers.mx_retaliates]", &format!("[levers.{long}]"))],
    );
    let out = bilateral().arg("validate").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a valid lever name"), "{stderr}");
    assert!(stderr.contains("at most 64 characters"), "{stderr}");
    let out = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--shard", "1/100001", "--out"])
        .arg(tmp.path().join("parts"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("1 <= I <= N <= 100000"), "{stderr}");
}
