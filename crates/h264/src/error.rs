//! The error type of framecast-h264.

/// Errors from configuring or running the H.264 encoder.
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
    /// A width or height of 0.
    #[error("frame size {width}x{height} is empty; both sides must be 1 or more")]
    EmptySize {
        /// Width received.
        width: u32,
        /// Height received.
        height: u32,
    },
    /// A picture larger than openh264 codes.
    #[error(
        "frame size {width}x{height} (coded as {coded_width}x{coded_height}) is too large; openh264 codes at most {max_long}x{max_short} or {max_short}x{max_long}"
    )]
    SizeTooLarge {
        /// Width received.
        width: u32,
        /// Height received.
        height: u32,
        /// Width after rounding to even.
        coded_width: u32,
        /// Height after rounding to even.
        coded_height: u32,
        /// The longest side allowed.
        max_long: u32,
        /// The shortest side allowed.
        max_short: u32,
    },
    /// `OddSize::Crop` on a side of 1 pixel, which would crop to nothing.
    #[error(
        "cannot crop {width}x{height} to even: a side of 1 pixel would become 0; use OddSize::Pad"
    )]
    CropTooSmall {
        /// Width received.
        width: u32,
        /// Height received.
        height: u32,
    },
    /// Size and frame rate need more than H.264 level 5.2, the highest openh264 supports.
    #[error(
        "{width}x{height} at {fps} fps needs {mbs_per_second} macroblocks/s (and {frame_mbs} per frame); H.264 level 5.2 allows at most {max_mbs_per_second} per second and {max_frame_mbs} per frame"
    )]
    LevelExceeded {
        /// Coded width.
        width: u32,
        /// Coded height.
        height: u32,
        /// The frame rate, as text.
        fps: String,
        /// Macroblocks per second needed.
        mbs_per_second: u64,
        /// Macroblocks per frame needed.
        frame_mbs: u64,
        /// MaxMBPS of level 5.2.
        max_mbs_per_second: u64,
        /// MaxFS of level 5.2.
        max_frame_mbs: u64,
    },
    /// A frame whose size differs from the size given to [`H264Encoder::new`](crate::H264Encoder::new).
    #[error("frame is {}x{}, but the encoder was configured for {}x{}", received.0, received.1, expected.0, expected.1)]
    FrameSizeMismatch {
        /// The configured size.
        expected: (u32, u32),
        /// The frame's size.
        received: (u32, u32),
    },
    /// A 4:4:4 frame; openh264 codes 4:2:0 only.
    #[error(
        "a {width}x{height} 4:4:4 frame was sent; openh264 encodes 4:2:0 only, convert to I420 first"
    )]
    Unsupported444 {
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
    },
    /// Timestamps must increase, since packets are decoded in presentation order.
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
    /// openh264 reported a failure.
    #[error("openh264 {call} failed: {message}")]
    Openh264 {
        /// What framecast asked openh264 to do.
        call: &'static str,
        /// openh264's description.
        message: String,
    },
    /// openh264 skipped a frame although frame skipping is off, even after a retry.
    #[error("openh264 skipped the frame with pts {pts} twice although frame skipping is off")]
    FrameSkipped {
        /// The skipped frame's pts.
        pts: i64,
    },
    /// An IDR picture came with an SPS or PPS that differs from the one in the avcC record;
    /// the file would not decode, so encoding stops.
    #[error("the {which} at pts {pts} differs from the one in the avcC record")]
    ParameterSetsChanged {
        /// "SPS" or "PPS".
        which: &'static str,
        /// The pts of the picture that carried it.
        pts: i64,
    },
    /// openh264 produced output framecast cannot read.
    #[error("unexpected openh264 output: {reason}")]
    UnexpectedOutput {
        /// What was wrong.
        reason: &'static str,
    },
    /// An SPS that the parser cannot read.
    #[error("malformed SPS: {reason}")]
    MalformedSps {
        /// What was wrong.
        reason: &'static str,
    },
    /// A display size that frame cropping cannot express for the coded size.
    #[error(
        "display size {width}x{height} cannot be cropped from a coded {coded_width}x{coded_height} 4:2:0 frame; it must be even, above 0 and no larger"
    )]
    CropNotRepresentable {
        /// Requested display width.
        width: u32,
        /// Requested display height.
        height: u32,
        /// Coded width.
        coded_width: u32,
        /// Coded height.
        coded_height: u32,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
