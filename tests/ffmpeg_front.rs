//! The ffmpeg-compatible front end to end: every argv shape of docs/ffmpeg-compat.md, run
//! through a link named `ffmpeg` and through `framecast ffmpeg`, with exactly the frames the
//! libraries send; the probes parsed the way imageio and MoviePy parse them; the error paths
//! answered before stdin is read.

#[path = "ffmpeg_front/support.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use support::{
    BOTH, TempDir, Via, argv, check_gif, check_video, ffmpeg, frames, have_ffprobe, mp4_video, run,
    run_open_stdin, stderr,
};

/// Runs one shape both ways; `out` is the output file name inside the test dir.
fn shape(name: &str, line: &str, input: &[u8], out: &str, expect: (u64, (u32, u32), &str)) {
    for via in BOTH {
        let dir = TempDir::new(&format!("{name}-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(line, dir.path()));
        let result = run(cmd, input);
        check_video(&result, &dir.join(out), expect.0, expect.1, expect.2);
    }
}

#[test]
fn matplotlib_ffmpeg_writer() {
    shape(
        "mpl",
        "-f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgba -framerate 10 -loglevel error -i pipe: -vcodec h264 -pix_fmt yuv420p -y {dir}/out.mp4",
        &frames(100, 80, 4, 12),
        "out.mp4",
        (12, (100, 80), "10/1"),
    );
}

#[test]
fn matplotlib_libx264_bitrate_metadata_and_default_rate() {
    shape(
        "mpl-br",
        "-f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgba -framerate 10.0 -loglevel error -i pipe: -vcodec libx264 -b 1800k -metadata title=Plot -metadata artist=Me -y {dir}/out.mp4",
        &frames(100, 80, 4, 7),
        "out.mp4",
        (7, (100, 80), "10/1"),
    );
}

#[test]
fn matplotlib_html5_video_writes_m4v() {
    shape(
        "mpl-m4v",
        "-f rawvideo -vcodec rawvideo -s 64x48 -pix_fmt rgba -framerate 5 -loglevel error -i pipe: -vcodec h264 -pix_fmt yuv420p -y {dir}/temp.m4v",
        &frames(64, 48, 4, 5),
        "temp.m4v",
        (5, (64, 48), "5/1"),
    );
}

/// Writes `count` PNG frames named `tmp%07d.png` from `first`.
fn write_pngs(dir: &Path, first: u32, count: u32) {
    let data = frames(40, 30, 3, count as usize);
    for (i, frame) in data.chunks_exact(40 * 30 * 3).enumerate() {
        let img = image::RgbImage::from_raw(40, 30, frame.to_vec()).expect("image");
        img.save(dir.join(format!("tmp{:07}.png", first + i as u32)))
            .expect("save png");
    }
}

#[test]
fn matplotlib_file_writer_pngs_numbered_from_0_and_1() {
    for first in [0, 1] {
        for via in BOTH {
            let dir = TempDir::new(&format!("mplfile{first}-{via:?}"));
            write_pngs(dir.path(), first, 6);
            let mut cmd = ffmpeg(via, dir.path());
            cmd.args(argv(
                "-framerate 10 -i {dir}/tmp%07d.png -loglevel error -vcodec h264 -pix_fmt yuv420p -y {dir}/out.mp4",
                dir.path(),
            ));
            let out = run(cmd, &[]);
            check_video(&out, &dir.join("out.mp4"), 6, (40, 30), "10/1");
        }
    }
}

#[test]
fn matplotlib_file_writer_raw_rgba_files_and_frame_limit() {
    for via in BOTH {
        let dir = TempDir::new(&format!("mplraw-{via:?}"));
        let data = frames(50, 40, 4, 8);
        for (i, frame) in data.chunks_exact(50 * 40 * 4).enumerate() {
            std::fs::write(dir.join(&format!("tmp{i:07}.rgba")), frame).expect("write");
        }
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(
            "-f image2 -vcodec rawvideo -video_size 50x40 -pixel_format rgba -framerate 10 -i {dir}/tmp%07d.rgba -loglevel error -vcodec h264 -pix_fmt yuv420p -frames:v 6 -y {dir}/out.mp4",
            dir.path(),
        ));
        let out = run(cmd, &[]);
        check_video(&out, &dir.join("out.mp4"), 6, (50, 40), "10/1");
    }
}

#[test]
fn imageio_rgb24_with_its_scale_filter() {
    // 100x80 is not a multiple of 16 in width: imageio asks for scale=112:80.
    shape(
        "imageio",
        "-y -f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgb24 -r 10 -i - -an -vcodec libx264 -pix_fmt yuv420p -crf 10 -vf scale=112:80 -v warning {dir}/out.mp4",
        &frames(100, 80, 3, 9),
        "out.mp4",
        (9, (112, 80), "10/1"),
    );
}

#[test]
fn imageio_gray_rgba_and_2997() {
    shape(
        "imageio-gray",
        "-y -f rawvideo -vcodec rawvideo -s 64x48 -pix_fmt gray -r 2997/100 -i - -an -vcodec libx264 -pix_fmt yuv420p -v warning {dir}/gray.mp4",
        &frames(64, 48, 1, 10),
        "gray.mp4",
        (10, (64, 48), "2997/100"),
    );
    shape(
        "imageio-rgba",
        "-y -f rawvideo -vcodec rawvideo -s 64x48 -pix_fmt rgba -r 30000/1001 -i - -an -vcodec libopenh264 -pix_fmt yuv420p -qscale:v 7 -v warning {dir}/rgba.mp4",
        &frames(64, 48, 4, 10),
        "rgba.mp4",
        (10, (64, 48), "30000/1001"),
    );
}

#[test]
fn moviepy_odd_size_with_yuva420p() {
    shape(
        "moviepy",
        "-y -loglevel error -f rawvideo -vcodec rawvideo -s 65x49 -pix_fmt rgb24 -r 10.00 -an -i - -vcodec libx264 -preset medium -pix_fmt yuva420p {dir}/out.mp4",
        &frames(65, 49, 3, 8),
        "out.mp4",
        // H.264 4:2:0 pads odd sides (DESIGN contract 2).
        (8, (66, 50), "10/1"),
    );
}

#[test]
fn partial_trailing_frame_warns_and_keeps_complete_frames() {
    for via in BOTH {
        let dir = TempDir::new(&format!("partial-{via:?}"));
        let mut input = frames(32, 32, 3, 4);
        input.extend_from_slice(&[7u8; 100]);
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(
            "-f rawvideo -s 32x32 -pix_fmt rgb24 -r 10 -i - -vcodec libx264 {dir}/out.mp4",
            dir.path(),
        ));
        let out = run(cmd, &input);
        check_video(&out, &dir.join("out.mp4"), 4, (32, 32), "10/1");
        let err = stderr(&out);
        assert!(err.contains("warning") && err.contains("100"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn no_frames_is_an_error_and_no_file() {
    for via in BOTH {
        let dir = TempDir::new(&format!("empty-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(
            "-f rawvideo -s 32x32 -pix_fmt rgb24 -r 10 -i - {dir}/out.mp4",
            dir.path(),
        ));
        let out = run(cmd, &[]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("Output file is empty"),
            "{}",
            stderr(&out)
        );
        assert!(!dir.join("out.mp4").exists());
    }
}

#[test]
fn a_closed_stderr_does_not_fail_the_encode() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = TempDir::new("closed-stderr");
    let mut cmd = ffmpeg(Via::Link, dir.path());
    // A warning line is due (the trailing partial frame) after stderr is gone.
    cmd.args(argv(
        "-f rawvideo -s 32x32 -pix_fmt rgb24 -r 10 -i - -tune film {dir}/out.mp4",
        dir.path(),
    ));
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stderr.take());
    let mut input = frames(32, 32, 3, 5);
    input.extend_from_slice(&[1, 2, 3]);
    let mut stdin = child.stdin.take().expect("stdin");
    let _ = stdin.write_all(&input);
    drop(stdin);
    let out = support::wait(child, Duration::from_secs(60));
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(support::mp4_video(&dir.join("out.mp4")).0, 5);
}

#[test]
fn stdout_output_is_a_fragmented_mp4() {
    let dir = TempDir::new("stdout");
    let mut cmd = ffmpeg(Via::Link, dir.path());
    cmd.args(argv(
        "-f rawvideo -s 32x32 -pix_fmt rgb24 -r 10 -i - -f mp4 -movflags frag_keyframe+empty_moov -",
        dir.path(),
    ));
    let out = run(cmd, &frames(32, 32, 3, 3));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(&out.stdout[4..8], b"ftyp");
}

// ---------------------------------------------------------------------------------------------
// Probes

#[test]
fn version_first_line_is_what_moviepy_and_imageio_parse() {
    for via in BOTH {
        let dir = TempDir::new(&format!("version-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        cmd.arg("-version");
        let out = run_open_stdin(cmd, Duration::from_secs(20));
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let first = text.lines().next().expect("a first line");
        let words: Vec<&str> = first.split_whitespace().collect();
        assert_eq!(&words[..2], ["ffmpeg", "version"], "{first}");
        // MoviePy: re.match(r"^[0-9.]+", third word).
        let version: String = words[2]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        assert!(version.starts_with(|c: char| c.is_ascii_digit()), "{first}");
        let second = text.lines().nth(1).expect("a second line");
        assert!(second.contains("framecast"), "{second}");
    }
}

/// imageio-ffmpeg's parser of `-hide_banner -encoders`, line for line.
fn imageio_h264_encoders(stdout: &str) -> Vec<String> {
    let stdout = stdout.replace('\r', "");
    let footer = stdout.split("------").nth(1).expect("a ------ line");
    let footer = footer.trim_matches('\n');
    let candidates = [
        "libx264",
        "h264_nvenc",
        "h264_vaapi",
        "libopenh264",
        "libx264rgb",
    ];
    let mut found = Vec::new();
    for line in footer.split('\n') {
        let line = line.trim();
        // Python: line.split(" ")[1], an IndexError on a blank line.
        let encoder = line
            .split(' ')
            .nth(1)
            .expect("imageio would raise IndexError");
        if candidates.contains(&encoder) || (line.starts_with('V') && line.contains("H.264")) {
            found.push(encoder.to_owned());
        }
    }
    found
}

#[test]
fn encoders_table_parses_with_imageio_and_every_listed_encoder_passes_the_nullsrc_test() {
    for via in BOTH {
        let dir = TempDir::new(&format!("encoders-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(["-hide_banner", "-encoders"]);
        let out = run_open_stdin(cmd, Duration::from_secs(20));
        assert!(out.status.success());
        let found = imageio_h264_encoders(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(found[0], "libx264", "{found:?}");
        assert!(found.contains(&"libopenh264".to_owned()), "{found:?}");
        let table = String::from_utf8_lossy(&out.stdout).into_owned();
        let av1: Vec<String> = ["librav1e", "libaom-av1", "libsvtav1", "av1"]
            .iter()
            .map(|n| (*n).to_owned())
            .collect();
        for name in &av1 {
            assert!(
                table
                    .lines()
                    .any(|l| l.split_whitespace().nth(1) == Some(name.as_str())
                        && l.contains("(codec av1)")),
                "{name} missing from:\n{table}"
            );
        }
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some("gif") && l.contains("(codec gif)")),
            "gif missing from:\n{table}"
        );
        let gif = ["gif".to_owned()];
        for enc in found.iter().chain(&av1).chain(&gif) {
            let mut cmd = ffmpeg(via, dir.path());
            cmd.args(argv(
                &format!("-hide_banner -f lavfi -i nullsrc=s=256x256:d=8 -vcodec {enc} -f null -"),
                dir.path(),
            ));
            let out = run_open_stdin(cmd, Duration::from_secs(20));
            assert!(out.status.success(), "{enc}: {}", stderr(&out));
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn nullsrc_test_refuses_encoders_we_lack() {
    for enc in ["libvpx", "mpeg4", "h264_bogus", "av1_bogus"] {
        let dir = TempDir::new(&format!("nullsrc-{enc}"));
        let mut cmd = ffmpeg(Via::Link, dir.path());
        cmd.args(argv(
            &format!("-hide_banner -f lavfi -i nullsrc=s=256x256:d=8 -vcodec {enc} -f null -"),
            dir.path(),
        ));
        let out = run_open_stdin(cmd, Duration::from_secs(20));
        assert!(!out.status.success(), "{enc}");
        assert!(
            stderr(&out).contains(&format!("Unknown encoder '{enc}'")),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn no_arguments_prints_usage_and_fails_fast() {
    for via in BOTH {
        let dir = TempDir::new(&format!("noargs-{via:?}"));
        let started = std::time::Instant::now();
        let out = run_open_stdin(ffmpeg(via, dir.path()), Duration::from_secs(10));
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        assert!(stderr(&out).contains("usage: ffmpeg"), "{}", stderr(&out));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

// ---------------------------------------------------------------------------------------------
// Errors, all before stdin is read

fn refused_before_stdin(name: &str, line: &str, wording: &str) {
    for via in BOTH {
        let dir = TempDir::new(&format!("{name}-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(line, dir.path()));
        let out = run_open_stdin(cmd, Duration::from_secs(20));
        assert!(!out.status.success(), "{line}");
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(err.contains(wording), "{line}: {err}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "ffmpeg")
            .collect();
        assert!(left.is_empty(), "files left: {left:?}");
    }
}

#[test]
fn unknown_encoders_fail_before_reading_stdin() {
    for enc in ["libvpx", "libvpx-vp9", "mpeg4", "png"] {
        refused_before_stdin(
            &format!("enc-{enc}"),
            &format!(
                "-y -f rawvideo -vcodec rawvideo -s 64x48 -pix_fmt rgb24 -r 10 -i - -an -vcodec {enc} {{dir}}/out.mp4"
            ),
            &format!("Unknown encoder '{enc}'"),
        );
    }
    // IVF holds AV1: an H.264 encoder into .ivf is refused before any frame is read.
    refused_before_stdin(
        "enc-h264-ivf",
        "-y -f rawvideo -s 64x48 -pix_fmt rgb24 -i - -vcodec libx264 {dir}/out.ivf",
        "IVF holds AV1",
    );
}

/// The AV1 encoder names now encode AV1 (rav1e) into MP4, at the exact odd size, and .ivf
/// outputs default to AV1.
#[test]
fn librav1e_writes_av1_mp4_and_ivf() {
    let stdin = frames(65, 37, 3, 3);
    for via in BOTH {
        let dir = TempDir::new(&format!("rav1e-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(
            "-y -loglevel error -f rawvideo -s 65x37 -pix_fmt rgb24 -r 10 -i - -vcodec librav1e -crf 30 -frames:v 3 {dir}/out.mp4",
            dir.path(),
        ));
        let out = run(cmd, &stdin);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
        let path = dir.join("out.mp4");
        let (samples, w, h) = mp4_video(&path);
        assert_eq!((samples, w, h), (3, 65, 37));
        let bytes = std::fs::read(&path).expect("read mp4");
        assert!(
            bytes.windows(4).any(|w| w == b"av01"),
            "no av01 sample entry"
        );
        assert!(bytes.windows(4).any(|w| w == b"av1C"), "no av1C box");
        if have_ffprobe() {
            let (codec, pw, ph, n, r) = support::ffprobe(&path);
            assert_eq!(
                (codec.as_str(), pw, ph, n, r.as_str()),
                ("av1", 65, 37, 3, "10/1")
            );
        }

        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(
            "-y -loglevel error -f rawvideo -s 65x37 -pix_fmt rgb24 -r 10 -i - {dir}/out.ivf",
            dir.path(),
        ));
        let out = run(cmd, &stdin);
        assert!(out.status.success(), "{}", stderr(&out));
        let ivf = std::fs::read(dir.join("out.ivf")).expect("read ivf");
        assert_eq!(&ivf[0..4], b"DKIF");
        assert_eq!(&ivf[8..12], b"AV01");
        assert_eq!(u32::from_le_bytes([ivf[24], ivf[25], ivf[26], ivf[27]]), 3);
        if have_ffprobe() {
            let (codec, pw, ph, n, _) = support::ffprobe(&dir.join("out.ivf"));
            assert_eq!((codec.as_str(), pw, ph, n), ("av1", 65, 37, 3));
        }
    }
}

#[test]
fn unwritable_formats_fail_before_reading_stdin() {
    for ext in ["webm", "avi", "mkv"] {
        refused_before_stdin(
            &format!("fmt-{ext}"),
            &format!("-y -f rawvideo -s 64x48 -pix_fmt rgb24 -i - {{dir}}/out.{ext}"),
            "Unable to choose an output format",
        );
    }
}

#[test]
fn matplotlib_gif_with_the_palette_graph() {
    // matplotlib's FFMpegWriter for a .gif: no -vcodec, the palettegen/paletteuse graph (one
    // argument with spaces).
    for via in BOTH {
        let dir = TempDir::new(&format!("mpl-gif-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        cmd.args(argv(
            "-f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgba -framerate 10 -loglevel error -i pipe:",
            dir.path(),
        ));
        cmd.args([
            "-filter_complex",
            "split [a][b];[a] palettegen [p];[b][p] paletteuse",
        ]);
        cmd.args(argv("-y {dir}/out.gif", dir.path()));
        let out = run(cmd, &frames(100, 80, 4, 9));
        check_gif(&out, &dir.join("out.gif"), 9, (100, 80));
    }
}

#[test]
fn moviepy1_write_gif_and_the_gif_recipe_with_scale_and_dither() {
    shape_gif(
        "moviepy1-gif",
        "-y -loglevel error -f rawvideo -vcodec rawvideo -r 10.00 -s 64x48 -pix_fmt rgb24 -i - -pix_fmt rgb24 -r 10.00 {dir}/out.gif",
        None,
        &frames(64, 48, 3, 6),
        (6, (64, 48)),
    );
    // The usual recipe: scale in the graph, a palette size and Bayer dithering, play once.
    shape_gif(
        "recipe-gif",
        "-y -f rawvideo -s 64x48 -pix_fmt rgb24 -r 12 -i - -loop -1 {dir}/out.gif",
        Some(
            "scale=32:-1:flags=lanczos,split[s0][s1];[s0]palettegen=max_colors=32[p];[s1][p]paletteuse=dither=bayer",
        ),
        &frames(64, 48, 3, 5),
        (5, (32, 24)),
    );
}

/// Runs a GIF shape both ways; `graph` goes in as one `-filter_complex` argument.
fn shape_gif(name: &str, line: &str, graph: Option<&str>, input: &[u8], expect: (u64, (u32, u32))) {
    for via in BOTH {
        let dir = TempDir::new(&format!("{name}-{via:?}"));
        let mut cmd = ffmpeg(via, dir.path());
        if let Some(graph) = graph {
            cmd.args(["-filter_complex", graph]);
        }
        cmd.args(argv(line, dir.path()));
        let out = run(cmd, input);
        check_gif(&out, &dir.join("out.gif"), expect.0, expect.1);
    }
}

#[test]
fn moviepy_audio_call_is_refused_before_reading_stdin() {
    refused_before_stdin(
        "mp3",
        "-y -loglevel error -f s32le -acodec pcm_s32le -ar 44100 -ac 2 -i - -vn -acodec libmp3lame -ar 44100 -strict -2 {dir}/NAME.mp3",
        "framecast has no MP3/AAC encoder",
    );
}

#[test]
fn unknown_options_use_ffmpegs_wording() {
    refused_before_stdin(
        "unknown-opt",
        "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -frobnicate 3 {dir}/o.mp4",
        "Unrecognized option 'frobnicate'",
    );
}

// ---------------------------------------------------------------------------------------------
// The shim

#[test]
fn shim_creates_a_working_link_and_explains_it() {
    let dir = TempDir::new("shim");
    let target = dir.join("bin");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_framecast"))
        .arg("ffmpeg-shim")
        .arg(&target)
        .output()
        .expect("run shim");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for needle in [
        "animation.ffmpeg_path",
        "IMAGEIO_FFMPEG_EXE",
        "FFMPEG_BINARY",
    ] {
        assert!(text.contains(needle), "{text}");
    }
    let link = target.join("ffmpeg");
    let version = std::process::Command::new(&link)
        .arg("-version")
        .output()
        .expect("run the link");
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("ffmpeg version "));
    // A second run replaces its own link; a real file is left alone.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_framecast"))
        .arg("ffmpeg-shim")
        .arg(&target)
        .output()
        .expect("run shim");
    assert!(again.status.success(), "{}", stderr(&again));
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("dir");
    std::fs::write(other.join("ffmpeg"), b"#!/bin/sh\n").expect("write");
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_framecast"))
        .arg("ffmpeg-shim")
        .arg(&other)
        .output()
        .expect("run shim");
    assert!(!refused.status.success());
    assert_eq!(
        std::fs::read(other.join("ffmpeg")).expect("read"),
        b"#!/bin/sh\n"
    );
}
