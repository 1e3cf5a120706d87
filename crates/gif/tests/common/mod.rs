//! Helpers of the integration tests that are GIF's own: encoding, the gif-crate decoder with our
//! own compositing, the ffmpeg decoder, clips and PSNR. The shared ones (oracle rule, corpus,
//! scratch paths) are in framecast-testkit.
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

pub(crate) mod clips;

use std::process::{Command, Stdio};

use framecast_core::{FrameView, PixelFormat, Rational};
use framecast_gif::{GifEncoder, GifOptions};
use framecast_testkit::scratch;

/// Encodes frames of `bpp` 3 (RGB24) or 4 (RGBA).
pub(crate) fn encode(
    w: u32,
    h: u32,
    bpp: usize,
    fps: u32,
    frames: &[Vec<u8>],
    options: GifOptions,
) -> Vec<u8> {
    let fmt = if bpp == 4 {
        PixelFormat::Rgba
    } else {
        PixelFormat::Rgb24
    };
    let mut enc =
        GifEncoder::new(Vec::new(), w, h, Rational::integer(fps).unwrap(), options).unwrap();
    for f in frames {
        enc.write_frame(&FrameView::new(f, w, h, fmt).unwrap())
            .unwrap();
    }
    enc.finish().unwrap()
}

/// One decoded GIF image as stored, plus the canvas after drawing it (RGBA).
pub(crate) struct Decoded {
    pub(crate) left: u16,
    pub(crate) top: u16,
    pub(crate) width: u16,
    pub(crate) height: u16,
    pub(crate) delay: u16,
    pub(crate) dispose: gif::DisposalMethod,
    pub(crate) transparent: Option<u8>,
    pub(crate) indices: Vec<u8>,
    /// The colour table this image uses (local, else global), RGB triplets.
    pub(crate) palette: Vec<u8>,
    pub(crate) local_palette: bool,
    pub(crate) canvas: Vec<u8>,
}

/// Decodes with the gif crate (indexed output) and composites as GIF89a section 23 says:
/// transparent indices leave the canvas, disposal applies after display.
pub(crate) fn decode(bytes: &[u8]) -> (u16, u16, gif::Repeat, Vec<Decoded>) {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::Indexed);
    let mut d = opts.read_info(bytes).unwrap();
    let (w, h) = (usize::from(d.width()), usize::from(d.height()));
    let global = d.global_palette().map(<[u8]>::to_vec).unwrap_or_default();
    let mut canvas = vec![0u8; w * h * 4];
    let mut out = Vec::new();
    while let Some(f) = d.read_next_frame().unwrap() {
        let palette = f.palette.clone().unwrap_or_else(|| global.clone());
        let saved = canvas.clone();
        for y in 0..usize::from(f.height) {
            for x in 0..usize::from(f.width) {
                let idx = f.buffer[y * usize::from(f.width) + x];
                if Some(idx) == f.transparent {
                    continue;
                }
                let (cx, cy) = (x + usize::from(f.left), y + usize::from(f.top));
                assert!(cx < w && cy < h, "image outside the canvas");
                let p = &palette[3 * usize::from(idx)..3 * usize::from(idx) + 3];
                let o = 4 * (cy * w + cx);
                canvas[o..o + 3].copy_from_slice(p);
                canvas[o + 3] = 255;
            }
        }
        out.push(Decoded {
            left: f.left,
            top: f.top,
            width: f.width,
            height: f.height,
            delay: f.delay,
            dispose: f.dispose,
            transparent: f.transparent,
            indices: f.buffer.to_vec(),
            local_palette: f.palette.is_some(),
            palette,
            canvas: canvas.clone(),
        });
        match f.dispose {
            gif::DisposalMethod::Background => {
                for y in 0..usize::from(f.height) {
                    for x in 0..usize::from(f.width) {
                        let o = 4 * ((y + usize::from(f.top)) * w + x + usize::from(f.left));
                        canvas[o..o + 4].fill(0);
                    }
                }
            }
            gif::DisposalMethod::Previous => canvas = saved,
            _ => {}
        }
    }
    let repeat = d.repeat();
    (w as u16, h as u16, repeat, out)
}

/// Decodes with ffmpeg to RGBA frames, one per GIF image (`-fps_mode passthrough`).
pub(crate) fn ffmpeg_frames(bytes: &[u8], w: u32, h: u32) -> Vec<Vec<u8>> {
    let path = scratch("oracle.gif");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args([
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
            "-",
        ])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "ffmpeg failed");
    let n = (w * h * 4) as usize;
    assert_eq!(out.stdout.len() % n, 0);
    out.stdout.chunks_exact(n).map(<[u8]>::to_vec).collect()
}
