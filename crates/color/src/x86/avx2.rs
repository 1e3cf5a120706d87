//! AVX2 kernels: 32 pixels per step.
//!
//! A step deinterleaves 32 pixels of a row into planar R, G and B bytes, then follows the
//! rounding rule of [`crate::coeffs`] in 16-bit lanes:
//!
//! - `pmaddubsw` with byte weights (64, 0) and (0, 64) widens the even and the odd pixels to Q6
//!   (`s << 6`); three `pmulhrsw` terms plus the bias give one sum per 16-bit lane. Luma sums
//!   stay below 2^14, so `sum >> 6` of the even pixels and `sum << 2` of the odd ones (whose
//!   high byte is then `sum >> 6`) are merged with one `pblendvb`, without a clamp.
//! - 4:2:0 chroma: `pmaddubsw` with weights (16, 16) gives `(s0 + s1) << 4` for each horizontal
//!   pair; the sum over both rows is the Q4 2x2 sum the rule asks for. `packuswb` clamps.
//!
//! Deinterleaving, per format (the op count of this part decides the speed):
//! - 3-byte pixels: three loads, a blend and a lane swap put bytes 0..48 in the low lanes and
//!   48..96 in the high lanes of three vectors; two `pblendvb` and one `pshufb` per channel
//!   collect each channel (see [`holds`]). Pixels come out in order.
//! - 4-byte pixels: four loads, one `pshufb` each to the dwords `[R, G, B, 0]` per lane, then a
//!   4x4 dword transpose per lane. The low lanes then hold pixel groups 0, 2, 4, 6 (of 4 pixels)
//!   and the high lanes 1, 3, 5, 7; the outputs are put in order with `vpermd`.
//!
//! The last step of a row ends at the row's end (overlapping the previous one), so only an odd
//! last column is left to the scalar kernel. Rows narrower than a step use the SSE4.1 kernels.

use core::arch::x86_64::*;

use framecast_core::PixelFormat;

use super::shared::{holds, order3, quad, starts};
use super::sse41;
use crate::coeffs::Coeffs;
use crate::scalar::{Layout, with_layout};

/// Pixels per step.
const STEP: usize = 32;

/// A 32-byte mask from the masks of its two lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn lanes(lo: [i8; 16], hi: [i8; 16]) -> __m256i {
    let m = |m: [i8; 16]| {
        _mm_setr_epi8(
            m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13],
            m[14], m[15],
        )
    };
    _mm256_setr_m128i(m(lo), m(hi))
}

/// The same 16-byte mask in both lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn mask(m: [i8; 16]) -> __m256i {
    lanes(m, m)
}

/// Loop invariants: coefficients in every 16-bit lane, weights and shuffle masks.
///
/// The kernels pass a `Consts` through [`core::hint::black_box`] before their loop. Seeing the
/// constant masks, LLVM rewrites the `pshufb` + `punpckldq` transpose of 4-byte pixels into
/// twice as many `pshufb` plus blends, and rematerialises broadcasts inside the loop; opaque
/// masks keep the code as written (rgba to I420: 0.326 -> 0.308 ms per 1080p frame).
#[derive(Clone, Copy)]
struct Consts {
    y: [__m256i; 3],
    u: [__m256i; 3],
    v: [__m256i; 3],
    y_bias: __m256i,
    c_bias: __m256i,
    /// 3-byte pixels, for byte 0, 1 and 2 of a pixel: where the vector of bytes
    /// [32..48 | 48..64] holds it, where the vector of bytes [0..16 | 80..96] does (see
    /// [`holds`]), and its [`order3`].
    holds_ca: [__m256i; 3],
    holds_ac: [__m256i; 3],
    order: [__m256i; 3],
    /// 4-byte pixels: the `pshufb` mask to `[R, G, B, 0]` dwords.
    quad: __m256i,
    /// `pmaddubsw` weights: (64, 0), (0, 64) and (16, 16).
    even: __m256i,
    odd: __m256i,
    pairs: __m256i,
    /// Selects the high byte of every 16-bit lane.
    high: __m256i,
    /// `vpermd` indices that put the dwords of [`grouped`] planes in order.
    ungroup: __m256i,
    /// Then the `pshufb` that puts the words of [`grouped`] 4:2:0 chroma in order.
    ungroup_words: __m256i,
    /// Interleaves the two halves of each lane: bytes 0, 8, 1, 9, ...
    zip: __m256i,
}

impl Consts {
    #[target_feature(enable = "avx2")]
    #[inline]
    fn new<L: Layout>(c: &Coeffs) -> Consts {
        let row = |r: [i16; 3]| {
            [
                _mm256_set1_epi16(r[0]),
                _mm256_set1_epi16(r[1]),
                _mm256_set1_epi16(r[2]),
            ]
        };
        Consts {
            y: row(c.y),
            u: row(c.u),
            v: row(c.v),
            y_bias: _mm256_set1_epi16(c.y_bias),
            c_bias: _mm256_set1_epi16(c.c_bias),
            holds_ca: [
                lanes(const { holds(32, 0) }, const { holds(48, 0) }),
                lanes(const { holds(32, 1) }, const { holds(48, 1) }),
                lanes(const { holds(32, 2) }, const { holds(48, 2) }),
            ],
            holds_ac: [
                lanes(const { holds(0, 0) }, const { holds(80, 0) }),
                lanes(const { holds(0, 1) }, const { holds(80, 1) }),
                lanes(const { holds(0, 2) }, const { holds(80, 2) }),
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
            high: _mm256_set1_epi16(0xFF00_u16 as i16),
            ungroup: _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7),
            ungroup_words: mask([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]),
            zip: mask([0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]),
        }
    }
}

/// Whether a layout's planes come out with pixel groups 0, 2, 4, 6 in the low lanes and
/// 1, 3, 5, 7 in the high lanes (4-byte pixels) instead of in order.
const fn grouped<L: Layout>() -> bool {
    L::BPP == 4
}

/// Planar R, G and B bytes of the 32 pixels at `p`: in order, or [`grouped`].
///
/// # Safety
/// `32 * L::BPP` bytes at `p` must be readable.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn planes<L: Layout>(p: *const u8, k: &Consts) -> [__m256i; 3] {
    match L::BPP {
        1 => {
            // SAFETY: 32 bytes at `p` are readable (caller).
            let g = unsafe { _mm256_loadu_si256(p.cast()) };
            [g, g, g]
        }
        3 => {
            // SAFETY: the loads cover bytes 0..96 = 32 * 3 (caller).
            let [l0, l1, l2]: [__m256i; 3] = unsafe {
                [
                    _mm256_loadu_si256(p.cast()),
                    _mm256_loadu_si256(p.add(32).cast()),
                    _mm256_loadu_si256(p.add(64).cast()),
                ]
            };
            // Lanes [bytes 32..48 | 48..64] (`l1`), [0..16 | 80..96] (`ac`) and [16..32 | 64..80]
            // (`bb`): the low lanes hold pixels 0..16, the high lanes pixels 16..32.
            let ac = _mm256_blend_epi32::<0xF0>(l0, l2);
            let bb = _mm256_permute2x128_si256::<0x21>(l0, l2);
            // Byte `i` of each pixel: two blends collect it (see [`holds`]), a shuffle orders it.
            let gather = |i: usize| {
                let x = _mm256_blendv_epi8(bb, l1, k.holds_ca[i]);
                let x = _mm256_blendv_epi8(x, ac, k.holds_ac[i]);
                _mm256_shuffle_epi8(x, k.order[i])
            };
            [gather(L::R), gather(L::G), gather(L::B)]
        }
        _ => {
            debug_assert_eq!(L::BPP, 4);
            // SAFETY: the loads cover bytes 0..128 = 32 * 4 (caller).
            let [a, b, c, d]: [__m256i; 4] = unsafe {
                [
                    _mm256_loadu_si256(p.cast()),
                    _mm256_loadu_si256(p.add(32).cast()),
                    _mm256_loadu_si256(p.add(64).cast()),
                    _mm256_loadu_si256(p.add(96).cast()),
                ]
            };
            let (a, b, c, d) = (
                _mm256_shuffle_epi8(a, k.quad),
                _mm256_shuffle_epi8(b, k.quad),
                _mm256_shuffle_epi8(c, k.quad),
                _mm256_shuffle_epi8(d, k.quad),
            );
            let ab_rg = _mm256_unpacklo_epi32(a, b);
            let ab_b = _mm256_unpackhi_epi32(a, b);
            let cd_rg = _mm256_unpacklo_epi32(c, d);
            let cd_b = _mm256_unpackhi_epi32(c, d);
            [
                _mm256_unpacklo_epi64(ab_rg, cd_rg),
                _mm256_unpackhi_epi64(ab_rg, cd_rg),
                _mm256_unpacklo_epi64(ab_b, cd_b),
            ]
        }
    }
}

/// Puts 32 output bytes of a [`grouped`] layout in pixel order.
#[target_feature(enable = "avx2")]
#[inline]
fn in_order<L: Layout>(v: __m256i, k: &Consts) -> __m256i {
    if grouped::<L>() {
        _mm256_permutevar8x32_epi32(v, k.ungroup)
    } else {
        v
    }
}

/// Byte weights for `pmaddubsw`: `(w_even, w_odd)` in every byte pair.
#[target_feature(enable = "avx2")]
#[inline]
fn weights(even: u8, odd: u8) -> __m256i {
    _mm256_set1_epi16(i16::from_le_bytes([even, odd]))
}

/// `x << 6` of the even (weights `k.even`) or odd (`k.odd`) pixels of planar bytes, as 16-bit
/// lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn widen(p: &[__m256i; 3], w: __m256i) -> [__m256i; 3] {
    [
        _mm256_maddubs_epi16(p[0], w),
        _mm256_maddubs_epi16(p[1], w),
        _mm256_maddubs_epi16(p[2], w),
    ]
}

/// `t_r + t_g + t_b + bias` per 16-bit lane (wrapping adds: the total fits).
#[target_feature(enable = "avx2")]
#[inline]
fn sum(x: &[__m256i; 3], c: &[__m256i; 3], bias: __m256i) -> __m256i {
    let rg = _mm256_add_epi16(
        _mm256_mulhrs_epi16(x[0], c[0]),
        _mm256_mulhrs_epi16(x[1], c[1]),
    );
    let b = _mm256_add_epi16(_mm256_mulhrs_epi16(x[2], c[2]), bias);
    _mm256_add_epi16(rg, b)
}

/// 32 luma bytes (in the planes' order) from the widened even and odd pixels.
#[target_feature(enable = "avx2")]
#[inline]
fn luma(e: &[__m256i; 3], o: &[__m256i; 3], k: &Consts) -> __m256i {
    // Both sums are below 2^14: `even >> 6` fits the low byte, and the high byte of `odd << 2`
    // is exactly `odd >> 6`.
    let even = _mm256_srli_epi16::<6>(sum(e, &k.y, k.y_bias));
    let odd = _mm256_slli_epi16::<2>(sum(o, &k.y, k.y_bias));
    _mm256_blendv_epi8(even, odd, k.high)
}

/// 32 chroma bytes (4:4:4, in the planes' order) from the widened even and odd pixels.
#[target_feature(enable = "avx2")]
#[inline]
fn chroma(e: &[__m256i; 3], o: &[__m256i; 3], c: &[__m256i; 3], k: &Consts) -> __m256i {
    let even = _mm256_srli_epi16::<6>(sum(e, c, k.c_bias));
    let odd = _mm256_srli_epi16::<6>(sum(o, c, k.c_bias));
    // [e0..8 o0..8 | e8..16 o8..16], clamped, then interleaved within each lane.
    _mm256_shuffle_epi8(_mm256_packus_epi16(even, odd), k.zip)
}

/// Stores 32 bytes at `p`.
///
/// # Safety
/// 32 bytes at `p` must be writable.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn store(p: *mut u8, v: __m256i) {
    // SAFETY: the caller guarantees that 32 bytes at `p` are writable.
    unsafe { _mm256_storeu_si256(p.cast(), v) }
}

/// Converts a prefix of one row to 4:4:4 and returns how many pixels it did.
///
/// # Safety
/// The CPU must support AVX2. `src` holds at least `y.len() * fmt.bytes_per_pixel()` bytes;
/// `u` and `v` are as long as `y`.
pub(crate) unsafe fn row_444(
    fmt: PixelFormat,
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    // SAFETY: the caller guarantees AVX2; the kernel checks the slice lengths.
    unsafe { with_layout!(fmt, row_444_impl(src, y, u, v, c), else 0) }
}

/// The kernel of [`row_444`] for one layout (the AVX-512 kernels use it for narrow rows).
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
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
        // SAFETY: AVX2 implies SSE4.1; the lengths are checked above.
        return unsafe { sse41::row_444_impl::<L>(src, y, u, v, c) };
    }
    let k = core::hint::black_box(Consts::new::<L>(c));
    for x in starts(width, STEP) {
        // SAFETY: `x + STEP <= width`, so the step reads `STEP * L::BPP` bytes inside `src` and
        // writes `STEP` bytes inside `y`, `u` and `v` (lengths checked above).
        unsafe {
            let p = planes::<L>(src.as_ptr().add(x * L::BPP), &k);
            let (e, o) = (widen(&p, k.even), widen(&p, k.odd));
            store(y.as_mut_ptr().add(x), in_order::<L>(luma(&e, &o, &k), &k));
            let cu = chroma(&e, &o, &k.u, &k);
            store(u.as_mut_ptr().add(x), in_order::<L>(cu, &k));
            let cv = chroma(&e, &o, &k.v, &k);
            store(v.as_mut_ptr().add(x), in_order::<L>(cv, &k));
        }
    }
    width
}

/// Converts an even prefix of two rows to 4:2:0 and returns how many pixels it did.
///
/// # Safety
/// The CPU must support AVX2. `y0` and `y1` have the same length `width`, `src0` and `src1`
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
    // SAFETY: the caller guarantees AVX2; the kernel checks the slice lengths.
    unsafe { with_layout!(fmt, rows_420_impl(src0, src1, y0, y1, u, v, c), else 0) }
}

/// The kernel of [`rows_420`] for one layout (the AVX-512 kernels use it for narrow rows).
///
/// # Safety
/// The CPU must support AVX2.
#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
#[target_feature(enable = "avx2")]
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
        // SAFETY: AVX2 implies SSE4.1; the lengths are checked above.
        return unsafe { sse41::rows_420_impl::<L>(src0, src1, y0, y1, u, v, c) };
    }
    let k = core::hint::black_box(Consts::new::<L>(c));
    for x in starts(end, STEP) {
        // SAFETY: `x` is even and `x + STEP <= end <= width`: the step reads `STEP * L::BPP`
        // bytes inside `src0` and `src1`, writes `STEP` bytes inside `y0` and `y1` and
        // `STEP / 2` bytes at `x / 2` inside `u` and `v` (`x / 2 + STEP / 2 <= end / 2`).
        unsafe {
            let p0 = planes::<L>(src0.as_ptr().add(x * L::BPP), &k);
            let p1 = planes::<L>(src1.as_ptr().add(x * L::BPP), &k);
            let (e, o) = (widen(&p0, k.even), widen(&p0, k.odd));
            store(y0.as_mut_ptr().add(x), in_order::<L>(luma(&e, &o, &k), &k));
            let (e, o) = (widen(&p1, k.even), widen(&p1, k.odd));
            store(y1.as_mut_ptr().add(x), in_order::<L>(luma(&e, &o, &k), &k));

            // Q4 2x2 sums of each channel: 16 chroma samples.
            let pair = |i: usize| {
                _mm256_add_epi16(
                    _mm256_maddubs_epi16(p0[i], k.pairs),
                    _mm256_maddubs_epi16(p1[i], k.pairs),
                )
            };
            let s = [pair(0), pair(1), pair(2)];
            let cu = _mm256_srli_epi16::<6>(sum(&s, &k.u, k.c_bias));
            let cv = _mm256_srli_epi16::<6>(sum(&s, &k.v, k.c_bias));
            let packed = _mm256_packus_epi16(cu, cv);
            let uv = if grouped::<L>() {
                // Lanes [u0 u1 u4 u5 u8 u9 u12 u13 v.. | u2 u3 u6 u7 u10 u11 u14 u15 v..]; the
                // dwords to [u0 u1 u4 u5, u2 u3 u6 u7, u8 .., u10 .. | v..], then the words.
                let d = _mm256_permutevar8x32_epi32(packed, k.ungroup);
                _mm256_shuffle_epi8(d, k.ungroup_words)
            } else {
                // Lanes [u0..8 v0..8 | u8..16 v8..16] -> [u0..16 | v0..16].
                _mm256_permute4x64_epi64::<0b11_01_10_00>(packed)
            };
            _mm_storeu_si128(u.as_mut_ptr().add(x / 2).cast(), _mm256_castsi256_si128(uv));
            _mm_storeu_si128(
                v.as_mut_ptr().add(x / 2).cast(),
                _mm256_extracti128_si256::<1>(uv),
            );
        }
    }
    end
}
