//! GIF through the facade: the VideoWriter, the threaded and inline pipeline and a direct
//! framecast-gif encode give the same bytes; y4m input and resizing reach the GIF encoder;
//! options that do not apply to GIF are refused. The encoder's own quality is proven in
//! crates/gif; the outputs here are decoded with the `gif` crate.
#![cfg(feature = "gif")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure should stop the test"
)]

use std::io::Cursor;

use framecast::gif::{Dither, GifOptions};
use framecast::pipeline::{self, PipelineOptions};
use framecast::source::{RawSource, Y4mSource};
use framecast::{
    Codec, Container, Error, FrameView, PixelFormat, RateControl, Rational, VideoWriter,
};
use framecast_gif::GifEncoder;

/// Seeded RGBA frames: a moving gradient, noise in the low bits, a transparent corner, and
/// frames 4 and 5 identical (merged into one longer image).
fn frames(w: u32, h: u32, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|f| {
            let f = if f == 5 { 4 } else { f };
            let mut state = 0x9e37_79b9_u32 ^ f as u32;
            let mut px = Vec::with_capacity((w * h * 4) as usize);
            for y in 0..h as usize {
                for x in 0..w as usize {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    let v = (x * 5 + y * 3 + f * 11) as u32;
                    let a = if x < 4 && y < 4 { 0 } else { 255 };
                    px.extend([v as u8, (v / 2) as u8 ^ (state & 3) as u8, (y * 7) as u8, a]);
                }
            }
            px
        })
        .collect()
}

fn fps() -> Rational {
    Rational::integer(30).unwrap()
}

fn options() -> GifOptions {
    GifOptions::default().dither(Dither::Ordered).threads(2)
}

fn writer(w: u32, h: u32) -> VideoWriter<Vec<u8>> {
    VideoWriter::builder(w, h)
        .fps(fps())
        .gif(options())
        .build(Vec::new())
        .unwrap()
}

/// (images, total delay in centiseconds, size) of a GIF, read with the gif crate.
fn summary(bytes: &[u8]) -> (usize, u32, (u16, u16)) {
    let mut decoder = gif::DecodeOptions::new().read_info(bytes).unwrap();
    let size = (decoder.width(), decoder.height());
    let (mut images, mut delay) = (0, 0);
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        images += 1;
        delay += u32::from(frame.delay);
    }
    (images, delay, size)
}

#[test]
fn writer_pipeline_and_direct_encoder_give_the_same_gif() {
    let (w, h) = (45, 31);
    let data = frames(w, h, 12);
    let mut direct = GifEncoder::new(Vec::new(), w, h, fps(), options()).unwrap();
    let mut via_writer = writer(w, h);
    for f in &data {
        let view = FrameView::new(f, w, h, PixelFormat::Rgba).unwrap();
        direct.write_frame(&view).unwrap();
        via_writer.write_frame(&view).unwrap();
    }
    let direct = direct.finish().unwrap();
    assert_eq!(via_writer.info().codec, Codec::Gif);
    let via_writer = via_writer.finish().unwrap();
    assert!(
        via_writer == direct,
        "the writer changed the encoder's bytes"
    );

    let concatenated = data.concat();
    for threaded in [true, false] {
        let source =
            RawSource::new(Cursor::new(concatenated.clone()), w, h, PixelFormat::Rgba).unwrap();
        let mut last = None;
        let outcome = pipeline::run(
            Box::new(source),
            writer(w, h),
            &PipelineOptions::default().with_threaded(threaded),
            &mut |p| last = Some(p),
        )
        .unwrap();
        assert_eq!(
            outcome.frames, 12,
            "one packet per frame (threaded {threaded})"
        );
        assert_eq!(outcome.bytes, direct.len() as u64);
        assert_eq!(last.map(|p| p.frames), Some(12));
        assert!(
            outcome.sink == direct,
            "pipeline (threaded {threaded}) differs"
        );
    }
    // 12 frames at 30 fps = 40 cs; frames 4 and 5 merge into one image.
    assert_eq!(summary(&direct), (11, 40, (45, 31)));
}

#[test]
fn codec_gif_alone_chooses_the_gif_container_and_resizes() {
    let (w, h) = (64, 40);
    let mut writer = VideoWriter::builder(w, h)
        .fps(fps())
        .codec(Codec::Gif)
        .resize(32, 20)
        .build(Vec::new())
        .unwrap();
    assert_eq!(writer.info().output_size, (32, 20));
    for f in frames(w, h, 3) {
        writer
            .write_frame(&FrameView::new(&f, w, h, PixelFormat::Rgba).unwrap())
            .unwrap();
    }
    let gif = writer.finish().unwrap();
    assert_eq!(summary(&gif), (3, 10, (32, 20)));
}

/// A 4:2:0 y4m of flat grey, then flat limited-range blue.
fn y4m(w: u32, h: u32) -> Vec<u8> {
    let mut out = format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    let (cw, ch) = (w.div_ceil(2) as usize, h.div_ceil(2) as usize);
    for (y, u, v) in [(126u8, 128u8, 128u8), (41, 240, 110)] {
        out.extend_from_slice(b"FRAME\n");
        out.extend(std::iter::repeat_n(y, (w * h) as usize));
        out.extend(std::iter::repeat_n(u, cw * ch));
        out.extend(std::iter::repeat_n(v, cw * ch));
    }
    out
}

#[test]
fn y4m_input_is_converted_to_rgb_for_the_gif() {
    let (w, h) = (21, 13);
    let source = Y4mSource::new(Cursor::new(y4m(w, h))).unwrap();
    let writer = VideoWriter::builder(w, h)
        .fps(Rational::integer(10).unwrap())
        .yuv_input(framecast::Subsampling::Yuv420)
        .gif(GifOptions::default())
        .build(Vec::new())
        .unwrap();
    let outcome = pipeline::run(
        Box::new(source),
        writer,
        &PipelineOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(outcome.frames, 2);
    let mut decoder = gif::DecodeOptions::new();
    decoder.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = decoder.read_info(&outcome.sink[..]).unwrap();
    let mut centres = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        let i = 4
            * (usize::from(frame.height / 2) * usize::from(frame.width)
                + usize::from(frame.width / 2));
        centres.push([frame.buffer[i], frame.buffer[i + 1], frame.buffer[i + 2]]);
    }
    // BT.601 limited: Y 126 grey is RGB 128; (41, 240, 110) is blue (about 0, 0, 255 less
    // a little red): each within 3 of the exact inverse.
    let expected = [[128u8, 128, 128], [0, 0, 255]];
    assert_eq!(centres.len(), 2);
    for (got, want) in centres.iter().zip(expected) {
        for (g, w) in got.iter().zip(want) {
            assert!(
                g.abs_diff(w) <= 3,
                "decoded {got:?}, expected about {want:?}"
            );
        }
    }
}

#[test]
fn options_that_do_not_apply_to_gif_are_refused() {
    let build = |b: framecast::VideoWriterBuilder| b.build(Vec::new()).unwrap_err().to_string();
    let gif = || VideoWriter::builder(16, 16).gif(GifOptions::default());
    let cases = [
        (build(gif().rate(RateControl::Bitrate(500))), "Bitrate"),
        (
            build(gif().metadata("title", "x")),
            "metadata ('title') in GIF",
        ),
        (build(gif().container(Container::Mp4)), "GIF in MP4"),
        (
            build(VideoWriter::builder(16, 16).container(Container::Gif)),
            "GIF output with H.264",
        ),
        (
            build(gif().options({
                let mut o = framecast::VideoOptions::default();
                o.codec = Codec::Gif;
                o.keyint = Some(10);
                o
            })),
            "keyframe interval (10) for GIF",
        ),
    ];
    for (message, expected) in cases {
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    // Any audio stream the reader accepts will do: 16 MPEG-1 layer III frame headers.
    let e = VideoWriter::builder(16, 16)
        .gif(GifOptions::default())
        .audio(Cursor::new(mp3_frames()))
        .unwrap()
        .build(Vec::new())
        .unwrap_err();
    assert!(e.to_string().contains("audio track in GIF"), "{e}");
    // No frame: nothing written, the error says so.
    let e = writer(8, 8).finish().unwrap_err();
    assert!(matches!(e, Error::NoFrames), "{e}");
}

/// Silent MPEG-1 layer III frames, 128 kbit/s at 44.1 kHz (417 bytes each, no padding).
fn mp3_frames() -> Vec<u8> {
    let mut frame = vec![0u8; 417];
    frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
    frame.repeat(16)
}
