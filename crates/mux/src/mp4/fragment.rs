//! Movie fragment boxes (ISO/IEC 14496-12 8.8): `moof` > `mfhd`, `traf` > `tfhd`, `tfdt`, `trun`;
//! and the random access index `mfra` > `tfra`, `mfro` (8.8.10-12).

use super::boxes::{
    Buf, FourCc, fit_u32, len64, put_i32, put_u32, put_u64, write_box, write_full_box,
};
use crate::Result;

/// `sample_flags` of a sync sample: sample_depends_on = 2 (depends on no other sample).
pub(crate) const SYNC_FLAGS: u32 = 0x0200_0000;
/// `sample_flags` of a non-sync sample: sample_depends_on = 1, sample_is_non_sync_sample = 1.
pub(crate) const NON_SYNC_FLAGS: u32 = 0x0101_0000;

/// One sample of a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FragSample {
    pub(crate) size: u32,
    pub(crate) duration: u32,
    pub(crate) cts: i32,
    pub(crate) sync: bool,
}

/// One track's run in a fragment.
pub(crate) struct Traf<'a> {
    pub(crate) track_id: u32,
    /// `tfdt` baseMediaDecodeTime, track units.
    pub(crate) base_decode_time: u64,
    pub(crate) samples: &'a [FragSample],
    /// Offset of the run's first byte from the first byte of `moof`.
    pub(crate) data_offset: u32,
}

/// `traf` with `tfhd` (default-base-is-moof), `tfdt` (version 1) and one `trun` carrying
/// duration, size, flags and, when needed, composition offsets (version 1 when negative).
pub(crate) fn write_traf(out: &mut Buf, t: &Traf<'_>) -> Result<()> {
    let any_cts = t.samples.iter().any(|s| s.cts != 0);
    let version = u8::from(t.samples.iter().any(|s| s.cts < 0));
    let mut flags = 0x000001 | 0x000100 | 0x000200 | 0x000400;
    if any_cts {
        flags |= 0x000800;
    }
    let count = fit_u32(FourCc(*b"trun"), "sample_count", len64(t.samples.len()))?;
    write_box(out, b"traf", |o| {
        write_full_box(o, b"tfhd", 0, 0x020000, |o| {
            put_u32(o, t.track_id);
            Ok(())
        })?;
        write_full_box(o, b"tfdt", 1, 0, |o| {
            put_u64(o, t.base_decode_time);
            Ok(())
        })?;
        write_full_box(o, b"trun", version, flags, |o| {
            put_u32(o, count);
            put_i32(o, i32::try_from(t.data_offset).unwrap_or(i32::MAX));
            for s in t.samples {
                put_u32(o, s.duration);
                put_u32(o, s.size);
                put_u32(o, if s.sync { SYNC_FLAGS } else { NON_SYNC_FLAGS });
                if any_cts {
                    put_i32(o, s.cts);
                }
            }
            Ok(())
        })
    })
}

/// `moof` with `mfhd` and the given runs.
pub(crate) fn write_moof(out: &mut Buf, sequence: u32, trafs: &[Traf<'_>]) -> Result<()> {
    write_box(out, b"moof", |o| {
        write_full_box(o, b"mfhd", 0, 0, |o| {
            put_u32(o, sequence);
            Ok(())
        })?;
        for t in trafs {
            write_traf(o, t)?;
        }
        Ok(())
    })
}

/// One `tfra` entry: a sync sample's presentation time and where its fragment starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TfraEntry {
    pub(crate) time: u64,
    pub(crate) moof_offset: u64,
    pub(crate) traf_number: u32,
    pub(crate) sample_number: u32,
}

/// `mfra` with one `tfra` per track (version 1, 32-bit traf/trun/sample numbers) and `mfro`.
pub(crate) fn write_mfra(out: &mut Buf, tracks: &[(u32, Vec<TfraEntry>)]) -> Result<()> {
    let start = out.len();
    write_box(out, b"mfra", |o| {
        for (track_id, entries) in tracks {
            write_full_box(o, b"tfra", 1, 0, |o| {
                put_u32(o, *track_id);
                put_u32(o, 0x3F); // length_size_of_traf_num/trun_num/sample_num = 3 (4 bytes)
                put_u32(
                    o,
                    fit_u32(FourCc(*b"tfra"), "number_of_entry", len64(entries.len()))?,
                );
                for e in entries {
                    put_u64(o, e.time);
                    put_u64(o, e.moof_offset);
                    put_u32(o, e.traf_number);
                    put_u32(o, 1); // trun_number
                    put_u32(o, e.sample_number);
                }
                Ok(())
            })?;
        }
        let size = fit_u32(FourCc(*b"mfro"), "size", len64(o.len() - start) + 16)?;
        write_full_box(o, b"mfro", 0, 0, |o| {
            put_u32(o, size);
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::boxes::parse::{self, u32_at, u64_at};
    use super::*;

    fn s(size: u32, cts: i32, sync: bool) -> FragSample {
        FragSample {
            size,
            duration: 512,
            cts,
            sync,
        }
    }

    #[test]
    fn traf_golden_without_cts() {
        let samples = [s(10, 0, true), s(20, 0, false)];
        let mut out = Vec::new();
        write_traf(
            &mut out,
            &Traf {
                track_id: 1,
                base_decode_time: 1024,
                samples: &samples,
                data_offset: 100,
            },
        )
        .unwrap();
        let traf = parse::one(&out, b"traf");
        let tfhd = parse::child(traf, b"tfhd");
        assert_eq!(tfhd, [0, 2, 0, 0, 0, 0, 0, 1]);
        let tfdt = parse::child(traf, b"tfdt");
        assert_eq!((tfdt[0], u64_at(tfdt, 4)), (1, 1024));
        let trun = parse::child(traf, b"trun");
        assert_eq!(u32_at(trun, 0), 0x000701);
        assert_eq!((u32_at(trun, 4), u32_at(trun, 8)), (2, 100));
        assert_eq!(&trun[12..24], &[0, 0, 2, 0, 0, 0, 0, 10, 2, 0, 0, 0]);
        assert_eq!(u32_at(trun, 32), NON_SYNC_FLAGS);
        assert_eq!(trun.len(), 12 + 2 * 12);
    }

    #[test]
    fn trun_signed_offsets_use_version_1() {
        let samples = [s(10, 1024, true), s(20, -512, false)];
        let mut out = Vec::new();
        write_traf(
            &mut out,
            &Traf {
                track_id: 2,
                base_decode_time: 0,
                samples: &samples,
                data_offset: 8,
            },
        )
        .unwrap();
        let trun = parse::child(parse::one(&out, b"traf"), b"trun");
        assert_eq!(u32_at(trun, 0), 0x0100_0F01);
        assert_eq!(u32_at(trun, 12 + 16 + 12) as i32, -512);
    }

    #[test]
    fn moof_starts_with_mfhd() {
        let mut out = Vec::new();
        write_moof(&mut out, 7, &[]).unwrap();
        assert_eq!(&out, b"\0\0\0\x18moof\0\0\0\x10mfhd\0\0\0\0\0\0\0\x07");
    }

    #[test]
    fn mfra_ends_with_its_size() {
        let e = TfraEntry {
            time: 0,
            moof_offset: 1000,
            traf_number: 1,
            sample_number: 1,
        };
        let mut out = Vec::new();
        write_mfra(&mut out, &[(1, vec![e, e])]).unwrap();
        let n = out.len();
        assert_eq!(u32_at(&out, n - 4) as usize, n);
        let kids = parse::boxes(parse::one(&out, b"mfra"));
        assert_eq!(&kids[0].fourcc, b"tfra");
        assert_eq!(u32_at(kids[0].body, 12), 2);
        assert_eq!(u64_at(kids[0].body, 24), 1000);
        assert_eq!(&kids[1].fourcc, b"mfro");
    }
}
