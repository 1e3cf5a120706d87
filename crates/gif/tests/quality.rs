//! The three clips decoded by the gif crate and by ffmpeg: every frame present with its delay,
//! per-frame RGB PSNR against the source above floors set 1-2 dB under measured values.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use common::clips::{Clip, gradient, photo_pan, plot, psnr};
use common::{decode, encode, ffmpeg_frames};
use framecast_gif::{Dither, GifOptions};
use framecast_testkit::{corpus, have_tool};

/// Checks one clip at every dither mode against per-mode PSNR floors (none, ordered, diffusion).
fn check(clip: &Clip, floors: [f64; 3]) {
    let ff = have_tool("ffmpeg", "-version", "ffmpeg");
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
    if let Some(photo) = corpus("photos/kodak_kodim23.png") {
        // Measured minima (gif crate and ffmpeg agree): 37.78, 37.13, 37.27 dB.
        check(&photo_pan(&photo, 480, 270, 8), [36.5, 35.9, 36.0]);
    }
}

#[test]
fn plot_640x480_rgba() {
    // Measured minima: 62.17, 61.63, 62.02 dB.
    check(&plot(640, 480, 6), [60.9, 60.4, 60.8]);
}

#[test]
fn gradient_odd_333x187() {
    // Measured minima: 35.98, 35.02, 34.82 dB.
    check(&gradient(333, 187, 10), [34.7, 33.8, 33.6]);
}
