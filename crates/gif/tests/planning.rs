//! Frame planning: delays, merging, cropping, disposal, alpha, palettes, threads, sizes, errors.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use common::{decode, encode};
use framecast_core::{FrameView, PixelFormat, Rational};
use framecast_gif::{ColorSpace, Dither, Error, GifEncoder, GifOptions, PaletteMode, Repeat};
use framecast_testkit::have_tool;
use gif::DisposalMethod;

fn solid(w: u32, h: u32, c: [u8; 3]) -> Vec<u8> {
    (0..w * h).flat_map(|_| c).collect()
}

#[test]
fn delays_at_30_fps_alternate_3_3_4_without_drift() {
    let frames: Vec<Vec<u8>> = (0..31).map(|i| solid(4, 4, [i * 8, 0, 0])).collect();
    let (_, _, repeat, images) = decode(&encode(4, 4, 3, 30, &frames, GifOptions::default()));
    assert_eq!(repeat, gif::Repeat::Infinite);
    let delays: Vec<u16> = images.iter().map(|d| d.delay).collect();
    assert_eq!(delays.len(), 31);
    // Starts floor(100 * i / 30) = 0, 3, 6, 10, 13, 16, 20: delays 3, 3, 4 repeating.
    assert_eq!(&delays[..6], &[3, 3, 4, 3, 3, 4]);
    // 30 frames are exactly one second.
    assert_eq!(delays[..30].iter().map(|&d| u32::from(d)).sum::<u32>(), 100);
    // NTSC: frame i starts at floor(100 * i * 1001 / 30000).
    let mut enc = GifEncoder::new(
        Vec::new(),
        2,
        2,
        Rational::new(30000, 1001).unwrap(),
        GifOptions::default(),
    )
    .unwrap();
    for f in &frames {
        enc.write_frame(&FrameView::new(&f[..12], 2, 2, PixelFormat::Rgb24).unwrap())
            .unwrap();
    }
    let (_, _, _, images) = decode(&enc.finish().unwrap());
    let total: u64 = images.iter().map(|d| u64::from(d.delay)).sum();
    assert_eq!(total, 100 * 31 * 1001 / 30000);
}

#[test]
fn identical_frames_merge_into_one_longer_delay() {
    let a = solid(6, 5, [10, 200, 30]);
    let b = solid(6, 5, [200, 10, 30]);
    let frames = vec![a.clone(), a.clone(), a.clone(), b.clone(), b, a];
    let (_, _, _, images) = decode(&encode(6, 5, 3, 30, &frames, GifOptions::default()));
    let delays: Vec<u16> = images.iter().map(|d| d.delay).collect();
    // Starts 0, 3, 6, 10, 13, 16, 20 cs: A 0..10, B 10..16, A 16..20.
    assert_eq!(delays, vec![10, 6, 4]);
}

#[test]
fn repeat_finite_and_once() {
    let frames = vec![solid(2, 2, [1, 2, 3]), solid(2, 2, [3, 2, 1])];
    let (_, _, r, _) = decode(&encode(
        2,
        2,
        3,
        10,
        &frames,
        GifOptions::default().repeat(Repeat::Finite(2)),
    ));
    assert_eq!(r, gif::Repeat::Finite(2));
    let (_, _, r, _) = decode(&encode(
        2,
        2,
        3,
        10,
        &frames,
        GifOptions::default().repeat(Repeat::Finite(0)),
    ));
    assert_eq!(r, gif::Repeat::Finite(0));
}

/// Golden: a 4-colour image gives exactly those 4 colours, no dithering noise, and a second
/// frame changing one block is cropped to that block, Keep disposal, transparent elsewhere.
#[test]
fn golden_palette_and_crop() {
    let (w, h) = (32u32, 16u32);
    let cols = [[255, 0, 0], [0, 128, 255], [20, 20, 20], [250, 250, 240]];
    let mut f0 = Vec::new();
    for y in 0..h {
        for x in 0..w {
            f0.extend_from_slice(&cols[((x / 8 + y / 8) % 4) as usize]);
        }
    }
    for dither in [Dither::None, Dither::Ordered, Dither::Diffusion] {
        let opts = GifOptions::default().dither(dither);
        // One frame: no transparency needed, the palette is exactly the 4 colours.
        let (_, _, _, images) = decode(&encode(
            w,
            h,
            3,
            30,
            std::slice::from_ref(&f0),
            opts.clone(),
        ));
        assert_eq!(images.len(), 1);
        let mut pal: Vec<[u8; 3]> = images[0]
            .palette
            .chunks(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        pal.truncate(4); // the gif crate pads the table to a power of two
        let mut want = cols.to_vec();
        want.sort_unstable();
        assert_eq!(pal, want, "{dither:?}");
        assert_eq!(images[0].transparent, None);
        assert_eq!(
            common::clips::psnr(&f0, 3, &images[0].canvas),
            99.0,
            "{dither:?}"
        );

        let mut f1 = f0.clone();
        for y in 3..7 {
            for x in 5..9 {
                let i = 3 * (y * w as usize + x);
                f1[i..i + 3].copy_from_slice(&cols[1]);
            }
        }
        let (_, _, _, images) = decode(&encode(w, h, 3, 30, &[f0.clone(), f1.clone()], opts));
        let rects: Vec<(u16, u16, u16, u16, DisposalMethod)> = images
            .iter()
            .map(|d| (d.left, d.top, d.width, d.height, d.dispose))
            .collect();
        // The block at x 5..8 already was colour 1 in columns 8.. (x / 8 = 1), so only 5..8.
        assert_eq!(
            rects,
            vec![
                (0, 0, 32, 16, DisposalMethod::Keep),
                (5, 3, 3, 4, DisposalMethod::Keep)
            ],
            "{dither:?}"
        );
        assert_eq!(images[1].transparent, Some(0));
        assert!(!images[1].local_palette, "the 4-colour palette is reused");
        assert_eq!(common::clips::psnr(&f1, 3, &images[1].canvas), 99.0);
    }
}

/// RGBA input: a square moving over transparency. The pixels it leaves must turn transparent
/// again, so the frame before is disposed to background over a rectangle covering them.
#[test]
fn alpha_pixels_that_turn_transparent_are_cleared() {
    let (w, h) = (16u32, 8u32);
    let square = |x0: u32, c: [u8; 3]| -> Vec<u8> {
        let mut f = vec![0u8; (w * h * 4) as usize];
        for y in 2..6 {
            for x in x0..x0 + 4 {
                let i = (4 * (y * w + x)) as usize;
                f[i..i + 4].copy_from_slice(&[c[0], c[1], c[2], 255]);
            }
        }
        // Half-transparent pixels count as transparent (alpha < 128).
        f[0..4].copy_from_slice(&[9, 9, 9, 127]);
        f
    };
    let frames = vec![
        square(1, [255, 0, 0]),
        square(9, [0, 0, 255]),
        square(9, [0, 255, 0]),
    ];
    let bytes = encode(w, h, 4, 30, &frames, GifOptions::default());
    let (_, _, _, images) = decode(&bytes);
    assert_eq!(images.len(), 3);
    assert_eq!(images[0].dispose, DisposalMethod::Background);
    assert_eq!(
        (
            images[0].left,
            images[0].top,
            images[0].width,
            images[0].height
        ),
        (1, 2, 4, 4)
    );
    assert_eq!(images[1].dispose, DisposalMethod::Keep);
    for (src, img) in frames.iter().zip(&images) {
        for (s, g) in src.chunks(4).zip(img.canvas.chunks(4)) {
            if s[3] >= 128 {
                assert_eq!(s, g);
            } else {
                assert_eq!(g[3], 0, "transparent source pixel shown opaque");
            }
        }
    }
    if have_tool("ffmpeg", "-version", "ffmpeg") {
        let ff = common::ffmpeg_frames(&bytes, w, h);
        assert_eq!(ff.len(), 3);
        for (src, got) in frames.iter().zip(&ff) {
            for (s, g) in src.chunks(4).zip(got.chunks(4)) {
                if s[3] >= 128 {
                    assert_eq!(s, g);
                } else {
                    assert_eq!(g[3], 0, "ffmpeg shows a transparent pixel opaque");
                }
            }
        }
    }
}

#[test]
fn threaded_output_equals_serial_bytes() {
    let clip = common::clips::gradient(61, 37, 12);
    for opts in [
        GifOptions::default(),
        GifOptions::default()
            .dither(Dither::Ordered)
            .palette(PaletteMode::PerFrame),
        GifOptions::default()
            .dither(Dither::None)
            .quality(40)
            .colors(17),
        GifOptions::default()
            .dither(Dither::Diffusion)
            .space(ColorSpace::Oklab)
            .quality(70),
    ] {
        let serial = encode(61, 37, 3, 25, &clip.frames, opts.clone().threads(1));
        for threads in [2, 3, 8] {
            let par = encode(61, 37, 3, 25, &clip.frames, opts.clone().threads(threads));
            assert!(serial == par, "{threads} threads differ from serial");
        }
    }
}

#[test]
fn tiny_and_odd_sizes_round_trip() {
    for (w, h) in [(1u32, 1u32), (2, 2), (15, 17), (1, 9), (33, 1)] {
        let frames: Vec<Vec<u8>> = (0..3u8)
            .map(|t| {
                (0..w * h)
                    .flat_map(|i| [(i as u8).wrapping_mul(40), t * 90, 7])
                    .collect()
            })
            .collect();
        for bpp in [3, 4] {
            let frames: Vec<Vec<u8>> = if bpp == 3 {
                frames.clone()
            } else {
                frames
                    .iter()
                    .map(|f| f.chunks(3).flat_map(|c| [c[0], c[1], c[2], 255]).collect())
                    .collect()
            };
            let (dw, dh, _, images) =
                decode(&encode(w, h, bpp, 30, &frames, GifOptions::default()));
            assert_eq!((u32::from(dw), u32::from(dh)), (w, h));
            assert_eq!(images.len(), 3);
            for (f, img) in frames.iter().zip(&images) {
                // At most 255 distinct colours here, so every frame is exact.
                assert_eq!(common::clips::psnr(f, bpp, &img.canvas), 99.0, "{w}x{h}");
            }
        }
    }
}

#[test]
fn every_pixel_format_gives_the_same_gif() {
    let rgb: Vec<u8> = (0..5 * 3)
        .flat_map(|i| [i as u8 * 15, 255 - i as u8 * 9, 77])
        .collect();
    let want = encode(
        5,
        3,
        3,
        30,
        std::slice::from_ref(&rgb),
        GifOptions::default(),
    );
    for fmt in PixelFormat::ALL {
        if fmt == PixelFormat::Gray {
            continue;
        }
        let bpp = fmt.bytes_per_pixel();
        let [r, g, b] = fmt.rgb_offsets();
        let mut data = vec![255u8; 15 * bpp];
        for (p, c) in data.chunks_mut(bpp).zip(rgb.chunks(3)) {
            p[r] = c[0];
            p[g] = c[1];
            p[b] = c[2];
        }
        let mut enc = GifEncoder::new(
            Vec::new(),
            5,
            3,
            Rational::integer(30).unwrap(),
            GifOptions::default(),
        )
        .unwrap();
        enc.write_frame(&FrameView::new(&data, 5, 3, fmt).unwrap())
            .unwrap();
        assert_eq!(enc.finish().unwrap(), want, "{fmt}");
    }
}

#[test]
fn errors_carry_values() {
    let fps = Rational::integer(30).unwrap();
    let e = GifEncoder::new(Vec::new(), 0, 5, fps, GifOptions::default())
        .err()
        .unwrap();
    assert!(matches!(
        e,
        Error::InvalidSize {
            width: 0,
            height: 5,
            max: 16384
        }
    ));
    let e = GifEncoder::new(Vec::new(), 70000, 5, fps, GifOptions::default())
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "GIF size 70000x5 is invalid: width and height must be in 1..=16384"
    );
    let e = GifEncoder::new(Vec::new(), 4, 4, fps, GifOptions::default().colors(300))
        .err()
        .unwrap();
    assert!(matches!(
        e,
        Error::InvalidOption {
            option: "colors",
            ..
        }
    ));
    let mut enc = GifEncoder::new(Vec::new(), 4, 4, fps, GifOptions::default()).unwrap();
    let px = vec![0u8; 5 * 4 * 3];
    let e = enc
        .write_frame(&FrameView::new(&px, 5, 4, PixelFormat::Rgb24).unwrap())
        .unwrap_err();
    assert_eq!(e.to_string(), "frame is 5x4 but the GIF is 4x4");
    assert!(matches!(enc.finish(), Err(Error::NoFrames)));
}

/// A writer that fails: the error comes back from the encoder, never a panic.
#[test]
fn write_errors_surface() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    for threads in [1, 2] {
        let mut enc = GifEncoder::new(
            Broken,
            3,
            3,
            Rational::integer(30).unwrap(),
            GifOptions::default().threads(threads),
        )
        .unwrap();
        let mut failed = false;
        for t in 0..6u8 {
            let px = vec![t * 40; 27];
            failed |= enc
                .write_frame(&FrameView::new(&px, 3, 3, PixelFormat::Rgb24).unwrap())
                .is_err();
            if failed {
                break;
            }
        }
        if !failed {
            assert!(matches!(enc.finish(), Err(Error::Io(_))));
        }
    }
}

/// Temporal stability: a static background (thousands of colours, so every palette
/// approximates it) while a square moves over it and changes colour, which makes new palettes.
/// A background pixel the square never touched never flickers: in every dither, palette mode
/// and quality it changes at most twice and never back to a colour it has left (a pixel may
/// settle, from a lossy substitute to its own colour and to its exact source colour, which the
/// encoder may redraw for free), and without lossy coding (quality 100) it changes only to its
/// exact source.
#[test]
fn static_background_does_not_flicker_while_palettes_change() {
    let (w, h) = (96u32, 64u32);
    // Runs of 4 pixels, 1536 colours: every palette approximates them, and LZW likes runs,
    // so redrawing static pixels is tempting.
    let background: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w / 4, i / w);
            [(x * 10) as u8, (y * 4) as u8, ((x + y) * 5 % 256) as u8]
        })
        .collect();
    let square = |f: u32| (4 + 5 * f, 8 + 2 * f);
    let frames: Vec<Vec<u8>> = (0..12u32)
        .map(|f| {
            let mut px = background.clone();
            let (sx, sy) = square(f);
            let colour = [[250, 20, 20], [20, 250, 20], [20, 20, 250]][(f / 4) as usize];
            for y in sy..sy + 10 {
                for x in sx..sx + 10 {
                    let i = (3 * (y * w + x)) as usize;
                    px[i..i + 3].copy_from_slice(&colour);
                }
            }
            // Blinking corners stretch every frame's rectangle over the whole background.
            let blink = [(f % 2 * 255) as u8; 3];
            px[..3].copy_from_slice(&blink);
            px[3 * (w * h) as usize - 3..].copy_from_slice(&blink);
            px
        })
        .collect();
    let touched = |x: u32, y: u32| {
        (x, y) == (0, 0)
            || (x, y) == (w - 1, h - 1)
            || (0..12).any(|f| {
                let (sx, sy) = square(f);
                (sx..sx + 10).contains(&x) && (sy..sy + 10).contains(&y)
            })
    };
    for dither in [Dither::None, Dither::Ordered, Dither::Diffusion] {
        for mode in [PaletteMode::Auto, PaletteMode::PerFrame] {
            for quality in [100, 95, 70] {
                let opts = GifOptions::default()
                    .dither(dither)
                    .palette(mode)
                    .quality(quality);
                let (_, _, _, images) = decode(&encode(w, h, 3, 30, &frames, opts));
                assert_eq!(images.len(), 12);
                let local = images.iter().filter(|d| d.local_palette).count();
                assert!(
                    mode != PaletteMode::PerFrame || local >= 2,
                    "palettes changed"
                );
                for y in 0..h {
                    for x in 0..w {
                        if touched(x, y) {
                            continue;
                        }
                        let i = (4 * (y * w + x)) as usize;
                        let s = (3 * (y * w + x)) as usize;
                        let source = &background[s..s + 3];
                        let mut left: Vec<&[u8]> = Vec::new();
                        let mut shown = &images[0].canvas[i..i + 3];
                        for (f, img) in images.iter().enumerate().skip(1) {
                            let now = &img.canvas[i..i + 3];
                            if now == shown {
                                continue;
                            }
                            assert!(
                                !left.contains(&now)
                                    && left.len() < 2
                                    && (quality < 100 || now == source),
                                "{dither:?} {mode:?} q{quality}: pixel {x},{y} changed from \
                                 {shown:?} to {now:?} in frame {f} (source {source:?}, left \
                                 {left:?})"
                            );
                            left.push(shown);
                            shown = now;
                        }
                    }
                }
            }
        }
    }
}

/// Lossy LZW substitutes only palette colours within the quality's budget of `(100 - quality)
/// / 2` 8-bit steps (Euclidean over R, G, B): with at most 255 colours (so the palette holds
/// each exactly), every decoded pixel is within the budget of its source, and quality 100 is
/// exact. Lower quality gives fewer bytes.
#[test]
fn lossy_substitutes_stay_within_the_quality_budget() {
    let (w, h) = (120u32, 90u32);
    let mut s = 17u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) as u32
    };
    // 200 colours on an 8-step lattice (one per histogram bin, so kept exactly; neighbours
    // close enough to substitute below quality 84), in runs.
    let colours: Vec<[u8; 3]> = (0..200u32)
        .map(|i| {
            [
                (i % 6 * 8) as u8 + 96,
                (i / 6 % 6 * 8) as u8 + 64,
                (i / 36 * 8) as u8,
            ]
        })
        .collect();
    let mut c = 0;
    let frame: Vec<u8> = (0..w * h)
        .flat_map(|_| {
            if next() % 3 == 0 {
                c = next() as usize % colours.len();
            }
            colours[c]
        })
        .collect();
    let mut sizes = Vec::new();
    for quality in [100u8, 80, 60, 30] {
        let budget = f64::from(100 - quality) / 2.0;
        let bytes = encode(
            w,
            h,
            3,
            30,
            std::slice::from_ref(&frame),
            GifOptions::default().quality(quality),
        );
        let (_, _, _, images) = decode(&bytes);
        for (src, got) in frame.chunks(3).zip(images[0].canvas.chunks(4)) {
            let d2: f64 = (0..3)
                .map(|k| (f64::from(src[k]) - f64::from(got[k])).powi(2))
                .sum();
            assert!(d2.sqrt() <= budget + 1e-9, "q{quality}: {src:?} -> {got:?}");
        }
        sizes.push(bytes.len());
    }
    assert!(sizes.windows(2).all(|p| p[1] < p[0]), "{sizes:?}");
}
