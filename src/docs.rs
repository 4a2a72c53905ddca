//! Generates the parameter and output tables of docs/MODEL.md from the
//! parameter registry and the shipped scenarios, so the documentation cannot
//! drift from the code (a test compares them).

pub mod headlines;

use std::fmt::Write;

use crate::model::outcome::{METRICS, VARIABLES};
use crate::model::params::{self, ParamSpec, layout};
use crate::scenario::{ParamValue, Scenario};

/// Markers around the generated part of docs/MODEL.md.
pub const BEGIN: &str = "<!-- BEGIN GENERATED TABLES: cargo run --example model_tables -->";
/// End marker.
pub const END: &str = "<!-- END GENERATED TABLES -->";

fn value(s: &Scenario, index: usize) -> String {
    match &s.baseline[index] {
        ParamValue::Fixed(x) => format!("{x}"),
        ParamValue::Uncertain(d) => d.describe(),
    }
}

fn range(spec: &ParamSpec) -> String {
    format!("{} to {}", spec.min, spec.max)
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The generated tables, for `feb` (calibration) and `sep` (forecast) scenarios.
pub fn tables(feb: &Scenario, sep: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{BEGIN}\n");
    let _ = writeln!(
        out,
        "Values are those of the shipped scenarios: `{}` (Feb 2025, calibration) and `{}` (Sep 2025, forecast).\n",
        feb.name, sep.name
    );

    let _ = writeln!(out, "### `[world]`: shared dynamics\n");
    shared_table(&mut out, params::WORLD_SPECS, layout::WORLD, feb, sep);
    let _ = writeln!(
        out,
        "\n### `[<actor>]`: each government (same keys for both)\n"
    );
    actor_table(&mut out, params::ACTOR_SPECS, layout::actor, feb, sep);
    let _ = writeln!(out, "\n### `[initial]`: shared state at the start date\n");
    shared_table(
        &mut out,
        params::INITIAL_WORLD_SPECS,
        layout::INITIAL_WORLD,
        feb,
        sep,
    );
    let _ = writeln!(
        out,
        "\n### `[initial.<actor>]`: each government's state at the start date\n"
    );
    actor_table(
        &mut out,
        params::INITIAL_ACTOR_SPECS,
        layout::initial_actor,
        feb,
        sep,
    );

    let _ = writeln!(out, "\n### Outcome metrics (summary.csv, runs.csv)\n");
    let _ = writeln!(
        out,
        "`{{a}}` is the first actor's id, `{{b}}` the second's.\n"
    );
    let _ = writeln!(out, "| metric | meaning | quantile resolution |");
    let _ = writeln!(out, "|---|---|---|");
    for m in METRICS {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} (range 0 to {}) |",
            m.template,
            escape(m.doc),
            m.resolution,
            m.upper
        );
    }
    let _ = writeln!(out, "\n### Month-end variables (timeseries.csv)\n");
    let _ = writeln!(out, "| variable | meaning | quantile resolution |");
    let _ = writeln!(out, "|---|---|---|");
    for v in VARIABLES {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} (range 0 to {}) |",
            v.template,
            escape(v.doc),
            v.resolution,
            v.upper
        );
    }
    let _ = writeln!(out, "\n{END}");
    out
}

/// A table of shared parameters starting at flat index `offset`.
fn shared_table(
    out: &mut String,
    specs: &[ParamSpec],
    offset: usize,
    feb: &Scenario,
    sep: &Scenario,
) {
    let _ = writeln!(
        out,
        "| key | unit | range | Feb 2025 | Sep 2025 | meaning | source or reason |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (k, spec) in specs.iter().enumerate() {
        let i = offset + k;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            spec.key,
            spec.unit,
            range(spec),
            value(feb, i),
            value(sep, i),
            escape(spec.doc),
            escape(spec.source)
        );
    }
}

/// A table of per-actor parameters; `offset(a)` is actor `a`'s first index.
fn actor_table(
    out: &mut String,
    specs: &[ParamSpec],
    offset: fn(usize) -> usize,
    feb: &Scenario,
    sep: &Scenario,
) {
    let _ = writeln!(
        out,
        "| key | unit | range | {a} Feb | {a} Sep | {b} Feb | {b} Sep | meaning | source or reason |",
        a = sep.ids[0],
        b = sep.ids[1]
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for (k, spec) in specs.iter().enumerate() {
        let (a, b) = (offset(0) + k, offset(1) + k);
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            spec.key,
            spec.unit,
            range(spec),
            value(feb, a),
            value(sep, a),
            value(feb, b),
            value(sep, b),
            escape(spec.doc),
            escape(spec.source)
        );
    }
}
