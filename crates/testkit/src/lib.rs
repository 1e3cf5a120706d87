//! Helpers of framecast's integration tests, so that each exists once.
//!
//! The codec crates' tests (`framecast-av1`, `framecast-h264`, `framecast-gif`) share:
//!
//! - the oracle rule ([`skip`], [`have_ffmpeg`], [`have_dav1d`], [`have_tool`]): a missing
//!   oracle prints `SKIP: ...` to the real stderr and the check is left out, except under CI
//!   (env `CI` is `true` or `1`, see [`in_ci`]) where it fails the test;
//! - files: [`corpus`] (the shared corpus beside the repository, SKIP when missing),
//!   [`scratch`] (unique temporary paths) and [`read_y4m`];
//! - seeded content: [`Lcg`], [`synthetic`] moving pictures and [`photo_pan`] over a corpus photo;
//! - [`encode_frames`], the send/receive/flush loop over any [`VideoEncoder`](framecast_core::VideoEncoder),
//!   and [`ffmpeg_decode`], ffmpeg as the independent decoder ([`Decoded`] pictures and ffprobe's
//!   colour tags);
//! - quality: [`psnr_y`] and [`mean_psnr_y`].
//!
//! Codec-specific helpers (Annex B and avcC for H.264, IVF/MP4 and dav1d for AV1, GIF decoding)
//! stay in each crate's `tests/common`. This crate is never published; as a test helper it
//! panics on broken fixtures instead of returning errors.
//!
//! ```
//! use framecast_core::{Subsampling, YuvImage};
//! use framecast_testkit::{Lcg, psnr_y, synthetic};
//!
//! let src = synthetic(64, 48, 0, 8, Subsampling::Yuv420, &mut Lcg(7));
//! let mut decoded = YuvImage::new(64, 48, Subsampling::Yuv420)?;
//! decoded.plane_mut(0).copy_from_slice(src.plane(0));
//! assert_eq!(psnr_y(&src, decoded.plane(0), 64, 64, 48), 99.0);
//! # Ok::<(), framecast_core::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly on broken fixtures and missing oracles under CI"
)]

mod content;
mod encode;
mod ffmpeg;
mod files;
mod oracle;
mod quality;

pub use content::{Lcg, photo_pan, synthetic};
pub use encode::encode_frames;
pub use ffmpeg::{Decoded, ffmpeg_decode};
pub use files::{corpus, read_y4m, scratch};
pub use oracle::{have_dav1d, have_ffmpeg, have_tool, in_ci, skip};
pub use quality::{mean_psnr_y, psnr_y};
