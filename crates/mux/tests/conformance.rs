//! Proof on real encoders' output: every H.264 and AV1 file of the shared corpus
//! (`../shared/corpus/mp4`; DASH init + media segment pairs joined as a player appends them) is
//! remuxed through framecast-mux in every layout by the `remux` example's code, and the output
//! must
//! - give the same `ffmpeg -f framemd5` lines as the source (sample bytes, dts, pts, duration),
//! - make `ffprobe -v error -show_format -show_streams` print nothing on stderr,
//! - parse with the `mp4` and `mp4parse` crates and the inspector, with the source's sample
//!   count and timescale,
//! - play to the end in Chromium, every frame presented (`conformance_browser.rs`);
//!
//! and with `--audio`, ffprobe shows the aac/mp3 stream and ffmpeg decodes it without a word on
//! stderr. Missing oracles print SKIP (and fail under `CI`); the parser checks always run.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

#[path = "../examples/remux/mod.rs"]
#[allow(
    dead_code,
    reason = "the example's module also serves its command line"
)]
mod remux;

mod oracle;
mod sources;

use std::path::Path;

use framecast_mux::inspect::{self, Layout};
use remux::OutLayout;
use sources::Source;

/// The checks that need no external program: our inspector and two independent parsers.
fn check_parsers(src: &Source, out: &Path, layout: OutLayout) {
    let bytes = std::fs::read(out).unwrap();
    let what = format!("{} ({})", src.name, layout.name());
    let r = inspect::inspect_bytes(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
    let expected = match layout {
        OutLayout::Fragmented => Layout::Fragmented,
        OutLayout::Faststart | OutLayout::Buffered => Layout::Faststart,
    };
    assert_eq!(r.layout, expected, "{what}\n{r}");
    let v = r.video_track().unwrap();
    assert_eq!(
        (v.codec, v.timescale, v.sample_count, v.sync_sample_count),
        (
            Some(src.codec),
            src.timescale,
            src.samples,
            src.sync_samples
        ),
        "{what}\n{r}"
    );

    let reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(&bytes), bytes.len() as u64)
        .unwrap_or_else(|e| panic!("{what}: mp4 crate: {e}"));
    let t = reader
        .tracks()
        .values()
        .find(|t| matches!(t.track_type(), Ok(mp4::TrackType::Video)))
        .unwrap_or_else(|| panic!("{what}: mp4 crate sees no video track"));
    assert_eq!(
        u64::from(t.sample_count()),
        src.samples,
        "{what}: mp4 crate"
    );
    assert_eq!(t.timescale(), src.timescale, "{what}: mp4 crate");

    let ctx = mp4parse::read_mp4(&mut std::io::Cursor::new(&bytes))
        .unwrap_or_else(|e| panic!("{what}: mp4parse: {e:?}"));
    let t = ctx
        .tracks
        .iter()
        .find(|t| t.track_type == mp4parse::TrackType::Video)
        .unwrap_or_else(|| panic!("{what}: mp4parse sees no video track"));
    let Some(mp4parse::SampleEntry::Video(entry)) =
        t.stsd.as_ref().and_then(|d| d.descriptions.first())
    else {
        panic!("{what}: mp4parse reads no video sample entry");
    };
    let codec = if src.codec.0 == *b"av01" {
        mp4parse::CodecType::AV1
    } else {
        mp4parse::CodecType::H264
    };
    assert_eq!(entry.codec_type, codec, "{what}: mp4parse");
    assert_eq!(
        t.timescale.map(|t| t.0),
        Some(u64::from(src.timescale)),
        "{what}"
    );
    if layout != OutLayout::Fragmented {
        // mp4parse keeps the table only; a constant sample_size has none.
        let stsz = t.stsz.as_ref().unwrap();
        if stsz.sample_size == 0 {
            assert_eq!(
                stsz.sample_sizes.len() as u64,
                src.samples,
                "{what}: mp4parse stsz"
            );
        }
    }
}

fn check_ffmpeg(src: &Source, out: &Path, layout: OutLayout, first_dts: i64) {
    let what = format!("{} ({})", src.name, layout.name());
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_format", "-show_streams"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        probe.status.success() && probe.stderr.is_empty(),
        "{what}: ffprobe: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    // The header comments (extradata, time base, codec, dimensions, sar) must match as well,
    // with one accepted difference: a source without `pasp`. ISO/IEC 14496-12 12.1.4 makes
    // `pasp` optional, and without it ffmpeg's mov demuxer reports the aspect ratio as unknown
    // (sar 0/1). framecast's CodecConfig always has a pixel aspect ratio (1:1 unless set), so
    // the writer always writes `pasp`, and ffmpeg prints what it holds (1/1). Only that pair is
    // accepted: a source with `pasp` must come back with exactly its ratio.
    //
    // Two comparisons. With `-copyts`, the timestamps as the mov demuxer reads them: always
    // identical. Without it (the command), the ffmpeg CLI also subtracts the input's
    // start time, which is the earliest start over *all* streams (fftools ffmpeg_opt.c:
    // `ts_offset = -ic->start_time`). A source whose other track (audio) starts before its
    // video therefore reads later than our video-only remux of it, although the video
    // timestamps in both files are the same; only for such sources is the plain comparison
    // left out. Conversely, `-copyts` is left out for a source whose first sample's decode
    // time is not 0: a media segment cut from the middle of a stream (its `tfdt` says 40 s).
    // The writer's media timeline starts at the first sample (a progressive file's `stts`
    // starts at 0, ISO/IEC 14496-12 8.6.1.2; only an empty edit could add the 40 s, and that
    // would present 40 s of nothing), so only the plain comparison, which makes both start at
    // 0, applies there. Every case runs at least one of the two.
    let mut runs: Vec<&[&str]> = Vec::new();
    if first_dts == 0 {
        runs.push(&["-copyts"]);
    }
    if !other_track_starts_first(&src.path) {
        runs.push(&[]);
    }
    assert!(!runs.is_empty(), "{what}: no framemd5 comparison applies");
    for options in runs {
        let (src_head, src_lines) = oracle::framemd5_with(&src.path, options);
        let (mut out_head, out_lines) = oracle::framemd5_with(out, options);
        let what = format!("{what} {options:?}");
        assert_eq!(
            src_lines.len() as u64,
            src.samples,
            "{what}: source framemd5"
        );
        for (o, s) in out_head.iter_mut().zip(&src_head) {
            if s.starts_with("#sar ") && s.ends_with(": 0/1") && o.ends_with(": 1/1") {
                o.clone_from(s);
            }
        }
        assert_eq!(out_head, src_head, "{what}: framemd5 header");
        // Every packet line (stream, dts, pts, duration, size, hash) is identical.
        for (i, (a, b)) in src_lines.iter().zip(&out_lines).enumerate() {
            assert_eq!(
                b, a,
                "{what}: framemd5 line {i} differs (left: output, right: source)"
            );
        }
        assert_eq!(out_lines.len(), src_lines.len(), "{what}: framemd5 lines");
    }
}

/// Whether ffprobe's format start time is earlier than the first video stream's.
fn other_track_starts_first(file: &Path) -> bool {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=start_time:stream=start_time",
        ])
        .args(["-select_streams", "v:0", "-of", "json"])
        .arg(file)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let time = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<f64>().ok());
    match (
        time(&v["format"]["start_time"]),
        time(&v["streams"][0]["start_time"]),
    ) {
        (Some(f), Some(s)) => f < s,
        _ => false,
    }
}

/// Runs `check` for every case, then fails with every failure's message, not just the first.
fn all_cases<T>(cases: impl IntoIterator<Item = T>, check: impl Fn(&T)) {
    let mut failures = Vec::new();
    for case in cases {
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&case))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(msg);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn corpus_remuxes_to_every_layout_identically() {
    let tmp = oracle::TempDir::new("conformance");
    let sources = sources::sources(tmp.path());
    let ffmpeg = oracle::available(&["ffmpeg", "ffprobe"]);
    let cases = sources.iter().flat_map(|s| OutLayout::ALL.map(|l| (s, l)));
    all_cases(cases, |&(src, layout)| {
        let out = tmp
            .path()
            .join(format!("{}.{}.mp4", src.name, layout.name()));
        let s = remux::remux(&src.path, &out, layout, None)
            .unwrap_or_else(|e| panic!("{} ({}): {e}", src.name, layout.name()));
        assert_eq!(s.video_samples as u64, src.samples);
        check_parsers(src, &out, layout);
        if ffmpeg {
            check_ffmpeg(src, &out, layout, s.first_dts);
        }
    });
}

const AUDIO: [(&str, &str); 2] = [("androidx_sample.adts", "aac"), ("rodio_music.mp3", "mp3")];

#[test]
fn audio_is_added_trimmed_and_decodes() {
    let tmp = oracle::TempDir::new("conformance-audio");
    let sources = sources::sources(tmp.path());
    let ffmpeg = oracle::available(&["ffmpeg", "ffprobe"]);
    let audio_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/audio");
    // One H.264 and one AV1 source with several seconds of video.
    for name in ["mp4ff_bbb_prog_10s.mp4", "androidx_hdr10-av1.mp4"] {
        let src = sources.iter().find(|s| s.name == name).unwrap();
        for (audio, codec) in AUDIO {
            for layout in OutLayout::ALL {
                let what = format!("{name} + {audio} ({})", layout.name());
                let out = tmp
                    .path()
                    .join(format!("{name}.{audio}.{}.mp4", layout.name()));
                let s = remux::remux(&src.path, &out, layout, Some(&audio_dir.join(audio)))
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(s.audio_frames > 0, "{what}");
                check_parsers(src, &out, layout);
                let r = inspect::inspect_bytes(&std::fs::read(&out).unwrap()).unwrap();
                let a = r.audio_track().unwrap();
                assert_eq!(a.sample_count, s.audio_frames as u64, "{what}");
                assert_eq!(
                    a.object_type,
                    Some(if codec == "aac" { 0x40 } else { 0x6b })
                );
                // Trimmed: the audio ends within one frame after the video.
                let v = r.video_track().unwrap();
                let video_s = v.decode_duration as f64 / f64::from(v.timescale);
                let audio_s = a.decode_duration as f64 / f64::from(a.timescale);
                let (_, all) = remux::read_audio(&audio_dir.join(audio)).unwrap();
                let source_s: f64 =
                    all.iter().map(|f| f64::from(f.duration)).sum::<f64>() / f64::from(a.timescale);
                let expected_s = source_s.min(video_s);
                assert!(
                    audio_s <= video_s + 0.05 && (audio_s - expected_s).abs() < 0.05,
                    "{what}: audio {audio_s} s, video {video_s} s, audio source {source_s} s"
                );
                if !ffmpeg {
                    continue;
                }
                check_ffmpeg(src, &out, layout, s.first_dts);
                let probe = oracle::run(
                    "ffprobe",
                    &["-v", "error", "-show_streams", "-of", "json"],
                    &out,
                );
                let v: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
                let codecs: Vec<&str> = v["streams"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|s| s["codec_name"].as_str())
                    .collect();
                assert!(
                    codecs.contains(&codec),
                    "{what}: ffprobe streams {codecs:?}"
                );
                let dec = std::process::Command::new("ffmpeg")
                    .args(["-nostdin", "-v", "error", "-i"])
                    .arg(&out)
                    .args(["-map", "0:a", "-f", "null", "-"])
                    .output()
                    .unwrap();
                assert!(
                    dec.status.success() && dec.stderr.is_empty(),
                    "{what}: ffmpeg audio decode: {}",
                    String::from_utf8_lossy(&dec.stderr)
                );
            }
        }
    }
}
