//! The error type of framecast-av1.

/// Errors from configuring or running the AV1 encoder.
///
/// Each variant carries the value received and what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rate control setting is out of range (quality above 51, bitrate 0).
    #[error("invalid rate control: {0}")]
    InvalidRate(#[from] framecast_core::Error),
    /// An option outside its accepted range.
    #[error("{option} {value} is out of range; expected {min} to {max}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// The value received.
        value: u64,
        /// The smallest accepted value.
        min: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// A width or height of 0, or above AV1's 65536.
    #[error("frame size {width}x{height} is out of range; both sides must be 1 to {max}")]
    InvalidSize {
        /// Width received.
        width: u32,
        /// Height received.
        height: u32,
        /// The largest side accepted.
        max: u32,
    },
    /// A colour code point that AV1 `color_config` cannot carry (H.273 reserved values).
    #[error("{what} code point {value} cannot be signalled in AV1 color_config")]
    UnsupportedColor {
        /// "colour primaries", "transfer characteristics" or "matrix coefficients".
        what: &'static str,
        /// The H.273 code point received.
        value: u8,
    },
    /// A chroma subsampling this encoder does not code.
    #[error("chroma subsampling {subsampling} is not supported; expected yuv420p or yuv444p")]
    UnsupportedSubsampling {
        /// ffmpeg's name of the format.
        subsampling: &'static str,
    },
    /// A frame whose size differs from the size given to [`Av1Encoder::new`](crate::Av1Encoder::new).
    #[error("frame is {}x{}, but the encoder was configured for {}x{}", received.0, received.1, expected.0, expected.1)]
    FrameSizeMismatch {
        /// The configured size.
        expected: (u32, u32),
        /// The frame's size.
        received: (u32, u32),
    },
    /// A frame whose chroma subsampling differs from [`Av1Options::chroma`](crate::Av1Options::chroma).
    #[error(
        "a {received} frame was sent to an encoder configured for {expected}; convert it first or set Av1Options::chroma"
    )]
    SubsamplingMismatch {
        /// ffmpeg's name of the configured format.
        expected: &'static str,
        /// ffmpeg's name of the frame's format.
        received: &'static str,
    },
    /// Timestamps must increase: AV1 samples carry no composition offsets.
    #[error("pts {received} does not increase on the previous frame's {previous}")]
    NonIncreasingPts {
        /// The previous frame's pts.
        previous: i64,
        /// The pts received.
        received: i64,
    },
    /// A frame was sent after [`flush`](framecast_core::VideoEncoder::flush).
    #[error("frame with pts {pts} sent after flush")]
    SendAfterFlush {
        /// The frame's pts.
        pts: i64,
    },
    /// rav1e refused the configuration.
    #[error("rav1e refused the configuration: {message}")]
    Config {
        /// rav1e's description.
        message: String,
    },
    /// rav1e reported a failure while encoding.
    #[error("rav1e {call} failed: {message}")]
    Rav1e {
        /// What framecast asked rav1e to do.
        call: &'static str,
        /// rav1e's description.
        message: String,
    },
    /// rav1e produced output framecast cannot read.
    #[error("unexpected rav1e output: {reason}")]
    UnexpectedOutput {
        /// What was wrong.
        reason: &'static str,
    },
    /// A keyframe carried a sequence header different from the one in the av1C record; the
    /// file would not decode with that record, so encoding stops.
    #[error("the sequence header at pts {pts} differs from the one in the av1C record")]
    SequenceHeaderChanged {
        /// The pts of the packet that carried it.
        pts: i64,
    },
    /// Chunks of a GOP-parallel encode disagree on their sequence header.
    #[error("chunk {chunk} has a sequence header different from chunk 0's")]
    ChunkSequenceHeaderMismatch {
        /// The index of the offending chunk.
        chunk: usize,
    },
    /// A worker thread of the chunked encoder panicked or could not be started.
    #[error("chunked encoder worker failed: {reason}")]
    Worker {
        /// What happened.
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
