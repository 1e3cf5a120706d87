//! Helpers shared by the end-to-end H.264 tests of `framecast encode` (`conformance_h264.rs`
//! and `browser_h264.rs`): oracle and corpus detection, running the binary, ffprobe JSON, the
//! H.264 VUI (ffmpeg's `trace_headers`) and the MP4 `colr` box, decoding with ffmpeg to raw
//! planes or RGB, PSNR, seeded content, and the covering matrix of encodes both tests use.
//!
//! A missing oracle (ffmpeg, ffprobe, Chromium, node, playwright-core) or a missing corpus file
//! prints `SKIP: <what>` to the real stderr and the test passes, except when the environment
//! variable `CI` is `true` or `1` (as `.ci/run` sets it): there it fails.
#![allow(dead_code, reason = "each test binary uses a part of the helpers")]

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use framecast_color::Converter;
use framecast_core::{ColorSpec, FrameView, Matrix, PixelFormat, Range, Subsampling};

pub(crate) mod canvas;

// ---------------------------------------------------------------------------------------------
// Oracles and corpus

/// Whether a missing oracle must fail the test instead of skipping it.
pub(crate) fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true" | "1"))
}

/// The shared test corpus beside the repository (`../shared/corpus`).
pub(crate) fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// The playwright-core harness folder (shared with the muxer's browser tests).
pub(crate) fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/mux/tests/browser")
}

/// The Chromium binary the harness drives.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

/// An independent program or data set a test relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Ffmpeg,
    Ffprobe,
    /// Debian's Chromium, node and playwright-core (`npm ci` in crates/mux/tests/browser).
    Chromium,
    /// A file of the shared corpus, relative to its root.
    Corpus(&'static str),
}

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether everything in `needs` is there. Prints `SKIP: ...` and returns false when something
/// is missing; panics instead under CI.
pub(crate) fn available(needs: &[Need]) -> bool {
    let mut missing = Vec::new();
    for need in needs {
        match *need {
            Need::Ffmpeg if !on_path("ffmpeg") => {
                missing.push("ffmpeg (apt-get install ffmpeg)".to_owned());
            }
            Need::Ffprobe if !on_path("ffprobe") => {
                missing.push("ffprobe (apt-get install ffmpeg)".to_owned());
            }
            Need::Chromium => {
                if !Path::new(CHROMIUM).exists() {
                    missing.push(format!("{CHROMIUM} (apt-get install chromium)"));
                }
                if !on_path("node") {
                    missing.push("node".to_owned());
                }
                if !browser_dir()
                    .join("node_modules/playwright-core/package.json")
                    .exists()
                {
                    missing.push(format!(
                        "playwright-core (npm ci in {})",
                        browser_dir().display()
                    ));
                }
            }
            Need::Corpus(rel) if !corpus().join(rel).exists() => {
                missing.push(format!("corpus file {}", corpus().join(rel).display()));
            }
            _ => {}
        }
    }
    if missing.is_empty() {
        return true;
    }
    note(&format!("SKIP: {} missing", missing.join(", ")));
    assert!(
        !in_ci(),
        "CI is set and a test oracle or corpus file is missing: {}",
        missing.join(", ")
    );
    false
}

/// Writes one line to the real stderr (libtest does not capture direct writes), so SKIPs and
/// measured figures show in `cargo test` output; one write, so lines of parallel tests do not
/// interleave.
pub(crate) fn note(line: &str) {
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory.
    pub(crate) fn new(tag: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "framecast-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// The binary under test

/// What one `framecast` run left behind.
pub(crate) struct Run {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

/// Runs `framecast ARGS...` with `stdin` as its standard input (written from a thread, so a
/// large input cannot deadlock against captured output).
pub(crate) fn framecast(args: &[String], stdin: Vec<u8>) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_framecast"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn framecast");
    let mut pipe = child.stdin.take().expect("stdin");
    // A framecast that exits early closes the pipe; its status tells why.
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("wait for framecast");
    feeder.join().expect("stdin feeder");
    Run {
        status: out.status,
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

// ---------------------------------------------------------------------------------------------
// ffprobe / ffmpeg

/// `ffprobe -show_streams -show_format -count_frames -of json FILE`; panics if ffprobe fails or
/// reports an error.
pub(crate) fn ffprobe(file: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-count_frames",
        ])
        .args(["-of", "json"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "ffprobe {}: {}\n{}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
}

/// The first stream of `codec_type` in an ffprobe answer.
pub(crate) fn stream<'a>(
    probe: &'a serde_json::Value,
    codec_type: &str,
) -> Option<&'a serde_json::Value> {
    probe["streams"]
        .as_array()?
        .iter()
        .find(|s| s["codec_type"] == codec_type)
}

/// A string field of an ffprobe object ("" when absent).
pub(crate) fn field<'a>(v: &'a serde_json::Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or("")
}

/// Where the video and the audio packets end (the largest pts + duration of each type, in
/// seconds), from `ffprobe -show_entries packet=...`.
pub(crate) fn packet_ends(file: &Path) -> (Option<f64>, Option<f64>) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-of", "json", "-show_entries"])
        .arg("packet=stream_index,pts_time,duration_time:stream=index,codec_type")
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe packets of {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ffprobe JSON");
    let kind = |index: &serde_json::Value| {
        v["streams"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| &s["index"] == index)
            .map(|s| field(s, "codec_type").to_owned())
            .unwrap_or_default()
    };
    let (mut video, mut audio) = (None::<f64>, None::<f64>);
    for p in v["packets"].as_array().into_iter().flatten() {
        let num = |k: &str| field(p, k).parse::<f64>().unwrap_or(0.0);
        let end = num("pts_time") + num("duration_time");
        let slot = match kind(&p["stream_index"]).as_str() {
            "video" => &mut video,
            "audio" => &mut audio,
            _ => continue,
        };
        *slot = Some(slot.map_or(end, |e| e.max(end)));
    }
    (video, audio)
}

/// The H.264 VUI colour fields, as ffmpeg's own bitstream parser (`-bsf:v trace_headers`) reads
/// them from every SPS of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vui {
    pub(crate) full_range: u8,
    pub(crate) primaries: u8,
    pub(crate) transfer: u8,
    pub(crate) matrix: u8,
}

/// What ffmpeg's own bitstream parser (`-bsf:v trace_headers`) prints of a file's video
/// headers.
fn trace_headers(file: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "info", "-i"])
        .arg(file)
        .args(["-map", "0:v:0", "-c", "copy", "-bsf:v", "trace_headers"])
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg trace_headers");
    assert!(out.status.success(), "trace_headers of {}", file.display());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The value of the syntax element `name` in a [`trace_headers`] text, which every copy of
/// the header (`headers`: "SPSs", "sequence headers") must agree on; None when it is absent.
fn trace_field(text: &str, file: &Path, headers: &str, name: &str) -> Option<u8> {
    let v: Vec<u8> = text
        .lines()
        .filter(|l| l.starts_with("[trace_headers"))
        .filter(|l| l.split_whitespace().any(|t| t == name))
        .filter_map(|l| l.split_whitespace().last()?.parse().ok())
        .collect();
    let first = *v.first()?;
    assert!(
        v.iter().all(|&x| x == first),
        "{}: {headers} disagree on {name}: {v:?}",
        file.display()
    );
    Some(first)
}

/// Reads the VUI colour description of every SPS; panics if SPSs disagree, returns None when an
/// SPS has no colour description.
pub(crate) fn vui(file: &Path) -> Option<Vui> {
    let text = trace_headers(file);
    let one = |name: &str| trace_field(&text, file, "SPSs", name);
    Some(Vui {
        full_range: one("video_full_range_flag")?,
        primaries: one("colour_primaries")?,
        transfer: one("transfer_characteristics")?,
        matrix: one("matrix_coefficients")?,
    })
}

/// The MP4 `colr` box of type `nclx` (ISO/IEC 14496-12 12.1.5): primaries, transfer, matrix,
/// full range. Found by its bytes, so independent of any MP4 parser of ours.
pub(crate) fn colr_nclx(mp4: &[u8]) -> Option<(u16, u16, u16, bool)> {
    let at = mp4.windows(8).position(|w| w == b"colrnclx")? + 8;
    let b = mp4.get(at..at + 7)?;
    Some((
        u16::from_be_bytes([b[0], b[1]]),
        u16::from_be_bytes([b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        b[6] & 0x80 != 0,
    ))
}

/// The four-character types of the top-level boxes of an MP4 file, in order (ISO/IEC 14496-12
/// 4.2: 32-bit size, type, 64-bit size when the size is 1, to the end when it is 0).
pub(crate) fn top_level_boxes(mp4: &[u8]) -> Vec<String> {
    let mut boxes = Vec::new();
    let mut at = 0usize;
    while let Some(head) = mp4.get(at..at + 8) {
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        boxes.push(String::from_utf8_lossy(&head[4..8]).into_owned());
        let size = match size {
            0 => mp4.len() - at,
            1 => match mp4.get(at + 8..at + 16) {
                Some(b) => usize::try_from(u64::from_be_bytes(b.try_into().unwrap())).unwrap(),
                None => break,
            },
            n => n,
        };
        if size < 8 {
            boxes.push(format!("<bad size {size}>"));
            break;
        }
        at += size;
    }
    boxes
}

/// The ffprobe stream fields that describe colour, in the order of [`ffprobe_names`].
pub(crate) const FFPROBE_COLOUR_TAGS: [&str; 4] = [
    "color_range",
    "color_space",
    "color_primaries",
    "color_transfer",
];

/// A stream's colour fields as ffprobe reports them, in the order of [`ffprobe_names`].
pub(crate) fn ffprobe_colour_tags(stream: &serde_json::Value) -> Vec<&str> {
    FFPROBE_COLOUR_TAGS
        .iter()
        .map(|k| field(stream, k))
        .collect()
}

/// What one colour spec should look like to ffprobe: (color_range, color_space,
/// color_primaries, color_transfer).
pub(crate) fn ffprobe_names(spec: ColorSpec) -> [&'static str; 4] {
    let range = match spec.range {
        Range::Limited => "tv",
        Range::Full => "pc",
    };
    match spec.matrix {
        Matrix::Bt601 => [range, "smpte170m", "smpte170m", "smpte170m"],
        Matrix::Bt709 => [range, "bt709", "bt709", "bt709"],
        // RGB input is sRGB: the BT.2020 matrix keeps BT.709 primaries and transfer
        // (ColorSpec::for_srgb).
        Matrix::Bt2020 => [range, "bt2020nc", "bt709", "bt709"],
        m => panic!("no expected ffprobe names for {m}"),
    }
}

/// The code points (H.273) of one colour spec: (primaries, transfer, matrix).
pub(crate) fn code_points(spec: ColorSpec) -> (u8, u8, u8) {
    match spec.matrix {
        Matrix::Bt601 => (6, 6, 6),
        Matrix::Bt709 => (1, 1, 1),
        Matrix::Bt2020 => (1, 1, 9),
        m => panic!("no expected code points for {m}"),
    }
}

/// Decoded luma planes of every frame: ffmpeg decodes to the decoder's own format (`yuv420p`,
/// or `yuvj420p` for full range) without any conversion, and this keeps the Y plane. Panics if
/// ffmpeg reports any error (`-xerror`, stderr must stay empty).
pub(crate) fn decode_luma(file: &Path, width: u32, height: u32) -> Vec<Vec<u8>> {
    let raw = ffmpeg_raw(file, &["-c:v", "rawvideo"]);
    let (w, h) = (width as usize, height as usize);
    let chroma = w.div_ceil(2) * h.div_ceil(2);
    let frame = w * h + 2 * chroma;
    assert_eq!(
        raw.len() % frame,
        0,
        "{}: {} bytes of raw 4:2:0 is not a whole number of {width}x{height} frames",
        file.display(),
        raw.len()
    );
    raw.chunks_exact(frame)
        .map(|f| f[..w * h].to_vec())
        .collect()
}

/// Every frame decoded to packed rgb24 by ffmpeg, which converts with the matrix and range the
/// stream signals (`in_color_matrix=auto:in_range=auto` are the defaults; spelled out here) and
/// accurate rounding.
pub(crate) fn decode_rgb(file: &Path, width: u32, height: u32) -> Vec<Vec<u8>> {
    let raw = ffmpeg_raw(
        file,
        &[
            "-vf",
            "scale=in_color_matrix=auto:in_range=auto:flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24",
        ],
    );
    let frame = width as usize * height as usize * 3;
    assert_eq!(
        raw.len() % frame,
        0,
        "{}: partial rgb24 frame",
        file.display()
    );
    raw.chunks_exact(frame).map(<[u8]>::to_vec).collect()
}

fn ffmpeg_raw(file: &Path, options: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i"])
        .arg(file)
        .args(["-map", "0:v:0"])
        .args(options)
        .args(["-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "ffmpeg decoding {} ({}):\n{}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Mean squared error of two equally long sample buffers.
pub(crate) fn mse(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "planes of different sizes");
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = u64::from(x.abs_diff(y));
            d * d
        })
        .sum();
    sum as f64 / a.len().max(1) as f64
}

/// PSNR in dB for 8-bit samples from a mean squared error (infinite when equal).
pub(crate) fn psnr(mse: f64) -> f64 {
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// PSNR of decoded luma planes against reference planes: (over all frames, worst frame).
pub(crate) fn psnr_y(decoded: &[Vec<u8>], reference: &[Vec<u8>]) -> (f64, f64) {
    assert_eq!(decoded.len(), reference.len(), "frame counts differ");
    let per: Vec<f64> = decoded
        .iter()
        .zip(reference)
        .map(|(d, r)| mse(d, r))
        .collect();
    let all = per.iter().sum::<f64>() / per.len().max(1) as f64;
    let worst = per.iter().copied().fold(0.0, f64::max);
    (psnr(all), psnr(worst))
}

// ---------------------------------------------------------------------------------------------
// Seeded content

/// SplitMix64: a tiny seeded generator, so every run encodes the same bytes.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// A packed rgb24 picture.
#[derive(Clone)]
pub(crate) struct Rgb {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) data: Vec<u8>,
}

/// A corpus photo decoded to rgb24 by ffmpeg (lossless for these 8-bit PNGs).
pub(crate) fn load_photo(rel: &str) -> Rgb {
    let path = corpus().join(rel);
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["stream=width,height", "-of", "csv=p=0"])
        .arg(&path)
        .output()
        .expect("run ffprobe");
    let text = String::from_utf8_lossy(&out.stdout);
    let (w, h) = text
        .trim()
        .split_once(',')
        .unwrap_or_else(|| panic!("size of {}: {text:?}", path.display()));
    let (width, height): (u32, u32) = (w.parse().unwrap(), h.parse().unwrap());
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(&path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "decoding {}", path.display());
    assert_eq!(out.stdout.len(), width as usize * height as usize * 3);
    Rgb {
        width,
        height,
        data: out.stdout,
    }
}

/// Mirror-repeats `i` into `0..n` (…, 1, 0, 0, 1, …, n-1, n-1, n-2, …), so a window can pan
/// past a photo's edges without a seam.
fn mirror(i: i64, n: u32) -> usize {
    let n = i64::from(n);
    let m = i.rem_euclid(2 * n);
    (if m < n { m } else { 2 * n - 1 - m }) as usize
}

/// `frames` windows of `width` x `height` panning over `photo` from `start` by `step` pixels
/// per frame (mirror-repeated beyond its edges).
pub(crate) fn pan(
    photo: &Rgb,
    width: u32,
    height: u32,
    frames: usize,
    start: (i64, i64),
    step: (i64, i64),
) -> Vec<Rgb> {
    (0..frames as i64)
        .map(|t| {
            let (x0, y0) = (start.0 + step.0 * t, start.1 + step.1 * t);
            let mut data = Vec::with_capacity(width as usize * height as usize * 3);
            for y in 0..i64::from(height) {
                let sy = mirror(y0 + y, photo.height);
                let row = &photo.data[sy * photo.width as usize * 3..];
                for x in 0..i64::from(width) {
                    let sx = mirror(x0 + x, photo.width) * 3;
                    data.extend_from_slice(&row[sx..sx + 3]);
                }
            }
            Rgb {
                width,
                height,
                data,
            }
        })
        .collect()
}

/// `rgb` in the byte layout of `format`; alpha bytes are seeded noise (framecast must ignore
/// alpha), gray is the rounded BT.601 luma of the RGB.
pub(crate) fn pack(rgb: &Rgb, format: PixelFormat, rng: &mut Rng) -> Vec<u8> {
    let bpp = format.bytes_per_pixel();
    let mut out = vec![0u8; rgb.data.len() / 3 * bpp];
    let offsets = format.rgb_offsets();
    let alpha = match format {
        PixelFormat::Rgba | PixelFormat::Bgra => Some(3),
        PixelFormat::Argb | PixelFormat::Abgr => Some(0),
        _ => None,
    };
    for (src, dst) in rgb.data.chunks_exact(3).zip(out.chunks_exact_mut(bpp)) {
        if format == PixelFormat::Gray {
            let [r, g, b] = [src[0], src[1], src[2]].map(u32::from);
            dst[0] = ((77 * r + 150 * g + 29 * b + 128) >> 8) as u8;
            continue;
        }
        for (c, &o) in offsets.iter().enumerate() {
            dst[o] = src[c];
        }
        if let Some(a) = alpha {
            dst[a] = rng.below(256) as u8;
        }
    }
    out
}

/// What framecast does with an odd side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Odd {
    Pad,
    Crop,
}

/// The size players show for an input of `size` under `odd`.
pub(crate) fn display_size(size: (u32, u32), odd: Odd) -> (u32, u32) {
    match odd {
        Odd::Pad => (size.0.next_multiple_of(2), size.1.next_multiple_of(2)),
        Odd::Crop => ((size.0 & !1).max(2), (size.1 & !1).max(2)),
    }
}

/// The reference luma of one packed frame as framecast should code it: padded to even by
/// repeating the last column/row (or cropped to the top-left even part), then converted with
/// `spec` by framecast-color (whose exactness against the BT formulas its own tests assert).
pub(crate) fn reference_luma(
    packed: &[u8],
    size: (u32, u32),
    format: PixelFormat,
    spec: ColorSpec,
    odd: Odd,
) -> Vec<u8> {
    let (w, h) = (size.0 as usize, size.1 as usize);
    let (dw, dh) = display_size(size, odd);
    let (dw, dh) = (dw as usize, dh as usize);
    let bpp = format.bytes_per_pixel();
    let mut even = Vec::with_capacity(dw * dh * bpp);
    for y in 0..dh {
        let row = &packed[y.min(h - 1) * w * bpp..][..w * bpp];
        for x in 0..dw {
            let sx = x.min(w - 1) * bpp;
            even.extend_from_slice(&row[sx..sx + bpp]);
        }
    }
    let view = FrameView::new(&even, dw as u32, dh as u32, format).expect("frame view");
    let yuv = Converter::new(spec)
        .to_yuv(&view, Subsampling::Yuv420)
        .expect("reference conversion");
    let mut y = Vec::with_capacity(dw * dh);
    for row in 0..dh as u32 {
        y.extend_from_slice(&yuv.plane_row(0, row)[..dw]);
    }
    y
}

/// Frames of a YUV4MPEG2 4:2:0 8-bit file: (width, height, Y planes).
pub(crate) fn y4m_luma(path: &Path) -> (u32, u32, Vec<Vec<u8>>) {
    let bytes = std::fs::read(path).expect("read y4m");
    let eol = bytes.iter().position(|&b| b == b'\n').expect("y4m header");
    let header = std::str::from_utf8(&bytes[..eol]).expect("ascii header");
    let dim = |tag: char| -> u32 {
        header
            .split(' ')
            .find_map(|t| t.strip_prefix(tag)?.parse().ok())
            .expect("y4m dimension")
    };
    let (w, h) = (dim('W'), dim('H'));
    let luma = w as usize * h as usize;
    let frame = luma + 2 * (w as usize).div_ceil(2) * (h as usize).div_ceil(2);
    let mut planes = Vec::new();
    let mut at = eol + 1;
    while at < bytes.len() {
        let nl = at + bytes[at..].iter().position(|&b| b == b'\n').expect("FRAME");
        assert!(bytes[at..nl].starts_with(b"FRAME"), "y4m frame header");
        planes.push(bytes[nl + 1..nl + 1 + luma].to_vec());
        at = nl + 1 + frame;
    }
    (w, h, planes)
}

/// Solid patches of a grid of PATCH_COLUMNS columns, row by row: every primary and secondary,
/// grey, white and black (the 3 x 3 grid of the issue), then a row of mid-tones. Saturated
/// colours cannot show a conversion of primaries (a player that maps BT.2020 primaries to sRGB
/// clips them back to the same values); the mid-tones can.
pub(crate) const PATCHES: [(&str, [u8; 3]); 12] = [
    ("red", [255, 0, 0]),
    ("green", [0, 255, 0]),
    ("blue", [0, 0, 255]),
    ("yellow", [255, 255, 0]),
    ("cyan", [0, 255, 255]),
    ("magenta", [255, 0, 255]),
    ("grey", [128, 128, 128]),
    ("white", [255, 255, 255]),
    ("black", [0, 0, 0]),
    ("orange", [224, 128, 48]),
    ("sky", [96, 160, 224]),
    ("skin", [208, 160, 128]),
];

/// Side of one patch in pixels.
pub(crate) const PATCH: u32 = 64;

/// Patches per row of the grid.
pub(crate) const PATCH_COLUMNS: u32 = 3;

/// Width and height of the patch grid.
pub(crate) fn patch_size() -> (u32, u32) {
    let rows = (PATCHES.len() as u32).div_ceil(PATCH_COLUMNS);
    (PATCH_COLUMNS * PATCH, rows * PATCH)
}

/// One frame of the patch grid.
pub(crate) fn patch_frame() -> Rgb {
    let (width, height) = patch_size();
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let i = (y / PATCH * PATCH_COLUMNS + x / PATCH) as usize;
            data.extend_from_slice(&PATCHES[i].1);
        }
    }
    Rgb {
        width,
        height,
        data,
    }
}

/// Centres of the patches, in PATCHES order.
pub(crate) fn patch_centres() -> Vec<(u32, u32)> {
    (0..PATCHES.len() as u32)
        .map(|i| {
            (
                i % PATCH_COLUMNS * PATCH + PATCH / 2,
                i / PATCH_COLUMNS * PATCH + PATCH / 2,
            )
        })
        .collect()
}

/// Side of the square averaged around each patch centre (the browser harness uses the same).
pub(crate) const SAMPLE_BOX: u32 = 8;

/// The mean R, G, B of the SAMPLE_BOX square centred on (x, y) of a packed rgb24 frame.
pub(crate) fn mean_rgb(frame: &[u8], width: u32, (x, y): (u32, u32)) -> [u8; 3] {
    let half = SAMPLE_BOX / 2;
    let mut sum = [0u32; 3];
    for yy in y - half..y + half {
        for xx in x - half..x + half {
            let p = ((yy * width + xx) * 3) as usize;
            for c in 0..3 {
                sum[c] += u32::from(frame[p + c]);
            }
        }
    }
    let n = SAMPLE_BOX * SAMPLE_BOX;
    sum.map(|s| ((s + n / 2) / n) as u8)
}

/// Index of the first mid-tone in PATCHES (the ones before are saturated or neutral).
pub(crate) const MIDTONES: usize = 9;

/// Errors of measured patch colours against PATCHES: the largest per-channel difference among
/// the saturated/neutral patches and among the mid-tones, and a readable list of the patches off
/// by more than their tolerance (`tolerance.0` for saturated/neutral, `tolerance.1` for
/// mid-tones).
pub(crate) fn patch_errors(measured: &[[u8; 3]], tolerance: (u8, u8)) -> ((u8, u8), String) {
    let mut worst = (0, 0);
    let mut off = String::new();
    for (i, ((name, want), got)) in PATCHES.iter().zip(measured).enumerate() {
        let e = (0..3).map(|c| want[c].abs_diff(got[c])).max().unwrap_or(0);
        let (w, tol) = if i < MIDTONES {
            (&mut worst.0, tolerance.0)
        } else {
            (&mut worst.1, tolerance.1)
        };
        *w = (*w).max(e);
        if e > tol {
            let _ = write!(off, " {name} {want:?}->{got:?}");
        }
    }
    (worst, off)
}

/// Every colour spec: BT.601/BT.709/BT.2020 x limited/full.
pub(crate) fn all_specs() -> Vec<ColorSpec> {
    Matrix::ALL
        .iter()
        .flat_map(|&m| Range::ALL.map(|r| ColorSpec::new(m, r)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The covering matrix of encodes

/// Where `framecast encode` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Out {
    /// A file; faststart is the default layout for files.
    Faststart,
    /// A file with `--layout fragmented`.
    FragmentedFile,
    /// `-o -`, captured from stdout into a file (fragmented by default).
    Stdout,
}

impl Out {
    /// The `framecast encode` arguments that write here, `path` being the file (or where the
    /// test stores what stdout carried).
    pub(crate) fn args(self, path: &Path) -> Vec<String> {
        let file = path.display().to_string();
        match self {
            Out::Faststart => vec!["-o".into(), file],
            Out::FragmentedFile => vec!["--layout".into(), "fragmented".into(), "-o".into(), file],
            Out::Stdout => vec!["-o".into(), "-".into()],
        }
    }
}

/// Runs `framecast ARGS` with `stdin`; panics, naming the case `name` and the command, if it
/// fails.
pub(crate) fn framecast_ok(name: &str, args: &[String], stdin: Vec<u8>) -> Run {
    let run = framecast(args, stdin);
    assert!(
        run.status.success(),
        "{}: framecast {} failed ({}):\n{}",
        name,
        args.join(" "),
        run.status,
        run.stderr
    );
    run
}

/// What the frames show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// A window panning over a corpus photo: (photo, start, step per frame).
    Pan(&'static str, (i64, i64), (i64, i64)),
    /// A corpus y4m file, fed with `-i` (its own size, rate and range).
    Y4m(&'static str),
}

/// One `framecast encode` of the matrix.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) content: Content,
    /// Input size (raw input).
    pub(crate) size: (u32, u32),
    pub(crate) format: PixelFormat,
    /// `--color`/`--range`, or None to pass neither (the default, BT.601 limited).
    pub(crate) color: Option<ColorSpec>,
    pub(crate) out: Out,
    /// A corpus audio file for `--audio`.
    pub(crate) audio: Option<&'static str>,
    /// `--fps` as (num, den); None passes no --fps (a y4m declares its rate).
    pub(crate) fps: Option<(u32, u32)>,
    pub(crate) frames: usize,
    pub(crate) odd: Odd,
    /// `--quality`, or None for the default.
    pub(crate) quality: Option<u8>,
}

impl Case {
    /// The colour spec framecast should use and signal.
    pub(crate) fn spec(&self) -> ColorSpec {
        match (self.color, self.content) {
            (Some(spec), _) => spec,
            // A y4m's XCOLORRANGE is kept (the St Pancras clip says FULL).
            (None, Content::Y4m(_)) => ColorSpec::new(Matrix::Bt601, Range::Full),
            (None, Content::Pan(..)) => ColorSpec::default(),
        }
    }

    /// The size players should show.
    pub(crate) fn display_size(&self) -> (u32, u32) {
        display_size(self.size, self.odd)
    }

    /// The frame rate as ffprobe prints a reduced fraction.
    pub(crate) fn rate(&self) -> String {
        let (n, d) = self.fps.unwrap_or((60, 1));
        let g = gcd(n, d);
        format!("{}/{}", n / g, d / g)
    }

    /// Raw input frames (packed in `format`); empty for y4m content.
    pub(crate) fn frames(&self) -> Vec<Vec<u8>> {
        let Content::Pan(photo, start, step) = self.content else {
            return Vec::new();
        };
        let photo = load_photo(photo);
        let mut rng = Rng::new(0x5eed ^ u64::from(self.size.0) ^ (u64::from(self.size.1) << 16));
        pan(&photo, self.size.0, self.size.1, self.frames, start, step)
            .iter()
            .map(|f| pack(f, self.format, &mut rng))
            .collect()
    }

    /// Reference luma planes at the display size.
    pub(crate) fn reference_luma(&self) -> Vec<Vec<u8>> {
        match self.content {
            Content::Y4m(rel) => y4m_luma(&corpus().join(rel)).2,
            Content::Pan(..) => self
                .frames()
                .iter()
                .map(|f| reference_luma(f, self.size, self.format, self.spec(), self.odd))
                .collect(),
        }
    }

    /// Corpus files the case reads.
    pub(crate) fn needs(&self) -> Vec<Need> {
        let mut needs = vec![match self.content {
            Content::Pan(p, ..) | Content::Y4m(p) => Need::Corpus(p),
        }];
        if let Some(a) = self.audio {
            needs.push(Need::Corpus(a));
        }
        needs
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// A finished encode.
pub(crate) struct Encoded {
    pub(crate) case: Case,
    pub(crate) path: PathBuf,
    pub(crate) run: Run,
}

/// Runs `framecast encode` for one case, writing `<dir>/<name>.mp4`; panics if it fails.
pub(crate) fn encode(case: &Case, dir: &Path) -> Encoded {
    let path = dir.join(format!("{}.mp4", case.name));
    let mut args: Vec<String> = vec!["encode".into()];
    let stdin = match case.content {
        Content::Y4m(rel) => {
            args.extend(["-i".into(), corpus().join(rel).display().to_string()]);
            Vec::new()
        }
        Content::Pan(..) => {
            args.extend([
                "--size".into(),
                format!("{}x{}", case.size.0, case.size.1),
                "--pix-fmt".into(),
                case.format.name().into(),
            ]);
            case.frames().concat()
        }
    };
    if let Some((n, d)) = case.fps {
        args.extend(["--fps".into(), format!("{n}/{d}")]);
    }
    if let Some(spec) = case.color {
        args.extend(["--color".into(), spec.matrix.name().into()]);
        args.extend(["--range".into(), spec.range.name().into()]);
    }
    if let Some(q) = case.quality {
        args.extend(["--quality".into(), q.to_string()]);
    }
    if case.odd == Odd::Crop {
        args.extend(["--odd".into(), "crop".into()]);
    }
    if let Some(a) = case.audio {
        args.extend(["--audio".into(), corpus().join(a).display().to_string()]);
    }
    args.extend(case.out.args(&path));
    let run = framecast_ok(case.name, &args, stdin);
    if case.out == Out::Stdout {
        std::fs::write(&path, &run.stdout).expect("write captured stdout");
    } else {
        assert!(
            run.stdout.is_empty(),
            "{}: {} bytes on stdout while writing a file",
            case.name,
            run.stdout.len()
        );
    }
    Encoded {
        case: case.clone(),
        path,
        run,
    }
}

const KODIM03: &str = "photos/kodak_kodim03.png";
const KODIM20: &str = "photos/kodak_kodim20.png";
const KODIM23: &str = "photos/kodak_kodim23.png";
const COFFEE: &str = "photos/skimage_coffee.png";
const ASTRONAUT: &str = "photos/skimage_astronaut.png";
/// The St Pancras clip: 320x240, 60 frames at 60 fps, XCOLORRANGE=FULL.
pub(crate) const STPANCRAS: &str = "video_raw/androidx_stpancras_320x240_60fps_60f_decoded.y4m";

/// The covering set both end-to-end tests encode (not every combination):
///
/// | case | size | pix-fmt | colour | output | audio | fps | frames |
/// |---|---|---|---|---|---|---|---|
/// | tiny | 16x16 | rgb24 | default (none given) | faststart | - | 30 | 30 |
/// | odd_pad | 17x9 -> 18x10 | bgr24 | bt601 full | fragmented file | - | 25 | 25 |
/// | odd_crop | 17x9 -> 16x8 | rgba | bt709 limited | stdout | - | 24000/1001 | 24 |
/// | small_adts | 64x48 | bgra | bt709 full | faststart | ADTS AAC 44.1k | 30 | 60 |
/// | vga_mp3 | 640x480 | argb | bt601 limited (given) | fragmented file | MP3 VBR+Xing | 30 | 45 |
/// | hd_aac8k | 1280x720 | abgr | bt709 limited | stdout | ADTS AAC 8k (SSR quirk) | 60 | 20 |
/// | odd_full_hd | 1921x1081 -> 1922x1082 | gray | bt2020 limited | faststart | MP3 CBR | 12 | 6 |
/// | vga_bt2020_full | 640x480 | rgb24 | bt2020 full | stdout | - | 30 | 30 |
/// | stpancras | 320x240 (y4m) | yuv420 | from the y4m (bt601 full) | faststart | - | 60 (y4m) | 60 |
///
/// Every size, every pixel format, every matrix x range, every output layout; audio four times
/// (ADTS and MP3, in every layout), each longer than its video so framecast must cut it.
pub(crate) fn matrix() -> Vec<Case> {
    use ColorSpec as C;
    let base = Case {
        name: "",
        content: Content::Pan(KODIM03, (0, 0), (2, 1)),
        size: (16, 16),
        format: PixelFormat::Rgb24,
        color: None,
        out: Out::Faststart,
        audio: None,
        fps: Some((30, 1)),
        frames: 30,
        odd: Odd::Pad,
        quality: None,
    };
    vec![
        Case {
            name: "tiny",
            content: Content::Pan(KODIM03, (300, 200), (2, 1)),
            ..base.clone()
        },
        Case {
            name: "odd_pad",
            content: Content::Pan(KODIM20, (400, 150), (2, 0)),
            size: (17, 9),
            format: PixelFormat::Bgr24,
            color: Some(C::new(Matrix::Bt601, Range::Full)),
            out: Out::FragmentedFile,
            fps: Some((25, 1)),
            frames: 25,
            ..base.clone()
        },
        Case {
            name: "odd_crop",
            content: Content::Pan(KODIM23, (200, 100), (0, 2)),
            size: (17, 9),
            format: PixelFormat::Rgba,
            color: Some(C::BT709_LIMITED),
            out: Out::Stdout,
            fps: Some((24000, 1001)),
            frames: 24,
            odd: Odd::Crop,
            ..base.clone()
        },
        Case {
            name: "small_adts",
            content: Content::Pan(COFFEE, (100, 80), (3, 2)),
            size: (64, 48),
            format: PixelFormat::Bgra,
            color: Some(C::BT709_FULL),
            audio: Some("audio/androidx_sample.adts"),
            frames: 60,
            ..base.clone()
        },
        Case {
            name: "vga_mp3",
            content: Content::Pan(KODIM03, (0, 16), (3, 1)),
            size: (640, 480),
            format: PixelFormat::Argb,
            color: Some(C::BT601_LIMITED),
            out: Out::FragmentedFile,
            audio: Some("audio/androidx_bear-vbr-xing-header.mp3"),
            frames: 45,
            ..base.clone()
        },
        Case {
            name: "hd_aac8k",
            content: Content::Pan(KODIM20, (0, 0), (4, 2)),
            size: (1280, 720),
            format: PixelFormat::Abgr,
            color: Some(C::BT709_LIMITED),
            out: Out::Stdout,
            audio: Some("audio/androidx_bbb_1ch_8kHz_aac_lc.aac"),
            fps: Some((60, 1)),
            frames: 20,
            ..base.clone()
        },
        Case {
            name: "odd_full_hd",
            content: Content::Pan(ASTRONAUT, (0, 0), (2, 2)),
            size: (1921, 1081),
            format: PixelFormat::Gray,
            color: Some(C::new(Matrix::Bt2020, Range::Limited)),
            audio: Some("audio/androidx_bear-cbr-constant-frame-size-no-seek-table.mp3"),
            fps: Some((12, 1)),
            frames: 6,
            ..base.clone()
        },
        Case {
            name: "vga_bt2020_full",
            content: Content::Pan(KODIM23, (60, 20), (-2, 3)),
            size: (640, 480),
            color: Some(C::new(Matrix::Bt2020, Range::Full)),
            out: Out::Stdout,
            ..base.clone()
        },
        Case {
            name: "stpancras",
            content: Content::Y4m(STPANCRAS),
            size: (320, 240),
            format: PixelFormat::Rgb24,
            fps: None,
            frames: 60,
            ..base
        },
    ]
}

/// The patch grid encoded with each colour spec (and once with no colour flags at all): 8 frames
/// at 30 fps, `--quality 10`, faststart H.264. Returns (spec, flags given, file).
pub(crate) fn encode_patches(dir: &Path) -> Vec<(ColorSpec, bool, PathBuf)> {
    encode_patches_with(dir, &[], "h264", "mp4")
}

/// Checks decoded frames of the patch grid: `PATCH_FRAMES` of them, and every frame's patch
/// colours within `tolerance` per channel. Pushes a failure per problem (prefixed by `label`)
/// and returns the largest per-channel error.
pub(crate) fn check_patch_frames(
    label: &str,
    frames: &[Vec<u8>],
    tolerance: u8,
    failures: &mut Vec<String>,
) -> u8 {
    if frames.len() as u64 != PATCH_FRAMES {
        failures.push(format!(
            "{label}: {} frames decoded, expected {PATCH_FRAMES}",
            frames.len()
        ));
    }
    let (width, _) = patch_size();
    let mut worst = 0;
    for (n, frame) in frames.iter().enumerate() {
        let measured: Vec<[u8; 3]> = patch_centres()
            .into_iter()
            .map(|c| mean_rgb(frame, width, c))
            .collect();
        let ((saturated, midtones), off) = patch_errors(&measured, (tolerance, tolerance));
        worst = worst.max(saturated).max(midtones);
        if !off.is_empty() {
            failures.push(format!("{label} frame {n}:{off}"));
        }
    }
    worst
}

/// Frames in each patch file.
pub(crate) const PATCH_FRAMES: u64 = 8;

/// The patch grid (every colour spec, then the default with no colour flags; 8 frames at
/// 30 fps, `--quality 10`) encoded with `extra` arguments added, such as
/// `--codec av1 --speed 10 --chroma 444`, to `<dir>/patches_<tag>_<matrix>_<range>[_default].<ext>`.
/// `ext` is `mp4` or `ivf`. Returns (spec, flags given, file).
pub(crate) fn encode_patches_with(
    dir: &Path,
    extra: &[&str],
    tag: &str,
    ext: &str,
) -> Vec<(ColorSpec, bool, PathBuf)> {
    let frame = patch_frame();
    let input: Vec<u8> = (0..PATCH_FRAMES).flat_map(|_| frame.data.clone()).collect();
    let mut specs: Vec<(ColorSpec, bool)> = all_specs().into_iter().map(|s| (s, true)).collect();
    specs.push((ColorSpec::default(), false));
    specs
        .into_iter()
        .map(|(spec, flags)| {
            let path = dir.join(format!(
                "patches_{tag}_{}_{}{}.{ext}",
                spec.matrix.name(),
                spec.range.name(),
                if flags { "" } else { "_default" }
            ));
            let mut args: Vec<String> = vec![
                "encode".into(),
                "--size".into(),
                format!("{}x{}", frame.width, frame.height),
                "--fps".into(),
                "30".into(),
                "--quality".into(),
                "10".into(),
                "--quiet".into(),
            ];
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            if flags {
                args.extend(["--color".into(), spec.matrix.name().into()]);
                args.extend(["--range".into(), spec.range.name().into()]);
            }
            args.extend(["-o".into(), path.display().to_string()]);
            let run = framecast(&args, input.clone());
            assert!(
                run.status.success(),
                "framecast {}: {}\n{}",
                args.join(" "),
                run.status,
                run.stderr
            );
            (spec, flags, path)
        })
        .collect()
}

/// The AV1 sequence header of a file as ffmpeg's own bitstream parser (`-bsf:v trace_headers`)
/// reads every copy of it (the one in `av1C` and the ones in the stream): `seq_profile` and the
/// color_config (AV1 spec 5.5.2) as (profile, colour fields). Panics if the copies disagree;
/// None when there is no sequence header or no colour description.
pub(crate) fn av1_sequence_colour(file: &Path) -> Option<(u8, Vui)> {
    let text = trace_headers(file);
    let one = |name: &str| trace_field(&text, file, "sequence headers", name);
    Some((
        one("seq_profile")?,
        Vui {
            full_range: one("color_range")?,
            primaries: one("color_primaries")?,
            transfer: one("transfer_characteristics")?,
            matrix: one("matrix_coefficients")?,
        },
    ))
}
