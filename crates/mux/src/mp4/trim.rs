//! Trimming audio to the video's duration ([`Mp4Builder::set_trim_audio_to_video`]).
//!
//! An audio frame is kept when it starts before the end of the video's presentation (in movie
//! time, where both tracks start at 0) and dropped otherwise, so a frame straddling the end is
//! kept, as `ffmpeg -shortest` keeps the packet that crosses the end. The video's end is only
//! known at `finish`, so audio frames are held here until the video has been presented past
//! their start, then handed to the writer; whatever is still held at `finish` and starts at or
//! after the final end is dropped. Memory stays bounded when tracks are written interleaved in
//! time: the queue holds only the audio that is ahead of the video.
//!
//! [`Mp4Builder::set_trim_audio_to_video`]: super::Mp4Builder::set_trim_audio_to_video

use std::collections::VecDeque;

use super::track::{Admitted, EditMode, Kind, TrackState};
use super::{FourCc, audio_pts};
use crate::audio::AudioFrame;
use crate::{Error, Result};

/// One audio track's hold queue.
#[derive(Debug, Default)]
struct Held {
    frames: VecDeque<AudioFrame>,
    /// pts of the track's first frame: its media timeline starts there.
    first_pts: Option<u64>,
    /// pts of the latest frame accepted into the queue (ordering checks).
    last_pts: Option<u64>,
    rate: u32,
}

/// The trimming state of a writer; inert when trimming is off or the movie has no video.
#[derive(Debug)]
pub(crate) struct AudioTrim {
    /// Index of the video track whose end decides (the first video track).
    video: Option<usize>,
    video_timescale: u32,
    /// The edit's media time when fixed (explicit, or 0 without an edit list); `None` for the
    /// default edit, which follows the earliest composition time.
    fixed_offset: Option<i64>,
    min_ct: Option<i64>,
    /// Set when the default edit has been written (fragmented header): `min_ct` stops moving.
    frozen: bool,
    /// Latest composition end among video samples whose duration is final, media units.
    done_end: i64,
    /// The latest video sample: composition time and duration if it stays the last one.
    last: Option<(i64, u32)>,
    /// Per track index; `None` for tracks that are not held.
    held: Vec<Option<Held>>,
}

impl AudioTrim {
    pub(crate) fn new(tracks: &[TrackState], on: bool) -> Self {
        let video = tracks.iter().position(|t| !t.is_audio()).filter(|_| on);
        let (video_timescale, fixed_offset) = match video.map(|i| &tracks[i].kind) {
            Some(Kind::Video { edit, .. }) => (
                tracks[video.unwrap_or(0)].timescale,
                match *edit {
                    EditMode::Auto => None,
                    EditMode::MediaTime(t) => Some(t),
                    EditMode::Off => Some(0),
                },
            ),
            _ => (1, Some(0)),
        };
        let held = tracks
            .iter()
            .map(|t| match &t.kind {
                Kind::Audio { config } if video.is_some() => Some(Held {
                    rate: config.sample_rate.max(1),
                    ..Held::default()
                }),
                _ => None,
            })
            .collect();
        AudioTrim {
            video,
            video_timescale: video_timescale.max(1),
            fixed_offset,
            min_ct: None,
            frozen: false,
            done_end: i64::MIN,
            last: None,
            held,
        }
    }

    /// Whether frames of track index `idx` go through the hold queue.
    pub(crate) fn holds(&self, idx: usize) -> bool {
        self.held.get(idx).is_some_and(Option::is_some)
    }

    /// Records an accepted video sample of track index `idx`.
    pub(crate) fn on_video(&mut self, idx: usize, a: &Admitted) {
        if self.video != Some(idx) {
            return;
        }
        let ct = i64::try_from(a.dts)
            .unwrap_or(i64::MAX)
            .saturating_add(i64::from(a.cts));
        if let (Some((last_ct, _)), Some(d)) = (self.last, a.prev_duration) {
            self.done_end = self.done_end.max(last_ct.saturating_add(i64::from(d)));
        }
        self.last = Some((ct, a.hint));
        if !self.frozen {
            self.min_ct = Some(self.min_ct.map_or(ct, |m| m.min(ct)));
        }
    }

    /// The default edit has been written: later samples no longer move it.
    pub(crate) fn freeze(&mut self) {
        self.frozen = true;
    }

    fn offset(&self) -> i64 {
        self.fixed_offset
            .unwrap_or_else(|| self.min_ct.filter(|&m| m > 0).unwrap_or(0))
    }

    /// The video's presentation end in video track units: the final one (`finish`), or a lower
    /// bound while samples still arrive (the latest sample's duration is not final yet, and the
    /// default edit's offset can only shrink).
    fn video_end(&self, last: bool) -> i128 {
        let Some((ct, hint)) = self.last else {
            return 0;
        };
        let tail = if last {
            ct.saturating_add(i64::from(hint))
        } else {
            ct
        };
        i128::from(self.done_end.max(tail)) - i128::from(self.offset())
    }

    /// Checks a frame of held track `idx` as the writer would and queues it.
    pub(crate) fn hold(&mut self, idx: usize, track: u32, frame: &AudioFrame) -> Result<()> {
        let pts = audio_pts(frame)?;
        let Some(Some(h)) = self.held.get_mut(idx) else {
            return Ok(());
        };
        if frame.data.is_empty() {
            return Err(Error::EmptySample { track, dts: pts });
        }
        if u32::try_from(frame.data.len()).is_err() {
            return Err(Error::FieldOverflow {
                fourcc: FourCc(*b"stsz"),
                field: "sample size",
                value: frame.data.len() as u128,
                max: u32::MAX.into(),
            });
        }
        if let Some(prev) = h.last_pts
            && frame.pts <= prev
        {
            return Err(Error::NonMonotonicDts {
                track,
                previous: i64::try_from(prev).unwrap_or(i64::MAX),
                received: pts,
            });
        }
        h.last_pts = Some(frame.pts);
        h.first_pts.get_or_insert(frame.pts);
        h.frames.push_back(frame.clone());
        Ok(())
    }

    /// Takes the held frames that start before the video's end (`last`: the final end, at
    /// `finish`; then every other held frame is dropped), oldest first, with their track index.
    pub(crate) fn release(&mut self, last: bool) -> Vec<(usize, AudioFrame)> {
        let end = self.video_end(last);
        let vts = i128::from(self.video_timescale);
        let mut out = Vec::new();
        for (idx, h) in self.held.iter_mut().enumerate() {
            let Some(h) = h else { continue };
            let first = h.first_pts.unwrap_or(0);
            while let Some(f) = h.frames.front() {
                // start / rate < end / vts, exactly.
                let start = i128::from(f.pts - first);
                if start * vts < end * i128::from(h.rate) {
                    out.extend(h.frames.pop_front().map(|f| (idx, f)));
                } else {
                    break;
                }
            }
            if last {
                h.frames.clear();
            }
        }
        // Oldest first across tracks, so the writer interleaves them by time.
        out.sort_by_key(|(idx, f)| {
            let h = self.held[*idx].as_ref();
            let (first, rate) = h.map_or((0, 1), |h| (h.first_pts.unwrap_or(0), h.rate));
            (u128::from(f.pts - first) << 32) / u128::from(rate)
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::AudioConfig;
    use framecast_core::{Codec, CodecConfig, ColorSpec, Rational};

    fn tracks(edit: EditMode) -> Vec<TrackState> {
        let config = CodecConfig::new(
            Codec::H264,
            64,
            48,
            Rational::new(1, 30).unwrap(),
            ColorSpec::default(),
            vec![1],
        );
        let audio = AudioConfig::aac(48000, 2, vec![0x11, 0x90]).unwrap();
        vec![
            TrackState::video(1, config, edit).unwrap(),
            TrackState::audio(2, audio).unwrap(),
        ]
    }

    fn frame(pts: u64) -> AudioFrame {
        AudioFrame {
            data: vec![1],
            pts,
            duration: 1024,
        }
    }

    fn video(t: &mut [TrackState], trim: &mut AudioTrim, dts: i64, pts: i64) {
        let a = t[0].admit(dts, pts, 1, true, 1).unwrap();
        t[0].commit(&a);
        trim.on_video(0, &a);
    }

    #[test]
    fn frames_wait_for_the_video_and_the_tail_is_dropped() {
        let mut t = tracks(EditMode::Auto);
        let mut trim = AudioTrim::new(&t, true);
        assert!(trim.holds(1) && !trim.holds(0));
        // 10 frames of 1024 samples at 48 kHz: 0 .. 213 ms.
        for i in 0..10 {
            trim.hold(1, 2, &frame(i * 1024)).unwrap();
        }
        assert!(trim.release(false).is_empty(), "no video yet");
        // Delay: the first frame is presented at ct 2 (1/30 s), the default edit maps it to 0.
        video(&mut t, &mut trim, 0, 2);
        video(&mut t, &mut trim, 1, 3);
        video(&mut t, &mut trim, 2, 4);
        // Known so far: presented until ct 4 (the last duration is not final) - 2 = 2 ticks =
        // 66.7 ms: the frames starting before 3200 samples.
        let r = trim.release(false);
        assert_eq!(
            r.iter().map(|(_, f)| f.pts).collect::<Vec<_>>(),
            [0, 1024, 2048, 3072]
        );
        // Final: ends at 5 - 2 = 3 ticks = 100 ms = 4800 samples: the frame at 4096 straddles.
        let r = trim.release(true);
        assert_eq!(r.iter().map(|(_, f)| f.pts).collect::<Vec<_>>(), [4096]);
        assert!(trim.release(true).is_empty());
    }

    #[test]
    fn held_frames_are_checked_like_written_ones() {
        let t = tracks(EditMode::Off);
        let mut trim = AudioTrim::new(&t, true);
        trim.hold(1, 2, &frame(1024)).unwrap();
        assert!(matches!(
            trim.hold(1, 2, &frame(1024)),
            Err(Error::NonMonotonicDts { track: 2, .. })
        ));
        let empty = AudioFrame {
            data: Vec::new(),
            ..frame(2048)
        };
        assert!(matches!(
            trim.hold(1, 2, &empty),
            Err(Error::EmptySample { track: 2, .. })
        ));
    }

    #[test]
    fn off_or_without_video_nothing_is_held() {
        let t = tracks(EditMode::Auto);
        assert!(!AudioTrim::new(&t, false).holds(1));
        assert!(!AudioTrim::new(&t[1..], true).holds(0));
    }
}
