//! `framecast encode` with AV1: `.ivf` outputs (AV1 by default) and `--codec av1` MP4s keep
//! odd sizes exactly, every frame is there, `--chroma 444` codes 4:4:4, the colour tags match
//! the options, and independent decoders (dav1d, ffmpeg) read the streams without an error.
//! The refusals (H.264 into IVF, 4:4:4 with H.264) come before any input is read.
//!
//! Oracles: ffprobe/ffmpeg and dav1d; a missing one prints `SKIP: ...` and the test passes,
//! unless `CI` is `true`/`1`, where it fails. Small pictures, few frames, `--speed 10`.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Need, TempDir, available, ffprobe, ffprobe_names, field, framecast, note, stream};
use framecast_core::{ColorSpec, Matrix, Range};

const W: u32 = 333;
const H: u32 = 197;
const FRAMES: usize = 5;

/// `FRAMES` rgb24 frames of `W` x `H`: a gradient that moves, with a square.
fn raw_frames() -> Vec<u8> {
    let mut out = Vec::with_capacity(W as usize * H as usize * 3 * FRAMES);
    for f in 0..FRAMES as u32 {
        for y in 0..H {
            for x in 0..W {
                let inside = (40 + 7 * f..90 + 7 * f).contains(&x) && (50..100).contains(&y);
                if inside {
                    out.extend_from_slice(&[230, 40, 30]);
                } else {
                    out.extend_from_slice(&[
                        ((x + 3 * f) % 256) as u8,
                        ((y * 255) / H) as u8,
                        (((x + y) / 3) % 256) as u8,
                    ]);
                }
            }
        }
    }
    out
}

fn args(list: &[&str], out: &Path) -> Vec<String> {
    let mut v: Vec<String> = [
        "encode", "--size", "333x197", "--fps", "10", "--speed", "10", "--quiet",
    ]
    .iter()
    .chain(list)
    .map(|s| (*s).to_owned())
    .collect();
    v.push("-o".into());
    v.push(out.display().to_string());
    v
}

/// Whether `tool` runs; SKIP (or a failure under CI) when it does not.
fn have(tool: &str, install: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        note(&format!("SKIP: {tool} missing ({install})"));
        assert!(
            !common::in_ci(),
            "CI is set and the test oracle {tool} is missing"
        );
    }
    ok
}

/// dav1d decodes every frame of an IVF without an error.
fn dav1d_decodes(ivf: &Path, frames: usize) {
    if !have("dav1d", "apt-get install dav1d") {
        return;
    }
    let out = Command::new("dav1d")
        .args(["--muxer", "null", "-o", "/dev/null", "-i"])
        .arg(ivf)
        .stdin(Stdio::null())
        .output()
        .expect("run dav1d");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dav1d {}: {err}", ivf.display());
    assert!(
        err.contains(&format!("Decoded {frames}/{frames} frames")),
        "dav1d {}: {err}",
        ivf.display()
    );
}

/// ffmpeg decodes the whole file with no message at all (`-xerror`).
fn ffmpeg_decodes(file: &Path) {
    if !available(&[Need::Ffmpeg]) {
        return;
    }
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-xerror", "-i"])
        .arg(file)
        .args(["-f", "null", "-"])
        .stdin(Stdio::null())
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "ffmpeg {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// ffprobe's view of the video stream: codec, size, frames, pixel format and colour names.
fn check_probe(file: &Path, pix_fmt: &str, spec: ColorSpec) {
    if !available(&[Need::Ffprobe]) {
        return;
    }
    let probe = ffprobe(file);
    let video = stream(&probe, "video").expect("a video stream");
    assert_eq!(field(video, "codec_name"), "av1", "{}", file.display());
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(u64::from(W)), Some(u64::from(H))),
        "{}",
        file.display()
    );
    assert_eq!(
        field(video, "nb_read_frames"),
        FRAMES.to_string(),
        "{}",
        file.display()
    );
    assert_eq!(field(video, "pix_fmt"), pix_fmt, "{}", file.display());
    let names = [
        field(video, "color_range"),
        field(video, "color_space"),
        field(video, "color_primaries"),
        field(video, "color_transfer"),
    ];
    assert_eq!(names, ffprobe_names(spec), "{}", file.display());
}

fn ivf_header(file: &Path) -> (String, u16, u16, u32) {
    let b = std::fs::read(file).expect("read ivf");
    assert_eq!(&b[0..4], b"DKIF", "{}", file.display());
    (
        String::from_utf8_lossy(&b[8..12]).into_owned(),
        u16::from_le_bytes([b[12], b[13]]),
        u16::from_le_bytes([b[14], b[15]]),
        u32::from_le_bytes([b[24], b[25], b[26], b[27]]),
    )
}

fn mp4_track(file: &Path) -> (u32, u16, u16) {
    let bytes = std::fs::read(file).expect("read mp4");
    let size = bytes.len() as u64;
    let reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), size).expect("mp4");
    let track = reader
        .tracks()
        .values()
        .find(|t| t.track_type().ok() == Some(mp4::TrackType::Video))
        .expect("a video track");
    (track.sample_count(), track.width(), track.height())
}

#[test]
fn ivf_by_default_and_mp4_with_codec_av1_keep_odd_sizes_and_colour() {
    let dir = TempDir::new("cli-av1");
    let spec = ColorSpec::for_srgb(Matrix::Bt709, Range::Full);
    let colour = ["--color", "bt709", "--range", "full"];

    let ivf = dir.path().join("clip.ivf");
    let run = framecast(&args(&colour, &ivf), raw_frames());
    assert!(run.status.success(), "{}", run.stderr);
    assert!(
        !run.stderr.contains("note"),
        "no size note for AV1: {}",
        run.stderr
    );
    assert_eq!(
        ivf_header(&ivf),
        ("AV01".to_owned(), W as u16, H as u16, FRAMES as u32)
    );
    let probe = framecast(&["probe".to_owned(), ivf.display().to_string()], Vec::new());
    assert!(probe.status.success(), "{}", probe.stderr);
    let text = String::from_utf8_lossy(&probe.stdout);
    assert!(text.contains("fourcc AV01, 333x197"), "{text}");
    assert!(text.contains(&format!("frames: {FRAMES},")), "{text}");
    assert!(
        text.contains("key frames (with a sequence header): 1 [0]"),
        "{text}"
    );

    let mp4 = dir.path().join("clip.mp4");
    let mut list = vec!["--codec", "av1"];
    list.extend(colour);
    let run = framecast(&args(&list, &mp4), raw_frames());
    assert!(run.status.success(), "{}", run.stderr);
    assert!(
        !run.stderr.contains("note"),
        "no size note for AV1: {}",
        run.stderr
    );
    assert_eq!(mp4_track(&mp4), (FRAMES as u32, W as u16, H as u16));

    for file in [&ivf, &mp4] {
        check_probe(file, "yuv420p", spec);
        ffmpeg_decodes(file);
    }
    dav1d_decodes(&ivf, FRAMES);
}

#[test]
fn chroma_444_codes_yuv444p() {
    let dir = TempDir::new("cli-av1-444");
    let spec = ColorSpec::for_srgb(Matrix::Bt601, Range::Limited);
    let ivf = dir.path().join("c444.ivf");
    let run = framecast(&args(&["--chroma", "444"], &ivf), raw_frames());
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(
        ivf_header(&ivf),
        ("AV01".to_owned(), W as u16, H as u16, FRAMES as u32)
    );
    let mp4 = dir.path().join("c444.mp4");
    let run = framecast(
        &args(&["--codec", "av1", "--chroma", "444"], &mp4),
        raw_frames(),
    );
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(mp4_track(&mp4), (FRAMES as u32, W as u16, H as u16));
    for file in [&ivf, &mp4] {
        check_probe(file, "yuv444p", spec);
        ffmpeg_decodes(file);
    }
    dav1d_decodes(&ivf, FRAMES);
}

#[test]
fn h264_into_ivf_and_444_h264_are_refused_before_reading_input() {
    let dir = TempDir::new("cli-av1-refuse");
    let ivf = dir.path().join("x.ivf");
    let run = framecast(&args(&["--codec", "h264"], &ivf), Vec::new());
    assert!(!run.status.success());
    assert!(
        run.stderr.contains("IVF") && run.stderr.contains("H.264") && run.stderr.contains("AV1"),
        "{}",
        run.stderr
    );
    assert!(!ivf.exists(), "no file for a refused encode");

    let mp4 = dir.path().join("x.mp4");
    let run = framecast(&args(&["--chroma", "444"], &mp4), Vec::new());
    assert!(!run.status.success());
    assert!(
        run.stderr.contains("4:4:4") && run.stderr.contains("H.264"),
        "{}",
        run.stderr
    );
    assert!(!mp4.exists(), "no file for a refused encode");

    let run = framecast(
        &args(&["--codec", "h264", "--workers", "2"], &mp4),
        Vec::new(),
    );
    assert!(!run.status.success());
    assert!(
        run.stderr.contains("workers") && run.stderr.contains("H.264"),
        "{}",
        run.stderr
    );
}

#[test]
fn gop_parallel_workers_keep_every_frame() {
    let dir = TempDir::new("cli-av1-workers");
    let ivf = dir.path().join("w.ivf");
    // Chunks of 2 frames (keyint 2), 2 workers: 3 chunks stitched into one stream.
    let run = framecast(
        &args(&["--workers", "2", "--keyint", "2"], &ivf),
        raw_frames(),
    );
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(
        ivf_header(&ivf),
        ("AV01".to_owned(), W as u16, H as u16, FRAMES as u32)
    );
    let probe = framecast(&["probe".to_owned(), ivf.display().to_string()], Vec::new());
    let text = String::from_utf8_lossy(&probe.stdout);
    assert!(
        text.contains("key frames (with a sequence header): 3 [0, 2, 4]"),
        "{text}"
    );
    dav1d_decodes(&ivf, FRAMES);
    ffmpeg_decodes(&ivf);
}
