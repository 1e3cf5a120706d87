//! The H.264 and AV1 inputs of the conformance tests: every corpus file with such a video track,
//! DASH init segments joined with their media segment (as `cat init seg` plays).
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]

use std::path::{Path, PathBuf};

use framecast_mux::inspect::{self, FourCc};

/// One remux input and what its video track holds.
pub(crate) struct Source {
    /// Corpus file name (`+segment` for joined pairs).
    pub(crate) name: String,
    /// The file to read.
    pub(crate) path: PathBuf,
    /// `avc1` or `av01`.
    pub(crate) codec: FourCc,
    /// Video samples.
    pub(crate) samples: u64,
    /// Video sync samples.
    pub(crate) sync_samples: u64,
    /// Video timescale.
    pub(crate) timescale: u32,
    /// Video duration in seconds (sum of sample durations).
    pub(crate) seconds: f64,
    /// Whether the video track has an edit list.
    pub(crate) has_edit_list: bool,
}

pub(crate) fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/mp4")
}

/// The inputs; joined pairs are written to `tmp`.
pub(crate) fn sources(tmp: &Path) -> Vec<Source> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("the shared corpus beside the repository")
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".m4s") {
            continue;
        }
        let (name, path) = match name.strip_suffix("init.mp4") {
            Some(stem) => {
                let seg = paths
                    .iter()
                    .find(|p| {
                        p.to_string_lossy().ends_with(".m4s") && p.to_string_lossy().contains(stem)
                    })
                    .unwrap_or_else(|| panic!("no media segment for {name}"));
                let joined = tmp.join(format!("{name}+segment.mp4"));
                let bytes = [std::fs::read(path).unwrap(), std::fs::read(seg).unwrap()].concat();
                std::fs::write(&joined, bytes).unwrap();
                (format!("{name}+segment"), joined)
            }
            None => (name, path.clone()),
        };
        let r = inspect::inspect_bytes(&std::fs::read(&path).unwrap()).unwrap();
        let Some(v) = r.video_track() else { continue };
        let Some(codec) = v.codec.filter(|c| c.0 == *b"avc1" || c.0 == *b"av01") else {
            continue;
        };
        out.push(Source {
            name,
            path,
            codec,
            samples: v.sample_count,
            sync_samples: v.sync_sample_count,
            timescale: v.timescale,
            seconds: v.decode_duration as f64 / f64::from(v.timescale),
            has_edit_list: !v.edits.is_empty(),
        });
    }
    assert!(
        out.len() >= 12,
        "only {} video sources in the corpus",
        out.len()
    );
    out
}
