//! A sequence parameter set parser and writer (H.264 7.3.2.1.1 and Annex E.1.1 VUI).
//!
//! openh264 codes pictures of at least 16x16 in whole macroblocks; framecast shows other sizes
//! by rewriting the SPS frame cropping fields, and it writes the VUI colour description from the
//! [`ColorSpec`](framecast_core::ColorSpec) itself so that every H.273 code point can be
//! signalled. Parsing keeps every field, so writing an unchanged SPS gives back the same bytes.

use crate::Error;
use crate::bits::{BitReader, BitWriter, nal_to_rbsp, rbsp_to_nal};

/// `hrd_parameters()` (E.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hrd {
    /// `bit_rate_scale` (4 bits).
    pub bit_rate_scale: u8,
    /// `cpb_size_scale` (4 bits).
    pub cpb_size_scale: u8,
    /// Per CPB: `(bit_rate_value_minus1, cpb_size_value_minus1, cbr_flag)`.
    pub cpbs: Vec<(u32, u32, bool)>,
    /// `initial_cpb_removal_delay_length_minus1` (5 bits).
    pub initial_cpb_removal_delay_length_minus1: u8,
    /// `cpb_removal_delay_length_minus1` (5 bits).
    pub cpb_removal_delay_length_minus1: u8,
    /// `dpb_output_delay_length_minus1` (5 bits).
    pub dpb_output_delay_length_minus1: u8,
    /// `time_offset_length` (5 bits).
    pub time_offset_length: u8,
}

/// `vui_parameters()` (E.1.1). Optional groups are `Option`s: `None` means the group's
/// `*_present_flag` is 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vui {
    /// `aspect_ratio_idc`, and `(sar_width, sar_height)` when it is 255 (Extended_SAR).
    pub aspect_ratio: Option<(u8, Option<(u16, u16)>)>,
    /// `overscan_appropriate_flag`.
    pub overscan_appropriate: Option<bool>,
    /// `video_signal_type_present_flag` group.
    pub video_signal_type: Option<VideoSignalType>,
    /// `(chroma_sample_loc_type_top_field, chroma_sample_loc_type_bottom_field)`.
    pub chroma_loc: Option<(u32, u32)>,
    /// `(num_units_in_tick, time_scale, fixed_frame_rate_flag)`.
    pub timing: Option<(u32, u32, bool)>,
    /// NAL HRD parameters.
    pub nal_hrd: Option<Hrd>,
    /// VCL HRD parameters.
    pub vcl_hrd: Option<Hrd>,
    /// `low_delay_hrd_flag`, present when either HRD is.
    pub low_delay_hrd: bool,
    /// `pic_struct_present_flag`.
    pub pic_struct_present: bool,
    /// The `bitstream_restriction_flag` group.
    pub bitstream_restriction: Option<BitstreamRestriction>,
}

/// The video signal type of the VUI: range and colour description (E.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoSignalType {
    /// `video_format` (3 bits; 5 = unspecified).
    pub video_format: u8,
    /// `video_full_range_flag`.
    pub full_range: bool,
    /// `(colour_primaries, transfer_characteristics, matrix_coefficients)` (H.273 code points).
    pub colour: Option<(u8, u8, u8)>,
}

/// `bitstream_restriction_flag` fields of the VUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitstreamRestriction {
    /// `motion_vectors_over_pic_boundaries_flag`.
    pub motion_vectors_over_pic_boundaries: bool,
    /// `max_bytes_per_pic_denom`.
    pub max_bytes_per_pic_denom: u32,
    /// `max_bits_per_mb_denom`.
    pub max_bits_per_mb_denom: u32,
    /// `log2_max_mv_length_horizontal`.
    pub log2_max_mv_length_horizontal: u32,
    /// `log2_max_mv_length_vertical`.
    pub log2_max_mv_length_vertical: u32,
    /// `max_num_reorder_frames`.
    pub max_num_reorder_frames: u32,
    /// `max_dec_frame_buffering`.
    pub max_dec_frame_buffering: u32,
}

/// `pic_order_cnt_type` and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PicOrderCnt {
    /// Type 0: `log2_max_pic_order_cnt_lsb_minus4`.
    Type0(u32),
    /// Type 1: `delta_pic_order_always_zero_flag`, `offset_for_non_ref_pic`,
    /// `offset_for_top_to_bottom_field`, `offset_for_ref_frame[]`.
    Type1(bool, i32, i32, Vec<i32>),
    /// Type 2: no fields.
    Type2,
}

/// A parsed sequence parameter set (7.3.2.1.1) with the NAL header byte it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sps {
    /// The NAL unit header byte (`forbidden_zero_bit`, `nal_ref_idc`, `nal_unit_type` = 7).
    pub nal_header: u8,
    /// `profile_idc`.
    pub profile_idc: u8,
    /// `constraint_set0_flag` .. `constraint_set5_flag` and `reserved_zero_2bits`, as one byte.
    pub constraint_flags: u8,
    /// `level_idc` (10 x level number; 9 for level 1b in some profiles).
    pub level_idc: u8,
    /// `seq_parameter_set_id`.
    pub sps_id: u32,
    /// For the High profiles: `(chroma_format_idc, separate_colour_plane_flag,
    /// bit_depth_luma_minus8, bit_depth_chroma_minus8, qpprime_y_zero_transform_bypass_flag)`.
    /// Scaling matrices are not supported (openh264 writes none).
    pub high: Option<(u32, bool, u32, u32, bool)>,
    /// `log2_max_frame_num_minus4`.
    pub log2_max_frame_num_minus4: u32,
    /// Picture order count fields.
    pub pic_order_cnt: PicOrderCnt,
    /// `max_num_ref_frames`.
    pub max_num_ref_frames: u32,
    /// `gaps_in_frame_num_value_allowed_flag`.
    pub gaps_in_frame_num_allowed: bool,
    /// `pic_width_in_mbs_minus1`.
    pub pic_width_in_mbs_minus1: u32,
    /// `pic_height_in_map_units_minus1`.
    pub pic_height_in_map_units_minus1: u32,
    /// `frame_mbs_only_flag`.
    pub frame_mbs_only: bool,
    /// `mb_adaptive_frame_field_flag` (coded only when `frame_mbs_only_flag` is 0).
    pub mb_adaptive_frame_field: bool,
    /// `direct_8x8_inference_flag`.
    pub direct_8x8_inference: bool,
    /// `frame_crop_{left,right,top,bottom}_offset` when `frame_cropping_flag` is 1.
    pub crop: Option<[u32; 4]>,
    /// VUI parameters when `vui_parameters_present_flag` is 1.
    pub vui: Option<Vui>,
}

/// Profiles whose SPS carries the chroma format and bit depth fields (7.3.2.1.1).
fn has_high_fields(profile_idc: u8) -> bool {
    matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    )
}

fn parse_hrd(r: &mut BitReader<'_>) -> Result<Hrd, Error> {
    let cpb_cnt = r.ue()?;
    // E.2.2: cpb_cnt_minus1 is 0..=31.
    if cpb_cnt > 31 {
        return Err(Error::MalformedSps {
            reason: "cpb_cnt_minus1 is above 31",
        });
    }
    let bit_rate_scale = r.bits(4)? as u8;
    let cpb_size_scale = r.bits(4)? as u8;
    let mut cpbs = Vec::new();
    for _ in 0..=cpb_cnt {
        cpbs.push((r.ue()?, r.ue()?, r.bit()?));
    }
    Ok(Hrd {
        bit_rate_scale,
        cpb_size_scale,
        cpbs,
        initial_cpb_removal_delay_length_minus1: r.bits(5)? as u8,
        cpb_removal_delay_length_minus1: r.bits(5)? as u8,
        dpb_output_delay_length_minus1: r.bits(5)? as u8,
        time_offset_length: r.bits(5)? as u8,
    })
}

fn write_hrd(w: &mut BitWriter, h: &Hrd) {
    w.ue(h.cpbs.len().saturating_sub(1) as u32);
    w.bits(4, u32::from(h.bit_rate_scale));
    w.bits(4, u32::from(h.cpb_size_scale));
    for &(rate, size, cbr) in &h.cpbs {
        w.ue(rate);
        w.ue(size);
        w.bit(cbr);
    }
    w.bits(5, u32::from(h.initial_cpb_removal_delay_length_minus1));
    w.bits(5, u32::from(h.cpb_removal_delay_length_minus1));
    w.bits(5, u32::from(h.dpb_output_delay_length_minus1));
    w.bits(5, u32::from(h.time_offset_length));
}

fn parse_vui(r: &mut BitReader<'_>) -> Result<Vui, Error> {
    let mut v = Vui::default();
    if r.bit()? {
        let idc = r.byte()?;
        // E.2.1: aspect_ratio_idc 255 is Extended_SAR, followed by explicit sizes.
        let sar = if idc == 255 {
            Some((r.bits(16)? as u16, r.bits(16)? as u16))
        } else {
            None
        };
        v.aspect_ratio = Some((idc, sar));
    }
    if r.bit()? {
        v.overscan_appropriate = Some(r.bit()?);
    }
    if r.bit()? {
        let video_format = r.bits(3)? as u8;
        let full_range = r.bit()?;
        let colour = if r.bit()? {
            Some((r.byte()?, r.byte()?, r.byte()?))
        } else {
            None
        };
        v.video_signal_type = Some(VideoSignalType {
            video_format,
            full_range,
            colour,
        });
    }
    if r.bit()? {
        v.chroma_loc = Some((r.ue()?, r.ue()?));
    }
    if r.bit()? {
        v.timing = Some((r.bits(32)?, r.bits(32)?, r.bit()?));
    }
    if r.bit()? {
        v.nal_hrd = Some(parse_hrd(r)?);
    }
    if r.bit()? {
        v.vcl_hrd = Some(parse_hrd(r)?);
    }
    if v.nal_hrd.is_some() || v.vcl_hrd.is_some() {
        v.low_delay_hrd = r.bit()?;
    }
    v.pic_struct_present = r.bit()?;
    if r.bit()? {
        v.bitstream_restriction = Some(BitstreamRestriction {
            motion_vectors_over_pic_boundaries: r.bit()?,
            max_bytes_per_pic_denom: r.ue()?,
            max_bits_per_mb_denom: r.ue()?,
            log2_max_mv_length_horizontal: r.ue()?,
            log2_max_mv_length_vertical: r.ue()?,
            max_num_reorder_frames: r.ue()?,
            max_dec_frame_buffering: r.ue()?,
        });
    }
    Ok(v)
}

fn write_vui(w: &mut BitWriter, v: &Vui) {
    w.bit(v.aspect_ratio.is_some());
    if let Some((idc, sar)) = v.aspect_ratio {
        w.byte(idc);
        if let Some((sw, sh)) = sar {
            w.bits(16, u32::from(sw));
            w.bits(16, u32::from(sh));
        }
    }
    w.bit(v.overscan_appropriate.is_some());
    if let Some(o) = v.overscan_appropriate {
        w.bit(o);
    }
    w.bit(v.video_signal_type.is_some());
    if let Some(t) = v.video_signal_type {
        w.bits(3, u32::from(t.video_format));
        w.bit(t.full_range);
        w.bit(t.colour.is_some());
        if let Some((p, tc, m)) = t.colour {
            w.byte(p);
            w.byte(tc);
            w.byte(m);
        }
    }
    w.bit(v.chroma_loc.is_some());
    if let Some((top, bottom)) = v.chroma_loc {
        w.ue(top);
        w.ue(bottom);
    }
    w.bit(v.timing.is_some());
    if let Some((units, scale, fixed)) = v.timing {
        w.bits(32, units);
        w.bits(32, scale);
        w.bit(fixed);
    }
    for hrd in [&v.nal_hrd, &v.vcl_hrd] {
        w.bit(hrd.is_some());
        if let Some(h) = hrd {
            write_hrd(w, h);
        }
    }
    if v.nal_hrd.is_some() || v.vcl_hrd.is_some() {
        w.bit(v.low_delay_hrd);
    }
    w.bit(v.pic_struct_present);
    w.bit(v.bitstream_restriction.is_some());
    if let Some(b) = v.bitstream_restriction {
        w.bit(b.motion_vectors_over_pic_boundaries);
        w.ue(b.max_bytes_per_pic_denom);
        w.ue(b.max_bits_per_mb_denom);
        w.ue(b.log2_max_mv_length_horizontal);
        w.ue(b.log2_max_mv_length_vertical);
        w.ue(b.max_num_reorder_frames);
        w.ue(b.max_dec_frame_buffering);
    }
}

impl Sps {
    /// Parses an SPS NAL unit (header byte included, no start code, emulation prevention bytes
    /// still in place).
    pub fn parse(nal: &[u8]) -> Result<Sps, Error> {
        let (&nal_header, payload) = nal.split_first().ok_or(Error::MalformedSps {
            reason: "the NAL unit is empty",
        })?;
        if nal_header & 0x1f != 7 {
            return Err(Error::MalformedSps {
                reason: "the NAL unit type is not 7 (SPS)",
            });
        }
        let rbsp = nal_to_rbsp(payload);
        let mut r = BitReader::new(&rbsp);
        let profile_idc = r.byte()?;
        let constraint_flags = r.byte()?;
        let level_idc = r.byte()?;
        let sps_id = r.ue()?;
        let high = if has_high_fields(profile_idc) {
            let chroma_format_idc = r.ue()?;
            let separate = if chroma_format_idc == 3 {
                r.bit()?
            } else {
                false
            };
            let luma = r.ue()?;
            let chroma = r.ue()?;
            let bypass = r.bit()?;
            if r.bit()? {
                return Err(Error::MalformedSps {
                    reason: "seq_scaling_matrix_present_flag is set (not supported)",
                });
            }
            Some((chroma_format_idc, separate, luma, chroma, bypass))
        } else {
            None
        };
        let log2_max_frame_num_minus4 = r.ue()?;
        let pic_order_cnt = match r.ue()? {
            0 => PicOrderCnt::Type0(r.ue()?),
            1 => {
                let always_zero = r.bit()?;
                let non_ref = r.se()?;
                let top_bottom = r.se()?;
                let n = r.ue()?;
                // 7.4.2.1.1: num_ref_frames_in_pic_order_cnt_cycle is 0..=255.
                if n > 255 {
                    return Err(Error::MalformedSps {
                        reason: "num_ref_frames_in_pic_order_cnt_cycle is above 255",
                    });
                }
                let offsets = (0..n).map(|_| r.se()).collect::<Result<Vec<_>, _>>()?;
                PicOrderCnt::Type1(always_zero, non_ref, top_bottom, offsets)
            }
            2 => PicOrderCnt::Type2,
            _ => {
                return Err(Error::MalformedSps {
                    reason: "pic_order_cnt_type is above 2",
                });
            }
        };
        let max_num_ref_frames = r.ue()?;
        let gaps_in_frame_num_allowed = r.bit()?;
        let pic_width_in_mbs_minus1 = r.ue()?;
        let pic_height_in_map_units_minus1 = r.ue()?;
        let frame_mbs_only = r.bit()?;
        let mb_adaptive_frame_field = !frame_mbs_only && r.bit()?;
        let direct_8x8_inference = r.bit()?;
        let crop = if r.bit()? {
            Some([r.ue()?, r.ue()?, r.ue()?, r.ue()?])
        } else {
            None
        };
        let vui = if r.bit()? {
            Some(parse_vui(&mut r)?)
        } else {
            None
        };
        r.finish()?;
        Ok(Sps {
            nal_header,
            profile_idc,
            constraint_flags,
            level_idc,
            sps_id,
            high,
            log2_max_frame_num_minus4,
            pic_order_cnt,
            max_num_ref_frames,
            gaps_in_frame_num_allowed,
            pic_width_in_mbs_minus1,
            pic_height_in_map_units_minus1,
            frame_mbs_only,
            mb_adaptive_frame_field,
            direct_8x8_inference,
            crop,
            vui,
        })
    }

    /// Writes the SPS as a NAL unit (header byte, emulation prevention applied, no start code).
    pub fn to_nal(&self) -> Vec<u8> {
        let mut w = BitWriter::default();
        w.byte(self.profile_idc);
        w.byte(self.constraint_flags);
        w.byte(self.level_idc);
        w.ue(self.sps_id);
        if has_high_fields(self.profile_idc) {
            let (chroma_format_idc, separate, luma, chroma, bypass) =
                self.high.unwrap_or((1, false, 0, 0, false));
            w.ue(chroma_format_idc);
            if chroma_format_idc == 3 {
                w.bit(separate);
            }
            w.ue(luma);
            w.ue(chroma);
            w.bit(bypass);
            w.bit(false);
        }
        w.ue(self.log2_max_frame_num_minus4);
        match &self.pic_order_cnt {
            PicOrderCnt::Type0(lsb) => {
                w.ue(0);
                w.ue(*lsb);
            }
            PicOrderCnt::Type1(always_zero, non_ref, top_bottom, offsets) => {
                w.ue(1);
                w.bit(*always_zero);
                w.se(*non_ref);
                w.se(*top_bottom);
                w.ue(offsets.len() as u32);
                for &o in offsets {
                    w.se(o);
                }
            }
            PicOrderCnt::Type2 => w.ue(2),
        }
        w.ue(self.max_num_ref_frames);
        w.bit(self.gaps_in_frame_num_allowed);
        w.ue(self.pic_width_in_mbs_minus1);
        w.ue(self.pic_height_in_map_units_minus1);
        w.bit(self.frame_mbs_only);
        if !self.frame_mbs_only {
            w.bit(self.mb_adaptive_frame_field);
        }
        w.bit(self.direct_8x8_inference);
        w.bit(self.crop.is_some());
        if let Some(c) = self.crop {
            for v in c {
                w.ue(v);
            }
        }
        w.bit(self.vui.is_some());
        if let Some(v) = &self.vui {
            write_vui(&mut w, v);
        }
        let mut nal = vec![self.nal_header];
        nal.extend(rbsp_to_nal(&w.finish()));
        nal
    }

    /// The coded size in luma samples before cropping (7.4.2.1.1: PicWidthInMbs * 16 and
    /// FrameHeightInMbs * 16).
    pub fn coded_size(&self) -> (u32, u32) {
        let field_factor = if self.frame_mbs_only { 1 } else { 2 };
        (
            (self.pic_width_in_mbs_minus1 + 1) * 16,
            (self.pic_height_in_map_units_minus1 + 1) * 16 * field_factor,
        )
    }

    /// The displayed size after cropping, for 4:2:0 frame coding (CropUnitX = 2, CropUnitY = 2,
    /// 7.4.2.1.1 equations 7-19 and 7-20).
    pub fn display_size(&self) -> (u32, u32) {
        let (w, h) = self.coded_size();
        let [l, r, t, b] = self.crop.unwrap_or([0; 4]);
        let unit_y = if self.frame_mbs_only { 2 } else { 4 };
        (
            w.saturating_sub(2 * (l + r)),
            h.saturating_sub(unit_y * (t + b)),
        )
    }

    /// Sets the cropping fields so that the display size is `width x height`, anchored top-left
    /// (only right and bottom offsets). Fails unless both are even and fit the coded size.
    pub fn set_display_size(&mut self, width: u32, height: u32) -> Result<(), Error> {
        let (cw, ch) = self.coded_size();
        if !self.frame_mbs_only
            || !width.is_multiple_of(2)
            || !height.is_multiple_of(2)
            || width > cw
            || height > ch
            || width == 0
            || height == 0
        {
            return Err(Error::CropNotRepresentable {
                width,
                height,
                coded_width: cw,
                coded_height: ch,
            });
        }
        let right = (cw - width) / 2;
        let bottom = (ch - height) / 2;
        self.crop = if right == 0 && bottom == 0 {
            None
        } else {
            Some([0, right, 0, bottom])
        };
        Ok(())
    }

    /// The bytes that follow `lengthSizeMinusOne` for the High profiles in an avcC record
    /// (ISO/IEC 14496-15 5.3.3.1.2): `(chroma_format_idc, bit_depth_luma_minus8,
    /// bit_depth_chroma_minus8)`, or `None` for profiles without those fields.
    pub fn avcc_extension(&self) -> Option<(u8, u8, u8)> {
        if !has_high_fields(self.profile_idc) {
            return None;
        }
        let (chroma, _, luma, chroma_depth, _) = self.high.unwrap_or((1, false, 0, 0, false));
        Some((chroma as u8 & 3, luma as u8 & 7, chroma_depth as u8 & 7))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SPS with every optional VUI group present, to exercise the writer beyond what
    /// openh264 emits.
    fn rich_sps() -> Sps {
        let hrd = Hrd {
            bit_rate_scale: 3,
            cpb_size_scale: 5,
            cpbs: vec![(1000, 2000, false), (7, 9, true)],
            initial_cpb_removal_delay_length_minus1: 23,
            cpb_removal_delay_length_minus1: 23,
            dpb_output_delay_length_minus1: 23,
            time_offset_length: 24,
        };
        Sps {
            nal_header: 0x67,
            profile_idc: 100,
            constraint_flags: 0,
            level_idc: 40,
            sps_id: 0,
            high: Some((1, false, 0, 0, false)),
            log2_max_frame_num_minus4: 0,
            pic_order_cnt: PicOrderCnt::Type1(false, -2, 1, vec![0, -3, 4]),
            max_num_ref_frames: 4,
            gaps_in_frame_num_allowed: false,
            pic_width_in_mbs_minus1: 119,
            pic_height_in_map_units_minus1: 67,
            frame_mbs_only: true,
            mb_adaptive_frame_field: false,
            direct_8x8_inference: true,
            crop: Some([0, 0, 0, 4]),
            vui: Some(Vui {
                aspect_ratio: Some((255, Some((4, 3)))),
                overscan_appropriate: Some(false),
                video_signal_type: Some(VideoSignalType {
                    video_format: 5,
                    full_range: true,
                    colour: Some((9, 14, 9)),
                }),
                chroma_loc: Some((1, 1)),
                timing: Some((1001, 60000, true)),
                nal_hrd: Some(hrd.clone()),
                vcl_hrd: Some(hrd),
                low_delay_hrd: true,
                pic_struct_present: true,
                bitstream_restriction: Some(BitstreamRestriction {
                    motion_vectors_over_pic_boundaries: true,
                    max_bytes_per_pic_denom: 2,
                    max_bits_per_mb_denom: 1,
                    log2_max_mv_length_horizontal: 16,
                    log2_max_mv_length_vertical: 16,
                    max_num_reorder_frames: 0,
                    max_dec_frame_buffering: 4,
                }),
            }),
        }
    }

    #[test]
    fn rich_sps_round_trips() {
        let sps = rich_sps();
        let nal = sps.to_nal();
        let back = Sps::parse(&nal).unwrap();
        assert_eq!(back, sps);
        assert_eq!(back.to_nal(), nal);
        assert_eq!(back.display_size(), (1920, 1080));
        assert_eq!(back.avcc_extension(), Some((1, 0, 0)));
    }

    #[test]
    fn crop_is_rewritten() {
        let mut sps = rich_sps();
        sps.set_display_size(2, 2).unwrap();
        assert_eq!(sps.crop, Some([0, 959, 0, 543]));
        assert_eq!(Sps::parse(&sps.to_nal()).unwrap().display_size(), (2, 2));
        sps.set_display_size(1920, 1088).unwrap();
        assert_eq!(sps.crop, None);
        let e = sps.set_display_size(3, 2).unwrap_err().to_string();
        assert!(e.contains("3x2"), "{e}");
        assert!(sps.set_display_size(1922, 2).is_err());
    }

    #[test]
    fn malformed_sps_is_an_error_not_a_panic() {
        let nal = rich_sps().to_nal();
        for len in 0..nal.len() {
            assert!(Sps::parse(&nal[..len]).is_err(), "prefix of {len} bytes");
        }
        assert!(Sps::parse(&[0x68, 0x42]).is_err());
        let mut extra = nal.clone();
        extra.push(0x80);
        assert!(Sps::parse(&extra).is_err());
    }
}
