//! A bounds-checked big-endian reader over one box payload; every short read is an error that
//! names the box and its offset.

use super::FourCc;
use crate::{Error, Result};

pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    fourcc: FourCc,
    offset: u64,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], fourcc: FourCc, offset: u64) -> Self {
        Cursor {
            buf,
            pos: 0,
            fourcc,
            offset,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn malformed(&self, reason: String) -> Error {
        Error::MalformedBox {
            fourcc: self.fourcc,
            offset: self.offset,
            reason,
        }
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.malformed(format!(
                "{what} needs {n} bytes at payload byte {} but only {} remain",
                self.pos,
                self.remaining()
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn skip(&mut self, n: usize, what: &str) -> Result<()> {
        self.bytes(n, what).map(|_| ())
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.bytes(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self, what: &str) -> Result<u64> {
        let b = self.bytes(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    /// Version and 24-bit flags of a full box (14496-12 4.2).
    pub(crate) fn full_header(&mut self) -> Result<(u8, u32)> {
        let v = self.u32("version and flags")?;
        Ok(((v >> 24) as u8, v & 0x00ff_ffff))
    }

    /// A 32-bit field in version 0, 64-bit in version 1.
    pub(crate) fn uvar(&mut self, version: u8, what: &str) -> Result<u64> {
        if version == 1 {
            self.u64(what)
        } else {
            self.u32(what).map(u64::from)
        }
    }

    /// Checks that `count` entries of `entry_size` bytes fit before anything iterates or
    /// allocates by `count`.
    pub(crate) fn check_entries(&self, count: u64, entry_size: u64, what: &str) -> Result<()> {
        let need = count.checked_mul(entry_size);
        match need {
            Some(n) if n <= self.remaining() as u64 => Ok(()),
            _ => Err(self.malformed(format!(
                "{count} {what} of {entry_size} bytes need {} bytes but only {} remain",
                need.map_or_else(|| "more than 2^64".to_owned(), |n| n.to_string()),
                self.remaining()
            ))),
        }
    }
}
