//! Fixed-point conversion coefficients: the single source of truth for every backend.
//!
//! # The RGB -> YUV rounding rule
//!
//! Every backend computes exactly this, so SIMD output is byte-identical to scalar output.
//!
//! 1. Each input sample is brought to "Q6": `x = s << 6` for a single 8-bit sample, or
//!    `x = (s0 + s1 + s2 + s3) << 4` for the sum of a 2x2 block (4:2:0 chroma; edge pixels are
//!    replicated at odd widths and heights). `x` is at most 16320, so it fits an `i16`.
//! 2. Each term is `t = (x * c + 2^14) >> 15` with a Q15 coefficient `c`: the rounding
//!    high-half multiply that SSSE3 (`pmulhrsw`), NEON (`sqrdmulh`) and wasm simd128
//!    (`i16x8.q15mulr_sat`) all provide with exactly this result.
//! 3. `out = clamp((t_r + t_g + t_b + bias) >> 6, 0, 255)` with `bias = (offset << 6) + 32`, where
//!    `offset` is 16 (limited-range Y), 0 (full-range Y) or 128 (chroma). Every partial sum stays
//!    inside `i16` for every matrix and range (see `sums_fit_i16` in the tests).
//!
//! Each term is off by at most 0.5 of a Q6 step from rounding plus 0.25 from coefficient
//! quantisation, so the sum is within 2.25/64 of an output step of the exact value: the result is
//! always within +-1 of `round(exact)`, and equal to it except when the exact value is within 0.04
//! of a half.
//!
//! The coefficients of each row are quantised so that they keep the row's exact sum (the luma
//! scale, or zero for chroma): a neutral grey always gives chroma 128 and full-range white gives
//! luma 255.

use framecast_core::{ColorSpec, Range};

/// Q15 coefficients and biases for one [`ColorSpec`]. Rows are `[r, g, b]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Coeffs {
    pub(crate) y: [i16; 3],
    pub(crate) u: [i16; 3],
    pub(crate) v: [i16; 3],
    /// `(16 << 6) + 32` or `32`.
    pub(crate) y_bias: i16,
    /// `(128 << 6) + 32`.
    pub(crate) c_bias: i16,
}

/// Quantises `row` to integers scaled by `scale` so that their sum equals the rounded exact sum;
/// the rounding error is given to the element whose own rounding was the least accurate.
fn quantise_row(row: [f64; 3], scale: f64) -> [i32; 3] {
    let exact: [f64; 3] = row.map(|c| c * scale);
    let mut q = exact.map(|c| c.round() as i32);
    let target = (exact.iter().sum::<f64>()).round() as i32;
    let diff = target - q.iter().sum::<i32>();
    if diff != 0 {
        // Adjust the term whose rounding moved it the most in the wrong direction.
        let step = diff.signum();
        let worst = (0..3)
            .max_by(|&a, &b| {
                let ea = (exact[a] - f64::from(q[a])) * f64::from(step);
                let eb = (exact[b] - f64::from(q[b])) * f64::from(step);
                ea.total_cmp(&eb)
            })
            .unwrap_or(0);
        q[worst] += diff;
    }
    q
}

/// The real-valued RGB -> YUV matrix for 8-bit samples: rows Y, Cb, Cr over columns R, G, B, in
/// output steps per input step (ITU-T H.273 equations for `MatrixCoefficients` 1, 5/6 and 9).
pub(crate) fn float_matrix(spec: ColorSpec) -> [[f64; 3]; 3] {
    let (kr, kb) = spec.matrix.kr_kb();
    let kg = 1.0 - kr - kb;
    let (ys, cs) = match spec.range {
        Range::Limited => (219.0 / 255.0, 224.0 / 255.0),
        Range::Full => (1.0, 1.0),
    };
    let y = [kr, kg, kb];
    // Cb = (B - Y') / (2 (1 - Kb)), Cr = (R - Y') / (2 (1 - Kr)).
    let u = [-kr / (2.0 * (1.0 - kb)), -kg / (2.0 * (1.0 - kb)), 0.5];
    let v = [0.5, -kg / (2.0 * (1.0 - kr)), -kb / (2.0 * (1.0 - kr))];
    [y.map(|c| c * ys), u.map(|c| c * cs), v.map(|c| c * cs)]
}

/// Luma offset in output steps: 16 for limited range, 0 for full.
pub(crate) fn y_offset(range: Range) -> i32 {
    match range {
        Range::Limited => 16,
        Range::Full => 0,
    }
}

impl Coeffs {
    pub(crate) fn new(spec: ColorSpec) -> Coeffs {
        let [y, u, v] = float_matrix(spec);
        let q = |row| quantise_row(row, 32768.0).map(|c| c as i16);
        Coeffs {
            y: q(y),
            u: q(u),
            v: q(v),
            y_bias: ((y_offset(spec.range) << 6) + 32) as i16,
            c_bias: (128 << 6) + 32,
        }
    }
}

/// Fixed-point YUV -> RGB coefficients (Q16) for one [`ColorSpec`].
///
/// `R = (yc (Y - yo) + rv (V - 128) + 2^15) >> 16`, `G = (yc (Y - yo) - gu (U - 128) - gv (V - 128)
/// + 2^15) >> 16`, `B = (yc (Y - yo) + bu (U - 128) + 2^15) >> 16`, each clamped to 0..=255.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InverseCoeffs {
    pub(crate) y_offset: i32,
    pub(crate) yc: i32,
    pub(crate) rv: i32,
    pub(crate) gu: i32,
    pub(crate) gv: i32,
    pub(crate) bu: i32,
}

impl InverseCoeffs {
    pub(crate) fn new(spec: ColorSpec) -> InverseCoeffs {
        let (kr, kb) = spec.matrix.kr_kb();
        let kg = 1.0 - kr - kb;
        let (ys, cs) = match spec.range {
            Range::Limited => (255.0 / 219.0, 255.0 / 224.0),
            Range::Full => (1.0, 1.0),
        };
        let q = |c: f64| (c * 65536.0).round() as i32;
        InverseCoeffs {
            y_offset: y_offset(spec.range),
            yc: q(ys),
            rv: q(2.0 * (1.0 - kr) * cs),
            gu: q(2.0 * kb * (1.0 - kb) / kg * cs),
            gv: q(2.0 * kr * (1.0 - kr) / kg * cs),
            bu: q(2.0 * (1.0 - kb) * cs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use framecast_core::Matrix;

    fn all_specs() -> impl Iterator<Item = ColorSpec> {
        Matrix::ALL
            .into_iter()
            .flat_map(|m| Range::ALL.into_iter().map(move |r| ColorSpec::new(m, r)))
    }

    #[test]
    fn rows_keep_their_exact_sums() {
        for spec in all_specs() {
            let c = Coeffs::new(spec);
            let ysum: i32 = c.y.iter().map(|&v| i32::from(v)).sum();
            let expect = if spec.range == Range::Full {
                32768
            } else {
                (219.0 * 32768.0 / 255.0f64).round() as i32
            };
            assert_eq!(ysum, expect, "{spec}");
            assert_eq!(c.u.iter().map(|&v| i32::from(v)).sum::<i32>(), 0, "{spec}");
            assert_eq!(c.v.iter().map(|&v| i32::from(v)).sum::<i32>(), 0, "{spec}");
        }
    }

    /// The SIMD kernels add terms and bias in 16-bit lanes: the worst-case sums must fit.
    #[test]
    fn sums_fit_i16() {
        let xmax = 255 * 64;
        let term = |x: i32, c: i16| (x * i32::from(c) + (1 << 14)) >> 15;
        for spec in all_specs() {
            let c = Coeffs::new(spec);
            for (row, bias) in [(c.y, c.y_bias), (c.u, c.c_bias), (c.v, c.c_bias)] {
                let hi: i32 = row
                    .iter()
                    .map(|&k| term(if k > 0 { xmax } else { 0 }, k))
                    .sum::<i32>();
                let lo: i32 = row
                    .iter()
                    .map(|&k| term(if k < 0 { xmax } else { 0 }, k))
                    .sum::<i32>();
                // Partial sums: any prefix of the three terms plus the bias.
                assert!(hi + i32::from(bias) <= i32::from(i16::MAX), "{spec}");
                assert!(lo + i32::from(bias) >= 0, "{spec}");
                assert!(lo >= i32::from(i16::MIN), "{spec}");
            }
        }
    }
}
