//! Shared helpers of the integration tests: seeded content, corpus readers, the ffmpeg oracle
//! and PSNR.
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use framecast_color::Converter;
use framecast_core::{
    CodecConfig, ColorSpec, FrameView, Packet, PixelFormat, Rational, Subsampling, VideoEncoder,
    YuvImage,
};
use framecast_h264::{H264Encoder, H264Options};

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

/// Whether ffmpeg and ffprobe run; prints SKIP (or panics under CI) when not.
pub(crate) fn have_ffmpeg() -> bool {
    for tool in ["ffmpeg", "ffprobe"] {
        let ok = Command::new(tool)
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return skip(&format!("{tool} not found (apt-get install ffmpeg)"));
        }
    }
    true
}

/// The shared corpus folder, or None (after SKIP) when it is missing.
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

/// A unique scratch path in the target's temporary folder.
pub(crate) fn scratch(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("framecast-h264-{}-{n}-{name}", std::process::id()))
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
pub(crate) fn synthetic(w: u32, h: u32, t: u32, noise: u8, rng: &mut Lcg) -> YuvImage {
    let mut img = YuvImage::new(w, h, Subsampling::Yuv420).unwrap();
    for (i, (plane, stride)) in img.planes_mut().into_iter().enumerate() {
        let (pw, ph) = if i == 0 {
            (w as usize, h as usize)
        } else {
            (w.div_ceil(2) as usize, h.div_ceil(2) as usize)
        };
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

/// A pan over a corpus photo, scaled by `scale`: `frames` pictures of `w x h` moving
/// `(dx, dy)` pixels per frame.
pub(crate) fn photo_pan(
    photo: &Path,
    scale: u32,
    w: u32,
    h: u32,
    frames: u32,
    step: (u32, u32),
    color: ColorSpec,
) -> Vec<YuvImage> {
    let img = image::open(photo).unwrap().to_rgb8();
    let img = image::imageops::resize(
        &img,
        img.width() * scale,
        img.height() * scale,
        image::imageops::FilterType::Triangle,
    );
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
            conv.to_yuv(&view, Subsampling::Yuv420).unwrap()
        })
        .collect()
}

/// Encodes `frames` (pts 0, 1, 2...) and returns the packets and the codec configuration.
pub(crate) fn encode(
    frames: &[YuvImage],
    fps: u32,
    color: ColorSpec,
    options: &H264Options,
) -> (Vec<Packet>, CodecConfig, H264Encoder) {
    let (w, h) = (frames[0].width(), frames[0].height());
    let mut enc = H264Encoder::new(w, h, Rational::integer(fps).unwrap(), color, options).unwrap();
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
    (packets, config, enc)
}

/// The SPS and PPS NAL units of an avcC record (ISO/IEC 14496-15 5.3.3.1).
pub(crate) fn avcc_parameter_sets(record: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut pos = 5;
    let read = |count: usize, pos: &mut usize| {
        (0..count)
            .map(|_| {
                let len = u16::from_be_bytes([record[*pos], record[*pos + 1]]) as usize;
                let nal = record[*pos + 2..*pos + 2 + len].to_vec();
                *pos += 2 + len;
                nal
            })
            .collect::<Vec<_>>()
    };
    let n_sps = (record[pos] & 0x1f) as usize;
    pos += 1;
    let sps = read(n_sps, &mut pos);
    let n_pps = record[pos] as usize;
    pos += 1;
    let pps = read(n_pps, &mut pos);
    (sps, pps)
}

/// The NAL units of a length-prefixed sample.
pub(crate) fn sample_nals(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let len = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        out.push(&data[pos + 4..pos + 4 + len]);
        pos += 4 + len;
    }
    assert_eq!(pos, data.len(), "sample does not end on a NAL boundary");
    out
}

/// The Annex-B elementary stream: parameter sets from the avcC, then every sample.
pub(crate) fn annex_b(config: &CodecConfig, packets: &[Packet]) -> Vec<u8> {
    let (sps, pps) = avcc_parameter_sets(&config.record);
    let mut out = Vec::new();
    for nal in sps.iter().chain(&pps) {
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
    }
    for p in packets {
        for nal in sample_nals(&p.data) {
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(nal);
        }
    }
    out
}

/// What ffmpeg made of a stream.
pub(crate) struct Decoded {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) frames: Vec<Vec<u8>>,
    /// ffprobe's `color_range`, `color_space`, `color_primaries`, `color_transfer`.
    pub(crate) tags: [String; 4],
}

/// Decodes the stream with ffmpeg into I420 frames and reads ffprobe's stream fields.
pub(crate) fn ffmpeg_decode(config: &CodecConfig, packets: &[Packet]) -> Decoded {
    let h264 = scratch("in.h264");
    std::fs::write(&h264, annex_b(config, packets)).unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-f", "h264", "-select_streams", "v:0"])
        .args(["-show_entries"])
        .arg("stream=width,height,color_range,color_space,color_primaries,color_transfer")
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(&h264)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&probe.stdout).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or("")
            .to_owned()
    };
    let width: u32 = get("width").parse().unwrap();
    let height: u32 = get("height").parse().unwrap();
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "h264", "-i"])
        .arg(&h264)
        // No -pix_fmt: a full-range stream decodes as yuvj420p, and asking for yuv420p would make
        // swscale squeeze it to limited range. Both have the I420 layout.
        .args(["-fps_mode", "passthrough", "-f", "rawvideo", "-"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&h264);
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
    let frame_len = (width * height + 2 * width.div_ceil(2) * height.div_ceil(2)) as usize;
    assert_eq!(out.stdout.len() % frame_len, 0);
    let frames = out.stdout.chunks(frame_len).map(<[u8]>::to_vec).collect();
    Decoded {
        width,
        height,
        frames,
        tags: [
            get("color_range"),
            get("color_space"),
            get("color_primaries"),
            get("color_transfer"),
        ],
    }
}

/// PSNR-Y in dB of a decoded I420 frame (`dw` wide) against the source's top-left `w x h`.
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
