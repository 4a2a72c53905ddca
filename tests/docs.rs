//! The model documentation covers every parameter and output, and its
//! generated tables match the code and the shipped scenarios.

mod common;

use bilateral::docs::{BEGIN, END, tables};
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
