//! What a run reports: outcome metrics (one value per run) and month-end
//! variables (one value per run and month end).
//!
//! Names use `{a}` for the first actor's id and `{b}` for the second's, so the
//! shipped US–Mexico scenarios get `us_tariff_pct`, `mx_approval_pct`, …

use super::state::State;
use super::step::RunTotals;

/// How a reported quantity is binned for quantiles (see `stats`).
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    /// Name template (`{a}`, `{b}` replaced by actor ids).
    pub template: &'static str,
    /// Width of a quantile bin; quantiles are exact to half of it.
    pub resolution: f64,
    /// Upper end of the binned range (values above are counted, and quantiles
    /// that fall there are reported as the observed maximum).
    pub upper: f64,
    /// Meaning and unit.
    pub doc: &'static str,
}

const fn q(template: &'static str, resolution: f64, upper: f64, doc: &'static str) -> Quantity {
    Quantity {
        template,
        resolution,
        upper,
        doc,
    }
}

/// Outcome metrics, one value per run, in output order.
pub const METRICS: &[Quantity] = &[
    q(
        "{a}_tariff_pct_end",
        0.5,
        200.0,
        "Headline tariff of {a} on {b}'s non-exempt goods at the horizon, %.",
    ),
    q(
        "{a}_tariff_pct_mean",
        0.05,
        200.0,
        "Mean over weeks of that headline tariff, %.",
    ),
    q(
        "weeks_with_tariff",
        1.0,
        2600.0,
        "Weeks in which that headline tariff was above zero.",
    ),
    q(
        "threats_issued",
        1.0,
        1000.0,
        "Tariff threats issued by {a} (a threat pending at the start counts).",
    ),
    q(
        "threats_carried_out",
        1.0,
        1000.0,
        "Threats of {a} carried out at their deadline.",
    ),
    q(
        "extraditions_total",
        1.0,
        20000.0,
        "People handed by {b} to {a}: formal extraditions plus mass transfers.",
    ),
    q("transfer_batches", 1.0, 1000.0, "Mass transfers by {b}."),
    q(
        "cooperation_level_end",
        1.0,
        4.0,
        "Cooperation rung at the horizon (0 none … 4 signed agreement).",
    ),
    q(
        "agreement_signed",
        1.0,
        1.0,
        "1 if a formal agreement was signed, else 0.",
    ),
    q(
        "weeks_to_agreement",
        1.0,
        2600.0,
        "Weeks from the start to the signature (runs that signed only).",
    ),
    q(
        "{b}_retaliated",
        1.0,
        1.0,
        "1 if {b} ever set a counter-tariff, else 0.",
    ),
    q(
        "{a}_strike_{b}",
        1.0,
        1.0,
        "1 if {a} ever acted unilaterally on {b}'s soil, else 0.",
    ),
    q(
        "{b}_approval_pct_end",
        0.1,
        100.0,
        "Approval of {b}'s government at the horizon, %.",
    ),
    q(
        "{b}_approval_pct_min",
        0.1,
        100.0,
        "Lowest weekly approval of {b}'s government, %.",
    ),
    q(
        "trade_loss_usd_bn",
        0.5,
        20000.0,
        "Bilateral imports lost (both directions) against a no-tariff path, cumulative, USD bn.",
    ),
    q(
        "drug_flow_index_end",
        0.1,
        500.0,
        "Illicit flow from {b} to {a} at the horizon (start = 100).",
    ),
    q(
        "max_{a}_tariff_pct",
        0.5,
        200.0,
        "Highest headline tariff of {a} over the run, %.",
    ),
    q(
        "{b}_tariff_pct_end",
        0.5,
        200.0,
        "Headline counter-tariff of {b} on {a}'s goods at the horizon, %.",
    ),
    q(
        "max_{b}_tariff_pct",
        0.5,
        200.0,
        "Highest headline counter-tariff of {b} over the run, %.",
    ),
    q(
        "{a}_escalated",
        1.0,
        1.0,
        "1 if {a}'s headline tariff ever rose above the higher of its starting tariff and its pending threat's rate, else 0.",
    ),
    q(
        "{b}_tariff_relief",
        1.0,
        1.0,
        "1 if {b} ever cut, narrowed or lifted its counter-tariff or export controls (a truce counts), else 0.",
    ),
    q(
        "truce_agreed",
        1.0,
        1.0,
        "1 if a truce (mutual cuts to agreed rates for a period) was agreed, else 0.",
    ),
    q(
        "truce_extensions",
        1.0,
        1000.0,
        "Times a truce was extended at its expiry.",
    ),
    q(
        "truce_lapsed",
        1.0,
        1.0,
        "1 if a truce ran out unextended and the rates snapped back, else 0.",
    ),
    q(
        "{b}_export_controls_end",
        1.0,
        1.0,
        "1 if {b} restricts strategic exports to {a} at the horizon, else 0.",
    ),
];

/// Index of `weeks_to_agreement`, the one metric that can be undefined.
pub const WEEKS_TO_AGREEMENT: usize = 9;

/// Month-end variables, in output order.
pub const VARIABLES: &[Quantity] = &[
    q(
        "{a}_tariff_pct",
        0.5,
        200.0,
        "Headline tariff of {a} on {b}'s non-exempt goods, %.",
    ),
    q(
        "{a}_tariff_effective_pct",
        0.05,
        200.0,
        "Trade-weighted tariff of {a} on {b}'s goods after exemptions, %.",
    ),
    q(
        "{b}_tariff_pct",
        0.5,
        200.0,
        "Counter-tariff of {b} on {a}'s goods, %.",
    ),
    q(
        "exempt_share",
        0.001,
        1.0,
        "Share of {b}'s goods exempt from {a}'s tariff.",
    ),
    q(
        "threat_active",
        1.0,
        1.0,
        "1 if a threat of {a} is pending, else 0.",
    ),
    q(
        "extraditions_cum",
        1.0,
        20000.0,
        "People handed by {b} to {a} since the start.",
    ),
    q("cooperation_level", 1.0, 4.0, "Cooperation rung, 0–4."),
    q(
        "agreement_signed_ever",
        1.0,
        1.0,
        "1 if a formal agreement has been signed, else 0.",
    ),
    q(
        "{b}_retaliated_ever",
        1.0,
        1.0,
        "1 if {b} has set a counter-tariff, else 0.",
    ),
    q(
        "{a}_strike_{b}_ever",
        1.0,
        1.0,
        "1 if {a} has acted unilaterally on {b}'s soil, else 0.",
    ),
    q(
        "{b}_approval_pct",
        0.1,
        100.0,
        "Approval of {b}'s government, %.",
    ),
    q("trust", 0.001, 1.0, "Mutual trust, 0–1."),
    q(
        "drug_flow_index",
        0.1,
        500.0,
        "Illicit flow from {b} to {a} (start = 100).",
    ),
    q(
        "trade_index",
        0.1,
        500.0,
        "Imports of {a} from {b} (start = 100).",
    ),
    q(
        "{a}_demand",
        1.0,
        5000.0,
        "Demand of {a} on {b}, concession points.",
    ),
    q(
        "{a}_approval_pct",
        0.1,
        100.0,
        "Approval of {a}'s government, %.",
    ),
    q(
        "arms_flow_index",
        0.1,
        500.0,
        "Illicit flow from {a} to {b}, e.g. arms (start = 100).",
    ),
    q(
        "{b}_tariff_effective_pct",
        0.05,
        200.0,
        "Trade-weighted counter-tariff of {b} on {a}'s goods, %.",
    ),
    q(
        "{b}_tariff_coverage_share",
        0.001,
        1.0,
        "Share of {a}'s goods that {b}'s counter-tariff covers (0 while it has none).",
    ),
    q(
        "truce_active",
        1.0,
        1.0,
        "1 while a truce is in force, else 0.",
    ),
    q(
        "{a}_export_controls_active",
        1.0,
        1.0,
        "1 while {a} restricts strategic exports to {b}, else 0.",
    ),
    q(
        "{b}_export_controls_active",
        1.0,
        1.0,
        "1 while {b} restricts strategic exports to {a}, else 0.",
    ),
];

/// Expands a name template with the two actor ids.
pub fn expand(template: &str, ids: &[String; 2]) -> String {
    template.replace("{a}", &ids[0]).replace("{b}", &ids[1])
}

/// Writes the metrics of a finished run into `out` (`METRICS.len()` values;
/// `NaN` marks a metric undefined in this run).
pub fn metrics(state: &State, totals: &RunTotals, out: &mut [f64]) {
    let [a, b] = &state.actors;
    let weeks = f64::from(state.week.max(1));
    let bool01 = |x: bool| if x { 1.0 } else { 0.0 };
    let values = [
        a.tariff_pct,
        totals.tariff_sum / weeks,
        f64::from(totals.weeks_with_tariff),
        f64::from(a.threats_issued),
        f64::from(a.threats_carried_out),
        b.handed_over,
        f64::from(b.transfer_batches),
        f64::from(state.cooperation_level),
        bool01(state.agreement_signed_ever()),
        state.agreement_week.map_or(f64::NAN, |w| f64::from(w + 1)),
        bool01(b.retaliated_ever),
        bool01(a.struck_ever),
        b.approval_pct,
        totals.min_approval_pct,
        state.trade_loss_usd_bn,
        b.flow_index,
        totals.max_tariff_pct,
        b.tariff_pct,
        b.max_tariff_pct,
        bool01(totals.escalated),
        bool01(b.relief_moves > 0),
        bool01(state.truces_agreed > 0),
        f64::from(state.truce_extensions),
        bool01(state.truce_lapses > 0),
        bool01(b.export_controls),
    ];
    out.copy_from_slice(&values);
}

/// Writes the month-end variables of `state` into `out` (`VARIABLES.len()` values).
pub fn variables(state: &State, out: &mut [f64]) {
    let [a, b] = &state.actors;
    let bool01 = |x: bool| if x { 1.0 } else { 0.0 };
    let values = [
        a.tariff_pct,
        a.effective_tariff_pct(),
        b.tariff_pct,
        a.exempt_share,
        bool01(a.threat.is_some()),
        b.handed_over,
        f64::from(state.cooperation_level),
        bool01(state.agreement_signed_ever()),
        bool01(b.retaliated_ever),
        bool01(a.struck_ever),
        b.approval_pct,
        state.trust,
        b.flow_index,
        a.trade_index,
        a.demand,
        a.approval_pct,
        a.flow_index,
        b.effective_tariff_pct(),
        if b.tariff_pct > 0.0 {
            1.0 - b.exempt_share
        } else {
            0.0
        },
        bool01(state.truce_active()),
        bool01(a.export_controls),
        bool01(b.export_controls),
    ];
    out.copy_from_slice(&values);
}
