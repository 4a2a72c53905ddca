//! What a run reports: outcome metrics (one value per run) and month-end
//! variables (one value per run and month end).
//!
//! Names use `{a}` for the first actor's id and `{b}` for the second's, so the
//! shipped US–Mexico scenarios get `us_tariff_pct`, `mx_approval_pct`, …

use super::state::State;
use super::state::{PRESSED, THREATENING};
use super::step::RunTotals;
use crate::model::Pair;

/// The value of an outcome metric in a finished run.
pub type MetricFn = fn(&State, &RunTotals) -> f64;
/// The value of a month-end variable in the state at a month end.
pub type VariableFn = fn(&State) -> f64;

/// A reported quantity: its name, how it is binned for quantiles (see
/// `stats`), what it means, and how it is read off the model. The one place
/// that defines a column of summary.csv, runs.csv or timeseries.csv: the
/// writers, the data package, the docs and the rule conditions all read it.
#[derive(Debug, Clone, Copy)]
pub struct Quantity<F> {
    /// Name template (`{a}`, `{b}` replaced by actor ids).
    pub template: &'static str,
    /// Width of a quantile bin; quantiles are exact to half of it.
    pub resolution: f64,
    /// Upper end of the binned range (values above are counted, and quantiles
    /// that fall there are reported as the observed maximum).
    pub upper: f64,
    /// Meaning and unit.
    pub doc: &'static str,
    /// How the value is read off the model.
    pub value: F,
}

/// How a quantity's values read, from its doc (which states the unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 0 or 1 (a doc that starts "1 if" or "1 while"): its mean over runs
    /// is a share of runs.
    YesNo,
    /// A share from 0 to 1 (a doc that starts "Share of").
    Share,
    /// An amount in the unit its doc names (%, USD bn, people, …).
    Amount,
}

impl<F> Quantity<F> {
    /// How the quantity's values read (the workbook shows yes/no and share
    /// statistics as percentages).
    pub fn scale(&self) -> Scale {
        if self.doc.starts_with("1 if ") || self.doc.starts_with("1 while ") {
            Scale::YesNo
        } else if self.doc.starts_with("Share of") {
            Scale::Share
        } else {
            Scale::Amount
        }
    }

    /// Whether `name` is this quantity's name for some pair of actor ids
    /// (each id a non-empty run of letters, digits, `_` or `-`): lets a
    /// reader of a folder, which knows the names but not the ids, find the
    /// row of the registry behind a column.
    pub fn is_named(&self, name: &str) -> bool {
        matches_template(self.template, name)
    }
}

/// Whether `name` is `template` with each `{a}`/`{b}` replaced by an id.
fn matches_template(template: &str, name: &str) -> bool {
    let placeholder = template
        .find("{a}")
        .into_iter()
        .chain(template.find("{b}"))
        .min();
    let Some(at) = placeholder else {
        return template == name;
    };
    let (literal, rest) = (&template[..at], &template[at + 3..]);
    let Some(after) = name.strip_prefix(literal) else {
        return false;
    };
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    // Try every id length: ids may hold `_`, as the literal parts do.
    after
        .char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(after.len()))
        .take_while(|&end| after[..end].chars().all(is_id))
        .any(|end| matches_template(rest, &after[end..]))
}

/// The scale of the metric or month-end variable called `name` (for any
/// actor ids), `None` for a name of neither table.
pub fn scale_of(name: &str) -> Option<Scale> {
    METRICS
        .iter()
        .find(|m| m.is_named(name))
        .map(Metric::scale)
        .or_else(|| {
            VARIABLES
                .iter()
                .find(|v| v.is_named(name))
                .map(Variable::scale)
        })
}

/// An outcome metric: one value per run.
pub type Metric = Quantity<MetricFn>;
/// A month-end variable: one value per run and month end.
pub type Variable = Quantity<VariableFn>;

/// A row of [`METRICS`] or [`VARIABLES`].
const fn quantity<F>(
    template: &'static str,
    resolution: f64,
    upper: f64,
    doc: &'static str,
    value: F,
) -> Quantity<F> {
    Quantity {
        template,
        resolution,
        upper,
        doc,
        value,
    }
}

/// 1 for true, 0 for false: the value of a yes/no quantity.
fn bool01(x: bool) -> f64 {
    if x { 1.0 } else { 0.0 }
}

/// Outcome metrics, one value per run, in output order.
pub const METRICS: &[Metric] = &[
    quantity(
        "{a}_tariff_pct_end",
        0.5,
        200.0,
        "Headline tariff of {a} on {b}'s non-exempt goods at the horizon, %.",
        |s, _| s.actors[THREATENING].tariff_pct,
    ),
    quantity(
        "{a}_tariff_pct_mean",
        0.05,
        200.0,
        "Mean over weeks of that headline tariff, %.",
        |s, t| t.tariff_sum / f64::from(s.week.max(1)),
    ),
    quantity(
        "weeks_with_tariff",
        1.0,
        2600.0,
        "Weeks in which that headline tariff was above zero.",
        |_, t| f64::from(t.weeks_with_tariff),
    ),
    quantity(
        "threats_issued",
        1.0,
        1000.0,
        "Tariff threats issued by {a} (a threat pending at the start counts).",
        |s, _| f64::from(s.actors[THREATENING].threats_issued),
    ),
    quantity(
        "threats_carried_out",
        1.0,
        1000.0,
        "Threats of {a} carried out at their deadline.",
        |s, _| f64::from(s.actors[THREATENING].threats_carried_out),
    ),
    quantity(
        "extraditions_total",
        1.0,
        20000.0,
        "People handed by {b} to {a}: formal extraditions plus mass transfers.",
        |s, _| s.actors[PRESSED].handed_over,
    ),
    quantity(
        "transfer_batches",
        1.0,
        1000.0,
        "Mass transfers by {b}.",
        |s, _| f64::from(s.actors[PRESSED].transfer_batches),
    ),
    quantity(
        "cooperation_level_end",
        1.0,
        4.0,
        "Cooperation rung at the horizon (0 none … 4 signed agreement).",
        |s, _| f64::from(s.cooperation_level),
    ),
    quantity(
        "agreement_signed",
        1.0,
        1.0,
        "1 if a formal agreement was signed, else 0.",
        |s, _| bool01(s.agreement_signed_ever()),
    ),
    quantity(
        "weeks_to_agreement",
        1.0,
        2600.0,
        "Weeks from the start to the signature (runs that signed only).",
        |s, _| s.agreement_week.map_or(f64::NAN, |w| f64::from(w + 1)),
    ),
    quantity(
        "{b}_retaliated",
        1.0,
        1.0,
        "1 if {b} ever set a counter-tariff, else 0.",
        |s, _| bool01(s.actors[PRESSED].retaliated_ever),
    ),
    quantity(
        "{a}_strike_{b}",
        1.0,
        1.0,
        "1 if {a} ever acted unilaterally on {b}'s soil, else 0.",
        |s, _| bool01(s.actors[THREATENING].struck_ever),
    ),
    quantity(
        "{b}_approval_pct_end",
        0.1,
        100.0,
        "Approval of {b}'s government at the horizon, %.",
        |s, _| s.actors[PRESSED].approval_pct,
    ),
    quantity(
        "{b}_approval_pct_min",
        0.1,
        100.0,
        "Lowest weekly approval of {b}'s government, %.",
        |_, t| t.min_approval_pct,
    ),
    quantity(
        "trade_loss_usd_bn",
        0.5,
        20000.0,
        "Bilateral imports lost (both directions) against a no-tariff path, cumulative, USD bn.",
        |s, _| s.trade_loss_usd_bn,
    ),
    quantity(
        "drug_flow_index_end",
        0.1,
        500.0,
        "Illicit flow from {b} to {a} at the horizon (start = 100).",
        |s, _| s.actors[PRESSED].flow_index,
    ),
    quantity(
        "max_{a}_tariff_pct",
        0.5,
        200.0,
        "Highest headline tariff of {a} over the run, %.",
        |_, t| t.max_tariff_pct,
    ),
    quantity(
        "{b}_tariff_pct_end",
        0.5,
        200.0,
        "Headline counter-tariff of {b} on {a}'s goods at the horizon, %.",
        |s, _| s.actors[PRESSED].tariff_pct,
    ),
    quantity(
        "max_{b}_tariff_pct",
        0.5,
        200.0,
        "Highest headline counter-tariff of {b} over the run, %.",
        |s, _| s.actors[PRESSED].max_tariff_pct,
    ),
    quantity(
        "{a}_escalated",
        1.0,
        1.0,
        "1 if {a}'s headline tariff ever rose above the higher of its starting tariff and its pending threat's rate, else 0.",
        |_, t| bool01(t.escalated),
    ),
    quantity(
        "{b}_tariff_relief",
        1.0,
        1.0,
        "1 if {b} ever cut, narrowed or lifted its counter-tariff or export controls (a truce counts), else 0.",
        |s, _| bool01(s.actors[PRESSED].relief_moves > 0),
    ),
    quantity(
        "truce_agreed",
        1.0,
        1.0,
        "1 if a truce (mutual cuts to agreed rates for a period) was agreed, else 0.",
        |s, _| bool01(s.truces_agreed > 0),
    ),
    quantity(
        "truce_extensions",
        1.0,
        1000.0,
        "Times a truce was extended at its expiry.",
        |s, _| f64::from(s.truce_extensions),
    ),
    quantity(
        "truce_lapsed",
        1.0,
        1.0,
        "1 if a truce ran out unextended and the rates snapped back, else 0.",
        |s, _| bool01(s.truce_lapses > 0),
    ),
    quantity(
        "{b}_export_controls_end",
        1.0,
        1.0,
        "1 if {b} restricts strategic exports to {a} at the horizon, else 0.",
        |s, _| bool01(s.actors[PRESSED].export_controls),
    ),
];

/// Month-end variables, in output order.
pub const VARIABLES: &[Variable] = &[
    quantity(
        "{a}_tariff_pct",
        0.5,
        200.0,
        "Headline tariff of {a} on {b}'s non-exempt goods, %.",
        |s| s.actors[THREATENING].tariff_pct,
    ),
    quantity(
        "{a}_tariff_effective_pct",
        0.05,
        200.0,
        "Trade-weighted tariff of {a} on {b}'s goods after exemptions, %.",
        |s| s.actors[THREATENING].effective_tariff_pct(),
    ),
    quantity(
        "{b}_tariff_pct",
        0.5,
        200.0,
        "Counter-tariff of {b} on {a}'s goods, %.",
        |s| s.actors[PRESSED].tariff_pct,
    ),
    quantity(
        "exempt_share",
        0.001,
        1.0,
        "Share of {b}'s goods exempt from {a}'s tariff.",
        |s| s.actors[THREATENING].exempt_share,
    ),
    quantity(
        "threat_active",
        1.0,
        1.0,
        "1 if a threat of {a} is pending, else 0.",
        |s| bool01(s.actors[THREATENING].threat.is_some()),
    ),
    quantity(
        "extraditions_cum",
        1.0,
        20000.0,
        "People handed by {b} to {a} since the start.",
        |s| s.actors[PRESSED].handed_over,
    ),
    quantity(
        "cooperation_level",
        1.0,
        4.0,
        "Cooperation rung, 0–4.",
        |s| f64::from(s.cooperation_level),
    ),
    quantity(
        "agreement_signed_ever",
        1.0,
        1.0,
        "1 if a formal agreement has been signed, else 0.",
        |s| bool01(s.agreement_signed_ever()),
    ),
    quantity(
        "{b}_retaliated_ever",
        1.0,
        1.0,
        "1 if {b} has set a counter-tariff, else 0.",
        |s| bool01(s.actors[PRESSED].retaliated_ever),
    ),
    quantity(
        "{a}_strike_{b}_ever",
        1.0,
        1.0,
        "1 if {a} has acted unilaterally on {b}'s soil, else 0.",
        |s| bool01(s.actors[THREATENING].struck_ever),
    ),
    quantity(
        "{b}_approval_pct",
        0.1,
        100.0,
        "Approval of {b}'s government, %.",
        |s| s.actors[PRESSED].approval_pct,
    ),
    quantity("trust", 0.001, 1.0, "Mutual trust, 0–1.", |s| s.trust),
    quantity(
        "drug_flow_index",
        0.1,
        500.0,
        "Illicit flow from {b} to {a} (start = 100).",
        |s| s.actors[PRESSED].flow_index,
    ),
    quantity(
        "trade_index",
        0.1,
        500.0,
        "Imports of {a} from {b} (start = 100).",
        |s| s.actors[THREATENING].trade_index,
    ),
    quantity(
        "{a}_demand",
        1.0,
        5000.0,
        "Demand of {a} on {b}, concession points.",
        |s| s.actors[THREATENING].demand,
    ),
    quantity(
        "{a}_approval_pct",
        0.1,
        100.0,
        "Approval of {a}'s government, %.",
        |s| s.actors[THREATENING].approval_pct,
    ),
    quantity(
        "arms_flow_index",
        0.1,
        500.0,
        "Illicit flow from {a} to {b}, e.g. arms (start = 100).",
        |s| s.actors[THREATENING].flow_index,
    ),
    quantity(
        "{b}_tariff_effective_pct",
        0.05,
        200.0,
        "Trade-weighted counter-tariff of {b} on {a}'s goods, %.",
        |s| s.actors[PRESSED].effective_tariff_pct(),
    ),
    quantity(
        "{b}_tariff_coverage_share",
        0.001,
        1.0,
        "Share of {a}'s goods that {b}'s counter-tariff covers (0 while it has none).",
        |s| {
            if s.actors[PRESSED].tariff_pct > 0.0 {
                1.0 - s.actors[PRESSED].exempt_share
            } else {
                0.0
            }
        },
    ),
    quantity(
        "truce_active",
        1.0,
        1.0,
        "1 while a truce is in force, else 0.",
        |s| bool01(s.truce_active()),
    ),
    quantity(
        "{a}_export_controls_active",
        1.0,
        1.0,
        "1 while {a} restricts strategic exports to {b}, else 0.",
        |s| bool01(s.actors[THREATENING].export_controls),
    ),
    quantity(
        "{b}_export_controls_active",
        1.0,
        1.0,
        "1 while {b} restricts strategic exports to {a}, else 0.",
        |s| bool01(s.actors[PRESSED].export_controls),
    ),
];

/// Expands a name template with the two actor ids.
pub fn expand(template: &str, ids: &Pair<String>) -> String {
    template.replace("{a}", &ids[0]).replace("{b}", &ids[1])
}

/// Writes the metrics of a finished run into `out` (`METRICS.len()` values;
/// `NaN` marks a metric undefined in this run).
pub fn metrics(state: &State, totals: &RunTotals, out: &mut [f64]) {
    for (o, m) in out.iter_mut().zip(METRICS) {
        *o = (m.value)(state, totals);
    }
}

/// Writes the month-end variables of `state` into `out` (`VARIABLES.len()` values).
pub fn variables(state: &State, out: &mut [f64]) {
    for (o, v) in out.iter_mut().zip(VARIABLES) {
        *o = (v.value)(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_matched_to_their_template_whatever_the_ids() {
        let id_pairs = [["us", "mx"], ["usa", "can"], ["us_gov", "prc-1"]];
        for ids in id_pairs.map(|p| p.map(String::from)) {
            for m in METRICS {
                let name = expand(m.template, &ids);
                assert!(m.is_named(&name), "{name}");
                assert_eq!(scale_of(&name), Some(m.scale()), "{name}");
            }
            for v in VARIABLES {
                let name = expand(v.template, &ids);
                assert!(v.is_named(&name), "{name}");
                assert_eq!(scale_of(&name), Some(v.scale()), "{name}");
            }
        }
        let end = METRICS
            .iter()
            .find(|m| m.template == "{a}_tariff_pct_end")
            .unwrap();
        assert!(!end.is_named("us_tariff_pct"));
        assert!(!end.is_named("_tariff_pct_end"), "an id is never empty");
        assert!(!end.is_named("u s_tariff_pct_end"), "an id holds no space");
        assert_eq!(scale_of("no_such_quantity"), None);
    }

    #[test]
    fn each_scale_is_what_the_extractors_return() {
        use crate::engine::prepare_run;
        use crate::model::{NoObserver, simulate};
        use crate::scenario::{ResolvedLever, Scenario};
        let mut seen = [0usize; 2];
        for file in ["us_mexico_2025-09.toml", "us_china_2025-09.toml"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(file);
            let s = Scenario::load(&path).unwrap();
            for lever in &s.levers {
                let lever = ResolvedLever::new(&s, lever).unwrap();
                for run in 0..20 {
                    let (p, mut rngs, _, _) = prepare_run(&lever, s.seed, run);
                    let (state, totals) = simulate(
                        &p,
                        &lever.rules,
                        s.calendar.horizon_weeks,
                        &mut rngs,
                        &mut NoObserver,
                    );
                    let values = METRICS
                        .iter()
                        .map(|m| (m.template, m.scale(), (m.value)(&state, &totals)))
                        .chain(
                            VARIABLES
                                .iter()
                                .map(|v| (v.template, v.scale(), (v.value)(&state))),
                        );
                    for (name, scale, x) in values {
                        match scale {
                            Scale::YesNo => {
                                assert!(x == 0.0 || x == 1.0, "{name} = {x}");
                                seen[usize::from(x == 1.0)] += 1;
                            }
                            Scale::Share => assert!((0.0..=1.0).contains(&x), "{name} = {x}"),
                            Scale::Amount => {}
                        }
                    }
                }
            }
        }
        assert!(
            seen[0] > 0 && seen[1] > 0,
            "yes and no both occur: {seen:?}"
        );
    }
}
