//! framecast's own container writers: MP4 (ISO BMFF) and IVF, to any `std::io::Write`.
//!
//! The muxer knows no encoder library: it takes [`Packet`](framecast_core::Packet)s and the
//! [`CodecConfig`](framecast_core::CodecConfig) of each video track, and compressed audio frames
//! (AAC from ADTS, MP3) parsed by [`audio`] for passthrough without re-encoding.
//!
//! - [`mp4`]: faststart (to a seekable file, `moov` moved to the front in place), buffered
//!   faststart (to a plain `Write`, samples held in memory) and fragmented (to a plain `Write`,
//!   memory bounded by one fragment) layouts;
//! - [`ivf`]: the IVF container of AV1/VP8/VP9 streams;
//! - [`audio`]: ADTS (AAC) and MP3 frame parsers;
//! - [`inspect`]: a box-tree inspector for tests and `framecast probe`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audio;
mod error;
pub mod inspect;
pub mod ivf;
pub mod mp4;

pub use error::{Error, Result};
