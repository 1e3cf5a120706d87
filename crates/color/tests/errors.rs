//! Bad input gets an error naming what was received and what was expected; nothing panics.

mod common;

use framecast_color::{Backend, Converter, Error, yuv_to_rgb};
use framecast_core::{ColorSpec, FrameView, PixelFormat, Subsampling, YuvImage};

#[test]
fn size_mismatch_names_both_sizes() {
    let data = vec![0u8; 4 * 4 * 3];
    let frame = FrameView::new(&data, 4, 4, PixelFormat::Rgb24).expect("frame");
    let mut dst = YuvImage::new(4, 2, Subsampling::Yuv420).expect("image");
    let e = Converter::new(ColorSpec::default())
        .convert(&frame, &mut dst)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "source is 4x4 but the destination image is 4x2"
    );
}

#[test]
fn unavailable_backend_lists_available_ones() {
    let Some(missing) = Backend::ALL.into_iter().find(|b| !b.is_available()) else {
        return common::skip("a backend this machine cannot run (every backend is available)");
    };
    let e = Converter::new(ColorSpec::default())
        .with_backend(missing)
        .unwrap_err();
    assert!(matches!(e, Error::BackendUnavailable { backend, .. } if backend == missing));
    let msg = e.to_string();
    assert!(
        msg.contains(missing.name()) && msg.contains("available: scalar"),
        "{msg}"
    );
}

#[test]
fn yuv_to_rgb_rejects_gray_and_short_buffers() {
    let img = YuvImage::new(5, 3, Subsampling::Yuv420).expect("image");
    let mut out = vec![0u8; 5 * 3 * 3];
    let e = yuv_to_rgb(&img, ColorSpec::default(), PixelFormat::Gray, &mut out, 5).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot convert YUV to gray; expected one of rgb24, bgr24, rgba, bgra, argb, abgr"
    );
    let e = yuv_to_rgb(&img, ColorSpec::default(), PixelFormat::Rgb24, &mut out, 14).unwrap_err();
    assert_eq!(
        e.to_string(),
        "stride 14 bytes is shorter than one row: 5 pixels of rgb24 need at least 15 bytes"
    );
    let e = yuv_to_rgb(&img, ColorSpec::default(), PixelFormat::Rgba, &mut out, 20).unwrap_err();
    assert_eq!(
        e.to_string(),
        "frame buffer holds 45 bytes but 5x3 needs at least 60"
    );
}

/// Frames of every format from 1x1 up convert without panicking, with tight and odd strides.
#[test]
fn tiny_and_odd_sizes_convert() {
    for fmt in PixelFormat::ALL {
        for (w, h) in [(1, 1), (1, 2), (2, 1), (3, 1), (1, 3), (15, 17)] {
            let stride = w as usize * fmt.bytes_per_pixel() + 1;
            let data = vec![200u8; stride * h as usize];
            let frame = FrameView::with_stride(&data, w, h, stride, fmt).expect("frame");
            for sub in [Subsampling::Yuv420, Subsampling::Yuv444] {
                let img = Converter::new(ColorSpec::default())
                    .to_yuv(&frame, sub)
                    .expect("convert");
                assert_eq!(img.plane_size(1), sub.chroma_size(w, h));
            }
        }
    }
}
