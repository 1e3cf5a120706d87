//! H.264 encoding for framecast: Cisco's openh264 encoder (built from source by
//! [`openh264_sys2`]) behind framecast's [`VideoEncoder`](framecast_core::VideoEncoder) trait.
//!
//! The stream is Main profile with CABAC by default ([`Profile`]), and pictures are cut into one
//! slice per thread ([`H264Options::threads`]), because openh264 parallelises only across
//! slices. openh264 never writes to stderr.
//!
//! `unsafe`: the `openh264` crate's safe encoder cannot turn on CABAC, configure slices, or
//! silence openh264's log before initialisation (its creation warning goes to stderr), so the
//! crate drives openh264's C API itself in one private module (`raw.rs`), the only place with
//! `unsafe` code; each block states why it is sound.
//!
//! [`H264Encoder`] takes I420 [`YuvImage`](framecast_core::YuvImage)s (colour conversion happens
//! in framecast-color; openh264's own RGB converter is never used) and returns
//! [`Packet`](framecast_core::Packet)s holding length-prefixed NAL units (4-byte lengths, the MP4
//! sample format of ISO/IEC 14496-15). The SPS and PPS go only into the avcC record of
//! [`codec_config`](framecast_core::VideoEncoder::codec_config), which is ready right after
//! [`H264Encoder::new`]. Every frame sent becomes one packet unless
//! [`H264Options::frame_skip`] is on; every keyframe is an IDR; pts equals dts.
//!
//! Sizes: 4:2:0 H.264 has no odd sizes, so [`OddSize`] pads (default, edge replication) or
//! crops odd sides; pictures under 16x16 are padded for openh264 and cropped back in the SPS, so
//! players show the exact display size. The SPS also carries the full VUI colour description of
//! the [`ColorSpec`](framecast_core::ColorSpec) and the lowest level of H.264 Table A-1 that fits
//! the size and frame rate.
//!
//! ```
//! use framecast_core::{ColorSpec, Rational, Subsampling, VideoEncoder, YuvImage};
//! use framecast_h264::{H264Encoder, H264Options};
//!
//! let fps = Rational::integer(30)?;
//! let mut encoder = H264Encoder::new(33, 17, fps, ColorSpec::default(), &H264Options::default())?;
//! assert_eq!(encoder.display_size(), (34, 18));
//! let record = encoder.codec_config()?.record;
//! assert_eq!(record[0], 1); // avcC configurationVersion
//!
//! let frame = YuvImage::new(33, 17, Subsampling::Yuv420)?;
//! encoder.send_frame(&frame, 0)?;
//! encoder.flush()?;
//! let packet = encoder.receive_packet()?.expect("one packet per frame");
//! assert!(packet.keyframe);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod bits;
mod encoder;
mod error;
mod level;
mod options;
mod raw;
pub mod sps;

pub use encoder::{H264Encoder, MAX_LONG_SIDE, MAX_SHORT_SIDE, MIN_QP, MIN_SIDE};
pub use error::{Error, Result};
pub use options::{H264Options, OddSize, Profile, Speed};
