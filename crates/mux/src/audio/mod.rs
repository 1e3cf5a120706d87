//! Compressed audio for passthrough: ADTS (AAC) and MP3 stream parsers.
//!
//! A parser turns a byte stream into one [`AudioConfig`] and a sequence of [`AudioFrame`]s that
//! the MP4 writer stores as samples without re-encoding.

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
    pub avg_bitrate: u32,
    /// Largest frame bitrate in bit/s, if known, else 0.
    pub max_bitrate: u32,
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
