//! Every SIMD backend is byte-identical to the scalar reference: every format x matrix x range,
//! widths 1..=67 plus 1920 and 1921, heights 1, 2, 3 and 17, tight and strided input, and padded
//! output planes whose padding must stay untouched.

mod common;

use common::{Rng, all_specs, simd_backends};
use framecast_color::{Backend, Converter};
use framecast_core::{ColorSpec, FrameView, PixelFormat, Subsampling, YuvImage};

const HEIGHTS: [u32; 4] = [1, 2, 3, 17];
const PAD: u8 = 0xA5;

fn widths() -> impl Iterator<Item = u32> {
    (1..=67).chain([1920, 1921])
}

/// Converts with `backend` into an image with padded strides pre-filled with `PAD`.
fn convert(backend: Backend, spec: ColorSpec, frame: &FrameView<'_>, sub: Subsampling) -> YuvImage {
    let (cw, _) = sub.chroma_size(frame.width(), frame.height());
    let mut dst = YuvImage::with_strides(
        frame.width(),
        frame.height(),
        sub,
        frame.width() as usize + 5,
        cw as usize + 3,
    )
    .expect("valid size");
    for i in 0..3 {
        dst.plane_mut(i).fill(PAD);
    }
    Converter::new(spec)
        .with_backend(backend)
        .expect("available")
        .convert(frame, &mut dst)
        .expect("convert");
    dst
}

fn check_padding(img: &YuvImage, what: &str) {
    for i in 0..3 {
        let (w, _) = img.plane_size(i);
        for (r, row) in img.plane(i).chunks(img.stride(i)).enumerate() {
            assert!(
                row[w as usize..].iter().all(|&b| b == PAD),
                "{what}: plane {i} row {r} padding overwritten"
            );
        }
    }
}

fn first_difference(a: &YuvImage, b: &YuvImage) -> Option<String> {
    for i in 0..3 {
        let (_, h) = a.plane_size(i);
        for r in 0..h {
            let (ra, rb) = (a.plane_row(i, r), b.plane_row(i, r));
            if let Some(x) = (0..ra.len()).find(|&x| ra[x] != rb[x]) {
                return Some(format!(
                    "plane {i} at ({x}, {r}): scalar {} vs {}",
                    ra[x], rb[x]
                ));
            }
        }
    }
    None
}

fn run_format(fmt: PixelFormat) {
    let backends = simd_backends();
    let mut rng = Rng::new(0xC0102 + fmt as u64);
    let specs = all_specs();
    for w in widths() {
        for h in HEIGHTS {
            let row = w as usize * fmt.bytes_per_pixel();
            for stride in [row, row + 7] {
                let data = rng.bytes(stride * h as usize);
                let frame = FrameView::with_stride(&data, w, h, stride, fmt).expect("valid frame");
                for &spec in &specs {
                    for sub in [Subsampling::Yuv420, Subsampling::Yuv444] {
                        let reference = convert(Backend::Scalar, spec, &frame, sub);
                        for &b in &backends {
                            let got = convert(b, spec, &frame, sub);
                            let what =
                                format!("{b} {fmt} {w}x{h} stride {stride} {spec} {}", sub.name());
                            check_padding(&got, &what);
                            if let Some(d) = first_difference(&reference, &got) {
                                panic!("{what}: {d}");
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn rgb24_matches_scalar() {
    run_format(PixelFormat::Rgb24);
}

#[test]
fn bgr24_matches_scalar() {
    run_format(PixelFormat::Bgr24);
}

#[test]
fn rgba_matches_scalar() {
    run_format(PixelFormat::Rgba);
}

#[test]
fn bgra_matches_scalar() {
    run_format(PixelFormat::Bgra);
}

#[test]
fn argb_matches_scalar() {
    run_format(PixelFormat::Argb);
}

#[test]
fn abgr_matches_scalar() {
    run_format(PixelFormat::Abgr);
}

#[test]
fn gray_matches_scalar() {
    run_format(PixelFormat::Gray);
}

/// Misaligned source slices (the frame starts 1..15 bytes into a buffer) change nothing.
#[test]
fn unaligned_input_matches_scalar() {
    let backends = simd_backends();
    let mut rng = Rng::new(77);
    let buf = rng.bytes(4 * 130 * 5 + 16);
    for off in 1..16 {
        for fmt in PixelFormat::ALL {
            let frame = FrameView::new(&buf[off..], 130, 5, fmt).expect("valid frame");
            for sub in [Subsampling::Yuv420, Subsampling::Yuv444] {
                let reference = convert(Backend::Scalar, ColorSpec::BT709_LIMITED, &frame, sub);
                for &b in &backends {
                    let got = convert(b, ColorSpec::BT709_LIMITED, &frame, sub);
                    assert_eq!(
                        first_difference(&reference, &got),
                        None,
                        "{b} {fmt} offset {off}"
                    );
                }
            }
        }
    }
}

/// CI runs the suite once per `FRAMECAST_CPU` value: the forced backend must be the one in use.
#[test]
fn forced_backend_is_active() {
    match Backend::from_env().expect("FRAMECAST_CPU names a backend") {
        None => assert_eq!(Backend::active(), Backend::detected()),
        Some(b) if b.is_available() => {
            assert_eq!(Backend::active(), b);
            assert_eq!(Converter::new(ColorSpec::default()).backend(), b);
        }
        Some(b) => common::skip(&format!("FRAMECAST_CPU={b} (this machine cannot run it)")),
    }
}
