//! Remuxes the first video track of an MP4 through framecast-mux, keeping its timestamps,
//! composition offsets, sync flags and edit, and optionally adds an ADTS/MP3 audio track:
//!
//! ```text
//! cargo run --release -p framecast-mux --example remux -- IN.mp4 OUT.mp4 \
//!     [--layout faststart|fragmented|buffered] [--audio FILE.adts|FILE.mp3]
//! ```
//!
//! `remux --inspect FILE...` prints the inspector's box tree and track summary of each file.
//!
//! The conformance tests (`tests/conformance.rs`) run the same code on every H.264 and AV1 file
//! of the shared corpus and compare source and output with ffmpeg, ffprobe, the `mp4` and
//! `mp4parse` crates and Chromium.

#[path = "mod.rs"]
mod remux;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: remux IN.mp4 OUT.mp4 [--layout faststart|fragmented|buffered] [--audio FILE.adts|FILE.mp3]\n       remux --inspect FILE... (prints framecast-mux's inspector report)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("remux: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> remux::BoxResult<()> {
    let mut args = std::env::args_os().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "--inspect") {
        for path in args.skip(1) {
            let f = std::io::BufReader::new(std::fs::File::open(&path)?);
            let report = framecast_mux::inspect::inspect(f)
                .map_err(|e| format!("{}: {e}", PathBuf::from(&path).display()))?;
            println!("{}:\n{report}", PathBuf::from(&path).display());
        }
        return Ok(());
    }
    let mut files = Vec::new();
    let mut layout = remux::OutLayout::Faststart;
    let mut audio = None;
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--layout") => {
                let v = args.next().ok_or(USAGE)?;
                layout = v.to_str().ok_or(USAGE)?.parse()?;
            }
            Some("--audio") => audio = Some(PathBuf::from(args.next().ok_or(USAGE)?)),
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => files.push(PathBuf::from(a)),
        }
    }
    let [input, output] = &files[..] else {
        return Err(USAGE.into());
    };
    let s = remux::remux(input, output, layout, audio.as_deref())?;
    eprintln!(
        "remux: {} video samples (timescale {}), {} audio frames -> {} ({})",
        s.video_samples,
        s.timescale,
        s.audio_frames,
        output.display(),
        layout.name()
    );
    Ok(())
}
