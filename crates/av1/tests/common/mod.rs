//! Helpers of the integration tests that are AV1's own: encoding, IVF/MP4 writing and the dav1d
//! decoder. The shared ones (oracle rule, corpus, content, the ffmpeg decoder, PSNR) are in
//! framecast-testkit.
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

use std::process::Command;

use framecast_av1::{Av1Encoder, Av1Options, obu};
use framecast_core::{CodecConfig, ColorSpec, Packet, Rational, Subsampling, YuvImage};
use framecast_mux::ivf::{IvfCodec, IvfWriter};
use framecast_mux::mp4::{Mp4Builder, VideoTrack};
use framecast_testkit::{encode_frames, scratch};

/// Encodes `frames` (pts 0, 1, 2...) and returns the packets and the codec configuration.
pub(crate) fn encode(
    frames: &[YuvImage],
    fps: u32,
    color: ColorSpec,
    options: &Av1Options,
) -> (Vec<Packet>, CodecConfig) {
    let (w, h) = (frames[0].width(), frames[0].height());
    let mut enc = Av1Encoder::new(w, h, Rational::integer(fps).unwrap(), color, options).unwrap();
    encode_frames(&mut enc, frames)
}

/// The packets as an IVF file (each temporal unit with its temporal delimiter).
pub(crate) fn ivf(config: &CodecConfig, packets: &[Packet]) -> Vec<u8> {
    let mut w = IvfWriter::new(
        Vec::new(),
        IvfCodec::Av1,
        u16::try_from(config.width).unwrap(),
        u16::try_from(config.height).unwrap(),
        config.time_base,
    )
    .unwrap();
    for p in packets {
        w.write_frame(&obu::with_temporal_delimiter(&p.data), p.pts)
            .unwrap();
    }
    w.finish().unwrap()
}

/// The packets as a faststart MP4 in memory.
pub(crate) fn mp4(config: &CodecConfig, packets: &[Packet]) -> Vec<u8> {
    let mut b = Mp4Builder::new();
    let track = b.add_video(VideoTrack::new(config.clone())).unwrap();
    let mut w = b.buffered(Vec::new()).unwrap();
    for p in packets {
        use framecast_mux::mp4::Mp4Sink;
        w.write_video(track, p).unwrap();
    }
    w.finish().unwrap()
}

/// Decodes an IVF file with dav1d into raw I420/I444 frames of `w x h`.
pub(crate) fn dav1d_decode(ivf_bytes: &[u8], w: u32, h: u32, sub: Subsampling) -> Vec<Vec<u8>> {
    let input = scratch("in.ivf");
    let output = scratch("out.yuv");
    std::fs::write(&input, ivf_bytes).unwrap();
    let out = Command::new("dav1d")
        .args(["--quiet", "-i"])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dav1d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data = std::fs::read(&output).unwrap();
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    let (cw, ch) = sub.chroma_size(w, h);
    let len = (w * h + 2 * cw * ch) as usize;
    assert_eq!(data.len() % len, 0, "partial frame from dav1d");
    data.chunks(len).map(<[u8]>::to_vec).collect()
}
