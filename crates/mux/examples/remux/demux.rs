//! A small MP4 sample-table reader for the remux example: the first video track of a file,
//! progressive (`stbl`) or fragmented (`moof`/`traf`/`trun`), with every sample's position,
//! decode time, composition offset, duration and sync flag, and the track's edit.
//!
//! It walks the box tree that [`framecast_mux::inspect`] returns and reads the tables itself
//! (ISO/IEC 14496-12 8.6-8.8): neither the `mp4` crate (no `av01`, and fragment sample offsets
//! that ignore `trun` data offsets) nor `mp4parse` (no sample tables of fragments) reads every
//! file of the corpus.

use std::error::Error;

use framecast_core::Codec;
use framecast_mux::inspect::{self, BoxNode};

pub(crate) type BoxResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// One sample of the source track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub(crate) offset: u64,
    pub(crate) size: u32,
    pub(crate) dts: i64,
    pub(crate) cts_offset: i64,
    pub(crate) duration: u32,
    pub(crate) sync: bool,
}

/// The first video track of a file.
#[derive(Debug, Clone)]
pub(crate) struct VideoSource {
    pub(crate) codec: Codec,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) timescale: u32,
    /// The `avcC` or `av1C` payload.
    pub(crate) record: Vec<u8>,
    /// `media_time` of the track's single edit, if it has an edit list.
    pub(crate) edit_media_time: Option<i64>,
    /// `pasp` (hSpacing, vSpacing) of the sample entry, if it has one.
    pub(crate) pixel_aspect: Option<(u32, u32)>,
    pub(crate) samples: Vec<Sample>,
}

fn err<T>(msg: impl Into<String>) -> BoxResult<T> {
    Err(msg.into().into())
}

/// The payload of `node` (after its header) from the whole file.
fn body<'a>(file: &'a [u8], node: &BoxNode) -> BoxResult<&'a [u8]> {
    let start = usize::try_from(node.payload_offset())?;
    let end = usize::try_from(node.offset + node.size)?;
    file.get(start..end)
        .ok_or_else(|| format!("box {} past the end of the file", node.fourcc).into())
}

/// A big-endian reader over one box payload.
struct Rd<'a> {
    b: &'a [u8],
    what: String,
}

impl<'a> Rd<'a> {
    fn new(file: &'a [u8], node: &BoxNode) -> BoxResult<Self> {
        Ok(Rd {
            b: body(file, node)?,
            what: format!("'{}' at {}", node.fourcc, node.offset),
        })
    }

    fn take(&mut self, n: usize) -> BoxResult<&'a [u8]> {
        if n > self.b.len() {
            return err(format!("box {} is truncated", self.what));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }

    fn u16(&mut self) -> BoxResult<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> BoxResult<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> BoxResult<u64> {
        Ok((u64::from(self.u32()?) << 32) | u64::from(self.u32()?))
    }

    fn full(&mut self) -> BoxResult<(u8, u32)> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0xff_ffff))
    }

    /// An entry count whose entries of `size` bytes must fit in what remains.
    fn count(&mut self, size: usize) -> BoxResult<usize> {
        let n = self.u32()? as usize;
        if n.checked_mul(size).is_none_or(|need| need > self.b.len()) {
            return err(format!("box {}: {n} entries do not fit", self.what));
        }
        Ok(n)
    }
}

fn child<'n>(n: &'n BoxNode, name: &[u8; 4]) -> BoxResult<&'n BoxNode> {
    n.child(name).ok_or_else(|| {
        format!(
            "'{}' at {} has no '{}'",
            n.fourcc,
            n.offset,
            String::from_utf8_lossy(name)
        )
        .into()
    })
}

/// Reads the first video track of `file`.
pub(crate) fn read_video(file: &[u8]) -> BoxResult<VideoSource> {
    let report = inspect::inspect_bytes(file)?;
    let moov = report.top(b"moov").ok_or("no 'moov' box")?;
    let (trak, track_id) = moov
        .children
        .iter()
        .filter(|c| c.fourcc.0 == *b"trak")
        .zip(report.tracks.iter())
        .find(|(_, t)| t.handler.is_some_and(|h| h.0 == *b"vide"))
        .map(|(trak, t)| (trak, t.id))
        .ok_or("no video track")?;
    let mdia = child(trak, b"mdia")?;
    let mut r = Rd::new(file, child(mdia, b"mdhd")?)?;
    let (v, _) = r.full()?;
    r.take(if v == 1 { 16 } else { 8 })?;
    let timescale = r.u32()?;
    let stbl = child(child(mdia, b"minf")?, b"stbl")?;
    let entry = child(stbl, b"stsd")?
        .children
        .first()
        .ok_or("empty 'stsd'")?;
    let (codec, config_box) = match &entry.fourcc.0 {
        b"avc1" | b"avc3" => (Codec::H264, b"avcC"),
        b"av01" => (Codec::Av1, b"av1C"),
        _ => return err(format!("unsupported video sample entry '{}'", entry.fourcc)),
    };
    let record = body(file, child(entry, config_box)?)?.to_vec();
    let mut r = Rd::new(file, entry)?;
    r.take(24)?;
    let width = u32::from(r.u16()?);
    let height = u32::from(r.u16()?);
    let pixel_aspect = match entry.child(b"pasp") {
        Some(pasp) => {
            let mut r = Rd::new(file, pasp)?;
            Some((r.u32()?, r.u32()?))
        }
        None => None,
    };

    let edit_media_time = match trak.child(b"edts").and_then(|e| e.child(b"elst")) {
        None => None,
        Some(elst) => {
            let mut r = Rd::new(file, elst)?;
            let (v, _) = r.full()?;
            let n = r.count(if v == 1 { 20 } else { 12 })?;
            let mut edits = Vec::new();
            for _ in 0..n {
                let (_dur, time) = if v == 1 {
                    (r.u64()?, r.u64()? as i64)
                } else {
                    (u64::from(r.u32()?), i64::from(r.u32()? as i32))
                };
                r.u32()?;
                edits.push(time);
            }
            match edits[..] {
                [] => None,
                [t] if t >= 0 => Some(t),
                _ => {
                    return err(format!(
                        "edit list {edits:?}: only one non-empty edit is supported"
                    ));
                }
            }
        }
    };

    let mut samples = table_samples(file, stbl)?;
    fragment_samples(file, &report, moov, track_id, &mut samples)?;
    if samples.is_empty() {
        return err("the video track has no samples");
    }
    Ok(VideoSource {
        codec,
        width,
        height,
        timescale,
        record,
        edit_media_time,
        pixel_aspect,
        samples,
    })
}

/// Samples of a progressive `stbl`.
fn table_samples(file: &[u8], stbl: &BoxNode) -> BoxResult<Vec<Sample>> {
    let Some(stsz) = stbl.child(b"stsz") else {
        return Ok(Vec::new());
    };
    let mut r = Rd::new(file, stsz)?;
    r.full()?;
    let fixed = r.u32()?;
    let n = r.count(if fixed == 0 { 4 } else { 0 })?;
    let mut sizes = Vec::with_capacity(n);
    for _ in 0..n {
        sizes.push(if fixed == 0 { r.u32()? } else { fixed });
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    // Chunk offsets.
    let mut chunks = Vec::new();
    if let Some(stco) = stbl.child(b"stco") {
        let mut r = Rd::new(file, stco)?;
        r.full()?;
        for _ in 0..r.count(4)? {
            chunks.push(u64::from(r.u32()?));
        }
    } else {
        let mut r = Rd::new(file, child(stbl, b"co64")?)?;
        r.full()?;
        for _ in 0..r.count(8)? {
            chunks.push(r.u64()?);
        }
    }
    // Sample-to-chunk runs: (first_chunk 1-based, samples_per_chunk).
    let mut r = Rd::new(file, child(stbl, b"stsc")?)?;
    r.full()?;
    let mut runs = Vec::new();
    for _ in 0..r.count(12)? {
        let first = r.u32()?;
        let per = r.u32()?;
        r.u32()?;
        runs.push((first, per));
    }
    let mut offsets = Vec::with_capacity(n);
    for (i, &(first, per)) in runs.iter().enumerate() {
        let last = runs.get(i + 1).map_or(chunks.len() as u32, |r| r.0 - 1);
        for chunk in first..=last {
            let mut pos = *chunks
                .get(chunk as usize - 1)
                .ok_or("stsc names a chunk stco does not have")?;
            for _ in 0..per {
                if offsets.len() == n {
                    break;
                }
                offsets.push(pos);
                pos += u64::from(sizes[offsets.len() - 1]);
            }
        }
    }
    if offsets.len() != n {
        return err(format!("stsc/stco place {} of {n} samples", offsets.len()));
    }
    // Decode times.
    let mut r = Rd::new(file, child(stbl, b"stts")?)?;
    r.full()?;
    let mut durations = Vec::with_capacity(n);
    for _ in 0..r.count(8)? {
        let count = r.u32()?;
        let delta = r.u32()?;
        for _ in 0..count {
            if durations.len() < n {
                durations.push(delta);
            }
        }
    }
    if durations.len() != n {
        return err(format!("stts covers {} of {n} samples", durations.len()));
    }
    // Composition offsets: signed in version 1, and read as signed in version 0 too, as
    // ffmpeg does.
    let mut cts = vec![0i64; n];
    if let Some(ctts) = stbl.child(b"ctts") {
        let mut r = Rd::new(file, ctts)?;
        r.full()?;
        let mut i = 0;
        for _ in 0..r.count(8)? {
            let count = r.u32()?;
            let off = i64::from(r.u32()? as i32);
            for _ in 0..count {
                if i < n {
                    cts[i] = off;
                    i += 1;
                }
            }
        }
    }
    let mut sync = vec![stbl.child(b"stss").is_none(); n];
    if let Some(stss) = stbl.child(b"stss") {
        let mut r = Rd::new(file, stss)?;
        r.full()?;
        for _ in 0..r.count(4)? {
            let s = r.u32()? as usize;
            if (1..=n).contains(&s) {
                sync[s - 1] = true;
            }
        }
    }
    let mut dts = 0i64;
    Ok((0..n)
        .map(|i| {
            let s = Sample {
                offset: offsets[i],
                size: sizes[i],
                dts,
                cts_offset: cts[i],
                duration: durations[i],
                sync: sync[i],
            };
            dts += i64::from(durations[i]);
            s
        })
        .collect())
}

/// Appends the samples of `track_id` from every movie fragment.
fn fragment_samples(
    file: &[u8],
    report: &inspect::Report,
    moov: &BoxNode,
    track_id: u32,
    samples: &mut Vec<Sample>,
) -> BoxResult<()> {
    // trex defaults: duration, size, flags.
    let mut def = (0u32, 0u32, 0u32);
    if let Some(mvex) = moov.child(b"mvex") {
        for trex in mvex.children.iter().filter(|c| c.fourcc.0 == *b"trex") {
            let mut r = Rd::new(file, trex)?;
            r.full()?;
            if r.u32()? == track_id {
                r.u32()?;
                def = (r.u32()?, r.u32()?, r.u32()?);
            }
        }
    }
    let mut next_dts = samples.last().map_or(0, |s| s.dts + i64::from(s.duration));
    for moof in report.boxes.iter().filter(|b| b.fourcc.0 == *b"moof") {
        // Without base-data-offset flags, the first traf's data is addressed from the moof
        // and each further traf's from the end of the previous one's data (8.8.7.1).
        let mut implicit_base = moof.offset;
        for traf in moof.children.iter().filter(|c| c.fourcc.0 == *b"traf") {
            let mut r = Rd::new(file, child(traf, b"tfhd")?)?;
            let (_, flags) = r.full()?;
            let id = r.u32()?;
            let base = if flags & 0x1 != 0 {
                r.u64()?
            } else if flags & 0x2_0000 != 0 {
                moof.offset
            } else {
                implicit_base
            };
            if flags & 0x2 != 0 {
                r.u32()?;
            }
            let (mut d_dur, mut d_size, mut d_flags) = def;
            if flags & 0x8 != 0 {
                d_dur = r.u32()?;
            }
            if flags & 0x10 != 0 {
                d_size = r.u32()?;
            }
            if flags & 0x20 != 0 {
                d_flags = r.u32()?;
            }
            if let Some(tfdt) = traf.child(b"tfdt") {
                let mut r = Rd::new(file, tfdt)?;
                let (v, _) = r.full()?;
                let t = if v == 1 {
                    r.u64()?
                } else {
                    u64::from(r.u32()?)
                };
                if id == track_id {
                    next_dts = i64::try_from(t)?;
                }
            }
            let mut pos = base;
            for trun in traf.children.iter().filter(|c| c.fourcc.0 == *b"trun") {
                let mut r = Rd::new(file, trun)?;
                let (_, tf) = r.full()?;
                let n = r.u32()?;
                if n as usize > file.len() {
                    return err(format!("trun at {} claims {n} samples", trun.offset));
                }
                if tf & 0x1 != 0 {
                    pos = base
                        .checked_add_signed(i64::from(r.u32()? as i32))
                        .ok_or("data offset")?;
                }
                let first_flags = if tf & 0x4 != 0 { Some(r.u32()?) } else { None };
                for i in 0..n {
                    let dur = if tf & 0x100 != 0 { r.u32()? } else { d_dur };
                    let size = if tf & 0x200 != 0 { r.u32()? } else { d_size };
                    let mut f = if tf & 0x400 != 0 { r.u32()? } else { d_flags };
                    if i == 0
                        && let Some(ff) = first_flags
                    {
                        f = ff;
                    }
                    // Signed in version 1; ffmpeg reads version 0 as signed too.
                    let cts = if tf & 0x800 != 0 {
                        i64::from(r.u32()? as i32)
                    } else {
                        0
                    };
                    if id == track_id {
                        samples.push(Sample {
                            offset: pos,
                            size,
                            dts: next_dts,
                            cts_offset: cts,
                            duration: dur,
                            sync: f & 0x1_0000 == 0,
                        });
                        next_dts += i64::from(dur);
                    }
                    pos += u64::from(size);
                }
            }
            implicit_base = pos;
        }
    }
    Ok(())
}

/// The bytes of one sample.
pub(crate) fn sample_data<'a>(file: &'a [u8], s: &Sample) -> BoxResult<&'a [u8]> {
    let start = usize::try_from(s.offset)?;
    file.get(start..start + s.size as usize).ok_or_else(|| {
        format!(
            "sample at {} of {} bytes is past the end of the file",
            s.offset, s.size
        )
        .into()
    })
}
