//! A box-tree inspector for MP4 (ISO BMFF) files: the boxes with their offsets and sizes, the
//! tracks with codec (profile and level from `avcC`/`av1C`), timescale, sample and sync-sample
//! counts, and the file's layout.
//!
//! Tests use it to check what the writers produce, and `framecast probe FILE` prints its
//! [`Report`]. It reads only box headers and the small boxes it summarizes, so `mdat` payloads
//! are never loaded, and it treats its input as hostile: every size is checked against what
//! remains of the enclosing box before anything is read or allocated, nesting stops at
//! [`MAX_DEPTH`], and a malformed file is an [`Error`](crate::Error) naming the box and its
//! offset, never a panic.
//!
//! ```
//! # fn main() -> framecast_mux::Result<()> {
//! // A 24-byte `ftyp` and an empty `free` box.
//! let mut file = vec![0, 0, 0, 24];
//! file.extend_from_slice(b"ftypisom\0\0\0\0isommp41");
//! file.extend_from_slice(&[0, 0, 0, 8]);
//! file.extend_from_slice(b"free");
//! let report = framecast_mux::inspect::inspect_bytes(&file)?;
//! assert_eq!(report.boxes.len(), 2);
//! assert_eq!(report.major_brand.map(|b| b.to_string()), Some("isom".to_owned()));
//! # Ok(())
//! # }
//! ```

mod cursor;
mod display;
mod tracks;
mod walk;

use std::fmt;
use std::io::{Read, Seek};

pub use crate::mp4::FourCc;
pub use walk::{MAX_BOXES, MAX_DEPTH, MAX_PAYLOAD};

use crate::Result;
use walk::{Seekable, Source, Walker};

/// One box of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BoxNode {
    /// The box type.
    pub fourcc: FourCc,
    /// Offset of the box's first byte in the file.
    pub offset: u64,
    /// Total size including the header.
    pub size: u64,
    /// Header size: 8, 16 with a 64-bit size, plus 16 for `uuid` boxes.
    pub header_size: u8,
    /// Child boxes of containers (`moov`, `trak`, ..., `stsd` and its sample entries); empty
    /// for leaves.
    pub children: Vec<BoxNode>,
}

impl BoxNode {
    /// The first child of this type.
    pub fn child(&self, fourcc: &[u8; 4]) -> Option<&BoxNode> {
        self.children.iter().find(|c| c.fourcc.0 == *fourcc)
    }

    /// Offset of the first payload byte (after the header).
    pub fn payload_offset(&self) -> u64 {
        self.offset + u64::from(self.header_size)
    }
}

/// How a file orders its boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// `moov` before the first `mdat`: playback can start while downloading.
    Faststart,
    /// `moov` after the `mdat`: a player must fetch the end of the file first.
    Progressive,
    /// `moov` with `mvex`, or movie fragments (`moof`): the samples live in fragments.
    Fragmented,
    /// Neither: no `moov`, or no `mdat` for a `moov` without fragments.
    Unknown,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::Faststart => "faststart",
            Layout::Progressive => "progressive",
            Layout::Fragmented => "fragmented",
            Layout::Unknown => "unknown",
        })
    }
}

/// One entry of an edit list (`elst`, 14496-12 8.6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Edit {
    /// Duration of the segment in movie timescale units.
    pub segment_duration: u64,
    /// Start of the segment in media timescale units; -1 for an empty edit.
    pub media_time: i64,
    /// Integer part of the playback rate (1 normally, 0 for a dwell).
    pub media_rate: i32,
}

/// An `nclx` colour description (ISO/IEC 14496-12 12.1.5; code points of ITU-T H.273).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Nclx {
    /// ColourPrimaries code point.
    pub primaries: u16,
    /// TransferCharacteristics code point.
    pub transfer: u16,
    /// MatrixCoefficients code point.
    pub matrix: u16,
    /// Whether samples use the full range.
    pub full_range: bool,
}

/// The decoder configuration record of a visual sample entry, as far as the inspector reads
/// it: enough to name the profile, level and sample format without decoding the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecDetails {
    /// An `avcC` box: H.264.
    Avc(AvcConfig),
    /// An `av1C` box: AV1.
    Av1(Av1Config),
}

/// The leading fields of an `avcC` AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1),
/// copies of the first SPS's `profile_idc`, constraint flags and `level_idc` (H.264 7.3.2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AvcConfig {
    /// `AVCProfileIndication`: 66 Baseline, 77 Main, 100 High, ...
    pub profile_idc: u8,
    /// `profile_compatibility`: `constraint_set0_flag` in the top bit down to
    /// `constraint_set5_flag`, then two reserved zero bits.
    pub constraint_flags: u8,
    /// `AVCLevelIndication`: ten times the level (31 is level 3.1), with 1b as 11 plus
    /// `constraint_set3_flag` in Baseline, Main and Extended, or as 9 elsewhere.
    pub level_idc: u8,
}

impl AvcConfig {
    /// Whether `constraint_set{n}_flag` is set (`n` in 0..=5; false for other `n`).
    pub fn constraint_set(&self, n: u8) -> bool {
        n <= 5 && self.constraint_flags & (0x80 >> n) != 0
    }
}

/// The fixed fields of an `av1C` AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3.3), copies of
/// the sequence header's (AV1 5.5.1 and 5.5.2 `color_config`); `framecast probe` fills one from
/// the sequence header OBU of an IVF file too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Av1Config {
    /// `seq_profile`: 0 Main, 1 High, 2 Professional.
    pub seq_profile: u8,
    /// `seq_level_idx[0]`: the level of operating point 0 (0..=23 are levels 2.0 to 7.3,
    /// 31 means no level constraint).
    pub seq_level_idx_0: u8,
    /// `seq_tier[0]`: 0 Main tier, 1 High tier.
    pub seq_tier_0: u8,
    /// Bits per sample: 8, 10 or 12 (from `high_bitdepth` and `twelve_bit`).
    pub bit_depth: u8,
    /// `mono_chrome`: luma only.
    pub monochrome: bool,
    /// `subsampling_x`: chroma has half the luma width.
    pub chroma_subsampling_x: bool,
    /// `subsampling_y`: chroma has half the luma height.
    pub chroma_subsampling_y: bool,
}

/// What the inspector learnt about one track.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Track {
    /// `track_ID` (from `tkhd`, or from `tfhd` for a fragment without its `moov`).
    pub id: u32,
    /// Handler type: `vide`, `soun`, ...; `None` when the track has no `hdlr`.
    pub handler: Option<FourCc>,
    /// Type of the first sample entry: `avc1`, `av01`, `mp4a`, ...
    pub codec: Option<FourCc>,
    /// MPEG-4 objectTypeIndication from `esds` (0x40 AAC, 0x6B MP3, ...).
    pub object_type: Option<u8>,
    /// Coded width from a visual sample entry, else 0.
    pub width: u32,
    /// Coded height from a visual sample entry, else 0.
    pub height: u32,
    /// Sampling rate from an audio sample entry, else 0.
    pub sample_rate: u32,
    /// Channel count from an audio sample entry, else 0.
    pub channels: u16,
    /// Media timescale (`mdhd`), ticks per second.
    pub timescale: u32,
    /// Media duration from `mdhd`, in timescale units.
    pub duration: u64,
    /// Sum of sample durations (`stts` and `trun`), in timescale units.
    pub decode_duration: u64,
    /// Samples in `stsz`/`stz2` plus those of every `trun`.
    pub sample_count: u64,
    /// Of [`sample_count`](Self::sample_count), the samples in movie fragments.
    pub fragment_sample_count: u64,
    /// Sync samples: the `stss` entries (every `moov` sample without `stss`) plus the
    /// fragment samples whose flags do not say non-sync.
    pub sync_sample_count: u64,
    /// Whether composition offsets exist (`ctts`, or `trun` with offsets).
    pub has_ctts: bool,
    /// The edit list; empty without `edts`/`elst`.
    pub edits: Vec<Edit>,
    /// The `nclx` colour description of a visual sample entry's `colr` box, if any.
    pub color: Option<Nclx>,
    /// The `avcC` or `av1C` record of a visual sample entry, if it has one.
    pub config: Option<CodecDetails>,
    pub(crate) stss_count: Option<u64>,
    pub(crate) fragment_sync_count: u64,
}

/// The inspector's findings about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// File length in bytes.
    pub file_size: u64,
    /// `ftyp` (or `styp`) major brand.
    pub major_brand: Option<FourCc>,
    /// `ftyp` compatible brands.
    pub compatible_brands: Vec<FourCc>,
    /// The top-level boxes, each with its children.
    pub boxes: Vec<BoxNode>,
    /// The tracks in `moov` order, then tracks known only from fragments.
    pub tracks: Vec<Track>,
    /// The layout.
    pub layout: Layout,
    /// Number of movie fragments (`moof` boxes).
    pub fragment_count: u64,
    /// In lenient mode, the top-level box that the end of the file cuts; the report describes
    /// the boxes before it. Always `None` in strict mode, which fails on such a file instead.
    pub truncated: Option<Truncation>,
}

/// A top-level box cut by the end of the file (a recording killed while writing), as the
/// lenient inspector reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Truncation {
    /// The box type; `None` when even its 8-byte header is incomplete.
    pub fourcc: Option<FourCc>,
    /// Offset of the box in the file.
    pub offset: u64,
    /// The size its header claims (0 when the header is incomplete).
    pub claimed: u64,
    /// The bytes of it present in the file.
    pub available: u64,
}

impl Report {
    /// The first track with handler `vide`.
    pub fn video_track(&self) -> Option<&Track> {
        self.tracks
            .iter()
            .find(|t| t.handler == Some(FourCc(*b"vide")))
    }

    /// The first track with handler `soun`.
    pub fn audio_track(&self) -> Option<&Track> {
        self.tracks
            .iter()
            .find(|t| t.handler == Some(FourCc(*b"soun")))
    }

    /// The first top-level box of this type.
    pub fn top(&self, fourcc: &[u8; 4]) -> Option<&BoxNode> {
        self.boxes.iter().find(|b| b.fourcc.0 == *fourcc)
    }
}

/// Inspects a seekable input (a file): reads box headers and the small boxes it summarizes.
pub fn inspect<R: Read + Seek>(r: R) -> Result<Report> {
    let mut src = Seekable::new(r)?;
    inspect_source(&mut src, false)
}

/// Inspects a file held in memory.
pub fn inspect_bytes(bytes: &[u8]) -> Result<Report> {
    let mut src = bytes;
    inspect_source(&mut src, false)
}

/// Like [`inspect`], but a file whose end cuts a top-level box (a fragmented recording whose
/// process was killed, a partial download) is reported, not refused: the report covers the
/// complete boxes before the cut, and [`Report::truncated`] names the cut box. Anything else
/// malformed is still an error, including a box cut inside a complete top-level box.
///
/// ```
/// # fn main() -> framecast_mux::Result<()> {
/// let mut file = vec![0, 0, 0, 24];
/// file.extend_from_slice(b"ftypisom\0\0\0\0isommp41");
/// file.extend_from_slice(&[0, 0, 0x10, 0, b'm', b'd', b'a', b't', 1, 2, 3]); // 4096 claimed
/// assert!(framecast_mux::inspect::inspect_bytes(&file).is_err());
/// let r = framecast_mux::inspect::inspect_lenient(std::io::Cursor::new(&file))?;
/// let t = r.truncated.expect("reported");
/// assert_eq!((t.offset, t.claimed, t.available), (24, 4096, 11));
/// assert_eq!(r.boxes.len(), 1);
/// # Ok(())
/// # }
/// ```
pub fn inspect_lenient<R: Read + Seek>(r: R) -> Result<Report> {
    let mut src = Seekable::new(r)?;
    inspect_source(&mut src, true)
}

/// [`inspect_lenient`] for a file held in memory.
pub fn inspect_bytes_lenient(bytes: &[u8]) -> Result<Report> {
    let mut src = bytes;
    inspect_source(&mut src, true)
}

fn inspect_source(src: &mut dyn Source, lenient: bool) -> Result<Report> {
    let mut walker = Walker::new(src);
    walker.lenient = lenient;
    let boxes = walker.walk_file()?;
    let truncated = walker.truncated;
    let mut tracks = tracks::tracks(src, &boxes)?;
    for t in &mut tracks {
        let moov_samples = t.sample_count - t.fragment_sample_count;
        t.sync_sample_count = t.stss_count.unwrap_or(moov_samples) + t.fragment_sync_count;
    }
    let (major_brand, compatible_brands) = brands(src, &boxes)?;
    let pos = |name: &[u8; 4]| boxes.iter().position(|b| b.fourcc.0 == *name);
    let moov = boxes.iter().find(|b| b.fourcc.0 == *b"moov");
    let fragment_count = boxes.iter().filter(|b| b.fourcc.0 == *b"moof").count() as u64;
    let layout = if fragment_count > 0 || moov.is_some_and(|m| m.child(b"mvex").is_some()) {
        Layout::Fragmented
    } else {
        match (pos(b"moov"), pos(b"mdat")) {
            (Some(m), Some(d)) if m < d => Layout::Faststart,
            (Some(_), Some(_)) => Layout::Progressive,
            _ => Layout::Unknown,
        }
    };
    Ok(Report {
        file_size: src.len(),
        major_brand,
        compatible_brands,
        boxes,
        tracks,
        layout,
        fragment_count,
        truncated,
    })
}

fn brands(src: &mut dyn Source, boxes: &[BoxNode]) -> Result<(Option<FourCc>, Vec<FourCc>)> {
    let Some(ftyp) = boxes
        .iter()
        .find(|b| b.fourcc.0 == *b"ftyp" || b.fourcc.0 == *b"styp")
    else {
        return Ok((None, Vec::new()));
    };
    let p = walk::read_payload(src, ftyp, 0)?;
    let mut c = cursor::Cursor::new(&p, ftyp.fourcc, ftyp.offset);
    let major = FourCc(c.u32("major_brand")?.to_be_bytes());
    c.skip(4, "minor_version")?;
    let compatible = p[8..]
        .chunks_exact(4)
        .map(|b| FourCc([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok((Some(major), compatible))
}
