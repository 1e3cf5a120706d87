//! simd128 kernels (stub: converts nothing, the scalar path finishes every row).

use framecast_core::PixelFormat;

use crate::coeffs::Coeffs;

/// Converts a prefix of one row to 4:4:4 and returns how many pixels it did.
///
/// # Safety
/// The CPU must support the kernel's target features.
pub(crate) fn row_444(
    _fmt: PixelFormat,
    _src: &[u8],
    _y: &mut [u8],
    _u: &mut [u8],
    _v: &mut [u8],
    _c: &Coeffs,
) -> usize {
    0
}

/// Converts an even prefix of two rows to 4:2:0 and returns how many pixels it did.
///
/// # Safety
/// The CPU must support the kernel's target features.
#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
pub(crate) fn rows_420(
    _fmt: PixelFormat,
    _src0: &[u8],
    _src1: &[u8],
    _y0: &mut [u8],
    _y1: &mut [u8],
    _u: &mut [u8],
    _v: &mut [u8],
    _c: &Coeffs,
) -> usize {
    0
}
