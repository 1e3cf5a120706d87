//! The mux round trip shared by the `mux_roundtrip` fuzz target and `tests/inspect_roundtrip.rs`:
//! arbitrary bytes become a track configuration, a layout, an optional audio track (AAC or MP3,
//! with or without trimming to the video) and a sequence of video packets and audio frames
//! (sizes, timestamps, durations, keyframes, including invalid ones); they go through the
//! writer, and whatever it accepted must come back from the inspector and the `mp4` crate. The
//! writer may refuse a packet or the whole file with an error; it must never panic, and a
//! packet it accepted must be in the file (an accepted audio frame may be trimmed away only
//! when trimming is on).

use std::io::Cursor;
use std::time::Duration;

use framecast_core::{Codec, CodecConfig, ColorSpec, Packet, Rational};
use framecast_mux::audio::{AudioConfig, AudioFrame};
use framecast_mux::inspect::{self, Layout};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, TrackId, VideoTrack};

/// An avcC record for High profile level 3.1 with one SPS and one PPS.
const AVCC: [u8; 19] = [
    1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80,
];
/// An av1C record: version 1, main profile, level 2.0, 8-bit 4:2:0, no config OBUs.
const AV1C: [u8; 4] = [0x81, 0x00, 0x0c, 0x00];

/// Reads fuzz bytes as parameters; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
}

/// The layouts, as the round trip picks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Out {
    Faststart,
    Buffered,
    Fragmented,
}

/// What one round trip did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) layout: Out,
    /// Packets offered and accepted by `write_video`.
    pub(crate) offered: usize,
    pub(crate) accepted: usize,
    /// Audio frames offered and accepted by `write_audio` (0 without an audio track).
    pub(crate) audio_offered: usize,
    pub(crate) audio_accepted: usize,
    /// Whether audio was trimmed to the video.
    pub(crate) trim: bool,
    /// The error of `add_video`, a layout method or `finish`, if any.
    pub(crate) error: Option<String>,
}

/// Runs one round trip; panics (a fuzz finding) only if a check fails.
pub(crate) fn roundtrip(data: &[u8]) -> Outcome {
    let mut b = Bytes(data);
    let head = b.u8();
    let codec = if head & 1 == 0 {
        Codec::H264
    } else {
        Codec::Av1
    };
    let layout = match (head >> 1) % 3 {
        0 => Out::Faststart,
        1 => Out::Buffered,
        _ => Out::Fragmented,
    };
    // Unchecked sizes and time bases: the builder validates them.
    let width = u32::from(b.u16() % 2100);
    let height = u32::from(b.u16() % 2100);
    let num = u32::from(b.u16() % 1002) + 1;
    let den = u32::from(b.u16()) + 1;
    let fragment_ms = u64::from(b.u8()) * 20;
    let explicit_edit = b.u8();
    // Audio: bit 0 adds a track, bit 1 makes it MP3, bit 2 trims it to the video, bit 3 drops
    // the edit list.
    let audio = b.u8();
    let record = match codec {
        Codec::H264 => AVCC.to_vec(),
        _ => AV1C.to_vec(),
    };
    let time_base = Rational::new(num, den).expect("both positive");
    let config = CodecConfig::new(
        codec,
        width,
        height,
        time_base,
        ColorSpec::default(),
        record,
    );
    let mut track = VideoTrack::new(config);
    if explicit_edit & 0x80 != 0 {
        track = track.with_edit_media_time(i64::from(explicit_edit & 0x7f) - 8);
    } else if audio & 8 != 0 {
        track = track.without_edit_list();
    }
    let mut builder = Mp4Builder::new();
    let mut outcome = Outcome {
        layout,
        offered: 0,
        accepted: 0,
        audio_offered: 0,
        audio_accepted: 0,
        trim: audio & 5 == 5,
        error: None,
    };
    let v = match builder.add_video(track) {
        Ok(v) => v,
        Err(e) => {
            outcome.error = Some(e.to_string());
            return outcome;
        }
    };
    builder.set_fragment_duration(Duration::from_millis(fragment_ms));
    let a = if audio & 1 == 1 {
        // Validated constructors; the writer then checks the track again.
        let config = if audio & 2 == 0 {
            AudioConfig::aac(48000, 2, vec![0x11, 0x90])
        } else {
            AudioConfig::mp3(44100, 2, 1152)
        }
        .expect("valid audio parameters");
        builder.set_trim_audio_to_video(outcome.trim);
        match builder.add_audio(config) {
            Ok(a) => Some(a),
            Err(e) => {
                outcome.error = Some(e.to_string());
                return outcome;
            }
        }
    } else {
        None
    };

    // Samples: 4 bytes each (size, time step, composition offset, flags); with an audio track,
    // bit 7 of the composition byte makes it an audio frame advancing by 64 samples per step.
    let mut samples = Vec::new();
    let mut dts: i64 = i64::from(b.u8() as i8);
    let mut audio_pts: i64 = 0;
    while !b.0.is_empty() && samples.len() < 2000 {
        let size = usize::from(b.u8());
        let step = b.u8() as i8;
        let cts_byte = b.u8();
        let flags = b.u8();
        if a.is_some() && cts_byte & 0x80 != 0 {
            audio_pts += i64::from(step) * 64;
            samples.push(Sample::Audio(AudioFrame {
                data: vec![0xa5; size],
                pts: u64::try_from(audio_pts).unwrap_or(0),
                duration: 1024,
            }));
            continue;
        }
        let cts = i64::from(cts_byte % 8) - 1;
        dts += i64::from(step);
        let first = !samples.iter().any(|s| matches!(s, Sample::Video(_)));
        samples.push(Sample::Video(Packet {
            data: vec![0x5a; size],
            pts: dts + cts * i64::from(step.unsigned_abs().max(1)),
            dts,
            duration: u64::from(flags >> 2),
            keyframe: flags & 1 == 1 || (flags & 2 == 2 && first),
        }));
    }

    enum Sample {
        Video(Packet),
        Audio(AudioFrame),
    }

    fn write<S: Mp4Sink>(
        mut w: S,
        v: TrackId,
        a: Option<TrackId>,
        samples: &[Sample],
        outcome: &mut Outcome,
    ) -> Option<S::Inner> {
        for s in samples {
            match (s, a) {
                (Sample::Video(p), _) => {
                    outcome.offered += 1;
                    if w.write_video(v, p).is_ok() {
                        outcome.accepted += 1;
                    }
                }
                (Sample::Audio(f), Some(a)) => {
                    outcome.audio_offered += 1;
                    if w.write_audio(a, f).is_ok() {
                        outcome.audio_accepted += 1;
                    }
                }
                (Sample::Audio(_), None) => {}
            }
        }
        match w.finish() {
            Ok(inner) => Some(inner),
            Err(e) => {
                outcome.error = Some(e.to_string());
                None
            }
        }
    }

    let bytes = match layout {
        Out::Faststart => builder
            .faststart(Cursor::new(Vec::new()))
            .map_err(|e| outcome.error = Some(e.to_string()))
            .ok()
            .and_then(|w| write(w, v, a, &samples, &mut outcome))
            .map(Cursor::into_inner),
        Out::Buffered => builder
            .buffered(Vec::new())
            .map_err(|e| outcome.error = Some(e.to_string()))
            .ok()
            .and_then(|w| write(w, v, a, &samples, &mut outcome)),
        Out::Fragmented => builder
            .fragmented(Vec::new())
            .map_err(|e| outcome.error = Some(e.to_string()))
            .ok()
            .and_then(|w| write(w, v, a, &samples, &mut outcome)),
    };
    let Some(bytes) = bytes else {
        return outcome;
    };

    // Whatever was accepted is in the file, as our inspector and the mp4 crate read it.
    let report = inspect::inspect_bytes(&bytes)
        .unwrap_or_else(|e| panic!("inspector on the writer's output: {e} ({outcome:?})"));
    let expected = if layout == Out::Fragmented {
        Layout::Fragmented
    } else {
        Layout::Faststart
    };
    assert_eq!(report.layout, expected, "{outcome:?}\n{report}");
    let t = report.video_track().expect("a video track");
    assert_eq!(
        t.sample_count, outcome.accepted as u64,
        "{outcome:?}\n{report}"
    );
    let audio_in_file = report.audio_track().map_or(0, |t| t.sample_count);
    if outcome.trim {
        assert!(
            audio_in_file <= outcome.audio_accepted as u64,
            "{outcome:?}\n{report}"
        );
    } else {
        assert_eq!(
            audio_in_file, outcome.audio_accepted as u64,
            "{outcome:?}\n{report}"
        );
    }
    let reader = mp4::Mp4Reader::read_header(Cursor::new(&bytes), bytes.len() as u64)
        .unwrap_or_else(|e| {
            panic!("mp4 crate on the writer's output: {e} ({outcome:?})\n{report}")
        });
    let count: u64 = reader
        .tracks()
        .values()
        .map(|t| u64::from(t.sample_count()))
        .sum();
    assert_eq!(
        count,
        outcome.accepted as u64 + audio_in_file,
        "mp4 crate: {outcome:?}\n{report}"
    );
    outcome
}
