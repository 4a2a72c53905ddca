//! Generates the parameter and output tables of docs/MODEL.md from the
//! parameter registry and the shipped scenarios, so the documentation cannot
//! drift from the code (a test compares them).

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
    let ids = &sep.ids;
    let _ = writeln!(out, "{BEGIN}\n");
    let _ = writeln!(
        out,
        "Values are those of the shipped scenarios: `{}` (Feb 2025, calibration) and `{}` (Sep 2025, forecast).\n",
        feb.name, sep.name
    );

    let _ = writeln!(out, "### `[world]`: shared dynamics\n");
    let _ = writeln!(
        out,
        "| key | unit | range | Feb 2025 | Sep 2025 | meaning | source or reason |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (k, spec) in params::WORLD_SPECS.iter().enumerate() {
        let i = layout::WORLD + k;
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

    let _ = writeln!(
        out,
        "\n### `[<actor>]`: each government (same keys for both)\n"
    );
    let _ = writeln!(
        out,
        "| key | unit | range | {a} Feb | {a} Sep | {b} Feb | {b} Sep | meaning | source or reason |",
        a = ids[0],
        b = ids[1]
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for (k, spec) in params::ACTOR_SPECS.iter().enumerate() {
        let (a, b) = (layout::actor(0) + k, layout::actor(1) + k);
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

    let _ = writeln!(out, "\n### `[initial]`: shared state at the start date\n");
    let _ = writeln!(
        out,
        "| key | unit | range | Feb 2025 | Sep 2025 | meaning | source or reason |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (k, spec) in params::INITIAL_WORLD_SPECS.iter().enumerate() {
        let i = layout::INITIAL_WORLD + k;
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

    let _ = writeln!(
        out,
        "\n### `[initial.<actor>]`: each government's state at the start date\n"
    );
    let _ = writeln!(
        out,
        "| key | unit | range | {a} Feb | {a} Sep | {b} Feb | {b} Sep | meaning | source or reason |",
        a = ids[0],
        b = ids[1]
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for (k, spec) in params::INITIAL_ACTOR_SPECS.iter().enumerate() {
        let (a, b) = (layout::initial_actor(0) + k, layout::initial_actor(1) + k);
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
