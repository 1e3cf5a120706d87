//! IVF, the simple container of AV1, VP8 and VP9 streams (libvpx `ivfenc.c`/`ivfdec.c`; for AV1
//! the AV1 Codec ISO Media File Format's companion note on IVF, and aomenc).
//!
//! A 32-byte file header, then per frame a 12-byte header and the frame bytes; all little endian:
//!
//! | bytes | file header                                     | frame header        |
//! |-------|-------------------------------------------------|---------------------|
//! | 0-3   | `DKIF`                                          | frame size (u32)    |
//! | 4-5   | version 0 (u16)                                 | pts (u64, 4-11)     |
//! | 6-7   | header size 32 (u16)                            |                     |
//! | 8-11  | fourcc (`AV01`, `VP80`, `VP90`)                 |                     |
//! | 12-15 | width, height (u16 each)                        |                     |
//! | 16-19 | time base denominator ("rate", e.g. 30000)      |                     |
//! | 20-23 | time base numerator ("scale", e.g. 1001)        |                     |
//! | 24-27 | frame count (u32)                               |                     |
//! | 28-31 | unused                                          |                     |
//!
//! For AV1 each frame is one temporal unit in the Low Overhead Bitstream Format (OBUs with
//! `obu_has_size_field`), the first one starting with a sequence header OBU.
//!
//! ```
//! use framecast_core::Rational;
//! use framecast_mux::ivf::{IvfCodec, IvfReader, IvfWriter};
//! use std::io::Cursor;
//!
//! let time_base = Rational::new(1001, 30000)?;
//! let mut writer = IvfWriter::new(Cursor::new(Vec::new()), IvfCodec::Av1, 64, 48, time_base)?;
//! writer.write_frame(&[0x12, 0x00], 0)?;
//! writer.write_frame(&[0x12, 0x00], 1)?;
//! let file = writer.finish_seekable()?.into_inner();
//!
//! let mut reader = IvfReader::new(&file[..])?;
//! assert_eq!(reader.header().frame_count, 2);
//! assert_eq!(reader.header().time_base, time_base);
//! assert_eq!(reader.next_frame()?.map(|f| f.pts), Some(0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};

use framecast_core::Rational;

use crate::{Error, Result};

/// Length of the IVF file header.
pub const FILE_HEADER_LEN: usize = 32;
/// Length of an IVF frame header.
pub const FRAME_HEADER_LEN: usize = 12;
/// Offset of the frame count in the file header.
const FRAME_COUNT_OFFSET: i64 = 24;

/// The codecs IVF carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IvfCodec {
    /// AV1 (`AV01`).
    Av1,
    /// VP8 (`VP80`).
    Vp8,
    /// VP9 (`VP90`).
    Vp9,
}

impl IvfCodec {
    /// The fourcc written to the file header.
    pub fn fourcc(self) -> [u8; 4] {
        match self {
            IvfCodec::Av1 => *b"AV01",
            IvfCodec::Vp8 => *b"VP80",
            IvfCodec::Vp9 => *b"VP90",
        }
    }

    /// The codec of a fourcc, if IVF's.
    pub fn from_fourcc(fourcc: [u8; 4]) -> Option<Self> {
        match &fourcc {
            b"AV01" => Some(IvfCodec::Av1),
            b"VP80" => Some(IvfCodec::Vp8),
            b"VP90" => Some(IvfCodec::Vp9),
            _ => None,
        }
    }
}

/// Writes an IVF stream: the file header at once, then one frame header and payload per
/// [`write_frame`](Self::write_frame).
///
/// The frame count in the file header is written as 0 and patched by
/// [`finish_seekable`](Self::finish_seekable) when the sink implements `Seek`; with a plain
/// `Write`, [`finish`](Self::finish) leaves it 0 (ffmpeg, libvpx and libaom read such files to
/// their end regardless). Timestamps are written as given, in units of the time base; IVF has
/// no decode timestamps, so the writer neither reorders nor checks them.
///
/// The writer does not look inside frames. For AV1 each frame must be a temporal unit that
/// starts with a temporal delimiter OBU (`0x12 0x00`, AV1 7.5), the first one carrying the
/// sequence header. MP4 `av01` samples omit the delimiter (AV1-ISOBMFF 2.4) and may keep the
/// sequence header only in the `av1C` configOBUs, so a remuxer prepends both (as
/// `tests/ivf_roundtrip.rs` does).
#[derive(Debug)]
pub struct IvfWriter<W: Write> {
    sink: W,
    frames: u32,
    /// Bytes written so far, to find the header again from the current position.
    written: u64,
}

impl<W: Write> IvfWriter<W> {
    /// Writes the file header. `width` and `height` must be non-zero; the time base is seconds
    /// per pts tick (`1001/30000` for 29.97 fps), stored as rate (denominator) and scale
    /// (numerator).
    pub fn new(
        mut sink: W,
        codec: IvfCodec,
        width: u16,
        height: u16,
        time_base: Rational,
    ) -> Result<Self> {
        for (field, value) in [("width", width), ("height", height)] {
            if value == 0 {
                return Err(Error::IvfInvalid {
                    field,
                    value: 0,
                    expected: "1..=65535",
                });
            }
        }
        let header = file_header(codec.fourcc(), width, height, time_base, 0);
        sink.write_all(&header).map_err(|source| Error::Io {
            context: "writing the IVF file header",
            source,
        })?;
        Ok(IvfWriter {
            sink,
            frames: 0,
            written: FILE_HEADER_LEN as u64,
        })
    }

    /// Writes one frame (for AV1, a temporal unit) with its presentation timestamp.
    pub fn write_frame(&mut self, data: &[u8], pts: i64) -> Result<()> {
        let header = frame_header(data.len(), pts, u64::from(self.frames))?;
        let frames = self.frames.checked_add(1).ok_or(Error::IvfInvalid {
            field: "frame count",
            value: u64::from(u32::MAX) + 1,
            expected: "at most 4294967295 frames (32-bit frame count)",
        })?;
        let io = |source| Error::Io {
            context: "writing an IVF frame",
            source,
        };
        self.sink.write_all(&header).map_err(io)?;
        self.sink.write_all(data).map_err(io)?;
        self.frames = frames;
        self.written += (FRAME_HEADER_LEN + data.len()) as u64;
        Ok(())
    }

    /// Frames written so far.
    pub fn frame_count(&self) -> u32 {
        self.frames
    }

    /// Flushes and returns the sink; the header's frame count stays 0 (see
    /// [`finish_seekable`](Self::finish_seekable)).
    pub fn finish(mut self) -> Result<W> {
        self.sink.flush().map_err(|source| Error::Io {
            context: "flushing the IVF stream",
            source,
        })?;
        Ok(self.sink)
    }
}

impl<W: Write + Seek> IvfWriter<W> {
    /// Patches the frame count into the file header, seeks back to the end of the stream,
    /// flushes and returns the sink. The header is found relative to the current position, so
    /// the stream may start anywhere in the sink.
    pub fn finish_seekable(mut self) -> Result<W> {
        let io = |source| Error::Io {
            context: "patching the IVF frame count",
            source,
        };
        let back = i64::try_from(self.written)
            .map_err(|_| io(std::io::Error::other("stream longer than i64::MAX bytes")))?;
        self.sink
            .seek(SeekFrom::Current(FRAME_COUNT_OFFSET - back))
            .map_err(io)?;
        self.sink
            .write_all(&self.frames.to_le_bytes())
            .map_err(io)?;
        self.sink
            .seek(SeekFrom::Current(back - FRAME_COUNT_OFFSET - 4))
            .map_err(io)?;
        self.finish()
    }
}

fn file_header(
    fourcc: [u8; 4],
    width: u16,
    height: u16,
    time_base: Rational,
    frames: u32,
) -> [u8; FILE_HEADER_LEN] {
    let mut h = [0u8; FILE_HEADER_LEN];
    h[0..4].copy_from_slice(b"DKIF");
    h[4..6].copy_from_slice(&0u16.to_le_bytes());
    h[6..8].copy_from_slice(&(FILE_HEADER_LEN as u16).to_le_bytes());
    h[8..12].copy_from_slice(&fourcc);
    h[12..14].copy_from_slice(&width.to_le_bytes());
    h[14..16].copy_from_slice(&height.to_le_bytes());
    h[16..20].copy_from_slice(&time_base.den().to_le_bytes());
    h[20..24].copy_from_slice(&time_base.num().to_le_bytes());
    h[24..28].copy_from_slice(&frames.to_le_bytes());
    h
}

/// The 12-byte frame header; a frame longer than `u32::MAX` bytes is an error.
fn frame_header(len: usize, pts: i64, index: u64) -> Result<[u8; FRAME_HEADER_LEN]> {
    let size = u32::try_from(len).map_err(|_| Error::IvfFrameTooLarge {
        index,
        size: len as u64,
    })?;
    let mut h = [0u8; FRAME_HEADER_LEN];
    h[0..4].copy_from_slice(&size.to_le_bytes());
    h[4..12].copy_from_slice(&pts.to_le_bytes());
    Ok(h)
}

/// The fields of an IVF file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IvfHeader {
    /// The fourcc as stored.
    pub fourcc: [u8; 4],
    /// The codec, if the fourcc is one of IVF's.
    pub codec: Option<IvfCodec>,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Seconds per pts tick.
    pub time_base: Rational,
    /// The frame count as stored (0 when the writer could not seek back).
    pub frame_count: u32,
}

/// One IVF frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvfFrame {
    /// The frame bytes.
    pub data: Vec<u8>,
    /// Presentation timestamp in time base units.
    pub pts: i64,
}

/// Reads an IVF stream (for tests and the inspector). Frame sizes come from the file, so the
/// reader allocates only as the bytes actually arrive.
#[derive(Debug)]
pub struct IvfReader<R: Read> {
    source: R,
    header: IvfHeader,
    offset: u64,
}

impl<R: Read> IvfReader<R> {
    /// Reads and checks the file header (signature, version 0, header size of at least 32).
    pub fn new(mut source: R) -> Result<Self> {
        let mut h = [0u8; FILE_HEADER_LEN];
        let got = read_full(&mut source, &mut h)?;
        if got < FILE_HEADER_LEN {
            return Err(Error::IvfTruncated {
                offset: 0,
                what: "file header",
                expected: FILE_HEADER_LEN as u64,
                available: got as u64,
            });
        }
        let le16 = |at: usize| u16::from_le_bytes([h[at], h[at + 1]]);
        let le32 = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        if &h[0..4] != b"DKIF" {
            return Err(Error::IvfInvalid {
                field: "signature",
                value: u64::from(le32(0)),
                expected: "\"DKIF\"",
            });
        }
        if le16(4) != 0 {
            return Err(Error::IvfInvalid {
                field: "version",
                value: u64::from(le16(4)),
                expected: "0",
            });
        }
        let header_len = usize::from(le16(6));
        if header_len < FILE_HEADER_LEN {
            return Err(Error::IvfInvalid {
                field: "header size",
                value: header_len as u64,
                expected: "at least 32",
            });
        }
        let (rate, scale) = (le32(16), le32(20));
        let time_base = Rational::new(scale, rate).map_err(|_| Error::IvfInvalid {
            field: if rate == 0 {
                "time base denominator (rate)"
            } else {
                "time base numerator (scale)"
            },
            value: 0,
            expected: "a positive value",
        })?;
        let fourcc = [h[8], h[9], h[10], h[11]];
        // Skip any header extension.
        let extra = (header_len - FILE_HEADER_LEN) as u64;
        let skipped = std::io::copy(&mut (&mut source).take(extra), &mut std::io::sink()).map_err(
            |source| Error::Io {
                context: "reading the IVF file header",
                source,
            },
        )?;
        if skipped < extra {
            return Err(Error::IvfTruncated {
                offset: 0,
                what: "file header",
                expected: header_len as u64,
                available: FILE_HEADER_LEN as u64 + skipped,
            });
        }
        Ok(IvfReader {
            source,
            header: IvfHeader {
                fourcc,
                codec: IvfCodec::from_fourcc(fourcc),
                width: le16(12),
                height: le16(14),
                time_base,
                frame_count: le32(24),
            },
            offset: header_len as u64,
        })
    }

    /// The file header.
    pub fn header(&self) -> &IvfHeader {
        &self.header
    }

    /// The next frame, `Ok(None)` at the end of the stream.
    pub fn next_frame(&mut self) -> Result<Option<IvfFrame>> {
        let mut h = [0u8; FRAME_HEADER_LEN];
        let got = read_full(&mut self.source, &mut h)?;
        if got == 0 {
            return Ok(None);
        }
        if got < FRAME_HEADER_LEN {
            return Err(Error::IvfTruncated {
                offset: self.offset,
                what: "frame header",
                expected: FRAME_HEADER_LEN as u64,
                available: got as u64,
            });
        }
        let size = u64::from(u32::from_le_bytes([h[0], h[1], h[2], h[3]]));
        let pts = i64::from_le_bytes([h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11]]);
        let mut data = Vec::new();
        let read = (&mut self.source)
            .take(size)
            .read_to_end(&mut data)
            .map_err(|source| Error::Io {
                context: "reading an IVF frame",
                source,
            })?;
        if (read as u64) < size {
            return Err(Error::IvfTruncated {
                offset: self.offset,
                what: "frame",
                expected: FRAME_HEADER_LEN as u64 + size,
                available: (FRAME_HEADER_LEN + read) as u64,
            });
        }
        self.offset += FRAME_HEADER_LEN as u64 + size;
        Ok(Some(IvfFrame { data, pts }))
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full<R: Read>(source: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match source.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(Error::Io {
                    context: "reading the IVF stream",
                    source,
                });
            }
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_file_header() {
        let tb = Rational::new(1001, 30000).unwrap();
        let h = file_header(*b"AV01", 1920, 1080, tb, 7);
        let mut want = Vec::new();
        want.extend_from_slice(b"DKIF\x00\x00\x20\x00AV01");
        want.extend_from_slice(&[0x80, 0x07, 0x38, 0x04]);
        want.extend_from_slice(&30000u32.to_le_bytes());
        want.extend_from_slice(&1001u32.to_le_bytes());
        want.extend_from_slice(&[7, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(h.as_slice(), want.as_slice());
    }

    #[test]
    fn golden_frame_header() {
        let h = frame_header(0x0102, -2, 0).unwrap();
        assert_eq!(
            h,
            [
                0x02, 0x01, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
            ]
        );
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn frame_larger_than_u32_is_an_error() {
        let len = u32::MAX as usize + 1;
        let e = frame_header(len, 0, 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "IVF: frame 3 of 4294967296 bytes exceeds the 32-bit frame size field"
        );
    }
}
