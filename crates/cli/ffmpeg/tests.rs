//! Unit tests of the ffmpeg front: argument shapes from docs/ffmpeg-compat.md to plans.

use std::ffi::OsString;
use std::path::PathBuf;

use framecast::{Codec, Layout, PixelFormat, RateControl, Rational, Subsampling};

use super::parse::parse;
use super::plan::{Action, Input, Plan, plan};
use super::values::{Dim, Scale, bitrate_kbps, preset_speed};

fn args(s: &str) -> Vec<OsString> {
    s.split_whitespace().map(OsString::from).collect()
}

fn action(s: &str) -> anyhow::Result<Action> {
    let a = args(s);
    plan(&parse(&a)?, a.is_empty())
}

fn encode(s: &str) -> Plan {
    match action(s) {
        Ok(Action::Encode(p)) => *p,
        other => panic!("{s}: expected an encode, got {other:?}"),
    }
}

fn error(s: &str) -> String {
    match action(s) {
        Err(e) => format!("{e:#}"),
        Ok(a) => panic!("{s}: expected an error, got {a:?}"),
    }
}

#[test]
fn matplotlib_ffmpeg_writer() {
    let p = encode(
        "-f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgba -framerate 10 -loglevel error -i pipe: -vcodec h264 -pix_fmt yuv420p -y out.mp4",
    );
    assert_eq!(p.input, Input::Raw(None));
    assert_eq!(p.size, Some((100, 80)));
    assert_eq!(p.pix_fmt, Some(PixelFormat::Rgba));
    assert_eq!(p.fps, Rational::integer(10).unwrap());
    assert_eq!(p.output, PathBuf::from("out.mp4"));
    assert!(!p.warn);
    assert!(p.notes.is_empty(), "{:?}", p.notes);
}

#[test]
fn matplotlib_bitrate_and_metadata() {
    let p = encode(
        "-f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgba -framerate 10.0 -loglevel error -i pipe: -vcodec libx264 -b 1800k -metadata title=T -metadata artist=A -y out.mp4",
    );
    assert_eq!(p.options.rate, RateControl::Bitrate(1800));
    assert_eq!(
        p.metadata,
        vec![("title".into(), "T".into()), ("artist".into(), "A".into())]
    );
}

#[test]
fn matplotlib_file_writer() {
    let p = encode(
        "-framerate 10 -i /tmp/x/tmp%07d.png -loglevel error -vcodec h264 -pix_fmt yuv420p -y out.mp4",
    );
    assert_eq!(p.input, Input::Open(PathBuf::from("/tmp/x/tmp%07d.png")));
    let p = encode(
        "-f image2 -vcodec rawvideo -video_size 100x80 -pixel_format rgba -framerate 10 -i /tmp/x/tmp%07d.rgba -loglevel error -vcodec h264 -pix_fmt yuv420p -frames:v 5 -y out.m4v",
    );
    assert_eq!(
        p.input,
        Input::RawFiles(PathBuf::from("/tmp/x/tmp%07d.rgba"))
    );
    assert_eq!(p.max_frames, Some(5));
}

#[test]
fn imageio_writer() {
    let p = encode(
        "-y -f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgb24 -r 2997/100 -i - -an -vcodec libx264 -pix_fmt yuv420p -crf 10.2 -vf scale=112:80 -v warning out.mp4",
    );
    assert_eq!(p.fps, Rational::new(2997, 100).unwrap());
    assert_eq!(p.options.rate, RateControl::Quality(10));
    assert_eq!(
        p.scale,
        Some(Scale {
            width: Dim::Pixels(112),
            height: Dim::Pixels(80)
        })
    );
    assert!(p.warn);
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    let p =
        encode("-f rawvideo -s 8x8 -pix_fmt gray -r 10 -i - -vcodec libopenh264 -qscale:v 7 o.mp4");
    assert_eq!(p.options.rate, RateControl::Quality(10));
    assert_eq!(p.pix_fmt, Some(PixelFormat::Gray));
}

#[test]
fn moviepy_writer() {
    let p = encode(
        "-y -loglevel error -f rawvideo -vcodec rawvideo -s 64x48 -pix_fmt rgb24 -r 10.00 -an -i - -vcodec libx264 -preset medium -pix_fmt yuva420p out.mp4",
    );
    assert_eq!(p.options.speed, Some(5));
    assert_eq!(p.fps, Rational::integer(10).unwrap());
    assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    // With its soundtrack copied.
    let p = encode(
        "-y -loglevel error -f rawvideo -vcodec rawvideo -s 64x48 -pix_fmt rgb24 -r 10.00 -an -i - -i NAME.mp3 -acodec copy -vcodec libx264 -preset medium -pix_fmt yuv420p out.mp4",
    );
    assert_eq!(p.audio, Some(PathBuf::from("NAME.mp3")));
}

#[test]
fn moviepy_audio_call_is_refused() {
    let e = error(
        "-y -loglevel error -f s32le -acodec pcm_s32le -ar 44100 -ac 2 -i - -vn -acodec libmp3lame -ar 44100 -strict -2 NAME.mp3",
    );
    assert!(e.contains("framecast has no MP3/AAC encoder"), "{e}");
    assert!(e.contains("libmp3lame"), "{e}");
    let e = error(
        "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -i audio.wav -acodec aac -map 0:v:0 -map 1:a:0 o.mp4",
    );
    assert!(e.contains("framecast has no MP3/AAC encoder"), "{e}");
}

#[test]
fn unknown_encoders_and_formats() {
    for (codec, why) in [
        ("libvpx", "encodes H.264, AV1 and GIF"),
        ("mpeg4", "encodes H.264, AV1 and GIF"),
    ] {
        let e = error(&format!(
            "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -vcodec {codec} o.mp4"
        ));
        assert!(e.contains(&format!("Unknown encoder '{codec}'")), "{e}");
        assert!(e.contains(why), "{e}");
    }
    for out in ["o.webm", "o.avi", "o"] {
        let e = error(&format!("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - {out}"));
        assert!(e.contains("Unable to choose an output format"), "{e}");
    }
    let e = error("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -vn o.mp4");
    assert!(e.contains("does not contain any stream"), "{e}");
    let e = error("-f rawvideo -s 8x8 -i - o.mp4");
    assert!(e.contains("-pix_fmt"), "{e}");
    let e = error("-f rawvideo -pix_fmt rgb24 -i - o.mp4");
    assert!(e.contains("-s WIDTHxHEIGHT"), "{e}");
    let e = error("-f rawvideo -s 8x8 -pix_fmt gray8a -i - o.mp4");
    assert!(e.contains("'gray8a'"), "{e}");
    let e = error("-i - -");
    assert!(e.contains("-f mp4"), "{e}");
}

#[test]
fn av1_encoder_names_ivf_and_crf() {
    for name in ["librav1e", "libaom-av1", "libsvtav1", "av1", "av1_nvenc"] {
        let p = encode(&format!(
            "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -vcodec {name} -crf 30 o.mp4"
        ));
        assert_eq!(p.options.codec, Codec::Av1, "{name}");
        assert_eq!(p.options.rate, RateControl::Quality(30), "{name}");
        assert_eq!(p.options.chroma, Subsampling::Yuv420, "{name}");
    }
    // .ivf: AV1 by default, yuv444p gives 4:4:4, metadata and movflags are dropped.
    let p = encode(
        "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -pix_fmt yuv444p -metadata title=T -movflags +faststart o.ivf",
    );
    assert_eq!(p.options.codec, Codec::Av1);
    assert_eq!(p.options.chroma, Subsampling::Yuv444);
    assert!(p.metadata.is_empty() && p.layout.is_none(), "{p:?}");
    assert_eq!(p.output, PathBuf::from("o.ivf"));
    let p = encode("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -c:v librav1e -f ivf o.ivf");
    assert_eq!(p.options.codec, Codec::Av1);
    // H.264 stays 4:2:0 with a note; H.264 into IVF is refused naming both.
    let p = encode("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -pix_fmt yuv444p o.mp4");
    assert_eq!(p.options.chroma, Subsampling::Yuv420);
    assert!(
        p.notes.iter().any(|n| n.contains("yuv444p")),
        "{:?}",
        p.notes
    );
    let e = error("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -vcodec libx264 o.ivf");
    assert!(e.contains("IVF holds AV1") && e.contains("libx264"), "{e}");
    let e = error("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -f ivf -");
    assert!(e.contains("'ivf'"), "{e}");
}

#[test]
fn probes() {
    assert_eq!(action("").unwrap(), Action::Usage);
    assert_eq!(action("-version").unwrap(), Action::Version);
    assert_eq!(action("-hide_banner -encoders").unwrap(), Action::Encoders);
    assert_eq!(
        action("-hide_banner -f lavfi -i nullsrc=s=256x256:d=8 -vcodec libx264 -f null -").unwrap(),
        Action::EncoderTest {
            codec: Some("libx264".into())
        }
    );
}

#[test]
fn ignored_options_make_one_note() {
    let p = encode(
        "-f rawvideo -s 8x8 -pix_fmt rgb24 -r 10 -i - -tune zerolatency -map 0 -strict -2 -profile:v high -threads 2 o.mp4",
    );
    assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    assert!(p.notes[0].contains("-tune") && p.notes[0].contains("-profile:v"));
    assert_eq!(p.options.threads, 2);
}

#[test]
fn layouts_from_movflags() {
    let p = encode("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -movflags +faststart o.mp4");
    assert_eq!(p.layout, Some(Layout::Faststart));
    let p = encode(
        "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -movflags frag_keyframe+empty_moov -f mp4 -",
    );
    assert_eq!(p.layout, Some(Layout::Fragmented));
    assert_eq!(p.output, PathBuf::from("-"));
}

#[test]
fn values_map() {
    let b = |s: &str| {
        let line = parse(&args(&format!("-i - -b:v {s} o.mp4"))).unwrap();
        bitrate_kbps(&line.output.unwrap().options[0])
    };
    assert_eq!(b("1800k").unwrap(), 1800);
    assert_eq!(b("500000").unwrap(), 500);
    assert_eq!(b("2M").unwrap(), 2000);
    assert_eq!(b("1.5M").unwrap(), 1500);
    assert!(b("0").is_err() && b("fast").is_err() && b("12q").is_err());
    assert_eq!(preset_speed("ultrafast").unwrap(), 10);
    assert_eq!(preset_speed("veryslow").unwrap(), 1);
    assert!(preset_speed("warp").is_err());
    for r in ["10", "10.0", "10.00"] {
        assert_eq!(
            encode(&format!(
                "-f rawvideo -s 8x8 -pix_fmt rgb24 -r {r} -i - o.mp4"
            ))
            .fps,
            Rational::integer(10).unwrap()
        );
    }
    assert_eq!(
        encode("-f rawvideo -s 8x8 -pix_fmt rgb24 -framerate 30000/1001 -i - o.mp4").fps,
        Rational::new(30000, 1001).unwrap()
    );
    // ffmpeg's default input rate.
    assert_eq!(
        encode("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - o.mp4").fps,
        Rational::integer(25).unwrap()
    );
}

#[test]
fn scale_filters_resolve() {
    let s = |f: &str| super::values::parse_filters(f).unwrap().unwrap();
    assert_eq!(s("scale=112:80").resolve((100, 80)).unwrap(), (112, 80));
    assert_eq!(s("scale=w=50:h=-1").resolve((100, 80)).unwrap(), (50, 40));
    assert_eq!(s("scale=-2:41").resolve((100, 80)).unwrap(), (52, 41));
    assert_eq!(s("scale=iw:ih").resolve((7, 5)).unwrap(), (7, 5));
    assert_eq!(
        s("scale=64x48:flags=lanczos").resolve((7, 5)).unwrap(),
        (64, 48)
    );
    assert!(super::values::parse_filters("crop=10:10").is_err());
    assert!(super::values::parse_filters("scale=a:b").is_err());
    assert!(s("scale=0:-1").resolve((1, 16384)).is_ok());
}

/// A plan from arguments where `graph` is one `-filter_complex` argument (it has spaces).
fn encode_with_graph(graph: &str, rest: &str) -> anyhow::Result<Plan> {
    let mut a = vec![OsString::from("-filter_complex"), OsString::from(graph)];
    a.extend(args(rest));
    match plan(&parse(&a)?, false)? {
        Action::Encode(p) => Ok(*p),
        other => panic!("expected an encode, got {other:?}"),
    }
}

#[test]
fn gif_outputs_choose_the_gif_encoder() {
    use framecast::gif::{Dither, GifOptions, Repeat};
    // matplotlib: no -vcodec, its palette graph; our defaults stand.
    let p = encode_with_graph(
        "split [a][b];[a] palettegen [p];[b][p] paletteuse",
        "-f rawvideo -s 100x80 -pix_fmt rgba -framerate 10 -i pipe: -y out.gif",
    )
    .unwrap();
    assert_eq!(p.options.codec, Codec::Gif);
    assert_eq!(p.gif, GifOptions::default());
    assert_eq!(p.scale, None);
    // The usual recipe: scale, palette size, Bayer dithering; -loop -1 plays once; the video
    // rate options and metadata change nothing and are noted.
    let p = encode_with_graph(
        "[0:v] scale=320:-1:flags=lanczos,split [s0][s1];[s0] palettegen=max_colors=64:stats_mode=diff [p];[s1][p] paletteuse=dither=bayer:bayer_scale=3",
        "-f rawvideo -s 640x480 -pix_fmt rgb24 -i - -loop -1 -crf 20 -metadata title=x out.gif",
    )
    .unwrap();
    assert_eq!(
        p.gif,
        GifOptions::default()
            .colors(64)
            .dither(Dither::Ordered)
            .repeat(Repeat::Finite(0))
    );
    assert_eq!(
        p.scale,
        Some(Scale {
            width: Dim::Pixels(320),
            height: Dim::Aspect(1)
        })
    );
    assert!(p.metadata.is_empty());
    let notes = p.notes.join(" ");
    assert!(
        notes.contains("-crf") && notes.contains("-metadata"),
        "{notes}"
    );
    // Diffusion dithers of ffmpeg map to ours; -vcodec gif and -f gif to stdout.
    let p = encode_with_graph(
        "split[a][b];[a]palettegen[p];[b][p]paletteuse=dither=sierra2_4a",
        "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -vcodec gif -f gif -",
    )
    .unwrap();
    assert_eq!(p.gif.get_dither(), Dither::Diffusion);
    assert_eq!(p.output, PathBuf::from("-"));
    assert_eq!(p.options.codec, Codec::Gif);
}

#[test]
fn gif_errors_name_what_was_wrong() {
    let e = format!(
        "{:#}",
        encode_with_graph(
            "split[a][b];[a]palettegen[p];[b][p]paletteuse",
            "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - out.mp4"
        )
        .unwrap_err()
    );
    assert!(
        e.contains("palette graph") && e.contains(".gif output"),
        "{e}"
    );
    let e = format!(
        "{:#}",
        encode_with_graph(
            "split[a][b];[a]palettegen[p];[b]hflip[c];[c][p]paletteuse",
            "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - out.gif"
        )
        .unwrap_err()
    );
    assert!(e.contains("hflip"), "{e}");
    let e = format!(
        "{:#}",
        encode_with_graph(
            "fps=10,scale=80:-1,split[a][b];[a]palettegen[p];[b][p]paletteuse",
            "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - out.gif"
        )
        .unwrap_err()
    );
    assert!(
        e.contains("-filter_complex") && e.contains("fps before split"),
        "{e}"
    );
    let e = format!(
        "{:#}",
        encode_with_graph(
            "split[a][b];[a]palettegen=max_colors=300[p];[b][p]paletteuse",
            "-f rawvideo -s 8x8 -pix_fmt rgb24 -i - out.gif"
        )
        .unwrap_err()
    );
    assert!(e.contains("max_colors=300"), "{e}");
    let e = error("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -vcodec libx264 out.gif");
    assert!(e.contains("a GIF holds GIF images"), "{e}");
    let e = error("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -vcodec gif out.mp4");
    assert!(e.contains("writes .gif files"), "{e}");
    let e = error("-f rawvideo -s 8x8 -pix_fmt rgb24 -i - -f gif out.mp4");
    assert!(e.contains("'gif'"), "{e}");
}
