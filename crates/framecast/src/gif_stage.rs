//! GIF as an encoder stage: framecast-gif writes the file into a shared buffer, and each frame
//! sent yields one packet carrying the bytes written since the previous one, so the pipeline
//! counts frames, reports bytes and hands the file to the sink in order, as it does for video.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use framecast_core::{Codec, CodecConfig, ColorSpec, Packet, Rational};
use framecast_gif::{GifEncoder, GifOptions};

use crate::encode::{DynEncoder, Input, codec_error};
use crate::{Error, Result};

/// Bytes the GIF encoder has written and the stage has not yet handed on.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for SharedBuf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The GIF encoder behind the [`DynEncoder`] interface. The packet of frame `n` is released
/// when frame `n + 1` arrives (or at the flush, with the trailer), so there is exactly one
/// packet per frame.
pub(crate) struct GifStage {
    gif: Option<GifEncoder<SharedBuf>>,
    buf: SharedBuf,
    held: Option<Packet>,
    ready: VecDeque<Packet>,
    config: CodecConfig,
}

impl GifStage {
    /// A GIF of `width` x `height` frames at `fps`. The colour spec only describes how YUV
    /// input was turned into RGB; the GIF holds RGB.
    pub(crate) fn new(
        width: u32,
        height: u32,
        fps: Rational,
        color: ColorSpec,
        options: &GifOptions,
    ) -> Result<Self> {
        let buf = SharedBuf::default();
        let gif = GifEncoder::new(buf.clone(), width, height, fps, options.clone())
            .map_err(|e| codec_error("GIF", e))?;
        let time_base = Rational::new(fps.den(), fps.num())?;
        Ok(GifStage {
            gif: Some(gif),
            buf,
            held: None,
            ready: VecDeque::new(),
            config: CodecConfig::new(Codec::Gif, width, height, time_base, color, Vec::new()),
        })
    }

    /// Gives the held packet the bytes written since it was made and queues it.
    fn release(&mut self) {
        if let Some(mut packet) = self.held.take() {
            packet.data = self.buf.take();
            self.ready.push_back(packet);
        }
    }
}

impl DynEncoder for GifStage {
    fn send(&mut self, input: Input<'_>, pts: i64) -> Result<()> {
        let Input::Packed(frame) = input else {
            return Err(Error::Unsupported {
                what: "YUV pictures into a GIF".into(),
                why: "GIF is encoded from RGB frames; use write_frame".into(),
            });
        };
        let Some(gif) = &mut self.gif else {
            return Err(Error::Unsupported {
                what: "a frame after the GIF was finished".into(),
                why: "frames must come before finish".into(),
            });
        };
        gif.write_frame(&frame).map_err(|e| codec_error("GIF", e))?;
        self.release();
        self.held = Some(Packet {
            pts,
            dts: pts,
            duration: 1,
            keyframe: true,
            ..Packet::default()
        });
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.held.is_none() {
            // No frame: nothing to finish (the pipeline reports that), and a finished GIF
            // stays finished.
            return Ok(());
        }
        if let Some(gif) = self.gif.take() {
            gif.finish().map_err(|e| codec_error("GIF", e))?;
        }
        self.release();
        Ok(())
    }

    fn receive(&mut self) -> Result<Option<Packet>> {
        Ok(self.ready.pop_front())
    }

    fn config(&self) -> Result<CodecConfig> {
        Ok(self.config.clone())
    }
}
