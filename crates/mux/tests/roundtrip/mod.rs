//! The mux round trip shared by the `mux_roundtrip` fuzz target and `tests/inspect_roundtrip.rs`:
//! arbitrary bytes become a track configuration, a layout and a packet sequence (sizes,
//! timestamps, durations, keyframes, including invalid ones); the packets go through the writer,
//! and whatever it accepted must come back from the inspector and the `mp4` crate. The writer
//! may refuse a packet or the whole file with an error; it must never panic, and a packet it
//! accepted must be in the file.

use std::io::Cursor;
use std::time::Duration;

use framecast_core::{Codec, CodecConfig, ColorSpec, Packet, Rational};
use framecast_mux::inspect::{self, Layout};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, VideoTrack};

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
    }
    let mut builder = Mp4Builder::new();
    let mut outcome = Outcome {
        layout,
        offered: 0,
        accepted: 0,
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

    // Packets: 4 bytes each (size, dts step, composition offset, flags).
    let mut packets = Vec::new();
    let mut dts: i64 = i64::from(b.u8() as i8);
    while !b.0.is_empty() && packets.len() < 2000 {
        let size = usize::from(b.u8());
        let step = b.u8() as i8;
        let cts = i64::from(b.u8() % 8) - 1;
        let flags = b.u8();
        dts += i64::from(step);
        packets.push(Packet {
            data: vec![0x5a; size],
            pts: dts + cts * i64::from(step.unsigned_abs().max(1)),
            dts,
            duration: u64::from(flags >> 2),
            keyframe: flags & 1 == 1 || (flags & 2 == 2 && packets.is_empty()),
        });
    }

    fn write<S: Mp4Sink>(
        mut w: S,
        v: framecast_mux::mp4::TrackId,
        packets: &[Packet],
        outcome: &mut Outcome,
    ) -> Option<S::Inner> {
        for p in packets {
            outcome.offered += 1;
            if w.write_video(v, p).is_ok() {
                outcome.accepted += 1;
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
            .and_then(|w| write(w, v, &packets, &mut outcome))
            .map(Cursor::into_inner),
        Out::Buffered => builder
            .buffered(Vec::new())
            .map_err(|e| outcome.error = Some(e.to_string()))
            .ok()
            .and_then(|w| write(w, v, &packets, &mut outcome)),
        Out::Fragmented => builder
            .fragmented(Vec::new())
            .map_err(|e| outcome.error = Some(e.to_string()))
            .ok()
            .and_then(|w| write(w, v, &packets, &mut outcome)),
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
        count, outcome.accepted as u64,
        "mp4 crate: {outcome:?}\n{report}"
    );
    outcome
}
