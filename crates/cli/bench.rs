//! `framecast bench color`: the colour conversion measurement of `benches/color.rs`, for users on
//! their own machine, with framecast's own backends only (no peer crates ship in the product).

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use framecast_color::{Backend, Converter};
use framecast_core::{ColorSpec, FrameView, PixelFormat, Subsampling, YuvImage};

use crate::args::ColorBenchArgs;
use crate::pattern::pattern;

/// One measured case.
struct Row {
    width: u32,
    height: u32,
    format: PixelFormat,
    /// A backend name, or `memcpy` for the copy baseline.
    kind: String,
    /// Median time per frame.
    per_frame: Duration,
    input_bytes: usize,
    samples: usize,
}

impl Row {
    fn fps(&self) -> f64 {
        1.0 / self.per_frame.as_secs_f64()
    }

    fn gbps(&self) -> f64 {
        self.input_bytes as f64 / self.per_frame.as_secs_f64() / 1e9
    }
}

/// Runs `f` for a warm-up, then in batches for `budget`; returns the median time per call.
fn measure(budget: Duration, mut f: impl FnMut()) -> (Duration, usize) {
    let warm = Instant::now();
    let mut calls = 0u32;
    while warm.elapsed() < budget / 5 || calls < 2 {
        f();
        calls += 1;
    }
    // Batches of about 10 ms each, so timer resolution does not matter for small frames.
    let per_call = warm.elapsed() / calls;
    let batch =
        (Duration::from_millis(10).as_nanos() / per_call.as_nanos().max(1)).clamp(1, 10_000) as u32;
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 5 {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t.elapsed() / batch);
    }
    samples.sort();
    (samples[samples.len() / 2], samples.len())
}

pub(crate) fn color(opts: &ColorBenchArgs) -> anyhow::Result<()> {
    if !(opts.seconds > 0.0 && opts.seconds <= 60.0) {
        anyhow::bail!(
            "--seconds {} is out of range; expected more than 0 and at most 60",
            opts.seconds
        );
    }
    if let Err(e) = Backend::from_env() {
        anyhow::bail!(
            "{e} (in the environment variable {})",
            framecast_color::CPU_ENV
        );
    }
    let budget = Duration::from_secs_f64(opts.seconds);
    let subsampling = if opts.chroma == "444" {
        Subsampling::Yuv444
    } else {
        Subsampling::Yuv420
    };
    let spec = ColorSpec::BT709_LIMITED;
    let mut rows = Vec::new();
    for &(w, h) in &opts.sizes {
        for &fmt in &opts.formats {
            let src = pattern(w, h, fmt);
            let frame = FrameView::new(&src, w, h, fmt)?;
            let mut dst = YuvImage::new(w, h, subsampling)?;
            for backend in Backend::available() {
                let conv = Converter::new(spec).with_backend(backend)?;
                let mut result = Ok(());
                let (per_frame, samples) = measure(budget, || {
                    if let Err(e) = conv.convert(black_box(&frame), &mut dst) {
                        result = Err(e);
                    }
                });
                result.with_context(|| format!("converting {w}x{h} {fmt} with {backend}"))?;
                rows.push(Row {
                    width: w,
                    height: h,
                    format: fmt,
                    kind: backend.to_string(),
                    per_frame,
                    input_bytes: src.len(),
                    samples,
                });
            }
            let mut copy = vec![0u8; src.len()];
            let (per_frame, samples) = measure(budget, || copy.copy_from_slice(black_box(&src)));
            rows.push(Row {
                width: w,
                height: h,
                format: fmt,
                kind: "memcpy".into(),
                per_frame,
                input_bytes: src.len(),
                samples,
            });
        }
    }
    let text = if opts.json {
        json(&rows)
    } else {
        table(&rows, subsampling)
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the results to stdout")?;
    Ok(())
}

fn scalar_time(rows: &[Row], r: &Row) -> Option<Duration> {
    rows.iter()
        .find(|s| {
            s.kind == "scalar" && (s.width, s.height, s.format) == (r.width, r.height, r.format)
        })
        .map(|s| s.per_frame)
}

fn table(rows: &[Row], subsampling: Subsampling) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "RGB -> {} (BT.709 limited), one thread, median time per frame; default backend here: {}",
        subsampling.name(),
        Backend::active()
    );
    let _ = writeln!(
        out,
        "{:<11} {:<7} {:<8} {:>10} {:>10} {:>8} {:>10}",
        "size", "format", "backend", "ms/frame", "frames/s", "GB/s", "vs scalar"
    );
    for r in rows {
        let speedup = scalar_time(rows, r).map_or(String::from("-"), |s| {
            format!("{:.2}x", s.as_secs_f64() / r.per_frame.as_secs_f64())
        });
        let _ = writeln!(
            out,
            "{:<11} {:<7} {:<8} {:>10.3} {:>10.1} {:>8.2} {:>10}",
            format!("{}x{}", r.width, r.height),
            r.format.name(),
            r.kind,
            r.per_frame.as_secs_f64() * 1e3,
            r.fps(),
            r.gbps(),
            speedup
        );
    }
    out
}

fn json(rows: &[Row]) -> String {
    let mut out = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let speedup = scalar_time(rows, r).map_or(String::from("null"), |s| {
            format!("{:.4}", s.as_secs_f64() / r.per_frame.as_secs_f64())
        });
        let _ = write!(
            out,
            "  {{\"width\": {}, \"height\": {}, \"format\": \"{}\", \"backend\": \"{}\", \"ns_per_frame\": {}, \"frames_per_second\": {:.2}, \"bytes_per_second\": {:.0}, \"speedup_vs_scalar\": {}, \"samples\": {}}}",
            r.width,
            r.height,
            r.format,
            r.kind,
            r.per_frame.as_nanos(),
            r.fps(),
            r.gbps() * 1e9,
            speedup,
            r.samples
        );
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}
