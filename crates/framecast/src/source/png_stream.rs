//! A stream of PNG files back to back on one reader (ffmpeg's `image2pipe`, matplotlib's
//! `FFMpegWriter` with `frame_format="png"`).
//!
//! The stream is split on the PNG chunk structure (ISO/IEC 15948 section 5: an 8-byte signature,
//! then chunks of `length, type, data, CRC` up to `IEND`), so each PNG is decoded on its own and
//! a corrupt byte is reported where it is instead of as a decoder error frames later.

use std::io::{BufReader, Cursor, Read};

use framecast_core::PixelFormat;
use image::ImageDecoder;
use image::codecs::png::PngDecoder;

use super::decode::{DEFAULT_MAX_FRAME_BYTES, check_decoded_size, decode_into, format_for, limits};
use super::{
    FrameLayout, FrameSource, PNG_SIGNATURE, SourceError, SourceInfo, check_size, read_full,
    show_bytes,
};

/// The largest chunk length PNG allows (section 5.3: 2^31 - 1).
const MAX_CHUNK_LEN: u32 = 0x7FFF_FFFF;

/// Frames decoded from PNG files that follow each other on one reader.
///
/// The pixel format is taken from the first PNG: 8-bit RGB -> rgb24, RGBA -> rgba, grey ->
/// gray, grey+alpha -> rgba; 16-bit images are reduced to 8 bits of the same kind. Later PNGs
/// of another kind are converted to that format; a PNG of another size is an error.
#[derive(Debug)]
pub struct PngStreamSource<R: Read + Send> {
    reader: BufReader<R>,
    info: SourceInfo,
    format: PixelFormat,
    /// Stream offset of the next unread byte, for error messages.
    offset: u64,
    /// Complete frames handed out or decoded so far.
    frames_read: u64,
    /// The encoded bytes of the PNG being read (reused from frame to frame).
    png: Vec<u8>,
    /// The first frame, decoded by the constructor to learn the format, until it is read.
    first: Option<Vec<u8>>,
    max_frame_bytes: u64,
}

impl<R: Read + Send> PngStreamSource<R> {
    /// Reads and decodes the first PNG to learn the frame size and format.
    ///
    /// An input with no bytes at all is [`SourceError::Empty`].
    pub fn new(reader: R) -> Result<Self, SourceError> {
        Self::with_max_frame_bytes(reader, DEFAULT_MAX_FRAME_BYTES)
    }

    /// Like [`PngStreamSource::new`], refusing PNGs that would take more than
    /// `max_frame_bytes` decoded (the default is 1 GiB: a 16384x16384 RGBA frame).
    pub fn with_max_frame_bytes(reader: R, max_frame_bytes: u64) -> Result<Self, SourceError> {
        let mut source = PngStreamSource {
            reader: BufReader::new(reader),
            info: SourceInfo::packed_unchecked(1, 1, PixelFormat::Rgb24),
            format: PixelFormat::Rgb24,
            offset: 0,
            frames_read: 0,
            png: Vec::new(),
            first: None,
            max_frame_bytes,
        };
        if !source.next_png()? {
            return Err(SourceError::Empty {
                input: "PNG stream".to_owned(),
            });
        }
        let mut first = Vec::new();
        source.decode(&mut first)?;
        source.first = Some(first);
        Ok(source)
    }

    /// Reads the next PNG's bytes into `self.png`; `false` at a clean end of input.
    fn next_png(&mut self) -> Result<bool, SourceError> {
        let frame = self.frames_read;
        let start = self.offset;
        self.png.clear();
        let mut signature = [0u8; 8];
        let got = self.read(&mut signature)?;
        if got == 0 {
            return Ok(false);
        }
        if signature[..got] != PNG_SIGNATURE[..got] {
            return Err(SourceError::PngStructure {
                frame,
                offset: start,
                reason: format!(
                    "found {} where the PNG signature \\x89PNG\\r\\n\\x1a\\n should start the next PNG; expected PNG files back to back with nothing between them",
                    show_bytes(&signature[..got], 8)
                ),
            });
        }
        self.png.extend_from_slice(&signature[..got]);
        if got < signature.len() {
            return Err(self.truncated("the rest of the 8-byte PNG signature"));
        }
        // Encoded PNGs are smaller than decoded ones save for zlib's and the filters' few
        // bytes per row and metadata chunks; this cap only stops a stream that never ends a PNG.
        let max_png = self.max_frame_bytes.saturating_add(64 << 20);
        loop {
            let chunk_offset = self.offset;
            let mut head = [0u8; 8];
            let got = self.read(&mut head)?;
            self.png.extend_from_slice(&head[..got]);
            if got < head.len() {
                return Err(self.truncated("the next chunk header (8 bytes) or IEND"));
            }
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            let kind = [head[4], head[5], head[6], head[7]];
            let bad = |reason: String| SourceError::PngStructure {
                frame,
                offset: chunk_offset,
                reason,
            };
            if !kind.iter().all(u8::is_ascii_alphabetic) {
                return Err(bad(format!(
                    "chunk type {} is not four ASCII letters; the PNG is corrupt",
                    show_bytes(&kind, 4)
                )));
            }
            let name = String::from_utf8_lossy(&kind).into_owned();
            if len > MAX_CHUNK_LEN {
                return Err(bad(format!(
                    "chunk {name} declares {len} bytes; PNG chunks hold at most {MAX_CHUNK_LEN}"
                )));
            }
            if self.png.len() == 16 && (&kind != b"IHDR" || len != 13) {
                return Err(bad(format!(
                    "the first chunk is {name} of {len} bytes; a PNG starts with IHDR of 13 bytes"
                )));
            }
            let total = (self.png.len() as u64).saturating_add(u64::from(len) + 4);
            if total > max_png {
                return Err(bad(format!(
                    "chunk {name} of {len} bytes makes the PNG larger than {max_png} bytes, the most one frame may take"
                )));
            }
            // Data and CRC. `take` + `read_to_end` grows `png` only as bytes arrive, so a
            // declared length costs nothing until the stream backs it with data.
            let want = u64::from(len) + 4;
            let got = (&mut self.reader)
                .take(want)
                .read_to_end(&mut self.png)
                .map_err(|e| SourceError::io("PNG stream", e))?;
            self.offset += got as u64;
            if (got as u64) < want {
                return Err(self.truncated(&format!(
                    "{} more bytes of chunk {name} (data and CRC)",
                    want - got as u64
                )));
            }
            if &kind == b"IEND" {
                return Ok(true);
            }
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SourceError> {
        let got = read_full(&mut self.reader, buf).map_err(|e| SourceError::io("PNG stream", e))?;
        self.offset += got as u64;
        Ok(got)
    }

    fn truncated(&self, expected: &str) -> SourceError {
        SourceError::PngTruncated {
            frame: self.frames_read,
            read: self.png.len() as u64,
            expected: expected.to_owned(),
        }
    }

    /// Decodes `self.png` (a complete PNG of frame `frames_read`) into `buf`.
    fn decode(&mut self, buf: &mut Vec<u8>) -> Result<(), SourceError> {
        let frame = self.frames_read;
        let what = format!("PNG frame {frame}");
        // IHDR is the first chunk (checked while splitting): width and height sit at bytes
        // 16..24. Checking them here refuses a hostile size before the decoder sees it.
        let (width, height) = match self.png.get(16..24) {
            Some(b) => (
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            ),
            None => (0, 0),
        };
        if frame == 0 {
            check_size(
                &what,
                u64::from(width),
                u64::from(height),
                FrameLayout::Packed(PixelFormat::Rgba),
            )?;
        } else if (width, height) != (self.info.width, self.info.height) {
            return Err(SourceError::SizeChanged {
                frame,
                width,
                height,
                first_width: self.info.width,
                first_height: self.info.height,
            });
        }
        let decoder =
            PngDecoder::with_limits(Cursor::new(&self.png[..]), limits(self.max_frame_bytes))
                .map_err(|e| SourceError::Decode {
                    what: what.clone(),
                    source: Box::new(e),
                })?;
        check_decoded_size(&decoder, self.max_frame_bytes, &what)?;
        if frame == 0 {
            self.format = format_for(decoder.color_type());
            self.info = SourceInfo::packed_unchecked(width, height, self.format);
        }
        decode_into(decoder, self.format, buf, &what)
    }

    /// Number of complete frames read so far.
    pub fn frames_read(&self) -> u64 {
        self.frames_read
    }
}

impl<R: Read + Send> FrameSource for PngStreamSource<R> {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, SourceError> {
        if let Some(first) = self.first.take() {
            *buf = first;
            self.frames_read = 1;
            return Ok(true);
        }
        if !self.next_png()? {
            buf.clear();
            return Ok(false);
        }
        self.decode(buf)?;
        self.frames_read += 1;
        Ok(true)
    }
}
