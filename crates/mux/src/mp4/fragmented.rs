//! Fragmented MP4 to a plain `Write`: `ftyp` + `moov` (with `mvex`), then one `moof` + `mdat`
//! per fragment, each with `tfdt`; an optional `mfra` at the end (ISO/IEC 14496-12 8.8).

use std::io::Write;
use std::time::Duration;

use framecast_core::Packet;

use super::boxes::{len64, mdat_header};
use super::fragment::{FragSample, TfraEntry, Traf, write_mfra, write_moof};
use super::funnel::Funnel;
use super::moov::{Edit, Tkhd, Trak, movie_timescale, write_moov};
use super::progressive::{check_kind, ftyp};
use super::stbl::SampleTable;
use super::track::{Admitted, TrackState};
use super::trim::AudioTrim;
use super::{Mp4Sink, TrackId, guard, idx};
use crate::audio::AudioFrame;
use crate::{Error, Result};

#[derive(Debug)]
struct FragTrack {
    state: TrackState,
    samples: Vec<FragSample>,
    data: Vec<u8>,
    /// Decode time of the first pending sample, track units.
    base_dts: u64,
    /// Smallest composition time seen before the header was written (default edit).
    min_ct: Option<i64>,
    tfra: Vec<TfraEntry>,
}

/// Writes a fragmented MP4 to a plain `Write` (a pipe, a socket, stdout).
///
/// Memory is bounded by one fragment. A fragment is closed at the first video keyframe at or
/// past the target duration (audio-only movies: at the first frame past it); samples of the
/// other tracks go into the fragment that is open when they are written, so write tracks in
/// roughly increasing time. `ftyp` and `moov` are written with the first fragment (once the first
/// composition times are known). Each fragment is written with its `mdat` and the sink flushed,
/// so a file cut anywhere plays up to its last complete fragment. Offsets in `mfra` assume the
/// output starts at offset 0 of the file.
#[derive(Debug)]
pub struct FragmentedWriter<W: Write> {
    w: W,
    tracks: Vec<FragTrack>,
    udta: Vec<u8>,
    /// The track whose keyframes cut fragments: the first video track, else the first track.
    driver: usize,
    target_ticks: u64,
    mfra: bool,
    header_written: bool,
    sequence: u32,
    written: u64,
    trim: AudioTrim,
    poisoned: Option<String>,
}

impl<W: Write> FragmentedWriter<W> {
    pub(crate) fn new(
        w: W,
        tracks: Vec<TrackState>,
        udta: Vec<u8>,
        target: Duration,
        mfra: bool,
        trim: bool,
    ) -> Result<Self> {
        if target.is_zero() || target > Duration::from_secs(3600) {
            return Err(Error::InvalidOption {
                option: "fragment duration",
                value: format!("{target:?}"),
                expected: "more than 0 and at most 1 hour",
            });
        }
        let driver = tracks.iter().position(|t| !t.is_audio()).unwrap_or(0);
        let ts = tracks.get(driver).map_or(1, |t| t.timescale);
        let target_ticks = u64::try_from(target.as_nanos() * u128::from(ts) / 1_000_000_000)
            .unwrap_or(u64::MAX)
            .max(1);
        let trim = AudioTrim::new(&tracks, trim);
        let tracks = tracks
            .into_iter()
            .map(|state| FragTrack {
                state,
                samples: Vec::new(),
                data: Vec::new(),
                base_dts: 0,
                min_ct: None,
                tfra: Vec::new(),
            })
            .collect();
        Ok(FragmentedWriter {
            w,
            tracks,
            udta,
            driver,
            target_ticks,
            mfra,
            header_written: false,
            sequence: 1,
            written: 0,
            trim,
            poisoned: None,
        })
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one private funnel for video and audio"
    )]
    fn push(
        &mut self,
        track: TrackId,
        audio: bool,
        dts: i64,
        pts: i64,
        duration: u64,
        sync: bool,
        data: &[u8],
    ) -> Result<Admitted> {
        let tracks = u32::try_from(self.tracks.len()).unwrap_or(u32::MAX);
        let idx = usize::try_from(track.0.wrapping_sub(1)).unwrap_or(usize::MAX);
        let t = self.tracks.get(idx).ok_or(Error::UnknownTrack {
            track: track.0,
            tracks,
        })?;
        check_kind(&t.state, audio)?;
        let a = t.state.admit(dts, pts, duration, sync, data.len())?;
        let t = &mut self.tracks[idx];
        // The previous sample's duration is known now.
        if let (Some(last), Some(d)) = (t.samples.last_mut(), a.prev_duration) {
            last.duration = d;
        }
        if idx == self.driver
            && (sync || t.state.is_audio())
            && !t.samples.is_empty()
            && a.dts - t.base_dts >= self.target_ticks
        {
            self.flush_fragment()?;
        }
        let header_written = self.header_written;
        let t = &mut self.tracks[idx];
        if t.samples.is_empty() {
            t.base_dts = a.dts;
        }
        if !header_written {
            let ct = i64::try_from(a.dts)
                .unwrap_or(i64::MAX)
                .saturating_add(i64::from(a.cts));
            t.min_ct = Some(t.min_ct.map_or(ct, |m| m.min(ct)));
        }
        t.samples.push(FragSample {
            size: a.size,
            duration: a.hint,
            cts: a.cts,
            sync: a.sync,
        });
        t.data.extend_from_slice(data);
        t.state.commit(&a);
        Ok(a)
    }

    fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        move |source| Error::Io { context, source }
    }

    fn write_header(&mut self) -> Result<()> {
        let states: Vec<TrackState> = self.tracks.iter().map(|t| t.state.clone()).collect();
        let mut out = ftyp(&states, true)?;
        let empty = SampleTable::default();
        let mut entries = Vec::with_capacity(self.tracks.len());
        for t in &self.tracks {
            entries.push(t.state.sample_entry(None)?);
        }
        let traks: Vec<Trak<'_>> = self
            .tracks
            .iter()
            .zip(&entries)
            .map(|(t, entry)| {
                let media_time = t.state.edit_media_time(t.min_ct);
                let (width, height) = t.state.presentation_size();
                Trak {
                    tkhd: Tkhd {
                        track_id: t.state.id,
                        duration: 0,
                        audio: t.state.is_audio(),
                        width,
                        height,
                    },
                    timescale: t.state.timescale,
                    media_duration: 0,
                    // Duration 0: the length of a fragmented movie is not known up front.
                    edit: media_time.map(|m| Edit {
                        segment_duration: 0,
                        media_time: m,
                    }),
                    entry,
                    table: &empty,
                    base: 0,
                    co64: false,
                }
            })
            .collect();
        let movie_ts = movie_timescale(
            self.tracks
                .iter()
                .find(|t| !t.state.is_audio())
                .map(|t| t.state.timescale),
        );
        write_moov(&mut out, movie_ts, 0, &traks, true, &self.udta)?;
        self.w
            .write_all(&out)
            .map_err(Self::io("writing ftyp and moov"))?;
        self.written += len64(out.len());
        self.header_written = true;
        self.trim.freeze();
        Ok(())
    }

    fn flush_fragment(&mut self) -> Result<()> {
        if !self.header_written {
            self.write_header()?;
        }
        if self.tracks.iter().all(|t| t.samples.is_empty()) {
            return Ok(());
        }
        let payload: u64 = self.tracks.iter().map(|t| len64(t.data.len())).sum();
        let mdat = mdat_header(payload);
        // The moof size does not depend on the offsets, so measure it once with zeros.
        let build = |offsets: &[u32]| -> Result<Vec<u8>> {
            let trafs: Vec<Traf<'_>> = self
                .tracks
                .iter()
                .filter(|t| !t.samples.is_empty())
                .zip(offsets.iter().copied().chain(std::iter::repeat(0)))
                .map(|(t, data_offset)| Traf {
                    track_id: t.state.id,
                    base_decode_time: t.base_dts,
                    samples: &t.samples,
                    data_offset,
                })
                .collect();
            let mut out = Vec::new();
            write_moof(&mut out, self.sequence, &trafs)?;
            Ok(out)
        };
        let probe = build(&[])?;
        let mut offsets = Vec::new();
        let mut at = len64(probe.len()) + len64(mdat.len());
        for t in self.tracks.iter().filter(|t| !t.samples.is_empty()) {
            offsets.push(u32::try_from(at).map_err(|_| Error::FieldOverflow {
                fourcc: super::FourCc(*b"trun"),
                field: "data_offset",
                value: at.into(),
                max: i32::MAX as u128,
            })?);
            at += len64(t.data.len());
        }
        let moof = build(&offsets)?;
        let moof_offset = self.written;
        if self.mfra {
            let mut traf_number = 0u32;
            for t in &mut self.tracks {
                if t.samples.is_empty() {
                    continue;
                }
                traf_number += 1;
                if let Some(i) = t.samples.iter().position(|s| s.sync) {
                    let dts = t.base_dts
                        + t.samples[..i]
                            .iter()
                            .map(|s| u64::from(s.duration))
                            .sum::<u64>();
                    let time =
                        u64::try_from(i128::from(dts) + i128::from(t.samples[i].cts)).unwrap_or(0);
                    t.tfra.push(TfraEntry {
                        time,
                        moof_offset,
                        traf_number,
                        sample_number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    });
                }
            }
        }
        // moof and the mdat header go out in one write: a file cut while the process dies is
        // then cut inside a fragment's sample data, which players treat as a partial fragment,
        // rather than inside moof, which makes ffmpeg reject a seekable file's header.
        let mut head = moof;
        head.extend_from_slice(&mdat);
        self.w.write_all(&head).map_err(Self::io("writing moof"))?;
        for t in &mut self.tracks {
            self.w
                .write_all(&t.data)
                .map_err(Self::io("writing mdat"))?;
            t.data.clear();
            t.samples.clear();
        }
        self.w.flush().map_err(Self::io("flushing a fragment"))?;
        self.written += len64(head.len()) + payload;
        self.sequence = self.sequence.wrapping_add(1);
        Ok(())
    }

    /// Writes the last fragment (and `mfra` if asked) and returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.release(true)?;
        let mut poisoned = self.poisoned.take();
        guard(&mut poisoned, || {
            self.flush_fragment()?;
            if self.mfra {
                let tracks: Vec<(u32, Vec<TfraEntry>)> = self
                    .tracks
                    .iter_mut()
                    .map(|t| (t.state.id, std::mem::take(&mut t.tfra)))
                    .collect();
                let mut out = Vec::new();
                write_mfra(&mut out, &tracks)?;
                self.w.write_all(&out).map_err(Self::io("writing mfra"))?;
            }
            self.w.flush().map_err(Self::io("flushing the sink"))
        })?;
        Ok(self.w)
    }
}

impl<W: Write> Funnel for FragmentedWriter<W> {
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
        let mut poisoned = self.poisoned.take();
        let r = guard(&mut poisoned, || {
            self.push(track, audio, dts, pts, duration, sync, data)
        });
        self.poisoned = poisoned;
        r
    }

    fn trim(&mut self) -> &mut AudioTrim {
        &mut self.trim
    }

    fn check_audio_track(&mut self, track: TrackId) -> Result<()> {
        guard(&mut self.poisoned, || Ok(()))?;
        let t = self.tracks.get(idx(track)).ok_or(Error::UnknownTrack {
            track: track.0,
            tracks: u32::try_from(self.tracks.len()).unwrap_or(u32::MAX),
        })?;
        check_kind(&t.state, true)?;
        Ok(())
    }
}

impl<W: Write> Mp4Sink for FragmentedWriter<W> {
    type Inner = W;

    fn write_video(&mut self, track: TrackId, packet: &Packet) -> Result<()> {
        self.put_video(track, packet)
    }

    fn write_audio(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()> {
        self.put_audio(track, frame)
    }

    fn finish(self) -> Result<W> {
        FragmentedWriter::finish(self)
    }
}
