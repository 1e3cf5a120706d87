//! `framecast probe`: reports the tree and tracks of a corpus MP4, and names the file and the
//! problem when it cannot.

use std::path::PathBuf;
use std::process::Command;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/mp4")
        .join(name)
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

#[test]
fn probe_reports_tree_tracks_and_layout() {
    let path = corpus("mp4parse_tiny_av1.mp4");
    if !path.exists() {
        assert!(!in_ci(), "corpus file {} is missing", path.display());
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("SKIP: {}\n", path.display()).as_bytes(),
        );
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .arg("probe")
        .arg(&path)
        .output()
        .expect("run framecast");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    for want in [
        "moov @",
        "  trak @",
        "av1C @",
        "layout: progressive",
        "track 1: vide av01 64x64, timescale 12288",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn probe_names_missing_and_bad_files() {
    let out = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .args(["probe", "/nonexistent/x.mp4"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("opening /nonexistent/x.mp4"), "{err}");

    let junk =
        std::env::temp_dir().join(format!("framecast-probe-junk-{}.mp4", std::process::id()));
    std::fs::write(&junk, b"\x00\x00\x00\x10moovthis is not a box tree").expect("write temp file");
    let out = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .arg("probe")
        .arg(&junk)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&junk);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("inspecting") && err.contains("framecast-probe-junk"),
        "{err}"
    );
}

/// Runs `framecast ARGS` with `stdin`, returning (success, stdout, stderr).
fn run(args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run framecast");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn probe_reports_a_gif_and_refuses_what_is_not_a_container() {
    let dir = std::env::temp_dir().join(format!("framecast-probe-gif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let gif = dir.join("a.gif");
    // 7 frames of 20x10 at 30 fps, each different, played three times.
    let frames: Vec<u8> = (0..7u8)
        .flat_map(|f| (0..200u32).flat_map(move |p| [(p % 20 * 12) as u8, f * 30, 90]))
        .collect();
    let gif_arg = gif.display().to_string();
    let (ok, _, err) = run(
        &[
            "encode", "-q", "--size", "20x10", "--loop", "2", "-o", &gif_arg,
        ],
        &frames,
    );
    assert!(ok, "{err}");
    let (ok, text, err) = run(&["probe", &gif_arg], &[]);
    assert!(ok, "{err}");
    for want in [
        "GIF, 20x10, 7 images, plays 3 times",
        "duration 0.23 s; delays (centiseconds): 3, 3, 4, 3, 3, 4, 3",
        "colour tables: global",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    let junk = dir.join("junk.mp4");
    std::fs::write(&junk, [0x00u8, 0x01, 0x02, 0x03, 0xff, 0xfe, 0x00, 0x10]).expect("write");
    let (ok, _, err) = run(&["probe", &junk.display().to_string()], &[]);
    assert!(!ok);
    assert!(
        err.contains("is not an MP4, IVF or GIF file: it starts with 00 01 02 03 ff fe 00 10"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
