//! GOP-parallel encoding: the stitched stream equals the same chunks encoded serially, decodes
//! frame-identically, and keeps timestamps continuous.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use framecast_av1::{Av1Options, ChunkedEncoder, Error, encode_chunk};
use framecast_core::{ColorSpec, Packet, Rational, Subsampling, VideoEncoder, YuvImage};
use framecast_testkit::{Lcg, ffmpeg_decode, have_dav1d, have_ffmpeg, mean_psnr_y, synthetic};

/// Sends every frame (pts from 100) and returns the packets in output order.
fn run(enc: &mut ChunkedEncoder, frames: &[YuvImage]) -> Vec<Packet> {
    let mut out = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        enc.send_frame(f, 100 + i as i64).unwrap();
        while let Some(p) = enc.receive_packet().unwrap() {
            out.push(p);
        }
    }
    enc.flush().unwrap();
    while let Some(p) = enc.receive_packet().unwrap() {
        out.push(p);
    }
    out
}

#[test]
fn gop_parallel_matches_serial_chunks() {
    // 320x256 takes 2 tiles with 2 threads, so chunk 0 (all threads) and the later chunks
    // (one thread each) differ in their tile grids and still share one sequence header.
    let (w, h, n, chunk) = (320, 256, 23, 8);
    let fps = Rational::integer(25).unwrap();
    let color = ColorSpec::BT709_FULL;
    let options = Av1Options::default().with_speed(10).with_threads(2);
    let mut rng = Lcg(11);
    let frames: Vec<YuvImage> = (0..n)
        .map(|t| synthetic(w, h, t, 6, Subsampling::Yuv420, &mut rng))
        .collect();

    let mut enc = ChunkedEncoder::new(w, h, fps, color, &options, 2, chunk).unwrap();
    assert_eq!(enc.queue_limit(), 8, "workers x chunk / 2");
    let config = enc.codec_config().unwrap();
    let parallel = run(&mut enc, &frames);
    assert_eq!(parallel.len(), n as usize);
    let pts: Vec<i64> = parallel.iter().map(|p| p.pts).collect();
    assert_eq!(
        pts,
        (100..100 + i64::from(n)).collect::<Vec<_>>(),
        "pts continuous"
    );
    for (i, p) in parallel.iter().enumerate() {
        if i % chunk as usize == 0 {
            assert!(p.keyframe, "chunk start {i} is a key frame");
        }
    }

    // The same chunks, one after the other, each with its chunk's options.
    assert_eq!(enc.chunk_options(0).threads, 2);
    assert_eq!(enc.chunk_options(1).threads, 1);
    let mut serial = Vec::new();
    for (c, part) in frames.chunks(chunk as usize).enumerate() {
        let pts: Vec<i64> = (0..part.len())
            .map(|i| 100 + (c * chunk as usize + i) as i64)
            .collect();
        let options = enc.chunk_options(c);
        serial.extend(encode_chunk(w, h, fps, color, &options, part, &pts).unwrap());
    }
    assert_eq!(parallel, serial, "stitched output equals serial chunks");

    // A queue of one frame (the producer waits for the workers at every frame) and a single
    // worker change the timing only, never the output.
    let mut slow = ChunkedEncoder::new(w, h, fps, color, &options, 2, chunk)
        .unwrap()
        .with_queue_limit(1);
    assert_eq!(run(&mut slow, &frames), parallel, "queue limit 1");
    let mut one = ChunkedEncoder::new(w, h, fps, color, &options, 1, chunk).unwrap();
    let one_packets = run(&mut one, &frames);
    assert_eq!(
        one_packets[..chunk as usize],
        parallel[..chunk as usize],
        "chunk 0"
    );
    assert_eq!(one_packets.len(), parallel.len());

    if have_dav1d() {
        let a = common::dav1d_decode(&common::ivf(&config, &parallel), w, h, Subsampling::Yuv420);
        let b = common::dav1d_decode(&common::ivf(&config, &serial), w, h, Subsampling::Yuv420);
        assert_eq!(a.len(), n as usize);
        assert_eq!(a, b, "frame-identical decodes");
        assert!(mean_psnr_y(&frames, &a, w) > 30.0);
    }
    if have_ffmpeg() {
        let d = ffmpeg_decode(&common::mp4(&config, &parallel), "mp4", None);
        assert_eq!(
            d.frames.len(),
            n as usize,
            "one sequence header, every frame"
        );
    }
}

/// A clip no longer than one chunk is encoded exactly as the one-context encoder would.
#[test]
fn a_single_chunk_equals_the_plain_encoder() {
    let (w, h, n) = (320, 256, 10);
    let options = Av1Options::default().with_speed(10).with_threads(2);
    let mut rng = Lcg(5);
    let frames: Vec<YuvImage> = (0..n)
        .map(|t| synthetic(w, h, t, 6, Subsampling::Yuv420, &mut rng))
        .collect();
    let color = ColorSpec::default();
    let mut enc = ChunkedEncoder::new(
        w,
        h,
        Rational::integer(25).unwrap(),
        color,
        &options,
        0,
        240,
    )
    .unwrap();
    assert!(enc.workers() >= 1);
    let chunked = run(&mut enc, &frames);
    let (plain, config) = common::encode(&frames, 25, color, &options);
    let plain: Vec<Packet> = plain
        .into_iter()
        .map(|mut p| {
            p.pts += 100;
            p.dts += 100;
            p
        })
        .collect();
    assert_eq!(chunked, plain);
    assert_eq!(enc.codec_config().unwrap(), config);
}

#[test]
fn auto_workers_follow_threads_and_memory() {
    let eight = Av1Options::default().with_threads(8);
    assert_eq!(ChunkedEncoder::auto_workers(640, 360, &eight, 240), 8);
    assert_eq!(ChunkedEncoder::auto_workers(1280, 720, &eight, 240), 5);
    assert_eq!(ChunkedEncoder::auto_workers(1920, 1080, &eight, 240), 2);
    assert_eq!(ChunkedEncoder::auto_workers(1920, 1080, &eight, 30), 3);
    assert_eq!(ChunkedEncoder::auto_workers(7680, 4320, &eight, 240), 1);
    let one = Av1Options::default().with_threads(1);
    assert_eq!(ChunkedEncoder::auto_workers(64, 64, &one, 240), 1);
    // 1280x720 4:2:0 is 1.38 MB a picture: 160 for the context, 120 queued, 1 in hand.
    assert_eq!(
        ChunkedEncoder::worker_bytes(1280, 720, Subsampling::Yuv420, 240),
        1_382_400 * 281
    );
}

#[test]
fn chunked_options_are_checked() {
    let fps = Rational::integer(25).unwrap();
    let e = ChunkedEncoder::new(
        64,
        64,
        fps,
        ColorSpec::default(),
        &Av1Options::default(),
        1,
        0,
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::InvalidOption {
            option: "chunk frames",
            value: 0,
            min: 1,
            max: 100_000
        }
    );
}
