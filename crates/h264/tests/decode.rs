//! Encode -> decode with ffmpeg as the independent decoder: every frame decodes, at the display
//! size, with the colour tags of the ColorSpec and PSNR-Y above thresholds set from measurement.

mod common;

use common::*;
use framecast_core::{ColorSpec, Matrix, Range, RateControl, Subsampling, YuvImage};
use framecast_h264::{Error, H264Encoder, H264Options, OddSize, Profile};
use framecast_testkit::{Lcg, corpus, have_ffmpeg, photo_pan, psnr_y, read_y4m, synthetic};

/// Encodes seeded content at `w x h`, decodes it with ffmpeg and checks count, size and PSNR-Y.
fn round_trip(w: u32, h: u32, odd: OddSize, min_psnr: f64) {
    let mut rng = Lcg(u64::from(w) * 7919 + u64::from(h));
    let frames: Vec<_> = (0..6)
        .map(|t| synthetic(w, h, t, 8, Subsampling::Yuv420, &mut rng))
        .collect();
    let options = H264Options::default().with_odd(odd);
    let (packets, config, enc) = encode(&frames, 30, ColorSpec::default(), &options);
    assert_eq!(packets.len(), frames.len(), "{w}x{h} {odd:?}");
    let (dw, dh) = enc.display_size();
    assert_eq!((config.width, config.height), (dw, dh));
    let expect = match odd {
        OddSize::Pad => (w + w % 2, h + h % 2),
        OddSize::Crop => (w - w % 2, h - h % 2),
    };
    assert_eq!((dw, dh), expect, "{w}x{h} {odd:?}");
    let decoded = ffmpeg_decode(&config, &packets);
    assert_eq!((decoded.width, decoded.height), (dw, dh), "{w}x{h} {odd:?}");
    assert_eq!(decoded.frames.len(), frames.len(), "{w}x{h} {odd:?}");
    let (cw, ch) = (w.min(dw), h.min(dh));
    for (i, (src, out)) in frames.iter().zip(&decoded.frames).enumerate() {
        let p = psnr_y(src, out, dw, cw, ch);
        eprintln!("{w}x{h} {odd:?} frame {i}: PSNR-Y {p:.2} dB");
        assert!(
            p >= min_psnr,
            "{w}x{h} {odd:?} frame {i}: {p:.2} dB < {min_psnr}"
        );
        // Padding repeats the last column and row.
        if odd == OddSize::Pad && dw > w {
            for y in 0..h {
                let row = &out[(y * dw) as usize..((y + 1) * dw) as usize];
                let d = i32::from(row[dw as usize - 1]) - i32::from(row[dw as usize - 2]);
                assert!(d.abs() <= 24, "padded column differs by {d}");
            }
        }
    }
}

#[test]
fn every_size_decodes_at_its_display_size() {
    if !have_ffmpeg() {
        return;
    }
    for (w, h) in [
        (1, 1),
        (2, 2),
        (15, 17),
        (16, 16),
        (17, 9),
        (64, 48),
        (1921, 1081),
    ] {
        round_trip(w, h, OddSize::Pad, 34.0);
        if w > 1 && h > 1 {
            round_trip(w, h, OddSize::Crop, 34.0);
        }
    }
}

#[test]
fn crop_of_a_one_pixel_side_is_refused() {
    let options = H264Options::default().with_odd(OddSize::Crop);
    let fps = framecast_core::Rational::integer(30).unwrap();
    for (w, h) in [(1, 1), (1, 64), (64, 1)] {
        let e = H264Encoder::new(w, h, fps, ColorSpec::default(), &options)
            .err()
            .unwrap();
        assert_eq!(
            e,
            Error::CropTooSmall {
                width: w,
                height: h
            }
        );
        assert!(e.to_string().contains(&format!("{w}x{h}")), "{e}");
    }
}

#[test]
fn ffprobe_reads_the_colour_tags() {
    if !have_ffmpeg() {
        return;
    }
    let cases = [
        (
            ColorSpec::BT601_LIMITED,
            ["tv", "smpte170m", "smpte170m", "smpte170m"],
        ),
        (ColorSpec::BT709_FULL, ["pc", "bt709", "bt709", "bt709"]),
        (
            ColorSpec::new(Matrix::Bt2020, Range::Limited),
            ["tv", "bt2020nc", "bt2020", "bt2020-10"],
        ),
    ];
    for (color, tags) in cases {
        let mut rng = Lcg(3);
        let frames: Vec<_> = (0..2)
            .map(|t| synthetic(48, 32, t, 4, Subsampling::Yuv420, &mut rng))
            .collect();
        let (packets, config, _) = encode(&frames, 25, color, &H264Options::default());
        let decoded = ffmpeg_decode(&config, &packets);
        assert_eq!(decoded.tags.map(|s| s), tags.map(str::to_owned), "{color}");
    }
}

#[test]
fn corpus_clip_decodes_with_high_psnr() {
    let Some(path) = corpus("video_raw/androidx_stpancras_320x240_60fps_60f_decoded.y4m") else {
        return;
    };
    if !have_ffmpeg() {
        return;
    }
    let (_, _, frames) = read_y4m(&path);
    let color = ColorSpec::new(Matrix::Bt601, Range::Full);
    for (q, min) in [(23u8, 40.0), (35, 30.0)] {
        let options = H264Options::default().with_rate(RateControl::Quality(q));
        let (packets, config, _) = encode(&frames, 60, color, &options);
        let decoded = ffmpeg_decode(&config, &packets);
        assert_eq!(decoded.frames.len(), frames.len());
        let mean = frames
            .iter()
            .zip(&decoded.frames)
            .map(|(s, d)| psnr_y(s, d, 320, 320, 240))
            .sum::<f64>()
            / frames.len() as f64;
        let bytes: usize = packets.iter().map(|p| p.data.len()).sum();
        eprintln!("stpancras q{q}: mean PSNR-Y {mean:.2} dB, {bytes} bytes");
        assert!(mean >= min, "q{q}: {mean:.2} dB");
    }
}

/// The kodim23 pan both PSNR tests encode (640x360, 30 frames), or None (after SKIP) without
/// the photo or ffmpeg.
fn kodim23_pan() -> Option<Vec<YuvImage>> {
    let photo = corpus("photos/kodak_kodim23.png")?;
    if !have_ffmpeg() {
        return None;
    }
    Some(photo_pan(
        &photo,
        640,
        360,
        30,
        (3, 1),
        ColorSpec::default(),
        Subsampling::Yuv420,
    ))
}

#[test]
fn photo_pan_at_default_quality_keeps_38_db() {
    let Some(frames) = kodim23_pan() else {
        return;
    };
    let (packets, config, _) = encode(&frames, 30, ColorSpec::default(), &H264Options::default());
    let decoded = ffmpeg_decode(&config, &packets);
    assert_eq!(decoded.frames.len(), frames.len());
    for (i, (s, d)) in frames.iter().zip(&decoded.frames).enumerate() {
        let p = psnr_y(s, d, 640, 640, 360);
        assert!(p >= 38.0, "frame {i}: {p:.2} dB");
    }
}

/// Mean PSNR-Y and total bytes of the kodim23 pan through ffmpeg, with `slices` checked.
fn pan_psnr(frames: &[YuvImage], options: &H264Options, slices: u16) -> (f64, usize) {
    let (packets, config, enc) = encode(frames, 30, ColorSpec::default(), options);
    assert_eq!(enc.slices(), slices, "{options:?}");
    for p in &packets {
        let coded = sample_nals(&p.data)
            .iter()
            .filter(|n| matches!(n[0] & 0x1f, 1 | 5))
            .count();
        assert_eq!(coded, usize::from(slices));
    }
    let decoded = ffmpeg_decode(&config, &packets);
    assert_eq!(decoded.frames.len(), frames.len(), "{options:?}");
    assert_eq!((decoded.width, decoded.height), (640, 360));
    let mean = frames
        .iter()
        .zip(&decoded.frames)
        .map(|(s, d)| psnr_y(s, d, 640, 640, 360))
        .sum::<f64>()
        / frames.len() as f64;
    (mean, packets.iter().map(|p| p.data.len()).sum())
}

#[test]
fn slices_and_cabac_decode_with_unchanged_psnr() {
    let Some(frames) = kodim23_pan() else {
        return;
    };
    let base = H264Options::default().with_threads(1);
    let (psnr_1, bytes_1) = pan_psnr(&frames, &base, 1);
    // Constrained Baseline: the same pictures (CAVLC and CABAC code the same decisions
    // losslessly), more bytes.
    let cb = base.clone().with_profile(Profile::ConstrainedBaseline);
    let (psnr_cb, bytes_cb) = pan_psnr(&frames, &cb, 1);
    eprintln!(
        "1 slice: Main {psnr_1:.3} dB {bytes_1} B, Constrained Baseline {psnr_cb:.3} dB {bytes_cb} B"
    );
    assert!(
        (psnr_1 - psnr_cb).abs() < 0.05,
        "{psnr_1:.3} vs {psnr_cb:.3}"
    );
    assert!(bytes_1 * 100 < bytes_cb * 95, "CABAC saves at least 5%");
    // 640x360 is 23 macroblock rows: up to 5 slices of 4 rows.
    for threads in [2u16, 3, 4] {
        let (psnr, bytes) = pan_psnr(&frames, &base.clone().with_threads(threads), threads);
        let cost = (bytes as f64 / bytes_1 as f64 - 1.0) * 100.0;
        eprintln!("{threads} slices: {psnr:.3} dB, {bytes} B ({cost:+.1}%)");
        assert!(
            (psnr - psnr_1).abs() < 0.2,
            "{threads} slices: {psnr:.3} dB"
        );
        assert!(cost < 10.0, "{threads} slices cost {cost:.1}% more bytes");
    }
}
