//! `framecast`: make video from frames that programs produce, without ffmpeg.
//!
//! `main` only maps the result of [`run`] to an exit code; every failure prints its cause chain.

mod args;
mod bench;
mod demo;
mod encode;
mod ffmpeg;
mod pattern;
mod probe;
mod progress;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Args, BenchTarget, Command};

fn main() -> ExitCode {
    // Started as `ffmpeg` (a link from `framecast ffmpeg-shim`) or as `framecast ffmpeg`:
    // ffmpeg's syntax, which clap cannot parse (`-i -`, `-strict -2`).
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(args) = ffmpeg::front_args(&argv) {
        return ffmpeg::main(&args);
    }
    match run() {
        Ok(code) => code,
        Err(err) => {
            // A closed stdout (`framecast ... | head`) is a normal end, not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "framecast: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    match args.command {
        Command::Bench {
            target: BenchTarget::Color(opts),
        } => bench::color(&opts)?,
        Command::Probe { files } => probe::probe(&files)?,
        Command::Encode(args) => return encode::encode(&args),
        Command::Demo(args) => return encode::demo(&args),
        // Normally taken before clap runs (see `main`); reached only through odd spellings.
        Command::Ffmpeg { args } => return Ok(ffmpeg::main(&args)),
        Command::FfmpegShim { dir } => ffmpeg::shim::create(&dir)?,
    }
    Ok(ExitCode::SUCCESS)
}
