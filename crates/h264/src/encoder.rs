//! [`H264Encoder`]: framecast's `VideoEncoder` over openh264.

use std::collections::VecDeque;

use framecast_core::{
    Codec, CodecConfig, ColorSpec, Packet, RateControl, Rational, Subsampling, VideoEncoder,
    YuvImage,
};

use crate::level::{self, Demand, LEVELS};
use crate::raw::{Picture, RawEncoder, Settings};
use crate::sps::{Sps, VideoSignalType, Vui};
use crate::{Error, H264Options, OddSize, Profile, Result};

/// The largest picture side openh264 codes (its README: 3840x2160 or 2160x3840, "encoder errors
/// when resolution exceeds" them).
pub const MAX_LONG_SIDE: u32 = 3840;
/// The largest short side openh264 codes.
pub const MAX_SHORT_SIDE: u32 = 2160;
/// The smallest picture side openh264 accepts (`welsEncoderExt.cpp` refuses pictures under
/// 16x16); smaller pictures are padded up and cropped back in the SPS.
pub const MIN_SIDE: u32 = 16;

/// The lowest QP openh264's rate-controlled modes use (`GOM_MIN_QP_MODE` in its `rc.h`;
/// `ParamValidation` in `encoder_ext.cpp` raises smaller minimums to it).
pub const MIN_QP: u8 = 12;

/// The fewest macroblock rows per slice: smaller pictures get fewer slices (and threads). Also
/// at least openh264's rate-control group of MB rows (`GOM_ROW_MODE0_*` in its `rc.h`: 2 or 4),
/// below which it refuses fixed slice counts.
const MIN_MB_ROWS_PER_SLICE: u32 = 4;

/// openh264 clamps frame rates to 1..=60 fps (`MIN_FRAME_RATE`/`MAX_FRAME_RATE` in
/// `wels_const.h`) and budgets bits per frame from that rate.
const OPENH264_FPS: (f64, f64) = (1.0, 60.0);

/// H.264 encoder producing length-prefixed samples and an avcC record.
///
/// Parameter sets come from openh264's `EncodeParameterSets` at construction, so
/// [`codec_config`](VideoEncoder::codec_config) works right after [`new`](Self::new). The SPS
/// is then rewritten: frame cropping for the display size and the VUI colour description from
/// the [`ColorSpec`].
pub struct H264Encoder {
    encoder: RawEncoder,
    input: (u32, u32),
    /// The part of each input frame that is coded (the whole frame unless cropping).
    source: (u32, u32),
    /// The picture size given to openh264: the display size, at least 16x16.
    coded: (u32, u32),
    display: (u32, u32),
    /// Edge-replicated picture when `source != coded`.
    pad: Option<[Vec<u8>; 3]>,
    fps: Rational,
    color: ColorSpec,
    frame_skip: bool,
    raw_sps: Vec<u8>,
    raw_pps: Vec<u8>,
    avcc: Vec<u8>,
    level_idc: u8,
    profile_idc: u8,
    slices: u16,
    queue: VecDeque<Packet>,
    /// With frame skipping on, the newest packet waits here so that a skipped frame can
    /// lengthen it.
    pending: Option<Packet>,
    last_pts: Option<i64>,
    flushed: bool,
}

/// The display side for an input side under the odd-size policy.
fn display_side(side: u32, odd: OddSize) -> u32 {
    match odd {
        OddSize::Pad => side + side % 2,
        OddSize::Crop => side - side % 2,
    }
}

/// Splits an Annex-B NAL unit from openh264 into its payload (start code removed).
fn strip_start_code(nal: &[u8]) -> Result<&[u8]> {
    nal.strip_prefix(&[0, 0, 0, 1])
        .or_else(|| nal.strip_prefix(&[0, 0, 1]))
        .filter(|n| !n.is_empty())
        .ok_or(Error::UnexpectedOutput {
            reason: "a NAL unit without an Annex-B start code",
        })
}

/// The number of slices (= openh264 threads) for a coded size: the requested threads, fewer
/// when a slice would get under [`MIN_MB_ROWS_PER_SLICE`] macroblock rows.
fn slice_count(threads: u16, coded: (u32, u32)) -> u16 {
    let rows = coded.1.div_ceil(16);
    let fit = u16::try_from(rows / MIN_MB_ROWS_PER_SLICE).unwrap_or(u16::MAX);
    threads.min(fit).max(1)
}

/// Builds the openh264 settings from framecast's options.
fn settings(
    options: &H264Options,
    fps: Rational,
    level_idc: u8,
    coded: (u32, u32),
    slices: u16,
) -> Settings {
    let fps_f = fps.as_f64();
    let clamped = fps_f.clamp(OPENH264_FPS.0, OPENH264_FPS.1);
    let level_br = LEVELS
        .iter()
        .find(|l| l.level_idc == level_idc)
        .map_or(240_000, |l| l.max_br_kbps);
    let (bitrate_mode, bps, qp) = match options.rate {
        RateControl::Bitrate(kbps) => {
            // openh264 budgets target / fps bits per frame with fps clamped to 1..=60, so
            // scale the target by clamped / real to keep bits per real second on target.
            let bps = f64::from(kbps) * 1000.0 * clamped / fps_f;
            let bps = bps.clamp(1.0, f64::from(i32::MAX)) as u32;
            // An explicit QP range: left at openh264's 0..=51 its validation replaces it with
            // 12..=42 (`MAX_LOW_BR_QP`), and QP 42 overshoots low targets on detailed content.
            (true, bps, (MIN_QP, 51))
        }
        // Quality q pins the QP range to [q, q]: openh264's rate control still runs but every
        // frame and macroblock QP is clipped to q, which is constant-QP coding. openh264 raises
        // QPs under MIN_QP to it, so qualities 0..=12 all code at QP 12. The target only
        // matters to the (disabled) frame skipper, so give it the level's MaxBR.
        _ => {
            let q = match options.rate {
                RateControl::Quality(q) => q.clamp(MIN_QP, RateControl::QUALITY_MAX),
                _ => RateControl::DEFAULT_QUALITY,
            };
            let bps = (level_br * 1000).min(i32::MAX as u64) as u32;
            (false, bps, (q, q))
        }
    };
    Settings {
        size: coded,
        bitrate_mode,
        bps,
        qp,
        fps: clamped as f32,
        speed: options.speed,
        intra_period: options.keyint_or_default(),
        level_idc,
        cabac: options.profile == Profile::Main,
        slices,
        frame_skip: options.frame_skip,
    }
}

/// The avcC record (ISO/IEC 14496-15 5.3.3.1.2) for one SPS and one PPS.
fn avcc_record(sps: &Sps, sps_nal: &[u8], pps_nal: &[u8]) -> Result<Vec<u8>> {
    let too_long = || Error::UnexpectedOutput {
        reason: "a parameter set longer than 65535 bytes",
    };
    let sps_len = u16::try_from(sps_nal.len()).map_err(|_| too_long())?;
    let pps_len = u16::try_from(pps_nal.len()).map_err(|_| too_long())?;
    let mut r = vec![
        1,                    // configurationVersion
        sps.profile_idc,      // AVCProfileIndication
        sps.constraint_flags, // profile_compatibility
        sps.level_idc,        // AVCLevelIndication
        0xFC | 3,             // reserved 6 bits, lengthSizeMinusOne = 3 (4-byte lengths)
        0xE0 | 1,             // reserved 3 bits, numOfSequenceParameterSets = 1
    ];
    r.extend_from_slice(&sps_len.to_be_bytes());
    r.extend_from_slice(sps_nal);
    r.push(1); // numOfPictureParameterSets
    r.extend_from_slice(&pps_len.to_be_bytes());
    r.extend_from_slice(pps_nal);
    // The extension exists only for profile_idc 100, 110, 122 and 144.
    if matches!(sps.profile_idc, 100 | 110 | 122 | 144)
        && let Some((chroma, luma, chroma_depth)) = sps.avcc_extension()
    {
        r.extend_from_slice(&[0xFC | chroma, 0xF8 | luma, 0xF8 | chroma_depth, 0]);
    }
    Ok(r)
}

/// Copies the `sw x sh` top-left part of `src` into a `dw x dh` plane, repeating the last
/// column and row (edge replication).
fn pad_plane(src: &[u8], stride: usize, sw: usize, sh: usize, dst: &mut [u8], dw: usize) {
    for (y, row) in dst.chunks_exact_mut(dw).enumerate() {
        let sy = y.min(sh - 1);
        let from = &src[sy * stride..sy * stride + sw];
        row[..sw].copy_from_slice(from);
        let last = from[sw - 1];
        row[sw..].fill(last);
    }
}

impl H264Encoder {
    /// An encoder for frames of `width x height` at `fps` frames per second.
    ///
    /// Packet timestamps are in ticks of `1 / fps` and each packet lasts one tick. Fails on
    /// invalid options, empty or too large sizes, and size/rate combinations beyond level 5.2.
    pub fn new(
        width: u32,
        height: u32,
        fps: Rational,
        color: ColorSpec,
        options: &H264Options,
    ) -> Result<Self> {
        options.validate()?;
        if width == 0 || height == 0 {
            return Err(Error::EmptySize { width, height });
        }
        if options.odd == OddSize::Crop && (width == 1 || height == 1) {
            return Err(Error::CropTooSmall { width, height });
        }
        let display = (
            display_side(width, options.odd),
            display_side(height, options.odd),
        );
        let (long, short) = (display.0.max(display.1), display.0.min(display.1));
        if long > MAX_LONG_SIDE || short > MAX_SHORT_SIDE {
            return Err(Error::SizeTooLarge {
                width,
                height,
                coded_width: display.0,
                coded_height: display.1,
                max_long: MAX_LONG_SIDE,
                max_short: MAX_SHORT_SIDE,
            });
        }
        let coded = (display.0.max(MIN_SIDE), display.1.max(MIN_SIDE));
        let source = (width.min(display.0), height.min(display.1));
        let demand = Demand {
            width_mbs: u64::from(coded.0.div_ceil(16)),
            height_mbs: u64::from(coded.1.div_ceil(16)),
            fps,
            kbps: match options.rate {
                RateControl::Bitrate(k) => Some(u64::from(k)),
                _ => None,
            },
        };
        let top = LEVELS[LEVELS.len() - 1];
        let chosen = level::choose(&demand).ok_or_else(|| Error::LevelExceeded {
            width: coded.0,
            height: coded.1,
            fps: fps.to_string(),
            mbs_per_second: demand.mbs_per_second(),
            frame_mbs: demand.frame_size(),
            max_mbs_per_second: top.max_mbps,
            max_frame_mbs: top.max_fs,
        })?;
        let slices = slice_count(options.threads_or_auto(), coded);
        let mut encoder =
            RawEncoder::new(&settings(options, fps, chosen.level_idc, coded, slices))?;
        let (raw_sps, raw_pps) = parameter_sets(&mut encoder)?;
        let mut sps = Sps::parse(&raw_sps)?;
        sps.set_display_size(display.0, display.1)?;
        sps.level_idc = sps.level_idc.max(chosen.level_idc);
        let vui = sps.vui.get_or_insert_with(Vui::default);
        // Annex E.2.1: video_format 5 = unspecified; colour description always present.
        vui.video_signal_type = Some(VideoSignalType {
            video_format: 5,
            full_range: color.full_range(),
            colour: Some((
                color.primaries.0,
                color.transfer.0,
                color.matrix_coefficients().0,
            )),
        });
        let sps_nal = sps.to_nal();
        let avcc = avcc_record(&sps, &sps_nal, &raw_pps)?;

        let pad = (source != coded).then(|| {
            let (cw, ch) = (coded.0 as usize, coded.1 as usize);
            [
                vec![0u8; cw * ch],
                vec![0u8; cw / 2 * (ch / 2)],
                vec![0u8; cw / 2 * (ch / 2)],
            ]
        });
        Ok(H264Encoder {
            encoder,
            input: (width, height),
            source,
            coded,
            display,
            pad,
            fps,
            color,
            frame_skip: options.frame_skip,
            raw_sps,
            raw_pps,
            avcc,
            level_idc: sps.level_idc,
            profile_idc: sps.profile_idc,
            slices,
            queue: VecDeque::new(),
            pending: None,
            last_pts: None,
            flushed: false,
        })
    }

    /// The size players show, which [`codec_config`](VideoEncoder::codec_config) reports:
    /// the input size with odd sides rounded up ([`OddSize::Pad`]) or down ([`OddSize::Crop`]).
    pub fn display_size(&self) -> (u32, u32) {
        self.display
    }

    /// The `level_idc` signalled in the SPS and avcC (Table A-1, chosen from the coded size, the
    /// frame rate and, in bitrate mode, the bitrate).
    pub fn level_idc(&self) -> u8 {
        self.level_idc
    }

    /// The `profile_idc` signalled in the SPS and avcC: 77 (Main, CABAC) or 66 (Constrained
    /// Baseline), from [`H264Options::profile`].
    pub fn profile_idc(&self) -> u8 {
        self.profile_idc
    }

    /// Slices per picture, each coded by its own openh264 thread (from
    /// [`H264Options::threads`] and the picture height).
    pub fn slices(&self) -> u16 {
        self.slices
    }

    /// Milliseconds for openh264's timestamp (used by its rate control statistics only).
    fn millis(&self, pts: i64) -> i64 {
        let ms = i128::from(pts) * 1000 * i128::from(self.fps.den()) / i128::from(self.fps.num());
        i64::try_from(ms.max(0)).unwrap_or(i64::MAX)
    }

    /// Encodes one picture; `Ok(None)` when openh264 skipped it.
    fn encode(&mut self, frame: &YuvImage, pts: i64) -> Result<Option<Packet>> {
        let ts = self.millis(pts);
        let picture = if let Some(pad) = &mut self.pad {
            let (sw, sh) = (self.source.0 as usize, self.source.1 as usize);
            let cw = self.coded.0 as usize;
            let [py, pu, pv] = pad;
            pad_plane(frame.plane(0), frame.stride(0), sw, sh, py, cw);
            let (csw, csh) = (sw.div_ceil(2), sh.div_ceil(2));
            pad_plane(frame.plane(1), frame.stride(1), csw, csh, pu, cw / 2);
            pad_plane(frame.plane(2), frame.stride(2), csw, csh, pv, cw / 2);
            Picture {
                size: self.coded,
                strides: [cw, cw / 2, cw / 2],
                planes: [&py[..], &pu[..], &pv[..]],
            }
        } else {
            // Cropping (or nothing to do): openh264 reads the top-left coded area in place.
            Picture {
                size: self.coded,
                strides: [frame.stride(0), frame.stride(1), frame.stride(2)],
                planes: [frame.plane(0), frame.plane(1), frame.plane(2)],
            }
        };
        let mut first_try = true;
        loop {
            let coded = self.encoder.encode(&picture, ts)?;
            if coded.skipped {
                if self.frame_skip {
                    return Ok(None);
                }
                if first_try {
                    // Skipping is off, yet openh264 may still skip (e.g. its max-bitrate
                    // check); an intra refresh with the same picture is always coded.
                    first_try = false;
                    self.encoder.force_idr()?;
                    continue;
                }
                return Err(Error::FrameSkipped { pts });
            }
            let mut data = Vec::new();
            let mut keyframe = false;
            for nal in coded.nals {
                let nal = strip_start_code(nal)?;
                match nal[0] & 0x1f {
                    // Parameter sets live only in the avcC record; a changed one would make
                    // every later picture undecodable with that record.
                    7 if nal != self.raw_sps.as_slice() => {
                        return Err(Error::ParameterSetsChanged { which: "SPS", pts });
                    }
                    8 if nal != self.raw_pps.as_slice() => {
                        return Err(Error::ParameterSetsChanged { which: "PPS", pts });
                    }
                    // Parameter sets (checked above) and access unit delimiters stay out.
                    7..=9 => {}
                    t => {
                        keyframe |= t == 5;
                        let len =
                            u32::try_from(nal.len()).map_err(|_| Error::UnexpectedOutput {
                                reason: "a NAL unit of 4 GiB or more",
                            })?;
                        data.extend_from_slice(&len.to_be_bytes());
                        data.extend_from_slice(nal);
                    }
                }
            }
            if data.is_empty() {
                return Err(Error::UnexpectedOutput {
                    reason: "a coded frame without slice data",
                });
            }
            return Ok(Some(Packet {
                data,
                pts,
                dts: pts,
                duration: 1,
                keyframe,
            }));
        }
    }
}

/// The SPS and PPS openh264 writes before every IDR (its `EncodeParameterSets`).
fn parameter_sets(encoder: &mut RawEncoder) -> Result<(Vec<u8>, Vec<u8>)> {
    let (mut sps, mut pps) = (None, None);
    for nal in encoder.parameter_sets()? {
        let nal = strip_start_code(nal)?;
        match nal[0] & 0x1f {
            7 => sps = Some(nal.to_vec()),
            8 => pps = Some(nal.to_vec()),
            _ => {}
        }
    }
    match (sps, pps) {
        (Some(s), Some(p)) => Ok((s, p)),
        _ => Err(Error::UnexpectedOutput {
            reason: "openh264 gave no SPS and PPS",
        }),
    }
}

impl VideoEncoder for H264Encoder {
    type Error = Error;

    fn send_frame(&mut self, frame: &YuvImage, pts: i64) -> Result<()> {
        if self.flushed {
            return Err(Error::SendAfterFlush { pts });
        }
        if frame.subsampling() == Subsampling::Yuv444 {
            return Err(Error::Unsupported444 {
                width: frame.width(),
                height: frame.height(),
            });
        }
        if (frame.width(), frame.height()) != self.input {
            return Err(Error::FrameSizeMismatch {
                expected: self.input,
                received: (frame.width(), frame.height()),
            });
        }
        if let Some(previous) = self.last_pts
            && pts <= previous
        {
            return Err(Error::NonIncreasingPts {
                previous,
                received: pts,
            });
        }
        let packet = self.encode(frame, pts)?;
        self.last_pts = Some(pts);
        match packet {
            Some(p) if self.frame_skip => {
                if let Some(mut prev) = self.pending.replace(p.clone()) {
                    prev.duration = u64::try_from(p.pts - prev.pts).unwrap_or(1);
                    self.queue.push_back(prev);
                }
            }
            Some(p) => self.queue.push_back(p),
            None => {}
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.flushed = true;
        if let (Some(mut p), Some(last)) = (self.pending.take(), self.last_pts) {
            p.duration = u64::try_from(last - p.pts + 1).unwrap_or(1);
            self.queue.push_back(p);
        }
        Ok(())
    }

    fn receive_packet(&mut self) -> Result<Option<Packet>> {
        Ok(self.queue.pop_front())
    }

    fn codec_config(&self) -> Result<CodecConfig> {
        Ok(CodecConfig::new(
            Codec::H264,
            self.display.0,
            self.display.1,
            self.fps.recip(),
            self.color,
            self.avcc.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_plane_replicates_edges() {
        let src = [1u8, 2, 3, 9, 4, 5, 6, 9];
        let mut dst = [0u8; 5 * 3];
        pad_plane(&src, 4, 3, 2, &mut dst, 5);
        assert_eq!(dst, [1, 2, 3, 3, 3, 4, 5, 6, 6, 6, 4, 5, 6, 6, 6]);
    }

    #[test]
    fn slices_keep_four_macroblock_rows() {
        assert_eq!(slice_count(4, (1280, 720)), 4);
        assert_eq!(slice_count(2, (1280, 720)), 2);
        assert_eq!(slice_count(1, (1280, 720)), 1);
        assert_eq!(slice_count(4, (320, 240)), 3);
        assert_eq!(slice_count(4, (640, 112)), 1);
        assert_eq!(slice_count(4, (640, 128)), 2);
        assert_eq!(slice_count(4, (16, 16)), 1);
        assert_eq!(slice_count(0, (16, 16)), 1);
    }

    #[test]
    fn start_codes_are_stripped() {
        assert_eq!(strip_start_code(&[0, 0, 0, 1, 0x65, 1]).unwrap(), [0x65, 1]);
        assert_eq!(strip_start_code(&[0, 0, 1, 0x41]).unwrap(), [0x41]);
        assert!(strip_start_code(&[0, 0, 0, 1]).is_err());
        assert!(strip_start_code(&[0x65]).is_err());
    }
}
