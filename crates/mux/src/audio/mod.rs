//! Compressed audio for passthrough: ADTS (AAC) and MP3 stream parsers.
//!
//! A parser turns a byte stream into one [`AudioConfig`] and a sequence of [`AudioFrame`]s that
//! the MP4 writer stores as samples without re-encoding.
//!
//! - [`AdtsReader`]: AAC in ADTS (ISO/IEC 14496-3 1.A.2), headers stripped, a 2-byte
//!   AudioSpecificConfig for the `esds` box;
//! - [`Mp3Reader`]: MPEG-1/2/2.5 Layer III frames, ID3v2 and Xing/Info/VBRI frames skipped;
//! - [`AudioReader`]: either, chosen by the stream's first frame header.
//!
//! Both stream from any `Read` with a few KiB of look-ahead, report malformed input with the
//! byte offset and what was expected, and know the bitrates only once the whole stream has been
//! read (see [`AudioConfig::avg_bitrate`]).
//!
//! ```
//! use framecast_mux::audio::{AudioCodec, AdtsReader};
//!
//! let adts = [0xFF, 0xF1, 0x50, 0x40, 0x01, 0x3F, 0xFC, 0x21, 0x0A];
//! let (config, frames) = AdtsReader::new(&adts[..])?.read_all()?;
//! assert_eq!(config.codec, AudioCodec::Aac);
//! assert_eq!((config.sample_rate, config.channels, frames.len()), (44100, 1, 1));
//! # Ok::<(), framecast_mux::Error>(())
//! ```

mod adts;
mod mp3;
mod source;

use std::io::Read;

use crate::{Error, Result};

pub use adts::{AAC_SAMPLES_PER_FRAME, AdtsHeader, AdtsReader};
pub use mp3::{ChannelMode, Mp3Header, Mp3InfoFrame, Mp3Reader, MpegVersion, RESYNC_LIMIT};

/// The audio codecs framecast passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AudioCodec {
    /// MPEG-4 AAC (from ADTS); MP4 sample entry `mp4a`, object type 0x40.
    Aac,
    /// MPEG-1/2 Layer III; MP4 sample entry `mp4a`, object type 0x6B.
    Mp3,
}

/// What the MP4 writer needs to describe an audio track.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AudioConfig {
    /// The codec.
    pub codec: AudioCodec,
    /// Sampling rate in Hz (8000..=48000); also the track timescale.
    pub sample_rate: u32,
    /// Channel count (1..=6).
    pub channels: u8,
    /// Samples per frame per channel (1024 for AAC-LC, 1152 or 576 for MP3).
    pub samples_per_frame: u32,
    /// AAC AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) for the `esds` box; empty for MP3.
    pub audio_specific_config: Vec<u8>,
    /// Average bitrate in bit/s, if known (for `esds`/`btrt`), else 0.
    ///
    /// The readers fill both bitrates only once the stream has been read to its end
    /// (`next_frame` returned `Ok(None)`, or `read_all`); before that they are 0.
    pub avg_bitrate: u32,
    /// Largest bitrate in bit/s over any run of frames lasting at most one second
    /// (ISO/IEC 14496-1 7.2.6.6 `maxBitrate`), if known, else 0.
    pub max_bitrate: u32,
}

impl AudioConfig {
    /// An AAC configuration for frames from a source other than the ADTS reader (an encoder, a
    /// demuxer): `audio_specific_config` is the ISO/IEC 14496-3 1.6.2.1 AudioSpecificConfig
    /// that goes into `esds` (2 bytes for AAC-LC). Bitrates start at 0 (unknown); set
    /// [`avg_bitrate`](Self::avg_bitrate) and [`max_bitrate`](Self::max_bitrate) if known.
    ///
    /// Accepted: 8000..=48000 Hz, 1..=6 channels (mono to 5.1), an AudioSpecificConfig of 2 or
    /// more bytes with an audio object type other than 0 (null); frames of 1024 samples.
    ///
    /// ```
    /// use framecast_mux::audio::AudioConfig;
    /// // AAC-LC (object type 2), 48 kHz (index 3), stereo.
    /// let config = AudioConfig::aac(48000, 2, vec![0x11, 0x90])?;
    /// assert_eq!(config.samples_per_frame, 1024);
    /// assert!(AudioConfig::aac(48000, 7, vec![0x11, 0x90]).is_err());
    /// # Ok::<(), framecast_mux::Error>(())
    /// ```
    pub fn aac(sample_rate: u32, channels: u8, audio_specific_config: Vec<u8>) -> Result<Self> {
        check_rate_channels("AAC", sample_rate, channels)?;
        if audio_specific_config.len() < 2 || audio_specific_config[0] >> 3 == 0 {
            return Err(Error::InvalidAudioConfig {
                codec: "AAC",
                field: "audio_specific_config",
                value: format!("{audio_specific_config:02x?}"),
                expected: "an AudioSpecificConfig of at least 2 bytes with a non-zero audio object type",
            });
        }
        Ok(AudioConfig {
            codec: AudioCodec::Aac,
            sample_rate,
            channels,
            samples_per_frame: AAC_SAMPLES_PER_FRAME,
            audio_specific_config,
            avg_bitrate: 0,
            max_bitrate: 0,
        })
    }

    /// An MP3 (MPEG-1/2/2.5 Layer III) configuration for frames from a source other than the
    /// MP3 reader. Bitrates start at 0 (unknown).
    ///
    /// Accepted: 8000..=48000 Hz, 1 or 2 channels, 1152 (MPEG-1) or 576 (MPEG-2/2.5) samples
    /// per frame.
    ///
    /// ```
    /// use framecast_mux::audio::AudioConfig;
    /// let config = AudioConfig::mp3(44100, 2, 1152)?;
    /// assert!(config.audio_specific_config.is_empty());
    /// assert!(AudioConfig::mp3(44100, 2, 1024).is_err());
    /// # Ok::<(), framecast_mux::Error>(())
    /// ```
    pub fn mp3(sample_rate: u32, channels: u8, samples_per_frame: u32) -> Result<Self> {
        check_rate_channels("MP3", sample_rate, channels)?;
        if channels > 2 {
            return Err(Error::InvalidAudioConfig {
                codec: "MP3",
                field: "channels",
                value: channels.to_string(),
                expected: "1 or 2",
            });
        }
        if !matches!(samples_per_frame, 576 | 1152) {
            return Err(Error::InvalidAudioConfig {
                codec: "MP3",
                field: "samples_per_frame",
                value: samples_per_frame.to_string(),
                expected: "1152 (MPEG-1) or 576 (MPEG-2/2.5)",
            });
        }
        Ok(AudioConfig {
            codec: AudioCodec::Mp3,
            sample_rate,
            channels,
            samples_per_frame,
            audio_specific_config: Vec::new(),
            avg_bitrate: 0,
            max_bitrate: 0,
        })
    }
}

fn check_rate_channels(codec: &'static str, sample_rate: u32, channels: u8) -> Result<()> {
    if !(8000..=48000).contains(&sample_rate) {
        return Err(Error::InvalidAudioConfig {
            codec,
            field: "sample_rate",
            value: sample_rate.to_string(),
            expected: "8000..=48000 Hz",
        });
    }
    if !(1..=6).contains(&channels) {
        return Err(Error::InvalidAudioConfig {
            codec,
            field: "channels",
            value: channels.to_string(),
            expected: "1..=6 (mono to 5.1)",
        });
    }
    Ok(())
}

/// One compressed audio frame (an AAC raw data block without ADTS header, or an MP3 frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFrame {
    /// The frame bytes as stored in the MP4 sample.
    pub data: Vec<u8>,
    /// Presentation time in samples (units of `1 / sample_rate`).
    pub pts: u64,
    /// Duration in samples.
    pub duration: u32,
}

/// Figures over the frames a reader has returned so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AudioStats {
    /// Audio frames returned.
    pub frames: u64,
    /// Their total size in bytes (as stored in MP4 samples).
    pub bytes: u64,
    /// Their total duration in samples.
    pub duration: u64,
    /// Average bitrate in bit/s (0 before the first frame).
    pub avg_bitrate: u32,
    /// Peak bitrate in bit/s over any run of frames lasting at most one second.
    pub max_bitrate: u32,
    /// Junk bytes skipped while resynchronising (MP3 only).
    pub skipped_bytes: u64,
}

impl AudioStats {
    fn from_meter(meter: &source::BitrateMeter, samples_per_frame: u64, skipped: u64) -> Self {
        AudioStats {
            frames: meter.frames,
            bytes: meter.bytes,
            duration: meter.frames * samples_per_frame,
            avg_bitrate: meter.avg_bitrate(),
            max_bitrate: meter.max_bitrate(),
            skipped_bytes: skipped,
        }
    }
}

/// An ADTS or MP3 reader, chosen by the first frame header after any ID3v2 tag: a 12-bit
/// syncword with layer 0 is ADTS, anything else is read as MP3 (which also skips leading junk).
#[non_exhaustive]
pub enum AudioReader<R> {
    /// AAC in ADTS.
    Adts(AdtsReader<R>),
    /// MP3.
    Mp3(Mp3Reader<R>),
}

impl<R: Read> AudioReader<R> {
    /// Detects the format and reads the first header.
    pub fn new(reader: R) -> Result<Self> {
        let mut src = source::Source::new(reader);
        source::skip_id3v2(&mut src, "ADTS or MP3")?;
        match src.peek(2)? {
            [] => Err(Error::AudioEmpty {
                format: "ADTS or MP3",
                offset: src.offset(),
            }),
            [0xFF, b, ..] if b & 0xF6 == 0xF0 => {
                Ok(AudioReader::Adts(AdtsReader::from_source(src)?))
            }
            _ => Ok(AudioReader::Mp3(Mp3Reader::from_source(src)?)),
        }
    }

    /// The stream's configuration; bitrates are 0 until the end has been read.
    pub fn config(&self) -> &AudioConfig {
        match self {
            AudioReader::Adts(r) => r.config(),
            AudioReader::Mp3(r) => r.config(),
        }
    }

    /// The next frame, `Ok(None)` at the end of the stream.
    pub fn next_frame(&mut self) -> Result<Option<AudioFrame>> {
        match self {
            AudioReader::Adts(r) => r.next_frame(),
            AudioReader::Mp3(r) => r.next_frame(),
        }
    }

    /// Figures over the frames returned so far.
    pub fn stats(&self) -> AudioStats {
        match self {
            AudioReader::Adts(r) => r.stats(),
            AudioReader::Mp3(r) => r.stats(),
        }
    }

    /// Reads every frame; the returned config has its bitrates.
    pub fn read_all(self) -> Result<(AudioConfig, Vec<AudioFrame>)> {
        match self {
            AudioReader::Adts(r) => r.read_all(),
            AudioReader::Mp3(r) => r.read_all(),
        }
    }
}
