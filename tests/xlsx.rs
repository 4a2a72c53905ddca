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
