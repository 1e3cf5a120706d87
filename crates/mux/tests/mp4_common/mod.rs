//! Helpers shared by the `mp4_*` integration tests: corpus access, the oracles (ffprobe), a
//! layout-generic writer, synthetic packets.
#![allow(dead_code, reason = "each test crate uses a subset of the helpers")]
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use framecast_core::{Codec, CodecConfig, ColorSpec, Packet, Rational};
use framecast_mux::audio::{AudioConfig, AudioFrame};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, TrackId};

pub(crate) fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/mp4")
        .join(name)
}

/// Prints SKIP on the real stderr; fails under CI, where every oracle must be present.
pub(crate) fn skip(what: &str) {
    let _ = std::io::stderr().write_all(format!("SKIP: {what}\n").as_bytes());
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is required when CI is set"
    );
}

pub(crate) fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("framecast-mp4-{}-{name}", std::process::id()))
}

/// The body of the first box of type `fourcc` anywhere in `data` (found by scanning).
pub(crate) fn scan_box(data: &[u8], fourcc: &[u8; 4]) -> Vec<u8> {
    let i = data
        .windows(4)
        .position(|w| w == fourcc)
        .expect("box present");
    let size = u32::from_be_bytes(data[i - 4..i].try_into().unwrap()) as usize;
    data[i + 4..i - 4 + size].to_vec()
}

/// A source track's samples: (packet, is_sync) with pts from stts + ctts.
pub(crate) struct Source {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) timescale: u32,
    pub(crate) packets: Vec<Packet>,
}

pub(crate) fn read_source(path: &Path, video: bool) -> Source {
    let data = std::fs::read(path).unwrap();
    let size = data.len() as u64;
    let mut r = mp4::Mp4Reader::read_header(Cursor::new(data), size).unwrap();
    let want = if video {
        mp4::TrackType::Video
    } else {
        mp4::TrackType::Audio
    };
    let (&id, t) = r
        .tracks()
        .iter()
        .find(|(_, t)| t.track_type().ok() == Some(want))
        .unwrap();
    let (width, height, timescale) = (u32::from(t.width()), u32::from(t.height()), t.timescale());
    let n = r.sample_count(id).unwrap();
    let mut packets = Vec::new();
    for i in 1..=n {
        let s = r.read_sample(id, i).unwrap().unwrap();
        let dts = s.start_time as i64;
        packets.push(Packet {
            data: s.bytes.to_vec(),
            dts,
            pts: dts + i64::from(s.rendering_offset),
            duration: u64::from(s.duration),
            keyframe: s.is_sync,
        });
    }
    Source {
        width,
        height,
        timescale,
        packets,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Layout {
    Faststart,
    Buffered,
    Fragmented,
}

pub(crate) const LAYOUTS: [Layout; 3] = [Layout::Faststart, Layout::Buffered, Layout::Fragmented];

/// Writes `b` with `layout`, feeding samples through `feed`, and returns the file bytes.
pub(crate) fn write_with(
    layout: Layout,
    b: Mp4Builder,
    feed: impl FnOnce(&mut dyn DynSink) -> framecast_mux::Result<()>,
) -> Vec<u8> {
    match layout {
        Layout::Faststart => {
            let mut w = b.faststart(Cursor::new(Vec::new())).unwrap();
            feed(&mut w).unwrap();
            w.finish().unwrap().into_inner()
        }
        Layout::Buffered => {
            let mut w = b.buffered(Vec::new()).unwrap();
            feed(&mut w).unwrap();
            w.finish().unwrap()
        }
        Layout::Fragmented => {
            let mut w = b.fragmented(Vec::new()).unwrap();
            feed(&mut w).unwrap();
            w.finish().unwrap()
        }
    }
}

/// Object-safe view of [`Mp4Sink`] for the tests.
pub(crate) trait DynSink {
    fn video(&mut self, t: TrackId, p: &Packet) -> framecast_mux::Result<()>;
    fn audio(&mut self, t: TrackId, f: &AudioFrame) -> framecast_mux::Result<()>;
}

impl<S: Mp4Sink> DynSink for S {
    fn video(&mut self, t: TrackId, p: &Packet) -> framecast_mux::Result<()> {
        self.write_video(t, p)
    }
    fn audio(&mut self, t: TrackId, f: &AudioFrame) -> framecast_mux::Result<()> {
        self.write_audio(t, f)
    }
}

/// `ffprobe -v error` output (must be empty) and the packet lines of stream `stream`.
pub(crate) fn ffprobe_packets(file: &Path, stream: &str) -> Option<(String, Vec<String>)> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", stream, "-show_entries"])
        .arg("packet=pts,dts,duration,size,flags")
        .args(["-of", "compact=p=0"])
        .arg(file)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(_) => {
            skip("ffprobe not installed; ffprobe checks skipped");
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    Some((stderr, lines))
}

pub(crate) fn ffprobe_show(file: &Path) -> Option<(String, String)> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_format", "-show_streams"])
        .arg(file)
        .output()
        .ok()?;
    Some((
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

pub(crate) fn h264_source() -> (Source, Vec<u8>) {
    let path = corpus("androidx_sample_video_only.mp4");
    let src = read_source(&path, true);
    let avcc = scan_box(&std::fs::read(&path).unwrap(), b"avcC");
    (src, avcc)
}

pub(crate) fn h264_config(src: &Source, avcc: Vec<u8>) -> CodecConfig {
    let tb = Rational::new(1, src.timescale).unwrap();
    CodecConfig::new(
        Codec::H264,
        src.width,
        src.height,
        tb,
        ColorSpec::default(),
        avcc,
    )
}

pub(crate) fn synthetic_config(tb: (u32, u32)) -> CodecConfig {
    let avcc = vec![
        1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80,
    ];
    CodecConfig::new(
        Codec::H264,
        320,
        240,
        Rational::new(tb.0, tb.1).unwrap(),
        ColorSpec::default(),
        avcc,
    )
}

pub(crate) fn packet(dts: i64, pts: i64, duration: u64, keyframe: bool, len: usize) -> Packet {
    let mut data = vec![0u8; len.max(5)];
    let n = (data.len() - 4) as u32;
    data[..4].copy_from_slice(&n.to_be_bytes());
    data[4] = if keyframe { 0x65 } else { 0x41 };
    Packet {
        data,
        pts,
        dts,
        duration,
        keyframe,
    }
}

pub(crate) fn parse_mp4(bytes: &[u8]) -> mp4::Mp4Reader<Cursor<Vec<u8>>> {
    mp4::Mp4Reader::read_header(Cursor::new(bytes.to_vec()), bytes.len() as u64).unwrap()
}

/// Top-level boxes of a file: (type, offset, size).
pub(crate) fn top_boxes(bytes: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let mut size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        if size == 1 {
            size = u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize;
        }
        out.push((bytes[at + 4..at + 8].try_into().unwrap(), at, size));
        if size == 0 {
            break;
        }
        at += size;
    }
    out
}

/// An AAC-LC config for tests, from `AudioConfig::aac` with a 2-byte AudioSpecificConfig.
pub(crate) fn framecast_mux_test_audio_config(rate: u32, channels: u8) -> AudioConfig {
    let freq_index: u8 = match rate {
        96000 => 0,
        88200 => 1,
        64000 => 2,
        48000 => 3,
        44100 => 4,
        32000 => 5,
        24000 => 6,
        22050 => 7,
        16000 => 8,
        12000 => 9,
        11025 => 10,
        8000 => 11,
        _ => 15,
    };
    let asc = vec![
        (2 << 3) | (freq_index >> 1),
        ((freq_index & 1) << 7) | (channels << 3),
    ];
    AudioConfig::aac(rate, channels, asc).unwrap()
}

/// xorshift64: seeded, reproducible.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
