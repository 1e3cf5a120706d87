//! The text form of a [`Report`], as `framecast probe` prints it.

use std::fmt;

use super::{Av1Config, AvcConfig, BoxNode, CodecDetails, Report, Track};

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
        if let Some(c) = &self.config {
            write!(f, " {c}")?;
        }
        if let Some(c) = self.color {
            write!(
                f,
                "{} colour {}/{}/{} (primaries/transfer/matrix) {} range",
                if self.config.is_some() { "," } else { "" },
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

impl AvcConfig {
    /// The profile's name (H.264 Annex A.2, with the constraint flags that name a subset the
    /// way ffmpeg does: Constrained Baseline, the Intra profiles); `None` for a `profile_idc`
    /// not listed here.
    pub fn profile_name(&self) -> Option<&'static str> {
        let intra = self.constraint_set(3);
        Some(match self.profile_idc {
            44 => "CAVLC 4:4:4 Intra",
            66 if self.constraint_set(1) => "Constrained Baseline",
            66 => "Baseline",
            77 => "Main",
            83 => "Scalable Baseline",
            86 => "Scalable High",
            88 => "Extended",
            100 => "High",
            110 if intra => "High 10 Intra",
            110 => "High 10",
            118 => "Multiview High",
            122 if intra => "High 4:2:2 Intra",
            122 => "High 4:2:2",
            128 => "Stereo High",
            244 if intra => "High 4:4:4 Intra",
            244 => "High 4:4:4 Predictive",
            _ => return None,
        })
    }

    /// The level as H.264 Table A-1 names it: `level_idc` / 10 (`"3.1"`), or `"1b"`, which
    /// Baseline, Main and Extended signal as `level_idc` 11 with `constraint_set3_flag`
    /// (A.3.1; in the other profiles that flag means Intra) and the other profiles as 9.
    pub fn level_name(&self) -> String {
        let one_b = match self.level_idc {
            9 => true,
            11 => matches!(self.profile_idc, 66 | 77 | 88) && self.constraint_set(3),
            _ => false,
        };
        if one_b {
            "1b".to_owned()
        } else {
            format!("{}.{}", self.level_idc / 10, self.level_idc % 10)
        }
    }
}

impl fmt::Display for AvcConfig {
    /// `High profile (100), level 3.1`; an unknown profile as `profile 99`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.profile_name() {
            Some(name) => write!(f, "{name} profile ({})", self.profile_idc)?,
            None => write!(f, "profile {}", self.profile_idc)?,
        }
        write!(f, ", level {}", self.level_name())
    }
}

impl Av1Config {
    /// The profile's name (AV1 6.4.1): Main, High or Professional; `None` for the reserved
    /// values 3 to 7.
    pub fn profile_name(&self) -> Option<&'static str> {
        match self.seq_profile {
            0 => Some("Main"),
            1 => Some("High"),
            2 => Some("Professional"),
            _ => None,
        }
    }

    /// The level as (major, minor) (AV1 Annex A.3: `seq_level_idx` 0 to 23 are levels 2.0
    /// to 7.3, X = 2 + idx / 4, Y = idx % 4); `None` for 31 (no level constraint) and the
    /// undefined 24 to 30.
    pub fn level(&self) -> Option<(u8, u8)> {
        let idx = self.seq_level_idx_0;
        (idx <= 23).then_some((2 + idx / 4, idx % 4))
    }

    /// The chroma format: `4:2:0`, `4:2:2`, `4:4:4` or `monochrome` (`subsampling 0/1` for
    /// the combination AV1 does not allow).
    pub fn chroma_name(&self) -> String {
        if self.monochrome {
            return "monochrome".to_owned();
        }
        match (self.chroma_subsampling_x, self.chroma_subsampling_y) {
            (true, true) => "4:2:0".to_owned(),
            (true, false) => "4:2:2".to_owned(),
            (false, false) => "4:4:4".to_owned(),
            (false, true) => "subsampling 0/1".to_owned(),
        }
    }
}

impl fmt::Display for Av1Config {
    /// `Main profile, level 3.1 (seq_level_idx 7), Main tier, 8-bit 4:2:0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.profile_name() {
            Some(name) => write!(f, "{name} profile")?,
            None => write!(f, "reserved profile {}", self.seq_profile)?,
        }
        let idx = self.seq_level_idx_0;
        match self.level() {
            Some((major, minor)) => write!(f, ", level {major}.{minor} (seq_level_idx {idx})")?,
            None if idx == 31 => write!(f, ", no level constraint (seq_level_idx 31)")?,
            None => write!(f, ", undefined level (seq_level_idx {idx})")?,
        }
        write!(
            f,
            ", {} tier, {}-bit {}",
            if self.seq_tier_0 == 0 { "Main" } else { "High" },
            self.bit_depth,
            self.chroma_name()
        )
    }
}

impl fmt::Display for CodecDetails {
    /// The codec's name, then its record: `H.264 High profile (100), level 3.1`,
    /// `AV1 Main profile, level 3.1 (seq_level_idx 7), Main tier, 8-bit 4:2:0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecDetails::Avc(c) => write!(f, "H.264 {c}"),
            CodecDetails::Av1(c) => write!(f, "AV1 {c}"),
        }
    }
}
