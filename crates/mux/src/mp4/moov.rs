//! The movie boxes: `ftyp` (ISO/IEC 14496-12 4.3), `moov` with `mvhd` (8.2.2), `trak` with
//! `tkhd` (8.3.2), `edts`/`elst` (8.6.5-6), `mdia`/`mdhd` (8.4.2), `hdlr` (8.4.3), `minf` with
//! `vmhd`/`smhd` (12.1.2, 12.2.2) and `dinf`/`dref` (8.7.1-2), and `mvex`/`trex` (8.8.1-3).

use super::boxes::{
    Buf, put_i32, put_i64, put_u8, put_u16, put_u32, put_u64, put_unity_matrix, put_zeros,
    write_box, write_full_box,
};
use super::stbl::{SampleTable, write_stbl};
use crate::Result;

/// The movie timescale of audio-only movies (ffmpeg's default `-movie_timescale`).
pub(crate) const DEFAULT_MOVIE_TIMESCALE: u32 = 1000;

/// The movie timescale of `mvhd`, `tkhd` and `elst` durations: the timescale of the first
/// video track, else [`DEFAULT_MOVIE_TIMESCALE`].
///
/// Why not ffmpeg's fixed 1000: the edit list's `segment_duration` is in movie units
/// (ISO/IEC 14496-12 8.6.6.3), and readers clip the presentation to it. A video track in its own
/// timescale is exact in movie units, so the edit ends exactly at the end of the last frame; at
/// 1/1000 s, 3003/30000 s is 100.1 ms and must be rounded, and rounding down made ffmpeg clip the
/// last frame (998 instead of 1001 ticks). Other tracks (audio) are rounded *up* into movie
/// units (as ffmpeg's movenc does with `AV_ROUND_UP`), so no track is ever clipped; their
/// durations in `tkhd`/`mvhd` are informational anyway since they carry no edit. Large
/// timescales only make `mvhd`/`tkhd` switch to version 1 earlier (a 90 kHz movie after 13 h).
pub(crate) fn movie_timescale(video_timescale: Option<u32>) -> u32 {
    video_timescale
        .filter(|&t| t > 0)
        .unwrap_or(DEFAULT_MOVIE_TIMESCALE)
}

/// `v` in units of `1/from` converted to units of `1/to`, rounded up (so that a converted
/// duration never ends before the original).
pub(crate) fn rescale_up(v: u64, from: u32, to: u32) -> u64 {
    let from = u128::from(from.max(1));
    let r = (u128::from(v) * u128::from(to)).div_ceil(from);
    u64::try_from(r).unwrap_or(u64::MAX)
}

/// `ftyp`: major brand, minor version, compatible brands.
pub(crate) fn write_ftyp(
    out: &mut Buf,
    major: &[u8; 4],
    minor: u32,
    compatible: &[[u8; 4]],
) -> Result<()> {
    write_box(out, b"ftyp", |o| {
        o.extend_from_slice(major);
        put_u32(o, minor);
        for b in compatible {
            o.extend_from_slice(b);
        }
        Ok(())
    })
}

/// Writes `duration` as 32 or 64 bits and returns the version that implies.
fn version_for(duration: u64) -> u8 {
    u8::from(duration > u64::from(u32::MAX))
}

/// `mvhd` (version 1 when the duration needs 64 bits).
pub(crate) fn write_mvhd(
    out: &mut Buf,
    timescale: u32,
    duration: u64,
    next_track_id: u32,
) -> Result<()> {
    let v = version_for(duration);
    write_full_box(out, b"mvhd", v, 0, |o| {
        if v == 1 {
            put_u64(o, 0);
            put_u64(o, 0);
            put_u32(o, timescale);
            put_u64(o, duration);
        } else {
            put_u32(o, 0); // creation_time
            put_u32(o, 0); // modification_time
            put_u32(o, timescale);
            put_u32(o, u32::try_from(duration).unwrap_or(u32::MAX)); // v0: fits
        }
        put_u32(o, 0x0001_0000); // rate 1.0
        put_u16(o, 0x0100); // volume 1.0
        put_zeros(o, 10); // reserved
        put_unity_matrix(o);
        put_zeros(o, 24); // pre_defined
        put_u32(o, next_track_id);
        Ok(())
    })
}

/// `tkhd` parameters.
pub(crate) struct Tkhd {
    pub(crate) track_id: u32,
    /// In movie timescale units.
    pub(crate) duration: u64,
    pub(crate) audio: bool,
    /// Presentation width, 16.16 fixed point.
    pub(crate) width: u32,
    /// Presentation height, 16.16 fixed point.
    pub(crate) height: u32,
}

/// `tkhd` with flags track_enabled | track_in_movie; width and height in 16.16 fixed point.
pub(crate) fn write_tkhd(out: &mut Buf, t: &Tkhd) -> Result<()> {
    let v = version_for(t.duration);
    write_full_box(out, b"tkhd", v, 0x000003, |o| {
        if v == 1 {
            put_u64(o, 0);
            put_u64(o, 0);
            put_u32(o, t.track_id);
            put_u32(o, 0);
            put_u64(o, t.duration);
        } else {
            put_u32(o, 0);
            put_u32(o, 0);
            put_u32(o, t.track_id);
            put_u32(o, 0);
            put_u32(o, u32::try_from(t.duration).unwrap_or(u32::MAX)); // v0: fits
        }
        put_zeros(o, 8); // reserved
        put_u16(o, 0); // layer
        put_u16(o, 0); // alternate_group
        put_u16(o, if t.audio { 0x0100 } else { 0 }); // volume
        put_u16(o, 0);
        put_unity_matrix(o);
        put_u32(o, t.width);
        put_u32(o, t.height);
        Ok(())
    })
}

/// One `elst` entry: `segment_duration` in movie timescale units, `media_time` in track units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) segment_duration: u64,
    pub(crate) media_time: i64,
}

/// `edts` with an `elst` of one edit at normal rate.
pub(crate) fn write_edts(out: &mut Buf, e: &Edit) -> Result<()> {
    let v =
        u8::from(e.segment_duration > u64::from(u32::MAX) || i32::try_from(e.media_time).is_err());
    write_box(out, b"edts", |o| {
        write_full_box(o, b"elst", v, 0, |o| {
            put_u32(o, 1);
            if v == 1 {
                put_u64(o, e.segment_duration);
                put_i64(o, e.media_time);
            } else {
                put_u32(o, u32::try_from(e.segment_duration).unwrap_or(u32::MAX)); // v0: fits
                put_i32(o, i32::try_from(e.media_time).unwrap_or(i32::MAX));
            }
            put_u16(o, 1); // media_rate_integer
            put_u16(o, 0); // media_rate_fraction
            Ok(())
        })
    })
}

/// `mdhd`, language `und`.
pub(crate) fn write_mdhd(out: &mut Buf, timescale: u32, duration: u64) -> Result<()> {
    let v = version_for(duration);
    write_full_box(out, b"mdhd", v, 0, |o| {
        if v == 1 {
            put_u64(o, 0);
            put_u64(o, 0);
            put_u32(o, timescale);
            put_u64(o, duration);
        } else {
            put_u32(o, 0);
            put_u32(o, 0);
            put_u32(o, timescale);
            put_u32(o, u32::try_from(duration).unwrap_or(u32::MAX)); // v0: fits
        }
        // ISO-639-2/T 'und' packed as three 5-bit letters - 0x60.
        let lang = ((u16::from(b'u') - 0x60) << 10)
            | ((u16::from(b'n') - 0x60) << 5)
            | (u16::from(b'd') - 0x60);
        put_u16(o, lang);
        put_u16(o, 0);
        Ok(())
    })
}

/// `hdlr` with a handler type and a NUL-terminated name.
pub(crate) fn write_hdlr(out: &mut Buf, handler: &[u8; 4], name: &str) -> Result<()> {
    write_full_box(out, b"hdlr", 0, 0, |o| {
        put_u32(o, 0); // pre_defined
        o.extend_from_slice(handler);
        put_zeros(o, 12);
        o.extend_from_slice(name.as_bytes());
        put_u8(o, 0);
        Ok(())
    })
}

/// `vmhd` (flags 1, copy mode) or `smhd`.
pub(crate) fn write_media_header(out: &mut Buf, audio: bool) -> Result<()> {
    if audio {
        write_full_box(out, b"smhd", 0, 0, |o| {
            put_u32(o, 0); // balance, reserved
            Ok(())
        })
    } else {
        write_full_box(out, b"vmhd", 0, 1, |o| {
            put_zeros(o, 8); // graphicsmode, opcolor
            Ok(())
        })
    }
}

/// `dinf` > `dref` with one self-contained `url ` entry.
pub(crate) fn write_dinf(out: &mut Buf) -> Result<()> {
    write_box(out, b"dinf", |o| {
        write_full_box(o, b"dref", 0, 0, |o| {
            put_u32(o, 1);
            write_full_box(o, b"url ", 0, 1, |_| Ok(()))
        })
    })
}

/// `trex` with the defaults a fragmented track's `trun`s override anyway.
pub(crate) fn write_trex(out: &mut Buf, track_id: u32) -> Result<()> {
    write_full_box(out, b"trex", 0, 0, |o| {
        put_u32(o, track_id);
        put_u32(o, 1); // default_sample_description_index
        put_u32(o, 0); // default_sample_duration
        put_u32(o, 0); // default_sample_size
        put_u32(o, 0); // default_sample_flags
        Ok(())
    })
}

/// Everything a `trak` needs.
pub(crate) struct Trak<'a> {
    pub(crate) tkhd: Tkhd,
    pub(crate) timescale: u32,
    /// Media duration in track units.
    pub(crate) media_duration: u64,
    pub(crate) edit: Option<Edit>,
    /// The sample entry box bytes.
    pub(crate) entry: &'a [u8],
    pub(crate) table: &'a SampleTable,
    /// Absolute file offset of the `mdat` payload.
    pub(crate) base: u64,
    pub(crate) co64: bool,
}

/// `trak` > `tkhd`, `edts`, `mdia` > `mdhd`, `hdlr`, `minf` > (`vmhd`|`smhd`), `dinf`, `stbl`.
pub(crate) fn write_trak(out: &mut Buf, t: &Trak<'_>) -> Result<()> {
    let audio = t.tkhd.audio;
    write_box(out, b"trak", |o| {
        write_tkhd(o, &t.tkhd)?;
        if let Some(e) = &t.edit {
            write_edts(o, e)?;
        }
        write_box(o, b"mdia", |o| {
            write_mdhd(o, t.timescale, t.media_duration)?;
            if audio {
                write_hdlr(o, b"soun", "SoundHandler")?;
            } else {
                write_hdlr(o, b"vide", "VideoHandler")?;
            }
            write_box(o, b"minf", |o| {
                write_media_header(o, audio)?;
                write_dinf(o)?;
                write_stbl(o, t.entry, t.table, t.base, t.co64)
            })
        })
    })
}

/// `moov`: `mvhd`, the tracks, `mvex` when fragmented, and `udta` (already encoded) if any.
pub(crate) fn write_moov(
    out: &mut Buf,
    movie_timescale: u32,
    duration: u64,
    traks: &[Trak<'_>],
    fragmented: bool,
    udta: &[u8],
) -> Result<()> {
    let next_id = traks
        .iter()
        .map(|t| t.tkhd.track_id)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    write_box(out, b"moov", |o| {
        write_mvhd(o, movie_timescale, duration, next_id)?;
        for t in traks {
            write_trak(o, t)?;
        }
        if fragmented {
            write_box(o, b"mvex", |o| {
                for t in traks {
                    write_trex(o, t.tkhd.track_id)?;
                }
                Ok(())
            })?;
        }
        o.extend_from_slice(udta);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::boxes::parse::{self, u16_at, u32_at, u64_at};
    use super::*;

    #[test]
    fn rescale_rounds_up() {
        assert_eq!(rescale_up(30030, 30000, 1000), 1001);
        assert_eq!(rescale_up(3003, 30000, 1000), 101);
        assert_eq!(rescale_up(1, 3, 1000), 334);
        assert_eq!(rescale_up(3, 3, 1000), 1000);
        assert_eq!(rescale_up(u64::MAX, 1, 1000), u64::MAX);
        assert_eq!(movie_timescale(Some(30000)), 30000);
        assert_eq!(movie_timescale(None), 1000);
    }

    #[test]
    fn ftyp_golden() {
        let mut out = Vec::new();
        write_ftyp(&mut out, b"isom", 512, &[*b"isom", *b"avc1"]).unwrap();
        assert_eq!(&out, b"\0\0\0\x18ftypisom\0\0\x02\0isomavc1");
    }

    #[test]
    fn mvhd_v0_and_v1() {
        let mut out = Vec::new();
        write_mvhd(&mut out, 1000, 5000, 3).unwrap();
        let b = parse::one(&out, b"mvhd");
        assert_eq!(b.len(), 100);
        assert_eq!(
            (b[0], u32_at(b, 12), u32_at(b, 16), u32_at(b, 96)),
            (0, 1000, 5000, 3)
        );
        let mut out = Vec::new();
        write_mvhd(&mut out, 1000, 1 << 33, 2).unwrap();
        let b = parse::one(&out, b"mvhd");
        assert_eq!((b.len(), b[0], u64_at(b, 24)), (112, 1, 1 << 33));
    }

    #[test]
    fn tkhd_fixed_point_size_and_flags() {
        let t = Tkhd {
            track_id: 1,
            duration: 10,
            audio: false,
            width: 1920 << 16,
            height: 1080 << 16,
        };
        let mut out = Vec::new();
        write_tkhd(&mut out, &t).unwrap();
        let b = parse::one(&out, b"tkhd");
        assert_eq!(b.len(), 84);
        assert_eq!(&b[..4], &[0, 0, 0, 3]);
        assert_eq!((u32_at(b, 12), u32_at(b, 20)), (1, 10));
        assert_eq!((u32_at(b, 76), u32_at(b, 80)), (1920 << 16, 1080 << 16));
        let t = Tkhd {
            duration: u64::from(u32::MAX) + 1,
            audio: true,
            width: 0,
            height: 0,
            ..t
        };
        let mut out = Vec::new();
        write_tkhd(&mut out, &t).unwrap();
        let b = parse::one(&out, b"tkhd");
        assert_eq!(
            (b.len(), b[0], u64_at(b, 28), u16_at(b, 48)),
            (96, 1, u64::from(u32::MAX) + 1, 0x0100)
        );
    }

    #[test]
    fn elst_golden_and_v1() {
        let mut out = Vec::new();
        write_edts(
            &mut out,
            &Edit {
                segment_duration: 2000,
                media_time: 2002,
            },
        )
        .unwrap();
        let elst = parse::one(parse::one(&out, b"edts"), b"elst");
        assert_eq!(
            elst,
            [
                0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 7, 0xD0, 0, 0, 7, 0xD2, 0, 1, 0, 0
            ]
        );
        let mut out = Vec::new();
        write_edts(
            &mut out,
            &Edit {
                segment_duration: 1,
                media_time: 1 << 40,
            },
        )
        .unwrap();
        let elst = parse::one(parse::one(&out, b"edts"), b"elst");
        assert_eq!((elst[0], u64_at(elst, 16)), (1, 1 << 40));
    }

    #[test]
    fn mdhd_hdlr_minf_golden() {
        let mut out = Vec::new();
        write_mdhd(&mut out, 30000, 300300).unwrap();
        let b = parse::one(&out, b"mdhd");
        assert_eq!(
            (u32_at(b, 12), u32_at(b, 16), u16_at(b, 20)),
            (30000, 300300, 0x55C4)
        );
        let mut out = Vec::new();
        write_hdlr(&mut out, b"vide", "VideoHandler").unwrap();
        let b = parse::one(&out, b"hdlr");
        assert_eq!(&b[8..12], b"vide");
        assert_eq!(&b[24..], b"VideoHandler\0");
        let mut out = Vec::new();
        write_media_header(&mut out, false).unwrap();
        assert_eq!(
            out,
            [
                0, 0, 0, 20, b'v', b'm', b'h', b'd', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0
            ]
        );
        let mut out = Vec::new();
        write_dinf(&mut out).unwrap();
        assert_eq!(
            &out,
            b"\0\0\0\x24dinf\0\0\0\x1cdref\0\0\0\0\0\0\0\x01\0\0\0\x0curl \0\0\0\x01"
        );
        let mut out = Vec::new();
        write_trex(&mut out, 7).unwrap();
        let b = parse::one(&out, b"trex");
        assert_eq!((u32_at(b, 4), u32_at(b, 8)), (7, 1));
    }

    #[test]
    fn moov_contains_mvex_only_when_fragmented() {
        let table = SampleTable::default();
        let trak = Trak {
            tkhd: Tkhd {
                track_id: 1,
                duration: 0,
                audio: true,
                width: 0,
                height: 0,
            },
            timescale: 48000,
            media_duration: 0,
            edit: None,
            entry: b"\0\0\0\x08mp4a",
            table: &table,
            base: 0,
            co64: false,
        };
        for fragmented in [false, true] {
            let mut out = Vec::new();
            write_moov(
                &mut out,
                1000,
                0,
                std::slice::from_ref(&trak),
                fragmented,
                &[],
            )
            .unwrap();
            let kids: Vec<[u8; 4]> = parse::boxes(parse::one(&out, b"moov"))
                .iter()
                .map(|b| b.fourcc)
                .collect();
            let mut want = vec![*b"mvhd", *b"trak"];
            if fragmented {
                want.push(*b"mvex");
            }
            assert_eq!(kids, want);
        }
    }
}
