//! [`Av1Encoder`]: framecast's `VideoEncoder` over rav1e.

use std::collections::VecDeque;

use framecast_core::{
    Codec, CodecConfig, ColorSpec, Packet, RateControl, Rational, Subsampling, VideoEncoder,
    YuvImage,
};
use rav1e::color::{
    ChromaSampling, ColorDescription, ColorPrimaries, MatrixCoefficients, PixelRange,
    TransferCharacteristics,
};
use rav1e::config::{Config, EncoderConfig};
use rav1e::data::{EncoderStatus, FrameType};
use rav1e::prelude::Sequence;

use crate::level::{self, Level, Stream};
use crate::obu::{self, SequenceParams};
use crate::{Av1Options, Error, Result};

/// rav1e's smallest picture side for video (its `Config::validate` refuses widths and heights
/// under 16 unless `still_picture` is set). Smaller pictures are padded up to it by repeating
/// the last column and row.
pub const MIN_SIDE: u32 = 16;
/// The largest picture side AV1 sequence headers (16-bit `max_frame_width_minus_1`) and rav1e
/// accept.
pub const MAX_SIDE: u32 = 65_535;

/// The fewest pixels per tile when choosing tiles from threads: rav1e codes tiles in parallel,
/// but each tile boundary resets entropy contexts and prediction, so small tiles cost bits.
const MIN_TILE_AREA: u64 = 256 * 256;

/// The most frames rav1e's RDO lookahead holds when temporal RDO is off.
///
/// rav1e keeps `rdo_lookahead_frames + 1` frames of lookahead analysis (motion vectors at
/// three scales, block importances) per context: about 9 MB each at 1280x720. Their only
/// consumer beyond the frame being coded is temporal RDO, which rav1e 0.8 turns off whenever
/// `tx_domain_distortion` is on, as it is in every speed preset. Measured on the 720p pan of
/// the README at speeds 6, 8 and 10: a lookahead of 4 (rav1e's reorder group of 4 input
/// frames) gives output byte-identical to the presets' 10-20 and about 85 MB (30%) less peak
/// memory per context; 1-2 frames change the output slightly.
pub(crate) const LOOKAHEAD_FRAMES: usize = 4;

/// A rav1e configuration with what framecast needs to know about it.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub config: Config,
    pub sequence_header: Vec<u8>,
    pub av1c: Vec<u8>,
    pub coded: (u32, u32),
    /// Tiles in rav1e's grid (columns x rows).
    pub tiles: usize,
    /// `seq_level_idx`.
    pub level: u8,
}

fn color_code<T>(what: &'static str, value: u8, map: impl Fn(u8) -> Option<T>) -> Result<T> {
    map(value).ok_or(Error::UnsupportedColor { what, value })
}

/// The rav1e colour description of a [`ColorSpec`] (H.273 code points; reserved ones fail).
fn color_description(color: ColorSpec) -> Result<ColorDescription> {
    use ColorPrimaries as P;
    use MatrixCoefficients as M;
    use TransferCharacteristics as T;
    let color_primaries = color_code("colour primaries", color.primaries.0, |v| {
        Some(match v {
            1 => P::BT709,
            2 => P::Unspecified,
            4 => P::BT470M,
            5 => P::BT470BG,
            6 => P::BT601,
            7 => P::SMPTE240,
            8 => P::GenericFilm,
            9 => P::BT2020,
            10 => P::XYZ,
            11 => P::SMPTE431,
            12 => P::SMPTE432,
            22 => P::EBU3213,
            _ => return None,
        })
    })?;
    let transfer_characteristics = color_code("transfer characteristics", color.transfer.0, |v| {
        Some(match v {
            1 => T::BT709,
            2 => T::Unspecified,
            4 => T::BT470M,
            5 => T::BT470BG,
            6 => T::BT601,
            7 => T::SMPTE240,
            8 => T::Linear,
            9 => T::Log100,
            10 => T::Log100Sqrt10,
            11 => T::IEC61966,
            12 => T::BT1361,
            13 => T::SRGB,
            14 => T::BT2020_10Bit,
            15 => T::BT2020_12Bit,
            16 => T::SMPTE2084,
            17 => T::SMPTE428,
            18 => T::HLG,
            _ => return None,
        })
    })?;
    let mc = color.matrix_coefficients().0;
    let matrix_coefficients = color_code("matrix coefficients", mc, |v| {
        Some(match v {
            1 => M::BT709,
            2 => M::Unspecified,
            5 => M::BT470BG,
            6 => M::BT601,
            9 => M::BT2020NCL,
            _ => return None,
        })
    })?;
    Ok(ColorDescription {
        color_primaries,
        transfer_characteristics,
        matrix_coefficients,
    })
}

/// Tiles for a coded size and thread count: one per thread, fewer when a tile would get under
/// [`MIN_TILE_AREA`] pixels (rav1e rounds the count up to a power-of-two grid).
pub(crate) fn tile_count(threads: usize, coded: (u32, u32)) -> usize {
    let by_area = u64::from(coded.0) * u64::from(coded.1) / MIN_TILE_AREA;
    threads
        .min(usize::try_from(by_area).unwrap_or(usize::MAX))
        .max(1)
}

/// Builds the rav1e configuration for a picture size, rate, colour and options.
pub(crate) fn setup(
    width: u32,
    height: u32,
    fps: Rational,
    color: ColorSpec,
    options: &Av1Options,
) -> Result<Setup> {
    options.validate()?;
    if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) {
        return Err(Error::InvalidSize {
            width,
            height,
            max: MAX_SIDE,
        });
    }
    let coded = (width.max(MIN_SIDE), height.max(MIN_SIDE));
    let yuv444 = options.chroma == Subsampling::Yuv444;
    let threads = options.threads_or_auto();
    let tiles = tile_count(threads, coded);

    let mut enc = EncoderConfig::with_speed_preset(options.speed);
    enc.width = coded.0 as usize;
    enc.height = coded.1 as usize;
    // rav1e's time base is seconds per tick, like framecast's packet time base.
    enc.time_base = rav1e::data::Rational::new(u64::from(fps.den()), u64::from(fps.num()));
    enc.bit_depth = 8;
    enc.chroma_sampling = if yuv444 {
        ChromaSampling::Cs444
    } else {
        ChromaSampling::Cs420
    };
    enc.pixel_range = if color.full_range() {
        PixelRange::Full
    } else {
        PixelRange::Limited
    };
    enc.color_description = Some(color_description(color)?);
    let keyint = u64::from(options.keyint_or_default());
    // rav1e's default minimum of 12 frames between scene-cut keyframes, never above keyint.
    enc.set_key_frame_interval(keyint.min(12), keyint);
    match options.rate {
        RateControl::Bitrate(kbps) => {
            // validate() caps kbps so that bit/s fits rav1e's i32.
            enc.bitrate = i32::try_from(u64::from(kbps) * 1000).unwrap_or(i32::MAX);
            // In bitrate mode rav1e's `quantizer` is the largest quantizer it may pick; its
            // default of 100 overshot a 300 kbit/s target almost 5x on noisy 320x240 content.
            enc.quantizer = 255;
        }
        RateControl::Quality(q) => enc.quantizer = usize::from(Av1Options::quantizer_for(q)),
        _ => enc.quantizer = usize::from(Av1Options::quantizer_for(RateControl::DEFAULT_QUALITY)),
    }
    if !enc.temporal_rdo() {
        let la = &mut enc.speed_settings.rdo_lookahead_frames;
        *la = (*la).min(LOOKAHEAD_FRAMES);
    }
    enc.tiles = tiles;
    let stream = Stream {
        size: coded,
        fps,
        bitrate: match options.rate {
            RateControl::Bitrate(kbps) => Some(u64::from(kbps) * 1000),
            _ => None,
        },
        high_profile: yuv444,
    };
    // rav1e's Sequence::new (used below for the tile grid) panics on configurations that
    // validate() refuses, so validate first.
    validate(&enc, threads)?;
    let (level, tiles) = level_and_tiles(&mut enc, &stream);
    enc.level_idx = Some(level);
    let restoration_size = coded.0 >= 32 && coded.1 >= 32;
    let params = SequenceParams {
        size: coded,
        yuv444,
        cdef: enc.speed_settings.cdef && restoration_size,
        restoration: enc.speed_settings.lrf && restoration_size,
        color: (
            color.primaries.0,
            color.transfer.0,
            color.matrix_coefficients().0,
        ),
        full_range: color.full_range(),
        level,
    };
    let config = validate(&enc, threads)?;
    let sequence_header = obu::sequence_header_obu(&params);
    let av1c = obu::av1c_record(&params, &sequence_header);
    Ok(Setup {
        config,
        sequence_header,
        av1c,
        coded,
        tiles,
        level,
    })
}

fn validate(enc: &EncoderConfig, threads: usize) -> Result<Config> {
    let config = Config::new()
        .with_encoder_config(enc.clone())
        .with_threads(threads);
    config.validate().map_err(|e| Error::Config {
        message: e.to_string(),
    })?;
    Ok(config)
}

/// The level of a stream and the tile count to use: the smallest level its size, frame rate
/// and bitrate fit ([`level::seq_level_idx`]), with `enc.tiles` lowered until rav1e's tile
/// grid (`Sequence::new`, what the encoder will use) fits that level's tile limits. A grid
/// that no tile count makes fit (never seen: one tile fits every level) moves to the next
/// level that takes it. Returns `(seq_level_idx, tiles in the grid)`.
fn level_and_tiles(enc: &mut EncoderConfig, stream: &Stream) -> (u8, usize) {
    let grid = |enc: &EncoderConfig| {
        let t = Sequence::new(enc).tiling;
        (t.cols as u32, t.rows as u32)
    };
    let mut idx = level::seq_level_idx(stream);
    while let Some(l) = Level::get(idx) {
        loop {
            let (cols, rows) = grid(enc);
            if l.fits_tiles((cols, rows), stream.fps) {
                return (idx, (cols * rows) as usize);
            }
            if enc.tiles <= 1 {
                break;
            }
            enc.tiles /= 2;
        }
        idx = level::LEVELS
            .iter()
            .find(|n| n.seq_level_idx > idx && n.fits(stream))
            .map_or(level::MAX_PARAMETERS, |n| n.seq_level_idx);
    }
    let (cols, rows) = grid(enc);
    (idx, (cols * rows) as usize)
}

/// Copies the `sw x sh` top-left part of `src` into a `dw x dh` plane, repeating the last
/// column and row (edge replication).
fn pad_plane(src: &[u8], stride: usize, (sw, sh): (usize, usize), dst: &mut [u8], dw: usize) {
    for (y, row) in dst.chunks_exact_mut(dw).enumerate() {
        let sy = y.min(sh - 1);
        let from = &src[sy * stride..sy * stride + sw];
        row[..sw].copy_from_slice(from);
        let last = from[sw - 1];
        row[sw..].fill(last);
    }
}

/// Fills a rav1e frame from a [`YuvImage`], padding it to the coded size when smaller.
pub(crate) fn fill_frame(
    frame: &mut rav1e::data::Frame<u8>,
    image: &YuvImage,
    coded: (u32, u32),
    scratch: &mut Vec<u8>,
) {
    let padded = (image.width(), image.height()) != coded;
    for (i, plane) in frame.planes.iter_mut().enumerate() {
        let (sw, sh) = image.plane_size(i);
        if padded {
            let (dw, dh) = image.subsampling().chroma_size(coded.0, coded.1);
            let (dw, dh) = if i == 0 { coded } else { (dw, dh) };
            let (dw, dh) = (dw as usize, dh as usize);
            scratch.clear();
            scratch.resize(dw * dh, 0);
            pad_plane(
                image.plane(i),
                image.stride(i),
                (sw as usize, sh as usize),
                scratch,
                dw,
            );
            plane.copy_from_raw_u8(scratch, dw, 1);
        } else {
            plane.copy_from_raw_u8(image.plane(i), image.stride(i), 1);
        }
    }
}

fn rav1e_error(call: &'static str, status: EncoderStatus) -> Error {
    Error::Rav1e {
        call,
        message: status.to_string(),
    }
}

/// Turns rav1e's packets into framecast packets: MP4-ready samples, pts from the caller,
/// keyframe flags, and the sequence header checked against the av1C record.
#[derive(Debug)]
pub(crate) struct PacketMaker {
    sequence_header: Vec<u8>,
    /// The pts of every frame sent and not yet out, in input order.
    pts: VecDeque<i64>,
    /// The `input_frameno` the next packet must have.
    next_frameno: u64,
}

impl PacketMaker {
    pub(crate) fn new(sequence_header: Vec<u8>) -> Self {
        PacketMaker {
            sequence_header,
            pts: VecDeque::new(),
            next_frameno: 0,
        }
    }

    pub(crate) fn sent(&mut self, pts: i64) {
        self.pts.push_back(pts);
    }

    pub(crate) fn make(&mut self, p: &rav1e::data::Packet<u8>) -> Result<Packet> {
        if p.input_frameno != self.next_frameno {
            return Err(Error::UnexpectedOutput {
                reason: "a packet out of input order",
            });
        }
        let pts = self.pts.pop_front().ok_or(Error::UnexpectedOutput {
            reason: "more packets than frames",
        })?;
        self.next_frameno += 1;
        let (data, seq) = obu::to_sample(&p.data)?;
        if data.is_empty() {
            return Err(Error::UnexpectedOutput {
                reason: "an empty temporal unit",
            });
        }
        if let Some(seq) = &seq
            && *seq != self.sequence_header
        {
            return Err(Error::SequenceHeaderChanged { pts });
        }
        // AV1-ISOBMFF 2.4: a sync sample is a key frame shown at once, with a sequence header
        // OBU before its first frame header; rav1e writes one into every key frame's unit.
        let keyframe = p.frame_type == FrameType::KEY;
        if keyframe && seq.is_none() {
            return Err(Error::UnexpectedOutput {
                reason: "a key frame without a sequence header",
            });
        }
        Ok(Packet {
            data,
            pts,
            dts: pts,
            duration: 1,
            keyframe,
        })
    }
}

/// AV1 encoder producing MP4-ready temporal units and an av1C record.
///
/// Frames keep their exact size, odd sides included; pictures under 16x16 are padded (see
/// [`MIN_SIDE`]). The av1C record and its sequence header are known at [`new`](Self::new), so
/// [`codec_config`](VideoEncoder::codec_config) works at once.
pub struct Av1Encoder {
    ctx: rav1e::Context<u8>,
    input: (u32, u32),
    coded: (u32, u32),
    chroma: Subsampling,
    fps: Rational,
    color: ColorSpec,
    av1c: Vec<u8>,
    tiles: usize,
    level: u8,
    maker: PacketMaker,
    queue: VecDeque<Packet>,
    scratch: Vec<u8>,
    last_pts: Option<i64>,
    flushed: bool,
}

impl std::fmt::Debug for Av1Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Av1Encoder")
            .field("input", &self.input)
            .field("coded", &self.coded)
            .field("chroma", &self.chroma)
            .field("fps", &self.fps)
            .field("tiles", &self.tiles)
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Av1Encoder {
    /// An encoder for frames of `width x height` at `fps` frames per second.
    ///
    /// Packet timestamps are in ticks of `1 / fps` and each packet lasts one tick. Fails on
    /// invalid options, sizes of 0 or above [`MAX_SIDE`], and colour code points AV1 cannot
    /// signal.
    pub fn new(
        width: u32,
        height: u32,
        fps: Rational,
        color: ColorSpec,
        options: &Av1Options,
    ) -> Result<Self> {
        let s = setup(width, height, fps, color, options)?;
        let ctx = s.config.new_context().map_err(|e| Error::Config {
            message: e.to_string(),
        })?;
        Ok(Av1Encoder {
            ctx,
            input: (width, height),
            coded: s.coded,
            chroma: options.chroma,
            fps,
            color,
            av1c: s.av1c,
            tiles: s.tiles,
            level: s.level,
            maker: PacketMaker::new(s.sequence_header),
            queue: VecDeque::new(),
            scratch: Vec::new(),
            last_pts: None,
            flushed: false,
        })
    }

    /// The size in the bitstream and [`codec_config`](VideoEncoder::codec_config): the input
    /// size, with sides under [`MIN_SIDE`] padded up to it.
    pub fn coded_size(&self) -> (u32, u32) {
        self.coded
    }

    /// The tiles of rav1e's grid (columns x rows): about one per thread, fewer for small
    /// pictures and where the level's tile limits require (rav1e rounds to a power-of-two
    /// grid).
    pub fn tiles(&self) -> usize {
        self.tiles
    }

    /// The `seq_level_idx` in the sequence header and the av1C record: the smallest AV1 level
    /// the size, frame rate, tiles and (in bitrate mode) bitrate fit ([`crate::level`]);
    /// [`Level::name`](crate::level::Level::name) gives its `X.Y`.
    pub fn level(&self) -> u8 {
        self.level
    }

    fn drain(&mut self) -> Result<()> {
        loop {
            match self.ctx.receive_packet() {
                Ok(p) => {
                    let packet = self.maker.make(&p)?;
                    self.queue.push_back(packet);
                }
                Err(EncoderStatus::Encoded) => {}
                Err(EncoderStatus::NeedMoreData | EncoderStatus::LimitReached) => return Ok(()),
                Err(e) => return Err(rav1e_error("receive_packet", e)),
            }
        }
    }
}

/// Checks a frame's size and subsampling against the configuration.
pub(crate) fn check_frame(frame: &YuvImage, input: (u32, u32), chroma: Subsampling) -> Result<()> {
    let received = (frame.width(), frame.height());
    if received != input {
        return Err(Error::FrameSizeMismatch {
            expected: input,
            received,
        });
    }
    if frame.subsampling() != chroma {
        return Err(Error::SubsamplingMismatch {
            expected: chroma.name(),
            received: frame.subsampling().name(),
        });
    }
    Ok(())
}

impl VideoEncoder for Av1Encoder {
    type Error = Error;

    fn send_frame(&mut self, frame: &YuvImage, pts: i64) -> Result<()> {
        if self.flushed {
            return Err(Error::SendAfterFlush { pts });
        }
        check_frame(frame, self.input, self.chroma)?;
        if let Some(previous) = self.last_pts
            && pts <= previous
        {
            return Err(Error::NonIncreasingPts {
                previous,
                received: pts,
            });
        }
        let mut f = self.ctx.new_frame();
        fill_frame(&mut f, frame, self.coded, &mut self.scratch);
        self.ctx
            .send_frame(f)
            .map_err(|e| rav1e_error("send_frame", e))?;
        self.maker.sent(pts);
        self.last_pts = Some(pts);
        self.drain()
    }

    fn flush(&mut self) -> Result<()> {
        if !self.flushed {
            self.flushed = true;
            self.ctx.flush();
        }
        self.drain()
    }

    fn receive_packet(&mut self) -> Result<Option<Packet>> {
        Ok(self.queue.pop_front())
    }

    fn codec_config(&self) -> Result<CodecConfig> {
        Ok(CodecConfig::new(
            Codec::Av1,
            self.coded.0,
            self.coded.1,
            self.fps.recip(),
            self.color,
            self.av1c.clone(),
        ))
    }
}

/// The pipeline moves encoders to their own thread.
const _: () = {
    const fn send<T: Send>() {}
    send::<Av1Encoder>();
    send::<crate::ChunkedEncoder>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_plane_replicates_edges() {
        let src = [1u8, 2, 3, 9, 4, 5, 6, 9];
        let mut dst = [0u8; 5 * 3];
        pad_plane(&src, 4, (3, 2), &mut dst, 5);
        assert_eq!(dst, [1, 2, 3, 3, 3, 4, 5, 6, 6, 6, 4, 5, 6, 6, 6]);
    }

    #[test]
    fn tiles_follow_threads_and_area() {
        assert_eq!(tile_count(2, (1280, 720)), 2);
        assert_eq!(tile_count(8, (1280, 720)), 8);
        assert_eq!(tile_count(16, (1280, 720)), 14);
        assert_eq!(tile_count(4, (320, 240)), 1);
        assert_eq!(tile_count(1, (1920, 1080)), 1);
    }

    /// Why [`MIN_SIDE`] is 16: rav1e itself refuses anything smaller for video.
    #[test]
    fn rav1e_minimum_side_is_16() {
        for (w, h, ok) in [
            (16, 16, true),
            (15, 16, false),
            (16, 15, false),
            (1, 1, false),
        ] {
            let mut enc = EncoderConfig::with_speed_preset(10);
            enc.width = w;
            enc.height = h;
            let r = Config::new().with_encoder_config(enc).validate();
            assert_eq!(r.is_ok(), ok, "{w}x{h}: {r:?}");
        }
    }

    #[test]
    fn reserved_colour_code_points_are_refused() {
        let mut c = ColorSpec::BT709_FULL;
        c.primaries.0 = 3;
        assert_eq!(
            color_description(c).unwrap_err().to_string(),
            "colour primaries code point 3 cannot be signalled in AV1 color_config"
        );
    }
}
