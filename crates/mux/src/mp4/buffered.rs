//! Faststart to a plain `Write` by holding every sample in memory until `finish`.

use std::io::Write;

use framecast_core::Packet;

use super::boxes::{len64, mdat_header};
use super::funnel::Funnel;
use super::progressive::{Progressive, ftyp};
use super::track::{Admitted, TrackState};
use super::trim::AudioTrim;
use super::{Mp4Sink, TrackId, guard};
use crate::audio::AudioFrame;
use crate::{Error, Result};

/// Writes a faststart MP4 (`moov` before `mdat`) to a plain `Write` by keeping the whole
/// `mdat` payload in memory until [`finish`](Self::finish).
///
/// Cost: memory grows with the movie, the size of every sample plus about 16 bytes of table
/// per sample (an hour of 8 Mbit/s video holds about 3.6 GB); nothing is written before
/// `finish`. Prefer [`FaststartWriter`](super::FaststartWriter) for files and
/// [`FragmentedWriter`](super::FragmentedWriter) for pipes and sockets. Chunk offsets assume
/// the output starts at offset 0 of the file.
#[derive(Debug)]
pub struct BufferedWriter<W: Write> {
    w: W,
    core: Progressive,
    chunks: Vec<Vec<u8>>,
    trim: AudioTrim,
    poisoned: Option<String>,
}

impl<W: Write> BufferedWriter<W> {
    pub(crate) fn new(w: W, tracks: Vec<TrackState>, udta: Vec<u8>, trim: bool) -> Self {
        BufferedWriter {
            w,
            trim: AudioTrim::new(&tracks, trim),
            core: Progressive::new(tracks, udta),
            chunks: Vec::new(),
            poisoned: None,
        }
    }

    /// Writes `ftyp`, `moov` and `mdat` and returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.release(true)?;
        let (core, chunks, w) = (&mut self.core, &mut self.chunks, &mut self.w);
        guard(&mut self.poisoned, || {
            core.flush_all(&mut |chunk| {
                chunks.push(std::mem::take(chunk));
                Ok(())
            })?;
            let ftyp = ftyp(
                &core
                    .tracks
                    .iter()
                    .map(|t| t.state.clone())
                    .collect::<Vec<_>>(),
                false,
            )?;
            let header = mdat_header(core.mdat_len);
            let moov = core.moov(len64(ftyp.len()), len64(header.len()))?;
            let io = |context| move |source| Error::Io { context, source };
            w.write_all(&ftyp).map_err(io("writing ftyp"))?;
            w.write_all(&moov).map_err(io("writing moov"))?;
            w.write_all(&header)
                .map_err(io("writing the mdat header"))?;
            for c in chunks.iter() {
                w.write_all(c).map_err(io("writing mdat"))?;
            }
            chunks.clear();
            w.flush().map_err(io("flushing the sink"))
        })?;
        Ok(self.w)
    }
}

impl<W: Write> Funnel for BufferedWriter<W> {
    fn write_sample(
        &mut self,
        track: TrackId,
        audio: bool,
        dts: i64,
        pts: i64,
        duration: u64,
        sync: bool,
        data: &[u8],
    ) -> Result<Admitted> {
        let (core, chunks) = (&mut self.core, &mut self.chunks);
        guard(&mut self.poisoned, || {
            let idx = core.track_index(track.0, audio)?;
            let a = core.tracks[idx]
                .state
                .admit(dts, pts, duration, sync, data.len())?;
            core.push(idx, &a, data, &mut |chunk| {
                chunks.push(std::mem::take(chunk));
                Ok(())
            })?;
            Ok(a)
        })
    }

    fn trim(&mut self) -> &mut AudioTrim {
        &mut self.trim
    }

    fn check_audio_track(&mut self, track: TrackId) -> Result<()> {
        guard(&mut self.poisoned, || Ok(()))?;
        self.core.track_index(track.0, true)?;
        Ok(())
    }
}

impl<W: Write> Mp4Sink for BufferedWriter<W> {
    type Inner = W;

    fn write_video(&mut self, track: TrackId, packet: &Packet) -> Result<()> {
        self.put_video(track, packet)
    }

    fn write_audio(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()> {
        self.put_audio(track, frame)
    }

    fn finish(self) -> Result<W> {
        BufferedWriter::finish(self)
    }
}
