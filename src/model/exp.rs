//! The exponential the model uses in its week step.
//!
//! Why not `f64::exp`: the week step takes about a dozen exponentials per
//! agent-week (the logit weights above all), and the platform's `exp` is an
//! out-of-line call with an error-handling wrapper. This one inlines into the
//! choice loop, and it is built from IEEE additions and multiplications only,
//! so it gives the same bits on every platform and libm (the samplers of
//! `rand_distr` still use the platform's functions).
//!
//! Method: x = (32m + j)·ln2/32 + r with |r| ≤ ln2/64 (Cody–Waite split of
//! ln2/32, whose high part has 32 significant bits so k·high is exact), then
//! e^x = 2^m · 2^(j/32) · e^r with 2^(j/32) from a table of the correctly
//! rounded values and e^r from its Taylor series to degree 6 (truncation
//! below 2^-58 relative), scaled through the exponent bits. Error at most
//! 4 ulp against a correctly rounded exponential (the test checks it against
//! `f64::exp` over the whole domain and the table against `powf`); outside
//! [-700, 700] it defers to `f64::exp`.

// The table and constants are shared with the lane version (`super::lanes`),
// which must repeat this arithmetic to the bit.

/// 2^(j/32), j = 0..32, correctly rounded (computed to 60 digits).
pub(crate) const EXP2_TABLE: [f64; 32] = [
    f64::from_bits(0x3ff0000000000000),
    f64::from_bits(0x3ff059b0d3158574),
    f64::from_bits(0x3ff0b5586cf9890f),
    f64::from_bits(0x3ff11301d0125b51),
    f64::from_bits(0x3ff172b83c7d517b),
    f64::from_bits(0x3ff1d4873168b9aa),
    f64::from_bits(0x3ff2387a6e756238),
    f64::from_bits(0x3ff29e9df51fdee1),
    f64::from_bits(0x3ff306fe0a31b715),
    f64::from_bits(0x3ff371a7373aa9cb),
    f64::from_bits(0x3ff3dea64c123422),
    f64::from_bits(0x3ff44e086061892d),
    f64::from_bits(0x3ff4bfdad5362a27),
    f64::from_bits(0x3ff5342b569d4f82),
    f64::from_bits(0x3ff5ab07dd485429),
    f64::from_bits(0x3ff6247eb03a5585),
    f64::from_bits(0x3ff6a09e667f3bcd),
    f64::from_bits(0x3ff71f75e8ec5f74),
    f64::from_bits(0x3ff7a11473eb0187),
    f64::from_bits(0x3ff82589994cce13),
    f64::from_bits(0x3ff8ace5422aa0db),
    f64::from_bits(0x3ff93737b0cdc5e5),
    f64::from_bits(0x3ff9c49182a3f090),
    f64::from_bits(0x3ffa5503b23e255d),
    f64::from_bits(0x3ffae89f995ad3ad),
    f64::from_bits(0x3ffb7f76f2fb5e47),
    f64::from_bits(0x3ffc199bdd85529c),
    f64::from_bits(0x3ffcb720dcef9069),
    f64::from_bits(0x3ffd5818dcfba487),
    f64::from_bits(0x3ffdfc97337b9b5f),
    f64::from_bits(0x3ffea4afa2a490da),
    f64::from_bits(0x3fff50765b6e4540),
];

// 32/ln2.
pub(crate) const INV_STEP: f64 = 46.166_241_308_446_83;
// ln2/32 split in a high part with 32 significant bits and the rest.
pub(crate) const STEP_HI: f64 = 0.021_660_849_386_535_12;
pub(crate) const STEP_LO: f64 = 5.963_171_653_970_586_6e-12;
// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
pub(crate) const SHIFT: f64 = 6_755_399_441_055_744.0;

/// e^x, to within 4 ulp, bit-identical on every platform for |x| ≤ 700.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    if !(-700.0..=700.0).contains(&x) {
        return x.exp();
    }
    let shifted = x * INV_STEP + SHIFT;
    let k = shifted.to_bits() as i64 as i32;
    let kf = shifted - SHIFT;
    let r = (x - kf * STEP_HI) - kf * STEP_LO;
    let r2 = r * r;
    let poly = (1.0 + r)
        + r2 * ((1.0 / 2.0 + r * (1.0 / 6.0))
            + r2 * ((1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0)));
    // 2^m · 2^(j/32) by adding m to the table entry's exponent: |m| ≤ 1010
    // here, so the result is a normal number.
    let entry = EXP2_TABLE[(k & 31) as usize];
    let scale = f64::from_bits((entry.to_bits() as i64 + (i64::from(k >> 5) << 52)) as u64);
    poly * scale
}

#[cfg(test)]
mod tests {
    use super::{EXP2_TABLE, exp};

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn within_four_ulp_of_the_platform_exp_over_the_domain() {
        let mut worst = 0;
        // A low-discrepancy walk over [-700, 700] and over the logit range.
        for j in 0..400_000u64 {
            let u = (j as f64 * 0.754_877_666_246_692_7).fract();
            for x in [1400.0 * u - 700.0, -37.0 * u] {
                worst = worst.max(ulps(exp(x), x.exp()));
            }
        }
        assert!(worst <= 4, "worst error {worst} ulp");
    }

    #[test]
    fn the_table_holds_the_powers_of_two() {
        for (j, &entry) in EXP2_TABLE.iter().enumerate() {
            assert!(ulps(entry, 2f64.powf(j as f64 / 32.0)) <= 1, "entry {j}");
        }
    }

    #[test]
    fn exact_where_it_must_be_and_total_outside_the_domain() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-800.0), (-800.0f64).exp());
        assert_eq!(exp(800.0), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        // Monotone across a reduction boundary (k changes at ln2/64).
        let edge = std::f64::consts::LN_2 / 64.0;
        assert!(exp(edge - 1e-12) < exp(edge + 1e-12));
    }
}
