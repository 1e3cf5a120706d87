//! The encoder: frame planning on the calling thread, remapping and LZW on workers.
//!
//! Planning is cheap and sequential (it owns everything that links frames: the canvas, the
//! palette chosen for temporal stability, merging and disposal); the expensive part of a frame
//! (nearest colours, dithering, LZW) depends on nothing else and runs on workers. Output is
//! written in order from a window of at most `2 * workers` frames in flight, so memory is
//! bounded and the bytes equal those of a single-threaded run.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use framecast_core::{FrameView, MAX_DIMENSION, Rational};
use gif::DisposalMethod;

use crate::Dither;
use crate::dither::{Job, MAY, MAY_EXACT, MUST, encode};
use crate::options::{GifOptions, PaletteMode, Repeat};
use crate::palette::{Histogram, Palette, build};
use crate::space::Conv;
use crate::{Error, Result};

/// Squared distance in the working space -> squared 8-bit steps (exact for sRGB, about right
/// for Oklab, whose L also spans 0..=1).
const STEPS2: f64 = 255.0 * 255.0;

/// The largest width or height: the GIF limit (16-bit fields of the Logical Screen Descriptor,
/// GIF89a section 18) and framecast's [`MAX_DIMENSION`], whichever is smaller.
pub const MAX_SIZE: u32 = if MAX_DIMENSION < 65535 {
    MAX_DIMENSION
} else {
    65535
};

type Reply = Sender<gif::Frame<'static>>;

struct Pool {
    jobs: Option<Sender<(Job, Reply)>>,
    handles: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Up to `n` workers; `None` when none could be spawned (wasm32 without threads).
    fn spawn(n: usize) -> Option<Pool> {
        let (tx, rx) = mpsc::channel::<(Job, Reply)>();
        let rx = Arc::new(Mutex::new(rx));
        let mut handles = Vec::new();
        for i in 0..n {
            let rx = Arc::clone(&rx);
            let spawned = thread::Builder::new()
                .name(format!("framecast-gif-{i}"))
                .spawn(move || {
                    loop {
                        let msg = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        let Ok((job, reply)) = msg else { return };
                        // The coordinator may be gone (an error dropped it): nothing to do.
                        let _ = reply.send(encode(&job));
                    }
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(_) => break,
            }
        }
        (!handles.is_empty()).then_some(Pool {
            jobs: Some(tx),
            handles,
        })
    }
}

/// A frame held back by one: merging needs the next frame, and so does its disposal.
struct Pending {
    rgba: Vec<u8>,
    /// Index of its first source frame and one past its last (identical frames merged).
    start: u64,
    end: u64,
}

/// An inclusive-exclusive rectangle accumulator.
#[derive(Clone, Copy)]
struct Rect {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Rect {
    const EMPTY: Rect = Rect {
        x0: usize::MAX,
        y0: usize::MAX,
        x1: 0,
        y1: 0,
    };
    fn add(&mut self, x: usize, y: usize) {
        self.x0 = self.x0.min(x);
        self.y0 = self.y0.min(y);
        self.x1 = self.x1.max(x + 1);
        self.y1 = self.y1.max(y + 1);
    }
    fn is_empty(&self) -> bool {
        self.x1 <= self.x0
    }
    fn union(self, o: Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
}

/// Planner class of a pixel whose source equals what was last drawn there (it may stay).
const SAME: u8 = 1;

/// Side of the blocks of [`promote_dense_blocks`].
const BLOCK: usize = 8;

/// In each 8x8 block where the pixels that must be drawn are at least as many as those that
/// drifted within the tolerance, the drifted ones are drawn too.
///
/// Content drifting slowly (fades, sliding gradients) crosses the tolerance at scattered
/// pixels; a speckled mix of drawn and transparent pixels codes worse than drawing the block
/// (measured on the gradient clip at quality 90: 866 KB before, 509 KB after; README).
/// Drawing the block also re-anchors it, so the next frames can leave it alone. Pixels that
/// did not change at all are left alone: redrawing them could change their colour (flicker).
fn promote_dense_blocks(draw: &mut [u8], w: usize, h: usize) {
    for by in (0..h).step_by(BLOCK) {
        for bx in (0..w).step_by(BLOCK) {
            let (mut must, mut may) = (0, 0);
            for y in by..(by + BLOCK).min(h) {
                for &d in &draw[y * w + bx..y * w + (bx + BLOCK).min(w)] {
                    must += usize::from(d == MUST);
                    may += usize::from(d == MAY);
                }
            }
            if may > 0 && must >= may {
                for y in by..(by + BLOCK).min(h) {
                    for d in &mut draw[y * w + bx..y * w + (bx + BLOCK).min(w)] {
                        if *d == MAY {
                            *d = MUST;
                        }
                    }
                }
            }
        }
    }
}

fn try_vec<T: Clone>(n: usize, v: T, width: u32, height: u32) -> Result<Vec<T>> {
    let mut out = Vec::new();
    out.try_reserve_exact(n).map_err(|_| Error::OutOfMemory {
        bytes: n.saturating_mul(size_of::<T>()),
        width,
        height,
    })?;
    out.resize(n, v);
    Ok(out)
}

/// Streaming animated GIF encoder: [`new`](Self::new), [`write_frame`](Self::write_frame) per
/// frame, then [`finish`](Self::finish), which writes the trailer and returns the writer.
///
/// Frames are held back by one (to merge identical frames and choose disposal), so the output
/// lags the input by one frame plus the frames in flight on workers.
pub struct GifEncoder<W: Write> {
    writer: Option<W>,
    gif: Option<gif::Encoder<W>>,
    width: u16,
    height: u16,
    fps: Rational,
    options: GifOptions,
    conv: Conv,
    pending: Option<Pending>,
    frames_in: u64,
    /// What the screen shows after the last planned frame and its disposal: RGB of the source
    /// pixel last drawn there, alpha 0 where transparent.
    canvas: Vec<[u8; 4]>,
    /// Per pixel, the id of the palette it was last drawn from.
    drawn_by: Vec<u32>,
    /// Per pixel, the planner's class (MUST, MAY, SAME or 0) of the frame being planned.
    draw: Vec<u8>,
    /// A frame buffer to reuse.
    spare: Vec<u8>,
    /// Ids of the palettes built so far.
    palettes_built: u32,
    hist: Histogram,
    palette: Option<Arc<Palette>>,
    global: Option<Arc<Palette>>,
    pool: Option<Pool>,
    inflight: VecDeque<Receiver<gif::Frame<'static>>>,
    window: usize,
}

impl<W: Write> GifEncoder<W> {
    /// An encoder of `width` x `height` frames (1..=[`MAX_SIZE`]) shown at `fps`.
    ///
    /// Nothing is written until the first frame is planned (the header carries the first
    /// frame's palette as the global colour table).
    pub fn new(
        writer: W,
        width: u32,
        height: u32,
        fps: Rational,
        options: GifOptions,
    ) -> Result<Self> {
        let options = options.validate()?;
        let space = options.get_space();
        if width == 0 || height == 0 || width > MAX_SIZE || height > MAX_SIZE {
            return Err(Error::InvalidSize {
                width,
                height,
                max: MAX_SIZE,
            });
        }
        let n = (width as usize) * (height as usize);
        let canvas = try_vec(n, [0u8; 4], width, height)?;
        let workers = match options.get_threads() {
            0 => thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let pool = if workers > 1 {
            Pool::spawn(workers)
        } else {
            None
        };
        let window = 2 * pool.as_ref().map_or(1, |p| p.handles.len());
        Ok(GifEncoder {
            writer: Some(writer),
            gif: None,
            width: width as u16,
            height: height as u16,
            fps,
            options,
            conv: Conv::new(space),
            pending: None,
            frames_in: 0,
            canvas,
            drawn_by: try_vec(n, 0u32, width, height)?,
            draw: try_vec(n, 0u8, width, height)?,
            spare: Vec::new(),
            palettes_built: 0,
            hist: Histogram::new(),
            palette: None,
            global: None,
            pool,
            inflight: VecDeque::new(),
            window,
        })
    }

    /// Encodes one frame. Alpha below 128 is transparent, 128 and above opaque (GIF has 1-bit
    /// transparency); formats without alpha are opaque.
    pub fn write_frame(&mut self, frame: &FrameView<'_>) -> Result<()> {
        if frame.width() != u32::from(self.width) || frame.height() != u32::from(self.height) {
            return Err(Error::FrameSizeMismatch {
                width: frame.width(),
                height: frame.height(),
                expected_width: u32::from(self.width),
                expected_height: u32::from(self.height),
            });
        }
        let rgba = self.normalize(frame)?;
        let index = self.frames_in;
        self.frames_in += 1;
        if let Some(p) = &mut self.pending
            && p.rgba == rgba
        {
            p.end = index + 1;
            self.spare = rgba;
            return Ok(());
        }
        if let Some(prev) = self.pending.take() {
            self.plan(&prev, Some(&rgba))?;
            self.spare = prev.rgba;
        }
        self.pending = Some(Pending {
            rgba,
            start: index,
            end: index + 1,
        });
        Ok(())
    }

    /// Encodes the held-back frame, waits for the workers, writes the trailer and returns the
    /// writer. At least one frame must have been written.
    pub fn finish(mut self) -> Result<W> {
        if let Some(last) = self.pending.take() {
            self.plan(&last, None)?;
        }
        while let Some(rx) = self.inflight.pop_front() {
            let frame = rx.recv().map_err(|_| Error::WorkerFailed)?;
            self.write_out(&frame)?;
        }
        if let Some(mut pool) = self.pool.take() {
            pool.jobs = None;
            for h in pool.handles {
                h.join().map_err(|_| Error::WorkerFailed)?;
            }
        }
        let gif = self.gif.take().ok_or(Error::NoFrames)?;
        Ok(gif.into_inner()?)
    }

    /// Packed input -> RGBA with alpha 0 (and black) or 255.
    fn normalize(&mut self, frame: &FrameView<'_>) -> Result<Vec<u8>> {
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        // The buffer of the last frame planned (or merged) is reused: fresh pages cost more
        // than the copy.
        let mut out = std::mem::take(&mut self.spare);
        if out.len() != 4 * w * h {
            out = try_vec(4 * w * h, 0u8, frame.width(), frame.height())?;
        }
        let fmt = frame.format();
        let bpp = fmt.bytes_per_pixel();
        let [r, g, b] = fmt.rgb_offsets();
        // The alpha byte is the one offset of 0..4 that is not a colour (4-byte formats only).
        let alpha = (bpp == 4).then(|| 6 - r - g - b);
        for y in 0..h {
            let row = frame.row(y as u32);
            let dst = &mut out[4 * w * y..4 * w * (y + 1)];
            for (s, d) in row.chunks_exact(bpp).zip(dst.chunks_exact_mut(4)) {
                let opaque = alpha.is_none_or(|a| s[a] >= 128);
                d.copy_from_slice(&if opaque {
                    [s[r], s[g], s[b], 255]
                } else {
                    [0; 4]
                });
            }
        }
        Ok(out)
    }

    /// Start of frame `i` in centiseconds, `floor(100 * i / fps)`: each delay is the difference
    /// of two exact starts, so delays never drift (30 fps gives 3, 3, 4, 3, 3, 4).
    fn start_cs(&self, i: u64) -> u128 {
        let num = u128::from(self.fps.num());
        let den = u128::from(self.fps.den());
        100 * u128::from(i) * den / num
    }

    /// Plans `p` over the canvas and hands it to a worker (or encodes it here).
    fn plan(&mut self, p: &Pending, next: Option<&[u8]>) -> Result<()> {
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        let tol = self.options.tolerance();
        let src = &p.rgba;
        // Pixels opaque now and transparent next: Keep could never clear them, so this frame
        // is disposed to background (GIF89a section 23, Graphic Control Extension, disposal
        // method 2), and its rectangle must cover them.
        let mut clear = Rect::EMPTY;
        if let Some(n) = next {
            for y in 0..h {
                for x in 0..w {
                    let i = 4 * (y * w + x);
                    if src[i + 3] != 0 && n[i + 3] == 0 {
                        clear.add(x, y);
                    }
                }
            }
        }
        // Pixels to draw: opaque and not already on screen within the tolerance (MUST); the
        // other opaque ones MAY be drawn. The canvas holds the source colour last drawn, so
        // slow drift is bounded by the tolerance.
        let mut draw = std::mem::take(&mut self.draw);
        if draw.len() != w * h {
            draw = try_vec(w * h, 0u8, u32::from(self.width), u32::from(self.height))?;
        }
        for ((d, s), c) in draw.iter_mut().zip(src.chunks_exact(4)).zip(&self.canvas) {
            let diff = s[0]
                .abs_diff(c[0])
                .max(s[1].abs_diff(c[1]))
                .max(s[2].abs_diff(c[2]));
            *d = match diff {
                _ if s[3] == 0 => 0,
                _ if c[3] == 0 => MUST,
                0 => SAME,
                d if d <= tol => MAY,
                _ => MUST,
            };
        }
        if tol > 0 {
            promote_dense_blocks(&mut draw, w, h);
        }
        let mut drawn = Rect::EMPTY;
        self.hist.clear();
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                if draw[i] == MUST {
                    drawn.add(x, y);
                    self.hist.add([src[4 * i], src[4 * i + 1], src[4 * i + 2]]);
                }
            }
        }
        let dispose = if clear.is_empty() {
            DisposalMethod::Keep
        } else {
            DisposalMethod::Background
        };
        let mut rect = drawn.union(clear);
        if rect.is_empty() {
            // Nothing changed within the tolerance: a 1x1 transparent frame carries the delay.
            rect = Rect {
                x0: 0,
                y0: 0,
                x1: 1,
                y1: 1,
            };
        }
        let (rw, rh) = (rect.x1 - rect.x0, rect.y1 - rect.y0);
        let undrawn = (rect.y0..rect.y1).any(|y| {
            draw[y * w + rect.x0..y * w + rect.x1]
                .iter()
                .any(|&d| d != MUST)
        });
        let palette = self.choose_palette(undrawn || next.is_some());
        // A pixel that may stay can be redrawn with the colour the palette that drew it gives
        // it, or with a colour equal to its source; never under error diffusion (whose pattern
        // depends on the neighbours). Either way a static pixel can only settle (from a lossy
        // substitute to its own colour, or to its exact colour), never flip back and forth:
        // the flicker temporal stability is about.
        let redraw_ok = self.options.get_dither() != Dither::Diffusion;
        let mut rgba = try_vec(4 * rw * rh, 0u8, rw as u32, rh as u32)?;
        for y in rect.y0..rect.y1 {
            for x in rect.x0..rect.x1 {
                let i = y * w + x;
                let o = 4 * ((y - rect.y0) * rw + (x - rect.x0));
                rgba[o..o + 3].copy_from_slice(&src[4 * i..4 * i + 3]);
                match draw[i] {
                    MUST => {
                        rgba[o + 3] = MUST;
                        self.canvas[i] = [src[4 * i], src[4 * i + 1], src[4 * i + 2], 255];
                        self.drawn_by[i] = palette.id;
                    }
                    // Left as it is; if the worker draws it, the screen stays within twice the
                    // tolerance of the source (both it and the canvas are within one).
                    MAY | SAME if redraw_ok && self.drawn_by[i] == palette.id => {
                        rgba[o + 3] = MAY;
                    }
                    MAY | SAME if redraw_ok => {
                        rgba[o + 3] = MAY_EXACT;
                        // Whether the worker draws it (with its exact colour) is unknown
                        // here: from now on only its exact colour may be drawn there, so it
                        // never flips back to an approximation.
                        self.drawn_by[i] = 0;
                    }
                    _ => {}
                }
                if dispose == DisposalMethod::Background {
                    self.canvas[i] = [0; 4];
                }
            }
        }
        self.draw = draw;
        let local_table = match &self.global {
            None => {
                self.global = Some(Arc::clone(&palette));
                false
            }
            Some(g) => !g.same_table(&palette),
        };
        let delay = (self.start_cs(p.end) - self.start_cs(p.start)).min(u128::from(u16::MAX));
        let job = Job {
            rgba,
            left: rect.x0 as u16,
            top: rect.y0 as u16,
            width: rw as u16,
            height: rh as u16,
            palette,
            local_table,
            dither: self.options.get_dither(),
            strength: self.options.get_strength(),
            conv: self.conv,
            lossy: self.options.lossy(),
            delay: delay as u16,
            dispose,
        };
        self.submit(job)
    }

    /// The palette for the pixels in the histogram: the global one, the current one or a new
    /// one, per [`PaletteMode`].
    fn choose_palette(&mut self, reserve: bool) -> Arc<Palette> {
        let bins = self.hist.collect(self.conv);
        let usable = |p: &Option<Arc<Palette>>| p.clone().filter(|p| p.reserve || !reserve);
        let global = usable(&self.global);
        let current = usable(&self.palette);
        let mode = self.options.get_palette();
        if let Some(p) = match mode {
            PaletteMode::Global => global.clone(),
            _ if bins.is_empty() => current.clone().or_else(|| global.clone()),
            _ => None,
        } {
            self.palette = Some(Arc::clone(&p));
            return p;
        }
        let k = usize::from(self.options.get_colors()) - usize::from(reserve);
        let mut new = build(
            &bins,
            k,
            reserve,
            self.options.iterations(),
            self.palette.as_deref(),
            self.conv,
        );
        if let Some(g) = &global
            && g.same_table(&new)
        {
            self.palette = Some(Arc::clone(g));
            return Arc::clone(g);
        }
        self.palettes_built = self.palettes_built.wrapping_add(1).max(1);
        new.id = self.palettes_built;
        let new = Arc::new(new);
        let mut best = Arc::clone(&new);
        if mode == PaletteMode::Auto {
            // Rate-distortion choice (Lagrangian cost D + lambda R): the error of the drawn
            // pixels (squared 8-bit steps) plus lambda times the bytes of the colour table the
            // choice writes; the global table costs nothing, any other one 3 bytes per entry
            // (GIF89a section 21).
            let weight: f64 = bins.iter().map(|b| f64::from(b.weight)).sum();
            let lambda = self.options.lambda();
            let cost = |p: &Palette| {
                let table = match &global {
                    Some(g) if g.same_table(p) => 0.0,
                    _ => p.table_bytes() as f64,
                };
                let err = if std::ptr::eq(p, new.as_ref()) {
                    p.base_error
                } else {
                    p.mean_error(&bins)
                };
                f64::from(err) * STEPS2 * weight + lambda * table
            };
            let mut best_cost = cost(&new);
            // The current palette, then the global one unless it is the same.
            let other = global
                .as_ref()
                .filter(|g| current.as_ref().is_none_or(|c| !Arc::ptr_eq(c, g)));
            for p in [current.as_ref(), other].into_iter().flatten() {
                let c = cost(p);
                if c <= best_cost {
                    best = Arc::clone(p);
                    best_cost = c;
                }
            }
        }
        self.palette = Some(Arc::clone(&best));
        best
    }

    fn submit(&mut self, job: Job) -> Result<()> {
        let Some(jobs) = self.pool.as_ref().and_then(|p| p.jobs.as_ref()) else {
            let frame = encode(&job);
            return self.write_out(&frame);
        };
        let (tx, rx) = mpsc::channel();
        jobs.send((job, tx)).map_err(|_| Error::WorkerFailed)?;
        self.inflight.push_back(rx);
        while self.inflight.len() >= self.window {
            let Some(rx) = self.inflight.pop_front() else {
                break;
            };
            let frame = rx.recv().map_err(|_| Error::WorkerFailed)?;
            self.write_out(&frame)?;
        }
        Ok(())
    }

    fn write_out(&mut self, frame: &gif::Frame<'_>) -> Result<()> {
        if self.gif.is_none() {
            let writer = self.writer.take().ok_or(Error::WorkerFailed)?;
            let table = self.global.as_ref().map(|g| g.table()).unwrap_or_default();
            // The background colour index of the Logical Screen Descriptor (section 18) is 0,
            // the transparent index, so "restore to background" shows transparency.
            let mut enc = gif::Encoder::new(writer, self.width, self.height, &table)?;
            enc.set_repeat(match self.options.get_repeat() {
                Repeat::Infinite => gif::Repeat::Infinite,
                Repeat::Finite(n) => gif::Repeat::Finite(n),
            })?;
            self.gif = Some(enc);
        }
        match &mut self.gif {
            Some(enc) => Ok(enc.write_lzw_pre_encoded_frame(frame)?),
            None => Err(Error::WorkerFailed),
        }
    }
}
