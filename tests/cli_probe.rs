//! `framecast probe`: reports the tree and tracks of a corpus MP4, and names the file and the
//! problem when it cannot; names the profile and level of H.264 and AV1 tracks and of the AV1
//! sequence header of an IVF file as ffprobe (and ffmpeg's `trace_headers`) read them.
//!
//! Oracles: ffprobe and ffmpeg; a missing one prints `SKIP: ...` and the test passes, unless
//! `CI` is `true`/`1`, where it fails.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    Need, TempDir, av1_sequence_colour, available, corpus, ffprobe, field, framecast, in_ci, note,
    stream,
};

#[test]
fn probe_reports_tree_tracks_and_layout() {
    if !available(&[Need::Corpus("mp4/mp4parse_tiny_av1.mp4")]) {
        return;
    }
    let path = corpus().join("mp4/mp4parse_tiny_av1.mp4");
    let out = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .arg("probe")
        .arg(&path)
        .output()
        .expect("run framecast");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    for want in [
        "moov @",
        "  trak @",
        "av1C @",
        "layout: progressive",
        "track 1: vide av01 64x64 AV1 Main profile, level 2.0 (seq_level_idx 0), Main tier, \
         8-bit 4:2:0, timescale 12288",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn probe_names_missing_and_bad_files() {
    let out = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .args(["probe", "/nonexistent/x.mp4"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("opening /nonexistent/x.mp4"), "{err}");

    let junk =
        std::env::temp_dir().join(format!("framecast-probe-junk-{}.mp4", std::process::id()));
    std::fs::write(&junk, b"\x00\x00\x00\x10moovthis is not a box tree").expect("write temp file");
    let out = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .arg("probe")
        .arg(&junk)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&junk);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("inspecting") && err.contains("framecast-probe-junk"),
        "{err}"
    );
}

/// Runs `framecast ARGS` with `stdin`, returning (success, stdout, stderr).
fn run(args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run framecast");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn probe_reports_a_gif_and_refuses_what_is_not_a_container() {
    let dir = std::env::temp_dir().join(format!("framecast-probe-gif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let gif = dir.join("a.gif");
    // 7 frames of 20x10 at 30 fps, each different, played three times.
    let frames: Vec<u8> = (0..7u8)
        .flat_map(|f| (0..200u32).flat_map(move |p| [(p % 20 * 12) as u8, f * 30, 90]))
        .collect();
    let gif_arg = gif.display().to_string();
    let (ok, _, err) = run(
        &[
            "encode", "-q", "--size", "20x10", "--loop", "2", "-o", &gif_arg,
        ],
        &frames,
    );
    assert!(ok, "{err}");
    let (ok, text, err) = run(&["probe", &gif_arg], &[]);
    assert!(ok, "{err}");
    for want in [
        "GIF, 20x10, 7 images, plays 3 times",
        "duration 0.23 s; delays (centiseconds): 3, 3, 4, 3, 3, 4, 3",
        "colour tables: global",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    let junk = dir.join("junk.mp4");
    std::fs::write(&junk, [0x00u8, 0x01, 0x02, 0x03, 0xff, 0xfe, 0x00, 0x10]).expect("write");
    let (ok, _, err) = run(&["probe", &junk.display().to_string()], &[]);
    assert!(!ok);
    assert!(
        err.contains("is not an MP4, IVF or GIF file: it starts with 00 01 02 03 ff fe 00 10"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const SIZE: &str = "640x360";

/// Three rgb24 frames of 640x360 (a gradient that moves): large enough for AV1 level 2.1 and
/// H.264 level 3.0 at 30 fps.
fn frames() -> Vec<u8> {
    let (w, h) = (640u32, 360u32);
    let mut out = Vec::with_capacity((w * h * 3 * 3) as usize);
    for f in 0..3 {
        for y in 0..h {
            for x in 0..w {
                out.extend_from_slice(&[
                    ((x * 3 + f * 5) % 256) as u8,
                    ((y * 255) / h) as u8,
                    (((x + y) / 2) % 256) as u8,
                ]);
            }
        }
    }
    out
}

/// `framecast encode --size 640x360 --fps 30 EXTRA... -o DIR/NAME`.
fn encode(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args: Vec<String> = ["encode", "--quiet", "--size", SIZE, "--fps", "30"]
        .iter()
        .chain(extra)
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["-o".to_owned(), out.display().to_string()]);
    let run = framecast(&args, frames());
    assert!(run.status.success(), "{args:?}: {}", run.stderr);
    out
}

/// `framecast probe FILE`'s standard output.
fn probe(file: &Path) -> String {
    let run = framecast(
        &["probe".to_owned(), file.display().to_string()],
        Vec::new(),
    );
    assert!(run.status.success(), "{}", run.stderr);
    String::from_utf8(run.stdout).unwrap()
}

/// ffprobe's `profile`, `level` and `pix_fmt` of the video stream.
fn ffprobe_video(file: &Path) -> (String, i64, String) {
    let v = ffprobe(file);
    let s = stream(&v, "video").expect("a video stream");
    (
        field(s, "profile").to_owned(),
        s["level"].as_i64().expect("a level"),
        field(s, "pix_fmt").to_owned(),
    )
}

/// The bit depth and chroma format that the probe prints for an ffmpeg pixel format.
fn depth_and_chroma(pix_fmt: &str) -> &'static str {
    match pix_fmt {
        "yuv420p" => "8-bit 4:2:0",
        "yuv444p" => "8-bit 4:4:4",
        "yuv420p10le" => "10-bit 4:2:0",
        other => panic!("pixel format {other} not expected here"),
    }
}

/// The AV1 text the probe prints for ffprobe's view of a stream: `seq_level_idx` is ffprobe's
/// `level`, named X.Y with X = 2 + idx / 4, Y = idx % 4 (AV1 Annex A.3).
fn av1_expected(file: &Path) -> String {
    let (profile, level, pix_fmt) = ffprobe_video(file);
    let level_text = match level {
        0..=23 => format!("level {}.{}", 2 + level / 4, level % 4),
        31 => "no level constraint".to_owned(),
        other => panic!("ffprobe level {other}"),
    };
    format!(
        "{profile} profile, {level_text} (seq_level_idx {level}), Main tier, {}",
        depth_and_chroma(&pix_fmt)
    )
}

/// The IVF line: the AV1 text, the maximum size and the colour fields as ffmpeg's own parser
/// (`trace_headers`) reads them.
fn ivf_expected(file: &Path, size: &str) -> String {
    let (_, vui) = av1_sequence_colour(file).expect("a colour description");
    format!(
        "  sequence header: {}, max {size}, colour {}/{}/{} (primaries/transfer/matrix) {} range\n",
        av1_expected(file),
        vui.primaries,
        vui.transfer,
        vui.matrix,
        if vui.full_range == 1 {
            "full"
        } else {
            "limited"
        }
    )
}

#[test]
fn probe_names_the_h264_profile_and_level_that_ffprobe_reads() {
    if !available(&[Need::Ffprobe]) {
        return;
    }
    let dir = TempDir::new("probe-h264");
    let mp4 = encode(dir.path(), "h.mp4", &[]);
    let (profile, level, pix_fmt) = ffprobe_video(&mp4);
    assert_eq!(pix_fmt, "yuv420p");
    let text = probe(&mp4);
    let want = format!("track 1: vide avc1 {SIZE} H.264 {profile} profile (",);
    let line = text
        .lines()
        .find(|l| l.starts_with(&want))
        .unwrap_or_else(|| panic!("{want:?} missing from:\n{text}"));
    // ffprobe's level is level_idc: 30 is level 3.0.
    let level_text = format!("), level {}.{},", level / 10, level % 10);
    assert!(
        line.contains(&level_text),
        "{level_text:?} missing from {line}"
    );
}

#[test]
fn probe_names_the_av1_profile_and_level_that_ffprobe_reads_in_mp4_and_ivf() {
    if !available(&[Need::Ffprobe, Need::Ffmpeg]) {
        return;
    }
    let dir = TempDir::new("probe-av1");
    for (name, extra, profile) in [
        ("a.mp4", &["--codec", "av1"][..], "Main"),
        ("a.ivf", &[][..], "Main"),
        ("c.mp4", &["--codec", "av1", "--chroma", "444"][..], "High"),
        (
            "c.ivf",
            &["--chroma", "444", "--color", "bt709", "--range", "full"][..],
            "High",
        ),
    ] {
        let extra = [&["--speed", "10"], extra].concat();
        let file = encode(dir.path(), name, &extra);
        let (probed_profile, _, _) = ffprobe_video(&file);
        assert_eq!(probed_profile, profile, "{name}");
        let want = if name.ends_with(".mp4") {
            format!("track 1: vide av01 {SIZE} AV1 {},", av1_expected(&file))
        } else {
            ivf_expected(&file, SIZE)
        };
        let text = probe(&file);
        assert!(
            text.contains(&want),
            "{name}: {want:?} missing from:\n{text}"
        );
    }
}

/// A stream from another encoder (the corpus's 10-bit HDR AV1, copied into IVF by ffmpeg):
/// no level constraint (seq_level_idx 31) and a BT.2020/PQ colour description.
#[test]
fn probe_reads_the_sequence_header_of_a_corpus_av1_stream_copied_to_ivf() {
    let source = "mp4/androidx_hdr10-av1.mp4";
    if !available(&[Need::Ffprobe, Need::Ffmpeg, Need::Corpus(source)]) {
        return;
    }
    let dir = TempDir::new("probe-corpus-ivf");
    let ivf = dir.path().join("hdr10.ivf");
    let input = corpus().join(source);
    let input = input.to_str().unwrap();
    run_ffmpeg(&["-i", input, "-map", "0:v:0", "-c", "copy"], &ivf);
    let want = ivf_expected(&ivf, "720x1280");
    assert_eq!(
        want,
        "  sequence header: Main profile, no level constraint (seq_level_idx 31), Main tier, \
         10-bit 4:2:0, max 720x1280, colour 9/16/9 (primaries/transfer/matrix) limited range\n"
    );
    let text = probe(&ivf);
    assert!(text.contains(&want), "{want:?} missing from:\n{text}");
}

/// Runs `ffmpeg -v error -nostdin ARGS OUTPUT`; a failure shows ffmpeg's stderr.
fn run_ffmpeg(args: &[&str], output: &Path) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin"])
        .args(args)
        .arg(output)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether this ffmpeg has the encoder `name`; SKIP (a failure under CI) when it does not.
fn ffmpeg_encoder(name: &str) -> bool {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .output()
        .expect("run ffmpeg");
    let listed = String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.split_whitespace().nth(1) == Some(name));
    if !listed {
        note(&format!("SKIP: ffmpeg's {name} encoder missing"));
        assert!(!in_ci(), "CI is set and ffmpeg's {name} encoder is missing");
    }
    listed
}

/// Another encoder's stream (libaom through ffmpeg, 1080p60): timing info, a decoder model
/// with operating parameters, a level of 4.0 or more (where `seq_tier` is coded) and a colour
/// description, all before the fields the probe prints.
#[test]
fn probe_reads_a_libaom_sequence_header_with_timing_info_and_a_decoder_model() {
    if !available(&[Need::Ffprobe, Need::Ffmpeg]) || !ffmpeg_encoder("libaom-av1") {
        return;
    }
    let dir = TempDir::new("probe-libaom");
    let ivf = dir.path().join("aom.ivf");
    run_ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=1920x1080:rate=60",
            "-frames:v",
            "2",
            "-c:v",
            "libaom-av1",
            "-cpu-used",
            "8",
            "-aom-params",
            "timing-info=model",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-colorspace",
            "bt709",
            "-pix_fmt",
            "yuv420p",
        ],
        &ivf,
    );
    let (_, level, _) = ffprobe_video(&ivf);
    assert!(level > 7, "libaom chose seq_level_idx {level} for 1080p60");
    let want = ivf_expected(&ivf, "1920x1080");
    let text = probe(&ivf);
    assert!(text.contains(&want), "{want:?} missing from:\n{text}");
}
