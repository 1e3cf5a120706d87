//! Raw packed frames of a size and pixel format given by the caller (ffmpeg's `-f rawvideo`).

use std::io::Read;

use framecast_core::PixelFormat;

use super::{FrameLayout, FrameSource, SourceError, SourceInfo, check_size, read_full};

/// Frames of `width x height` packed pixels, back to back, with nothing between them.
///
/// Raw bytes carry no size, so the caller states it. The reader is read in whole frames; wrap
/// it in nothing: a `BufReader` would only add a copy.
#[derive(Debug)]
pub struct RawSource<R: Read + Send> {
    reader: R,
    info: SourceInfo,
    frame_len: usize,
    frames_read: u64,
    what: String,
}

impl<R: Read + Send> RawSource<R> {
    /// A source of `width x height` frames in `format`.
    ///
    /// Sizes of 0 or above [`framecast_core::MAX_DIMENSION`] are refused here, before any
    /// frame buffer is allocated.
    pub fn new(
        reader: R,
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<Self, SourceError> {
        Self::named(reader, width, height, format, "raw input")
    }

    /// Like [`RawSource::new`], with `what` naming the input ("stdin", a path) in errors.
    pub(crate) fn named(
        reader: R,
        width: u32,
        height: u32,
        format: PixelFormat,
        what: &str,
    ) -> Result<Self, SourceError> {
        let frame_len = check_size(
            what,
            u64::from(width),
            u64::from(height),
            FrameLayout::Packed(format),
        )?;
        Ok(RawSource {
            reader,
            info: SourceInfo::packed_unchecked(width, height, format),
            frame_len,
            frames_read: 0,
            what: what.to_owned(),
        })
    }

    /// Number of complete frames read so far.
    pub fn frames_read(&self) -> u64 {
        self.frames_read
    }

    /// The reader back.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: Read + Send> FrameSource for RawSource<R> {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, SourceError> {
        // `resize` keeps the allocation when the caller recycles a buffer of the right size.
        buf.resize(self.frame_len, 0);
        let got = read_full(&mut self.reader, buf).map_err(|e| SourceError::io(&self.what, e))?;
        if got == self.frame_len {
            self.frames_read += 1;
            Ok(true)
        } else if got == 0 {
            buf.clear();
            Ok(false)
        } else {
            buf.truncate(got);
            Err(SourceError::Truncated {
                frame: self.frames_read,
                leftover: got,
                frame_len: self.frame_len,
            })
        }
    }
}
