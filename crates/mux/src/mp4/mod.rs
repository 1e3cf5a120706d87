//! MP4 (ISO/IEC 14496-12/14) writer: H.264 and AV1 video, AAC and MP3 audio passthrough.
//!
//! Describe the tracks on an [`Mp4Builder`], pick a layout, write samples through the
//! [`Mp4Sink`] trait and call `finish`, which is where every error surfaces (dropping a writer
//! leaves an incomplete file):
//!
//! | layout | sink | memory | use |
//! |---|---|---|---|
//! | [`Mp4Builder::faststart`] | `Read + Write + Seek` | one chunk per track + tables | files |
//! | [`Mp4Builder::buffered`] | `Write` | the whole movie | small outputs to a `Vec`, HTTP bodies |
//! | [`Mp4Builder::fragmented`] | `Write` | one fragment | pipes, sockets, live output |
//!
//! Timing: a video track's timescale is the denominator of its
//! [`CodecConfig::time_base`](framecast_core::CodecConfig::time_base) and every timestamp is
//! multiplied by the numerator, so 30000/1001 fps is exact. A sample lasts until the next
//! sample's dts; the last sample lasts its packet's `duration` (or, when that is 0, as long as
//! the sample before it, or one time base unit when it is the only one). Decode times must
//! increase strictly (equal dts would mean a zero-duration sample: refused). The first video
//! packet must be a keyframe. A track's media timeline starts at its first dts; when the first
//! presented sample then has a composition time `t > 0` (B-frame delay), an edit list maps `t` to
//! the start of the presentation, unless [`VideoTrack::with_edit_media_time`] or
//! [`VideoTrack::without_edit_list`] says otherwise. The movie timescale is the first video
//! track's, so that edit is exact.
//!
//! ```
//! use framecast_core::{Codec, CodecConfig, ColorSpec, Packet, Rational};
//! use framecast_mux::mp4::{Mp4Builder, Mp4Sink, VideoTrack};
//!
//! // An avcC record (here: a minimal, syntactically valid one for High profile level 3.1).
//! let avcc = vec![1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80];
//! let config = CodecConfig::new(Codec::H264, 64, 48, Rational::new(1, 30)?, ColorSpec::default(), avcc);
//!
//! let mut b = Mp4Builder::new();
//! let v = b.add_video(VideoTrack::new(config))?;
//! b.set_metadata("title", "My plot");
//! let mut w = b.buffered(Vec::new())?;
//! for i in 0..30 {
//!     let packet = Packet { data: vec![0, 0, 0, 1, 0x65], pts: i, dts: i, duration: 1, keyframe: i == 0 };
//!     w.write_video(v, &packet)?;
//! }
//! let bytes: Vec<u8> = w.finish()?;
//! assert_eq!(&bytes[4..8], b"ftyp");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod boxes;
mod buffered;
mod entry;
mod faststart;
mod fragment;
mod fragmented;
mod funnel;
mod meta;
mod moov;
mod progressive;
mod stbl;
mod track;
mod trim;

use std::io::{Read, Seek, Write};
use std::time::Duration;

use framecast_core::{CodecConfig, Packet};

pub use boxes::FourCc;
pub use buffered::BufferedWriter;
pub use faststart::{FaststartWriter, RELOCATION_BLOCK};
pub use fragmented::FragmentedWriter;

use crate::audio::{AudioConfig, AudioFrame};
use crate::{Error, Result};
use track::{EditMode, TrackState};

/// A track of the movie being built: its 1-based `track_ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(u32);

impl TrackId {
    /// The `track_ID` written in `tkhd` (1-based).
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// A video track: its codec configuration and how its edit list is chosen.
#[derive(Debug, Clone)]
pub struct VideoTrack {
    config: CodecConfig,
    edit: EditMode,
}

impl VideoTrack {
    /// A video track described by `config` (codec, record, size, time base, colour, pixel
    /// aspect ratio). Its edit list maps the earliest composition time to the start of the
    /// presentation when that time is above 0 (B-frame delay), as ffmpeg does.
    pub fn new(config: CodecConfig) -> Self {
        VideoTrack {
            config,
            edit: EditMode::Auto,
        }
    }

    /// Writes an edit list whose single edit starts at `media_time` (in track timescale units,
    /// on the media timeline where the first sample's decode time is 0), as a remuxer keeping a
    /// source's edit list does. Negative values are refused by [`Mp4Builder::add_video`].
    pub fn with_edit_media_time(mut self, media_time: i64) -> Self {
        self.edit = EditMode::MediaTime(media_time);
        self
    }

    /// Writes no edit list at all: presentation times are the composition times on the media
    /// timeline (where the first sample's decode time is 0), B-frame delay included. A remuxer
    /// keeping a source that has no edit list needs this: readers treat "no edit list" and "an
    /// edit at media time 0" differently (ffmpeg shifts every timestamp of a track with an
    /// edit list so that its first pts is 0, and leaves a track without one as it is).
    pub fn without_edit_list(mut self) -> Self {
        self.edit = EditMode::Off;
        self
    }
}

/// What every MP4 writer does, so callers can be generic over the layout.
pub trait Mp4Sink {
    /// The sink handed back by [`finish`](Self::finish).
    type Inner;

    /// Writes one video packet (timestamps in the track's time base units).
    fn write_video(&mut self, track: TrackId, packet: &Packet) -> Result<()>;

    /// Writes one audio frame (timestamps in samples).
    fn write_audio(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()>;

    /// Completes the file and returns the sink.
    fn finish(self) -> Result<Self::Inner>
    where
        Self: Sized;
}

/// Describes a movie: tracks, metadata and layout options; then picks the layout.
#[derive(Debug, Clone)]
pub struct Mp4Builder {
    tracks: Vec<TrackState>,
    metadata: Vec<(String, String)>,
    fragment_duration: Duration,
    mfra: bool,
    trim_audio: bool,
}

impl Default for Mp4Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Mp4Builder {
    /// An empty movie; fragments target one second.
    pub fn new() -> Self {
        Mp4Builder {
            tracks: Vec::new(),
            metadata: Vec::new(),
            fragment_duration: Duration::from_secs(1),
            mfra: false,
            trim_audio: false,
        }
    }

    fn next_id(&self) -> Result<u32> {
        u32::try_from(self.tracks.len() + 1).map_err(|_| Error::InvalidOption {
            option: "track count",
            value: self.tracks.len().to_string(),
            expected: "fewer than 2^32 tracks",
        })
    }

    /// Adds a video track; errors name the invalid field (empty record, size 0 or above 65535,
    /// a codec without an MP4 mapping, a negative edit media time).
    pub fn add_video(&mut self, track: VideoTrack) -> Result<TrackId> {
        let id = self.next_id()?;
        self.tracks
            .push(TrackState::video(id, track.config, track.edit)?);
        Ok(TrackId(id))
    }

    /// Adds an audio track (AAC or MP3 passthrough); its timescale is the sample rate.
    pub fn add_audio(&mut self, config: AudioConfig) -> Result<TrackId> {
        let id = self.next_id()?;
        self.tracks.push(TrackState::audio(id, config)?);
        Ok(TrackId(id))
    }

    /// Sets a movie metadata item the way ffmpeg's `-metadata key=value` does for mp4 (`title`,
    /// `artist`, `album`, `date`/`year`, `comment`, `genre`, `copyright`, `description`,
    /// `encoder`, `track`, `disc` ...; written to `udta/meta/ilst`). Keys without an mp4 atom
    /// make the layout methods fail with [`Error::UnsupportedMetadataKey`].
    pub fn set_metadata(&mut self, key: &str, value: &str) -> &mut Self {
        self.metadata.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Target fragment duration of the fragmented layout (default 1 s); a fragment is closed at
    /// the first video keyframe at or past the target, so fragments last at least one GOP.
    pub fn set_fragment_duration(&mut self, duration: Duration) -> &mut Self {
        self.fragment_duration = duration;
        self
    }

    /// Appends a movie fragment random access box (`mfra`) to fragmented files.
    pub fn set_mfra(&mut self, on: bool) -> &mut Self {
        self.mfra = on;
        self
    }

    /// Trims audio to the video's duration: audio frames that start at or after the end of the
    /// first video track's presentation are dropped; a frame straddling the end is kept (as
    /// `ffmpeg -shortest` keeps the packet crossing the end). Off by default; without a video
    /// track it does nothing. Works in every layout.
    ///
    /// The video's end is known only at `finish`, so the writer holds each audio frame until
    /// the video has been presented past its start (or `finish` decides). Memory stays bounded
    /// when audio and video are written interleaved in time, as the writers expect anyway;
    /// audio written far ahead of the video is held until the video catches up. A held frame is
    /// checked (empty, non-increasing pts) when it is written; the remaining checks run when it
    /// is released, so such an error can surface from a later `write_video` or `finish`.
    pub fn set_trim_audio_to_video(&mut self, on: bool) -> &mut Self {
        self.trim_audio = on;
        self
    }

    fn udta(&self) -> Result<Vec<u8>> {
        if self.tracks.is_empty() {
            return Err(Error::InvalidOption {
                option: "track count",
                value: "0".into(),
                expected: "at least one track",
            });
        }
        meta::encode_udta(&self.metadata)
    }

    /// Faststart layout to a seekable sink (a file): `mdat` is written as samples arrive and
    /// `moov` is moved to the front in place at `finish`.
    pub fn faststart<W: Read + Write + Seek>(self, sink: W) -> Result<FaststartWriter<W>> {
        let udta = self.udta()?;
        FaststartWriter::new(sink, self.tracks, udta, self.trim_audio)
    }

    /// Faststart layout to a plain `Write`, holding every sample in memory until `finish`
    /// (see [`BufferedWriter`] for the cost).
    pub fn buffered<W: Write>(self, sink: W) -> Result<BufferedWriter<W>> {
        let udta = self.udta()?;
        Ok(BufferedWriter::new(
            sink,
            self.tracks,
            udta,
            self.trim_audio,
        ))
    }

    /// Fragmented layout to a plain `Write`: `moov` first, then `moof` + `mdat` per fragment;
    /// memory bounded by one fragment.
    pub fn fragmented<W: Write>(self, sink: W) -> Result<FragmentedWriter<W>> {
        let udta = self.udta()?;
        FragmentedWriter::new(
            sink,
            self.tracks,
            udta,
            self.fragment_duration,
            self.mfra,
            self.trim_audio,
        )
    }
}

/// Runs `f` unless the writer failed earlier; an I/O error poisons the writer for good.
pub(crate) fn guard<T>(poisoned: &mut Option<String>, f: impl FnOnce() -> Result<T>) -> Result<T> {
    if let Some(first) = poisoned {
        return Err(Error::Poisoned {
            first: first.clone(),
        });
    }
    let r = f();
    if let Err(e @ Error::Io { .. }) = &r {
        *poisoned = Some(e.to_string());
    }
    r
}

/// The index of a track in the writers' track lists (ids are 1-based; 0 maps past the end).
pub(crate) fn idx(track: TrackId) -> usize {
    usize::try_from(track.0.wrapping_sub(1)).unwrap_or(usize::MAX)
}

/// An audio frame's pts as a signed timestamp.
pub(crate) fn audio_pts(frame: &AudioFrame) -> Result<i64> {
    i64::try_from(frame.pts).map_err(|_| Error::FieldOverflow {
        fourcc: FourCc(*b"stts"),
        field: "audio pts",
        value: frame.pts.into(),
        max: i64::MAX as u128,
    })
}
