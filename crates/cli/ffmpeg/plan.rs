//! What a parsed ffmpeg command line means for framecast: a probe, or an encode [`Plan`].
//!
//! Everything that can be refused is refused here, before any input is read: unknown
//! encoders and output formats (in ffmpeg's words, which MoviePy matches), audio encoding,
//! options whose effect framecast cannot give. Options that change nothing here are
//! collected into one warning line.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, bail};
use framecast::gif::GifOptions;
use framecast::{Codec, Layout, PixelFormat, RateControl, Rational, Subsampling, VideoOptions};

use super::parse::{CommandLine, Group, Opt};
use super::values::{
    Dim, Scale, YUV420, bitrate_kbps, crf, input_pix_fmt, loop_to_repeat, number, parse_filters,
    parse_palette_graph, preset_speed, qscale_to_quality, rate, size,
};

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// No arguments: usage on stderr, non-zero exit.
    Usage,
    /// `-h`: usage on stdout, exit 0.
    Help,
    /// `-version`.
    Version,
    /// `-encoders`.
    Encoders,
    /// `-f lavfi -i nullsrc... -vcodec X -f null -`: whether encoder X works.
    EncoderTest {
        /// The encoder asked for (`None`: ffmpeg's default).
        codec: Option<String>,
    },
    /// Encode frames.
    Encode(Box<Plan>),
}

/// Where frames come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    /// Raw frames (`-f rawvideo`) on stdin, or in one file.
    Raw(Option<PathBuf>),
    /// One raw frame per file of a numbered pattern (`-f image2 -vcodec rawvideo`).
    RawFiles(PathBuf),
    /// Anything `framecast encode -i` reads: stdin (`-`) or a path, pattern or directory.
    Open(PathBuf),
}

/// An encode, with every value checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub(crate) input: Input,
    /// The input frame size (`-s`), required for raw input.
    pub(crate) size: Option<(u32, u32)>,
    /// The input pixel format (`-pix_fmt` before `-i`).
    pub(crate) pix_fmt: Option<PixelFormat>,
    /// Frames per second (`-r`/`-framerate`); ffmpeg's default for raw and image input is 25.
    pub(crate) fps: Rational,
    pub(crate) options: VideoOptions,
    /// Palette size, dithering and looping of GIF output.
    pub(crate) gif: GifOptions,
    pub(crate) layout: Option<Layout>,
    /// MP3 or ADTS AAC copied into the audio track (`-i x.mp3 -acodec copy`).
    pub(crate) audio: Option<PathBuf>,
    pub(crate) metadata: Vec<(String, String)>,
    /// The output file, or `-` for stdout.
    pub(crate) output: PathBuf,
    pub(crate) scale: Option<Scale>,
    pub(crate) max_frames: Option<u64>,
    /// Warnings are printed (`-loglevel` is not error, fatal, panic or quiet).
    pub(crate) warn: bool,
    /// Things ignored or adjusted, printed as one line when `warn`.
    pub(crate) notes: Vec<String>,
}

/// Encoders of H.264 under the names libraries ask for.
pub(crate) const H264_NAMES: &[&str] = &["libx264", "libx264rgb", "libopenh264", "h264"];
/// Hardware H.264 encoder names: the stream is H.264 all the same, encoded in software.
const H264_HARDWARE: &[&str] = &[
    "h264_nvenc",
    "h264_vaapi",
    "h264_qsv",
    "h264_videotoolbox",
    "h264_amf",
    "h264_v4l2m2m",
    "h264_mf",
    "h264_omx",
];
/// Encoders of AV1 under the names libraries ask for (all of them rav1e here).
pub(crate) const AV1_NAMES: &[&str] = &["libaom-av1", "librav1e", "libsvtav1", "av1"];
/// Hardware AV1 encoder names: the stream is AV1 all the same, encoded in software.
const AV1_HARDWARE: &[&str] = &["av1_nvenc", "av1_qsv", "av1_vaapi", "av1_amf"];
/// Output pixel formats of GIF, which is always a palette: nothing to note.
const GIF_FORMATS: &[&str] = &["rgb24", "rgb8", "bgr8", "pal8", "rgb4_byte", "bgr4_byte"];
/// Extensions of audio-only outputs (MoviePy writes its soundtrack to one first).
const AUDIO_EXTENSIONS: &[&str] = &["mp3", "aac", "m4a", "wav", "ogg", "opus", "flac"];
/// Raw audio input formats.
const PCM_FORMATS: &[&str] = &[
    "s16le", "s16be", "s32le", "s32be", "f32le", "f32be", "f64le", "u8", "s8", "alaw", "mulaw",
];
/// Other output pixel formats ffmpeg knows, which framecast encodes as yuv420p.
const OTHER_OUTPUT_FORMATS: &[&str] = &[
    "yuva420p",
    "yuv422p",
    "yuv444p",
    "yuvj422p",
    "yuvj444p",
    "yuv420p10le",
    "yuv422p10le",
    "yuv444p10le",
    "rgb24",
    "bgr24",
    "rgba",
    "bgra",
    "argb",
    "abgr",
    "rgb0",
    "bgr0",
    "gray",
    "gray8",
    "rgb8",
    "pal8",
    "gbrp",
];

/// The message for an encoder framecast does not have, in ffmpeg's words.
pub(crate) fn unknown_encoder(name: &str) -> String {
    format!(
        "Unknown encoder '{name}' (framecast encodes H.264, AV1 and GIF; use -vcodec libx264, libopenh264 or h264 for H.264, librav1e, libaom-av1, libsvtav1 or av1 for AV1, gif for a .gif)"
    )
}

/// The codec framecast encodes for an encoder name, if it runs that encoder.
pub(crate) fn our_codec(name: &str) -> Option<Codec> {
    if H264_NAMES.contains(&name) || H264_HARDWARE.contains(&name) {
        Some(Codec::H264)
    } else if AV1_NAMES.contains(&name) || AV1_HARDWARE.contains(&name) {
        Some(Codec::Av1)
    } else if name == "gif" {
        Some(Codec::Gif)
    } else {
        None
    }
}

/// The audio refusal, naming what was asked.
fn no_audio_encoder(what: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "framecast has no MP3/AAC encoder: {what} cannot be made. framecast copies an existing MP3 or ADTS AAC file into the video (-i sound.mp3 -acodec copy); write the video without audio (MoviePy: audio=False), or make the soundtrack with another tool"
    )
}

/// The extension of a path, lower case.
fn extension(path: &std::path::Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether a path names stdin or stdout.
fn is_pipe(path: &OsString) -> bool {
    matches!(path.to_str(), Some("-" | "pipe:" | "pipe:0" | "pipe:1"))
}

/// Works out what a command line asks for.
pub(crate) fn plan(line: &CommandLine, no_args: bool) -> anyhow::Result<Action> {
    if no_args {
        return Ok(Action::Usage);
    }
    if ["h", "help", "-help", "?"]
        .iter()
        .any(|h| line.has_global(h))
    {
        return Ok(Action::Help);
    }
    if line.has_global("version") {
        return Ok(Action::Version);
    }
    if line.has_global("encoders") {
        return Ok(Action::Encoders);
    }
    for probe in [
        "decoders", "codecs", "formats", "muxers", "demuxers", "pix_fmts",
    ] {
        if line.has_global(probe) {
            bail!("framecast does not list -{probe}; it answers -version and -encoders");
        }
    }
    if line.inputs.is_empty() && line.output.is_none() {
        return Ok(Action::Usage);
    }
    let Some(output) = &line.output else {
        bail!("At least one output file must be specified");
    };
    let Some(first) = line.inputs.first() else {
        bail!(
            "Output file '{}' does not contain any stream: framecast needs an input (-i - for frames on stdin)",
            output.path.to_string_lossy()
        );
    };

    // imageio's encoder test.
    if first.video(&["f"]).map(Opt::text).transpose()? == Some("lavfi") {
        let path = first.path.to_string_lossy();
        let null_out = output.video(&["f"]).map(Opt::text).transpose()? == Some("null");
        if path.starts_with("nullsrc") && null_out {
            let codec = output
                .video(&["vcodec", "c", "codec"])
                .map(|o| o.text().map(str::to_owned))
                .transpose()?;
            return Ok(Action::EncoderTest { codec });
        }
        bail!(
            "framecast reads lavfi input only for the encoder test (-f lavfi -i nullsrc ... -f null -); '{path}' cannot be generated"
        );
    }

    let output_path = PathBuf::from(&output.path);
    let ext = extension(&output_path);
    let out_format = output.video(&["f"]).map(Opt::text).transpose()?;
    let input_format = first.video(&["f"]).map(Opt::text).transpose()?;
    // MoviePy's soundtrack call: PCM in, an MP3 out.
    if AUDIO_EXTENSIONS.contains(&ext.as_str())
        || input_format.is_some_and(|f| PCM_FORMATS.contains(&f))
    {
        let codec = output
            .options
            .iter()
            .rev()
            .find(|o| o.name == "acodec" || (o.name == "c" && o.is_audio()))
            .map(|o| o.text().map(str::to_owned))
            .transpose()?
            .unwrap_or_else(|| "an audio encoder".to_owned());
        return Err(no_audio_encoder(&format!(
            "'{}' needs {codec}",
            output_path.display()
        )));
    }
    if output.has("vn") {
        bail!(
            "Output file '{}' does not contain any stream: -vn leaves no video, and framecast writes video",
            output_path.display()
        );
    }

    let warn = warn_level(line)?;
    let mut notes = Vec::new();
    let mut ignored = Vec::new();

    // The output container.
    let to_stdout = is_pipe(&output.path);
    match out_format {
        Some("mp4" | "mov" | "ipod") | None => {}
        Some("ivf") if !to_stdout && ext == "ivf" => {}
        Some("ivf") => bail!(
            "Requested output format 'ivf' is written by framecast only to a file named .ivf; to stdout it writes MP4 (-f mp4) or GIF (-f gif)"
        ),
        Some("gif") if to_stdout || ext == "gif" => {}
        Some("gif") => bail!(
            "Requested output format 'gif' is written by framecast to a file named .gif or to stdout (-f gif -)"
        ),
        Some(other) => bail!(
            "Requested output format '{other}' is not supported by framecast: it writes MP4 (-f mp4, mov or ipod), IVF (.ivf files, AV1) and GIF (-f gif, .gif files)"
        ),
    }
    if to_stdout && out_format.is_none() {
        bail!(
            "Unable to choose an output format for '-'; use -f mp4 to write a (fragmented) MP4 to stdout, or -f gif for a GIF"
        );
    }
    if !to_stdout && !matches!(ext.as_str(), "mp4" | "m4v" | "mov" | "ivf" | "gif") {
        let what = match ext.as_str() {
            "" => "the name has no extension".to_owned(),
            other => format!("framecast does not write .{other}"),
        };
        bail!(
            "Unable to choose an output format for '{}' ({what}); framecast writes MP4, IVF and GIF: use .mp4, .m4v, .mov, .ivf (AV1) or .gif",
            output_path.display()
        );
    }
    let ivf = !to_stdout && ext == "ivf";
    let gif = if to_stdout {
        out_format == Some("gif")
    } else {
        ext == "gif"
    };
    if (output.has("n") || line.has_global("n")) && output_path.exists() {
        bail!("File '{}' already exists. Exiting.", output_path.display());
    }

    // The encoder; ffmpeg's default for .ivf is an AV1 encoder.
    let mut options = VideoOptions::default();
    if ivf {
        options.codec = Codec::Av1;
    }
    if gif {
        options.codec = Codec::Gif;
    }
    if let Some(opt) = output.video(&["vcodec", "c", "codec"]) {
        let name = opt.text()?;
        if name == "copy" {
            bail!(
                "{} copy: framecast encodes the frames it reads; there is no video stream to copy",
                opt.shown()
            );
        }
        let Some(codec) = our_codec(name) else {
            bail!("{}", unknown_encoder(name));
        };
        if ivf && codec != Codec::Av1 {
            bail!(
                "Could not write header for output file '{}': IVF holds AV1, and {name} is not an AV1 encoder; use -vcodec librav1e (or libaom-av1, libsvtav1, av1), or an .mp4 output",
                output_path.display()
            );
        }
        if gif != (codec == Codec::Gif) {
            bail!(
                "Could not write header for output file '{}': {}",
                output_path.display(),
                if gif {
                    format!(
                        "a GIF holds GIF images, and {name} is a video encoder; leave -vcodec out or use -vcodec gif"
                    )
                } else {
                    "the gif encoder writes .gif files (or -f gif to stdout); use a .gif output"
                        .to_owned()
                }
            );
        }
        options.codec = codec;
        if name == "libx264rgb" {
            notes.push("libx264rgb: encoding H.264 as yuv420p".to_owned());
        } else if H264_HARDWARE.contains(&name) {
            notes.push(format!("{name}: encoding H.264 in software (openh264)"));
        } else if AV1_HARDWARE.contains(&name) {
            notes.push(format!("{name}: encoding AV1 in software (rav1e)"));
        } else if matches!(name, "libaom-av1" | "libsvtav1") {
            notes.push(format!("{name}: encoding AV1 with rav1e"));
        }
    }
    let mut gif_options = GifOptions::default();
    let mut graph_scale = None;
    if let Some(fc) = line.global_value("filter_complex") {
        if !gif {
            bail!(
                "framecast does not run -filter_complex graphs ('{}'); it reads only the GIF palette graph (split, palettegen, paletteuse) for .gif output",
                fc.text()?
            );
        }
        let graph = parse_palette_graph(fc.text()?)?;
        if let Some(colors) = graph.colors {
            gif_options = gif_options.colors(colors);
        }
        if let Some(dither) = graph.dither {
            gif_options = gif_options.dither(dither);
        }
        graph_scale = graph.scale;
    }
    if gif {
        // ffmpeg's GIF muxer: -loop 0 loops forever (its default), -1 plays once.
        if let Some(o) = output.video(&["loop"]) {
            let count = number::<i32>(o)?;
            gif_options = gif_options.repeat(loop_to_repeat(count).context("-loop")?);
        }
        // The video encoders' rate and speed options: ffmpeg's GIF encoder ignores them too.
        for name in ["crf", "qscale", "q", "b", "preset", "g"] {
            if let Some(o) = output.video(&[name]) {
                ignored.push(format!("{} (GIF)", o.shown()));
            }
        }
    }

    if !gif {
        rate_and_speed(output, &mut options)?;
    }
    if let Some(o) = output
        .video(&["threads"])
        .or_else(|| line.inputs.iter().find_map(|i| i.video(&["threads"])))
    {
        let t = o.text()?;
        options.threads = if t == "auto" {
            0
        } else {
            t.parse()
                .with_context(|| format!("-threads '{t}': expected a number of threads or auto"))?
        };
    }
    options
        .validate()
        .context("the encoder options are out of range")?;

    // Output pixel format.
    let codec_name = options.codec.name();
    if let Some(o) = output.video(&["pix_fmt"]) {
        let name = o.text()?;
        if gif {
            if !GIF_FORMATS.contains(&name) {
                notes.push(format!(
                    "-pix_fmt {name}: a GIF stores palette colours (rgb8/pal8)"
                ));
            }
        } else if options.codec == Codec::Av1 && name == "yuv444p" {
            options.chroma = Subsampling::Yuv444;
        } else if name == "yuva420p" && options.codec == Codec::Av1 {
            notes.push("yuva420p: framecast's AV1 has no alpha; encoding yuv420p".to_owned());
        } else if name == "yuva420p" {
            notes.push("yuva420p: H.264 has no alpha; encoding yuv420p".to_owned());
        } else if OTHER_OUTPUT_FORMATS.contains(&name) {
            let also = if options.codec == Codec::Av1 {
                " (or yuv444p)"
            } else {
                ""
            };
            notes.push(format!(
                "-pix_fmt {name}: framecast encodes {codec_name} as yuv420p{also}"
            ));
        } else if !YUV420.contains(&name) {
            bail!(
                "Unknown pixel format requested: {name}. framecast encodes {codec_name} as yuv420p (-pix_fmt yuv420p{})",
                if options.codec == Codec::Av1 {
                    ", or yuv444p"
                } else {
                    ""
                }
            );
        }
    }

    // The video input.
    let input = video_input(first)?;
    let size = first
        .video(&["s", "video_size"])
        .map(|o| size(o.text()?))
        .transpose()?;
    let pix_fmt = first
        .video(&["pix_fmt", "pixel_format"])
        .map(|o| input_pix_fmt(o.text()?))
        .transpose()?;
    if matches!(input, Input::Raw(_) | Input::RawFiles(_)) && size.is_none() {
        bail!("-f rawvideo input needs its frame size: -s WIDTHxHEIGHT before -i");
    }
    if matches!(input, Input::Raw(_) | Input::RawFiles(_)) && pix_fmt.is_none() {
        bail!(
            "-f rawvideo input needs its pixel format: -pix_fmt rgb24 (or rgba, bgra, bgr24, argb, gray) before -i; ffmpeg's default yuv420p is not read as raw frames"
        );
    }
    let in_rate = first
        .video(&["framerate", "r"])
        .map(|o| rate(o.text()?))
        .transpose()?;
    let out_rate = output.video(&["r"]).map(|o| rate(o.text()?)).transpose()?;
    let fps = match (in_rate, out_rate) {
        (Some(i), Some(o)) if i != o => {
            notes.push(format!(
                "output -r {}/{} differs from the input's {}/{}; framecast neither drops nor repeats frames, so the input rate is kept",
                o.num(),
                o.den(),
                i.num(),
                i.den()
            ));
            i
        }
        (Some(i), _) => i,
        (None, Some(o)) => o,
        // ffmpeg's rate for raw video and image sequences without one.
        (None, None) => Rational::integer(25)?,
    };

    // Filters and output size.
    let mut scale = graph_scale;
    if let Some(o) = output.video(&["vf", "filter"]) {
        if scale.is_some() {
            bail!("framecast applies one scale filter: in -filter_complex or in -vf, not both");
        }
        scale = parse_filters(o.text()?)?;
    }
    if let Some(o) = output.video(&["s", "video_size"]) {
        let (w, h) = self::size(o.text()?)?;
        scale = Some(Scale {
            width: Dim::Pixels(w),
            height: Dim::Pixels(h),
        });
    }

    // Container options.
    let mut layout = None;
    let mut metadata = Vec::new();
    for o in &output.options {
        match o.name.as_str() {
            "movflags" => {
                for flag in o.text()?.split(['+', '-']).filter(|f| !f.is_empty()) {
                    match flag {
                        "faststart" => layout = layout.or(Some(Layout::Faststart)),
                        "frag_keyframe" | "empty_moov" | "default_base_moof" | "dash"
                        | "separate_moof" | "frag_custom" | "cmaf" | "frag_every_frame" => {
                            layout = Some(Layout::Fragmented);
                        }
                        other => ignored.push(format!("-movflags {other}")),
                    }
                }
            }
            "metadata" if o.spec.is_empty() || o.spec == "g" => {
                let text = o.text()?;
                let Some((k, v)) = text.split_once('=') else {
                    bail!("-metadata '{text}': expected KEY=VALUE such as title=My plot");
                };
                metadata.push((k.trim().to_owned(), v.to_owned()));
            }
            _ => {}
        }
    }
    if ivf || gif {
        // IVF and GIF have no metadata and no layout; ffmpeg drops them too.
        let name = if gif { "GIF" } else { "IVF" };
        if !metadata.is_empty() {
            ignored.push(format!("-metadata ({name} has none)"));
            metadata.clear();
        }
        if layout.take().is_some() {
            ignored.push(format!("-movflags ({name} is not MP4)"));
        }
    }
    let max_frames = output
        .options
        .iter()
        .rev()
        .find(|o| (o.name == "frames" && !o.is_not_video()) || o.name == "vframes")
        .map(number::<u64>)
        .transpose()?;

    // Audio.
    let audio = audio_input(line, output)?;

    // Everything else: accepted, changes nothing here.
    for group in line.inputs.iter().chain(std::iter::once(output)) {
        for o in &group.options {
            let gif_muxer_option = gif
                && std::ptr::eq(group, output)
                && matches!(o.name.as_str(), "loop" | "final_delay" | "gifflags");
            if gif_muxer_option {
                if o.name != "loop" {
                    ignored.push(o.shown());
                }
                continue;
            }
            refuse_or_ignore(o, &mut ignored)?;
        }
    }
    for o in &line.global {
        if o.name == "sws_flags" {
            ignored.push(o.shown());
        }
    }
    if !line.trailing.is_empty() {
        let names: Vec<String> = line.trailing.iter().map(Opt::shown).collect();
        ignored.push(format!(
            "{} (after the output file: applies to nothing)",
            names.join(" ")
        ));
    }
    if !ignored.is_empty() {
        ignored.dedup();
        notes.push(format!("ignored {}", ignored.join(", ")));
    }

    Ok(Action::Encode(Box::new(Plan {
        input,
        size,
        pix_fmt,
        fps,
        options,
        gif: gif_options,
        layout,
        audio,
        metadata,
        output: if to_stdout {
            PathBuf::from("-")
        } else {
            output_path
        },
        scale,
        max_frames,
        warn,
        notes,
    })))
}

/// The video encoders' rate control, speed preset and keyframe interval.
fn rate_and_speed(output: &Group, options: &mut VideoOptions) -> anyhow::Result<()> {
    if let Some(o) = output.video(&["crf"]) {
        options.rate = RateControl::Quality(crf(o)?);
    }
    if let Some(o) = output.video(&["qscale", "q"]) {
        options.rate = RateControl::Quality(qscale_to_quality(o)?);
    }
    if let Some(o) = output.video(&["b"]) {
        options.rate = RateControl::Bitrate(bitrate_kbps(o)?);
    }
    if let Some(o) = output.video(&["preset"]) {
        options.speed = Some(preset_speed(o.text()?)?);
    }
    if let Some(o) = output.video(&["g"]) {
        options.keyint = Some(number(o)?);
    }
    Ok(())
}

/// Whether `-loglevel`/`-v` leaves warnings on.
fn warn_level(line: &CommandLine) -> anyhow::Result<bool> {
    let Some(o) = line
        .global
        .iter()
        .rev()
        .find(|o| o.name == "loglevel" || o.name == "v")
    else {
        return Ok(true);
    };
    let text = o.text()?;
    // "repeat+level+warning": the level is the last part.
    let level = text.rsplit('+').next().unwrap_or(text);
    Ok(match level {
        "quiet" | "panic" | "fatal" | "error" => false,
        "warning" | "info" | "verbose" | "debug" | "trace" | "" => true,
        n => match n.parse::<i32>() {
            Ok(n) => n >= 24,
            Err(_) => bail!(
                "Invalid loglevel \"{text}\". Possible levels are numbers or: quiet, panic, fatal, error, warning, info, verbose, debug, trace"
            ),
        },
    })
}

/// The video input.
fn video_input(first: &Group) -> anyhow::Result<Input> {
    let format = first.video(&["f"]).map(Opt::text).transpose()?;
    let codec = first
        .video(&["vcodec", "c", "codec"])
        .map(Opt::text)
        .transpose()?;
    let path = PathBuf::from(&first.path);
    let stdin = is_pipe(&first.path);
    match codec {
        None | Some("rawvideo" | "png" | "mjpeg") => {}
        Some(other) => bail!(
            "input decoder '{other}' is not supported: framecast reads raw frames (-f rawvideo), PNG or JPEG images, and y4m"
        ),
    }
    Ok(match format {
        Some("rawvideo") => {
            if stdin {
                Input::Raw(None)
            } else {
                Input::Raw(Some(path))
            }
        }
        Some("image2") if codec == Some("rawvideo") => {
            if stdin {
                bail!(
                    "-f image2 -vcodec rawvideo reads one file per frame; give a pattern such as tmp%07d.rgba, not stdin"
                );
            }
            Input::RawFiles(path)
        }
        Some("image2" | "image2pipe" | "png_pipe" | "jpeg_pipe" | "yuv4mpegpipe") | None => {
            Input::Open(if stdin { PathBuf::from("-") } else { path })
        }
        Some(other) => bail!(
            "input format '{other}' is not supported: framecast reads -f rawvideo, image2, image2pipe (PNG) and yuv4mpegpipe"
        ),
    })
}

/// The audio track: an MP3 or AAC file copied, or nothing.
fn audio_input(line: &CommandLine, output: &Group) -> anyhow::Result<Option<PathBuf>> {
    let no_audio = output.has("an");
    let acodec = output
        .options
        .iter()
        .rev()
        .find(|o| o.name == "acodec" || (matches!(o.name.as_str(), "c" | "codec") && o.is_audio()))
        .map(Opt::text)
        .transpose()?;
    let mut audio = None;
    for input in line.inputs.iter().skip(1) {
        if no_audio || input.has("an") {
            continue;
        }
        let path = PathBuf::from(&input.path);
        let ext = extension(&path);
        let format = input.video(&["f"]).map(Opt::text).transpose()?;
        let copyable = matches!(ext.as_str(), "mp3" | "aac") && format.is_none();
        if !copyable || !matches!(acodec, None | Some("copy")) {
            return Err(no_audio_encoder(&format!(
                "the audio of '{}' ({}) needs {}",
                path.display(),
                format.unwrap_or(if ext.is_empty() { "no extension" } else { &ext }),
                acodec.unwrap_or("encoding to AAC")
            )));
        }
        if audio.is_some() {
            bail!("framecast copies one audio file; more than one was given");
        }
        audio = Some(path);
    }
    Ok(audio)
}

/// Refuses options whose effect framecast cannot give; lists those that change nothing.
fn refuse_or_ignore(o: &Opt, ignored: &mut Vec<String>) -> anyhow::Result<()> {
    match o.name.as_str() {
        "ss" | "t" | "to" | "loop" | "start_number" | "pass" | "passlogfile" => bail!(
            "{} is not supported by framecast's ffmpeg front: it encodes every frame it reads (use -frames:v N to stop early)",
            o.shown()
        ),
        "tune"
        | "profile"
        | "level"
        | "map"
        | "map_metadata"
        | "ar"
        | "ac"
        | "ab"
        | "strict"
        | "bf"
        | "keyint_min"
        | "sc_threshold"
        | "maxrate"
        | "minrate"
        | "bufsize"
        | "x264opts"
        | "x264-params"
        | "aspect"
        | "color_range"
        | "colorspace"
        | "color_primaries"
        | "color_trc"
        | "vsync"
        | "fps_mode"
        | "tag"
        | "vtag"
        | "atag"
        | "disposition"
        | "sample_fmt"
        | "channel_layout"
        | "max_muxing_queue_size"
        | "shortest"
        | "sn"
        | "dn" => ignored.push(o.shown()),
        "metadata" if !(o.spec.is_empty() || o.spec == "g") => ignored.push(o.shown()),
        // Audio bitrates: there is no audio encoder to give them to.
        "b" if o.is_not_video() => ignored.push(o.shown()),
        // Accepted and used, or harmless to accept silently (ffmpeg reading tweaks).
        _ => {}
    }
    Ok(())
}
