//! RGB <-> YUV conversion for framecast.
//!
//! [`Converter`] turns a packed frame ([`FrameView`](framecast_core::FrameView): rgb24, bgr24,
//! rgba, bgra, argb, abgr or gray) into an 8-bit I420 or I444
//! [`YuvImage`](framecast_core::YuvImage) for any BT.601/BT.709/BT.2020 matrix in limited or full
//! range. [`yuv_to_rgb`] goes back, for metrics and round trips.
//!
//! # Backends
//! A scalar reference and SIMD kernels (SSE4.1, AVX2 and AVX-512 (AVX-512BW + VBMI) on x86_64,
//! NEON on aarch64, simd128 on wasm32) that are byte-identical to it. The best [`Backend`] is
//! detected once at run time; the environment variable `FRAMECAST_CPU` (`scalar`, `sse41`,
//! `avx2`, `avx512`, `neon`, `simd128`) or [`Converter::with_backend`] caps it, so every path
//! can be forced.
//!
//! # Precision
//! Fixed-point coefficients come from one place (the rounding rule is documented in the source of
//! the `coeffs` module): every output sample is within +-1 of `round()` of the exact BT.x formula
//! computed in `f64`, and a neutral grey always gives chroma 128.
//!
//! ```
//! use framecast_color::Converter;
//! use framecast_core::{ColorSpec, FrameView, PixelFormat, Subsampling};
//!
//! let white = vec![255u8; 3 * 3 * 3];
//! let frame = FrameView::new(&white, 3, 3, PixelFormat::Rgb24)?;
//! let yuv = Converter::new(ColorSpec::BT709_LIMITED).to_yuv(&frame, Subsampling::Yuv420)?;
//! assert_eq!(yuv.plane_size(1), (2, 2));
//! assert!(yuv.plane(0).iter().all(|&y| y == 235));
//! assert!(yuv.plane(1).iter().all(|&u| u == 128));
//! # Ok::<(), framecast_color::Error>(())
//! ```
#![deny(missing_docs)]

mod coeffs;
mod convert;
mod dispatch;
mod error;
mod scalar;

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm32;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use convert::{Converter, yuv_to_rgb};
pub use dispatch::{Backend, CPU_ENV};
pub use error::{Error, Result};
