//! The sample table (ISO/IEC 14496-12 8.5-8.7): `stbl` with `stsd`, `stts`, `ctts`, `stss`,
//! `stsc`, `stsz` and `stco`/`co64`, written from a per-track [`SampleTable`].

use super::boxes::{
    Buf, FourCc, fit_u32, len64, put_i32, put_u32, put_u64, write_box, write_full_box,
};
use crate::Result;

/// A run of consecutive samples of one track stored together in `mdat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// Number of samples in the chunk.
    pub(crate) samples: u32,
    /// Offset of the chunk's first byte from the first byte of the `mdat` payload.
    pub(crate) offset: u64,
}

/// Everything the sample table boxes say about a track's samples, in decode order.
#[derive(Debug, Clone, Default)]
pub(crate) struct SampleTable {
    /// Sample sizes in bytes.
    pub(crate) sizes: Vec<u32>,
    /// Sample durations in track timescale units (complete after the track is finalized).
    pub(crate) durations: Vec<u32>,
    /// Composition offsets (pts - dts) in track timescale units.
    pub(crate) cts: Vec<i32>,
    /// 1-based numbers of the sync samples.
    pub(crate) sync: Vec<u32>,
    /// Chunks in file order of this track.
    pub(crate) chunks: Vec<Chunk>,
}

impl SampleTable {
    /// Sum of the durations (the media duration).
    pub(crate) fn total_duration(&self) -> u64 {
        self.durations.iter().map(|&d| u64::from(d)).sum()
    }

    /// Whether an offset (relative to the `mdat` payload) plus `base` needs `co64`.
    pub(crate) fn needs_co64(&self, base: u64) -> bool {
        self.chunks
            .last()
            .is_some_and(|c| c.offset.saturating_add(base) > u64::from(u32::MAX))
    }
}

/// Run-length pairs `(count, value)` of a sequence.
fn runs<T: Copy + PartialEq>(values: &[T]) -> Vec<(u32, T)> {
    let mut out: Vec<(u32, T)> = Vec::new();
    for &v in values {
        match out.last_mut() {
            Some((n, last)) if *last == v && *n < u32::MAX => *n += 1,
            _ => out.push((1, v)),
        }
    }
    out
}

fn count(fourcc: &[u8; 4], n: usize) -> Result<u32> {
    fit_u32(FourCc(*fourcc), "entry_count", len64(n))
}

/// `stts`: decode-time deltas, run-length coded (8.6.1.2).
pub(crate) fn write_stts(out: &mut Buf, durations: &[u32]) -> Result<()> {
    let runs = runs(durations);
    write_full_box(out, b"stts", 0, 0, |o| {
        put_u32(o, count(b"stts", runs.len())?);
        for (n, d) in runs {
            put_u32(o, n);
            put_u32(o, d);
        }
        Ok(())
    })
}

/// `ctts`: composition offsets (8.6.1.3), only when some sample has pts != dts; version 1
/// (signed offsets) when an offset is negative, version 0 otherwise.
pub(crate) fn write_ctts(out: &mut Buf, cts: &[i32]) -> Result<()> {
    if cts.iter().all(|&c| c == 0) {
        return Ok(());
    }
    let version = u8::from(cts.iter().any(|&c| c < 0));
    let runs = runs(cts);
    write_full_box(out, b"ctts", version, 0, |o| {
        put_u32(o, count(b"ctts", runs.len())?);
        for (n, c) in runs {
            put_u32(o, n);
            put_i32(o, c);
        }
        Ok(())
    })
}

/// `stss`: sync samples (8.6.2), omitted when every sample is a sync sample.
pub(crate) fn write_stss(out: &mut Buf, sync: &[u32], samples: usize) -> Result<()> {
    if sync.len() == samples {
        return Ok(());
    }
    write_full_box(out, b"stss", 0, 0, |o| {
        put_u32(o, count(b"stss", sync.len())?);
        for &s in sync {
            put_u32(o, s);
        }
        Ok(())
    })
}

/// `stsc`: samples per chunk (8.7.4), one entry where the count changes.
pub(crate) fn write_stsc(out: &mut Buf, chunks: &[Chunk]) -> Result<()> {
    let mut entries: Vec<(u32, u32)> = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        if entries.last().is_none_or(|&(_, n)| n != c.samples) {
            let first_chunk = fit_u32(FourCc(*b"stsc"), "first_chunk", len64(i) + 1)?;
            entries.push((first_chunk, c.samples));
        }
    }
    write_full_box(out, b"stsc", 0, 0, |o| {
        put_u32(o, count(b"stsc", entries.len())?);
        for (first, n) in entries {
            put_u32(o, first);
            put_u32(o, n);
            put_u32(o, 1); // sample_description_index
        }
        Ok(())
    })
}

/// `stsz`: sample sizes (8.7.3.2); a single `sample_size` when all samples are equal.
pub(crate) fn write_stsz(out: &mut Buf, sizes: &[u32]) -> Result<()> {
    let constant = match sizes.first() {
        Some(&first) if sizes.iter().all(|&s| s == first) => first,
        _ => 0,
    };
    write_full_box(out, b"stsz", 0, 0, |o| {
        put_u32(o, constant);
        put_u32(o, count(b"stsz", sizes.len())?);
        if constant == 0 {
            for &s in sizes {
                put_u32(o, s);
            }
        }
        Ok(())
    })
}

/// `stco` or, when `co64`, `co64`: absolute chunk offsets (8.7.5), `base` + relative offset.
pub(crate) fn write_chunk_offsets(
    out: &mut Buf,
    chunks: &[Chunk],
    base: u64,
    co64: bool,
) -> Result<()> {
    let fourcc = if co64 { b"co64" } else { b"stco" };
    write_full_box(out, fourcc, 0, 0, |o| {
        put_u32(o, count(fourcc, chunks.len())?);
        for c in chunks {
            let abs = c.offset.saturating_add(base);
            if co64 {
                put_u64(o, abs);
            } else {
                put_u32(o, fit_u32(FourCc(*b"stco"), "chunk_offset", abs)?);
            }
        }
        Ok(())
    })
}

/// `stsd` with one sample entry (8.5.2).
pub(crate) fn write_stsd(out: &mut Buf, entry: &[u8]) -> Result<()> {
    write_full_box(out, b"stsd", 0, 0, |o| {
        put_u32(o, 1);
        o.extend_from_slice(entry);
        Ok(())
    })
}

/// `stbl`: the sample description and every table; `base` is the absolute file offset of the
/// `mdat` payload.
pub(crate) fn write_stbl(
    out: &mut Buf,
    entry: &[u8],
    t: &SampleTable,
    base: u64,
    co64: bool,
) -> Result<()> {
    write_box(out, b"stbl", |o| {
        write_stsd(o, entry)?;
        write_stts(o, &t.durations)?;
        write_stss(o, &t.sync, t.sizes.len())?;
        write_ctts(o, &t.cts)?;
        write_stsc(o, &t.chunks)?;
        write_stsz(o, &t.sizes)?;
        write_chunk_offsets(o, &t.chunks, base, co64)
    })
}

#[cfg(test)]
mod tests {
    use super::super::boxes::parse::{self, u32_at, u64_at};
    use super::*;

    fn body(f: impl FnOnce(&mut Buf) -> Result<()>, fourcc: &[u8; 4]) -> Vec<u8> {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        parse::one(&out, fourcc).to_vec()
    }

    #[test]
    fn stts_is_run_length_golden() {
        let b = body(|o| write_stts(o, &[1001, 1001, 1001, 2002, 1001]), b"stts");
        let words: Vec<u32> = (0..b.len() / 4).map(|i| u32_at(&b, i * 4)).collect();
        assert_eq!(words, [0, 3, 3, 1001, 1, 2002, 1, 1001]);
    }

    #[test]
    fn ctts_absent_when_pts_equals_dts_and_signed_when_negative() {
        let mut out = Vec::new();
        write_ctts(&mut out, &[0, 0, 0]).unwrap();
        assert!(out.is_empty());
        let b = body(|o| write_ctts(o, &[2, 0, 0, 2]), b"ctts");
        assert_eq!(b[0], 0, "version 0 for non-negative offsets");
        assert_eq!(u32_at(&b, 4), 3);
        let b = body(|o| write_ctts(o, &[1, -1]), b"ctts");
        assert_eq!(b[0], 1, "version 1 for signed offsets");
        assert_eq!(u32_at(&b, 20) as i32, -1);
    }

    #[test]
    fn stss_absent_when_all_sync() {
        let mut out = Vec::new();
        write_stss(&mut out, &[1, 2, 3], 3).unwrap();
        assert!(out.is_empty());
        let b = body(|o| write_stss(o, &[1, 31], 60), b"stss");
        assert_eq!((u32_at(&b, 4), u32_at(&b, 8), u32_at(&b, 12)), (2, 1, 31));
    }

    #[test]
    fn stsc_one_entry_per_change() {
        let c = |samples| Chunk { samples, offset: 0 };
        let b = body(|o| write_stsc(o, &[c(15), c(15), c(15), c(7)]), b"stsc");
        let words: Vec<u32> = (1..b.len() / 4).map(|i| u32_at(&b, i * 4)).collect();
        assert_eq!(words, [2, 1, 15, 1, 4, 7, 1]);
    }

    #[test]
    fn stsz_constant_and_list() {
        let b = body(|o| write_stsz(o, &[417, 417]), b"stsz");
        assert_eq!((u32_at(&b, 4), u32_at(&b, 8), b.len()), (417, 2, 12));
        let b = body(|o| write_stsz(o, &[5, 6, 7]), b"stsz");
        assert_eq!((u32_at(&b, 4), u32_at(&b, 8), u32_at(&b, 20)), (0, 3, 7));
    }

    #[test]
    fn chunk_offsets_stco_and_co64() {
        let chunks = [
            Chunk {
                samples: 1,
                offset: 0,
            },
            Chunk {
                samples: 1,
                offset: 100,
            },
        ];
        let b = body(|o| write_chunk_offsets(o, &chunks, 48, false), b"stco");
        assert_eq!((u32_at(&b, 4), u32_at(&b, 8), u32_at(&b, 12)), (2, 48, 148));
        let big = 1u64 << 32;
        let b = body(|o| write_chunk_offsets(o, &chunks, big, true), b"co64");
        assert_eq!((u64_at(&b, 8), u64_at(&b, 16)), (big, big + 100));
        // stco refuses what needs co64 instead of truncating.
        let mut out = Vec::new();
        assert!(write_chunk_offsets(&mut out, &chunks, big, false).is_err());
    }

    #[test]
    fn co64_decision_uses_the_last_chunk() {
        let t = SampleTable {
            chunks: vec![Chunk {
                samples: 1,
                offset: u64::from(u32::MAX) - 100,
            }],
            ..SampleTable::default()
        };
        assert!(!t.needs_co64(100));
        assert!(t.needs_co64(101));
        assert!(!SampleTable::default().needs_co64(u64::MAX));
    }

    #[test]
    fn stbl_orders_its_children() {
        let t = SampleTable {
            sizes: vec![10, 20],
            durations: vec![1, 1],
            cts: vec![0, 1],
            sync: vec![1],
            chunks: vec![Chunk {
                samples: 2,
                offset: 0,
            }],
        };
        let mut out = Vec::new();
        write_stbl(&mut out, b"\0\0\0\x08abcd", &t, 40, false).unwrap();
        let kids: Vec<[u8; 4]> = parse::boxes(parse::one(&out, b"stbl"))
            .iter()
            .map(|b| b.fourcc)
            .collect();
        assert_eq!(
            kids,
            [
                *b"stsd", *b"stts", *b"stss", *b"ctts", *b"stsc", *b"stsz", *b"stco"
            ]
        );
    }
}
