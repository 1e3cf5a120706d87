//! How an encoder spends bits: a constant-quality scale shared by every codec, or a bitrate.

use crate::{Error, Result};

/// Rate control requested from a video encoder.
///
/// The quality scale is CRF-like and the same for every codec: 0 is the best quality and the
/// largest output, [`RateControl::QUALITY_MAX`] the smallest; each codec maps it onto its own
/// quantizer range. A bitrate is an average over the stream in kbit/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateControl {
    /// Constant quality on the CRF-like scale `0..=QUALITY_MAX` (lower is better).
    Quality(u8),
    /// Average bitrate in kbit/s (1 or more).
    Bitrate(u32),
}

impl RateControl {
    /// The largest (smallest-output) value of the quality scale.
    pub const QUALITY_MAX: u8 = 51;
    /// The default quality.
    pub const DEFAULT_QUALITY: u8 = 23;

    /// Checks the value against its accepted range.
    ///
    /// ```
    /// # use framecast_core::RateControl;
    /// assert!(RateControl::Quality(23).validate().is_ok());
    /// assert_eq!(
    ///     RateControl::Quality(60).validate().unwrap_err().to_string(),
    ///     "quality 60 is out of range; expected 0 (best) to 51 (smallest)"
    /// );
    /// ```
    pub fn validate(self) -> Result<Self> {
        match self {
            RateControl::Quality(q) if q > Self::QUALITY_MAX => Err(Error::QualityOutOfRange {
                value: q,
                max: Self::QUALITY_MAX,
            }),
            RateControl::Bitrate(0) => Err(Error::ZeroBitrate),
            ok => Ok(ok),
        }
    }
}

impl Default for RateControl {
    fn default() -> Self {
        RateControl::Quality(Self::DEFAULT_QUALITY)
    }
}
