//! results.xlsx: the tables of a run as one workbook to pass on, with
//! numbers as numbers, formats, a frozen header row, autofilter and fitted
//! column widths.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook as XlsxWorkbook, XlsxError};

use super::export::{self, ExportError, Exporter, FILES, Source};
use super::folder::{Contents, FolderError};
use super::manifest::Manifest;
use crate::model::outcome::{self, Scale};

/// The sheets, in order, and the file each shows (from the registry).
pub fn sheets() -> Vec<(&'static str, &'static str)> {
    let mut sheets: Vec<_> = FILES
        .iter()
        .filter_map(|f| f.sheet.map(|s| (s.position, s.name, f.name)))
        .collect();
    sheets.sort_by_key(|s| s.0);
    sheets
        .into_iter()
        .map(|(_, sheet, file)| (sheet, file))
        .collect()
}

/// Whether the quantity called `name` (a metric or a month-end variable)
/// holds shares: a yes/no quantity (its mean is the share of runs) or a
/// share from 0 to 1.
fn is_share_quantity(name: &str) -> bool {
    matches!(outcome::scale_of(name), Some(Scale::YesNo | Scale::Share))
}

/// Which tables hold statistics of a quantity's own values, one row per
/// quantity (its `metric` or `variable` cell): in them every statistic of a
/// share quantity is a share. Other tables (sensitivity indices, regrets,
/// PRIM boxes) never are.
fn rows_are_statistics(file: &str) -> bool {
    [
        export::SUMMARY.name,
        export::COMPARE.name,
        export::TIMESERIES.name,
    ]
    .contains(&file)
}

/// Whether `column` of `file` holds shares in every row: compare.csv's
/// probabilities and decision.csv's `<metric>_mean`/`_delta` of a share
/// metric.
fn is_share_column(file: &str, column: &str) -> bool {
    (file == export::COMPARE.name && column.starts_with("p_lever_"))
        || (file == export::DECISION.name
            && column
                .strip_suffix("_mean")
                .or_else(|| column.strip_suffix("_delta"))
                .is_some_and(is_share_quantity))
}

/// Columns holding counts, shown without decimals.
fn is_count(column: &str) -> bool {
    matches!(column, "n" | "month" | "run")
}

fn build(files: &Contents, manifest: &Manifest) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = XlsxWorkbook::new();
    let bold = Format::new().set_bold();
    let number = Format::new().set_num_format("0.0##");
    let count = Format::new().set_num_format("0");
    let share = Format::new().set_num_format("0.0%");
    for (sheet_name, file) in sheets() {
        let Some(bytes) = files.bytes(file) else {
            continue;
        };
        let mut reader = csv::Reader::from_reader(bytes);
        let Ok(header) = reader.headers().cloned() else {
            continue;
        };
        // Decided once per column and once per row, not per cell.
        let share_columns: Vec<bool> = header.iter().map(|h| is_share_column(file, h)).collect();
        let quantity_column = header
            .iter()
            .position(|h| h == "metric" || h == "variable")
            .filter(|_| rows_are_statistics(file));
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name)?;
        for (c, name) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, name, &bold)?;
        }
        let mut last_row = 0u32;
        for (r, record) in reader.records().enumerate() {
            let Ok(record) = record else { continue };
            let share_row = quantity_column
                .and_then(|c| record.get(c))
                .is_some_and(is_share_quantity);
            let row = r as u32 + 1;
            last_row = row;
            for (c, cell) in record.iter().enumerate() {
                let col = c as u16;
                let column = header.get(c).unwrap_or_default();
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() && !cell.starts_with("0x") => {
                        let format = if share_columns.get(c).copied().unwrap_or(false)
                            || (share_row && !is_count(column))
                        {
                            &share
                        } else if is_count(column) {
                            &count
                        } else {
                            &number
                        };
                        sheet.write_number_with_format(row, col, x, format)?;
                    }
                    _ if cell.is_empty() => {}
                    _ => {
                        sheet.write_string(row, col, cell)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        if !header.is_empty() {
            sheet.autofilter(0, 0, last_row, header.len() as u16 - 1)?;
        }
        sheet.autofit();
    }
    if let Ok(manifest) = serde_json::to_value(manifest) {
        let wrap = Format::new().set_text_wrap();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Manifest")?;
        sheet.write_string_with_format(0, 0, "key", &bold)?;
        sheet.write_string_with_format(0, 1, "value", &bold)?;
        let mut rows = Vec::new();
        flatten("", &manifest, &mut rows);
        for (r, (key, value)) in rows.iter().enumerate() {
            let row = r as u32 + 1;
            sheet.write_string(row, 0, key)?;
            match value {
                serde_json::Value::Number(n) => {
                    sheet.write_number(row, 1, n.as_f64().unwrap_or_default())?;
                }
                serde_json::Value::String(s) => {
                    sheet.write_string_with_format(row, 1, s, &wrap)?;
                }
                other => {
                    sheet.write_string(row, 1, other.to_string())?;
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
        // Long values (the seed scheme) wrap in a column a screen can show.
        sheet.set_column_width(1, MANIFEST_VALUE_WIDTH)?;
    }
    workbook.save_to_buffer()
}

/// Width of the Manifest sheet's value column, in characters: wide enough
/// for a SHA-256 (64) and a path, narrow enough for a laptop screen; longer
/// text wraps.
const MANIFEST_VALUE_WIDTH: f64 = 80.0;

/// The manifest as (key, value) rows with one scalar each: an object's
/// fields as `parent: field`, a list as one row per item under its key, so
/// no cell holds JSON; absent fields (null) are left out.
fn flatten(key: &str, value: &serde_json::Value, rows: &mut Vec<(String, serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (field, v) in map {
                let key = if key.is_empty() {
                    field.clone()
                } else {
                    format!("{key}: {field}")
                };
                flatten(&key, v, rows);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                flatten(key, item, rows);
            }
        }
        serde_json::Value::Null => {}
        scalar => rows.push((key.to_string(), scalar.clone())),
    }
}

/// Serializes results.xlsx.
pub struct Workbook;

impl Exporter for Workbook {
    fn serialize(&self, source: &Source<'_>) -> Result<Vec<u8>, ExportError> {
        build(source.files, source.manifest).map_err(|e| ExportError::Render(e.to_string()))
    }
}

/// Writes results.xlsx into the output folder `dir` from the files its
/// manifest.json names, and adds it to the manifest.
pub fn write(dir: &Path) -> Result<(), FolderError> {
    super::folder::add_to_folder(dir, &super::export::WORKBOOK)
}
