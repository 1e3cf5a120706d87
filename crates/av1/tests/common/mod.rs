//! Shared helpers of the integration tests: seeded content, corpus readers, IVF/MP4 writing,
//! the dav1d and ffmpeg oracles and PSNR.
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use framecast_av1::{Av1Encoder, Av1Options, obu};
use framecast_color::Converter;
use framecast_core::{
    CodecConfig, ColorSpec, FrameView, Packet, PixelFormat, Rational, Subsampling, VideoEncoder,
    YuvImage,
};
use framecast_mux::ivf::{IvfCodec, IvfWriter};
use framecast_mux::mp4::{Mp4Builder, VideoTrack};

/// Whether a missing oracle must fail the test (`CI` is `true` or `1`).
fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true") | Ok("1"))
}

/// Prints `SKIP: reason` to the real stderr and returns false, or panics under CI.
pub(crate) fn skip(reason: &str) -> bool {
    assert!(!in_ci(), "oracle missing under CI: {reason}");
    let _ = writeln!(std::io::stderr(), "SKIP: {reason}");
    false
}

fn runs(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether ffmpeg and ffprobe run; prints SKIP (or panics under CI) when not.
pub(crate) fn have_ffmpeg() -> bool {
    for tool in ["ffmpeg", "ffprobe"] {
        if !runs(tool, "-version") {
            return skip(&format!("{tool} not found (apt-get install ffmpeg)"));
        }
    }
    true
}

/// Whether dav1d runs; prints SKIP (or panics under CI) when not.
pub(crate) fn have_dav1d() -> bool {
    runs("dav1d", "--version") || skip("dav1d not found (apt-get install dav1d)")
}

/// A corpus file, or None (after SKIP) when it is missing.
pub(crate) fn corpus(file: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(file);
    if p.exists() {
        Some(p)
    } else {
        skip(&format!("corpus file {} is missing", p.display()));
        None
    }
}

/// A unique scratch path in the temporary folder.
pub(crate) fn scratch(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("framecast-av1-{}-{n}-{name}", std::process::id()))
}

/// A 64-bit LCG (Knuth's MMIX constants); the high bits are the output.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next_u8(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 56) as u8
    }
}

/// Synthetic moving content: gradients and moving bars plus seeded noise of `noise` amplitude.
pub(crate) fn synthetic(
    w: u32,
    h: u32,
    t: u32,
    noise: u8,
    sub: Subsampling,
    rng: &mut Lcg,
) -> YuvImage {
    let mut img = YuvImage::new(w, h, sub).unwrap();
    let sizes = [img.plane_size(0), img.plane_size(1), img.plane_size(2)];
    for (i, (plane, stride)) in img.planes_mut().into_iter().enumerate() {
        let (pw, ph) = (sizes[i].0 as usize, sizes[i].1 as usize);
        for y in 0..ph {
            for x in 0..pw {
                let base = if i == 0 {
                    let bar = ((x + 3 * t as usize) / 24 + (y + t as usize) / 32) % 2;
                    (x * 3 + y * 2 + t as usize * 5) % 160 + 40 + bar * 40
                } else {
                    128 + ((x * (i + 1) + y + t as usize) % 48) - 24
                };
                let n = if noise > 0 {
                    i32::from(rng.next_u8() % noise) - i32::from(noise / 2)
                } else {
                    0
                };
                plane[y * stride + x] = (base as i32 + n).clamp(0, 255) as u8;
            }
        }
    }
    img
}

/// Reads a 4:2:0 8-bit y4m file: `(width, height, frames)`.
pub(crate) fn read_y4m(path: &Path) -> (u32, u32, Vec<YuvImage>) {
    let data = std::fs::read(path).unwrap();
    let header_end = data.iter().position(|&b| b == b'\n').unwrap();
    let header = std::str::from_utf8(&data[..header_end]).unwrap();
    let field = |c: char| {
        header
            .split(' ')
            .find_map(|f| f.strip_prefix(c))
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    let (w, h) = (field('W'), field('H'));
    let mut frames = Vec::new();
    let mut pos = header_end + 1;
    while pos < data.len() {
        let line_end = pos + data[pos..].iter().position(|&b| b == b'\n').unwrap();
        assert!(data[pos..].starts_with(b"FRAME"));
        pos = line_end + 1;
        let mut img = YuvImage::new(w, h, Subsampling::Yuv420).unwrap();
        for i in 0..3 {
            let len = img.plane(i).len();
            img.plane_mut(i).copy_from_slice(&data[pos..pos + len]);
            pos += len;
        }
        frames.push(img);
    }
    (w, h, frames)
}

/// A pan over a corpus photo: `frames` pictures of `w x h` moving `step` pixels per frame.
pub(crate) fn photo_pan(
    photo: &Path,
    w: u32,
    h: u32,
    frames: u32,
    step: (u32, u32),
    color: ColorSpec,
    sub: Subsampling,
) -> Vec<YuvImage> {
    let img = image::open(photo).unwrap().to_rgb8();
    let conv = Converter::new(color);
    (0..frames)
        .map(|t| {
            let (x0, y0) = (t * step.0, t * step.1);
            assert!(
                x0 + w <= img.width() && y0 + h <= img.height(),
                "pan leaves the photo"
            );
            let crop = image::imageops::crop_imm(&img, x0, y0, w, h).to_image();
            let view = FrameView::new(crop.as_raw(), w, h, PixelFormat::Rgb24).unwrap();
            conv.to_yuv(&view, sub).unwrap()
        })
        .collect()
}

/// Encodes `frames` (pts 0, 1, 2...) and returns the packets and the codec configuration.
pub(crate) fn encode(
    frames: &[YuvImage],
    fps: u32,
    color: ColorSpec,
    options: &Av1Options,
) -> (Vec<Packet>, CodecConfig) {
    let (w, h) = (frames[0].width(), frames[0].height());
    let mut enc = Av1Encoder::new(w, h, Rational::integer(fps).unwrap(), color, options).unwrap();
    let config = enc.codec_config().unwrap();
    let mut packets = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        enc.send_frame(f, i as i64).unwrap();
        while let Some(p) = enc.receive_packet().unwrap() {
            packets.push(p);
        }
    }
    enc.flush().unwrap();
    while let Some(p) = enc.receive_packet().unwrap() {
        packets.push(p);
    }
    assert_eq!(enc.codec_config().unwrap(), config, "codec_config changed");
    (packets, config)
}

/// The packets as an IVF file (each temporal unit with its temporal delimiter).
pub(crate) fn ivf(config: &CodecConfig, packets: &[Packet]) -> Vec<u8> {
    let mut w = IvfWriter::new(
        Vec::new(),
        IvfCodec::Av1,
        u16::try_from(config.width).unwrap(),
        u16::try_from(config.height).unwrap(),
        config.time_base,
    )
    .unwrap();
    for p in packets {
        w.write_frame(&obu::with_temporal_delimiter(&p.data), p.pts)
            .unwrap();
    }
    w.finish().unwrap()
}

/// The packets as a faststart MP4 in memory.
pub(crate) fn mp4(config: &CodecConfig, packets: &[Packet]) -> Vec<u8> {
    let mut b = Mp4Builder::new();
    let track = b.add_video(VideoTrack::new(config.clone())).unwrap();
    let mut w = b.buffered(Vec::new()).unwrap();
    for p in packets {
        use framecast_mux::mp4::Mp4Sink;
        w.write_video(track, p).unwrap();
    }
    w.finish().unwrap()
}

/// Decoded pictures, in the layout of `pix_fmt`, and what the decoder reported.
pub(crate) struct Decoded {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) pix_fmt: String,
    pub(crate) frames: Vec<Vec<u8>>,
    /// ffprobe's `color_range`, `color_space`, `color_primaries`, `color_transfer`.
    pub(crate) tags: [String; 4],
}

fn frame_len(w: u32, h: u32, pix_fmt: &str) -> usize {
    if pix_fmt.starts_with("yuv444") || pix_fmt.starts_with("yuvj444") {
        3 * (w * h) as usize
    } else {
        (w * h + 2 * w.div_ceil(2) * h.div_ceil(2)) as usize
    }
}

/// Decodes a file (IVF or MP4) with ffmpeg (its default AV1 decoder, libdav1d in Debian) and
/// reads ffprobe's stream fields.
pub(crate) fn ffmpeg_decode(file_bytes: &[u8], ext: &str) -> Decoded {
    let path = scratch(&format!("in.{ext}"));
    std::fs::write(&path, file_bytes).unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=width,height,pix_fmt,color_range,color_space,color_primaries,color_transfer")
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&probe.stdout).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or("")
            .to_owned()
    };
    let width: u32 = get("width")
        .parse()
        .unwrap_or_else(|_| panic!("ffprobe: {text}"));
    let height: u32 = get("height").parse().unwrap();
    let pix_fmt = get("pix_fmt");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        // No -pix_fmt: the decoder's own layout (yuv420p or yuv444p), never rescaled.
        .args(["-fps_mode", "passthrough", "-f", "rawvideo", "-"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "ffmpeg complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let len = frame_len(width, height, &pix_fmt);
    assert_eq!(out.stdout.len() % len, 0, "partial frame from ffmpeg");
    Decoded {
        width,
        height,
        frames: out.stdout.chunks(len).map(<[u8]>::to_vec).collect(),
        tags: [
            get("color_range"),
            get("color_space"),
            get("color_primaries"),
            get("color_transfer"),
        ],
        pix_fmt,
    }
}

/// Decodes an IVF file with dav1d into raw I420/I444 frames of `w x h`.
pub(crate) fn dav1d_decode(ivf_bytes: &[u8], w: u32, h: u32, sub: Subsampling) -> Vec<Vec<u8>> {
    let input = scratch("in.ivf");
    let output = scratch("out.yuv");
    std::fs::write(&input, ivf_bytes).unwrap();
    let out = Command::new("dav1d")
        .args(["--quiet", "-i"])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dav1d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data = std::fs::read(&output).unwrap();
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    let len = frame_len(w, h, sub.name());
    assert_eq!(data.len() % len, 0, "partial frame from dav1d");
    data.chunks(len).map(<[u8]>::to_vec).collect()
}

/// PSNR-Y in dB of a decoded frame (`dw` wide) against the source's top-left `w x h`.
pub(crate) fn psnr_y(src: &YuvImage, decoded: &[u8], dw: u32, w: u32, h: u32) -> f64 {
    let mut sse = 0u64;
    for y in 0..h {
        let a = &src.plane_row(0, y)[..w as usize];
        let b = &decoded[(y * dw) as usize..(y * dw + w) as usize];
        sse += a
            .iter()
            .zip(b)
            .map(|(&p, &q)| (i64::from(p) - i64::from(q)).pow(2) as u64)
            .sum::<u64>();
    }
    let mse = sse as f64 / f64::from(w * h);
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// Mean PSNR-Y over a clip.
pub(crate) fn mean_psnr_y(src: &[YuvImage], decoded: &[Vec<u8>], dw: u32) -> f64 {
    assert_eq!(src.len(), decoded.len(), "frame count");
    let (w, h) = (src[0].width(), src[0].height());
    src.iter()
        .zip(decoded)
        .map(|(s, d)| psnr_y(s, d, dw, w, h))
        .sum::<f64>()
        / src.len() as f64
}
