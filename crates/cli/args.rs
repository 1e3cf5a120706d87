//! Command-line syntax (clap derive). Turning arguments into library options happens in the
//! command modules; validation lives in the libraries.

use clap::{Parser, Subcommand};

/// Make video from frames that programs produce: H.264/AV1 in MP4, AV1 in IVF, animated GIF.
/// No ffmpeg needed.
#[derive(Debug, Parser)]
#[command(name = "framecast", version, about, long_about = None)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Encode frames (raw, y4m, a PNG stream, an image sequence) into an H.264 or AV1 MP4, an
    /// AV1 IVF, or an animated GIF.
    #[command(after_help = ENCODE_EXAMPLES)]
    Encode(Box<EncodeArgs>),
    /// Write a built-in animation, to try framecast without any input.
    Demo(DemoArgs),
    /// Show the box tree, tracks and layout of MP4 files, the header and frames of IVF files, or
    /// the images, delays and colour tables of GIFs.
    Probe {
        /// MP4, IVF or GIF files to inspect.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
    },
    /// Measure framecast's building blocks on this machine.
    Bench {
        #[command(subcommand)]
        target: BenchTarget,
    },
    /// Take ffmpeg's arguments, as matplotlib, imageio and MoviePy send them.
    ///
    /// Encodes H.264 MP4 the way `encode` does. Started under a name beginning with `ffmpeg`
    /// (see ffmpeg-shim), framecast always works this way.
    #[command(disable_help_flag = true)]
    Ffmpeg {
        /// ffmpeg arguments, e.g. -f rawvideo -s 640x480 -pix_fmt rgba -r 30 -i - out.mp4
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<std::ffi::OsString>,
    },
    /// Create DIR/ffmpeg, a link to this binary, and print how to point matplotlib, imageio and
    /// MoviePy at it.
    FfmpegShim {
        /// The directory for the `ffmpeg` link (created if missing).
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchTarget {
    /// RGB -> YUV 4:2:0 conversion speed of every colour backend this CPU runs.
    Color(ColorBenchArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ColorBenchArgs {
    /// Print JSON (one object per measurement) instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Frame sizes to measure, WxH (repeatable).
    #[arg(long = "size", value_name = "WxH", default_values = ["1920x1080", "1280x720"], value_parser = parse_size)]
    pub(crate) sizes: Vec<(u32, u32)>,
    /// Input pixel formats to measure (repeatable).
    #[arg(long = "pix-fmt", value_name = "FMT", default_values = ["rgb24", "rgba"])]
    pub(crate) formats: Vec<framecast_core::PixelFormat>,
    /// Output chroma subsampling: 420 or 444.
    #[arg(long, default_value = "420", value_parser = ["420", "444"])]
    pub(crate) chroma: String,
    /// Seconds of measurement per case (after a short warm-up).
    #[arg(long, default_value_t = 0.5, value_name = "SECONDS")]
    pub(crate) seconds: f64,
}

const ENCODE_EXAMPLES: &str = "\
Examples:
  # matplotlib: pipe canvas.buffer_rgba() frames (fig.canvas.draw() first)
  #   p = subprocess.Popen(['framecast', 'encode', '--size', '640x480', '--pix-fmt', 'rgba',
  #                         '--fps', '30', '-o', 'plot.mp4'], stdin=subprocess.PIPE)
  #   p.stdin.write(fig.canvas.buffer_rgba())   # once per frame; then p.stdin.close(); p.wait()
  python3 plot.py | framecast encode --size 640x480 --pix-fmt rgba --fps 30 -o plot.mp4

  # a numpy loop: frames of shape (480, 640, 3), dtype uint8, written with sys.stdout.buffer.write(a.tobytes())
  python3 sim.py | framecast encode --size 640x480 --fps 24 --quality 20 -o sim.mp4

  # a folder of PNGs in natural order (img1.png, img2.png, ..., img10.png), or a pattern
  framecast encode -i frames/ --fps 12 -o frames.mp4
  framecast encode -i 'frames/img%04d.png' --fps 12 -o frames.mp4

  # a PNG stream (concatenated PNGs, ffmpeg's image2pipe), a y4m file, with an MP3 soundtrack
  python3 render_pngs.py | framecast encode --fps 30 --audio music.mp3 -o clip.mp4
  framecast encode -i clip.y4m -o clip.mp4

  # AV1: in IVF (AV1 is the default there), or in MP4; --speed 10 is rav1e's fastest preset
  python3 sim.py | framecast encode --size 640x480 -o sim.ivf
  python3 sim.py | framecast encode --size 640x480 --codec av1 --speed 10 -o sim.mp4

  # an animated GIF, 480 pixels wide, with ordered dithering, played once
  python3 plot.py | framecast encode --size 640x480 --pix-fmt rgba --width 480 --dither ordered --loop -1 -o plot.gif

  # stream a fragmented MP4 to stdout
  python3 sim.py | framecast encode --size 640x480 -o - | curl -T - https://example.net/upload

Raw input needs --size (and --pix-fmt unless rgb24); y4m, PNG and JPEG inputs describe themselves.
Sizes go up to 3840x2160 for H.264, where odd sizes are padded to even (--odd crop crops);
AV1 keeps every size exactly (333x197 stays 333x197) up to 16384x16384.";

#[derive(Debug, clap::Args)]
pub(crate) struct EncodeArgs {
    /// Input: a file, '-' for stdin (the default), an image pattern such as 'img%04d.png', a
    /// glob such as 'frames/*.png', or a directory of PNG/JPEG images.
    #[arg(short = 'i', long = "input", value_name = "INPUT")]
    pub(crate) input: Option<std::path::PathBuf>,
    /// Output: a .mp4, .m4v or .mov file, an .ivf file (AV1), a .gif file (animated GIF), or
    /// '-' for a fragmented MP4 on stdout.
    #[arg(short = 'o', long = "output", value_name = "OUTPUT")]
    pub(crate) output: std::path::PathBuf,
    /// Frame size of raw input, WxH.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub(crate) size: Option<(u32, u32)>,
    /// Pixel format of raw input: rgb24, bgr24, rgba, bgra, argb, abgr, gray (default rgb24).
    #[arg(long = "pix-fmt", value_name = "FMT")]
    pub(crate) pix_fmt: Option<String>,
    /// Frames per second: an integer, a fraction (30000/1001) or a decimal (29.97). Default
    /// 30, or the rate a y4m input declares.
    #[arg(long, value_name = "N|N/D")]
    pub(crate) fps: Option<String>,
    /// Codec: h264, av1 or gif (default: av1 for .ivf output, gif for .gif, h264 otherwise).
    #[arg(long, value_name = "CODEC", value_parser = ["h264", "av1", "gif"])]
    pub(crate) codec: Option<String>,
    /// Constant quality, 0 (best, largest) to 51 (smallest); default 23.
    #[arg(long, value_name = "Q", conflicts_with = "bitrate")]
    pub(crate) quality: Option<u8>,
    /// Average bitrate in kbit/s, instead of constant quality.
    #[arg(long, value_name = "KBPS")]
    pub(crate) bitrate: Option<u32>,
    /// Keyframe interval in frames (default: the codec's).
    #[arg(long, value_name = "N")]
    pub(crate) keyint: Option<u32>,
    /// Encoder threads (default: chosen from the core count).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) threads: u16,
    /// Speed preset, 0 (slowest, best) to 10 (fastest); default: the codec's (8 for AV1).
    #[arg(long, value_name = "0-10")]
    pub(crate) speed: Option<u8>,
    /// Chroma subsampling: 420 (default) or 444 (AV1 only).
    #[arg(long, value_name = "420|444", default_value = "420", value_parser = ["420", "444"])]
    pub(crate) chroma: String,
    /// AV1 only: closed-GOP chunks (one keyframe interval each) encoded in parallel, each by
    /// its own encoder; 0 (default) = one per thread within a 2 GiB memory estimate, 1 = one
    /// encoder. A video of one chunk is encoded as by one encoder.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) workers: u16,
    /// Colour matrix: bt601, bt709 or bt2020 (default bt601, which browsers show faithfully).
    #[arg(long, value_name = "MATRIX")]
    pub(crate) color: Option<String>,
    /// Colour range: limited or full (default limited).
    #[arg(long, value_name = "RANGE")]
    pub(crate) range: Option<String>,
    /// MP4 layout: faststart (default for files) or fragmented (default for stdout).
    #[arg(long, value_name = "LAYOUT", value_parser = ["faststart", "fragmented"])]
    pub(crate) layout: Option<String>,
    /// Odd sizes: pad to even (default) or crop to even.
    #[arg(long, value_name = "POLICY", default_value = "pad", value_parser = ["pad", "crop"])]
    pub(crate) odd: String,
    /// Resize every frame to WxH (Catmull-Rom filter) before encoding.
    #[arg(long, value_name = "WxH", value_parser = parse_size, conflicts_with = "width")]
    pub(crate) resize: Option<(u32, u32)>,
    /// Resize every frame to this width, the height keeping the aspect ratio.
    #[arg(long, value_name = "W", value_parser = clap::value_parser!(u32).range(1..=i64::from(framecast_core::MAX_DIMENSION)))]
    pub(crate) width: Option<u32>,
    /// GIF: palette size, 2 to 256 (default 256).
    #[arg(long, value_name = "N", help_heading = "GIF output")]
    pub(crate) colors: Option<u16>,
    /// GIF: dithering: none (default: flat areas stay flat, smallest files), ordered (a
    /// fixed 8x8 pattern, stable across frames) or diffusion (least banding on photos).
    #[arg(long, value_name = "MODE", value_parser = ["none", "ordered", "diffusion"], help_heading = "GIF output")]
    pub(crate) dither: Option<String>,
    /// GIF: dither strength, 0.0 to 1.0 (default 0.5).
    #[arg(long, value_name = "S", help_heading = "GIF output")]
    pub(crate) dither_strength: Option<f32>,
    /// GIF: quality 1 to 100 (default 95): lower values accept more colour error per pixel
    /// (kept from the previous frame, or coded with a nearby palette colour) for smaller files.
    #[arg(long, value_name = "Q", help_heading = "GIF output")]
    pub(crate) gif_quality: Option<u8>,
    /// GIF: 0 loops forever (default), -1 plays once, N repeats N more times.
    #[arg(
        long = "loop",
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "GIF output"
    )]
    pub(crate) loop_count: Option<i32>,
    /// An ADTS AAC or MP3 file to add as the audio track (copied, cut to the video's length).
    #[arg(long, value_name = "FILE")]
    pub(crate) audio: Option<std::path::PathBuf>,
    /// Metadata KEY=VALUE (title, artist, comment, ...); repeatable.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_metadata)]
    pub(crate) metadata: Vec<(String, String)>,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// After the summary, print the busy time of each stage (read, convert, encode, mux).
    #[arg(long)]
    pub(crate) timings: bool,
    /// Run every stage on one thread (for comparison; the output is identical).
    #[arg(long, hide = true)]
    pub(crate) single_thread: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Output: a .mp4, .m4v or .mov file, or '-' for stdout.
    #[arg(value_name = "OUTPUT")]
    pub(crate) output: std::path::PathBuf,
    /// Frame size.
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = parse_size)]
    pub(crate) size: (u32, u32),
    /// Length in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub(crate) seconds: f64,
    /// Frames per second.
    #[arg(long, value_name = "N|N/D", default_value = "30")]
    pub(crate) fps: String,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// Parses `KEY=VALUE` with a non-empty key.
fn parse_metadata(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!(
            "invalid metadata '{s}': expected KEY=VALUE such as title=My plot"
        )),
    }
}

/// Parses `WxH` with both sides in 1..=MAX_DIMENSION.
pub(crate) fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let max = framecast_core::MAX_DIMENSION;
    let bad = || {
        format!(
            "invalid size '{s}': expected WIDTHxHEIGHT such as 1280x720, each between 1 and {max}"
        )
    };
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 || w > max || h > max {
        return Err(bad());
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_reject() {
        assert_eq!(parse_size("1280x720"), Ok((1280, 720)));
        assert_eq!(parse_size("3X5"), Ok((3, 5)));
        for bad in ["", "1280", "0x5", "5x0", "x", "20000x10", "-1x5"] {
            let e = parse_size(bad).unwrap_err();
            assert!(
                e.contains(&format!("'{bad}'")) && e.contains("WIDTHxHEIGHT"),
                "{e}"
            );
        }
    }

    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
