//! The y4m, PNG-stream and raw readers on arbitrary bytes: every frame they accept has exactly
//! `frame_len` bytes, and everything else is an error, never a panic or an unbounded
//! allocation.
#![no_main]

use framecast::source::{FrameSource, PngStreamSource, RawSource, Y4mSource};
use framecast_core::PixelFormat;
use libfuzzer_sys::fuzz_target;

/// Frames read per input at most, so a valid stream of tiny frames does not dominate the run.
const MAX_FRAMES: usize = 64;

fn drain(source: &mut dyn FrameSource) {
    let len = source.info().frame_len();
    let mut buf = Vec::new();
    for _ in 0..MAX_FRAMES {
        match source.read_frame(&mut buf) {
            Ok(true) => assert_eq!(buf.len(), len),
            Ok(false) | Err(_) => return,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(mut y4m) = Y4mSource::new(data) {
        drain(&mut y4m);
    }
    // A 4 MiB decode cap keeps each run fast; the default cap is covered by the unit tests.
    if let Ok(mut png) = PngStreamSource::with_max_frame_bytes(data, 4 << 20) {
        drain(&mut png);
    }
    if let Some((&head, rest)) = data.split_first() {
        let format = PixelFormat::ALL[usize::from(head) % PixelFormat::ALL.len()];
        let (w, h) = (u32::from(head >> 3 & 7), u32::from(head >> 6));
        if let Ok(mut raw) = RawSource::new(rest, w, h, format) {
            drain(&mut raw);
        }
    }
});
