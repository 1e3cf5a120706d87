//! `Mp4Builder::set_trim_audio_to_video`: the corpus ADTS and MP3 streams (tens of seconds) with
//! the first 1.5 s of a real H.264 stream with B-frames, in every layout and in three write
//! orders (interleaved by time, all audio first, all video first). ffprobe's audio end must lie
//! in `[video end, video end + one audio frame)`: every frame starting before the video's end is
//! kept (the one straddling it included, as `ffmpeg -shortest` does) and every later one is
//! dropped.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod mp4_common;

use std::path::Path;

use framecast_mux::audio::{AudioFrame, AudioReader};
use framecast_mux::inspect;
use framecast_mux::mp4::{Mp4Builder, VideoTrack};
use mp4_common::{LAYOUTS, h264_config, h264_source, tmp, write_with};

#[derive(Debug, Clone, Copy)]
enum Order {
    Interleaved,
    AudioFirst,
    VideoFirst,
}

/// End of stream `stream` as ffprobe reads the packets: the largest pts + duration, seconds.
fn ffprobe_end(file: &Path, stream: &str) -> Option<f64> {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", stream, "-show_entries"])
        .args(["packet=pts_time,duration_time", "-of", "csv=p=0"])
        .arg(file)
        .output()
        .ok()?;
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (p, d) = l.split_once(',')?;
            Some(p.parse::<f64>().ok()? + d.parse::<f64>().unwrap_or(0.0))
        })
        .reduce(f64::max)
}

#[test]
fn audio_is_trimmed_to_the_video_in_every_layout_and_order() {
    let (src, avcc) = h264_source();
    let video: Vec<_> = src
        .packets
        .iter()
        .take_while(|p| p.dts < i64::from(src.timescale) * 3 / 2)
        .cloned()
        .collect();
    let audio_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/audio");
    let have_ffprobe = std::process::Command::new("ffprobe")
        .arg("-version")
        .output()
        .is_ok();
    if !have_ffprobe {
        mp4_common::skip("ffprobe not installed; trimmed durations checked by the inspector only");
    }
    for audio in ["androidx_sample.adts", "rodio_music.mp3"] {
        let bytes = std::fs::read(audio_dir.join(audio)).unwrap();
        let (config, frames) = AudioReader::new(&bytes[..]).unwrap().read_all().unwrap();
        let rate = f64::from(config.sample_rate);
        let frame_s = f64::from(config.samples_per_frame) / rate;
        for layout in LAYOUTS {
            for order in [Order::Interleaved, Order::AudioFirst, Order::VideoFirst] {
                let what = format!("{audio} {layout:?} {order:?}");
                let mut b = Mp4Builder::new();
                let v = b
                    .add_video(VideoTrack::new(h264_config(&src, avcc.clone())))
                    .unwrap();
                let a = b.add_audio(config.clone()).unwrap();
                b.set_trim_audio_to_video(true);
                let file = write_with(layout, b, |w| {
                    let write_audio = |w: &mut dyn mp4_common::DynSink, f: &[AudioFrame]| {
                        f.iter().try_for_each(|f| w.audio(a, f))
                    };
                    match order {
                        Order::AudioFirst => {
                            write_audio(w, &frames)?;
                            video.iter().try_for_each(|p| w.video(v, p))
                        }
                        Order::VideoFirst => {
                            video.iter().try_for_each(|p| w.video(v, p))?;
                            write_audio(w, &frames)
                        }
                        Order::Interleaved => {
                            let mut next = 0;
                            for p in &video {
                                let t = p.dts as f64 / f64::from(src.timescale);
                                while next < frames.len() && (frames[next].pts as f64) / rate < t {
                                    w.audio(a, &frames[next])?;
                                    next += 1;
                                }
                                w.video(v, p)?;
                            }
                            write_audio(w, &frames[next..])
                        }
                    }
                });
                let r = inspect::inspect_bytes(&file).unwrap();
                let (vt, at) = (r.video_track().unwrap(), r.audio_track().unwrap());
                assert_eq!(vt.sample_count, video.len() as u64, "{what}");
                let video_s = vt.decode_duration as f64 / f64::from(vt.timescale);
                let audio_s = at.decode_duration as f64 / f64::from(at.timescale);
                assert!(
                    audio_s >= video_s && audio_s < video_s + frame_s,
                    "{what}: inspector: audio {audio_s} s, video {video_s} s"
                );
                if !have_ffprobe {
                    continue;
                }
                let path = tmp(&format!("trim-{audio}-{layout:?}-{order:?}.mp4"));
                std::fs::write(&path, &file).unwrap();
                let (v_end, a_end) = (
                    ffprobe_end(&path, "v:0").unwrap(),
                    ffprobe_end(&path, "a:0").unwrap(),
                );
                std::fs::remove_file(&path).unwrap();
                // ffprobe prints times with 6 decimals.
                assert!(
                    a_end >= v_end - 1e-5 && a_end <= v_end + frame_s + 1e-5,
                    "{what}: ffprobe: audio ends at {a_end} s, video at {v_end} s, frame {frame_s} s"
                );
            }
        }
    }
}
