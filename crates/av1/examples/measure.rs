//! Encodes raw I420 frames from a file and reports encode speed and size; writes IVF.
//!
//! `measure <in.yuv> <w> <h> <fps> <out.ivf> <speed> <threads> [quality] [workers chunk_frames]`
//!
//! With `workers` the GOP-parallel [`ChunkedEncoder`] is used. Only `send_frame` +
//! `receive_packet` + `flush` are timed.
#![allow(clippy::unwrap_used, reason = "a measuring tool")]

use std::io::Read;
use std::time::Instant;

use framecast_av1::{Av1Encoder, Av1Options, ChunkedEncoder, obu};
use framecast_core::{ColorSpec, RateControl, Rational, Subsampling, YuvImage};
use framecast_mux::ivf::{IvfCodec, IvfWriter};
use framecast_testkit::encode_frames;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (w, h): (u32, u32) = (a[2].parse().unwrap(), a[3].parse().unwrap());
    let fps = Rational::integer(a[4].parse().unwrap()).unwrap();
    let speed: u8 = a[6].parse().unwrap();
    let threads: usize = a[7].parse().unwrap();
    let quality: u8 = a.get(8).map_or(23, |q| q.parse().unwrap());
    let mut data = Vec::new();
    std::fs::File::open(&a[1])
        .unwrap()
        .read_to_end(&mut data)
        .unwrap();
    let frame_len = (w * h + 2 * w.div_ceil(2) * h.div_ceil(2)) as usize;
    let frames: Vec<YuvImage> = data
        .chunks_exact(frame_len)
        .map(|c| {
            let mut img = YuvImage::new(w, h, Subsampling::Yuv420).unwrap();
            let mut pos = 0;
            for i in 0..3 {
                let len = img.plane(i).len();
                img.plane_mut(i).copy_from_slice(&c[pos..pos + len]);
                pos += len;
            }
            img
        })
        .collect();
    let options = Av1Options::default()
        .with_speed(speed)
        .with_threads(threads)
        .with_rate(RateControl::Quality(quality));
    let color = ColorSpec::default();
    let start = Instant::now();
    let (packets, config) = if let Some(workers) = a.get(9) {
        let chunk: u32 = a[10].parse().unwrap();
        let mut enc =
            ChunkedEncoder::new(w, h, fps, color, &options, workers.parse().unwrap(), chunk)
                .unwrap();
        encode_frames(&mut enc, &frames)
    } else {
        let mut enc = Av1Encoder::new(w, h, fps, color, &options).unwrap();
        encode_frames(&mut enc, &frames)
    };
    let secs = start.elapsed().as_secs_f64();
    let bytes: usize = packets.iter().map(|p| p.data.len()).sum();
    let mut ivf = IvfWriter::new(
        std::fs::File::create(&a[5]).unwrap(),
        IvfCodec::Av1,
        config.width as u16,
        config.height as u16,
        config.time_base,
    )
    .unwrap();
    for p in &packets {
        ivf.write_frame(&obu::with_temporal_delimiter(&p.data), p.pts)
            .unwrap();
    }
    ivf.finish().unwrap();
    println!(
        "{} frames in {secs:.2} s = {:.1} fps, {bytes} bytes, {:.0} kbit/s",
        frames.len(),
        frames.len() as f64 / secs,
        bytes as f64 * 8.0 * fps.as_f64() / frames.len() as f64 / 1000.0
    );
}
