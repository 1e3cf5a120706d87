//! The error type of framecast-mux.

/// Errors of the muxers, the audio parsers and the inspector.
///
/// Variants carry what was received and what was expected (box fourcc, track, offsets).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing to or reading from the sink failed.
    #[error("{context}: {source}")]
    Io {
        /// What the muxer was doing.
        context: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with framecast-mux's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
