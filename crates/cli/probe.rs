//! `framecast probe FILE...`: the box tree, tracks and layout of MP4 files, from framecast-mux's
//! inspector in its lenient mode: a file whose last top-level box was cut (a killed fragmented
//! recording) is reported with the cut, not refused. IVF files (recognised by their `DKIF`
//! signature) get their header, frame count and key frames.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::Context;
use framecast_mux::ivf::IvfReader;

/// Prints the report of every file; the first file that cannot be read or parsed is the error.
pub(crate) fn probe(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for (i, path) in files.iter().enumerate() {
        let report = inspect(path)?;
        if i > 0 {
            writeln!(out)?;
        }
        write!(out, "{}:\n{report}", path.display())?;
    }
    out.flush()?;
    Ok(())
}

fn inspect(path: &Path) -> anyhow::Result<String> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut magic = [0u8; 4];
    let got = file
        .read(&mut magic)
        .with_context(|| format!("reading {}", path.display()))?;
    file.seek(SeekFrom::Start(0))
        .with_context(|| format!("reading {}", path.display()))?;
    if got == 4 && &magic == b"DKIF" {
        return ivf_report(BufReader::new(file))
            .with_context(|| format!("inspecting IVF file {}", path.display()));
    }
    let report = framecast_mux::inspect::inspect_lenient(BufReader::new(file))
        .with_context(|| format!("inspecting {}", path.display()))?;
    Ok(report.to_string())
}

/// The header of an IVF file and what its frames hold.
fn ivf_report(file: impl Read) -> anyhow::Result<String> {
    let mut reader = IvfReader::new(file)?;
    let h = *reader.header();
    let mut frames = 0u64;
    let mut bytes = 0u64;
    let mut keyframes = Vec::new();
    let mut last_pts = None;
    while let Some(frame) = reader.next_frame()? {
        // AV1 temporal units: a key frame starts with a sequence header OBU after the
        // temporal delimiter (framecast, rav1e and aomenc write it there).
        if h.fourcc == *b"AV01" && starts_with_sequence_header(&frame.data) {
            keyframes.push(frames);
        }
        frames += 1;
        bytes += frame.data.len() as u64;
        last_pts = Some(frame.pts);
    }
    let fourcc = String::from_utf8_lossy(&h.fourcc).into_owned();
    let (num, den) = (h.time_base.num(), h.time_base.den());
    let mut s = String::new();
    use std::fmt::Write as _;
    writeln!(s, "IVF, fourcc {fourcc}, {}x{}", h.width, h.height)?;
    writeln!(
        s,
        "  time base {num}/{den} s ({den}/{num} ticks per second)"
    )?;
    let stored = if h.frame_count == 0 && frames > 0 {
        " (header: 0, not filled in by the writer)".to_owned()
    } else if u64::from(h.frame_count) != frames {
        format!(" (header says {})", h.frame_count)
    } else {
        String::new()
    };
    writeln!(s, "  frames: {frames}{stored}, {bytes} bytes of frame data")?;
    if let Some(pts) = last_pts {
        writeln!(s, "  last pts: {pts}")?;
    }
    if h.fourcc == *b"AV01" {
        let shown: Vec<String> = keyframes.iter().take(20).map(u64::to_string).collect();
        let more = if keyframes.len() > 20 { ", ..." } else { "" };
        writeln!(
            s,
            "  key frames (with a sequence header): {} [{}{more}]",
            keyframes.len(),
            shown.join(", ")
        )?;
    }
    Ok(s)
}

/// Whether a temporal unit has a sequence header OBU right after its temporal delimiter (or
/// first, without one).
fn starts_with_sequence_header(data: &[u8]) -> bool {
    let kind = |b: u8| (b >> 3) & 0x0f;
    match data {
        [td, 0x00, next, ..] if kind(*td) == 2 => kind(*next) == 1,
        [first, ..] => kind(*first) == 1,
        [] => false,
    }
}
