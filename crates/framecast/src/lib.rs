//! framecast: video from frames that programs produce, without ffmpeg.
//!
//! Frames in (any [`PixelFormat`], or YUV), H.264 or AV1 in MP4, AV1 in IVF, or an animated
//! GIF out, to any `std::io::Write`: a
//! file, a socket, a `Vec<u8>` to send in an HTTP body. Colour conversion, encoding and
//! muxing are framecast's own crates; nothing spawns an external program.
//!
//! - [`VideoWriter`]: a builder (size, fps, codec, quality or bitrate, [`ColorSpec`], layout,
//!   metadata, an audio track), then `write_frame` per frame and `finish`.
//! - [`render()`]: a video from `make_frame(t)`, as in MoviePy.
//! - [`source`]: readers for raw frames, y4m, PNG streams and image sequences, and
//!   [`pipeline::run`], which encodes a source with reading, conversion, encoding and muxing
//!   on their own threads.
//! - [`AtomicFile`]: an output file that appears only when complete.
//! - [`scale`]: resizing packed frames before conversion
//!   ([`VideoWriterBuilder::resize`], ffmpeg's `-vf scale`).
//!
//! ```
//! use framecast::{FrameView, PixelFormat, RateControl, Rational, VideoWriter};
//!
//! let (w, h) = (320, 240);
//! let mut writer = VideoWriter::builder(w, h)
//!     .fps(Rational::new(30000, 1001)?)
//!     .rate(RateControl::Quality(23))
//!     .metadata("title", "a moving gradient")
//!     .build(Vec::new())?;
//! let mut rgba = vec![255u8; (w * h * 4) as usize];
//! for i in 0..30u32 {
//!     for (p, px) in rgba.chunks_exact_mut(4).enumerate() {
//!         px[0] = ((p as u32 % w + 4 * i) % 256) as u8;
//!     }
//!     writer.write_frame(&FrameView::new(&rgba, w, h, PixelFormat::Rgba)?)?;
//! }
//! let mp4 = writer.finish()?;
//! assert!(mp4.len() > 1000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `h264` | yes | H.264 through openh264 (C++, built from source; not for wasm32) |
//! | `av1` | yes | AV1 through rav1e (pure Rust, also for wasm32), in MP4 or IVF |
//! | `av1-asm` | no | rav1e's assembly (about 2-3x faster AV1; needs nasm on x86-64) |
//! | `mp4` | yes | MP4 output (framecast's own muxer) |
//! | `image` | yes | PNG and JPEG inputs: PNG streams and image sequences |
//! | `gif` | yes | animated GIF output (framecast-gif: own palettes, dithering, frame planning, LZW) |
#![deny(missing_docs)]

mod encode;
mod error;
#[cfg(feature = "gif")]
mod gif_stage;
mod muxer;
mod output;
pub mod pipeline;
mod render;
pub mod scale;
pub mod source;
mod writer;

pub use error::{Error, Result};

/// Animated GIF options (framecast-gif), for [`VideoWriterBuilder::gif`].
#[cfg(feature = "gif")]
pub mod gif {
    pub use framecast_gif::{
        ColorSpace, DEFAULT_QUALITY, DEFAULT_STRENGTH, Dither, GifOptions, MAX_SIZE, PaletteMode,
        Repeat,
    };
}
pub use framecast_core::{
    Codec, ColorSpec, FrameView, Matrix, PixelFormat, Range, RateControl, Rational, Subsampling,
    YuvImage,
};
pub use output::AtomicFile;
pub use render::{Frame, render, render_with};
pub use writer::{
    Container, DEFAULT_FPS, Layout, OddSize, VideoOptions, VideoWriter, VideoWriterBuilder,
    WriterInfo,
};
