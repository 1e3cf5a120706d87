//! OBU plumbing (AV1 5.3): splitting temporal units, the sequence header OBU (5.5) that rav1e
//! writes, and the `av1C` record (AV1-ISOBMFF 2.3).

use crate::{Error, Result};

/// `obu_type` of a sequence header OBU (AV1 6.2.2, Table 6.2.2).
pub const OBU_SEQUENCE_HEADER: u8 = 1;
/// `obu_type` of a temporal delimiter OBU.
pub const OBU_TEMPORAL_DELIMITER: u8 = 2;
/// `obu_type` of a padding OBU.
pub const OBU_PADDING: u8 = 15;

/// A temporal delimiter OBU with `obu_has_size_field` = 1 and size 0 (AV1 5.6): what IVF and
/// the Low Overhead Bitstream Format put before each temporal unit, and what MP4 samples leave
/// out (AV1-ISOBMFF 2.4).
pub const TEMPORAL_DELIMITER: [u8; 2] = [0x12, 0x00];

/// One OBU inside a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Obu<'a> {
    /// `obu_type`.
    pub kind: u8,
    /// The whole OBU: header, size field and payload.
    pub bytes: &'a [u8],
    /// The payload alone.
    pub payload: &'a [u8],
}

/// Reads a LEB128 value (AV1 4.10.5): `(value, bytes read)`.
fn leb128(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in data.iter().take(8).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Writes `value` as the shortest LEB128.
pub(crate) fn write_leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Splits a buffer of Low Overhead Bitstream Format OBUs (AV1 5.2). Every OBU must carry its
/// size field, as rav1e writes them.
pub fn split_obus(data: &[u8]) -> Result<Vec<Obu<'_>>> {
    let bad = |reason| Error::UnexpectedOutput { reason };
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let header = data[pos];
        if header & 0x80 != 0 {
            return Err(bad("an OBU with obu_forbidden_bit set"));
        }
        if header & 0x02 == 0 {
            return Err(bad("an OBU without obu_has_size_field"));
        }
        let ext = usize::from(header & 0x04 != 0);
        let size_at = pos + 1 + ext;
        let (size, len) = data
            .get(size_at..)
            .and_then(leb128)
            .ok_or(bad("a truncated OBU header"))?;
        let start = size_at + len;
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
            .filter(|&e| e <= data.len())
            .ok_or(bad("an OBU longer than its packet"))?;
        out.push(Obu {
            kind: (header >> 3) & 0x0f,
            bytes: &data[pos..end],
            payload: &data[start..end],
        });
        pos = end;
    }
    Ok(out)
}

/// MSB-first bit writer.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u8,
    used: u8,
}

impl Bits {
    fn put(&mut self, bits: u32, value: u32) {
        for i in (0..bits).rev() {
            self.bit((value >> i) & 1 == 1);
        }
    }

    fn bit(&mut self, on: bool) {
        self.acc = (self.acc << 1) | u8::from(on);
        self.used += 1;
        if self.used == 8 {
            self.out.push(self.acc);
            self.acc = 0;
            self.used = 0;
        }
    }

    /// `trailing_bits` (AV1 5.3.4): a one, then zeros to the byte boundary.
    fn trailing(mut self) -> Vec<u8> {
        self.bit(true);
        while self.used != 0 {
            self.bit(false);
        }
        self.out
    }
}

/// What the sequence header says, in the terms framecast configures rav1e with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SequenceParams {
    /// Coded width and height (`max_frame_width_minus_1 + 1`, ...); at least 16 for rav1e.
    pub size: (u32, u32),
    /// 4:4:4 (profile 1, High) instead of 4:2:0 (profile 0, Main).
    pub yuv444: bool,
    /// `enable_cdef` as rav1e decides it: its speed preset's `cdef`, only at 32x32 and up.
    pub cdef: bool,
    /// `enable_restoration`: the preset's `lrf`, only at 32x32 and up.
    pub restoration: bool,
    /// H.273 primaries, transfer and matrix.
    pub color: (u8, u8, u8),
    /// `color_range`.
    pub full_range: bool,
    /// `seq_level_idx[0]`: the level framecast computed and gave rav1e as
    /// `EncoderConfig::level_idx` ([`crate::level`]).
    pub level: u8,
}

/// The number of bits rav1e uses for `max_frame_width_minus_1` (its `write_max_frame_size`:
/// the bit length of `side - 1`, at least 1).
fn side_bits(side: u32) -> u32 {
    (32 - (side - 1).leading_zeros()).max(1)
}

/// The sequence header OBU rav1e 0.8 writes at every keyframe for a framecast configuration
/// (AV1 5.5; rav1e's `write_sequence_header_obu`): not a still picture, no timing info, one
/// operating point at the computed level with tier 0, 64x64 superblocks, order hints with 6
/// bits, intra edge filter on, CDEF and loop restoration as the speed preset says, 8-bit
/// colour with the description always present, no film grain.
///
/// The encoder compares it with the one in the first keyframe packet and fails with
/// [`Error::SequenceHeaderChanged`] if rav1e ever writes another one, so a newer rav1e that
/// changed its header cannot produce files whose av1C lies.
pub(crate) fn sequence_header_obu(p: &SequenceParams) -> Vec<u8> {
    let mut b = Bits::default();
    let profile = u32::from(p.yuv444);
    b.put(3, profile); // seq_profile
    b.bit(false); // still_picture
    b.bit(false); // reduced_still_picture_header
    b.bit(false); // timing_info_present_flag
    b.bit(false); // initial_display_delay_present_flag
    b.put(5, 0); // operating_points_cnt_minus_1
    b.put(12, 0); // operating_point_idc[0]
    b.put(5, u32::from(p.level)); // seq_level_idx[0]
    if p.level > 7 {
        b.bit(false); // seq_tier[0]: Main (only present above level 3.3)
    }
    let (wb, hb) = (side_bits(p.size.0), side_bits(p.size.1));
    b.put(4, wb - 1); // frame_width_bits_minus_1
    b.put(4, hb - 1); // frame_height_bits_minus_1
    b.put(wb, p.size.0 - 1); // max_frame_width_minus_1
    b.put(hb, p.size.1 - 1); // max_frame_height_minus_1
    b.bit(false); // frame_id_numbers_present_flag
    b.bit(false); // use_128x128_superblock
    b.bit(false); // enable_filter_intra
    b.bit(true); // enable_intra_edge_filter
    b.bit(false); // enable_interintra_compound
    b.bit(false); // enable_masked_compound
    b.bit(false); // enable_warped_motion
    b.bit(false); // enable_dual_filter
    b.bit(true); // enable_order_hint
    b.bit(false); // enable_jnt_comp
    b.bit(false); // enable_ref_frame_mvs
    b.bit(false); // seq_choose_screen_content_tools
    b.bit(false); // seq_force_screen_content_tools (0: no seq_force_integer_mv follows)
    b.put(3, 5); // order_hint_bits_minus_1
    b.bit(false); // enable_superres
    b.bit(p.cdef); // enable_cdef
    b.bit(p.restoration); // enable_restoration
    // color_config (5.5.2)
    b.bit(false); // high_bitdepth
    if profile == 0 {
        b.bit(false); // mono_chrome
    }
    b.bit(true); // color_description_present_flag
    b.put(8, u32::from(p.color.0)); // color_primaries
    b.put(8, u32::from(p.color.1)); // transfer_characteristics
    b.put(8, u32::from(p.color.2)); // matrix_coefficients
    // The sRGB triple (BT.709, sRGB, identity) has no color_range bit; framecast's matrices
    // are never identity.
    b.bit(p.full_range); // color_range
    if profile == 0 {
        b.put(2, 0); // chroma_sample_position: CSP_UNKNOWN (rav1e's default)
    }
    b.bit(true); // separate_uv_delta_q
    b.bit(false); // film_grain_params_present
    let payload = b.trailing();
    let mut obu = vec![(OBU_SEQUENCE_HEADER << 3) | 0x02]; // obu_has_size_field
    write_leb128(&mut obu, payload.len() as u64);
    obu.extend_from_slice(&payload);
    obu
}

/// The `AV1CodecConfigurationRecord` (AV1-ISOBMFF 2.3.3) for a sequence header made by
/// [`sequence_header_obu`]: four bytes mirroring its fields, then the OBU as `configOBUs`.
pub(crate) fn av1c_record(p: &SequenceParams, sequence_header: &[u8]) -> Vec<u8> {
    let mut r = vec![
        0x81,                                // marker 1, version 1
        (u8::from(p.yuv444) << 5) | p.level, // seq_profile (3), seq_level_idx_0 (5)
        // seq_tier_0 0, high_bitdepth 0, twelve_bit 0, monochrome 0, chroma_subsampling_x,
        // chroma_subsampling_y (both 1 for 4:2:0, 0 for 4:4:4), chroma_sample_position 0
        if p.yuv444 { 0 } else { 0b0000_1100 },
        0, // reserved 3, initial_presentation_delay_present 0, reserved 4
    ];
    r.extend_from_slice(sequence_header);
    r
}

/// Removes temporal delimiter and padding OBUs from a temporal unit (AV1-ISOBMFF 2.4: they
/// SHOULD NOT be in samples) and returns whether it carried a sequence header OBU, and that OBU.
pub(crate) fn to_sample(data: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
    let obus = split_obus(data)?;
    let mut out = Vec::with_capacity(data.len());
    let mut seq = None;
    for obu in obus {
        match obu.kind {
            OBU_TEMPORAL_DELIMITER | OBU_PADDING => {}
            kind => {
                if kind == OBU_SEQUENCE_HEADER && seq.is_none() {
                    seq = Some(obu.bytes.to_vec());
                }
                out.extend_from_slice(obu.bytes);
            }
        }
    }
    Ok((out, seq))
}

/// A temporal unit in the Low Overhead Bitstream Format, as IVF and raw `.obu` files carry it:
/// a temporal delimiter OBU followed by the sample's OBUs (AV1 7.5).
pub fn with_temporal_delimiter(sample: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(sample.len() + 2);
    out.extend_from_slice(&TEMPORAL_DELIMITER);
    out.extend_from_slice(sample);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips() {
        for v in [0u64, 1, 127, 128, 300, 16_383, 16_384, 1 << 40] {
            let mut out = Vec::new();
            write_leb128(&mut out, v);
            assert_eq!(leb128(&out), Some((v, out.len())));
        }
        assert_eq!(leb128(&[0x80, 0x80]), None);
    }

    #[test]
    fn split_finds_obus_and_refuses_overruns() {
        let data = [0x12, 0x00, 0x0a, 0x02, 0xaa, 0xbb, 0x32, 0x01, 0xcc];
        let obus = split_obus(&data).unwrap();
        let kinds: Vec<u8> = obus.iter().map(|o| o.kind).collect();
        assert_eq!(kinds, [2, 1, 6]);
        assert_eq!(obus[1].payload, [0xaa, 0xbb]);
        assert!(split_obus(&[0x0a, 0x05, 0x00]).is_err());
        assert!(split_obus(&[0x08, 0x00]).is_err(), "no size field");
        let (sample, seq) = to_sample(&data).unwrap();
        assert_eq!(sample, data[2..]);
        assert_eq!(seq.as_deref(), Some(&data[2..6]));
    }

    #[test]
    fn side_bits_match_rav1e() {
        assert_eq!(side_bits(16), 4);
        assert_eq!(side_bits(17), 5);
        assert_eq!(side_bits(32), 5);
        assert_eq!(side_bits(1921), 11);
    }
}
