//! The AV1 sequence header of an IVF file's first temporal unit, for `framecast probe`: a
//! reader of the low-overhead OBU format (AV1 bitstream specification 5.2), `leb128()`, `f(n)`
//! and `uvlc()` fields, and `sequence_header_obu()` (5.5) up to the colour description.

use anyhow::{Context, bail};
use framecast_mux::inspect::Av1Config;

/// `color_primaries`, `transfer_characteristics`, `matrix_coefficients` (AV1 6.4.2, the code
/// points of ITU-T H.273).
type ColourDescription = (u8, u8, u8);

/// What the probe shows of an AV1 sequence header OBU (5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SequenceHeader {
    /// Profile, operating point 0's level and tier, bit depth and chroma format.
    config: Av1Config,
    still_picture: bool,
    /// `max_frame_width_minus_1 + 1` and `max_frame_height_minus_1 + 1`.
    max_size: (u32, u32),
    /// Present when `color_description_present_flag` is set.
    colour: Option<ColourDescription>,
    full_range: bool,
    film_grain: bool,
}

impl std::fmt::Display for SequenceHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (w, h) = self.max_size;
        write!(f, "{}, max {w}x{h}, ", self.config)?;
        match self.colour {
            Some((p, t, m)) => write!(f, "colour {p}/{t}/{m} (primaries/transfer/matrix)")?,
            None => f.write_str("no colour description,")?,
        }
        let range = if self.full_range { "full" } else { "limited" };
        write!(f, " {range} range")?;
        if self.still_picture {
            f.write_str(", still picture")?;
        }
        if self.film_grain {
            f.write_str(", film grain")?;
        }
        Ok(())
    }
}

/// `obu_type` of a sequence header (6.2.2, Table 5).
const OBU_SEQUENCE_HEADER: u8 = 1;

/// Finds the sequence header OBU of a temporal unit in the low-overhead bitstream format
/// (5.2, as IVF stores it) and parses it; `None` when the unit has none.
pub(super) fn first_sequence_header(unit: &[u8]) -> anyhow::Result<Option<SequenceHeader>> {
    let mut rest = unit;
    while let Some((&header, after)) = rest.split_first() {
        let at = unit.len() - rest.len();
        // obu_header (5.3.2): forbidden bit, obu_type(4), extension flag, has_size_field,
        // reserved bit; then the one-byte extension header when flagged.
        if header & 0x80 != 0 {
            bail!("the OBU at byte {at} has obu_forbidden_bit set (header byte 0x{header:02x})");
        }
        let obu_type = (header >> 3) & 0x0f;
        let mut body = after;
        if header & 0x04 != 0 {
            body = body.get(1..).with_context(|| {
                format!(
                    "the temporal unit ends inside the extension header of the OBU at byte {at}"
                )
            })?;
        }
        let size = if header & 0x02 != 0 {
            let (size, len) = leb128(body)
                .with_context(|| format!("reading obu_size of the OBU at byte {at}"))?;
            body = body.get(len..).unwrap_or_default();
            size
        } else {
            // Without obu_size the OBU runs to the end of the unit (5.3.1: sz - 1 - extension).
            body.len()
        };
        let Some((payload, next)) = body.split_at_checked(size) else {
            bail!(
                "the OBU at byte {at} (obu_type {obu_type}) has obu_size {size}, but only {} bytes remain in the temporal unit",
                body.len()
            );
        };
        if obu_type == OBU_SEQUENCE_HEADER {
            return sequence_header(payload)
                .map(Some)
                .with_context(|| format!("parsing the sequence header OBU at byte {at}"));
        }
        rest = next;
    }
    Ok(None)
}

/// `leb128()` (4.10.5): the value and the number of bytes it took. At most 8 bytes, the last
/// without its continuation bit, and a value below 2^32 (conformance requirements of 4.10.5).
fn leb128(data: &[u8]) -> anyhow::Result<(usize, usize)> {
    let mut value = 0u64;
    for i in 0..8 {
        let Some(&byte) = data.get(i) else {
            bail!("the temporal unit ends inside it, after {i} bytes");
        };
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if value > u64::from(u32::MAX) {
                bail!("leb128 value {value} is above 2^32 - 1");
            }
            return Ok((usize::try_from(value)?, i + 1));
        }
    }
    bail!("leb128 value longer than 8 bytes")
}

/// A most-significant-bit-first reader of `f(n)` and `uvlc()` fields (4.10) over one OBU
/// payload; reading past its end is an error naming the field.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits { data, pos: 0 }
    }

    /// `f(n)`, `n` at most 32.
    fn f(&mut self, n: u32, what: &str) -> anyhow::Result<u32> {
        let mut value = 0u32;
        for _ in 0..n.min(32) {
            let Some(byte) = self.data.get(self.pos / 8) else {
                bail!(
                    "the sequence header ({} bytes) ends inside {what}",
                    self.data.len()
                );
            };
            value = (value << 1) | u32::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        Ok(value)
    }

    fn flag(&mut self, what: &str) -> anyhow::Result<bool> {
        Ok(self.f(1, what)? == 1)
    }

    /// An `f(n)` field of at most 8 bits.
    fn u8(&mut self, n: u32, what: &str) -> anyhow::Result<u8> {
        Ok(u8::try_from(self.f(n.min(8), what)?)?)
    }

    /// `uvlc()` (4.10.3): leading zeros, a one, then as many bits; 32 or more zeros mean
    /// 2^32 - 1.
    fn uvlc(&mut self, what: &str) -> anyhow::Result<u32> {
        let mut zeros = 0u32;
        while !self.flag(what)? {
            zeros += 1;
        }
        if zeros >= 32 {
            return Ok(u32::MAX);
        }
        let value = self.f(zeros, what)?;
        Ok(value + ((1u32 << zeros) - 1))
    }
}

/// `sequence_header_obu()` (5.5.1) up to `film_grain_params_present`, with `timing_info()`
/// (5.5.3), `decoder_model_info()` (5.5.4), `operating_parameters_info()` (5.5.5) and
/// `color_config()` (5.5.2). Operating point 0 is the one reported: the list is in order of
/// preference (6.4.1), and `choose_operating_point()` returns 0 unless told otherwise.
fn sequence_header(payload: &[u8]) -> anyhow::Result<SequenceHeader> {
    let mut b = Bits::new(payload);
    let seq_profile = b.u8(3, "seq_profile")?;
    if seq_profile > 2 {
        bail!("seq_profile {seq_profile} is reserved (0 Main, 1 High, 2 Professional)");
    }
    let still_picture = b.flag("still_picture")?;
    let reduced = b.flag("reduced_still_picture_header")?;
    let (level, tier);
    if reduced {
        level = b.u8(5, "seq_level_idx[0]")?;
        tier = 0;
    } else {
        let mut buffer_delay_bits = 0;
        let mut decoder_model_info = false;
        if b.flag("timing_info_present_flag")? {
            b.f(32, "num_units_in_display_tick")?;
            b.f(32, "time_scale")?;
            if b.flag("equal_picture_interval")? {
                b.uvlc("num_ticks_per_picture_minus_1")?;
            }
            decoder_model_info = b.flag("decoder_model_info_present_flag")?;
            if decoder_model_info {
                buffer_delay_bits = b.f(5, "buffer_delay_length_minus_1")? + 1;
                b.f(32, "num_units_in_decoding_tick")?;
                b.f(5, "buffer_removal_time_length_minus_1")?;
                b.f(5, "frame_presentation_time_length_minus_1")?;
            }
        }
        let initial_display_delay = b.flag("initial_display_delay_present_flag")?;
        let count = b.f(5, "operating_points_cnt_minus_1")? + 1;
        let mut first = None;
        for _ in 0..count {
            b.f(12, "operating_point_idc")?;
            let idx = b.u8(5, "seq_level_idx")?;
            // seq_tier is coded only for levels 4.0 (idx 8) and up.
            let t = if idx > 7 { b.u8(1, "seq_tier")? } else { 0 };
            first.get_or_insert((idx, t));
            if decoder_model_info && b.flag("decoder_model_present_for_this_op")? {
                b.f(buffer_delay_bits, "decoder_buffer_delay")?;
                b.f(buffer_delay_bits, "encoder_buffer_delay")?;
                b.flag("low_delay_mode_flag")?;
            }
            if initial_display_delay && b.flag("initial_display_delay_present_for_this_op")? {
                b.f(4, "initial_display_delay_minus_1")?;
            }
        }
        // The loop runs at least once: operating_points_cnt_minus_1 + 1 >= 1.
        (level, tier) = first.unwrap_or_default();
    }
    let width_bits = b.f(4, "frame_width_bits_minus_1")? + 1;
    let height_bits = b.f(4, "frame_height_bits_minus_1")? + 1;
    let max_width = b.f(width_bits, "max_frame_width_minus_1")? + 1;
    let max_height = b.f(height_bits, "max_frame_height_minus_1")? + 1;
    if !reduced && b.flag("frame_id_numbers_present_flag")? {
        b.f(4, "delta_frame_id_length_minus_2")?;
        b.f(3, "additional_frame_id_length_minus_1")?;
    }
    b.flag("use_128x128_superblock")?;
    b.flag("enable_filter_intra")?;
    b.flag("enable_intra_edge_filter")?;
    if !reduced {
        b.flag("enable_interintra_compound")?;
        b.flag("enable_masked_compound")?;
        b.flag("enable_warped_motion")?;
        b.flag("enable_dual_filter")?;
        let order_hint = b.flag("enable_order_hint")?;
        if order_hint {
            b.flag("enable_jnt_comp")?;
            b.flag("enable_ref_frame_mvs")?;
        }
        // seq_force_screen_content_tools is SELECT_SCREEN_CONTENT_TOOLS (2) when chosen per
        // frame, else coded; only a non-zero value brings the integer MV fields.
        let screen_content = if b.flag("seq_choose_screen_content_tools")? {
            2
        } else {
            b.f(1, "seq_force_screen_content_tools")?
        };
        if screen_content > 0 && !b.flag("seq_choose_integer_mv")? {
            b.flag("seq_force_integer_mv")?;
        }
        if order_hint {
            b.f(3, "order_hint_bits_minus_1")?;
        }
    }
    b.flag("enable_superres")?;
    b.flag("enable_cdef")?;
    b.flag("enable_restoration")?;
    let mut config = Av1Config::default();
    config.seq_profile = seq_profile;
    config.seq_level_idx_0 = level;
    config.seq_tier_0 = tier;
    let (colour, full_range) = color_config(&mut b, &mut config)?;
    let film_grain = b.flag("film_grain_params_present")?;
    Ok(SequenceHeader {
        config,
        still_picture,
        max_size: (max_width, max_height),
        colour,
        full_range,
        film_grain,
    })
}

/// `color_config()` (5.5.2): fills the bit depth and chroma format of `config` and returns the
/// colour description and `color_range`.
fn color_config(
    b: &mut Bits<'_>,
    config: &mut Av1Config,
) -> anyhow::Result<(Option<ColourDescription>, bool)> {
    let profile = config.seq_profile;
    let high_bitdepth = b.flag("high_bitdepth")?;
    // twelve_bit is coded only in the Professional profile with high_bitdepth.
    config.bit_depth = if !high_bitdepth {
        8
    } else if profile == 2 && b.flag("twelve_bit")? {
        12
    } else {
        10
    };
    config.monochrome = profile != 1 && b.flag("mono_chrome")?;
    let colour = if b.flag("color_description_present_flag")? {
        Some((
            b.u8(8, "color_primaries")?,
            b.u8(8, "transfer_characteristics")?,
            b.u8(8, "matrix_coefficients")?,
        ))
    } else {
        None
    };
    let (full_range, sx, sy);
    if config.monochrome {
        full_range = b.flag("color_range")?;
        (sx, sy) = (true, true);
    } else if colour == Some((1, 13, 0)) {
        // BT.709 primaries, sRGB transfer and the identity matrix: full-range 4:4:4, nothing
        // more coded.
        full_range = true;
        (sx, sy) = (false, false);
    } else {
        full_range = b.flag("color_range")?;
        (sx, sy) = match profile {
            0 => (true, true),
            1 => (false, false),
            _ if config.bit_depth == 12 => {
                let x = b.flag("subsampling_x")?;
                (x, x && b.flag("subsampling_y")?)
            }
            _ => (true, false),
        };
        if sx && sy {
            b.f(2, "chroma_sample_position")?;
        }
    }
    if !config.monochrome {
        b.flag("separate_uv_delta_q")?;
    }
    config.chroma_subsampling_x = sx;
    config.chroma_subsampling_y = sy;
    Ok((colour, full_range))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `f(n)` fields most significant bit first; `finish` pads with zero bits.
    #[derive(Default)]
    struct Writer {
        bytes: Vec<u8>,
        bits: usize,
    }

    impl Writer {
        fn f(&mut self, n: u32, value: u32) -> &mut Self {
            for i in (0..n).rev() {
                if self.bits.is_multiple_of(8) {
                    self.bytes.push(0);
                }
                let bit = u8::from((value >> i) & 1 == 1);
                let last = self.bytes.len() - 1;
                self.bytes[last] |= bit << (7 - self.bits % 8);
                self.bits += 1;
            }
            self
        }

        fn finish(&self) -> Vec<u8> {
            self.bytes.clone()
        }
    }

    /// The fields after the operating points, for a `width` x `height` maximum (16 bits each),
    /// with order hints and screen content tools chosen per frame, up to color_config.
    fn tools(w: &mut Writer, width: u32, height: u32) {
        w.f(4, 15).f(4, 15).f(16, width - 1).f(16, height - 1);
        w.f(1, 0); // frame_id_numbers_present_flag
        w.f(3, 0b011); // 128x128 superblock, filter intra, intra edge
        w.f(4, 0b0000); // interintra, masked, warped, dual filter
        w.f(1, 1).f(2, 0b11); // enable_order_hint, jnt_comp, ref_frame_mvs
        w.f(1, 1); // seq_choose_screen_content_tools: force = 2, so integer MV fields follow
        w.f(1, 1); // seq_choose_integer_mv
        w.f(3, 6); // order_hint_bits_minus_1
        w.f(3, 0b011); // superres, cdef, restoration
    }

    /// A plain header: profile 0, one operating point at `level` (with its tier bit when above
    /// 7), no timing info.
    fn plain(profile: u32, level: u32, tier: u32) -> Writer {
        let mut w = Writer::default();
        w.f(3, profile).f(1, 0).f(1, 0); // still_picture, reduced_still_picture_header
        w.f(1, 0); // timing_info_present_flag
        w.f(1, 0); // initial_display_delay_present_flag
        w.f(5, 0); // operating_points_cnt_minus_1
        w.f(12, 0).f(5, level);
        if level > 7 {
            w.f(1, tier);
        }
        tools(&mut w, 1280, 720);
        w
    }

    #[test]
    fn a_plain_4_2_0_header_with_a_colour_description() {
        let mut w = plain(0, 8, 1);
        w.f(1, 0).f(1, 0); // high_bitdepth, mono_chrome
        w.f(1, 1).f(8, 1).f(8, 1).f(8, 1); // colour description BT.709
        w.f(1, 0).f(2, 0).f(1, 0); // color_range, chroma_sample_position, separate_uv_delta_q
        w.f(1, 0); // film_grain_params_present
        let s = sequence_header(&w.finish()).unwrap();
        assert_eq!(
            s.to_string(),
            "Main profile, level 4.0 (seq_level_idx 8), High tier, 8-bit 4:2:0, max 1280x720, \
             colour 1/1/1 (primaries/transfer/matrix) limited range"
        );
    }

    /// Timing info with `uvlc`, a decoder model, an initial display delay and two operating
    /// points: operating point 0 is reported, its tier absent below level 4.0.
    fn with_timing() -> Vec<u8> {
        let mut w = Writer::default();
        w.f(3, 0).f(1, 0).f(1, 0);
        w.f(1, 1); // timing_info_present_flag
        w.f(32, 1001).f(32, 60000); // num_units_in_display_tick, time_scale
        w.f(1, 1).f(5, 0b00101); // equal_picture_interval, uvlc 4 (two zeros, 1, then 01)
        w.f(1, 1); // decoder_model_info_present_flag
        w.f(5, 9).f(32, 90000).f(5, 20).f(5, 10); // buffer delay fields of 10 bits
        w.f(1, 1); // initial_display_delay_present_flag
        w.f(5, 1); // two operating points
        // Operating point 0: level 3.1, no tier bit; decoder model with 10-bit delays; a
        // display delay.
        w.f(12, 0x103)
            .f(5, 5)
            .f(1, 1)
            .f(10, 500)
            .f(10, 300)
            .f(1, 0)
            .f(1, 1)
            .f(4, 9);
        // Operating point 1: level 4.1, High tier; no decoder model, no display delay.
        w.f(12, 0x101).f(5, 9).f(1, 1).f(1, 0).f(1, 0);
        tools(&mut w, 1920, 1080);
        w.f(1, 1).f(1, 0); // high_bitdepth, mono_chrome
        w.f(1, 0); // no colour description
        w.f(1, 1).f(2, 1).f(1, 1); // full range, chroma_sample_position, separate_uv_delta_q
        w.f(1, 1); // film_grain_params_present
        w.finish()
    }

    #[test]
    fn timing_decoder_model_and_operating_points_are_skipped_exactly() {
        let s = sequence_header(&with_timing()).unwrap();
        assert_eq!(
            s.to_string(),
            "Main profile, level 3.1 (seq_level_idx 5), Main tier, 10-bit 4:2:0, max 1920x1080, \
             no colour description, full range, film grain"
        );
    }

    #[test]
    fn a_reduced_still_picture_header_in_the_high_profile() {
        let mut w = Writer::default();
        w.f(3, 1).f(1, 1).f(1, 1).f(5, 31); // High, still, reduced, seq_level_idx 31
        w.f(4, 7).f(4, 6).f(8, 199).f(7, 99); // 200x100
        w.f(3, 0); // superblock, filter intra, intra edge
        w.f(3, 0); // superres, cdef, restoration
        // High profile: no mono_chrome bit, 4:4:4 without subsampling bits.
        w.f(1, 0)
            .f(1, 1)
            .f(8, 9)
            .f(8, 16)
            .f(8, 9)
            .f(1, 0)
            .f(1, 0)
            .f(1, 0);
        let s = sequence_header(&w.finish()).unwrap();
        assert_eq!(
            s.to_string(),
            "High profile, no level constraint (seq_level_idx 31), Main tier, 8-bit 4:4:4, \
             max 200x100, colour 9/16/9 (primaries/transfer/matrix) limited range, still picture"
        );
    }

    #[test]
    fn professional_profile_depths_and_subsampling() {
        // 12-bit: subsampling_x 1, subsampling_y 0 (4:2:2), no sample position.
        let mut w = plain(2, 0, 0);
        w.f(1, 1).f(1, 1).f(1, 0); // high_bitdepth, twelve_bit, mono_chrome
        w.f(1, 0).f(1, 0).f(1, 1).f(1, 0).f(1, 0).f(1, 0);
        let s = sequence_header(&w.finish()).unwrap();
        assert!(s.to_string().contains(", 12-bit 4:2:2, max"), "{s}");
        // 10-bit Professional is always 4:2:2.
        let mut w = plain(2, 0, 0);
        w.f(1, 1).f(1, 0).f(1, 0).f(1, 0).f(1, 0).f(1, 0);
        let s = sequence_header(&w.finish()).unwrap();
        assert!(s.to_string().contains(", 10-bit 4:2:2, max"), "{s}");
        // Monochrome: colour_range, then nothing (no separate_uv_delta_q).
        let mut w = plain(0, 0, 0);
        w.f(1, 0).f(1, 1).f(1, 0).f(1, 1).f(1, 0);
        let s = sequence_header(&w.finish()).unwrap();
        assert!(
            s.to_string()
                .ends_with(", 8-bit monochrome, max 1280x720, no colour description, full range"),
            "{s}"
        );
        // BT.709 / sRGB / identity: 4:4:4 full range, no colour_range bit.
        let mut w = plain(1, 0, 0);
        w.f(1, 0).f(1, 1).f(8, 1).f(8, 13).f(8, 0).f(1, 0).f(1, 0);
        let s = sequence_header(&w.finish()).unwrap();
        assert!(
            s.to_string().ends_with(
                ", 8-bit 4:4:4, max 1280x720, colour 1/13/0 (primaries/transfer/matrix) full range"
            ),
            "{s}"
        );
    }

    #[test]
    fn every_truncation_is_an_error_naming_the_field() {
        let full = with_timing();
        for len in 0..full.len() {
            let err = sequence_header(&full[..len]).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("the sequence header ({len} bytes) ends inside ")),
                "{len}: {err}"
            );
        }
        let err = sequence_header(&full[..3]).unwrap_err().to_string();
        assert_eq!(
            err,
            "the sequence header (3 bytes) ends inside num_units_in_display_tick"
        );
    }

    #[test]
    fn a_reserved_profile_is_refused() {
        let err = sequence_header(&[0b1110_0000, 0]).unwrap_err().to_string();
        assert_eq!(
            err,
            "seq_profile 7 is reserved (0 Main, 1 High, 2 Professional)"
        );
    }

    /// An OBU header byte: type, extension flag, has_size_field.
    fn obu(kind: u8, extension: bool, sized: bool) -> u8 {
        kind << 3 | u8::from(extension) << 2 | u8::from(sized) << 1
    }

    #[test]
    fn the_sequence_header_is_found_after_a_temporal_delimiter_and_other_obus() {
        let seq = with_timing();
        let len = u8::try_from(seq.len()).unwrap();
        // Temporal delimiter, a padding OBU with an extension header and a two-byte leb128
        // size, then the sequence header, then a frame OBU.
        let mut unit = vec![obu(2, false, true), 0];
        unit.extend_from_slice(&[obu(15, true, true), 0b0010_1000, 0x83, 0x00, 1, 2, 3]);
        unit.extend_from_slice(&[obu(1, false, true), len]);
        unit.extend_from_slice(&seq);
        unit.extend_from_slice(&[obu(6, false, true), 1, 0xff]);
        let s = first_sequence_header(&unit).unwrap().unwrap();
        assert_eq!(s, sequence_header(&seq).unwrap());
        // The last OBU may omit its size and run to the end of the unit.
        let mut unit = vec![obu(2, false, true), 0, obu(1, false, false)];
        unit.extend_from_slice(&seq);
        assert_eq!(first_sequence_header(&unit).unwrap(), Some(s));
        // No sequence header.
        assert_eq!(
            first_sequence_header(&[obu(2, false, true), 0, obu(6, false, true), 0]).unwrap(),
            None
        );
        assert_eq!(first_sequence_header(&[]).unwrap(), None);
    }

    #[test]
    fn malformed_obus_are_errors() {
        let chain = |unit: &[u8]| format!("{:#}", first_sequence_header(unit).unwrap_err());
        assert_eq!(
            chain(&[obu(2, false, true), 0, 0x80 | obu(1, false, true), 0]),
            "the OBU at byte 2 has obu_forbidden_bit set (header byte 0x8a)"
        );
        assert_eq!(
            chain(&[obu(2, false, true), 0, obu(1, false, true), 9, 1, 2]),
            "the OBU at byte 2 (obu_type 1) has obu_size 9, but only 2 bytes remain in the \
             temporal unit"
        );
        assert_eq!(
            chain(&[obu(2, false, true), 0x80]),
            "reading obu_size of the OBU at byte 0: the temporal unit ends inside it, after 1 \
             bytes"
        );
        assert_eq!(
            chain(&[
                obu(2, false, true),
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0
            ]),
            "reading obu_size of the OBU at byte 0: leb128 value longer than 8 bytes"
        );
        assert_eq!(
            chain(&[obu(2, false, true), 0x80, 0x80, 0x80, 0x80, 0x10]),
            "reading obu_size of the OBU at byte 0: leb128 value 4294967296 is above 2^32 - 1"
        );
        assert_eq!(
            chain(&[obu(1, true, true)]),
            "the temporal unit ends inside the extension header of the OBU at byte 0"
        );
        assert_eq!(
            chain(&[obu(1, false, true), 2, 0b1110_0000, 0]),
            "parsing the sequence header OBU at byte 0: seq_profile 7 is reserved (0 Main, 1 \
             High, 2 Professional)"
        );
        // Random units: an answer or an error, never a panic.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let mut unit: Vec<u8> = (0..len).map(|i| (x >> (i % 8 * 8)) as u8).collect();
            if let Some(first) = unit.first_mut() {
                *first = obu(1, x & 1 == 1, x & 2 == 2);
            }
            let _ = first_sequence_header(&unit);
        }
    }
}
