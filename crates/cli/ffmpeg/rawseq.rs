//! One raw frame per file (`-f image2 -vcodec rawvideo -i tmp%07d.rgba`): matplotlib's
//! `ffmpeg_file` writer with `frame_format='rgba'`.

use std::io::Read;
use std::path::{Path, PathBuf};

use framecast::PixelFormat;
use framecast::source::{FrameSource, SourceError, SourceInfo};

/// How many start numbers a pattern tries, as ffmpeg's image2 `start_number_range` (5).
const START_RANGE: u64 = 5;

/// Frames read from numbered files of exactly one frame each.
pub(crate) struct RawFiles {
    info: SourceInfo,
    frame_len: usize,
    dir: PathBuf,
    prefix: String,
    suffix: String,
    width: usize,
    next: u64,
    shown: String,
}

impl RawFiles {
    /// Opens a `%d`/`%0Nd` pattern of raw `width` x `height` frames in `format`; the first
    /// existing number among 0..=4 starts the sequence, which ends at the first missing file.
    pub(crate) fn open(
        pattern: &Path,
        (width, height): (u32, u32),
        format: PixelFormat,
    ) -> anyhow::Result<Self> {
        let shown = pattern.display().to_string();
        let info = SourceInfo::packed(width, height, format, None)?;
        let frame_len = info.frame_len();
        let name = pattern
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                anyhow::anyhow!("'{shown}': expected a file pattern such as tmp%07d.rgba")
            })?;
        let dir = pattern
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let (prefix, suffix, digits) = split_pattern(name).ok_or_else(|| {
            anyhow::anyhow!(
                "'{shown}': expected one %d or %0Nd in the file name, such as tmp%07d.rgba"
            )
        })?;
        let mut files = RawFiles {
            info,
            frame_len,
            dir,
            prefix,
            suffix,
            width: digits,
            next: 0,
            shown,
        };
        let Some(start) = (0..START_RANGE).find(|n| files.path(*n).is_file()) else {
            anyhow::bail!(
                "Could find no file with path '{}' and index in the range 0-{}",
                files.shown,
                START_RANGE - 1
            );
        };
        files.next = start;
        Ok(files)
    }

    fn path(&self, number: u64) -> PathBuf {
        let width = self.width;
        self.dir
            .join(format!("{}{number:0width$}{}", self.prefix, self.suffix))
    }
}

/// `tmp%07d.rgba` -> ("tmp", ".rgba", 7); `%d` has width 0; `%%` is a literal `%`.
fn split_pattern(name: &str) -> Option<(String, String, usize)> {
    let mut prefix = String::new();
    let mut chars = name.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '%' {
            prefix.push(c);
            continue;
        }
        if chars.peek().map(|(_, c)| *c) == Some('%') {
            chars.next();
            prefix.push('%');
            continue;
        }
        let rest = &name[i + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = &rest[digits.len()..];
        let suffix = after.strip_prefix('d')?;
        if suffix.contains('%') && !suffix.contains("%%") {
            return None;
        }
        let width = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        return Some((prefix, suffix.replace("%%", "%"), width));
    }
    None
}

impl FrameSource for RawFiles {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, SourceError> {
        let path = self.path(self.next);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(SourceError::Io {
                    what: format!("opening '{}'", path.display()),
                    source: e,
                });
            }
        };
        buf.clear();
        // One byte more than a frame tells a file that is too long.
        let limit = self.frame_len as u64 + 1;
        file.take(limit)
            .read_to_end(buf)
            .map_err(|e| SourceError::Io {
                what: format!("reading '{}'", path.display()),
                source: e,
            })?;
        if buf.len() != self.frame_len {
            return Err(SourceError::Sequence {
                spec: self.shown.clone(),
                reason: format!(
                    "'{}' has {}{} bytes, but one {}x{} {} frame is {} bytes",
                    path.display(),
                    if buf.len() > self.frame_len {
                        "more than "
                    } else {
                        ""
                    },
                    buf.len().min(self.frame_len),
                    self.info.width,
                    self.info.height,
                    match self.info.layout {
                        framecast::source::FrameLayout::Packed(f) => f.name(),
                        framecast::source::FrameLayout::Yuv(_) => "yuv",
                    },
                    self.frame_len
                ),
            });
        }
        self.next += 1;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_split() {
        assert_eq!(
            split_pattern("tmp%07d.rgba"),
            Some(("tmp".into(), ".rgba".into(), 7))
        );
        assert_eq!(
            split_pattern("%d.png"),
            Some((String::new(), ".png".into(), 0))
        );
        assert_eq!(
            split_pattern("a%%b%3d"),
            Some(("a%b".into(), String::new(), 3))
        );
        assert_eq!(split_pattern("plain.rgba"), None);
        assert_eq!(split_pattern("x%s.rgba"), None);
    }
}
