//! results.xlsx: the tables of a run as one workbook to pass on, with
//! numbers as numbers, formats, a frozen header row, autofilter and fitted
//! column widths.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook as XlsxWorkbook, XlsxError};

use super::export::{ExportError, Exporter, FILES, Source};
use super::folder::{Contents, FolderError};
use super::manifest::Manifest;

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

/// Columns holding shares (0–1), shown as percentages.
fn is_share(column: &str) -> bool {
    column.starts_with("p_lever_")
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
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name)?;
        for (c, name) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, name, &bold)?;
        }
        let mut last_row = 0u32;
        for (r, record) in reader.records().enumerate() {
            let Ok(record) = record else { continue };
            let row = r as u32 + 1;
            last_row = row;
            for (c, cell) in record.iter().enumerate() {
                let col = c as u16;
                let column = header.get(c).unwrap_or_default();
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() && !cell.starts_with("0x") => {
                        let format = if is_share(column) {
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
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(manifest) {
        let sheet = workbook.add_worksheet();
        sheet.set_name("Manifest")?;
        sheet.write_string_with_format(0, 0, "key", &bold)?;
        sheet.write_string_with_format(0, 1, "value", &bold)?;
        for (r, (key, value)) in map.iter().enumerate() {
            let row = r as u32 + 1;
            sheet.write_string(row, 0, key)?;
            match value {
                serde_json::Value::Number(n) if n.as_f64().is_some() => {
                    sheet.write_number(row, 1, n.as_f64().unwrap_or_default())?;
                }
                serde_json::Value::String(s) => {
                    sheet.write_string(row, 1, s)?;
                }
                other => {
                    sheet.write_string(row, 1, other.to_string())?;
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    workbook.save_to_buffer()
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
