//! Synthetic streams through the MP4 writer: timescales, durations, composition offsets, edits,
//! MP3, every validation error, I/O failures, and random packet sequences; parsed back by the
//! `mp4` crate and `mp4parse`.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod mp4_common;

use std::io::{Cursor, Read, Seek, Write};

use framecast_core::Packet;
use framecast_mux::Error;
use framecast_mux::audio::{AudioCodec, AudioFrame};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, VideoTrack};
use mp4_common::*;

#[test]
fn twelve_and_a_half_fps_and_uneven_timestamps_are_exact() {
    // 12.5 fps: time base 2/25 -> timescale 25, 2 ticks per frame.
    let mut b = Mp4Builder::new();
    let v = b
        .add_video(VideoTrack::new(synthetic_config((2, 25))))
        .unwrap();
    let mut w = b.buffered(Vec::new()).unwrap();
    // Uneven: frames at 0, 1, 3, 4 (time base units); the last has duration 0 -> previous.
    for (i, dts) in [0i64, 1, 3, 4].into_iter().enumerate() {
        w.write_video(v, &packet(dts, dts, 0, i == 0, 100 + i))
            .unwrap();
    }
    let bytes = w.finish().unwrap();
    let mut r = parse_mp4(&bytes);
    assert_eq!(r.tracks()[&1].timescale(), 25);
    let got: Vec<(u64, u32, bool)> = (1..=4)
        .map(|i| {
            let s = r.read_sample(1, i).unwrap().unwrap();
            (s.start_time, s.duration, s.is_sync)
        })
        .collect();
    assert_eq!(
        got,
        [(0, 2, true), (2, 4, false), (6, 2, false), (8, 2, false)]
    );
    let ctx = mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
    let t = &ctx.tracks[0];
    assert!(t.ctts.is_none(), "no ctts when pts == dts");
    assert_eq!(t.stss.as_ref().unwrap().samples.len(), 1);
    assert!(
        t.media_time.is_none(),
        "no edit list when presentation starts at 0"
    );
}

#[test]
fn ntsc_rate_all_keyframes_and_negative_composition_offsets() {
    let mut b = Mp4Builder::new();
    let v = b
        .add_video(VideoTrack::new(synthetic_config((1001, 30000))))
        .unwrap();
    let mut w = b.buffered(Vec::new()).unwrap();
    // pts < dts on the second sample: ctts version 1.
    w.write_video(v, &packet(0, 1, 1, true, 50)).unwrap();
    w.write_video(v, &packet(1, 0, 1, true, 50)).unwrap();
    w.write_video(v, &packet(2, 2, 1, true, 50)).unwrap();
    let bytes = w.finish().unwrap();
    let ctx = mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
    let t = &ctx.tracks[0];
    assert_eq!(t.timescale.unwrap().0, 30000);
    assert!(t.stss.is_none(), "no stss when every sample is sync");
    let offsets: Vec<i64> = t
        .ctts
        .as_ref()
        .unwrap()
        .samples
        .iter()
        .flat_map(|s| {
            let o = match s.time_offset {
                mp4parse::TimeOffsetVersion::Version0(v) => i64::from(v),
                mp4parse::TimeOffsetVersion::Version1(v) => i64::from(v),
            };
            std::iter::repeat_n(o, s.sample_count as usize)
        })
        .collect();
    assert_eq!(offsets, [1001, -1001, 0]);
    let stts = &t.stts.as_ref().unwrap().samples;
    assert_eq!((stts[0].sample_count, stts[0].sample_delta), (3, 1001));
}

#[test]
fn explicit_edit_media_time_is_written() {
    for layout in LAYOUTS {
        let mut b = Mp4Builder::new();
        let v = b
            .add_video(VideoTrack::new(synthetic_config((1, 90000))).with_edit_media_time(1234))
            .unwrap();
        let bytes = write_with(layout, b, |w| {
            (0..10).try_for_each(|i| w.video(v, &packet(i * 3000, i * 3000, 3000, i == 0, 40)))
        });
        let ctx = mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
        assert_eq!(
            ctx.tracks[0].media_time.map(|t| t.0),
            Some(1234),
            "{layout:?}"
        );
    }
}

#[test]
fn mp3_track_uses_object_type_6b() {
    let mut config = framecast_mux_test_audio_config(44100, 2);
    config.codec = AudioCodec::Mp3;
    config.audio_specific_config.clear();
    config.samples_per_frame = 1152;
    let mut b = Mp4Builder::new();
    let a = b.add_audio(config).unwrap();
    let mut w = b.buffered(Vec::new()).unwrap();
    for i in 0..20u64 {
        w.write_audio(
            a,
            &AudioFrame {
                data: vec![0xFF, 0xFB, 0x90, 0x64, 0, 0],
                pts: i * 1152,
                duration: 1152,
            },
        )
        .unwrap();
    }
    let bytes = w.finish().unwrap();
    let ctx = mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
    match &ctx.tracks[0].stsd.as_ref().unwrap().descriptions[0] {
        mp4parse::SampleEntry::Audio(e) => match &e.codec_specific {
            mp4parse::AudioCodecSpecific::ES_Descriptor(es) => {
                assert_eq!(es.audio_codec, mp4parse::CodecType::MP3)
            }
            mp4parse::AudioCodecSpecific::MP3 => {}
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert_eq!(ctx.tracks[0].timescale.unwrap().0, 44100);
}

#[test]
fn invalid_input_gives_clear_errors_without_poisoning() {
    let mut b = Mp4Builder::new();
    let v = b
        .add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    let a = b
        .add_audio(framecast_mux_test_audio_config(48000, 2))
        .unwrap();
    let mut w = b.buffered(Vec::new()).unwrap();
    let e = w.write_video(v, &packet(0, 0, 1, false, 10)).unwrap_err();
    assert!(
        matches!(e, Error::FirstSampleNotSync { track: 1, .. }),
        "{e}"
    );
    w.write_video(v, &packet(0, 0, 1, true, 10)).unwrap();
    let e = w.write_video(v, &packet(0, 1, 1, false, 10)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonMonotonicDts {
                track: 1,
                previous: 0,
                received: 0
            }
        ),
        "{e}"
    );
    let e = w
        .write_audio(
            v,
            &AudioFrame {
                data: vec![1],
                pts: 0,
                duration: 1024,
            },
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "track 1 is a video track, but a audio sample was written to it"
    );
    let e = w.write_video(a, &packet(1, 1, 1, true, 10)).unwrap_err();
    assert!(
        matches!(e, Error::TrackKindMismatch { track: 2, .. }),
        "{e}"
    );
    let mut other = Mp4Builder::new();
    other
        .add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    let stranger = other
        .add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    let mut b3 = Mp4Builder::new();
    let _ = b3
        .add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    let mut w3 = b3.buffered(Vec::new()).unwrap();
    let e = w3
        .write_video(stranger, &packet(0, 0, 1, true, 10))
        .unwrap_err();
    assert_eq!(e.to_string(), "unknown track 2; the movie has tracks 1..=1");
    let e = w
        .write_video(
            v,
            &Packet {
                data: vec![],
                pts: 5,
                dts: 5,
                duration: 1,
                keyframe: true,
            },
        )
        .unwrap_err();
    assert!(matches!(e, Error::EmptySample { track: 1, dts: 5 }));
    // None of these poisoned the writer.
    w.write_video(v, &packet(1, 1, 1, false, 10)).unwrap();
    let bytes = w.finish().unwrap();
    assert_eq!(parse_mp4(&bytes).sample_count(1).unwrap(), 2);
}

#[test]
fn builder_rejects_bad_configs() {
    let mut b = Mp4Builder::new();
    let mut c = synthetic_config((1, 30));
    c.record.clear();
    let e = b.add_video(VideoTrack::new(c)).unwrap_err().to_string();
    assert!(e.contains("invalid record (empty)"), "{e}");
    let e = b
        .add_video(VideoTrack::new(synthetic_config((1, 30))).with_edit_media_time(-5))
        .unwrap_err();
    assert!(e.to_string().contains("edit media_time -5"), "{e}");
    let mut ac = framecast_mux_test_audio_config(48000, 2);
    ac.audio_specific_config.clear();
    assert!(b.add_audio(ac).is_err());
    assert!(Mp4Builder::new().buffered(Vec::new()).is_err(), "no tracks");
    let mut b = Mp4Builder::new();
    b.add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    b.set_metadata("rating", "5");
    let e = b.buffered(Vec::new()).unwrap_err().to_string();
    assert!(e.starts_with("unsupported metadata key 'rating'"), "{e}");
    let mut b = Mp4Builder::new();
    b.add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    b.set_fragment_duration(std::time::Duration::ZERO);
    assert!(b.fragmented(Vec::new()).is_err());
}

/// A sink that fails after `budget` bytes.
#[derive(Debug)]
struct Failing {
    budget: usize,
    inner: Cursor<Vec<u8>>,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.budget {
            return Err(std::io::Error::other("disk full"));
        }
        self.budget -= buf.len();
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for Failing {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn io_errors_poison_the_writer_and_surface_in_finish() {
    // Faststart: the chunk write fails; later writes and finish report the first error.
    let mut b = Mp4Builder::new();
    let v = b
        .add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    let mut w = b
        .faststart(Failing {
            budget: 200,
            inner: Cursor::new(Vec::new()),
        })
        .unwrap();
    let mut first = None;
    for i in 0..60 {
        if let Err(e) = w.write_video(v, &packet(i, i, 1, i == 0, 100)) {
            first = Some(e);
            break;
        }
    }
    let first = first.expect("the sink failed");
    assert!(first.to_string().contains("disk full"), "{first}");
    let e = w
        .write_video(v, &packet(100, 100, 1, false, 10))
        .unwrap_err();
    assert!(matches!(e, Error::Poisoned { .. }), "{e}");
    let e = w.finish().unwrap_err();
    assert!(e.to_string().contains("disk full"), "{e}");

    // Buffered: nothing is written before finish, so the error appears there.
    let mut b = Mp4Builder::new();
    let v = b
        .add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    let mut w = b
        .buffered(Failing {
            budget: 100,
            inner: Cursor::new(Vec::new()),
        })
        .unwrap();
    w.write_video(v, &packet(0, 0, 1, true, 500)).unwrap();
    assert!(matches!(w.finish(), Err(Error::Io { .. })));

    // Fragmented: the fragment write fails at the next fragment boundary or at finish.
    let mut b = Mp4Builder::new();
    let v = b
        .add_video(VideoTrack::new(synthetic_config((1, 30))))
        .unwrap();
    let mut w = b
        .fragmented(Failing {
            budget: 300,
            inner: Cursor::new(Vec::new()),
        })
        .unwrap();
    let mut failed = false;
    for i in 0..120 {
        if w.write_video(v, &packet(i, i, 1, i % 30 == 0, 100))
            .is_err()
        {
            failed = true;
            break;
        }
    }
    assert!(failed);
    assert!(matches!(w.finish(), Err(Error::Poisoned { .. })));
}

#[test]
fn random_packet_sequences_never_panic_and_parse_back() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut total = 0;
    for case in 0..90 {
        let layout = LAYOUTS[case % 3];
        let tb = [(1, 30), (1001, 30000), (2, 25), (1, 90000), (1, 1)][rng.below(5) as usize];
        let mut b = Mp4Builder::new();
        let v = b.add_video(VideoTrack::new(synthetic_config(tb))).unwrap();
        let a = (rng.below(2) == 0).then(|| {
            b.add_audio(framecast_mux_test_audio_config(48000, 2))
                .unwrap()
        });
        b.set_fragment_duration(std::time::Duration::from_millis(1 + rng.below(2000)));
        b.set_mfra(rng.below(2) == 0);
        let (mut video_sizes, mut audio_sizes) = (Vec::new(), Vec::new());
        let bytes = write_with(layout, b, |w| {
            let mut dts = rng.below(100) as i64 - 50;
            let mut apts = rng.below(5000);
            for _ in 0..rng.below(300) {
                dts = match rng.below(400) {
                    0..10 => dts.saturating_sub(rng.below(5) as i64),
                    10..20 => dts,
                    20 => [i64::MAX, i64::MIN, i64::MAX / 2][rng.below(3) as usize],
                    _ => dts.saturating_add(1 + rng.below(3) as i64),
                };
                let pts = dts.saturating_add(rng.below(6) as i64 - 2);
                let len = if rng.below(50) == 0 {
                    0
                } else {
                    1 + rng.below(3000) as usize
                };
                let mut p = packet(dts, pts, rng.below(3), rng.below(7) == 0, len);
                p.data.truncate(len);
                if w.video(v, &p).is_ok() {
                    video_sizes.push(p.data.len());
                }
                if let Some(a) = a
                    && rng.below(2) == 0
                {
                    apts += rng.below(2048);
                    let f = AudioFrame {
                        data: vec![0x21; rng.below(400) as usize],
                        pts: apts,
                        duration: rng.below(2000) as u32,
                    };
                    if w.audio(a, &f).is_ok() {
                        audio_sizes.push(f.data.len());
                    }
                }
            }
            Ok(())
        });
        let mut r = parse_mp4(&bytes);
        assert_eq!(
            r.sample_count(1).unwrap() as usize,
            video_sizes.len(),
            "case {case}"
        );
        if a.is_some() {
            assert_eq!(
                r.sample_count(2).unwrap() as usize,
                audio_sizes.len(),
                "case {case}"
            );
        }
        if layout != Layout::Fragmented {
            for (i, &size) in video_sizes.iter().enumerate() {
                let s = r.read_sample(1, i as u32 + 1).unwrap().unwrap();
                assert_eq!(s.bytes.len(), size, "case {case} sample {i}");
            }
        }
        mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
        total += video_sizes.len() + audio_sizes.len();
    }
    assert!(
        total > 5000,
        "the sequences exercise the writer: {total} samples accepted"
    );
}

/// The `elst` and `mvhd` of a progressive file: (mvhd timescale, mvhd duration, elst entries
/// as (segment_duration, media_time)), or no `elst`.
fn movie_and_edit(bytes: &[u8]) -> (u32, u64, Option<Vec<(u64, i64)>>) {
    let r = framecast_mux::inspect::inspect_bytes(bytes).unwrap();
    let mvhd = scan_box(bytes, b"mvhd");
    let ts = u32::from_be_bytes(mvhd[12..16].try_into().unwrap());
    let dur = u64::from(u32::from_be_bytes(mvhd[16..20].try_into().unwrap()));
    let v = r.video_track().unwrap();
    let edits = (!v.edits.is_empty()).then(|| {
        v.edits
            .iter()
            .map(|e| (e.segment_duration, e.media_time))
            .collect()
    });
    (ts, dur, edits)
}

/// 10 frames at 30000/1001 with one frame of B-frame delay (pts = dts + 1).
fn delayed_ntsc(track: VideoTrack, layout: Layout) -> Vec<u8> {
    let mut b = Mp4Builder::new();
    let v = b.add_video(track).unwrap();
    write_with(layout, b, |w| {
        (0..10).try_for_each(|i| w.video(v, &packet(i, i + 1, 1, i == 0, 60)))
    })
}

#[test]
fn edit_segment_duration_is_exact_in_the_video_timescale() {
    // Regression: at a 1/1000 movie timescale, 10 frames of 1001/30000 s (333.67 ms) were
    // rounded down to 333 ms and ffmpeg clipped the last frame.
    for layout in [Layout::Faststart, Layout::Buffered] {
        let bytes = delayed_ntsc(VideoTrack::new(synthetic_config((1001, 30000))), layout);
        let (ts, dur, edits) = movie_and_edit(&bytes);
        assert_eq!((ts, dur), (30000, 10010), "{layout:?}");
        assert_eq!(edits, Some(vec![(10010, 1001)]), "{layout:?}");
    }
    // Audio durations are rounded up into the movie timescale: 10 AAC frames at 44.1 kHz are
    // 10240/44100 s = 6965.99 units of 1/30000 s -> 6966.
    let mut b = Mp4Builder::new();
    b.add_video(VideoTrack::new(synthetic_config((1, 30000))))
        .unwrap();
    let a = b
        .add_audio(framecast_mux_test_audio_config(44100, 2))
        .unwrap();
    let bytes = write_with(Layout::Buffered, b, |w| {
        (0..10).try_for_each(|i| {
            w.audio(
                a,
                &AudioFrame {
                    data: vec![1; 10],
                    pts: i * 1024,
                    duration: 1024,
                },
            )
        })
    });
    let tkhds: Vec<u32> = (0..2)
        .map(|i| {
            let at = bytes
                .windows(4)
                .enumerate()
                .filter(|(_, w)| *w == b"tkhd")
                .nth(i)
                .unwrap()
                .0;
            u32::from_be_bytes(bytes[at + 24..at + 28].try_into().unwrap())
        })
        .collect();
    assert_eq!(tkhds[1], 6966);
}

#[test]
fn without_edit_list_writes_no_edts_in_any_layout() {
    for layout in LAYOUTS {
        let track = VideoTrack::new(synthetic_config((1001, 30000))).without_edit_list();
        let bytes = delayed_ntsc(track, layout);
        let r = framecast_mux::inspect::inspect_bytes(&bytes).unwrap();
        assert!(r.video_track().unwrap().edits.is_empty(), "{layout:?}\n{r}");
        assert!(!bytes.windows(4).any(|w| w == b"edts"), "{layout:?}");
        // The default maps the one-frame delay away.
        let bytes = delayed_ntsc(VideoTrack::new(synthetic_config((1001, 30000))), layout);
        let r = framecast_mux::inspect::inspect_bytes(&bytes).unwrap();
        assert_eq!(
            r.video_track().unwrap().edits[0].media_time,
            1001,
            "{layout:?}"
        );
    }
}

#[test]
fn pixel_aspect_goes_to_pasp_and_the_tkhd_presentation_width() {
    for layout in LAYOUTS {
        // 320x240 with 4:3 pixels is presented as 426.67x240, as ffmpeg writes it.
        let config = synthetic_config((1, 25)).with_pixel_aspect(4, 3).unwrap();
        let mut b = Mp4Builder::new();
        let v = b.add_video(VideoTrack::new(config)).unwrap();
        let bytes = write_with(layout, b, |w| w.video(v, &packet(0, 0, 1, true, 50)));
        assert_eq!(
            scan_box(&bytes, b"pasp"),
            [0, 0, 0, 4, 0, 0, 0, 3],
            "{layout:?}"
        );
        let tkhd = scan_box(&bytes, b"tkhd");
        let n = tkhd.len();
        let w = u32::from_be_bytes(tkhd[n - 8..n - 4].try_into().unwrap());
        let h = u32::from_be_bytes(tkhd[n - 4..].try_into().unwrap());
        assert_eq!((w, h), (0x01aa_aaab, 240 << 16), "{layout:?}");
        // The coded size stays in the sample entry.
        let ctx = mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
        let Some(mp4parse::SampleEntry::Video(e)) = ctx.tracks[0]
            .stsd
            .as_ref()
            .and_then(|d| d.descriptions.first())
        else {
            panic!("no video entry");
        };
        assert_eq!((e.width, e.height), (320, 240));
    }
    assert!(synthetic_config((1, 25)).with_pixel_aspect(0, 1).is_err());
}
