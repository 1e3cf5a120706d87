//! The sample path the three layouts share: video and audio go through one `write_sample`
//! funnel per layout, and audio held back for trimming is released here, once for all layouts.

use framecast_core::Packet;

use super::track::Admitted;
use super::trim::AudioTrim;
use super::{TrackId, audio_pts, idx};
use crate::Result;
use crate::audio::AudioFrame;

/// What a layout provides; the provided methods implement `Mp4Sink`'s writes on top of it.
pub(crate) trait Funnel {
    /// Validates and stores one sample of `track` (the layout's own storage).
    #[allow(
        clippy::too_many_arguments,
        reason = "one private funnel for video and audio"
    )]
    fn write_sample(
        &mut self,
        track: TrackId,
        audio: bool,
        dts: i64,
        pts: i64,
        duration: u64,
        sync: bool,
        data: &[u8],
    ) -> Result<Admitted>;

    /// The audio held back until the video reaches it.
    fn trim(&mut self) -> &mut AudioTrim;

    /// Fails if the writer is poisoned or `track` is not one of its audio tracks.
    fn check_audio_track(&mut self, track: TrackId) -> Result<()>;

    /// Stores one audio frame now.
    fn write_frame(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()> {
        let t = audio_pts(frame)?;
        let d = u64::from(frame.duration);
        self.write_sample(track, true, t, t, d, true, &frame.data)
            .map(drop)
    }

    /// Writes the held audio frames that the video has reached (all that are kept, at the end).
    fn release(&mut self, last: bool) -> Result<()> {
        for (idx, f) in self.trim().release(last) {
            self.write_frame(TrackId(u32::try_from(idx + 1).unwrap_or(u32::MAX)), &f)?;
        }
        Ok(())
    }

    /// `Mp4Sink::write_video`.
    fn put_video(&mut self, track: TrackId, packet: &Packet) -> Result<()> {
        let a = self.write_sample(
            track,
            false,
            packet.dts,
            packet.pts,
            packet.duration,
            packet.keyframe,
            &packet.data,
        )?;
        self.trim().on_video(idx(track), &a);
        self.release(false)
    }

    /// `Mp4Sink::write_audio`.
    fn put_audio(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()> {
        if self.trim().holds(idx(track)) {
            self.check_audio_track(track)?;
            self.trim().hold(idx(track), track.0, frame)?;
            return self.release(false);
        }
        self.write_frame(track, frame)
    }
}
