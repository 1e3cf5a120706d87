//! Encoder options.

use framecast_core::RateControl;

use crate::Error;

/// openh264's complexity mode: how hard motion estimation and mode decision search.
///
/// Measured at 1280x720 on natural content in the crate README; [`Speed::Medium`] is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Speed {
    /// openh264 `LOW_COMPLEXITY`: fastest.
    Fast,
    /// openh264 `MEDIUM_COMPLEXITY`.
    #[default]
    Medium,
    /// openh264 `HIGH_COMPLEXITY`: slowest, smallest output at a given quality.
    Slow,
}

/// The H.264 profile, which decides the entropy coder.
///
/// openh264 codes neither B slices, interlace nor the 8x8 transform, so the entropy coder is
/// all that separates its profiles: with CABAC the stream is Main profile (which every High
/// decoder also plays), with CAVLC Constrained Baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Main profile (`profile_idc` 77) with CABAC entropy coding: the same pictures as
    /// [`Profile::ConstrainedBaseline`] in 8-13% fewer bits (measured, see the README). Decoded
    /// by every H.264 player of the last two decades.
    #[default]
    Main,
    /// Constrained Baseline (`profile_idc` 66 with `constraint_set0/1_flag`) with CAVLC: for
    /// Baseline-only decoders (some WebRTC endpoints, very old phones); needs more bits.
    ConstrainedBaseline,
}

/// What to do with an odd width or height, which 4:2:0 H.264 cannot show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OddSize {
    /// Round the odd side up to even, repeating the last column or row.
    #[default]
    Pad,
    /// Round the odd side down to even, dropping the last column or row.
    Crop,
}

/// Options of [`H264Encoder`](crate::H264Encoder).
///
/// ```
/// use framecast_core::RateControl;
/// use framecast_h264::{H264Options, Speed};
///
/// let options = H264Options::default()
///     .with_rate(RateControl::Bitrate(2_000))
///     .with_keyint(Some(60))
///     .with_speed(Speed::Fast);
/// options.validate()?;
/// # Ok::<(), framecast_h264::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[derive(Default)]
pub struct H264Options {
    /// Rate control. `Quality(q)` codes every picture at QP `q` (openh264's rate control cannot
    /// move it; see the README); `Bitrate(kbps)` uses openh264's bitrate mode.
    pub rate: RateControl,
    /// Keyframe (IDR) interval in frames, `1..=`[`H264Options::MAX_KEYINT`]; `None` is
    /// [`H264Options::DEFAULT_KEYINT`].
    pub keyint: Option<u32>,
    /// Encoding threads, `0..=`[`H264Options::MAX_THREADS`]; 0 = the available cores, at most
    /// [`H264Options::MAX_THREADS`]. openh264 parallelises only across slices, so each picture
    /// is cut into this many slices (horizontal bands, one thread each), fewer for pictures too
    /// small to hold 4 macroblock rows per slice. Slices cost a few percent of bits (see the
    /// README).
    pub threads: u16,
    /// Speed against compression.
    pub speed: Speed,
    /// Odd-size policy.
    pub odd: OddSize,
    /// Profile and entropy coder: [`Profile::Main`] (CABAC) unless set.
    pub profile: Profile,
    /// Let openh264's rate control drop frames to hold the bitrate. Off by default: every frame
    /// sent is a packet out. When on, a dropped frame lengthens the previous packet.
    pub frame_skip: bool,
}

impl H264Options {
    /// The keyframe interval when none is given: 250 frames, x264's default (about 10 s at 25
    /// fps), which keeps seeking cheap without costing much compression.
    pub const DEFAULT_KEYINT: u32 = 250;
    /// The largest keyframe interval accepted.
    pub const MAX_KEYINT: u32 = 100_000;
    /// The largest bitrate accepted, in kbit/s (MaxBR of level 5.2).
    pub const MAX_BITRATE_KBPS: u32 = 240_000;
    /// openh264's thread limit (`MAX_THREADS_NUM` in its `wels_const.h`).
    pub const MAX_THREADS: u16 = 4;

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
    pub fn with_threads(mut self, threads: u16) -> Self {
        self.threads = threads;
        self
    }

    /// Sets [`Self::speed`].
    #[must_use]
    pub fn with_speed(mut self, speed: Speed) -> Self {
        self.speed = speed;
        self
    }

    /// Sets [`Self::odd`].
    #[must_use]
    pub fn with_odd(mut self, odd: OddSize) -> Self {
        self.odd = odd;
        self
    }

    /// Sets [`Self::profile`].
    #[must_use]
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Sets [`Self::frame_skip`].
    #[must_use]
    pub fn with_frame_skip(mut self, frame_skip: bool) -> Self {
        self.frame_skip = frame_skip;
        self
    }

    /// The number of threads (and slices, before the size limit) that `threads` gives on this
    /// machine: `threads` itself, or for 0 the available parallelism capped at
    /// [`H264Options::MAX_THREADS`].
    pub fn threads_or_auto(&self) -> u16 {
        if self.threads > 0 {
            return self.threads;
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        u16::try_from(cores).map_or(Self::MAX_THREADS, |c| c.min(Self::MAX_THREADS))
    }

    /// The keyframe interval in effect.
    pub fn keyint_or_default(&self) -> u32 {
        self.keyint.unwrap_or(Self::DEFAULT_KEYINT)
    }

    /// Checks every option against its accepted range.
    ///
    /// ```
    /// use framecast_h264::H264Options;
    /// let e = H264Options::default().with_threads(9).validate().unwrap_err();
    /// assert_eq!(e.to_string(), "threads 9 is out of range; expected 0 to 4");
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        self.rate.validate()?;
        if let Some(k) = self.keyint
            && !(1..=Self::MAX_KEYINT).contains(&k)
        {
            return Err(Error::InvalidOption {
                option: "keyint",
                value: u64::from(k),
                min: 1,
                max: u64::from(Self::MAX_KEYINT),
            });
        }
        if self.threads > Self::MAX_THREADS {
            return Err(Error::InvalidOption {
                option: "threads",
                value: u64::from(self.threads),
                min: 0,
                max: u64::from(Self::MAX_THREADS),
            });
        }
        // Level 5.2, the highest openh264 codes, caps the VCL bitrate at MaxBR = 240 000 kbit/s
        // (Table A-1); this also keeps the bit/s value openh264 takes within an i32.
        if let RateControl::Bitrate(kbps) = self.rate {
            let max = Self::MAX_BITRATE_KBPS;
            if kbps > max {
                return Err(Error::InvalidOption {
                    option: "bitrate (kbit/s)",
                    value: u64::from(kbps),
                    min: 1,
                    max: u64::from(max),
                });
            }
        }
        Ok(())
    }
}
