//! Progress on a terminal, the summary line, and Ctrl-C.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use framecast::Rational;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner with frames, fps and the video time encoded; hidden when stderr is not a terminal
/// or with `--quiet`.
pub(crate) struct Reporter {
    bar: Option<ProgressBar>,
    fps: f64,
}

impl Reporter {
    pub(crate) fn new(quiet: bool, fps: Rational) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
            let style = ProgressStyle::with_template(
                "{spinner} {pos} frames  {per_sec}  {msg}  elapsed {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar
        });
        Reporter {
            bar,
            fps: fps.as_f64(),
        }
    }

    /// Sets the total when it is known, which turns on the ETA.
    pub(crate) fn set_total(&mut self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} frames  {per_sec}  {msg}  ETA {eta}",
            ) {
                bar.set_style(style);
            }
        }
    }

    pub(crate) fn update(&mut self, frames: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(frames);
            if frames.is_multiple_of(8) {
                bar.set_message(format!("{:.1} s of video", frames as f64 / self.fps));
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The one line printed at the end: frames, video duration, bytes, speed.
pub(crate) fn summary(output: &str, frames: u64, bytes: u64, fps: Rational, elapsed: Duration) {
    let seconds = frames as f64 / fps.as_f64();
    let wall = elapsed.as_secs_f64().max(1e-9);
    let _ = writeln!(
        std::io::stderr(),
        "framecast: wrote {output}: {frames} frames, {seconds:.2} s of video, {}, in {wall:.2} s ({:.1} fps, {:.2}x realtime)",
        human_bytes(bytes),
        frames as f64 / wall,
        seconds / wall,
    );
}

fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.2} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

/// On the first Ctrl-C (or SIGTERM), asks the pipeline to stop reading and finish the file;
/// a second one exits at once.
pub(crate) fn install_interrupt(stop: &Arc<AtomicBool>) {
    let stop = Arc::clone(stop);
    let result = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    // A handler is already installed (a second job in one process): keep the first.
    let _ = result;
}
