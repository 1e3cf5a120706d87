//! `framecast probe FILE...`: the box tree, tracks and layout of MP4 files, from framecast-mux's
//! inspector in its lenient mode: a file whose last top-level box was cut (a killed fragmented
//! recording) is reported with the cut, not refused. IVF files (recognised by their `DKIF`
//! signature) get their header, frame count and key frames, and for AV1 the sequence header of
//! the first temporal unit; GIFs (`GIF87a`/`GIF89a`) their screen, images, delays, looping,
//! colour tables, transparency and disposal.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::Context;
use framecast_mux::ivf::IvfReader;

mod av1;

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
    let mut magic = [0u8; 8];
    let got = file
        .read(&mut magic)
        .with_context(|| format!("reading {}", path.display()))?;
    file.seek(SeekFrom::Start(0))
        .with_context(|| format!("reading {}", path.display()))?;
    let magic = &magic[..got];
    if magic.starts_with(b"DKIF") {
        return ivf_report(BufReader::new(file))
            .with_context(|| format!("inspecting IVF file {}", path.display()));
    }
    if magic.starts_with(b"GIF87a") || magic.starts_with(b"GIF89a") {
        return gif_report(BufReader::new(file))
            .with_context(|| format!("inspecting GIF file {}", path.display()));
    }
    // An MP4 starts with a box: a 32-bit size, then a four-character type.
    let fourcc_like = magic.len() == 8
        && magic[4..]
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ');
    if !fourcc_like {
        let hex: Vec<String> = magic.iter().map(|b| format!("{b:02x}")).collect();
        anyhow::bail!(
            "{} is not an MP4, IVF or GIF file: it starts with {} (an MP4 starts with a box size and a type such as 'ftyp', an IVF with 'DKIF', a GIF with 'GIF89a')",
            path.display(),
            if hex.is_empty() {
                "nothing (it is empty)".to_owned()
            } else {
                hex.join(" ")
            }
        );
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
    let mut sequence = None;
    while let Some(frame) = reader.next_frame()? {
        if h.fourcc == *b"AV01" && frames == 0 {
            sequence = Some(
                av1::first_sequence_header(&frame.data)
                    .context("reading the sequence header of the first temporal unit")?,
            );
        }
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
    match sequence {
        Some(Some(seq)) => writeln!(s, "  sequence header: {seq}")?,
        Some(None) => writeln!(s, "  sequence header: none in the first temporal unit")?,
        None => {}
    }
    Ok(s)
}

/// The logical screen, images, timing and colour tables of a GIF (decoded with the `gif` crate).
fn gif_report(file: impl Read) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options.read_info(file)?;
    let (width, height) = (decoder.width(), decoder.height());
    let global = decoder.global_palette().map(|p| p.len() / 3);
    let mut images = 0u64;
    let mut delays = Vec::new();
    let (mut local, mut transparent, mut cropped) = (0u64, 0u64, 0u64);
    let mut disposals = [0u64; 4];
    while let Some(frame) = decoder.read_next_frame()? {
        images += 1;
        delays.push(u64::from(frame.delay));
        local += u64::from(frame.palette.is_some());
        transparent += u64::from(frame.transparent.is_some());
        cropped += u64::from((frame.width, frame.height) != (width, height));
        let d = match frame.dispose {
            gif::DisposalMethod::Any => 0,
            gif::DisposalMethod::Keep => 1,
            gif::DisposalMethod::Background => 2,
            gif::DisposalMethod::Previous => 3,
        };
        disposals[d] += 1;
    }
    let looping = match decoder.repeat() {
        gif::Repeat::Infinite => "loops forever".to_owned(),
        gif::Repeat::Finite(0) => "plays once".to_owned(),
        gif::Repeat::Finite(n) => format!("plays {} times", u32::from(n) + 1),
    };
    let total: u64 = delays.iter().sum();
    let mut s = String::new();
    writeln!(s, "GIF, {width}x{height}, {images} images, {looping}")?;
    let shown: Vec<String> = delays.iter().take(20).map(u64::to_string).collect();
    let more = if delays.len() > 20 { ", ..." } else { "" };
    writeln!(
        s,
        "  duration {:.2} s; delays (centiseconds): {}{more}",
        total as f64 / 100.0,
        shown.join(", ")
    )?;
    writeln!(
        s,
        "  colour tables: global {}, local in {local} images",
        global.map_or("none".to_owned(), |n| format!("{n} colours"))
    )?;
    writeln!(
        s,
        "  images cropped to a rectangle: {cropped}; with a transparent index: {transparent}"
    )?;
    writeln!(
        s,
        "  disposal: unspecified {}, keep {}, background {}, previous {}",
        disposals[0], disposals[1], disposals[2], disposals[3]
    )?;
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
