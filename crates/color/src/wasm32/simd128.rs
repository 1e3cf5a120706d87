//! wasm simd128 kernels: 16 pixels per iteration.
//!
//! simd128 is a compile-time feature (`-C target-feature=+simd128`; a wasm engine validates the
//! whole module, there is no run-time detection), so these are safe functions and this module
//! only exists in such builds.
//!
//! wasm has no deinterleaving load: 3-byte pixels are split into channels with two
//! `i8x16.shuffle`s per channel, 4-byte ones with a byte shuffle per channel pair and a 64-bit
//! lane shuffle per channel. Each term of the rounding rule of [`crate::coeffs`] is one
//! `i16x8.q15mulr_sat`, which is exactly `(x c + 2^14) >> 15` (it saturates only for
//! `x = c = -32768`, and `x` is never negative). The terms and the bias are added with wrapping
//! `i16x8.add` (every partial sum fits `i16`), then `i16x8.shr_s` by 6 and the saturating
//! `u8x16.narrow_i16x8` clamp to `0..=255`. The 2x2 sums of 4:2:0 chroma are
//! `i16x8.extadd_pairwise_i8x16_u` on both rows.

use core::arch::wasm32::*;

use framecast_core::PixelFormat;

use crate::coeffs::Coeffs;
use crate::scalar::{Layout, with_layout};

/// Pixels per iteration: one 128-bit register of 8-bit samples per channel.
const LANES: usize = 16;

/// One output row of the matrix, broadcast: the three Q15 coefficients and the bias.
#[derive(Clone, Copy)]
struct Row {
    r: v128,
    g: v128,
    b: v128,
    bias: v128,
}

/// The whole matrix, broadcast once per call.
#[derive(Clone, Copy)]
struct Matrix {
    y: Row,
    u: Row,
    v: Row,
}

#[inline]
fn row(c: [i16; 3], bias: i16) -> Row {
    Row {
        r: i16x8_splat(c[0]),
        g: i16x8_splat(c[1]),
        b: i16x8_splat(c[2]),
        bias: i16x8_splat(bias),
    }
}

#[inline]
fn matrix(c: &Coeffs) -> Matrix {
    Matrix {
        y: row(c.y, c.y_bias),
        u: row(c.u, c.c_bias),
        v: row(c.v, c.c_bias),
    }
}

/// `(t_r + t_g + t_b + bias) >> 6` for 8 pixels of Q6 samples, still in `i16` lanes (the
/// caller's saturating narrow clamps it).
#[inline]
fn dot(r: v128, g: v128, b: v128, m: &Row) -> v128 {
    let tr = i16x8_q15mulr_sat(r, m.r);
    let tg = i16x8_q15mulr_sat(g, m.g);
    let tb = i16x8_q15mulr_sat(b, m.b);
    i16x8_shr(i16x8_add(i16x8_add(tr, tg), i16x8_add(tb, m.bias)), 6)
}

/// Q6 samples `s << 6` of 16 pixels, as the low and the high 8.
#[inline]
fn q6(s: v128) -> [v128; 2] {
    [
        i16x8_shl(u16x8_extend_low_u8x16(s), 6),
        i16x8_shl(u16x8_extend_high_u8x16(s), 6),
    ]
}

/// 16 bytes from `src` at `at`. Panics if `src` is shorter.
#[inline]
fn load(src: &[u8], at: usize) -> v128 {
    let src = &src[at..at + 16];
    // SAFETY: `src` holds the 16 bytes `v128_load` reads (it has no alignment requirement).
    unsafe { v128_load(src.as_ptr().cast()) }
}

/// Stores 16 bytes at the start of `dst`. Panics if `dst` is shorter.
#[inline]
fn store16(dst: &mut [u8], v: v128) {
    let dst = &mut dst[..16];
    // SAFETY: `dst` is 16 writable bytes; `v128_store` has no alignment requirement.
    unsafe { v128_store(dst.as_mut_ptr().cast(), v) }
}

/// Stores the 8 bytes of 64-bit lane `LANE` of `v` at the start of `dst`. Panics if `dst` is
/// shorter.
#[inline]
fn store8<const LANE: usize>(dst: &mut [u8], v: v128) {
    dst[..8].copy_from_slice(&u64x2_extract_lane::<LANE>(v).to_le_bytes());
}

/// Splits 16 packed 3-byte pixels (`a`, `b`, `c`) into their byte positions 0, 1 and 2:
/// byte `3 i + k` goes to lane `i` of channel `k`. The first shuffle gathers the lanes found in
/// `a` and `b`, the second the rest from `c`.
#[inline]
fn deinterleave3(a: v128, b: v128, c: v128) -> [v128; 3] {
    let t0 = i8x16_shuffle::<0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0>(a, b);
    let t1 = i8x16_shuffle::<1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0>(a, b);
    let t2 = i8x16_shuffle::<2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0>(a, b);
    [
        i8x16_shuffle::<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29>(t0, c),
        i8x16_shuffle::<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30>(t1, c),
        i8x16_shuffle::<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31>(t2, c),
    ]
}

/// Splits 16 packed 4-byte pixels (`a` to `d`) into their byte positions 0 to 3. Each byte
/// shuffle gathers two positions of 8 pixels (one per 64-bit half); a 64-bit lane shuffle then
/// joins the halves of pixels 0..8 and 8..16.
#[inline]
fn deinterleave4(a: v128, b: v128, c: v128, d: v128) -> [v128; 4] {
    let ab01 = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29>(a, b);
    let cd01 = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29>(c, d);
    let ab23 = i8x16_shuffle::<2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31>(a, b);
    let cd23 = i8x16_shuffle::<2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31>(c, d);
    [
        i64x2_shuffle::<0, 2>(ab01, cd01),
        i64x2_shuffle::<1, 3>(ab01, cd01),
        i64x2_shuffle::<0, 2>(ab23, cd23),
        i64x2_shuffle::<1, 3>(ab23, cd23),
    ]
}

/// The R, G and B samples of the 16 pixels at byte `at` of `src`, one register each.
///
/// Panics if `src` is shorter.
#[inline]
fn load_rgb<L: Layout>(src: &[u8], at: usize) -> [v128; 3] {
    let px = &src[at..at + LANES * L::BPP];
    match L::BPP {
        1 => {
            let s = load(px, 0);
            [s, s, s]
        }
        3 => {
            let ch = deinterleave3(load(px, 0), load(px, 16), load(px, 32));
            [ch[L::R], ch[L::G], ch[L::B]]
        }
        4 => {
            let ch = deinterleave4(load(px, 0), load(px, 16), load(px, 32), load(px, 48));
            [ch[L::R], ch[L::G], ch[L::B]]
        }
        _ => unreachable!("layouts have 1, 3 or 4 bytes per pixel"),
    }
}

/// One output plane for 16 pixels of Q6 samples (low and high halves).
#[inline]
fn plane(r: [v128; 2], g: [v128; 2], b: [v128; 2], m: &Row) -> v128 {
    u8x16_narrow_i16x8(dot(r[0], g[0], b[0], m), dot(r[1], g[1], b[1], m))
}

fn row_444_simd128<L: Layout>(
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
        let [r, g, b] = load_rgb::<L>(src, i * L::BPP).map(q6);
        store16(&mut y[i..], plane(r, g, b, &m.y));
        store16(&mut u[i..], plane(r, g, b, &m.u));
        store16(&mut v[i..], plane(r, g, b, &m.v));
    }
    done
}

#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
fn rows_420_simd128<L: Layout>(
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
        let top = load_rgb::<L>(src0, i * L::BPP);
        let bottom = load_rgb::<L>(src1, i * L::BPP);
        for (px, out) in [(top, &mut *y0), (bottom, &mut *y1)] {
            let [r, g, b] = px.map(q6);
            store16(&mut out[i..], plane(r, g, b, &m.y));
        }
        // Each 2x2 block: horizontal pair sums of both rows; at most 4 * 255, so `<< 4` is at
        // most 16320.
        let [r, g, b] = [0, 1, 2].map(|k| {
            let top = u16x8_extadd_pairwise_u8x16(top[k]);
            let bottom = u16x8_extadd_pairwise_u8x16(bottom[k]);
            i16x8_shl(i16x8_add(top, bottom), 4)
        });
        // U in the low 8 bytes, V in the high 8.
        let uv = u8x16_narrow_i16x8(dot(r, g, b, &m.u), dot(r, g, b, &m.v));
        store8::<0>(&mut u[i / 2..], uv);
        store8::<1>(&mut v[i / 2..], uv);
    }
    done
}

/// Converts the longest prefix of one row that is a multiple of 16 pixels to 4:4:4 and
/// returns its length; the scalar kernel finishes the row. Never reads or writes outside the
/// slices.
pub(crate) fn row_444(
    fmt: PixelFormat,
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    with_layout!(fmt, row_444_simd128(src, y, u, v, c), else 0)
}

/// Converts the longest prefix of two rows that is a multiple of 16 pixels (so even) to 4:2:0
/// and returns its length; the scalar kernel finishes the rows. Never reads or writes outside
/// the slices.
#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
pub(crate) fn rows_420(
    fmt: PixelFormat,
    src0: &[u8],
    src1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    with_layout!(fmt, rows_420_simd128(src0, src1, y0, y1, u, v, c), else 0)
}
