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
    /// Raise the tariff in answer to a counter-tariff.
    Raise,
    /// Cut the tariff by a step.
    Cut,
    /// Exempt a share of the other's goods (a trade-agreement exemption).
    Exempt,
    /// Set a counter-tariff on the other's goods.
    Retaliate,
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
    pub const ALL: [Action; 17] = [
        Action::Hold,
        Action::Threaten,
        Action::Extend,
        Action::Impose,
        Action::Raise,
        Action::Cut,
        Action::Exempt,
        Action::Retaliate,
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
    /// other's concession stock, ratchets its demand, costs approval under pressure).
    pub fn is_concession(self) -> bool {
        matches!(
            self,
            Action::Transfer
                | Action::Deploy
                | Action::Interdict
                | Action::CooperateUp
                | Action::TightenMigration
        )
    }
}
