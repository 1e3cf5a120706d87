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
/// edit; the first dts follows it.
fn header(codec_layout: u8) -> Vec<u8> {
    vec![codec_layout, 64, 0, 48, 0, 0, 0, 29, 0, 50, 0]
}

/// One packet: size, dts step, composition offset code, flags (bit 0 key, duration << 2).
fn packet(size: u8, step: i8, cts: u8, key: bool, duration: u8) -> [u8; 4] {
    [size, step as u8, cts, u8::from(key) | (duration << 2)]
}

#[test]
fn seeded_random_packet_sequences_round_trip_or_fail_cleanly() {
    let mut layouts = [0usize; 3];
    let mut accepted = 0;
    for seed in 0..400 {
        let len = 12 + (seed as usize * 37) % 600;
        let mut data = bytes(seed, len);
        // Half of the inputs get a sane header, so most of them reach the writer's sample path.
        if seed % 2 == 0 {
            let h = header(data[0] % 6);
            data[..h.len()].copy_from_slice(&h);
        }
        let o = roundtrip(&data);
        layouts[o.layout as usize] += 1;
        accepted += o.accepted;
    }
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
