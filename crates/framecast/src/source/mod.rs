//! Frame sources: where frames come from before conversion and encoding.
//!
//! One type per input kind behind one trait, [`FrameSource`]: raw packed frames of a known size
//! and [`PixelFormat`], y4m (YUV fed to the encoder without an RGB round trip), a stream of
//! concatenated PNGs (ffmpeg's `image2pipe`), and an image sequence (a `%04d` pattern, a glob or a
//! directory, in natural order).
//!
//! A source reports its frame layout once ([`FrameSource::info`]) and then fills a caller-owned
//! buffer per frame ([`FrameSource::read_frame`]), so a pipeline can recycle allocations.

use framecast_core::{ColorSpec, PixelFormat, Rational, Subsampling};

/// What every frame of a source looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceInfo {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// How the bytes of one frame are laid out.
    pub layout: FrameLayout,
    /// The frame rate the input declares (y4m `F`), if any.
    pub fps: Option<Rational>,
    /// The colour description the input declares (y4m `XCOLORRANGE`), if any.
    pub color: Option<ColorSpec>,
}

/// The byte layout of one frame as [`FrameSource::read_frame`] delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameLayout {
    /// Packed pixels, rows of `width * bytes_per_pixel` bytes without padding, top to bottom.
    Packed(PixelFormat),
    /// 8-bit planar YUV: the Y plane, then U, then V, each tightly packed (chroma planes are
    /// `ceil(width/2) x ceil(height/2)` for 4:2:0).
    Yuv(Subsampling),
}

impl SourceInfo {
    /// Bytes in one frame of this layout.
    pub fn frame_len(&self) -> usize {
        let (w, h) = (self.width as usize, self.height as usize);
        match self.layout {
            FrameLayout::Packed(f) => w * h * f.bytes_per_pixel(),
            FrameLayout::Yuv(Subsampling::Yuv420) => w * h + 2 * w.div_ceil(2) * h.div_ceil(2),
            FrameLayout::Yuv(Subsampling::Yuv444) => 3 * w * h,
        }
    }
}

/// A source of frames of one fixed size and layout.
pub trait FrameSource: Send {
    /// The size and layout of every frame.
    fn info(&self) -> &SourceInfo;

    /// Reads the next frame into `buf`, resizing it to exactly [`SourceInfo::frame_len`] bytes
    /// (its allocation is reused). Returns `Ok(false)` at the clean end of input; input that ends
    /// inside a frame, or a frame that differs from the first, is an error naming the frame.
    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, SourceError>;
}

/// Errors raised while reading frames.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Input ended inside a frame; the frames before it are complete.
    #[error(
        "input ended inside frame {frame}: {leftover} of the {frame_len} bytes of a frame were left over after {frame} complete frames"
    )]
    Truncated {
        /// Zero-based index of the incomplete frame (= number of complete frames).
        frame: u64,
        /// Bytes of the incomplete frame that were read.
        leftover: usize,
        /// Bytes one frame needs.
        frame_len: usize,
    },
    /// Reading the input failed.
    #[error("reading {what}: {source}")]
    Io {
        /// What was being read (a path or "stdin").
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
