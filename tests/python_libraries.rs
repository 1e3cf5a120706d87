//! matplotlib, imageio and MoviePy, from PyPI, write videos through `framecast ffmpeg-shim`
//! unmodified (tests/python, run with pytest from the virtualenv `.ci/python-deps.sh` makes);
//! then every MP4 they produced plays to the end in Chromium.
//!
//! The virtualenv is `target/python-venv` (or `$FRAMECAST_PYTHON`, a python with the packages
//! of tests/python/requirements.txt). Missing: SKIP locally, failure under CI.

#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Need;

fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("FRAMECAST_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/python-venv/bin/python");
    venv.exists().then_some(venv)
}

#[test]
fn matplotlib_imageio_and_moviepy_write_through_the_shim_and_the_files_play() {
    let Some(python) = python() else {
        common::note(
            "SKIP: no Python virtualenv with matplotlib/imageio/moviepy (run .ci/python-deps.sh)",
        );
        assert!(
            !common::in_ci(),
            "CI must create the virtualenv (.ci/python-deps.sh)"
        );
        return;
    };
    if !common::available(&[Need::Ffprobe, Need::Chromium]) {
        return;
    }
    let dir = common::TempDir::new("python");
    let outputs = dir.path().join("outputs");
    std::fs::create_dir_all(&outputs).expect("outputs dir");
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp"])
        .arg(dir.path().join("pytest"))
        .arg(&tests)
        .env("FRAMECAST_BIN", env!("CARGO_BIN_EXE_framecast"))
        .env("FRAMECAST_PY_OUTPUTS", &outputs)
        .env("MPLBACKEND", "Agg")
        .output()
        .expect("run pytest");
    let report = String::from_utf8_lossy(&out.stdout);
    common::note(&format!(
        "pytest tests/python: {}",
        report.lines().last().unwrap_or("")
    ));
    assert!(
        out.status.success(),
        "pytest failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every MP4 the libraries made plays to the end in Chromium, every frame decoded.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&outputs)
        .expect("outputs")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 6, "only {} outputs were kept", files.len());
    let played = Command::new("node")
        .arg(common::browser_dir().join("play.mjs"))
        .args(&files)
        .env("CHROMIUM", common::CHROMIUM)
        .output()
        .expect("run play.mjs");
    assert!(
        played.status.success(),
        "play.mjs: {}",
        String::from_utf8_lossy(&played.stderr)
    );
    let results: serde_json::Value = serde_json::from_slice(&played.stdout).expect("play.mjs JSON");
    for (file, r) in files.iter().zip(results.as_array().expect("array")) {
        // File names end in .<frames>f.mp4 (conftest.keep_for_browser).
        let frames: u64 = file
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.rsplit('.').next())
            .and_then(|s| s.strip_suffix('f'))
            .and_then(|s| s.parse().ok())
            .expect("frame count in the file name");
        assert!(r["error"].is_null(), "{}: {r}", file.display());
        assert_eq!(r["ended"], true, "{}: {r}", file.display());
        assert_eq!(r["total"].as_u64(), Some(frames), "{}: {r}", file.display());
    }
}
