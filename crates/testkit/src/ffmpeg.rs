//! ffmpeg as the independent decoder of the video tests.

use std::process::Command;

use crate::files::scratch;

/// Decoded pictures, in the decoder's own layout `pix_fmt`, and what ffprobe reported.
#[derive(Debug)]
pub struct Decoded {
    /// The picture width ffprobe reports.
    pub width: u32,
    /// The picture height ffprobe reports.
    pub height: u32,
    /// ffprobe's `pix_fmt` (`yuv420p`, `yuvj420p`, `yuv444p`...), the layout of [`frames`](Self::frames).
    pub pix_fmt: String,
    /// Every decoded picture, planar 8-bit, tightly packed.
    pub frames: Vec<Vec<u8>>,
    /// ffprobe's `color_range`, `color_space`, `color_primaries`, `color_transfer`.
    pub tags: [String; 4],
}

/// Bytes of one picture of `w x h` in ffmpeg's planar 8-bit `pix_fmt`: 4:4:4 or else 4:2:0.
fn frame_len(w: u32, h: u32, pix_fmt: &str) -> usize {
    if pix_fmt.starts_with("yuv444") || pix_fmt.starts_with("yuvj444") {
        3 * (w * h) as usize
    } else {
        (w * h + 2 * w.div_ceil(2) * h.div_ceil(2)) as usize
    }
}

/// Decodes a file with ffmpeg (its default decoder for the stream) and reads ffprobe's stream
/// fields. The file is written to a [`scratch`] path ending in `.{ext}`; `input_format` is
/// ffmpeg's `-f` for inputs that must not be probed (a raw `h264` stream), None for containers.
///
/// Frames come out as the decoder produces them (`-fps_mode passthrough`, no `-pix_fmt`): a
/// full-range H.264 stream decodes as yuvj420p, and asking for yuv420p would make swscale
/// squeeze it to limited range; AV1 4:4:4 stays yuv444p. Panics when ffmpeg fails or writes
/// anything to stderr.
pub fn ffmpeg_decode(file_bytes: &[u8], ext: &str, input_format: Option<&str>) -> Decoded {
    let path = scratch(&format!("in.{ext}"));
    std::fs::write(&path, file_bytes).unwrap();
    let input_args = input_format.map(|f| ["-f", f]);
    let probe = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(input_args.iter().flatten())
        .args(["-select_streams", "v:0", "-show_entries"])
        .arg("stream=width,height,pix_fmt,color_range,color_space,color_primaries,color_transfer")
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&probe.stdout).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or("")
            .to_owned()
    };
    let width: u32 = get("width")
        .parse()
        .unwrap_or_else(|_| panic!("ffprobe: {text}"));
    let height: u32 = get("height").parse().unwrap();
    let pix_fmt = get("pix_fmt");
    let out = Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(input_args.iter().flatten())
        .arg("-i")
        .arg(&path)
        .args(["-fps_mode", "passthrough", "-f", "rawvideo", "-"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "ffmpeg complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let len = frame_len(width, height, &pix_fmt);
    assert_eq!(out.stdout.len() % len, 0, "partial frame from ffmpeg");
    Decoded {
        width,
        height,
        frames: out.stdout.chunks(len).map(<[u8]>::to_vec).collect(),
        tags: [
            get("color_range"),
            get("color_space"),
            get("color_primaries"),
            get("color_transfer"),
        ],
        pix_fmt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_len_follows_the_subsampling() {
        assert_eq!(frame_len(5, 3, "yuv420p"), 15 + 2 * 3 * 2);
        assert_eq!(frame_len(5, 3, "yuvj420p"), 27);
        assert_eq!(frame_len(5, 3, "yuv444p"), 45);
        assert_eq!(frame_len(5, 3, "yuvj444p"), 45);
    }
}
