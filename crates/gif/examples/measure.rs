//! PSNR, bytes and time of each dither mode on the three README clips, and the helper modes
//! `benches/gif_vs_peers.py` drives.
//!
//! - `measure [quality strength threads]`: the README table.
//! - `measure dump DIR`: writes the clips as raw files, one line `name w h pix_fmt frames` each.
//! - `measure encode IN W H PIX_FMT FPS OUT [KEY=VALUE ...]`: encodes a raw file; keys
//!   `dither` (none, ordered, diffusion), `palette` (auto, global, perframe), `space` (srgb,
//!   oklab), `quality`, `colors`, `strength`, `threads`.
//! - `measure psnr SRC W H PIX_FMT DECODED_RGBA`: mean and min per-frame RGB PSNR.
#![allow(
    clippy::unwrap_used,
    reason = "a measurement tool; failures should be loud"
)]

#[path = "../tests/common/clips.rs"]
mod clips;

use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use framecast_core::{FrameView, PixelFormat, Rational};
use framecast_gif::{ColorSpace, Dither, GifEncoder, GifOptions, PaletteMode};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("dump") => return dump(Path::new(&args[2])),
        Some("encode") => return encode_raw(&args[2..]),
        Some("psnr") => return psnr_raw(&args[2..]),
        _ => {}
    }
    let quality: u8 = args
        .get(1)
        .map_or(framecast_gif::DEFAULT_QUALITY, |s| s.parse().unwrap());
    let strength: f32 = args
        .get(2)
        .map_or(framecast_gif::DEFAULT_STRENGTH, |s| s.parse().unwrap());
    let threads: usize = args.get(3).map_or(0, |s| s.parse().unwrap());
    let clips = all_clips();
    let mut out = std::io::stdout().lock();
    writeln!(out, "quality {quality} strength {strength}").unwrap();
    writeln!(
        out,
        "| clip | dither | mean PSNR dB | min PSNR dB | bytes | ms |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    for clip in &clips {
        for dither in [Dither::None, Dither::Ordered, Dither::Diffusion] {
            let opts = GifOptions::default()
                .dither(dither)
                .quality(quality)
                .strength(strength)
                .threads(threads);
            let fmt = if clip.bpp == 4 {
                PixelFormat::Rgba
            } else {
                PixelFormat::Rgb24
            };
            let t = Instant::now();
            let mut enc = GifEncoder::new(
                Vec::new(),
                clip.width,
                clip.height,
                Rational::integer(30).unwrap(),
                opts,
            )
            .unwrap();
            for f in &clip.frames {
                enc.write_frame(&FrameView::new(f, clip.width, clip.height, fmt).unwrap())
                    .unwrap();
            }
            let bytes = enc.finish().unwrap();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let decoded = decode(&bytes);
            let ps: Vec<f64> = clip
                .frames
                .iter()
                .zip(&decoded)
                .map(|(s, g)| clips::psnr(s, clip.bpp, g))
                .collect();
            let mean = ps.iter().sum::<f64>() / ps.len() as f64;
            let min = ps.iter().copied().fold(f64::INFINITY, f64::min);
            writeln!(
                out,
                "| {} {}x{}x{} | {} | {mean:.2} | {min:.2} | {} | {ms:.0} |",
                clip.name,
                clip.width,
                clip.height,
                clip.frames.len(),
                dither.name(),
                bytes.len()
            )
            .unwrap();
        }
    }
}

fn all_clips() -> [clips::Clip; 3] {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/photos/kodak_kodim23.png");
    [
        clips::photo_pan(&photo, 480, 270, 60),
        clips::plot(640, 480, 60),
        clips::gradient(333, 187, 60),
    ]
}

fn pix_fmt(bpp: usize) -> &'static str {
    if bpp == 4 { "rgba" } else { "rgb24" }
}

fn dump(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for c in all_clips() {
        let data: Vec<u8> = c.frames.concat();
        std::fs::write(dir.join(format!("{}.raw", c.name)), data).unwrap();
        println!(
            "{} {} {} {} {}",
            c.name,
            c.width,
            c.height,
            pix_fmt(c.bpp),
            c.frames.len()
        );
    }
}

fn encode_raw(a: &[String]) {
    let mut input = std::io::BufReader::new(std::fs::File::open(&a[0]).unwrap());
    let (w, h): (u32, u32) = (a[1].parse().unwrap(), a[2].parse().unwrap());
    let fmt: PixelFormat = a[3].parse().unwrap();
    let fps: Rational = a[4].parse().unwrap();
    let opts = a[6..].iter().fold(GifOptions::default(), |o, kv| {
        let (k, v) = kv.split_once('=').expect("options are key=value");
        match k {
            "dither" => o.dither(match v {
                "none" => Dither::None,
                "ordered" => Dither::Ordered,
                "diffusion" => Dither::Diffusion,
                _ => panic!("dither {v}"),
            }),
            "palette" => o.palette(match v {
                "auto" => PaletteMode::Auto,
                "global" => PaletteMode::Global,
                "perframe" => PaletteMode::PerFrame,
                _ => panic!("palette {v}"),
            }),
            "space" => o.space(match v {
                "srgb" => ColorSpace::Srgb,
                "oklab" => ColorSpace::Oklab,
                _ => panic!("space {v}"),
            }),
            "quality" => o.quality(v.parse().unwrap()),
            "colors" => o.colors(v.parse().unwrap()),
            "strength" => o.strength(v.parse().unwrap()),
            "threads" => o.threads(v.parse().unwrap()),
            _ => panic!("unknown option {k}"),
        }
    });
    let file = std::io::BufWriter::new(std::fs::File::create(&a[5]).unwrap());
    let mut enc = GifEncoder::new(file, w, h, fps, opts).unwrap();
    // Frame by frame, as a pipeline would feed it.
    let mut f = vec![0u8; (w * h) as usize * fmt.bytes_per_pixel()];
    while input.read_exact(&mut f).is_ok() {
        enc.write_frame(&FrameView::new(&f, w, h, fmt).unwrap())
            .unwrap();
    }
    enc.finish().unwrap().flush().unwrap();
}

fn psnr_raw(a: &[String]) {
    let src = std::fs::read(&a[0]).unwrap();
    let (w, h): (usize, usize) = (a[1].parse().unwrap(), a[2].parse().unwrap());
    let bpp = a[3].parse::<PixelFormat>().unwrap().bytes_per_pixel();
    let got = std::fs::read(&a[4]).unwrap();
    let (sn, gn) = (src.len() / (w * h * bpp), got.len() / (w * h * 4));
    assert_eq!(sn, gn, "source has {sn} frames, decoded GIF {gn}");
    let ps: Vec<f64> = src
        .chunks_exact(w * h * bpp)
        .zip(got.chunks_exact(w * h * 4))
        .map(|(s, g)| clips::psnr(s, bpp, g))
        .collect();
    let mean = ps.iter().sum::<f64>() / ps.len() as f64;
    let min = ps.iter().copied().fold(f64::INFINITY, f64::min);
    println!("{mean:.3} {min:.3}");
}

/// Composited RGBA canvases, one per GIF image.
fn decode(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::Indexed);
    let mut d = opts.read_info(bytes).unwrap();
    let w = usize::from(d.width());
    let global = d.global_palette().map(<[u8]>::to_vec).unwrap_or_default();
    let mut canvas = vec![0u8; w * usize::from(d.height()) * 4];
    let mut out = Vec::new();
    while let Some(f) = d.read_next_frame().unwrap() {
        let pal = f.palette.clone().unwrap_or_else(|| global.clone());
        for y in 0..usize::from(f.height) {
            for x in 0..usize::from(f.width) {
                let idx = f.buffer[y * usize::from(f.width) + x];
                if Some(idx) != f.transparent {
                    let o = 4 * ((y + usize::from(f.top)) * w + x + usize::from(f.left));
                    canvas[o..o + 3]
                        .copy_from_slice(&pal[3 * usize::from(idx)..3 * usize::from(idx) + 3]);
                    canvas[o + 3] = 255;
                }
            }
        }
        // One image per source frame: every frame of these clips differs from the last.
        out.push(canvas.clone());
        if f.dispose == gif::DisposalMethod::Background {
            for y in 0..usize::from(f.height) {
                let o = 4 * ((y + usize::from(f.top)) * w + usize::from(f.left));
                canvas[o..o + 4 * usize::from(f.width)].fill(0);
            }
        }
    }
    out
}
