//! Level selection from H.264 Table A-1 (level limits).

use framecast_core::Rational;

/// One row of Table A-1: the level's `level_idc` and the limits framecast checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LevelLimits {
    /// `level_idc`: 10 x the level number (level 1b is not used).
    pub(crate) level_idc: u8,
    /// MaxMBPS: macroblocks per second.
    pub(crate) max_mbps: u64,
    /// MaxFS: macroblocks per frame.
    pub(crate) max_fs: u64,
    /// MaxBR in units of 1000 bit/s (VCL, Baseline/Main; Table A-1 column 5).
    pub(crate) max_br_kbps: u64,
}

const fn row(level_idc: u8, max_mbps: u64, max_fs: u64, max_br_kbps: u64) -> LevelLimits {
    LevelLimits {
        level_idc,
        max_mbps,
        max_fs,
        max_br_kbps,
    }
}

/// Table A-1 up to level 5.2, the highest level openh264 knows.
pub(crate) const LEVELS: [LevelLimits; 16] = [
    row(10, 1_485, 99, 64),
    row(11, 3_000, 396, 192),
    row(12, 6_000, 396, 384),
    row(13, 11_880, 396, 768),
    row(20, 11_880, 396, 2_000),
    row(21, 19_800, 792, 4_000),
    row(22, 20_250, 1_620, 4_000),
    row(30, 40_500, 1_620, 10_000),
    row(31, 108_000, 3_600, 14_000),
    row(32, 216_000, 5_120, 20_000),
    row(40, 245_760, 8_192, 20_000),
    row(41, 245_760, 8_192, 50_000),
    row(42, 522_240, 8_704, 50_000),
    row(50, 589_824, 22_080, 135_000),
    row(51, 983_040, 36_864, 240_000),
    row(52, 2_073_600, 36_864, 240_000),
];

/// What a stream needs from its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Demand {
    /// Coded width in macroblocks.
    pub(crate) width_mbs: u64,
    /// Coded height in macroblocks.
    pub(crate) height_mbs: u64,
    /// Frames per second.
    pub(crate) fps: Rational,
    /// Requested bitrate in kbit/s, when rate control targets one.
    pub(crate) kbps: Option<u64>,
}

impl Demand {
    /// Macroblocks per frame.
    pub(crate) fn frame_size(&self) -> u64 {
        self.width_mbs * self.height_mbs
    }

    /// Macroblocks per second, rounded up.
    pub(crate) fn mbs_per_second(&self) -> u64 {
        (self.frame_size() * u64::from(self.fps.num())).div_ceil(u64::from(self.fps.den()))
    }

    fn fits(&self, l: &LevelLimits) -> bool {
        // A.3.1 items (a)-(c) and A.3.2: frame size, and no side longer than
        // sqrt(8 * MaxFS) macroblocks.
        let side_max = 8 * l.max_fs;
        self.frame_size() <= l.max_fs
            && self.width_mbs * self.width_mbs <= side_max
            && self.height_mbs * self.height_mbs <= side_max
            // MaxMBPS, compared exactly: fs * num <= MaxMBPS * den.
            && self.frame_size() * u64::from(self.fps.num())
                <= l.max_mbps * u64::from(self.fps.den())
            && self.kbps.is_none_or(|k| k <= l.max_br_kbps)
    }
}

/// The lowest level whose limits the stream meets, or `None` when even level 5.2 is too small.
pub(crate) fn choose(demand: &Demand) -> Option<LevelLimits> {
    LEVELS.iter().copied().find(|l| demand.fits(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(w: u32, h: u32, fps: u32, kbps: Option<u64>) -> Option<u8> {
        choose(&Demand {
            width_mbs: u64::from(w.div_ceil(16)),
            height_mbs: u64::from(h.div_ceil(16)),
            fps: Rational::integer(fps).unwrap(),
            kbps,
        })
        .map(|l| l.level_idc)
    }

    #[test]
    fn common_formats_get_the_usual_levels() {
        assert_eq!(level(176, 144, 15, None), Some(10));
        assert_eq!(level(320, 240, 30, None), Some(13));
        assert_eq!(level(640, 480, 30, None), Some(30));
        assert_eq!(level(1280, 720, 30, None), Some(31));
        assert_eq!(level(1280, 720, 60, None), Some(32));
        assert_eq!(level(1920, 1080, 30, None), Some(40));
        assert_eq!(level(1920, 1080, 60, None), Some(42));
        assert_eq!(level(3840, 2160, 30, None), Some(51));
        assert_eq!(level(3840, 2160, 60, None), Some(52));
        assert_eq!(level(3840, 2160, 120, None), None);
        // A bitrate above MaxBR moves the level up: 1080p30 at 30 Mbit/s needs 4.1.
        assert_eq!(level(1920, 1080, 30, Some(30_000)), Some(41));
        // A long thin picture is limited by sqrt(8 * MaxFS) per side, not by its area.
        assert_eq!(level(16, 1024, 30, None), Some(21));
    }

    #[test]
    fn fractional_rates_compare_exactly() {
        let d = |num, den| Demand {
            width_mbs: 80,
            height_mbs: 45,
            fps: Rational::new(num, den).unwrap(),
            kbps: None,
        };
        assert_eq!(choose(&d(30000, 1001)).map(|l| l.level_idc), Some(31));
        assert_eq!(d(30000, 1001).mbs_per_second(), 107_893);
    }
}
