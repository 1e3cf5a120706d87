//! Random sizes, strides, formats, matrices and ranges: every backend equals scalar, padding of
//! the output planes is untouched, and invalid parameters give errors, never panics.
#![no_main]

use framecast_color::{Backend, Converter, yuv_to_rgb};
use framecast_core::{ColorSpec, FrameView, Matrix, PixelFormat, Range, Subsampling, YuvImage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let (head, pixels) = data.split_at(12);
    let fmt = PixelFormat::ALL[usize::from(head[0]) % PixelFormat::ALL.len()];
    let spec = ColorSpec::new(Matrix::ALL[usize::from(head[1]) % 3], Range::ALL[usize::from(head[1] >> 4) % 2]);
    let sub = if head[2] & 1 == 0 { Subsampling::Yuv420 } else { Subsampling::Yuv444 };

    // Raw, unvalidated parameters: whatever they are, the API answers without panicking.
    let raw_w = u32::from_le_bytes([head[3], head[4], head[5], head[6]]);
    let raw_h = u32::from(u16::from_le_bytes([head[7], head[8]]));
    let raw_stride = usize::from(u16::from_le_bytes([head[9], head[10]]));
    if let Ok(frame) = FrameView::with_stride(pixels, raw_w, raw_h, raw_stride, fmt) {
        let _ = Converter::new(spec).to_yuv(&frame, sub);
    }

    // Mapped to valid parameters: the backends must agree byte for byte.
    let w = 1 + (raw_w % 200);
    let h = 1 + u32::from(head[7] % 24);
    let stride = w as usize * fmt.bytes_per_pixel() + usize::from(head[11] % 33);
    let needed = stride * (h as usize - 1) + w as usize * fmt.bytes_per_pixel();
    if pixels.is_empty() {
        return;
    }
    let buf: Vec<u8> = pixels.iter().copied().cycle().take(needed).collect();
    let frame = FrameView::with_stride(&buf, w, h, stride, fmt).expect("mapped parameters are valid");
    let (cw, _) = sub.chroma_size(w, h);
    let convert = |backend: Backend| {
        let mut img = YuvImage::with_strides(w, h, sub, w as usize + 3, cw as usize + 1).expect("valid size");
        for p in 0..3 {
            img.plane_mut(p).fill(0x5A);
        }
        Converter::new(spec).with_backend(backend).expect("available").convert(&frame, &mut img).expect("convert");
        img
    };
    let reference = convert(Backend::Scalar);
    for backend in Backend::available() {
        assert_eq!(convert(backend), reference, "{backend} {fmt} {w}x{h} stride {stride} {spec} {sub:?}");
    }
    let mut rgb = vec![0u8; w as usize * h as usize * 4];
    yuv_to_rgb(&reference, spec, PixelFormat::Rgba, &mut rgb, w as usize * 4).expect("valid output");
});
