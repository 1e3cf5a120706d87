//! The ffmpeg-compatible front: framecast started as `ffmpeg` (a link or copy whose name
//! begins with `ffmpeg`) or as `framecast ffmpeg ARGS...` answers the calls matplotlib,
//! imageio and MoviePy make (see `docs/ffmpeg-compat.md`).
//!
//! [`parse`] splits ffmpeg's syntax, [`plan`] gives it meaning and refuses what framecast
//! cannot do before any input is read, and an encode then runs through the same
//! [`crate::encode::run`] as `framecast encode`.
//!
//! Behaviour the callers depend on:
//! - nothing on stdout except the answers to `-version`, `-encoders` and `-h`;
//! - at most one warning line about options (none at `-loglevel error`), no progress output;
//! - the output file appears only when complete (written under a temporary name), so exit 0
//!   always means a complete file;
//! - stdin that ends inside a frame: the complete frames are kept, a warning names the
//!   leftover bytes, exit 0 (as ffmpeg);
//! - no complete frame at all: ffmpeg would write an empty file and exit 0, but framecast
//!   cannot make an MP4 without a coded frame (the track needs the encoder's parameter sets),
//!   so it writes nothing and exits 1 with ffmpeg's "Output file is empty, nothing was
//!   encoded": never exit 0 without a playable file (DESIGN contract 4);
//! - writes to a closed stderr are ignored (MoviePy closes it right after stdin).
//!
//! `-qscale:v` (1 best .. 31 worst) maps linearly onto framecast's quality 0..=51; `-preset`
//! maps x264's names onto speed 0..=10; `-b:v` takes ffmpeg's suffixes.

mod parse;
mod plan;
mod probe;
mod rawseq;
pub(crate) mod shim;
#[cfg(test)]
mod tests;
pub(crate) mod values;

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use framecast::source::{FrameSource, InputSpec, RawSource, SourceError};

use crate::encode::{OpenSource, PartialFrame, Request, ResizeTo};
use plan::{Action, Input, Plan};

/// The ffmpeg arguments, when framecast was started as ffmpeg: under a name beginning with
/// `ffmpeg`, or as `framecast ffmpeg ...`.
pub(crate) fn front_args(argv: &[OsString]) -> Option<Vec<OsString>> {
    let name = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.starts_with("ffmpeg") {
        return Some(argv.get(1..).unwrap_or_default().to_vec());
    }
    if argv.get(1).is_some_and(|a| a == "ffmpeg") {
        return Some(argv.get(2..).unwrap_or_default().to_vec());
    }
    None
}

/// Runs the ffmpeg front; errors are printed (ignoring a closed stderr) and exit 1, as
/// ffmpeg exits.
pub(crate) fn main(args: &[OsString]) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "framecast: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[OsString]) -> anyhow::Result<ExitCode> {
    let line = parse::parse(args)?;
    match plan::plan(&line, args.is_empty())? {
        Action::Usage => {
            let _ = std::io::stderr().write_all(probe::usage_text().as_bytes());
            Ok(ExitCode::FAILURE)
        }
        Action::Help => Ok(probe::print_stdout(&probe::usage_text())),
        Action::Version => Ok(probe::print_stdout(&probe::version_text())),
        Action::Encoders => Ok(probe::print_stdout(&probe::encoders_text())),
        Action::EncoderTest { codec } => probe::encoder_test(codec.as_deref()),
        Action::Encode(plan) => encode(*plan),
    }
}

/// Runs an encode plan through the shared encode path.
fn encode(plan: Plan) -> anyhow::Result<ExitCode> {
    if plan.warn && !plan.notes.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "framecast: warning: {}",
            plan.notes.join("; ")
        );
    }
    let size = plan.size;
    let pix_fmt = plan.pix_fmt;
    let open: OpenSource = match plan.input.clone() {
        Input::Raw(path) => {
            let (w, h) = size.unwrap_or((0, 0));
            let format = pix_fmt.unwrap_or(framecast::PixelFormat::Rgb24);
            Box::new(move || -> anyhow::Result<Box<dyn FrameSource>> {
                Ok(match path {
                    None => Box::new(RawSource::new(std::io::stdin(), w, h, format)?),
                    Some(path) => {
                        let file = std::fs::File::open(&path).with_context(|| {
                            format!("{}: No such file or directory", path.display())
                        })?;
                        Box::new(RawSource::new(file, w, h, format)?)
                    }
                })
            })
        }
        Input::RawFiles(pattern) => {
            let (w, h) = size.unwrap_or((0, 0));
            let format = pix_fmt.unwrap_or(framecast::PixelFormat::Rgb24);
            Box::new(move || -> anyhow::Result<Box<dyn FrameSource>> {
                Ok(Box::new(rawseq::RawFiles::open(&pattern, (w, h), format)?))
            })
        }
        Input::Open(path) => {
            let mut spec = InputSpec::new(path);
            if let Some(s) = size {
                spec = spec.with_size(s);
            }
            if let Some(f) = pix_fmt {
                spec = spec.with_pix_fmt(f);
            }
            Box::new(move || framecast::source::open(&spec).context("opening the input"))
        }
    };
    let input_path = match &plan.input {
        Input::Raw(Some(p)) => Some(p.clone()),
        _ => None,
    };
    let resize = plan
        .scale
        .map(|s| Box::new(move |size: (u32, u32)| s.resolve(size)) as ResizeTo);
    let request = Request {
        open,
        input_path,
        size,
        fps: Some(plan.fps),
        options: plan.options,
        gif: plan.gif,
        matrix: None,
        range: None,
        layout: plan.layout,
        audio: plan.audio,
        metadata: plan.metadata,
        output: plan.output,
        resize,
        max_frames: plan.max_frames,
        quiet: true,
        notes: plan.warn,
        timings: false,
        threaded: true,
        partial: PartialFrame::Warn {
            quiet_warnings: !plan.warn,
        },
    };
    crate::encode::run(request).map_err(|e| {
        let nothing = e.chain().any(|c| {
            matches!(
                c.downcast_ref::<framecast::Error>(),
                Some(framecast::Error::NoFrames)
            ) || matches!(
                c.downcast_ref::<SourceError>(),
                Some(SourceError::Empty { .. })
            )
        });
        if nothing {
            e.context("Output file is empty, nothing was encoded")
        } else {
            e
        }
    })
}
