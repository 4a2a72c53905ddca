//! The state of the relationship in one simulated week.

use super::params::{InitialActor, InitialWorld, ModelParams};
use super::rules::HISTORY_WEEKS;

/// One value per government of the pair, indexed as [`other`] describes:
/// the type that writes the two-actor assumption into signatures (actor
/// ids, parameters, states, per-side rates).
pub type Pair<T> = [T; 2];

/// Index of the government that threatens first (`{a}` in names: the US in
/// the shipped scenarios): the role the reported quantities name.
pub const THREATENING: usize = 0;
/// Index of the government it presses (`{b}` in names).
pub const PRESSED: usize = 1;

/// The other government of the pair: the model has exactly two actors,
/// indexed 0 (the side that threatens first) and 1 (the side it presses),
/// and this is where that assumption is written down for the model code.
pub const fn other(i: usize) -> usize {
    1 - i
}

/// A public tariff threat with a deadline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threat {
    /// Headline rate announced, %.
    pub rate_pct: f64,
    /// Week index at which the threatening side must decide.
    pub deadline_week: u32,
    /// Cumulative concession points the threatening side had received when
    /// the threat was issued (or last extended), to measure what it got since.
    pub received_at_issue: f64,
    /// Times the deadline has been extended.
    pub extensions: u32,
}

/// A negotiated truce in force: both rates held at agreed levels until it
/// expires, is extended, or is broken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truce {
    /// Week in which the truce runs out unless extended.
    pub expires_week: u32,
    /// Each side's headline rate before the truce (the snap-back level), %.
    pub snap_back_pct: [f64; 2],
    /// Each side's exempt share before the truce.
    pub snap_back_exempt: [f64; 2],
}

/// One government's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActorState {
    /// Headline tariff on the other's non-exempt goods, %.
    pub tariff_pct: f64,
    /// Highest tariff currently available (lowered by a legal loss), %.
    pub tariff_cap_pct: f64,
    /// Whether an exemption has been granted.
    pub exemption_granted: bool,
    /// Share of the other's goods exempt from this tariff.
    pub exempt_share: f64,
    /// Pending threat against the other side.
    pub threat: Option<Threat>,
    /// Forces deployed on the shared border, thousand troops.
    pub forces_k: f64,
    /// Interdiction level of outbound illicit flows.
    pub interdiction_level: f64,
    /// Migration enforcement, 0–1.
    pub migration_enforcement: f64,
    /// Domestic approval, %.
    pub approval_pct: f64,
    /// Demand on the other side, concession points.
    pub demand: f64,
    /// Decayed stock of concessions received from the other side.
    pub concessions_received: f64,
    /// Undecayed total of concession points received.
    pub received_total: f64,
    /// Detainees available for a mass transfer.
    pub transfer_pool: f64,
    /// People handed to the other side since the start (formal + batches).
    pub handed_over: f64,
    /// Mass transfers made.
    pub transfer_batches: u32,
    /// Decaying stock of people transferred (for the decapitation effect).
    pub transferred_recent: f64,
    /// Week of this side's latest concession.
    pub last_concession_week: Option<u32>,
    /// Belief pseudo-counts about the other side's threats: carried out.
    pub belief_carried: f64,
    /// Belief pseudo-counts about the other side's threats: not carried out.
    pub belief_not_carried: f64,
    /// Traffickers' adaptation to this side's enforcement, log points.
    pub adaptation: f64,
    /// AR(1) noise of the outbound flow, log points.
    pub flow_noise: f64,
    /// Outbound illicit flow index (start = 100).
    pub flow_index: f64,
    /// Log deviation of imports from the other side from their no-tariff path.
    pub trade_gap_log: f64,
    /// Imports from the other side, index (start = 100).
    pub trade_index: f64,
    /// Whether the legal basis of the tariff was struck down.
    pub legal_loss: bool,
    /// Whether this side ever set a counter-tariff.
    pub retaliated_ever: bool,
    /// Decaying stock of the other's recent hostile trade moves felt by this
    /// side, in units of a 25-point trade-weighted step (negative after relief).
    pub provocation: f64,
    /// Week of this side's latest hostile trade move (for the other's
    /// same-week reaction).
    pub last_hostile_week: Option<u32>,
    /// Whether this side restricts strategic exports to the other.
    pub export_controls: bool,
    /// Tariff-relief moves made (cuts, exemptions, lifted controls; a truce counts).
    pub relief_moves: u32,
    /// Highest headline tariff this side has set.
    pub max_tariff_pct: f64,
    /// Whether this side ever struck on the other's soil.
    pub struck_ever: bool,
    /// Week of this side's latest strike.
    pub last_strike_week: Option<u32>,
    /// Week of the other side's latest strike on this side's soil, not yet answered.
    pub unanswered_strike_week: Option<u32>,
    /// Threats issued (a threat pending at the start counts).
    pub threats_issued: u32,
    /// Threats carried out at their deadline.
    pub threats_carried_out: u32,
    /// People handed over in mass transfers, by week (ring indexed by week).
    pub transfers_by_week: [f64; HISTORY_WEEKS],
    /// Concession points given, by week (ring indexed by week).
    pub concessions_by_week: [f64; HISTORY_WEEKS],
}

/// The whole state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// Weeks completed.
    pub week: u32,
    /// The two governments, in scenario order.
    pub actors: Pair<ActorState>,
    /// Cooperation ladder rung, 0–4.
    pub cooperation_level: u8,
    /// Mutual trust, 0–1.
    pub trust: f64,
    /// Week a formal agreement was signed.
    pub agreement_week: Option<u32>,
    /// Open proposal to sign: proposer and the week it expires.
    pub proposal: Option<(usize, u32)>,
    /// Open truce proposal: proposer and the week it expires.
    pub truce_proposal: Option<(usize, u32)>,
    /// The truce in force.
    pub truce: Option<Truce>,
    /// Week the first truce was agreed.
    pub first_truce_week: Option<u32>,
    /// Truces agreed.
    pub truces_agreed: u32,
    /// Truce extensions.
    pub truce_extensions: u32,
    /// Truces that lapsed (snap-back to the earlier rates).
    pub truce_lapses: u32,
    /// Truces broken by a hostile trade move.
    pub truce_breaks: u32,
    /// Cumulative lost bilateral imports (both directions) vs no tariffs, USD bn.
    pub trade_loss_usd_bn: f64,
}

impl ActorState {
    fn initial(init: &InitialActor, params: &super::params::ActorParams) -> Self {
        let threat = (init.threat_rate_pct > 0.0).then(|| Threat {
            rate_pct: init.threat_rate_pct,
            deadline_week: init.threat_deadline_weeks.round() as u32,
            received_at_issue: 0.0,
            extensions: 0,
        });
        ActorState {
            tariff_pct: init.tariff_pct,
            tariff_cap_pct: params.max_tariff_pct,
            exemption_granted: init.exemption_granted >= 0.5,
            exempt_share: init.exempt_share,
            threat,
            forces_k: init.forces_k,
            interdiction_level: init.interdiction_level.round(),
            migration_enforcement: init.migration_enforcement,
            approval_pct: init.approval_pct,
            demand: init.demand,
            concessions_received: init.concessions_received,
            received_total: 0.0,
            transfer_pool: init.transfer_pool,
            handed_over: 0.0,
            transfer_batches: 0,
            transferred_recent: 0.0,
            last_concession_week: None,
            belief_carried: params.belief_prior_carried,
            belief_not_carried: params.belief_prior_not_carried,
            adaptation: init.enforcement_adaptation,
            flow_noise: 0.0,
            flow_index: 100.0,
            trade_gap_log: 0.0,
            trade_index: 100.0,
            legal_loss: false,
            retaliated_ever: false,
            provocation: 0.0,
            last_hostile_week: None,
            export_controls: init.export_controls >= 0.5,
            relief_moves: 0,
            max_tariff_pct: init.tariff_pct,
            struck_ever: false,
            last_strike_week: None,
            unanswered_strike_week: None,
            threats_issued: u32::from(threat.is_some()),
            threats_carried_out: 0,
            transfers_by_week: [0.0; HISTORY_WEEKS],
            concessions_by_week: [0.0; HISTORY_WEEKS],
        }
    }

    /// Trade-weighted tariff actually paid on the other's goods, %.
    pub fn effective_tariff_pct(&self) -> f64 {
        self.tariff_pct * (1.0 - self.exempt_share)
    }

    /// Dissatisfaction with the other side: 0 when the decayed stock of its
    /// concessions meets the demand, 1 when nothing was received.
    pub fn dissatisfaction(&self) -> f64 {
        if self.demand > 0.0 {
            (1.0 - self.concessions_received / self.demand).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Belief that the other side carries out its threats (Beta mean).
    pub fn belief(&self) -> f64 {
        self.belief_carried / (self.belief_carried + self.belief_not_carried)
    }
}

impl State {
    /// The state at the start date.
    pub fn initial(params: &ModelParams) -> Self {
        let InitialWorld {
            cooperation_level,
            trust,
            ..
        } = params.initial_world;
        State {
            week: 0,
            actors: [
                ActorState::initial(&params.initial_actors[0], &params.actors[0]),
                ActorState::initial(&params.initial_actors[1], &params.actors[1]),
            ],
            cooperation_level: cooperation_level.round().clamp(0.0, 4.0) as u8,
            trust,
            agreement_week: None,
            proposal: None,
            truce_proposal: None,
            truce: initial_truce(params),
            first_truce_week: None,
            truces_agreed: 0,
            truce_extensions: 0,
            truce_lapses: 0,
            truce_breaks: 0,
            trade_loss_usd_bn: 0.0,
        }
    }

    /// Whether a truce is in force.
    pub fn truce_active(&self) -> bool {
        self.truce.is_some()
    }

    /// Whether a formal agreement has been signed at any time.
    pub fn agreement_signed_ever(&self) -> bool {
        self.agreement_week.is_some()
    }
}

/// A truce in force at the start date (`initial.truce_weeks_left` > 0): its
/// snap-back levels are each side's `initial.<id>.snap_back_tariff_pct`.
fn initial_truce(params: &ModelParams) -> Option<Truce> {
    let weeks = params.initial_world.truce_weeks_left.round();
    (weeks > 0.0).then(|| {
        let [a, b] = &params.initial_actors;
        Truce {
            expires_week: weeks as u32,
            snap_back_pct: [a.snap_back_tariff_pct, b.snap_back_tariff_pct],
            snap_back_exempt: [a.exempt_share, b.exempt_share],
        }
    })
}
