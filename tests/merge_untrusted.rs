//! `bilateral merge` treats partial results as untrusted input: each
//! tampered, foreign or inconsistent set of shards is refused with an error
//! that names the file and the key, exit code 2, no panic, and nothing
//! written into the output folder.
//!
//! One good set of three shards is made once through the binary; each test
//! copies it, breaks one thing, and merges.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const RUNS: &str = "130";
const SHARDS: u64 = 3;

/// The folder holding the good shards (partials and runs files).
fn good_shards() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        for i in 1..=SHARDS {
            bilateral()
                .arg("run")
                .arg(scenario("us_mexico_2025-09.toml"))
                .args([
                    "--runs",
                    RUNS,
                    "--quiet",
                    "--shard",
                    &format!("{i}/{SHARDS}"),
                ])
                .arg("--out")
                .arg(dir.path())
                .assert()
                .success();
        }
        dir
    })
    .path()
}

/// A private copy of the good shards.
struct Shards {
    tmp: tempfile::TempDir,
}

impl Shards {
    fn new() -> Shards {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("parts")).unwrap();
        for entry in std::fs::read_dir(good_shards()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(
                entry.path(),
                tmp.path().join("parts").join(entry.file_name()),
            )
            .unwrap();
        }
        Shards { tmp }
    }

    fn partial(&self, i: u64) -> PathBuf {
        self.tmp
            .path()
            .join("parts")
            .join(format!("partial-{i}-of-{SHARDS}.json"))
    }

    fn runs_file(&self, i: u64) -> PathBuf {
        self.tmp
            .path()
            .join("parts")
            .join(format!("runs-{i}-of-{SHARDS}.csv"))
    }

    /// Changes partial `i` with `edit`.
    fn edit(&self, i: u64, edit: impl FnOnce(&mut Value)) {
        let path = self.partial(i);
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        edit(&mut v);
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    }

    /// Merges the shards as they are; asserts success.
    fn merge(&self) {
        bilateral()
            .arg("merge")
            .args(self.all())
            .arg("--out")
            .arg(self.out())
            .arg("--quiet")
            .assert()
            .success();
    }

    fn all(&self) -> Vec<PathBuf> {
        (1..=SHARDS).map(|i| self.partial(i)).collect()
    }

    fn out(&self) -> PathBuf {
        self.tmp.path().join("merged")
    }

    /// Merges `partials`; asserts exit code 2, no panic, `expected` and the
    /// file `names` in the message, and no output folder. Returns stderr.
    fn refused(&self, partials: &[PathBuf], names: &Path, expected: &[&str]) -> String {
        let out = bilateral()
            .arg("merge")
            .args(partials)
            .arg("--out")
            .arg(self.out())
            .arg("--quiet")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "exit code 2: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains(&*names.to_string_lossy()),
            "names {}: {stderr}",
            names.display()
        );
        for e in expected {
            assert!(stderr.contains(e), "expected `{e}` in: {stderr}");
        }
        assert_eq!(
            stderr.matches("error:").count(),
            1,
            "printed once: {stderr}"
        );
        assert!(!self.out().exists(), "nothing written: {stderr}");
        stderr
    }
}

/// The first metric summary of lever 0 with a positive mean and `n > 1`.
fn positive_metric(v: &mut Value) -> &mut Value {
    v["results"]["levers"][0]["metrics"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| {
            m["moments"]["n"].as_u64().unwrap() > 1
                && m["moments"]["sum"]
                    .as_str()
                    .unwrap()
                    .parse::<i128>()
                    .unwrap()
                    > 0
                && m["min"].as_str().unwrap().parse::<f64>().unwrap() >= 0.0
        })
        .expect("a metric with a positive mean")
}

#[test]
fn the_good_shards_merge() {
    let s = Shards::new();
    s.merge();
    assert!(s.out().join("runs.csv").is_file());
}

#[test]
fn a_runs_file_path_outside_the_folder_is_refused() {
    let s = Shards::new();
    s.edit(2, |v| v["runs_file"] = "../../../../etc/passwd".into());
    s.refused(&s.all(), &s.partial(2), &["`runs_file`", "runs-2-of-3.csv"]);
}

#[test]
fn an_absolute_runs_file_is_refused() {
    let s = Shards::new();
    s.edit(1, |v| v["runs_file"] = "/etc/passwd".into());
    s.refused(&s.all(), &s.partial(1), &["`runs_file`"]);
}

#[cfg(unix)]
#[test]
fn a_runs_file_that_is_a_link_is_refused() {
    let s = Shards::new();
    std::fs::remove_file(s.runs_file(3)).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", s.runs_file(3)).unwrap();
    s.refused(&s.all(), &s.runs_file(3), &["not a regular file"]);
}

#[test]
fn a_formula_as_lever_name_is_refused() {
    let s = Shards::new();
    s.edit(1, |v| {
        v["levers"][1] = "=1+2".into();
        v["results"]["levers"][1]["name"] = "=1+2".into();
    });
    s.refused(
        &s.all(),
        &s.partial(1),
        &["`levers[1]`", "not a valid name"],
    );
}

#[test]
fn a_formula_as_scenario_name_is_refused() {
    let s = Shards::new();
    s.edit(2, |v| v["scenario"] = "=HYPERLINK(\"http://x\")".into());
    s.refused(&s.all(), &s.partial(2), &["`scenario`", "not a valid name"]);
}

#[test]
fn a_formula_as_actor_id_is_refused() {
    let s = Shards::new();
    s.edit(3, |v| v["ids"][0] = "@SUM(A1)".into());
    s.refused(&s.all(), &s.partial(3), &["`ids[0]`"]);
}

#[test]
fn a_count_of_u64_max_is_refused() {
    let s = Shards::new();
    s.edit(1, |v| {
        v["results"]["levers"][0]["metrics"][0]["moments"]["n"] = u64::MAX.into();
    });
    s.refused(&s.all(), &s.partial(1), &["`results`", "lever `baseline`"]);
}

#[test]
fn a_sum_times_ten_is_refused() {
    let s = Shards::new();
    s.edit(2, |v| {
        let m = positive_metric(v);
        let sum: i128 = m["moments"]["sum"].as_str().unwrap().parse().unwrap();
        m["moments"]["sum"] = (sum * 10).to_string().into();
    });
    s.refused(&s.all(), &s.partial(2), &["`results`", "lever `baseline`"]);
}

#[test]
fn a_negative_mean_of_a_positive_metric_is_refused() {
    let s = Shards::new();
    s.edit(2, |v| {
        let m = positive_metric(v);
        let sum: i128 = m["moments"]["sum"].as_str().unwrap().parse().unwrap();
        m["moments"]["sum"] = (-sum).to_string().into();
    });
    s.refused(&s.all(), &s.partial(2), &["mean outside [min, max]"]);
}

#[test]
fn a_histogram_count_of_u64_max_is_refused() {
    let s = Shards::new();
    s.edit(3, |v| {
        let counts = &mut v["results"]["levers"][0]["metrics"][0]["counts"];
        counts[1] = serde_json::json!([[0, u64::MAX]]);
    });
    s.refused(&s.all(), &s.partial(3), &["histogram"]);
}

#[test]
fn a_count_above_the_shards_runs_is_refused() {
    let s = Shards::new();
    // A histogram that agrees with n = 2^63: more values than the shard
    // has runs, refused before any addition could wrap.
    s.edit(1, |v| {
        let m = &mut v["results"]["levers"][0]["metrics"][0];
        m["moments"]["n"] = (1u64 << 63).into();
        m["below"] = (1u64 << 63).into();
        m["counts"] = serde_json::json!([m["counts"][0].clone(), []]);
    });
    s.refused(&s.all(), &s.partial(1), &["`results`", "lever `baseline`"]);
}

#[test]
fn an_overlapping_run_range_is_refused() {
    let s = Shards::new();
    s.edit(2, |v| {
        let first = v["first_run"].as_u64().unwrap();
        v["first_run"] = (first - 5).into();
    });
    s.refused(&s.all(), &s.partial(2), &["`first_run`..`end_run`"]);
}

#[test]
fn a_duplicated_shard_is_refused() {
    let s = Shards::new();
    let partials = [s.partial(1), s.partial(2), s.partial(2), s.partial(3)];
    s.refused(&partials, &s.partial(2), &["given twice"]);
}

#[test]
fn a_missing_shard_is_refused() {
    let s = Shards::new();
    let partials = [s.partial(1), s.partial(3)];
    s.refused(&partials, &s.partial(1), &["missing shard 2"]);
}

#[test]
fn relabelled_shards_are_refused() {
    let s = Shards::new();
    s.edit(2, |v| v["shard"] = 3.into());
    s.edit(3, |v| v["shard"] = 2.into());
    s.refused(
        &s.all(),
        &s.tmp.path().join("parts"),
        &["`first_run`..`end_run`"],
    );
}

#[test]
fn another_seeds_runs_file_is_refused() {
    let s = Shards::new();
    let other = tempfile::tempdir().unwrap();
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", RUNS, "--quiet", "--seed", "99", "--shard", "2/3"])
        .arg("--out")
        .arg(other.path())
        .assert()
        .success();
    std::fs::copy(other.path().join("runs-2-of-3.csv"), s.runs_file(2)).unwrap();
    s.refused(&s.all(), &s.runs_file(2), &["line 2", "seed"]);
}

#[test]
fn a_truncated_runs_file_is_refused() {
    let s = Shards::new();
    let text = std::fs::read_to_string(s.runs_file(1)).unwrap();
    let keep: Vec<&str> = text.lines().collect();
    let cut = keep[..keep.len() - 3].join("\n") + "\n";
    std::fs::write(s.runs_file(1), cut).unwrap();
    s.refused(&s.all(), &s.runs_file(1), &["rows", "need"]);
}

#[test]
fn a_runs_file_with_a_formula_cell_is_refused() {
    let s = Shards::new();
    let text = std::fs::read_to_string(s.runs_file(3)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[4] = "=1+2".into();
    lines[1] = cells.join(",");
    std::fs::write(s.runs_file(3), lines.join("\n") + "\n").unwrap();
    s.refused(&s.all(), &s.runs_file(3), &["line 2", "not a number"]);
}

#[test]
fn a_missing_runs_file_is_refused() {
    let s = Shards::new();
    std::fs::remove_file(s.runs_file(3)).unwrap();
    s.refused(&s.all(), &s.runs_file(3), &["cannot read"]);
}

#[test]
fn a_different_horizon_is_refused() {
    let s = Shards::new();
    s.edit(2, |v| {
        let h = v["horizon_months"].as_u64().unwrap();
        v["horizon_months"] = (h + 1).into();
    });
    s.refused(&s.all(), &s.partial(2), &["month ends", "horizon"]);
}

#[test]
fn an_absurd_horizon_is_refused_before_allocating() {
    let s = Shards::new();
    s.edit(1, |v| v["horizon_months"] = 4_000_000_000u64.into());
    s.refused(&s.all(), &s.partial(1), &["`horizon_months`", "1 to 600"]);
}

#[test]
fn a_histogram_claiming_millions_of_bins_is_refused_before_allocating() {
    let s = Shards::new();
    s.edit(2, |v| {
        for lever in v["results"]["levers"].as_array_mut().unwrap() {
            for month in lever["months"].as_array_mut().unwrap() {
                for summary in month.as_array_mut().unwrap() {
                    summary["counts"] = serde_json::json!([9_999_999, []]);
                }
            }
        }
    });
    s.refused(&s.all(), &s.partial(2), &["9999999 bins"]);
}

#[test]
fn a_different_resolution_is_refused() {
    let s = Shards::new();
    s.edit(3, |v| {
        let r = &mut v["results"]["levers"][0]["metrics"][0]["resolution"];
        *r = (r.as_f64().unwrap() * 2.0).into();
    });
    s.refused(
        &s.all(),
        &s.partial(3),
        &["a different resolution or range"],
    );
}

#[test]
fn a_shorter_metric_layout_is_refused_without_a_panic() {
    let s = Shards::new();
    for i in 1..=SHARDS {
        s.edit(i, |v| {
            for lever in v["results"]["levers"].as_array_mut().unwrap() {
                lever["metrics"].as_array_mut().unwrap().pop();
                lever["paired"].as_array_mut().unwrap().pop();
            }
        });
    }
    s.refused(&s.all(), &s.partial(1), &["metric summaries"]);
}

#[test]
fn a_shorter_variable_layout_is_refused_without_a_panic() {
    let s = Shards::new();
    s.edit(2, |v| {
        for month in v["results"]["levers"][0]["months"].as_array_mut().unwrap() {
            month.as_array_mut().unwrap().pop();
        }
    });
    s.refused(&s.all(), &s.partial(2), &["variables at a month end"]);
}

#[test]
fn another_format_version_is_refused() {
    let s = Shards::new();
    s.edit(1, |v| v["version"] = 2.into());
    s.refused(&s.all(), &s.partial(1), &["`format`/`version`"]);
}

#[test]
fn another_scenarios_shard_is_refused() {
    let s = Shards::new();
    s.edit(3, |v| v["scenario_sha256"] = "ab".repeat(32).into());
    s.refused(
        &s.all(),
        &s.partial(3),
        &["different run", "`scenario_sha256`"],
    );
}

#[test]
fn another_seeds_shard_is_refused() {
    let s = Shards::new();
    s.edit(2, |v| v["seed"] = 7.into());
    s.refused(&s.all(), &s.partial(2), &["different run", "`seed`"]);
}

#[test]
fn other_levers_are_refused() {
    let s = Shards::new();
    s.edit(2, |v| {
        v["levers"].as_array_mut().unwrap().swap(1, 2);
        v["results"]["levers"].as_array_mut().unwrap().swap(1, 2);
    });
    s.refused(&s.all(), &s.partial(2), &["different run", "`levers`"]);
}

#[test]
fn results_of_other_levers_than_named_are_refused() {
    let s = Shards::new();
    s.edit(1, |v| {
        v["results"]["levers"].as_array_mut().unwrap().swap(1, 2)
    });
    s.refused(&s.all(), &s.partial(1), &["`results`", "levers"]);
}

#[test]
fn a_shard_that_stopped_early_is_refused() {
    let s = Shards::new();
    s.edit(3, |v| v["results"]["stopped_early"] = true.into());
    s.refused(&s.all(), &s.partial(3), &["stopped_early"]);
}

#[test]
fn a_failed_merge_leaves_the_earlier_outputs_unchanged() {
    let s = Shards::new();
    s.merge();
    let snapshot = |dir: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name(), std::fs::read(e.path()).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot(&s.out());
    // The last input is missing: detected before anything is written.
    let mut partials = s.all();
    partials.push(s.tmp.path().join("parts/partial-9-of-9.json"));
    let out = bilateral()
        .arg("merge")
        .args(&partials)
        .arg("--out")
        .arg(s.out())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(snapshot(&s.out()), before, "the earlier merge is intact");
}
