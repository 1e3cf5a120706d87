//! `framecast bench color` end to end: the JSON is valid and complete, the table names every
//! backend, and bad arguments or environment fail with a message naming what was expected.

use std::process::{Command, Output};

use framecast_color::Backend;

fn framecast(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_framecast"));
    cmd.args(args).env_remove("FRAMECAST_CPU");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run framecast")
}

#[test]
fn json_lists_every_backend_and_memcpy() {
    let out = framecast(
        &[
            "bench",
            "color",
            "--json",
            "--seconds",
            "0.01",
            "--size",
            "33x17",
            "--pix-fmt",
            "bgra",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let rows = rows.as_array().expect("an array");
    let mut kinds: Vec<&str> = rows
        .iter()
        .map(|r| r["backend"].as_str().expect("backend"))
        .collect();
    kinds.sort();
    let mut want: Vec<&str> = Backend::available()
        .iter()
        .map(|b| b.name())
        .chain(["memcpy"])
        .collect();
    want.sort();
    assert_eq!(kinds, want);
    for r in rows {
        assert_eq!(
            (
                r["width"].as_u64(),
                r["height"].as_u64(),
                r["format"].as_str()
            ),
            (Some(33), Some(17), Some("bgra"))
        );
        assert!(r["ns_per_frame"].as_u64().is_some_and(|n| n > 0), "{r}");
        assert!(
            r["bytes_per_second"].as_f64().is_some_and(|n| n > 0.0),
            "{r}"
        );
    }
}

#[test]
fn table_has_a_row_per_backend() {
    let out = framecast(
        &["bench", "color", "--seconds", "0.01", "--size", "8x8"],
        &[("FRAMECAST_CPU", "scalar")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("default backend here: scalar"), "{text}");
    for b in Backend::available() {
        assert!(
            text.lines()
                .any(|l| l.starts_with("8x8") && l.contains(" rgb24 ") && l.contains(b.name())),
            "{b}: {text}"
        );
    }
}

#[test]
fn bad_size_names_the_expected_form() {
    let out = framecast(&["bench", "color", "--size", "0x10"], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid size '0x10'") && err.contains("WIDTHxHEIGHT"),
        "{err}"
    );
}

#[test]
fn bad_pixel_format_lists_accepted_ones() {
    let out = framecast(&["bench", "color", "--pix-fmt", "yuv420p"], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown pixel format 'yuv420p'") && err.contains("rgb24, bgr24"),
        "{err}"
    );
}

#[test]
fn bad_cpu_env_is_reported() {
    let out = framecast(
        &["bench", "color", "--seconds", "0.01", "--size", "8x8"],
        &[("FRAMECAST_CPU", "avx9000")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown backend 'avx9000'") && err.contains("FRAMECAST_CPU"),
        "{err}"
    );
}
