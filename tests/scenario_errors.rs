//! Bad input: errors that point at the file, line and key, exit code 2.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn shipped_scenarios_validate() {
    bilateral()
        .arg("validate")
        .arg(scenario("us_mexico_2025-02.toml"))
        .arg(scenario("us_mexico_2025-09.toml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("ok:").count(2));
}

#[test]
fn a_misspelt_key_is_reported_with_line_column_and_the_right_name() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = variant(
        tmp.path(),
        "us_mexico_2025-09.toml",
        &[("\ndemand_ratchet = 0.2\n", "\ndeman_ratchet = 0.2\n")],
    );
    let text = std::fs::read_to_string(&bad).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("deman_ratchet"))
        .unwrap()
        + 1;
    bilateral()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            ":{line}:1: unknown key `deman_ratchet` in [mx]"
        )))
        .stderr(predicate::str::contains("did you mean `demand_ratchet`?"))
        // The correct key is now missing too: every problem is reported.
        .stderr(predicate::str::contains(
            "missing 1 parameter: demand_ratchet",
        ));
}

#[test]
fn validate_reports_every_problem_not_only_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = variant(
        tmp.path(),
        "us_mexico_2025-02.toml",
        &[
            ("trust_baseline = 0.45", "trust_baseline = 1.45"),
            ("hawkishness = 0.5\n", "hawkishness = nan\n"),
            ("start_date = \"2025-02-01\"", "start_date = \"2025-02-30\""),
            ("low = 2.5, high = 4.0 }", "low = 4.0, high = 2.5 }"),
        ],
    );
    bilateral()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("4 problems"))
        .stderr(predicate::str::contains("1.45 is out of range"))
        .stderr(predicate::str::contains("allowed range is [0, 1]"))
        .stderr(predicate::str::contains("nan and inf are not allowed"))
        .stderr(predicate::str::contains("start_date is not a date"))
        .stderr(predicate::str::contains("uniform needs low < high"));
}

#[test]
fn toml_syntax_errors_point_at_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = variant(
        tmp.path(),
        "us_mexico_2025-02.toml",
        &[("threat_cost = 6.0", "threat_cost = = 6.0")],
    );
    bilateral()
        .args(["run", "--runs", "5"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("TOML syntax error"))
        .stderr(predicate::str::contains("variant_us_mexico_2025-02.toml:"));
}

#[test]
fn unknown_distributions_and_lever_paths_get_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = variant(
        tmp.path(),
        "us_mexico_2025-09.toml",
        &[
            (
                "{ dist = \"triangular\", low = 8, mode = 12, high = 20 }",
                "{ dist = \"triangle\", low = 8, mode = 12, high = 20 }",
            ),
            ("mx.retaliation_bias = 8.0", "mx.retaliaton_bias = 8.0"),
        ],
    );
    bilateral()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown distribution `triangle`"))
        .stderr(predicate::str::contains("did you mean `triangular`?"))
        .stderr(predicate::str::contains(
            "did you mean `mx.retaliation_bias`?",
        ));
}

#[test]
fn a_support_outside_the_allowed_range_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = variant(
        tmp.path(),
        "us_mexico_2025-02.toml",
        &[(
            "trust_baseline = 0.45",
            "trust_baseline = { dist = \"uniform\", low = 0.5, high = 1.5 }",
        )],
    );
    bilateral()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("leaves the allowed range"));
}

#[test]
fn an_unknown_lever_on_the_command_line_is_a_usage_error_with_a_suggestion() {
    bilateral()
        .args(["run", "--runs", "5", "--lever", "mx_retaliate"])
        .arg(scenario("us_mexico_2025-09.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `mx_retaliates`?"));
}

#[test]
fn a_missing_file_is_reported_by_path() {
    bilateral()
        .args(["validate", "no/such/file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/file.toml"))
        .stderr(predicate::str::contains("cannot read the file"));
}

#[test]
fn identifiers_that_a_spreadsheet_would_run_as_formulas_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = variant(
        tmp.path(),
        "us_mexico_2025-02.toml",
        &[("name = \"us_mexico_2025-02\"", "name = \"=HYPERLINK(1)\"")],
    );
    bilateral()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a valid identifier"));
}

#[test]
fn every_command_has_help_with_an_example_that_can_be_pasted() {
    let top = bilateral().arg("--help").output().unwrap();
    let top = String::from_utf8(top.stdout).unwrap();
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|&c| c != "help")
        .collect();
    assert!(commands.len() >= 13, "{commands:?}");
    for cmd in commands {
        let help = bilateral().args([cmd, "--help"]).output().unwrap();
        assert!(help.status.success());
        let help = String::from_utf8(help.stdout).unwrap();
        let examples = help
            .split_once("Example:\n")
            .unwrap_or_else(|| panic!("`{cmd} --help` has no example"))
            .1;
        let examples: Vec<&str> = examples.lines().take_while(|l| !l.is_empty()).collect();
        assert!(
            examples.iter().all(|l| l.chars().count() <= 80),
            "{cmd}: a line wider than 80 columns:\n{}",
            examples.join("\n")
        );
        // One command per line once `\` continuations are joined.
        let joined = examples.join("\n").replace(" \\\n", " ");
        for line in joined.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words[0], "bilateral", "{cmd}: `{line}` is not a command");
            // The files it reads exist in the checkout (what it writes
            // after `>` or `--out` need not).
            for (k, word) in words.iter().enumerate() {
                let input = word.ends_with(".toml")
                    || (word.ends_with(".csv") && words.get(k.wrapping_sub(1)) != Some(&">"));
                let word = word.trim_matches('"');
                if input && !word.contains('*') {
                    assert!(
                        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                            .join(word)
                            .is_file(),
                        "{cmd}: the example names {word}, which does not exist"
                    );
                }
            }
        }
    }
}
