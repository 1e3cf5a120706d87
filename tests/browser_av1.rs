//! `framecast encode --codec av1` output in Debian's headless Chromium (playwright-core, driven by
//! `crates/mux/tests/browser/canvas.mjs`): AV1 MP4s, faststart and fragmented (to a file and on
//! stdout), 4:2:0 and 4:4:4 (High profile), odd and padded sizes, GOP-parallel stitched streams
//! and one with audio, play to their end with every frame decoded at the size ffprobe reads;
//! and the colours Chromium draws to a canvas from a paused frame of the patch grid, in every
//! colour spec and both chroma layouts, match the source.
//!
//! A missing Chromium, node or playwright-core (`npm ci` in crates/mux/tests/browser), ffprobe
//! or corpus file prints SKIP (and fails when `CI` is `true` or `1`). Small pictures, few
//! frames, `--speed 10`.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod common;

use std::path::{Path, PathBuf};

use common::{Need, Out, canvas, field};

/// One AV1 encode to play.
#[derive(Debug, Clone, Copy)]
struct Clip {
    name: &'static str,
    size: (u32, u32),
    /// `--fps` as (num, den).
    fps: (u32, u32),
    frames: usize,
    /// Extra `framecast encode` arguments (`--chroma 444`, `--workers`, ...).
    extra: &'static [&'static str],
    out: Out,
    /// A corpus audio file for `--audio`.
    audio: Option<&'static str>,
}

const ADTS: &str = "audio/androidx_sample.adts";

/// The clips: every layout, both chroma layouts, odd sizes (333x197 stays 333x197), a size
/// under rav1e's 16-pixel minimum (padded; players show what the stream codes), GOP-parallel
/// chunks stitched into one stream, HD at 60 fps, and AV1 next to AAC.
fn clips() -> Vec<Clip> {
    let base = Clip {
        name: "",
        size: (333, 197),
        fps: (30, 1),
        frames: 30,
        extra: &[],
        out: Out::Faststart,
        audio: None,
    };
    vec![
        Clip {
            name: "odd_faststart",
            ..base
        },
        Clip {
            name: "odd_stdout_ntsc",
            fps: (24000, 1001),
            frames: 24,
            out: Out::Stdout,
            ..base
        },
        Clip {
            name: "odd_444_faststart",
            extra: &["--chroma", "444"],
            ..base
        },
        Clip {
            name: "odd_444_fragmented",
            extra: &["--chroma", "444"],
            out: Out::FragmentedFile,
            ..base
        },
        Clip {
            name: "workers_fragmented",
            extra: &["--workers", "2", "--keyint", "8"],
            out: Out::FragmentedFile,
            ..base
        },
        Clip {
            name: "tiny_17x9",
            size: (17, 9),
            fps: (24, 1),
            frames: 24,
            ..base
        },
        Clip {
            name: "hd_60fps_stdout",
            size: (1280, 720),
            fps: (60, 1),
            frames: 20,
            out: Out::Stdout,
            ..base
        },
        Clip {
            name: "odd_adts_faststart",
            audio: Some(ADTS),
            ..base
        },
    ]
}

/// `frames` rgb24 frames of `w` x `h`: a gradient that moves 3 px per frame, with a red square
/// moving across it (the same bytes every run).
fn raw_frames(w: u32, h: u32, frames: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(w as usize * h as usize * 3 * frames);
    let side = (w.min(h) / 4).max(1);
    for f in 0..frames as u32 {
        let x0 = (5 * f) % w.max(1);
        for y in 0..h {
            for x in 0..w {
                if (x0..x0 + side).contains(&x) && (h / 4..h / 4 + side).contains(&y) {
                    out.extend_from_slice(&[230, 40, 30]);
                } else {
                    out.extend_from_slice(&[
                        ((x + 3 * f) % 256) as u8,
                        ((y * 255) / h.max(1)) as u8,
                        (((x + y) / 3) % 256) as u8,
                    ]);
                }
            }
        }
    }
    out
}

/// Encodes one clip to `<dir>/<name>.mp4`; panics if framecast fails. Returns the path and
/// framecast's stderr.
fn encode(clip: &Clip, dir: &Path) -> (PathBuf, String) {
    let path = dir.join(format!("{}.mp4", clip.name));
    let mut args: Vec<String> = vec![
        "encode".into(),
        "--codec".into(),
        "av1".into(),
        "--speed".into(),
        "10".into(),
        "--size".into(),
        format!("{}x{}", clip.size.0, clip.size.1),
        "--fps".into(),
        format!("{}/{}", clip.fps.0, clip.fps.1),
        "--quiet".into(),
    ];
    args.extend(clip.extra.iter().map(|s| (*s).to_owned()));
    if let Some(a) = clip.audio {
        args.extend([
            "--audio".into(),
            common::corpus().join(a).display().to_string(),
        ]);
    }
    args.extend(clip.out.args(&path));
    let run = common::framecast_ok(
        clip.name,
        &args,
        raw_frames(clip.size.0, clip.size.1, clip.frames),
    );
    if clip.out == Out::Stdout {
        std::fs::write(&path, &run.stdout).expect("write captured stdout");
    }
    (path, run.stderr)
}

/// The sizes a player may show: the requested size, and for a size under rav1e's 16-pixel
/// minimum, which framecast pads (saying so on stderr, naming the padded size), also the size
/// ffprobe reads from the stream. Chromium shows the padded size today (17x9 plays as 17x16);
/// the requested one stays accepted for when the stream signals it (AV1's render_size).
fn expected_sizes(
    clip: &Clip,
    path: &Path,
    stderr: &str,
    bad: &mut Vec<String>,
) -> Vec<(u32, u32)> {
    let probe = common::ffprobe(path);
    let Some(video) = common::stream(&probe, "video") else {
        bad.push("no video stream".into());
        return vec![clip.size];
    };
    let num = |k: &str| {
        video[k]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0)
    };
    let coded = (num("width"), num("height"));
    if field(video, "codec_name") != "av1" {
        bad.push(format!("codec {}", field(video, "codec_name")));
    }
    if coded == clip.size {
        return vec![clip.size];
    }
    let named = format!("{}x{}", coded.0, coded.1);
    let small = clip.size.0 < 16 || clip.size.1 < 16;
    let padded = coded.0 >= clip.size.0 && coded.1 >= clip.size.1;
    if !(small && padded && stderr.contains("padded") && stderr.contains(&named)) {
        bad.push(format!(
            "ffprobe reads {named} for {}x{} without a note naming it: {stderr:?}",
            clip.size.0, clip.size.1
        ));
    }
    vec![clip.size, coded]
}

#[test]
fn av1_mp4s_play_every_frame_in_chromium_and_patches_keep_their_colours() {
    let clips = clips();
    let mut needs = vec![Need::Chromium, Need::Ffprobe];
    needs.extend(clips.iter().filter_map(|c| c.audio).map(Need::Corpus));
    if !common::available(&needs) {
        return;
    }
    let tmp = common::TempDir::new("browser-av1");
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let mut encoded = Vec::new();
    for clip in &clips {
        let (path, stderr) = encode(clip, tmp.path());
        let mut bad = Vec::new();
        let sizes = expected_sizes(clip, &path, &stderr, &mut bad);
        if !bad.is_empty() {
            failures.push(format!("{}: {}", clip.name, bad.join(", ")));
        }
        encoded.push((path, sizes));
    }
    // The patch grid in every spec (and with no colour flags), 4:2:0 and 4:4:4.
    let mut patches = common::encode_patches_with(
        tmp.path(),
        &["--codec", "av1", "--speed", "10"],
        "420",
        "mp4",
    );
    patches.extend(common::encode_patches_with(
        tmp.path(),
        &["--codec", "av1", "--speed", "10", "--chroma", "444"],
        "444",
        "mp4",
    ));
    let encode_time = started.elapsed();

    let files: Vec<&Path> = encoded.iter().map(|(path, _)| path.as_path()).collect();
    let jobs = canvas::jobs(&files, &patches);
    let browser_started = std::time::Instant::now();
    let results = canvas::run(tmp.path(), &jobs);
    common::note(&format!(
        "chromium AV1: {} files encoded in {:.1} s, played in {:.1} s",
        jobs.len(),
        encode_time.as_secs_f64(),
        browser_started.elapsed().as_secs_f64()
    ));

    for ((clip, (_, sizes)), p) in clips.iter().zip(&encoded).zip(&results) {
        let bad = canvas::playback_problems(p, clip.frames as u64, sizes, clip.audio.is_some());
        common::note(&format!(
            "chromium AV1 {}: {}x{} shown, {} decoded, {} presented, {} dropped",
            clip.name, p.size.0, p.size.1, p.total, p.presented, p.dropped
        ));
        if !bad.is_empty() {
            failures.push(format!("{}: {} ({p:?})", clip.name, bad.join(", ")));
        }
    }
    let patch_size = common::patch_size();
    let chroma = |path: &Path| {
        if path.to_string_lossy().contains("patches_444_") {
            "4:4:4"
        } else {
            "4:2:0"
        }
    };
    for ((spec, flags, path), p) in patches.iter().zip(&results[encoded.len()..]) {
        let label = format!(
            "patches {} {spec}{}",
            chroma(path),
            if *flags { "" } else { " (no flags)" }
        );
        let (bad, measured) = canvas::patch_problems(p, *spec, patch_size);
        common::note(&format!("chromium AV1 {label}: {measured}"));
        if !bad.is_empty() {
            failures.push(format!("{label}: {}", bad.join(", ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
