//! Picking the source for an input path, the way the CLI's `-i INPUT` does.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use framecast_core::PixelFormat;

use super::{FrameLayout, FrameSource, RawSource, SourceError, Y4mSource, read_full};

/// The bytes looked at to tell the input kinds apart ("YUV4MPEG2 " is the longest signature).
const PEEK: usize = 16;
/// JPEG's start-of-image marker followed by the first marker's 0xFF.
const JPEG_SIGNATURE: [u8; 3] = [0xFF, 0xD8, 0xFF];

/// What to read frames from, and what the caller knows about it.
///
/// ```
/// use std::path::PathBuf;
///
/// use framecast::source::InputSpec;
/// use framecast_core::PixelFormat;
///
/// let spec = InputSpec::new(PathBuf::from("-"))
///     .with_size((640, 480))
///     .with_pix_fmt(PixelFormat::Rgba);
/// assert!(spec.is_stdin());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InputSpec {
    /// The input: a file, a `%d` pattern, a glob, a directory; `None` or `-` is stdin.
    pub path: Option<PathBuf>,
    /// The frame size of raw input (`--size WxH`); for y4m and PNG it must match if given.
    pub size: Option<(u32, u32)>,
    /// The pixel format of raw input (`--pix-fmt`, default rgb24); for PNG it must match if
    /// given, and y4m refuses it.
    pub pix_fmt: Option<PixelFormat>,
}

impl InputSpec {
    /// An input at `path`; `None` or `-` is stdin.
    pub fn new(path: impl Into<Option<PathBuf>>) -> Self {
        InputSpec {
            path: path.into(),
            ..Self::default()
        }
    }

    /// Standard input.
    pub fn stdin() -> Self {
        Self::default()
    }

    /// Sets the frame size of raw input.
    pub fn with_size(mut self, (width, height): (u32, u32)) -> Self {
        self.size = Some((width, height));
        self
    }

    /// Sets the pixel format of raw input.
    pub fn with_pix_fmt(mut self, format: PixelFormat) -> Self {
        self.pix_fmt = Some(format);
        self
    }

    /// Whether the input is standard input (`None` or `-`).
    pub fn is_stdin(&self) -> bool {
        self.path.as_deref().is_none_or(|p| p == Path::new("-"))
    }
}

/// A reader that is `Send`, boxed so one type serves stdin and files.
type Input = Box<dyn Read + Send>;

/// Opens the source `spec` describes.
///
/// - A path containing `%`, `*` or `?` that is not an existing file, or a directory: an
///   `ImageSequence` (feature `image`).
/// - Otherwise the first bytes decide: `YUV4MPEG2 ` is y4m, the PNG signature a PNG stream
///   (one PNG file is a one-frame stream), a JPEG file a one-frame image sequence; anything
///   else is raw frames of `spec.size` in `spec.pix_fmt` (default rgb24).
/// - A size or pixel format given for y4m or PNG input that disagrees with the input is
///   [`SourceError::Mismatch`].
/// - An input with no bytes at all (an empty file, stdin closed at once) is
///   [`SourceError::Empty`]: the caller learns of it before it prepares an encoder.
pub fn open(spec: &InputSpec) -> Result<Box<dyn FrameSource>, SourceError> {
    let (name, reader): (String, Input) = match spec.path.as_deref() {
        Some(path) if !spec.is_stdin() => {
            let name = path.display().to_string();
            if path.is_dir() || (is_sequence_spec(path) && !path.is_file()) {
                return open_sequence(spec, path);
            }
            let file = File::open(path).map_err(|e| SourceError::io(&name, e))?;
            (name, Box::new(file))
        }
        _ => ("stdin".to_owned(), Box::new(std::io::stdin())),
    };
    // Read the signature bytes and put them back in front of the reader. A `BufReader`'s
    // `fill_buf` could do without the chain, but one read of a pipe may return fewer bytes
    // than the signature, which would misdetect a y4m stream as raw.
    let mut reader = reader;
    let mut head = [0u8; PEEK];
    let got = read_full(&mut reader, &mut head).map_err(|e| SourceError::io(&name, e))?;
    let head = &head[..got];
    if got == 0 {
        return Err(SourceError::Empty { input: name });
    }
    let reader: Input = Box::new(Cursor::new(head.to_vec()).chain(reader));

    if head.starts_with(b"YUV4MPEG2 ") {
        let source = Y4mSource::named(reader, &name)?;
        if let Some(f) = spec.pix_fmt {
            // y4m is planar YUV, which no packed --pix-fmt describes.
            let found = match source.info().layout {
                FrameLayout::Yuv(sub) => sub.name(),
                FrameLayout::Packed(p) => p.name(),
            };
            return Err(SourceError::Mismatch {
                input: name,
                kind: "y4m",
                what: "pixel format",
                flag: "--pix-fmt",
                given: f.to_string(),
                found: found.to_owned(),
            });
        }
        check_size(spec, &name, "y4m", source.info())?;
        return Ok(Box::new(source));
    }
    if head.starts_with(&super::PNG_SIGNATURE) {
        return open_png(spec, name, reader);
    }
    if head.starts_with(&JPEG_SIGNATURE) {
        return match spec.path.as_deref() {
            Some(path) if !spec.is_stdin() => open_sequence(spec, path),
            _ => Err(SourceError::Unsupported {
                input: name,
                reason: "JPEG input on stdin is not supported; pipe PNGs or raw frames, or pass JPEG files as a path, pattern or directory".to_owned(),
            }),
        };
    }
    let Some((width, height)) = spec.size else {
        return Err(SourceError::RawNeedsSize { input: name });
    };
    let format = spec.pix_fmt.unwrap_or(PixelFormat::Rgb24);
    Ok(Box::new(RawSource::named(
        reader, width, height, format, &name,
    )?))
}

/// Whether a path is a pattern or glob rather than a file name.
fn is_sequence_spec(path: &Path) -> bool {
    path.to_string_lossy().contains(['%', '*', '?'])
}

/// Refuses a given size that disagrees with a self-describing input.
fn check_size(
    spec: &InputSpec,
    name: &str,
    kind: &'static str,
    info: &super::SourceInfo,
) -> Result<(), SourceError> {
    match spec.size {
        Some((w, h)) if (w, h) != (info.width, info.height) => Err(SourceError::Mismatch {
            input: name.to_owned(),
            kind,
            what: "size",
            flag: "--size",
            given: format!("{w}x{h}"),
            found: format!("{}x{}", info.width, info.height),
        }),
        _ => Ok(()),
    }
}

/// Refuses a given pixel format that disagrees with a decoded input's.
#[cfg(feature = "image")]
fn check_images(
    spec: &InputSpec,
    name: &str,
    kind: &'static str,
    info: &super::SourceInfo,
) -> Result<(), SourceError> {
    check_size(spec, name, kind, info)?;
    if let (Some(given), FrameLayout::Packed(found)) = (spec.pix_fmt, info.layout)
        && given != found
    {
        return Err(SourceError::Mismatch {
            input: name.to_owned(),
            kind,
            what: "pixel format",
            flag: "--pix-fmt",
            given: given.to_string(),
            found: found.to_string(),
        });
    }
    Ok(())
}

#[cfg(feature = "image")]
fn open_png(
    spec: &InputSpec,
    name: String,
    reader: Input,
) -> Result<Box<dyn FrameSource>, SourceError> {
    let source = super::PngStreamSource::new(reader)?;
    check_images(spec, &name, "PNG", source.info())?;
    Ok(Box::new(source))
}

#[cfg(not(feature = "image"))]
fn open_png(
    _spec: &InputSpec,
    name: String,
    _reader: Input,
) -> Result<Box<dyn FrameSource>, SourceError> {
    Err(no_image_feature(name, "PNG"))
}

#[cfg(feature = "image")]
fn open_sequence(spec: &InputSpec, path: &Path) -> Result<Box<dyn FrameSource>, SourceError> {
    let source = super::ImageSequence::open(path)?;
    check_images(spec, &path.display().to_string(), "image", source.info())?;
    Ok(Box::new(source))
}

#[cfg(not(feature = "image"))]
fn open_sequence(_spec: &InputSpec, path: &Path) -> Result<Box<dyn FrameSource>, SourceError> {
    Err(no_image_feature(
        path.display().to_string(),
        "image sequence",
    ))
}

#[cfg(not(feature = "image"))]
fn no_image_feature(input: String, kind: &str) -> SourceError {
    SourceError::Unsupported {
        input,
        reason: format!(
            "{kind} input needs framecast's `image` feature (PNG and JPEG decoding), which this build lacks"
        ),
    }
}
