//! The model documentation covers every parameter and output, and its
//! generated tables match the code and the shipped scenarios.

mod common;

use bilateral::docs::{BEGIN, END, headlines, tables};
use bilateral::scenario::Scenario;
use common::scenario;

fn model_md() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/MODEL.md"))
        .unwrap()
}

#[test]
fn generated_tables_in_model_md_are_current() {
    let feb = Scenario::load(&scenario("us_mexico_2025-02.toml")).unwrap();
    let sep = Scenario::load(&scenario("us_mexico_2025-09.toml")).unwrap();
    let doc = model_md();
    let start = doc.find(BEGIN).expect("begin marker");
    let end = doc.find(END).expect("end marker") + END.len();
    assert_eq!(
        &doc[start..end],
        tables(&feb, &sep).trim_end(),
        "docs/MODEL.md is stale: run `cargo run --example model_tables`"
    );
}

#[test]
fn every_parameter_has_a_source_and_appears_in_the_text() {
    let doc = model_md();
    for (_, specs) in bilateral::model::params::GROUPS {
        for spec in specs {
            assert!(!spec.source.trim().is_empty(), "{} has no source", spec.key);
            assert!(
                doc.contains(&format!("`{}`", spec.key)),
                "{} missing from MODEL.md",
                spec.key
            );
        }
    }
}

#[test]
fn readme_commands_exist_and_name_the_shipped_scenario() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    assert!(readme.contains("cargo run --release -- run scenarios/us_mexico_2025-09.toml"));
    let ci =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run"))
            .unwrap();
    // CI runs the very test command the README gives.
    let test_cmd = "cargo test --locked";
    assert!(readme.contains(test_cmd) && ci.contains(test_cmd));
}

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(doc: &str) -> String {
    std::fs::read_to_string(root().join(doc)).unwrap()
}

/// The block of `doc` that opens with `opening`, as written.
fn quoted<'a>(doc: &'a str, name: &str, opening: &str) -> &'a str {
    let range = headlines::find_block(doc, opening)
        .unwrap_or_else(|| panic!("{name} has no block opening with `{opening}`"));
    &doc[range]
}

const STALE: &str = "run `cargo run --release --example forecast_headlines -- --write`";

/// The README's quick start and decision table are what the quick-start
/// command computes, digit for digit: `bilateral run
/// scenarios/us_mexico_2025-09.toml` (5,000 runs x 8 levers, in memory).
/// Only the time on the first line is not compared.
#[test]
fn readme_quick_start_and_decision_tables_are_the_commands_output() {
    let readme = read("README.md");
    let quick = headlines::run(&[&headlines::path(root(), headlines::QUICK_START)])
        .expect("the quick start runs");
    assert_eq!(
        quoted(&readme, "README.md", "mean [p05, p95] per lever:"),
        headlines::quick_start_table(&quick),
        "README.md's quick-start table is stale: {STALE}"
    );
    // The first line: runs, levers and folder as printed, the time aside.
    let (head, tail) = headlines::quick_start_first_line(&quick);
    let table = readme.find("\nmean [p05, p95] per lever:").unwrap();
    let first = &readme[readme[..table].rfind('\n').unwrap() + 1..table];
    assert!(
        first.starts_with(&head)
            && first.ends_with(&tail)
            && first.contains(" s (")
            && first.contains(" runs/s)"),
        "README.md's quick-start first line `{first}` is not `{head}T s (R runs/s){tail}`"
    );
    assert_eq!(
        quoted(&readme, "README.md", "| lever | "),
        headlines::decision_table(&quick),
        "README.md's decision table is stale: {STALE}"
    );
}

/// docs/MODEL.md section 11c's headline table is the baselines of the three
/// September 2025 forecasts (5,000 runs each, the files' seed 20250903).
#[test]
fn model_md_forecast_headline_table_is_the_forecasts_output() {
    let run = |s: &str| {
        headlines::run(&[&headlines::path(root(), s), "--lever", "baseline"]).expect("runs")
    };
    let [mexico, canada, china] = headlines::FORECASTS.map(run);
    let doc = read("docs/MODEL.md");
    assert_eq!(
        quoted(
            &doc,
            "docs/MODEL.md",
            "| | 6 months | 12 months | 24 months |"
        ),
        headlines::forecast_table(&mexico, &canada, &china),
        "docs/MODEL.md's forecast headline table (section 11c) is stale: {STALE}"
    );
}

/// docs/MODEL.md section 10's shares are those `cargo run --release
/// --example regularities` counts (2,000 runs of the February scenario).
#[test]
fn model_md_regularity_shares_are_the_counted_ones() {
    let doc = read("docs/MODEL.md");
    let quoted = headlines::quoted_shares(&doc);
    let counted = headlines::regularity_shares(root()).expect("counted");
    assert_eq!(
        quoted.len(),
        counted.len(),
        "one row per regularity in section 10"
    );
    for ((id, written, _), (counted_id, share)) in quoted.iter().zip(&counted) {
        assert_eq!(id, counted_id, "section 10 lists the regularities in order");
        assert_eq!(
            written, share,
            "docs/MODEL.md section 10: {id} is counted in {share} of runs, not {written}: {STALE}"
        );
    }
}

/// Replaces what a transcript may not reproduce: the time ("in 0.7 s")
/// and the output path after "->".
fn normalise(line: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut tokens = line.split(' ').peekable();
    while let Some(word) = tokens.next() {
        if word == "->" {
            words.push("-> OUT".into());
            break;
        }
        let is_time = word.parse::<f64>().is_ok()
            && words.last().is_some_and(|w| w == "in")
            && tokens.peek().is_some_and(|next| next.starts_with('s'));
        words.push(if is_time {
            "T".into()
        } else {
            word.to_string()
        });
    }
    words.join(" ")
}

/// The words of a shell command line: spaces separate, double quotes group.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Every transcript of `bilateral robust`, `discover` and `sensitivity` in
/// README.md and docs/ANALYSIS.md (a text block opening with `$ bilateral`)
/// is what the command prints today, line for line, but for the time, the
/// output folder and lines elided with "…".
#[test]
fn analysis_transcripts_in_the_docs_are_the_commands_output() {
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for doc in ["README.md", "docs/ANALYSIS.md"] {
        let text = read(doc);
        for block in text.split("```text\n").skip(1) {
            let block = &block[..block.find("```").unwrap()];
            let Some(first) = block.strip_prefix("$ bilateral ") else {
                continue;
            };
            let mut lines = first.lines();
            let mut command = String::new();
            for line in lines.by_ref() {
                command += line.trim_end_matches('\\');
                if !line.ends_with('\\') {
                    break;
                }
            }
            let args = shell_words(&command);
            if !["robust", "discover", "sensitivity"].contains(&args[0].as_str()) {
                continue;
            }
            let out = common::bilateral()
                .current_dir(root())
                .args(&args)
                .arg("--out")
                .arg(tmp.path().join(checked.to_string()))
                .output()
                .unwrap();
            assert!(out.status.success(), "{doc}: `bilateral {command}` failed");
            let printed: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(normalise)
                .collect();
            let mut at = 0;
            let mut skipping = false;
            for want in lines {
                if want.trim() == "…" {
                    skipping = true;
                    continue;
                }
                let want = normalise(want);
                if skipping {
                    while at < printed.len() && printed[at] != want {
                        at += 1;
                    }
                    skipping = false;
                }
                assert_eq!(
                    printed.get(at),
                    Some(&want),
                    "{doc}: the transcript of `bilateral {command}` is stale at line {at}"
                );
                at += 1;
            }
            checked += 1;
        }
    }
    assert_eq!(
        checked, 4,
        "robust, discover and sensitivity in README, sensitivity in ANALYSIS"
    );
}
