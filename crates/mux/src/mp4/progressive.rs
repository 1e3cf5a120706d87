//! The progressive layout shared by the faststart and buffered writers: samples grouped into
//! chunks of about half a second per track (interleaved in `mdat` in the order they fill), the
//! sample tables, and the final `moov` with the `stco`/`co64` decision.

use super::boxes::{len64, mdat_header, write_box};
use super::entry::Bitrates;
use super::moov::{Edit, Tkhd, Trak, movie_timescale, rescale_up, write_ftyp, write_moov};
use super::stbl::{Chunk, SampleTable};
use super::track::{Admitted, Kind, TrackState};
use crate::{Error, Result};

/// Chunk target: half a second of a track's decode time.
const CHUNK_SECONDS_DIV: u32 = 2;
/// A chunk is also closed at this many bytes, bounding the faststart writer's memory.
const MAX_CHUNK_BYTES: usize = 8 << 20;

/// One track of a progressive file.
#[derive(Debug)]
pub(crate) struct ProgTrack {
    pub(crate) state: TrackState,
    pub(crate) table: SampleTable,
    pending: Vec<u8>,
    pending_samples: u32,
    pending_start: u64,
    last_hint: u32,
}

/// The layout-independent part of a progressive writer.
#[derive(Debug)]
pub(crate) struct Progressive {
    pub(crate) tracks: Vec<ProgTrack>,
    pub(crate) udta: Vec<u8>,
    /// Bytes of `mdat` payload emitted so far.
    pub(crate) mdat_len: u64,
}

/// The `ftyp` of a movie with these tracks.
pub(crate) fn ftyp(tracks: &[TrackState], fragmented: bool) -> Result<Vec<u8>> {
    let mut brands = vec![*b"isom", *b"iso2"];
    if fragmented {
        brands.push(*b"iso6");
    }
    for t in tracks {
        if let Kind::Video { .. } = t.kind {
            let f = t.fourcc().bytes();
            if !brands.contains(&f) {
                brands.push(f);
            }
        }
    }
    brands.push(*b"mp41");
    let mut out = Vec::new();
    write_ftyp(&mut out, b"isom", 0x200, &brands)?;
    Ok(out)
}

impl Progressive {
    pub(crate) fn new(tracks: Vec<TrackState>, udta: Vec<u8>) -> Self {
        let tracks = tracks
            .into_iter()
            .map(|state| ProgTrack {
                state,
                table: SampleTable::default(),
                pending: Vec::new(),
                pending_samples: 0,
                pending_start: 0,
                last_hint: 0,
            })
            .collect();
        Progressive {
            tracks,
            udta,
            mdat_len: 0,
        }
    }

    /// The track with 1-based id `id`, checked.
    pub(crate) fn track_index(&self, id: u32, audio: bool) -> Result<usize> {
        let tracks = u32::try_from(self.tracks.len()).unwrap_or(u32::MAX);
        let idx = usize::try_from(id.wrapping_sub(1)).unwrap_or(usize::MAX);
        let t = self
            .tracks
            .get(idx)
            .ok_or(Error::UnknownTrack { track: id, tracks })?;
        check_kind(&t.state, audio)?;
        Ok(idx)
    }

    /// Stores one admitted sample; `emit` receives each completed chunk (and may take it).
    pub(crate) fn push(
        &mut self,
        idx: usize,
        a: &Admitted,
        data: &[u8],
        emit: &mut dyn FnMut(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let t = &self.tracks[idx];
        let chunk_ticks = u64::from((t.state.timescale / CHUNK_SECONDS_DIV).max(1));
        if t.pending_samples > 0
            && (a.dts - t.pending_start >= chunk_ticks
                || t.pending.len() + data.len() > MAX_CHUNK_BYTES)
        {
            self.flush_chunk(idx, emit)?;
        }
        let mdat_len = self.mdat_len;
        let t = &mut self.tracks[idx];
        if t.pending_samples == 0 {
            t.pending_start = a.dts;
            // Recorded now so that the chunk order in the table matches the file.
            t.table.chunks.push(Chunk {
                samples: 0,
                offset: mdat_len,
            });
        }
        if let Some(d) = a.prev_duration {
            t.table.durations.push(d);
        }
        t.table.sizes.push(a.size);
        t.table.cts.push(a.cts);
        if a.sync {
            t.table.sync.push(t.state.samples + 1);
        }
        t.last_hint = a.hint;
        t.pending.extend_from_slice(data);
        t.pending_samples += 1;
        t.state.commit(a);
        Ok(())
    }

    fn flush_chunk(
        &mut self,
        idx: usize,
        emit: &mut dyn FnMut(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let t = &mut self.tracks[idx];
        if t.pending_samples == 0 {
            return Ok(());
        }
        let len = len64(t.pending.len());
        if let Some(c) = t.table.chunks.last_mut() {
            c.samples = t.pending_samples;
            c.offset = self.mdat_len;
        }
        t.pending_samples = 0;
        emit(&mut t.pending)?;
        t.pending.clear();
        self.mdat_len += len;
        Ok(())
    }

    /// Emits every pending chunk, earliest start time first, and completes the durations.
    pub(crate) fn flush_all(
        &mut self,
        emit: &mut dyn FnMut(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let mut order: Vec<usize> = (0..self.tracks.len())
            .filter(|&i| self.tracks[i].pending_samples > 0)
            .collect();
        // Compare start times across timescales exactly: a/ts_a < b/ts_b.
        order.sort_by_key(|&i| {
            let t = &self.tracks[i];
            (u128::from(t.pending_start) << 32) / u128::from(t.state.timescale.max(1))
        });
        for i in order {
            self.flush_chunk(i, emit)?;
        }
        for t in &mut self.tracks {
            if t.table.durations.len() < t.table.sizes.len() {
                t.table.durations.push(t.last_hint);
            }
        }
        Ok(())
    }

    /// Builds `moov` for a file whose `moov` starts at absolute offset `moov_at` and is followed
    /// by an `mdat` header of `mdat_header_len` bytes, deciding `stco` or `co64` after the shift.
    pub(crate) fn moov(&self, moov_at: u64, mdat_header_len: u64) -> Result<Vec<u8>> {
        let floor = moov_at + mdat_header_len;
        let co64 = self.tracks.iter().any(|t| t.table.needs_co64(floor));
        let probe = self.build_moov(0, co64)?;
        let base = floor + len64(probe.len());
        if !co64 && self.tracks.iter().any(|t| t.table.needs_co64(base)) {
            // co64 makes moov larger, which only pushes the offsets further up.
            let probe = self.build_moov(0, true)?;
            return self.build_moov(floor + len64(probe.len()), true);
        }
        self.build_moov(base, co64)
    }

    fn build_moov(&self, base: u64, co64: bool) -> Result<Vec<u8>> {
        let mut entries = Vec::with_capacity(self.tracks.len());
        for t in &self.tracks {
            let b = Bitrates::measure(&t.table.sizes, &t.table.durations, t.state.timescale);
            entries.push(t.state.sample_entry(Some(b))?);
        }
        let mut traks = Vec::with_capacity(self.tracks.len());
        let mut movie_duration = 0;
        let movie_ts = movie_timescale(
            self.tracks
                .iter()
                .find(|t| !t.state.is_audio())
                .map(|t| t.state.timescale),
        );
        for (t, entry) in self.tracks.iter().zip(&entries) {
            let media_duration = t.table.total_duration();
            let ts = t.state.timescale;
            let (min_ct, max_end) = composition_span(&t.table);
            let edit = t.state.edit_media_time(min_ct).map(|m| Edit {
                segment_duration: rescale_up(
                    u64::try_from(max_end.saturating_sub(m)).unwrap_or(0),
                    ts,
                    movie_ts,
                ),
                media_time: m,
            });
            let duration = edit.map_or(rescale_up(media_duration, ts, movie_ts), |e| {
                e.segment_duration
            });
            movie_duration = movie_duration.max(duration);
            let (width, height) = t.state.presentation_size();
            traks.push(Trak {
                tkhd: Tkhd {
                    track_id: t.state.id,
                    duration,
                    audio: t.state.is_audio(),
                    width,
                    height,
                },
                timescale: ts,
                media_duration,
                edit,
                entry,
                table: &t.table,
                base,
                co64,
            });
        }
        let mut out = Vec::new();
        write_moov(
            &mut out,
            movie_ts,
            movie_duration,
            &traks,
            false,
            &self.udta,
        )?;
        Ok(out)
    }
}

/// The earliest composition time and the latest composition end of a table, track units.
pub(crate) fn composition_span(t: &SampleTable) -> (Option<i64>, i64) {
    let (mut dts, mut min, mut max) = (0i64, None::<i64>, 0i64);
    for (i, &d) in t.durations.iter().enumerate() {
        let ct = dts.saturating_add(i64::from(t.cts.get(i).copied().unwrap_or(0)));
        min = Some(min.map_or(ct, |m| m.min(ct)));
        max = max.max(ct.saturating_add(i64::from(d)));
        dts = dts.saturating_add(i64::from(d));
    }
    (min, max)
}

/// Checks that a sample of kind `audio` goes to a track of that kind.
pub(crate) fn check_kind(t: &TrackState, audio: bool) -> Result<()> {
    let name = |a: bool| if a { "audio" } else { "video" };
    if t.is_audio() != audio {
        return Err(Error::TrackKindMismatch {
            track: t.id,
            expected: name(t.is_audio()),
            received: name(audio),
        });
    }
    Ok(())
}

/// A `free` box of `n` >= 8 bytes.
pub(crate) fn free_box(n: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_box(&mut out, b"free", |o| {
        o.resize(o.len() + n.saturating_sub(8), 0);
        Ok(())
    })?;
    Ok(out)
}

/// The 16 bytes in front of the `mdat` payload in a faststart file: `free` + 8-byte `mdat`
/// header, or the 16-byte `largesize` header when the payload passes 4 GiB (ffmpeg's `wide`
/// trick, which lets the writer decide at the end without moving the payload).
pub(crate) fn mdat_header16(payload: u64) -> Result<Vec<u8>> {
    let h = mdat_header(payload);
    if h.len() == 16 {
        return Ok(h);
    }
    let mut out = free_box(8)?;
    out.extend_from_slice(&h);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdat_header16_is_always_16_bytes() {
        let h = mdat_header16(100).unwrap();
        assert_eq!(&h, b"\0\0\0\x08free\0\0\0\x6cmdat");
        let h = mdat_header16(u64::from(u32::MAX)).unwrap();
        assert_eq!(&h[..8], b"\0\0\0\x01mdat");
        assert_eq!(h.len(), 16);
    }
}
