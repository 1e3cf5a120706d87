//! Encodes a raw I420 file and reports encoding speed; writes the Annex-B stream for ffmpeg.
//!
//! `measure <in.yuv> <width> <height> <fps> <out.h264> [q<quality>|b<kbps>] [fast|medium|slow] [threads] [main|baseline]`
//!
//! The README's figures come from this tool (see there for the commands).

use std::io::Write;
use std::time::Instant;

use framecast_core::{ColorSpec, RateControl, Rational, Subsampling, VideoEncoder, YuvImage};
use framecast_h264::{H264Encoder, H264Options, Profile, Speed};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        return Err("usage: measure <in.yuv> <w> <h> <fps> <out.h264> [q23|b1000] [fast|medium|slow] [threads] [main|baseline]".into());
    }
    let (w, h): (u32, u32) = (args[2].parse()?, args[3].parse()?);
    let fps: u32 = args[4].parse()?;
    let rate = match args.get(6).map(String::as_str) {
        Some(r) if r.starts_with('b') => RateControl::Bitrate(r[1..].parse()?),
        Some(r) if r.starts_with('q') => RateControl::Quality(r[1..].parse()?),
        _ => RateControl::default(),
    };
    let speed = match args.get(7).map(String::as_str) {
        Some("fast") => Speed::Fast,
        Some("slow") => Speed::Slow,
        _ => Speed::Medium,
    };
    let threads: u16 = args.get(8).map_or(Ok(1), |t| t.parse())?;
    let profile = match args.get(9).map(String::as_str) {
        Some("baseline") => Profile::ConstrainedBaseline,
        _ => Profile::Main,
    };
    let raw = std::fs::read(&args[1])?;
    let frame_len = (w * h + 2 * w.div_ceil(2) * h.div_ceil(2)) as usize;
    let mut frames = Vec::new();
    for chunk in raw.chunks_exact(frame_len) {
        let mut img = YuvImage::new(w, h, Subsampling::Yuv420)?;
        let mut pos = 0;
        for i in 0..3 {
            let len = img.plane(i).len();
            img.plane_mut(i).copy_from_slice(&chunk[pos..pos + len]);
            pos += len;
        }
        frames.push(img);
    }
    let options = H264Options::default()
        .with_rate(rate)
        .with_speed(speed)
        .with_threads(threads)
        .with_profile(profile);
    let mut enc = H264Encoder::new(
        w,
        h,
        Rational::integer(fps)?,
        ColorSpec::default(),
        &options,
    )?;
    let config = enc.codec_config()?;
    let mut out = Vec::new();
    // Parameter sets from the avcC record (ISO/IEC 14496-15 5.3.3.1), then the samples.
    let rec = &config.record;
    let sps_len = usize::from(u16::from_be_bytes([rec[6], rec[7]]));
    let pps_at = 8 + sps_len + 1;
    let pps_len = usize::from(u16::from_be_bytes([rec[pps_at], rec[pps_at + 1]]));
    for nal in [&rec[8..8 + sps_len], &rec[pps_at + 2..pps_at + 2 + pps_len]] {
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
    }
    let start = Instant::now();
    let mut packets = 0usize;
    let mut bytes = 0usize;
    let write = |data: &[u8], out: &mut Vec<u8>| {
        let mut pos = 0;
        while pos + 4 <= data.len() {
            let len = u32::from_be_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]);
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(&data[pos + 4..pos + 4 + len as usize]);
            pos += 4 + len as usize;
        }
    };
    for (i, f) in frames.iter().enumerate() {
        enc.send_frame(f, i as i64)?;
        while let Some(p) = enc.receive_packet()? {
            packets += 1;
            bytes += p.data.len();
            write(&p.data, &mut out);
        }
    }
    enc.flush()?;
    while let Some(p) = enc.receive_packet()? {
        packets += 1;
        bytes += p.data.len();
        write(&p.data, &mut out);
    }
    let secs = start.elapsed().as_secs_f64();
    std::fs::File::create(&args[5])?.write_all(&out)?;
    let kbps = bytes as f64 * 8.0 / 1000.0 / (frames.len() as f64 / f64::from(fps));
    println!(
        "{} frames -> {packets} packets, {:.1} fps, {kbps:.0} kbit/s, profile_idc {}, level_idc {}, {} slice(s)",
        frames.len(),
        frames.len() as f64 / secs,
        enc.profile_idc(),
        enc.level_idc(),
        enc.slices()
    );
    Ok(())
}
