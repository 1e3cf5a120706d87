//! The calls libraries make to learn what "ffmpeg" is: `-version`, `-encoders`, the lavfi
//! `nullsrc` encoder test, and a bare call with no arguments.

use std::io::Write;
use std::process::ExitCode;

use framecast::{Codec, FrameView, PixelFormat, VideoOptions, VideoWriter};

use super::plan::{AV1_NAMES, H264_NAMES, our_codec, unknown_encoder};

/// The ffmpeg version framecast answers as. MoviePy reads the third word of the first line
/// with `^[0-9.]+`; imageio only needs exit 0.
const FFMPEG_VERSION: &str = "7.1";

/// The first lines of `-version`.
pub(crate) fn version_text() -> String {
    let v = env!("CARGO_PKG_VERSION");
    format!(
        "ffmpeg version {FFMPEG_VERSION}-framecast-{v} Copyright (c) the framecast developers\n\
         this is framecast {v}, answering ffmpeg's command line: H.264 or AV1 in MP4, AV1 in IVF, or GIF from raw frames, images or y4m, without ffmpeg\n\
         configuration: --enable-libopenh264 --enable-librav1e\n"
    )
}

/// `-encoders`: ffmpeg's table, in the shape imageio parses (a `------` line, then one line
/// per encoder: six flag characters, one space, the name). Only encoders framecast runs are
/// listed: H.264 and AV1 under the names libraries ask for, and GIF.
pub(crate) fn encoders_text() -> String {
    let mut out = String::from(
        "Encoders:\n \
         V..... = Video\n \
         A..... = Audio\n \
         S..... = Subtitle\n \
         .F.... = Frame-level multithreading\n \
         ..S... = Slice-level multithreading\n \
         ...X.. = Codec is experimental\n \
         ....B. = Supports draw_horiz_band\n \
         .....D = Supports direct rendering method 1\n \
         ------\n",
    );
    for name in H264_NAMES {
        let what = match *name {
            "libx264rgb" => "framecast H.264 (openh264, yuv420p) for libx264rgb",
            "libopenh264" => "framecast H.264 (openh264)",
            "h264" => "framecast H.264 (openh264)",
            _ => "framecast H.264 (openh264) for libx264",
        };
        out.push_str(&format!(
            " V..S.. {name:<20} {what} H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)\n"
        ));
    }
    for name in AV1_NAMES {
        let what = match *name {
            "librav1e" | "av1" => "framecast AV1 (rav1e)".to_owned(),
            other => format!("framecast AV1 (rav1e) for {other}"),
        };
        out.push_str(&format!(
            " V..... {name:<20} {what} Alliance for Open Media AV1 (codec av1)\n"
        ));
    }
    out.push_str(&format!(
        " V..... {:<20} framecast GIF (own palettes) GIF (Graphics Interchange Format) (codec gif)\n",
        "gif"
    ));
    out
}

/// The usage text (ffmpeg prints it to stderr when called without arguments).
pub(crate) fn usage_text() -> String {
    format!(
        "{}usage: ffmpeg [options] [[infile options] -i infile]... {{[outfile options] outfile}}...\n\
         framecast answers the calls matplotlib, imageio and MoviePy make, for example:\n  \
         ffmpeg -f rawvideo -s 640x480 -pix_fmt rgba -r 30 -i - -vcodec libx264 -crf 23 out.mp4\n\
         Outputs: .mp4, .m4v, .mov (or -f mp4 -), .ivf (AV1), .gif (or -f gif -). Encoders: {}, {}, gif. See `framecast encode --help`.\n",
        version_text()
            .lines()
            .next()
            .map(|l| format!("{l}\n"))
            .unwrap_or_default(),
        H264_NAMES.join(", "),
        AV1_NAMES.join(", ")
    )
}

/// Writes to stdout; a closed stdout is not an error worth a message.
pub(crate) fn print_stdout(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// imageio's test: `-f lavfi -i nullsrc=s=256x256:d=8 -vcodec NAME -f null -`. Exit 0 when
/// framecast has the encoder and it starts (one frame is encoded to be sure); stdin is not read.
pub(crate) fn encoder_test(codec: Option<&str>) -> anyhow::Result<ExitCode> {
    let name = codec.unwrap_or("h264");
    let Some(codec) = our_codec(name) else {
        anyhow::bail!("{}", unknown_encoder(name));
    };
    let (w, h) = (256u32, 256u32);
    let mut options = VideoOptions::default();
    options.codec = codec;
    if codec == Codec::Av1 {
        options.speed = Some(10); // only whether it starts matters
    }
    let mut writer = VideoWriter::builder(w, h)
        .options(options)
        .build(Vec::new())?;
    let black = vec![0u8; (w * h * 3) as usize];
    writer.write_frame(&FrameView::new(&black, w, h, PixelFormat::Rgb24)?)?;
    let _ = writer.finish()?;
    Ok(ExitCode::SUCCESS)
}
