//! The `mux_roundtrip` fuzz target's round trip on seeded pseudo-random inputs and on the edge
//! cases the issue names (packets out of order, a first packet that is not a keyframe,
//! zero-duration and empty samples), so it runs in every `cargo test` and not only under
//! cargo-fuzz.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

#[allow(dead_code, reason = "shared with the fuzz target")]
mod roundtrip;

use roundtrip::{Out, roundtrip};

/// xorshift64*: a seeded generator, so failures reproduce.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// A header choosing codec/layout, a 64x48 size, time base 1/30, 1 s fragments, no explicit
/// edit, no audio; the first dts follows it.
fn header(codec_layout: u8) -> Vec<u8> {
    vec![codec_layout, 64, 0, 48, 0, 0, 0, 29, 0, 50, 0, 0]
}

/// One packet: size, dts step, composition offset code, flags (bit 0 key, duration << 2).
fn packet(size: u8, step: i8, cts: u8, key: bool, duration: u8) -> [u8; 4] {
    [size, step as u8, cts, u8::from(key) | (duration << 2)]
}

#[test]
fn seeded_random_packet_sequences_round_trip_or_fail_cleanly() {
    let mut layouts = [0usize; 3];
    let mut accepted = 0;
    let mut audio_accepted = 0;
    for seed in 0..400 {
        let len = 12 + (seed as usize * 37) % 600;
        let mut data = bytes(seed, len);
        // Half of the inputs get a sane header, so most of them reach the writer's sample path.
        if seed % 2 == 0 {
            let mut h = header(data[0] % 6);
            // Every audio combination: none, AAC/MP3, trimmed or not, with or without edts.
            h[11] = (seed / 2 % 16) as u8;
            data[..h.len()].copy_from_slice(&h);
        }
        let o = roundtrip(&data);
        layouts[o.layout as usize] += 1;
        accepted += o.accepted;
        audio_accepted += o.audio_accepted;
    }
    assert!(
        audio_accepted > 200,
        "only {audio_accepted} audio frames accepted in all"
    );
    assert!(layouts.iter().all(|&n| n > 50), "{layouts:?}");
    assert!(accepted > 1000, "only {accepted} packets accepted in all");
}

fn run(codec_layout: u8, packets: &[[u8; 4]]) -> roundtrip::Outcome {
    let mut data = header(codec_layout);
    data.push(0); // first dts 0
    for p in packets {
        data.extend_from_slice(p);
    }
    roundtrip(&data)
}

#[test]
fn regular_streams_are_accepted_whole_in_every_layout() {
    for cl in 0..6 {
        let packets: Vec<_> = (0..90)
            .map(|i| packet(10 + i as u8, 1, 1, i % 30 == 0, 1))
            .collect();
        let o = run(cl, &packets);
        assert_eq!((o.accepted, &o.error), (90, &None), "{o:?}");
        assert_eq!(
            o.layout,
            [Out::Faststart, Out::Buffered, Out::Fragmented][usize::from(cl >> 1) % 3]
        );
    }
}

#[test]
fn invalid_packets_are_refused_and_the_rest_is_written() {
    for cl in 0..6 {
        let packets = [
            packet(10, 1, 1, false, 1), // first packet not a keyframe
            packet(10, 1, 1, true, 1),
            packet(0, 1, 1, false, 1),   // empty sample
            packet(10, 0, 1, false, 1),  // dts does not increase
            packet(10, -3, 1, false, 1), // dts goes back
            packet(10, 5, 1, false, 0),  // zero duration, last sample
        ];
        let o = run(cl, &packets);
        assert!(o.accepted >= 2 && o.accepted < packets.len(), "{o:?}");
    }
}

/// One audio frame: size, pts step in units of 64 samples.
fn audio(size: u8, step: i8) -> [u8; 4] {
    [size, step as u8, 0x80, 0]
}

#[test]
fn audio_frames_are_written_or_trimmed_in_every_layout() {
    for cl in 0..6 {
        for (audio_bits, trimmed) in [(1, false), (3, false), (5, true), (7, true), (13, true)] {
            let mut data = header(cl);
            data[11] = audio_bits;
            data.push(0);
            // 30 video frames at 1/30 s; 1024-sample frames at 48 kHz (or 44.1 kHz, MP3):
            // 16 steps of 64 samples per frame, so 60 frames last about 1.3 s.
            for i in 0..60u8 {
                data.extend_from_slice(&audio(10, if i == 0 { 0 } else { 16 }));
                if i % 2 == 0 && i < 60 {
                    data.extend_from_slice(&packet(10, 1, 1, i == 0, 1));
                }
            }
            let o = roundtrip(&data);
            assert_eq!(
                (o.accepted, o.audio_accepted, &o.error, o.trim),
                (30, 60, &None, trimmed),
                "{o:?}"
            );
        }
    }
}
