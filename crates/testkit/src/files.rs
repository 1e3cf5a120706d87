//! Test files: the shared corpus, scratch paths and y4m input.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use framecast_core::{Subsampling, YuvImage};

use crate::oracle::skip;

/// A file of the shared corpus (`../shared/corpus` beside the repository root), or None (after
/// [`skip`], so a panic under CI) when it is missing.
#[track_caller]
pub fn corpus(file: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(file);
    if p.exists() {
        Some(p)
    } else {
        skip(&format!("corpus file {} is missing", p.display()));
        None
    }
}

/// A unique scratch path in the temporary folder: the process id and a counter keep test
/// threads and test binaries apart. The caller removes the file.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("framecast-test-{}-{n}-{name}", std::process::id()))
}

/// Reads a 4:2:0 8-bit y4m file: `(width, height, frames)`.
pub fn read_y4m(path: &Path) -> (u32, u32, Vec<YuvImage>) {
    let data = std::fs::read(path).unwrap();
    let header_end = data.iter().position(|&b| b == b'\n').unwrap();
    let header = std::str::from_utf8(&data[..header_end]).unwrap();
    let field = |c: char| {
        header
            .split(' ')
            .find_map(|f| f.strip_prefix(c))
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    let (w, h) = (field('W'), field('H'));
    let mut frames = Vec::new();
    let mut pos = header_end + 1;
    while pos < data.len() {
        let line_end = pos + data[pos..].iter().position(|&b| b == b'\n').unwrap();
        assert!(data[pos..].starts_with(b"FRAME"));
        pos = line_end + 1;
        let mut img = YuvImage::new(w, h, Subsampling::Yuv420).unwrap();
        for i in 0..3 {
            let len = img.plane(i).len();
            img.plane_mut(i).copy_from_slice(&data[pos..pos + len]);
            pos += len;
        }
        frames.push(img);
    }
    (w, h, frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_paths_are_unique() {
        assert_ne!(scratch("a.bin"), scratch("a.bin"));
    }

    #[test]
    fn read_y4m_reads_every_plane_of_every_frame() {
        // 3x3 4:2:0: 9 luma bytes, 2x2 per chroma plane.
        let mut file = b"YUV4MPEG2 W3 H3 F25:1 Ip A1:1 C420jpeg\n".to_vec();
        for f in 0u8..2 {
            file.extend_from_slice(b"FRAME\n");
            file.extend((0u8..17).map(|i| i + 20 * f));
        }
        let path = scratch("two.y4m");
        std::fs::write(&path, &file).unwrap();
        let (w, h, frames) = read_y4m(&path);
        let _ = std::fs::remove_file(&path);
        assert_eq!((w, h, frames.len()), (3, 3, 2));
        assert_eq!(frames[1].plane_row(0, 2), &[26, 27, 28]);
        assert_eq!(frames[1].plane_row(1, 0), &[29, 30]);
        assert_eq!(frames[1].plane_row(2, 1), &[35, 36]);
    }
}
