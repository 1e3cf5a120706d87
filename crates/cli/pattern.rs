//! The deterministic test image of colour benchmarks, shared by `framecast bench color` and the
//! criterion bench (`benches/color.rs` includes this file), so both measure the same input.

use framecast_core::PixelFormat;

/// A `w` x `h` image in `fmt` of gradients plus xorshift noise, so no kernel sees constant data.
pub(crate) fn pattern(w: u32, h: u32, fmt: PixelFormat) -> Vec<u8> {
    let bpp = fmt.bytes_per_pixel();
    let mut state = 0x1234_5678_u32;
    let mut v = vec![0u8; w as usize * h as usize * bpp];
    for (i, px) in v.chunks_exact_mut(bpp).enumerate() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let (x, y) = (i as u32 % w, i as u32 / w);
        let noise = (state & 31) as u8;
        for (c, b) in px.iter_mut().enumerate() {
            *b = ((x + y * (c as u32 + 1)) as u8).wrapping_add(noise);
        }
    }
    v
}
