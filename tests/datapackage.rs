//! datapackage.json describes every CSV file of a run, and the data match
//! it, by the Frictionless Data Package / Table Schema rules that can be
//! checked offline.

mod common;

use common::*;

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
}

#[test]
fn the_data_package_matches_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "80", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let pkg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("datapackage.json")).unwrap())
            .unwrap();
    assert!(valid_name(pkg["name"].as_str().unwrap()));
    assert_eq!(pkg["profile"], "tabular-data-package");
    let resources = pkg["resources"].as_array().unwrap();
    let names: Vec<&str> = resources
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "summary.csv",
            "timeseries.csv",
            "compare.csv",
            "decision.csv",
            "runs.csv"
        ]
    );
    for r in resources {
        assert!(valid_name(r["name"].as_str().unwrap()));
        assert_eq!(r["format"], "csv");
        let fields = r["schema"]["fields"].as_array().unwrap();
        let (header, rows) = read_csv(&out.join(r["path"].as_str().unwrap()));
        let declared: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(declared, header, "fields in header order");
        for (k, f) in fields.iter().enumerate() {
            let kind = f["type"].as_str().unwrap();
            assert!(["string", "number", "integer"].contains(&kind));
            assert!(
                !f["description"].as_str().unwrap().is_empty(),
                "{} described",
                f["name"]
            );
            for row in &rows {
                let cell = &row[k];
                if cell.is_empty() {
                    continue; // declared missing value
                }
                let ok = match kind {
                    "integer" => cell.parse::<i64>().is_ok(),
                    "number" => cell.parse::<f64>().is_ok_and(f64::is_finite),
                    _ => true,
                };
                assert!(ok, "{}: `{cell}` is not {kind}", f["name"]);
            }
        }
    }
}
