//! The three clips decoded by the gif crate and by ffmpeg: every frame present with its delay,
//! per-frame RGB PSNR against the source above floors set 1-2 dB under measured values.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use common::clips::{Clip, gradient, photo_pan, plot, psnr};
use common::{decode, encode, ffmpeg_frames, have_ffmpeg};
use framecast_gif::{Dither, GifOptions};

/// Checks one clip at every dither mode against per-mode PSNR floors (none, ordered, diffusion).
fn check(clip: &Clip, floors: [f64; 3]) {
    let ff = have_ffmpeg();
    for (dither, floor) in [Dither::None, Dither::Ordered, Dither::Diffusion]
        .into_iter()
        .zip(floors)
    {
        let bytes = encode(
            clip.width,
            clip.height,
            clip.bpp,
            30,
            &clip.frames,
            GifOptions::default().dither(dither),
        );
        let (_, _, _, images) = decode(&bytes);
        assert_eq!(images.len(), clip.frames.len(), "{} {dither:?}", clip.name);
        let delays: Vec<u16> = images.iter().map(|d| d.delay).collect();
        let want: Vec<u16> = (0..clip.frames.len() as u32)
            .map(|i| (100 * (i + 1) / 30 - 100 * i / 30) as u16)
            .collect();
        assert_eq!(delays, want);
        let mut min = f64::INFINITY;
        for (i, (src, img)) in clip.frames.iter().zip(&images).enumerate() {
            let p = psnr(src, clip.bpp, &img.canvas);
            min = min.min(p);
            assert!(
                p >= floor,
                "{} {dither:?} frame {i}: {p:.2} dB < {floor}",
                clip.name
            );
        }
        eprintln!(
            "{} {dither:?}: min PSNR {min:.2} dB (gif crate), {} bytes",
            clip.name,
            bytes.len()
        );
        if ff {
            let frames = ffmpeg_frames(&bytes, clip.width, clip.height);
            assert_eq!(frames.len(), clip.frames.len(), "ffmpeg frame count");
            let mut fmin = f64::INFINITY;
            for (src, got) in clip.frames.iter().zip(&frames) {
                fmin = fmin.min(psnr(src, clip.bpp, got));
            }
            eprintln!("{} {dither:?}: min PSNR {fmin:.2} dB (ffmpeg)", clip.name);
            assert!(
                fmin >= floor,
                "{} {dither:?} via ffmpeg: {fmin:.2} dB < {floor}",
                clip.name
            );
        }
    }
}

#[test]
fn photo_pan_480x270() {
    if let Some(photo) = common::corpus("photos/kodak_kodim23.png") {
        // Measured minima (gif crate and ffmpeg agree): 36.47, 35.84, 36.11 dB.
        check(&photo_pan(&photo, 480, 270, 8), [35.0, 34.4, 34.7]);
    }
}

#[test]
fn plot_640x480_rgba() {
    // Measured minima: 61.19, 60.23, 60.99 dB.
    check(&plot(640, 480, 6), [59.7, 58.7, 59.5]);
}

#[test]
fn gradient_odd_333x187() {
    // Measured minima: 33.16, 32.83, 32.34 dB.
    check(&gradient(333, 187, 10), [31.6, 31.3, 30.8]);
}
