//! ADTS and MP3 readers on arbitrary bytes: errors, never panics, and the same result whether
//! the input arrives at once or in fuzz-chosen pieces; then valid streams built from the fuzz
//! bytes (mapped to valid parameters) read back to exactly the frames written.
#![no_main]

use std::io::Read;

use framecast_mux::Result;
use framecast_mux::audio::{AdtsReader, AudioFrame, AudioReader, Mp3Header, Mp3Reader};
use libfuzzer_sys::fuzz_target;

/// Returns the input in pieces of 1..=16 bytes chosen by `sizes`.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    at: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self
            .sizes
            .get(self.at % self.sizes.len().max(1))
            .map_or(16, |s| 1 + usize::from(s % 16));
        self.at += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Every frame until the end or the first error (kept as its message).
fn drain(
    mut next: impl FnMut() -> Result<Option<AudioFrame>>,
) -> (Vec<AudioFrame>, Option<String>) {
    let mut frames = Vec::new();
    loop {
        match next() {
            Ok(Some(f)) => frames.push(f),
            Ok(None) => return (frames, None),
            Err(e) => return (frames, Some(e.to_string())),
        }
    }
}

fn check_frames(frames: &[AudioFrame], spf: u32, input_len: usize) {
    let mut total = 0;
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.pts, i as u64 * u64::from(spf));
        assert_eq!(f.duration, spf);
        assert!(!f.data.is_empty());
        total += f.data.len();
    }
    assert!(total <= input_len);
}

fn arbitrary(data: &[u8], sizes: &[u8]) {
    let whole = AdtsReader::new(data).map(|mut r| {
        let c = r.config().clone();
        assert!((8000..=48000).contains(&c.sample_rate) && (1..=6).contains(&c.channels));
        (c, drain(|| r.next_frame()))
    });
    let pieces = AdtsReader::new(Pieces { data, sizes, at: 0 })
        .map(|mut r| (r.config().clone(), drain(|| r.next_frame())));
    match (&whole, &pieces) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b);
            check_frames(&a.1.0, 1024, data.len());
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("ADTS whole vs pieces: {whole:?} / {pieces:?}"),
    }

    let whole = Mp3Reader::new(data).map(|mut r| {
        let c = r.config().clone();
        assert!((8000..=48000).contains(&c.sample_rate) && (1..=2).contains(&c.channels));
        (c, drain(|| r.next_frame()))
    });
    let pieces = Mp3Reader::new(Pieces { data, sizes, at: 0 })
        .map(|mut r| (r.config().clone(), drain(|| r.next_frame())));
    match (&whole, &pieces) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b);
            check_frames(&a.1.0, a.0.samples_per_frame, data.len());
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("MP3 whole vs pieces: {whole:?} / {pieces:?}"),
    }
}

/// Valid ADTS frames with fuzz payloads: the reader returns exactly the payloads.
fn adts_round_trip(params: &[u8], payload: &[u8]) {
    let (Some(&p), Some(&crc)) = (params.first(), params.get(1)) else {
        return;
    };
    let profile = p & 3;
    let sfi = 3 + (p >> 2) % 9;
    let ch = 1 + (p >> 6) % 6;
    let crc = crc & 1 == 1;
    let mut stream = Vec::new();
    let mut want = Vec::new();
    for chunk in payload.chunks(1 + usize::from(params.get(2).copied().unwrap_or(0))) {
        let len = chunk.len() + if crc { 9 } else { 7 };
        stream.extend_from_slice(&[
            0xFF,
            0xF0 | u8::from(!crc),
            (profile << 6) | (sfi << 2) | (ch >> 2),
            ((ch & 3) << 6) | ((len >> 11) as u8 & 3),
            (len >> 3) as u8,
            ((len & 7) as u8) << 5 | 0x1F,
            0xFC,
        ]);
        if crc {
            stream.extend_from_slice(&[0, 0]);
        }
        stream.extend_from_slice(chunk);
        want.push(chunk.to_vec());
    }
    if want.is_empty() {
        return;
    }
    let (config, frames) = AdtsReader::new(&stream[..])
        .and_then(AdtsReader::read_all)
        .expect("valid ADTS");
    assert_eq!(config.channels, ch);
    assert_eq!(config.audio_specific_config[0] >> 3, profile + 1);
    let got: Vec<Vec<u8>> = frames.into_iter().map(|f| f.data).collect();
    assert_eq!(got, want);
}

/// Valid Layer III frames with fuzz payloads: the reader returns exactly the frames.
fn mp3_round_trip(params: &[u8], payload: &[u8]) {
    let (Some(&a), Some(&b)) = (params.first(), params.get(1)) else {
        return;
    };
    let version_bits = [0u8, 2, 3][usize::from(a % 3)];
    let bitrate_index = 1 + (a >> 2) % 14;
    let sr_index = b % 3;
    let mono = b & 4 != 0;
    let mut stream = Vec::new();
    let mut want = Vec::new();
    let mut rest = payload;
    for i in 0..(1 + usize::from(b >> 3) % 8) {
        let padding = rest.first().is_some_and(|x| x & 1 == 1);
        let header = [
            0xFF,
            0xE0 | (version_bits << 3) | (1 << 1) | 1,
            (bitrate_index << 4) | (sr_index << 2) | (u8::from(padding) << 1),
            if mono { 0xC0 } else { 0x40 },
        ];
        let len = Mp3Header::parse(&header, 0)
            .expect("valid header")
            .frame_len();
        let mut frame = header.to_vec();
        let take = rest.len().min(len - 4);
        frame.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        frame.resize(len, 0);
        if i == 0 {
            // Not a Xing/Info/VBRI frame.
            for at in [13, 21, 36] {
                if let Some(tag) = frame.get_mut(at..at + 4) {
                    tag.fill(0);
                }
            }
        }
        stream.extend_from_slice(&frame);
        want.push(frame);
    }
    let (config, frames) = Mp3Reader::new(&stream[..])
        .and_then(Mp3Reader::read_all)
        .expect("valid MP3");
    assert_eq!(config.channels, if mono { 1 } else { 2 });
    let got: Vec<Vec<u8>> = frames.into_iter().map(|f| f.data).collect();
    assert_eq!(got, want);
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(8));
    arbitrary(data, head);
    let _ = AudioReader::new(data).and_then(AudioReader::read_all);
    adts_round_trip(head, body);
    mp3_round_trip(head, body);
});
