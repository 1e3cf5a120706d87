//! openh264 writes nothing to stderr: framecast's CLI keeps stderr for its own messages (and
//! for tools that parse it). libtest does not capture what C code writes to file descriptor 2,
//! so the encoding runs in a child process (this test binary re-executed) whose stderr is
//! checked byte for byte.

mod common;

use std::process::Command;

use common::*;
use framecast_core::{ColorSpec, RateControl, Subsampling};
use framecast_h264::{H264Options, Profile, Speed};
use framecast_testkit::{Lcg, synthetic};

/// Set in the child to make `child_encodes` do the work.
const CHILD: &str = "FRAMECAST_H264_QUIET_CHILD";

/// The work of the child: every path that used to log (encoder creation with frame skipping off,
/// both rate-control modes, several slices and threads, tiny pictures, both profiles).
#[test]
fn child_encodes() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let mut rng = Lcg(42);
    for (w, h) in [(1, 1), (64, 48), (320, 240), (1280, 720)] {
        let frames: Vec<_> = (0..3)
            .map(|t| synthetic(w, h, t, 16, Subsampling::Yuv420, &mut rng))
            .collect();
        for (rate, threads, profile, speed) in [
            (RateControl::default(), 0, Profile::Main, Speed::Medium),
            (RateControl::Bitrate(200), 2, Profile::Main, Speed::Fast),
            (
                RateControl::Quality(30),
                4,
                Profile::ConstrainedBaseline,
                Speed::Slow,
            ),
        ] {
            let options = H264Options::default()
                .with_rate(rate)
                .with_threads(threads)
                .with_profile(profile)
                .with_speed(speed);
            let (packets, _, _) = encode(&frames, 30, ColorSpec::default(), &options);
            assert_eq!(packets.len(), frames.len());
        }
    }
    // Frame skipping on with a starved budget: openh264 skips, and says nothing.
    let frames: Vec<_> = (0..30)
        .map(|t| synthetic(320, 240, t, 64, Subsampling::Yuv420, &mut rng))
        .collect();
    let options = H264Options::default()
        .with_rate(RateControl::Bitrate(20))
        .with_frame_skip(true);
    encode(&frames, 30, ColorSpec::default(), &options);
}

#[test]
fn openh264_writes_nothing_to_stderr() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args(["--exact", "child_encodes", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("re-running the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed: {stdout}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "openh264 (or the encoder) wrote to stderr"
    );
}
