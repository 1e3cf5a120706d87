//! `framecast encode` to H.264 MP4, checked end to end by independent oracles: ffprobe reads the
//! size, frame count, rate, colour tags and audio; ffmpeg's bitstream tracer reads the SPS VUI;
//! the `colr` box is read from the bytes; ffmpeg decodes every frame, and the decoded luma is
//! compared with the source converted by framecast-color (PSNR-Y), the decoded RGB of solid
//! patches with the patch colours.
//!
//! The inputs are seeded and deterministic: windows panning over corpus photos, the St Pancras
//! y4m clip, and a grid of solid patches (primaries, secondaries, neutrals, mid-tones). The
//! covering matrix of sizes, pixel formats, colour specs, layouts and audio is documented at
//! `common::matrix`. A missing ffmpeg, ffprobe or corpus file prints SKIP (and fails when `CI`
//! is `true` or `1`).
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod common;

use common::{Need, Odd, Out, field};

/// PSNR-Y every photo pan and the St Pancras clip must reach at the default quality.
const MIN_PSNR_Y: f64 = 38.0;

/// The largest per-channel error allowed for solid patches decoded by ffmpeg at `--quality 10`.
const PATCH_TOLERANCE_FFMPEG: u8 = 3;

#[test]
fn matrix_outputs_show_requested_size_rate_frames_colour_tags_audio_and_psnr() {
    let cases = common::matrix();
    let mut needs = vec![Need::Ffmpeg, Need::Ffprobe];
    needs.extend(cases.iter().flat_map(common::Case::needs));
    if !common::available(&needs) {
        return;
    }
    let tmp = common::TempDir::new("conformance-h264-matrix");
    let mut failures = Vec::new();
    for case in &cases {
        let enc = common::encode(case, tmp.path());
        let mut bad = Vec::new();
        check_probe(&enc, &mut bad);
        let (w, h) = case.display_size();
        let decoded = common::decode_luma(&enc.path, w, h);
        if decoded.len() == case.frames {
            let (all, worst) = common::psnr_y(&decoded, &case.reference_luma());
            common::note(&format!(
                "{}: {}x{} -> {w}x{h}, {} frames, encode {:.2} s, PSNR-Y {all:.2} dB (worst frame {worst:.2} dB)",
                case.name,
                case.size.0,
                case.size.1,
                case.frames,
                enc.run.elapsed.as_secs_f64()
            ));
            if all < MIN_PSNR_Y {
                bad.push(format!("PSNR-Y {all:.2} dB < {MIN_PSNR_Y} dB"));
            }
        } else {
            bad.push(format!(
                "ffmpeg decoded {} frames, {} were sent",
                decoded.len(),
                case.frames
            ));
        }
        if !bad.is_empty() {
            failures.push(format!("{}: {}", case.name, bad.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Everything ffprobe, the VUI, the `colr` box and stderr must say about one output.
fn check_probe(enc: &common::Encoded, bad: &mut Vec<String>) {
    let case = &enc.case;
    let probe = common::ffprobe(&enc.path);
    let Some(video) = common::stream(&probe, "video") else {
        bad.push("no video stream".into());
        return;
    };
    let (w, h) = case.display_size();
    let expect = |bad: &mut Vec<String>, what: &str, got: String, want: String| {
        if got != want {
            bad.push(format!("{what} {got:?}, expected {want:?}"));
        }
    };
    expect(
        bad,
        "codec",
        field(video, "codec_name").into(),
        "h264".into(),
    );
    expect(
        bad,
        "size",
        format!("{}x{}", video["width"], video["height"]),
        format!("{w}x{h}"),
    );
    expect(
        bad,
        "nb_read_frames",
        field(video, "nb_read_frames").into(),
        case.frames.to_string(),
    );
    expect(
        bad,
        "r_frame_rate",
        field(video, "r_frame_rate").into(),
        case.rate(),
    );
    expect(
        bad,
        "avg_frame_rate",
        field(video, "avg_frame_rate").into(),
        case.rate(),
    );
    let pix_fmt = field(video, "pix_fmt");
    if !matches!(pix_fmt, "yuv420p" | "yuvj420p") {
        bad.push(format!("pix_fmt {pix_fmt}, expected 4:2:0 8-bit"));
    }
    let spec = case.spec();
    let names = common::ffprobe_names(spec);
    for (key, want) in common::FFPROBE_COLOUR_TAGS.iter().zip(names) {
        expect(bad, key, field(video, key).into(), want.into());
    }
    let (primaries, transfer, matrix) = common::code_points(spec);
    let full = spec.full_range();
    let want_vui = common::Vui {
        full_range: u8::from(full),
        primaries,
        transfer,
        matrix,
    };
    match common::vui(&enc.path) {
        Some(vui) if vui == want_vui => {}
        other => bad.push(format!("SPS VUI {other:?}, expected {want_vui:?}")),
    }
    let bytes = std::fs::read(&enc.path).expect("read output");
    let want_colr = (
        u16::from(primaries),
        u16::from(transfer),
        u16::from(matrix),
        full,
    );
    match common::colr_nclx(&bytes) {
        Some(colr) if colr == want_colr => {}
        other => bad.push(format!(
            "colr nclx (primaries, transfer, matrix, full) {other:?}, expected {want_colr:?}"
        )),
    }
    // The layout: faststart is ftyp, moov, then one mdat; fragmented files (and stdout) have
    // moov before the first moof/mdat pair.
    let boxes = common::top_level_boxes(&bytes);
    let pos = |t: &str| boxes.iter().position(|b| b == t);
    let fragmented = pos("moof").is_some();
    let moov_first = matches!((pos("moov"), pos("mdat")), (Some(m), Some(d)) if m < d);
    let ok = match case.out {
        Out::Faststart => !fragmented && moov_first,
        Out::FragmentedFile | Out::Stdout => fragmented && moov_first,
    };
    if !ok {
        bad.push(format!("layout {:?}: top-level boxes {boxes:?}", case.out));
    }
    // The odd-size note on stderr, naming the size players will show.
    let stderr = &enc.run.stderr;
    if case.size != (w, h) {
        let how = if case.odd == Odd::Pad {
            "padded"
        } else {
            "cropped"
        };
        if !(stderr.contains(how) && stderr.contains(&format!("{w}x{h}"))) {
            bad.push(format!("stderr does not say {how} to {w}x{h}: {stderr:?}"));
        }
    } else if stderr.contains("note:") {
        bad.push(format!("a note for an even size: {stderr:?}"));
    }
    check_audio(enc, &probe, bad);
}

/// With --audio: one audio stream of the file's codec, cut to the video's length (the corpus
/// files are all longer than their videos) to within one audio frame. Without: no audio.
fn check_audio(enc: &common::Encoded, probe: &serde_json::Value, bad: &mut Vec<String>) {
    let audio = common::stream(probe, "audio");
    let Some(source) = enc.case.audio else {
        if audio.is_some() {
            bad.push("an audio stream without --audio".into());
        }
        return;
    };
    let Some(audio) = audio else {
        bad.push(format!("no audio stream with --audio {source}"));
        return;
    };
    let codec = field(audio, "codec_name");
    let want = if source.ends_with(".mp3") {
        "mp3"
    } else {
        "aac"
    };
    if codec != want {
        bad.push(format!("audio codec {codec}, expected {want}"));
    }
    let rate: f64 = field(audio, "sample_rate").parse().unwrap_or(f64::NAN);
    let samples = match (want, rate >= 32000.0) {
        ("aac", _) => 1024.0,
        (_, true) => 1152.0,
        (_, false) => 576.0,
    };
    let frame = samples / rate;
    let (video_end, audio_end) = common::packet_ends(&enc.path);
    let (Some(v), Some(a)) = (video_end, audio_end) else {
        bad.push(format!(
            "packet ends: video {video_end:?}, audio {audio_end:?}"
        ));
        return;
    };
    let intended = enc.case.frames as f64 / parse_rate(&enc.case.rate());
    common::note(&format!(
        "{}: video ends at {v:.4} s ({intended:.4} s intended), audio ({codec} {rate} Hz, frame {:.4} s) at {a:.4} s",
        enc.case.name, frame
    ));
    if (v - intended).abs() > 1e-3 {
        bad.push(format!("video ends at {v:.4} s, expected {intended:.4} s"));
    }
    if a > v + frame + 1e-3 {
        bad.push(format!(
            "audio ends at {a:.4} s, more than one audio frame ({frame:.4} s) after the video ({v:.4} s)"
        ));
    }
    if a < v - frame - 1e-3 {
        bad.push(format!(
            "audio ends at {a:.4} s, more than one audio frame before the video ({v:.4} s) though the source is longer"
        ));
    }
    // The container's own durations agree.
    let stream_duration: f64 = field(audio, "duration").parse().unwrap_or(0.0);
    if stream_duration > v + frame + 1e-3 {
        bad.push(format!(
            "audio stream duration {stream_duration:.4} s exceeds the video ({v:.4} s) by more than one frame"
        ));
    }
}

fn parse_rate(r: &str) -> f64 {
    let (n, d) = r.split_once('/').expect("n/d");
    n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap()
}

#[test]
fn photo_pans_decode_at_38db_psnr_y_or_better_at_default_quality() {
    // 640x480 windows over two Kodak photos and a 480x320 window over coffee (which is 600x400),
    // panning 2-3 px per frame, 45 frames at 30 fps, default quality, default colour.
    let pans = [
        ("photos/kodak_kodim03.png", (640, 480), (0, 0), (3, 1)),
        ("photos/kodak_kodim23.png", (640, 480), (120, 30), (-2, 1)),
        ("photos/skimage_coffee.png", (480, 320), (0, 0), (2, 2)),
    ];
    let mut needs = vec![Need::Ffmpeg, Need::Ffprobe];
    needs.extend(pans.iter().map(|p| Need::Corpus(p.0)));
    if !common::available(&needs) {
        return;
    }
    let tmp = common::TempDir::new("conformance-h264-pans");
    let mut failures = Vec::new();
    for (i, &(photo, size, start, step)) in pans.iter().enumerate() {
        let case = common::Case {
            name: ["pan_kodim03", "pan_kodim23", "pan_coffee"][i],
            content: common::Content::Pan(photo, start, step),
            size,
            format: framecast_core::PixelFormat::Rgb24,
            color: None,
            out: Out::Faststart,
            audio: None,
            fps: Some((30, 1)),
            frames: 45,
            odd: Odd::Pad,
            quality: None,
        };
        let enc = common::encode(&case, tmp.path());
        let decoded = common::decode_luma(&enc.path, size.0, size.1);
        assert_eq!(decoded.len(), case.frames, "{}: decoded frames", case.name);
        let (all, worst) = common::psnr_y(&decoded, &case.reference_luma());
        let bytes = std::fs::metadata(&enc.path).map(|m| m.len()).unwrap_or(0);
        common::note(&format!(
            "{}: {}x{} x {} frames, {} bytes, encode {:.2} s, PSNR-Y {all:.2} dB (worst frame {worst:.2} dB)",
            case.name,
            size.0,
            size.1,
            case.frames,
            bytes,
            enc.run.elapsed.as_secs_f64()
        ));
        if all < MIN_PSNR_Y {
            failures.push(format!(
                "{}: PSNR-Y {all:.2} dB < {MIN_PSNR_Y} dB",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn solid_patches_decode_within_3_per_channel_in_ffmpeg_for_every_colour_spec() {
    if !common::available(&[Need::Ffmpeg, Need::Ffprobe]) {
        return;
    }
    let tmp = common::TempDir::new("conformance-h264-patches");
    let (width, height) = common::patch_size();
    let mut failures = Vec::new();
    for (spec, flags, path) in common::encode_patches(tmp.path()) {
        let label = format!("{spec}{}", if flags { "" } else { " (no flags)" });
        let probe = common::ffprobe(&path);
        let video = common::stream(&probe, "video").expect("a video stream");
        let tags = common::ffprobe_colour_tags(video);
        if tags != common::ffprobe_names(spec) {
            failures.push(format!("{label}: tags {tags:?}"));
        }
        let frames = common::decode_rgb(&path, width, height);
        let worst =
            common::check_patch_frames(&label, &frames, PATCH_TOLERANCE_FFMPEG, &mut failures);
        common::note(&format!(
            "ffmpeg patches {label}: max error {worst} per channel"
        ));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
