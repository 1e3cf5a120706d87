//! Encoder options.

use framecast_core::{RateControl, Subsampling};

use crate::Error;

/// Options of [`Av1Encoder`](crate::Av1Encoder).
///
/// ```
/// use framecast_core::{RateControl, Subsampling};
/// use framecast_av1::Av1Options;
///
/// let options = Av1Options::default()
///     .with_rate(RateControl::Quality(30))
///     .with_keyint(Some(120))
///     .with_speed(8)
///     .with_chroma(Subsampling::Yuv444);
/// options.validate()?;
/// # Ok::<(), framecast_av1::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Av1Options {
    /// Rate control. `Quality(q)` is rav1e's constant-quantizer mode at base quantizer
    /// [`Av1Options::quantizer_for`]`(q)` (`q * 5`, so 0..=51 spans rav1e's 0..=255);
    /// `Bitrate(kbps)` is rav1e's single-pass bitrate mode.
    pub rate: RateControl,
    /// Largest keyframe interval in frames, `1..=`[`Av1Options::MAX_KEYINT`]; `None` is
    /// [`Av1Options::DEFAULT_KEYINT`]. rav1e's scene-change detection may place keyframes
    /// earlier, never later.
    pub keyint: Option<u32>,
    /// Encoding threads, `0..=`[`Av1Options::MAX_THREADS`]; 0 = the available cores. The
    /// picture is cut into about as many tiles (fewer for small pictures), which rav1e codes
    /// in parallel.
    pub threads: usize,
    /// rav1e's speed preset, `0..=10` (10 fastest); default [`Av1Options::DEFAULT_SPEED`]
    /// (measured in the README).
    pub speed: u8,
    /// Chroma subsampling of the coded stream and of the frames sent:
    /// [`Subsampling::Yuv420`] (Main profile, default) or [`Subsampling::Yuv444`] (High
    /// profile).
    pub chroma: Subsampling,
}

impl Default for Av1Options {
    fn default() -> Self {
        Av1Options {
            rate: RateControl::default(),
            keyint: None,
            threads: 0,
            speed: Self::DEFAULT_SPEED,
            chroma: Subsampling::Yuv420,
        }
    }
}

impl Av1Options {
    /// The keyframe interval when none is given: 240 frames, rav1e's own default.
    pub const DEFAULT_KEYINT: u32 = 240;
    /// The largest keyframe interval accepted.
    pub const MAX_KEYINT: u32 = 100_000;
    /// The most threads accepted.
    pub const MAX_THREADS: usize = 256;
    /// The fastest speed preset.
    pub const MAX_SPEED: u8 = 10;
    /// The default speed preset: see the crate README for the speed/quality measurements
    /// behind it.
    pub const DEFAULT_SPEED: u8 = 8;
    /// The largest bitrate accepted, in kbit/s (rav1e takes bit/s as an `i32`).
    pub const MAX_BITRATE_KBPS: u32 = (i32::MAX / 1000) as u32;

    /// Sets [`Self::rate`].
    #[must_use]
    pub fn with_rate(mut self, rate: RateControl) -> Self {
        self.rate = rate;
        self
    }

    /// Sets [`Self::keyint`].
    #[must_use]
    pub fn with_keyint(mut self, keyint: Option<u32>) -> Self {
        self.keyint = keyint;
        self
    }

    /// Sets [`Self::threads`].
    #[must_use]
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Sets [`Self::speed`].
    #[must_use]
    pub fn with_speed(mut self, speed: u8) -> Self {
        self.speed = speed;
        self
    }

    /// Sets [`Self::chroma`].
    #[must_use]
    pub fn with_chroma(mut self, chroma: Subsampling) -> Self {
        self.chroma = chroma;
        self
    }

    /// rav1e's base quantizer (0..=255) for a quality on framecast's 0..=51 scale: `q * 5`.
    /// A linear map keeps the whole of rav1e's range reachable (0 = lossless, 255 = coarsest);
    /// the default quality 23 gives quantizer 115 (rav1e's own default is 100).
    pub const fn quantizer_for(quality: u8) -> u8 {
        let q = if quality > RateControl::QUALITY_MAX {
            RateControl::QUALITY_MAX
        } else {
            quality
        };
        q * 5
    }

    /// The number of threads `threads` gives on this machine: `threads` itself, or for 0 the
    /// available parallelism.
    pub fn threads_or_auto(&self) -> usize {
        if self.threads > 0 {
            return self.threads;
        }
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(Self::MAX_THREADS)
    }

    /// The keyframe interval in effect.
    pub fn keyint_or_default(&self) -> u32 {
        self.keyint.unwrap_or(Self::DEFAULT_KEYINT)
    }

    /// Checks every option against its accepted range.
    ///
    /// ```
    /// use framecast_av1::Av1Options;
    /// let e = Av1Options::default().with_speed(11).validate().unwrap_err();
    /// assert_eq!(e.to_string(), "speed 11 is out of range; expected 0 to 10");
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        self.rate.validate()?;
        let range = |option, value: u64, min: u64, max: u64| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(Error::InvalidOption {
                    option,
                    value,
                    min,
                    max,
                })
            }
        };
        if let Some(k) = self.keyint {
            range("keyint", u64::from(k), 1, u64::from(Self::MAX_KEYINT))?;
        }
        range("threads", self.threads as u64, 0, Self::MAX_THREADS as u64)?;
        range(
            "speed",
            u64::from(self.speed),
            0,
            u64::from(Self::MAX_SPEED),
        )?;
        if let RateControl::Bitrate(kbps) = self.rate {
            range(
                "bitrate (kbit/s)",
                u64::from(kbps),
                1,
                u64::from(Self::MAX_BITRATE_KBPS),
            )?;
        }
        match self.chroma {
            Subsampling::Yuv420 | Subsampling::Yuv444 => Ok(()),
            #[allow(unreachable_patterns, reason = "Subsampling is non_exhaustive")]
            other => Err(Error::UnsupportedSubsampling {
                subsampling: other.name(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_named() {
        let e = Av1Options::default().with_keyint(Some(0)).validate();
        assert_eq!(
            e.unwrap_err().to_string(),
            "keyint 0 is out of range; expected 1 to 100000"
        );
        let e = Av1Options::default().with_threads(1000).validate();
        assert_eq!(
            e.unwrap_err().to_string(),
            "threads 1000 is out of range; expected 0 to 256"
        );
        let e = Av1Options::default()
            .with_rate(RateControl::Bitrate(3_000_000))
            .validate();
        assert_eq!(
            e.unwrap_err().to_string(),
            "bitrate (kbit/s) 3000000 is out of range; expected 1 to 2147483"
        );
        assert!(Av1Options::default().validate().is_ok());
    }

    #[test]
    fn quality_maps_linearly_onto_rav1e_quantizers() {
        assert_eq!(Av1Options::quantizer_for(0), 0);
        assert_eq!(Av1Options::quantizer_for(23), 115);
        assert_eq!(Av1Options::quantizer_for(51), 255);
        assert_eq!(Av1Options::quantizer_for(200), 255);
    }
}
