//! Independent oracles for the integration tests: ffmpeg/ffprobe and Debian's Chromium (driven
//! by `tests/browser/play.mjs` through playwright-core).
//!
//! A missing oracle prints `SKIP: <what>` to the real stderr (libtest does not capture direct
//! writes to the stderr handle) and the test passes, except when the `CI` environment variable
//! is set: there a missing oracle fails the test. `.ci/conformance-deps.sh` installs them all.
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// The browser harness folder (package.json, play.mjs, node_modules).
pub(crate) fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// The Chromium binary the harness drives.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether every oracle in `tools` is usable: `ffmpeg`, `ffprobe`, `chromium` (the binary, node
/// and playwright-core). Prints SKIP (or fails under `CI`) when one is missing.
pub(crate) fn available(tools: &[&str]) -> bool {
    let mut missing = Vec::new();
    for &tool in tools {
        match tool {
            "chromium" => {
                if !Path::new(CHROMIUM).exists() {
                    missing.push(format!("{CHROMIUM} (apt-get install chromium)"));
                }
                if !on_path("node") {
                    missing.push("node".to_owned());
                }
                if !browser_dir()
                    .join("node_modules/playwright-core/package.json")
                    .exists()
                {
                    missing.push(format!(
                        "playwright-core (npm ci in {})",
                        browser_dir().display()
                    ));
                }
            }
            t => {
                if !on_path(t) {
                    missing.push(format!("{t} (apt-get install ffmpeg)"));
                }
            }
        }
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "SKIP: {} missing; .ci/conformance-deps.sh installs the test oracles\n",
        missing.join(", ")
    );
    let _ = std::io::stderr().write_all(msg.as_bytes());
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set and a test oracle is missing: {}",
        missing.join(", ")
    );
    false
}

/// Runs `program args... file`; panics with its stderr when it fails.
pub(crate) fn run(program: &str, args: &[&str], file: &Path) -> Output {
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {} {} failed ({}):\n{}",
        args.join(" "),
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `ffmpeg -v error -i FILE -map 0:v:0 -c copy -f framemd5 -`: one line per video packet with
/// dts, pts, duration, size and MD5 of the bytes. Returns (header comment lines, packet lines)
/// and panics if ffmpeg writes anything to stderr.
pub(crate) fn framemd5(file: &Path) -> (Vec<String>, Vec<String>) {
    framemd5_with(file, &[])
}

/// [`framemd5`] with extra input options (`-copyts`).
pub(crate) fn framemd5_with(file: &Path, options: &[&str]) -> (Vec<String>, Vec<String>) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error"])
        .args(options)
        .arg("-i")
        .arg(file)
        .args(["-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"])
        .output()
        .expect("ffmpeg");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "ffmpeg framemd5 of {}: {}\n{}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (comments, lines) = text
        .lines()
        .map(str::to_owned)
        .partition(|l| l.starts_with('#'));
    (comments, lines)
}

/// What `play.mjs` saw of one playback.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Playback {
    /// requestVideoFrameCallback calls with distinct media times (callbacks run at most once
    /// per rendering step, so at 60 fps on a loaded machine several frames share one).
    pub(crate) frames: u64,
    /// Largest `presentedFrames` metadata value seen: frames submitted for composition,
    /// including those whose callback was coalesced with a later one.
    pub(crate) presented: u64,
    /// `getVideoPlaybackQuality().totalVideoFrames`: frames decoded.
    pub(crate) total: u64,
    /// `getVideoPlaybackQuality().droppedVideoFrames`: decoded but dropped by the renderer.
    pub(crate) dropped: u64,
    /// Whether the `ended` event fired.
    pub(crate) ended: bool,
    /// `video.duration` in seconds.
    pub(crate) duration: f64,
    /// `video.currentTime` at the end.
    pub(crate) current_time: f64,
    /// Width and height the element decoded.
    pub(crate) size: (u32, u32),
    /// A media error, if any.
    pub(crate) error: Option<String>,
    /// Whether the page saw an audio track (Chromium's `audioTracks` is behind a flag, so this
    /// comes from `webkitAudioDecodedByteCount`).
    pub(crate) audio_bytes: u64,
}

/// Plays each file in Chromium to the end; one browser for all of them.
pub(crate) fn play(files: &[PathBuf]) -> Vec<Playback> {
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("play.mjs"))
        .args(files)
        .env("CHROMIUM", CHROMIUM)
        .stdin(Stdio::null());
    let out = cmd.output().expect("node");
    assert!(
        out.status.success(),
        "play.mjs failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "play.mjs output: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    v.as_array()
        .expect("an array of results")
        .iter()
        .map(|r| Playback {
            frames: r["frames"].as_u64().unwrap_or(0),
            presented: r["presented"].as_u64().unwrap_or(0),
            total: r["total"].as_u64().unwrap_or(0),
            dropped: r["dropped"].as_u64().unwrap_or(0),
            ended: r["ended"].as_bool().unwrap_or(false),
            duration: r["duration"].as_f64().unwrap_or(f64::NAN),
            current_time: r["currentTime"].as_f64().unwrap_or(f64::NAN),
            size: (
                r["width"].as_u64().unwrap_or(0) as u32,
                r["height"].as_u64().unwrap_or(0) as u32,
            ),
            error: r["error"].as_str().map(str::to_owned),
            audio_bytes: r["audioBytes"].as_u64().unwrap_or(0),
        })
        .collect()
}

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory.
    pub(crate) fn new(tag: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "framecast-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
