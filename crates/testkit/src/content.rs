//! Seeded test content: an LCG, synthetic moving pictures and pans over a corpus photo.

use std::path::Path;

use framecast_color::Converter;
use framecast_core::{ColorSpec, FrameView, PixelFormat, Subsampling, YuvImage};

/// A 64-bit LCG (Knuth's MMIX constants); the high bits are the output. The field is the state,
/// so `Lcg(seed)` starts a sequence.
#[derive(Clone, Debug)]
pub struct Lcg(pub u64);

impl Lcg {
    /// The next byte: the top 8 bits of the advanced state.
    pub fn next_u8(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 56) as u8
    }
}

/// Synthetic moving content, picture `t` of a clip: gradients and moving bars plus seeded noise
/// of `noise` amplitude (0: none, and `rng` is not advanced).
pub fn synthetic(w: u32, h: u32, t: u32, noise: u8, sub: Subsampling, rng: &mut Lcg) -> YuvImage {
    let mut img = YuvImage::new(w, h, sub).unwrap();
    let sizes = [img.plane_size(0), img.plane_size(1), img.plane_size(2)];
    for (i, (plane, stride)) in img.planes_mut().into_iter().enumerate() {
        let (pw, ph) = (sizes[i].0 as usize, sizes[i].1 as usize);
        for y in 0..ph {
            for x in 0..pw {
                let base = if i == 0 {
                    let bar = ((x + 3 * t as usize) / 24 + (y + t as usize) / 32) % 2;
                    (x * 3 + y * 2 + t as usize * 5) % 160 + 40 + bar * 40
                } else {
                    128 + ((x * (i + 1) + y + t as usize) % 48) - 24
                };
                let n = if noise > 0 {
                    i32::from(rng.next_u8() % noise) - i32::from(noise / 2)
                } else {
                    0
                };
                plane[y * stride + x] = (base as i32 + n).clamp(0, 255) as u8;
            }
        }
    }
    img
}

/// A pan over a corpus photo: `frames` pictures of `w x h` whose top-left corner moves `step`
/// pixels per frame, converted with framecast's [`Converter`] for `color` and `sub`.
///
/// Panics when the pan leaves the photo.
pub fn photo_pan(
    photo: &Path,
    w: u32,
    h: u32,
    frames: u32,
    step: (u32, u32),
    color: ColorSpec,
    sub: Subsampling,
) -> Vec<YuvImage> {
    let img = image::open(photo).unwrap().to_rgb8();
    let conv = Converter::new(color);
    (0..frames)
        .map(|t| {
            let (x0, y0) = (t * step.0, t * step.1);
            assert!(
                x0 + w <= img.width() && y0 + h <= img.height(),
                "pan leaves the photo"
            );
            let crop = image::imageops::crop_imm(&img, x0, y0, w, h).to_image();
            let view = FrameView::new(crop.as_raw(), w, h, PixelFormat::Rgb24).unwrap();
            conv.to_yuv(&view, sub).unwrap()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcg_is_seeded() {
        let (mut a, mut b) = (Lcg(5), Lcg(5));
        let xs: Vec<u8> = (0..16).map(|_| a.next_u8()).collect();
        assert!(
            xs.iter()
                .zip((0..16).map(|_| b.next_u8()))
                .all(|(x, y)| *x == y)
        );
        assert_ne!(xs, (0..16).map(|_| Lcg(6).next_u8()).collect::<Vec<_>>());
    }

    #[test]
    fn synthetic_fills_odd_sizes_in_both_subsamplings() {
        for sub in [Subsampling::Yuv420, Subsampling::Yuv444] {
            let img = synthetic(15, 17, 3, 8, sub, &mut Lcg(1));
            assert_eq!(img.plane_size(1), sub.chroma_size(15, 17));
            let again = synthetic(15, 17, 3, 8, sub, &mut Lcg(1));
            for i in 0..3 {
                assert_eq!(img.plane(i), again.plane(i), "plane {i} is seeded");
            }
        }
    }

    #[test]
    fn synthetic_without_noise_leaves_the_rng_alone() {
        let mut rng = Lcg(9);
        let _ = synthetic(8, 8, 0, 0, Subsampling::Yuv420, &mut rng);
        assert_eq!(rng.0, 9);
    }
}
