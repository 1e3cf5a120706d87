//! The error type of framecast-core.

/// Errors raised while validating frames, images, formats and rates.
///
/// Every variant carries what was received and what was expected, so the message alone tells a
/// caller how to fix the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A quality value above the scale's maximum.
    #[error("quality {value} is out of range; expected 0 (best) to {max} (smallest)")]
    QualityOutOfRange {
        /// The value received.
        value: u8,
        /// The largest accepted value.
        max: u8,
    },
    /// A bitrate of 0 kbit/s.
    #[error("bitrate 0 kbit/s is invalid; expected 1 or more")]
    ZeroBitrate,
    /// A width or height of zero.
    #[error("{what} is 0; it must be between 1 and {max}")]
    ZeroDimension {
        /// Which dimension ("width" or "height").
        what: &'static str,
        /// The largest accepted value.
        max: u32,
    },
    /// A width or height above [`crate::MAX_DIMENSION`].
    #[error("{what} {value} is too large; it must be between 1 and {max}")]
    DimensionTooLarge {
        /// Which dimension ("width" or "height").
        what: &'static str,
        /// The value received.
        value: u32,
        /// The largest accepted value.
        max: u32,
    },
    /// A row stride shorter than one row of pixels.
    #[error(
        "stride {stride} bytes is shorter than one row: {width} pixels of {format} need at least {min} bytes"
    )]
    StrideTooShort {
        /// The stride received.
        stride: usize,
        /// The smallest stride that holds one row.
        min: usize,
        /// Frame width in pixels.
        width: u32,
        /// Pixel format name.
        format: &'static str,
    },
    /// A plane stride with more padding than [`crate::MAX_STRIDE_PADDING`].
    #[error("{what} stride {stride} bytes is too long: rows of {width} pixels allow at most {max}")]
    StrideTooLong {
        /// The stride received.
        stride: usize,
        /// The largest accepted stride.
        max: usize,
        /// Plane width in pixels.
        width: u32,
        /// Which plane.
        what: &'static str,
    },
    /// A buffer shorter than the image it should hold.
    #[error("{what} buffer holds {len} bytes but {width}x{height} needs at least {required}")]
    BufferTooShort {
        /// Which buffer ("frame", "Y plane", ...).
        what: &'static str,
        /// Bytes received.
        len: usize,
        /// Bytes needed.
        required: usize,
        /// Image width in pixels.
        width: u32,
        /// Image height in pixels.
        height: u32,
    },
    /// A pixel format name that framecast does not read.
    #[error("unknown pixel format '{name}'; expected one of {expected}")]
    UnknownPixelFormat {
        /// The name received.
        name: String,
        /// The accepted names, comma separated.
        expected: &'static str,
    },
    /// A name that is not one of an enumeration's accepted spellings.
    #[error("unknown {what} '{name}'; expected one of {expected}")]
    UnknownName {
        /// What was being named ("matrix", "range", ...).
        what: &'static str,
        /// The name received.
        name: String,
        /// The accepted names, comma separated.
        expected: &'static str,
    },
    /// A rational number that could not be parsed or is out of range.
    #[error("invalid rate '{text}': {reason}")]
    InvalidRational {
        /// The text or value received.
        text: String,
        /// What is wrong with it and what is accepted.
        reason: &'static str,
    },
    /// A pixel aspect ratio with a zero part.
    #[error("invalid pixel aspect ratio {h_spacing}:{v_spacing}; both parts must be 1 or more")]
    InvalidPixelAspect {
        /// Relative pixel width received.
        h_spacing: u32,
        /// Relative pixel height received.
        v_spacing: u32,
    },
}

/// `Result` with framecast-core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
