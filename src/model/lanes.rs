//! Lane-wise versions of the week step's arithmetic, for the batched week
//! step ([`super::batch`]) that advances [`LANES`] runs at once.
//!
//! Every function here gives, lane by lane, exactly the bits of its scalar
//! counterpart, so a batched step built on them can keep `bilateral run`'s
//! outputs byte-identical.
//!
//! Why four lanes: four `f64` fill one AVX2 register, the widest that most
//! x86-64 machines run at full clock, and the baseline x86-64 (SSE2) build
//! handles them as two registers of two. Four runs in step is also a batch
//! small enough that their branches (feasible moves, threats, truces)
//! rarely diverge for long. Eight lanes of AVX-512 were measured and ran
//! no faster: the step's lane work is mostly gathering each run's state,
//! which a wider register does not shorten (README, speed; the code is on
//! the branch `exp/avx512-8-lanes`). Eight lanes serve only `bilateral
//! bench`'s widest floor probe ([`exp_lanes_avx512`]).
//!
//! Why explicit intrinsics on x86-64: written as loops over `[f64; 4]`
//! (kept here as [`exp_lanes_portable`], the path of other targets), the
//! exponential vectorises well on its own but not inside a caller's loop:
//! there LLVM's loop vectoriser pairs up consecutive calls instead and
//! leaves half the arithmetic scalar (measured: 35 instructions per value
//! against the scalar's 44). So the x86-64 paths are written with
//! `std::arch`: SSE2 (always present on x86-64, so a plain
//! `cargo build --release` gets it) and AVX2, chosen at run time when the
//! CPU has it. No SIMD crate is needed for two paths of thirty lines.
//!
//! Bit-identity: every path does the scalar's IEEE operations in the
//! scalar's order. Rust never contracts a multiply and an add into an FMA
//! unless asked (`mul_add`); the AVX2 path does not even enable the FMA
//! feature, and the intrinsics are one instruction each. The tests run
//! every path this CPU has against the scalar, bit for bit.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::exp::{EXP2_TABLE, INV_STEP, SHIFT, STEP_HI, STEP_LO};

/// The number of lanes: runs advanced together by a batched step.
pub const LANES: usize = 4;

/// The number of `f64` lanes in one AVX-512 register: the width of
/// `bilateral bench`'s widest batched floor probe (the batched step itself
/// stays at [`LANES`]: eight lanes of it ran no faster, see the README's
/// speed section).
pub const WIDE_LANES: usize = 8;

/// One `f64` per lane.
pub type Lanes = [f64; LANES];

/// The sign and exponent fields of an `f64`.
const SIGN_EXPONENT_MASK: u64 = 0xfff0_0000_0000_0000;

/// The largest |x| the scalar `exp` computes itself (it defers to
/// `f64::exp` beyond, and for NaN).
const DOMAIN: f64 = 700.0;

/// A compiled version of the lane arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanePath {
    /// Loops over arrays, vectorised as LLVM sees fit (other targets).
    Portable,
    /// SSE2 intrinsics, two registers of two lanes (every x86-64 CPU).
    Sse2,
    /// AVX2 intrinsics, one register of four lanes (chosen at run time).
    Avx2,
}

impl LanePath {
    /// The fastest path this CPU runs (detected once, then cached by std).
    #[inline]
    pub fn detect() -> LanePath {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                LanePath::Avx2
            } else {
                LanePath::Sse2
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        LanePath::Portable
    }

    /// Every path this CPU can run, the portable one first.
    pub fn available() -> Vec<LanePath> {
        let mut paths = vec![LanePath::Portable];
        if cfg!(target_arch = "x86_64") {
            paths.push(LanePath::Sse2);
        }
        if LanePath::detect() == LanePath::Avx2 {
            paths.push(LanePath::Avx2);
        }
        paths
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            LanePath::Portable => "portable",
            LanePath::Sse2 => "sse2",
            LanePath::Avx2 => "avx2",
        }
    }
}

/// e^x lane by lane, bit-identical to [`super::exp::exp`] in every lane
/// for every input (NaN, infinities, -0.0, and the inputs outside
/// [-700, 700] where the scalar defers to `f64::exp`, subnormal results
/// included).
///
/// This is the SSE2 path on x86-64 (every x86-64 CPU has it, so it needs
/// no dispatch and inlines into any caller) and the portable one
/// elsewhere. Why not pick AVX2 here per call: a call into an AVX2
/// function cannot inline into a caller compiled without it, and that call
/// per batch of four cost more than AVX2 saved (5.5 ns per value against
/// 1.9 for the inlined SSE2 and 3.1 for the scalar). A hot loop gets AVX2
/// by dispatching once around itself: a `#[target_feature(enable =
/// "avx2")]` function running the loop and calling [`exp_lanes_avx2`]
/// (1.2 ns per value), chosen by [`LanePath::detect`], as
/// `bilateral bench`'s batched probe does.
#[inline(always)]
pub fn exp_lanes(x: Lanes) -> Lanes {
    #[cfg(target_arch = "x86_64")]
    {
        exp_lanes_sse2(x)
    }
    #[cfg(not(target_arch = "x86_64"))]
    exp_lanes_portable(x)
}

/// [`exp_lanes`] on a given path (for tests and benchmarks).
///
/// # Panics
/// If this CPU cannot run `path`.
#[inline]
pub fn exp_lanes_on(path: LanePath, x: Lanes) -> Lanes {
    match path {
        LanePath::Portable => exp_lanes_portable(x),
        #[cfg(target_arch = "x86_64")]
        LanePath::Sse2 => exp_lanes_sse2(x),
        #[cfg(target_arch = "x86_64")]
        LanePath::Avx2 => {
            assert!(
                std::arch::is_x86_feature_detected!("avx2"),
                "this CPU has no AVX2"
            );
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { exp_lanes_avx2(x) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        _ => panic!("{} is an x86-64 path", path.name()),
    }
}

/// The lane exponential as loops over the lanes, one loop per step of the
/// scalar's arithmetic (the path of targets other than x86-64, and the
/// reference the intrinsic paths follow step by step).
///
/// Every lane goes through the fast path, branch-free; a lane outside
/// [-700, 700] (or NaN) enters it as 0 and is then replaced by `f64::exp`,
/// as the scalar does. The replacement is a rare branch: the logit shifts
/// its utilities to at most 0 and leaves out any below -37.
///
/// The one rewrite of the scalar is in the integer part. The scalar takes
/// k as the low 32 bits of the shifted value's bits, `k & 31` as the table
/// index and `(k >> 5) << 52` as the exponent to add. Here the index is
/// `bits & 31` (the same five bits) and the exponent `(bits << 47) &
/// 0xfff0…`: both are `(k with its low five bits cleared) << 47` modulo
/// 2^64, which depends only on bits 5..17 of k, so they are equal for every
/// input. This form is 64-bit shifts and masks, which SSE2 and AVX2 have;
/// the 32-bit truncation and sign extension are not.
#[inline(always)]
pub fn exp_lanes_portable(x: Lanes) -> Lanes {
    let all_inside = x.iter().fold(true, |a, &v| a & inside(v));
    let mut xs = [0.0; LANES];
    for l in 0..LANES {
        xs[l] = if inside(x[l]) { x[l] } else { 0.0 };
    }
    let mut bits = [0u64; LANES];
    let mut r = [0.0; LANES];
    for l in 0..LANES {
        let shifted = xs[l] * INV_STEP + SHIFT;
        bits[l] = shifted.to_bits();
        let kf = shifted - SHIFT;
        r[l] = (xs[l] - kf * STEP_HI) - kf * STEP_LO;
    }
    let mut y = [0.0; LANES];
    for l in 0..LANES {
        let r = r[l];
        let r2 = r * r;
        let poly = (1.0 + r)
            + r2 * ((1.0 / 2.0 + r * (1.0 / 6.0))
                + r2 * ((1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0)));
        let entry = EXP2_TABLE[(bits[l] & 31) as usize].to_bits();
        let scale = f64::from_bits(entry.wrapping_add((bits[l] << 47) & SIGN_EXPONENT_MASK));
        y[l] = poly * scale;
    }
    if !all_inside {
        outside(x, &mut y);
    }
    y
}

/// Whether the scalar `exp` computes e^x itself (false for NaN).
#[inline(always)]
fn inside(x: f64) -> bool {
    (-DOMAIN..=DOMAIN).contains(&x)
}

/// The scalar's deferral to `f64::exp`, for the lanes outside its domain.
#[cold]
#[inline(never)]
fn outside<const N: usize>(x: [f64; N], y: &mut [f64; N]) {
    for l in 0..N {
        if !inside(x[l]) {
            y[l] = x[l].exp();
        }
    }
}

/// The table entries of the indices in the low five bits of `bits`' lanes
/// (four loads: a gather instruction is slow on many x86-64 CPUs).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn table_entries(bits: [u64; LANES]) -> [u64; LANES] {
    bits.map(|b| EXP2_TABLE[(b & 31) as usize].to_bits())
}

/// The lane exponential in SSE2 intrinsics: [`exp_lanes_portable`]'s steps
/// on two registers of two lanes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub fn exp_lanes_sse2(x: Lanes) -> Lanes {
    // SAFETY: SSE2 is part of x86-64; the loads and stores are unaligned
    // ones within arrays of four.
    unsafe {
        let c = |v: f64| _mm_set1_pd(v);
        let abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(i64::MAX));
        let mut bits = [0u64; LANES];
        let mut poly = [0.0f64; LANES];
        let mut all_inside = true;
        for h in 0..2 {
            let v = _mm_loadu_pd(x.as_ptr().add(2 * h));
            // |x| <= 700 is -700 <= x <= 700 (both false for NaN).
            let ok = _mm_cmple_pd(_mm_and_pd(v, abs_mask), c(DOMAIN));
            all_inside &= _mm_movemask_pd(ok) == 0b11;
            let xs = _mm_and_pd(v, ok);
            let shifted = _mm_add_pd(_mm_mul_pd(xs, c(INV_STEP)), c(SHIFT));
            _mm_storeu_si128(
                bits.as_mut_ptr().add(2 * h).cast(),
                _mm_castpd_si128(shifted),
            );
            let kf = _mm_sub_pd(shifted, c(SHIFT));
            let r = _mm_sub_pd(
                _mm_sub_pd(xs, _mm_mul_pd(kf, c(STEP_HI))),
                _mm_mul_pd(kf, c(STEP_LO)),
            );
            let r2 = _mm_mul_pd(r, r);
            let inner = _mm_add_pd(
                _mm_add_pd(c(1.0 / 24.0), _mm_mul_pd(r, c(1.0 / 120.0))),
                _mm_mul_pd(r2, c(1.0 / 720.0)),
            );
            let mid = _mm_add_pd(
                _mm_add_pd(c(1.0 / 2.0), _mm_mul_pd(r, c(1.0 / 6.0))),
                _mm_mul_pd(r2, inner),
            );
            let p = _mm_add_pd(_mm_add_pd(c(1.0), r), _mm_mul_pd(r2, mid));
            _mm_storeu_pd(poly.as_mut_ptr().add(2 * h), p);
        }
        let entries = table_entries(bits);
        let mut y = [0.0f64; LANES];
        for h in 0..2 {
            let b = _mm_loadu_si128(bits.as_ptr().add(2 * h).cast());
            let e = _mm_loadu_si128(entries.as_ptr().add(2 * h).cast());
            let exponent = _mm_and_si128(
                _mm_slli_epi64::<47>(b),
                _mm_set1_epi64x(SIGN_EXPONENT_MASK as i64),
            );
            let scale = _mm_castsi128_pd(_mm_add_epi64(e, exponent));
            let p = _mm_loadu_pd(poly.as_ptr().add(2 * h));
            _mm_storeu_pd(y.as_mut_ptr().add(2 * h), _mm_mul_pd(p, scale));
        }
        if !all_inside {
            outside(x, &mut y);
        }
        y
    }
}

/// The lane exponential in AVX2 intrinsics: [`exp_lanes_portable`]'s steps
/// on one register of four lanes. Safe to call from a function compiled
/// with AVX2 (`#[target_feature(enable = "avx2")]`), where it inlines.
///
/// # Safety
/// From a function not compiled with AVX2, call it only on a CPU that has
/// AVX2 (`is_x86_feature_detected!("avx2")`, or [`LanePath::detect`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub fn exp_lanes_avx2(x: Lanes) -> Lanes {
    let c = |v: f64| _mm256_set1_pd(v);
    // SAFETY: the loads and stores are unaligned ones of arrays of four.
    let v = unsafe { _mm256_loadu_pd(x.as_ptr()) };
    let abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
    // |x| <= 700 is -700 <= x <= 700; ordered, so false for NaN.
    let ok = _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_and_pd(v, abs_mask), c(DOMAIN));
    let all_inside = _mm256_movemask_pd(ok) == 0b1111;
    let xs = _mm256_and_pd(v, ok);
    let shifted = _mm256_add_pd(_mm256_mul_pd(xs, c(INV_STEP)), c(SHIFT));
    let b = _mm256_castpd_si256(shifted);
    let mut bits = [0u64; LANES];
    // SAFETY: as above.
    unsafe { _mm256_storeu_si256(bits.as_mut_ptr().cast(), b) };
    let kf = _mm256_sub_pd(shifted, c(SHIFT));
    let r = _mm256_sub_pd(
        _mm256_sub_pd(xs, _mm256_mul_pd(kf, c(STEP_HI))),
        _mm256_mul_pd(kf, c(STEP_LO)),
    );
    let r2 = _mm256_mul_pd(r, r);
    let inner = _mm256_add_pd(
        _mm256_add_pd(c(1.0 / 24.0), _mm256_mul_pd(r, c(1.0 / 120.0))),
        _mm256_mul_pd(r2, c(1.0 / 720.0)),
    );
    let mid = _mm256_add_pd(
        _mm256_add_pd(c(1.0 / 2.0), _mm256_mul_pd(r, c(1.0 / 6.0))),
        _mm256_mul_pd(r2, inner),
    );
    let poly = _mm256_add_pd(_mm256_add_pd(c(1.0), r), _mm256_mul_pd(r2, mid));
    let entries = table_entries(bits);
    // SAFETY: as above.
    let e = unsafe { _mm256_loadu_si256(entries.as_ptr().cast()) };
    let exponent = _mm256_and_si256(
        _mm256_slli_epi64::<47>(b),
        _mm256_set1_epi64x(SIGN_EXPONENT_MASK as i64),
    );
    let scale = _mm256_castsi256_pd(_mm256_add_epi64(e, exponent));
    let mut y = [0.0f64; LANES];
    // SAFETY: as above.
    unsafe { _mm256_storeu_pd(y.as_mut_ptr(), _mm256_mul_pd(poly, scale)) };
    if !all_inside {
        outside(x, &mut y);
    }
    y
}

/// Whether this CPU runs [`exp_lanes_avx512`] (AVX-512 F and DQ).
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// [`exp_lanes_avx512`] on an array of eight lanes (for tests).
///
/// # Panics
/// If this CPU has no AVX-512 F and DQ.
#[cfg(target_arch = "x86_64")]
pub fn exp_wide_lanes_on_avx512(x: [f64; WIDE_LANES]) -> [f64; WIDE_LANES] {
    assert!(has_avx512(), "this CPU has no AVX-512 F and DQ");
    #[target_feature(enable = "avx512f,avx512dq")]
    fn on_array(x: [f64; WIDE_LANES]) -> [f64; WIDE_LANES] {
        let mut y = [0.0; WIDE_LANES];
        // SAFETY: unaligned load and store of arrays of eight.
        unsafe {
            _mm512_storeu_pd(
                y.as_mut_ptr(),
                exp_lanes_avx512(_mm512_loadu_pd(x.as_ptr())),
            )
        };
        y
    }
    // SAFETY: the CPU has AVX-512 F and DQ, checked above.
    unsafe { on_array(x) }
}

/// The lane exponential in AVX-512 intrinsics: [`exp_lanes_portable`]'s
/// steps on one register of eight lanes, the 32 table entries held in four
/// registers and looked up with two two-register permutes and a blend on
/// the index's fifth bit (where AVX2 loads four entries one by one).
/// Safe to call from a function compiled with AVX-512 F and DQ.
///
/// # Safety
/// From a function not compiled with them, call it only on a CPU that has
/// AVX-512 F and DQ ([`has_avx512`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub fn exp_lanes_avx512(v: __m512d) -> __m512d {
    let c = |v: f64| _mm512_set1_pd(v);
    // |x| <= 700 is -700 <= x <= 700; ordered, so false for NaN.
    let ok = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(_mm512_abs_pd(v), c(DOMAIN));
    let xs = _mm512_maskz_mov_pd(ok, v);
    let shifted = _mm512_add_pd(_mm512_mul_pd(xs, c(INV_STEP)), c(SHIFT));
    let b = _mm512_castpd_si512(shifted);
    let kf = _mm512_sub_pd(shifted, c(SHIFT));
    let r = _mm512_sub_pd(
        _mm512_sub_pd(xs, _mm512_mul_pd(kf, c(STEP_HI))),
        _mm512_mul_pd(kf, c(STEP_LO)),
    );
    let r2 = _mm512_mul_pd(r, r);
    let inner = _mm512_add_pd(
        _mm512_add_pd(c(1.0 / 24.0), _mm512_mul_pd(r, c(1.0 / 120.0))),
        _mm512_mul_pd(r2, c(1.0 / 720.0)),
    );
    let mid = _mm512_add_pd(
        _mm512_add_pd(c(1.0 / 2.0), _mm512_mul_pd(r, c(1.0 / 6.0))),
        _mm512_mul_pd(r2, inner),
    );
    let poly = _mm512_add_pd(_mm512_add_pd(c(1.0), r), _mm512_mul_pd(r2, mid));
    // SAFETY: four unaligned loads of eight entries each, within the
    // table's 32.
    let table: [__m512i; 4] = std::array::from_fn(|q| unsafe {
        _mm512_loadu_si512(EXP2_TABLE.as_ptr().add(8 * q).cast())
    });
    // A permute takes the index's low four bits: entries 0..16 from the
    // first pair of registers, 16..32 from the second, and bit 4 picks.
    let low = _mm512_permutex2var_epi64(table[0], b, table[1]);
    let high = _mm512_permutex2var_epi64(table[2], b, table[3]);
    let upper_half = _mm512_test_epi64_mask(b, _mm512_set1_epi64(16));
    let e = _mm512_mask_blend_epi64(upper_half, low, high);
    let exponent = _mm512_and_si512(
        _mm512_slli_epi64::<47>(b),
        _mm512_set1_epi64(SIGN_EXPONENT_MASK as i64),
    );
    let scale = _mm512_castsi512_pd(_mm512_add_epi64(e, exponent));
    let y = _mm512_mul_pd(poly, scale);
    if ok == 0xff {
        return y;
    }
    let (mut xa, mut ya) = ([0.0f64; WIDE_LANES], [0.0f64; WIDE_LANES]);
    // SAFETY: unaligned loads and stores of arrays of eight.
    unsafe {
        _mm512_storeu_pd(xa.as_mut_ptr(), v);
        _mm512_storeu_pd(ya.as_mut_ptr(), y);
        outside(xa, &mut ya);
        _mm512_loadu_pd(ya.as_ptr())
    }
}

/// `N` Xoshiro256++ generators stepped together, the state held word by
/// word across lanes so the steps vectorise. Lane `l` gives exactly the
/// numbers of the generator it was built from.
#[derive(Debug, Clone)]
pub struct XoshiroLanes<const N: usize = LANES> {
    /// `s[w][l]`: word `w` of lane `l`'s state.
    pub(super) s: [[u64; N]; 4],
}

impl<const N: usize> XoshiroLanes<N> {
    /// The lanes of these generators, in their current states.
    pub fn new(generators: &[Xoshiro256PlusPlus; N]) -> XoshiroLanes<N> {
        let mut lanes = XoshiroLanes { s: [[0u64; N]; 4] };
        for (l, g) in generators.iter().enumerate() {
            lanes.set_generator(l, g);
        }
        lanes
    }

    /// Lane `l`'s generator, in its current state.
    pub fn generator(&self, l: usize) -> Xoshiro256PlusPlus {
        let mut bytes = [0u8; 32];
        for (w, word) in self.s.iter().enumerate() {
            bytes[8 * w..8 * w + 8].copy_from_slice(&word[l].to_le_bytes());
        }
        // A Xoshiro state is never all zero, so `from_seed` (which maps
        // the all-zero seed elsewhere) restores it exactly.
        Xoshiro256PlusPlus::from_seed(bytes)
    }

    /// Puts `generator`'s state in lane `l`.
    pub fn set_generator(&mut self, l: usize, generator: &Xoshiro256PlusPlus) {
        let bytes = generator.state();
        for (w, word) in self.s.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[8 * w..8 * w + 8]);
            word[l] = u64::from_le_bytes(b);
        }
    }

    /// The next `u64` of every lane (Xoshiro256++'s `next_u64`).
    #[inline(always)]
    pub fn next_u64(&mut self) -> [u64; N] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u64; N];
        for l in 0..N {
            out[l] = s0[l]
                .wrapping_add(s3[l])
                .rotate_left(23)
                .wrapping_add(s0[l]);
            let t = s1[l] << 17;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = s3[l].rotate_left(45);
        }
        out
    }

    /// The next uniform in [0, 1) of every lane: the bits of `rand`'s
    /// `random::<f64>()` (the top 53 bits of `next_u64` times 2^-53).
    #[inline(always)]
    pub fn next_f64(&mut self) -> [f64; N] {
        unit_f64(self.next_u64())
    }
}

/// `rand`'s `random::<f64>()` of each of these `next_u64` draws: the top
/// 53 bits times 2^-53.
#[inline(always)]
pub fn unit_f64<const N: usize>(draws: [u64; N]) -> [f64; N] {
    let mut u = [0.0; N];
    for l in 0..N {
        u[l] = u53_to_unit(draws[l] >> 11);
    }
    u
}

/// `n as f64 * 2^-53` for `n < 2^53`, built from bit operations and exact
/// IEEE additions because SSE2 and AVX2 have no vector conversion from
/// 64-bit integers (LLVM would convert lane by lane). The low 52 bits `lo`
/// become 2^52 + lo by putting them under the exponent of 2^52, then 2^52
/// is subtracted (exact); bit 52 adds 2^52 (exact: the sum is an integer
/// below 2^53); the scaling by a power of two is exact. So the result is
/// the correctly rounded, here exact, `n as f64 * 2^-53` that `rand` computes.
#[inline(always)]
fn u53_to_unit(n: u64) -> f64 {
    const TWO52_BITS: u64 = 0x4330_0000_0000_0000;
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let lo = f64::from_bits(TWO52_BITS | (n & ((1 << 52) - 1))) - TWO52;
    let hi = f64::from_bits(TWO52_BITS & 0u64.wrapping_sub(n >> 52));
    (lo + hi) * (1.0 / 9_007_199_254_740_992.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::seeds::{STREAM_CHOICE, run_seed, stream};
    use crate::model::exp::exp;
    use proptest::prelude::*;
    use rand::{Rng, RngExt, SeedableRng};

    /// Lane by lane, every path against the scalar, comparing bits (NaN
    /// payloads included: the scalar's NaN is `f64::exp`'s, passed through).
    fn check(x: Lanes) {
        let want = x.map(exp);
        for path in LanePath::available() {
            let got = exp_lanes_on(path, x);
            for l in 0..LANES {
                assert_eq!(
                    got[l].to_bits(),
                    want[l].to_bits(),
                    "{} lane {l}: exp({:e}) = {:e}, scalar {:e}",
                    path.name(),
                    x[l],
                    got[l],
                    want[l]
                );
            }
        }
        assert_eq!(exp_lanes(x).map(f64::to_bits), want.map(f64::to_bits));
    }

    /// All eight lanes of the AVX-512 path against the scalar, on seeded
    /// inputs from every domain mixed across the lanes and the specials
    /// that leave the fast path in each lane position.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx512_path_gives_the_scalar_bits_in_all_eight_lanes() {
        if !has_avx512() {
            // A CPU without AVX-512 never runs this path.
            return;
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(29);
        for k in 0..100_000 {
            let mut x: [f64; WIDE_LANES] = std::array::from_fn(|l| match (k + l) % 4 {
                0 => rng.random_range(-760.0..760.0),
                1 => -37.0 * rng.random::<f64>(),
                2 => f64::from_bits(rng.next_u64()),
                _ => rng.random_range(-1.0..1.0),
            });
            if k % 97 == 0 {
                x[k % WIDE_LANES] = [f64::NAN, f64::INFINITY, -745.2, 709.8][k % 4];
            }
            let got = exp_wide_lanes_on_avx512(x);
            for l in 0..WIDE_LANES {
                assert_eq!(
                    got[l].to_bits(),
                    exp(x[l]).to_bits(),
                    "lane {l}: exp({:e})",
                    x[l]
                );
            }
        }
    }

    #[test]
    fn this_machine_runs_every_path_it_has() {
        // Otherwise the bit-identity tests below would skip a path.
        #[cfg(target_arch = "x86_64")]
        {
            let mut want = vec![LanePath::Portable, LanePath::Sse2];
            if std::arch::is_x86_feature_detected!("avx2") {
                want.push(LanePath::Avx2);
            }
            assert_eq!(LanePath::available(), want);
        }
        assert_eq!(LanePath::available()[0], LanePath::Portable);
        assert!(LanePath::available().contains(&LanePath::detect()));
    }

    #[test]
    fn special_values_give_the_scalar_bits_in_every_lane_position() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            700.0,
            -700.0,
            f64::from_bits(700f64.to_bits() + 1),
            f64::from_bits((-700f64).to_bits() + 1),
            f64::from_bits(700f64.to_bits() - 1),
            709.78,
            709.8,
            -708.0,
            -720.0,
            -745.0,
            -745.2,
            -746.0,
            -1e300,
            1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::from_bits(1 | (1 << 63)),
            f64::EPSILON,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff0_0000_0000_0001), // a signalling NaN
            -37.0,
            std::f64::consts::LN_2 / 64.0,
            -std::f64::consts::LN_2 / 64.0,
            std::f64::consts::LN_2 * 0.5,
        ];
        // Each special in each lane, the others ordinary or special too, so
        // the fall-back is tested with every mix of lanes in and out.
        for (i, &a) in specials.iter().enumerate() {
            for (j, &b) in specials.iter().enumerate() {
                check([a, -2.5, b, 0.3]);
                check([b, a, specials[(i + j) % specials.len()], a]);
            }
        }
        // Subnormal results (the scalar defers to f64::exp there).
        let y = exp_lanes([-740.0, -744.0, -708.5, -709.0]);
        assert!(y[0] > 0.0 && !y[0].is_normal() && y[1] > 0.0 && !y[1].is_normal());
    }

    #[test]
    fn a_million_seeded_inputs_give_the_scalar_bits() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
        for k in 0..250_000 {
            // Alternating domains: the whole of the scalar's and beyond,
            // the logit's [-37, 0], and raw bit patterns (any double).
            let x: Lanes = std::array::from_fn(|_| match k % 4 {
                0 => rng.random_range(-760.0..760.0),
                1 => -37.0 * rng.random::<f64>(),
                2 => f64::from_bits(rng.next_u64()),
                _ => rng.random_range(-1.0..1.0),
            });
            check(x);
        }
    }

    proptest! {
        #[test]
        fn any_inputs_give_the_scalar_bits(x in prop::array::uniform4(any::<f64>())) {
            check(x);
        }

        #[test]
        fn any_in_domain_inputs_give_the_scalar_bits(
            x in prop::array::uniform4(-700.0f64..=700.0)
        ) {
            check(x);
        }
    }

    #[test]
    fn lanes_of_generators_give_each_generator_s_numbers() {
        // Seeded as the engine seeds the choice streams of runs 0..4.
        let gens: [Xoshiro256PlusPlus; LANES] =
            std::array::from_fn(|l| stream(run_seed(20250903, l as u64), STREAM_CHOICE, 0));
        let mut scalar = gens.clone();
        let mut lanes = XoshiroLanes::new(&gens);
        for k in 0..10_000 {
            if k % 2 == 0 {
                let got = lanes.next_u64();
                for l in 0..LANES {
                    assert_eq!(got[l], scalar[l].next_u64(), "draw {k} lane {l}");
                }
            } else {
                let got = lanes.next_f64();
                for l in 0..LANES {
                    let want = scalar[l].random::<f64>();
                    assert_eq!(got[l].to_bits(), want.to_bits(), "draw {k} lane {l}");
                }
            }
        }
    }

    #[test]
    fn the_uniform_conversion_is_exact_at_its_edges() {
        for n in [
            0u64,
            1,
            (1 << 52) - 1,
            1 << 52,
            (1 << 52) + 1,
            (1 << 53) - 1,
        ] {
            assert_eq!(u53_to_unit(n), n as f64 / 9_007_199_254_740_992.0, "{n}");
        }
    }
}
