//! `framecast encode` and `framecast demo`: arguments -> facade options -> pipeline.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, bail};
use framecast::pipeline::{self, Outcome, PipelineOptions};
use framecast::source::{FrameLayout, FrameSource, InputSpec, SourceError};
use framecast::{
    AtomicFile, Codec, ColorSpec, Container, Layout, Matrix, OddSize, PixelFormat, Range,
    RateControl, Rational, Subsampling, VideoOptions, VideoWriter, VideoWriterBuilder,
};

use framecast::gif::{Dither, GifOptions};

use crate::args::{DemoArgs, EncodeArgs};
use crate::ffmpeg::values::loop_to_repeat;
use crate::progress::Reporter;

/// Where the video goes.
#[derive(Debug)]
enum Output {
    Stdout,
    File(PathBuf),
    /// An AV1 IVF file.
    Ivf(PathBuf),
    /// An animated GIF file.
    Gif(PathBuf),
}

/// Whether a path names an IVF output (by its extension).
pub(crate) fn is_ivf(path: &Path) -> bool {
    has_extension(path, "ivf")
}

/// Whether a path names a GIF output (by its extension).
pub(crate) fn is_gif(path: &Path) -> bool {
    has_extension(path, "gif")
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

impl Output {
    /// Checks the output before any input is read: a known extension, an existing directory.
    fn parse(path: &Path) -> anyhow::Result<Output> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout);
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            bail!(
                "output directory '{}' does not exist (output '{}')",
                dir.display(),
                path.display()
            );
        }
        match ext.as_str() {
            "mp4" | "m4v" | "mov" => Ok(Output::File(path.to_path_buf())),
            "ivf" => Ok(Output::Ivf(path.to_path_buf())),
            "gif" => Ok(Output::Gif(path.to_path_buf())),
            "" => bail!(
                "output '{}' has no extension; expected .mp4, .m4v, .mov, .ivf or .gif (or '-' for stdout)",
                path.display()
            ),
            other => bail!(
                "output '{}': framecast does not write .{other} files; expected .mp4, .m4v, .mov, .ivf or .gif (or '-' for stdout)",
                path.display()
            ),
        }
    }

    fn name(&self) -> String {
        match self {
            Output::Stdout => "stdout".into(),
            Output::File(p) | Output::Ivf(p) | Output::Gif(p) => p.display().to_string(),
        }
    }
}

/// What the CLI asks of the facade, independent of where frames come from.
struct Job {
    /// Frames expected, when the input's length tells (for the ETA).
    total: Option<u64>,
    output: Output,
    layout: Option<Layout>,
    quiet: bool,
    threaded: bool,
    timings: bool,
    /// How an input that ends inside a frame is reported.
    partial: PartialFrame,
}

/// What an input that ends inside a frame does to the exit status (DESIGN contract 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartialFrame {
    /// An error naming the leftover bytes, and a non-zero exit (`framecast encode`).
    Fail,
    /// A warning and exit 0, as ffmpeg does (the ffmpeg-compatible front); the warning is
    /// left out when `quiet_warnings`.
    Warn {
        /// Print nothing (ffmpeg's `-loglevel error`).
        quiet_warnings: bool,
    },
}

/// The output size for an input size (a resize target that may depend on the input's size).
pub(crate) type ResizeTo = Box<dyn Fn((u32, u32)) -> anyhow::Result<(u32, u32)>>;

/// Opens the input; called only after everything else was checked, since it may read stdin.
pub(crate) type OpenSource = Box<dyn FnOnce() -> anyhow::Result<Box<dyn FrameSource>>>;

/// One encode, as either front (`framecast encode`, the ffmpeg syntax) describes it: both turn
/// their arguments into this and call [`run`], so they build the same facade options.
pub(crate) struct Request {
    /// Opens the input.
    pub(crate) open: OpenSource,
    /// The input file, when it is one (its length gives the progress bar a total).
    pub(crate) input_path: Option<PathBuf>,
    /// The frame size, when known before the input is opened (checked against the codec).
    pub(crate) size: Option<(u32, u32)>,
    /// Frames per second; default: the input's, else [`framecast::DEFAULT_FPS`].
    pub(crate) fps: Option<Rational>,
    pub(crate) options: VideoOptions,
    /// Palette, dithering, quality and looping when the codec is GIF.
    pub(crate) gif: GifOptions,
    pub(crate) matrix: Option<Matrix>,
    pub(crate) range: Option<Range>,
    pub(crate) layout: Option<Layout>,
    /// An ADTS AAC or MP3 file copied into the audio track.
    pub(crate) audio: Option<PathBuf>,
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) output: PathBuf,
    /// The size to resize frames to, computed from the input size once it is known.
    pub(crate) resize: Option<ResizeTo>,
    /// Stop after this many frames (ffmpeg's `-frames:v`).
    pub(crate) max_frames: Option<u64>,
    /// No progress bar and no summary line.
    pub(crate) quiet: bool,
    /// Print notes (an odd size padded) even when quiet.
    pub(crate) notes: bool,
    pub(crate) timings: bool,
    pub(crate) threaded: bool,
    pub(crate) partial: PartialFrame,
}

/// Parses an optional flag value with the library's own parser (whose errors list the accepted
/// values), naming the flag in the error.
fn parse_flag<T>(value: Option<&str>, flag: &'static str) -> anyhow::Result<Option<T>>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    value.map(str::parse::<T>).transpose().context(flag)
}

pub(crate) fn encode(args: &EncodeArgs) -> anyhow::Result<ExitCode> {
    let pix_fmt: Option<PixelFormat> = parse_flag(args.pix_fmt.as_deref(), "--pix-fmt")?;
    let fps: Option<Rational> = parse_flag(args.fps.as_deref(), "--fps")?;
    let matrix: Option<Matrix> = parse_flag(args.color.as_deref(), "--color")?;
    let range: Option<Range> = parse_flag(args.range.as_deref(), "--range")?;
    let mut options = VideoOptions::default();
    options.rate = match (args.quality, args.bitrate) {
        (_, Some(kbps)) => RateControl::Bitrate(kbps),
        (Some(q), None) => RateControl::Quality(q),
        (None, None) => RateControl::default(),
    };
    options.codec = match args.codec.as_deref() {
        Some("av1") => Codec::Av1,
        Some("gif") => Codec::Gif,
        Some(_) => Codec::H264,
        None if is_ivf(&args.output) => Codec::Av1,
        None if is_gif(&args.output) => Codec::Gif,
        None => Codec::H264,
    };
    let gif = gif_options(args, options.codec)?;
    options.keyint = args.keyint;
    options.threads = args.threads;
    options.speed = args.speed;
    options.chroma = if args.chroma == "444" {
        Subsampling::Yuv444
    } else {
        Subsampling::Yuv420
    };
    options.workers = args.workers;
    options.odd = if args.odd == "crop" {
        OddSize::Crop
    } else {
        OddSize::Pad
    };
    let mut spec = InputSpec::new(args.input.clone());
    if let Some(size) = args.size {
        spec = spec.with_size(size);
    }
    if let Some(fmt) = pix_fmt {
        spec = spec.with_pix_fmt(fmt);
    }
    let layout = args.layout.as_deref().map(|l| {
        if l == "fragmented" {
            Layout::Fragmented
        } else {
            Layout::Faststart
        }
    });
    run(Request {
        open: Box::new(move || framecast::source::open(&spec).context("opening the input")),
        input_path: args.input.clone(),
        size: args.size,
        fps,
        options,
        gif,
        matrix,
        range,
        layout,
        audio: args.audio.clone(),
        metadata: args.metadata.clone(),
        output: args.output.clone(),
        resize: resize_to(args.resize, args.width),
        max_frames: None,
        quiet: args.quiet,
        notes: true,
        timings: args.timings,
        threaded: !args.single_thread,
        partial: PartialFrame::Fail,
    })
}

/// The GIF flags as options; an error when they are given for a video output, or when video
/// flags are given for a GIF.
fn gif_options(args: &EncodeArgs, codec: Codec) -> anyhow::Result<GifOptions> {
    let given: Vec<&str> = [
        ("--colors", args.colors.is_some()),
        ("--dither", args.dither.is_some()),
        ("--dither-strength", args.dither_strength.is_some()),
        ("--gif-quality", args.gif_quality.is_some()),
        ("--loop", args.loop_count.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, set)| set.then_some(flag))
    .collect();
    if codec != Codec::Gif {
        if let Some(flag) = given.first() {
            bail!(
                "{flag} applies to GIF output only (a .gif output or --codec gif), not to {}",
                codec.name()
            );
        }
        return Ok(GifOptions::default());
    }
    let video_flags = [
        ("--quality", args.quality.is_some()),
        ("--bitrate", args.bitrate.is_some()),
        ("--keyint", args.keyint.is_some()),
        ("--speed", args.speed.is_some()),
        ("--chroma", args.chroma != "420"),
        ("--layout", args.layout.is_some()),
    ];
    if let Some((flag, _)) = video_flags.iter().find(|(_, set)| *set) {
        bail!(
            "{flag} does not apply to GIF output; a GIF's size and fidelity are set with --colors, --dither, --dither-strength and --gif-quality"
        );
    }
    let mut gif = GifOptions::default();
    if let Some(colors) = args.colors {
        gif = gif.colors(colors);
    }
    if let Some(dither) = &args.dither {
        gif = gif.dither(match dither.as_str() {
            "ordered" => Dither::Ordered,
            "diffusion" => Dither::Diffusion,
            _ => Dither::None,
        });
    }
    if let Some(strength) = args.dither_strength {
        gif = gif.strength(strength);
    }
    if let Some(quality) = args.gif_quality {
        gif = gif.quality(quality);
    }
    if let Some(count) = args.loop_count {
        gif = gif.repeat(loop_to_repeat(count).context("--loop")?);
    }
    Ok(gif.validate()?)
}

/// `--resize WxH` or `--width W` (the height keeping the input's aspect ratio).
fn resize_to(size: Option<(u32, u32)>, width: Option<u32>) -> Option<ResizeTo> {
    if let Some(size) = size {
        return Some(Box::new(move |_| Ok(size)));
    }
    let width = width?;
    Some(Box::new(move |(w, h)| {
        Ok((width, scaled_height(width, (w, h))))
    }))
}

/// The height that keeps `w` x `h`'s aspect ratio at `width`, rounded, at least 1.
pub(crate) fn scaled_height(width: u32, (w, h): (u32, u32)) -> u32 {
    let exact = u64::from(width) * u64::from(h);
    let rounded = (exact + u64::from(w) / 2) / u64::from(w.max(1));
    u32::try_from(rounded).unwrap_or(u32::MAX).max(1)
}

/// Checks everything that can be checked without input, opens the input, and encodes it.
pub(crate) fn run(req: Request) -> anyhow::Result<ExitCode> {
    let output = Output::parse(&req.output)?;
    let options = req.options;
    if let Output::Ivf(path) = &output {
        if options.codec != Codec::Av1 {
            bail!(
                "output '{}' is IVF, which holds AV1, but the codec is {}; use the AV1 codec (--codec av1) or an .mp4 output",
                path.display(),
                options.codec.name()
            );
        }
        if req.layout.is_some() {
            bail!(
                "output '{}' is IVF: the MP4 layout (faststart, fragmented) does not apply; leave it out or use an .mp4 output",
                path.display()
            );
        }
        if req.audio.is_some() || !req.metadata.is_empty() {
            bail!(
                "output '{}' is IVF, which holds one AV1 stream: no audio and no metadata; use an .mp4 output for them",
                path.display()
            );
        }
    }
    if let Output::Gif(path) = &output {
        if options.codec != Codec::Gif {
            bail!(
                "output '{}' is a GIF, but the codec is {}; leave --codec out (or use --codec gif), or use an .mp4 output",
                path.display(),
                options.codec.name()
            );
        }
        if req.layout.is_some() || req.audio.is_some() || !req.metadata.is_empty() {
            bail!(
                "output '{}' is a GIF: no MP4 layout, no audio and no metadata; use an .mp4 output for them",
                path.display()
            );
        }
    } else if options.codec == Codec::Gif && !matches!(output, Output::Stdout) {
        bail!(
            "the GIF codec writes .gif files; output '{}' is not one",
            output.name()
        );
    }
    options.validate()?;

    let audio = match &req.audio {
        Some(path) => Some(
            std::fs::File::open(path)
                .with_context(|| format!("opening audio file '{}'", path.display()))?,
        ),
        None => None,
    };

    if let Some((w, h)) = req.size {
        // Refuse a size the codec cannot take before waiting for any input.
        let (w, h) = match &req.resize {
            Some(resize) => resize((w, h))?,
            None => (w, h),
        };
        options.check_size(w, h)?;
    }
    let mut source = (req.open)()?;
    if let Some(max) = req.max_frames {
        source = Box::new(Limited {
            inner: source,
            left: max,
        });
    }
    let info = source.info().clone();

    // YUV input is not converted, so its own range (y4m XCOLORRANGE) must be what is tagged
    // unless the user says otherwise. RGB frames from programs are sRGB: the matrix is the
    // user's choice, the primaries stay the source's (ColorSpec::for_srgb).
    let declared = info.color.unwrap_or_default();
    let matrix = req.matrix.unwrap_or(declared.matrix);
    let range = req.range.unwrap_or(declared.range);
    let color = match info.layout {
        FrameLayout::Packed(_) => ColorSpec::for_srgb(matrix, range),
        _ => ColorSpec::new(matrix, range),
    };
    let fps = req.fps.or(info.fps).unwrap_or(framecast::DEFAULT_FPS);

    let gif = options.codec == Codec::Gif;
    let mut builder = VideoWriter::builder(info.width, info.height)
        .fps(fps)
        .options(options)
        .color(color);
    if gif {
        builder = builder.gif(req.gif);
    }
    if let FrameLayout::Yuv(sub) = info.layout {
        builder = builder.yuv_input(sub);
    }
    if let Some(resize) = &req.resize {
        let (w, h) = resize((info.width, info.height))?;
        builder = builder.resize(w, h);
    }
    for (k, v) in &req.metadata {
        builder = builder.metadata(k, v);
    }
    if let Some(file) = audio {
        builder = builder
            .audio(file)
            .with_context(|| format!("reading audio file '{}'", display(req.audio.as_deref())))?;
    }
    let total = req
        .input_path
        .as_deref()
        .filter(|p| p.as_os_str() != "-")
        .and_then(|p| std::fs::metadata(p).ok())
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len() / (info.frame_len() as u64).max(1))
        .filter(|n| *n > 1);
    let total = match (total, req.max_frames) {
        (Some(t), Some(max)) => Some(t.min(max)),
        (t, _) => t,
    };
    let job = Job {
        total,
        output,
        layout: req.layout,
        quiet: req.quiet,
        threaded: req.threaded,
        timings: req.timings,
        partial: req.partial,
    };
    run_job(&job, builder, source, req.notes)
}

/// A source cut after a number of frames (ffmpeg's `-frames:v N`).
struct Limited {
    inner: Box<dyn FrameSource>,
    left: u64,
}

impl FrameSource for Limited {
    fn info(&self) -> &framecast::source::SourceInfo {
        self.inner.info()
    }

    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, framecast::source::SourceError> {
        if self.left == 0 {
            return Ok(false);
        }
        let more = self.inner.read_frame(buf)?;
        if more {
            self.left -= 1;
        }
        Ok(more)
    }
}

fn display(p: Option<&Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}

pub(crate) fn demo(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let fps: Rational = args.fps.parse().context("--fps")?;
    let output = Output::parse(&args.output)?;
    let (w, h) = args.size;
    let source = crate::demo::Demo::new(w, h, fps, args.seconds)?;
    let builder = VideoWriter::builder(w, h).fps(fps);
    // IVF holds AV1 and a GIF GIF, neither with metadata.
    let builder = match output {
        Output::Ivf(_) => builder.codec(Codec::Av1),
        Output::Gif(_) => builder.codec(Codec::Gif),
        _ => builder.metadata("title", "framecast demo"),
    };
    let job = Job {
        total: Some(source.frames()),
        output,
        layout: None,
        quiet: args.quiet,
        threaded: true,
        timings: false,
        partial: PartialFrame::Fail,
    };
    run_job(&job, builder, Box::new(source), true)
}

/// How a pipeline run ended, without its sink.
struct Done {
    frames: u64,
    bytes: u64,
    source_error: Option<framecast::source::SourceError>,
    stopped: bool,
    times: framecast::pipeline::StageTimes,
}

fn split<W>(outcome: Outcome<W>) -> (W, Done) {
    let done = Done {
        frames: outcome.frames,
        bytes: outcome.bytes,
        source_error: outcome.source_error,
        stopped: outcome.stopped,
        times: outcome.times,
    };
    (outcome.sink, done)
}

/// Prints the writer's size note (when `notes`), runs the pipeline through it and returns the
/// finished sink, how the run ended, and the frame rate.
fn run_writer<W: Send + 'static>(
    job: &Job,
    source: Box<dyn FrameSource>,
    writer: VideoWriter<W>,
    options: &PipelineOptions,
    notes: bool,
) -> anyhow::Result<(W, Done, Rational)> {
    let fps = writer.info().fps;
    if notes {
        note_size(job, &writer);
    }
    let (sink, done) = split(run_pipeline(job, source, writer, options)?);
    Ok((sink, done, fps))
}

/// Builds the writer for the output, runs the pipeline, finishes the file and reports.
fn run_job(
    job: &Job,
    builder: VideoWriterBuilder,
    source: Box<dyn FrameSource>,
    notes: bool,
) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    crate::progress::install_interrupt(&stop);
    let options = PipelineOptions::default()
        .with_threaded(job.threaded)
        .with_stop(Arc::clone(&stop));
    let started = Instant::now();
    let (done, fps) = match &job.output {
        Output::Stdout => {
            let builder = builder.layout(job.layout.unwrap_or(Layout::Fragmented));
            let writer = builder.build(BufWriter::with_capacity(1 << 16, std::io::stdout()))?;
            let (mut out, done, fps) = run_writer(job, source, writer, &options, notes)?;
            out.flush().context("writing to stdout")?;
            (done, fps)
        }
        Output::File(path) if job.layout == Some(Layout::Fragmented) => {
            // Written in place: a killed process leaves every complete fragment playable.
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating '{}'", path.display()))?;
            let writer = builder
                .layout(Layout::Fragmented)
                .build(BufWriter::with_capacity(1 << 16, file))?;
            let (mut out, done, fps) = match run_writer(job, source, writer, &options, notes) {
                Ok(run) => run,
                Err(e) => {
                    // Nothing usable was written (no frame, or the encoder failed at once).
                    let _ = std::fs::remove_file(path);
                    return Err(e);
                }
            };
            out.flush()
                .with_context(|| format!("writing '{}'", path.display()))?;
            (done, fps)
        }
        Output::Ivf(path) | Output::File(path) | Output::Gif(path) => {
            // Faststart MP4, IVF with its frame count patched at the end, or a GIF: the
            // file appears under its name only when complete.
            let builder = match job.output {
                Output::Ivf(_) => builder.container(Container::Ivf),
                Output::Gif(_) => builder.container(Container::Gif),
                _ => builder.layout(Layout::Faststart),
            };
            let writer = builder.build_seekable(AtomicFile::create(path)?)?;
            let (mut file, done, fps) = run_writer(job, source, writer, &options, notes)?;
            file.flush()
                .with_context(|| format!("writing '{}'", path.display()))?;
            file.commit()?;
            (done, fps)
        }
    };
    if !job.quiet {
        crate::progress::summary(
            &job.output.name(),
            done.frames,
            done.bytes,
            fps,
            started.elapsed(),
        );
    }
    if job.timings {
        let elapsed = started.elapsed().as_secs_f64();
        let t = done.times;
        let share = |d: std::time::Duration| 100.0 * d.as_secs_f64() / elapsed.max(1e-9);
        let _ = writeln!(
            std::io::stderr(),
            "framecast: busy time per stage (of {elapsed:.3} s wall): read {:.3} s ({:.1}%), convert {:.3} s ({:.1}%), encode {:.3} s ({:.1}%), mux {:.3} s ({:.1}%)",
            t.read.as_secs_f64(),
            share(t.read),
            t.convert.as_secs_f64(),
            share(t.convert),
            t.encode.as_secs_f64(),
            share(t.encode),
            t.mux.as_secs_f64(),
            share(t.mux),
        );
    }
    if let Some(e) = done.source_error {
        if let (PartialFrame::Warn { quiet_warnings }, SourceError::Truncated { .. }) =
            (job.partial, &e)
        {
            // ffmpeg drops a trailing partial frame with a warning and succeeds.
            if !quiet_warnings {
                let _ = writeln!(
                    std::io::stderr(),
                    "framecast: warning: {e}; the {} complete frames were written to {}",
                    done.frames,
                    job.output.name()
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        let e = anyhow::Error::from(e);
        let _ = writeln!(
            std::io::stderr(),
            "framecast: error: {e:#}; the {} complete frames before it were written to {}",
            done.frames,
            job.output.name()
        );
        return Ok(ExitCode::FAILURE);
    }
    if done.stopped {
        let _ = writeln!(
            std::io::stderr(),
            "framecast: interrupted; the {} frames encoded so far were written to {}",
            done.frames,
            job.output.name()
        );
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

/// One stderr line when the codec cannot show the input's size exactly.
fn note_size<W>(job: &Job, writer: &VideoWriter<W>) {
    if let Some(note) = writer.info().size_note() {
        let hint = if note.contains("padded")
            && job.partial == PartialFrame::Fail
            && writer.info().codec == Codec::H264
        {
            " (--odd crop crops instead)"
        } else {
            ""
        };
        let _ = writeln!(std::io::stderr(), "framecast: note: {note}{hint}");
    }
}

fn run_pipeline<W: Send + 'static>(
    job: &Job,
    source: Box<dyn FrameSource>,
    writer: VideoWriter<W>,
    options: &PipelineOptions,
) -> anyhow::Result<Outcome<W>> {
    let mut reporter = Reporter::new(job.quiet, writer.info().fps);
    if let Some(total) = job.total {
        reporter.set_total(total);
    }
    let result = pipeline::run(source, writer, options, &mut |p| reporter.update(p.frames));
    reporter.clear();
    Ok(result?)
}
