//! The facade's error type: one variant per kind of fault.

use crate::source::SourceError;

/// Errors raised by [`VideoWriter`](crate::VideoWriter), [`render`](crate::render()) and the
/// [`pipeline`](crate::pipeline).
///
/// The variants separate faults by who can fix them: the caller's configuration, an
/// unsupported combination, the codec library, the muxer, the input, or I/O.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An option or frame that does not fit the configuration (size, rate, format).
    #[error(transparent)]
    Config(#[from] framecast_core::Error),
    /// Colour conversion refused a frame (size or layout mismatch).
    #[error(transparent)]
    Color(#[from] framecast_color::Error),
    /// A combination this build cannot produce.
    #[error("{what} is not supported: {why}")]
    Unsupported {
        /// What was asked for.
        what: String,
        /// Why it cannot be done, and what can.
        why: String,
    },
    /// The encoder failed.
    #[error("{codec} encoder")]
    Codec {
        /// The codec name.
        codec: &'static str,
        /// The encoder's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The muxer refused a sample or failed to write.
    #[error(transparent)]
    Mux(Box<framecast_mux::Error>),
    /// The input failed (only from the pipeline; a truncated input is not an error there, see
    /// [`Outcome::source_error`](crate::pipeline::Outcome::source_error)).
    #[error(transparent)]
    Source(Box<SourceError>),
    /// Finishing a writer that received no frame: there is nothing to write.
    #[error("no frames were written; a video needs at least one frame")]
    NoFrames,
    /// A frame whose size differs from the writer's.
    #[error(
        "frame {index} is {width}x{height} but the video is {expected_width}x{expected_height}; every frame must have the video's size"
    )]
    FrameSize {
        /// Zero-based frame index.
        index: u64,
        /// Frame width received.
        width: u32,
        /// Frame height received.
        height: u32,
        /// The writer's width.
        expected_width: u32,
        /// The writer's height.
        expected_height: u32,
    },
    /// A YUV frame whose byte count does not match the video's planes.
    #[error("YUV frame {index} has {len} bytes but the video's three planes need {expected}")]
    PlaneBytes {
        /// Zero-based frame index.
        index: u64,
        /// Bytes received.
        len: usize,
        /// Bytes the Y, U and V planes need.
        expected: usize,
    },
    /// Reading or writing a file failed.
    #[error("{what}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A pipeline thread ended without reporting (it panicked).
    #[error("the {stage} thread of the pipeline stopped unexpectedly")]
    Thread {
        /// Which stage.
        stage: &'static str,
    },
}

// The muxer's and the sources' errors are boxed: they are the largest, and every `Result` of
// the facade carries the size of its largest variant.
impl From<framecast_mux::Error> for Error {
    fn from(e: framecast_mux::Error) -> Self {
        Error::Mux(Box::new(e))
    }
}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        Error::Source(Box::new(e))
    }
}

/// `Result` with the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
