//! The oracle rule: a missing external tool (or corpus file) is a SKIP locally and a failure
//! under CI. The checks are `#[track_caller]`, so a CI failure names the test's line.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether a missing oracle must fail the test: env `CI` is `true` or `1`.
pub fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true") | Ok("1"))
}

/// Prints `SKIP: reason` to the real stderr (libtest does not capture it) and returns false,
/// or panics under CI ([`in_ci`]).
#[track_caller]
pub fn skip(reason: &str) -> bool {
    assert!(!in_ci(), "oracle missing under CI: {reason}");
    let _ = writeln!(std::io::stderr(), "SKIP: {reason}");
    false
}

/// Whether `tool version_arg` runs and succeeds; prints `SKIP: {tool} not found (apt-get install
/// {package})` (or panics under CI) when not.
#[track_caller]
pub fn have_tool(tool: &str, version_arg: &str, package: &str) -> bool {
    let ok = Command::new(tool)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok || skip(&format!("{tool} not found (apt-get install {package})"))
}

/// Whether ffmpeg and ffprobe run; prints SKIP (or panics under CI) when not.
#[track_caller]
pub fn have_ffmpeg() -> bool {
    have_tool("ffmpeg", "-version", "ffmpeg") && have_tool("ffprobe", "-version", "ffmpeg")
}

/// Whether dav1d runs; prints SKIP (or panics under CI) when not.
#[track_caller]
pub fn have_dav1d() -> bool {
    have_tool("dav1d", "--version", "dav1d")
}
