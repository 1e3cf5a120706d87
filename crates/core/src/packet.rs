//! Encoded packets and the codec configuration a muxer needs.

use crate::{ColorSpec, Rational};

/// A compressed video codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// H.264 / AVC; samples are length-prefixed NAL units, configured by an `avcC` record.
    H264,
    /// AV1; samples are temporal units of OBUs, configured by an `av1C` record.
    Av1,
}

/// One encoded access unit (H.264) or temporal unit (AV1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packet {
    /// The sample bytes, in the form the MP4 sample entry expects.
    pub data: Vec<u8>,
    /// Presentation time in units of [`CodecConfig::time_base`].
    pub pts: i64,
    /// Decode time in units of [`CodecConfig::time_base`]; equal to `pts` without reordering.
    pub dts: i64,
    /// Duration in units of [`CodecConfig::time_base`].
    pub duration: u64,
    /// Whether decoding can start here (an IDR or key frame).
    pub keyframe: bool,
}

/// What a muxer needs to describe a video track: codec, coded picture size, colour and the
/// decoder configuration record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodecConfig {
    /// The codec.
    pub codec: Codec,
    /// Displayed width in pixels.
    pub width: u32,
    /// Displayed height in pixels.
    pub height: u32,
    /// Time base of packet timestamps (seconds per tick), e.g. `1001/30000`.
    pub time_base: Rational,
    /// Colour description, written to the `colr` box.
    pub color: ColorSpec,
    /// The decoder configuration record: `avcC` (ISO/IEC 14496-15 5.3.3.1) or `av1C`
    /// (AV1-ISOBMFF 2.3) payload, without the box header.
    pub record: Vec<u8>,
}

impl CodecConfig {
    /// A configuration from its parts.
    pub fn new(
        codec: Codec,
        width: u32,
        height: u32,
        time_base: Rational,
        color: ColorSpec,
        record: Vec<u8>,
    ) -> Self {
        CodecConfig {
            codec,
            width,
            height,
            time_base,
            color,
            record,
        }
    }
}
