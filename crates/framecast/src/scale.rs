//! Resizing packed frames (RGB, RGBA, gray, any [`PixelFormat`]) before colour conversion:
//! ffmpeg's `-vf scale=W:H`, which imageio adds to round sizes up to multiples of 16.
//!
//! The filter is separable Catmull-Rom (the cubic with B = 0, C = 0.5), widened by the scale
//! factor when shrinking so that every source pixel contributes (an area-correct low-pass, as
//! swscale and Pillow do). Weights are computed once per axis in `f64`, rounded to 14-bit fixed
//! point with every row of weights summing to exactly `1 << 14`, and applied with integer
//! arithmetic: the result depends on nothing but the sizes and the bytes, so every thread and
//! every machine produces the same output. Each channel (alpha included) is filtered on its
//! own; edges repeat the outermost pixel.
//!
//! A resize to the same size is the identity, byte for byte: the Catmull-Rom kernel is 1 at 0
//! and 0 at every other integer offset.
//!
//! ```
//! use framecast::PixelFormat;
//! use framecast::scale::Scaler;
//!
//! // A 4x2 RGB frame to 2x1.
//! let src = [10u8; 4 * 2 * 3];
//! let scaler = Scaler::new((4, 2), (2, 1))?;
//! let mut out = Vec::new();
//! scaler.resize(&src, 4 * 3, PixelFormat::Rgb24, &mut out)?;
//! assert_eq!(out, vec![10u8; 2 * 3]);
//! # Ok::<(), framecast::Error>(())
//! ```

use framecast_core::{FrameView, MAX_DIMENSION, PixelFormat};

use crate::{Error, Result};

/// Fixed-point precision of the weights.
const BITS: u32 = 14;
const ONE: i32 = 1 << BITS;

/// The Catmull-Rom cubic (Keys' kernel with a = -0.5): 1 at 0, 0 at the other integers,
/// support (-2, 2).
fn catmull_rom(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        (1.5 * x - 2.5) * x * x + 1.0
    } else if x < 2.0 {
        ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    } else {
        0.0
    }
}

/// The taps of one axis: for output position `i`, source positions `starts[i]..` with the
/// weights `weights[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Axis {
    starts: Vec<usize>,
    offsets: Vec<usize>,
    weights: Vec<i32>,
}

impl Axis {
    /// Weights from `src` positions to `dst` positions (both in 1..=MAX_DIMENSION).
    fn new(src: usize, dst: usize) -> Axis {
        let ratio = src as f64 / dst as f64;
        // Shrinking widens the kernel so it covers every source pixel (a low-pass filter).
        let widen = ratio.max(1.0);
        let support = 2.0 * widen;
        let mut starts = Vec::with_capacity(dst);
        let mut offsets = Vec::with_capacity(dst + 1);
        let mut weights = Vec::new();
        let mut window = Vec::new();
        offsets.push(0);
        let last = src as i64 - 1;
        for i in 0..dst {
            // Pixel centres line up: output centre i + 0.5 maps to source (i + 0.5) * ratio.
            let centre = (i as f64 + 0.5) * ratio - 0.5;
            let lo = (centre - support).floor() as i64 + 1;
            let hi = (centre + support).ceil() as i64 - 1;
            let (first, end) = (lo.clamp(0, last), hi.clamp(0, last));
            window.clear();
            window.resize((end - first + 1) as usize, 0.0f64);
            for j in lo..=hi {
                let w = catmull_rom((j as f64 - centre) / widen);
                // Outside the frame the edge pixel repeats: its weight folds onto the edge.
                window[(j.clamp(0, last) - first) as usize] += w;
            }
            let sum: f64 = window.iter().sum();
            let sum = if sum.abs() < 1e-12 { 1.0 } else { sum };
            let base = weights.len();
            weights.extend(
                window
                    .iter()
                    .map(|w| (w / sum * f64::from(ONE)).round() as i32),
            );
            // Rounding may leave the row a unit or two off 1.0: give the rest to the largest
            // weight, so flat areas stay exactly flat.
            let row = &mut weights[base..];
            let error = ONE - row.iter().sum::<i32>();
            if let Some(max) = row
                .iter_mut()
                .enumerate()
                .max_by_key(|(k, w)| (**w, usize::MAX - *k))
                .map(|(_, w)| w)
            {
                *max += error;
            }
            starts.push(first as usize);
            offsets.push(weights.len());
        }
        Axis {
            starts,
            offsets,
            weights,
        }
    }

    fn taps(&self, i: usize) -> (usize, &[i32]) {
        (
            self.starts[i],
            &self.weights[self.offsets[i]..self.offsets[i + 1]],
        )
    }
}

/// Rounds a fixed-point sum back to a byte.
fn to_byte(acc: i32) -> u8 {
    ((acc + (ONE / 2)) >> BITS).clamp(0, 255) as u8
}

/// A resize from one frame size to another, with its weights computed once; reuse it for
/// every frame of a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaler {
    src: (u32, u32),
    dst: (u32, u32),
    horizontal: Axis,
    vertical: Axis,
}

impl Scaler {
    /// A resize of `src` (width, height) frames to `dst`. Sizes of 0 or above
    /// [`MAX_DIMENSION`] are refused.
    pub fn new(src: (u32, u32), dst: (u32, u32)) -> Result<Self> {
        for (what, value) in [
            ("source width", src.0),
            ("source height", src.1),
            ("scaled width", dst.0),
            ("scaled height", dst.1),
        ] {
            if value == 0 || value > MAX_DIMENSION {
                return Err(Error::Unsupported {
                    what: format!("a {what} of {value}"),
                    why: format!("resizing takes sizes from 1 to {MAX_DIMENSION}"),
                });
            }
        }
        Ok(Scaler {
            src,
            dst,
            horizontal: Axis::new(src.0 as usize, dst.0 as usize),
            vertical: Axis::new(src.1 as usize, dst.1 as usize),
        })
    }

    /// The source size.
    pub fn source_size(&self) -> (u32, u32) {
        self.src
    }

    /// The size frames are resized to.
    pub fn output_size(&self) -> (u32, u32) {
        self.dst
    }

    /// Resizes one frame of the source size in `format`, whose rows start `stride` bytes
    /// apart, into `out` (resized to exactly `width * height * bytes_per_pixel` of the output
    /// size, rows without padding). Errors when `src` is too short for the size and stride.
    pub fn resize(
        &self,
        src: &[u8],
        stride: usize,
        format: PixelFormat,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let frame = FrameView::with_stride(src, self.src.0, self.src.1, stride, format)?;
        self.resize_frame(&frame, out)
    }

    /// Resizes `frame` (of the source size) into `out`; see [`resize`](Self::resize).
    pub fn resize_frame(&self, frame: &FrameView<'_>, out: &mut Vec<u8>) -> Result<()> {
        let mut scratch = Vec::new();
        self.resize_with(frame, out, &mut scratch)
    }

    /// Like [`resize_frame`](Self::resize_frame), with a caller-owned scratch buffer (the
    /// horizontally resized rows) so a video allocates it once.
    pub(crate) fn resize_with(
        &self,
        frame: &FrameView<'_>,
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
    ) -> Result<()> {
        if (frame.width(), frame.height()) != self.src {
            return Err(Error::FrameSize {
                index: 0,
                width: frame.width(),
                height: frame.height(),
                expected_width: self.src.0,
                expected_height: self.src.1,
            });
        }
        let bpp = frame.format().bytes_per_pixel();
        let (sw, sh) = (self.src.0 as usize, self.src.1 as usize);
        let (dw, dh) = (self.dst.0 as usize, self.dst.1 as usize);
        let row_out = dw * bpp;

        // Pass 1: every source row to the output width.
        scratch.clear();
        scratch.resize(row_out * sh, 0);
        for (y, dst_row) in scratch.chunks_exact_mut(row_out).enumerate() {
            let src_row = &frame.row(y as u32)[..sw * bpp];
            if sw == dw {
                dst_row.copy_from_slice(src_row);
                continue;
            }
            for (x, px) in dst_row.chunks_exact_mut(bpp).enumerate() {
                let (start, taps) = self.horizontal.taps(x);
                for (c, out) in px.iter_mut().enumerate() {
                    let mut acc = 0i32;
                    for (k, w) in taps.iter().enumerate() {
                        acc += w * i32::from(src_row[(start + k) * bpp + c]);
                    }
                    *out = to_byte(acc);
                }
            }
        }

        // Pass 2: the columns to the output height, one output row at a time; the inner loop
        // runs along a row, which the compiler vectorises.
        out.clear();
        out.resize(row_out * dh, 0);
        if sh == dh {
            out.copy_from_slice(scratch);
            return Ok(());
        }
        let mut acc = vec![0i32; row_out];
        for (y, dst_row) in out.chunks_exact_mut(row_out).enumerate() {
            let (start, taps) = self.vertical.taps(y);
            acc.fill(0);
            for (k, &w) in taps.iter().enumerate() {
                let src_row = &scratch[(start + k) * row_out..][..row_out];
                for (a, &s) in acc.iter_mut().zip(src_row) {
                    *a += w * i32::from(s);
                }
            }
            for (o, &a) in dst_row.iter_mut().zip(&acc) {
                *o = to_byte(a);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded bytes (xorshift).
    fn noise(len: usize, mut state: u32) -> Vec<u8> {
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect()
    }

    #[test]
    fn weights_sum_to_one() {
        for (src, dst) in [
            (1, 1),
            (1, 7),
            (7, 1),
            (100, 112),
            (112, 100),
            (1000, 3),
            (3, 1000),
        ] {
            let axis = Axis::new(src, dst);
            for i in 0..dst {
                let (start, taps) = axis.taps(i);
                assert_eq!(taps.iter().sum::<i32>(), ONE, "{src}->{dst} at {i}");
                assert!(start + taps.len() <= src, "{src}->{dst} at {i}");
            }
        }
    }

    #[test]
    fn identity_is_exact() {
        for format in PixelFormat::ALL {
            for (w, h) in [(1, 1), (2, 3), (17, 5), (64, 48)] {
                let bpp = format.bytes_per_pixel();
                let src = noise(w * h * bpp, 7 + w as u32);
                let scaler = Scaler::new((w as u32, h as u32), (w as u32, h as u32)).unwrap();
                let mut out = Vec::new();
                scaler.resize(&src, w * bpp, format, &mut out).unwrap();
                assert_eq!(out, src, "{format} {w}x{h}");
            }
        }
    }

    #[test]
    fn identity_weights_are_single_taps() {
        // Not only the copy shortcut: the weights themselves are the identity.
        let axis = Axis::new(37, 37);
        for i in 0..37 {
            let (start, taps) = axis.taps(i);
            let nonzero: Vec<(usize, i32)> = taps
                .iter()
                .enumerate()
                .filter(|(_, w)| **w != 0)
                .map(|(k, w)| (start + k, *w))
                .collect();
            assert_eq!(nonzero, vec![(i, ONE)]);
        }
    }

    #[test]
    fn flat_stays_flat() {
        let src = vec![200u8; 33 * 21 * 4];
        for dst in [(1, 1), (16, 16), (100, 80), (33, 22)] {
            let scaler = Scaler::new((33, 21), dst).unwrap();
            let mut out = Vec::new();
            scaler
                .resize(&src, 33 * 4, PixelFormat::Rgba, &mut out)
                .unwrap();
            assert!(out.iter().all(|&v| v == 200), "{dst:?}");
            assert_eq!(out.len(), dst.0 as usize * dst.1 as usize * 4);
        }
    }

    #[test]
    fn gradient_downscale_stays_close() {
        // A smooth horizontal and vertical gradient, halved and shrunk by odd factors: each
        // output pixel is within 2 of the gradient at its centre.
        let (w, h) = (240usize, 160usize);
        let value = |x: f64, y: f64| 20.0 + x * 0.5 + y * 0.6;
        let mut src = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                src.push(value(x as f64, y as f64).round() as u8);
            }
        }
        for (dw, dh) in [(120usize, 80usize), (97, 61), (240, 160), (112, 80)] {
            let scaler = Scaler::new((w as u32, h as u32), (dw as u32, dh as u32)).unwrap();
            let mut out = Vec::new();
            scaler.resize(&src, w, PixelFormat::Gray, &mut out).unwrap();
            let (rx, ry) = (w as f64 / dw as f64, h as f64 / dh as f64);
            let mut worst = 0.0f64;
            // Skip a border of 2 output pixels, where edge repetition bends the gradient.
            for y in 2..dh - 2 {
                for x in 2..dw - 2 {
                    let expect = value((x as f64 + 0.5) * rx - 0.5, (y as f64 + 0.5) * ry - 0.5);
                    worst = worst.max((f64::from(out[y * dw + x]) - expect).abs());
                }
            }
            assert!(worst <= 2.0, "{dw}x{dh}: worst error {worst}");
        }
    }

    #[test]
    fn every_small_size_resizes_without_panic() {
        for sw in 1..=7u32 {
            for sh in [1u32, 2, 5] {
                for dw in 1..=9u32 {
                    for dh in [1u32, 3, 8] {
                        let src = noise((sw * sh * 3) as usize, sw * 31 + sh);
                        let scaler = Scaler::new((sw, sh), (dw, dh)).unwrap();
                        let mut out = Vec::new();
                        scaler
                            .resize(&src, sw as usize * 3, PixelFormat::Rgb24, &mut out)
                            .unwrap();
                        assert_eq!(out.len(), (dw * dh * 3) as usize);
                    }
                }
            }
        }
    }

    #[test]
    fn strided_input_ignores_padding() {
        let (w, h, stride) = (5usize, 4usize, 5 * 3 + 7);
        let tight = noise(w * h * 3, 99);
        let mut padded = vec![0xEEu8; stride * h];
        for y in 0..h {
            padded[y * stride..][..w * 3].copy_from_slice(&tight[y * w * 3..][..w * 3]);
        }
        let scaler = Scaler::new((5, 4), (8, 6)).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        scaler
            .resize(&tight, w * 3, PixelFormat::Rgb24, &mut a)
            .unwrap();
        scaler
            .resize(&padded, stride, PixelFormat::Rgb24, &mut b)
            .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_sizes_are_errors() {
        assert!(Scaler::new((0, 1), (1, 1)).is_err());
        assert!(Scaler::new((1, 1), (1, MAX_DIMENSION + 1)).is_err());
        let scaler = Scaler::new((4, 4), (2, 2)).unwrap();
        let mut out = Vec::new();
        // Too few bytes for a 4x4 RGB frame.
        assert!(
            scaler
                .resize(&[0u8; 10], 12, PixelFormat::Rgb24, &mut out)
                .is_err()
        );
        let small = [0u8; 3 * 3 * 3];
        let frame = FrameView::new(&small, 3, 3, PixelFormat::Rgb24).unwrap();
        assert!(matches!(
            scaler.resize_frame(&frame, &mut out),
            Err(Error::FrameSize { .. })
        ));
    }
}
