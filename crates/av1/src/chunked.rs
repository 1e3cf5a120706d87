//! GOP-parallel encoding: the frame sequence is cut into closed-GOP chunks of
//! [`ChunkedEncoder::chunk_frames`] frames, each chunk is encoded by its own rav1e context on
//! a worker thread (one shared configuration, so every chunk has the same sequence header),
//! and the chunks' packets are stitched in order into one stream.
//!
//! rav1e scales weakly with threads inside one picture (tiles and a few parallel stages);
//! independent chunks scale with the cores. A chunk starts with a key frame and refers to no
//! frame outside itself, so the stitched stream is an ordinary AV1 stream with a key frame at
//! each chunk start: every frame present, timestamps continuous, one sequence header that the
//! av1C record carries. The same contract lets chunks be encoded on separate machines with
//! [`encode_chunk`]: a chunk's packets plus its index are all a stitcher needs.
//!
//! # Threads, memory and short clips
//!
//! - Frames stream to the worker of their chunk as they arrive and are dropped once rav1e has
//!   copied them, so a worker starts at its chunk's first frame. Frames waiting in the
//!   workers' queues are limited to [`ChunkedEncoder::queue_limit`] (default
//!   `workers x chunk_frames / 2`); `send_frame` blocks while the queues are full. Why half:
//!   a chunk arrives `workers` times faster than its worker codes it, so its worker is left
//!   with `(1 - 1/workers)` of the chunk when the next chunk starts, and the backlogs of the
//!   staggered workers add up to about `chunk_frames x (workers - 1) / 2` frames.
//! - Chunk 0 gets all [`Av1Options::threads`] (and the tiles they imply); later chunks share
//!   them, `threads / workers` each. A clip no longer than one chunk is then encoded exactly
//!   as [`Av1Encoder`](crate::Av1Encoder) would (every core busy, no extra key frame), and a
//!   long one keeps every core busy with contexts. Tiles are not in the sequence header, so
//!   chunks with different tile grids stitch into one valid stream.
//! - [`ChunkedEncoder::auto_workers`] (what `workers = 0` uses) takes one worker per thread,
//!   as many as [`ChunkedEncoder::AUTO_MEMORY_BUDGET`] allows by the memory model of
//!   [`ChunkedEncoder::worker_bytes`].

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use framecast_core::{
    CodecConfig, ColorSpec, Packet, Rational, Subsampling, VideoEncoder, YuvImage,
};
use rav1e::data::EncoderStatus;

use crate::encoder::{PacketMaker, Setup, check_frame, fill_frame, setup};
use crate::{Av1Options, Error, Result};

/// One closed-GOP chunk being encoded by a fresh rav1e context, frame by frame. The first
/// packet is a key frame with the sequence header; the packets are MP4-ready like
/// [`Av1Encoder`](crate::Av1Encoder)'s.
struct ChunkRun<'a> {
    setup: &'a Setup,
    ctx: rav1e::Context<u8>,
    maker: PacketMaker,
    out: Vec<Packet>,
    scratch: Vec<u8>,
    sent: usize,
}

impl<'a> ChunkRun<'a> {
    fn new(setup: &'a Setup) -> Result<Self> {
        let ctx = setup
            .config
            .new_context::<u8>()
            .map_err(|e| Error::Config {
                message: e.to_string(),
            })?;
        Ok(ChunkRun {
            setup,
            ctx,
            maker: PacketMaker::new(setup.sequence_header.clone()),
            out: Vec::new(),
            scratch: Vec::new(),
            sent: 0,
        })
    }

    fn drain(&mut self) -> Result<()> {
        loop {
            match self.ctx.receive_packet() {
                Ok(p) => self.out.push(self.maker.make(&p)?),
                Err(EncoderStatus::Encoded) => {}
                Err(EncoderStatus::NeedMoreData | EncoderStatus::LimitReached) => return Ok(()),
                Err(e) => {
                    return Err(Error::Rav1e {
                        call: "receive_packet",
                        message: e.to_string(),
                    });
                }
            }
        }
    }

    fn push(&mut self, frame: &YuvImage, pts: i64) -> Result<()> {
        let mut f = self.ctx.new_frame();
        fill_frame(&mut f, frame, self.setup.coded, &mut self.scratch);
        self.ctx.send_frame(f).map_err(|e| Error::Rav1e {
            call: "send_frame",
            message: e.to_string(),
        })?;
        self.maker.sent(pts);
        self.sent += 1;
        self.drain()
    }

    fn finish(mut self) -> Result<Vec<Packet>> {
        self.ctx.flush();
        self.drain()?;
        if self.out.len() != self.sent || self.out.first().is_some_and(|p| !p.keyframe) {
            return Err(Error::UnexpectedOutput {
                reason: "a chunk that does not start with a key frame or lost frames",
            });
        }
        Ok(self.out)
    }
}

/// Encodes one chunk on its own, for encoding chunks on separate machines: the same
/// `width`, `height`, `fps`, `color` and `options` on every machine give the same sequence
/// header (and av1C record, from [`Av1Encoder::codec_config`](crate::Av1Encoder) or [`ChunkedEncoder`]), so the
/// chunks' packets concatenated in chunk order form one valid stream. `pts` gives each
/// frame's timestamp; they must increase. [`Av1Options::threads`] may differ between chunks
/// (it only changes the tiles, which the sequence header does not carry);
/// [`ChunkedEncoder::chunk_options`] gives what the local encoder uses for each chunk.
pub fn encode_chunk(
    width: u32,
    height: u32,
    fps: Rational,
    color: ColorSpec,
    options: &Av1Options,
    frames: &[YuvImage],
    pts: &[i64],
) -> Result<Vec<Packet>> {
    let s = setup(width, height, fps, color, options)?;
    if frames.len() != pts.len() {
        return Err(Error::InvalidOption {
            option: "pts count",
            value: pts.len() as u64,
            min: frames.len() as u64,
            max: frames.len() as u64,
        });
    }
    let mut last = None;
    for (f, &t) in frames.iter().zip(pts) {
        check_frame(f, (width, height), options.chroma)?;
        if let Some(previous) = last
            && t <= previous
        {
            return Err(Error::NonIncreasingPts {
                previous,
                received: t,
            });
        }
        last = Some(t);
    }
    let mut run = ChunkRun::new(&s)?;
    for (f, &t) in frames.iter().zip(pts) {
        run.push(f, t)?;
    }
    run.finish()
}

/// The count of frames sent to workers and not yet taken by them, shared by the producer
/// (which waits while it is at the limit) and the workers (which lower it).
#[derive(Debug, Default)]
struct Queued {
    frames: Mutex<usize>,
    taken: Condvar,
}

impl Queued {
    fn lock(&self) -> MutexGuard<'_, usize> {
        // The counter is consistent whenever the lock is released; a panicking worker
        // (reported through its join handle) cannot leave it half-updated.
        self.frames.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_one(&self) {
        let mut n = self.lock();
        *n = n.saturating_sub(1);
        self.taken.notify_one();
    }
}

/// A worker: encodes the frames of one chunk as they arrive, until the producer closes the
/// chunk (drops its sender). After a failure it keeps taking frames, so the queue count comes
/// back and the producer never waits on frames nobody will take.
fn work(setup: &Setup, frames: &Receiver<(YuvImage, i64)>, queued: &Queued) -> Result<Vec<Packet>> {
    let mut run = ChunkRun::new(setup);
    for (frame, pts) in frames {
        // Tests make a worker die here, holding a frame the queue count never gets back.
        #[cfg(test)]
        tests::take_frame();
        queued.take_one();
        let failed = match &mut run {
            Ok(r) => r.push(&frame, pts).err(),
            Err(_) => None,
        };
        if let Some(e) = failed {
            run = Err(e);
        }
    }
    run?.finish()
}

/// The message a panic was raised with (`panic!` with a literal or with format arguments),
/// or a placeholder for other payloads.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// A started chunk: its worker, or the packets it made.
enum Chunk {
    Running(JoinHandle<Result<Vec<Packet>>>),
    Done(Vec<Packet>),
}

/// Waits for a running chunk's worker and keeps its packets; a done chunk stays as it is.
fn join(index: usize, chunk: &mut Chunk) -> Result<()> {
    if matches!(chunk, Chunk::Done(_)) {
        return Ok(());
    }
    if let Chunk::Running(job) = std::mem::replace(chunk, Chunk::Done(Vec::new())) {
        let packets = job
            .join()
            .map_err(|panic| Error::Worker {
                reason: format!(
                    "the worker of chunk {index} panicked: {}",
                    panic_message(panic.as_ref())
                ),
            })?
            .map_err(|e| match e {
                Error::SequenceHeaderChanged { .. } => {
                    Error::ChunkSequenceHeaderMismatch { chunk: index }
                }
                other => other,
            })?;
        *chunk = Chunk::Done(packets);
    }
    Ok(())
}

/// A GOP-parallel AV1 encoder with the same interface and output format as [`Av1Encoder`](crate::Av1Encoder).
///
/// Memory is bounded: `workers` rav1e contexts, at most [`queue_limit`](Self::queue_limit)
/// frames waiting for them (plus one in each worker's hands), and the packets of finished
/// chunks not yet received. [`worker_bytes`](Self::worker_bytes) estimates the peak per
/// worker.
pub struct ChunkedEncoder {
    /// Chunk 0's configuration: all the threads.
    first: Setup,
    /// Later chunks' configuration: the threads shared among the workers.
    rest: Setup,
    options: Av1Options,
    input: (u32, u32),
    chroma: Subsampling,
    fps: Rational,
    color: ColorSpec,
    workers: usize,
    chunk_frames: usize,
    queue_limit: usize,
    queued: Arc<Queued>,
    /// The sender of the chunk being filled and how many frames it got.
    current: Option<(Sender<(YuvImage, i64)>, usize)>,
    /// Started chunks not yet handed out, oldest first, with their index.
    chunks: VecDeque<(usize, Chunk)>,
    chunks_started: usize,
    queue: VecDeque<Packet>,
    last_pts: Option<i64>,
    flushed: bool,
    /// A worker's failure: every later call returns it, so that a caller going on after an
    /// error cannot get a stream with a chunk missing.
    failed: Option<Error>,
    /// Tests only: the worker of chunk `.0` panics when it takes the chunk's frame `.1`.
    #[cfg(test)]
    fault: Option<(usize, usize)>,
}

impl std::fmt::Debug for ChunkedEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkedEncoder")
            .field("input", &self.input)
            .field("workers", &self.workers)
            .field("chunk_frames", &self.chunk_frames)
            .field("queue_limit", &self.queue_limit)
            .finish_non_exhaustive()
    }
}

impl ChunkedEncoder {
    /// The largest chunk accepted, in frames.
    pub const MAX_CHUNK_FRAMES: u32 = 100_000;
    /// The most workers accepted.
    pub const MAX_WORKERS: usize = 256;
    /// The memory [`auto_workers`](Self::auto_workers) lets the workers use together, by the
    /// estimate of [`worker_bytes`](Self::worker_bytes): 2 GiB, what a laptop or a small CI
    /// runner can spare. At the default chunk of 240 frames it allows 5 workers at 1280x720,
    /// 2 at 1920x1080 and 1 at 3840x2160.
    pub const AUTO_MEMORY_BUDGET: u64 = 2 << 30;
    /// A rav1e 0.8 context's peak memory, in pictures of the coded size: measured about
    /// 208 MB at 1280x720 4:2:0 (150 pictures of 1.38 MB) at speeds 8 and 10 with framecast's
    /// lookahead (see the crate README); rounded up.
    pub const CONTEXT_PICTURES: u64 = 160;

    /// A GOP-parallel encoder: chunks of `chunk_frames` frames (each starting with a key
    /// frame; [`Av1Options::keyint`] still bounds the key frame interval inside a chunk; use
    /// the keyframe interval, so the chunks add no key frames), `workers` chunks at a time
    /// (0 = [`auto_workers`](Self::auto_workers)). Chunk 0's rav1e context gets all of
    /// [`Av1Options::threads`]; later chunks get `threads / workers` each, at least 1.
    pub fn new(
        width: u32,
        height: u32,
        fps: Rational,
        color: ColorSpec,
        options: &Av1Options,
        workers: usize,
        chunk_frames: u32,
    ) -> Result<Self> {
        let range = |option, value: u64, min: u64, max: u64| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(Error::InvalidOption {
                    option,
                    value,
                    min,
                    max,
                })
            }
        };
        range("workers", workers as u64, 0, Self::MAX_WORKERS as u64)?;
        range(
            "chunk frames",
            u64::from(chunk_frames),
            1,
            u64::from(Self::MAX_CHUNK_FRAMES),
        )?;
        options.validate()?;
        let workers = if workers == 0 {
            Self::auto_workers(width, height, options, chunk_frames)
        } else {
            workers
        };
        let threads = options.threads_or_auto();
        let all = options.clone().with_threads(threads);
        let shared = options.clone().with_threads((threads / workers).max(1));
        let first = setup(width, height, fps, color, &all)?;
        let rest = setup(width, height, fps, color, &shared)?;
        if rest.sequence_header != first.sequence_header {
            return Err(Error::ChunkSequenceHeaderMismatch { chunk: 1 });
        }
        let chunk_frames = chunk_frames as usize;
        Ok(ChunkedEncoder {
            first,
            rest,
            options: options.clone(),
            input: (width, height),
            chroma: options.chroma,
            fps,
            color,
            workers,
            chunk_frames,
            queue_limit: (workers * chunk_frames / 2).max(1),
            queued: Arc::default(),
            current: None,
            chunks: VecDeque::new(),
            chunks_started: 0,
            queue: VecDeque::new(),
            last_pts: None,
            flushed: false,
            failed: None,
            #[cfg(test)]
            fault: None,
        })
    }

    /// Sets the most frames waiting in the workers' queues (at least 1; default
    /// `workers x chunk_frames / 2`, see the [module docs](self)). Less memory, less
    /// parallelism: with fewer frames queued, later chunks start later.
    #[must_use]
    pub fn with_queue_limit(mut self, frames: usize) -> Self {
        self.queue_limit = frames.max(1);
        self
    }

    /// The workers for `workers = 0`: one per thread of `options` (0 threads = the cores),
    /// as many as fit [`AUTO_MEMORY_BUDGET`](Self::AUTO_MEMORY_BUDGET) by
    /// [`worker_bytes`](Self::worker_bytes), at least 1.
    ///
    /// ```
    /// use framecast_av1::{Av1Options, ChunkedEncoder};
    /// let four = Av1Options::default().with_threads(4);
    /// assert_eq!(ChunkedEncoder::auto_workers(1280, 720, &four, 240), 4);
    /// assert_eq!(ChunkedEncoder::auto_workers(1920, 1080, &four, 240), 2);
    /// assert_eq!(ChunkedEncoder::auto_workers(3840, 2160, &four, 240), 1);
    /// ```
    pub fn auto_workers(width: u32, height: u32, options: &Av1Options, chunk_frames: u32) -> usize {
        let per_worker = Self::worker_bytes(width, height, options.chroma, chunk_frames);
        let by_memory = Self::AUTO_MEMORY_BUDGET / per_worker.max(1);
        let by_memory = usize::try_from(by_memory).unwrap_or(usize::MAX);
        options
            .threads_or_auto()
            .min(by_memory)
            .clamp(1, Self::MAX_WORKERS)
    }

    /// The estimated peak memory of one worker, in bytes: its rav1e context
    /// ([`CONTEXT_PICTURES`](Self::CONTEXT_PICTURES) pictures), its share of the default
    /// queue (half a chunk) and the picture in its hands. Pictures are of the coded size
    /// (sides under 16 padded) in the given chroma subsampling.
    pub fn worker_bytes(width: u32, height: u32, chroma: Subsampling, chunk_frames: u32) -> u64 {
        let (w, h) = (u64::from(width.max(16)), u64::from(height.max(16)));
        let (cw, ch) = if chroma == Subsampling::Yuv444 {
            (w, h)
        } else {
            (w.div_ceil(2), h.div_ceil(2))
        };
        let picture = w * h + 2 * cw * ch;
        picture * (Self::CONTEXT_PICTURES + u64::from(chunk_frames) / 2 + 1)
    }

    /// Chunks encoded at the same time.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Frames per chunk.
    pub fn chunk_frames(&self) -> usize {
        self.chunk_frames
    }

    /// The most frames waiting in the workers' queues.
    pub fn queue_limit(&self) -> usize {
        self.queue_limit
    }

    /// The `seq_level_idx` of the stream (see [`Av1Encoder::level`](crate::Av1Encoder::level)).
    pub fn level(&self) -> u8 {
        self.first.level
    }

    /// The options chunk `index` is encoded with: the encoder's options with chunk 0's
    /// threads (all of them) or the later chunks' share. [`encode_chunk`] with these options
    /// reproduces the chunk byte for byte.
    pub fn chunk_options(&self, index: usize) -> Av1Options {
        let threads = if index == 0 {
            self.options.threads_or_auto()
        } else {
            (self.options.threads_or_auto() / self.workers).max(1)
        };
        self.options.clone().with_threads(threads)
    }

    /// Joins the chunks whose workers are done (all of them with `wait`, else only those
    /// already finished) and hands out, in order, the packets of the leading done chunks.
    fn collect(&mut self, wait: bool) -> Result<()> {
        for (index, chunk) in &mut self.chunks {
            if wait || matches!(chunk, Chunk::Running(job) if job.is_finished()) {
                join(*index, chunk)?;
            }
        }
        while let Some((_, Chunk::Done(_))) = self.chunks.front() {
            if let Some((_, Chunk::Done(packets))) = self.chunks.pop_front() {
                self.queue.extend(packets);
            }
        }
        Ok(())
    }

    fn running(&self) -> usize {
        self.chunks
            .iter()
            .filter(|(_, c)| matches!(c, Chunk::Running(_)))
            .count()
    }

    /// Closes the chunk being filled and starts the next one on a new worker, first waiting
    /// for a free one.
    fn start_chunk(&mut self) -> Result<()> {
        self.current = None;
        while self.running() >= self.workers {
            // Wait for the oldest running chunk: it has all its frames, so it finishes.
            let oldest = self
                .chunks
                .iter_mut()
                .find(|(_, c)| matches!(c, Chunk::Running(_)));
            if let Some((index, chunk)) = oldest {
                join(*index, chunk)?;
            }
        }
        self.collect(false)?;
        let index = self.chunks_started;
        let setup = if index == 0 {
            self.first.clone()
        } else {
            self.rest.clone()
        };
        let (tx, rx) = mpsc::channel();
        let queued = Arc::clone(&self.queued);
        #[cfg(test)]
        let fault = self.fault.filter(|f| f.0 == index).map(|f| f.1);
        let job = std::thread::Builder::new()
            .name(format!("framecast-av1-chunk-{index}"))
            .spawn(move || {
                #[cfg(test)]
                tests::arm(fault);
                work(&setup, &rx, &queued)
            })
            .map_err(|e| Error::Worker {
                reason: format!("cannot start a worker thread: {e}"),
            })?;
        self.chunks.push_back((index, Chunk::Running(job)));
        self.chunks_started += 1;
        self.current = Some((tx, 0));
        Ok(())
    }

    /// Waits until the queues have room for one more frame and counts it in.
    fn reserve(&mut self) -> Result<()> {
        loop {
            {
                let mut n = self.queued.lock();
                while *n >= self.queue_limit {
                    let (guard, timeout) = self
                        .queued
                        .taken
                        .wait_timeout(n, Duration::from_millis(100))
                        .unwrap_or_else(PoisonError::into_inner);
                    n = guard;
                    if timeout.timed_out() {
                        break;
                    }
                }
                if *n < self.queue_limit {
                    *n += 1;
                    return Ok(());
                }
            }
            // Nothing taken for a while: a worker that died (panicked) took its queue with
            // it, and joining it reports why.
            self.collect(false)?;
        }
    }
}

impl ChunkedEncoder {
    /// Runs `f`; a failure is kept and returned by every later call.
    fn sticky<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        f(self).inspect_err(|e| self.failed = Some(e.clone()))
    }

    /// Hands a checked frame to the worker of its chunk, starting the chunk if needed.
    fn dispatch(&mut self, frame: &YuvImage, pts: i64) -> Result<()> {
        if self
            .current
            .as_ref()
            .is_none_or(|(_, n)| *n >= self.chunk_frames)
        {
            self.start_chunk()?;
        }
        self.reserve()?;
        let sent = match &mut self.current {
            Some((tx, n)) => {
                *n += 1;
                tx.send((frame.clone(), pts)).is_ok()
            }
            None => false,
        };
        if !sent {
            // The worker is gone (it panicked): take the frame back out and report why.
            self.queued.take_one();
            self.current = None;
            self.collect(true)?;
            return Err(Error::Worker {
                reason: "a worker stopped taking frames".into(),
            });
        }
        // Hand out chunks that are already done without waiting for the others.
        self.collect(false)
    }
}

impl VideoEncoder for ChunkedEncoder {
    type Error = Error;

    fn send_frame(&mut self, frame: &YuvImage, pts: i64) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.flushed {
            return Err(Error::SendAfterFlush { pts });
        }
        check_frame(frame, self.input, self.chroma)?;
        if let Some(previous) = self.last_pts
            && pts <= previous
        {
            return Err(Error::NonIncreasingPts {
                previous,
                received: pts,
            });
        }
        let sent = self.sticky(|enc| enc.dispatch(frame, pts));
        if sent.is_ok() {
            self.last_pts = Some(pts);
        }
        sent
    }

    fn flush(&mut self) -> Result<()> {
        self.flushed = true;
        self.current = None;
        self.sticky(|enc| enc.collect(true))
    }

    fn receive_packet(&mut self) -> Result<Option<Packet>> {
        Ok(self.queue.pop_front())
    }

    fn codec_config(&self) -> Result<CodecConfig> {
        Ok(CodecConfig::new(
            framecast_core::Codec::Av1,
            self.first.coded.0,
            self.first.coded.1,
            self.fps.recip(),
            self.color,
            self.first.av1c.clone(),
        ))
    }
}

#[cfg(test)]
mod tests;
