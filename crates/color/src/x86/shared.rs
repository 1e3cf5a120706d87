//! What the SSE4.1 and AVX2 kernels share: the byte masks that deinterleave
//! packed pixels into planar R, G and B bytes (each applies to one 128-bit lane; the AVX2
//! kernels use the same mask in both lanes) and the positions of the steps along a row.

use crate::scalar::Layout;

/// `pshufb` index that zeroes the output byte.
const ZERO: i8 = -128;

/// Deinterleaving 3-byte pixels with blends: the `pblendvb` mask of the positions of a 16-byte
/// chunk starting at byte `offset` of a row (or of any multiple of 48 bytes) that hold byte `i`
/// of their pixel.
///
/// Three chunks at offsets that differ mod 3, such as 0, 16 and 32, hold three different pixel
/// bytes at every position, so two blends collect byte `i` of all 16 pixels of bytes 0..48,
/// in the order [`order3`] undoes.
pub(super) const fn holds(offset: usize, i: usize) -> [i8; 16] {
    let mut m = [0; 16];
    let mut j = 0;
    while j < 16 {
        if (offset + j) % 3 == i {
            m[j] = -128;
        }
        j += 1;
    }
    m
}

/// The `pshufb` mask that puts the bytes collected with [`holds`] in pixel order: pixel `p`'s
/// byte `i` is byte `3 p + i` of the 48, at position `(3 p + i) % 16`.
pub(super) const fn order3(i: usize) -> [i8; 16] {
    let mut m = [0; 16];
    let mut p = 0;
    while p < 16 {
        m[p] = ((3 * p + i) % 16) as i8;
        p += 1;
    }
    m
}

/// The `pshufb` mask that turns 4 pixels of 4 bytes into the dwords `[R0..R3, G0..G3, B0..B3,
/// 0]`.
pub(super) const fn quad<L: Layout>() -> [i8; 16] {
    let mut m = [ZERO; 16];
    let offsets = [L::R, L::G, L::B];
    let mut c = 0;
    while c < 3 {
        let mut i = 0;
        while i < 4 {
            m[4 * c + i] = (L::BPP * i + offsets[c]) as i8;
            i += 1;
        }
        c += 1;
    }
    m
}

/// The first pixel of each step of `step` pixels that converts pixels `..end`: `0, step,
/// 2 step, ...` and, if that leaves pixels over, one last step ending exactly at `end`, which
/// overlaps the one before it (and recomputes identical bytes). With an even `end` and `step`,
/// every start is even, as a 4:2:0 step needs.
///
/// The caller guarantees `end >= step`.
#[inline(always)]
pub(super) fn starts(end: usize, step: usize) -> impl Iterator<Item = usize> {
    debug_assert!(end >= step);
    let last = end - step;
    (0..last).step_by(step).chain(core::iter::once(last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coeffs::Coeffs;
    use crate::scalar::{Abgr, Rgba, term};
    use framecast_core::{ColorSpec, Matrix, Range};

    #[test]
    fn holds_and_order3_gather_one_channel() {
        let src: Vec<u8> = (0..48).collect();
        let blendv = |x: &[u8], y: &[u8], m: [i8; 16]| -> Vec<u8> {
            (0..16)
                .map(|j| if m[j] < 0 { y[j] } else { x[j] })
                .collect()
        };
        for i in 0..3 {
            let x = blendv(&src[..16], &src[16..32], holds(16, i));
            let x = blendv(&x, &src[32..], holds(32, i));
            let ordered: Vec<u8> = order3(i).iter().map(|&o| x[o as usize]).collect();
            let expect: Vec<u8> = (0..16).map(|p| (3 * p + i) as u8).collect();
            assert_eq!(ordered, expect, "byte {i}");
        }
    }

    #[test]
    fn quad_groups_channels() {
        assert_eq!(
            quad::<Rgba>(),
            [
                0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, ZERO, ZERO, ZERO, ZERO
            ]
        );
        assert_eq!(quad::<Abgr>()[..4], [3, 7, 11, 15]);
    }

    /// The luma kernels neither clamp to 255 nor mask: they need every luma sum (terms plus
    /// bias, before `>> 6`) below 2^14. Luma coefficients are positive, so white is the maximum.
    #[test]
    fn luma_sums_stay_below_2_14() {
        for m in Matrix::ALL {
            for r in Range::ALL {
                let c = Coeffs::new(ColorSpec::new(m, r));
                assert!(c.y.iter().all(|&k| k > 0), "{m:?} {r:?}");
                let white: i32 = c.y.iter().map(|&k| term(255 << 6, k)).sum();
                assert!(white + i32::from(c.y_bias) < 1 << 14, "{m:?} {r:?}");
            }
        }
    }

    #[test]
    fn starts_cover_the_prefix() {
        let v: Vec<usize> = starts(70, 32).collect();
        assert_eq!(v, [0, 32, 38]);
        let v: Vec<usize> = starts(64, 32).collect();
        assert_eq!(v, [0, 32]);
        let v: Vec<usize> = starts(32, 32).collect();
        assert_eq!(v, [0]);
        let v: Vec<usize> = starts(33, 32).collect();
        assert_eq!(v, [0, 1]);
    }
}
