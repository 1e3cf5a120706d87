//! `framecast encode` and `framecast demo`: arguments -> facade options -> pipeline.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, bail};
use framecast::pipeline::{self, Outcome, PipelineOptions};
use framecast::source::{FrameLayout, FrameSource, InputSpec};
use framecast::{
    AtomicFile, ColorSpec, Layout, Matrix, OddSize, PixelFormat, Range, RateControl, Rational,
    VideoOptions, VideoWriter, VideoWriterBuilder,
};

use crate::args::{DemoArgs, EncodeArgs};
use crate::progress::Reporter;

/// Where the video goes.
#[derive(Debug)]
enum Output {
    Stdout,
    File(PathBuf),
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
            "" => bail!(
                "output '{}' has no extension; expected .mp4, .m4v or .mov (or '-' for stdout)",
                path.display()
            ),
            other => bail!(
                "output '{}': framecast does not write .{other} files; expected .mp4, .m4v or .mov (or '-' for stdout)",
                path.display()
            ),
        }
    }

    fn name(&self) -> String {
        match self {
            Output::Stdout => "stdout".into(),
            Output::File(p) => p.display().to_string(),
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
}

pub(crate) fn encode(args: &EncodeArgs) -> anyhow::Result<ExitCode> {
    let pix_fmt = args
        .pix_fmt
        .as_deref()
        .map(str::parse::<PixelFormat>)
        .transpose()
        .context("--pix-fmt")?;
    let fps = args
        .fps
        .as_deref()
        .map(str::parse::<Rational>)
        .transpose()
        .context("--fps")?;
    let matrix = args
        .color
        .as_deref()
        .map(str::parse::<Matrix>)
        .transpose()
        .context("--color")?;
    let range = args
        .range
        .as_deref()
        .map(str::parse::<Range>)
        .transpose()
        .context("--range")?;
    let output = Output::parse(&args.output)?;
    let mut options = VideoOptions::default();
    options.rate = match (args.quality, args.bitrate) {
        (_, Some(kbps)) => RateControl::Bitrate(kbps),
        (Some(q), None) => RateControl::Quality(q),
        (None, None) => RateControl::default(),
    };
    options.keyint = args.keyint;
    options.threads = args.threads;
    options.speed = args.speed;
    options.odd = if args.odd == "crop" {
        OddSize::Crop
    } else {
        OddSize::Pad
    };
    options.validate()?;

    let audio = match &args.audio {
        Some(path) => Some(
            std::fs::File::open(path)
                .with_context(|| format!("opening audio file '{}'", path.display()))?,
        ),
        None => None,
    };

    if let Some((w, h)) = args.size {
        // Refuse a size the codec cannot take before waiting for any input.
        options.check_size(w, h)?;
    }
    let mut spec = InputSpec::new(args.input.clone());
    if let Some(size) = args.size {
        spec = spec.with_size(size);
    }
    if let Some(fmt) = pix_fmt {
        spec = spec.with_pix_fmt(fmt);
    }
    let source = framecast::source::open(&spec).context("opening the input")?;
    let info = source.info().clone();

    // YUV input is not converted, so its own range (y4m XCOLORRANGE) must be what is tagged
    // unless the user says otherwise. RGB frames from programs are sRGB: the matrix is the
    // user's choice, the primaries stay the source's (ColorSpec::for_srgb).
    let declared = info.color.unwrap_or_default();
    let matrix = matrix.unwrap_or(declared.matrix);
    let range = range.unwrap_or(declared.range);
    let color = match info.layout {
        FrameLayout::Packed(_) => ColorSpec::for_srgb(matrix, range),
        _ => ColorSpec::new(matrix, range),
    };
    let fps = fps.or(info.fps).unwrap_or(framecast::DEFAULT_FPS);

    let mut builder = VideoWriter::builder(info.width, info.height)
        .fps(fps)
        .options(options)
        .color(color);
    if let FrameLayout::Yuv(sub) = info.layout {
        builder = builder.yuv_input(sub);
    }
    for (k, v) in &args.metadata {
        builder = builder.metadata(k, v);
    }
    if let Some(file) = audio {
        builder = builder
            .audio(file)
            .with_context(|| format!("reading audio file '{}'", display(args.audio.as_deref())))?;
    }
    let layout = args.layout.as_deref().map(|l| {
        if l == "fragmented" {
            Layout::Fragmented
        } else {
            Layout::Faststart
        }
    });
    let total = args
        .input
        .as_deref()
        .filter(|p| p.as_os_str() != "-")
        .and_then(|p| std::fs::metadata(p).ok())
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len() / (info.frame_len() as u64).max(1))
        .filter(|n| *n > 1);
    let job = Job {
        total,
        output,
        layout,
        quiet: args.quiet,
        threaded: !args.single_thread,
        timings: args.timings,
    };
    run_job(&job, builder, source)
}

fn display(p: Option<&Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}

pub(crate) fn demo(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let fps: Rational = args.fps.parse().context("--fps")?;
    let output = Output::parse(&args.output)?;
    let (w, h) = args.size;
    let source = crate::demo::Demo::new(w, h, fps, args.seconds)?;
    let builder = VideoWriter::builder(w, h)
        .fps(fps)
        .metadata("title", "framecast demo");
    let job = Job {
        total: Some(source.frames()),
        output,
        layout: None,
        quiet: args.quiet,
        threaded: true,
        timings: false,
    };
    run_job(&job, builder, Box::new(source))
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

/// Builds the writer for the output, runs the pipeline, finishes the file and reports.
fn run_job(
    job: &Job,
    builder: VideoWriterBuilder,
    source: Box<dyn FrameSource>,
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
            let fps = writer.info().fps;
            note_size(job, &writer);
            let (mut out, done) = split(run_pipeline(job, source, writer, &options)?);
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
            let fps = writer.info().fps;
            note_size(job, &writer);
            let (mut out, done) = match run_pipeline(job, source, writer, &options) {
                Ok(outcome) => split(outcome),
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
        Output::File(path) => {
            let file = AtomicFile::create(path)?;
            let writer = builder.layout(Layout::Faststart).build_seekable(file)?;
            let fps = writer.info().fps;
            note_size(job, &writer);
            let (mut file, done) = split(run_pipeline(job, source, writer, &options)?);
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
        let hint = if note.contains("padded") {
            " (--odd crop crops instead)"
        } else {
            ""
        };
        let _ = job;
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
