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
    /// Show the box tree, tracks and layout of MP4 files.
    Probe {
        /// MP4 files to inspect.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
    },
    /// Measure framecast's building blocks on this machine.
    Bench {
        #[command(subcommand)]
        target: BenchTarget,
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
