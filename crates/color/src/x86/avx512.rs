//! AVX-512 kernels (AVX-512F, AVX-512BW and AVX-512VBMI): 64 pixels per step.
//!
//! The arithmetic is that of the AVX2 kernels (see [`super::avx2`]) on 512-bit vectors:
//! `pmaddubsw` with weights (64, 0) and (0, 64) widens the even and odd pixels to Q6, with
//! (16, 16) it sums horizontal pairs to Q4; three `pmulhrsw` terms plus the bias give each sum.
//!
//! What VBMI changes is the deinterleave, which dominates the AVX2 op count for 3-byte pixels:
//! `vpermt2b` (`_mm512_permutex2var_epi8`) picks any 64 bytes out of two vectors, so
//! - 3-byte pixels: one channel of 64 pixels (bytes 0..192) takes two shuffles, the first from
//!   bytes 0..128, the second merging in the pixels whose byte lies in 128..192 ([`rgb_lo`],
//!   [`rgb_hi`]).
//! - 4-byte pixels: two shuffles give `[R | G]` of pixels 0..32 and of pixels 32..64, two
//!   128-bit lane shuffles regroup them into R and G; B takes two masked shuffles ([`quad_b`]).
//!
//! Every plane comes out in pixel order. Luma bytes are `sum >> 6` of the even pixels merged
//! with bits 6..14 of the odd pixels' sums by one byte-masked `vpmultishiftqb`.
//!
//! On Zen 4, which runs a 512-bit op as two 256-bit halves, the 4:2:0 kernel is limited by
//! its ~80 vector ops per step rather than by memory, and the two multiply pipes carry 36 of
//! them; widening the odd pixels with a shift and a mask instead of `pmaddubsw` moves 6 to the
//! other two pipes (rgb24 to I420 at 1080p: 0.260 -> 0.251 ms per frame). The 4:4:4 kernel,
//! which stores more, gained nothing from it and keeps `pmaddubsw`.
//!
//! The last step of a row ends at the row's end (overlapping the previous one), so only an odd
//! last column is left to the scalar kernel. Rows narrower than a step use the AVX2 kernels.

use core::arch::x86_64::*;

use framecast_core::PixelFormat;

use super::avx2;
use super::shared::starts;
use crate::coeffs::Coeffs;
use crate::scalar::{Layout, with_layout};

/// Pixels per step.
const STEP: usize = 64;

/// Byte masks, bit `j` for byte `j`: the low 32 bytes.
const LOW_HALF: __mmask64 = 0x0000_0000_FFFF_FFFF;
/// The odd bytes: the high byte of every 16-bit lane.
const ODD_BYTES: __mmask64 = 0xAAAA_AAAA_AAAA_AAAA;

/// 3-byte pixels, first shuffle (table: bytes 0..128 of the step): position `p` gets byte `i` of
/// pixel `p` if it lies in bytes 0..128, else anything (the second shuffle replaces it).
const fn rgb_lo(i: usize) -> [u8; 64] {
    let mut m = [0; 64];
    let mut p = 0;
    while p < 64 {
        if 3 * p + i < 128 {
            m[p] = (3 * p + i) as u8;
        }
        p += 1;
    }
    m
}

/// 3-byte pixels, second shuffle (table: the first shuffle's result, then bytes 128..192 of the
/// step): position `p` keeps its byte if [`rgb_lo`] found it, else takes byte `3 p + i - 128` of
/// the last 64 bytes (index `64 + 3 p + i - 128`).
const fn rgb_hi(i: usize) -> [u8; 64] {
    let mut m = [0; 64];
    let mut p = 0;
    while p < 64 {
        m[p] = if 3 * p + i < 128 {
            p as u8
        } else {
            (3 * p + i - 64) as u8
        };
        p += 1;
    }
    m
}

/// 4-byte pixels (table: 32 pixels, 128 bytes): byte `first` of each pixel in the low 32 bytes,
/// byte `second` in the high 32 bytes.
const fn quad_pair(first: usize, second: usize) -> [u8; 64] {
    let mut m = [0; 64];
    let mut p = 0;
    while p < 32 {
        m[p] = (4 * p + first) as u8;
        m[32 + p] = (4 * p + second) as u8;
        p += 1;
    }
    m
}

/// 4-byte pixels, byte `i` (blue) of all 64: the low 32 bytes are the indices of pixels 0..32 in
/// the first 128 bytes, the high 32 those of pixels 32..64 in the last 128. A masked `vpermi2b`
/// (`_mm512_mask2_permutex2var_epi8`) over the first 128 bytes replaces the low half with the
/// bytes and keeps the high half's indices; a second one over the last 128 replaces the high
/// half.
const fn quad_b(i: usize) -> [u8; 64] {
    quad_pair(i, i)
}

/// Eight qwords as little-endian bytes.
const fn qwords(q: [u64; 8]) -> [u8; 64] {
    let mut m = [0; 64];
    let mut j = 0;
    while j < 64 {
        m[j] = (q[j / 8] >> (8 * (j % 8))) as u8;
        j += 1;
    }
    m
}

/// The `pshufb` indices that interleave the two halves of each 128-bit lane: 0, 8, 1, 9, ...
const fn zip() -> [u8; 64] {
    let mut m = [0; 64];
    let mut j = 0;
    while j < 64 {
        let k = j % 16;
        m[j] = (k / 2 + 8 * (k % 2)) as u8;
        j += 1;
    }
    m
}

/// The 64 bytes of `b` as a vector.
#[target_feature(enable = "avx512f")]
#[inline]
fn load(b: &[u8; 64]) -> __m512i {
    // SAFETY: reads the 64 bytes of `b` (`loadu` has no alignment requirement).
    unsafe { _mm512_loadu_si512(b.as_ptr().cast()) }
}

/// Byte weights for `pmaddubsw`: `(w_even, w_odd)` in every byte pair.
#[target_feature(enable = "avx512f")]
#[inline]
fn weights(even: u8, odd: u8) -> __m512i {
    _mm512_set1_epi16(i16::from_le_bytes([even, odd]))
}

/// The shuffle indices of one layout, in a static that the kernels read through
/// [`core::hint::black_box`].
///
/// Seeing constant indices, LLVM rewrites shuffles into longer sequences: the masked `vpermi2b`
/// pair that gathers B of 4-byte pixels became `pshufb`, `vpermt2d` and inserts, the chroma
/// `vpermq` two `vpermq` and two unpacks. The AVX2 kernels pass their whole constants struct
/// through `black_box` instead; here that stores and reloads two dozen vectors per call, which
/// cost a quarter of the time of 640-pixel rows (rgb24 to I420 at 640x360: 0.031 ms per frame
/// with this table, 0.042 with that).
#[repr(C, align(64))]
struct Tables {
    rgb_lo: [[u8; 64]; 3],
    rgb_hi: [[u8; 64]; 3],
    quad_rg: [u8; 64],
    quad_b: [u8; 64],
    zip: [u8; 64],
    /// `vpermq` indices, little-endian qwords: see [`Consts::unpack_uv`].
    unpack_uv: [u8; 64],
}

impl Tables {
    const fn new<L: Layout>() -> Tables {
        Tables {
            rgb_lo: [rgb_lo(L::R), rgb_lo(L::G), rgb_lo(L::B)],
            rgb_hi: [rgb_hi(L::R), rgb_hi(L::G), rgb_hi(L::B)],
            quad_rg: quad_pair(L::R, L::G),
            quad_b: quad_b(L::B),
            zip: zip(),
            unpack_uv: qwords([0, 2, 4, 6, 1, 3, 5, 7]),
        }
    }
}

/// Loop invariants: coefficients in every 16-bit lane, weights and shuffle indices.
#[derive(Clone, Copy)]
struct Consts {
    y: [__m512i; 3],
    u: [__m512i; 3],
    v: [__m512i; 3],
    y_bias: __m512i,
    c_bias: __m512i,
    /// 3-byte pixels: [`rgb_lo`] and [`rgb_hi`] of the R, G and B bytes.
    rgb_lo: [__m512i; 3],
    rgb_hi: [__m512i; 3],
    /// 4-byte pixels: [`quad_pair`] of R and G, [`quad_b`] of B.
    quad_rg: __m512i,
    quad_b: __m512i,
    /// `pmaddubsw` weights: (64, 0), (0, 64) and (16, 16).
    even: __m512i,
    odd: __m512i,
    pairs: __m512i,
    /// The mask of [`widen_odd_by_shift`]: `0x3FC0`.
    odd_q6: __m512i,
    /// [`zip`].
    zip: __m512i,
    /// `vpmultishiftqb` control: each byte selects bits 6..=13 of its 16-bit lane.
    bits_6_13: __m512i,
    /// `vpermq` indices from lanes [u0..8 v0..8 | u8..16 v8..16 | ...] to [u0..32 | v0..32].
    unpack_uv: __m512i,
}

impl Consts {
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    fn new<L: Layout>(c: &Coeffs) -> Consts {
        let row = |r: [i16; 3]| {
            [
                _mm512_set1_epi16(r[0]),
                _mm512_set1_epi16(r[1]),
                _mm512_set1_epi16(r[2]),
            ]
        };
        let t: &Tables = core::hint::black_box(const { &Tables::new::<L>() });
        Consts {
            y: row(c.y),
            u: row(c.u),
            v: row(c.v),
            y_bias: _mm512_set1_epi16(c.y_bias),
            c_bias: _mm512_set1_epi16(c.c_bias),
            rgb_lo: [load(&t.rgb_lo[0]), load(&t.rgb_lo[1]), load(&t.rgb_lo[2])],
            rgb_hi: [load(&t.rgb_hi[0]), load(&t.rgb_hi[1]), load(&t.rgb_hi[2])],
            quad_rg: load(&t.quad_rg),
            quad_b: load(&t.quad_b),
            even: weights(64, 0),
            odd: weights(0, 64),
            pairs: weights(16, 16),
            odd_q6: _mm512_set1_epi16(0x3FC0),
            zip: load(&t.zip),
            bits_6_13: _mm512_set1_epi64(i64::from_le_bytes([6, 6, 22, 22, 38, 38, 54, 54])),
            unpack_uv: load(&t.unpack_uv),
        }
    }
}

/// Planar R, G and B bytes of the 64 pixels at `p`, in pixel order.
///
/// # Safety
/// `64 * L::BPP` bytes at `p` must be readable.
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
#[inline]
unsafe fn planes<L: Layout>(p: *const u8, k: &Consts) -> [__m512i; 3] {
    let load = |i: usize| {
        debug_assert!(i < L::BPP);
        // SAFETY: every call has `i < L::BPP`, so the 64 bytes at `p + 64 i` lie inside the
        // `64 * L::BPP` readable bytes (caller).
        unsafe { _mm512_loadu_si512(p.add(64 * i).cast()) }
    };
    match L::BPP {
        1 => {
            let g = load(0);
            [g, g, g]
        }
        3 => {
            let (a, b, c) = (load(0), load(1), load(2));
            let gather = |i: usize| {
                let lo = _mm512_permutex2var_epi8(a, k.rgb_lo[i], b);
                _mm512_permutex2var_epi8(lo, k.rgb_hi[i], c)
            };
            [gather(0), gather(1), gather(2)]
        }
        _ => {
            debug_assert_eq!(L::BPP, 4);
            let (a, b, c, d) = (load(0), load(1), load(2), load(3));
            // [R | G] of pixels 0..32 and of pixels 32..64, regrouped by 128-bit lanes.
            let rg0 = _mm512_permutex2var_epi8(a, k.quad_rg, b);
            let rg1 = _mm512_permutex2var_epi8(c, k.quad_rg, d);
            let r = _mm512_shuffle_i64x2::<0b01_00_01_00>(rg0, rg1);
            let g = _mm512_shuffle_i64x2::<0b11_10_11_10>(rg0, rg1);
            let b0 = _mm512_mask2_permutex2var_epi8(a, k.quad_b, LOW_HALF, b);
            let b = _mm512_mask2_permutex2var_epi8(c, b0, !LOW_HALF, d);
            [r, g, b]
        }
    }
}

/// `x << 6` of the even (weights `k.even`) or odd (`k.odd`) pixels of planar bytes, as 16-bit
/// lanes.
#[target_feature(enable = "avx512bw")]
#[inline]
fn widen(p: &[__m512i; 3], w: __m512i) -> [__m512i; 3] {
    [
        _mm512_maddubs_epi16(p[0], w),
        _mm512_maddubs_epi16(p[1], w),
        _mm512_maddubs_epi16(p[2], w),
    ]
}

/// `x << 6` of the odd pixels of planar bytes as 16-bit lanes, like [`widen`] with `k.odd`, but
/// with a shift and a mask (`(p >> 2) & 0x3FC0` keeps the high byte's bits at 6..14) instead of
/// a multiply: see the module documentation.
#[target_feature(enable = "avx512bw")]
#[inline]
fn widen_odd_by_shift(p: &[__m512i; 3], k: &Consts) -> [__m512i; 3] {
    p.map(|p| _mm512_and_si512(_mm512_srli_epi16::<2>(p), k.odd_q6))
}

/// `t_r + t_g + t_b + bias` per 16-bit lane (wrapping adds: the total fits).
#[target_feature(enable = "avx512bw")]
#[inline]
fn sum(x: &[__m512i; 3], c: &[__m512i; 3], bias: __m512i) -> __m512i {
    let rg = _mm512_add_epi16(
        _mm512_mulhrs_epi16(x[0], c[0]),
        _mm512_mulhrs_epi16(x[1], c[1]),
    );
    let b = _mm512_add_epi16(_mm512_mulhrs_epi16(x[2], c[2]), bias);
    _mm512_add_epi16(rg, b)
}

/// 64 luma bytes from the widened even and odd pixels.
#[target_feature(enable = "avx512bw,avx512vbmi")]
#[inline]
fn luma(e: &[__m512i; 3], o: &[__m512i; 3], k: &Consts) -> __m512i {
    // Both sums are below 2^14, so `sum >> 6` is bits 6..=13 of the lane and needs no clamp:
    // a shift puts it in the low byte of the even pixels' lanes, a byte-masked multishift
    // writes the odd pixels' into the high bytes.
    let even = _mm512_srli_epi16::<6>(sum(e, &k.y, k.y_bias));
    _mm512_mask_multishift_epi64_epi8(even, ODD_BYTES, k.bits_6_13, sum(o, &k.y, k.y_bias))
}

/// 64 chroma bytes (4:4:4) from the widened even and odd pixels.
#[target_feature(enable = "avx512bw")]
#[inline]
fn chroma(e: &[__m512i; 3], o: &[__m512i; 3], c: &[__m512i; 3], k: &Consts) -> __m512i {
    let even = _mm512_srli_epi16::<6>(sum(e, c, k.c_bias));
    let odd = _mm512_srli_epi16::<6>(sum(o, c, k.c_bias));
    // [e0..8 o0..8 | e8..16 o8..16 | ...], clamped, then interleaved within each lane.
    _mm512_shuffle_epi8(_mm512_packus_epi16(even, odd), k.zip)
}

/// Stores 64 bytes at `p`.
///
/// # Safety
/// 64 bytes at `p` must be writable.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn store(p: *mut u8, v: __m512i) {
    // SAFETY: the caller guarantees that 64 bytes at `p` are writable.
    unsafe { _mm512_storeu_si512(p.cast(), v) }
}

/// Converts a prefix of one row to 4:4:4 and returns how many pixels it did.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW, AVX-512VBMI and AVX2. `src` holds at least
/// `y.len() * fmt.bytes_per_pixel()` bytes; `u` and `v` are as long as `y`.
pub(crate) unsafe fn row_444(
    fmt: PixelFormat,
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    // SAFETY: the caller guarantees the CPU features; the kernel checks the slice lengths.
    unsafe { with_layout!(fmt, row_444_impl(src, y, u, v, c), else 0) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx2")]
unsafe fn row_444_impl<L: Layout>(
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) -> usize {
    let width = y.len();
    assert!(u.len() == width && v.len() == width && src.len() >= width * L::BPP);
    if width < STEP {
        // SAFETY: the caller guarantees AVX2; the lengths are checked above.
        return unsafe { avx2::row_444_impl::<L>(src, y, u, v, c) };
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
/// The CPU must support AVX-512F, AVX-512BW, AVX-512VBMI and AVX2. `y0` and `y1` have the same
/// length `width`, `src0` and `src1` hold at least `width * fmt.bytes_per_pixel()` bytes, `u`
/// and `v` hold `width.div_ceil(2)`.
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
    // SAFETY: the caller guarantees the CPU features; the kernel checks the slice lengths.
    unsafe { with_layout!(fmt, rows_420_impl(src0, src1, y0, y1, u, v, c), else 0) }
}

#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx2")]
unsafe fn rows_420_impl<L: Layout>(
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
        // SAFETY: the caller guarantees AVX2; the lengths are checked above.
        return unsafe { avx2::rows_420_impl::<L>(src0, src1, y0, y1, u, v, c) };
    }
    let k = Consts::new::<L>(c);
    for x in starts(end, STEP) {
        // SAFETY: `x` is even and `x + STEP <= end <= width`: the step reads `STEP * L::BPP`
        // bytes inside `src0` and `src1`, writes `STEP` bytes inside `y0` and `y1` and
        // `STEP / 2` bytes at `x / 2` inside `u` and `v` (`x / 2 + STEP / 2 <= end / 2`).
        unsafe {
            let p0 = planes::<L>(src0.as_ptr().add(x * L::BPP), &k);
            let p1 = planes::<L>(src1.as_ptr().add(x * L::BPP), &k);
            let (e, o) = (widen(&p0, k.even), widen_odd_by_shift(&p0, &k));
            store(y0.as_mut_ptr().add(x), luma(&e, &o, &k));
            let (e, o) = (widen(&p1, k.even), widen_odd_by_shift(&p1, &k));
            store(y1.as_mut_ptr().add(x), luma(&e, &o, &k));

            // Q4 2x2 sums of each channel: 32 chroma samples.
            let pair = |i: usize| {
                _mm512_add_epi16(
                    _mm512_maddubs_epi16(p0[i], k.pairs),
                    _mm512_maddubs_epi16(p1[i], k.pairs),
                )
            };
            let s = [pair(0), pair(1), pair(2)];
            let cu = _mm512_srli_epi16::<6>(sum(&s, &k.u, k.c_bias));
            let cv = _mm512_srli_epi16::<6>(sum(&s, &k.v, k.c_bias));
            // Lanes [u0..8 v0..8 | u8..16 v8..16 | ...] -> [u0..32 | v0..32].
            let uv = _mm512_permutexvar_epi64(k.unpack_uv, _mm512_packus_epi16(cu, cv));
            _mm256_storeu_si256(u.as_mut_ptr().add(x / 2).cast(), _mm512_castsi512_si256(uv));
            _mm256_storeu_si256(
                v.as_mut_ptr().add(x / 2).cast(),
                _mm512_extracti64x4_epi64::<1>(uv),
            );
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a `vpermt2b` index vector to a 128-byte table, as the instruction does.
    fn permute2(a: &[u8], idx: [u8; 64], b: &[u8]) -> Vec<u8> {
        idx.iter()
            .map(|&i| {
                let i = usize::from(i & 127);
                if i < 64 { a[i] } else { b[i - 64] }
            })
            .collect()
    }

    #[test]
    fn rgb_indices_gather_one_channel() {
        let src: Vec<u8> = (0..192).collect();
        for i in 0..3 {
            let lo = permute2(&src[..64], rgb_lo(i), &src[64..128]);
            let got = permute2(&lo, rgb_hi(i), &src[128..]);
            let expect: Vec<u8> = (0..64).map(|p| (3 * p + i) as u8).collect();
            assert_eq!(got, expect, "byte {i}");
        }
    }

    #[test]
    fn quad_indices_gather_channels() {
        let src: Vec<u8> = (0..=255).collect();
        let rg = quad_pair(0, 1);
        let rg0 = permute2(&src[..64], rg, &src[64..128]);
        let rg1 = permute2(&src[128..192], rg, &src[192..]);
        let r: Vec<u8> = [&rg0[..32], &rg1[..32]].concat();
        let expect: Vec<u8> = (0..64).map(|p| (4 * p) as u8).collect();
        assert_eq!(r, expect);
        // Blue: the low half from the first 128 bytes, the high half from the last 128.
        let idx = quad_b(2);
        let b0 = permute2(&src[..64], idx, &src[64..128]);
        let b1 = permute2(&src[128..192], idx, &src[192..]);
        let b: Vec<u8> = [&b0[..32], &b1[32..]].concat();
        let expect: Vec<u8> = (0..64).map(|p| (4 * p + 2) as u8).collect();
        assert_eq!(b, expect);
    }

    #[test]
    fn zip_interleaves_lane_halves() {
        assert_eq!(
            zip()[..16],
            [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]
        );
        assert_eq!(zip()[16..32], zip()[..16]);
    }
}
