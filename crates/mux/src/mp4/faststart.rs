//! Faststart to a seekable sink: `mdat` is streamed while samples arrive, `moov` is built at the
//! end and moved in front of `mdat` in place, with memory bounded by one relocation block (what
//! the second pass of ffmpeg's `-movflags +faststart` does).

use std::io::{Read, Seek, SeekFrom, Write};

use framecast_core::Packet;

use super::boxes::len64;
use super::funnel::Funnel;
use super::progressive::{Progressive, ftyp, mdat_header16};
use super::track::{Admitted, TrackState};
use super::trim::AudioTrim;
use super::{Mp4Sink, TrackId, guard};
use crate::audio::AudioFrame;
use crate::{Error, Result};

/// Bytes moved per read/write during relocation: the writer's memory bound at `finish`.
pub const RELOCATION_BLOCK: usize = 1 << 20;

fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

/// Writes a progressive MP4 to a `Read + Write + Seek` sink (a file) and moves `moov` to the
/// front at [`finish`](Self::finish). Memory: one pending chunk (about 0.5 s, at most 8 MiB)
/// per track, the sample tables (about 16 bytes per sample) and one 1 MiB relocation block.
///
/// Chunks go to `mdat` in the order they fill, so tracks interleave when samples are written in
/// roughly increasing time across tracks (write all video, then all audio, and the file holds
/// all video chunks, then all audio chunks: valid, but players seek between them).
///
/// The sink should be empty (a new or truncated file): the file starts at the sink's position
/// when the writer is created, and `finish` leaves the position at the end of the movie.
#[derive(Debug)]
pub struct FaststartWriter<W: Read + Write + Seek> {
    w: W,
    core: Progressive,
    /// Absolute offset right after `ftyp`, where `moov` goes.
    moov_at: u64,
    trim: AudioTrim,
    poisoned: Option<String>,
}

impl<W: Read + Write + Seek> FaststartWriter<W> {
    pub(crate) fn new(
        mut w: W,
        tracks: Vec<TrackState>,
        udta: Vec<u8>,
        trim: bool,
    ) -> Result<Self> {
        let start = w
            .stream_position()
            .map_err(io("finding the sink position"))?;
        let ftyp = ftyp(&tracks, false)?;
        w.write_all(&ftyp).map_err(io("writing ftyp"))?;
        w.write_all(&mdat_header16(0)?)
            .map_err(io("writing the mdat header"))?;
        Ok(FaststartWriter {
            w,
            trim: AudioTrim::new(&tracks, trim),
            core: Progressive::new(tracks, udta),
            moov_at: start + len64(ftyp.len()),
            poisoned: None,
        })
    }

    /// Writes the remaining chunks and `moov`, moves `moov` in front of `mdat` and returns the
    /// sink positioned at the end of the movie.
    pub fn finish(mut self) -> Result<W> {
        self.release(true)?;
        let (core, w, moov_at) = (&mut self.core, &mut self.w, self.moov_at);
        guard(&mut self.poisoned, || {
            core.flush_all(&mut |chunk| w.write_all(chunk).map_err(io("writing mdat")))?;
            let moov = core.moov(moov_at, 16)?;
            let end = moov_at + 16 + core.mdat_len;
            // The header is patched before the move so that it moves with the payload.
            w.seek(SeekFrom::Start(moov_at))
                .map_err(io("seeking to the mdat header"))?;
            w.write_all(&mdat_header16(core.mdat_len)?)
                .map_err(io("writing the mdat header"))?;
            insert_front(w, moov_at, end, &moov, RELOCATION_BLOCK)?;
            w.flush().map_err(io("flushing the file"))
        })?;
        Ok(self.w)
    }
}

/// Inserts `insert` at absolute offset `at` of a file whose data ends at `end`, moving
/// `[at, end)` towards the end block by block from the back (so no byte is overwritten before
/// it moved) with one buffer of `block` bytes; leaves the position at the new end.
pub(crate) fn insert_front<F: Read + Write + Seek>(
    f: &mut F,
    at: u64,
    end: u64,
    insert: &[u8],
    block: usize,
) -> Result<()> {
    let shift = len64(insert.len());
    let mut buf = vec![0u8; block.max(1)];
    let mut pos = end;
    while pos > at {
        let n = (pos - at).min(len64(buf.len()));
        pos -= n;
        let chunk = &mut buf[..usize::try_from(n).unwrap_or(block)];
        f.seek(SeekFrom::Start(pos))
            .map_err(io("seeking during moov relocation"))?;
        f.read_exact(chunk)
            .map_err(io("reading mdat during moov relocation"))?;
        f.seek(SeekFrom::Start(pos + shift))
            .map_err(io("seeking during moov relocation"))?;
        f.write_all(chunk)
            .map_err(io("writing mdat during moov relocation"))?;
    }
    f.seek(SeekFrom::Start(at))
        .map_err(io("seeking to the moov position"))?;
    f.write_all(insert).map_err(io("writing moov"))?;
    f.seek(SeekFrom::Start(end + shift))
        .map_err(io("seeking to the end of the movie"))?;
    Ok(())
}

impl<W: Read + Write + Seek> Funnel for FaststartWriter<W> {
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
        let (core, w) = (&mut self.core, &mut self.w);
        guard(&mut self.poisoned, || {
            let idx = core.track_index(track.0, audio)?;
            let a = core.tracks[idx]
                .state
                .admit(dts, pts, duration, sync, data.len())?;
            core.push(idx, &a, data, &mut |chunk| {
                w.write_all(chunk).map_err(io("writing mdat"))
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

impl<W: Read + Write + Seek> Mp4Sink for FaststartWriter<W> {
    type Inner = W;

    fn write_video(&mut self, track: TrackId, packet: &Packet) -> Result<()> {
        self.put_video(track, packet)
    }

    fn write_audio(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()> {
        self.put_audio(track, frame)
    }

    fn finish(self) -> Result<W> {
        FaststartWriter::finish(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn insert_front_moves_every_block_size() {
        for block in [1, 3, 7, 64, 1000] {
            let mut f = Cursor::new(b"HEADmdat-payload-0123456789".to_vec());
            let end = f.get_ref().len() as u64;
            insert_front(&mut f, 4, end, b"MOOV!", block).unwrap();
            assert_eq!(f.get_ref().as_slice(), b"HEADMOOV!mdat-payload-0123456789");
            assert_eq!(f.position(), end + 5);
        }
    }
}
