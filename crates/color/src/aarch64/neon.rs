//! NEON kernels: 16 pixels per iteration.
//!
//! `vld3q_u8`/`vld4q_u8` deinterleave the packed pixels into one register per channel. Each
//! term of the rounding rule of [`crate::coeffs`] is one `vqrdmulhq_s16` (`sqrdmulh`), which
//! computes `sat((2 x c + 2^15) >> 16)`, that is `(x c + 2^14) >> 15`: it saturates only for
//! `x = c = -32768`, and `x` is never negative. The terms and the bias are added with wrapping
//! `vaddq_s16` (every partial sum fits `i16`, and wrapping addition does not depend on the
//! order anyway), and `vqshrun_n_s16` does the final `>> 6` and the clamp to `0..=255`. The 2x2
//! sums of 4:2:0 chroma are `vpaddlq_u8` on the upper row plus `vpadalq_u8` on the lower one.

use core::arch::aarch64::*;

use framecast_core::PixelFormat;

use crate::coeffs::Coeffs;
use crate::scalar::{Layout, with_layout};

/// Pixels per iteration: one 128-bit register of 8-bit samples per channel.
const LANES: usize = 16;

/// One output row of the matrix, broadcast: the three Q15 coefficients and the bias.
#[derive(Clone, Copy)]
struct Row {
    r: int16x8_t,
    g: int16x8_t,
    b: int16x8_t,
    bias: int16x8_t,
}

/// The whole matrix, broadcast once per call.
#[derive(Clone, Copy)]
struct Matrix {
    y: Row,
    u: Row,
    v: Row,
}

#[inline]
#[target_feature(enable = "neon")]
fn row(c: [i16; 3], bias: i16) -> Row {
    Row {
        r: vdupq_n_s16(c[0]),
        g: vdupq_n_s16(c[1]),
        b: vdupq_n_s16(c[2]),
        bias: vdupq_n_s16(bias),
    }
}

#[inline]
#[target_feature(enable = "neon")]
fn matrix(c: &Coeffs) -> Matrix {
    Matrix {
        y: row(c.y, c.y_bias),
        u: row(c.u, c.c_bias),
        v: row(c.v, c.c_bias),
    }
}

/// `clamp((t_r + t_g + t_b + bias) >> 6, 0, 255)` for 8 pixels of Q6 samples.
#[inline]
#[target_feature(enable = "neon")]
fn dot(r: int16x8_t, g: int16x8_t, b: int16x8_t, m: &Row) -> uint8x8_t {
    let tr = vqrdmulhq_s16(r, m.r);
    let tg = vqrdmulhq_s16(g, m.g);
    let tb = vqrdmulhq_s16(b, m.b);
    let sum = vaddq_s16(vaddq_s16(tr, tg), vaddq_s16(tb, m.bias));
    vqshrun_n_s16::<6>(sum)
}

/// Q6 samples `s << 6` of 16 pixels, as the low and the high 8.
#[inline]
#[target_feature(enable = "neon")]
fn q6(s: uint8x16_t) -> [int16x8_t; 2] {
    [
        vreinterpretq_s16_u16(vshll_n_u8::<6>(vget_low_u8(s))),
        vreinterpretq_s16_u16(vshll_high_n_u8::<6>(s)),
    ]
}

/// The R, G and B samples of the first 16 pixels of `px`, one register each.
///
/// Panics if `px` is shorter than 16 pixels.
#[inline]
#[target_feature(enable = "neon")]
fn load_rgb<L: Layout>(px: &[u8]) -> [uint8x16_t; 3] {
    let px = &px[..LANES * L::BPP];
    match L::BPP {
        1 => {
            // SAFETY: `px` holds the 16 bytes `vld1q_u8` reads (it has no alignment requirement).
            let s = unsafe { vld1q_u8(px.as_ptr()) };
            [s, s, s]
        }
        3 => {
            // SAFETY: `px` holds the 48 bytes `vld3q_u8` reads (it has no alignment requirement).
            let s = unsafe { vld3q_u8(px.as_ptr()) };
            let ch = [s.0, s.1, s.2];
            [ch[L::R], ch[L::G], ch[L::B]]
        }
        4 => {
            // SAFETY: `px` holds the 64 bytes `vld4q_u8` reads (it has no alignment requirement).
            let s = unsafe { vld4q_u8(px.as_ptr()) };
            let ch = [s.0, s.1, s.2, s.3];
            [ch[L::R], ch[L::G], ch[L::B]]
        }
        _ => unreachable!("layouts have 1, 3 or 4 bytes per pixel"),
    }
}

/// Stores 16 bytes at the start of `dst`. Panics if `dst` is shorter.
#[inline]
#[target_feature(enable = "neon")]
fn store16(dst: &mut [u8], v: uint8x16_t) {
    let dst = &mut dst[..16];
    // SAFETY: `dst` is 16 writable bytes; `vst1q_u8` has no alignment requirement.
    unsafe { vst1q_u8(dst.as_mut_ptr(), v) }
}

/// Stores 8 bytes at the start of `dst`. Panics if `dst` is shorter.
#[inline]
#[target_feature(enable = "neon")]
fn store8(dst: &mut [u8], v: uint8x8_t) {
    let dst = &mut dst[..8];
    // SAFETY: `dst` is 8 writable bytes; `vst1_u8` has no alignment requirement.
    unsafe { vst1_u8(dst.as_mut_ptr(), v) }
}

#[target_feature(enable = "neon")]
fn row_444_neon<L: Layout>(
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    let m = matrix(c);
    let width = y.len().min(u.len()).min(v.len()).min(src.len() / L::BPP);
    let done = width - width % LANES;
    for i in (0..done).step_by(LANES) {
        let [r, g, b] = load_rgb::<L>(&src[i * L::BPP..]);
        let ([r0, r1], [g0, g1], [b0, b1]) = (q6(r), q6(g), q6(b));
        let plane = |m: &Row| vcombine_u8(dot(r0, g0, b0, m), dot(r1, g1, b1, m));
        store16(&mut y[i..], plane(&m.y));
        store16(&mut u[i..], plane(&m.u));
        store16(&mut v[i..], plane(&m.v));
    }
    done
}

#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
#[target_feature(enable = "neon")]
fn rows_420_neon<L: Layout>(
    src0: &[u8],
    src1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    let m = matrix(c);
    let width = y0
        .len()
        .min(y1.len())
        .min(src0.len() / L::BPP)
        .min(src1.len() / L::BPP)
        .min(2 * u.len())
        .min(2 * v.len());
    let done = width - width % LANES;
    for i in (0..done).step_by(LANES) {
        let top = load_rgb::<L>(&src0[i * L::BPP..]);
        let bottom = load_rgb::<L>(&src1[i * L::BPP..]);
        for (px, out) in [(top, &mut *y0), (bottom, &mut *y1)] {
            let ([r0, r1], [g0, g1], [b0, b1]) = (q6(px[0]), q6(px[1]), q6(px[2]));
            let luma = vcombine_u8(dot(r0, g0, b0, &m.y), dot(r1, g1, b1, &m.y));
            store16(&mut out[i..], luma);
        }
        // Each 2x2 block: horizontal pair sums of the top row, plus those of the bottom row;
        // at most 4 * 255, so `<< 4` is at most 16320.
        let [r, g, b] = [0, 1, 2].map(|k| {
            let sum = vpadalq_u8(vpaddlq_u8(top[k]), bottom[k]);
            vreinterpretq_s16_u16(vshlq_n_u16::<4>(sum))
        });
        store8(&mut u[i / 2..], dot(r, g, b, &m.u));
        store8(&mut v[i / 2..], dot(r, g, b, &m.v));
    }
    done
}

/// Converts the longest prefix of one row that is a multiple of 16 pixels to 4:4:4 and
/// returns its length; the scalar kernel finishes the row.
///
/// # Safety
/// The CPU must support NEON. (Every slice access is bounds-checked; the kernel never reads or
/// writes outside the slices.)
pub(crate) unsafe fn row_444(
    fmt: PixelFormat,
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    // SAFETY: the caller guarantees that the CPU supports NEON.
    unsafe { with_layout!(fmt, row_444_neon(src, y, u, v, c), else 0) }
}

/// Converts the longest prefix of two rows that is a multiple of 16 pixels (so even) to 4:2:0
/// and returns its length; the scalar kernel finishes the rows.
///
/// # Safety
/// The CPU must support NEON. (Every slice access is bounds-checked; the kernel never reads or
/// writes outside the slices.)
#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
pub(crate) unsafe fn rows_420(
    fmt: PixelFormat,
    src0: &[u8],
    src1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    // SAFETY: the caller guarantees that the CPU supports NEON.
    unsafe { with_layout!(fmt, rows_420_neon(src0, src1, y0, y1, u, v, c), else 0) }
}
