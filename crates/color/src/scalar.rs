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

/// Calls `$f::<Layout>($args)` for the layout of `$fmt`, so each format gets its own
/// monomorphised kernel with no format branch in its loop. With `else $none`, a format without a
/// layout yields `$none` (SIMD kernels: 0 pixels done, the scalar kernel does the row); without
/// it, such a format is a bug, since the scalar kernels have a layout for every format.
macro_rules! with_layout {
    (@none) => { unreachable!("pixel format without a layout") };
    (@none $none:expr) => { $none };
    ($fmt:expr, $f:ident($($arg:expr),* $(,)?) $(, else $none:expr)?) => {{
        use $crate::scalar::{Abgr, Argb, Bgr24, Bgra, Gray, Rgb24, Rgba};
        match $fmt {
            PixelFormat::Rgb24 => $f::<Rgb24>($($arg),*),
            PixelFormat::Bgr24 => $f::<Bgr24>($($arg),*),
            PixelFormat::Rgba => $f::<Rgba>($($arg),*),
            PixelFormat::Bgra => $f::<Bgra>($($arg),*),
            PixelFormat::Argb => $f::<Argb>($($arg),*),
            PixelFormat::Abgr => $f::<Abgr>($($arg),*),
            PixelFormat::Gray => $f::<Gray>($($arg),*),
            #[allow(unreachable_patterns, reason = "PixelFormat is #[non_exhaustive]")]
            _ => $crate::scalar::with_layout!(@none $($none)?),
        }
    }};
}
pub(crate) use with_layout;

#[inline(always)]
fn rgb<L: Layout>(p: &[u8]) -> [i32; 3] {
    [i32::from(p[L::R]), i32::from(p[L::G]), i32::from(p[L::B])]
}

// The loops below walk exact chunks with zipped iterators so that they carry no bounds checks and
// LLVM can vectorise them (interleaved loads of 3 or 4 bytes).

fn row_444_impl<L: Layout>(
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    from: usize,
    c: &Coeffs,
) {
    let width = y.len();
    let px = src[from * L::BPP..width * L::BPP].chunks_exact(L::BPP);
    let out = y[from..].iter_mut().zip(&mut u[from..]).zip(&mut v[from..]);
    for (p, ((y, u), v)) in px.zip(out) {
        let x = rgb::<L>(p).map(|s| s << 6);
        *y = dot(x, c.y, c.y_bias);
        *u = dot(x, c.u, c.c_bias);
        *v = dot(x, c.v, c.c_bias);
    }
}

fn luma_row<L: Layout>(src: &[u8], y: &mut [u8], c: &Coeffs) {
    for (p, y) in src.chunks_exact(L::BPP).zip(y) {
        *y = dot(rgb::<L>(p).map(|s| s << 6), c.y, c.y_bias);
    }
}

/// Chroma of one 2x2 block given its four pixels.
#[inline(always)]
fn chroma_420<L: Layout>(p: &[u8], q: &[u8], r: &[u8], s: &[u8], c: &Coeffs) -> (u8, u8) {
    let (p, q, r, s) = (rgb::<L>(p), rgb::<L>(q), rgb::<L>(r), rgb::<L>(s));
    let x = [0, 1, 2].map(|k| (p[k] + q[k] + r[k] + s[k]) << 4);
    (dot(x, c.u, c.c_bias), dot(x, c.v, c.c_bias))
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
    let (s0, s1) = (
        &src0[from * L::BPP..width * L::BPP],
        &src1[from * L::BPP..width * L::BPP],
    );
    luma_row::<L>(s0, &mut y0[from..], c);
    luma_row::<L>(s1, &mut y1[from..], c);
    let (cu, cv) = (&mut u[from / 2..], &mut v[from / 2..]);
    let pairs = s0.chunks_exact(2 * L::BPP).zip(s1.chunks_exact(2 * L::BPP));
    let mut done = 0;
    for ((a, b), (u, v)) in pairs.zip(cu.iter_mut().zip(cv.iter_mut())) {
        (*u, *v) = chroma_420::<L>(&a[..L::BPP], &a[L::BPP..], &b[..L::BPP], &b[L::BPP..], c);
        done += 1;
    }
    if !(width - from).is_multiple_of(2) {
        // Odd width: the last column is its own right-hand neighbour.
        let a = &s0[s0.len() - L::BPP..];
        let b = &s1[s1.len() - L::BPP..];
        (cu[done], cv[done]) = chroma_420::<L>(a, a, b, b, c);
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
    debug_assert!(
        from.is_multiple_of(2),
        "SIMD kernels must stop at an even pixel"
    );
    with_layout!(fmt, rows_420_impl(src0, src1, y0, y1, u, v, from, c));
}
