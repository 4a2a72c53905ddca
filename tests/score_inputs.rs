//! `score` and `calibrate` refuse observations they cannot score honestly:
//! a month and variable observed twice (the same or a different value), a
//! misspelt variable (with a suggestion), a non-finite or huge value, a
//! file without bound (/dev/zero); `--param` given twice is refused.

mod common;

use std::path::Path;

use common::*;

const HEADER: &str = "date,variable,value,source\n";

/// (file name, rows after the header, expected message parts)
const BAD: &[(&str, &str, &[&str])] = &[
    (
        "duplicate.csv",
        "2025-03,mx_approval_pct,80,a\n2025-04,mx_approval_pct,79,a\n2025-03,mx_approval_pct,80,b\n",
        &[
            ":4: mx_approval_pct in 2025-03 = 80 a duplicate of line 2 (80)",
            "give each month and variable once",
        ],
    ),
    (
        "contradicting.csv",
        "2025-03,mx_approval_pct,80,a\n2025-03,mx_approval_pct,60,b\n",
        &[":3: mx_approval_pct in 2025-03 = 60 contradicts line 2 (80)"],
    ),
    (
        "misspelt.csv",
        "2025-03,mx_approval_pct,80,a\n2025-03,mx_aproval_pct,80,a\n",
        &[":3: unknown variable `mx_aproval_pct`; did you mean `mx_approval_pct`?"],
    ),
    (
        "huge.csv",
        "2025-03,mx_approval_pct,1e308,a\n",
        &[":2: value 1e308 is outside ±1e9, beyond any variable bilateral simulates"],
    ),
    (
        "infinite.csv",
        "2025-03,mx_approval_pct,inf,a\n",
        &[":2: value is not a finite number"],
    ),
];

fn score(target: &Path, observed: &Path, out: &Path) -> std::process::Output {
    bilateral()
        .arg("score")
        .arg(target)
        .arg("--observed")
        .arg(observed)
        .args(["--runs", "10", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn bad_observations_are_refused_with_line_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("run");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "10", "--quiet", "--out"])
        .arg(&folder)
        .assert()
        .success();
    for (name, rows, expected) in BAD {
        let path = tmp.path().join(name);
        std::fs::write(&path, format!("{HEADER}{rows}")).unwrap();
        // Against a scenario (exact) and against an output folder (quantiles).
        for target in [scenario("us_mexico_2025-02.toml"), folder.clone()] {
            let out = score(&target, &path, &tmp.path().join("score"));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
            assert!(
                stderr.contains(&*path.to_string_lossy()),
                "{name}: {stderr}"
            );
            for e in *expected {
                assert!(stderr.contains(e), "{name}: expected `{e}` in {stderr}");
            }
            assert!(!tmp.path().join("score/score.csv").exists());
        }
        let out = bilateral()
            .arg("calibrate")
            .arg(scenario("us_mexico_2025-02.toml"))
            .arg("--observed")
            .arg(&path)
            .args([
                "--param",
                "us.impose_weight=1:5",
                "--budget",
                "6",
                "--runs",
                "5",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "calibrate {name}: {stderr}");
        assert!(stderr.contains(expected[0]), "calibrate {name}: {stderr}");
    }
}

#[test]
fn an_observations_file_is_read_up_to_a_stated_size() {
    let tmp = tempfile::tempdir().unwrap();
    let out = score(
        &scenario("us_mexico_2025-02.toml"),
        Path::new("/dev/zero"),
        &tmp.path().join("score"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "/dev/zero: larger than 67108864 bytes, the most an observations file may be"
        ),
        "{stderr}"
    );
}

#[test]
fn the_shipped_observations_still_score() {
    let tmp = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for (s, o) in [
        ("us_mexico_2025-02.toml", "observed_us_mexico_2025.csv"),
        ("us_canada_2025-02.toml", "observed_us_canada_2025.csv"),
        ("us_china_2025-02.toml", "observed_us_china_2025.csv"),
    ] {
        let out = score(&scenario(s), &data.join(o), &tmp.path().join(s));
        assert!(
            out.status.success(),
            "{s}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_parameter_given_twice_is_refused_by_sweep_and_calibrate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bilateral()
        .arg("sweep")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args([
            "--param",
            "us.hawkishness=1:5:2",
            "--param",
            "us.hawkishness=1:3:2",
            "--runs",
            "5",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path().join("sweep"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--param `us.hawkishness` is given twice (`us.hawkishness=1:5:2` and `us.hawkishness=1:3:2`)"),
        "{stderr}"
    );
    assert!(!tmp.path().join("sweep").exists());
    let out = bilateral()
        .arg("calibrate")
        .arg(scenario("us_mexico_2025-02.toml"))
        .arg("--observed")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/observed_us_mexico_2025.csv"))
        .args([
            "--param",
            "us.impose_weight=1:5",
            "--param",
            "us.impose_weight=2:4",
            "--budget",
            "6",
            "--runs",
            "5",
            "--out",
        ])
        .arg(tmp.path().join("cal"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--param `us.impose_weight` is given twice"),
        "{stderr}"
    );
    assert!(!tmp.path().join("cal").exists());
}
