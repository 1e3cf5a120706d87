//! SSE4.1 kernels (with SSSE3, which every SSE4.1 CPU has): 16 pixels per step.
//!
//! The scheme of the AVX2 kernels (see [`super::avx2`]) on 128-bit vectors, where every layout
//! comes out in pixel order: 3-byte pixels are gathered with two `pblendvb` and one `pshufb`
//! per channel, 4-byte pixels with one `pshufb` per 4 pixels and a 4x4 dword transpose;
//! `pmaddubsw` widens even and odd pixels to Q6 (weights 64) and sums horizontal pairs to Q4
//! (weights 16); three `pmulhrsw` terms and the bias give each sum.
//!
//! The last step of a row ends at the row's end (overlapping the previous one), so only an odd
//! last column is left to the scalar kernel.

use core::arch::x86_64::*;

use framecast_core::PixelFormat;

use super::shared::{holds, order3, quad, starts};
use crate::coeffs::Coeffs;
use crate::scalar::{Layout, with_layout};

/// Pixels per step.
const STEP: usize = 16;

/// A 16-byte mask.
#[target_feature(enable = "sse4.1")]
#[inline]
fn mask(m: [i8; 16]) -> __m128i {
    _mm_setr_epi8(
        m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13],
        m[14], m[15],
    )
}

/// Byte weights for `pmaddubsw`: `(w_even, w_odd)` in every byte pair.
#[target_feature(enable = "sse4.1")]
#[inline]
fn weights(even: u8, odd: u8) -> __m128i {
    _mm_set1_epi16(i16::from_le_bytes([even, odd]))
}

/// Loop invariants: coefficients in every 16-bit lane, weights and shuffle masks.
#[derive(Clone, Copy)]
struct Consts {
    y: [__m128i; 3],
    u: [__m128i; 3],
    v: [__m128i; 3],
    y_bias: __m128i,
    c_bias: __m128i,
    /// 3-byte pixels, for byte 0, 1 and 2 of a pixel: where the chunks at bytes 16 and 32 hold
    /// it ([`holds`]), and its [`order3`].
    holds16: [__m128i; 3],
    holds32: [__m128i; 3],
    order: [__m128i; 3],
    /// 4-byte pixels: the `pshufb` mask to `[R, G, B, 0]` dwords.
    quad: __m128i,
    /// `pmaddubsw` weights: (64, 0), (0, 64) and (16, 16).
    even: __m128i,
    odd: __m128i,
    pairs: __m128i,
    /// Selects the high byte of every 16-bit lane.
    high: __m128i,
    /// Interleaves the two halves of a vector: bytes 0, 8, 1, 9, ...
    zip: __m128i,
}

impl Consts {
    #[target_feature(enable = "sse4.1")]
    #[inline]
    fn new<L: Layout>(c: &Coeffs) -> Consts {
        let row = |r: [i16; 3]| {
            [
                _mm_set1_epi16(r[0]),
                _mm_set1_epi16(r[1]),
                _mm_set1_epi16(r[2]),
            ]
        };
        Consts {
            y: row(c.y),
            u: row(c.u),
            v: row(c.v),
            y_bias: _mm_set1_epi16(c.y_bias),
            c_bias: _mm_set1_epi16(c.c_bias),
            holds16: [
                mask(const { holds(16, 0) }),
                mask(const { holds(16, 1) }),
                mask(const { holds(16, 2) }),
            ],
            holds32: [
                mask(const { holds(32, 0) }),
                mask(const { holds(32, 1) }),
                mask(const { holds(32, 2) }),
            ],
            order: [
                mask(const { order3(0) }),
                mask(const { order3(1) }),
                mask(const { order3(2) }),
            ],
            quad: mask(const { quad::<L>() }),
            even: weights(64, 0),
            odd: weights(0, 64),
            pairs: weights(16, 16),
            high: _mm_set1_epi16(0xFF00_u16 as i16),
            zip: mask([0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]),
        }
    }
}

/// 16 bytes at `p`.
///
/// # Safety
/// 16 bytes at `p` must be readable.
#[target_feature(enable = "sse4.1")]
#[inline]
unsafe fn load(p: *const u8) -> __m128i {
    // SAFETY: the caller guarantees that `p..p + 16` is readable.
    unsafe { _mm_loadu_si128(p.cast()) }
}

/// Planar R, G and B bytes of the 16 pixels at `p`, in pixel order.
///
/// # Safety
/// `16 * L::BPP` bytes at `p` must be readable.
#[target_feature(enable = "sse4.1")]
#[inline]
unsafe fn planes<L: Layout>(p: *const u8, k: &Consts) -> [__m128i; 3] {
    match L::BPP {
        1 => {
            // SAFETY: 16 bytes at `p` are readable (caller).
            let g = unsafe { load(p) };
            [g, g, g]
        }
        3 => {
            // SAFETY: the loads cover bytes 0..48 = 16 * 3 (caller).
            let [a, b, c] = unsafe { [load(p), load(p.add(16)), load(p.add(32))] };
            // Byte `i` of each pixel: two blends collect it (see [`holds`]), a shuffle orders it.
            let gather = |i: usize| {
                let x = _mm_blendv_epi8(a, b, k.holds16[i]);
                let x = _mm_blendv_epi8(x, c, k.holds32[i]);
                _mm_shuffle_epi8(x, k.order[i])
            };
            [gather(L::R), gather(L::G), gather(L::B)]
        }
        _ => {
            debug_assert_eq!(L::BPP, 4);
            // SAFETY: the loads cover bytes 0..64 = 16 * 4 (caller).
            let [a, b, c, d] =
                unsafe { [load(p), load(p.add(16)), load(p.add(32)), load(p.add(48))] };
            let (a, b, c, d) = (
                _mm_shuffle_epi8(a, k.quad),
                _mm_shuffle_epi8(b, k.quad),
                _mm_shuffle_epi8(c, k.quad),
                _mm_shuffle_epi8(d, k.quad),
            );
            let ab_rg = _mm_unpacklo_epi32(a, b);
            let ab_b = _mm_unpackhi_epi32(a, b);
            let cd_rg = _mm_unpacklo_epi32(c, d);
            let cd_b = _mm_unpackhi_epi32(c, d);
            [
                _mm_unpacklo_epi64(ab_rg, cd_rg),
                _mm_unpackhi_epi64(ab_rg, cd_rg),
                _mm_unpacklo_epi64(ab_b, cd_b),
            ]
        }
    }
}

/// `x << 6` of the even (weights `k.even`) or odd (`k.odd`) pixels of planar bytes, as 16-bit
/// lanes.
#[target_feature(enable = "sse4.1")]
#[inline]
fn widen(p: &[__m128i; 3], w: __m128i) -> [__m128i; 3] {
    [
        _mm_maddubs_epi16(p[0], w),
        _mm_maddubs_epi16(p[1], w),
        _mm_maddubs_epi16(p[2], w),
    ]
}

/// `t_r + t_g + t_b + bias` per 16-bit lane (wrapping adds: the total fits).
#[target_feature(enable = "sse4.1")]
#[inline]
fn sum(x: &[__m128i; 3], c: &[__m128i; 3], bias: __m128i) -> __m128i {
    let rg = _mm_add_epi16(_mm_mulhrs_epi16(x[0], c[0]), _mm_mulhrs_epi16(x[1], c[1]));
    let b = _mm_add_epi16(_mm_mulhrs_epi16(x[2], c[2]), bias);
    _mm_add_epi16(rg, b)
}

/// 16 luma bytes from the widened even and odd pixels.
#[target_feature(enable = "sse4.1")]
#[inline]
fn luma(e: &[__m128i; 3], o: &[__m128i; 3], k: &Consts) -> __m128i {
    // Both sums are below 2^14: `even >> 6` fits the low byte, and the high byte of `odd << 2`
    // is exactly `odd >> 6`.
    let even = _mm_srli_epi16::<6>(sum(e, &k.y, k.y_bias));
    let odd = _mm_slli_epi16::<2>(sum(o, &k.y, k.y_bias));
    _mm_blendv_epi8(even, odd, k.high)
}

/// 16 chroma bytes (4:4:4) from the widened even and odd pixels.
#[target_feature(enable = "sse4.1")]
#[inline]
fn chroma(e: &[__m128i; 3], o: &[__m128i; 3], c: &[__m128i; 3], k: &Consts) -> __m128i {
    let even = _mm_srli_epi16::<6>(sum(e, c, k.c_bias));
    let odd = _mm_srli_epi16::<6>(sum(o, c, k.c_bias));
    // [e0..8 o0..8], clamped, then interleaved.
    _mm_shuffle_epi8(_mm_packus_epi16(even, odd), k.zip)
}

/// Stores 16 bytes at `p`.
///
/// # Safety
/// 16 bytes at `p` must be writable.
#[target_feature(enable = "sse4.1")]
#[inline]
unsafe fn store(p: *mut u8, v: __m128i) {
    // SAFETY: the caller guarantees that 16 bytes at `p` are writable.
    unsafe { _mm_storeu_si128(p.cast(), v) }
}

/// Converts a prefix of one row to 4:4:4 and returns how many pixels it did.
///
/// # Safety
/// The CPU must support SSE4.1. `src` holds at least `y.len() * fmt.bytes_per_pixel()` bytes;
/// `u` and `v` are as long as `y`.
pub(crate) unsafe fn row_444(
    fmt: PixelFormat,
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    // SAFETY: the caller guarantees SSE4.1; the kernel checks the slice lengths.
    unsafe { with_layout!(fmt, row_444_impl(src, y, u, v, c), else 0) }
}

/// The kernel of [`row_444`] for one layout (the AVX2 kernels use it for narrow rows).
///
/// # Safety
/// The CPU must support SSE4.1.
#[target_feature(enable = "sse4.1")]
pub(super) unsafe fn row_444_impl<L: Layout>(
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    let width = y.len();
    assert!(u.len() == width && v.len() == width && src.len() >= width * L::BPP);
    if width < STEP {
        return 0;
    }
    let k = Consts::new::<L>(c);
    for x in starts(width, STEP) {
        // SAFETY: `x + STEP <= width`, so the step reads `STEP * L::BPP` bytes inside `src` and
        // writes `STEP` bytes inside `y`, `u` and `v` (lengths checked above).
        unsafe {
            let p = planes::<L>(src.as_ptr().add(x * L::BPP), &k);
            let (e, o) = (widen(&p, k.even), widen(&p, k.odd));
            store(y.as_mut_ptr().add(x), luma(&e, &o, &k));
            store(u.as_mut_ptr().add(x), chroma(&e, &o, &k.u, &k));
            store(v.as_mut_ptr().add(x), chroma(&e, &o, &k.v, &k));
        }
    }
    width
}

/// Converts an even prefix of two rows to 4:2:0 and returns how many pixels it did.
///
/// # Safety
/// The CPU must support SSE4.1. `y0` and `y1` have the same length `width`, `src0` and `src1`
/// hold at least `width * fmt.bytes_per_pixel()` bytes, `u` and `v` hold `width.div_ceil(2)`.
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
    // SAFETY: the caller guarantees SSE4.1; the kernel checks the slice lengths.
    unsafe { with_layout!(fmt, rows_420_impl(src0, src1, y0, y1, u, v, c), else 0) }
}

/// The kernel of [`rows_420`] for one layout (the AVX2 kernels use it for narrow rows).
///
/// # Safety
/// The CPU must support SSE4.1.
#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
#[target_feature(enable = "sse4.1")]
pub(super) unsafe fn rows_420_impl<L: Layout>(
    src0: &[u8],
    src1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    let width = y0.len();
    let end = width & !1;
    assert!(
        y1.len() == width
            && src0.len() >= width * L::BPP
            && src1.len() >= width * L::BPP
            && u.len() >= end / 2
            && v.len() >= end / 2
    );
    if end < STEP {
        return 0;
    }
    let k = Consts::new::<L>(c);
    for x in starts(end, STEP) {
        // SAFETY: `x` is even and `x + STEP <= end <= width`: the step reads `STEP * L::BPP`
        // bytes inside `src0` and `src1`, writes `STEP` bytes inside `y0` and `y1` and
        // `STEP / 2` bytes at `x / 2` inside `u` and `v` (`x / 2 + STEP / 2 <= end / 2`).
        unsafe {
            let p0 = planes::<L>(src0.as_ptr().add(x * L::BPP), &k);
            let p1 = planes::<L>(src1.as_ptr().add(x * L::BPP), &k);
            let (e, o) = (widen(&p0, k.even), widen(&p0, k.odd));
            store(y0.as_mut_ptr().add(x), luma(&e, &o, &k));
            let (e, o) = (widen(&p1, k.even), widen(&p1, k.odd));
            store(y1.as_mut_ptr().add(x), luma(&e, &o, &k));

            // Q4 2x2 sums of each channel: 8 chroma samples.
            let pair = |i: usize| {
                _mm_add_epi16(
                    _mm_maddubs_epi16(p0[i], k.pairs),
                    _mm_maddubs_epi16(p1[i], k.pairs),
                )
            };
            let s = [pair(0), pair(1), pair(2)];
            let cu = _mm_srli_epi16::<6>(sum(&s, &k.u, k.c_bias));
            let cv = _mm_srli_epi16::<6>(sum(&s, &k.v, k.c_bias));
            // [u0..8 v0..8], clamped.
            let uv = _mm_packus_epi16(cu, cv);
            _mm_storel_epi64(u.as_mut_ptr().add(x / 2).cast(), uv);
            _mm_storel_epi64(v.as_mut_ptr().add(x / 2).cast(), _mm_unpackhi_epi64(uv, uv));
        }
    }
    end
}
