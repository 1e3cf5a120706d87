//! framecast's AV1 encoder: [rav1e](https://github.com/xiph/rav1e) behind
//! [`framecast_core::VideoEncoder`].
//!
//! - [`Av1Encoder`] takes I420 (or, with [`Av1Options::chroma`] = 4:4:4, I444)
//!   [`YuvImage`](framecast_core::YuvImage)s of exactly the configured size, odd sizes
//!   included, and returns one [`Packet`](framecast_core::Packet) per frame: a temporal unit
//!   ready for an MP4 `av01` sample (no temporal delimiter; key frames carry the sequence
//!   header, AV1-ISOBMFF 2.4). For IVF, put [`obu::TEMPORAL_DELIMITER`] in front
//!   ([`obu::with_temporal_delimiter`]).
//! - [`codec_config`](framecast_core::VideoEncoder::codec_config) returns the `av1C` record
//!   (AV1-ISOBMFF 2.3) with the sequence header OBU as `configOBUs`, known before the first
//!   frame.
//! - The colour description (primaries, transfer, matrix, range) comes from the
//!   [`ColorSpec`](framecast_core::ColorSpec), the same one the MP4 `colr` box gets.
//! - The sequence header and the `av1C` record name the smallest AV1 level (Annex A.3) the
//!   size, frame rate, tiles and bitrate fit ([`level`]), not rav1e's "no level" 31.
//! - [`ChunkedEncoder`] encodes closed-GOP chunks on parallel rav1e contexts and stitches
//!   them into one stream; [`encode_chunk`] encodes one chunk alone (e.g. on another machine).
//!
//! ```
//! use framecast_core::{ColorSpec, Rational, Subsampling, VideoEncoder, YuvImage};
//! use framecast_av1::{Av1Encoder, Av1Options};
//!
//! let options = Av1Options::default().with_speed(10);
//! let mut enc = Av1Encoder::new(64, 48, Rational::integer(25)?, ColorSpec::default(), &options)?;
//! let frame = YuvImage::new(64, 48, Subsampling::Yuv420)?;
//! let mut packets = Vec::new();
//! for pts in 0..3 {
//!     enc.send_frame(&frame, pts)?;
//!     while let Some(p) = enc.receive_packet()? {
//!         packets.push(p);
//!     }
//! }
//! enc.flush()?;
//! while let Some(p) = enc.receive_packet()? {
//!     packets.push(p);
//! }
//! assert_eq!(packets.len(), 3);
//! assert!(packets[0].keyframe);
//! assert_eq!(enc.codec_config()?.record[0], 0x81); // av1C marker and version
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The crate README has the option mapping and the speed/quality measurements.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod chunked;
mod encoder;
mod error;
pub mod level;
pub mod obu;
mod options;

pub use chunked::{ChunkedEncoder, encode_chunk};
pub use encoder::{Av1Encoder, MAX_SIDE, MIN_SIDE};
pub use error::{Error, Result};
pub use options::Av1Options;
