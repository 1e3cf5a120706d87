//! Palettes: a colour histogram, median-cut seeding and k-means refinement in Oklab, and a fast
//! exact nearest-colour search.
//!
//! Everything here works on a histogram of 5-bit-per-channel bins (at most 32768 weighted
//! points, each the exact mean of the pixels that fell in it), never on pixels, so building a
//! palette costs the same for a 64x64 frame as for a 4K one.

use crate::oklab::{Lab, ToLab, dist2, to_rgb};

const BITS: u32 = 5;
const BINS: usize = 1 << (3 * BITS);

/// One histogram bin: pixel count and the exact mean colour of its pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bin {
    pub(crate) weight: f32,
    pub(crate) rgb: [u8; 3],
    pub(crate) lab: Lab,
}

/// Colour histogram of the pixels a frame draws.
pub(crate) struct Histogram {
    // [count, sum r, sum g, sum b]; u64 because a 16384^2 frame of white overflows u32.
    bins: Vec<[u64; 4]>,
}

impl Histogram {
    pub(crate) fn new() -> Self {
        Histogram {
            bins: vec![[0; 4]; BINS],
        }
    }

    pub(crate) fn clear(&mut self) {
        self.bins.fill([0; 4]);
    }

    #[inline]
    pub(crate) fn add(&mut self, rgb: [u8; 3]) {
        let s = 8 - BITS;
        let i = (usize::from(rgb[0] >> s) << (2 * BITS))
            | (usize::from(rgb[1] >> s) << BITS)
            | usize::from(rgb[2] >> s);
        let b = &mut self.bins[i];
        b[0] += 1;
        b[1] += u64::from(rgb[0]);
        b[2] += u64::from(rgb[1]);
        b[3] += u64::from(rgb[2]);
    }

    /// The non-empty bins; a bin holding a single colour yields that colour exactly.
    pub(crate) fn collect(&self, to_lab: ToLab) -> Vec<Bin> {
        let mut out = Vec::new();
        for b in &self.bins {
            if b[0] == 0 {
                continue;
            }
            let n = b[0];
            let mean = |s: u64| ((s + n / 2) / n).min(255) as u8;
            let rgb = [mean(b[1]), mean(b[2]), mean(b[3])];
            out.push(Bin {
                weight: n as f32,
                rgb,
                lab: to_lab.lab(rgb),
            });
        }
        out
    }
}

/// A frame palette: up to 256 colours, with index 0 reserved for transparency when `reserve`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Palette {
    pub(crate) rgb: Vec<[u8; 3]>,
    pub(crate) lab: Vec<Lab>,
    /// Whether GIF index 0 is the transparent index (real colours start at 1).
    pub(crate) reserve: bool,
    /// Mean squared Oklab error on the frame the palette was built for.
    pub(crate) base_error: f32,
    /// Mean distance from each colour to its nearest neighbour: the ordered dither amplitude.
    pub(crate) spacing: f32,
}

impl Palette {
    fn from_rgb(mut rgb: Vec<[u8; 3]>, reserve: bool, to_lab: ToLab) -> Self {
        rgb.sort_unstable();
        rgb.dedup();
        if rgb.is_empty() {
            rgb.push([0, 0, 0]);
        }
        let lab: Vec<Lab> = rgb.iter().map(|&c| to_lab.lab(c)).collect();
        let mut spacing = 0.0;
        for (i, p) in lab.iter().enumerate() {
            let nn = lab
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, q)| dist2(*p, *q))
                .fold(f32::INFINITY, f32::min);
            if nn.is_finite() {
                spacing += nn.sqrt();
            }
        }
        spacing /= lab.len() as f32;
        Palette {
            rgb,
            lab,
            reserve,
            base_error: 0.0,
            spacing,
        }
    }

    /// GIF index of real colour `i`.
    #[inline]
    pub(crate) fn offset(&self) -> u8 {
        u8::from(self.reserve)
    }

    /// The colour table bytes as GIF89a section 19 (Global Color Table) lays them out.
    pub(crate) fn table(&self) -> Vec<u8> {
        let mut t = Vec::with_capacity(3 * (self.rgb.len() + 1));
        if self.reserve {
            t.extend_from_slice(&[0, 0, 0]);
        }
        for c in &self.rgb {
            t.extend_from_slice(c);
        }
        t
    }

    /// Weighted mean squared Oklab error of `bins` mapped to this palette.
    pub(crate) fn mean_error(&self, bins: &[Bin]) -> f32 {
        let mut near = Nearest::new(&self.lab);
        let (mut err, mut w) = (0f64, 0f64);
        for b in bins {
            let (_, d) = near.find(b.lab);
            err += f64::from(d) * f64::from(b.weight);
            w += f64::from(b.weight);
        }
        if w > 0.0 { (err / w) as f32 } else { 0.0 }
    }
}

/// Builds a palette of at most `k` colours for `bins`.
///
/// Seeding is median cut (split the box with the largest weighted variance at the weighted
/// median of its widest axis), then `iterations` rounds of weighted k-means. Colours ending
/// within a just-noticeable distance of a colour of `previous` snap to it, so similar frames
/// keep identical entries and flat areas do not flicker.
pub(crate) fn build(
    bins: &[Bin],
    k: usize,
    reserve: bool,
    iterations: u32,
    previous: Option<&Palette>,
    to_lab: ToLab,
) -> Palette {
    let k = k.max(1);
    if bins.len() <= k {
        let mut p = Palette::from_rgb(bins.iter().map(|b| b.rgb).collect(), reserve, to_lab);
        p.base_error = p.mean_error(bins);
        return p;
    }
    let mut centres = median_cut(bins, k);
    for _ in 0..iterations {
        let mut near = Nearest::new(&centres);
        let mut acc = vec![[0f64; 4]; centres.len()];
        for b in bins {
            let (i, _) = near.find(b.lab);
            let a = &mut acc[usize::from(i)];
            let w = f64::from(b.weight);
            a[0] += w;
            a[1] += w * f64::from(b.lab[0]);
            a[2] += w * f64::from(b.lab[1]);
            a[3] += w * f64::from(b.lab[2]);
        }
        for (c, a) in centres.iter_mut().zip(&acc) {
            if a[0] > 0.0 {
                *c = [
                    (a[1] / a[0]) as f32,
                    (a[2] / a[0]) as f32,
                    (a[3] / a[0]) as f32,
                ];
            }
        }
    }
    // Snap to the previous palette: 0.008 in Oklab is below a just-noticeable difference.
    const SNAP2: f32 = 0.008 * 0.008;
    let rgb = centres
        .iter()
        .map(|&c| {
            if let Some(prev) = previous {
                let mut near = Nearest::new(&prev.lab);
                let (i, d) = near.find(c);
                if d < SNAP2 {
                    return prev.rgb[usize::from(i)];
                }
            }
            to_rgb(c)
        })
        .collect();
    let mut p = Palette::from_rgb(rgb, reserve, to_lab);
    p.base_error = p.mean_error(bins);
    p
}

fn median_cut(bins: &[Bin], k: usize) -> Vec<Lab> {
    let mut pts: Vec<Bin> = bins.to_vec();
    // Boxes as ranges into `pts`, with their weighted sum of squared errors.
    let mut boxes: Vec<(usize, usize, f64)> = vec![(0, pts.len(), 0.0)];
    boxes[0].2 = sse(&pts[..]).0;
    while boxes.len() < k {
        let Some((bi, _)) = boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.1 - b.0 > 1)
            .max_by(|a, b| a.1.2.total_cmp(&b.1.2))
        else {
            break;
        };
        let (lo, hi, _) = boxes[bi];
        let slice = &mut pts[lo..hi];
        let axis = sse(slice).1;
        slice.sort_unstable_by(|a, b| a.lab[axis].total_cmp(&b.lab[axis]));
        let total: f32 = slice.iter().map(|b| b.weight).sum();
        let mut acc = 0.0;
        let mut cut = 1;
        for (i, b) in slice.iter().enumerate() {
            acc += b.weight;
            if acc >= total / 2.0 {
                cut = (i + 1).clamp(1, slice.len() - 1);
                break;
            }
        }
        let mid = lo + cut;
        boxes[bi] = (lo, mid, sse(&pts[lo..mid]).0);
        boxes.push((mid, hi, sse(&pts[mid..hi]).0));
    }
    boxes
        .iter()
        .map(|&(lo, hi, _)| mean(&pts[lo..hi]))
        .collect()
}

fn mean(pts: &[Bin]) -> Lab {
    let mut s = [0f64; 4];
    for b in pts {
        let w = f64::from(b.weight);
        s[0] += w;
        for c in 0..3 {
            s[c + 1] += w * f64::from(b.lab[c]);
        }
    }
    let w = s[0].max(f64::MIN_POSITIVE);
    [(s[1] / w) as f32, (s[2] / w) as f32, (s[3] / w) as f32]
}

/// Weighted SSE of a box and its axis of largest variance.
fn sse(pts: &[Bin]) -> (f64, usize) {
    let m = mean(pts);
    let mut v = [0f64; 3];
    for b in pts {
        for c in 0..3 {
            let d = f64::from(b.lab[c] - m[c]);
            v[c] += f64::from(b.weight) * d * d;
        }
    }
    let axis = (0..3).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap_or(0);
    (v[0] + v[1] + v[2], axis)
}

const GRID: usize = 32;

/// Exact nearest palette colour in Oklab.
///
/// A lazily filled 32^3 grid over Oklab gives a first guess (the colour nearest to the cell
/// centre), then a scan outward through the colours sorted by L stops once the L difference
/// alone exceeds the best distance found: exact, and a handful of distance computations per
/// pixel for photographic palettes.
pub(crate) struct Nearest<'a> {
    lab: &'a [Lab],
    sorted: Vec<(f32, u16)>,
    pos: Vec<u16>,
    grid: Vec<u16>,
}

impl<'a> Nearest<'a> {
    pub(crate) fn new(lab: &'a [Lab]) -> Self {
        let mut sorted: Vec<(f32, u16)> = lab
            .iter()
            .enumerate()
            .map(|(i, c)| (c[0], i as u16))
            .collect();
        sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut pos = vec![0u16; lab.len()];
        for (p, &(_, i)) in sorted.iter().enumerate() {
            pos[usize::from(i)] = p as u16;
        }
        Nearest {
            lab,
            sorted,
            pos,
            grid: vec![u16::MAX; GRID * GRID * GRID],
        }
    }

    fn cell(v: f32, lo: f32, hi: f32) -> usize {
        let t = ((v - lo) / (hi - lo) * GRID as f32).clamp(0.0, GRID as f32 - 1.0);
        t as usize
    }

    /// Index of the nearest colour and its squared distance. Ties go to the lower L position,
    /// deterministically.
    #[inline]
    pub(crate) fn find(&mut self, p: Lab) -> (u16, f32) {
        if self.lab.is_empty() {
            return (0, 0.0);
        }
        let (lc, ac, bc) = (
            Self::cell(p[0], 0.0, 1.0),
            Self::cell(p[1], -0.25, 0.25),
            Self::cell(p[2], -0.32, 0.32),
        );
        let g = (lc * GRID + ac) * GRID + bc;
        let mut guess = self.grid[g];
        if guess == u16::MAX {
            let step = |i: usize, lo: f32, hi: f32| lo + (i as f32 + 0.5) * (hi - lo) / GRID as f32;
            let centre = [
                step(lc, 0.0, 1.0),
                step(ac, -0.25, 0.25),
                step(bc, -0.32, 0.32),
            ];
            guess = self.brute(centre);
            self.grid[g] = guess;
        }
        let mut best = guess;
        let mut bd = dist2(p, self.lab[usize::from(guess)]);
        let start = usize::from(self.pos[usize::from(guess)]);
        for &(l, i) in &self.sorted[start + 1..] {
            let dl = l - p[0];
            if dl * dl >= bd {
                break;
            }
            let d = dist2(p, self.lab[usize::from(i)]);
            if d < bd {
                bd = d;
                best = i;
            }
        }
        for &(l, i) in self.sorted[..start].iter().rev() {
            let dl = l - p[0];
            if dl * dl >= bd {
                break;
            }
            let d = dist2(p, self.lab[usize::from(i)]);
            if d < bd {
                bd = d;
                best = i;
            }
        }
        (best, bd)
    }

    fn brute(&self, p: Lab) -> u16 {
        let mut best = 0;
        let mut bd = f32::INFINITY;
        for (i, &c) in self.lab.iter().enumerate() {
            let d = dist2(p, c);
            if d < bd {
                bd = d;
                best = i as u16;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(s: &mut u64) -> u8 {
        *s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*s >> 56) as u8
    }

    #[test]
    fn nearest_is_exact() {
        let t = ToLab::new();
        let mut s = 7;
        let pal: Vec<Lab> = (0..200)
            .map(|_| t.lab([lcg(&mut s), lcg(&mut s), lcg(&mut s)]))
            .collect();
        let mut n = Nearest::new(&pal);
        for _ in 0..5000 {
            let p = t.lab([lcg(&mut s), lcg(&mut s), lcg(&mut s)]);
            let (i, d) = n.find(p);
            let bd = pal
                .iter()
                .map(|&c| dist2(p, c))
                .fold(f32::INFINITY, f32::min);
            assert_eq!(d, bd, "index {i}");
        }
    }

    #[test]
    fn few_colours_are_kept_exactly() {
        let t = ToLab::new();
        let mut h = Histogram::new();
        let cols = [[255, 0, 0], [0, 0, 255], [10, 20, 30], [250, 250, 250]];
        for (n, c) in cols.iter().enumerate() {
            for _ in 0..=n * 10 {
                h.add(*c);
            }
        }
        let p = build(&h.collect(t), 255, true, 4, None, t);
        let mut want = cols.to_vec();
        want.sort_unstable();
        assert_eq!(p.rgb, want);
        assert_eq!(p.base_error, 0.0);
    }

    #[test]
    fn many_colours_reduce_to_k() {
        let t = ToLab::new();
        let mut h = Histogram::new();
        let mut s = 3;
        for _ in 0..20000 {
            h.add([lcg(&mut s), lcg(&mut s), lcg(&mut s)]);
        }
        let bins = h.collect(t);
        let p = build(&bins, 16, false, 4, None, t);
        assert!(p.rgb.len() <= 16 && p.rgb.len() >= 12, "{}", p.rgb.len());
        let p2 = build(&bins, 64, false, 4, None, t);
        assert!(p2.base_error < p.base_error);
    }
}
