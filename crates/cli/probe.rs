//! `framecast probe FILE...`: the box tree, tracks and layout of MP4 files, from framecast-mux's
//! inspector in its lenient mode: a file whose last top-level box was cut (a killed fragmented
//! recording) is reported with the cut, not refused.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use anyhow::Context;

/// Prints the report of every file; the first file that cannot be read or parsed is the error.
pub(crate) fn probe(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for (i, path) in files.iter().enumerate() {
        let report = inspect(path)?;
        if i > 0 {
            writeln!(out)?;
        }
        write!(out, "{}:\n{report}", path.display())?;
    }
    out.flush()?;
    Ok(())
}

fn inspect(path: &Path) -> anyhow::Result<framecast_mux::inspect::Report> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    framecast_mux::inspect::inspect_lenient(BufReader::new(file))
        .with_context(|| format!("inspecting {}", path.display()))
}
