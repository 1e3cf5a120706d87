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

use std::collections::VecDeque;
use std::thread::JoinHandle;

use framecast_core::{
    CodecConfig, ColorSpec, Packet, Rational, Subsampling, VideoEncoder, YuvImage,
};
use rav1e::data::EncoderStatus;

use crate::encoder::{PacketMaker, Setup, check_frame, fill_frame, setup};
use crate::{Av1Options, Error, Result};

/// Encodes one closed-GOP chunk with a fresh rav1e context: `frames` with their `pts`, in
/// order. The first packet is a key frame with the sequence header; the packets are
/// MP4-ready like [`Av1Encoder`](crate::Av1Encoder)'s.
fn run_chunk(setup: &Setup, frames: &[YuvImage], pts: &[i64]) -> Result<Vec<Packet>> {
    let mut ctx = setup
        .config
        .new_context::<u8>()
        .map_err(|e| Error::Config {
            message: e.to_string(),
        })?;
    let mut maker = PacketMaker::new(setup.sequence_header.clone());
    let mut out = Vec::with_capacity(frames.len());
    let mut scratch = Vec::new();
    let drain = |ctx: &mut rav1e::Context<u8>, maker: &mut PacketMaker, out: &mut Vec<Packet>| {
        loop {
            match ctx.receive_packet() {
                Ok(p) => out.push(maker.make(&p)?),
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
    };
    for (frame, &t) in frames.iter().zip(pts) {
        let mut f = ctx.new_frame();
        fill_frame(&mut f, frame, setup.coded, &mut scratch);
        ctx.send_frame(f).map_err(|e| Error::Rav1e {
            call: "send_frame",
            message: e.to_string(),
        })?;
        maker.sent(t);
        drain(&mut ctx, &mut maker, &mut out)?;
    }
    ctx.flush();
    drain(&mut ctx, &mut maker, &mut out)?;
    if out.len() != frames.len() || out.first().is_some_and(|p| !p.keyframe) {
        return Err(Error::UnexpectedOutput {
            reason: "a chunk that does not start with a key frame or lost frames",
        });
    }
    Ok(out)
}

/// Encodes one chunk on its own, for encoding chunks on separate machines: the same
/// `width`, `height`, `fps`, `color` and `options` on every machine give the same sequence
/// header (and av1C record, from [`Av1Encoder::codec_config`](crate::Av1Encoder) or [`ChunkedEncoder`]), so the
/// chunks' packets concatenated in chunk order form one valid stream. `pts` gives each
/// frame's timestamp; they must increase.
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
    run_chunk(&s, frames, pts)
}

type Job = JoinHandle<Result<Vec<Packet>>>;

/// A GOP-parallel AV1 encoder with the same interface and output format as [`Av1Encoder`](crate::Av1Encoder).
///
/// Memory is bounded: at most `workers` chunks are being encoded while one more is being
/// filled, so at most `(workers + 1) x chunk_frames` input pictures are held, plus the
/// packets of finished chunks not yet received.
pub struct ChunkedEncoder {
    setup: Setup,
    input: (u32, u32),
    chroma: Subsampling,
    fps: Rational,
    color: ColorSpec,
    workers: usize,
    chunk_frames: usize,
    filling: Vec<YuvImage>,
    filling_pts: Vec<i64>,
    jobs: VecDeque<(usize, Job)>,
    chunks_started: usize,
    queue: VecDeque<Packet>,
    last_pts: Option<i64>,
    flushed: bool,
}

impl std::fmt::Debug for ChunkedEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkedEncoder")
            .field("input", &self.input)
            .field("workers", &self.workers)
            .field("chunk_frames", &self.chunk_frames)
            .finish_non_exhaustive()
    }
}

impl ChunkedEncoder {
    /// The largest chunk accepted, in frames.
    pub const MAX_CHUNK_FRAMES: u32 = 100_000;
    /// The most workers accepted.
    pub const MAX_WORKERS: usize = 256;

    /// A GOP-parallel encoder: chunks of `chunk_frames` frames (each starting with a key
    /// frame; [`Av1Options::keyint`] still bounds the key frame interval inside a chunk),
    /// `workers` chunks at a time (0 = the available cores). Each chunk's rav1e context gets
    /// [`Av1Options::threads`] divided among the workers, at least 1.
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
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let workers = if workers == 0 { cores } else { workers };
        let threads = (options.threads_or_auto() / workers).max(1);
        let per_chunk = options.clone().with_threads(threads);
        let setup = setup(width, height, fps, color, &per_chunk)?;
        Ok(ChunkedEncoder {
            setup,
            input: (width, height),
            chroma: options.chroma,
            fps,
            color,
            workers,
            chunk_frames: chunk_frames as usize,
            filling: Vec::new(),
            filling_pts: Vec::new(),
            jobs: VecDeque::new(),
            chunks_started: 0,
            queue: VecDeque::new(),
            last_pts: None,
            flushed: false,
        })
    }

    /// Chunks encoded at the same time.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Frames per chunk.
    pub fn chunk_frames(&self) -> usize {
        self.chunk_frames
    }

    /// Waits for the oldest chunk and appends its packets.
    fn finish_oldest(&mut self) -> Result<()> {
        let Some((index, job)) = self.jobs.pop_front() else {
            return Ok(());
        };
        let packets = job
            .join()
            .map_err(|_| Error::Worker {
                reason: format!("the worker of chunk {index} panicked"),
            })?
            .map_err(|e| match e {
                Error::SequenceHeaderChanged { .. } => {
                    Error::ChunkSequenceHeaderMismatch { chunk: index }
                }
                other => other,
            })?;
        self.queue.extend(packets);
        Ok(())
    }

    /// Hands the filled chunk to a worker, first waiting for a free one.
    fn dispatch(&mut self) -> Result<()> {
        if self.filling.is_empty() {
            return Ok(());
        }
        while self.jobs.len() >= self.workers {
            self.finish_oldest()?;
        }
        let frames = std::mem::take(&mut self.filling);
        let pts = std::mem::take(&mut self.filling_pts);
        let setup = self.setup.clone();
        let index = self.chunks_started;
        let job = std::thread::Builder::new()
            .name(format!("framecast-av1-chunk-{index}"))
            .spawn(move || run_chunk(&setup, &frames, &pts))
            .map_err(|e| Error::Worker {
                reason: format!("cannot start a worker thread: {e}"),
            })?;
        self.jobs.push_back((index, job));
        self.chunks_started += 1;
        Ok(())
    }
}

impl VideoEncoder for ChunkedEncoder {
    type Error = Error;

    fn send_frame(&mut self, frame: &YuvImage, pts: i64) -> Result<()> {
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
        self.last_pts = Some(pts);
        self.filling.push(frame.clone());
        self.filling_pts.push(pts);
        if self.filling.len() >= self.chunk_frames {
            self.dispatch()?;
        }
        // Collect chunks that are already done without waiting for the others.
        while self.jobs.front().is_some_and(|(_, j)| j.is_finished()) {
            self.finish_oldest()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.flushed = true;
        self.dispatch()?;
        while !self.jobs.is_empty() {
            self.finish_oldest()?;
        }
        Ok(())
    }

    fn receive_packet(&mut self) -> Result<Option<Packet>> {
        Ok(self.queue.pop_front())
    }

    fn codec_config(&self) -> Result<CodecConfig> {
        Ok(CodecConfig::new(
            framecast_core::Codec::Av1,
            self.setup.coded.0,
            self.setup.coded.1,
            self.fps.recip(),
            self.color,
            self.setup.av1c.clone(),
        ))
    }
}
