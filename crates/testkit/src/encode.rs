//! Driving a [`VideoEncoder`] over a clip.

use framecast_core::{CodecConfig, Packet, VideoEncoder, YuvImage};

/// Sends `frames` (pts 0, 1, 2...), draining packets after each, then flushes and drains; returns
/// the packets and the codec configuration, asserting that the configuration did not change
/// while encoding.
pub fn encode_frames<E: VideoEncoder>(
    enc: &mut E,
    frames: &[YuvImage],
) -> (Vec<Packet>, CodecConfig) {
    let config = enc.codec_config().unwrap();
    let mut packets = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        enc.send_frame(f, i as i64).unwrap();
        while let Some(p) = enc.receive_packet().unwrap() {
            packets.push(p);
        }
    }
    enc.flush().unwrap();
    while let Some(p) = enc.receive_packet().unwrap() {
        packets.push(p);
    }
    assert_eq!(enc.codec_config().unwrap(), config, "codec_config changed");
    (packets, config)
}
