//! Encoded packets and the codec configuration a muxer needs.

use crate::{ColorSpec, Error, Rational, Result};

/// A compressed video codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// H.264 / AVC; samples are length-prefixed NAL units, configured by an `avcC` record.
    H264,
    /// AV1; samples are temporal units of OBUs, configured by an `av1C` record.
    Av1,
    /// Animated GIF, which is its own container: packets are consecutive pieces of the GIF
    /// file (header, images, trailer), and the configuration carries no record.
    Gif,
}

impl Codec {
    /// The codec's name in messages: `H.264`, `AV1`, `GIF`.
    pub const fn name(self) -> &'static str {
        match self {
            Codec::H264 => "H.264",
            Codec::Av1 => "AV1",
            Codec::Gif => "GIF",
        }
    }
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
    /// Pixel aspect ratio as `(h_spacing, v_spacing)` (ISO/IEC 14496-12 12.1.4 `pasp`): the
    /// relative width and height of one pixel; `(1, 1)` for square pixels, `(4, 3)` for 1440x1080
    /// shown as 1920x1080. Both parts are above 0; set it with
    /// [`with_pixel_aspect`](Self::with_pixel_aspect), which checks that.
    pub pixel_aspect: (u32, u32),
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
            pixel_aspect: (1, 1),
        }
    }

    /// The same configuration with pixel aspect ratio `h_spacing:v_spacing` (a pixel is
    /// `h_spacing / v_spacing` times as wide as it is high). Errors when either part is 0.
    ///
    /// ```
    /// # use framecast_core::{Codec, CodecConfig, ColorSpec, Rational};
    /// let c = CodecConfig::new(Codec::H264, 1440, 1080, Rational::new(1, 25)?, ColorSpec::default(), vec![1])
    ///     .with_pixel_aspect(4, 3)?;
    /// assert_eq!(c.pixel_aspect, (4, 3));
    /// # Ok::<(), framecast_core::Error>(())
    /// ```
    pub fn with_pixel_aspect(mut self, h_spacing: u32, v_spacing: u32) -> Result<Self> {
        if h_spacing == 0 || v_spacing == 0 {
            return Err(Error::InvalidPixelAspect {
                h_spacing,
                v_spacing,
            });
        }
        self.pixel_aspect = (h_spacing, v_spacing);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CodecConfig {
        let tb = Rational::new(1, 25).expect("valid");
        CodecConfig::new(Codec::Av1, 64, 48, tb, ColorSpec::default(), vec![1])
    }

    #[test]
    fn pixel_aspect_defaults_to_square_and_refuses_zero() {
        assert_eq!(config().pixel_aspect, (1, 1));
        assert_eq!(
            config().with_pixel_aspect(16, 11).map(|c| c.pixel_aspect),
            Ok((16, 11))
        );
        for (h, v) in [(0, 1), (1, 0), (0, 0)] {
            let e = config().with_pixel_aspect(h, v).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid pixel aspect ratio {h}:{v}; both parts must be 1 or more")
            );
        }
    }
}
