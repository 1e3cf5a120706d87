//! The ADTS and MP3 readers on real files from ../shared/corpus/audio, checked against ffprobe
//! and ffmpeg as independent oracles: configuration, packet count, packet sizes and the exact
//! payload bytes (`ffmpeg -c copy -f data`, with `aac_adtstoasc` stripping ADTS headers).
//!
//! Without the corpus or ffprobe/ffmpeg the tests print `SKIP: ...` and pass, except when the
//! environment variable `CI` is set, where they fail.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use framecast_mux::audio::{
    AdtsReader, AudioCodec, AudioConfig, AudioFrame, AudioReader, Mp3Reader,
};

fn skip(why: &str) {
    let _ = std::io::stderr().write_all(format!("SKIP: {why}\n").as_bytes());
    assert!(
        std::env::var_os("CI").is_none(),
        "{why} (required when CI is set)"
    );
}

fn corpus_file(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/audio")
        .join(name);
    if path.is_file() {
        Some(path)
    } else {
        skip(&format!("corpus file {} is missing", path.display()));
        None
    }
}

fn have_tools() -> bool {
    for tool in ["ffprobe", "ffmpeg"] {
        let ok = Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            skip(&format!("{tool} not found (apt-get install -y ffmpeg)"));
            return false;
        }
    }
    true
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The value of `"key": value` in ffprobe's JSON (strings unquoted).
fn json_field(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\": "))? + key.len() + 4;
    let rest = &json[at..];
    let value = if let Some(s) = rest.strip_prefix('"') {
        &s[..s.find('"')?]
    } else {
        &rest[..rest.find([',', '\n', '}'])?]
    };
    Some(value.trim().to_owned())
}

struct Probe {
    json: String,
    packet_sizes: Vec<usize>,
    /// The packets' bytes, concatenated (ADTS: headers stripped by `aac_adtstoasc`).
    payload: Vec<u8>,
}

impl Probe {
    fn new(path: &Path, adts: bool) -> Self {
        let json = run(Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-count_frames",
                "-count_packets",
                "-show_streams",
            ])
            .args(["-select_streams", "a:0", "-of", "json"])
            .arg(path));
        let sizes = run(Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "a:0"])
            .args(["-show_entries", "packet=size", "-of", "csv=p=0"])
            .arg(path));
        let packet_sizes = String::from_utf8(sizes)
            .expect("utf-8")
            .lines()
            // Packets with side data (the skip samples of a LAME tag) add blank lines.
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim_end_matches(',').parse().expect("packet size"))
            .collect();
        let mut ffmpeg = Command::new("ffmpeg");
        ffmpeg.args(["-v", "error", "-i"]).arg(path);
        ffmpeg.args(["-map", "0:a:0", "-c", "copy"]);
        if adts {
            ffmpeg.args(["-bsf:a", "aac_adtstoasc"]);
        }
        let payload = run(ffmpeg.args(["-f", "data", "-"]));
        Probe {
            json: String::from_utf8(json).expect("utf-8"),
            packet_sizes,
            payload,
        }
    }

    fn field(&self, key: &str) -> String {
        json_field(&self.json, key).unwrap_or_else(|| panic!("no {key} in {}", self.json))
    }

    fn num(&self, key: &str) -> u64 {
        self.field(key).parse().expect(key)
    }
}

/// What every file must satisfy against the oracle.
fn check_common(name: &str, probe: &Probe, config: &AudioConfig, frames: &[AudioFrame]) {
    assert_eq!(
        u64::from(config.sample_rate),
        probe.num("sample_rate"),
        "{name}"
    );
    assert_eq!(u64::from(config.channels), probe.num("channels"), "{name}");
    assert_eq!(frames.len() as u64, probe.num("nb_read_packets"), "{name}");
    let spf = config.samples_per_frame;
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.pts, i as u64 * u64::from(spf), "{name} frame {i}");
        assert_eq!(f.duration, spf, "{name} frame {i}");
    }
    let payload: Vec<u8> = frames.iter().flat_map(|f| f.data.iter().copied()).collect();
    assert!(
        payload == probe.payload,
        "{name}: payload differs from ffmpeg's packets"
    );
    assert!(
        config.avg_bitrate > 0 && config.max_bitrate >= config.avg_bitrate,
        "{name}"
    );
}

/// Reads one byte per `read` call, to exercise the streaming path.
struct Trickle<R>(R);

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1);
        self.0.read(&mut buf[..n])
    }
}

fn adts_file(name: &str, expect_aot: u8) {
    let (Some(path), true) = (corpus_file(name), have_tools()) else {
        return;
    };
    let probe = Probe::new(&path, true);
    let file = std::fs::read(&path).expect("read corpus file");
    let reader = AdtsReader::new(&file[..]).expect("first header");
    assert_eq!(
        reader.config().avg_bitrate,
        0,
        "bitrates unknown before the end"
    );
    let header_len = reader.first_header().header_len();
    let (config, frames) = reader.read_all().expect("read all frames");

    assert_eq!(probe.field("codec_name"), "aac");
    assert_eq!(config.codec, AudioCodec::Aac);
    assert_eq!(config.samples_per_frame, 1024);
    let aot = match probe.field("profile").as_str() {
        "Main" => 1,
        "LC" => 2,
        "SSR" => 3,
        "LTP" => 4,
        other => panic!("{name}: profile {other}"),
    };
    assert_eq!(aot, expect_aot, "{name}");
    assert_eq!(config.audio_specific_config.len(), 2);
    assert_eq!(
        config.audio_specific_config[0] >> 3,
        aot,
        "{name}: ASC object type"
    );
    check_common(name, &probe, &config, &frames);
    let sizes: Vec<usize> = frames.iter().map(|f| f.data.len() + header_len).collect();
    assert_eq!(sizes, probe.packet_sizes, "{name}: ADTS frame sizes");

    let streamed = AdtsReader::new(Trickle(&file[..]))
        .and_then(AdtsReader::read_all)
        .expect("streamed");
    assert_eq!(streamed, (config, frames), "{name}: streaming read");
}

#[test]
fn adts_libfaac_44k_mono_matches_ffprobe() {
    adts_file("androidx_sample.adts", 2);
}

#[test]
fn adts_8k_mono_matches_ffprobe() {
    // The header says profile 2 (SSR) although the file name says LC; ffprobe agrees with the
    // header, and so does the AudioSpecificConfig (object type 3).
    adts_file("androidx_bbb_1ch_8kHz_aac_lc.aac", 3);
}

struct Mp3Expect {
    name: &'static str,
    info_tag: Option<&'static [u8; 4]>,
    cbr: bool,
}

fn mp3_file(expect: &Mp3Expect) {
    let name = expect.name;
    let (Some(path), true) = (corpus_file(name), have_tools()) else {
        return;
    };
    let probe = Probe::new(&path, false);
    let file = std::fs::read(&path).expect("read corpus file");
    let mut reader = Mp3Reader::new(&file[..]).expect("first header");
    let info = reader.info_frame().copied();
    let mut frames = Vec::new();
    while let Some(f) = reader.next_frame().expect("frame") {
        frames.push(f);
    }
    let config = reader.config().clone();
    let stats = reader.stats();

    assert_eq!(probe.field("codec_name"), "mp3");
    assert_eq!(config.codec, AudioCodec::Mp3);
    assert!(config.audio_specific_config.is_empty());
    assert_eq!(config.samples_per_frame, 1152, "{name}: MPEG-1 Layer III");
    check_common(name, &probe, &config, &frames);
    let sizes: Vec<usize> = frames.iter().map(|f| f.data.len()).collect();
    assert_eq!(sizes, probe.packet_sizes, "{name}: frame sizes");
    assert_eq!(stats.frames, frames.len() as u64);
    assert_eq!(stats.bytes, probe.payload.len() as u64);
    assert_eq!(stats.avg_bitrate, config.avg_bitrate);

    let bit_rate = probe.num("bit_rate");
    if expect.cbr {
        assert_eq!(
            u64::from(config.avg_bitrate),
            bit_rate,
            "{name}: CBR bitrate"
        );
        assert_eq!(config.max_bitrate, config.avg_bitrate, "{name}: CBR peak");
    } else {
        let diff = u64::from(config.avg_bitrate).abs_diff(bit_rate);
        assert!(
            diff * 20 < bit_rate,
            "{name}: {} vs {bit_rate}",
            config.avg_bitrate
        );
    }

    match (expect.info_tag, info) {
        (None, None) => {
            // Leading junk (the CBR file starts with 192 zero bytes) is all that is not audio.
            assert_eq!(
                stats.skipped_bytes,
                (file.len() - probe.payload.len()) as u64
            );
        }
        (Some(tag), Some(info)) => {
            assert_eq!(&info.tag, tag, "{name}");
            assert_eq!(
                info.frames,
                Some(frames.len() as u32),
                "{name}: Xing frame count"
            );
            // ffmpeg starts the stream at the LAME encoder delay plus the decoder's 529
            // samples (start_pts in its time base).
            let tb: u64 = probe.field("time_base")["1/".len()..].parse().expect("tb");
            let start = probe.num("start_pts") * u64::from(config.sample_rate) / tb;
            let delay = info.encoder_delay.expect("LAME tag");
            assert_eq!(u64::from(delay) + 529, start, "{name}: encoder delay");
        }
        (want, got) => panic!("{name}: info frame {want:?} vs {got:?}"),
    }

    let streamed = Mp3Reader::new(Trickle(&file[..]))
        .and_then(Mp3Reader::read_all)
        .expect("streamed");
    assert_eq!(streamed, (config, frames), "{name}: streaming read");
}

#[test]
fn mp3_cbr_with_leading_junk_matches_ffprobe() {
    mp3_file(&Mp3Expect {
        name: "androidx_bear-cbr-constant-frame-size-no-seek-table.mp3",
        info_tag: None,
        cbr: true,
    });
}

#[test]
fn mp3_vbr_xing_matches_ffprobe() {
    mp3_file(&Mp3Expect {
        name: "androidx_bear-vbr-xing-header.mp3",
        info_tag: Some(b"Xing"),
        cbr: false,
    });
}

#[test]
fn mp3_music_with_id3v2_matches_ffprobe() {
    mp3_file(&Mp3Expect {
        name: "rodio_music.mp3",
        info_tag: Some(b"Xing"),
        cbr: false,
    });
}

#[test]
fn audio_reader_detects_each_corpus_format() {
    for (name, codec) in [
        ("androidx_sample.adts", AudioCodec::Aac),
        ("androidx_bbb_1ch_8kHz_aac_lc.aac", AudioCodec::Aac),
        (
            "androidx_bear-cbr-constant-frame-size-no-seek-table.mp3",
            AudioCodec::Mp3,
        ),
        ("androidx_bear-vbr-xing-header.mp3", AudioCodec::Mp3),
        ("rodio_music.mp3", AudioCodec::Mp3),
    ] {
        let Some(path) = corpus_file(name) else {
            return;
        };
        let file = std::fs::read(&path).expect("read corpus file");
        let detected = AudioReader::new(&file[..])
            .and_then(AudioReader::read_all)
            .expect("detected");
        assert_eq!(detected.0.codec, codec, "{name}");
        let direct = match codec {
            AudioCodec::Aac => AdtsReader::new(&file[..]).and_then(AdtsReader::read_all),
            _ => Mp3Reader::new(&file[..]).and_then(Mp3Reader::read_all),
        }
        .expect("direct");
        assert_eq!(detected, direct, "{name}");
    }
}
