//! The error type of framecast-color.

use framecast_core::PixelFormat;

use crate::Backend;

/// Errors of colour conversion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A frame or image failed validation (size, stride, buffer length).
    #[error(transparent)]
    Frame(#[from] framecast_core::Error),
    /// A backend was requested that this build or CPU cannot run.
    #[error("backend {backend} cannot run on this machine; available: {available}")]
    BackendUnavailable {
        /// The backend requested.
        backend: Backend,
        /// The backends that can run, comma separated.
        available: String,
    },
    /// A backend name that is not known.
    #[error("unknown backend '{name}'; expected one of scalar, sse41, avx2, avx512, neon, simd128")]
    UnknownBackend {
        /// The name received.
        name: String,
    },
    /// Source and destination differ in size.
    #[error(
        "source is {src_width}x{src_height} but the destination image is {dst_width}x{dst_height}"
    )]
    SizeMismatch {
        /// Source width.
        src_width: u32,
        /// Source height.
        src_height: u32,
        /// Destination width.
        dst_width: u32,
        /// Destination height.
        dst_height: u32,
    },
    /// YUV -> packed conversion into a format it does not write.
    #[error("cannot convert YUV to {format}; expected one of rgb24, bgr24, rgba, bgra, argb, abgr")]
    UnsupportedOutput {
        /// The format requested.
        format: PixelFormat,
    },
}

/// `Result` with framecast-color's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
