//! Frame sources: where frames come from before conversion and encoding.
//!
//! One type per input kind behind one trait, [`FrameSource`]: raw packed frames of a known size
//! and [`PixelFormat`] ([`RawSource`]), y4m ([`Y4mSource`]: YUV fed to the encoder without an RGB
//! round trip), a stream of concatenated PNGs (`PngStreamSource`, ffmpeg's `image2pipe`), and an
//! image sequence (`ImageSequence`: a `%04d` pattern, a glob or a directory, in natural order).
//! The last two need the `image` feature. [`open`] picks the right one for an [`InputSpec`], the
//! way the CLI's `-i INPUT` does.
//!
//! A source reports its frame layout once ([`FrameSource::info`]) and then fills a caller-owned
//! buffer per frame ([`FrameSource::read_frame`]), so a pipeline can recycle allocations.
//!
//! ```
//! use framecast::source::{FrameSource, RawSource};
//! use framecast_core::PixelFormat;
//!
//! // Two 2x1 RGB frames and nothing else.
//! let bytes: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
//! let mut source = RawSource::new(bytes, 2, 1, PixelFormat::Rgb24)?;
//! let mut frame = Vec::new();
//! let mut count = 0;
//! while source.read_frame(&mut frame)? {
//!     assert_eq!(frame.len(), 6);
//!     count += 1;
//! }
//! assert_eq!(count, 2);
//! # Ok::<(), framecast::source::SourceError>(())
//! ```

use std::io::{ErrorKind, Read};
use std::path::PathBuf;

use framecast_core::{ColorSpec, MAX_DIMENSION, PixelFormat, Rational, Subsampling};

#[cfg(feature = "image")]
mod decode;
mod open;
#[cfg(feature = "image")]
mod png_stream;
mod raw;
#[cfg(feature = "image")]
mod sequence;
mod y4m;

pub use open::{InputSpec, open};
#[cfg(feature = "image")]
pub use png_stream::PngStreamSource;
pub use raw::RawSource;
#[cfg(feature = "image")]
pub use sequence::ImageSequence;
pub use y4m::Y4mSource;

/// The PNG signature (ISO/IEC 15948 section 5.2); detection needs it without the `image` feature.
pub(crate) const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

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
    ///
    /// Sources only build infos whose sizes passed [`MAX_DIMENSION`] checks, so this cannot
    /// overflow for them; for other sizes it saturates at `usize::MAX`.
    pub fn frame_len(&self) -> usize {
        checked_frame_len(self.width, self.height, self.layout).unwrap_or(usize::MAX)
    }

    /// A packed-pixel info, for sources written outside this module (a generator, a test
    /// pattern). Sizes of 0 or above [`MAX_DIMENSION`] are refused.
    pub fn packed(
        width: u32,
        height: u32,
        format: PixelFormat,
        fps: Option<Rational>,
    ) -> Result<Self, SourceError> {
        check_size(
            "frame source",
            u64::from(width),
            u64::from(height),
            FrameLayout::Packed(format),
        )?;
        Ok(SourceInfo {
            fps,
            ..Self::packed_unchecked(width, height, format)
        })
    }

    /// A packed-pixel info with no declared rate or colour, for sizes already checked.
    pub(crate) fn packed_unchecked(width: u32, height: u32, format: PixelFormat) -> Self {
        SourceInfo {
            width,
            height,
            layout: FrameLayout::Packed(format),
            fps: None,
            color: None,
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

/// Bytes of one frame, or `None` when that does not fit in `usize` (possible on 32-bit targets
/// only for sizes beyond [`MAX_DIMENSION`]).
fn checked_frame_len(width: u32, height: u32, layout: FrameLayout) -> Option<usize> {
    let w = usize::try_from(width).ok()?;
    let h = usize::try_from(height).ok()?;
    let luma = w.checked_mul(h)?;
    match layout {
        FrameLayout::Packed(f) => luma.checked_mul(f.bytes_per_pixel()),
        FrameLayout::Yuv(sub) => {
            let (cw, ch) = sub.chroma_size(width, height);
            let chroma = usize::try_from(cw)
                .ok()?
                .checked_mul(usize::try_from(ch).ok()?)?;
            luma.checked_add(chroma.checked_mul(2)?)
        }
    }
}

/// Checks a frame size against [`MAX_DIMENSION`] and the address space before anything is
/// allocated for it, and returns the frame's byte length. `input` names the input in the error
/// ("raw input", "y4m header", a path).
pub(crate) fn check_size(
    input: &str,
    width: u64,
    height: u64,
    layout: FrameLayout,
) -> Result<usize, SourceError> {
    let max = u64::from(MAX_DIMENSION);
    let out_of_range = |v: u64| v == 0 || v > max;
    if out_of_range(width) || out_of_range(height) {
        return Err(SourceError::SizeOutOfRange {
            input: input.to_owned(),
            width,
            height,
            max: MAX_DIMENSION,
        });
    }
    // In range, so both fit in u32.
    let (w, h) = (width as u32, height as u32);
    checked_frame_len(w, h, layout).ok_or_else(|| SourceError::FrameTooLarge {
        input: input.to_owned(),
        width: w,
        height: h,
    })
}

/// Fills `buf` from `reader` until it is full or the input ends, retrying interrupted reads.
/// Returns the number of bytes read; less than `buf.len()` means the input ended.
pub(crate) fn read_full<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Shows up to `max` bytes for an error message: printable ASCII as is, the rest escaped, so
/// garbage in a stream is visible without flooding the terminal.
pub(crate) fn show_bytes(bytes: &[u8], max: usize) -> String {
    let mut out = String::from("\"");
    for &b in bytes.iter().take(max) {
        out.extend(std::ascii::escape_default(b).map(char::from));
    }
    out.push('"');
    if bytes.len() > max {
        out.push_str("...");
    }
    out
}

/// Errors raised while opening inputs and reading frames.
///
/// Every message names the input or frame and says what was found and what was expected.
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
    #[error("reading {what}")]
    Io {
        /// What was being read (a path or "stdin").
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A width or height of 0 or above [`MAX_DIMENSION`].
    #[error(
        "{input}: frame size {width}x{height} is out of range; width and height must each be between 1 and {max}"
    )]
    SizeOutOfRange {
        /// The input ("raw input", "y4m header", a path, "PNG frame 3").
        input: String,
        /// The width received.
        width: u64,
        /// The height received.
        height: u64,
        /// The largest accepted width and height.
        max: u32,
    },
    /// A frame whose byte size does not fit in memory on this target.
    #[error("{input}: a {width}x{height} frame needs more bytes than this platform can address")]
    FrameTooLarge {
        /// The input.
        input: String,
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
    },
    /// A y4m stream header that cannot be read.
    #[error("y4m stream header: {reason}")]
    Y4mHeader {
        /// What is wrong and what was expected.
        reason: String,
    },
    /// A y4m stream in a variant framecast does not read (bit depth, subsampling, interlacing).
    #[error("y4m {found}: {reason}")]
    Y4mUnsupported {
        /// The header parameter, as written (`C420p10`, `It`).
        found: String,
        /// Why it is refused and what is read instead.
        reason: String,
    },
    /// Something other than a y4m `FRAME` header where a frame should start.
    #[error("y4m frame {frame}: {reason}")]
    Y4mFrameHeader {
        /// Zero-based index of the frame (= number of complete frames before it).
        frame: u64,
        /// What was found and what was expected.
        reason: String,
    },
    /// Bytes that are not a PNG file where the next PNG of a stream should start, or a PNG whose
    /// chunk structure is broken.
    #[error("PNG stream, frame {frame} at byte {offset}: {reason}")]
    PngStructure {
        /// Zero-based index of the frame.
        frame: u64,
        /// Offset in the stream where the problem starts.
        offset: u64,
        /// What was found and what was expected.
        reason: String,
    },
    /// Input ended inside a PNG of a stream; the frames before it are complete.
    #[error(
        "input ended inside PNG frame {frame}: {read} bytes of it were read after {frame} complete frames; {expected}"
    )]
    PngTruncated {
        /// Zero-based index of the incomplete frame (= number of complete frames).
        frame: u64,
        /// Bytes of the incomplete PNG that were read.
        read: u64,
        /// What was still expected (the rest of a chunk, the IEND chunk).
        expected: String,
    },
    /// An image that could not be decoded.
    #[error("decoding {what}")]
    Decode {
        /// The image ("PNG frame 3", a path).
        what: String,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An image larger than the decoder is allowed to allocate.
    #[error(
        "{what} is {width}x{height} and would take {bytes} bytes decoded; the limit is {limit} bytes"
    )]
    ImageTooLarge {
        /// The image ("PNG frame 3", a path).
        what: String,
        /// Image width.
        width: u32,
        /// Image height.
        height: u32,
        /// Bytes the decoded image needs.
        bytes: u64,
        /// The most a decoded image may take.
        limit: u64,
    },
    /// A frame of a PNG stream whose size differs from the first frame's.
    #[error(
        "frame {frame} is {width}x{height} but the first frame is {first_width}x{first_height}; every frame of a stream must have one size"
    )]
    SizeChanged {
        /// Zero-based index of the frame.
        frame: u64,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The first frame's width.
        first_width: u32,
        /// The first frame's height.
        first_height: u32,
    },
    /// An image of a sequence whose size differs from the first image's.
    #[error(
        "frame {frame} ({}) is {width}x{height} but the first frame ({}) is {first_width}x{first_height}; every image of a sequence must have one size",
        path.display(), first_path.display()
    )]
    SequenceSizeChanged {
        /// Zero-based index of the frame.
        frame: u64,
        /// Its file.
        path: PathBuf,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The first frame's file.
        first_path: PathBuf,
        /// The first frame's width.
        first_width: u32,
        /// The first frame's height.
        first_height: u32,
    },
    /// An image sequence pattern, glob or directory that is malformed or matches no file.
    #[error("image sequence {spec}: {reason}")]
    Sequence {
        /// The pattern, glob or directory as given.
        spec: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// Raw input without the frame size, which raw bytes cannot tell.
    #[error(
        "raw input needs --size WxH (and --pix-fmt, default rgb24): {input} is not y4m, PNG or JPEG, so its frame size cannot be read from it"
    )]
    RawNeedsSize {
        /// The input ("stdin" or a path).
        input: String,
    },
    /// A size or pixel format given for an input that describes itself, disagreeing with it.
    #[error(
        "{input}: {what} {given} was given but the {kind} input is {found}; leave {flag} out for {kind} input or make it match"
    )]
    Mismatch {
        /// The input ("stdin" or a path).
        input: String,
        /// The kind of input ("y4m", "PNG").
        kind: &'static str,
        /// What disagrees ("size", "pixel format").
        what: &'static str,
        /// The CLI flag that sets it (`--size`, `--pix-fmt`).
        flag: &'static str,
        /// The value given.
        given: String,
        /// The value the input declares.
        found: String,
    },
    /// An input with no bytes at all.
    #[error("{input} is empty: there are no frames to read")]
    Empty {
        /// The input ("stdin" or a path).
        input: String,
    },
    /// An input kind this build or this input path cannot read.
    #[error("{input}: {reason}")]
    Unsupported {
        /// The input ("stdin" or a path).
        input: String,
        /// What is not supported and what to do instead.
        reason: String,
    },
}

impl SourceError {
    /// An [`SourceError::Io`] for `what`.
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        SourceError::Io {
            what: what.into(),
            source,
        }
    }
}
