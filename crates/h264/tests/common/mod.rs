//! Helpers of the integration tests that are H.264's own: encoding, avcC and Annex B, and
//! the ffmpeg decoder fed with Annex B. The shared ones (oracle rule, corpus, content, the
//! ffmpeg decoder, PSNR) are in framecast-testkit.
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

use framecast_core::{CodecConfig, ColorSpec, Packet, Rational, YuvImage};
use framecast_h264::{H264Encoder, H264Options};
use framecast_testkit::{Decoded, encode_frames};

/// Encodes `frames` (pts 0, 1, 2...) and returns the packets, the codec configuration and the
/// encoder.
pub(crate) fn encode(
    frames: &[YuvImage],
    fps: u32,
    color: ColorSpec,
    options: &H264Options,
) -> (Vec<Packet>, CodecConfig, H264Encoder) {
    let (w, h) = (frames[0].width(), frames[0].height());
    let mut enc = H264Encoder::new(w, h, Rational::integer(fps).unwrap(), color, options).unwrap();
    let (packets, config) = encode_frames(&mut enc, frames);
    (packets, config, enc)
}

/// The SPS and PPS NAL units of an avcC record (ISO/IEC 14496-15 5.3.3.1).
pub(crate) fn avcc_parameter_sets(record: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut pos = 5;
    let read = |count: usize, pos: &mut usize| {
        (0..count)
            .map(|_| {
                let len = u16::from_be_bytes([record[*pos], record[*pos + 1]]) as usize;
                let nal = record[*pos + 2..*pos + 2 + len].to_vec();
                *pos += 2 + len;
                nal
            })
            .collect::<Vec<_>>()
    };
    let n_sps = (record[pos] & 0x1f) as usize;
    pos += 1;
    let sps = read(n_sps, &mut pos);
    let n_pps = record[pos] as usize;
    pos += 1;
    let pps = read(n_pps, &mut pos);
    (sps, pps)
}

/// The NAL units of a length-prefixed sample.
pub(crate) fn sample_nals(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let len = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        out.push(&data[pos + 4..pos + 4 + len]);
        pos += 4 + len;
    }
    assert_eq!(pos, data.len(), "sample does not end on a NAL boundary");
    out
}

/// The Annex-B elementary stream: parameter sets from the avcC, then every sample.
pub(crate) fn annex_b(config: &CodecConfig, packets: &[Packet]) -> Vec<u8> {
    let (sps, pps) = avcc_parameter_sets(&config.record);
    let mut out = Vec::new();
    for nal in sps.iter().chain(&pps) {
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
    }
    for p in packets {
        for nal in sample_nals(&p.data) {
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(nal);
        }
    }
    out
}

/// Decodes the stream (as Annex B) with ffmpeg and reads ffprobe's stream fields.
pub(crate) fn ffmpeg_decode(config: &CodecConfig, packets: &[Packet]) -> Decoded {
    framecast_testkit::ffmpeg_decode(&annex_b(config, packets), "h264", Some("h264"))
}
