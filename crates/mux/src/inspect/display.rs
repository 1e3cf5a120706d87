//! The text form of a [`Report`], as `framecast probe` prints it.

use std::fmt;

use super::{BoxNode, Report, Track};

fn tree(f: &mut fmt::Formatter<'_>, nodes: &[BoxNode], depth: usize) -> fmt::Result {
    for n in nodes {
        writeln!(
            f,
            "{:indent$}{} @{} size {}{}",
            "",
            n.fourcc,
            n.offset,
            n.size,
            if n.header_size == 8 {
                String::new()
            } else {
                format!(" (header {})", n.header_size)
            },
            indent = depth * 2
        )?;
        tree(f, &n.children, depth + 1)?;
    }
    Ok(())
}

impl fmt::Display for Track {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |c: Option<super::FourCc>| c.map_or_else(|| "?".to_owned(), |c| c.to_string());
        write!(
            f,
            "track {}: {} {}",
            self.id,
            name(self.handler),
            name(self.codec)
        )?;
        if let Some(ot) = self.object_type {
            write!(f, " (object type 0x{ot:02x})")?;
        }
        if self.width != 0 || self.height != 0 {
            write!(f, " {}x{}", self.width, self.height)?;
        }
        if let Some(c) = self.color {
            write!(
                f,
                " colour {}/{}/{} (primaries/transfer/matrix) {} range",
                c.primaries,
                c.transfer,
                c.matrix,
                if c.full_range { "full" } else { "limited" }
            )?;
        }
        if self.sample_rate != 0 {
            write!(f, " {} Hz {} ch", self.sample_rate, self.channels)?;
        }
        write!(
            f,
            ", timescale {}, duration {}",
            self.timescale, self.duration
        )?;
        if self.timescale != 0 {
            write!(
                f,
                " ({:.3} s)",
                self.duration as f64 / f64::from(self.timescale)
            )?;
        }
        write!(
            f,
            ", {} samples ({} sync",
            self.sample_count, self.sync_sample_count
        )?;
        if self.fragment_sample_count != 0 {
            write!(f, ", {} in fragments", self.fragment_sample_count)?;
        }
        f.write_str(")")?;
        if self.width != 0 && self.decode_duration != 0 && self.timescale != 0 {
            let fps =
                self.sample_count as f64 * f64::from(self.timescale) / self.decode_duration as f64;
            write!(f, ", {fps:.3} fps")?;
        }
        if self.has_ctts {
            f.write_str(", composition offsets")?;
        }
        for e in &self.edits {
            write!(
                f,
                ", edit {}@{}x{}",
                e.segment_duration, e.media_time, e.media_rate
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Report {
    /// An indented box tree, then the layout and one line per track.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        tree(f, &self.boxes, 0)?;
        write!(f, "layout: {}", self.layout)?;
        if self.fragment_count != 0 {
            write!(f, " ({} fragments)", self.fragment_count)?;
        }
        writeln!(f, ", {} bytes", self.file_size)?;
        if let Some(t) = &self.truncated {
            writeln!(f, "{t}")?;
        }
        for t in &self.tracks {
            writeln!(f, "{t}")?;
        }
        Ok(())
    }
}

impl fmt::Display for super::Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fourcc {
            Some(fourcc) => write!(
                f,
                "truncated: box '{fourcc}' at {} claims {} bytes, {} present",
                self.offset, self.claimed, self.available
            ),
            None => write!(
                f,
                "truncated: a box header at {} with {} of its bytes present",
                self.offset, self.available
            ),
        }
    }
}
