//! Worker side: map one planned frame to palette indices (with dithering) and LZW-compress it.
//!
//! A [`Job`] depends only on its own pixels and palette, never on other frames, so jobs run on
//! any thread in any order and the bytes are the same as on one thread.

use std::borrow::Cow;
use std::sync::Arc;

use gif::DisposalMethod;

use crate::Dither;
use crate::oklab::{Lab, ToLab};
use crate::palette::{Nearest, Palette};

/// One planned frame: the changed rectangle, what to draw in it, and how.
pub(crate) struct Job {
    /// Rectangle pixels as RGBA; alpha 0 means "leave transparent", 255 draws.
    pub(crate) rgba: Vec<u8>,
    pub(crate) left: u16,
    pub(crate) top: u16,
    pub(crate) width: u16,
    pub(crate) height: u16,
    pub(crate) palette: Arc<Palette>,
    /// Write the palette as a local colour table (GIF89a section 21) rather than use the global.
    pub(crate) local_table: bool,
    pub(crate) dither: Dither,
    pub(crate) strength: f32,
    pub(crate) delay: u16,
    pub(crate) dispose: DisposalMethod,
}

/// Bayer 8x8 thresholds in (0, 1), centred on 0.5.
fn bayer(x: usize, y: usize) -> f32 {
    let (x, y) = (x & 7, y & 7);
    let v = x ^ y;
    // Bit-interleave of (x ^ y, y), reversed: the classic recursive Bayer construction.
    let m = ((v & 1) << 5)
        | ((y & 1) << 4)
        | ((v & 2) << 2)
        | ((y & 2) << 1)
        | ((v & 4) >> 1)
        | ((y & 4) >> 2);
    (m as f32 + 0.5) / 64.0
}

/// Indices of the rectangle, row by row; undrawn pixels get the transparent index 0.
pub(crate) fn remap(job: &Job) -> Vec<u8> {
    let (w, h) = (usize::from(job.width), usize::from(job.height));
    let pal = &job.palette;
    let off = pal.offset();
    let to_lab = ToLab::new();
    let mut near = Nearest::new(&pal.lab);
    let mut out = vec![0u8; w * h];
    let px = |i: usize| -> Option<[u8; 3]> {
        let p = &job.rgba[4 * i..4 * i + 4];
        (p[3] == 255).then_some([p[0], p[1], p[2]])
    };
    let dither = if job.strength <= 0.0 {
        Dither::None
    } else {
        job.dither
    };
    match dither {
        Dither::None => {
            // Runs of one colour are common (flat plots, backgrounds): skip the search for them.
            let mut last: Option<([u8; 3], u8)> = None;
            for (i, o) in out.iter_mut().enumerate() {
                if let Some(c) = px(i) {
                    *o = match last {
                        Some((lc, li)) if lc == c => li,
                        _ => {
                            let idx = near.find(to_lab.lab(c)).0 as u8 + off;
                            last = Some((c, idx));
                            idx
                        }
                    };
                }
            }
        }
        Dither::Ordered => {
            let amp = job.strength * pal.spacing;
            let (l0, t0) = (usize::from(job.left), usize::from(job.top));
            for y in 0..h {
                for x in 0..w {
                    let i = y * w + x;
                    if let Some(c) = px(i) {
                        let (cx, cy) = (x + l0, y + t0);
                        let mut p = to_lab.lab(c);
                        // Shifted maps per channel decorrelate the L, a and b offsets.
                        p[0] += (bayer(cx, cy) - 0.5) * amp;
                        p[1] += (bayer(cx + 3, cy + 5) - 0.5) * amp;
                        p[2] += (bayer(cx + 5, cy + 2) - 0.5) * amp;
                        out[i] = near.find(p).0 as u8 + off;
                    }
                }
            }
        }
        Dither::Diffusion => diffuse(job, &mut near, to_lab, &mut out),
    }
    out
}

/// Sierra Lite (Frankie Sierra, 1990): 2/4 right, 1/4 below-left, 1/4 below; serpentine so the
/// error does not drift one way. The target is clamped to the Oklab box of sRGB and each error
/// component to `MAX_ERR`, which stops the "worms" and halos of unclamped diffusion on
/// saturated edges.
fn diffuse(job: &Job, near: &mut Nearest<'_>, to_lab: ToLab, out: &mut [u8]) {
    const MAX_ERR: f32 = 0.06;
    let (w, h) = (usize::from(job.width), usize::from(job.height));
    let pal = &job.palette;
    let off = pal.offset();
    let s = job.strength;
    // Error rows with one guard cell on each side.
    let mut cur = vec![[0f32; 3]; w + 2];
    let mut next = vec![[0f32; 3]; w + 2];
    for y in 0..h {
        let rev = y % 2 == 1;
        for n in 0..w {
            let x = if rev { w - 1 - n } else { n };
            let i = y * w + x;
            let p = &job.rgba[4 * i..4 * i + 4];
            if p[3] != 255 {
                continue;
            }
            let e = cur[x + 1];
            let base = to_lab.lab([p[0], p[1], p[2]]);
            let want: Lab = [
                (base[0] + e[0]).clamp(0.0, 1.0),
                (base[1] + e[1]).clamp(-0.24, 0.28),
                (base[2] + e[2]).clamp(-0.32, 0.2),
            ];
            let (idx, _) = near.find(want);
            out[i] = idx as u8 + off;
            let got = pal.lab[usize::from(idx)];
            let mut err = [0f32; 3];
            for c in 0..3 {
                err[c] = ((want[c] - got[c]) * s).clamp(-MAX_ERR, MAX_ERR);
            }
            let (ahead, behind) = if rev { (x, x + 2) } else { (x + 2, x) };
            for c in 0..3 {
                cur[ahead][c] += err[c] * 0.5;
                next[behind][c] += err[c] * 0.25;
                next[x + 1][c] += err[c] * 0.25;
            }
        }
        std::mem::swap(&mut cur, &mut next);
        next.fill([0.0; 3]);
    }
}

/// Remaps and LZW-compresses a job into a frame for `Encoder::write_lzw_pre_encoded_frame`.
pub(crate) fn encode(job: &Job) -> gif::Frame<'static> {
    let indices = remap(job);
    let mut frame = gif::Frame {
        delay: job.delay,
        dispose: job.dispose,
        transparent: job.palette.reserve.then_some(0),
        top: job.top,
        left: job.left,
        width: job.width,
        height: job.height,
        palette: job.local_table.then(|| job.palette.table()),
        buffer: Cow::Owned(indices),
        ..gif::Frame::default()
    };
    frame.make_lzw_pre_encoded();
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bayer_is_a_permutation() {
        let mut seen = [false; 64];
        for y in 0..8 {
            for x in 0..8 {
                let v = (bayer(x, y) * 64.0) as usize;
                assert!(!seen[v]);
                seen[v] = true;
            }
        }
    }
}
