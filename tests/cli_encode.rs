//! `framecast encode` and `framecast demo` end to end: the happy paths of each input kind and
//! every bad-input case of the CLI contract (each names what was wrong, keeps what was accepted,
//! never panics or hangs). MP4 outputs are read back with the independent `mp4` crate.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_framecast"))
}

/// A fresh empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("framecast-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Seeded frames of `w` x `h` pixels of `bpp` bytes: a moving gradient plus noise.
fn frames(w: u32, h: u32, bpp: usize, count: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_u32;
    let mut out = Vec::with_capacity(w as usize * h as usize * bpp * count);
    for f in 0..count {
        for y in 0..h as usize {
            for x in 0..w as usize {
                for c in 0..bpp {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    let v = (x * 3 + y * (c + 1) + f * 5) as u32 + (state & 7);
                    out.push(v as u8);
                }
            }
        }
    }
    out
}

/// Runs the binary with `stdin` bytes; waits at most 60 s.
fn run_with_input(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn framecast");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A closed pipe is fine: the binary may refuse the input before reading it all.
        let _ = input.write_all(&data);
    });
    let out = wait_timeout(child, Duration::from_secs(60));
    let _ = writer.join();
    out
}

fn wait_timeout(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("framecast did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Video sample count and track size, read with the `mp4` crate.
fn mp4_video(path: &Path) -> (u32, u16, u16) {
    let bytes = std::fs::read(path).expect("read mp4");
    let size = bytes.len() as u64;
    let reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), size).expect("parse mp4");
    let track = reader
        .tracks()
        .values()
        .find(|t| t.track_type().ok() == Some(mp4::TrackType::Video))
        .expect("a video track");
    (track.sample_count(), track.width(), track.height())
}

fn no_stray_files(dir: &Path) {
    let names: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.is_empty(), "files left behind: {names:?}");
}

#[test]
fn raw_rgb24_from_stdin_becomes_an_mp4_with_every_frame() {
    let dir = temp_dir("raw");
    let out_path = dir.join("out.mp4");
    let out = run_with_input(
        bin()
            .args(["encode", "--size", "64x48", "--fps", "25", "-o"])
            .arg(&out_path),
        &frames(64, 48, 3, 10),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mp4_video(&out_path), (10, 64, 48));
    let err = stderr(&out);
    assert!(err.contains("10 frames"), "summary line missing: {err}");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when writing a file"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn input_ending_inside_a_frame_keeps_the_complete_frames_and_names_the_leftover() {
    let dir = temp_dir("trunc");
    let out_path = dir.join("out.mp4");
    let frame = 64 * 48 * 4;
    let mut input = frames(64, 48, 4, 4);
    input.truncate(3 * frame + 1000);
    let out = run_with_input(
        bin()
            .args(["encode", "--size", "64x48", "--pix-fmt", "rgba", "-o"])
            .arg(&out_path),
        &input,
    );
    assert!(
        !out.status.success(),
        "a truncated input must exit non-zero"
    );
    let err = stderr(&out);
    assert!(
        err.contains("1000"),
        "the leftover byte count is named: {err}"
    );
    assert!(
        err.contains(&frame.to_string()),
        "the frame size is named: {err}"
    );
    assert_eq!(
        mp4_video(&out_path).0,
        3,
        "the 3 complete frames are in a finished file"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn no_frames_at_all_is_an_error_and_leaves_no_file() {
    let dir = temp_dir("empty");
    let out = run_with_input(
        bin()
            .args(["encode", "--size", "64x48", "-o"])
            .arg(dir.join("out.mp4")),
        &[],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no frames"), "{}", stderr(&out));
    no_stray_files(&dir);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unknown_pixel_format_lists_the_valid_names() {
    let dir = temp_dir("pixfmt");
    let out = run_with_input(
        bin()
            .args(["encode", "--size", "64x48", "--pix-fmt", "rgb565", "-o"])
            .arg(dir.join("out.mp4")),
        &frames(64, 48, 3, 1),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    for name in [
        "rgb565", "rgb24", "bgr24", "rgba", "bgra", "argb", "abgr", "gray",
    ] {
        assert!(err.contains(name), "'{name}' missing from: {err}");
    }
    no_stray_files(&dir);
    std::fs::remove_dir_all(dir).ok();
}

fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let mut img = image::RgbImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels_mut() {
        *p = image::Rgb([(x as u8).wrapping_add(seed), y as u8, seed]);
    }
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode png");
    out
}

#[test]
fn png_stream_size_change_names_the_frame_and_both_sizes() {
    let dir = temp_dir("pngsize");
    let out_path = dir.join("out.mp4");
    let mut stream = Vec::new();
    for i in 0..3 {
        stream.extend(png(32, 24, i));
    }
    stream.extend(png(40, 24, 9));
    let out = run_with_input(bin().args(["encode", "-o"]).arg(&out_path), &stream);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("40x24") && err.contains("32x24") && err.contains('3'),
        "frame index and both sizes: {err}"
    );
    assert_eq!(
        mp4_video(&out_path).0,
        3,
        "frames before the change are kept"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn png_stream_on_stdin_is_detected() {
    let dir = temp_dir("pngstream");
    let out_path = dir.join("out.mp4");
    let stream: Vec<u8> = (0..5).flat_map(|i| png(48, 32, i * 20)).collect();
    let out = run_with_input(
        bin().args(["encode", "--quiet", "-o"]).arg(&out_path),
        &stream,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).is_empty(),
        "--quiet prints nothing: {}",
        stderr(&out)
    );
    assert_eq!(mp4_video(&out_path), (5, 48, 32));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_directory_of_pngs_is_read_in_natural_order() {
    let dir = temp_dir("seq");
    let frames_dir = dir.join("frames");
    std::fs::create_dir_all(&frames_dir).expect("mkdir");
    for i in 1..=12u8 {
        std::fs::write(frames_dir.join(format!("img{i}.png")), png(32, 32, i * 10)).expect("png");
    }
    let out_path = dir.join("seq.m4v");
    let out = bin()
        .args(["encode", "--fps", "12", "-i"])
        .arg(&frames_dir)
        .arg("-o")
        .arg(&out_path)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mp4_video(&out_path), (12, 32, 32));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn zero_and_absurd_sizes_are_refused_before_reading() {
    let dir = temp_dir("sizes");
    for (size, expect) in [
        ("0x10", "between 1 and 16384"),
        ("20000x10", "between 1 and 16384"),
        ("4000x4000", "3840"),
    ] {
        let out = bin()
            .args(["encode", "--size", size, "-o"])
            .arg(dir.join("out.mp4"))
            // stdin never ends: the refusal must come before any read.
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        let out = wait_timeout(out, Duration::from_secs(20));
        assert!(!out.status.success(), "{size} accepted");
        assert!(stderr(&out).contains(expect), "{size}: {}", stderr(&out));
    }
    no_stray_files(&dir);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_missing_output_directory_is_named() {
    let out = run_with_input(
        bin().args([
            "encode",
            "--size",
            "16x16",
            "-o",
            "/nonexistent-framecast-dir/sub/out.mp4",
        ]),
        &frames(16, 16, 3, 1),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("/nonexistent-framecast-dir/sub"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_output_extension_is_refused_with_the_accepted_ones() {
    let out = run_with_input(
        bin().args(["encode", "--size", "16x16", "-o", "clip.webm"]),
        &frames(16, 16, 3, 1),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(".webm") && err.contains(".mp4"), "{err}");
}

#[test]
fn stdout_gets_a_fragmented_mp4() {
    let out = run_with_input(
        bin().args(["encode", "--size", "64x48", "--quiet", "-o", "-"]),
        &frames(64, 48, 3, 8),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mp4 = out.stdout;
    assert_eq!(&mp4[4..8], b"ftyp");
    let has = |tag: &[u8]| mp4.windows(4).any(|w| w == tag);
    assert!(has(b"moof") && has(b"mvex"), "fragmented layout on stdout");
}

#[test]
fn stdout_closed_by_its_reader_ends_without_panic_or_hang() {
    let mut child = bin()
        .args(["encode", "--size", "320x240", "--quiet", "-o", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    let mut input = child.stdin.take().expect("stdin");
    let data = frames(320, 240, 3, 90);
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout); // the reader goes away, like `| head -c 64`
    let out = wait_timeout(child, Duration::from_secs(60));
    let _ = writer.join();
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn stdout_on_a_full_disk_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        let _ = writeln!(std::io::stderr(), "SKIP: /dev/full is not available");
        return;
    };
    let mut child = bin()
        .args(["encode", "--size", "64x48", "--quiet", "-o", "-"])
        .stdin(Stdio::piped())
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let data = frames(64, 48, 3, 40);
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = wait_timeout(child, Duration::from_secs(60));
    let _ = writer.join();
    assert!(!out.status.success(), "writing to a full disk must fail");
    let err = stderr(&out);
    assert!(err.contains("No space left"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn interrupt_finishes_the_file_with_the_frames_so_far() {
    let dir = temp_dir("sigint");
    let out_path = dir.join("out.mp4");
    let mut child = bin()
        .args(["encode", "--size", "64x48", "--quiet", "-o"])
        .arg(&out_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(&frames(64, 48, 3, 6))
        .expect("write frames");
    input.flush().expect("flush");
    // Let the frames through the pipeline, then interrupt while stdin stays open (the writer
    // is idle, as a paused producer would be).
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = wait_timeout(child, Duration::from_secs(30));
    drop(input);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert_eq!(
        mp4_video(&out_path).0,
        6,
        "every frame read before Ctrl-C is in the file"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn odd_sizes_are_padded_with_a_note_or_cropped() {
    let dir = temp_dir("odd");
    let input = frames(17, 9, 3, 3);
    let padded = dir.join("pad.mp4");
    let out = run_with_input(
        bin().args(["encode", "--size", "17x9", "-o"]).arg(&padded),
        &input,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("18x10"), "{}", stderr(&out));
    assert_eq!(mp4_video(&padded), (3, 18, 10));
    let cropped = dir.join("crop.mp4");
    let out = run_with_input(
        bin()
            .args(["encode", "--size", "17x9", "--odd", "crop", "-o"])
            .arg(&cropped),
        &input,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mp4_video(&cropped), (3, 16, 8));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn demo_writes_a_playable_file_without_input() {
    let dir = temp_dir("demo");
    let out_path = dir.join("demo.mp4");
    let out = bin()
        .args(["demo", "--size", "320x180", "--seconds", "1", "--quiet"])
        .arg(&out_path)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mp4_video(&out_path), (30, 320, 180));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn help_shows_examples_for_the_common_uses() {
    let out = bin().args(["encode", "--help"]).output().expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in ["buffer_rgba", "numpy", "img%04d.png", "--audio"] {
        assert!(help.contains(needle), "'{needle}' missing from --help");
    }
}

#[test]
fn y4m_444_input_is_encoded_without_an_rgb_round_trip() {
    let dir = temp_dir("y4m444");
    let (w, h) = (33, 17);
    let mut y4m = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C444\n").into_bytes();
    for f in 0..4u8 {
        y4m.extend_from_slice(b"FRAME\n");
        y4m.extend(std::iter::repeat_n(100 + f, (w * h) as usize)); // Y
        y4m.extend(std::iter::repeat_n(90, (w * h) as usize)); // U
        y4m.extend(std::iter::repeat_n(200, (w * h) as usize)); // V
    }
    let out_path = dir.join("out.mp4");
    let out = run_with_input(bin().args(["encode", "--quiet", "-o"]).arg(&out_path), &y4m);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mp4_video(&out_path), (4, 34, 18));
    std::fs::remove_dir_all(dir).ok();
}
