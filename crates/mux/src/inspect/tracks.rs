//! Track summaries from the box tree: `trak` sample tables, `mvex` defaults and the `trun`s of
//! every movie fragment (ISO/IEC 14496-12 8.3-8.8).

use super::cursor::Cursor;
use super::walk::{Source, read_payload};
use super::{Av1Config, AvcConfig, BoxNode, CodecDetails, Edit, FourCc, Track};
use crate::Result;

/// `sample_is_non_sync_sample` in the sample flags (14496-12 8.8.3.1).
const NON_SYNC: u32 = 0x0001_0000;

fn child<'n>(node: &'n BoxNode, name: &[u8; 4]) -> Option<&'n BoxNode> {
    node.children.iter().find(|c| c.fourcc.0 == *name)
}

fn payload(src: &mut dyn Source, node: &BoxNode) -> Result<Vec<u8>> {
    read_payload(src, node, 0)
}

/// Per-track defaults from `trex` (8.8.3).
#[derive(Clone, Copy, Default)]
struct Defaults {
    duration: u32,
    flags: u32,
}

/// Builds the tracks of `moov` and adds the samples of every `moof` in `top`.
pub(crate) fn tracks(src: &mut dyn Source, top: &[BoxNode]) -> Result<Vec<Track>> {
    let mut tracks = Vec::new();
    let mut trex: Vec<(u32, Defaults)> = Vec::new();
    if let Some(moov) = top.iter().find(|b| b.fourcc.0 == *b"moov") {
        for trak in moov.children.iter().filter(|c| c.fourcc.0 == *b"trak") {
            tracks.push(track(src, trak)?);
        }
        if let Some(mvex) = child(moov, b"mvex") {
            for t in mvex.children.iter().filter(|c| c.fourcc.0 == *b"trex") {
                let p = payload(src, t)?;
                let mut c = Cursor::new(&p, t.fourcc, t.offset);
                c.full_header()?;
                let id = c.u32("track_ID")?;
                c.skip(4, "default_sample_description_index")?;
                let duration = c.u32("default_sample_duration")?;
                c.skip(4, "default_sample_size")?;
                let flags = c.u32("default_sample_flags")?;
                trex.push((id, Defaults { duration, flags }));
            }
        }
    }
    for moof in top.iter().filter(|b| b.fourcc.0 == *b"moof") {
        for traf in moof.children.iter().filter(|c| c.fourcc.0 == *b"traf") {
            fragment(src, traf, &trex, &mut tracks)?;
        }
    }
    Ok(tracks)
}

fn track(src: &mut dyn Source, trak: &BoxNode) -> Result<Track> {
    let mut t = Track::default();
    if let Some(tkhd) = child(trak, b"tkhd") {
        let p = payload(src, tkhd)?;
        let mut c = Cursor::new(&p, tkhd.fourcc, tkhd.offset);
        let (v, _) = c.full_header()?;
        c.uvar(v, "creation_time")?;
        c.uvar(v, "modification_time")?;
        t.id = c.u32("track_ID")?;
    }
    if let Some(edts) = child(trak, b"edts")
        && let Some(elst) = child(edts, b"elst")
    {
        let p = payload(src, elst)?;
        let mut c = Cursor::new(&p, elst.fourcc, elst.offset);
        let (v, _) = c.full_header()?;
        let n = c.u32("entry_count")?;
        c.check_entries(
            u64::from(n),
            if v == 1 { 20 } else { 12 },
            "edit list entries",
        )?;
        for _ in 0..n {
            let segment_duration = c.uvar(v, "segment_duration")?;
            let media_time = if v == 1 {
                c.u64("media_time")? as i64
            } else {
                i64::from(c.u32("media_time")? as i32)
            };
            let rate = c.u32("media_rate")? as i32;
            t.edits.push(Edit {
                segment_duration,
                media_time,
                media_rate: rate >> 16,
            });
        }
    }
    let Some(mdia) = child(trak, b"mdia") else {
        return Ok(t);
    };
    if let Some(mdhd) = child(mdia, b"mdhd") {
        let p = payload(src, mdhd)?;
        let mut c = Cursor::new(&p, mdhd.fourcc, mdhd.offset);
        let (v, _) = c.full_header()?;
        c.uvar(v, "creation_time")?;
        c.uvar(v, "modification_time")?;
        t.timescale = c.u32("timescale")?;
        t.duration = c.uvar(v, "duration")?;
    }
    if let Some(hdlr) = child(mdia, b"hdlr") {
        let p = payload(src, hdlr)?;
        let mut c = Cursor::new(&p, hdlr.fourcc, hdlr.offset);
        c.full_header()?;
        c.skip(4, "pre_defined")?;
        t.handler = Some(FourCc(c.u32("handler_type")?.to_be_bytes()));
    }
    let Some(stbl) = child(mdia, b"minf").and_then(|m| child(m, b"stbl")) else {
        return Ok(t);
    };
    if let Some(stsd) = child(stbl, b"stsd")
        && let Some(entry) = stsd.children.first()
    {
        sample_entry(src, entry, &mut t)?;
    }
    for b in &stbl.children {
        match &b.fourcc.0 {
            b"stsz" => {
                let p = payload(src, b)?;
                let mut c = Cursor::new(&p, b.fourcc, b.offset);
                c.full_header()?;
                let size = c.u32("sample_size")?;
                let n = c.u32("sample_count")?;
                if size == 0 {
                    c.check_entries(u64::from(n), 4, "sample sizes")?;
                }
                t.sample_count = u64::from(n);
            }
            b"stz2" => {
                let p = payload(src, b)?;
                let mut c = Cursor::new(&p, b.fourcc, b.offset);
                c.full_header()?;
                c.skip(3, "reserved")?;
                let field = c.u8("field_size")?;
                let n = c.u32("sample_count")?;
                let bits = u64::from(n) * u64::from(field);
                c.check_entries(bits.div_ceil(8), 1, "bytes of sample sizes")?;
                t.sample_count = u64::from(n);
            }
            b"stts" => {
                let p = payload(src, b)?;
                let mut c = Cursor::new(&p, b.fourcc, b.offset);
                c.full_header()?;
                let n = c.u32("entry_count")?;
                c.check_entries(u64::from(n), 8, "time-to-sample entries")?;
                for _ in 0..n {
                    let count = u64::from(c.u32("sample_count")?);
                    let delta = u64::from(c.u32("sample_delta")?);
                    t.decode_duration = t.decode_duration.saturating_add(count * delta);
                }
            }
            b"stss" => {
                let p = payload(src, b)?;
                let mut c = Cursor::new(&p, b.fourcc, b.offset);
                c.full_header()?;
                let n = c.u32("entry_count")?;
                c.check_entries(u64::from(n), 4, "sync samples")?;
                t.stss_count = Some(u64::from(n));
            }
            b"ctts" => t.has_ctts = true,
            _ => {}
        }
    }
    Ok(t)
}

fn sample_entry(src: &mut dyn Source, entry: &BoxNode, t: &mut Track) -> Result<()> {
    t.codec = Some(entry.fourcc);
    let fixed = read_payload(src, entry, 0)?;
    let mut c = Cursor::new(&fixed, entry.fourcc, entry.offset);
    match t.handler.map(|h| h.0) {
        Some(ref h) if h == b"vide" => {
            c.skip(24, "sample entry fields before width")?;
            t.width = u32::from(c.u16("width")?);
            t.height = u32::from(c.u16("height")?);
            if let Some(colr) = child(entry, b"colr") {
                t.color = nclx(&payload(src, colr)?, colr)?;
            }
            if let Some(avcc) = child(entry, b"avcC") {
                t.config = Some(CodecDetails::Avc(avc_config(&payload(src, avcc)?, avcc)?));
            } else if let Some(av1c) = child(entry, b"av1C") {
                t.config = Some(CodecDetails::Av1(av1_config(&payload(src, av1c)?, av1c)?));
            }
        }
        Some(ref h) if h == b"soun" => {
            c.skip(16, "sample entry fields before channelcount")?;
            t.channels = c.u16("channelcount")?;
            c.skip(6, "samplesize and reserved")?;
            t.sample_rate = c.u32("samplerate")? >> 16;
        }
        _ => {}
    }
    // The MPEG-4 object type of mp4a/mp4v (14496-14 5.6: esds with ES_Descriptor and
    // DecoderConfigDescriptor, 14496-1 7.2.6.5-6); inside `wave` for QuickTime sound v1.
    let esds =
        child(entry, b"esds").or_else(|| child(entry, b"wave").and_then(|w| child(w, b"esds")));
    if let Some(esds) = esds {
        let p = payload(src, esds)?;
        t.object_type = object_type(&p, esds)?;
    }
    Ok(())
}

/// The `nclx` form of a `colr` payload (14496-12 12.1.5.2); other colour types give `None`.
fn nclx(p: &[u8], colr: &BoxNode) -> Result<Option<super::Nclx>> {
    let mut c = Cursor::new(p, colr.fourcc, colr.offset);
    let kind = [
        c.u8("colour_type")?,
        c.u8("colour_type")?,
        c.u8("colour_type")?,
        c.u8("colour_type")?,
    ];
    if &kind != b"nclx" {
        return Ok(None);
    }
    Ok(Some(super::Nclx {
        primaries: c.u16("colour_primaries")?,
        transfer: c.u16("transfer_characteristics")?,
        matrix: c.u16("matrix_coefficients")?,
        full_range: c.u8("full_range_flag")? & 0x80 != 0,
    }))
}

/// The leading fields of an AVCDecoderConfigurationRecord (14496-15 5.3.3.1). A version other
/// than 1 is an error: the standard tells readers not to decode such a record.
fn avc_config(p: &[u8], avcc: &BoxNode) -> Result<AvcConfig> {
    let mut c = Cursor::new(p, avcc.fourcc, avcc.offset);
    let version = c.u8("configurationVersion")?;
    if version != 1 {
        return Err(c.malformed(format!("expected configurationVersion 1, found {version}")));
    }
    Ok(AvcConfig {
        profile_idc: c.u8("AVCProfileIndication")?,
        constraint_flags: c.u8("profile_compatibility")?,
        level_idc: c.u8("AVCLevelIndication")?,
    })
}

/// The four fixed bytes of an AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3.3); the
/// `configOBUs` after them are not read.
fn av1_config(p: &[u8], av1c: &BoxNode) -> Result<Av1Config> {
    let mut c = Cursor::new(p, av1c.fourcc, av1c.offset);
    let first = c.u8("marker and version")?;
    if first != 0x81 {
        return Err(c.malformed(format!(
            "expected marker 1 and version 1 (first byte 0x81), found marker {} and version {}",
            first >> 7,
            first & 0x7f
        )));
    }
    let b1 = c.u8("seq_profile and seq_level_idx_0")?;
    let b2 = c.u8("seq_tier_0 and color_config fields")?;
    c.skip(1, "initial_presentation_delay")?;
    let bit = |n: u8| b2 & (0x80 >> n) != 0;
    let (high_bitdepth, twelve_bit) = (bit(1), bit(2));
    Ok(Av1Config {
        seq_profile: b1 >> 5,
        seq_level_idx_0: b1 & 0x1f,
        seq_tier_0: b2 >> 7,
        // AV1 5.5.2 color_config: twelve_bit exists only with high_bitdepth.
        bit_depth: match (high_bitdepth, twelve_bit) {
            (false, _) => 8,
            (true, false) => 10,
            (true, true) => 12,
        },
        monochrome: bit(3),
        chroma_subsampling_x: bit(4),
        chroma_subsampling_y: bit(5),
    })
}

/// Reads a descriptor header (tag, then a size of up to four 7-bit bytes).
fn descriptor(c: &mut Cursor<'_>) -> Result<(u8, usize)> {
    let tag = c.u8("descriptor tag")?;
    let mut len = 0usize;
    for _ in 0..4 {
        let b = c.u8("descriptor size")?;
        len = (len << 7) | usize::from(b & 0x7f);
        if b & 0x80 == 0 {
            break;
        }
    }
    Ok((tag, len))
}

fn object_type(p: &[u8], esds: &BoxNode) -> Result<Option<u8>> {
    let mut c = Cursor::new(p, esds.fourcc, esds.offset);
    c.full_header()?;
    let (tag, _) = descriptor(&mut c)?;
    if tag != 0x03 {
        return Err(c.malformed(format!(
            "expected an ES_Descriptor (tag 3), found tag {tag}"
        )));
    }
    c.skip(2, "ES_ID")?;
    let flags = c.u8("ES_Descriptor flags")?;
    if flags & 0x80 != 0 {
        c.skip(2, "dependsOn_ES_ID")?;
    }
    if flags & 0x40 != 0 {
        let n = c.u8("URLlength")?;
        c.skip(usize::from(n), "URLstring")?;
    }
    if flags & 0x20 != 0 {
        c.skip(2, "OCR_ES_Id")?;
    }
    let (tag, _) = descriptor(&mut c)?;
    if tag != 0x04 {
        return Err(c.malformed(format!(
            "expected a DecoderConfigDescriptor (tag 4), found tag {tag}"
        )));
    }
    Ok(Some(c.u8("objectTypeIndication")?))
}

fn fragment(
    src: &mut dyn Source,
    traf: &BoxNode,
    trex: &[(u32, Defaults)],
    tracks: &mut Vec<Track>,
) -> Result<()> {
    let Some(tfhd) = child(traf, b"tfhd") else {
        return Ok(());
    };
    let p = payload(src, tfhd)?;
    let mut c = Cursor::new(&p, tfhd.fourcc, tfhd.offset);
    let (_, flags) = c.full_header()?;
    let id = c.u32("track_ID")?;
    let mut d = trex
        .iter()
        .find(|(t, _)| *t == id)
        .map(|(_, d)| *d)
        .unwrap_or_default();
    if flags & 0x01 != 0 {
        c.skip(8, "base_data_offset")?;
    }
    if flags & 0x02 != 0 {
        c.skip(4, "sample_description_index")?;
    }
    if flags & 0x08 != 0 {
        d.duration = c.u32("default_sample_duration")?;
    }
    if flags & 0x10 != 0 {
        c.skip(4, "default_sample_size")?;
    }
    if flags & 0x20 != 0 {
        d.flags = c.u32("default_sample_flags")?;
    }
    let idx = match tracks.iter().position(|t| t.id == id) {
        Some(i) => i,
        None => {
            // A media segment without its init segment: the track is known by its id only.
            tracks.push(Track {
                id,
                ..Track::default()
            });
            tracks.len() - 1
        }
    };
    let t = &mut tracks[idx];
    for trun in traf.children.iter().filter(|b| b.fourcc.0 == *b"trun") {
        let p = payload(src, trun)?;
        let mut c = Cursor::new(&p, trun.fourcc, trun.offset);
        let (_, flags) = c.full_header()?;
        let n = c.u32("sample_count")?;
        if flags & 0x01 != 0 {
            c.skip(4, "data_offset")?;
        }
        let first_flags = if flags & 0x04 != 0 {
            Some(c.u32("first_sample_flags")?)
        } else {
            None
        };
        let per_sample = [0x100u32, 0x200, 0x400, 0x800]
            .iter()
            .filter(|&&f| flags & f != 0)
            .count() as u64
            * 4;
        c.check_entries(u64::from(n), per_sample, "trun samples")?;
        if flags & 0x800 != 0 {
            t.has_ctts = true;
        }
        let (mut sync, mut duration) = (0u64, 0u64);
        if flags & 0x500 == 0 {
            // No per-sample durations or flags: the defaults hold for every sample, so a trun
            // claiming billions of samples in a few bytes costs no loop.
            let rest = u64::from(n.saturating_sub(1));
            if n > 0 {
                sync += u64::from(first_flags.unwrap_or(d.flags) & NON_SYNC == 0);
            }
            sync += rest * u64::from(d.flags & NON_SYNC == 0);
            duration = u64::from(n).saturating_mul(u64::from(d.duration));
        } else {
            // Per-sample fields: `check_entries` bounded the loop by the payload size.
            for i in 0..n {
                let dur = if flags & 0x100 != 0 {
                    c.u32("sample_duration")?
                } else {
                    d.duration
                };
                if flags & 0x200 != 0 {
                    c.skip(4, "sample_size")?;
                }
                let mut f = if flags & 0x400 != 0 {
                    c.u32("sample_flags")?
                } else {
                    d.flags
                };
                if i == 0
                    && let Some(ff) = first_flags
                {
                    f = ff;
                }
                if flags & 0x800 != 0 {
                    c.skip(4, "sample_composition_time_offset")?;
                }
                duration = duration.saturating_add(u64::from(dur));
                sync += u64::from(f & NON_SYNC == 0);
            }
        }
        t.sample_count += u64::from(n);
        t.fragment_sample_count += u64::from(n);
        t.decode_duration = t.decode_duration.saturating_add(duration);
        t.fragment_sync_count += sync;
    }
    Ok(())
}
