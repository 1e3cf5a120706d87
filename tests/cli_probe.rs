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
