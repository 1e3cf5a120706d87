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

use std::io::Write;
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

fn check_ffmpeg(src: &Source, out: &Path, layout: OutLayout) {
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
    // with one exception: a source without `pasp` has an unknown aspect ratio (ffmpeg prints
    // sar 0/1), and our writer always writes `pasp` 1:1 (framecast's CodecConfig has square
    // pixels), which ffmpeg prints as 1/1.
    let (src_head, src_lines) = oracle::framemd5(&src.path);
    let (mut out_head, mut out_lines) = oracle::framemd5(out);
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
    for known in KNOWN.iter().filter(|k| k.applies(src, layout)) {
        let fixed = match known.kind {
            Known::Sar => {
                let sar = |h: &[String]| h.iter().position(|l| l.starts_with("#sar "));
                let (Some(o), Some(s)) = (sar(&out_head), sar(&src_head)) else {
                    panic!("{what}: no #sar line");
                };
                let differs = out_head[o] != src_head[s];
                out_head[o].clone_from(&src_head[s]);
                differs
            }
            Known::LastDuration => {
                let (Some(o), Some(s)) = (out_lines.last_mut(), src_lines.last()) else {
                    panic!("{what}: no packets");
                };
                let (mut op, sp) = (parse_line(o), parse_line(s));
                let differs = op.rest[0] != sp.rest[0];
                op.rest[0].clone_from(&sp.rest[0]);
                *o = format!(
                    "{}, {}, {}, {}",
                    op.stream,
                    op.dts,
                    op.pts,
                    op.rest.join(", ")
                );
                differs
            }
        };
        assert!(
            fixed,
            "{what}: the known difference '{}' no longer occurs; remove it from KNOWN",
            known.why
        );
        let _ = std::io::stderr().write_all(format!("KNOWN: {what}: {}\n", known.why).as_bytes());
    }
    assert_eq!(out_head, src_head, "{what}: framemd5 header");
    let shift = if src.has_edit_list {
        0
    } else {
        // A source without an edit list whose first composition time is t > 0 (B-frame delay):
        // our writer always writes an edit list (an explicit one at media time 0 here, which
        // presents the same timeline), and ffmpeg's mov demuxer, whenever a track has an edit
        // list, shifts dts and pts so that the first pts is 0 (mov_fix_index: "Offset DTS by
        // ... to make first pts zero"). It never does that without an edit list. So the output
        // reads t earlier; every other field must match and the shift must be that constant.
        let min_pts = |lines: &[Packet]| lines.iter().map(|p| p.pts).min().unwrap_or(0);
        assert_eq!(min_pts(&parse(&out_lines)), 0, "{what}: output's first pts");
        min_pts(&parse(&src_lines))
    };
    if shift != 0 {
        let _ = std::io::stderr().write_all(
            format!(
                "NOTE: {what}: no source edit list; ffmpeg reads the output {shift} ticks earlier\n"
            )
            .as_bytes(),
        );
    }
    for (i, (a, b)) in parse(&src_lines).iter().zip(parse(&out_lines)).enumerate() {
        let b = Packet {
            dts: b.dts + shift,
            pts: b.pts + shift,
            ..b
        };
        assert_eq!(
            &b, a,
            "{what}: framemd5 line {i} differs (left: output shifted by {shift}, right: source)\n{}\n{}",
            out_lines[i], src_lines[i]
        );
    }
}

/// Kinds of known differences between a source and its remux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// The `#sar` header line.
    Sar,
    /// The duration of the last packet.
    LastDuration,
}

/// A difference that is understood and reported, not yet fixed. Each entry must still occur:
/// once fixed, the test fails until the entry is removed.
struct KnownDifference {
    source: &'static str,
    layouts: &'static [OutLayout],
    kind: Known,
    why: &'static str,
}

impl KnownDifference {
    fn applies(&self, src: &sources::Source, layout: OutLayout) -> bool {
        src.name == self.source && self.layouts.contains(&layout)
    }
}

const NON_SQUARE: &str = "non-square pixels: the source's pasp is not 1:1, and CodecConfig \
    (framecast-core) has no pixel aspect ratio, so the writer writes pasp 1:1";

const KNOWN: &[KnownDifference] = &[
    KnownDifference {
        source: "mp4ff_bbb_prog_10s.mp4",
        layouts: &OutLayout::ALL,
        kind: Known::Sar,
        why: NON_SQUARE,
    },
    KnownDifference {
        source: "shaka_sintel-video-init.mp4+segment",
        layouts: &OutLayout::ALL,
        kind: Known::Sar,
        why: NON_SQUARE,
    },
    KnownDifference {
        source: "mp4ff_av1_multitile_init.mp4+segment",
        layouts: &[OutLayout::Faststart, OutLayout::Buffered],
        kind: Known::LastDuration,
        why: "the elst segment_duration is rounded down to the 1/1000 s movie timescale \
            (3003/30000 s -> 100 ms), and ffmpeg clips the last sample to the edit: the writer \
            should round it up, as ffmpeg's movenc does",
    },
];

/// One framemd5 line: stream, dts, pts, duration, size, hash.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Packet {
    stream: String,
    dts: i64,
    pts: i64,
    rest: Vec<String>,
}

fn parse(lines: &[String]) -> Vec<Packet> {
    lines.iter().map(|l| parse_line(l)).collect()
}

fn parse_line(l: &str) -> Packet {
    let f: Vec<&str> = l.split(',').map(str::trim).collect();
    assert!(f.len() == 6, "framemd5 line {l}");
    Packet {
        stream: f[0].to_owned(),
        dts: f[1].parse().unwrap(),
        pts: f[2].parse().unwrap(),
        rest: f[3..].iter().map(|s| (*s).to_owned()).collect(),
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
            check_ffmpeg(src, &out, layout);
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
                check_ffmpeg(src, &out, layout);
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
