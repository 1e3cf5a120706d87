//! ADTS (Audio Data Transport Stream) AAC reader, ISO/IEC 14496-3 1.A.2 (syntax, tables 1.A.5 to
//! 1.A.11) and 1.A.3 (semantics).
//!
//! Each ADTS frame is a 7-byte header (9 with a CRC) followed by one AAC raw data block, which is
//! exactly what an MP4 `mp4a` sample holds; the header's fixed part becomes the 2-byte
//! AudioSpecificConfig of the `esds` box (1.6.2.1).

use std::io::Read;

use super::source::{BitrateMeter, Source, hex, is_trailer, settle, skip_id3v2};
use super::{AudioCodec, AudioConfig, AudioFrame, AudioStats};
use crate::{Error, Result};

const FORMAT: &str = "ADTS";

/// Samples per channel in one AAC raw data block (AAC-LC and the other 1024-frame profiles).
pub const AAC_SAMPLES_PER_FRAME: u32 = 1024;

/// ISO/IEC 14496-3 1.6.3.4 table 1.18: sampling_frequency_index to Hz (13 and 14 reserved,
/// 15 is an explicit frequency, which ADTS cannot carry).
const SAMPLE_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// One parsed ADTS header (adts_fixed_header + adts_variable_header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdtsHeader {
    /// `ID`: false for MPEG-4, true for MPEG-2 AAC.
    pub mpeg2: bool,
    /// `protection_absent`: false when a 16-bit CRC follows the header.
    pub protection_absent: bool,
    /// `profile_ObjectType`: audioObjectType - 1 (1 = AAC-LC).
    pub profile: u8,
    /// `sampling_frequency_index` (table 1.18).
    pub sampling_frequency_index: u8,
    /// `channel_configuration` (table 1.19; 0 = defined by a program_config_element).
    pub channel_configuration: u8,
    /// `aac_frame_length`: the whole ADTS frame, header included.
    pub frame_length: u16,
    /// `adts_buffer_fullness` (0x7FF: variable rate).
    pub buffer_fullness: u16,
    /// `number_of_raw_data_blocks_in_frame`: raw data blocks - 1.
    pub raw_data_blocks_minus_1: u8,
}

impl AdtsHeader {
    /// Parses the 7 header bytes at byte `offset` (for error messages) and checks every field
    /// framecast relies on: syncword, layer 0, a sampling_frequency_index of 8 to 48 kHz, 1 to 6
    /// channels, one raw data block per frame and a frame longer than its header.
    pub fn parse(bytes: &[u8; 7], offset: u64) -> Result<Self> {
        let sync = (u16::from(bytes[0]) << 4) | u16::from(bytes[1] >> 4);
        if sync != 0xFFF {
            return Err(Error::AudioSync {
                format: FORMAT,
                offset,
                expected: "the ADTS syncword 0xFFF",
                found: hex(&bytes[..2]),
            });
        }
        let layer = (bytes[1] >> 1) & 0x3;
        if layer != 0 {
            return Err(invalid(
                offset,
                "layer",
                layer,
                "0 (ADTS; 1..=3 is MPEG audio)",
            ));
        }
        let header = AdtsHeader {
            mpeg2: bytes[1] & 0x08 != 0,
            protection_absent: bytes[1] & 0x01 != 0,
            profile: bytes[2] >> 6,
            sampling_frequency_index: (bytes[2] >> 2) & 0xF,
            channel_configuration: ((bytes[2] & 0x1) << 2) | (bytes[3] >> 6),
            frame_length: (u16::from(bytes[3] & 0x3) << 11)
                | (u16::from(bytes[4]) << 3)
                | u16::from(bytes[5] >> 5),
            buffer_fullness: (u16::from(bytes[5] & 0x1F) << 6) | u16::from(bytes[6] >> 2),
            raw_data_blocks_minus_1: bytes[6] & 0x3,
        };
        let sfi = header.sampling_frequency_index;
        if usize::from(sfi) >= SAMPLE_RATES.len() {
            return Err(invalid(
                offset,
                "sampling_frequency_index",
                sfi,
                "0..=12 (13 and 14 are reserved, 15 is not allowed in ADTS)",
            ));
        }
        if !(3..=11).contains(&sfi) {
            return Err(unsupported(
                offset,
                "sample rate (Hz)",
                header.sample_rate(),
                "8000..=48000 Hz (sampling_frequency_index 3..=11)",
            ));
        }
        match header.channel_configuration {
            0 => {
                return Err(unsupported(
                    offset,
                    "channel_configuration",
                    0u8,
                    "1..=6 (0 means channels defined by an in-band program_config_element)",
                ));
            }
            7 => {
                return Err(unsupported(
                    offset,
                    "channel_configuration",
                    7u8,
                    "1..=6, mono to 5.1 (7 is 7.1)",
                ));
            }
            _ => {}
        }
        if header.raw_data_blocks_minus_1 != 0 {
            return Err(unsupported(
                offset,
                "number_of_raw_data_blocks_in_frame",
                header.raw_data_blocks_minus_1,
                "0 (one raw data block per ADTS frame)",
            ));
        }
        if usize::from(header.frame_length) <= header.header_len() {
            return Err(Error::AudioInvalidHeader {
                format: FORMAT,
                offset,
                field: "aac_frame_length",
                value: u32::from(header.frame_length),
                expected: if header.protection_absent {
                    "more than the 7-byte header"
                } else {
                    "more than the 9-byte header with CRC"
                },
            });
        }
        Ok(header)
    }

    /// The header length: 7 bytes, 9 with the CRC (`protection_absent == 0`).
    pub fn header_len(&self) -> usize {
        if self.protection_absent { 7 } else { 9 }
    }

    /// The sampling rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        SAMPLE_RATES
            .get(usize::from(self.sampling_frequency_index))
            .copied()
            .unwrap_or(0)
    }

    /// The MPEG-4 audioObjectType (`profile + 1`; 2 = AAC-LC).
    pub fn audio_object_type(&self) -> u8 {
        self.profile + 1
    }

    /// The 2-byte AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): audioObjectType (5 bits),
    /// samplingFrequencyIndex (4), channelConfiguration (4), then GASpecificConfig's
    /// frameLengthFlag, dependsOnCoreCoder and extensionFlag, all 0 (1024-sample frames).
    pub fn audio_specific_config(&self) -> [u8; 2] {
        let aot = self.audio_object_type() & 0x1F;
        let sfi = self.sampling_frequency_index & 0xF;
        let ch = self.channel_configuration & 0xF;
        [(aot << 3) | (sfi >> 1), ((sfi & 1) << 7) | (ch << 3)]
    }
}

fn invalid(offset: u64, field: &'static str, value: u8, expected: &'static str) -> Error {
    Error::AudioInvalidHeader {
        format: FORMAT,
        offset,
        field,
        value: u32::from(value),
        expected,
    }
}

fn unsupported(
    offset: u64,
    field: &'static str,
    value: impl Into<u32>,
    supported: &'static str,
) -> Error {
    Error::AudioUnsupported {
        format: FORMAT,
        offset,
        field,
        value: value.into(),
        supported,
    }
}

/// A streaming ADTS reader: one [`AudioConfig`] from the first header, then one
/// [`AudioFrame`] per ADTS frame with the header (and CRC) stripped.
///
/// - A leading ID3v2 tag is skipped; an ID3v1 `TAG`, APEv2 or Lyrics3 trailer ends the stream.
/// - There is no resynchronisation: anything but a syncword where a frame must start is an
///   error naming the byte offset, as is a header whose profile, sampling rate or channel
///   configuration differs from the first one.
/// - A truncated last frame is an error ([`Error::AudioTruncated`]) returned after every
///   complete frame; the frames before it are valid, so a caller that accepts a cut-off file can
///   treat that error as the end. After any error `next_frame` returns `Ok(None)`.
/// - Bitrates: [`config`](Self::config) has `avg_bitrate` and `max_bitrate` 0 until
///   `next_frame` has returned `Ok(None)`; from then on they hold the final figures, as does
///   [`stats`](Self::stats) (running figures at any time). [`read_all`](Self::read_all) reads a
///   whole stream and returns the complete config.
///
/// ```
/// use framecast_mux::audio::AdtsReader;
///
/// // One ADTS frame: AAC-LC, 44.1 kHz, mono, a 2-byte raw data block.
/// let data = [0xFF, 0xF1, 0x50, 0x40, 0x01, 0x3F, 0xFC, 0x21, 0x0A];
/// let mut reader = AdtsReader::new(&data[..])?;
/// assert_eq!(reader.config().sample_rate, 44100);
/// assert_eq!(reader.config().audio_specific_config, [0x12, 0x08]);
/// let frame = reader.next_frame()?.expect("one frame");
/// assert_eq!(frame.data, [0x21, 0x0A]);
/// assert!(reader.next_frame()?.is_none());
/// # Ok::<(), framecast_mux::Error>(())
/// ```
pub struct AdtsReader<R> {
    src: Source<R>,
    first: AdtsHeader,
    config: AudioConfig,
    meter: BitrateMeter,
    pts: u64,
    done: bool,
}

impl<R: Read> AdtsReader<R> {
    /// Skips a leading ID3v2 tag and reads the first ADTS header (the frame itself is returned
    /// by the first [`next_frame`](Self::next_frame)).
    pub fn new(reader: R) -> Result<Self> {
        Self::from_source(Source::new(reader))
    }

    pub(super) fn from_source(mut src: Source<R>) -> Result<Self> {
        skip_id3v2(&mut src, FORMAT)?;
        let offset = src.offset();
        let head = src.peek(7)?;
        if head.is_empty() {
            return Err(Error::AudioEmpty {
                format: FORMAT,
                offset,
            });
        }
        let first = parse_at(head, offset)?;
        let config = AudioConfig {
            codec: AudioCodec::Aac,
            sample_rate: first.sample_rate(),
            channels: first.channel_configuration,
            samples_per_frame: AAC_SAMPLES_PER_FRAME,
            audio_specific_config: first.audio_specific_config().to_vec(),
            avg_bitrate: 0,
            max_bitrate: 0,
        };
        let meter = BitrateMeter::new(config.sample_rate, AAC_SAMPLES_PER_FRAME);
        Ok(AdtsReader {
            src,
            first,
            config,
            meter,
            pts: 0,
            done: false,
        })
    }

    /// The stream's configuration; bitrates are 0 until the end has been read.
    pub fn config(&self) -> &AudioConfig {
        &self.config
    }

    /// The first frame's header.
    pub fn first_header(&self) -> &AdtsHeader {
        &self.first
    }

    /// Figures over the frames returned so far.
    pub fn stats(&self) -> AudioStats {
        AudioStats::from_meter(&self.meter, u64::from(AAC_SAMPLES_PER_FRAME), 0)
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

    fn read_frame(&mut self) -> Result<Option<AudioFrame>> {
        let offset = self.src.offset();
        let head = self.src.peek(8)?;
        if head.is_empty() || is_trailer(head) {
            return Ok(None);
        }
        let header = parse_at(head, offset)?;
        let first = &self.first;
        for (field, a, b) in [
            ("profile", first.profile, header.profile),
            (
                "sampling_frequency_index",
                first.sampling_frequency_index,
                header.sampling_frequency_index,
            ),
            (
                "channel_configuration",
                first.channel_configuration,
                header.channel_configuration,
            ),
        ] {
            if a != b {
                return Err(Error::AudioConfigChanged {
                    format: FORMAT,
                    offset,
                    field,
                    first: u32::from(a),
                    found: u32::from(b),
                });
            }
        }
        let len = usize::from(header.frame_length);
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
        let skip = header.header_len();
        let data = self.src.take(skip, len - skip);
        self.meter.push(data.len());
        let frame = AudioFrame {
            data,
            pts: self.pts,
            duration: AAC_SAMPLES_PER_FRAME,
        };
        self.pts += u64::from(AAC_SAMPLES_PER_FRAME);
        Ok(Some(frame))
    }
}

/// Parses a header from the buffered bytes at `offset`, reporting a truncated header.
fn parse_at(head: &[u8], offset: u64) -> Result<AdtsHeader> {
    match head.first_chunk::<7>() {
        Some(bytes) => AdtsHeader::parse(bytes, offset),
        // A short tail that does not even start with a syncword is reported as such.
        None if head.len() >= 2 && (head[0] != 0xFF || head[1] & 0xF0 != 0xF0) => {
            Err(Error::AudioSync {
                format: FORMAT,
                offset,
                expected: "the ADTS syncword 0xFFF",
                found: hex(head),
            })
        }
        None => Err(Error::AudioTruncated {
            format: FORMAT,
            offset,
            what: "header",
            expected: 7,
            available: head.len() as u64,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with the given fields (protection absent unless `crc`).
    fn header(profile: u8, sfi: u8, ch: u8, len: u16, crc: bool) -> [u8; 7] {
        [
            0xFF,
            0xF0 | u8::from(!crc),
            (profile << 6) | (sfi << 2) | (ch >> 2),
            ((ch & 3) << 6) | ((len >> 11) as u8 & 3),
            (len >> 3) as u8,
            ((len & 7) as u8) << 5 | 0x1F,
            0xFC,
        ]
    }

    #[test]
    fn golden_header_from_libfaac_file() {
        // androidx_sample.adts, first frame: FF F1 50 40 03 DF FC.
        let h = AdtsHeader::parse(&[0xFF, 0xF1, 0x50, 0x40, 0x03, 0xDF, 0xFC], 0).unwrap();
        assert!(!h.mpeg2);
        assert!(h.protection_absent);
        assert_eq!(h.profile, 1);
        assert_eq!(h.audio_object_type(), 2);
        assert_eq!(h.sampling_frequency_index, 4);
        assert_eq!(h.sample_rate(), 44100);
        assert_eq!(h.channel_configuration, 1);
        assert_eq!(h.frame_length, 30);
        assert_eq!(h.buffer_fullness, 0x7FF);
        assert_eq!(h.raw_data_blocks_minus_1, 0);
        assert_eq!(h.header_len(), 7);
        // 00010 0100 0001 000: AAC-LC, 44.1 kHz, mono.
        assert_eq!(h.audio_specific_config(), [0x12, 0x08]);
    }

    #[test]
    fn golden_asc_for_48k_5_1_and_crc_header() {
        let h = AdtsHeader::parse(&header(1, 3, 6, 100, true), 0).unwrap();
        assert_eq!(h.header_len(), 9);
        assert_eq!(h.sample_rate(), 48000);
        assert_eq!(h.audio_specific_config(), [0x11, 0xB0]);
        assert_eq!(h.frame_length, 100);
    }

    #[test]
    fn rejects_reserved_and_unsupported_fields() {
        let msg = |b: [u8; 7]| AdtsHeader::parse(&b, 42).unwrap_err().to_string();
        let mut bad_sync = header(1, 4, 2, 100, false);
        bad_sync[1] = 0xE1;
        assert_eq!(
            msg(bad_sync),
            "ADTS: byte 42: expected the ADTS syncword 0xFFF, found FF E1"
        );
        let mut layer = header(1, 4, 2, 100, false);
        layer[1] |= 0x02;
        assert!(
            msg(layer).contains("invalid layer 1: expected 0"),
            "{}",
            msg(layer)
        );
        assert!(msg(header(1, 13, 2, 100, false)).contains("invalid sampling_frequency_index 13"));
        assert!(msg(header(1, 15, 2, 100, false)).contains("invalid sampling_frequency_index 15"));
        assert_eq!(
            msg(header(1, 0, 2, 100, false)),
            "ADTS: byte 42: unsupported sample rate (Hz) 96000: \
             framecast supports 8000..=48000 Hz (sampling_frequency_index 3..=11)"
        );
        assert!(msg(header(1, 12, 2, 100, false)).contains("sample rate (Hz) 7350"));
        assert!(msg(header(1, 4, 7, 100, false)).contains("channel_configuration 7"));
        assert!(msg(header(1, 4, 0, 100, false)).contains("program_config_element"));
        assert_eq!(
            msg(header(1, 4, 2, 7, false)),
            "ADTS: byte 42: invalid aac_frame_length 7: expected more than the 7-byte header"
        );
        assert!(msg(header(1, 4, 2, 9, true)).contains("9-byte header with CRC"));
        let mut blocks = header(1, 4, 2, 100, false);
        blocks[6] |= 1;
        assert_eq!(
            msg(blocks),
            "ADTS: byte 42: unsupported number_of_raw_data_blocks_in_frame 1: \
             framecast supports 0 (one raw data block per ADTS frame)"
        );
    }
}
