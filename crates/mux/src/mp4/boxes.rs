//! Box primitives: the four-character code, size-patched box and full-box writers, and checked
//! narrowing of numbers into box fields (ISO/IEC 14496-12 4.2).

use std::fmt;

use crate::{Error, Result};

/// A four-character code: a box type or a sample entry type such as `avc1`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FourCc(pub [u8; 4]);

impl FourCc {
    /// The bytes as written in the file.
    pub const fn bytes(self) -> [u8; 4] {
        self.0
    }
}

impl fmt::Display for FourCc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", char::from(b))?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for FourCc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FourCc({self})")
    }
}

/// A byte buffer that boxes are appended to.
pub(crate) type Buf = Vec<u8>;

/// Appends a box: 32-bit size (patched after `body` ran), type, body.
///
/// A box whose size passes `u32::MAX` is an error here; only `mdat` uses the 64-bit
/// `largesize` form, and it is written by [`mdat_header`].
pub(crate) fn write_box(
    out: &mut Buf,
    fourcc: &[u8; 4],
    body: impl FnOnce(&mut Buf) -> Result<()>,
) -> Result<()> {
    let start = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(fourcc);
    body(out)?;
    let size = fit_u32(FourCc(*fourcc), "box size", len64(out.len() - start))?;
    out[start..start + 4].copy_from_slice(&size.to_be_bytes());
    Ok(())
}

/// Appends a full box: a box whose body starts with an 8-bit version and 24-bit flags.
pub(crate) fn write_full_box(
    out: &mut Buf,
    fourcc: &[u8; 4],
    version: u8,
    flags: u32,
    body: impl FnOnce(&mut Buf) -> Result<()>,
) -> Result<()> {
    write_box(out, fourcc, |out| {
        out.push(version);
        out.extend_from_slice(&flags.to_be_bytes()[1..]);
        body(out)
    })
}

pub(crate) fn put_u8(out: &mut Buf, v: u8) {
    out.push(v);
}
pub(crate) fn put_u16(out: &mut Buf, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub(crate) fn put_u32(out: &mut Buf, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub(crate) fn put_i32(out: &mut Buf, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub(crate) fn put_u64(out: &mut Buf, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub(crate) fn put_i64(out: &mut Buf, v: i64) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub(crate) fn put_zeros(out: &mut Buf, n: usize) {
    out.resize(out.len() + n, 0);
}

/// The unity transformation matrix of `mvhd` and `tkhd` (14496-12 8.2.2.3, 8.3.2.3).
pub(crate) fn put_unity_matrix(out: &mut Buf) {
    for v in [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] {
        put_u32(out, v);
    }
}

/// Narrows `value` to a `u32` box field, or says which field overflowed.
pub(crate) fn fit_u32(fourcc: FourCc, field: &'static str, value: u64) -> Result<u32> {
    value.try_into().map_err(|_| Error::FieldOverflow {
        fourcc,
        field,
        value: value.into(),
        max: u32::MAX.into(),
    })
}

/// Narrows `value` to a `u16` box field, or says which field overflowed.
pub(crate) fn fit_u16(fourcc: FourCc, field: &'static str, value: u64) -> Result<u16> {
    value.try_into().map_err(|_| Error::FieldOverflow {
        fourcc,
        field,
        value: value.into(),
        max: u16::MAX.into(),
    })
}

/// `usize` to `u64`, which cannot fail on any supported target (pointers are at most 64 bits).
pub(crate) fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The `mdat` header for `payload` bytes: 8 bytes, or 16 with the 64-bit `largesize` when the
/// box passes `u32::MAX` bytes (14496-12 4.2: size 1 means a `largesize` follows the type).
pub(crate) fn mdat_header(payload: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    match u32::try_from(payload.saturating_add(8)) {
        Ok(size) => {
            put_u32(&mut out, size);
            out.extend_from_slice(b"mdat");
        }
        Err(_) => {
            put_u32(&mut out, 1);
            out.extend_from_slice(b"mdat");
            put_u64(&mut out, payload.saturating_add(16));
        }
    }
    out
}

/// Test helpers: a minimal box parser to check what the writers produce.
#[cfg(test)]
pub(crate) mod parse {
    /// One parsed box: type, whole box bytes and body bytes.
    #[derive(Debug, Clone)]
    pub(crate) struct Parsed<'a> {
        pub(crate) fourcc: [u8; 4],
        pub(crate) body: &'a [u8],
    }

    /// Splits `data` into consecutive boxes; panics on malformed sizes (tests only).
    pub(crate) fn boxes(mut data: &[u8]) -> Vec<Parsed<'_>> {
        let mut out = Vec::new();
        while !data.is_empty() {
            let size = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
            let fourcc: [u8; 4] = data[4..8].try_into().unwrap();
            let (hdr, size) = if size == 1 {
                (
                    16,
                    u64::from_be_bytes(data[8..16].try_into().unwrap()) as usize,
                )
            } else {
                (8, size)
            };
            assert!(size >= hdr && size <= data.len(), "bad box size {size}");
            out.push(Parsed {
                fourcc,
                body: &data[hdr..size],
            });
            data = &data[size..];
        }
        out
    }

    /// The single box of `data`, checked to be of type `fourcc`.
    pub(crate) fn one<'a>(data: &'a [u8], fourcc: &[u8; 4]) -> &'a [u8] {
        let b = boxes(data);
        assert_eq!(b.len(), 1, "expected exactly one box");
        assert_eq!(&b[0].fourcc, fourcc);
        b[0].body
    }

    /// The first child of type `fourcc` among `data`'s boxes.
    pub(crate) fn child<'a>(data: &'a [u8], fourcc: &[u8; 4]) -> &'a [u8] {
        boxes(data)
            .into_iter()
            .find(|b| &b.fourcc == fourcc)
            .map(|b| b.body)
            .unwrap_or_else(|| panic!("no {:?} box", std::str::from_utf8(fourcc)))
    }

    /// Follows a path of box types from `data`, skipping `skip` bytes of each body first
    /// (for full boxes and sample entries, pass the header length per step).
    pub(crate) fn path<'a>(mut data: &'a [u8], steps: &[(&[u8; 4], usize)]) -> &'a [u8] {
        for (fourcc, skip) in steps {
            data = &child(data, fourcc)[*skip..];
        }
        data
    }

    pub(crate) fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_be_bytes(b[i..i + 4].try_into().unwrap())
    }
    pub(crate) fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_be_bytes(b[i..i + 2].try_into().unwrap())
    }
    pub(crate) fn u64_at(b: &[u8], i: usize) -> u64 {
        u64::from_be_bytes(b[i..i + 8].try_into().unwrap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_and_full_box_golden() {
        let mut out = Vec::new();
        write_full_box(&mut out, b"test", 1, 0x0a0b0c, |o| {
            put_u16(o, 0xBEEF);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            out,
            [
                0, 0, 0, 14, b't', b'e', b's', b't', 1, 0x0a, 0x0b, 0x0c, 0xBE, 0xEF
            ]
        );
        let body = parse::one(&out, b"test");
        assert_eq!(body, &[1, 0x0a, 0x0b, 0x0c, 0xBE, 0xEF]);
    }

    #[test]
    fn nested_boxes_patch_their_sizes() {
        let mut out = Vec::new();
        write_box(&mut out, b"moov", |o| {
            write_box(o, b"free", |o| {
                put_zeros(o, 3);
                Ok(())
            })?;
            write_box(o, b"skip", |_| Ok(()))
        })
        .unwrap();
        assert_eq!(out.len(), 8 + 11 + 8);
        let kids = parse::boxes(parse::one(&out, b"moov"));
        assert_eq!(kids.len(), 2);
        assert_eq!(&kids[0].fourcc, b"free");
        assert_eq!(kids[0].body.len(), 3);
    }

    #[test]
    fn mdat_header_switches_to_largesize_past_4_gib() {
        assert_eq!(mdat_header(0), [0, 0, 0, 8, b'm', b'd', b'a', b't']);
        let max32 = u64::from(u32::MAX) - 8;
        assert_eq!(mdat_header(max32).len(), 8);
        let big = mdat_header(max32 + 1);
        assert_eq!(big.len(), 16);
        assert_eq!(&big[..8], &[0, 0, 0, 1, b'm', b'd', b'a', b't']);
        assert_eq!(parse::u64_at(&big, 8), max32 + 1 + 16);
    }

    #[test]
    fn overflow_names_the_field() {
        let e = fit_u16(FourCc(*b"avc1"), "width", 70_000).unwrap_err();
        assert_eq!(
            e.to_string(),
            "avc1: width 70000 does not fit (maximum 65535)"
        );
        assert_eq!(FourCc(*b"a\0c1").to_string(), "a\\x00c1");
    }
}
