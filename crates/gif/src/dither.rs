//! Worker side: map one planned frame to palette indices (with dithering) and LZW-compress it.
//!
//! A [`Job`] depends only on its own pixels and palette, never on other frames, so jobs run on
//! any thread in any order and the bytes are the same as on one thread.

use std::borrow::Cow;
use std::sync::Arc;

use gif::DisposalMethod;

use crate::Dither;
use crate::lzw::{self, Choices};
use crate::palette::{CellNearest, Palette};
use crate::space::{Conv, Point, dist2};

/// One planned frame: the changed rectangle, what to draw in it, and how.
pub(crate) struct Job {
    /// Rectangle pixels as RGBA; alpha [`MUST`] draws, [`MAY`] may draw or stay transparent
    /// (the screen shows the pixel within tolerance already), [`MAY_EXACT`] likewise but
    /// draws only a colour equal to it, 0 stays transparent.
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
    pub(crate) conv: Conv,
    /// Lossy LZW: the largest squared distance (working space) of a substitute colour.
    pub(crate) lossy: f32,
    pub(crate) delay: u16,
    pub(crate) dispose: DisposalMethod,
}

/// Job alpha: the pixel must be drawn.
pub(crate) const MUST: u8 = 255;
/// Job alpha: the pixel may be drawn or left transparent.
pub(crate) const MAY: u8 = 128;
/// Job alpha: the pixel may be drawn only with a colour equal to it, else left transparent.
pub(crate) const MAY_EXACT: u8 = 64;

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

/// Colour indices of the rectangle, row by row (GIF indices: the transparent index 0 where
/// alpha is 0).
pub(crate) fn remap(job: &Job) -> Vec<u8> {
    let (w, h) = (usize::from(job.width), usize::from(job.height));
    let pal = &job.palette;
    let off = pal.offset();
    let conv = job.conv;
    let mut near = CellNearest::new(&pal.pts, conv.space());
    let mut out = vec![0u8; w * h];
    let px = |i: usize| -> Option<[u8; 3]> {
        let p = &job.rgba[4 * i..4 * i + 4];
        (p[3] != 0).then_some([p[0], p[1], p[2]])
    };
    let dither = if job.strength <= 0.0 {
        Dither::None
    } else {
        job.dither
    };
    match dither {
        Dither::None => {
            // Runs of one colour are common (flat plots, backgrounds): skip the search for them.
            let mut last: Option<([u8; 3], u16)> = None;
            for (i, o) in out.iter_mut().enumerate() {
                if let Some(c) = px(i) {
                    let idx = match last {
                        Some((lc, li)) if lc == c => li,
                        _ => near.find(conv.point(c)).0,
                    };
                    last = Some((c, idx));
                    *o = idx as u8 + off;
                }
            }
        }
        Dither::Ordered => {
            let amp = job.strength * pal.spacing;
            let (l0, t0) = (usize::from(job.left), usize::from(job.top));
            let (lo, hi) = conv.bounds();
            for y in 0..h {
                for x in 0..w {
                    let i = y * w + x;
                    if let Some(c) = px(i) {
                        let (cx, cy) = (x + l0, y + t0);
                        let mut p = conv.point(c);
                        // Shifted maps per channel decorrelate the offsets of the three axes.
                        p[0] += (bayer(cx, cy) - 0.5) * amp;
                        p[1] += (bayer(cx + 3, cy + 5) - 0.5) * amp;
                        p[2] += (bayer(cx + 5, cy + 2) - 0.5) * amp;
                        // Kept inside the box of sRGB colours, where every palette colour is
                        // (and the nearest search is fast).
                        let p = std::array::from_fn(|a| p[a].clamp(lo[a], hi[a]));
                        out[i] = near.find(p).0 as u8 + off;
                    }
                }
            }
        }
        Dither::Diffusion => diffuse(job, &mut near, &mut out),
    }
    out
}

/// Sierra Lite (Frankie Sierra, 1990): 2/4 right, 1/4 below-left, 1/4 below; serpentine so the
/// error does not drift one way. The target is clamped to the working-space box of sRGB and
/// each error component to `MAX_ERR`, which stops the "worms" and halos of unclamped diffusion
/// on saturated edges.
fn diffuse(job: &Job, near: &mut CellNearest<'_>, out: &mut [u8]) {
    const MAX_ERR: f32 = 0.06;
    let (w, h) = (usize::from(job.width), usize::from(job.height));
    let pal = &job.palette;
    let off = pal.offset();
    let s = job.strength;
    let (lo, hi) = job.conv.bounds();
    // Error rows with one guard cell on each side.
    let mut cur = vec![[0f32; 3]; w + 2];
    let mut next = vec![[0f32; 3]; w + 2];
    for y in 0..h {
        let rev = y % 2 == 1;
        for n in 0..w {
            let x = if rev { w - 1 - n } else { n };
            let i = y * w + x;
            let p = &job.rgba[4 * i..4 * i + 4];
            if p[3] == 0 {
                continue;
            }
            let e = cur[x + 1];
            let base = job.conv.point([p[0], p[1], p[2]]);
            let want: Point = std::array::from_fn(|c| (base[c] + e[c]).clamp(lo[c], hi[c]));
            let (idx, _) = near.find(want);
            out[i] = idx as u8 + off;
            let got = pal.pts[usize::from(idx)];
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

/// The symbols each pixel of a job accepts (see [`crate::lzw`]).
struct Pick<'a> {
    job: &'a Job,
    /// Per pixel: the preferred symbol (0 for a pixel that may stay or must stay
    /// transparent).
    target: Vec<u8>,
    /// Per pixel: a second exact choice, its colour for a pixel that may stay, else `target`.
    alt: Vec<u8>,
    /// Lossy reference point per pixel (empty when lossless).
    refs: Vec<Point>,
}

impl Choices for Pick<'_> {
    #[inline]
    fn target(&self, i: usize) -> u8 {
        self.target[i]
    }

    #[inline]
    fn alternative(&self, i: usize) -> u8 {
        self.alt[i]
    }

    #[inline]
    fn flexible(&self, i: usize) -> bool {
        self.alt[i] != self.target[i] || (!self.refs.is_empty() && self.job.rgba[4 * i + 3] == MUST)
    }

    #[inline]
    fn score(&self, i: usize, s: u8) -> Option<f32> {
        if s == self.target[i] || s == self.alt[i] {
            return Some(0.0);
        }
        let pal = &self.job.palette;
        let off = pal.offset();
        let class = self.job.rgba[4 * i + 3];
        // Lossy substitutes for drawn pixels only: a pixel that may stay is drawn with its own
        // colour or not at all, so static pixels do not wander between substitutes.
        if self.refs.is_empty() || s < off || class != MUST {
            return None;
        }
        let d = dist2(pal.pts[usize::from(s - off)], self.refs[i]);
        (d <= self.job.lossy).then_some(d)
    }
}

/// Remaps and LZW-compresses a job into a frame for `Encoder::write_lzw_pre_encoded_frame`.
pub(crate) fn encode(job: &Job) -> gif::Frame<'static> {
    let colour = remap(job);
    let n = colour.len();
    let refs = if job.lossy > 0.0 {
        let pal = &job.palette;
        (0..n)
            .map(|i| {
                let p = &job.rgba[4 * i..4 * i + 3];
                match job.dither {
                    // Dithered indices are deliberate: substitutes must be close to them.
                    Dither::Ordered | Dither::Diffusion if job.strength > 0.0 && colour[i] > 0 => {
                        pal.pts[usize::from(colour[i] - pal.offset())]
                    }
                    _ => job.conv.point([p[0], p[1], p[2]]),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let pal = &job.palette;
    let mut target = colour.clone();
    let mut alt = colour;
    // Runs of one colour, class and index share the decision.
    let mut last: Option<(&[u8], u8, bool)> = None;
    for (i, px) in job.rgba.chunks_exact(4).enumerate() {
        let class = px[3];
        if class != MAY && class != MAY_EXACT {
            continue;
        }
        target[i] = 0;
        let ok = match last {
            Some((prev, a, ok)) if prev == px && a == alt[i] => ok,
            _ => {
                // Drawing a pixel that may stay is fine when its colour is about as accurate
                // as those of the drawn pixels (twice their mean error) or within the budget;
                // only exactly for MAY_EXACT.
                let src = job.conv.point([px[0], px[1], px[2]]);
                let bound = if class == MAY {
                    job.lossy.max(2.0 * pal.base_error)
                } else {
                    0.0
                };
                let ok = alt[i] >= pal.offset()
                    && dist2(pal.pts[usize::from(alt[i] - pal.offset())], src) <= bound;
                last = Some((px, alt[i], ok));
                ok
            }
        };
        if !ok {
            alt[i] = 0;
        }
    }
    let top = alt.iter().copied().max().unwrap_or(0);
    // The smallest code size that holds every symbol (section 22: at least 2).
    let min_code_size = (u32::from(top) + 1)
        .next_power_of_two()
        .trailing_zeros()
        .max(2) as u8;
    let pick = Pick {
        job,
        target,
        alt,
        refs,
    };
    let data = lzw::encode(n, min_code_size, &pick);
    gif::Frame {
        delay: job.delay,
        dispose: job.dispose,
        transparent: job.palette.reserve.then_some(0),
        top: job.top,
        left: job.left,
        width: job.width,
        height: job.height,
        palette: job.local_table.then(|| job.palette.table()),
        buffer: Cow::Owned(data),
        ..gif::Frame::default()
    }
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
