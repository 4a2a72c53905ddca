//! One trait for every output file and one registry of what each command
//! writes (as hyperfine's `export/`: one file per format behind one trait).
//!
//! A command names the [`OutputFile`]s it writes; a
//! [`Transaction`](super::folder::Transaction) serializes each through its
//! [`Exporter`] into memory (the tables from the statistics, then the data
//! package, the manifest, the workbook and the report from the tables just
//! serialized), stages them, and renames them into place together. The
//! registry is the only list of files: manifest.json's `files`, the data
//! package's resources, the workbook's sheets and the stale files removed
//! from an earlier run all come from it.

use crate::model::Pair;
use std::io;

use super::folder::Contents;
use super::manifest::Manifest;
use crate::calendar::Calendar;
use crate::engine::Results;

/// What the exporters of a run's tables read: the statistics in memory.
#[derive(Debug, Clone, Copy)]
pub struct RunTables<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Actor ids.
    pub ids: &'a Pair<String>,
    /// Month ends.
    pub calendar: &'a Calendar,
    /// The accumulated statistics.
    pub results: &'a Results,
}

/// Everything an exporter may read.
pub struct Source<'a> {
    /// The statistics, when the command ran or merged them (not for
    /// `bilateral report`, which reads a folder).
    pub tables: Option<RunTables<'a>>,
    /// The files serialized so far in this transaction, in memory.
    pub files: &'a Contents,
    /// The run's manifest, its `files` already complete.
    pub manifest: &'a Manifest,
}

/// Why an exporter failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing the bytes failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The input cannot be rendered (e.g. a table the report needs is
    /// missing or broken).
    #[error("{0}")]
    Render(String),
}

/// Serializes one output file.
pub trait Exporter: Sync {
    /// Whether the file belongs to a run with these statistics (compare.csv
    /// and decision.csv need a second lever). Files of a folder read back
    /// (`tables` absent) always apply.
    fn applies(&self, tables: Option<&RunTables<'_>>) -> bool {
        let _ = tables;
        true
    }

    /// The file's bytes.
    fn serialize(&self, source: &Source<'_>) -> Result<Vec<u8>, ExportError>;
}

/// A workbook sheet: its name and position among the sheets.
#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    /// Sheet name.
    pub name: &'static str,
    /// Position, from 0.
    pub position: u8,
}

/// One file bilateral writes into an output folder.
pub struct OutputFile {
    /// File name in the folder.
    pub name: &'static str,
    /// Serializes it; `None` for files streamed while the runs run
    /// (runs.csv, sweep.csv) or computed by an analysis (robust.csv,
    /// discovery.csv, sensitivity.csv), staged by the command itself.
    pub exporter: Option<&'static dyn Exporter>,
    /// The workbook sheet that shows it, if any.
    pub sheet: Option<Sheet>,
    /// Described (with its Table Schema) in datapackage.json.
    pub in_package: bool,
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

macro_rules! table {
    ($exporter:ident, $needs_pair:expr, |$w:ident, $t:ident| $body:expr) => {
        /// Serializes the table of the same name from the statistics.
        pub struct $exporter;
        impl Exporter for $exporter {
            fn applies(&self, tables: Option<&RunTables<'_>>) -> bool {
                !$needs_pair || tables.is_none_or(|t| t.results.levers.len() > 1)
            }
            fn serialize(&self, source: &Source<'_>) -> Result<Vec<u8>, ExportError> {
                let $t = source.tables.ok_or_else(|| {
                    ExportError::Render("the statistics are not in memory".into())
                })?;
                let mut $w = Vec::new();
                $body?;
                Ok($w)
            }
        }
    };
}

table!(SummaryCsv, false, |w, t| super::summary::write(
    &mut w, t.scenario, t.ids, t.results
));
table!(TimeseriesCsv, false, |w, t| {
    super::timeseries::write(&mut w, t.scenario, t.ids, t.calendar, t.results)
});
table!(CompareCsv, true, |w, t| super::compare::write(
    &mut w, t.scenario, t.ids, t.results
));
table!(DecisionCsv, true, |w, t| super::decision::write(
    &mut w, t.scenario, t.ids, t.results
));

const fn table(name: &'static str, exporter: &'static dyn Exporter, sheet: Sheet) -> OutputFile {
    OutputFile {
        name,
        exporter: Some(exporter),
        sheet: Some(sheet),
        in_package: true,
    }
}

const fn document(name: &'static str, exporter: &'static dyn Exporter) -> OutputFile {
    OutputFile {
        name,
        exporter: Some(exporter),
        sheet: None,
        in_package: false,
    }
}

const fn sheet(name: &'static str, position: u8) -> Sheet {
    Sheet { name, position }
}

/// summary.csv.
pub static SUMMARY: OutputFile = table("summary.csv", &SummaryCsv, sheet("Summary", 0));
/// timeseries.csv.
pub static TIMESERIES: OutputFile = table("timeseries.csv", &TimeseriesCsv, sheet("Timeseries", 3));
/// compare.csv.
pub static COMPARE: OutputFile = table("compare.csv", &CompareCsv, sheet("Compare", 1));
/// decision.csv.
pub static DECISION: OutputFile = table("decision.csv", &DecisionCsv, sheet("Decision", 2));
/// runs.csv (streamed while the runs run).
pub static RUNS: OutputFile = OutputFile {
    name: "runs.csv",
    exporter: None,
    sheet: None,
    in_package: true,
};
/// sweep.csv (streamed point by point).
pub static SWEEP: OutputFile = OutputFile {
    name: "sweep.csv",
    exporter: None,
    sheet: None,
    in_package: false,
};
/// A table an analysis command computes and stages itself, shown in the
/// workbook.
const fn analysis(name: &'static str, sheet: Sheet) -> OutputFile {
    OutputFile {
        name,
        exporter: None,
        sheet: Some(sheet),
        in_package: false,
    }
}

/// robust.csv (`bilateral robust`).
pub static ROBUST: OutputFile = analysis("robust.csv", sheet("Robust", 4));
/// discovery.csv (`bilateral discover`).
pub static DISCOVERY: OutputFile = analysis("discovery.csv", sheet("Discovery", 5));
/// sensitivity.csv (`bilateral sensitivity`).
pub static SENSITIVITY: OutputFile = analysis("sensitivity.csv", sheet("Sensitivity", 6));
/// datapackage.json.
pub static DATAPACKAGE: OutputFile = document("datapackage.json", &super::datapackage::DataPackage);
/// manifest.json.
pub static MANIFEST: OutputFile = document("manifest.json", &super::manifest::ManifestJson);
/// results.xlsx.
pub static WORKBOOK: OutputFile = document("results.xlsx", &super::xlsx::Workbook);
/// report.html.
pub static REPORT: OutputFile = document("report.html", &super::report::Report);

/// What `bilateral run` and `bilateral merge` serialize from the
/// statistics (besides the streamed runs.csv; `run --xlsx`/`--report` add
/// [`WORKBOOK`] and [`REPORT`]). compare.csv and decision.csv apply only
/// with a second lever.
pub static RUN_FILES: [&OutputFile; 6] = [
    &SUMMARY,
    &TIMESERIES,
    &COMPARE,
    &DECISION,
    &DATAPACKAGE,
    &MANIFEST,
];

/// Every file a run, merge, sweep, robust, discover, sensitivity or report
/// writes, in the order they are serialized and listed in manifest.json. A file of this list found in a
/// folder but not written by the command that last wrote the folder is
/// stale and removed.
pub static FILES: [&OutputFile; 13] = [
    &SUMMARY,
    &TIMESERIES,
    &COMPARE,
    &DECISION,
    &RUNS,
    &SWEEP,
    &ROBUST,
    &DISCOVERY,
    &SENSITIVITY,
    &DATAPACKAGE,
    &MANIFEST,
    &WORKBOOK,
    &REPORT,
];

/// The files of the new set when `files` are serialized with `tables`
/// into a folder whose transaction already holds the files for which
/// `present` is true (streamed, serialized or kept), in registry order:
/// manifest.json's `files`.
pub fn written(
    files: &[&'static OutputFile],
    tables: Option<&RunTables<'_>>,
    present: impl Fn(&str) -> bool,
) -> Vec<&'static OutputFile> {
    FILES
        .iter()
        .copied()
        .filter(|f| {
            let listed = files.iter().any(|g| g.name == f.name);
            let already = present(f.name);
            match f.exporter {
                Some(e) => (listed && e.applies(tables)) || already,
                None => already,
            }
        })
        .collect()
}

/// The registry entry named `name`.
pub fn by_name(name: &str) -> Option<&'static OutputFile> {
    FILES.iter().copied().find(|f| f.name == name)
}
