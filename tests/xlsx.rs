//! results.xlsx opens and holds the same values as the CSV files.

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;

#[test]
fn the_workbook_holds_the_csv_values_as_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "60", "--quiet", "--xlsx", "--out"])
        .arg(&out)
        .assert()
        .success();
    let mut wb: Xlsx<_> = open_workbook(out.join("results.xlsx")).expect("the workbook opens");
    assert_eq!(
        wb.sheet_names(),
        ["Summary", "Compare", "Decision", "Timeseries", "Manifest"]
    );
    for (sheet, file) in [
        ("Summary", "summary.csv"),
        ("Compare", "compare.csv"),
        ("Decision", "decision.csv"),
        ("Timeseries", "timeseries.csv"),
    ] {
        let range = wb.worksheet_range(sheet).unwrap();
        let (header, rows) = read_csv(&out.join(file));
        let mut sheet_rows = range.rows();
        let first: Vec<String> = sheet_rows
            .next()
            .unwrap()
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(first, header, "{sheet} header");
        let mut count = 0;
        for (cells, row) in sheet_rows.zip(&rows) {
            for (cell, text) in cells.iter().zip(row) {
                match cell {
                    Data::Float(x) => {
                        let want: f64 = text.parse().unwrap();
                        assert!(
                            (x - want).abs() <= 1e-9 * want.abs().max(1.0),
                            "{sheet}: {x} vs {text}"
                        );
                    }
                    Data::String(s) => assert_eq!(s, text, "{sheet}"),
                    Data::Empty => assert!(text.is_empty(), "{sheet}: empty cell for `{text}`"),
                    other => panic!("{sheet}: unexpected cell {other:?}"),
                }
            }
            count += 1;
        }
        assert_eq!(count, rows.len(), "{sheet} rows");
    }
    let manifest = wb.worksheet_range("Manifest").unwrap();
    assert!(manifest.rows().any(
        |r| matches!(&r[0], Data::String(k) if k == "seed") && r[1] == Data::Float(20250903.0)
    ));
}

/// The number formats of a workbook's cells, read from its XML (calamine
/// reads values only).
struct Formats {
    sheets: Vec<String>,
    /// Per cell style index, its format code ("General" for none).
    codes: Vec<String>,
}

impl Formats {
    fn read(path: &std::path::Path) -> Formats {
        use std::io::Read as _;
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let sheet_names: Vec<String> = (1..)
            .map(|k| format!("xl/worksheets/sheet{k}.xml"))
            .take_while(|name| zip.index_for_name(name).is_some())
            .collect();
        let mut text = |name: &str| {
            let mut s = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        let styles = text("xl/styles.xml");
        let sheets = sheet_names.iter().map(|name| text(name)).collect();
        // `tag` starts after the element name and its space.
        let attr = |tag: &str, name: &str| -> Option<String> {
            let tag = format!(" {tag}");
            let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(tag[at..at + tag[at..].find('"')?].to_string())
        };
        let custom: Vec<(String, String)> = styles
            .split("<numFmt ")
            .skip(1)
            .map(|t| (attr(t, "numFmtId").unwrap(), attr(t, "formatCode").unwrap()))
            .collect();
        let xfs = &styles[styles.find("<cellXfs").unwrap()..];
        let xfs = &xfs[..xfs.find("</cellXfs>").unwrap()];
        let codes = xfs
            .split("<xf ")
            .skip(1)
            .map(|t| {
                let id = attr(t, "numFmtId").unwrap_or_else(|| "0".into());
                match id.as_str() {
                    "0" => "General".to_string(),
                    "1" => "0".to_string(),
                    "10" => "0.00%".to_string(),
                    _ => custom
                        .iter()
                        .find(|(k, _)| *k == id)
                        .map_or_else(|| format!("builtin {id}"), |(_, c)| c.clone()),
                }
            })
            .collect();
        Formats { sheets, codes }
    }

    /// The format code of the cell at 0-based `row`, `column` of sheet
    /// `sheet` (1-based, in workbook order).
    fn of(&self, sheet: usize, row: usize, column: usize) -> String {
        let mut letters = String::new();
        let mut c = column + 1;
        while c > 0 {
            letters.insert(0, (b'A' + ((c - 1) % 26) as u8) as char);
            c = (c - 1) / 26;
        }
        let reference = format!("<c r=\"{letters}{}\"", row + 1);
        let xml = &self.sheets[sheet - 1];
        let at = xml
            .find(&reference)
            .unwrap_or_else(|| panic!("{reference}"));
        let tag = &xml[at..at + xml[at..].find('>').unwrap()];
        let style: usize = tag
            .split(" s=\"")
            .nth(1)
            .map_or(0, |s| s[..s.find('"').unwrap()].parse().unwrap());
        self.codes[style].clone()
    }
}

#[test]
fn shares_are_percentages_and_the_manifest_has_one_value_per_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "40", "--quiet", "--xlsx", "--out"])
        .arg(&out)
        .assert()
        .success();
    let formats = Formats::read(&out.join("results.xlsx"));
    let cell = |sheet: usize, file: &str, row_key: Option<(&str, &str)>, column: &str| {
        let (header, rows) = read_csv(&out.join(file));
        let c = header.iter().position(|h| h == column).unwrap();
        let r = row_key.map_or(0, |(key_column, key)| {
            let k = header.iter().position(|h| h == key_column).unwrap();
            rows.iter().position(|r| r[k] == key).unwrap()
        });
        formats.of(sheet, r + 1, c)
    };
    let percent = "0.0%";
    // Summary: every statistic of a yes/no metric, not its count; not an amount's.
    let retaliated = Some(("metric", "mx_retaliated"));
    assert_eq!(cell(1, "summary.csv", retaliated, "mean"), percent);
    assert_eq!(cell(1, "summary.csv", retaliated, "p95"), percent);
    assert_eq!(cell(1, "summary.csv", retaliated, "n"), "0");
    let tariff = Some(("metric", "us_tariff_pct_end"));
    assert_eq!(cell(1, "summary.csv", tariff, "mean"), "0.0##");
    // Compare: probabilities, and a yes/no metric's means and delta.
    assert_eq!(cell(2, "compare.csv", tariff, "p_lever_greater"), percent);
    assert_eq!(cell(2, "compare.csv", retaliated, "mean_delta"), percent);
    assert_eq!(cell(2, "compare.csv", retaliated, "ci_low"), percent);
    assert_eq!(cell(2, "compare.csv", tariff, "mean_delta"), "0.0##");
    // Decision: the columns of a yes/no metric.
    assert_eq!(cell(3, "decision.csv", None, "mx_retaliated_mean"), percent);
    assert_eq!(
        cell(3, "decision.csv", None, "agreement_signed_delta"),
        percent
    );
    assert_eq!(
        cell(3, "decision.csv", None, "trade_loss_usd_bn_mean"),
        "0.0##"
    );
    // Timeseries: a share variable and a yes/no one, not a tariff.
    let exempt = Some(("variable", "exempt_share"));
    assert_eq!(cell(4, "timeseries.csv", exempt, "mean"), percent);
    assert_eq!(cell(4, "timeseries.csv", exempt, "month"), "0");
    let threat = Some(("variable", "threat_active"));
    assert_eq!(cell(4, "timeseries.csv", threat, "mean"), percent);
    let tariff_now = Some(("variable", "us_tariff_pct"));
    assert_eq!(cell(4, "timeseries.csv", tariff_now, "mean"), "0.0##");

    // The autofilter spans the header and every row, no column more.
    let (header, rows) = read_csv(&out.join("summary.csv"));
    assert_eq!(header.len(), 13, "columns A to M");
    let filter = format!("<autoFilter ref=\"A1:M{}\"", rows.len() + 1);
    assert!(formats.sheets[0].contains(&filter), "{filter}");

    let mut wb: Xlsx<_> = open_workbook(out.join("results.xlsx")).unwrap();
    let manifest = wb.worksheet_range("Manifest").unwrap();
    let rows: Vec<(String, Data)> = manifest
        .rows()
        .skip(1)
        .map(|r| (r[0].to_string(), r[1].clone()))
        .collect();
    for (key, value) in &rows {
        let text = value.to_string();
        assert!(
            !text.starts_with('[') && !text.starts_with('{'),
            "{key} holds JSON: {text}"
        );
    }
    let levers: Vec<String> = rows
        .iter()
        .filter(|(k, _)| k == "levers")
        .map(|(_, v)| v.to_string())
        .collect();
    assert_eq!(levers.len(), 8, "one row per lever: {levers:?}");
    assert_eq!(levers[0], "baseline");
    assert!(
        rows.iter()
            .any(|(k, v)| k == "rng_crates: rand_xoshiro" && !v.to_string().is_empty()),
        "an object's fields are rows of their own"
    );
    // The value column is a readable width, its long text wrapped.
    let xml = &formats.sheets[4];
    let col = &xml[xml.find("<col min=\"2\"").expect("column B has a width")..];
    let width: f64 = col
        .split("width=\"")
        .nth(1)
        .map(|w| w[..w.find('"').unwrap()].parse().unwrap())
        .unwrap();
    assert!((60.0..=90.0).contains(&width), "value column {width} wide");
}

#[test]
fn analysis_tables_are_not_shown_as_percentages() {
    // Sensitivity indices of a yes/no metric are indices, not shares of runs.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sens");
    bilateral()
        .arg("sensitivity")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args([
            "--lever",
            "baseline",
            "--method",
            "morris",
            "--samples",
            "8",
        ])
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    bilateral()
        .arg("report")
        .arg(&out)
        .arg("--xlsx")
        .assert()
        .success();
    let formats = Formats::read(&out.join("results.xlsx"));
    let (header, rows) = read_csv(&out.join("sensitivity.csv"));
    let metric = header.iter().position(|h| h == "metric").unwrap();
    let value = header.iter().position(|h| h == "value").unwrap();
    let row = rows
        .iter()
        .position(|r| r[metric] == "mx_retaliated")
        .unwrap();
    assert_eq!(formats.of(1, row + 1, value), "0.0##");
}
