//! The error type of framecast-mux.

/// Errors of the muxers, the audio parsers and the inspector.
///
/// Variants carry what was received and what was expected (box fourcc, track, offsets).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing to or reading from the sink failed.
    #[error("{context}: {source}")]
    Io {
        /// What the muxer was doing.
        context: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    // --- mp4 writer ---
    /// A sample was written for a track id the builder never handed out.
    #[error("unknown track {track}; the movie has tracks 1..={tracks}")]
    UnknownTrack {
        /// The track id received.
        track: u32,
        /// How many tracks the movie has.
        tracks: u32,
    },
    /// A video packet was written to an audio track or the reverse.
    #[error("track {track} is a {expected} track, but a {received} sample was written to it")]
    TrackKindMismatch {
        /// The track id.
        track: u32,
        /// The track's kind (`video` or `audio`).
        expected: &'static str,
        /// The kind of sample written.
        received: &'static str,
    },
    /// The first packet of a video track is not a keyframe, so no decoder could start there.
    #[error("track {track} ({fourcc}): the first video packet (dts {dts}) is not a keyframe")]
    FirstSampleNotSync {
        /// The track id.
        track: u32,
        /// The sample entry type (`avc1`, `av01`).
        fourcc: crate::mp4::FourCc,
        /// The packet's decode timestamp.
        dts: i64,
    },
    /// Decode timestamps must increase strictly within a track.
    #[error(
        "track {track}: decode timestamp {received} does not increase (previous {previous}); \
         dts must be strictly increasing"
    )]
    NonMonotonicDts {
        /// The track id.
        track: u32,
        /// The previous sample's dts (time base units, samples for audio).
        previous: i64,
        /// The dts received.
        received: i64,
    },
    /// A sample with no bytes.
    #[error("track {track}: empty sample at dts {dts}")]
    EmptySample {
        /// The track id.
        track: u32,
        /// The sample's decode timestamp.
        dts: i64,
    },
    /// A track configuration that cannot be written.
    #[error("track {track} ({fourcc}): invalid {field} {value}; expected {expected}")]
    InvalidTrackConfig {
        /// The track id the track would get.
        track: u32,
        /// The sample entry type.
        fourcc: crate::mp4::FourCc,
        /// The field (`record`, `width`, `sample_rate` ...).
        field: &'static str,
        /// The value received, as text.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A number does not fit the field of the box it goes into.
    #[error("{fourcc}: {field} {value} does not fit (maximum {max})")]
    FieldOverflow {
        /// The box.
        fourcc: crate::mp4::FourCc,
        /// The field.
        field: &'static str,
        /// The value.
        value: u128,
        /// The largest value the field holds.
        max: u128,
    },
    /// A metadata key the mp4 `ilst` has no atom for.
    #[error("unsupported metadata key '{key}'; expected one of {expected}")]
    UnsupportedMetadataKey {
        /// The key received.
        key: String,
        /// The accepted keys.
        expected: &'static str,
    },
    /// A muxer option out of range.
    #[error("invalid {option} {value}; expected {expected}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// The value received, as text.
        value: String,
        /// The accepted range.
        expected: &'static str,
    },
    /// An [`AudioConfig`](crate::audio::AudioConfig) constructor's argument out of range.
    #[error("invalid {codec} audio configuration: {field} {value}; expected {expected}")]
    InvalidAudioConfig {
        /// `"AAC"` or `"MP3"`.
        codec: &'static str,
        /// The argument.
        field: &'static str,
        /// The value received, as text.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A write after an earlier I/O error: the output is incomplete and the writer refuses more.
    #[error("the MP4 writer failed earlier ({first}); no more samples are accepted")]
    Poisoned {
        /// The first error, as text.
        first: String,
    },

    // --- inspector ---
    /// A box claims more bytes than its parent (or the file) has left.
    #[error("box '{fourcc}' at offset {offset} claims {claimed} bytes but only {remaining} remain")]
    BoxTruncated {
        /// The box type.
        fourcc: crate::mp4::FourCc,
        /// Offset of the box header in the file.
        offset: u64,
        /// The size the header claims.
        claimed: u64,
        /// Bytes left in the enclosing box or file.
        remaining: u64,
    },
    /// A box whose size is smaller than its own header.
    #[error(
        "box '{fourcc}' at offset {offset} claims {size} bytes, less than its {header}-byte header"
    )]
    BoxTooSmall {
        /// The box type.
        fourcc: crate::mp4::FourCc,
        /// Offset of the box header in the file.
        offset: u64,
        /// The size the header claims.
        size: u64,
        /// The header's own length.
        header: u64,
    },
    /// Boxes nested deeper than the inspector follows.
    #[error("box '{fourcc}' at offset {offset} is nested more than {max} levels deep")]
    BoxTooDeep {
        /// The box type.
        fourcc: crate::mp4::FourCc,
        /// Offset of the box header in the file.
        offset: u64,
        /// The depth limit.
        max: usize,
    },
    /// A box the inspector summarizes is larger than it reads into memory.
    #[error("box '{fourcc}' at offset {offset} is {size} bytes; the inspector reads at most {max}")]
    BoxTooLarge {
        /// The box type.
        fourcc: crate::mp4::FourCc,
        /// Offset of the box header in the file.
        offset: u64,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A box whose fields contradict its size or the specification.
    #[error("box '{fourcc}' at offset {offset}: {reason}")]
    MalformedBox {
        /// The box type.
        fourcc: crate::mp4::FourCc,
        /// Offset of the box header in the file.
        offset: u64,
        /// What is wrong, with the values read.
        reason: String,
    },
    /// Bytes after the last box that cannot hold a box header.
    #[error(
        "{len} bytes at offset {offset} (inside {}) are too short for a box header of 8 bytes",
        parent.map_or_else(|| "the file".to_owned(), |p| format!("'{p}'"))
    )]
    TrailingBytes {
        /// Where they start.
        offset: u64,
        /// How many there are.
        len: u64,
        /// The enclosing box, `None` at the top level.
        parent: Option<crate::mp4::FourCc>,
    },
    /// More boxes than the inspector keeps in its tree.
    #[error("more than {max} boxes (the last at offset {offset}); the inspector stops there")]
    TooManyBoxes {
        /// Offset of the box past the limit.
        offset: u64,
        /// The limit.
        max: usize,
    },
    /// A read past the end of the input (a bug in a caller's bounds, reported, not a panic).
    #[error("read of {len} bytes at offset {offset} passes the end of the {file_len}-byte input")]
    ReadPastEnd {
        /// Offset of the read.
        offset: u64,
        /// Its length.
        len: u64,
        /// The input's length.
        file_len: u64,
    },

    // --- audio and ivf ---
    /// No frame header where the stream needs one (ADTS or MP3 syncword).
    #[error("{format}: byte {offset}: expected {expected}, found {found}")]
    AudioSync {
        /// `"ADTS"` or `"MP3"`.
        format: &'static str,
        /// Byte offset in the input stream.
        offset: u64,
        /// What should be there.
        expected: &'static str,
        /// The bytes that are there, in hex.
        found: String,
    },
    /// A header field holds a value the specification reserves or forbids.
    #[error("{format}: byte {offset}: invalid {field} {value}: expected {expected}")]
    AudioInvalidHeader {
        /// `"ADTS"` or `"MP3"`.
        format: &'static str,
        /// Byte offset of the frame header.
        offset: u64,
        /// The header field, as the specification names it.
        field: &'static str,
        /// The value read.
        value: u32,
        /// The accepted values.
        expected: &'static str,
    },
    /// A valid stream uses a feature framecast does not pass through.
    #[error("{format}: byte {offset}: unsupported {field} {value}: framecast supports {supported}")]
    AudioUnsupported {
        /// `"ADTS"` or `"MP3"`.
        format: &'static str,
        /// Byte offset of the frame header.
        offset: u64,
        /// The header field, as the specification names it.
        field: &'static str,
        /// The value read.
        value: u32,
        /// What is supported.
        supported: &'static str,
    },
    /// A frame header changes a parameter that one MP4 audio track must keep.
    #[error(
        "{format}: byte {offset}: {field} changed mid-stream from {first} to {found}; \
         one track needs one configuration"
    )]
    AudioConfigChanged {
        /// `"ADTS"` or `"MP3"`.
        format: &'static str,
        /// Byte offset of the frame header.
        offset: u64,
        /// The parameter.
        field: &'static str,
        /// Its value in the first frame.
        first: u32,
        /// Its value in this frame.
        found: u32,
    },
    /// The stream ends inside a frame or tag.
    #[error(
        "{format}: byte {offset}: {what} of {expected} bytes is truncated: \
         the stream ends after {available} bytes"
    )]
    AudioTruncated {
        /// `"ADTS"` or `"MP3"`.
        format: &'static str,
        /// Byte offset where the frame or tag starts.
        offset: u64,
        /// What is truncated (`"frame"`, `"header"`, `"ID3v2 tag"`).
        what: &'static str,
        /// Its length.
        expected: u64,
        /// The bytes present.
        available: u64,
    },
    /// No frame header within the resynchronisation limit.
    #[error("{format}: no valid frame header in the {searched} bytes from byte {offset}")]
    AudioNoSync {
        /// `"ADTS"` or `"MP3"`.
        format: &'static str,
        /// Where the search started.
        offset: u64,
        /// How many bytes were searched.
        searched: u64,
    },
    /// The stream holds no audio frame at all.
    #[error("{format}: no audio frame: the stream ends at byte {offset}")]
    AudioEmpty {
        /// `"ADTS"` or `"MP3"`.
        format: &'static str,
        /// Where the stream ends.
        offset: u64,
    },
    /// An IVF parameter or header field is out of range.
    #[error("IVF: invalid {field} {value}: expected {expected}")]
    IvfInvalid {
        /// The parameter or header field.
        field: &'static str,
        /// The value given or read.
        value: u64,
        /// The accepted range.
        expected: &'static str,
    },
    /// An IVF frame does not fit the 32-bit size field of its frame header.
    #[error("IVF: frame {index} of {size} bytes exceeds the 32-bit frame size field")]
    IvfFrameTooLarge {
        /// Index of the frame (0-based).
        index: u64,
        /// Its size in bytes.
        size: u64,
    },
    /// An IVF file ends inside its header or a frame.
    #[error("IVF: byte {offset}: {what} of {expected} bytes is truncated after {available} bytes")]
    IvfTruncated {
        /// Byte offset where the header or frame starts.
        offset: u64,
        /// `"file header"`, `"frame header"` or `"frame"`.
        what: &'static str,
        /// Its length.
        expected: u64,
        /// The bytes present.
        available: u64,
    },
}

/// `Result` with framecast-mux's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
