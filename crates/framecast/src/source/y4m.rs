//! YUV4MPEG2 (y4m) streams: a text stream header, then per frame a `FRAME` line and the planes.
//!
//! Format reference: the mjpegtools `yuv4mpeg(5)` manual page and ffmpeg's `yuv4mpegdec.c`,
//! whose `C` names and `XCOLORRANGE` tag this reader follows.

use std::io::{BufRead, BufReader, Read};

use framecast_core::{ColorSpec, Matrix, Range, Rational, Subsampling};

use super::{FrameLayout, FrameSource, SourceError, SourceInfo, check_size, read_full, show_bytes};

/// The stream signature, including the separator that must follow it.
const MAGIC: &[u8] = b"YUV4MPEG2 ";
/// Longest stream header line accepted. Real headers are under 100 bytes; the cap keeps a
/// stream without a newline from growing a buffer without bound.
const MAX_HEADER: usize = 1024;
/// Longest `FRAME` line accepted (frame parameters are rare and short).
const MAX_FRAME_HEADER: usize = 1024;
/// The 8-bit colour spaces framecast reads, for error messages.
const SUPPORTED: &str =
    "framecast reads 8-bit 4:2:0 and 4:4:4 (C420jpeg, C420paldv, C420mpeg2, C420, C444) and Cmono";

/// How the planes of one frame are stored in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Planes {
    /// Y, U, V as framecast delivers them.
    Yuv,
    /// Only Y (`Cmono`); U and V are filled with neutral grey.
    Mono,
}

/// A y4m stream of 8-bit 4:2:0, 4:4:4 or mono frames, delivered as [`FrameLayout::Yuv`].
///
/// Mono streams are delivered as 4:2:0 with grey (128) chroma. 10-bit and deeper streams,
/// 4:2:2, 4:1:1, 4:4:4 with alpha and interlaced streams are refused when the header is read,
/// with an error naming the header parameter.
#[derive(Debug)]
pub struct Y4mSource<R: Read + Send> {
    reader: BufReader<R>,
    info: SourceInfo,
    planes: Planes,
    /// Bytes of one frame's planes as stored in the stream.
    stored_len: usize,
    frame_len: usize,
    frames_read: u64,
    what: String,
}

/// The parsed stream header.
struct Header {
    width: u64,
    height: u64,
    fps: Option<Rational>,
    sub: Subsampling,
    planes: Planes,
    range: Option<Range>,
}

impl<R: Read + Send> Y4mSource<R> {
    /// Reads the stream header from `reader` and validates it; frames are read later.
    pub fn new(reader: R) -> Result<Self, SourceError> {
        Self::named(reader, "y4m input")
    }

    /// Like [`Y4mSource::new`], with `what` naming the input ("stdin", a path) in I/O errors.
    pub(crate) fn named(reader: R, what: &str) -> Result<Self, SourceError> {
        let mut reader = BufReader::new(reader);
        let mut line = Vec::new();
        let ended =
            read_line(&mut reader, &mut line, MAX_HEADER).map_err(|e| SourceError::io(what, e))?;
        if !line.starts_with(MAGIC) {
            return Err(SourceError::Y4mHeader {
                reason: format!(
                    "the input starts with {} instead of \"YUV4MPEG2 \"",
                    show_bytes(&line, 16)
                ),
            });
        }
        match ended {
            LineEnd::Newline => {}
            LineEnd::Eof => {
                return Err(SourceError::Y4mHeader {
                    reason: format!(
                        "the input ended after {} bytes, inside the header line; expected it to end with a newline",
                        line.len()
                    ),
                });
            }
            LineEnd::TooLong => {
                return Err(SourceError::Y4mHeader {
                    reason: format!(
                        "no newline within the first {MAX_HEADER} bytes; a header line is at most {MAX_HEADER} bytes"
                    ),
                });
            }
        }
        let header = parse_header(&line[MAGIC.len()..])?;
        let layout = FrameLayout::Yuv(header.sub);
        let frame_len = check_size("y4m header", header.width, header.height, layout)?;
        let (width, height) = (header.width as u32, header.height as u32);
        let stored_len = match header.planes {
            Planes::Yuv => frame_len,
            // Only the luma plane is stored; check_size already bounded width * height.
            Planes::Mono => width as usize * height as usize,
        };
        Ok(Y4mSource {
            reader,
            info: SourceInfo {
                width,
                height,
                layout,
                fps: header.fps,
                // y4m has no matrix tag; BT.601 is what ffmpeg assumes for untagged SD-style
                // streams and framecast's default, so only the range is taken from the file.
                color: header.range.map(|r| ColorSpec::new(Matrix::Bt601, r)),
            },
            planes: header.planes,
            stored_len,
            frame_len,
            frames_read: 0,
            what: what.to_owned(),
        })
    }

    /// Number of complete frames read so far.
    pub fn frames_read(&self) -> u64 {
        self.frames_read
    }

    /// Reads the `FRAME` line. Returns its length, or `None` at a clean end of input.
    fn read_frame_header(&mut self) -> Result<Option<usize>, SourceError> {
        let frame = self.frames_read;
        let mut line = [0u8; 5];
        let got = read_full(&mut self.reader, &mut line).map_err(|e| self.io(e))?;
        if got == 0 {
            return Ok(None);
        }
        if line[..got] != b"FRAME"[..got] {
            return Err(self.garbage(&line[..got]));
        }
        if got < line.len() {
            return Err(self.truncated(got));
        }
        // After "FRAME": a newline, or a space and parameters (ignored) up to the newline.
        let mut len = line.len();
        loop {
            let mut byte = [0u8; 1];
            if read_full(&mut self.reader, &mut byte).map_err(|e| self.io(e))? == 0 {
                return Err(self.truncated(len));
            }
            len += 1;
            match byte[0] {
                b'\n' => return Ok(Some(len)),
                b' ' if len == line.len() + 1 => {}
                _ if len > line.len() + 1 => {}
                _ => {
                    let mut found = b"FRAME".to_vec();
                    found.push(byte[0]);
                    return Err(self.garbage(&found));
                }
            }
            if len > MAX_FRAME_HEADER {
                return Err(SourceError::Y4mFrameHeader {
                    frame,
                    reason: format!(
                        "the FRAME line has no newline within {MAX_FRAME_HEADER} bytes; a FRAME line is at most {MAX_FRAME_HEADER} bytes"
                    ),
                });
            }
        }
    }

    fn io(&self, e: std::io::Error) -> SourceError {
        SourceError::io(&self.what, e)
    }

    fn garbage(&self, found: &[u8]) -> SourceError {
        SourceError::Y4mFrameHeader {
            frame: self.frames_read,
            reason: format!(
                "expected \"FRAME\" followed by a newline or a space but found {}",
                show_bytes(found, 16)
            ),
        }
    }

    /// Input ended after `leftover` bytes of a frame (its `FRAME` line included).
    fn truncated(&self, leftover: usize) -> SourceError {
        SourceError::Truncated {
            frame: self.frames_read,
            leftover,
            // A FRAME line is at least "FRAME\n"; a longer one was read up to `leftover`.
            frame_len: leftover.max(6) + self.stored_len,
        }
    }
}

impl<R: Read + Send> FrameSource for Y4mSource<R> {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, SourceError> {
        let Some(header_len) = self.read_frame_header()? else {
            buf.clear();
            return Ok(false);
        };
        buf.resize(self.frame_len, 0);
        let stored = &mut buf[..self.stored_len];
        let got = read_full(&mut self.reader, stored).map_err(|e| self.io(e))?;
        if got < self.stored_len {
            return Err(SourceError::Truncated {
                frame: self.frames_read,
                leftover: header_len + got,
                frame_len: header_len + self.stored_len,
            });
        }
        if self.planes == Planes::Mono {
            // 128 is neutral chroma in both ranges.
            buf[self.stored_len..].fill(128);
        }
        self.frames_read += 1;
        Ok(true)
    }
}

/// How [`read_line`] stopped.
enum LineEnd {
    Newline,
    Eof,
    TooLong,
}

/// Reads up to and excluding a newline into `line`, at most `max` bytes.
fn read_line<R: BufRead>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<LineEnd> {
    let mut limited = reader.take(max as u64 + 1);
    limited.read_until(b'\n', line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
        Ok(LineEnd::Newline)
    } else if line.len() > max {
        Ok(LineEnd::TooLong)
    } else {
        Ok(LineEnd::Eof)
    }
}

/// Parses the parameters after `YUV4MPEG2 `.
fn parse_header(params: &[u8]) -> Result<Header, SourceError> {
    // The header is ASCII (yuv4mpeg(5)); refusing anything else up front also keeps the
    // one-byte tag split below on a character boundary.
    let text = std::str::from_utf8(params)
        .ok()
        .filter(|t| t.is_ascii())
        .ok_or_else(|| SourceError::Y4mHeader {
            reason: format!("parameters {} are not ASCII text", show_bytes(params, 64)),
        })?;
    let mut width = None;
    let mut height = None;
    let mut fps = None;
    // The yuv4mpeg default colour space when `C` is absent.
    let mut color = ("420jpeg", Subsampling::Yuv420, Planes::Yuv);
    let mut range = None;
    for token in text.split(' ').filter(|t| !t.is_empty()) {
        let Some((tag, value)) = token.split_at_checked(1) else {
            continue;
        };
        match tag {
            "W" => width = Some(parse_dim(token, value)?),
            "H" => height = Some(parse_dim(token, value)?),
            "F" => fps = parse_rate(token, value)?,
            "I" => check_interlacing(token, value)?,
            "C" => color = parse_colorspace(token, value)?,
            "X" => {
                if let Some(r) = value.strip_prefix("COLORRANGE=") {
                    range = match r.to_ascii_uppercase().as_str() {
                        "FULL" => Some(Range::Full),
                        "LIMITED" => Some(Range::Limited),
                        // An unknown range is treated like an absent tag, as ffmpeg does.
                        _ => None,
                    };
                }
            }
            // `A` (pixel aspect) does not change the frames; unknown tags are skipped as the
            // format asks readers to.
            _ => {}
        }
    }
    let example = "expected e.g. \"YUV4MPEG2 W640 H360 F25:1 Ip C420jpeg\"";
    let width = width.ok_or_else(|| SourceError::Y4mHeader {
        reason: format!("the width parameter W is missing; {example}"),
    })?;
    let height = height.ok_or_else(|| SourceError::Y4mHeader {
        reason: format!("the height parameter H is missing; {example}"),
    })?;
    Ok(Header {
        width,
        height,
        fps,
        sub: color.1,
        planes: color.2,
        range,
    })
}

/// A `W`/`H` value. Numbers too long for u64 saturate so the size check names them as too large.
fn parse_dim(token: &str, value: &str) -> Result<u64, SourceError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SourceError::Y4mHeader {
            reason: format!("parameter {token} is not a size; expected a positive whole number"),
        });
    }
    Ok(value.parse::<u64>().unwrap_or(u64::MAX))
}

/// An `F` value `num:den`; `0:0` means unknown.
fn parse_rate(token: &str, value: &str) -> Result<Option<Rational>, SourceError> {
    let bad = || SourceError::Y4mHeader {
        reason: format!(
            "parameter {token} is not a frame rate; expected num:den such as F30000:1001"
        ),
    };
    let (n, d) = value.split_once(':').ok_or_else(bad)?;
    let n: u32 = n.parse().map_err(|_| bad())?;
    let d: u32 = d.parse().map_err(|_| bad())?;
    if n == 0 && d == 0 {
        return Ok(None);
    }
    Rational::new(n, d).map(Some).map_err(|_| bad())
}

fn check_interlacing(token: &str, value: &str) -> Result<(), SourceError> {
    let kind = match value {
        "p" | "?" => return Ok(()),
        "t" => "top field first",
        "b" => "bottom field first",
        "m" => "mixed",
        _ => "unknown",
    };
    Err(SourceError::Y4mUnsupported {
        found: token.to_owned(),
        reason: format!(
            "{kind} interlacing is not supported; framecast reads progressive streams (Ip, or I? for unknown)"
        ),
    })
}

fn parse_colorspace(
    token: &str,
    value: &str,
) -> Result<(&'static str, Subsampling, Planes), SourceError> {
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "420jpeg" => return Ok(("420jpeg", Subsampling::Yuv420, Planes::Yuv)),
        "420paldv" => return Ok(("420paldv", Subsampling::Yuv420, Planes::Yuv)),
        "420mpeg2" => return Ok(("420mpeg2", Subsampling::Yuv420, Planes::Yuv)),
        "420" => return Ok(("420", Subsampling::Yuv420, Planes::Yuv)),
        "444" => return Ok(("444", Subsampling::Yuv444, Planes::Yuv)),
        "mono" => return Ok(("mono", Subsampling::Yuv420, Planes::Mono)),
        _ => {}
    }
    let unsupported = |reason: String| SourceError::Y4mUnsupported {
        found: token.to_owned(),
        reason,
    };
    // Deeper variants are written as the 8-bit name plus "p<bits>" (C420p10, C444p12) or
    // "mono<bits>" (Cmono16).
    let depth = lower
        .rsplit_once('p')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .or_else(|| {
            lower
                .strip_prefix("mono")
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        });
    if let Some(bits) = depth {
        return Err(unsupported(format!(
            "{bits}-bit y4m is not supported; {SUPPORTED}"
        )));
    }
    let what = if lower.starts_with("422") {
        "4:2:2 chroma"
    } else if lower.starts_with("411") {
        "4:1:1 chroma"
    } else if lower == "444alpha" {
        "4:4:4 with an alpha plane"
    } else {
        "this colour space"
    };
    Err(unsupported(format!("{what} is not supported; {SUPPORTED}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_defaults_to_420jpeg() {
        let h = parse_header(b"W4 H2 F30000:1001").unwrap();
        assert_eq!((h.width, h.height), (4, 2));
        assert_eq!(h.sub, Subsampling::Yuv420);
        assert_eq!(h.fps, Some(Rational::new(30000, 1001).unwrap()));
    }

    #[test]
    fn ten_bit_names_its_depth() {
        let e = parse_header(b"W4 H2 C444p12").err().unwrap().to_string();
        assert!(
            e.starts_with("y4m C444p12: 12-bit y4m is not supported"),
            "{e}"
        );
    }

    #[test]
    fn header_with_non_ascii_parameter_is_an_error() {
        // Found by fuzzing: a tag starting with a two-byte character panicked in split_at(1).
        let e = parse_header("W64 H62 \u{429}=4".as_bytes())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not ASCII text"), "{e}");
    }

    #[test]
    fn frame_params_are_skipped() {
        let data = b"YUV4MPEG2 W2 H2 C444\nFRAME Ixyz\n0123456789abFRAME\n0123456789ab";
        let mut s = Y4mSource::new(&data[..]).unwrap();
        let mut buf = Vec::new();
        assert!(s.read_frame(&mut buf).unwrap());
        assert_eq!(buf, b"0123456789ab");
        assert!(s.read_frame(&mut buf).unwrap());
        assert!(!s.read_frame(&mut buf).unwrap());
    }
}
