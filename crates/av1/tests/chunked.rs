//! GOP-parallel encoding: the stitched stream equals the same chunks encoded serially, decodes
//! frame-identically, and keeps timestamps continuous.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{Lcg, synthetic};
use framecast_av1::{Av1Options, ChunkedEncoder, Error, encode_chunk};
use framecast_core::{ColorSpec, Packet, Rational, Subsampling, VideoEncoder, YuvImage};

#[test]
fn gop_parallel_matches_serial_chunks() {
    let (w, h, n, chunk) = (160, 96, 23, 8);
    let fps = Rational::integer(25).unwrap();
    let color = ColorSpec::BT709_FULL;
    let options = Av1Options::default().with_speed(10).with_threads(2);
    let mut rng = Lcg(11);
    let frames: Vec<YuvImage> = (0..n)
        .map(|t| synthetic(w, h, t, 6, Subsampling::Yuv420, &mut rng))
        .collect();

    let mut enc = ChunkedEncoder::new(w, h, fps, color, &options, 2, chunk).unwrap();
    let config = enc.codec_config().unwrap();
    let mut parallel: Vec<Packet> = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        enc.send_frame(f, 100 + i as i64).unwrap();
        while let Some(p) = enc.receive_packet().unwrap() {
            parallel.push(p);
        }
    }
    enc.flush().unwrap();
    while let Some(p) = enc.receive_packet().unwrap() {
        parallel.push(p);
    }
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

    // The same chunks, one after the other, each with the per-chunk options.
    let per_chunk = options.clone().with_threads(1);
    let mut serial = Vec::new();
    for (c, part) in frames.chunks(chunk as usize).enumerate() {
        let pts: Vec<i64> = (0..part.len())
            .map(|i| 100 + (c * chunk as usize + i) as i64)
            .collect();
        serial.extend(encode_chunk(w, h, fps, color, &per_chunk, part, &pts).unwrap());
    }
    assert_eq!(parallel, serial, "stitched output equals serial chunks");

    if common::have_dav1d() {
        let a = common::dav1d_decode(&common::ivf(&config, &parallel), w, h, Subsampling::Yuv420);
        let b = common::dav1d_decode(&common::ivf(&config, &serial), w, h, Subsampling::Yuv420);
        assert_eq!(a.len(), n as usize);
        assert_eq!(a, b, "frame-identical decodes");
        assert!(common::mean_psnr_y(&frames, &a, w) > 30.0);
    }
    if common::have_ffmpeg() {
        let d = common::ffmpeg_decode(&common::mp4(&config, &parallel), "mp4");
        assert_eq!(
            d.frames.len(),
            n as usize,
            "one sequence header, every frame"
        );
    }
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
