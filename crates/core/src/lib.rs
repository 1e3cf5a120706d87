//! Shared types of framecast.
//!
//! Every other framecast crate speaks these types: a borrowed RGB frame ([`FrameView`]) in one of
//! the [`PixelFormat`]s, an owned 8-bit [`YuvImage`] (I420 or I444), the [`ColorSpec`] that drives
//! conversion coefficients and bitstream/container signalling alike, exact frame rates
//! ([`Rational`]), encoded [`Packet`]s with the [`CodecConfig`] a muxer needs, and the
//! [`VideoEncoder`] trait that codec crates implement.
//!
//! This crate has no `unsafe` code and depends only on `thiserror`.
//!
//! ```
//! use framecast_core::{FrameView, PixelFormat, Rational};
//!
//! let pixels = vec![0u8; 4 * 3 * 2];
//! let frame = FrameView::new(&pixels, 4, 2, PixelFormat::Rgb24)?;
//! assert_eq!(frame.row(1).len(), 12);
//! let fps: Rational = "30000/1001".parse()?;
//! assert_eq!(fps.to_string(), "30000/1001");
//! # Ok::<(), framecast_core::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod color;
mod encoder;
mod error;
mod frame;
mod packet;
mod pixel;
mod rate;
mod rational;

pub use color::{
    ColorPrimaries, ColorSpec, Matrix, MatrixCoefficients, Range, TransferCharacteristics,
};
pub use encoder::VideoEncoder;
pub use error::{Error, Result};
pub use frame::{FrameView, MAX_DIMENSION, MAX_STRIDE_PADDING, Subsampling, YuvImage};
pub use packet::{Codec, CodecConfig, Packet};
pub use pixel::PixelFormat;
pub use rate::RateControl;
pub use rational::Rational;
