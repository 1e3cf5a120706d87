//! framecast-gif output decoded by Debian's headless Chromium (WebCodecs `ImageDecoder` and an
//! `<img>`, driven by `crates/mux/tests/browser/gif_decode.mjs` through playwright-core): the
//! frame count after identical frames merge, every frame's duration (the 3/3/4 centisecond
//! schedule of 30 fps), the loop count, the size, and every composited frame compared with the
//! source (transparent source pixels transparent, the rest close to the source colour) and with
//! the `gif` crate's decoding composited by `common::decode`.
//!
//! A missing node, Chromium or playwright-core (`npm ci` in crates/mux/tests/browser) prints
//! `SKIP: ...` and the test passes, except when `CI` is `true` or `1`: there it fails.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::clips::{gradient, psnr};
use common::{decode, encode};
use framecast_gif::{Dither, GifOptions, PaletteMode, Repeat};
use framecast_testkit::{scratch, skip};

/// The browser Chromium the harness drives.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The playwright-core harness shared with the muxer's browser tests.
fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mux/tests/browser")
}

/// Whether Chromium, node and playwright-core are there; SKIP (or a panic under CI) if not.
fn have_chromium() -> bool {
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!("{CHROMIUM} (apt-get install chromium)"));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !node {
        missing.push("node".to_owned());
    }
    let playwright = browser_dir().join("node_modules/playwright-core/package.json");
    if !playwright.exists() {
        missing.push(format!(
            "playwright-core (npm ci in {})",
            browser_dir().display()
        ));
    }
    missing.is_empty() || skip(&format!("{} missing", missing.join(", ")))
}

/// One GIF to encode: source frames (RGB24 or RGBA), rate and options.
struct Gif {
    name: &'static str,
    width: u32,
    height: u32,
    /// 3 (RGB24) or 4 (RGBA).
    bpp: usize,
    fps: u32,
    frames: Vec<Vec<u8>>,
    options: GifOptions,
    /// `repetitionCount` Chromium should report.
    repetition: &'static str,
    /// What the GIF must contain for the test to mean something (checked on the gif crate's
    /// decoding before Chromium's is compared).
    exercises: &'static [Feature],
}

/// A GIF feature a fixture is meant to put in front of Chromium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feature {
    /// An image after the first with its own (local) colour table.
    LocalTables,
    /// An image disposed to background (pixels that turn transparent again).
    DisposeBackground,
    /// An image smaller than the canvas (cropped to the changed rectangle).
    Cropped,
    /// A transparent index in an image after the first (unchanged pixels left as they are).
    Transparency,
}

impl Gif {
    /// Runs of identical consecutive source frames, as (first frame, frames in the run): one
    /// GIF image each.
    fn runs(&self) -> Vec<(usize, usize)> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (i, f) in self.frames.iter().enumerate() {
            match runs.last_mut() {
                Some((start, n)) if self.frames[*start] == *f => *n += 1,
                _ => runs.push((i, 1)),
            }
        }
        runs
    }

    /// The duration of each run in microseconds: frame `i` starts at `floor(100 * i / fps)`
    /// centiseconds, so 30 fps gives 3, 3, 4, ... without drift.
    fn durations_us(&self) -> Vec<u64> {
        let start = |i: usize| 100 * i as u64 / u64::from(self.fps);
        self.runs()
            .iter()
            .map(|&(s, n)| (start(s + n) - start(s)) * 10_000)
            .collect()
    }
}

/// Whether a source pixel is opaque (the encoder's rule: alpha 128 and above).
fn opaque(src: &[u8], bpp: usize) -> bool {
    bpp == 3 || src[3] >= 128
}

/// RGBA `w` x `h` frames: over a transparent background, a static opaque gradient band on top,
/// a square moving 3 px right and 1 px down per frame (the pixels it leaves turn transparent
/// again), a block that is opaque for the first half and transparent after (disposal to
/// background), a strip of alpha 100 (transparent) and 200 (opaque), and two identical frames
/// in the middle (merged).
fn alpha_clip(w: u32, h: u32, frames: usize) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for f in 0..frames {
        // Frames 4 and 5 repeat frame 3.
        let t = if (4..=5).contains(&f) { 3 } else { f } as u32;
        let mut buf = vec![0u8; (w * h * 4) as usize];
        for y in 0..h {
            for x in 0..w {
                let i = (4 * (y * w + x)) as usize;
                let px = &mut buf[i..i + 4];
                if y < 8 {
                    px.copy_from_slice(&[(x * 255 / w) as u8, 40 + (y * 20) as u8, 200, 255]);
                } else if (10 + 3 * t..22 + 3 * t).contains(&x) && (12 + t..24 + t).contains(&y) {
                    px.copy_from_slice(&[230, 60 + (t * 15) as u8, 20, 255]);
                } else if t < frames as u32 / 2 && x >= w - 14 && y >= h - 12 {
                    px.copy_from_slice(&[20, 180, 90, 255]);
                } else if y >= h - 3 {
                    let a = if x % 2 == 0 { 100 } else { 200 };
                    px.copy_from_slice(&[250, 250, 10, a]);
                }
            }
        }
        out.push(buf);
    }
    out
}

/// RGB24 `w` x `h` frames: a static gradient with a small square moving 4 px right per frame
/// (each frame after the first is cropped to the square's old and new place; the pixels in that
/// rectangle that do not change are left transparent), the square changing colour on frame 5.
fn square_clip(w: u32, h: u32, frames: usize) -> Vec<Vec<u8>> {
    (0..frames as u32)
        .map(|f| {
            let mut buf = Vec::with_capacity((w * h * 3) as usize);
            for y in 0..h {
                for x in 0..w {
                    if (6 + 4 * f..16 + 4 * f).contains(&x) && (20..30).contains(&y) {
                        let c = if f < 5 { [20, 40, 220] } else { [240, 200, 20] };
                        buf.extend_from_slice(&c);
                    } else {
                        buf.extend_from_slice(&[
                            (x * 255 / w) as u8,
                            (y * 255 / h) as u8,
                            ((x + y) % 64 + 96) as u8,
                        ]);
                    }
                }
            }
            buf
        })
        .collect()
}

/// Gradient frames with repeats: source frame `i` shows gradient frame `order[i]`.
fn gradient_with_repeats(w: u32, h: u32, order: &[usize]) -> Vec<Vec<u8>> {
    let distinct = order.iter().copied().max().unwrap_or(0) + 1;
    let clip = gradient(w, h, distinct);
    order.iter().map(|&k| clip.frames[k].clone()).collect()
}

/// What Chromium reported for one GIF.
#[derive(Debug, Default)]
struct Shown {
    supported: bool,
    frame_count: usize,
    repetition: String,
    complete: bool,
    /// (duration in µs, width, height) per frame.
    frames: Vec<(Option<u64>, u32, u32)>,
    img_size: Option<(u32, u32)>,
    error: Option<String>,
}

/// Parses gif_decode.mjs's line report.
fn parse_report(text: &str, files: usize) -> Vec<Shown> {
    let mut shown: Vec<Shown> = (0..files).map(|_| Shown::default()).collect();
    for line in text.lines() {
        let t: Vec<&str> = line.split(' ').collect();
        let Some(i) = t.get(1).and_then(|s| s.parse::<usize>().ok()) else {
            continue;
        };
        let s = &mut shown[i];
        match t[0] {
            "gif" => {
                // gif I supported B frames N repetition R complete B
                s.supported = t[3] == "true";
                s.frame_count = t[5].parse().unwrap();
                s.repetition = t[7].to_owned();
                s.complete = t[9] == "true";
            }
            "frame" => s.frames.push((
                t[3].parse().ok(),
                t[4].parse().unwrap(),
                t[5].parse().unwrap(),
            )),
            "img" => s.img_size = Some((t[2].parse().unwrap(), t[3].parse().unwrap())),
            "error" => s.error = Some(t[2..].join(" ")),
            _ => {}
        }
    }
    shown
}

/// Lowest per-frame RGB PSNR (over opaque source pixels) each GIF must keep in Chromium.
///
/// Measured (the test prints it) while the encoder was being tuned: gradient 36.3 dB, alpha
/// 36.2-47.3, square 36.1, per-frame diffusion 35.5. The floors sit about 3 dB under, so tuning
/// does not trip them while a wrong palette, a lost local colour table or broken compositing
/// (10-20 dB) does. The exact check is the comparison with the gif crate's decoding; quality
/// floors proper live in tests/quality.rs.
fn psnr_floor(name: &str) -> f64 {
    match name {
        "gradient_merged_odd" => 33.0,
        "alpha_odd" => 33.0,
        "square_cropped_odd" => 33.0,
        "per_frame_diffusion_loop2" => 32.0,
        _ => panic!("no floor for {name}"),
    }
}

#[test]
fn chromium_decodes_every_frame_with_its_duration_transparency_and_colours() {
    if !have_chromium() {
        return;
    }
    let gifs = [
        Gif {
            name: "gradient_merged_odd",
            width: 161,
            height: 97,
            bpp: 3,
            fps: 30,
            // 12 source frames, 8 distinct runs: 0, 1, 2 x3, 3, 4 x2, 5, 6, 7.
            frames: gradient_with_repeats(161, 97, &[0, 1, 2, 2, 2, 3, 4, 4, 5, 6, 7, 8]),
            options: GifOptions::default(),
            repetition: "Infinity",
            exercises: &[],
        },
        Gif {
            name: "alpha_odd",
            width: 75,
            height: 51,
            bpp: 4,
            fps: 30,
            frames: alpha_clip(75, 51, 10),
            options: GifOptions::default(),
            repetition: "Infinity",
            exercises: &[Feature::DisposeBackground, Feature::Transparency],
        },
        Gif {
            name: "square_cropped_odd",
            width: 99,
            height: 67,
            bpp: 3,
            fps: 30,
            frames: square_clip(99, 67, 9),
            options: GifOptions::default(),
            repetition: "Infinity",
            exercises: &[Feature::Cropped, Feature::Transparency],
        },
        Gif {
            name: "per_frame_diffusion_loop2",
            width: 120,
            height: 90,
            bpp: 3,
            fps: 30,
            frames: gradient(120, 90, 7).frames,
            options: GifOptions::default()
                .palette(PaletteMode::PerFrame)
                .dither(Dither::Diffusion)
                .repeat(Repeat::Finite(2)),
            repetition: "2",
            exercises: &[Feature::LocalTables],
        },
    ];
    let dir = scratch("chromium");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    let mut encoded = Vec::new();
    for (i, g) in gifs.iter().enumerate() {
        let bytes = encode(
            g.width,
            g.height,
            g.bpp,
            g.fps,
            &g.frames,
            g.options.clone(),
        );
        let path = dir.join(format!("{i}_{}.gif", g.name));
        std::fs::write(&path, &bytes).unwrap();
        files.push(path);
        encoded.push(bytes);
    }
    let started = std::time::Instant::now();
    let out = Command::new("node")
        .arg(browser_dir().join("gif_decode.mjs"))
        .arg(&dir)
        .args(&files)
        .env("CHROMIUM", CHROMIUM)
        .stdin(Stdio::null())
        .output()
        .expect("run node");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "gif_decode.mjs failed ({}):\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "chromium: {} GIFs decoded in {:.1} s\n",
            gifs.len(),
            started.elapsed().as_secs_f64()
        )
        .as_bytes(),
    );
    let shown = parse_report(&text, gifs.len());

    let mut failures = Vec::new();
    for (i, ((g, s), bytes)) in gifs.iter().zip(&shown).zip(&encoded).enumerate() {
        let mut bad = check(g, s, bytes, &dir.join(format!("{i}.rgba")));
        let img = std::fs::read(dir.join(format!("{i}.img.rgba"))).unwrap_or_default();
        let first = std::fs::read(dir.join(format!("{i}.rgba"))).unwrap_or_default();
        let frame = (g.width * g.height * 4) as usize;
        if s.img_size != Some((g.width, g.height)) {
            bad.push(format!("<img> size {:?}", s.img_size));
        } else if img.len() != frame || first.get(..frame) != Some(&img[..]) {
            bad.push("<img> shows a first frame different from ImageDecoder's".into());
        }
        if !bad.is_empty() {
            failures.push(format!("{}: {}", g.name, bad.join("; ")));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Problems of one GIF as Chromium decoded it; also prints the measured figures.
fn check(g: &Gif, s: &Shown, bytes: &[u8], pixels: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    if let Some(e) = &s.error {
        return vec![format!("error {e}")];
    }
    if !s.supported || !s.complete {
        bad.push(format!(
            "isTypeSupported {}, complete {}",
            s.supported, s.complete
        ));
    }
    let runs = g.runs();
    let want = g.durations_us();
    let got: Vec<Option<u64>> = s.frames.iter().map(|f| f.0).collect();
    if s.frame_count != runs.len() || got != want.iter().map(|&d| Some(d)).collect::<Vec<_>>() {
        bad.push(format!(
            "{} frames with durations {got:?} µs, expected {} with {want:?}",
            s.frame_count,
            runs.len()
        ));
    }
    if s.repetition != g.repetition {
        bad.push(format!(
            "repetitionCount {}, expected {}",
            s.repetition, g.repetition
        ));
    }
    if let Some(f) = s.frames.iter().find(|f| (f.1, f.2) != (g.width, g.height)) {
        bad.push(format!("a frame shown at {}x{}", f.1, f.2));
    }
    // The gif crate's decoding, composited by GIF89a's rules (common::decode): Chromium must
    // show the same pixels.
    let (_, _, _, images) = decode(bytes);
    for feature in g.exercises {
        let later = || images.iter().skip(1);
        let there = match feature {
            Feature::LocalTables => later().any(|d| d.local_palette),
            Feature::DisposeBackground => images
                .iter()
                .any(|d| d.dispose == gif::DisposalMethod::Background),
            Feature::Cropped => {
                later().any(|d| (u32::from(d.width), u32::from(d.height)) != (g.width, g.height))
            }
            Feature::Transparency => later().any(|d| d.transparent.is_some()),
        };
        if !there {
            bad.push(format!("the fixture no longer exercises {feature:?}"));
        }
    }
    let frame = (g.width * g.height * 4) as usize;
    let pixels = std::fs::read(pixels).unwrap_or_default();
    if pixels.len() != frame * s.frame_count || images.len() != runs.len() {
        bad.push(format!(
            "{} bytes of pixels for {} frames; the gif crate decodes {} images",
            pixels.len(),
            s.frame_count,
            images.len()
        ));
        return bad;
    }
    let mut min_psnr = f64::INFINITY;
    let mut max_vs_gif = 0u8;
    for (k, (&(start, _), shown)) in runs.iter().zip(pixels.chunks_exact(frame)).enumerate() {
        let src = &g.frames[start];
        let reference = &images[k].canvas;
        let mut wrong_alpha = 0usize;
        for ((sp, cp), rp) in src
            .chunks_exact(g.bpp)
            .zip(shown.chunks_exact(4))
            .zip(reference.chunks_exact(4))
        {
            let want_alpha = if opaque(sp, g.bpp) { 255 } else { 0 };
            if cp[3] != want_alpha {
                wrong_alpha += 1;
            }
            if cp[3] == 255 && rp[3] == 255 {
                let d = (0..3).map(|c| cp[c].abs_diff(rp[c])).max().unwrap_or(0);
                max_vs_gif = max_vs_gif.max(d);
            } else if cp[3] != rp[3] {
                max_vs_gif = 255;
            }
        }
        if wrong_alpha > 0 {
            bad.push(format!(
                "frame {k}: {wrong_alpha} pixels with the wrong alpha (transparent source pixels \
                 must be transparent, opaque ones opaque)"
            ));
        }
        let p = psnr_opaque(src, g.bpp, shown);
        min_psnr = min_psnr.min(p);
    }
    let floor = psnr_floor(g.name);
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "chromium {}: {}x{}, {} source frames -> {} images, {} bytes, durations {:?} µs, \
             min RGB PSNR {min_psnr:.2} dB (floor {floor}), max channel difference to the gif \
             crate {max_vs_gif}\n",
            g.name,
            g.width,
            g.height,
            g.frames.len(),
            s.frame_count,
            bytes.len(),
            got.iter().map(|d| d.unwrap_or(0)).collect::<Vec<_>>()
        )
        .as_bytes(),
    );
    if min_psnr < floor {
        bad.push(format!("min PSNR {min_psnr:.2} dB < {floor} dB"));
    }
    if max_vs_gif != 0 {
        bad.push(format!(
            "pixels differ from the gif crate's compositing by up to {max_vs_gif}"
        ));
    }
    bad
}

/// RGB PSNR of `got` (RGBA) against `src` over the opaque source pixels (all of RGB24 input).
fn psnr_opaque(src: &[u8], bpp: usize, got: &[u8]) -> f64 {
    if bpp == 3 {
        return psnr(src, bpp, got);
    }
    let (mut s, mut g) = (Vec::new(), Vec::new());
    for (sp, gp) in src.chunks_exact(bpp).zip(got.chunks_exact(4)) {
        if opaque(sp, bpp) {
            s.extend_from_slice(&sp[..3]);
            g.extend_from_slice(gp);
        }
    }
    psnr(&s, 3, &g)
}
