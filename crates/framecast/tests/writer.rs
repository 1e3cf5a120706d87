//! The facade end to end: MP4 bytes in a `Vec<u8>`, `render`, audio, metadata, layouts, and
//! the threaded pipeline producing exactly the bytes of the single-threaded path. Outputs are
//! parsed with the independent `mp4` crate.
#![cfg(all(feature = "h264", feature = "mp4"))]

use std::io::Cursor;

use framecast::pipeline::{self, PipelineOptions};
use framecast::source::{FrameSource, RawSource};
use framecast::{
    Error, Frame, FrameView, Layout, PixelFormat, RateControl, Rational, VideoWriter, render,
};

/// Seeded frames: a moving gradient plus xorshift noise.
fn frames(w: u32, h: u32, bpp: usize, count: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let mut out = Vec::with_capacity(w as usize * h as usize * bpp * count);
    for f in 0..count {
        for y in 0..h as usize {
            for x in 0..w as usize {
                for c in 0..bpp {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    out.push(((x * 2 + y * (c + 1) + f * 7) as u32 + (state & 15)) as u8);
                }
            }
        }
    }
    out
}

/// (video sample count, width, height, timescale) of an MP4, read with the `mp4` crate.
fn video_track(mp4: &[u8]) -> (u32, u16, u16, u32) {
    let reader = mp4::Mp4Reader::read_header(Cursor::new(mp4), mp4.len() as u64).expect("parse");
    let track = reader
        .tracks()
        .values()
        .find(|t| t.track_type().ok() == Some(mp4::TrackType::Video))
        .expect("video track");
    (
        track.sample_count(),
        track.width(),
        track.height(),
        track.timescale(),
    )
}

#[test]
fn mp4_bytes_in_a_vec_for_an_http_body() {
    let (w, h) = (96, 64);
    let data = frames(w, h, 4, 12);
    let mut writer = VideoWriter::builder(w, h)
        .fps(Rational::new(30000, 1001).expect("rate"))
        .rate(RateControl::Quality(20))
        .metadata("title", "in memory")
        .build(Vec::new())
        .expect("writer");
    for f in data.chunks_exact((w * h * 4) as usize) {
        let view = FrameView::new(f, w, h, PixelFormat::Bgra).expect("view");
        writer.write_frame(&view).expect("frame");
    }
    assert_eq!(writer.frames(), 12);
    let mp4 = writer.finish().expect("finish");
    assert_eq!(video_track(&mp4), (12, 96, 64, 30000));
    let moov = mp4.windows(4).position(|w| w == b"moov").expect("moov");
    let mdat = mp4.windows(4).position(|w| w == b"mdat").expect("mdat");
    assert!(moov < mdat, "a Vec gets faststart (moov first)");
    assert!(
        mp4.windows(9).any(|w| w == b"in memory"),
        "metadata written"
    );
}

#[test]
fn fragmented_layout_streams_to_a_plain_write() {
    let (w, h) = (64, 48);
    let data = frames(w, h, 3, 40);
    let mut writer = VideoWriter::builder(w, h)
        .layout(Layout::Fragmented)
        .build(Vec::new())
        .expect("writer");
    for f in data.chunks_exact((w * h * 3) as usize) {
        writer
            .write_frame(&FrameView::new(f, w, h, PixelFormat::Rgb24).expect("view"))
            .expect("frame");
    }
    let mp4 = writer.finish().expect("finish");
    assert!(mp4.windows(4).any(|w| w == b"moof"));
    assert!(mp4.windows(4).any(|w| w == b"mvex"));
}

#[test]
fn finishing_without_frames_is_an_error_and_writes_nothing() {
    let writer = VideoWriter::builder(32, 32)
        .build(Vec::new())
        .expect("writer");
    assert!(matches!(writer.finish(), Err(Error::NoFrames)));
}

#[test]
fn a_frame_of_another_size_is_refused_with_both_sizes() {
    let mut writer = VideoWriter::builder(32, 32)
        .build(Vec::new())
        .expect("writer");
    let data = vec![0u8; 30 * 32 * 3];
    let e = writer
        .write_frame(&FrameView::new(&data, 30, 32, PixelFormat::Rgb24).expect("view"))
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("30x32") && msg.contains("32x32"), "{msg}");
}

#[test]
fn render_calls_make_frame_at_each_frame_time() {
    let mut times = Vec::new();
    let mp4 = render(Rational::integer(10).expect("rate"), 0.5, |t| {
        times.push(t);
        Frame::solid(48, 32, [(t * 400.0) as u8, 50, 200])
    })
    .expect("render");
    assert_eq!(times, vec![0.0, 0.1, 0.2, 0.3, 0.4]);
    assert_eq!(video_track(&mp4).0, 5);
}

#[test]
fn audio_is_copied_and_cut_to_the_video() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/audio");
    let Some(mp3) = std::fs::read_dir(&corpus).ok().and_then(|d| {
        d.filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "mp3"))
    }) else {
        skip(&format!("no .mp3 in {}", corpus.display()));
        return;
    };
    let (w, h) = (32, 32);
    let mut writer = VideoWriter::builder(w, h)
        .audio(std::fs::File::open(&mp3).expect("open mp3"))
        .expect("mp3 header")
        .build(Vec::new())
        .expect("writer");
    let data = frames(w, h, 3, 15);
    for f in data.chunks_exact((w * h * 3) as usize) {
        writer
            .write_frame(&FrameView::new(f, w, h, PixelFormat::Rgb24).expect("view"))
            .expect("frame");
    }
    let mp4 = writer.finish().expect("finish");
    let reader = mp4::Mp4Reader::read_header(Cursor::new(&mp4), mp4.len() as u64).expect("parse");
    let audio = reader
        .tracks()
        .values()
        .find(|t| t.track_type().ok() == Some(mp4::TrackType::Audio))
        .expect("audio track");
    // 15 frames at 30 fps = 0.5 s; the audio may run on by at most one frame (1152 samples).
    let seconds = audio.duration().as_secs_f64();
    assert!(
        (0.45..=0.5 + 1152.0 / 44100.0 + 1e-3).contains(&seconds),
        "audio lasts {seconds} s"
    );
}

fn skip(why: &str) {
    use std::io::Write;
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!ci, "missing test input under CI: {why}");
    let _ = writeln!(std::io::stderr(), "SKIP: {why}");
}

fn raw_source(data: &[u8], w: u32, h: u32) -> Box<dyn FrameSource> {
    Box::new(RawSource::new(Cursor::new(data.to_vec()), w, h, PixelFormat::Rgba).expect("raw"))
}

fn writer(w: u32, h: u32) -> VideoWriter<Vec<u8>> {
    VideoWriter::builder(w, h)
        .fps(Rational::integer(25).expect("rate"))
        .build(Vec::new())
        .expect("writer")
}

#[test]
fn threaded_pipeline_output_is_byte_identical_to_the_single_threaded_path() {
    let (w, h) = (160, 96);
    let data = frames(w, h, 4, 48);

    let mut direct = writer(w, h);
    for f in data.chunks_exact((w * h * 4) as usize) {
        direct
            .write_frame(&FrameView::new(f, w, h, PixelFormat::Rgba).expect("view"))
            .expect("frame");
    }
    let direct = direct.finish().expect("finish");

    let mut seen = Vec::new();
    let threaded = pipeline::run(
        raw_source(&data, w, h),
        writer(w, h),
        &PipelineOptions::default(),
        &mut |p| seen.push(p.frames),
    )
    .expect("threaded run");
    let inline = pipeline::run(
        raw_source(&data, w, h),
        writer(w, h),
        &PipelineOptions::default().with_threaded(false),
        &mut |_| {},
    )
    .expect("inline run");

    assert_eq!(threaded.frames, 48);
    assert!(threaded.source_error.is_none() && !threaded.stopped);
    assert_eq!(
        seen,
        (1..=48).collect::<Vec<u64>>(),
        "progress after every frame"
    );
    assert!(
        threaded.sink == direct,
        "threaded pipeline differs from VideoWriter"
    );
    assert!(
        inline.sink == direct,
        "inline pipeline differs from VideoWriter"
    );
}

#[test]
fn pipeline_keeps_complete_frames_of_a_truncated_input() {
    let (w, h) = (64, 48);
    let mut data = frames(w, h, 4, 5);
    data.truncate(data.len() - 100);
    let outcome = pipeline::run(
        raw_source(&data, w, h),
        writer(w, h),
        &PipelineOptions::default(),
        &mut |_| {},
    )
    .expect("run");
    assert_eq!(outcome.frames, 4);
    let e = outcome.source_error.expect("truncation reported");
    assert!(
        e.to_string().contains(&(w * h * 4 - 100).to_string()),
        "{e}"
    );
    assert_eq!(video_track(&outcome.sink).0, 4);
}

#[test]
fn pipeline_refuses_a_source_of_another_size_before_reading() {
    let data = frames(64, 48, 4, 2);
    let e = pipeline::run(
        raw_source(&data, 64, 48),
        writer(32, 32),
        &PipelineOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("64x48"), "{e}");
}
