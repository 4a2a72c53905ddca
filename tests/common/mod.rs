//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `bilateral` binary.
pub fn bilateral() -> Command {
    Command::cargo_bin("bilateral").expect("binary built")
}

/// A shipped scenario.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// Reads a CSV file into its header and rows.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv opens");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Column index by name.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// The value of `column` in the summary.csv row of `lever` and `metric`.
pub fn summary_value(dir: &Path, lever: &str, metric: &str, column: &str) -> f64 {
    let (h, rows) = read_csv(&dir.join("summary.csv"));
    let row = rows
        .iter()
        .find(|r| r[col(&h, "lever")] == lever && r[col(&h, "metric")] == metric)
        .unwrap_or_else(|| panic!("no row {lever} {metric}"));
    row[col(&h, column)].parse().expect("number")
}

/// Writes a variant of a shipped scenario with text replacements applied
/// (each must match exactly once) and returns its path.
pub fn variant(dir: &Path, base: &str, replacements: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(scenario(base)).expect("scenario readable");
    for (from, to) in replacements {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` must occur exactly once in {base}"
        );
        text = text.replacen(from, to, 1);
    }
    let path = dir.join(format!("variant_{base}"));
    std::fs::write(&path, text).expect("write variant");
    path
}

/// Skips the rest of a test that needs a tool this machine lacks, saying
/// why; under CI (`CI=true`, as `.ci/run` sets it and installs the tools) a
/// skip is a failure, so no test passes there without running.
pub fn skip_unless_ci(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and this test cannot run: {reason}");
    }
    println!("skipped: {reason}");
}
