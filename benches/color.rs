//! RGB -> I420 throughput: every framecast backend this machine runs, against the `yuv` crate
//! (yuvutils-rs), dcv-color-primitives where it reads the format, and a memcpy of the same input,
//! all in one run. BT.709 limited range, throughput in input bytes.
//!
//! `cargo bench --bench color` (add `-- 1920x1080` to filter). The ids are stable so runs can be
//! compared over time: `rgb_to_i420/framecast/<backend>/<W>x<H>/<fmt>`,
//! `rgb_to_i420/yuv_crate/<W>x<H>/<fmt>`, `rgb_to_i420/dcv/<W>x<H>/<fmt>`,
//! `rgb_to_i420/memcpy/<W>x<H>/<fmt>`.

use std::hint::black_box;
use std::time::Duration;

#[path = "../crates/cli/pattern.rs"]
mod pattern;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dcv_color_primitives as dcp;
use framecast_color::{Backend, Converter};
use framecast_core::{ColorSpec, FrameView, PixelFormat, Subsampling, YuvImage};
use pattern::pattern;

const SIZES: [(u32, u32); 2] = [(1920, 1080), (1280, 720)];
/// rgb24 and rgba are the formats programs usually write; bgr24 and bgra are added because they are
/// the packed formats dcv-color-primitives converts to I420 (it reads neither rgb24 nor rgba).
const FORMATS: [PixelFormat; 4] = [
    PixelFormat::Rgb24,
    PixelFormat::Rgba,
    PixelFormat::Bgr24,
    PixelFormat::Bgra,
];

fn yuv_crate(src: &[u8], w: u32, fmt: PixelFormat, dst: &mut yuv::YuvPlanarImageMut<'_, u8>) {
    let stride = w * fmt.bytes_per_pixel() as u32;
    let (range, matrix, mode) = (
        yuv::YuvRange::Limited,
        yuv::YuvStandardMatrix::Bt709,
        yuv::YuvConversionMode::Balanced,
    );
    let r = match fmt {
        PixelFormat::Rgb24 => yuv::rgb_to_yuv420(dst, src, stride, range, matrix, mode),
        PixelFormat::Rgba => yuv::rgba_to_yuv420(dst, src, stride, range, matrix, mode),
        PixelFormat::Bgr24 => yuv::bgr_to_yuv420(dst, src, stride, range, matrix, mode),
        PixelFormat::Bgra => yuv::bgra_to_yuv420(dst, src, stride, range, matrix, mode),
        other => unreachable!("{other} is not benchmarked"),
    };
    r.expect("yuv crate conversion");
}

fn dcv_format(fmt: PixelFormat) -> dcp::PixelFormat {
    match fmt {
        PixelFormat::Rgb24 => dcp::PixelFormat::Rgb,
        PixelFormat::Rgba => dcp::PixelFormat::Rgba,
        PixelFormat::Bgr24 => dcp::PixelFormat::Bgr,
        PixelFormat::Bgra => dcp::PixelFormat::Bgra,
        other => unreachable!("{other} is not benchmarked"),
    }
}

/// dcv-color-primitives converting `src` to I420, or `Err` when it does not support the format.
fn dcv(
    src: &[u8],
    w: u32,
    h: u32,
    fmt: PixelFormat,
    planes: &mut [Vec<u8>; 3],
) -> Result<(), dcp::ErrorKind> {
    let src_format = dcp::ImageFormat {
        pixel_format: dcv_format(fmt),
        color_space: dcp::ColorSpace::Rgb,
        num_planes: 1,
    };
    let dst_format = dcp::ImageFormat {
        pixel_format: dcp::PixelFormat::I420,
        color_space: dcp::ColorSpace::Bt709,
        num_planes: 3,
    };
    let [y, u, v] = planes;
    dcp::convert_image(
        w,
        h,
        &src_format,
        None,
        &[src],
        &dst_format,
        None,
        &mut [y, u, v],
    )
}

fn rgb_to_i420(c: &mut Criterion) {
    let mut group = c.benchmark_group("rgb_to_i420");
    group
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40);
    let spec = ColorSpec::BT709_LIMITED;
    for (w, h) in SIZES {
        for fmt in FORMATS {
            let src = pattern(w, h, fmt);
            let frame = FrameView::new(&src, w, h, fmt).expect("valid frame");
            group.throughput(Throughput::Bytes(src.len() as u64));
            let size = format!("{w}x{h}");

            for backend in Backend::available() {
                let conv = Converter::new(spec)
                    .with_backend(backend)
                    .expect("available backend");
                let mut dst = YuvImage::new(w, h, Subsampling::Yuv420).expect("valid size");
                group.bench_function(format!("framecast/{backend}/{size}/{fmt}"), |b| {
                    b.iter(|| conv.convert(black_box(&frame), &mut dst).expect("convert"))
                });
            }

            let mut planar = yuv::YuvPlanarImageMut::alloc(w, h, yuv::YuvChromaSubsampling::Yuv420);
            group.bench_function(format!("yuv_crate/{size}/{fmt}"), |b| {
                b.iter(|| yuv_crate(black_box(&src), w, fmt, &mut planar))
            });

            let (cw, ch) = (w.div_ceil(2) as usize, h.div_ceil(2) as usize);
            let mut planes = [
                vec![0u8; (w * h) as usize],
                vec![0u8; cw * ch],
                vec![0u8; cw * ch],
            ];
            match dcv(&src, w, h, fmt, &mut planes) {
                Ok(()) => {
                    group.bench_function(format!("dcv/{size}/{fmt}"), |b| {
                        b.iter(|| {
                            dcv(black_box(&src), w, h, fmt, &mut planes).expect("dcv conversion")
                        })
                    });
                }
                Err(e) => eprintln!(
                    "dcv/{size}/{fmt}: not supported by dcv-color-primitives ({e:?}), not measured"
                ),
            }

            let mut copy = vec![0u8; src.len()];
            group.bench_function(format!("memcpy/{size}/{fmt}"), |b| {
                b.iter(|| copy.copy_from_slice(black_box(&src)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, rgb_to_i420);
criterion_main!(benches);
