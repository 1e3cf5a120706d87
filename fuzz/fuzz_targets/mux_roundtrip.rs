//! Random packet sequences (sizes, timestamps, durations, keyframes) and track parameters, written
//! with each MP4 layout to a `Vec`, then parsed back with framecast-mux's inspector and the `mp4`
//! crate: the sample counts match whatever the writer accepted, or the writer returned an error;
//! never a panic. The round trip itself lives in crates/mux/tests/roundtrip/mod.rs, which
//! `cargo test -p framecast-mux --test inspect_roundtrip` also runs on seeded inputs.
#![no_main]

#[path = "../../crates/mux/tests/roundtrip/mod.rs"]
#[allow(dead_code, reason = "the outcome's fields serve the seeded test")]
mod roundtrip;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    roundtrip::roundtrip(data);
});
