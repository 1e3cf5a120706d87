//! The scalar reference kernels, also used to finish every row the SIMD kernels leave.
//!
//! They implement the rounding rule of [`crate::coeffs`] literally. Formats are monomorphised
//! through [`Layout`] so the inner loops carry no format branch.

use framecast_core::PixelFormat;

use crate::coeffs::Coeffs;

/// One Q15 term of the rounding rule: `(x * c + 2^14) >> 15`.
#[inline(always)]
pub(crate) fn term(x: i32, c: i16) -> i32 {
    (x * i32::from(c) + (1 << 14)) >> 15
}

/// `clamp((t_r + t_g + t_b + bias) >> 6, 0, 255)` for Q6 inputs `x`.
#[inline(always)]
pub(crate) fn dot(x: [i32; 3], row: [i16; 3], bias: i16) -> u8 {
    let sum = term(x[0], row[0]) + term(x[1], row[1]) + term(x[2], row[2]) + i32::from(bias);
    (sum >> 6).clamp(0, 255) as u8
}

/// A packed pixel layout: bytes per pixel and the byte offsets of R, G and B.
pub(crate) trait Layout {
    const BPP: usize;
    const R: usize;
    const G: usize;
    const B: usize;
}

macro_rules! layouts {
    ($($name:ident = $bpp:literal, $r:literal, $g:literal, $b:literal;)*) => {$(
        pub(crate) struct $name;
        impl Layout for $name {
            const BPP: usize = $bpp;
            const R: usize = $r;
            const G: usize = $g;
            const B: usize = $b;
        }
    )*};
}

layouts! {
    Rgb24 = 3, 0, 1, 2;
    Bgr24 = 3, 2, 1, 0;
    Rgba = 4, 0, 1, 2;
    Bgra = 4, 2, 1, 0;
    Argb = 4, 1, 2, 3;
    Abgr = 4, 3, 2, 1;
    Gray = 1, 0, 0, 0;
}

/// Calls `$f::<Layout>($args)` for the layout of `$fmt`.
macro_rules! with_layout {
    ($fmt:expr, $f:ident($($arg:expr),* $(,)?)) => {
        match $fmt {
            PixelFormat::Rgb24 => $f::<Rgb24>($($arg),*),
            PixelFormat::Bgr24 => $f::<Bgr24>($($arg),*),
            PixelFormat::Rgba => $f::<Rgba>($($arg),*),
            PixelFormat::Bgra => $f::<Bgra>($($arg),*),
            PixelFormat::Argb => $f::<Argb>($($arg),*),
            PixelFormat::Abgr => $f::<Abgr>($($arg),*),
            PixelFormat::Gray => $f::<Gray>($($arg),*),
            // `PixelFormat` is non-exhaustive across crates; a new format must get a layout here.
            #[allow(unreachable_patterns, reason = "PixelFormat is #[non_exhaustive]")]
            _ => unreachable!("pixel format without a layout"),
        }
    };
}

#[inline(always)]
fn rgb<L: Layout>(src: &[u8], i: usize) -> [i32; 3] {
    let p = &src[i * L::BPP..i * L::BPP + L::BPP];
    [i32::from(p[L::R]), i32::from(p[L::G]), i32::from(p[L::B])]
}

fn row_444_impl<L: Layout>(
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    from: usize,
    c: &Coeffs,
) {
    for i in from..y.len() {
        let x = rgb::<L>(src, i).map(|s| s << 6);
        y[i] = dot(x, c.y, c.y_bias);
        u[i] = dot(x, c.u, c.c_bias);
        v[i] = dot(x, c.v, c.c_bias);
    }
}

#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
fn rows_420_impl<L: Layout>(
    src0: &[u8],
    src1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    from: usize,
    c: &Coeffs,
) {
    let width = y0.len();
    for i in from..width {
        y0[i] = dot(rgb::<L>(src0, i).map(|s| s << 6), c.y, c.y_bias);
        y1[i] = dot(rgb::<L>(src1, i).map(|s| s << 6), c.y, c.y_bias);
    }
    for j in from / 2..width.div_ceil(2) {
        let a = 2 * j;
        // Replicate the last column at odd widths.
        let b = (a + 1).min(width - 1);
        let (p, q, r, s) = (
            rgb::<L>(src0, a),
            rgb::<L>(src0, b),
            rgb::<L>(src1, a),
            rgb::<L>(src1, b),
        );
        let x = [0, 1, 2].map(|k| (p[k] + q[k] + r[k] + s[k]) << 4);
        u[j] = dot(x, c.u, c.c_bias);
        v[j] = dot(x, c.v, c.c_bias);
    }
}

/// Converts pixels `from..` of one row to 4:4:4. `y`, `u` and `v` hold exactly the row's width;
/// `src` holds at least `width * bytes_per_pixel` bytes.
pub(crate) fn row_444(
    fmt: PixelFormat,
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    from: usize,
    c: &Coeffs,
) {
    with_layout!(fmt, row_444_impl(src, y, u, v, from, c));
}

/// Converts pixels `from..` (even) of two rows to 4:2:0: both luma rows and one chroma row.
/// `y0`/`y1` hold exactly the width, `u`/`v` exactly `ceil(width / 2)`. At an odd height the
/// caller passes the last row twice (edge replication).
#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
pub(crate) fn rows_420(
    fmt: PixelFormat,
    src0: &[u8],
    src1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    from: usize,
    c: &Coeffs,
) {
    debug_assert!(from % 2 == 0, "SIMD kernels must stop at an even pixel");
    with_layout!(fmt, rows_420_impl(src0, src1, y0, y1, u, v, from, c));
}
