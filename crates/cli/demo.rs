//! The built-in animation of `framecast demo`: a frame source that needs no input.

use std::f64::consts::TAU;

use framecast::source::{FrameSource, SourceError, SourceInfo};
use framecast::{PixelFormat, Rational};

/// Colour bands drifting under a bouncing disc and a sweeping bar: smooth gradients, hard
/// edges and motion, so quality and colour problems show.
pub(crate) struct Demo {
    info: SourceInfo,
    frames: u64,
    next: u64,
}

impl Demo {
    pub(crate) fn new(
        width: u32,
        height: u32,
        fps: Rational,
        seconds: f64,
    ) -> anyhow::Result<Demo> {
        if !seconds.is_finite() || seconds <= 0.0 || seconds > 3600.0 {
            anyhow::bail!(
                "--seconds {seconds} is out of range; expected more than 0 and at most 3600"
            );
        }
        let frames = ((seconds * fps.as_f64()).round() as u64).max(1);
        let info = SourceInfo::packed(width, height, PixelFormat::Rgb24, Some(fps))?;
        Ok(Demo {
            info,
            frames,
            next: 0,
        })
    }
}

impl Demo {
    /// How many frames the demo lasts.
    pub(crate) fn frames(&self) -> u64 {
        self.frames
    }
}

impl FrameSource for Demo {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, SourceError> {
        if self.next >= self.frames {
            return Ok(false);
        }
        let (w, h) = (self.info.width as usize, self.info.height as usize);
        buf.resize(w * h * 3, 0);
        let t = self.next as f64 / self.frames.max(2) as f64;
        draw(buf, w, h, t);
        self.next += 1;
        Ok(true)
    }
}

fn draw(buf: &mut [u8], w: usize, h: usize, t: f64) {
    let (wf, hf) = (w as f64, h as f64);
    // The disc bounces along a Lissajous path; the bar sweeps left to right once.
    let cx = wf * (0.5 + 0.35 * (TAU * t * 2.0).sin());
    let cy = hf * (0.5 + 0.3 * (TAU * t * 3.0).cos());
    let r = hf.min(wf) * 0.12;
    let bar_x = wf * t;
    let bar_w = (wf * 0.02).max(2.0);
    // The bands depend on x and t only (green also fades with y): one sine per column and
    // channel per frame keeps the generator far faster than the encoder.
    let bands: Vec<[f64; 3]> = (0..w)
        .map(|x| {
            let phase = TAU * (x as f64 / wf + t);
            [
                127.5 + 127.5 * phase.sin(),
                127.5 * (phase + TAU / 3.0).sin(),
                127.5 + 127.5 * (phase + 2.0 * TAU / 3.0).sin(),
            ]
        })
        .collect();
    for (y, row) in buf.chunks_exact_mut(w * 3).enumerate() {
        let yf = y as f64;
        let fade = yf / hf;
        for (x, (px, band)) in row.chunks_exact_mut(3).zip(&bands).enumerate() {
            let xf = x as f64;
            let (dx, dy) = (xf - cx, yf - cy);
            let rgb = if (xf - bar_x).abs() < bar_w {
                [20.0, 20.0, 20.0]
            } else if dx * dx + dy * dy < r * r {
                [250.0, 250.0, 250.0]
            } else {
                [band[0], 127.5 + band[1] * fade, band[2]]
            };
            for (p, v) in px.iter_mut().zip(rgb) {
                *p = v.clamp(0.0, 255.0) as u8;
            }
        }
    }
}
