//! Contingent policy rules: "when CONDITION, ACTOR does ACTION".
//!
//! A rule belongs to a lever and acts for one government before that
//! government's own choice in a week (docs/MODEL.md, "Rules"). Conditions
//! are comparisons of state variables and numbers joined by `and` / `or`,
//! parsed once at load time (`scenario::rules`) into the tree below.

use super::action::Action;
use super::outcome::{VARIABLES, expand};
use super::state::State;
use crate::model::Pair;

/// Weeks of history kept for the `*_last_<N>w` counters.
pub const HISTORY_WEEKS: usize = 13;

/// A quantity a condition can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    /// Weeks completed since the start.
    Week,
    /// Cooperation rung, 0–4.
    CooperationLevel,
    /// Mutual trust, 0–1.
    Trust,
    /// 1 once a formal agreement is signed.
    AgreementSigned,
    /// 1 while a truce is in force.
    TruceActive,
    /// A per-government quantity.
    Actor(usize, ActorVar),
    /// A month-end variable of timeseries.csv (index into
    /// `outcome::VARIABLES`), read off the state as the output reads it.
    Reported(usize),
}

/// A per-government quantity a condition can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorVar {
    /// Headline tariff on the other's goods, %.
    TariffPct,
    /// Trade-weighted tariff on the other's goods, %.
    TariffEffectivePct,
    /// Share of the other's goods exempt.
    ExemptShare,
    /// 1 if a threat of this government is pending.
    ThreatActive,
    /// Rate of the pending threat (0 if none), %.
    ThreatRatePct,
    /// Forces on the shared border, thousand troops.
    ForcesK,
    /// Interdiction level.
    InterdictionLevel,
    /// Migration enforcement, 0–1.
    MigrationEnforcement,
    /// Domestic approval, %.
    ApprovalPct,
    /// Demand on the other side, concession points.
    Demand,
    /// Dissatisfaction with the other side, 0–1.
    Dissatisfaction,
    /// Belief that the other side carries out its threats, 0–1.
    Belief,
    /// People handed to the other side since the start.
    HandedOver,
    /// People handed over in mass transfers in the last N weeks (this week included).
    TransfersLast(usize),
    /// Concession points given in the last N weeks (this week included).
    ConcessionsLast(usize),
    /// 1 once this government has set a counter-tariff.
    Retaliated,
    /// 1 once this government has struck on the other's soil.
    Struck,
    /// Outbound illicit flow index (start 100).
    FlowIndex,
    /// Imports from the other side, index (start 100).
    TradeIndex,
    /// 1 while this government restricts strategic exports to the other.
    ExportControls,
    /// Provocation felt from the other's recent hostile trade moves.
    Provocation,
}

/// Windows offered for the `*_last_<N>w` counters.
pub const WINDOWS: [usize; 3] = [4, 8, 13];

impl ActorVar {
    /// Every per-government variable with its name after `<id>.`.
    pub fn all() -> Vec<(String, ActorVar)> {
        let mut v: Vec<(String, ActorVar)> = [
            ("tariff_pct", ActorVar::TariffPct),
            ("tariff_effective_pct", ActorVar::TariffEffectivePct),
            ("exempt_share", ActorVar::ExemptShare),
            ("threat_active", ActorVar::ThreatActive),
            ("threat_rate_pct", ActorVar::ThreatRatePct),
            ("forces_k", ActorVar::ForcesK),
            ("interdiction_level", ActorVar::InterdictionLevel),
            ("migration_enforcement", ActorVar::MigrationEnforcement),
            ("approval_pct", ActorVar::ApprovalPct),
            ("demand", ActorVar::Demand),
            ("dissatisfaction", ActorVar::Dissatisfaction),
            ("belief", ActorVar::Belief),
            ("handed_over", ActorVar::HandedOver),
            ("retaliated", ActorVar::Retaliated),
            ("struck", ActorVar::Struck),
            ("flow_index", ActorVar::FlowIndex),
            ("trade_index", ActorVar::TradeIndex),
            ("export_controls", ActorVar::ExportControls),
            ("provocation", ActorVar::Provocation),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
        for w in WINDOWS {
            v.push((format!("transfers_last_{w}w"), ActorVar::TransfersLast(w)));
            v.push((
                format!("concessions_last_{w}w"),
                ActorVar::ConcessionsLast(w),
            ));
        }
        v
    }
}

/// Every variable name a condition may use with actor ids `ids`: shared
/// names, `<id>.<name>` for each government, and the timeseries.csv names.
pub fn variable_names(ids: &Pair<String>) -> Vec<(String, Var)> {
    let mut names = vec![
        ("week".to_string(), Var::Week),
        ("cooperation_level".to_string(), Var::CooperationLevel),
        ("trust".to_string(), Var::Trust),
        ("agreement_signed_ever".to_string(), Var::AgreementSigned),
        ("truce_active".to_string(), Var::TruceActive),
    ];
    for (a, id) in ids.iter().enumerate() {
        for (name, v) in ActorVar::all() {
            names.push((format!("{id}.{name}"), Var::Actor(a, v)));
        }
    }
    // The names of timeseries.csv, so a rule reads like the outputs; a
    // shared name above (`trust`, `cooperation_level`, ...) is the same
    // quantity and stays as it is.
    for (k, v) in VARIABLES.iter().enumerate() {
        let name = expand(v.template, ids);
        if !names.iter().any(|(n, _)| *n == name) {
            names.push((name, Var::Reported(k)));
        }
    }
    names
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Cmp {
    /// Whether `left op right` holds (IEEE comparisons: false with a `NaN`,
    /// except `!=`).
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
            Cmp::Eq => left == right,
            Cmp::Ne => left != right,
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    /// A number.
    Num(f64),
    /// A variable.
    Var(Var),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `left op right`
    Compare(Operand, Cmp, Operand),
    /// Both hold.
    And(Box<Condition>, Box<Condition>),
    /// Either holds.
    Or(Box<Condition>, Box<Condition>),
}

/// A rule of a lever.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Name (column `rule_<name>_fired` in runs.csv).
    pub name: String,
    /// Acting government (index).
    pub actor: usize,
    /// When it fires.
    pub condition: Condition,
    /// What it does.
    pub action: Action,
    /// Size of the move (rate, step, people, troops), if given.
    pub amount: Option<f64>,
    /// Fire again while the condition stays true, at most this often;
    /// `None`: fire only when the condition becomes true.
    pub every_weeks: Option<u32>,
}

/// Actions a rule may take, and what `amount` means for each (`None`: no amount).
pub const RULE_ACTIONS: &[(Action, Option<&str>)] = &[
    (Action::Threaten, Some("rate of the threat, %")),
    (Action::Impose, None),
    (Action::Extend, None),
    (Action::Raise, Some("increase, percentage points")),
    (Action::Cut, Some("cut, percentage points")),
    (Action::Exempt, None),
    (Action::Retaliate, Some("counter-tariff, %")),
    (Action::Match, None),
    (Action::ProposeTruce, None),
    (Action::AcceptTruce, None),
    (Action::ExtendTruce, None),
    (Action::RestrictExports, None),
    (Action::LiftExportControls, None),
    (
        Action::Transfer,
        Some("people handed over (at most the pool)"),
    ),
    (Action::Deploy, Some("thousand troops")),
    (Action::Interdict, None),
    (Action::CooperateUp, None),
    (Action::CooperateDown, None),
    (Action::Strike, None),
    (Action::SovereigntyStand, None),
    (Action::TightenMigration, None),
    (Action::LoosenMigration, None),
];

/// The value of `var` in `state`.
pub fn value(var: Var, state: &State) -> f64 {
    let b01 = |x: bool| if x { 1.0 } else { 0.0 };
    match var {
        Var::Week => f64::from(state.week),
        Var::CooperationLevel => f64::from(state.cooperation_level),
        Var::Trust => state.trust,
        Var::AgreementSigned => b01(state.agreement_signed_ever()),
        Var::TruceActive => b01(state.truce_active()),
        Var::Reported(k) => (VARIABLES[k].value)(state),
        Var::Actor(i, v) => {
            let s = &state.actors[i];
            let recent = |hist: &[f64; HISTORY_WEEKS], n: usize| {
                (0..n.min(HISTORY_WEEKS))
                    .filter(|&k| (k as u32) <= state.week)
                    .map(|k| hist[(state.week as usize + HISTORY_WEEKS - k) % HISTORY_WEEKS])
                    .sum::<f64>()
            };
            match v {
                ActorVar::TariffPct => s.tariff_pct,
                ActorVar::TariffEffectivePct => s.effective_tariff_pct(),
                ActorVar::ExemptShare => s.exempt_share,
                ActorVar::ThreatActive => b01(s.threat.is_some()),
                ActorVar::ThreatRatePct => s.threat.map_or(0.0, |t| t.rate_pct),
                ActorVar::ForcesK => s.forces_k,
                ActorVar::InterdictionLevel => s.interdiction_level,
                ActorVar::MigrationEnforcement => s.migration_enforcement,
                ActorVar::ApprovalPct => s.approval_pct,
                ActorVar::Demand => s.demand,
                ActorVar::Dissatisfaction => s.dissatisfaction(),
                ActorVar::Belief => s.belief(),
                ActorVar::HandedOver => s.handed_over,
                ActorVar::TransfersLast(n) => recent(&s.transfers_by_week, n),
                ActorVar::ConcessionsLast(n) => recent(&s.concessions_by_week, n),
                ActorVar::Retaliated => b01(s.retaliated_ever),
                ActorVar::Struck => b01(s.struck_ever),
                ActorVar::FlowIndex => s.flow_index,
                ActorVar::TradeIndex => s.trade_index,
                ActorVar::ExportControls => b01(s.export_controls),
                ActorVar::Provocation => s.provocation,
            }
        }
    }
}

impl Condition {
    /// Whether the condition holds in `state`.
    pub fn holds(&self, state: &State) -> bool {
        let get = |o: &Operand| match *o {
            Operand::Num(x) => x,
            Operand::Var(v) => value(v, state),
        };
        match self {
            Condition::Compare(l, op, r) => op.holds(get(l), get(r)),
            Condition::And(a, b) => a.holds(state) && b.holds(state),
            Condition::Or(a, b) => a.holds(state) || b.holds(state),
        }
    }
}
