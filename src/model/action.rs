//! The action vocabulary, the same for both governments.

/// One weekly move of a government. `Hold` is always feasible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Do nothing new (at one's own deadline: let the threat lapse).
    Hold,
    /// Announce a tariff rate with a deadline.
    Threaten,
    /// At one's deadline: pause or extend the threat.
    Extend,
    /// At one's deadline: carry the threat out.
    Impose,
    /// Raise the tariff by a step in answer to a counter-tariff.
    Raise,
    /// Cut the tariff by a step (to zero: lift it).
    Cut,
    /// Exempt a share of the other's goods (a trade-agreement exemption, or
    /// narrowing a counter-tariff's list).
    Exempt,
    /// Set a first counter-tariff on a share of the other's goods.
    Retaliate,
    /// Mirror the other's headline rate and coverage in one move.
    Match,
    /// Propose a truce: both sides cut to agreed rates for a period.
    ProposeTruce,
    /// Accept the other's truce proposal: both rates fall at once.
    AcceptTruce,
    /// In a truce's last week: extend it for another period.
    ExtendTruce,
    /// Restrict strategic exports to the other side (export controls).
    RestrictExports,
    /// Lift one's export controls.
    LiftExportControls,
    /// Hand over a batch of detainees.
    Transfer,
    /// Deploy a contingent of forces to the shared border.
    Deploy,
    /// Step up interdiction of outbound illicit flows (drugs, arms).
    Interdict,
    /// Climb a rung of the cooperation ladder (at rung 3: propose or sign an agreement).
    CooperateUp,
    /// Step down a rung of the cooperation ladder.
    CooperateDown,
    /// Unilateral action on the other's territory.
    Strike,
    /// Public sovereignty stand after a strike on one's soil (suspends a rung).
    SovereigntyStand,
    /// Tighten enforcement on migration flows towards the other side.
    TightenMigration,
    /// Loosen enforcement on migration flows, as leverage.
    LoosenMigration,
}

impl Action {
    /// Every action, in a fixed order (the order feasible sets are built in).
    pub const ALL: [Action; 23] = [
        Action::Hold,
        Action::Threaten,
        Action::Extend,
        Action::Impose,
        Action::Raise,
        Action::Cut,
        Action::Exempt,
        Action::Retaliate,
        Action::Match,
        Action::ProposeTruce,
        Action::AcceptTruce,
        Action::ExtendTruce,
        Action::RestrictExports,
        Action::LiftExportControls,
        Action::Transfer,
        Action::Deploy,
        Action::Interdict,
        Action::CooperateUp,
        Action::CooperateDown,
        Action::Strike,
        Action::SovereigntyStand,
        Action::TightenMigration,
        Action::LoosenMigration,
    ];

    /// Name used in traces and docs.
    pub fn name(self) -> &'static str {
        match self {
            Action::Hold => "hold",
            Action::Threaten => "threaten_tariff",
            Action::Extend => "extend_deadline",
            Action::Impose => "impose_tariff",
            Action::Raise => "raise_tariff",
            Action::Cut => "cut_tariff",
            Action::Exempt => "exempt_share",
            Action::Retaliate => "retaliate",
            Action::Match => "match_tariff",
            Action::ProposeTruce => "propose_truce",
            Action::AcceptTruce => "accept_truce",
            Action::ExtendTruce => "extend_truce",
            Action::RestrictExports => "restrict_exports",
            Action::LiftExportControls => "lift_export_controls",
            Action::Transfer => "transfer_batch",
            Action::Deploy => "deploy_forces",
            Action::Interdict => "step_up_interdiction",
            Action::CooperateUp => "cooperation_up",
            Action::CooperateDown => "cooperation_down",
            Action::Strike => "strike",
            Action::SovereigntyStand => "sovereignty_stand",
            Action::TightenMigration => "tighten_migration",
            Action::LoosenMigration => "loosen_migration",
        }
    }

    /// Whether the action is a visible concession to the other side (feeds the
    /// other's concession stock, ratchets its demand, costs approval under
    /// pressure): the security concessions, and tariff relief (reciprocity in
    /// trade). A truce is relief both ways and is booked for both sides.
    pub fn is_concession(self) -> bool {
        self.is_security_concession() || self.is_trade_relief()
    }

    /// Transfers, deployments, interdiction, cooperation, migration enforcement.
    pub fn is_security_concession(self) -> bool {
        matches!(
            self,
            Action::Transfer
                | Action::Deploy
                | Action::Interdict
                | Action::CooperateUp
                | Action::TightenMigration
        )
    }

    /// Cuts, exemptions and lifted export controls: relief of the other's trade.
    pub fn is_trade_relief(self) -> bool {
        matches!(
            self,
            Action::Cut | Action::Exempt | Action::LiftExportControls
        )
    }

    /// Hostile trade moves: they add to the provocation the other side feels
    /// and break a truce in force.
    pub fn is_trade_hostility(self) -> bool {
        matches!(
            self,
            Action::Impose
                | Action::Raise
                | Action::Retaliate
                | Action::Match
                | Action::RestrictExports
        )
    }

    /// The moves open in a same-week reaction to the other's tariff step.
    pub fn is_reaction(self) -> bool {
        matches!(
            self,
            Action::Hold
                | Action::Retaliate
                | Action::Match
                | Action::Raise
                | Action::RestrictExports
        )
    }
}
