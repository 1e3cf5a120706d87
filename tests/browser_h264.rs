//! `framecast encode` output in Debian's headless Chromium (playwright-core, driven by
//! `crates/mux/tests/browser/canvas.mjs`): every file of the covering matrix (`common::matrix`)
//! and the solid-patch grid in every colour spec plays to its end with every frame decoded, at
//! the size the encoder meant players to show; and the colours Chromium draws to a canvas from a
//! paused frame of the patch grid match the source.
//!
//! A missing Chromium, node or playwright-core (`npm ci` in crates/mux/tests/browser) or corpus
//! file prints SKIP (and fails when `CI` is `true` or `1`).
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod common;

use common::{Need, canvas};

#[test]
fn encoded_files_play_every_frame_in_chromium_and_patches_keep_their_colours() {
    let cases = common::matrix();
    let mut needs = vec![Need::Chromium];
    needs.extend(cases.iter().flat_map(common::Case::needs));
    // The photos are decoded to RGB with ffmpeg.
    needs.push(Need::Ffmpeg);
    needs.push(Need::Ffprobe);
    if !common::available(&needs) {
        return;
    }
    let tmp = common::TempDir::new("browser-h264");
    let encoded: Vec<common::Encoded> = cases
        .iter()
        .map(|c| common::encode(c, tmp.path()))
        .collect();
    let patches = common::encode_patches(tmp.path());

    let files: Vec<&std::path::Path> = encoded.iter().map(|e| e.path.as_path()).collect();
    let jobs = canvas::jobs(&files, &patches);
    let started = std::time::Instant::now();
    let results = canvas::run(tmp.path(), &jobs);
    common::note(&format!(
        "chromium: {} files in {:.1} s",
        jobs.len(),
        started.elapsed().as_secs_f64()
    ));

    let mut failures = Vec::new();
    for (e, p) in encoded.iter().zip(&results) {
        let c = &e.case;
        let bad =
            canvas::playback_problems(p, c.frames as u64, &[c.display_size()], c.audio.is_some());
        if !bad.is_empty() {
            failures.push(format!("{}: {} ({p:?})", c.name, bad.join(", ")));
        }
    }
    let patch_size = common::patch_size();
    for ((spec, flags, _), p) in patches.iter().zip(&results[encoded.len()..]) {
        let label = format!("patches {spec}{}", if *flags { "" } else { " (no flags)" });
        let (bad, measured) = canvas::patch_problems(p, *spec, patch_size);
        common::note(&format!("chromium {label}: {measured}"));
        if !bad.is_empty() {
            failures.push(format!("{label}: {}", bad.join(", ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
