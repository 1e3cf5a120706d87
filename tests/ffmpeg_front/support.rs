//! Running the binary as `ffmpeg` (a link in a temp dir) and as `framecast ffmpeg`, with
//! seeded frames on stdin, a time limit, and readers for the result (the `mp4` crate and,
//! when installed, ffprobe).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How the ffmpeg front is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// A symlink named `ffmpeg` to the binary.
    Link,
    /// `framecast ffmpeg ARGS...`.
    Subcommand,
}

pub(crate) const BOTH: [Via; 2] = [Via::Link, Via::Subcommand];

/// A fresh directory for one test, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("framecast-ff-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The command that starts the front `via` (the link lives in `dir`).
pub(crate) fn ffmpeg(via: Via, dir: &Path) -> Command {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_framecast"));
    match via {
        Via::Link => {
            let link = dir.join("ffmpeg");
            if !link.exists() {
                #[cfg(unix)]
                std::os::unix::fs::symlink(&exe, &link).expect("symlink ffmpeg");
                #[cfg(not(unix))]
                std::fs::copy(&exe, &link).expect("copy as ffmpeg");
            }
            Command::new(link)
        }
        Via::Subcommand => {
            let mut cmd = Command::new(exe);
            cmd.arg("ffmpeg");
            cmd
        }
    }
}

/// Splits a command line on spaces, replacing `{dir}` with the test directory.
pub(crate) fn argv(line: &str, dir: &Path) -> Vec<String> {
    line.split_whitespace()
        .map(|a| a.replace("{dir}", &dir.display().to_string()))
        .collect()
}

/// Runs with `stdin` bytes, then EOF; at most 60 s.
pub(crate) fn run(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn framecast");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The binary may refuse the input before reading it all.
        let _ = input.write_all(&data);
    });
    let out = wait(child, Duration::from_secs(60));
    let _ = writer.join();
    out
}

/// Runs with a stdin that never closes (nothing is ever written): a front that reads stdin
/// before failing would hang, and the time limit catches it.
pub(crate) fn run_open_stdin(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn framecast");
    // Keep the write end open until the child has exited.
    let stdin = child.stdin.take();
    let out = wait(child, limit);
    drop(stdin);
    out
}

pub(crate) fn wait(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "framecast did not finish within {limit:?} (it must not read stdin here); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Seeded frames of `w` x `h` pixels of `bpp` bytes: a moving gradient plus noise.
pub(crate) fn frames(w: u32, h: u32, bpp: usize, count: usize) -> Vec<u8> {
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

/// Video sample count and track size, read with the `mp4` crate.
pub(crate) fn mp4_video(path: &Path) -> (u32, u16, u16) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let size = bytes.len() as u64;
    let reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), size).expect("parse mp4");
    let track = reader
        .tracks()
        .values()
        .find(|t| t.track_type().ok() == Some(mp4::TrackType::Video))
        .expect("a video track");
    (track.sample_count(), track.width(), track.height())
}

/// Whether a missing oracle must fail the test instead of skipping it.
fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true" | "1"))
}

/// Whether ffprobe runs; prints SKIP (or fails under CI) when it does not.
pub(crate) fn have_ffprobe() -> bool {
    let ok = Command::new("ffprobe")
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP: ffprobe missing (apt-get install ffmpeg); checked with the mp4 crate only"
        );
        assert!(!in_ci(), "CI is set and ffprobe is missing");
    }
    ok
}

/// ffprobe's view of the video stream: codec, width, height, frames, rate.
pub(crate) fn ffprobe(path: &Path) -> (String, u32, u32, u64, String) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames,r_frame_rate",
            "-of",
            "default=noprint_wrappers=1",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| -> String {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("ffprobe printed no {name}: {text}"))
            .to_owned()
    };
    (
        field("codec_name"),
        field("width").parse().expect("width"),
        field("height").parse().expect("height"),
        field("nb_read_frames").parse().expect("frames"),
        field("r_frame_rate"),
    )
}

/// Asserts a successful run with nothing on stdout and the expected file.
pub(crate) fn check_video(out: &Output, path: &Path, frames: u64, (w, h): (u32, u32), rate: &str) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(out)
    );
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty, got {} bytes",
        out.stdout.len()
    );
    let (samples, tw, th) = mp4_video(path);
    assert_eq!(u64::from(samples), frames, "{}", path.display());
    assert_eq!((u32::from(tw), u32::from(th)), (w, h), "{}", path.display());
    if have_ffprobe() {
        let (codec, pw, ph, n, r) = ffprobe(path);
        assert_eq!(codec, "h264");
        assert_eq!((pw, ph), (w, h));
        assert_eq!(n, frames);
        assert_eq!(r, rate);
    }
}

/// Asserts a successful run with nothing on stdout and a GIF of `images` images at `w` x `h`
/// (ffprobe counts the images when present; the header is read in any case).
pub(crate) fn check_gif(out: &Output, path: &Path, images: u64, (w, h): (u32, u32)) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(out)
    );
    assert!(out.stdout.is_empty(), "stdout must stay empty");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"GIF89a", "{}", path.display());
    let screen = |i: usize| u32::from(u16::from_le_bytes([bytes[i], bytes[i + 1]]));
    assert_eq!(
        (screen(6), screen(8)),
        (w, h),
        "logical screen of {}",
        path.display()
    );
    if have_ffprobe() {
        let (codec, pw, ph, n, _) = ffprobe(path);
        assert_eq!(codec, "gif");
        assert_eq!((pw, ph), (w, h));
        assert_eq!(n, images);
    }
}
