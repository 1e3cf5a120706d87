//! Per-track state shared by every layout: the validated configuration, the track timescale and
//! the admission of samples (ordering, keyframe and range checks, conversion to track units).

use framecast_core::{Codec, CodecConfig};

use super::boxes::{FourCc, len64};
use super::entry::{AudioEntry, Bitrates, VideoEntry, write_audio_entry, write_video_entry};
use crate::audio::{AudioCodec, AudioConfig};
use crate::{Error, Result};

/// What kind of track, with its configuration.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Video { config: CodecConfig, edit: EditMode },
    Audio { config: AudioConfig },
}

/// How a video track's edit list is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EditMode {
    /// An edit mapping the earliest composition time to 0 when it is above 0 (B-frame delay).
    Auto,
    /// One edit at this `media_time` (track units).
    MediaTime(i64),
    /// No `edts` box.
    Off,
}

/// The sample entry types of a video codec.
pub(crate) fn video_fourccs(codec: Codec) -> Option<([u8; 4], [u8; 4])> {
    match codec {
        Codec::H264 => Some((*b"avc1", *b"avcC")),
        Codec::Av1 => Some((*b"av01", *b"av1C")),
        _ => None,
    }
}

/// A sample that passed the checks, in track units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admitted {
    /// Decode time from the track's first sample.
    pub(crate) dts: u64,
    /// The previous sample's duration (dts difference), if there is a previous sample.
    pub(crate) prev_duration: Option<u32>,
    /// pts - dts.
    pub(crate) cts: i32,
    pub(crate) sync: bool,
    pub(crate) size: u32,
    /// Duration to use if this turns out to be the last sample: the packet's own duration, else
    /// the previous sample's, else one time base unit.
    pub(crate) hint: u32,
    /// Input dts, committed as the track's last dts.
    input_dts: i64,
}

/// One track's configuration and timing state.
#[derive(Debug, Clone)]
pub(crate) struct TrackState {
    pub(crate) id: u32,
    pub(crate) kind: Kind,
    /// Track timescale (`mdhd`): the time base denominator for video, the sample rate for audio.
    pub(crate) timescale: u32,
    /// Track units per input timestamp unit: the time base numerator for video, 1 for audio.
    pub(crate) tick: u32,
    first_dts: Option<i64>,
    last_dts: Option<i64>,
    last_duration: Option<u32>,
    pub(crate) samples: u32,
}

impl TrackState {
    /// A video track; `id` is the 1-based track id.
    pub(crate) fn video(id: u32, config: CodecConfig, edit: EditMode) -> Result<Self> {
        let invalid = |fourcc, field, value: String, expected| Error::InvalidTrackConfig {
            track: id,
            fourcc: FourCc(fourcc),
            field,
            value,
            expected,
        };
        let Some((fourcc, record_fourcc)) = video_fourccs(config.codec) else {
            return Err(invalid(
                *b"????",
                "codec",
                format!("{:?}", config.codec),
                "H264 or Av1",
            ));
        };
        if config.record.is_empty() {
            return Err(invalid(
                fourcc,
                "record",
                "(empty)".into(),
                if record_fourcc == *b"avcC" {
                    "an avcC payload (AVCDecoderConfigurationRecord)"
                } else {
                    "an av1C payload (AV1CodecConfigurationRecord)"
                },
            ));
        }
        for (field, v) in [("width", config.width), ("height", config.height)] {
            if v == 0 || v > u32::from(u16::MAX) {
                return Err(invalid(fourcc, field, v.to_string(), "1..=65535"));
            }
        }
        if let EditMode::MediaTime(t) = edit
            && t < 0
        {
            return Err(invalid(
                fourcc,
                "edit media_time",
                t.to_string(),
                "0 or more track units",
            ));
        }
        let (timescale, tick) = (config.time_base.den(), config.time_base.num());
        Ok(TrackState {
            id,
            kind: Kind::Video { config, edit },
            timescale,
            tick,
            first_dts: None,
            last_dts: None,
            last_duration: None,
            samples: 0,
        })
    }

    /// An audio track.
    pub(crate) fn audio(id: u32, config: AudioConfig) -> Result<Self> {
        let invalid = |field, value: String, expected| Error::InvalidTrackConfig {
            track: id,
            fourcc: FourCc(*b"mp4a"),
            field,
            value,
            expected,
        };
        if config.sample_rate == 0 || config.sample_rate > u32::from(u16::MAX) {
            return Err(invalid(
                "sample_rate",
                config.sample_rate.to_string(),
                "1..=65535 Hz",
            ));
        }
        if config.channels == 0 || config.channels > 8 {
            return Err(invalid("channels", config.channels.to_string(), "1..=8"));
        }
        if config.codec == AudioCodec::Aac && config.audio_specific_config.is_empty() {
            return Err(invalid(
                "audio_specific_config",
                "(empty)".into(),
                "an AAC AudioSpecificConfig",
            ));
        }
        Ok(TrackState {
            id,
            timescale: config.sample_rate,
            kind: Kind::Audio { config },
            tick: 1,
            first_dts: None,
            last_dts: None,
            last_duration: None,
            samples: 0,
        })
    }

    pub(crate) fn is_audio(&self) -> bool {
        matches!(self.kind, Kind::Audio { .. })
    }

    /// The sample entry type.
    pub(crate) fn fourcc(&self) -> FourCc {
        match &self.kind {
            Kind::Video { config, .. } => {
                FourCc(video_fourccs(config.codec).map_or(*b"????", |f| f.0))
            }
            Kind::Audio { .. } => FourCc(*b"mp4a"),
        }
    }

    /// Checks a sample and converts it to track units without changing any state; pass the
    /// result to [`Self::commit`] once the sample is stored.
    pub(crate) fn admit(
        &self,
        dts: i64,
        pts: i64,
        duration: u64,
        sync: bool,
        size: usize,
    ) -> Result<Admitted> {
        let track = self.id;
        if size == 0 {
            return Err(Error::EmptySample { track, dts });
        }
        let size = u32::try_from(size).map_err(|_| Error::FieldOverflow {
            fourcc: FourCc(*b"stsz"),
            field: "sample size",
            value: u128::from(len64(size)),
            max: u32::MAX.into(),
        })?;
        if self.samples == u32::MAX {
            return Err(Error::FieldOverflow {
                fourcc: FourCc(*b"stsz"),
                field: "sample_count",
                value: u128::from(u32::MAX) + 1,
                max: u32::MAX.into(),
            });
        }
        if self.samples == 0 && !sync {
            return Err(Error::FirstSampleNotSync {
                track,
                fourcc: self.fourcc(),
                dts,
            });
        }
        if let Some(previous) = self.last_dts
            && dts <= previous
        {
            return Err(Error::NonMonotonicDts {
                track,
                previous,
                received: dts,
            });
        }
        let tick = i128::from(self.tick);
        let first = self.first_dts.unwrap_or(dts);
        let media_dts = (i128::from(dts) - i128::from(first)) * tick;
        let media_dts = u64::try_from(media_dts).map_err(|_| Error::FieldOverflow {
            fourcc: FourCc(*b"stts"),
            field: "decode time",
            value: media_dts.unsigned_abs(),
            max: u64::MAX.into(),
        })?;
        let prev_duration = match self.last_dts {
            Some(prev) => {
                let d = (i128::from(dts) - i128::from(prev)) * tick;
                Some(u32::try_from(d).map_err(|_| Error::FieldOverflow {
                    fourcc: FourCc(*b"stts"),
                    field: "sample_delta",
                    value: d.unsigned_abs(),
                    max: u32::MAX.into(),
                })?)
            }
            None => None,
        };
        let c = (i128::from(pts) - i128::from(dts)) * tick;
        let cts = i32::try_from(c).map_err(|_| Error::FieldOverflow {
            fourcc: FourCc(*b"ctts"),
            field: "sample_offset (pts - dts)",
            value: c.unsigned_abs(),
            max: i32::MAX as u128,
        })?;
        let own = u32::try_from(u128::from(duration) * u128::from(self.tick))
            .ok()
            .filter(|&d| d > 0);
        let hint = own
            .or(prev_duration)
            .or(self.last_duration)
            .unwrap_or(self.tick.max(1));
        Ok(Admitted {
            dts: media_dts,
            prev_duration,
            cts,
            sync,
            size,
            hint,
            input_dts: dts,
        })
    }

    /// Records an admitted sample as the track's latest.
    pub(crate) fn commit(&mut self, a: &Admitted) {
        self.first_dts.get_or_insert(a.input_dts);
        self.last_dts = Some(a.input_dts);
        if a.prev_duration.is_some() {
            self.last_duration = a.prev_duration;
        }
        self.samples += 1;
    }

    /// The `stsd` sample entry; `bitrates` is `None` where samples are not known up front.
    pub(crate) fn sample_entry(&self, bitrates: Option<Bitrates>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        match &self.kind {
            Kind::Video { config, .. } => {
                let (fourcc, config_fourcc) =
                    video_fourccs(config.codec).unwrap_or((*b"????", *b"????"));
                write_video_entry(
                    &mut out,
                    &VideoEntry {
                        fourcc,
                        config_fourcc,
                        record: &config.record,
                        width: config.width,
                        height: config.height,
                        color: config.color,
                        pixel_aspect: config.pixel_aspect,
                        bitrates,
                    },
                )?;
            }
            Kind::Audio { config } => {
                let (object_type, dsi): (u8, &[u8]) = match config.codec {
                    AudioCodec::Mp3 => (0x6B, &[]),
                    _ => (0x40, &config.audio_specific_config),
                };
                let b = bitrates.unwrap_or(Bitrates {
                    buffer_size: 0,
                    max: config.max_bitrate,
                    avg: config.avg_bitrate,
                });
                write_audio_entry(
                    &mut out,
                    &AudioEntry {
                        es_id: u16::try_from(self.id).unwrap_or(0),
                        object_type,
                        channels: config.channels,
                        sample_rate: config.sample_rate,
                        decoder_specific: dsi,
                        bitrates: b,
                    },
                )?;
            }
        }
        Ok(out)
    }

    /// `tkhd` width and height in 16.16 fixed point: the presentation size (ISO/IEC 14496-12
    /// 8.3.2.3: "the track's visual presentation size"), i.e. the coded width scaled by the
    /// pixel aspect ratio, rounded to nearest, with the height unchanged; this is what ffmpeg's
    /// movenc writes (`av_rescale(sar.num, width << 16, sar.den)`), and like it the writer falls
    /// back to the coded width when the scaled one does not fit 16.16. Audio: 0 x 0.
    pub(crate) fn presentation_size(&self) -> (u32, u32) {
        match &self.kind {
            Kind::Video { config, .. } => {
                let (h, v) = config.pixel_aspect;
                let coded = u64::from(config.width) << 16;
                let scaled = (u128::from(coded) * u128::from(h) + u128::from(v.max(1)) / 2)
                    / u128::from(v.max(1));
                let width = u32::try_from(scaled)
                    .ok()
                    .filter(|&w| w > 0)
                    .unwrap_or_else(|| u32::try_from(coded).unwrap_or(u32::MAX));
                let height = u32::try_from(u64::from(config.height) << 16).unwrap_or(u32::MAX);
                (width, height)
            }
            Kind::Audio { .. } => (0, 0),
        }
    }

    /// The `media_time` of the track's single edit, `None` for no `edts`, given the earliest
    /// composition time on the media timeline (audio tracks never get an edit).
    pub(crate) fn edit_media_time(&self, min_ct: Option<i64>) -> Option<i64> {
        match &self.kind {
            Kind::Video { edit, .. } => match *edit {
                EditMode::Auto => min_ct.filter(|&m| m > 0),
                EditMode::MediaTime(t) => Some(t),
                EditMode::Off => None,
            },
            Kind::Audio { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use framecast_core::{ColorSpec, Rational};

    fn video(tb: (u32, u32)) -> TrackState {
        let config = CodecConfig::new(
            Codec::H264,
            64,
            48,
            Rational::new(tb.0, tb.1).unwrap(),
            ColorSpec::default(),
            vec![1, 2, 3],
        );
        TrackState::video(1, config, EditMode::Auto).unwrap()
    }

    fn push(t: &mut TrackState, dts: i64, pts: i64, dur: u64, key: bool) -> Result<Admitted> {
        let a = t.admit(dts, pts, dur, key, 10)?;
        t.commit(&a);
        Ok(a)
    }

    #[test]
    fn timescale_represents_the_rate_exactly() {
        let t = video((1001, 30000));
        assert_eq!((t.timescale, t.tick), (30000, 1001));
        let mut t = video((2, 25)); // 12.5 fps
        assert_eq!((t.timescale, t.tick), (25, 2));
        push(&mut t, 0, 0, 1, true).unwrap();
        let a = push(&mut t, 1, 1, 1, false).unwrap();
        assert_eq!((a.dts, a.prev_duration, a.hint), (2, Some(2), 2));
    }

    #[test]
    fn dts_shift_and_composition_offsets() {
        let mut t = video((1, 30));
        let a = push(&mut t, -2, 0, 1, true).unwrap();
        assert_eq!((a.dts, a.cts), (0, 2));
        let a = push(&mut t, -1, 3, 1, false).unwrap();
        assert_eq!((a.dts, a.cts, a.prev_duration), (1, 4, Some(1)));
    }

    #[test]
    fn first_not_key_non_monotonic_and_empty_are_errors() {
        let mut t = video((1, 30));
        let e = t.admit(0, 0, 1, false, 10).unwrap_err().to_string();
        assert_eq!(
            e,
            "track 1 (avc1): the first video packet (dts 0) is not a keyframe"
        );
        push(&mut t, 5, 5, 1, true).unwrap();
        let e = t.admit(5, 6, 1, false, 10).unwrap_err().to_string();
        assert!(
            e.contains("decode timestamp 5 does not increase (previous 5)"),
            "{e}"
        );
        assert!(matches!(
            t.admit(6, 6, 1, false, 0),
            Err(Error::EmptySample { track: 1, dts: 6 })
        ));
        // A rejected sample leaves the state untouched.
        assert_eq!(t.samples, 1);
    }

    #[test]
    fn duration_hint_falls_back() {
        let mut t = video((1, 90000));
        let a = push(&mut t, 0, 0, 0, true).unwrap();
        assert_eq!(a.hint, 1, "one time base unit when nothing else is known");
        let a = push(&mut t, 3000, 3000, 0, true).unwrap();
        assert_eq!(a.hint, 3000, "previous duration when the packet has none");
        let a = push(&mut t, 6000, 6000, 1500, true).unwrap();
        assert_eq!(a.hint, 1500);
    }

    #[test]
    fn config_validation_names_the_field() {
        let config = CodecConfig::new(
            Codec::Av1,
            0,
            48,
            Rational::new(1, 30).unwrap(),
            ColorSpec::default(),
            vec![1],
        );
        let e = TrackState::video(2, config.clone(), EditMode::Auto)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "track 2 (av01): invalid width 0; expected 1..=65535");
        let mut config = config;
        config.width = 8;
        config.record.clear();
        let e = TrackState::video(2, config, EditMode::Auto)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("track 2 (av01): invalid record (empty)"),
            "{e}"
        );
    }

    #[test]
    fn tkhd_size_is_the_presentation_size() {
        let t = video((1, 25));
        assert_eq!(t.presentation_size(), (64 << 16, 48 << 16));
        let Kind::Video { config, .. } = t.kind else {
            unreachable!()
        };
        // 1440x1080 with 4:3 pixels is shown as 1920x1080.
        let mut c = config.with_pixel_aspect(4, 3).unwrap();
        (c.width, c.height) = (1440, 1080);
        let t = TrackState::video(1, c.clone(), EditMode::Auto).unwrap();
        assert_eq!(t.presentation_size(), (1920 << 16, 1080 << 16));
        // Rounded to nearest in 16.16, as av_rescale does: 64 * 11/10 = 70.4.
        let t = TrackState::video(
            1,
            c.clone().with_pixel_aspect(11, 10).unwrap(),
            EditMode::Auto,
        )
        .unwrap();
        assert_eq!(
            t.presentation_size().0,
            ((1440u64 << 16) * 11).div_ceil(10) as u32
        );
        // A scaled width past 16.16 falls back to the coded width.
        let t = TrackState::video(1, c.with_pixel_aspect(100, 1).unwrap(), EditMode::Auto).unwrap();
        assert_eq!(t.presentation_size().0, 1440 << 16);
    }

    #[test]
    fn huge_offsets_are_errors_not_truncation() {
        let mut t = video((1, 1));
        push(&mut t, 0, 0, 1, true).unwrap();
        assert!(t.admit(1, i64::MAX, 1, true, 1).is_err());
        assert!(t.admit(i64::MAX, i64::MAX, 1, true, 1).is_err());
    }
}
