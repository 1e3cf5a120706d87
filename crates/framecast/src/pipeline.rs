//! Encoding a [`FrameSource`] through a [`VideoWriter`], with the stages on threads.
//!
//! ```text
//!  reader thread        convert thread          encode thread        calling thread
//!  source.read_frame -> RGB->YUV (or copy) ->   encoder          ->  muxer -> sink
//!        ^  buffers back  |      ^ pictures back   |   packets          progress
//!        +----------------+      +-----------------+
//! ```
//!
//! Queues between stages are bounded ([`PipelineOptions::queue`] items), and frame buffers and
//! pictures travel back to the stage that fills them, so memory does not grow with the length
//! of the input. Every stage is the same code the single-threaded [`VideoWriter`] runs, in the
//! same order, so the output is byte-identical to it (a test holds this).
//!
//! An input that fails mid-way (truncated, a size change, an undecodable image) does not lose
//! the frames before it: they are encoded, the file is finished, and the failure is returned in
//! [`Outcome::source_error`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use framecast_core::FrameView;

use crate::encode::{ConvertStage, EncodeStage, Encoded, Picture};
use crate::source::{FrameLayout, FrameSource, SourceError, SourceInfo};
use crate::writer::Parts;
use crate::{Error, Result, VideoWriter};

/// How the pipeline runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PipelineOptions {
    /// Run reading, conversion and encoding on their own threads (default). Off, every stage
    /// runs on the calling thread, one frame at a time.
    pub threaded: bool,
    /// Items each queue between stages holds (default 2; at least 1).
    pub queue: usize,
    /// When set to `true` (by a Ctrl-C handler, say), reading stops and the frames read so far
    /// are encoded and the file finished.
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            threaded: true,
            queue: 2,
            stop: None,
        }
    }
}

impl PipelineOptions {
    /// Sets [`threaded`](Self::threaded).
    pub fn with_threaded(mut self, threaded: bool) -> Self {
        self.threaded = threaded;
        self
    }

    /// Sets [`stop`](Self::stop).
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = Some(stop);
        self
    }
}

/// Where the pipeline is, reported after every packet is muxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Frames encoded and written.
    pub frames: u64,
    /// Video bytes written.
    pub bytes: u64,
}

/// The result of a pipeline run whose output was finished.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome<W> {
    /// The sink, with a complete file in it.
    pub sink: W,
    /// Frames written.
    pub frames: u64,
    /// Video bytes written.
    pub bytes: u64,
    /// Why reading ended early, if it did; the frames before it are in the file.
    pub source_error: Option<SourceError>,
    /// Whether [`PipelineOptions::stop`] ended the input.
    pub stopped: bool,
    /// Time each stage spent working (not waiting for the others).
    pub times: StageTimes,
}

/// Busy time per stage of a run. With threads the stages overlap, so the wall time is about
/// the largest of them, not their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StageTimes {
    /// Reading (and decoding PNG/JPEG) input frames.
    pub read: Duration,
    /// RGB -> YUV conversion, or copying YUV planes.
    pub convert: Duration,
    /// The encoder.
    pub encode: Duration,
    /// Muxing and writing to the sink.
    pub mux: Duration,
}

/// Runs `f`, adding its duration to `total`.
fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *total += start.elapsed();
    out
}

/// Reads every frame of `source`, encodes it with `writer` and finishes the file.
///
/// Errors: the encoder or muxer failed, the source's frames do not fit the writer, or the
/// source failed before its first frame ([`Error::Source`]) or had no frame at all
/// ([`Error::NoFrames`]); nothing usable was written then.
pub fn run<W: Send + 'static>(
    mut source: Box<dyn FrameSource>,
    writer: VideoWriter<W>,
    options: &PipelineOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome<W>> {
    check_fits(source.info(), &writer)?;
    let stop = options.stop.clone().unwrap_or_default();
    let info = source.info().clone();
    let VideoWriter { parts, .. } = writer;
    let Parts {
        mut convert,
        mut encode,
        mut mux,
        image,
        ..
    } = parts;

    let ended;
    let mut times = StageTimes::default();
    // Muxing runs inside the encoder's calls on the inline path and when flushing, so its time
    // is kept apart and taken out of the encoder's.
    let mux_time = std::cell::Cell::new(Duration::ZERO);
    {
        let mut on_packet = |e: Encoded| -> Result<()> {
            let start = Instant::now();
            let written = mux.write(&e.packet, e.config);
            mux_time.set(mux_time.get() + start.elapsed());
            written?;
            progress(Progress {
                frames: mux.packets(),
                bytes: mux.bytes(),
            });
            Ok(())
        };
        let muxed_in_loop;
        ended = if options.threaded {
            let end = threaded(
                Shared {
                    info: &info,
                    encode: &mut encode,
                    stop: &stop,
                    times: &mut times,
                },
                source,
                convert,
                options.queue.max(1),
                &mut on_packet,
            )?;
            // The calling thread muxed: none of that ran inside the encoder's time.
            muxed_in_loop = Duration::ZERO;
            end
        } else {
            let end = inline(
                Shared {
                    info: &info,
                    encode: &mut encode,
                    stop: &stop,
                    times: &mut times,
                },
                &mut source,
                &mut convert,
                image,
                &mut on_packet,
            )?;
            muxed_in_loop = mux_time.get();
            end
        };
        let before_flush = mux_time.get();
        let mut flush_time = Duration::ZERO;
        timed(&mut flush_time, || encode.finish(&mut on_packet))?;
        let muxed_in_flush = mux_time.get() - before_flush;
        times.encode = (times.encode + flush_time)
            .saturating_sub(muxed_in_loop)
            .saturating_sub(muxed_in_flush);
    }
    let (frames, bytes) = (mux.packets(), mux.bytes());
    if frames == 0 {
        return Err(match ended.error {
            Some(e) => Error::Source(Box::new(e)),
            None => Error::NoFrames,
        });
    }
    let start = Instant::now();
    let sink = mux.finish()?;
    times.mux = mux_time.get() + start.elapsed();
    Ok(Outcome {
        times,
        sink,
        frames,
        bytes,
        source_error: ended.error,
        // A stop request that arrived as the input ended still counts: the caller asked.
        stopped: ended.stopped || stopped(&stop),
    })
}

/// How reading ended.
#[derive(Debug, Default)]
struct End {
    error: Option<SourceError>,
    stopped: bool,
}

/// Refuses a source whose frames the writer cannot take, before reading anything.
fn check_fits<W>(info: &SourceInfo, writer: &VideoWriter<W>) -> Result<()> {
    let w = writer.info();
    if (info.width, info.height) != (w.width, w.height) {
        return Err(Error::FrameSize {
            index: 0,
            width: info.width,
            height: info.height,
            expected_width: w.width,
            expected_height: w.height,
        });
    }
    let declared = writer.parts.convert.yuv_input();
    let fits = match info.layout {
        FrameLayout::Yuv(sub) => declared == Some(sub),
        FrameLayout::Packed(_) => declared.is_none(),
    };
    if !fits {
        return Err(Error::Unsupported {
            what: format!(
                "a source of {:?} frames into a writer built for {}",
                info.layout,
                match declared {
                    Some(sub) => format!("{sub:?} YUV input"),
                    None => "packed RGB input".into(),
                }
            ),
            why: "build the writer with yuv_input() set to the YUV source's subsampling, and without it for packed sources".into(),
        });
    }
    Ok(())
}

/// Frame `index` of a source into a picture: converted from RGB, or copied from YUV planes.
fn to_picture(
    convert: &mut ConvertStage,
    info: &SourceInfo,
    index: u64,
    buf: &[u8],
    image: &mut Picture,
) -> Result<()> {
    match info.layout {
        FrameLayout::Packed(format) => {
            let frame = FrameView::new(buf, info.width, info.height, format)?;
            convert.convert(index, &frame, image)
        }
        FrameLayout::Yuv(_) => convert.copy_planes(index, buf, image),
    }
}

fn stopped(stop: &AtomicBool) -> bool {
    stop.load(Ordering::Relaxed)
}

/// What both layouts of the stages share.
struct Shared<'a> {
    info: &'a SourceInfo,
    encode: &'a mut EncodeStage,
    stop: &'a Arc<AtomicBool>,
    times: &'a mut StageTimes,
}

/// Every stage on the calling thread.
fn inline(
    shared: Shared<'_>,
    source: &mut Box<dyn FrameSource>,
    convert: &mut ConvertStage,
    mut image: Picture,
    on_packet: &mut dyn FnMut(Encoded) -> Result<()>,
) -> Result<End> {
    let Shared {
        info,
        encode,
        stop,
        times,
    } = shared;
    let mut end = End::default();
    let mut buf = Vec::new();
    let mut index = 0;
    loop {
        if stopped(stop) {
            end.stopped = true;
            return Ok(end);
        }
        match timed(&mut times.read, || source.read_frame(&mut buf)) {
            Ok(true) => {}
            Ok(false) => return Ok(end),
            Err(e) => {
                end.error = Some(e);
                return Ok(end);
            }
        }
        timed(&mut times.convert, || {
            to_picture(convert, info, index, &buf, &mut image)
        })?;
        index += 1;
        timed(&mut times.encode, || {
            encode.encode(image.input()?, on_packet)
        })?;
    }
}

/// Messages from the reader: a frame, or the end of input.
enum Read {
    Frame(Vec<u8>),
    End(End),
}

/// Messages from the converter: a picture, or the end of input.
enum Converted {
    Picture(Picture),
    End(End),
}

/// Reader and converter on their own threads; encoding on a third; muxing (through
/// `on_packet`) on the calling thread.
fn threaded(
    shared: Shared<'_>,
    source: Box<dyn FrameSource>,
    mut convert: ConvertStage,
    queue: usize,
    on_packet: &mut dyn FnMut(Encoded) -> Result<()>,
) -> Result<End> {
    let Shared {
        info,
        encode,
        stop,
        times,
    } = shared;
    let (frame_tx, frame_rx) = sync_channel::<Read>(queue);
    let (buf_tx, buf_rx) = sync_channel::<Vec<u8>>(queue + 2);
    let (pic_tx, pic_rx) = sync_channel::<Converted>(queue);
    let (free_tx, free_rx) = sync_channel::<Picture>(queue + 2);
    let (packet_tx, packet_rx) = sync_channel::<Encoded>(queue.max(4));

    // The reader is not scoped: it may be blocked in a read (a pipe whose writer is idle)
    // when a stop is requested, and the file must be finished without waiting for it.
    let stop_reader = Arc::clone(stop);
    let reader = std::thread::Builder::new()
        .name("framecast-read".into())
        .spawn(move || read_loop(source, &stop_reader, &frame_tx, &buf_rx))
        .map_err(|source| Error::Io {
            what: "starting the reader thread".into(),
            source,
        })?;
    let result = std::thread::scope(|scope| -> Result<End> {
        let converter = scope.spawn(move || {
            convert_loop(
                &mut convert,
                info,
                stop,
                &frame_rx,
                &buf_tx,
                &pic_tx,
                &free_rx,
            )
        });
        let encoder = scope.spawn(move || encode_loop(encode, &pic_rx, &free_tx, &packet_tx));
        // Mux on this thread until the encoder hangs up.
        let mut mux_result = Ok(());
        for encoded in packet_rx.iter() {
            if let Err(e) = on_packet(encoded) {
                mux_result = Err(e);
                break;
            }
        }
        // Dropping the receiver (by leaving the loop) unblocks an encoder waiting to send.
        drop(packet_rx);
        let (end, encode_time) = join(encoder, "encode")?;
        times.encode += encode_time;
        times.convert += join(converter, "convert")?;
        mux_result?;
        Ok(end)
    });
    if !stopped(stop) {
        times.read += reader
            .join()
            .map_err(|_| Error::Thread { stage: "read" })??;
    }
    result
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>, stage: &'static str) -> Result<T> {
    handle.join().map_err(|_| Error::Thread { stage })?
}

fn read_loop(
    mut source: Box<dyn FrameSource>,
    stop: &AtomicBool,
    frames: &SyncSender<Read>,
    free: &Receiver<Vec<u8>>,
) -> Result<Duration> {
    let mut busy = Duration::ZERO;
    loop {
        if stopped(stop) {
            let _ = frames.send(Read::End(End {
                error: None,
                stopped: true,
            }));
            return Ok(busy);
        }
        let mut buf = free.try_recv().unwrap_or_default();
        let end = match timed(&mut busy, || source.read_frame(&mut buf)) {
            Ok(true) => None,
            Ok(false) => Some(End::default()),
            Err(e) => Some(End {
                error: Some(e),
                stopped: false,
            }),
        };
        let msg = match end {
            None => Read::Frame(buf),
            Some(end) => Read::End(end),
        };
        let last = matches!(msg, Read::End(_));
        if frames.send(msg).is_err() || last {
            // The converter hung up (an error downstream) or the input ended.
            return Ok(busy);
        }
    }
}

fn convert_loop(
    convert: &mut ConvertStage,
    info: &SourceInfo,
    stop: &AtomicBool,
    frames: &Receiver<Read>,
    bufs: &SyncSender<Vec<u8>>,
    pictures: &SyncSender<Converted>,
    free: &Receiver<Picture>,
) -> Result<Duration> {
    let mut busy = Duration::ZERO;
    let mut index = 0;
    loop {
        let msg = match frames.recv_timeout(STOP_POLL) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) if stopped(stop) => Read::End(End {
                error: None,
                stopped: true,
            }),
            Err(RecvTimeoutError::Timeout) => continue,
            // The reader stopped without an End message: it failed and reports that itself.
            Err(RecvTimeoutError::Disconnected) => return Ok(busy),
        };
        let buf = match msg {
            Read::Frame(buf) => buf,
            Read::End(end) => {
                let _ = pictures.send(Converted::End(end));
                return Ok(busy);
            }
        };
        let mut image = match free.try_recv() {
            Ok(image) => image,
            Err(_) => convert.new_image()?,
        };
        timed(&mut busy, || {
            to_picture(convert, info, index, &buf, &mut image)
        })?;
        index += 1;
        // The reader may have finished; a lost buffer is only a lost allocation.
        let _ = bufs.try_send(buf);
        if pictures.send(Converted::Picture(image)).is_err() {
            return Ok(busy);
        }
    }
}

/// How often a converter waiting for a frame checks for a stop request.
const STOP_POLL: std::time::Duration = std::time::Duration::from_millis(50);

fn encode_loop(
    encode: &mut EncodeStage,
    pictures: &Receiver<Converted>,
    free: &SyncSender<Picture>,
    packets: &SyncSender<Encoded>,
) -> Result<(End, Duration)> {
    let mut busy = Duration::ZERO;
    let mut hung_up = false;
    for msg in pictures.iter() {
        let image = match msg {
            Converted::Picture(image) => image,
            Converted::End(end) => return Ok((end, busy)),
        };
        timed(&mut busy, || {
            encode.encode(image.input()?, &mut |e| {
                if packets.send(e).is_err() {
                    hung_up = true;
                }
                Ok(())
            })
        })?;
        if hung_up {
            // The muxer failed; it reports its own error.
            return Ok((End::default(), busy));
        }
        let _ = free.try_send(image);
    }
    Ok((End::default(), busy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::RawSource;
    use crate::{PixelFormat, Rational};

    /// Seeded RGBA frames (xorshift over a moving gradient).
    fn frames(w: u32, h: u32, count: usize) -> Vec<u8> {
        let mut state = 0x1234_5678_u32;
        let mut out = Vec::new();
        for f in 0..count {
            for i in 0..(w * h * 4) as usize {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                out.push((i / 4 % w as usize * 2 + f * 7) as u8 ^ (state & 3) as u8);
            }
        }
        out
    }

    fn resizing_writer(w: u32, h: u32) -> VideoWriter<Vec<u8>> {
        VideoWriter::builder(w, h)
            .fps(Rational::integer(25).expect("rate"))
            .resize(48, 32)
            .build(Vec::new())
            .expect("writer")
    }

    #[test]
    fn resize_stage_is_byte_identical_threaded_inline_and_direct() {
        let (w, h) = (37, 29);
        let data = frames(w, h, 12);
        let frame_len = (w * h * 4) as usize;
        let mut direct = resizing_writer(w, h);
        assert_eq!(direct.info().output_size, (48, 32));
        for f in data.chunks_exact(frame_len) {
            direct
                .write_frame(&FrameView::new(f, w, h, PixelFormat::Rgba).expect("view"))
                .expect("frame");
        }
        let direct = direct.finish().expect("finish");
        let run_with = |threaded: bool| {
            let source =
                RawSource::new(std::io::Cursor::new(data.clone()), w, h, PixelFormat::Rgba)
                    .expect("raw");
            run(
                Box::new(source),
                resizing_writer(w, h),
                &PipelineOptions::default().with_threaded(threaded),
                &mut |_| {},
            )
            .expect("run")
        };
        let threaded = run_with(true);
        let inline = run_with(false);
        assert_eq!(threaded.frames, 12);
        assert!(threaded.sink == direct, "threaded differs from VideoWriter");
        assert!(inline.sink == direct, "inline differs from VideoWriter");
    }

    #[test]
    fn resize_refuses_yuv_input() {
        let err = VideoWriter::builder(16, 16)
            .yuv_input(framecast_core::Subsampling::Yuv420)
            .resize(32, 32)
            .build(Vec::new())
            .expect_err("YUV input cannot be resized");
        assert!(err.to_string().contains("resizing YUV input"), "{err}");
    }
}
