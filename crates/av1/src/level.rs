//! AV1 levels (AV1 Annex A.3): the `seq_level_idx` a stream of a given size, frame rate, tile
//! grid and bitrate conforms to.
//!
//! rav1e writes `seq_level_idx` 31 ("maximum parameters": the decoder must inspect the stream
//! to know whether it can play it) unless `EncoderConfig::level_idx` is set. framecast computes
//! the smallest defined level whose limits the stream meets and gives it to rav1e, so the
//! sequence header and the `av1C` record name a real level, as libaom and SVT-AV1 do.
//!
//! What is checked, per level (Annex A.3 tables):
//! - `UpscaledWidth * FrameHeight <= MaxPicSize`, `width <= MaxHSize`, `height <= MaxVSize`;
//! - the display rate `width * height * fps <= MaxDisplayRate`; rav1e codes every frame once
//!   (hidden frames are shown later with `show_existing_frame`, which decodes nothing), so the
//!   average decode rate equals the display rate and `MaxDecodeRate >= MaxDisplayRate`;
//! - frame headers per second (`fps`) `<= MaxHeaderRate`;
//! - the tile grid: `NumTiles <= MaxTiles`, `TileCols <= MaxTileCols`, tiles per second
//!   `<= MaxTiles * 120` (framecast lowers its tile count to fit rather than raise the level);
//! - in bitrate mode the target bitrate `<= MainMbps` times the profile's factor (tier 0).
//!
//! Not guaranteed: in constant-quality mode nothing bounds the bitrate (as with x264's CRF,
//! the level says what a decoder needs for the size and rate, not the bitrate), and the
//! per-temporal-unit decode rate when rav1e packs hidden frames with a shown one is not
//! modelled (no decoder model is signalled).

use framecast_core::Rational;

/// One row of the Annex A.3 tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// `seq_level_idx`: `X.Y` is `(X - 2) * 4 + Y`.
    pub seq_level_idx: u8,
    /// MaxPicSize, luma samples.
    pub max_pic_size: u64,
    /// MaxHSize, luma samples.
    pub max_h_size: u32,
    /// MaxVSize, luma samples.
    pub max_v_size: u32,
    /// MaxDisplayRate, luma samples per second.
    pub max_display_rate: u64,
    /// MaxDecodeRate, luma samples per second.
    pub max_decode_rate: u64,
    /// MaxHeaderRate, frame headers per second.
    pub max_header_rate: u32,
    /// MainMbps (tier 0), in bit/s.
    pub main_bps: u64,
    /// MaxTiles.
    pub max_tiles: u32,
    /// MaxTileCols.
    pub max_tile_cols: u32,
}

const fn row(
    seq_level_idx: u8,
    max_pic_size: u64,
    (max_h_size, max_v_size): (u32, u32),
    (max_display_rate, max_decode_rate): (u64, u64),
    max_header_rate: u32,
    main_bps: u64,
    (max_tiles, max_tile_cols): (u32, u32),
) -> Level {
    Level {
        seq_level_idx,
        max_pic_size,
        max_h_size,
        max_v_size,
        max_display_rate,
        max_decode_rate,
        max_header_rate,
        main_bps,
        max_tiles,
        max_tile_cols,
    }
}

/// The defined levels, smallest first (AV1 Annex A.3; 2.2, 2.3, 3.2, 3.3, 4.2, 4.3 and 7.x are
/// not defined).
#[rustfmt::skip]
pub const LEVELS: [Level; 14] = [
    //  idx  MaxPicSize   MaxH/VSize      MaxDisplay/DecodeRate             Header  MainMbps     MaxTiles/Cols
    row(0,   147_456,    (2048, 1152),   (4_423_680, 5_529_600),             150,  1_500_000,   (8, 4)),
    row(1,   278_784,    (2816, 1584),   (8_363_520, 10_454_400),            150,  3_000_000,   (8, 4)),
    row(4,   665_856,    (4352, 2448),   (19_975_680, 24_969_600),           150,  6_000_000,   (16, 6)),
    row(5,   1_065_024,  (5504, 3096),   (31_950_720, 39_938_400),           150,  10_000_000,  (16, 6)),
    row(8,   2_359_296,  (6144, 3456),   (70_778_880, 77_856_768),           300,  12_000_000,  (32, 8)),
    row(9,   2_359_296,  (6144, 3456),   (141_557_760, 155_713_536),         300,  20_000_000,  (32, 8)),
    row(12,  8_912_896,  (8192, 4352),   (267_386_880, 273_715_200),         300,  30_000_000,  (64, 8)),
    row(13,  8_912_896,  (8192, 4352),   (534_773_760, 547_430_400),         300,  40_000_000,  (64, 8)),
    row(14,  8_912_896,  (8192, 4352),   (1_069_547_520, 1_094_860_800),     300,  60_000_000,  (64, 8)),
    row(15,  8_912_896,  (8192, 4352),   (1_069_547_520, 1_176_502_272),     300,  60_000_000,  (64, 8)),
    row(16,  35_651_584, (16384, 8704),  (1_069_547_520, 1_176_502_272),     300,  60_000_000,  (128, 16)),
    row(17,  35_651_584, (16384, 8704),  (2_139_095_040, 2_189_721_600),     300,  100_000_000, (128, 16)),
    row(18,  35_651_584, (16384, 8704),  (4_278_190_080, 4_379_443_200),     300,  160_000_000, (128, 16)),
    row(19,  35_651_584, (16384, 8704),  (4_278_190_080, 4_706_009_088),     300,  160_000_000, (128, 16)),
];

/// `seq_level_idx` 31: no level constraints ("maximum parameters").
pub const MAX_PARAMETERS: u8 = 31;

/// What a stream needs from a level, apart from its tile grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    /// Coded width and height.
    pub size: (u32, u32),
    /// Frames per second.
    pub fps: Rational,
    /// The target bitrate in bit/s, when known (bitrate mode).
    pub bitrate: Option<u64>,
    /// 4:4:4 (High profile): `BitrateProfileFactor` 2 instead of 1.
    pub high_profile: bool,
}

impl Level {
    /// The level with this `seq_level_idx`, if defined.
    pub fn get(seq_level_idx: u8) -> Option<&'static Level> {
        LEVELS.iter().find(|l| l.seq_level_idx == seq_level_idx)
    }

    /// `"X.Y"` for a `seq_level_idx` (`"31"` for the maximum-parameters level, which is no
    /// `X.Y`).
    pub fn name(seq_level_idx: u8) -> String {
        if seq_level_idx >= MAX_PARAMETERS {
            return seq_level_idx.to_string();
        }
        format!("{}.{}", 2 + (seq_level_idx >> 2), seq_level_idx & 3)
    }

    /// Whether a stream's size, frame rate and bitrate fit this level (the tile grid is
    /// checked by [`Level::fits_tiles`]).
    pub fn fits(&self, s: &Stream) -> bool {
        let (w, h) = (u64::from(s.size.0), u64::from(s.size.1));
        let (num, den) = (u128::from(s.fps.num()), u128::from(s.fps.den()));
        let pic = w * h;
        // luma samples per second <= limit, in integers: pic * num / den <= limit.
        let rate_ok = |limit: u64| u128::from(pic) * num <= u128::from(limit) * den;
        // rav1e's own check of `level_idx` (Config::validate) multiplies by its time base
        // (1 / fps) instead of the frame rate; it only binds below 1 fps, where it would
        // refuse the configuration, so a level must pass it too.
        let rav1e_ok = (u128::from(pic) * den).div_ceil(num) <= u128::from(self.max_display_rate);
        let bitrate_ok = s.bitrate.is_none_or(|bps| {
            let factor = if s.high_profile { 2 } else { 1 };
            bps <= self.main_bps * factor
        });
        pic <= self.max_pic_size
            && s.size.0 <= self.max_h_size
            && s.size.1 <= self.max_v_size
            && rate_ok(self.max_display_rate)
            && num <= u128::from(self.max_header_rate) * den
            && rav1e_ok
            && bitrate_ok
    }

    /// Whether a tile grid of `cols x rows` fits this level at `fps`: `NumTiles <= MaxTiles`,
    /// `TileCols <= MaxTileCols` and at most `MaxTiles * 120` tiles per second.
    pub fn fits_tiles(&self, (cols, rows): (u32, u32), fps: Rational) -> bool {
        let tiles = u64::from(cols) * u64::from(rows);
        tiles <= u64::from(self.max_tiles)
            && cols <= self.max_tile_cols
            && u128::from(tiles) * u128::from(fps.num())
                <= u128::from(self.max_tiles) * 120 * u128::from(fps.den())
    }
}

/// The smallest defined level a stream fits (ignoring tiles), or [`MAX_PARAMETERS`] when it
/// fits none (above 8K, above 300 frames per second...).
///
/// ```
/// use framecast_core::Rational;
/// use framecast_av1::level::{Level, Stream, seq_level_idx};
///
/// let hd = Stream { size: (1280, 720), fps: Rational::integer(30)?, bitrate: None, high_profile: false };
/// assert_eq!(seq_level_idx(&hd), 5);
/// assert_eq!(Level::name(5), "3.1");
/// # Ok::<(), framecast_core::Error>(())
/// ```
pub fn seq_level_idx(s: &Stream) -> u8 {
    LEVELS
        .iter()
        .find(|l| l.fits(s))
        .map_or(MAX_PARAMETERS, |l| l.seq_level_idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(w: u32, h: u32, num: u32, den: u32) -> u8 {
        seq_level_idx(&Stream {
            size: (w, h),
            fps: Rational::new(num, den).unwrap(),
            bitrate: None,
            high_profile: false,
        })
    }

    #[test]
    fn the_spec_examples_get_their_levels() {
        // Annex A.3's example column.
        assert_eq!(at(426, 240, 30, 1), 0); // 2.0
        assert_eq!(at(640, 360, 30, 1), 1); // 2.1
        assert_eq!(at(854, 480, 30, 1), 4); // 3.0
        assert_eq!(at(1280, 720, 30, 1), 5); // 3.1
        assert_eq!(at(1920, 1080, 30, 1), 8); // 4.0
        assert_eq!(at(1920, 1080, 60, 1), 9); // 4.1
        assert_eq!(at(3840, 2160, 30, 1), 12); // 5.0
        assert_eq!(at(3840, 2160, 60, 1), 13); // 5.1
        assert_eq!(at(3840, 2160, 120, 1), 14); // 5.2
        assert_eq!(at(7680, 4320, 30, 1), 16); // 6.0
        assert_eq!(at(7680, 4320, 60, 1), 17); // 6.1
        assert_eq!(at(7680, 4320, 120, 1), 18); // 6.2
    }

    #[test]
    fn tiny_sizes_are_level_2_0_and_huge_ones_have_none() {
        assert_eq!(at(16, 16, 30, 1), 0);
        assert_eq!(at(64, 48, 25, 1), 0);
        assert_eq!(at(16, 16, 150, 1), 0);
        // 151 frame headers per second need a level of MaxHeaderRate 300.
        assert_eq!(at(16, 16, 151, 1), 8);
        assert_eq!(at(16, 16, 301, 1), MAX_PARAMETERS);
        assert_eq!(at(16_385, 16, 30, 1), MAX_PARAMETERS);
        assert_eq!(at(8192, 8192, 30, 1), MAX_PARAMETERS);
    }

    #[test]
    fn rates_and_sides_choose_the_level() {
        // 1280x720 at 60 fps: 55.3 M samples/s is above 3.1's 31.95 M.
        assert_eq!(at(1280, 720, 60, 1), 8);
        // NTSC rates as fractions: 29.97 fits where 30 does.
        assert_eq!(at(1920, 1080, 30_000, 1001), 8);
        // A tall picture: 1152 rows is 2.0's MaxVSize, 1153 is not.
        assert_eq!(at(64, 1152, 30, 1), 0);
        assert_eq!(at(64, 1153, 30, 1), 1);
        // Below one frame a second rav1e's check (size / fps) decides.
        assert_eq!(at(1280, 720, 1, 2), 5);
        assert_eq!(at(1280, 720, 1, 60), 8);
    }

    #[test]
    fn bitrate_mode_respects_main_tier() {
        let s = |kbps: u64, high_profile| Stream {
            size: (640, 360),
            fps: Rational::integer(30).unwrap(),
            bitrate: Some(kbps * 1000),
            high_profile,
        };
        assert_eq!(seq_level_idx(&s(3000, false)), 1);
        assert_eq!(seq_level_idx(&s(3001, false)), 4);
        assert_eq!(seq_level_idx(&s(6000, true)), 1); // 4:4:4: twice MainMbps
    }

    #[test]
    fn tile_limits() {
        let l = Level::get(5).unwrap();
        let fps = Rational::integer(30).unwrap();
        assert!(l.fits_tiles((4, 4), fps));
        assert!(!l.fits_tiles((8, 2), fps), "MaxTileCols 6");
        assert!(!l.fits_tiles((4, 8), fps), "MaxTiles 16");
        assert!(
            !l.fits_tiles((4, 4), Rational::integer(121).unwrap()),
            "tiles/s"
        );
        assert_eq!(Level::name(9), "4.1");
        assert_eq!(Level::name(31), "31");
        assert!(Level::get(2).is_none());
    }
}
