//! Raw and y4m readers: round trips, truncation at exact byte counts, corpus files, hostile
//! headers.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

use std::io::{Read, Write};
use std::path::PathBuf;

use framecast::source::{FrameLayout, FrameSource, RawSource, SourceError, Y4mSource};
use framecast_core::{PixelFormat, Range, Rational, Subsampling};

/// The shared corpus file `name`, or `None` (with SKIP on stderr) when it is missing; a
/// missing corpus fails under CI.
fn corpus(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from("/work/shared/corpus/video_raw").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "SKIP: {}: {e}", path.display());
            let ci = std::env::var("CI").unwrap_or_default();
            assert!(
                ci != "true" && ci != "1",
                "CI is set and {} is missing",
                path.display()
            );
            None
        }
    }
}

/// xorshift64*: seeded bytes without a dependency.
fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// A reader that hands out at most 3 bytes per call and fails every other call with
/// `Interrupted`, as a slow pipe under signals might.
struct Choppy<'a> {
    data: &'a [u8],
    calls: usize,
}

impl Read for Choppy<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(2) {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.data.len()).min(1 + self.calls % 3);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn read_all(source: &mut dyn FrameSource) -> Result<Vec<Vec<u8>>, SourceError> {
    let mut frames = Vec::new();
    let mut buf = Vec::new();
    while source.read_frame(&mut buf)? {
        frames.push(buf.clone());
    }
    Ok(frames)
}

#[test]
fn raw_round_trip_through_short_and_interrupted_reads() {
    let (w, h, fmt) = (7, 5, PixelFormat::Rgba);
    let frame_len = 7 * 5 * 4;
    let data = seeded_bytes(1, 3 * frame_len);
    let mut source = RawSource::new(
        Choppy {
            data: &data,
            calls: 0,
        },
        w,
        h,
        fmt,
    )
    .unwrap();
    assert_eq!(source.info().layout, FrameLayout::Packed(fmt));
    assert_eq!(source.info().frame_len(), frame_len);
    let frames = read_all(&mut source).unwrap();
    assert_eq!(frames.concat(), data);
    assert_eq!(frames.len(), 3);
}

#[test]
fn raw_truncation_names_exact_leftover() {
    let frame_len = 3 * 2 * 3;
    let data = seeded_bytes(2, 4 * frame_len);
    for cut in [
        1,
        frame_len - 1,
        frame_len + 1,
        2 * frame_len + 13,
        4 * frame_len - 1,
    ] {
        let mut source = RawSource::new(&data[..cut], 3, 2, PixelFormat::Rgb24).unwrap();
        let mut buf = Vec::new();
        for k in 0..cut / frame_len {
            assert!(source.read_frame(&mut buf).unwrap(), "cut {cut} frame {k}");
            assert_eq!(buf, data[k * frame_len..(k + 1) * frame_len]);
        }
        let err = source.read_frame(&mut buf).unwrap_err();
        match &err {
            SourceError::Truncated {
                frame,
                leftover,
                frame_len: len,
            } => {
                assert_eq!(*frame, (cut / frame_len) as u64);
                assert_eq!(*leftover, cut % frame_len);
                assert_eq!(*len, frame_len);
            }
            other => panic!("cut {cut}: {other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{} of the {frame_len} bytes", cut % frame_len)),
            "{msg}"
        );
    }
}

#[test]
fn raw_clean_end_and_buffer_reuse() {
    let data = seeded_bytes(3, 2 * 64 * 64 * 3);
    let mut source = RawSource::new(&data[..], 64, 64, PixelFormat::Bgr24).unwrap();
    let mut buf = Vec::with_capacity(64 * 64 * 3);
    let ptr = buf.as_ptr();
    assert!(source.read_frame(&mut buf).unwrap());
    assert!(source.read_frame(&mut buf).unwrap());
    assert_eq!(buf.as_ptr(), ptr, "the caller's allocation is reused");
    assert!(!source.read_frame(&mut buf).unwrap());
    assert!(!source.read_frame(&mut buf).unwrap(), "end stays the end");
}

#[test]
fn raw_refuses_out_of_range_sizes_with_the_limit() {
    for (w, h) in [(0, 5), (5, 0), (16385, 2), (2, u32::MAX)] {
        let err = RawSource::new(&[][..], w, h, PixelFormat::Gray).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{w}x{h}")) && msg.contains("between 1 and 16384"),
            "{msg}"
        );
    }
    assert!(RawSource::new(&[][..], 16384, 16384, PixelFormat::Rgba).is_ok());
}

/// Offsets of each frame's planes in a y4m file, found by walking its FRAME lines.
fn y4m_plane_offsets(file: &[u8], frame_len: usize) -> Vec<usize> {
    let mut pos = file.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut out = Vec::new();
    while pos < file.len() {
        assert!(file[pos..].starts_with(b"FRAME"));
        pos += file[pos..].iter().position(|&b| b == b'\n').unwrap() + 1;
        out.push(pos);
        pos += frame_len;
    }
    out
}

#[test]
fn y4m_corpus_planes_equal_file_bytes() {
    let cases = [
        ("avmetrics_yuv420p8_input.y4m", 640, 360, None),
        ("rav1e_small_input.y4m", 64, 64, None),
        (
            "androidx_stpancras_320x240_60fps_60f_decoded.y4m",
            320,
            240,
            Some(60),
        ),
    ];
    for (name, w, h, count) in cases {
        let Some(file) = corpus(name) else { continue };
        let mut source = Y4mSource::new(&file[..]).unwrap();
        let info = source.info().clone();
        assert_eq!((info.width, info.height), (w, h), "{name}");
        assert_eq!(info.layout, FrameLayout::Yuv(Subsampling::Yuv420));
        let frame_len = w as usize * h as usize * 3 / 2;
        assert_eq!(info.frame_len(), frame_len);
        let offsets = y4m_plane_offsets(&file, frame_len);
        let frames = read_all(&mut source).unwrap();
        assert_eq!(frames.len(), offsets.len(), "{name}");
        if let Some(n) = count {
            assert_eq!(frames.len(), n, "{name}");
        }
        for (k, (frame, &at)) in frames.iter().zip(&offsets).enumerate() {
            assert!(frame[..] == file[at..at + frame_len], "{name} frame {k}");
        }
    }
}

#[test]
fn y4m_stpancras_declares_full_range_and_60_fps() {
    let Some(file) = corpus("androidx_stpancras_320x240_60fps_60f_decoded.y4m") else {
        return;
    };
    let source = Y4mSource::new(&file[..]).unwrap();
    let info = source.info();
    assert_eq!(info.fps, Some(Rational::integer(60).unwrap()));
    assert_eq!(info.color.map(|c| c.range), Some(Range::Full));
    let Some(file) = corpus("rav1e_small_input.y4m") else {
        return;
    };
    let source = Y4mSource::new(&file[..]).unwrap();
    assert_eq!(source.info().color, None, "no XCOLORRANGE, no colour claim");
}

#[test]
fn y4m_ten_bit_is_refused_clearly() {
    let Some(file) = corpus("avmetrics_yuv420p10_input.y4m") else {
        return;
    };
    let msg = Y4mSource::new(&file[..]).unwrap_err().to_string();
    assert!(
        msg.contains(
            "10-bit y4m is not supported; framecast reads 8-bit 4:2:0 and 4:4:4 (C420jpeg, C420paldv, C420mpeg2, C420, C444)"
        ) && msg.contains("C420p10"),
        "{msg}"
    );
}

#[test]
fn y4m_hostile_width_refused_before_allocation() {
    let msg = Y4mSource::new(&b"YUV4MPEG2 W99999999 H99999999 C444\nFRAME\n"[..])
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "y4m header: frame size 99999999x99999999 is out of range; width and height must each be between 1 and 16384"
    );
    let long = Y4mSource::new(&b"YUV4MPEG2 W1 H99999999999999999999999999\n"[..])
        .unwrap_err()
        .to_string();
    assert!(long.contains("out of range"), "{long}");
}

#[test]
fn y4m_header_without_newline_is_capped() {
    let mut data = b"YUV4MPEG2 W2 H2 X".to_vec();
    data.resize(5000, b'a');
    let msg = Y4mSource::new(&data[..]).unwrap_err().to_string();
    assert!(msg.contains("within the first 1024 bytes"), "{msg}");
    let mut frame = b"YUV4MPEG2 W2 H2 C444\nFRAME ".to_vec();
    frame.resize(5000, b'a');
    let mut source = Y4mSource::new(&frame[..]).unwrap();
    let msg = source.read_frame(&mut Vec::new()).unwrap_err().to_string();
    assert!(
        msg.starts_with("y4m frame 0:") && msg.contains("1024"),
        "{msg}"
    );
}

#[test]
fn y4m_garbage_instead_of_frame_names_frame_and_bytes() {
    let data = b"YUV4MPEG2 W2 H2 C444\nFRAME\n0123456789abJUNK\x01\x02";
    let mut source = Y4mSource::new(&data[..]).unwrap();
    let mut buf = Vec::new();
    assert!(source.read_frame(&mut buf).unwrap());
    let msg = source.read_frame(&mut buf).unwrap_err().to_string();
    assert_eq!(
        msg,
        "y4m frame 1: expected \"FRAME\" followed by a newline or a space but found \"JUNK\\x01\""
    );
    let data = b"YUV4MPEG2 W2 H2 C444\nFRAMEX";
    let msg = Y4mSource::new(&data[..])
        .unwrap()
        .read_frame(&mut buf)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("found \"FRAMEX\""), "{msg}");
}

#[test]
fn y4m_truncation_counts_header_and_plane_bytes() {
    let full = b"YUV4MPEG2 W2 H2 C420\nFRAME\n012345FRAME\n012345";
    let header = 21;
    // (cut, complete frames, leftover, frame_len): inside "FRAME", inside the planes, and
    // inside a FRAME line with parameters.
    for (cut, frames, leftover) in [
        (header + 6 + 6 + 3, 1, 3),
        (header + 6 + 6 + 6 + 2, 1, 8),
        (header + 4, 0, 4),
    ] {
        let mut source = Y4mSource::new(&full[..cut]).unwrap();
        let mut buf = Vec::new();
        for _ in 0..frames {
            assert!(source.read_frame(&mut buf).unwrap());
        }
        match source.read_frame(&mut buf).unwrap_err() {
            SourceError::Truncated {
                frame,
                leftover: l,
                frame_len,
            } => {
                assert_eq!((frame, l, frame_len), (frames, leftover, 12), "cut {cut}");
            }
            other => panic!("cut {cut}: {other}"),
        }
    }
}

#[test]
fn y4m_mono_gets_grey_chroma_and_444_is_read() {
    let data = b"YUV4MPEG2 W3 H1 Cmono F0:0\nFRAME\nabc";
    let mut source = Y4mSource::new(&data[..]).unwrap();
    assert_eq!(source.info().fps, None);
    let mut buf = Vec::new();
    assert!(source.read_frame(&mut buf).unwrap());
    assert_eq!(buf, b"abc\x80\x80\x80\x80");
    let data = b"YUV4MPEG2 W1 H1 C444 Ip A0:0 XCOLORRANGE=LIMITED\nFRAME\nxyz";
    let mut source = Y4mSource::new(&data[..]).unwrap();
    assert_eq!(source.info().layout, FrameLayout::Yuv(Subsampling::Yuv444));
    assert_eq!(source.info().color.map(|c| c.range), Some(Range::Limited));
    assert!(source.read_frame(&mut buf).unwrap());
    assert_eq!(buf, b"xyz");
}

#[test]
fn y4m_refusals_name_the_parameter() {
    for (header, expect) in [
        (
            "W2 H2 It",
            "y4m It: top field first interlacing is not supported",
        ),
        ("W2 H2 C422", "y4m C422: 4:2:2 chroma is not supported"),
        ("W2 H2 Cmono16", "y4m Cmono16: 16-bit y4m is not supported"),
        ("W2 C420", "the height parameter H is missing"),
        ("W2 H2 F25", "parameter F25 is not a frame rate"),
    ] {
        let data = format!("YUV4MPEG2 {header}\n");
        let msg = Y4mSource::new(data.as_bytes()).unwrap_err().to_string();
        assert!(msg.contains(expect), "{header}: {msg}");
    }
    let msg = Y4mSource::new(&b"RIFF...."[..]).unwrap_err().to_string();
    assert!(msg.contains("instead of \"YUV4MPEG2 \""), "{msg}");
}
