//! datapackage.json: a Frictionless Data Package describing every CSV file
//! the run wrote (columns, types, units, meanings), so pandas, R and data
//! catalogues can load and understand them without reading our docs. The
//! files are the run's (the registry's tables of manifest.json's `files`),
//! never whatever else lies in the folder; the package validates with the
//! reference validator (`frictionless validate datapackage.json`, run in CI).

use crate::model::Pair;
use std::io::Write as _;

use serde_json::{Value, json};

use super::export::{self, ExportError, Exporter, Source};

use crate::model::outcome::{METRICS, VARIABLES, expand};

/// What a column holds: Table Schema type, description and unit.
fn describe(column: &str, ids: &Pair<String>) -> (&'static str, String, Option<String>) {
    let metric = METRICS.iter().find(|m| expand(m.template, ids) == column);
    if let Some(m) = metric {
        return ("number", expand(m.doc, ids), unit_of(m.doc));
    }
    let fixed: &[(&str, &str, &str)] = &[
        ("scenario", "string", "Scenario name."),
        (
            "lever",
            "string",
            "Lever (named set of parameter overrides and rules); `baseline` is the scenario as written.",
        ),
        ("baseline", "string", "The lever this row is compared with."),
        (
            "metric",
            "string",
            "Outcome metric (see the metric descriptions in docs/MODEL.md).",
        ),
        (
            "variable",
            "string",
            "Month-end state variable (see docs/MODEL.md).",
        ),
        (
            "month",
            "integer",
            "Month number from the start (1 = the start month).",
        ),
        ("date", "string", "Month end, YYYY-MM."),
        (
            "run",
            "integer",
            "Run index, 0-based; the same index shares its random numbers across levers.",
        ),
        (
            "seed",
            "string",
            "Seed of the run, 0x + 16 hex digits (text, to keep all 64 bits).",
        ),
        (
            "n",
            "integer",
            "Runs counted (runs where the value is defined).",
        ),
        ("mean", "number", "Mean over runs."),
        ("sd", "number", "Sample standard deviation over runs."),
        ("min", "number", "Smallest value."),
        ("max", "number", "Largest value."),
        (
            "p05",
            "number",
            "5th percentile (nearest rank; within half a bin, see docs/MODEL.md).",
        ),
        ("p25", "number", "25th percentile."),
        ("p50", "number", "Median."),
        ("p75", "number", "75th percentile."),
        ("p95", "number", "95th percentile."),
        (
            "mean_lever",
            "number",
            "Mean of the lever over the paired runs.",
        ),
        (
            "mean_baseline",
            "number",
            "Mean of the reference lever over the paired runs.",
        ),
        (
            "mean_delta",
            "number",
            "Mean paired difference, lever minus reference.",
        ),
        (
            "sd_delta",
            "number",
            "Standard deviation of the paired differences.",
        ),
        (
            "ci_low",
            "number",
            "Lower end of the 95% confidence interval of the mean (difference).",
        ),
        (
            "ci_high",
            "number",
            "Upper end of the 95% confidence interval of the mean (difference).",
        ),
        (
            "p_lever_greater",
            "number",
            "Share of paired runs where the lever's value is above the reference's.",
        ),
        (
            "p_lever_less",
            "number",
            "Share of paired runs where the lever's value is below the reference's.",
        ),
    ];
    if let Some((_, t, d)) = fixed.iter().find(|(n, _, _)| *n == column) {
        return (t, (*d).to_string(), None);
    }
    for suffix in ["_mean", "_delta"] {
        if let Some(base) = column.strip_suffix(suffix)
            && let Some(m) = METRICS.iter().find(|m| expand(m.template, ids) == base)
        {
            let what = if suffix == "_mean" {
                "Mean of"
            } else {
                "Mean paired difference from the reference of"
            };
            return (
                "number",
                format!("{what}: {}", expand(m.doc, ids)),
                unit_of(m.doc),
            );
        }
    }
    if let Some(rule) = column
        .strip_prefix("rule_")
        .and_then(|c| c.strip_suffix("_fired"))
    {
        return (
            "integer",
            format!("Times the lever's rule `{rule}` fired in the run."),
            Some("count".into()),
        );
    }
    if column.contains('.') {
        return (
            "number",
            format!(
                "Value of the uncertain parameter `{column}` drawn for the run (docs/MODEL.md)."
            ),
            None,
        );
    }
    ("string", String::new(), None)
}

/// The unit of a quantity from the end of its description ("…, %.").
fn unit_of(doc: &str) -> Option<String> {
    let tail = doc.trim_end_matches('.').rsplit(", ").next()?;
    (tail.len() <= 24 && tail != doc.trim_end_matches('.')).then(|| tail.to_string())
}

/// The data package of the CSV tables `tables` (file name and header).
pub fn package(name: &str, ids: &Pair<String>, tables: &[(&str, Vec<String>)]) -> Value {
    let mut resources = Vec::new();
    for (file, header) in tables {
        let fields: Vec<Value> = header
            .iter()
            .map(|c| {
                let (kind, description, unit) = describe(c, ids);
                let mut f = json!({ "name": c, "type": kind, "description": description });
                if let Some(u) = unit {
                    f["unit"] = json!(u);
                }
                f
            })
            .collect();
        let variables: Vec<String> = VARIABLES
            .iter()
            .map(|v| format!("{}: {}", expand(v.template, ids), expand(v.doc, ids)))
            .collect();
        let mut resource = json!({
            "profile": "tabular-data-resource",
            "name": file.trim_end_matches(".csv"),
            "path": file,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": { "delimiter": ",", "header": true, "lineTerminator": "\n" },
            "schema": { "fields": fields, "missingValues": [""] },
        });
        if *file == "timeseries.csv" {
            resource["description"] = json!(format!(
                "One row per lever, month end and variable. Variables: {}",
                variables.join("; ")
            ));
        }
        resources.push(resource);
    }
    json!({
        "profile": "tabular-data-package",
        "name": name.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_' && c != '.', "-"),
        "title": format!("bilateral outputs for scenario {name}"),
        "description": "Outcome distributions of a bilateral Monte Carlo run; the model and every metric are documented in docs/MODEL.md of the bilateral repository.",
        "resources": resources,
    })
}

/// Serializes datapackage.json from the tables of the transaction.
pub struct DataPackage;

impl Exporter for DataPackage {
    fn serialize(&self, source: &Source<'_>) -> Result<Vec<u8>, ExportError> {
        let tables = source.tables.ok_or_else(|| {
            ExportError::Render("the data package needs the run's statistics".into())
        })?;
        let described: Vec<(&str, Vec<String>)> = source
            .manifest
            .files
            .iter()
            .filter_map(|f| export::by_name(f))
            .filter(|f| f.in_package)
            .map(|f| {
                source
                    .files
                    .header(f.name)
                    .map(|h| (f.name, h))
                    .ok_or_else(|| {
                        ExportError::Render(format!(
                            "{} was not staged before the data package",
                            f.name
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        let value = package(tables.scenario, tables.ids, &described);
        let mut bytes = serde_json::to_vec_pretty(&value).map_err(std::io::Error::from)?;
        writeln!(bytes)?;
        Ok(bytes)
    }
}
