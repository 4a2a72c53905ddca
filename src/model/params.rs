//! Every number the model uses, declared once.
//!
//! Each parameter is declared with its unit, allowed range and a one-line
//! meaning. The declaration generates the typed struct the model reads
//! (`ActorParams`, `WorldParams`, …) and the [`ParamSpec`] table the
//! scenario parser validates against, so a parameter cannot exist in the
//! model without also being known to the scenario format and the docs.
//! docs/MODEL.md explains each mechanism and where each value comes from;
//! a test checks that every parameter declared here is named there.

use super::state::Pair;

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
    /// Where its value comes from, or the reason for it.
    pub source: &'static str,
    /// Value taken when a scenario leaves the key out: only mechanisms added
    /// after the first scenarios were written have one, and it is the value
    /// that switches the mechanism off, so older files keep their meaning.
    pub default: Option<f64>,
}

macro_rules! param_struct {
    (@default) => { None };
    (@default $def:expr) => { Some($def) };
    (
        $(#[$meta:meta])*
        $name:ident, $specs:ident {
            $( $field:ident : $unit:literal, $min:expr, $max:expr, $doc:literal, $source:literal $(, default = $def:expr)?; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name {
            $( #[doc = $doc] pub $field: f64, )+
        }

        /// Specs of every field of the struct, in declaration order.
        pub const $specs: &[ParamSpec] = &[
            $( ParamSpec { key: stringify!($field), unit: $unit, min: $min, max: $max, doc: $doc, source: $source, default: param_struct!(@default $($def)?) }, )+
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
        rationality: "1/utility", 0.0, 100.0, "Logit precision of the weekly choice: 0 picks uniformly among feasible actions, large values always pick the best.", "Calibrated on the Feb-Aug 2025 record: US decisions noisy (a dozen announcements, last-minute reversals), Mexico's deliberate; McKelvey & Palfrey (1995) logit QRE.";
        // --- coercion
        hawkishness: "utility", 0.0, 20.0, "Weight on coercive moves (threaten, impose) per unit of dissatisfaction with the other side.", "Calibrated so threats recur when concessions fade (two Mexico-wide threats Feb-Aug 2025); article: 'his winning strategy has been to get what he wants with the threat of tariffs'.";
        demand_anchor: "concession points", 0.0, 10000.0, "Level the demand on the other side relaxes to when no concessions ratchet it up: the decayed stock of visible concessions that would fully satisfy this government.", "Scale of the concession stock: Feb 2025 demand ~ two big concessions (troops 20 + transfer 29 points); set so one deployment leaves the US dissatisfied (regularity 11).";
        demand_relaxation_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap between the demand and its anchor closed (attention moves on).", "Reason: without a decay, demand grows without bound over a two-year horizon; ~35-week half-life keeps attention spans of months.";
        demand_ratchet: "fraction", 0.0, 2.0, "Share of each visible concession by the other side that is added to the demand (\"never enough\"): 1 keeps satisfaction from ever rising for long.", "Record regularity 11 ('it never seems to be enough', Shifter in the article); 0.2-0.6 of each concession is pocketed.";
        concession_half_life_weeks: "weeks", 1.0, 520.0, "Half-life of the other side's concessions in this government's memory (\"what have you done lately\").", "Reason: a transfer buys months, not years (29 in Feb, asked again by Jul); triangular 8-20 weeks.";
        threat_cost: "utility", 0.0, 20.0, "Cost of issuing a public tariff threat (diplomatic friction, market jitters).", "Calibrated with hawkishness: ~2 Mexico-wide threats in 7 months (Feb 1, Jul 12).";
        first_tariff_pct: "%", 0.0, 200.0, "Headline rate of a threat when no tariff is in force.", "Record: 25% announced Feb 1, 2025.";
        escalation_step_pct: "percentage points", 0.0, 100.0, "Increase over the current headline rate that a new threat announces when a tariff is already in force.", "Record: Jul 12 letter, 25% to 30%; Canada 25% to 35%.";
        max_tariff_pct: "%", 0.0, 200.0, "Highest headline tariff this government will threaten or set.", "Reason: no threat above 50% against a USMCA partner in 2025 (steel went to 50%).";
        threat_deadline_weeks: "weeks", 0.0, 52.0, "Time from a threat to its deadline.", "Record: Feb 4 (this week); ~Oct 29 (8 weeks after Sep 3).";
        extension_weeks: "weeks", 1.0, 52.0, "Length of a pause or extension granted at a deadline.", "Record: 30-day pause (Feb 3), 90-day extension (Jul 31): triangular 4, 8, 13 weeks.";
        impose_weight: "utility", 0.0, 20.0, "Weight on carrying out a threat at its deadline, per unit of dissatisfaction.", "Weight of the coercive gain of imposing; one of three US deadlines was carried out (record regularity 3). US values: `bilateral calibrate` on the Feb-Aug 2025 record with regularities 1, 3-7 required (docs/MODEL.md, section 13); the forecast draws from the range of values that fit within 25% of the best.";
        credibility_weight: "utility", 0.0, 20.0, "Value of carrying out a threat to restore credibility, per unit of the other side's doubt (1 - belief).", "Reason: repeated pauses erode credibility (Fearon 1995 on audience costs and signalling). US values: `bilateral calibrate` on the Feb-Aug 2025 record with regularities 1, 3-7 required (docs/MODEL.md, section 13); the forecast draws from the range of values that fit within 25% of the best.";
        extension_value: "utility", 0.0, 20.0, "Value of pausing at a deadline per unit of concessions received since the threat (relative to the demand).", "The first threat was paused for troops (regularity 1); the 30% was extended (regularity 7). US values: `bilateral calibrate` on the Feb-Aug 2025 record with regularities 1, 3-7 required (docs/MODEL.md, section 13); the forecast draws from the range of values that fit within 25% of the best.";
        audience_cost: "utility", 0.0, 20.0, "Cost of letting a public threat lapse with neither imposition nor a face-saving extension.", "Fearon (1995): backing down from a public threat is costly; calibrated so threats are extended rather than dropped.";
        audience_cost_approval_pts: "approval points", 0.0, 20.0, "Approval lost at home when a public threat lapses.", "Reason: small for a leader whose base rewards toughness; 1 point.";
        econ_weight: "utility per pp", 0.0, 10.0, "Cost per percentage point of trade-weighted tariff between the two (own tariff on imports and the other's on exports).", "Reason: scaled so a 25-point tariff on all goods costs the US about one unit of utility and Mexico (80% of exports to the US) about twice that.";
        cut_step_pct: "percentage points", 0.0, 100.0, "Size of a tariff cut.", "Reason: cuts in 5-point steps, like the escalation steps.";
        relief_weight: "utility", 0.0, 20.0, "Value of cutting the tariff per unit of satisfaction (1 - dissatisfaction).", "Calibrated: the tariff stays in place for months (regularity 6); raised by the relief_for_transfers lever.";
        exemption_value: "utility", -20.0, 20.0, "Bias for granting a trade-agreement exemption once a tariff is in force, on top of its economic relief.", "Record: USMCA exemption granted two days after imposition (regularity 4).";
        exemption_initial_share: "share", 0.0, 1.0, "Share of the other's goods exempt as soon as an exemption is granted.", "Record: about half of US imports from Mexico were USMCA-compliant at the time.";
        exemption_max_share: "share", 0.0, 1.0, "Share of the other's goods that will eventually claim the exemption.", "Record: the claimed share rose over the following months; effective tariff in the low single digits implies ~0.85-0.9.";
        exemption_uptake_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap to the maximum share closed as importers file paperwork.", "Calibrated: from 0.5 in March to ~0.85 by September 2025.";
        retaliation_rate_pct: "%", 0.0, 200.0, "Counter-tariff set when retaliating.", "Record: Mexico's prepared plan B; Canada retaliated with 25%.";
        retaliation_bias: "utility", -50.0, 20.0, "Intrinsic taste for retaliation (pride, domestic demand), before costs.", "Record regularity 5: Mexico never retaliated (Mar 9 rally announced no retaliation); uncertain -1 to 1.5.";
        escalation_fear: "utility", 0.0, 20.0, "Expected cost of the other side's counter-escalation after retaliation, per unit of belief that it carries out threats.", "Record: Canada retaliated and was escalated against; the Jul 12 letter warned counter-tariffs would be added on top.";
        counter_escalation_value: "utility", -20.0, 20.0, "Value of raising the tariff after the other side retaliated (\"added on top\").", "Record: Jul 12 letter: any counter-tariff would be added on top.";
        // --- concessions
        responsiveness: "utility", 0.0, 50.0, "Weight on concessions per unit of pressure felt and per 20 concession points.", "Calibrated: concessions come within days of deadlines (troops Feb 3, transfer 5 days before Mar 4).";
        reciprocity: "utility", 0.0, 20.0, "Weight on answering the other side's recent concessions with one's own.", "Reason: tit-for-tat cooperation; the Sep 3 programme pairs Mexican steps with a US arms pledge.";
        approval_weight: "utility per approval point", 0.0, 5.0, "How much one point of domestic approval matters in the choice.", "Reason: Sheinbaum's 70-80% approval gives room but she guards it ('without subordination').";
        submission_approval_pts: "approval points", 0.0, 20.0, "Approval lost per 20 concession points made while under outside pressure (being seen to submit).", "Reason: concessions under pressure are read as submission; small because approval stayed high through 2025.";
        transfer_cost: "utility", 0.0, 50.0, "Cost of a mass transfer of detainees (legal and political friction).", "Two mass transfers in seven months. Mexico: `bilateral calibrate` on the Feb-Aug 2025 record (docs/MODEL.md, section 13), 3.95; the values fitting within 25% of the best span 3.4-4.4, so the forecast keeps the point value.";
        transfer_points_per_person: "concession points", 0.0, 10.0, "Visible concession value of one person handed over in a batch.", "Definition: the unit of concession points.";
        transfer_pool_inflow_per_week: "people/week", 0.0, 100.0, "Rate at which new transferable detainees accumulate (arrests of wanted figures).", "Record: 29 transferred Feb 27, 26 more by Aug 12: about 1 a week (0.8-1.6).";
        transfer_batch_mean: "people", 1.0, 1000.0, "Mean size of a discretionary mass transfer (lognormal).", "Record: batches of 29 and 26.";
        transfer_batch_sd: "people", 0.0, 1000.0, "Standard deviation of the batch size.", "Reason: the two batches differ by 3; sd 6 leaves room for larger ones.";
        transfer_min_batch: "people", 1.0, 1000.0, "Smallest pool that makes a mass transfer worth staging.", "Reason: a mass transfer is staged only when it is large enough to be seen.";
        formal_extraditions_per_year: "people/year", 0.0, 1000.0, "Background rate of ordinary formal extraditions to the other side (Poisson).", "Record: ordinary formal extraditions run at roughly 50-65 people a year.";
        deploy_cost: "utility", 0.0, 50.0, "Cost of deploying one more contingent of forces (upkeep, other duties).", "Calibrated: one deployment (Feb 3) and 'no plans to send more' (article).";
        deploy_points: "concession points", 0.0, 100.0, "Visible concession value of one contingent deployed.", "Reason: the 10,000-troop deployment bought a 30-day pause, worth about a mass transfer.";
        contingent_k: "thousand troops", 0.0, 100.0, "Size of one deployment contingent.", "Record: 10,000 National Guard troops.";
        max_forces_k: "thousand troops", 0.0, 500.0, "Most forces this government will keep deployed on the shared border.", "Reason: the Guard's other duties limit a border deployment to about twice the February one.";
        interdiction_cost: "utility", 0.0, 50.0, "Cost of stepping up interdiction of outbound illicit flows by one level.", "Calibrated with responsiveness: crackdowns are frequent but not weekly.";
        interdiction_points: "concession points", 0.0, 100.0, "Visible concession value of one interdiction step.", "Reason: half a mass transfer: visible in seizure statistics, less in headlines.";
        interdiction_fade_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the interdiction level lost as a campaign winds down unless renewed.", "Reason: crackdowns wind down unless renewed; ~70-week half-life.";
        migration_cost: "utility", 0.0, 50.0, "Cost of tightening migration enforcement by one step.", "Reason: enforcement is costly at home; Mexico already enforced heavily in 2024-25.";
        migration_points: "concession points", 0.0, 100.0, "Visible concession value of one step of tighter migration enforcement.", "Reason: migration is the other half of the US emergency declaration (Feb 1).";
        migration_leverage_value: "utility", -50.0, 20.0, "Value of loosening migration enforcement as leverage, per unit of pressure felt (negative: never used as leverage).", "Article: Mexico 'retains some leverage' on migration, 'a tool used before'; never used in 2025: -3 to 0.";
        // --- cooperation
        cooperation_value: "utility", 0.0, 20.0, "Value of one more rung of the cooperation ladder, scaled by trust.", "Reason: the ladder is valued ('the closest cooperation we have ever had', Rubio); scaled by trust.";
        cooperation_step_cost: "utility", 0.0, 50.0, "Cost of a rung of the ladder below a formal agreement (sovereignty sensitivities).", "Calibrated: rungs 1 to 3 climbed in seven months (regularity 8).";
        cooperation_points: "concession points", 0.0, 100.0, "Visible concession value of a cooperation step.", "Reason: a programme step is a visible deliverable, less than a transfer.";
        agreement_cost: "utility", 0.0, 50.0, "Cost of signing a formal agreement (legal procedure, ratification, sovereignty).", "Article: formal agreements need 'a different set of diplomatic and legal procedures'; 2020 law on foreign agents. Regularity 8: none signed.";
        // --- sovereignty and force
        strike_base_utility: "utility", -100.0, 20.0, "Value of unilateral action on the other's territory before any gain (very negative: a red line).", "Record regularity 9: no US action on Mexican soil in Feb-Aug 2025; the FTO designations (Feb 20) and the Sep 2 strike on a boat in the Caribbean make it thinkable in the forecast: uniform, a strike within two years in ~9% of runs (from near 0 to about 1 in 4 across the range), not fitted.";
        strike_weight: "utility", 0.0, 50.0, "Gain from a strike per unit of dissatisfaction times drug-flow index / 100.", "Reason: the case for unilateral action grows with dissatisfaction and drug flows.";
        sovereignty_stand_value: "utility", 0.0, 50.0, "Value of a public sovereignty stand (suspending a cooperation rung) after the other side acted on one's soil.", "Article: Sheinbaum rejects US troops; the 2020 law; 'without subordination'.";
        // --- domestic politics
        approval_baseline_pct: "%", 0.0, 100.0, "Level that approval reverts to without outside shocks.", "Record: approval drifted from 85 (Feb) to 74 (Aug); baseline uniform around the high 60s.";
        approval_reversion_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap to the baseline closed (erosion of a rally).", "Record: erosion of ~1.5-2 points a month from the rally peak.";
        approval_noise_sd: "approval points/week", 0.0, 10.0, "Standard deviation of weekly approval noise.", "Reason: monthly polls move ~1-2 points beyond the trend.";
        rally_threat_pts: "approval points", 0.0, 30.0, "Rally when the other side issues a threat against this government.", "Record: Jan 81 to Feb 85 after the Feb 1 announcement.";
        rally_tariff_pts: "approval points", 0.0, 30.0, "Rally when the other side imposes or raises a tariff on this government.", "Record: Mar 9 rally in Mexico City after the tariff took effect.";
        rally_strike_pts: "approval points", 0.0, 50.0, "Rally when the other side strikes on this government's soil.", "Reason: a strike on national soil would rally far more than a tariff.";
        // --- beliefs
        belief_prior_carried: "pseudo-count", 0.01, 1000.0, "Prior pseudo-count of the other side's threats carried out (Beta a).", "Reason: uninformative Beta(1,1) in February 2025 (2019 migration-tariff threat not carried out); updated to Beta(2,3) by September (1 of 3 deadlines).";
        belief_prior_not_carried: "pseudo-count", 0.01, 1000.0, "Prior pseudo-count of the other side's threats not carried out (Beta b).", "As belief_prior_carried.";
        // --- legal exposure of the tariff instrument
        legal_hazard_per_week: "1/week", 0.0, 1.0, "Weekly probability that courts strike down the legal basis of this government's tariffs.", "Public before 3 Sep 2025: emergency-powers tariffs ruled unlawful on appeal, 7-4 (29 Aug 2025), stayed pending the Supreme Court; in the forecast 1.2-2.5% a week over the 43 weeks to the end of the Court's term, a 40-66% chance (mean ~54%) of losing, near the even-to-favourable odds of the time; 0 in February.";
        legal_hazard_until_week: "week", 0.0, 5200.0, "Weeks from the scenario start during which a ruling can come; after them the legal question is settled and the hazard stops.", "Public before 3 Sep 2025: the government asked the Supreme Court on 3 Sep to hear the case on an expedited basis, so a ruling within the Court's term (by the end of June 2026, week 43 of the forecast) was expected; the February scenario has no hazard.";
        tariff_cap_after_legal_loss_pct: "%", 0.0, 200.0, "Highest tariff available under the remaining authorities once the legal basis is struck down.", "Reason: the general balance-of-payments tariff authority is capped at 15%.";
        // --- trade
        imports_usd_bn_per_year: "USD bn/year", 0.0, 100000.0, "Imports from the other side in the base year.", "Record: US imports from Mexico ~$500bn (2024), exports ~$335bn.";
        trade_trend_pct_per_year: "%/year", -50.0, 50.0, "Underlying growth of imports from the other side without tariffs.", "Reason: nominal growth of bilateral trade; 0-6% in the forecast.";
        import_elasticity_1y: "elasticity", -20.0, 0.0, "Import elasticity to the tariff factor (1 + t) after one year.", "Record: import elasticities near -0.8 in the first year.";
        import_elasticity_long: "elasticity", -20.0, 0.0, "Long-run import elasticity to the tariff factor.", "Record: -2 to -4 in the long run; -3.";
        // --- illicit flows out of this country
        flow_effect_per_contingent: "log points", 0.0, 5.0, "Reduction in log outbound illicit flow per contingent of forces deployed.", "Record: fentanyl seizures at the border about halved Jan-Aug 2025; split across troops, interdiction, cooperation.";
        flow_effect_per_interdiction: "log points", 0.0, 5.0, "Reduction in log outbound illicit flow per interdiction level.", "As flow_effect_per_contingent.";
        flow_effect_per_cooperation: "log points", 0.0, 5.0, "Reduction in log outbound illicit flow per rung of the cooperation ladder.", "As flow_effect_per_contingent; small: intelligence sharing acts slowly.";
        flow_effect_per_20_transferred: "log points", 0.0, 5.0, "Transient reduction in log outbound flow per 20 people transferred (decapitation), decaying with the adaptation rate.", "Reason: removing leaders disrupts networks for a while (decapitation), decaying with adaptation.";
        flow_adaptation_per_week: "1/week", 0.0, 1.0, "Weekly rate at which traffickers adapt to enforcement.", "Reason: traffickers re-route within about a year.";
        flow_adaptation_share: "share", 0.0, 1.0, "Share of the enforcement effect that adaptation eventually erodes.", "Reason: part of the enforcement effect is lasting (seized labs, arrested networks): 0.5-0.6 erodes.";
        flow_noise_sd: "log points/week", 0.0, 1.0, "Standard deviation of the weekly innovation of the flow noise (AR(1), persistence 0.9).", "Reason: monthly seizure statistics are noisy (~5-10%).";
        // --- the trade conflict (counter-tariffs, reciprocity, truces, export controls)
        threat_above_cap_pct: "percentage points", 0.0, 200.0, "How far above the tariff cap a threat may name a rate (imposing stops at the cap): with a positive margin a threat exists even at the cap.", "Reason: in the Feb-Aug 2025 records no threat named a rate above a cap reached (Mexico 30 < 50; Canada 35; China 145 was the cap reached and no threat followed before 3 Sep): 0 in every shipped scenario; a positive margin is a lever for what-ifs.", default = 0.0;
        retaliation_coverage_share: "share", 0.0, 1.0, "Share of the other's goods a first counter-tariff covers; its cost and its bite scale with it.", "Record: Canada's 25% on C$30bn then C$60bn of ~C$490bn of US goods (~0.06-0.12); China's Feb/Mar lists on ~$14bn and ~$35bn of $144bn (~0.1-0.25); Mexico's plan B list was never published: 1 keeps the first scenarios' meaning.", default = 1.0;
        rally_retaliation_pts: "approval points", 0.0, 30.0, "Approval gained at home by setting or matching a counter-tariff (standing up); enters the choice through approval_weight.", "Record: Canada's governing party came back from ~20 points behind to win on 28 Apr 2025 on a sovereignty campaign; 0 where no retaliation was ever tested (Mexico).", default = 0.0;
        tariff_reciprocity: "utility per unit of provocation", 0.0, 20.0, "Weight on answering the other's recent hostile trade moves in kind (reciprocity with noise): raises, matches, threats, impositions and export controls are worth this much more per unit of provocation felt; cuts are worth this much less.", "Record: China answered each US step within days (Feb 4, Mar 4, Apr 4, Apr 9, Apr 11); the 31 Jul order on Canada cites its retaliation. Axelrod (1984) on tit-for-tat. 0 switches reciprocity off.", default = 0.0;
        provocation_half_life_weeks: "weeks", 0.5, 520.0, "Half-life of the provocation felt from the other's hostile trade moves (a move answered weeks later is answered less).", "Record: China's answers came within hours to three days, Canada's within a week; a month's half-life keeps answers to recent moves.", default = 4.0;
        matching_bias: "utility", -50.0, 20.0, "Taste for exact matching: mirroring the other's headline rate and coverage in one move, on top of the escalation terms.", "Record: China switched to exact matching against the across-the-board reciprocal tariff (34, 84, 125); -50 switches the move off.", default = -50.0;
        relief_points_per_pp: "concession points per pp", 0.0, 10.0, "Concession points the other side receives per percentage point of trade-weighted tariff relief (a cut, an exemption, a truce, lifted export controls).", "Reason: relief is a concession in trade (reciprocity); 1 pp of trade-weighted relief is worth about one person transferred, so the Mar 6 USMCA exemption (12.5 pp) counts about half of a mass transfer.", default = 0.0;
        truce_value: "utility", -50.0, 20.0, "Value of a negotiated truce (mutual cuts to agreed rates for a period) before its economic relief; -50 switches truces off.", "Record: the US and China cut 115 points each at Geneva (12 May 2025) and extended twice; no truce with Mexico or Canada by 3 Sep 2025.", default = -50.0;
        truce_rate_pct: "%", 0.0, 200.0, "Headline rate this side keeps under a truce (it cuts to it, never raises to it).", "Record: Geneva: US 30% (fentanyl 20 + 10 baseline), China 10%.", default = 0.0;
        truce_weeks: "weeks", 1.0, 104.0, "Length of a truce this side proposes or extends.", "Record: 90 days (Geneva, May 12; extended Aug 11 to Nov 10): 13 weeks.", default = 13.0;
        truce_breach_cost: "utility", 0.0, 50.0, "Cost of breaking a truce in force with a hostile trade move (face, the talks lost).", "Reason: each side accused the other of breaching Geneva yet neither raised its tariff (late May-Jun 2025): breaking costs about as much as a lapsed threat.", default = 3.0;
        export_control_value: "utility", -50.0, 20.0, "Value of restricting strategic exports to the other side (rare earths, chips) before reciprocity; -50 switches the lever off.", "Record: China's export controls on five minerals (Feb 4) and seven rare earths (Apr 4), answering US tariff steps.", default = -50.0;
        export_control_pressure: "tariff-equivalent units", 0.0, 10.0, "Pressure an export restriction puts on the other side, in units of a 25% tariff on all its goods.", "Record: rare-earth licences became China's main lever and were traded at London against US export-control relief (Jun 2025): judgement 0.5-2; 0 where a side has no such lever.", default = 0.0;
    }
}

param_struct! {
    /// Dynamics shared by both sides.
    WorldParams, WORLD_SPECS {
        deadline_urgency_weeks: "weeks", 0.01, 52.0, "Scale of the rise in concession hazard as a deadline nears: urgency = exp(-weeks left / scale).", "Record regularity 2: concessions in the last days before deadlines (Feb 3 for Feb 4; Feb 27 for Mar 4). `bilateral calibrate` on the Feb-Aug 2025 record (docs/MODEL.md, section 13); the forecast draws from the range that fits within 25% of the best.";
        trust_baseline: "0-1", 0.0, 1.0, "Level that trust drifts back to.", "Reason: working relationship with recurring friction.";
        trust_reversion_per_week: "1/week", 0.0, 1.0, "Weekly fraction of the gap to the trust baseline closed.", "Reason: trust is slow to rebuild: ~70-week half-life.";
        trust_threat_drop: "0-1", 0.0, 1.0, "Trust lost when a threat is issued.", "Reason: each public threat strains the relationship a little.";
        trust_tariff_drop: "0-1", 0.0, 1.0, "Trust lost when a tariff is imposed or raised, or a counter-tariff set.", "Reason: an imposed tariff strains it more than a threat.";
        trust_strike_drop: "0-1", 0.0, 1.0, "Trust lost at a unilateral strike on the other's soil.", "Reason: unilateral action is very costly to the relationship (sovereignty red line).";
        trust_reciprocity_gain: "0-1", 0.0, 1.0, "Trust gained when a concession answers one by the other side within the reciprocity window.", "Reason: reciprocated steps build trust (the Sep 3 'four pillars': reciprocity, mutual trust).";
        trust_cooperation_gain: "0-1", 0.0, 1.0, "Trust gained with each rung of cooperation climbed.", "Reason: each rung climbed builds some trust.";
        reciprocity_window_weeks: "weeks", 1.0, 104.0, "How recent the other side's concession must be for a move to count as reciprocation.", "Reason: a step answers another if within two months.";
        agreement_trust_threshold: "0-1", 0.0, 1.0, "Trust below which a formal agreement loses value (agreement value scales with trust minus this threshold).", "Reason: a formal agreement is sought only with high trust; the Sep 3 talks stopped short of one.";
        proposal_expiry_weeks: "weeks", 1.0, 52.0, "How long a proposal to sign a formal agreement stays open.", "Reason: an offer to sign stays on the table for about two months.";
        migration_step: "0-1", 0.0, 1.0, "Size of one step of migration enforcement.", "Reason: eight steps from none to full enforcement.";
        max_interdiction_level: "levels", 0.0, 10.0, "Highest interdiction level.", "Reason: bounds the drug-flow effect of interdiction.";
        strike_min_interval_weeks: "weeks", 1.0, 520.0, "Least time between two unilateral strikes by the same side.", "Reason: a strike on a partner's soil is an exceptional operation, at most twice a year.";
    }
}

param_struct! {
    /// Shared state at the start date.
    InitialWorld, INITIAL_WORLD_SPECS {
        cooperation_level: "rung 0-4", 0.0, 4.0, "Cooperation ladder: 0 none, 1 intelligence sharing, 2 joint training and operations, 3 implementation group, 4 signed agreement.", "Feb 2025: 1 (intelligence sharing); Sep 2025: 3 (programme with implementation group, article).";
        trust: "0-1", 0.0, 1.0, "Mutual trust.", "Reason: 0.4 in February; September: the end state of the calibrated February runs as a range (Mexico 0.55-0.67, Canada 0.40-0.50, China 0.10-0.14: their p25-p75).";
        truce_weeks_left: "weeks", 0.0, 104.0, "Weeks left of a truce in force at the start date (0: none).", "Record (China): the Geneva truce, extended on 11 Aug 2025 to 10 Nov 2025, ~10 weeks after 3 Sep 2025.", default = 0.0;
    }
}

param_struct! {
    /// One government's state at the start date.
    InitialActor, INITIAL_ACTOR_SPECS {
        tariff_pct: "%", 0.0, 200.0, "Headline tariff this government levies on the other's non-exempt goods.", "Record: 0 on Feb 1; 25% in force since Mar 4.";
        exemption_granted: "0/1", 0.0, 1.0, "Whether a trade-agreement exemption from this tariff has been granted.", "Record: USMCA exemption since Mar 6.";
        exempt_share: "share", 0.0, 1.0, "Share of the other's goods exempt from this tariff.", "Record: effective tariff in the low single digits by September: 0.85.";
        threat_rate_pct: "%", 0.0, 200.0, "Headline rate of a pending threat (0: no threat pending).", "Record: 25% pending on Feb 1; 30% pending (extended Jul 31) on Sep 3.";
        threat_deadline_weeks: "weeks", 0.0, 520.0, "Weeks from the start date to the pending threat's deadline (0: this week).", "Record: Feb 4 (this week); ~Oct 29 (8 weeks after Sep 3).";
        forces_k: "thousand troops", 0.0, 500.0, "Forces deployed on the shared border.", "Record: 10,000 Guard troops from Feb 3; US troops at its own border.";
        interdiction_level: "levels", 0.0, 10.0, "Interdiction of outbound illicit flows.", "Reason: Mexico's crackdown intensified through 2025 (1 in Feb, 3 in Sep).";
        migration_enforcement: "0-1", 0.0, 1.0, "Enforcement on migration flows towards the other side.", "Reason: high enforcement already in 2024-25.";
        approval_pct: "%", 0.0, 100.0, "Domestic approval of the government.", "Record (El Financiero): 84 in early Feb (rally included), 74 in August.";
        demand: "concession points", 0.0, 10000.0, "Current demand on the other side.", "US in September: the end state of the calibrated February runs as a range (their p25-p75: on Mexico 78-101, Canada 66-78, China 53-64); the other side: judgement, its demands (arms, sovereignty, tariffs lifted) are few.";
        concessions_received: "concession points", 0.0, 10000.0, "Decayed stock of concessions received from the other side.", "Reason: decayed stock of the August transfer and the programme.";
        transfer_pool: "people", 0.0, 10000.0, "Detainees available for a mass transfer to the other side.", "Record: 29 ready on Feb 27; ~4 after the Aug 12 transfer.";
        enforcement_adaptation: "log points", 0.0, 50.0, "Traffickers' adaptation already built up against this side's enforcement.", "Reason: none in February; some after six months of crackdown.";
        export_controls: "0/1", 0.0, 1.0, "Whether this government restricts strategic exports to the other at the start date.", "Record (China): export controls on minerals from Feb 4 and rare earths from Apr 4, 2025, under licensing on 3 Sep 2025.", default = 0.0;
        snap_back_tariff_pct: "%", 0.0, 200.0, "Headline rate this government returns to if a truce in force at the start lapses.", "Record (China): the 24 suspended points of the 34% reciprocal rate: US 54%, China 34%.", default = 0.0;
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
    pub actors: Pair<ActorParams>,
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
pub fn path_of(index: usize, ids: &Pair<String>) -> String {
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
