//! The batched week step: [`LANES`] runs of the same lever advanced week by
//! week together, their weekly choices and slow dynamics computed for all
//! lanes at once (issue 17).
//!
//! What is batched, and why only that: the weekly choice (what the chooser
//! sees, the utility of each of the 23 moves, its feasibility, the best
//! utility, the logit weights, their exponentials and the draw) is almost
//! half of a run's instructions and is straight-line arithmetic once
//! feasibility is a mask; the slow dynamics
//! (stocks, flows, trade) are straight-line arithmetic too; and the week's
//! shock draws (`draw_shocks_lanes`) are four lane draws of each stream
//! and the ziggurat's fast path, with a scalar redo for the rare lane that
//! needs the slow path. They run here one lane per run, four at a time.
//! The rest of a week (the shocks' effects, the chosen move's effects, the
//! rules, the reactions, the proposal expiries, the totals) stays the
//! scalar code of [`super::step`], run lane by lane through the same
//! [`RunInProgress`] as the scalar [`super::step::simulate`]: those parts
//! branch on the move made, draw a varying number of random numbers (batch
//! sizes) and report events, and batching them would mean a second copy of
//! the model's effects to keep in step with the first.
//!
//! Bit-identity: each lane is one run, with its own parameters and its own
//! random streams, advanced exactly as the scalar step advances it (the
//! same draws in the same order, so a run's story is the same in a batch
//! as alone). Every lane operation below is the scalar model's IEEE
//! operation on that lane, in the scalar's order (no reassociation, no
//! FMA), an infeasible move adds exactly +0.0 to a lane's total (which
//! leaves the bits of a positive sum as they are), and the exponential is
//! [`super::lanes`]'s, bit-identical to [`super::exp::exp`]. The unit tests
//! below and `engine`'s check batched against scalar runs on every shipped
//! scenario and lever, rules included, on every path this CPU runs.
//!
//! Instruction set: the batched run is compiled twice, with the lanes as
//! arrays (`ArrayLanes`, any CPU) and as AVX2 registers (`Avx2Lanes`),
//! and [`simulate_lanes`] runs the path it is given ([`LanePath::detect`]
//! picks at run time), so a plain `cargo build --release` gets AVX2 on a
//! CPU that has it. The engine steps batched only on AVX2: the array path
//! takes more instructions than the scalar step (`engine::Step::fastest`).

use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use rand::RngExt;

use super::action::Action;
use super::choice::{
    AGREEMENT_RUNGS, LADDER_TOP, POINTS_SCALE, PRESSURE_FOR_SUBMISSION, RATE_SCALE_PCT,
    snap_back_increase, threat_rate, truce_relief,
};
use super::dynamics::{WEEKS_PER_YEAR, WeekShocks, draw_shocks, expire_proposals_and_revert_trust};
use super::lanes::{LANES, LanePath, Lanes, XoshiroLanes, unit_f64};
use super::params::ModelParams;
use super::rules::Rule;
use super::state::{Pair, State, other};
use super::step::{DynamicsRngs, Observer, RunInProgress, RunTotals};
use super::ziggurat::standard_normal_fast_path;

/// A move's feasibility and, if it is feasible in some lane, its utility
/// (`S::from(0.0)` otherwise): a move no lane can make costs its mask only.
macro_rules! only_if {
    ($feasible:expr, $utility:expr) => {{
        let feasible = $feasible;
        if feasible.any() {
            (feasible, $utility)
        } else {
            (feasible, S::from(0.0))
        }
    }};
}

/// Four values, one expression per lane, without a closure (see
/// `weekly_utilities` on why no closures).
macro_rules! per_lane {
    (|$l:ident| $e:expr) => {{
        const _: () = assert!(LANES == 4, "per_lane! writes out four lanes");
        [
            {
                let $l = 0;
                $e
            },
            {
                let $l = 1;
                $e
            },
            {
                let $l = 2;
                $e
            },
            {
                let $l = 3;
                $e
            },
        ]
    }};
}

/// Four `f64` lanes with the scalar model's IEEE operations lane by lane:
/// the arithmetic of the batched choice, compiled once per instruction set
/// ([`ArrayLanes`] for any CPU, [`Avx2Lanes`] for AVX2 ones).
///
/// Bit-identity with the scalar code: `+ - * /`, negation, comparisons
/// and selects are exact lane by lane in every implementation. `min` and
/// `max` follow the scalar's compiled `f64::min`/`max` (the other operand
/// when the first is NaN); `min_c`/`max_c` take a constant second
/// operand, as LLVM compiles `x.min(1.0)`, and differ from `min`/`max` only
/// in the sign of an exactly tied zero.
trait Simd:
    Copy
    + Add<Output = Self>
    + Add<f64, Output = Self>
    + Sub<Output = Self>
    + Sub<f64, Output = Self>
    + Mul<Output = Self>
    + Mul<f64, Output = Self>
    + Div<Output = Self>
    + Div<f64, Output = Self>
    + Neg<Output = Self>
    + From<f64>
{
    /// One yes/no per lane.
    type Mask: LaneMask<Lanes = Self>;
    /// From four values.
    fn from_lanes(x: Lanes) -> Self;
    /// The four values.
    fn to_lanes(self) -> Lanes;
    /// `<` lane by lane (false for NaN).
    fn lt(self, rhs: impl Into<Self>) -> Self::Mask;
    /// `<=` lane by lane.
    fn le(self, rhs: impl Into<Self>) -> Self::Mask;
    /// `>` lane by lane.
    fn gt(self, rhs: impl Into<Self>) -> Self::Mask;
    /// `>=` lane by lane.
    fn ge(self, rhs: impl Into<Self>) -> Self::Mask;
    /// `==` lane by lane.
    fn eq(self, rhs: impl Into<Self>) -> Self::Mask;
    /// `f64::min` lane by lane.
    fn min(self, rhs: Self) -> Self;
    /// `f64::max` lane by lane.
    fn max(self, rhs: Self) -> Self;
    /// `x.min(c)` for a constant `c`.
    fn min_c(self, c: f64) -> Self;
    /// `x.max(c)` for a constant `c`.
    fn max_c(self, c: f64) -> Self;
    /// [`super::exp::exp`] lane by lane.
    fn exp(self) -> Self;
    /// The next `N` numbers (`next_u64`) of each lane's generator, in order.
    fn xoshiro_draws<const N: usize>(generators: &mut XoshiroLanes) -> [[u64; LANES]; N];
}

/// One yes/no per lane, of the lanes type `Lanes`.
trait LaneMask: Copy + BitAnd<Output = Self> + BitOr<Output = Self> + Not<Output = Self> {
    /// The lanes it selects between.
    type Lanes: Simd<Mask = Self>;
    /// From four mask words (all ones or all zeros, [`word`]).
    fn from_words(words: [u64; LANES]) -> Self;
    /// `yes` where the mask is set, `no` elsewhere (bit for bit).
    fn select(self, yes: impl Into<Self::Lanes>, no: impl Into<Self::Lanes>) -> Self::Lanes;
    /// Whether any lane is set.
    fn any(self) -> bool;
    /// Whether lane `l` is set.
    fn lane(self, l: usize) -> bool;
    /// Bit `l` set where lane `l` is.
    fn bits(self) -> u32;
}

/// A lane's mask word for `b`: all ones or all zeros, the form a vector
/// comparison yields and a blend takes.
#[inline(always)]
const fn word(b: bool) -> u64 {
    0u64.wrapping_sub(b as u64)
}

/// Lanes as an array, each operation a loop of four scalar ones: the
/// portable implementation (LLVM vectorises it as the target allows).
#[derive(Debug, Clone, Copy, PartialEq)]
struct ArrayLanes(Lanes);

/// The mask of [`ArrayLanes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ArrayMask([u64; LANES]);

macro_rules! array_op {
    ($trait:ident, $method:ident, $op:tt) => {
        impl $trait for ArrayLanes {
            type Output = ArrayLanes;
            #[inline(always)]
            fn $method(self, rhs: ArrayLanes) -> ArrayLanes {
                ArrayLanes(per_lane!(|l| self.0[l] $op rhs.0[l]))
            }
        }
        impl $trait<f64> for ArrayLanes {
            type Output = ArrayLanes;
            #[inline(always)]
            fn $method(self, rhs: f64) -> ArrayLanes {
                ArrayLanes(per_lane!(|l| self.0[l] $op rhs))
            }
        }
    };
}
array_op!(Add, add, +);
array_op!(Sub, sub, -);
array_op!(Mul, mul, *);
array_op!(Div, div, /);

impl Neg for ArrayLanes {
    type Output = ArrayLanes;
    #[inline(always)]
    fn neg(self) -> ArrayLanes {
        ArrayLanes(per_lane!(|l| {
            let x = self.0[l];
            -x
        }))
    }
}

impl From<f64> for ArrayLanes {
    #[inline(always)]
    fn from(x: f64) -> ArrayLanes {
        ArrayLanes([x; LANES])
    }
}

macro_rules! array_cmp {
    ($($method:ident $op:tt),*) => {$(
        #[inline(always)]
        fn $method(self, rhs: impl Into<ArrayLanes>) -> ArrayMask {
            let rhs = rhs.into();
            ArrayMask(per_lane!(|l| word(self.0[l] $op rhs.0[l])))
        }
    )*};
}

impl Simd for ArrayLanes {
    type Mask = ArrayMask;
    #[inline(always)]
    fn from_lanes(x: Lanes) -> ArrayLanes {
        ArrayLanes(x)
    }
    #[inline(always)]
    fn to_lanes(self) -> Lanes {
        self.0
    }
    array_cmp!(lt <, le <=, gt >, ge >=, eq ==);
    #[inline(always)]
    fn min(self, rhs: ArrayLanes) -> ArrayLanes {
        ArrayLanes(per_lane!(|l| self.0[l].min(rhs.0[l])))
    }
    #[inline(always)]
    fn max(self, rhs: ArrayLanes) -> ArrayLanes {
        ArrayLanes(per_lane!(|l| self.0[l].max(rhs.0[l])))
    }
    #[inline(always)]
    fn min_c(self, c: f64) -> ArrayLanes {
        ArrayLanes(per_lane!(|l| self.0[l].min(c)))
    }
    #[inline(always)]
    fn max_c(self, c: f64) -> ArrayLanes {
        ArrayLanes(per_lane!(|l| self.0[l].max(c)))
    }
    #[inline(always)]
    fn exp(self) -> ArrayLanes {
        ArrayLanes(super::lanes::exp_lanes(self.0))
    }
    #[inline(always)]
    fn xoshiro_draws<const N: usize>(generators: &mut XoshiroLanes) -> [[u64; LANES]; N] {
        let mut draws = [[0; LANES]; N];
        for draw in &mut draws {
            *draw = generators.next_u64();
        }
        draws
    }
}

impl BitAnd for ArrayMask {
    type Output = ArrayMask;
    #[inline(always)]
    fn bitand(self, rhs: ArrayMask) -> ArrayMask {
        ArrayMask(per_lane!(|l| self.0[l] & rhs.0[l]))
    }
}

impl BitOr for ArrayMask {
    type Output = ArrayMask;
    #[inline(always)]
    fn bitor(self, rhs: ArrayMask) -> ArrayMask {
        ArrayMask(per_lane!(|l| self.0[l] | rhs.0[l]))
    }
}

impl Not for ArrayMask {
    type Output = ArrayMask;
    #[inline(always)]
    fn not(self) -> ArrayMask {
        ArrayMask(per_lane!(|l| {
            let b = self.0[l];
            !b
        }))
    }
}

impl LaneMask for ArrayMask {
    type Lanes = ArrayLanes;
    #[inline(always)]
    fn from_words(words: [u64; LANES]) -> ArrayMask {
        ArrayMask(words)
    }
    #[inline(always)]
    fn select(self, yes: impl Into<ArrayLanes>, no: impl Into<ArrayLanes>) -> ArrayLanes {
        let (yes, no) = (yes.into(), no.into());
        ArrayLanes(per_lane!(|l| {
            f64::from_bits((yes.0[l].to_bits() & self.0[l]) | (no.0[l].to_bits() & !self.0[l]))
        }))
    }
    #[inline(always)]
    fn any(self) -> bool {
        self.0.iter().fold(0, |acc, &m| acc | m) != 0
    }
    #[inline(always)]
    fn lane(self, l: usize) -> bool {
        self.0[l] != 0
    }
    #[inline(always)]
    fn bits(self) -> u32 {
        let mut bits = 0;
        for l in 0..LANES {
            bits |= u32::from(self.0[l] != 0) << l;
        }
        bits
    }
}

#[cfg(target_arch = "x86_64")]
use avx2::Avx2Lanes;

/// Lanes in one AVX2 register.
///
/// Every operation is one AVX instruction (min and max three, as LLVM
/// compiles the scalar's). The intrinsics are `unsafe` to call from code
/// not compiled with AVX; these types are used only inside
/// `simulate_lanes_avx2`, which is, and which runs only on a CPU with AVX2
/// ([`simulate_lanes`] checks), so each `unsafe` block below is sound.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;
    use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

    use super::{LANES, LaneMask, Lanes, Simd, XoshiroLanes};

    /// Four lanes in a `__m256d`.
    #[derive(Debug, Clone, Copy)]
    pub struct Avx2Lanes(__m256d);

    /// The mask of [`Avx2Lanes`]: all ones or all zeros per lane.
    #[derive(Debug, Clone, Copy)]
    pub struct Avx2Mask(__m256d);

    macro_rules! avx_op {
        ($trait:ident, $method:ident, $intrinsic:ident) => {
            impl $trait for Avx2Lanes {
                type Output = Avx2Lanes;
                #[inline(always)]
                fn $method(self, rhs: Avx2Lanes) -> Avx2Lanes {
                    Avx2Lanes(unsafe { $intrinsic(self.0, rhs.0) })
                }
            }
            impl $trait<f64> for Avx2Lanes {
                type Output = Avx2Lanes;
                #[inline(always)]
                fn $method(self, rhs: f64) -> Avx2Lanes {
                    Avx2Lanes(unsafe { $intrinsic(self.0, _mm256_set1_pd(rhs)) })
                }
            }
        };
    }
    avx_op!(Add, add, _mm256_add_pd);
    avx_op!(Sub, sub, _mm256_sub_pd);
    avx_op!(Mul, mul, _mm256_mul_pd);
    avx_op!(Div, div, _mm256_div_pd);

    impl Neg for Avx2Lanes {
        type Output = Avx2Lanes;
        #[inline(always)]
        fn neg(self) -> Avx2Lanes {
            // Flipping the sign bit, as the scalar's negation compiles.
            Avx2Lanes(unsafe { _mm256_xor_pd(self.0, _mm256_set1_pd(-0.0)) })
        }
    }

    impl From<f64> for Avx2Lanes {
        #[inline(always)]
        fn from(x: f64) -> Avx2Lanes {
            Avx2Lanes(unsafe { _mm256_set1_pd(x) })
        }
    }

    macro_rules! avx_cmp {
        ($($method:ident $predicate:ident),*) => {$(
            #[inline(always)]
            fn $method(self, rhs: impl Into<Avx2Lanes>) -> Avx2Mask {
                // Ordered, quiet: false where either lane is NaN, as `<` is.
                Avx2Mask(unsafe { _mm256_cmp_pd::<$predicate>(self.0, rhs.into().0) })
            }
        )*};
    }

    impl Simd for Avx2Lanes {
        type Mask = Avx2Mask;
        #[inline(always)]
        fn from_lanes(x: Lanes) -> Avx2Lanes {
            Avx2Lanes(unsafe { _mm256_loadu_pd(x.as_ptr()) })
        }
        #[inline(always)]
        fn to_lanes(self) -> Lanes {
            let mut x = [0.0; LANES];
            unsafe { _mm256_storeu_pd(x.as_mut_ptr(), self.0) };
            x
        }
        avx_cmp!(lt _CMP_LT_OQ, le _CMP_LE_OQ, gt _CMP_GT_OQ, ge _CMP_GE_OQ, eq _CMP_EQ_OQ);
        #[inline(always)]
        fn min(self, rhs: Avx2Lanes) -> Avx2Lanes {
            // As LLVM compiles `a.min(b)`: minpd(b, a), and b where a is NaN.
            unsafe {
                let m = _mm256_min_pd(rhs.0, self.0);
                let nan = _mm256_cmp_pd::<_CMP_UNORD_Q>(self.0, self.0);
                Avx2Lanes(_mm256_blendv_pd(m, rhs.0, nan))
            }
        }
        #[inline(always)]
        fn max(self, rhs: Avx2Lanes) -> Avx2Lanes {
            unsafe {
                let m = _mm256_max_pd(rhs.0, self.0);
                let nan = _mm256_cmp_pd::<_CMP_UNORD_Q>(self.0, self.0);
                Avx2Lanes(_mm256_blendv_pd(m, rhs.0, nan))
            }
        }
        #[inline(always)]
        fn min_c(self, c: f64) -> Avx2Lanes {
            // A constant is not NaN: LLVM puts it second, minpd(x, c).
            Avx2Lanes(unsafe { _mm256_min_pd(self.0, _mm256_set1_pd(c)) })
        }
        #[inline(always)]
        fn max_c(self, c: f64) -> Avx2Lanes {
            Avx2Lanes(unsafe { _mm256_max_pd(self.0, _mm256_set1_pd(c)) })
        }
        #[inline(always)]
        fn exp(self) -> Avx2Lanes {
            Avx2Lanes::from_lanes(unsafe { super::super::lanes::exp_lanes_avx2(self.to_lanes()) })
        }
        #[inline(always)]
        fn xoshiro_draws<const N: usize>(generators: &mut XoshiroLanes) -> [[u64; LANES]; N] {
            // Xoshiro256++'s step on four lanes, the state in registers for
            // all N draws; AVX2 has no 64-bit rotate, so shifts and an or.
            macro_rules! rotate_left {
                ($x:expr, $k:literal, $rest:literal) => {
                    _mm256_or_si256(_mm256_slli_epi64::<$k>($x), _mm256_srli_epi64::<$rest>($x))
                };
            }
            let mut draws = [[0u64; LANES]; N];
            let words = &mut generators.s;
            // SAFETY: AVX2 is present (this impl only runs on the AVX2
            // path); each word row is four u64, one unaligned 256-bit
            // load or store.
            unsafe {
                let load = |w: &[u64; LANES]| _mm256_loadu_si256(w.as_ptr().cast());
                let (mut s0, mut s1, mut s2, mut s3) = (
                    load(&words[0]),
                    load(&words[1]),
                    load(&words[2]),
                    load(&words[3]),
                );
                for draw in &mut draws {
                    let sum = _mm256_add_epi64(s0, s3);
                    let out = _mm256_add_epi64(rotate_left!(sum, 23, 41), s0);
                    _mm256_storeu_si256(draw.as_mut_ptr().cast(), out);
                    let t = _mm256_slli_epi64::<17>(s1);
                    s2 = _mm256_xor_si256(s2, s0);
                    s3 = _mm256_xor_si256(s3, s1);
                    s1 = _mm256_xor_si256(s1, s2);
                    s0 = _mm256_xor_si256(s0, s3);
                    s2 = _mm256_xor_si256(s2, t);
                    s3 = rotate_left!(s3, 45, 19);
                }
                for (w, s) in words.iter_mut().zip([s0, s1, s2, s3]) {
                    _mm256_storeu_si256(w.as_mut_ptr().cast(), s);
                }
            }
            draws
        }
    }

    macro_rules! avx_mask_op {
        ($trait:ident, $method:ident, $intrinsic:ident) => {
            impl $trait for Avx2Mask {
                type Output = Avx2Mask;
                #[inline(always)]
                fn $method(self, rhs: Avx2Mask) -> Avx2Mask {
                    Avx2Mask(unsafe { $intrinsic(self.0, rhs.0) })
                }
            }
        };
    }
    avx_mask_op!(BitAnd, bitand, _mm256_and_pd);
    avx_mask_op!(BitOr, bitor, _mm256_or_pd);

    impl Not for Avx2Mask {
        type Output = Avx2Mask;
        #[inline(always)]
        fn not(self) -> Avx2Mask {
            Avx2Mask(unsafe { _mm256_xor_pd(self.0, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))) })
        }
    }

    impl LaneMask for Avx2Mask {
        type Lanes = Avx2Lanes;
        #[inline(always)]
        fn from_words(words: [u64; LANES]) -> Avx2Mask {
            Avx2Mask(unsafe { _mm256_castsi256_pd(_mm256_loadu_si256(words.as_ptr().cast())) })
        }
        #[inline(always)]
        fn select(self, yes: impl Into<Avx2Lanes>, no: impl Into<Avx2Lanes>) -> Avx2Lanes {
            Avx2Lanes(unsafe { _mm256_blendv_pd(no.into().0, yes.into().0, self.0) })
        }
        #[inline(always)]
        fn any(self) -> bool {
            unsafe { _mm256_movemask_pd(self.0) != 0 }
        }
        #[inline(always)]
        fn lane(self, l: usize) -> bool {
            unsafe { (_mm256_movemask_pd(self.0) >> l) & 1 != 0 }
        }
        #[inline(always)]
        fn bits(self) -> u32 {
            unsafe { _mm256_movemask_pd(self.0) as u32 }
        }
    }
}

/// Gathers one field per lane: `gather!(S, src, |x| x.field)`.
macro_rules! gather {
    ($s:ty, $src:expr, |$x:ident| $e:expr) => {
        <$s>::from_lanes(per_lane!(|l| {
            let $x = &$src[l];
            $e
        }))
    };
}

/// Gathers one yes/no per lane.
macro_rules! gather_mask {
    ($s:ty, $src:expr, |$x:ident| $e:expr) => {
        <$s as Simd>::Mask::from_words(per_lane!(|l| {
            let $x = &$src[l];
            word($e)
        }))
    };
}

/// The choosing government's parameters that its utilities read, one lane
/// per run (each lane's run has its own draws of the uncertain ones).
macro_rules! param_lanes {
    ($(#[$doc:meta])* $name:ident { $($field:ident),* $(,)? }) => {
        $(#[$doc])*
        struct $name<S> {
            $($field: S,)*
        }
        impl<S: Simd> $name<S> {
            /// Actor `i`'s parameters in each lane's run.
            #[inline(always)]
            fn gather(params: [&ModelParams; LANES], i: usize) -> $name<S> {
                $name {
                    $($field: S::from_lanes(per_lane!(|l| params[l].actors[i].$field)),)*
                }
            }

            /// `second`'s lanes from `b`, the others from `a`.
            #[inline(always)]
            #[allow(dead_code)]
            fn blend(second: S::Mask, a: &$name<S>, b: &$name<S>) -> $name<S> {
                $name {
                    $($field: second.select(b.$field, a.$field),)*
                }
            }
        }
    };
}

param_lanes!(
    /// The choosing government's parameters, one lane per run.
    ParamLanes {
    audience_cost,
    hawkishness,
    threat_cost,
    impose_weight,
    credibility_weight,
    econ_weight,
    extension_value,
    escalation_step_pct,
    counter_escalation_value,
    truce_breach_cost,
    matching_bias,
    relief_weight,
    cut_step_pct,
    relief_points_per_pp,
    exemption_value,
    exemption_initial_share,
    retaliation_rate_pct,
    retaliation_bias,
    approval_weight,
    rally_retaliation_pts,
    retaliation_coverage_share,
    escalation_fear,
    truce_value,
    tariff_reciprocity,
    export_control_value,
    export_control_pressure,
    strike_base_utility,
    strike_weight,
    sovereignty_stand_value,
    migration_leverage_value,
    migration_cost,
    cooperation_value,
    cooperation_step_cost,
    transfer_min_batch,
    transfer_cost,
    transfer_points_per_person,
    transfer_batch_mean,
    contingent_k,
    max_forces_k,
    deploy_cost,
    deploy_points,
    interdiction_cost,
    interdiction_points,
    cooperation_points,
    agreement_cost,
    migration_points,
    submission_approval_pts,
    reciprocity,
    responsiveness,
    rationality,
});

param_lanes!(
    /// One government's parameters of the slow dynamics, one lane per run.
    DynamicsLanes {
    contingent_k,
    flow_effect_per_contingent,
    flow_effect_per_interdiction,
    flow_effect_per_cooperation,
    flow_effect_per_20_transferred,
    exemption_max_share,
    exemption_uptake_per_week,
    demand_anchor,
    demand_relaxation_per_week,
    interdiction_fade_per_week,
    transfer_pool_inflow_per_week,
    approval_baseline_pct,
    approval_reversion_per_week,
    flow_adaptation_share,
    flow_adaptation_per_week,
    import_elasticity_long,
    imports_usd_bn_per_year,
});

/// The number of moves.
const MOVES: usize = Action::ALL.len();

/// [`super::choice::View`] of four weekly choices, one lane per run.
struct View<S: Simd> {
    dissatisfaction: S,
    pressure: S,
    reciprocated: S::Mask,
    at_deadline: S::Mask,
    trade_weight: S,
    provocation: S,
}

/// [`super::choice::view`] of `actors[l]` in each lane's state, in lanes:
/// every operation the scalar's in its order, the deadline urgency's
/// exponential computed (in lanes) only when some lane faces a threat.
/// `my_belief` and `exempt` are the chooser's, already gathered by the
/// caller; the state's own quantities (dissatisfaction, effective tariff)
/// are gathered from their `ActorState` methods, as everywhere here.
#[inline(always)]
fn view_lanes<S: Simd>(
    actors: [usize; LANES],
    states: [&State; LANES],
    params: [&ModelParams; LANES],
    my_belief: S,
    exempt: S,
) -> View<S> {
    let me: [_; LANES] = per_lane!(|l| &states[l].actors[actors[l]]);
    let you: [_; LANES] = per_lane!(|l| &states[l].actors[other(actors[l])]);
    let dissatisfaction = gather!(S, me, |m| m.dissatisfaction());
    // `threat_pressure(rate, belief, deadline_urgency(weeks left, scale))`.
    let threatened = gather_mask!(S, you, |o| o.threat.is_some());
    let threat = if threatened.any() {
        let rate = gather!(S, you, |o| o.threat.map_or(0.0, |t| t.rate_pct));
        let weeks_left = S::from_lanes(per_lane!(|l| you[l].threat.map_or(0.0, |t| f64::from(
            t.deadline_week.saturating_sub(states[l].week)
        ))));
        let scale = gather!(S, params, |p| p.world.deadline_urgency_weeks);
        let urgency = (-weeks_left / scale).exp();
        threatened.select(my_belief * rate / RATE_SCALE_PCT * urgency, 0.0)
    } else {
        S::from(0.0)
    };
    let controls = gather_mask!(S, you, |o| o.export_controls);
    let control_pressure = if controls.any() {
        let pressure = S::from_lanes(per_lane!(
            |l| params[l].actors[other(actors[l])].export_control_pressure
        ));
        controls.select(pressure, 0.0)
    } else {
        S::from(0.0)
    };
    let their_effective = gather!(S, you, |o| o.effective_tariff_pct());
    let pressure = threat + their_effective / RATE_SCALE_PCT + control_pressure;
    let reciprocated = S::Mask::from_words(per_lane!(|l| word(
        you[l].last_concession_week.is_some_and(
            |w| f64::from(states[l].week - w) < params[l].world.reciprocity_window_weeks
        )
    )));
    let at_deadline = S::Mask::from_words(per_lane!(|l| word(
        me[l]
            .threat
            .is_some_and(|t| t.deadline_week <= states[l].week)
    )));
    View {
        dissatisfaction,
        pressure,
        reciprocated,
        at_deadline,
        trade_weight: S::from(1.0) - exempt,
        provocation: gather!(S, me, |m| m.provocation),
    }
}

/// Each move's feasibility and utility, one lane per run, in
/// [`Action::ALL`]'s order: [`super::choice::utility`] for four runs of a
/// weekly choice (lanes where the move is infeasible hold any value).
///
/// Each arm below is the scalar arm with the same name, its `return None`
/// conditions turned into a mask and its arithmetic in the same order.
#[inline(always)]
fn weekly_utilities<S: Simd>(
    actors: [usize; LANES],
    states: [&State; LANES],
    params: [&ModelParams; LANES],
    a: &ParamLanes<S>,
) -> [(S::Mask, S); MOVES] {
    let me: [_; LANES] = per_lane!(|l| &states[l].actors[actors[l]]);
    let you: [_; LANES] = per_lane!(|l| &states[l].actors[other(actors[l])]);
    let w: [_; LANES] = per_lane!(|l| &params[l].world);

    let tariff = gather!(S, me, |m| m.tariff_pct);
    let cap = gather!(S, me, |m| m.tariff_cap_pct);
    let exempt = gather!(S, me, |m| m.exempt_share);
    let my_belief = gather!(S, me, |m| m.belief());
    let my_effective = gather!(S, me, |m| m.effective_tariff_pct());
    let has_threat = gather_mask!(S, me, |m| m.threat.is_some());
    let their_tariff = gather!(S, you, |o| o.tariff_pct);
    let their_exempt = gather!(S, you, |o| o.exempt_share);
    let their_belief = gather!(S, you, |o| o.belief());
    let truce = gather_mask!(S, states, |s| s.truce.is_some());

    let View {
        dissatisfaction,
        pressure,
        reciprocated,
        at_deadline,
        trade_weight,
        provocation,
    } = view_lanes::<S>(actors, states, params, my_belief, exempt);
    let trust = gather!(S, states, |s| s.trust);
    let rung = gather!(S, states, |s| f64::from(s.cooperation_level));

    // Outside one's own deadline week (every move but hold, impose and
    // extend); in a weekly choice every move is open to a reaction's test.
    let free = !at_deadline;
    let reciprocity = a.tariff_reciprocity * provocation;
    let breach = truce.select(a.truce_breach_cost, 0.0);
    // Macros rather than closures: everything here must inline into the
    // AVX2-compiled caller for the intrinsics to inline (a closure LLVM
    // keeps out of line is compiled without AVX and calls each intrinsic).
    macro_rules! economic_cost {
        ($added:expr) => {
            a.econ_weight * $added
        };
    }
    macro_rules! concession_terms {
        ($points:expr) => {{
            let units = $points / POINTS_SCALE;
            let submission = pressure
                .gt(PRESSURE_FOR_SUBMISSION)
                .select(a.approval_weight * a.submission_approval_pts * units, 0.0);
            let reciprocity = reciprocated.select(a.reciprocity * units, 0.0);
            a.responsiveness * units * pressure + reciprocity - submission
        }};
    }
    macro_rules! truce_utility {
        ($relief:expr) => {
            a.truce_value - economic_cost!(-$relief) - a.hawkishness * dissatisfaction - reciprocity
        };
    }
    let tariff_on = !tariff.le(0.0);

    let hold = {
        let lapse = at_deadline & has_threat;
        let u = if lapse.any() {
            let extensions = gather!(S, me, |m| m
                .threat
                .map_or(0.0, |t| f64::from(1 + t.extensions)));
            lapse.select(-a.audience_cost / extensions, 0.0)
        } else {
            S::from(0.0)
        };
        (S::Mask::from_words([word(true); LANES]), u)
    };
    let threaten = {
        let rate = S::from_lanes(per_lane!(|l| {
            threat_rate(&params[l].actors[actors[l]], me[l])
        }));
        let ok = free & !has_threat & !truce & !rate.le(tariff);
        only_if!(ok, {
            a.hawkishness * dissatisfaction + reciprocity - a.threat_cost
        })
    };
    let extend = only_if!(at_deadline, {
        let received = gather!(S, me, |m| m
            .threat
            .map_or(0.0, |t| m.received_total - t.received_at_issue));
        a.extension_value * ((received / POINTS_SCALE).min_c(1.0) + rung / LADDER_TOP)
    });
    let impose = {
        only_if!(at_deadline, {
            let rate = gather!(S, me, |m| m.threat.map_or(0.0, |t| t.rate_pct));
            let added = (rate.min(cap) - tariff).max_c(0.0);
            a.impose_weight * dissatisfaction * added / RATE_SCALE_PCT
                + a.credibility_weight * (S::from(1.0) - their_belief)
                + reciprocity
                - economic_cost!(added * trade_weight)
        })
    };
    let raise = {
        let ok = free & tariff.gt(0.0) & their_tariff.gt(0.0) & tariff.lt(cap);
        let step = a.escalation_step_pct.min(cap - tariff);
        only_if!(ok, {
            a.counter_escalation_value + reciprocity - economic_cost!(step * trade_weight) - breach
        })
    };
    let cut = {
        let ok = free & tariff_on & !truce;
        let relief = a.cut_step_pct.min(tariff) * (S::from(1.0) - exempt);
        only_if!(ok, {
            a.relief_weight * (S::from(1.0) - dissatisfaction)
                - a.hawkishness * dissatisfaction
                - a.audience_cost
                - reciprocity
                - economic_cost!(-relief)
                + concession_terms!(a.relief_points_per_pp * relief)
        })
    };
    let exempt_move = {
        let granted = gather_mask!(S, me, |m| m.exemption_granted);
        let ok = free & tariff_on & !granted & !truce;
        let relief = tariff * (a.exemption_initial_share - exempt).max_c(0.0);
        only_if!(ok, {
            a.exemption_value - reciprocity - economic_cost!(-relief)
                + concession_terms!(a.relief_points_per_pp * relief)
        })
    };
    let retaliate = {
        let ok = free & !tariff.gt(0.0) & !their_tariff.le(0.0) & !a.retaliation_rate_pct.le(0.0);
        let rate = a.retaliation_rate_pct.min(cap);
        only_if!(ok, {
            a.retaliation_bias + a.approval_weight * a.rally_retaliation_pts + reciprocity
                - economic_cost!(rate * a.retaliation_coverage_share)
                - a.escalation_fear * my_belief
                - breach
        })
    };
    let match_move = {
        let ok = free & tariff.gt(0.0) & their_tariff.gt(tariff) & tariff.lt(cap);
        let rate = their_tariff.min(cap);
        let matched_exempt = exempt.min(their_exempt);
        let added = rate * (S::from(1.0) - matched_exempt) - my_effective;
        only_if!(ok, {
            a.matching_bias + a.counter_escalation_value + reciprocity
                - economic_cost!(added)
                - breach
        })
    };
    let theirs = S::Mask::from_words(per_lane!(|l| {
        word(
            states[l]
                .truce_proposal
                .is_some_and(|(by, _)| by != actors[l]),
        )
    }));
    // Computed only in lanes where a truce can be proposed or accepted.
    let relief_both_ways = S::from_lanes(per_lane!(|l| {
        let s = states[l];
        if (s.truce.is_none() && s.truce_proposal.is_none()) || theirs.lane(l) {
            truce_relief(s, params[l])
        } else {
            0.0
        }
    }));
    let propose_truce = {
        let proposal_open = gather_mask!(S, states, |s| s.truce_proposal.is_some());
        let ok = free
            & !truce
            & !proposal_open
            & tariff_on
            & !their_tariff.le(0.0)
            & !relief_both_ways.le(0.0);
        only_if!(ok, truce_utility!(relief_both_ways))
    };
    let accept_truce = (free & theirs, truce_utility!(relief_both_ways));
    let extend_truce = {
        let expiring = gather_mask!(S, states, |s| s
            .truce
            .is_some_and(|t| t.expires_week <= s.week));
        let increase = S::from_lanes(per_lane!(|l| {
            if expiring.lane(l) {
                snap_back_increase(states[l])
            } else {
                0.0
            }
        }));
        only_if!(free & expiring, truce_utility!(increase))
    };
    let controls = gather_mask!(S, me, |m| m.export_controls);
    let restrict_exports = {
        let ok = free & !controls & !a.export_control_pressure.le(0.0) & !their_tariff.le(0.0);
        only_if!(ok, a.export_control_value + reciprocity - breach)
    };
    let lift_export_controls = {
        let relief = a.export_control_pressure * RATE_SCALE_PCT;
        only_if!(free & controls, {
            -a.export_control_value - reciprocity - a.audience_cost
                + concession_terms!(a.relief_points_per_pp * relief)
        })
    };
    // The security concessions: concession terms + extra value - cost.
    macro_rules! security {
        ($ok:expr, $points:expr, $extra:expr, $cost:expr $(,)?) => {
            only_if!(free & $ok, concession_terms!($points) + $extra - $cost)
        };
    }
    let pool = gather!(S, me, |m| m.transfer_pool);
    let transfer = security!(
        !pool.lt(a.transfer_min_batch),
        a.transfer_points_per_person * pool.min(a.transfer_batch_mean),
        S::from(0.0),
        a.transfer_cost,
    );
    let forces = gather!(S, me, |m| m.forces_k);
    let deploy = security!(
        !((forces + a.contingent_k).gt(a.max_forces_k) | a.contingent_k.le(0.0)),
        a.deploy_points,
        S::from(0.0),
        a.deploy_cost,
    );
    let interdiction = gather!(S, me, |m| m.interdiction_level);
    let interdict = security!(
        !(interdiction + 1.0).gt(gather!(S, w, |w| w.max_interdiction_level)),
        a.interdiction_points,
        S::from(0.0),
        a.interdiction_cost,
    );
    let cooperate_up = {
        // The rung below the top: the next step up is the agreement.
        let top = rung.eq(LADDER_TOP - 1.0);
        let own_proposal = S::Mask::from_words(per_lane!(|l| {
            word(states[l].proposal.is_some_and(|(by, _)| by == actors[l]))
        }));
        let ok = !rung.ge(LADDER_TOP) & !(top & own_proposal);
        let threshold = gather!(S, w, |w| w.agreement_trust_threshold);
        let (cost, extra) = (
            top.select(a.agreement_cost, a.cooperation_step_cost),
            top.select(
                a.cooperation_value * AGREEMENT_RUNGS * (trust - threshold),
                a.cooperation_value * trust,
            ),
        );
        security!(ok, a.cooperation_points, extra, cost)
    };
    let cooperate_down = (
        free & !rung.eq(0.0),
        -a.cooperation_value * trust - a.cooperation_step_cost,
    );
    let strike = {
        let too_soon = S::Mask::from_words(per_lane!(|l| {
            let s = states[l];
            word(me[l].last_strike_week.is_some_and(|w_| {
                f64::from(s.week - w_) < params[l].world.strike_min_interval_weeks
            }))
        }));
        let flow = gather!(S, you, |o| o.flow_index);
        only_if!(free & !too_soon, {
            a.strike_base_utility + a.strike_weight * dissatisfaction * flow / 100.0
        })
    };
    let sovereignty_stand = (
        free & gather_mask!(S, me, |m| m.unanswered_strike_week.is_some()),
        a.sovereignty_stand_value,
    );
    let migration = gather!(S, me, |m| m.migration_enforcement);
    let step = gather!(S, w, |w| w.migration_step);
    let tighten_migration = security!(
        !(migration + step).gt(1.0 + 1e-9),
        a.migration_points,
        S::from(0.0),
        a.migration_cost,
    );
    let loosen_migration = (
        free & !migration.lt(step),
        a.migration_leverage_value * pressure - a.migration_cost,
    );
    [
        hold,
        threaten,
        extend,
        impose,
        raise,
        cut,
        exempt_move,
        retaliate,
        match_move,
        propose_truce,
        accept_truce,
        extend_truce,
        restrict_exports,
        lift_export_controls,
        transfer,
        deploy,
        interdict,
        cooperate_up,
        cooperate_down,
        strike,
        sovereignty_stand,
        tighten_migration,
        loosen_migration,
    ]
}

/// The highest feasible utility in each lane (minus infinity where no move
/// is feasible, NaN utilities ignored), as the scalar's running
/// `best.max(u)` finds it, but as a tree of pairwise maxima: four levels
/// deep instead of a chain of 23 dependent max-and-selects, which held up
/// every choice. The bits are the running maximum's: `max` ignores NaN
/// and, on a tie (zeros of either sign), keeps the same side every time,
/// so a tree that keeps the moves' order picks the same move's value as
/// the chain (`the_tree_of_maxima_is_the_running_maximum`).
#[inline(always)]
fn best_utility<S: Simd>(moves: &[(S::Mask, S); MOVES]) -> S {
    let mut level = [S::from(f64::NEG_INFINITY); MOVES];
    for (k, (feasible, u)) in moves.iter().enumerate() {
        level[k] = feasible.select(*u, f64::NEG_INFINITY);
    }
    // Written out for 23 moves so that every level unrolls: 23 -> 12 -> 6
    // -> 3 -> 1.
    const _: () = assert!(MOVES == 23, "best_utility's levels are for 23 moves");
    for k in 0..11 {
        level[k] = level[2 * k].max(level[2 * k + 1]);
    }
    level[11] = level[22];
    for k in 0..6 {
        level[k] = level[2 * k].max(level[2 * k + 1]);
    }
    for k in 0..3 {
        level[k] = level[2 * k].max(level[2 * k + 1]);
    }
    level[0].max(level[1]).max(level[2])
}

/// The choosing governments' parameters in lanes for each mix of
/// choosers across the lanes, indexed by the lanes whose chooser is the
/// second government (bit `l` for lane `l`). The two pure mixes are
/// gathered at the start of a batch, a mixed one blended the first time
/// it is needed: the lanes' move orders often differ (one lane facing a
/// deadline, another not), and blending at every such choice cost 1.5% of
/// a run's instructions.
struct Choosers<S> {
    by_mix: [Option<Box<ParamLanes<S>>>; 1 << LANES],
}

impl<S: Simd> Choosers<S> {
    /// Both governments' parameters in each lane's run.
    fn gather(params: [&ModelParams; LANES]) -> Choosers<S> {
        let mut by_mix: [Option<Box<ParamLanes<S>>>; 1 << LANES] = Default::default();
        by_mix[0] = Some(Box::new(ParamLanes::gather(params, 0)));
        by_mix[(1 << LANES) - 1] = Some(Box::new(ParamLanes::gather(params, 1)));
        Choosers { by_mix }
    }

    /// Lane `l` holding government `actors[l]`'s parameters.
    #[inline(always)]
    fn of(&mut self, actors: [usize; LANES]) -> &ParamLanes<S> {
        let mix = (0..LANES).fold(0, |bits, l| bits | usize::from(actors[l] == 1) << l);
        if self.by_mix[mix].is_none() {
            let pure = |k: usize| self.by_mix[k].as_deref().expect("gathered at the start");
            let second = S::Mask::from_words(per_lane!(|l| word(actors[l] == 1)));
            let blended = ParamLanes::blend(second, pure(0), pure((1 << LANES) - 1));
            self.by_mix[mix] = Some(Box::new(blended));
        }
        self.by_mix[mix].as_deref().expect("blended above")
    }
}

/// The weekly choice of `actors[l]` in each lane's run: the logit draw of
/// [`super::choice::choose`] for four runs at once, each lane drawing its
/// one uniform from its own stream, so each run's choice and stream end
/// exactly as the scalar's.
#[inline(always)]
fn choose_weekly_lanes<S: Simd>(
    actors: [usize; LANES],
    states: [&State; LANES],
    params: [&ModelParams; LANES],
    choosers: &mut Choosers<S>,
    rngs: &mut [DynamicsRngs; LANES],
) -> [Action; LANES] {
    const NEGLIGIBLE: f64 = -37.0;
    let a = choosers.of(actors);
    let mut moves = weekly_utilities(actors, states, params, a);
    let lambda = a.rationality;
    let best = best_utility(&moves);
    // In move order, as the scalar sums: an infeasible move adds +0.0.
    // Each move's weight replaces its utility in `moves` (a separate array
    // of weights cost a memset per choice).
    let mut total = S::from(0.0);
    for (feasible, u) in &mut moves {
        if !feasible.any() {
            continue;
        }
        let z = feasible.select(lambda * (*u - best), 0.0);
        let at_best = z.eq(0.0);
        let negligible = z.lt(NEGLIGIBLE);
        let e = if (!at_best & !negligible).any() {
            z.exp()
        } else {
            S::from(0.0)
        };
        let weight = (*feasible & !negligible).select(at_best.select(1.0, e), 0.0);
        *u = weight;
        total = total + weight;
    }
    // The draw, lane by lane as the scalar's: `r` less each open move's
    // weight in move order (less +0.0 where a move is not open, which
    // leaves `r` as it is), the first open move where it falls below zero,
    // else the last open move.
    let mut r = S::from_lanes(per_lane!(|l| rngs[l].choice.random::<f64>())) * total;
    let mut last = S::from(0.0);
    let mut chosen = S::from(0.0);
    let mut found = S::Mask::from_words([0; LANES]);
    for (k, (feasible, weight)) in moves.iter().enumerate() {
        if !feasible.any() {
            continue;
        }
        r = r - *weight;
        let index = S::from(k as f64);
        let here = *feasible & !found & r.lt(0.0);
        chosen = here.select(index, chosen);
        last = feasible.select(index, last);
        found = found | here;
        if found.bits() == (1 << LANES) - 1 {
            break;
        }
    }
    let index = found.select(chosen, last).to_lanes();
    // The indices are small integers, exact in f64; converted through u8,
    // whose saturating conversion is a few instructions (usize's is ten).
    per_lane!(|l| Action::ALL[usize::from(index[l] as u8)])
}

/// One week's [`WeekShocks`] of every lane's run, drawn from the lanes'
/// shock streams at once: the uniforms as `rand` converts them, the
/// normals by `rand_distr`'s ziggurat fast path. A lane where a normal
/// needs more than its first number (about 6% of lane-weeks: four normals,
/// each past the fast path 1.5% of the time) redoes the week's draws with
/// the scalar [`draw_shocks`] from its stream's state before them, so each
/// run's shocks and stream are exactly those of the run alone.
#[inline(always)]
fn draw_shocks_lanes<S: Simd>(streams: &mut XoshiroLanes) -> [WeekShocks; LANES] {
    let before = streams.clone();
    let draws = S::xoshiro_draws::<8>(streams);
    let mut shocks = [WeekShocks::default(); LANES];
    let mut fast = [true; LANES];
    for i in 0..2 {
        let [ruling, extradition, approval, flow] = [0, 1, 2, 3].map(|k| draws[4 * i + k]);
        let (ruling, extradition) = (unit_f64(ruling), unit_f64(extradition));
        let (approval, approval_fast) = standard_normal_fast_path(approval);
        let (flow, flow_fast) = standard_normal_fast_path(flow);
        for l in 0..LANES {
            let week = &mut shocks[l];
            week.ruling[i] = ruling[l];
            week.extradition[i] = extradition[l];
            week.approval[i] = approval[l];
            week.flow[i] = flow[l];
            fast[l] &= approval_fast[l] & flow_fast[l];
        }
    }
    for l in 0..LANES {
        if !fast[l] {
            let mut stream = before.generator(l);
            shocks[l] = draw_shocks(&mut stream);
            streams.set_generator(l, &stream);
        }
    }
    shocks
}

/// One government's run constants of the slow dynamics
/// ([`super::dynamics::Prepared`]), one lane per run: gathered once per
/// batch, not every week.
struct PreparedLanes<S> {
    concession_decay: S,
    provocation_decay: S,
    transfer_decay: S,
    trade_phi: S,
    trade_growth_per_week: S,
    initial_enforcement_gap: S,
}

impl<S: Simd> PreparedLanes<S> {
    /// Actor `i`'s constants in each lane's run.
    #[inline(always)]
    fn gather(runs: &[RunInProgress; LANES], i: usize) -> PreparedLanes<S> {
        PreparedLanes {
            concession_decay: gather!(S, runs, |r| r.prep.concession_decay[i]),
            provocation_decay: gather!(S, runs, |r| r.prep.provocation_decay[i]),
            transfer_decay: gather!(S, runs, |r| r.prep.transfer_decay[i]),
            trade_phi: gather!(S, runs, |r| r.prep.trade_phi[i]),
            trade_growth_per_week: gather!(S, runs, |r| r.prep.trade_growth_per_week[i]),
            initial_enforcement_gap: gather!(S, runs, |r| r.prep.initial_enforcement_gap[i]),
        }
    }
}

/// `revert_towards` lane by lane.
#[inline(always)]
fn revert<S: Simd>(x: S, target: S, rate: S) -> S {
    x + rate * (target - x)
}

/// `f64::clamp` lane by lane.
#[inline(always)]
fn clamp<S: Simd>(x: S, low: f64, high: f64) -> S {
    let x = x.lt(low).select(low, x);
    x.gt(high).select(high, x)
}

/// [`super::dynamics::slow_dynamics`] for four runs at once: the proposal
/// expiries and trust lane by lane (they report events), then each
/// government's stocks, flows and trade in lanes, every operation the
/// scalar's in its order (the logarithm of the tariff factor per lane,
/// there being no bit-reproducible lane logarithm; the exponentials are
/// the model's).
#[inline(always)]
fn slow_dynamics_lanes<S: Simd, O: Observer>(
    runs: &mut [RunInProgress; LANES],
    both: &Pair<DynamicsLanes<S>>,
    prepared: &Pair<PreparedLanes<S>>,
    obs: &mut [O; LANES],
) {
    for (run, obs) in runs.iter_mut().zip(obs.iter_mut()) {
        expire_proposals_and_revert_trust(&mut run.state, run.p, obs);
    }
    macro_rules! scatter {
        ($value:expr, |$r:ident| $place:expr) => {{
            let value = $value.to_lanes();
            for (l, $r) in runs.iter_mut().enumerate() {
                $place = value[l];
            }
        }};
    }
    let rung = gather!(S, runs, |r| f64::from(r.state.cooperation_level));
    let mut trade_loss = gather!(S, runs, |r| r.state.trade_loss_usd_bn);
    for (i, (a, prep)) in both.iter().zip(prepared).enumerate() {
        let forces = gather!(S, runs, |r| r.state.actors[i].forces_k);
        let interdiction = gather!(S, runs, |r| r.state.actors[i].interdiction_level);
        let transferred = gather!(S, runs, |r| r.state.actors[i].transferred_recent);
        // `enforcement`, before this week's fades.
        let contingents = a.contingent_k.gt(0.0).select(forces / a.contingent_k, 0.0);
        let enforcement_now = contingents * a.flow_effect_per_contingent
            + interdiction * a.flow_effect_per_interdiction
            + rung * a.flow_effect_per_cooperation
            + transferred / POINTS_SCALE * a.flow_effect_per_20_transferred;
        let granted = gather_mask!(S, runs, |r| r.state.actors[i].exemption_granted);
        let exempt = gather!(S, runs, |r| r.state.actors[i].exempt_share);
        let exempt = granted.select(
            exempt + a.exemption_uptake_per_week * (a.exemption_max_share - exempt).max_c(0.0),
            exempt,
        );
        scatter!(exempt, |r| r.state.actors[i].exempt_share);
        let concessions = gather!(S, runs, |r| r.state.actors[i].concessions_received);
        scatter!(concessions * prep.concession_decay, |r| r.state.actors[i]
            .concessions_received);
        let provocation = gather!(S, runs, |r| r.state.actors[i].provocation);
        scatter!(provocation * prep.provocation_decay, |r| r.state.actors[i]
            .provocation);
        let demand = gather!(S, runs, |r| r.state.actors[i].demand);
        scatter!(
            revert(demand, a.demand_anchor, a.demand_relaxation_per_week),
            |r| r.state.actors[i].demand
        );
        scatter!(
            interdiction * (S::from(1.0) - a.interdiction_fade_per_week),
            |r| r.state.actors[i].interdiction_level
        );
        scatter!(transferred * prep.transfer_decay, |r| r.state.actors[i]
            .transferred_recent);
        let pool = gather!(S, runs, |r| r.state.actors[i].transfer_pool);
        scatter!(pool + a.transfer_pool_inflow_per_week, |r| r.state.actors
            [i]
            .transfer_pool);
        let approval = gather!(S, runs, |r| r.state.actors[i].approval_pct);
        let approval = revert(
            approval,
            a.approval_baseline_pct,
            a.approval_reversion_per_week,
        );
        scatter!(clamp(approval, 0.0, 100.0), |r| r.state.actors[i]
            .approval_pct);
        let adaptation = gather!(S, runs, |r| r.state.actors[i].adaptation);
        let adaptation = revert(
            adaptation,
            a.flow_adaptation_share * enforcement_now,
            a.flow_adaptation_per_week,
        );
        scatter!(adaptation, |r| r.state.actors[i].adaptation);
        let gap = enforcement_now - adaptation - prep.initial_enforcement_gap;
        let noise = gather!(S, runs, |r| r.state.actors[i].flow_noise);
        scatter!(S::from(100.0) * (noise - gap).exp(), |r| r.state.actors[i]
            .flow_index);
        // `trade_gap_step` with the exempt share just updated.
        let tariff = gather!(S, runs, |r| r.state.actors[i].tariff_pct);
        let effective = tariff * (S::from(1.0) - exempt);
        let effective = effective.to_lanes();
        let tariff_factor = S::from_lanes(per_lane!(|l| (1.0 + effective[l] / 100.0).ln()));
        let gap_log = gather!(S, runs, |r| r.state.actors[i].trade_gap_log);
        let gap_log =
            gap_log + prep.trade_phi * (a.import_elasticity_long * tariff_factor - gap_log);
        scatter!(gap_log, |r| r.state.actors[i].trade_gap_log);
        let trend = gather!(S, runs, |r| r.trend[i]);
        let trend = trend * prep.trade_growth_per_week;
        scatter!(trend, |r| r.trend[i]);
        let tariff_effect = gap_log.exp();
        scatter!(S::from(100.0) * trend * tariff_effect, |r| r.state.actors
            [i]
            .trade_index);
        let weekly_imports = a.imports_usd_bn_per_year / WEEKS_PER_YEAR * trend;
        trade_loss = trade_loss + weekly_imports * (S::from(1.0) - tariff_effect);
    }
    scatter!(trade_loss, |r| r.state.trade_loss_usd_bn);
}

/// The batched run: [`super::step::simulate`] for [`LANES`] runs at once,
/// the weekly choices batched, with one observer per lane.
#[inline(always)]
fn simulate_lanes_on<S: Simd, O: Observer>(
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    let mut choosers = Choosers::<S>::gather(params);
    let dynamics = [
        DynamicsLanes::<S>::gather(params, 0),
        DynamicsLanes::<S>::gather(params, 1),
    ];
    let mut runs: [RunInProgress; LANES] = {
        let mut obs = obs.iter_mut();
        params.map(|p| RunInProgress::start(p, rules, obs.next().expect("one per lane")))
    };
    let prepared = [
        PreparedLanes::<S>::gather(&runs, 0),
        PreparedLanes::<S>::gather(&runs, 1),
    ];
    // The shock streams live in lanes for the whole batch (nothing else
    // draws from them) and go back to each run's streams at the end.
    let mut shock_streams = XoshiroLanes::new(&per_lane!(|l| rngs[l].shocks.clone()));
    for _ in 0..weeks {
        let shocks = draw_shocks_lanes::<S>(&mut shock_streams);
        for l in 0..LANES {
            runs[l].open_week_with(&shocks[l], &mut obs[l]);
        }
        let orders: [[usize; 2]; LANES] = per_lane!(|l| runs[l].move_order());
        for turn in 0..2 {
            let actors = orders.map(|order| order[turn]);
            if !rules.is_empty() {
                for l in 0..LANES {
                    runs[l].fire_rules(actors[l], &mut rngs[l], &mut obs[l]);
                }
            }
            let choices = {
                let states = per_lane!(|l| &runs[l].state);
                choose_weekly_lanes::<S>(actors, states, params, &mut choosers, rngs)
            };
            for l in 0..LANES {
                runs[l].apply_weekly_choice(actors[l], choices[l], &mut rngs[l], &mut obs[l]);
            }
        }
        for l in 0..LANES {
            runs[l].react_and_lapse(&mut rngs[l], &mut obs[l]);
        }
        slow_dynamics_lanes(&mut runs, &dynamics, &prepared, obs);
        for l in 0..LANES {
            runs[l].end_week(&mut obs[l]);
        }
    }
    for (l, rng) in rngs.iter_mut().enumerate() {
        rng.shocks = shock_streams.generator(l);
    }
    runs.map(RunInProgress::finish)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn simulate_lanes_avx2<O: Observer>(
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    simulate_lanes_on::<Avx2Lanes, O>(params, rules, weeks, rngs, obs)
}

fn simulate_lanes_baseline<O: Observer>(
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    simulate_lanes_on::<ArrayLanes, O>(params, rules, weeks, rngs, obs)
}

/// Simulates [`LANES`] runs of one lever (`rules`) together, lane `l` with
/// parameters `params[l]`, streams `rngs[l]` and observer `obs[l]`: each
/// lane's final state, totals, streams and observed story are exactly
/// those of [`super::step::simulate`] on that lane alone.
///
/// `path` picks the compiled version ([`LanePath::detect`] for the
/// fastest; the others are for tests and benchmarks).
///
/// # Panics
/// If this CPU cannot run `path`.
pub fn simulate_lanes<O: Observer>(
    path: LanePath,
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    match path {
        #[cfg(target_arch = "x86_64")]
        LanePath::Avx2 => {
            assert!(
                std::arch::is_x86_feature_detected!("avx2"),
                "this CPU has no AVX2"
            );
            // SAFETY: the CPU has AVX2 (checked above).
            unsafe { simulate_lanes_avx2(params, rules, weeks, rngs, obs) }
        }
        _ => simulate_lanes_baseline(params, rules, weeks, rngs, obs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::prepare_run;
    use crate::model::choice::{Phase, utility, view};
    use crate::model::step::{Event, simulate};
    use crate::scenario::{ResolvedLever, Scenario};

    /// Every shipped scenario and its levers, resolved.
    fn shipped() -> Vec<(String, Scenario, Vec<ResolvedLever>)> {
        crate::scenario::shipped_scenario_paths()
            .iter()
            .map(|path| {
                let s = Scenario::load(path).unwrap();
                let levers = s
                    .levers
                    .iter()
                    .map(|l| ResolvedLever::new(&s, l).unwrap())
                    .collect();
                (path.display().to_string(), s, levers)
            })
            .collect()
    }

    /// Everything a run shows: its events and its week-end states, as
    /// `Debug` text (which tells every two distinct `f64` apart, -0.0 too).
    #[derive(Default)]
    struct Story(Vec<String>);

    impl Observer for Story {
        fn event(&mut self, week: u32, event: &Event, state: &State) {
            self.0.push(format!("{week} {event:?} {state:?}"));
        }
        fn week_end(&mut self, state: &State) {
            self.0.push(format!("{state:?}"));
        }
    }

    /// The paths that check a batch: every one this CPU runs.
    fn paths() -> Vec<LanePath> {
        let paths = LanePath::available();
        assert!(paths.contains(&LanePath::Portable));
        paths
    }

    #[test]
    fn a_batch_of_runs_is_each_run_alone_on_every_shipped_scenario_and_lever() {
        // Eight runs per lever (two batches), rules included: each lane's
        // story, final state, totals and streams after the run are the
        // scalar run's, on every compiled path.
        let mut levers_with_rules = 0;
        for (name, s, levers) in shipped() {
            let weeks = s.calendar.horizon_weeks;
            for lever in &levers {
                levers_with_rules += usize::from(!lever.rules.is_empty());
                for first in [0u64, 4] {
                    let runs: Vec<_> = (first..first + 4)
                        .map(|run| prepare_run(lever, s.seed, run))
                        .collect();
                    let alone: Vec<_> = runs
                        .iter()
                        .map(|(p, rngs, _, _)| {
                            let mut rngs = rngs.clone();
                            let mut story = Story::default();
                            let end = simulate(p, &lever.rules, weeks, &mut rngs, &mut story);
                            format!("{:?} {:?} {:?}", story.0, end, rngs)
                        })
                        .collect();
                    for path in paths() {
                        let mut rngs: [DynamicsRngs; LANES] =
                            std::array::from_fn(|l| runs[l].1.clone());
                        let mut stories: [Story; LANES] = Default::default();
                        let params = std::array::from_fn(|l| &runs[l].0);
                        let ends = simulate_lanes(
                            path,
                            params,
                            &lever.rules,
                            weeks,
                            &mut rngs,
                            &mut stories,
                        );
                        for l in 0..LANES {
                            let batched = format!("{:?} {:?} {:?}", stories[l].0, ends[l], rngs[l]);
                            assert!(
                                batched == alone[l],
                                "{name}, lever {}, run {}, path {}",
                                lever.name,
                                first + l as u64,
                                path.name()
                            );
                        }
                    }
                }
            }
        }
        assert!(levers_with_rules >= 3, "rules are covered");
    }

    #[test]
    fn every_moves_feasibility_and_utility_is_the_scalar_ones_in_every_lane() {
        // States met along runs of every shipped lever, four different
        // ones (and both governments) in the lanes of each check.
        let mut cases: Vec<(ModelParams, State)> = Vec::new();
        for (_, s, levers) in shipped() {
            for lever in &levers {
                for run in 0..3 {
                    let (p, mut rngs, _, _) = prepare_run(lever, s.seed, run);
                    #[derive(Default)]
                    struct Weeks(Vec<State>);
                    impl Observer for Weeks {
                        fn event(&mut self, _: u32, _: &Event, state: &State) {
                            self.0.push(*state);
                        }
                        fn week_end(&mut self, state: &State) {
                            self.0.push(*state);
                        }
                    }
                    let mut seen = Weeks::default();
                    simulate(
                        &p,
                        &lever.rules,
                        s.calendar.horizon_weeks,
                        &mut rngs,
                        &mut seen,
                    );
                    cases.extend(seen.0.into_iter().step_by(3).map(|state| (p, state)));
                }
            }
        }
        let mut feasible_somewhere = [0usize; MOVES];
        for path in paths() {
            for (c, chunk) in cases.chunks_exact(LANES).enumerate() {
                let actors: [usize; LANES] = std::array::from_fn(|l| (c + l) % 2);
                let states = std::array::from_fn(|l| &chunk[l].1);
                let params = std::array::from_fn(|l| &chunk[l].0);
                let lanes = match path {
                    #[cfg(target_arch = "x86_64")]
                    LanePath::Avx2 => unsafe { utilities_avx2(actors, states, params) },
                    _ => utilities_on::<ArrayLanes>(actors, states, params),
                };
                for (k, &action) in Action::ALL.iter().enumerate() {
                    for l in 0..LANES {
                        let (p, state) = (&chunk[l].0, &chunk[l].1);
                        let i = actors[l];
                        let want = utility(action, i, state, p, &view(i, state, p, Phase::Weekly));
                        let got = lanes[k].0[l].then_some(lanes[k].1[l]);
                        assert_eq!(
                            got.map(f64::to_bits),
                            want.map(f64::to_bits),
                            "{action:?} for actor {i} in week {} ({})",
                            state.week,
                            path.name()
                        );
                        feasible_somewhere[k] += usize::from(want.is_some());
                    }
                }
            }
        }
        // Every move is checked where it is feasible, not only where not.
        for (k, n) in feasible_somewhere.iter().enumerate() {
            assert!(
                *n > 0,
                "{:?} is never feasible in the sample",
                Action::ALL[k]
            );
        }
    }

    /// The utilities of four lanes as plain values, on one path.
    fn utilities_on<S: Simd>(
        actors: [usize; LANES],
        states: [&State; LANES],
        params: [&ModelParams; LANES],
    ) -> Vec<([bool; LANES], Lanes)> {
        let both = [
            ParamLanes::<S>::gather(params, 0),
            ParamLanes::<S>::gather(params, 1),
        ];
        let second = S::Mask::from_words(per_lane!(|l| word(actors[l] == 1)));
        let a = ParamLanes::blend(second, &both[0], &both[1]);
        weekly_utilities(actors, states, params, &a)
            .iter()
            .map(|(m, u)| {
                let bits = m.bits();
                (per_lane!(|l| (bits >> l) & 1 == 1), u.to_lanes())
            })
            .collect()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn utilities_avx2(
        actors: [usize; LANES],
        states: [&State; LANES],
        params: [&ModelParams; LANES],
    ) -> Vec<([bool; LANES], Lanes)> {
        utilities_on::<Avx2Lanes>(actors, states, params)
    }

    /// `best_utility`'s tree of maxima has the bits of the scalar's running
    /// maximum, on seeded utilities mixed with zeros of both signs, NaN,
    /// infinities and infeasible moves (ties of zeros are frequent).
    #[test]
    fn the_tree_of_maxima_is_the_running_maximum() {
        use rand::SeedableRng;
        let specials = [0.0, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        fn check<S: Simd>(specials: &[f64], name: &str) {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
            for case in 0..20_000 {
                let mut moves = [(S::Mask::from_words([0; LANES]), S::from(0.0)); MOVES];
                let mut utilities = [[0.0; LANES]; MOVES];
                let mut feasible = [[false; LANES]; MOVES];
                for k in 0..MOVES {
                    for l in 0..LANES {
                        let pick: u32 = rng.random_range(0..10);
                        utilities[k][l] = match pick {
                            0..=4 => specials[pick as usize],
                            // Few distinct values, so ties are common.
                            _ => f64::from(rng.random_range(-3i32..3)) * 0.5,
                        };
                        // Case 0 has no feasible move in any lane.
                        feasible[k][l] = case > 0 && rng.random_range(0..4) > 0;
                    }
                    moves[k] = (
                        S::Mask::from_words(per_lane!(|l| word(feasible[k][l]))),
                        S::from_lanes(utilities[k]),
                    );
                }
                let tree = best_utility::<S>(&moves).to_lanes();
                for l in 0..LANES {
                    let mut running = f64::NEG_INFINITY;
                    for k in 0..MOVES {
                        if feasible[k][l] {
                            running = running.max(utilities[k][l]);
                        }
                    }
                    assert_eq!(
                        tree[l].to_bits(),
                        running.to_bits(),
                        "{name}: case {case}, lane {l}: {} against {running}",
                        tree[l]
                    );
                }
            }
        }
        check::<ArrayLanes>(&specials, "array");
        #[cfg(target_arch = "x86_64")]
        if LanePath::detect() == LanePath::Avx2 {
            #[target_feature(enable = "avx2")]
            fn avx2(specials: &[f64]) {
                check::<Avx2Lanes>(specials, "avx2");
            }
            // SAFETY: this CPU has AVX2.
            unsafe { avx2(&specials) };
        }
    }

    #[test]
    fn lane_min_and_max_are_the_scalar_ones_for_nan_and_signed_zeros() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut pairs = Vec::new();
        for &a in &specials {
            for &b in &specials {
                pairs.push((a, b));
            }
        }
        fn check<S: Simd>(pairs: &[(f64, f64)], name: &str) {
            for chunk in pairs.chunks(LANES) {
                let a: Lanes = per_lane!(|l| chunk.get(l).map_or(0.0, |p| p.0));
                let b: Lanes = per_lane!(|l| chunk.get(l).map_or(0.0, |p| p.1));
                let (x, y) = (S::from_lanes(a), S::from_lanes(b));
                let min = x.min(y).to_lanes();
                let max = x.max(y).to_lanes();
                for l in 0..chunk.len() {
                    // The documented results (NaN ignored); a tie of
                    // zeros may be either sign, as in `f64::min`.
                    let (want_min, want_max) = (a[l].min(b[l]), a[l].max(b[l]));
                    assert!(
                        min[l] == want_min || (min[l].is_nan() && want_min.is_nan()),
                        "{name}: min({}, {})",
                        a[l],
                        b[l]
                    );
                    assert!(
                        max[l] == want_max || (max[l].is_nan() && want_max.is_nan()),
                        "{name}: max({}, {})",
                        a[l],
                        b[l]
                    );
                }
            }
        }
        check::<ArrayLanes>(&pairs, "array");
        #[cfg(target_arch = "x86_64")]
        if LanePath::detect() == LanePath::Avx2 {
            #[target_feature(enable = "avx2")]
            fn avx2(pairs: &[(f64, f64)]) {
                check::<Avx2Lanes>(pairs, "avx2");
            }
            // SAFETY: this CPU has AVX2.
            unsafe { avx2(&pairs) };
        }
    }
    /// Each lane's week of shock draws, taken in lanes, is its stream's
    /// scalar `draw_shocks`, and every stream ends where the scalar's does,
    /// over 8,000 lane-weeks, of which the share that needs the scalar
    /// fallback (a normal past the ziggurat's fast path) is counted
    /// independently and is what the fast path's 98.5% gives:
    /// 1 - 0.98508^4 = 5.84%, 467 lane-weeks (binomial sd 21).
    #[test]
    fn lane_shock_draws_are_each_streams_scalar_draws() {
        use rand::{Rng, SeedableRng};
        use rand_xoshiro::Xoshiro256PlusPlus;
        fn check<S: Simd>(name: &str) {
            let mut scalar: [Xoshiro256PlusPlus; LANES] =
                std::array::from_fn(|l| Xoshiro256PlusPlus::seed_from_u64(100 + l as u64));
            let mut lanes = XoshiroLanes::new(&scalar);
            let mut fallbacks = 0;
            for week in 0..2_000 {
                let got = draw_shocks_lanes::<S>(&mut lanes);
                for l in 0..LANES {
                    let mut peek = scalar[l].clone();
                    let first: [u64; 8] = std::array::from_fn(|_| peek.next_u64());
                    let normals = [first[2], first[3], first[6], first[7]];
                    let (_, fast) = standard_normal_fast_path(normals);
                    fallbacks += usize::from(!fast.iter().all(|&f| f));
                    let want = draw_shocks(&mut scalar[l]);
                    assert_eq!(
                        format!("{:?}", got[l]),
                        format!("{want:?}"),
                        "{name} week {week}"
                    );
                    assert_eq!(lanes.generator(l), scalar[l], "{name} week {week} lane {l}");
                }
            }
            assert!(
                (362..=572).contains(&fallbacks),
                "{name}: {fallbacks} fallbacks"
            );
        }
        check::<ArrayLanes>("array");
        #[cfg(target_arch = "x86_64")]
        if LanePath::detect() == LanePath::Avx2 {
            #[target_feature(enable = "avx2")]
            fn avx2() {
                check::<Avx2Lanes>("avx2");
            }
            // SAFETY: this CPU has AVX2.
            unsafe { avx2() };
        }
    }
}
