//! Whole files from the MP4 writer, parsed back by independent readers: the `mp4` crate,
//! `mp4parse` and, when installed, ffprobe (packet pts/dts/duration/size/flags compared with the
//! source file, and `-v error` silent).
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

use std::io::{Cursor, Seek};
use std::path::Path;

use framecast_core::{Codec, CodecConfig, ColorSpec, Matrix, Range, Rational};
use framecast_mux::audio::{AudioConfig, AudioFrame};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, VideoTrack};
use mp4::Metadata as _;
use mp4_common::*;

mod mp4_common;

#[test]
fn h264_corpus_round_trips_in_every_layout() {
    let path = corpus("androidx_sample_video_only.mp4");
    if !path.exists() {
        skip("corpus androidx_sample_video_only.mp4 missing");
        return;
    }
    let (src, avcc) = h264_source();
    assert!(
        src.packets.iter().any(|p| p.pts != p.dts),
        "source has B-frames"
    );
    let source_probe = ffprobe_packets(&path, "v:0");
    for layout in LAYOUTS {
        let mut b = Mp4Builder::new();
        let v = b
            .add_video(VideoTrack::new(h264_config(&src, avcc.clone())))
            .unwrap();
        let bytes = write_with(layout, b, |w| {
            src.packets.iter().try_for_each(|p| w.video(v, p))
        });

        // mp4 crate: structure and, for progressive files, every sample.
        let mut r =
            mp4::Mp4Reader::read_header(Cursor::new(bytes.clone()), bytes.len() as u64).unwrap();
        assert_eq!(r.tracks().len(), 1);
        let t = &r.tracks()[&1];
        assert_eq!(t.box_type().unwrap().to_string(), "avc1");
        assert_eq!(
            (u32::from(t.width()), u32::from(t.height())),
            (src.width, src.height)
        );
        assert_eq!(t.timescale(), src.timescale);
        assert_eq!(
            r.sample_count(1).unwrap() as usize,
            src.packets.len(),
            "{layout:?}"
        );
        assert_eq!(r.is_fragmented(), layout == Layout::Fragmented);
        if layout != Layout::Fragmented {
            for (i, p) in src.packets.iter().enumerate() {
                let s = r.read_sample(1, i as u32 + 1).unwrap().unwrap();
                assert_eq!(&s.bytes[..], &p.data[..], "sample {i} bytes");
                assert_eq!(s.start_time as i64, p.dts, "sample {i} dts");
                assert_eq!(
                    i64::from(s.rendering_offset),
                    p.pts - p.dts,
                    "sample {i} ctts"
                );
                assert_eq!(s.is_sync, p.keyframe, "sample {i} sync");
                assert_eq!(u64::from(s.duration), p.duration, "sample {i} duration");
            }
        }

        // mp4parse: config record, timescale, the B-frame edit.
        let ctx = mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
        let track = &ctx.tracks[0];
        assert_eq!(track.timescale.map(|t| t.0), Some(u64::from(src.timescale)));
        assert_eq!(track.media_time.map(|t| t.0), Some(2002), "{layout:?}");
        let stsd = track.stsd.as_ref().unwrap();
        match &stsd.descriptions[0] {
            mp4parse::SampleEntry::Video(e) => {
                assert_eq!(
                    (u32::from(e.width), u32::from(e.height)),
                    (src.width, src.height)
                );
                match &e.codec_specific {
                    mp4parse::VideoCodecSpecific::AVCConfig(rec) => assert_eq!(&rec[..], &avcc[..]),
                    other => panic!("not avcC: {other:?}"),
                }
            }
            other => panic!("not video: {other:?}"),
        }

        // ffprobe: silent, and the same packets as the source.
        let out = tmp(&format!("h264-{layout:?}.mp4"));
        std::fs::write(&out, &bytes).unwrap();
        if let (Some((src_err, src_lines)), Some((err, lines))) =
            (&source_probe, ffprobe_packets(&out, "v:0"))
        {
            assert_eq!(src_err, "");
            assert_eq!(err, "", "{layout:?}: ffprobe -v error printed something");
            assert_eq!(
                &lines, src_lines,
                "{layout:?}: packets differ from the source"
            );
            let (err, show) = ffprobe_show(&out).unwrap();
            assert_eq!(err, "");
            // colr from ColorSpec::default(): BT.601 limited, fully tagged.
            for tag in [
                "color_range=tv",
                "color_space=smpte170m",
                "color_transfer=smpte170m",
                "color_primaries=smpte170m",
            ] {
                assert!(show.contains(tag), "{layout:?}: {tag} missing in {show}");
            }
        }
        let _ = std::fs::remove_file(&out);
    }
}

/// The AAC AudioSpecificConfig and frames of a corpus file's audio track.
fn aac_source(path: &Path) -> (AudioConfig, Vec<AudioFrame>) {
    let data = std::fs::read(path).unwrap();
    let ctx = mp4parse::read_mp4(&mut Cursor::new(&data)).unwrap();
    let track = ctx
        .tracks
        .iter()
        .find(|t| t.track_type == mp4parse::TrackType::Audio)
        .unwrap();
    let (asc, rate, channels) = match &track.stsd.as_ref().unwrap().descriptions[0] {
        mp4parse::SampleEntry::Audio(a) => match &a.codec_specific {
            mp4parse::AudioCodecSpecific::ES_Descriptor(es) => (
                es.decoder_specific_data.to_vec(),
                a.samplerate as u32,
                a.channelcount as u8,
            ),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    let src = read_source(path, false);
    let frames = src
        .packets
        .into_iter()
        .map(|p| AudioFrame {
            data: p.data,
            pts: p.dts as u64,
            duration: p.duration as u32,
        })
        .collect();
    let mut config = aac_config(rate, channels);
    config.audio_specific_config = asc;
    (config, frames)
}

fn aac_config(rate: u32, channels: u8) -> AudioConfig {
    framecast_mux_test_audio_config(rate, channels)
}

#[test]
fn av1_with_aac_interleaves_and_round_trips() {
    let path = corpus("androidx_sample_av1.mp4");
    if !path.exists() {
        skip("corpus androidx_sample_av1.mp4 missing");
        return;
    }
    let video = read_source(&path, true);
    let av1c = scan_box(&std::fs::read(&path).unwrap(), b"av1C");
    let (audio_config, frames) = aac_source(&path);
    let vprobe = ffprobe_packets(&path, "v:0");
    let aprobe = ffprobe_packets(&path, "a:0");
    for layout in LAYOUTS {
        let mut b = Mp4Builder::new();
        let config = CodecConfig::new(
            Codec::Av1,
            video.width,
            video.height,
            Rational::new(1, video.timescale).unwrap(),
            ColorSpec::new(Matrix::Bt709, Range::Limited),
            av1c.clone(),
        );
        let v = b.add_video(VideoTrack::new(config)).unwrap();
        let a = b.add_audio(audio_config.clone()).unwrap();
        b.set_metadata("title", "AV1 and AAC")
            .set_metadata("artist", "framecast");
        let bytes = write_with(layout, b, |w| {
            // Interleave by time, as a caller muxing two live streams does.
            let (mut vi, mut ai) = (0, 0);
            while vi < video.packets.len() || ai < frames.len() {
                let vt = video
                    .packets
                    .get(vi)
                    .map(|p| p.dts as f64 / f64::from(video.timescale));
                let at = frames
                    .get(ai)
                    .map(|f| f.pts as f64 / f64::from(audio_config.sample_rate));
                if at.is_none() || vt.is_some_and(|vt| vt <= at.unwrap_or(f64::MAX)) {
                    w.video(v, &video.packets[vi])?;
                    vi += 1;
                } else {
                    w.audio(a, &frames[ai])?;
                    ai += 1;
                }
            }
            Ok(())
        });
        let ctx = mp4parse::read_mp4(&mut Cursor::new(&bytes)).unwrap();
        assert_eq!(ctx.tracks.len(), 2);
        let vt = &ctx.tracks[0];
        match &vt.stsd.as_ref().unwrap().descriptions[0] {
            mp4parse::SampleEntry::Video(e) => match &e.codec_specific {
                mp4parse::VideoCodecSpecific::AV1Config(c) => {
                    assert_eq!(&c.raw_config[..], &av1c[..])
                }
                other => panic!("not av1C: {other:?}"),
            },
            other => panic!("{other:?}"),
        }
        match &ctx.tracks[1].stsd.as_ref().unwrap().descriptions[0] {
            mp4parse::SampleEntry::Audio(e) => {
                assert_eq!(e.samplerate as u32, audio_config.sample_rate);
                match &e.codec_specific {
                    mp4parse::AudioCodecSpecific::ES_Descriptor(es) => {
                        assert_eq!(es.audio_codec, mp4parse::CodecType::AAC);
                        assert_eq!(
                            &es.decoder_specific_data[..],
                            &audio_config.audio_specific_config[..]
                        );
                    }
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
        let title = mp4::Mp4Reader::read_header(Cursor::new(bytes.clone()), bytes.len() as u64)
            .unwrap()
            .metadata()
            .title()
            .map(|t| t.into_owned());
        assert_eq!(title.as_deref(), Some("AV1 and AAC"));
        if layout != Layout::Fragmented {
            // Chunks alternate between the tracks: both tracks have several chunks and their
            // offsets interleave.
            let vo = &vt.stco.as_ref().unwrap().offsets;
            let ao = &ctx.tracks[1].stco.as_ref().unwrap().offsets;
            assert!(vo.len() >= 2 && ao.len() >= 2, "{} {}", vo.len(), ao.len());
            assert!(
                ao[0] > vo[0] && ao[0] < vo[vo.len() - 1],
                "audio chunks sit between video chunks"
            );
        }
        let out = tmp(&format!("av1-{layout:?}.mp4"));
        std::fs::write(&out, &bytes).unwrap();
        if let (Some((_, vsrc)), Some((_, asrc))) = (&vprobe, &aprobe) {
            let (err, lines) = ffprobe_packets(&out, "v:0").unwrap();
            assert_eq!(err, "", "{layout:?}");
            if layout == Layout::Fragmented {
                // ffmpeg (5.1) reports no packet duration for fragmented AV1 without a parser
                // that derives one, for its own `-movflags frag_keyframe` output as well.
                let no_dur = |l: &String| l.replace("duration=1001", "duration=N/A");
                assert_eq!(
                    lines,
                    vsrc.iter().map(no_dur).collect::<Vec<_>>(),
                    "{layout:?}: video packets"
                );
            } else {
                assert_eq!(&lines, vsrc, "{layout:?}: video packets");
            }
            let (err, lines) = ffprobe_packets(&out, "a:0").unwrap();
            assert_eq!(err, "", "{layout:?}");
            // The source delays audio with an edit list; ours starts the track at 0, so compare
            // sizes, durations and flags.
            // (In fragmented files ffmpeg leaves the first AAC packet's duration unset, for its
            // own fragmented output too, so durations are compared for progressive files only.)
            let frag = layout == Layout::Fragmented;
            let strip = |l: &String| {
                l.split('|')
                    .filter(|f| {
                        !(f.starts_with("pts")
                            || f.starts_with("dts")
                            || (frag && f.starts_with("duration")))
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            };
            assert_eq!(
                lines.iter().map(strip).collect::<Vec<_>>(),
                asrc.iter().map(strip).collect::<Vec<_>>()
            );
            let (err, show) = ffprobe_show(&out).unwrap();
            assert_eq!(err, "");
            assert!(show.contains("TAG:title=AV1 and AAC"), "{show}");
            assert!(show.contains("TAG:artist=framecast"), "{show}");
            assert!(show.contains("codec_name=av1") && show.contains("codec_name=aac"));
        }
        let _ = std::fs::remove_file(&out);
    }
}

#[test]
fn fragmented_layout_cuts_at_keyframes_and_survives_truncation() {
    let mut b = Mp4Builder::new();
    let (src, avcc) = if corpus("androidx_sample_video_only.mp4").exists() {
        h264_source()
    } else {
        skip("corpus missing");
        return;
    };
    let v = b
        .add_video(VideoTrack::new(h264_config(&src, avcc)))
        .unwrap();
    b.set_fragment_duration(std::time::Duration::from_millis(100))
        .set_mfra(true);
    // The source has one keyframe; repeat its GOP three times to get three fragments.
    let mut w = b.fragmented(Vec::new()).unwrap();
    let gop = src.packets.len() as i64 * 1001;
    for rep in 0..3 {
        for p in &src.packets {
            let mut p = p.clone();
            p.dts += rep * gop;
            p.pts += rep * gop;
            w.write_video(v, &p).unwrap();
        }
    }
    let bytes = w.finish().unwrap();
    let kinds: Vec<[u8; 4]> = top_boxes(&bytes).iter().map(|b| b.0).collect();
    assert_eq!(
        kinds,
        [
            *b"ftyp", *b"moov", *b"moof", *b"mdat", *b"moof", *b"mdat", *b"moof", *b"mdat",
            *b"mfra"
        ]
    );
    let n = bytes.len();
    let mfro = u32::from_be_bytes(bytes[n - 4..].try_into().unwrap()) as usize;
    assert_eq!(&bytes[n - mfro + 4..n - mfro + 8], b"mfra");
    let r = parse_mp4(&bytes);
    assert_eq!(r.sample_count(1).unwrap() as usize, 3 * src.packets.len());

    // A file cut at a fragment boundary plays the complete fragments; one cut inside the last
    // fragment's sample data plays them and what is there of the last one.
    let boxes = top_boxes(&bytes);
    let last_moof = boxes.iter().rfind(|b| &b.0 == b"moof").unwrap();
    let n = src.packets.len();
    for (cut, min, max) in [
        (last_moof.1, 2 * n, 2 * n),
        (last_moof.1 + last_moof.2 + 20_000, 2 * n, 3 * n - 1),
    ] {
        let out = tmp("truncated.mp4");
        std::fs::write(&out, &bytes[..cut]).unwrap();
        if let Some((_, lines)) = ffprobe_packets(&out, "v:0") {
            assert!(
                (min..=max).contains(&lines.len()),
                "cut at {cut}: {} packets",
                lines.len()
            );
        }
        let _ = std::fs::remove_file(&out);
    }
    let full = tmp("fragmented.mp4");
    std::fs::write(&full, &bytes).unwrap();
    if let Some((err, lines)) = ffprobe_packets(&full, "v:0") {
        assert_eq!(err, "");
        assert_eq!(lines.len(), 3 * src.packets.len());
        assert!(
            lines[src.packets.len()].contains("flags=K"),
            "fragment 2 starts at a keyframe"
        );
    }
    let _ = std::fs::remove_file(&full);
}

#[test]
fn faststart_to_a_real_file_puts_moov_first() {
    let mut b = Mp4Builder::new();
    let v = b
        .add_video(VideoTrack::new(synthetic_config((1, 25))))
        .unwrap();
    let path = tmp("faststart-file.mp4");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    let mut w = b.faststart(file).unwrap();
    for i in 0..200 {
        w.write_video(v, &packet(i, i, 1, i % 50 == 0, 3000 + i as usize))
            .unwrap();
    }
    let mut file = w.finish().unwrap();
    let end = file.stream_position().unwrap();
    drop(file);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(end as usize, bytes.len());
    let kinds: Vec<[u8; 4]> = top_boxes(&bytes).iter().map(|b| b.0).collect();
    assert_eq!(kinds, [*b"ftyp", *b"moov", *b"free", *b"mdat"]);
    let mut r = parse_mp4(&bytes);
    for i in [1u32, 77, 200] {
        let s = r.read_sample(1, i).unwrap().unwrap();
        assert_eq!(s.bytes.len(), 3000 + i as usize - 1);
        assert_eq!(s.start_time, u64::from(i - 1));
    }
    let _ = std::fs::remove_file(&path);
}
