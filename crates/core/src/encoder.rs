//! The video encoder trait.

use crate::{CodecConfig, Packet, YuvImage};

/// A video encoder in the send/receive shape: frames go in, packets come out when ready.
///
/// The loop a caller runs:
/// send a frame, then call [`receive_packet`](Self::receive_packet) until it returns `Ok(None)`
/// ("needs more input", not an error); after the last frame call [`flush`](Self::flush) and
/// drain `receive_packet` until `Ok(None)` again.
pub trait VideoEncoder {
    /// The encoder's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Submits one picture with its presentation timestamp (in the configured time base).
    fn send_frame(&mut self, frame: &YuvImage, pts: i64) -> Result<(), Self::Error>;

    /// Signals the end of input; buffered frames become packets.
    fn flush(&mut self) -> Result<(), Self::Error>;

    /// The next packet, or `Ok(None)` when the encoder needs more input (or, after `flush`, is
    /// drained).
    fn receive_packet(&mut self) -> Result<Option<Packet>, Self::Error>;

    /// The configuration record and track description for the muxer.
    fn codec_config(&self) -> Result<CodecConfig, Self::Error>;
}
