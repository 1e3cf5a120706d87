//! MP3 (MPEG-1/2/2.5 Audio Layer III) frame reader: ISO/IEC 11172-3 2.4.1.3 and 2.4.2.3 (frame
//! header), ISO/IEC 13818-3 2.4.2.3 (lower sampling frequencies), and MPEG 2.5 (8 to 12 kHz),
//! a widely implemented extension.
//!
//! An MP4 `mp4a` sample holds one whole MP3 frame, header included (object type 0x6B, no
//! decoder-specific info), so the reader only finds frame boundaries; it never decodes.

use std::io::Read;

use super::source::{BitrateMeter, Source, hex, id3v2_len, is_trailer, settle, skip_id3v2};
use super::{AudioCodec, AudioConfig, AudioFrame, AudioStats};
use crate::{Error, Result};

const FORMAT: &str = "MP3";

/// How many bytes of junk the reader searches for a frame header, at the start and between
/// frames, before it gives up with [`Error::AudioNoSync`].
pub const RESYNC_LIMIT: usize = 64 * 1024;

/// The MPEG audio version of a frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MpegVersion {
    /// MPEG-1 (ISO/IEC 11172-3): 32, 44.1, 48 kHz.
    Mpeg1,
    /// MPEG-2 lower sampling frequencies (ISO/IEC 13818-3): 16, 22.05, 24 kHz.
    Mpeg2,
    /// MPEG 2.5 (unofficial extension): 8, 11.025, 12 kHz.
    Mpeg25,
}

/// The `mode` field of a frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelMode {
    /// Two independent channels.
    Stereo,
    /// Stereo with joint coding.
    JointStereo,
    /// Two mono channels.
    DualChannel,
    /// One channel.
    Mono,
}

/// One parsed MPEG audio frame header (the 32 bits after which side info or a CRC follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mp3Header {
    /// MPEG version.
    pub version: MpegVersion,
    /// Layer 1, 2 or 3 (the reader accepts only 3).
    pub layer: u8,
    /// A 16-bit CRC follows the header (`protection_bit == 0`).
    pub crc: bool,
    /// Bitrate in bit/s; 0 for free format.
    pub bitrate: u32,
    /// Sampling rate in Hz.
    pub sample_rate: u32,
    /// One padding byte (slot) is added to this frame.
    pub padding: bool,
    /// Channel mode.
    pub channel_mode: ChannelMode,
}

/// Bitrates in kbit/s by bitrate_index 1..=14 (ISO/IEC 11172-3 2.4.2.3, 13818-3 2.4.2.3).
const BITRATES_V1: [[u16; 14]; 3] = [
    [
        32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
    ],
    [
        32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
    ],
    [
        32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
];
const BITRATES_V2_L1: [u16; 14] = [
    32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
];
const BITRATES_V2_L23: [u16; 14] = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

impl Mp3Header {
    /// Parses the 4 header bytes at byte `offset` (for error messages). Any syntactically valid
    /// MPEG audio header parses (layers 1 to 3, free format); reserved values are errors.
    pub fn parse(bytes: &[u8; 4], offset: u64) -> Result<Self> {
        if bytes[0] != 0xFF || bytes[1] & 0xE0 != 0xE0 {
            return Err(Error::AudioSync {
                format: FORMAT,
                offset,
                expected: "an MPEG audio frame syncword (11 bits set)",
                found: hex(&bytes[..2]),
            });
        }
        let invalid = |field, value: u8, expected| Error::AudioInvalidHeader {
            format: FORMAT,
            offset,
            field,
            value: u32::from(value),
            expected,
        };
        let version = match (bytes[1] >> 3) & 0x3 {
            0 => MpegVersion::Mpeg25,
            2 => MpegVersion::Mpeg2,
            3 => MpegVersion::Mpeg1,
            v => {
                return Err(invalid(
                    "version ID",
                    v,
                    "0 (2.5), 2 (MPEG-2) or 3 (MPEG-1)",
                ));
            }
        };
        let layer = match (bytes[1] >> 1) & 0x3 {
            0 => return Err(invalid("layer", 0, "1..=3 (0 is reserved)")),
            bits => 4 - bits,
        };
        let bitrate_index = bytes[2] >> 4;
        let bitrate_kbps = match bitrate_index {
            0 => 0,
            15 => {
                return Err(invalid("bitrate_index", 15, "0..=14 (15 is forbidden)"));
            }
            i => {
                let i = usize::from(i - 1);
                match (version, layer) {
                    (MpegVersion::Mpeg1, l) => BITRATES_V1[usize::from(l - 1)][i],
                    (_, 1) => BITRATES_V2_L1[i],
                    _ => BITRATES_V2_L23[i],
                }
            }
        };
        let sr_index = (bytes[2] >> 2) & 0x3;
        let base = match sr_index {
            0 => 44100,
            1 => 48000,
            2 => 32000,
            _ => {
                return Err(invalid("sampling_frequency", 3, "0..=2 (3 is reserved)"));
            }
        };
        let sample_rate = match version {
            MpegVersion::Mpeg1 => base,
            MpegVersion::Mpeg2 => base / 2,
            MpegVersion::Mpeg25 => base / 4,
        };
        let channel_mode = match bytes[3] >> 6 {
            0 => ChannelMode::Stereo,
            1 => ChannelMode::JointStereo,
            2 => ChannelMode::DualChannel,
            _ => ChannelMode::Mono,
        };
        Ok(Mp3Header {
            version,
            layer,
            crc: bytes[1] & 0x1 == 0,
            bitrate: u32::from(bitrate_kbps) * 1000,
            sample_rate,
            padding: bytes[2] & 0x2 != 0,
            channel_mode,
        })
    }

    /// Errors for what the reader does not pass through: layers 1 and 2, free format.
    pub fn check_supported(&self, offset: u64) -> Result<()> {
        if self.layer != 3 {
            return Err(Error::AudioUnsupported {
                format: FORMAT,
                offset,
                field: "layer",
                value: u32::from(self.layer),
                supported: "Layer III (MP3)",
            });
        }
        if self.bitrate == 0 {
            return Err(Error::AudioUnsupported {
                format: FORMAT,
                offset,
                field: "bitrate_index",
                value: 0,
                supported: "fixed bitrates (bitrate_index 1..=14), not free format",
            });
        }
        Ok(())
    }

    /// Samples per channel in one frame: 384 (Layer I), 1152 (Layer II, MPEG-1 Layer III),
    /// 576 (MPEG-2/2.5 Layer III).
    pub fn samples_per_frame(&self) -> u32 {
        match (self.layer, self.version) {
            (1, _) => 384,
            (3, MpegVersion::Mpeg2 | MpegVersion::Mpeg25) => 576,
            _ => 1152,
        }
    }

    /// The frame length in bytes, header included; 0 for free format, whose length the header
    /// does not give. Layer III: `144 * bitrate / sample_rate + padding` for MPEG-1 and
    /// `72 * ...` for MPEG-2/2.5 (the bits per frame over 8).
    pub fn frame_len(&self) -> usize {
        let pad = usize::from(self.padding);
        let br = self.bitrate as usize;
        let sr = self.sample_rate as usize;
        if self.layer == 1 {
            (12 * br / sr + pad) * 4
        } else {
            self.samples_per_frame() as usize / 8 * br / sr + pad
        }
    }

    /// 1 for mono, else 2.
    pub fn channels(&self) -> u8 {
        if self.channel_mode == ChannelMode::Mono {
            1
        } else {
            2
        }
    }

    /// Layer III side information length, after which a Xing/Info tag sits.
    fn side_info_len(&self) -> usize {
        match (self.version, self.channel_mode) {
            (MpegVersion::Mpeg1, ChannelMode::Mono) => 17,
            (MpegVersion::Mpeg1, _) => 32,
            (_, ChannelMode::Mono) => 9,
            _ => 17,
        }
    }

    /// The parameters one track must keep, as (name, value), for mid-stream comparison.
    fn track_params(&self) -> [(&'static str, u32); 3] {
        [
            ("layer", u32::from(self.layer)),
            ("sample rate (Hz)", self.sample_rate),
            ("channel count", u32::from(self.channels())),
        ]
    }
}

/// The metadata frame some encoders put first (Xing/Info by LAME and ffmpeg, VBRI by
/// Fraunhofer): not audio, so the reader skips it and reports what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mp3InfoFrame {
    /// `Xing` (VBR), `Info` (CBR) or `VBRI`.
    pub tag: [u8; 4],
    /// The audio frame count it declares (the info frame excluded).
    pub frames: Option<u32>,
    /// The stream byte count it declares.
    pub bytes: Option<u32>,
    /// Encoder delay in samples from a LAME tag (the decoder's own delay not included).
    pub encoder_delay: Option<u16>,
    /// Padding samples at the end from a LAME tag.
    pub encoder_padding: Option<u16>,
}

impl Mp3InfoFrame {
    /// Recognises an info frame: `Xing`/`Info` after the side information, or `VBRI` 32 bytes
    /// after the header.
    fn parse(frame: &[u8], header: &Mp3Header) -> Option<Self> {
        let be32 = |at: usize| -> Option<u32> {
            Some(u32::from_be_bytes(*frame.get(at..at + 4)?.first_chunk()?))
        };
        let xing = 4 + header.side_info_len();
        if let Some(tag @ (b"Xing" | b"Info")) = frame.get(xing..xing + 4) {
            let flags = be32(xing + 4).unwrap_or(0);
            let mut at = xing + 8;
            let mut field = |bit: u32, len: usize| {
                let value = (flags & bit != 0).then(|| be32(at)).flatten();
                if flags & bit != 0 {
                    at += len;
                }
                value
            };
            let frames = field(1, 4);
            let bytes = field(2, 4);
            field(4, 100); // seek table
            field(8, 4); // quality
            let (mut encoder_delay, mut encoder_padding) = (None, None);
            if let Some(b"LAME" | b"Lavf" | b"Lavc" | b"GOGO") = frame.get(at..at + 4)
                && let Some(&[a, b, c]) = frame.get(at + 21..at + 24)
            {
                encoder_delay = Some((u16::from(a) << 4) | u16::from(b >> 4));
                encoder_padding = Some((u16::from(b & 0xF) << 8) | u16::from(c));
            }
            return Some(Mp3InfoFrame {
                tag: [tag[0], tag[1], tag[2], tag[3]],
                frames,
                bytes,
                encoder_delay,
                encoder_padding,
            });
        }
        if frame.get(36..40) == Some(b"VBRI") {
            return Some(Mp3InfoFrame {
                tag: *b"VBRI",
                frames: be32(50),
                bytes: be32(46),
                encoder_delay: frame.get(42..44).map(|d| u16::from_be_bytes([d[0], d[1]])),
                encoder_padding: None,
            });
        }
        None
    }
}

/// A streaming MP3 reader: one [`AudioConfig`] from the first audio frame, then one
/// [`AudioFrame`] per MP3 frame (whole frames, header included, as MP4 stores them).
///
/// - ID3v2 tags are skipped (at the start and between frames); an ID3v1 `TAG`, APEv2 or Lyrics3
///   trailer ends the stream.
/// - A leading Xing/Info or VBRI frame is metadata, not audio: it is skipped and available as
///   [`info_frame`](Self::info_frame) (with the LAME encoder delay and padding, for trimming).
/// - Junk before the first frame or between frames is skipped: a candidate header counts only
///   when the next frame's header matches it. More than [`RESYNC_LIMIT`] bytes without one is
///   [`Error::AudioNoSync`]; junk up to the end of the stream ends it (counted in
///   [`AudioStats::skipped_bytes`]).
/// - A frame whose layer, sample rate or channel count differs from the first frame's is
///   [`Error::AudioConfigChanged`] when the frame after it (or the end of the stream) confirms
///   it; an unconfirmed one is junk that looks like a header and is skipped. Free format and
///   layers I/II are [`Error::AudioUnsupported`].
/// - A truncated last frame is [`Error::AudioTruncated`], returned after every complete frame;
///   a caller that accepts cut-off files can treat it as the end. After any error `next_frame`
///   returns `Ok(None)`.
/// - Bitrates in [`config`](Self::config) are 0 until `next_frame` has returned `Ok(None)`, then
///   final; [`stats`](Self::stats) has running figures; [`read_all`](Self::read_all) reads all.
pub struct Mp3Reader<R> {
    src: Source<R>,
    first: Mp3Header,
    config: AudioConfig,
    info: Option<Mp3InfoFrame>,
    meter: BitrateMeter,
    pts: u64,
    skipped: u64,
    done: bool,
}

impl<R: Read> Mp3Reader<R> {
    /// Skips ID3v2 tags and junk, reads the first frame header and skips a Xing/Info/VBRI frame.
    pub fn new(reader: R) -> Result<Self> {
        Self::from_source(Source::new(reader))
    }

    pub(super) fn from_source(mut src: Source<R>) -> Result<Self> {
        skip_id3v2(&mut src, FORMAT)?;
        let start = src.offset();
        let (first, skipped) = match find_sync(&mut src, None)? {
            Some(found) => found,
            None => {
                return Err(Error::AudioEmpty {
                    format: FORMAT,
                    offset: src.offset(),
                });
            }
        };
        debug_assert!(src.offset() >= start);
        let len = first.frame_len();
        let offset = src.offset();
        let frame = src.peek(len)?;
        let info = if frame.len() == len {
            Mp3InfoFrame::parse(frame, &first)
        } else {
            None
        };
        if info.is_some() {
            src.consume(len);
        } else if frame.len() < len {
            return Err(Error::AudioTruncated {
                format: FORMAT,
                offset,
                what: "frame",
                expected: len as u64,
                available: frame.len() as u64,
            });
        }
        let samples_per_frame = first.samples_per_frame();
        let config = AudioConfig {
            codec: AudioCodec::Mp3,
            sample_rate: first.sample_rate,
            channels: first.channels(),
            samples_per_frame,
            audio_specific_config: Vec::new(),
            avg_bitrate: 0,
            max_bitrate: 0,
        };
        Ok(Mp3Reader {
            src,
            first,
            config,
            info,
            meter: BitrateMeter::new(first.sample_rate, samples_per_frame),
            pts: 0,
            skipped,
            done: false,
        })
    }

    /// The stream's configuration; bitrates are 0 until the end has been read.
    pub fn config(&self) -> &AudioConfig {
        &self.config
    }

    /// The first frame's header (the Xing/Info/VBRI frame's, when there is one), which sets
    /// the configuration.
    pub fn first_header(&self) -> &Mp3Header {
        &self.first
    }

    /// The leading Xing/Info/VBRI frame, if there was one.
    pub fn info_frame(&self) -> Option<&Mp3InfoFrame> {
        self.info.as_ref()
    }

    /// Figures over the frames returned so far.
    pub fn stats(&self) -> AudioStats {
        AudioStats::from_meter(
            &self.meter,
            u64::from(self.config.samples_per_frame),
            self.skipped,
        )
    }

    /// The next frame, `Ok(None)` at the end of the stream.
    pub fn next_frame(&mut self) -> Result<Option<AudioFrame>> {
        if self.done {
            return Ok(None);
        }
        let result = self.read_frame();
        settle(&result, &mut self.done, &mut self.config, &self.meter);
        result
    }

    /// Reads every frame; the returned config has its bitrates. Holds the whole stream in
    /// memory (about 1 MB per minute at 128 kbit/s).
    pub fn read_all(mut self) -> Result<(AudioConfig, Vec<AudioFrame>)> {
        let mut frames = Vec::new();
        while let Some(frame) = self.next_frame()? {
            frames.push(frame);
        }
        Ok((self.config, frames))
    }

    /// Returns the frame of `header` at the current position, `offset`.
    fn take_frame(&mut self, offset: u64, header: &Mp3Header) -> Result<AudioFrame> {
        let len = header.frame_len();
        let available = self.src.peek(len)?.len();
        if available < len {
            return Err(Error::AudioTruncated {
                format: FORMAT,
                offset,
                what: "frame",
                expected: len as u64,
                available: available as u64,
            });
        }
        let data = self.src.take(0, len);
        self.meter.push(len);
        let frame = AudioFrame {
            data,
            pts: self.pts,
            duration: self.config.samples_per_frame,
        };
        self.pts += u64::from(self.config.samples_per_frame);
        Ok(frame)
    }

    fn read_frame(&mut self) -> Result<Option<AudioFrame>> {
        loop {
            let offset = self.src.offset();
            let head = self.src.peek(10)?;
            if head.is_empty() || is_trailer(head) {
                return Ok(None);
            }
            if id3v2_len(head).is_some() {
                skip_id3v2(&mut self.src, FORMAT)?;
                continue;
            }
            let head_len = head.len();
            let parsed = head
                .first_chunk::<4>()
                .and_then(|b| Mp3Header::parse(b, offset).ok());
            let short_header = head.len() < 4 && head[0] == 0xFF;
            if let Some(header) = parsed {
                let first = self.first.track_params();
                let params = header.track_params();
                if params == first && header.bitrate != 0 {
                    return self.take_frame(offset, &header).map(Some);
                }
                // A header that changes the track is an error only when the next frame
                // confirms it; otherwise it is junk that happens to look like a header.
                if params != first
                    && confirms(&mut self.src, 0, &header)? != Some(false)
                    && let Some(((field, first), (_, found))) =
                        first.into_iter().zip(params).find(|(a, b)| a.1 != b.1)
                {
                    return Err(Error::AudioConfigChanged {
                        format: FORMAT,
                        offset,
                        field,
                        first,
                        found,
                    });
                }
            }
            if short_header {
                return Err(Error::AudioTruncated {
                    format: FORMAT,
                    offset,
                    what: "header",
                    expected: 4,
                    available: head_len as u64,
                });
            }
            let first = self.first;
            match find_sync(&mut self.src, Some(&first))? {
                Some((_, skipped)) => self.skipped += skipped,
                None => {
                    self.skipped += self.src.offset() - offset;
                    return Ok(None);
                }
            }
        }
    }
}

/// Whether what follows the frame of `header` starting `at` bytes ahead confirms it: a header
/// with the same track parameters, a tag, or the end of the stream. `None`: the stream ends
/// inside the frame. Free-format frames (no length) are never confirmed.
fn confirms<R: Read>(src: &mut Source<R>, at: usize, header: &Mp3Header) -> Result<Option<bool>> {
    let len = header.frame_len();
    if len <= 4 {
        return Ok(Some(false));
    }
    let next = src.peek(at + len + 4)?;
    Ok(next.get(at + len..).map(|rest| {
        rest.len() < 4
            || is_trailer(rest)
            || rest.starts_with(b"ID3")
            || rest.first_chunk::<4>().is_some_and(|b| {
                Mp3Header::parse(b, 0).is_ok_and(|h| h.track_params() == header.track_params())
            })
    }))
}

/// Searches up to [`RESYNC_LIMIT`] bytes from the current position for a supported frame header
/// (consistent with `expect`, if given) that the next frame's header confirms, and consumes the
/// junk before it. `Ok(None)`: the stream (or the audio, at a trailer) ends first.
fn find_sync<R: Read>(
    src: &mut Source<R>,
    expect: Option<&Mp3Header>,
) -> Result<Option<(Mp3Header, u64)>> {
    let start = src.offset();
    let mut unsupported = None;
    let mut i = 0usize;
    loop {
        if i > RESYNC_LIMIT {
            return Err(unsupported.unwrap_or(Error::AudioNoSync {
                format: FORMAT,
                offset: start,
                searched: i as u64,
            }));
        }
        let buf = src.peek(i + 4)?;
        if buf.len() < i + 4 {
            if let Some(e) = unsupported {
                return Err(e);
            }
            let rest = buf.len();
            src.consume(rest);
            return Ok(None);
        }
        if expect.is_some() && is_trailer(&buf[i..]) {
            src.consume(i);
            return Ok(None);
        }
        let offset = start + i as u64;
        let candidate = buf[i..]
            .first_chunk::<4>()
            .filter(|b| b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
            .and_then(|b| Mp3Header::parse(b, offset).ok())
            .filter(|h| expect.is_none_or(|e| e.track_params() == h.track_params()));
        if let Some(header) = candidate {
            match header.check_supported(offset) {
                Err(e) if i == 0 && expect.is_none() => return Err(e),
                Err(e) => {
                    unsupported.get_or_insert(e);
                }
                Ok(()) => {
                    // Truncated: accept at the very start so the truncation is reported.
                    let confirmed = confirms(src, i, &header)?.unwrap_or(i == 0);
                    if confirmed {
                        src.consume(i);
                        return Ok(Some((header, i as u64)));
                    }
                }
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_mpeg1_layer3_header() {
        // androidx_bear-cbr: FF FB 94 64 = MPEG-1 Layer III, no CRC, 128 kbit/s, 48 kHz,
        // no padding, joint stereo.
        let h = Mp3Header::parse(&[0xFF, 0xFB, 0x94, 0x64], 0).unwrap();
        assert_eq!(h.version, MpegVersion::Mpeg1);
        assert_eq!(h.layer, 3);
        assert!(!h.crc);
        assert_eq!(h.bitrate, 128_000);
        assert_eq!(h.sample_rate, 48000);
        assert!(!h.padding);
        assert_eq!(h.channel_mode, ChannelMode::JointStereo);
        assert_eq!(h.channels(), 2);
        assert_eq!(h.samples_per_frame(), 1152);
        assert_eq!(h.frame_len(), 384);
        h.check_supported(0).unwrap();
    }

    #[test]
    fn golden_mpeg2_and_25_lengths() {
        // MPEG-2 Layer III, CRC, 64 kbit/s (index 8), 22.05 kHz, padding, mono.
        let h = Mp3Header::parse(&[0xFF, 0xF2, 0x82, 0xC0], 0).unwrap();
        assert_eq!(h.version, MpegVersion::Mpeg2);
        assert!(h.crc);
        assert_eq!((h.bitrate, h.sample_rate, h.channels()), (64_000, 22050, 1));
        assert_eq!(h.samples_per_frame(), 576);
        assert_eq!(h.frame_len(), 72 * 64_000 / 22050 + 1);
        // MPEG 2.5 Layer III, 8 kbit/s, 8 kHz (index 2), no padding, stereo.
        let h = Mp3Header::parse(&[0xFF, 0xE3, 0x18, 0x00], 0).unwrap();
        assert_eq!(h.version, MpegVersion::Mpeg25);
        assert_eq!((h.bitrate, h.sample_rate), (8_000, 8000));
        assert_eq!(h.frame_len(), 72);
        // MPEG-1 Layer III 320 kbit/s 44.1 kHz with padding.
        let h = Mp3Header::parse(&[0xFF, 0xFB, 0xE2, 0x00], 0).unwrap();
        assert_eq!(h.frame_len(), 144 * 320_000 / 44100 + 1);
    }

    #[test]
    fn rejects_reserved_and_unsupported_headers() {
        let msg = |b: [u8; 4]| match Mp3Header::parse(&b, 7) {
            Ok(h) => h.check_supported(7).unwrap_err().to_string(),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            msg([0xFF, 0xEB, 0x94, 0x64]),
            "MP3: byte 7: invalid version ID 1: expected 0 (2.5), 2 (MPEG-2) or 3 (MPEG-1)"
        );
        assert!(msg([0xFF, 0xF9, 0x94, 0x64]).contains("invalid layer 0"));
        assert!(msg([0xFF, 0xFB, 0xF4, 0x64]).contains("invalid bitrate_index 15"));
        assert!(msg([0xFF, 0xFB, 0x9C, 0x64]).contains("invalid sampling_frequency 3"));
        assert_eq!(
            msg([0xFF, 0xFB, 0x04, 0x64]),
            "MP3: byte 7: unsupported bitrate_index 0: \
             framecast supports fixed bitrates (bitrate_index 1..=14), not free format"
        );
        assert_eq!(
            msg([0xFF, 0xFD, 0x94, 0x64]),
            "MP3: byte 7: unsupported layer 2: framecast supports Layer III (MP3)"
        );
        assert!(msg([0x00, 0xFB, 0x94, 0x64]).contains("expected an MPEG audio frame syncword"));
    }
}
