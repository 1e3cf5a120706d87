//! Palettes: a colour histogram, median-cut seeding and k-means refinement in the working
//! [`ColorSpace`](crate::ColorSpace), and a fast exact nearest-colour search.
//!
//! Everything here works on a histogram of 5-bit-per-channel bins (at most 32768 weighted
//! points, each the exact mean of the pixels that fell in it), never on pixels, so building a
//! palette costs the same for a 64x64 frame as for a 4K one.

use crate::ColorSpace;
use crate::space::{Conv, Point, dist2};

const BITS: u32 = 5;
const BINS: usize = 1 << (3 * BITS);

/// One histogram bin: pixel count and the exact mean colour of its pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bin {
    pub(crate) weight: f32,
    pub(crate) rgb: [u8; 3],
    pub(crate) p: Point,
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
    pub(crate) fn collect(&self, conv: Conv) -> Vec<Bin> {
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
                p: conv.point(rgb),
            });
        }
        out
    }
}

/// A frame palette: up to 256 colours, with index 0 reserved for transparency when `reserve`.
#[derive(Debug, Clone)]
pub(crate) struct Palette {
    /// Which palette this is (the encoder numbers them from 1; 0 never drew anything).
    pub(crate) id: u32,
    pub(crate) rgb: Vec<[u8; 3]>,
    pub(crate) pts: Vec<Point>,
    /// Whether GIF index 0 is the transparent index (real colours start at 1).
    pub(crate) reserve: bool,
    /// Mean squared error (working space) on the frame the palette was built for.
    pub(crate) base_error: f32,
    /// Mean distance from each colour to its nearest neighbour: the ordered dither amplitude.
    pub(crate) spacing: f32,
}

impl Palette {
    fn from_rgb(mut rgb: Vec<[u8; 3]>, reserve: bool, conv: Conv) -> Self {
        rgb.sort_unstable();
        rgb.dedup();
        if rgb.is_empty() {
            rgb.push([0, 0, 0]);
        }
        let pts: Vec<Point> = rgb.iter().map(|&c| conv.point(c)).collect();
        let mut spacing = 0.0;
        for (i, p) in pts.iter().enumerate() {
            let nn = pts
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, q)| dist2(*p, *q))
                .fold(f32::INFINITY, f32::min);
            if nn.is_finite() {
                spacing += nn.sqrt();
            }
        }
        spacing /= pts.len() as f32;
        Palette {
            id: 0,
            rgb,
            pts,
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

    /// Whether the colour tables are the same.
    pub(crate) fn same_table(&self, other: &Palette) -> bool {
        self.reserve == other.reserve && self.rgb == other.rgb
    }

    /// Bytes of the colour table as written: padded to a power of two, at least 2 entries.
    pub(crate) fn table_bytes(&self) -> usize {
        3 * (self.rgb.len() + usize::from(self.reserve))
            .clamp(2, 256)
            .next_power_of_two()
    }

    /// Weighted mean squared error (working space) of `bins` mapped to this palette.
    pub(crate) fn mean_error(&self, bins: &[Bin]) -> f32 {
        let mut near = Nearest::new(&self.pts);
        let (mut err, mut w) = (0f64, 0f64);
        for b in bins {
            let (_, d) = near.find(b.p);
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
    conv: Conv,
) -> Palette {
    let k = k.max(1);
    if bins.len() <= k {
        let mut p = Palette::from_rgb(bins.iter().map(|b| b.rgb).collect(), reserve, conv);
        p.base_error = p.mean_error(bins);
        return p;
    }
    let (pts, mut centres, mut assign) = median_cut(bins, k);
    for _ in 0..iterations {
        let near = Nearest::new(&centres);
        let mut acc = vec![[0f64; 4]; centres.len()];
        for (b, guess) in pts.iter().zip(&mut assign) {
            // The previous assignment is the best first guess: most bins keep their centre.
            let (i, _) = near.find_from(b.p, *guess);
            *guess = i;
            let a = &mut acc[usize::from(i)];
            let w = f64::from(b.weight);
            a[0] += w;
            a[1] += w * f64::from(b.p[0]);
            a[2] += w * f64::from(b.p[1]);
            a[3] += w * f64::from(b.p[2]);
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
    // Snap to the previous palette: 0.008 is 2 steps in sRGB, and below a just-noticeable
    // difference in Oklab.
    const SNAP2: f32 = 0.008 * 0.008;
    let mut prev_near = previous.map(|prev| (prev, Nearest::new(&prev.pts)));
    let rgb = centres
        .iter()
        .map(|&c| {
            if let Some((prev, near)) = &mut prev_near {
                let (i, d) = near.find(c);
                if d < SNAP2 {
                    return prev.rgb[usize::from(i)];
                }
            }
            conv.rgb(c)
        })
        .collect();
    let mut p = Palette::from_rgb(rgb, reserve, conv);
    p.base_error = p.mean_error(bins);
    p
}

/// Median cut: the bins reordered box by box, the box means, and each bin's box.
fn median_cut(bins: &[Bin], k: usize) -> (Vec<Bin>, Vec<Point>, Vec<u16>) {
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
        slice.sort_unstable_by(|a, b| a.p[axis].total_cmp(&b.p[axis]));
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
    let mut assign = vec![0u16; pts.len()];
    for (i, &(lo, hi, _)) in boxes.iter().enumerate() {
        assign[lo..hi].fill(i as u16);
    }
    let centres = boxes
        .iter()
        .map(|&(lo, hi, _)| mean(&pts[lo..hi]))
        .collect();
    (pts, centres, assign)
}

fn mean(pts: &[Bin]) -> Point {
    let mut s = [0f64; 4];
    for b in pts {
        let w = f64::from(b.weight);
        s[0] += w;
        for c in 0..3 {
            s[c + 1] += w * f64::from(b.p[c]);
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
            let d = f64::from(b.p[c] - m[c]);
            v[c] += f64::from(b.weight) * d * d;
        }
    }
    let axis = (0..3).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap_or(0);
    (v[0] + v[1] + v[2], axis)
}

/// Cells per axis of the [`Nearest`] guess grid (16 measured 10% faster than 32 overall).
const GRID: usize = 16;

/// Exact nearest palette colour, for histogram bins (k-means, palette errors); frames use
/// [`CellNearest`].
///
/// A first guess, either given ([`find_from`](Self::find_from): k-means passes each bin's
/// previous centre) or from a lazily filled 16^3 grid over the palette's bounding box (the
/// colour nearest to the cell centre), then a scan outward through the colours sorted along
/// the palette's widest axis stops once the distance along that axis alone exceeds the best
/// distance found. (Per-cell candidate lists were measured 2.5x slower here: each bin is
/// looked up once, so building a list per cell never pays.)
pub(crate) struct Nearest<'a> {
    pts: &'a [Point],
    axis: usize,
    lo: Point,
    scale: Point,
    sorted: Vec<(f32, u16)>,
    pos: Vec<u16>,
    grid: Vec<u16>,
}

impl<'a> Nearest<'a> {
    pub(crate) fn new(pts: &'a [Point]) -> Self {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for p in pts {
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        let mut scale = [0f32; 3];
        for a in 0..3 {
            if hi[a] <= lo[a] || !hi[a].is_finite() || !lo[a].is_finite() {
                (lo[a], hi[a]) = (0.0, 1.0);
            }
            scale[a] = GRID as f32 / (hi[a] - lo[a]);
        }
        let axis = (0..3)
            .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
            .unwrap_or(0);
        let mut sorted: Vec<(f32, u16)> = pts
            .iter()
            .enumerate()
            .map(|(i, c)| (c[axis], i as u16))
            .collect();
        sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut pos = vec![0u16; pts.len()];
        for (p, &(_, i)) in sorted.iter().enumerate() {
            pos[usize::from(i)] = p as u16;
        }
        Nearest {
            pts,
            axis,
            lo,
            scale,
            sorted,
            pos,
            grid: Vec::new(),
        }
    }

    /// Index of the nearest colour and its squared distance. Ties go to the lower sorted
    /// position, deterministically.
    #[inline]
    pub(crate) fn find(&mut self, p: Point) -> (u16, f32) {
        if self.pts.is_empty() {
            return (0, 0.0);
        }
        let mut g = 0;
        let mut c = [0usize; 3];
        for a in 0..3 {
            let t = (p[a] - self.lo[a]) * self.scale[a];
            c[a] = t.clamp(0.0, GRID as f32 - 1.0) as usize;
            g = g * GRID + c[a];
        }
        if self.grid.is_empty() {
            self.grid = vec![u16::MAX; GRID * GRID * GRID];
        }
        let mut guess = self.grid[g];
        if guess == u16::MAX {
            let centre: Point =
                std::array::from_fn(|a| self.lo[a] + (c[a] as f32 + 0.5) / self.scale[a]);
            guess = brute(self.pts, centre).0;
            self.grid[g] = guess;
        }
        self.find_from(p, guess)
    }

    /// [`find`](Self::find) starting from a guess (any valid index).
    #[inline]
    pub(crate) fn find_from(&self, p: Point, guess: u16) -> (u16, f32) {
        let mut best = guess;
        let mut bd = dist2(p, self.pts[usize::from(guess)]);
        let start = usize::from(self.pos[usize::from(guess)]);
        let v = p[self.axis];
        for &(k, i) in &self.sorted[start + 1..] {
            let dk = k - v;
            if dk * dk >= bd {
                break;
            }
            let d = dist2(p, self.pts[usize::from(i)]);
            if d < bd {
                bd = d;
                best = i;
            }
        }
        for &(k, i) in self.sorted[..start].iter().rev() {
            let dk = k - v;
            if dk * dk >= bd {
                break;
            }
            let d = dist2(p, self.pts[usize::from(i)]);
            if d < bd {
                bd = d;
                best = i;
            }
        }
        (best, bd)
    }
}

/// Cells per axis of [`CellNearest`], and fine cells per coarse cell and axis.
const CELLS: usize = 32;
const SUB: usize = 4;
const COARSE: usize = CELLS / SUB;

/// Exact nearest palette colour for many lookups (remapping a frame).
///
/// The box of the working space that holds every sRGB colour is cut into 32^3 cells; the first
/// lookup in a cell lists the colours that can be nearest to some point of it (those whose
/// distance to the cell is at most the smallest farthest-corner distance of any colour),
/// usually a handful, sorted by that distance, and lookups walk the list until the distance
/// to the cell exceeds the best found. A cell's list is drawn from
/// the list of its 8^3-grid parent, itself drawn from the whole palette, so listing stays
/// cheap. Listing pays when many pixels share cells, as in a frame, not for histogram bins
/// ([`Nearest`]). Points outside the box (dithering can push them there) get a full scan.
pub(crate) struct CellNearest<'a> {
    pts: &'a [Point],
    lo: Point,
    scale: Point,
    cell: Point,
    /// Per fine cell, then per coarse cell: start in `cands` and count; `u32::MAX` before
    /// the first lookup.
    grid: Vec<(u32, u32)>,
    coarse: Vec<(u32, u32)>,
    /// Candidate lists: colour index and its squared distance to the cell, ascending.
    cands: Vec<(u16, f32)>,
    near: Vec<(u16, f32)>,
}

impl<'a> CellNearest<'a> {
    pub(crate) fn new(pts: &'a [Point], space: ColorSpace) -> Self {
        let (lo, hi) = space.bounds();
        let cell: Point = std::array::from_fn(|a| (hi[a] - lo[a]) / CELLS as f32);
        CellNearest {
            pts,
            lo,
            scale: cell.map(|c| 1.0 / c),
            cell,
            grid: vec![(u32::MAX, 0); CELLS * CELLS * CELLS],
            coarse: vec![(u32::MAX, 0); COARSE * COARSE * COARSE],
            cands: Vec::new(),
            near: Vec::with_capacity(pts.len()),
        }
    }

    /// Index of the nearest colour and its squared distance; ties go to the lower index.
    #[inline]
    pub(crate) fn find(&mut self, p: Point) -> (u16, f32) {
        let mut c = [0usize; 3];
        for a in 0..3 {
            let t = (p[a] - self.lo[a]) * self.scale[a];
            // Also false for NaN.
            if !(t >= 0.0 && t < CELLS as f32 + 1e-3) {
                return brute(self.pts, p);
            }
            c[a] = (t as usize).min(CELLS - 1);
        }
        let g = (c[0] * CELLS + c[1]) * CELLS + c[2];
        let (mut start, mut len) = self.grid[g];
        if start == u32::MAX {
            (start, len) = self.fill(c);
            self.grid[g] = (start, len);
        }
        let mut best = 0;
        let mut bd = f32::INFINITY;
        for &(i, to_cell) in &self.cands[start as usize..(start + len) as usize] {
            // No colour further down the list can be closer than its distance to the cell.
            if to_cell > bd {
                break;
            }
            let d = dist2(p, self.pts[usize::from(i)]);
            if d < bd || (d == bd && i < best) {
                bd = d;
                best = i;
            }
        }
        (best, bd)
    }

    /// Lists the candidates of fine cell `c` from those of its coarse parent.
    #[cold]
    fn fill(&mut self, c: [usize; 3]) -> (u32, u32) {
        let p = c.map(|v| v / SUB);
        let pg = (p[0] * COARSE + p[1]) * COARSE + p[2];
        if self.coarse[pg].0 == u32::MAX {
            let all: Vec<u16> = (0..self.pts.len() as u16).collect();
            self.coarse[pg] = self.list(&all, p.map(|v| v * SUB), SUB);
        }
        let (start, len) = self.coarse[pg];
        let parent: Vec<u16> = self.cands[start as usize..(start + len) as usize]
            .iter()
            .map(|&(i, _)| i)
            .collect();
        self.list(&parent, c, 1)
    }

    /// Appends the colours of `from` that can be nearest in the box of `size` fine cells at
    /// fine cell `c`.
    fn list(&mut self, from: &[u16], c: [usize; 3], size: usize) -> (u32, u32) {
        let lo: Point = std::array::from_fn(|a| self.lo[a] + c[a] as f32 * self.cell[a]);
        let hi: Point = std::array::from_fn(|a| lo[a] + size as f32 * self.cell[a]);
        self.near.clear();
        let mut far = f32::INFINITY;
        for &i in from {
            let q = self.pts[usize::from(i)];
            let (mut dn, mut df) = (0f32, 0f32);
            for a in 0..3 {
                let n = (lo[a] - q[a]).max(0.0) + (q[a] - hi[a]).max(0.0);
                let f = (q[a] - lo[a]).abs().max((q[a] - hi[a]).abs());
                dn += n * n;
                df += f * f;
            }
            self.near.push((i, dn));
            far = far.min(df);
        }
        let start = self.cands.len() as u32;
        // Slack against rounding in the sums; extra candidates cost time, never exactness.
        let limit = far * (1.0 + 1e-4) + 1e-9;
        for &(i, dn) in &self.near {
            if dn <= limit {
                self.cands.push((i, dn));
            }
        }
        self.cands[start as usize..]
            .sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        (start, self.cands.len() as u32 - start)
    }
}

/// Nearest by a full scan; ties go to the lower index.
fn brute(pts: &[Point], p: Point) -> (u16, f32) {
    let mut best = 0;
    let mut bd = f32::INFINITY;
    for (i, &c) in pts.iter().enumerate() {
        let d = dist2(p, c);
        if d < bd {
            bd = d;
            best = i as u16;
        }
    }
    (best, if pts.is_empty() { 0.0 } else { bd })
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
        for space in [ColorSpace::Srgb, ColorSpace::Oklab] {
            let t = Conv::new(space);
            let mut s = 7;
            let pal: Vec<Point> = (0..200)
                .map(|_| t.point([lcg(&mut s), lcg(&mut s), lcg(&mut s)]))
                .collect();
            let mut n = Nearest::new(&pal);
            for _ in 0..5000 {
                let p = t.point([lcg(&mut s), lcg(&mut s), lcg(&mut s)]);
                let (i, d) = n.find(p);
                let bd = pal
                    .iter()
                    .map(|&c| dist2(p, c))
                    .fold(f32::INFINITY, f32::min);
                assert_eq!(d, bd, "index {i}");
            }
        }
    }

    #[test]
    fn cell_nearest_is_exact() {
        for space in [ColorSpace::Srgb, ColorSpace::Oklab] {
            let t = Conv::new(space);
            let mut s = 11;
            for n in [1, 2, 17, 256] {
                let pal: Vec<Point> = (0..n)
                    .map(|_| t.point([lcg(&mut s), lcg(&mut s), lcg(&mut s)]))
                    .collect();
                let mut near = CellNearest::new(&pal, space);
                for k in 0..5000 {
                    let mut p = t.point([lcg(&mut s), lcg(&mut s), lcg(&mut s)]);
                    if k % 10 == 0 {
                        p[k % 3] += 0.3; // outside the box sometimes
                    }
                    let (_, d) = near.find(p);
                    let bd = pal
                        .iter()
                        .map(|&c| dist2(p, c))
                        .fold(f32::INFINITY, f32::min);
                    assert_eq!(d, bd, "{space:?} {n}");
                }
            }
        }
    }

    #[test]
    fn few_colours_are_kept_exactly() {
        let t = Conv::new(ColorSpace::Srgb);
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
        let t = Conv::new(ColorSpace::Srgb);
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
