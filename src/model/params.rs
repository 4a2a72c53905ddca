//! Every number the model uses, declared once.
//!
//! Each parameter is declared with its unit, allowed range and a one-line
//! meaning. The declaration generates the typed struct the model reads
//! (`ActorParams`, `WorldParams`, …) and the [`ParamSpec`] table the
//! scenario parser validates against, so a parameter cannot exist in the
//! model without also being known to the scenario format and the docs.
//! docs/MODEL.md explains each mechanism and where each value comes from;
//! a test checks that every parameter declared here is named there.

/// Which table of a scenario file a parameter lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `[world]`: shared dynamics (trust, flows, trade adjustment).
    World,
    /// `[<actor id>]`: one government's preferences and capabilities.
    Actor,
    /// `[initial]`: the shared state at the start date.
    InitialWorld,
    /// `[initial.<actor id>]`: one government's state at the start date.
    InitialActor,
}

/// The static description of one parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Key inside its table, e.g. `demand_ratchet`.
    pub key: &'static str,
    /// Unit, in words (`%`, `weeks`, `utility`, …).
    pub unit: &'static str,
    /// Smallest allowed value (inclusive).
    pub min: f64,
    /// Largest allowed value (inclusive).
    pub max: f64,
    /// What it means, in one line.
    pub doc: &'static str,
}

macro_rules! param_struct {
    (
        $(#[$meta:meta])*
        $name:ident, $specs:ident {
            $( $field:ident : $unit:literal, $min:expr, $max:expr, $doc:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name {
            $( #[doc = $doc] pub $field: f64, )+
        }

        /// Specs of every field of the struct, in declaration order.
        pub const $specs: &[ParamSpec] = &[
            $( ParamSpec { key: stringify!($field), unit: $unit, min: $min, max: $max, doc: $doc }, )+
        ];

        impl $name {
            /// Number of parameters in this group.
            pub const LEN: usize = $specs.len();

            /// Builds the struct from values in declaration order.
            ///
            /// `values` must hold exactly [`Self::LEN`] numbers.
            pub fn from_values(values: &[f64]) -> Self {
                let mut it = values.iter().copied();
                let out = Self { $( $field: it.next().unwrap_or(0.0), )+ };
                debug_assert!(values.len() == Self::LEN);
                out
            }
        }
    };
}

param_struct! {
    /// One government's preferences, capabilities and rules of thumb.
    ActorParams, ACTOR_SPECS {
        // --- choice rule
        rationality: "1/utility", 0.0, 100.0, "Logit precision of the weekly choice: 0 picks uniformly among feasible actions, large values always pick the best.";
        // --- coercion
        hawkishness: "utility", 0.0, 20.0, "Weight on coercive moves (threaten, impose) per unit of dissatisfaction with the other side.";
        demand_anchor: "concession points", 0.0, 10000.0, "Level the demand on the other side relaxes to when no concessions ratchet it up: the decayed stock of visible concessions that would fully satisfy this government.";
        demand_relaxation_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap between the demand and its anchor closed (attention moves on).";
        demand_ratchet: "fraction", 0.0, 2.0, "Share of each visible concession by the other side that is added to the demand (\"never enough\"): 1 keeps satisfaction from ever rising for long.";
        concession_half_life_weeks: "weeks", 1.0, 520.0, "Half-life of the other side's concessions in this government's memory (\"what have you done lately\").";
        threat_cost: "utility", 0.0, 20.0, "Cost of issuing a public tariff threat (diplomatic friction, market jitters).";
        first_tariff_pct: "%", 0.0, 200.0, "Headline rate of a threat when no tariff is in force.";
        escalation_step_pct: "percentage points", 0.0, 100.0, "Increase over the current headline rate that a new threat announces when a tariff is already in force.";
        max_tariff_pct: "%", 0.0, 200.0, "Highest headline tariff this government will threaten or set.";
        threat_deadline_weeks: "weeks", 0.0, 52.0, "Time from a threat to its deadline.";
        extension_weeks: "weeks", 1.0, 52.0, "Length of a pause or extension granted at a deadline.";
        impose_weight: "utility", 0.0, 20.0, "Weight on carrying out a threat at its deadline, per unit of dissatisfaction.";
        credibility_weight: "utility", 0.0, 20.0, "Value of carrying out a threat to restore credibility, per unit of the other side's doubt (1 - belief).";
        extension_value: "utility", 0.0, 20.0, "Value of pausing at a deadline per unit of concessions received since the threat (relative to the demand).";
        audience_cost: "utility", 0.0, 20.0, "Cost of letting a public threat lapse with neither imposition nor a face-saving extension.";
        audience_cost_approval_pts: "approval points", 0.0, 20.0, "Approval lost at home when a public threat lapses.";
        econ_weight: "utility per pp", 0.0, 10.0, "Cost per percentage point of trade-weighted tariff between the two (own tariff on imports and the other's on exports).";
        cut_step_pct: "percentage points", 0.0, 100.0, "Size of a tariff cut.";
        relief_weight: "utility", 0.0, 20.0, "Value of cutting the tariff per unit of satisfaction (1 - dissatisfaction).";
        exemption_value: "utility", -20.0, 20.0, "Bias for granting a trade-agreement exemption once a tariff is in force, on top of its economic relief.";
        exemption_initial_share: "share", 0.0, 1.0, "Share of the other's goods exempt as soon as an exemption is granted.";
        exemption_max_share: "share", 0.0, 1.0, "Share of the other's goods that will eventually claim the exemption.";
        exemption_uptake_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap to the maximum share closed as importers file paperwork.";
        retaliation_rate_pct: "%", 0.0, 200.0, "Counter-tariff set when retaliating.";
        retaliation_bias: "utility", -50.0, 20.0, "Intrinsic taste for retaliation (pride, domestic demand), before costs.";
        escalation_fear: "utility", 0.0, 20.0, "Expected cost of the other side's counter-escalation after retaliation, per unit of belief that it carries out threats.";
        counter_escalation_value: "utility", -20.0, 20.0, "Value of raising the tariff after the other side retaliated (\"added on top\").";
        // --- concessions
        responsiveness: "utility", 0.0, 50.0, "Weight on concessions per unit of pressure felt and per 20 concession points.";
        reciprocity: "utility", 0.0, 20.0, "Weight on answering the other side's recent concessions with one's own.";
        approval_weight: "utility per approval point", 0.0, 5.0, "How much one point of domestic approval matters in the choice.";
        submission_approval_pts: "approval points", 0.0, 20.0, "Approval lost per 20 concession points made while under outside pressure (being seen to submit).";
        transfer_cost: "utility", 0.0, 50.0, "Cost of a mass transfer of detainees (legal and political friction).";
        transfer_points_per_person: "concession points", 0.0, 10.0, "Visible concession value of one person handed over in a batch.";
        transfer_pool_inflow_per_week: "people/week", 0.0, 100.0, "Rate at which new transferable detainees accumulate (arrests of wanted figures).";
        transfer_batch_mean: "people", 1.0, 1000.0, "Mean size of a discretionary mass transfer (lognormal).";
        transfer_batch_sd: "people", 0.0, 1000.0, "Standard deviation of the batch size.";
        transfer_min_batch: "people", 1.0, 1000.0, "Smallest pool that makes a mass transfer worth staging.";
        formal_extraditions_per_year: "people/year", 0.0, 1000.0, "Background rate of ordinary formal extraditions to the other side (Poisson).";
        deploy_cost: "utility", 0.0, 50.0, "Cost of deploying one more contingent of forces (upkeep, other duties).";
        deploy_points: "concession points", 0.0, 100.0, "Visible concession value of one contingent deployed.";
        contingent_k: "thousand troops", 0.0, 100.0, "Size of one deployment contingent.";
        max_forces_k: "thousand troops", 0.0, 500.0, "Most forces this government will keep deployed on the shared border.";
        interdiction_cost: "utility", 0.0, 50.0, "Cost of stepping up interdiction of outbound illicit flows by one level.";
        interdiction_points: "concession points", 0.0, 100.0, "Visible concession value of one interdiction step.";
        interdiction_fade_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the interdiction level lost as a campaign winds down unless renewed.";
        migration_cost: "utility", 0.0, 50.0, "Cost of tightening migration enforcement by one step.";
        migration_points: "concession points", 0.0, 100.0, "Visible concession value of one step of tighter migration enforcement.";
        migration_leverage_value: "utility", -50.0, 20.0, "Value of loosening migration enforcement as leverage, per unit of pressure felt (negative: never used as leverage).";
        // --- cooperation
        cooperation_value: "utility", 0.0, 20.0, "Value of one more rung of the cooperation ladder, scaled by trust.";
        cooperation_step_cost: "utility", 0.0, 50.0, "Cost of a rung of the ladder below a formal agreement (sovereignty sensitivities).";
        cooperation_points: "concession points", 0.0, 100.0, "Visible concession value of a cooperation step.";
        agreement_cost: "utility", 0.0, 50.0, "Cost of signing a formal agreement (legal procedure, ratification, sovereignty).";
        // --- sovereignty and force
        strike_base_utility: "utility", -100.0, 20.0, "Value of unilateral action on the other's territory before any gain (very negative: a red line).";
        strike_weight: "utility", 0.0, 50.0, "Gain from a strike per unit of dissatisfaction times drug-flow index / 100.";
        sovereignty_stand_value: "utility", 0.0, 50.0, "Value of a public sovereignty stand (suspending a cooperation rung) after the other side acted on one's soil.";
        // --- domestic politics
        approval_baseline_pct: "%", 0.0, 100.0, "Level that approval reverts to without outside shocks.";
        approval_reversion_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap to the baseline closed (erosion of a rally).";
        approval_noise_sd: "approval points/week", 0.0, 10.0, "Standard deviation of weekly approval noise.";
        rally_threat_pts: "approval points", 0.0, 30.0, "Rally when the other side issues a threat against this government.";
        rally_tariff_pts: "approval points", 0.0, 30.0, "Rally when the other side imposes or raises a tariff on this government.";
        rally_strike_pts: "approval points", 0.0, 50.0, "Rally when the other side strikes on this government's soil.";
        // --- beliefs
        belief_prior_carried: "pseudo-count", 0.01, 1000.0, "Prior pseudo-count of the other side's threats carried out (Beta a).";
        belief_prior_not_carried: "pseudo-count", 0.01, 1000.0, "Prior pseudo-count of the other side's threats not carried out (Beta b).";
        // --- legal exposure of the tariff instrument
        legal_hazard_per_week: "1/week", 0.0, 1.0, "Weekly probability that courts strike down the legal basis of this government's tariffs.";
        tariff_cap_after_legal_loss_pct: "%", 0.0, 200.0, "Highest tariff available under the remaining authorities once the legal basis is struck down.";
        // --- trade
        imports_usd_bn_per_year: "USD bn/year", 0.0, 100000.0, "Imports from the other side in the base year.";
        trade_trend_pct_per_year: "%/year", -50.0, 50.0, "Underlying growth of imports from the other side without tariffs.";
        import_elasticity_1y: "elasticity", -20.0, 0.0, "Import elasticity to the tariff factor (1 + t) after one year.";
        import_elasticity_long: "elasticity", -20.0, 0.0, "Long-run import elasticity to the tariff factor.";
        // --- illicit flows out of this country
        flow_effect_per_contingent: "log points", 0.0, 5.0, "Reduction in log outbound illicit flow per contingent of forces deployed.";
        flow_effect_per_interdiction: "log points", 0.0, 5.0, "Reduction in log outbound illicit flow per interdiction level.";
        flow_effect_per_cooperation: "log points", 0.0, 5.0, "Reduction in log outbound illicit flow per rung of the cooperation ladder.";
        flow_effect_per_20_transferred: "log points", 0.0, 5.0, "Transient reduction in log outbound flow per 20 people transferred (decapitation), decaying with the adaptation rate.";
        flow_adaptation_per_week: "1/week", 0.0, 1.0, "Weekly rate at which traffickers adapt to enforcement.";
        flow_adaptation_share: "share", 0.0, 1.0, "Share of the enforcement effect that adaptation eventually erodes.";
        flow_noise_sd: "log points/week", 0.0, 1.0, "Standard deviation of the weekly innovation of the flow noise (AR(1), persistence 0.9).";
    }
}

param_struct! {
    /// Dynamics shared by both sides.
    WorldParams, WORLD_SPECS {
        deadline_urgency_weeks: "weeks", 0.01, 52.0, "Scale of the rise in concession hazard as a deadline nears: urgency = exp(-weeks left / scale).";
        trust_baseline: "0-1", 0.0, 1.0, "Level that trust drifts back to.";
        trust_reversion_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap to the trust baseline closed.";
        trust_threat_drop: "0-1", 0.0, 1.0, "Trust lost when a threat is issued.";
        trust_tariff_drop: "0-1", 0.0, 1.0, "Trust lost when a tariff is imposed or raised, or a counter-tariff set.";
        trust_strike_drop: "0-1", 0.0, 1.0, "Trust lost at a unilateral strike on the other's soil.";
        trust_reciprocity_gain: "0-1", 0.0, 1.0, "Trust gained when a concession answers one by the other side within the reciprocity window.";
        trust_cooperation_gain: "0-1", 0.0, 1.0, "Trust gained with each rung of cooperation climbed.";
        reciprocity_window_weeks: "weeks", 1.0, 104.0, "How recent the other side's concession must be for a move to count as reciprocation.";
        agreement_trust_threshold: "0-1", 0.0, 1.0, "Trust below which a formal agreement loses value (agreement value scales with trust minus this threshold).";
        proposal_expiry_weeks: "weeks", 1.0, 52.0, "How long a proposal to sign a formal agreement stays open.";
        migration_step: "0-1", 0.0, 1.0, "Size of one step of migration enforcement.";
        max_interdiction_level: "levels", 0.0, 10.0, "Highest interdiction level.";
        strike_min_interval_weeks: "weeks", 1.0, 520.0, "Least time between two unilateral strikes by the same side.";
    }
}

param_struct! {
    /// Shared state at the start date.
    InitialWorld, INITIAL_WORLD_SPECS {
        cooperation_level: "rung 0-4", 0.0, 4.0, "Cooperation ladder: 0 none, 1 intelligence sharing, 2 joint training and operations, 3 implementation group, 4 signed agreement.";
        trust: "0-1", 0.0, 1.0, "Mutual trust.";
    }
}

param_struct! {
    /// One government's state at the start date.
    InitialActor, INITIAL_ACTOR_SPECS {
        tariff_pct: "%", 0.0, 200.0, "Headline tariff this government levies on the other's non-exempt goods.";
        exemption_granted: "0/1", 0.0, 1.0, "Whether a trade-agreement exemption from this tariff has been granted.";
        exempt_share: "share", 0.0, 1.0, "Share of the other's goods exempt from this tariff.";
        threat_rate_pct: "%", 0.0, 200.0, "Headline rate of a pending threat (0: no threat pending).";
        threat_deadline_weeks: "weeks", 0.0, 520.0, "Weeks from the start date to the pending threat's deadline (0: this week).";
        forces_k: "thousand troops", 0.0, 500.0, "Forces deployed on the shared border.";
        interdiction_level: "levels", 0.0, 10.0, "Interdiction of outbound illicit flows.";
        migration_enforcement: "0-1", 0.0, 1.0, "Enforcement on migration flows towards the other side.";
        approval_pct: "%", 0.0, 100.0, "Domestic approval of the government.";
        demand: "concession points", 0.0, 10000.0, "Current demand on the other side.";
        concessions_received: "concession points", 0.0, 10000.0, "Decayed stock of concessions received from the other side.";
        transfer_pool: "people", 0.0, 10000.0, "Detainees available for a mass transfer to the other side.";
        enforcement_adaptation: "log points", 0.0, 50.0, "Traffickers' adaptation already built up against this side's enforcement.";
    }
}

/// All parameter groups, in the order the flat parameter vector holds them.
pub const GROUPS: [(Section, &[ParamSpec]); 4] = [
    (Section::World, WORLD_SPECS),
    (Section::Actor, ACTOR_SPECS),
    (Section::InitialWorld, INITIAL_WORLD_SPECS),
    (Section::InitialActor, INITIAL_ACTOR_SPECS),
];

/// The full, resolved set of numbers for one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParams {
    /// Shared dynamics.
    pub world: WorldParams,
    /// Per-government parameters, in scenario actor order.
    pub actors: [ActorParams; 2],
    /// Shared initial state.
    pub initial_world: InitialWorld,
    /// Per-government initial state, in scenario actor order.
    pub initial_actors: [InitialActor; 2],
}

/// Layout of the flat parameter vector: world, actor 0, actor 1,
/// initial world, initial actor 0, initial actor 1.
pub mod layout {
    use super::*;
    /// Offset of the world parameters.
    pub const WORLD: usize = 0;
    /// Offset of actor `a`'s parameters.
    pub const fn actor(a: usize) -> usize {
        WorldParams::LEN + a * ActorParams::LEN
    }
    /// Offset of the shared initial state.
    pub const INITIAL_WORLD: usize = WorldParams::LEN + 2 * ActorParams::LEN;
    /// Offset of actor `a`'s initial state.
    pub const fn initial_actor(a: usize) -> usize {
        INITIAL_WORLD + InitialWorld::LEN + a * InitialActor::LEN
    }
    /// Total number of values.
    pub const TOTAL: usize = initial_actor(2);
}

impl ModelParams {
    /// Builds the parameters from the flat vector described in [`layout`].
    pub fn from_flat(v: &[f64]) -> Self {
        use layout::*;
        let slice = |off: usize, len: usize| &v[off..off + len];
        ModelParams {
            world: WorldParams::from_values(slice(WORLD, WorldParams::LEN)),
            actors: [
                ActorParams::from_values(slice(actor(0), ActorParams::LEN)),
                ActorParams::from_values(slice(actor(1), ActorParams::LEN)),
            ],
            initial_world: InitialWorld::from_values(slice(INITIAL_WORLD, InitialWorld::LEN)),
            initial_actors: [
                InitialActor::from_values(slice(initial_actor(0), InitialActor::LEN)),
                InitialActor::from_values(slice(initial_actor(1), InitialActor::LEN)),
            ],
        }
    }
}

/// The spec of a flat index and, for per-actor groups, the actor it belongs to.
pub fn spec_at(index: usize) -> (Section, Option<usize>, &'static ParamSpec) {
    use layout::*;
    if index < actor(0) {
        (Section::World, None, &WORLD_SPECS[index - WORLD])
    } else if index < INITIAL_WORLD {
        let rel = index - actor(0);
        (
            Section::Actor,
            Some(rel / ActorParams::LEN),
            &ACTOR_SPECS[rel % ActorParams::LEN],
        )
    } else if index < initial_actor(0) {
        (
            Section::InitialWorld,
            None,
            &INITIAL_WORLD_SPECS[index - INITIAL_WORLD],
        )
    } else {
        let rel = index - initial_actor(0);
        (
            Section::InitialActor,
            Some(rel / InitialActor::LEN),
            &INITIAL_ACTOR_SPECS[rel % InitialActor::LEN],
        )
    }
}

/// The dotted path of a flat index given the two actor ids, e.g.
/// `us.demand_ratchet`, `world.trust_baseline`, `initial.mx.approval_pct`.
pub fn path_of(index: usize, ids: &[String; 2]) -> String {
    let (section, actor, spec) = spec_at(index);
    match (section, actor) {
        (Section::World, _) => format!("world.{}", spec.key),
        (Section::Actor, Some(a)) => format!("{}.{}", ids[a], spec.key),
        (Section::InitialWorld, _) => format!("initial.{}", spec.key),
        (Section::InitialActor, Some(a)) => format!("initial.{}.{}", ids[a], spec.key),
        // spec_at returns an actor exactly for the per-actor sections.
        (Section::Actor | Section::InitialActor, None) => spec.key.to_string(),
    }
}
