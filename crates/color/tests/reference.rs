//! The fixed-point conversion is within +-1 of an exact `f64` evaluation of the BT.601/709/2020
//! equations (ITU-T H.273 section 8.6), on seeded random images and on the corpus photos; and
//! YUV -> RGB is within +-1 of the exact inverse.

mod common;

use common::{Rng, all_specs, corpus_dir, skip};
use framecast_color::{Backend, Converter, yuv_to_rgb};
use framecast_core::{ColorSpec, FrameView, Matrix, PixelFormat, Range, Subsampling, YuvImage};

/// (Kr, Kb) written out here, independently of the crate's own table.
fn kr_kb(m: Matrix) -> (f64, f64) {
    match m {
        Matrix::Bt601 => (0.299, 0.114),
        Matrix::Bt709 => (0.2126, 0.0722),
        Matrix::Bt2020 => (0.2627, 0.0593),
        other => panic!("no reference constants for {other}"),
    }
}

/// Exact (unrounded) Y, Cb, Cr of one RGB pixel.
fn exact_yuv(spec: ColorSpec, rgb: [f64; 3]) -> [f64; 3] {
    let (kr, kb) = kr_kb(spec.matrix);
    let kg = 1.0 - kr - kb;
    let [r, g, b] = rgb.map(|c| c / 255.0);
    let y = kr * r + kg * g + kb * b;
    let pb = (b - y) / (2.0 * (1.0 - kb));
    let pr = (r - y) / (2.0 * (1.0 - kr));
    match spec.range {
        Range::Limited => [16.0 + 219.0 * y, 128.0 + 224.0 * pb, 128.0 + 224.0 * pr],
        Range::Full => [255.0 * y, 128.0 + 255.0 * pb, 128.0 + 255.0 * pr],
    }
}

fn pixel(frame: &FrameView<'_>, x: u32, y: u32) -> [f64; 3] {
    let fmt = frame.format();
    let p = &frame.row(y)[x as usize * fmt.bytes_per_pixel()..];
    fmt.rgb_offsets().map(|o| f64::from(p[o]))
}

/// Largest |fixed - round(exact)| over the image, per plane.
fn max_error(frame: &FrameView<'_>, img: &YuvImage, spec: ColorSpec) -> [i32; 3] {
    let (w, h) = (frame.width(), frame.height());
    let quant = |v: f64| v.round().clamp(0.0, 255.0) as i32;
    let mut worst = [0; 3];
    for y in 0..h {
        for x in 0..w {
            let e = exact_yuv(spec, pixel(frame, x, y));
            let got = i32::from(img.plane_row(0, y)[x as usize]);
            worst[0] = worst[0].max((got - quant(e[0])).abs());
            if img.subsampling() == Subsampling::Yuv444 {
                for p in 1..3 {
                    let got = i32::from(img.plane_row(p, y)[x as usize]);
                    worst[p] = worst[p].max((got - quant(e[p])).abs());
                }
            }
        }
    }
    if img.subsampling() == Subsampling::Yuv420 {
        let (cw, ch) = img.plane_size(1);
        for cy in 0..ch {
            for cx in 0..cw {
                // The mean of the 2x2 block's exact chroma, edges replicated.
                let mut sum = [0.0; 3];
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let e = exact_yuv(
                        spec,
                        pixel(frame, (2 * cx + dx).min(w - 1), (2 * cy + dy).min(h - 1)),
                    );
                    for k in 0..3 {
                        sum[k] += e[k] / 4.0;
                    }
                }
                for p in 1..3 {
                    let got = i32::from(img.plane_row(p, cy)[cx as usize]);
                    worst[p] = worst[p].max((got - quant(sum[p])).abs());
                }
            }
        }
    }
    worst
}

fn check(frame: &FrameView<'_>, what: &str) {
    for spec in all_specs() {
        for sub in [Subsampling::Yuv420, Subsampling::Yuv444] {
            for conv in [
                Converter::new(spec),
                Converter::new(spec)
                    .with_backend(Backend::Scalar)
                    .expect("scalar"),
            ] {
                let img = conv.to_yuv(frame, sub).expect("convert");
                let worst = max_error(frame, &img, spec);
                assert!(
                    worst.iter().all(|&e| e <= 1),
                    "{what} {spec} {} on {}: max errors {worst:?}",
                    sub.name(),
                    conv.backend()
                );
            }
        }
    }
}

#[test]
fn random_images_within_one_of_f64() {
    let mut rng = Rng::new(2024);
    for (w, h) in [(1, 1), (2, 2), (5, 3), (64, 17), (333, 197)] {
        for fmt in PixelFormat::ALL {
            let data = rng.bytes(w as usize * h as usize * fmt.bytes_per_pixel());
            let frame = FrameView::new(&data, w, h, fmt).expect("frame");
            check(&frame, &format!("random {w}x{h} {fmt}"));
        }
    }
}

/// Every RGB triple's corner cases: the 8 cube corners and greys give exact results.
#[test]
fn primaries_and_greys_are_exact() {
    let mut data = Vec::new();
    for c in 0..8u8 {
        data.extend([c & 1, (c >> 1) & 1, (c >> 2) & 1].map(|b| b * 255));
    }
    for g in [0u8, 1, 127, 128, 254, 255] {
        data.extend([g; 3]);
    }
    let n = (data.len() / 3) as u32;
    let frame = FrameView::new(&data, n, 1, PixelFormat::Rgb24).expect("frame");
    for spec in all_specs() {
        let img = Converter::new(spec)
            .to_yuv(&frame, Subsampling::Yuv444)
            .expect("convert");
        for x in 8..n as usize {
            assert_eq!(img.plane_row(1, 0)[x], 128, "{spec}: grey chroma");
            assert_eq!(img.plane_row(2, 0)[x], 128, "{spec}: grey chroma");
        }
        let white = img.plane_row(0, 0)[7];
        let black = img.plane_row(0, 0)[0];
        let (lo, hi) = if spec.range == Range::Full {
            (0, 255)
        } else {
            (16, 235)
        };
        assert_eq!((black, white), (lo, hi), "{spec}");
    }
}

fn load_photo(path: &std::path::Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

#[test]
fn corpus_photos_within_one_of_f64() {
    let dir = corpus_dir().join("photos");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return skip(&format!("corpus photos at {}", dir.display()));
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    assert!(
        paths.len() >= 6,
        "expected the corpus photos in {}",
        dir.display()
    );
    for path in paths {
        let img = load_photo(&path);
        let frame = FrameView::new(img.as_raw(), img.width(), img.height(), PixelFormat::Rgb24)
            .expect("frame");
        check(&frame, &path.display().to_string());
    }
}

/// Exact inverse of [`exact_yuv`] for 8-bit YUV.
fn exact_rgb(spec: ColorSpec, yuv: [u8; 3]) -> [f64; 3] {
    let (kr, kb) = kr_kb(spec.matrix);
    let kg = 1.0 - kr - kb;
    let [y, u, v] = yuv.map(f64::from);
    let (y, pb, pr) = match spec.range {
        Range::Limited => ((y - 16.0) / 219.0, (u - 128.0) / 224.0, (v - 128.0) / 224.0),
        Range::Full => (y / 255.0, (u - 128.0) / 255.0, (v - 128.0) / 255.0),
    };
    let r = y + 2.0 * (1.0 - kr) * pr;
    let b = y + 2.0 * (1.0 - kb) * pb;
    let g = (y - kr * r - kb * b) / kg;
    [r, g, b].map(|c| c * 255.0)
}

#[test]
fn yuv_to_rgb_within_one_of_f64() {
    let mut rng = Rng::new(99);
    for spec in all_specs() {
        for sub in [Subsampling::Yuv420, Subsampling::Yuv444] {
            let (w, h) = (37, 11);
            let mut img = YuvImage::new(w, h, sub).expect("image");
            for p in 0..3 {
                rng.fill(img.plane_mut(p));
            }
            for fmt in [
                PixelFormat::Rgb24,
                PixelFormat::Rgba,
                PixelFormat::Bgra,
                PixelFormat::Argb,
            ] {
                let bpp = fmt.bytes_per_pixel();
                let stride = w as usize * bpp + 3;
                let mut out = vec![0u8; stride * h as usize];
                yuv_to_rgb(&img, spec, fmt, &mut out, stride).expect("convert");
                let shift = u32::from(sub == Subsampling::Yuv420);
                for y in 0..h {
                    for x in 0..w {
                        let yuv = [
                            img.plane_row(0, y)[x as usize],
                            img.plane_row(1, y >> shift)[(x >> shift) as usize],
                            img.plane_row(2, y >> shift)[(x >> shift) as usize],
                        ];
                        let want = exact_rgb(spec, yuv).map(|c| c.round().clamp(0.0, 255.0) as i32);
                        let px = &out[y as usize * stride + x as usize * bpp..];
                        let got = fmt.rgb_offsets().map(|o| i32::from(px[o]));
                        for k in 0..3 {
                            assert!(
                                (got[k] - want[k]).abs() <= 1,
                                "{spec} {fmt} ({x},{y}) {yuv:?}: {got:?} vs {want:?}"
                            );
                        }
                        if fmt.has_alpha() {
                            let a = if fmt == PixelFormat::Argb { 0 } else { 3 };
                            assert_eq!(px[a], 255);
                        }
                    }
                }
            }
        }
    }
}

/// RGB -> I444 -> RGB comes back close on the photos: within 1 for full range, and within the
/// quantisation of 219/224 levels for limited range.
#[test]
fn photo_round_trip_through_i444() {
    let path = corpus_dir().join("photos/kodak_kodim23.png");
    if !path.exists() {
        return skip(&format!("corpus photo {}", path.display()));
    }
    let img = load_photo(&path);
    let frame =
        FrameView::new(img.as_raw(), img.width(), img.height(), PixelFormat::Rgb24).expect("frame");
    for spec in all_specs() {
        let yuv = Converter::new(spec)
            .to_yuv(&frame, Subsampling::Yuv444)
            .expect("convert");
        let mut back = vec![0u8; img.as_raw().len()];
        yuv_to_rgb(
            &yuv,
            spec,
            PixelFormat::Rgb24,
            &mut back,
            img.width() as usize * 3,
        )
        .expect("convert back");
        let worst = img
            .as_raw()
            .iter()
            .zip(&back)
            .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
            .max();
        let bound = if spec.range == Range::Full { 2 } else { 3 };
        assert!(
            worst.unwrap_or(0) <= bound,
            "{spec}: worst round-trip error {worst:?} > {bound}"
        );
    }
}
