//! Bit-level reading and writing of RBSP data (H.264 7.2 syntax functions, 9.1 Exp-Golomb
//! codes) and the emulation prevention that turns an RBSP into NAL unit bytes (7.3.1, 7.4.1).

use crate::Error;

/// Removes emulation prevention bytes: every `0x03` that follows two zero bytes (7.4.1,
/// `emulation_prevention_three_byte`).
pub(crate) fn nal_to_rbsp(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0usize;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// Inserts emulation prevention bytes so that no `00 00 0x` (x <= 3) appears in the NAL unit and
/// it does not end in a zero byte (7.4.1).
pub(crate) fn rbsp_to_nal(rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 1);
    let mut zeros = 0usize;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    if out.last() == Some(&0) {
        out.push(3);
    }
    out
}

/// Reads bits most-significant first from an RBSP.
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    fn truncated() -> Error {
        Error::MalformedSps {
            reason: "the SPS ends inside a syntax element",
        }
    }

    /// `u(1)`.
    pub(crate) fn bit(&mut self) -> Result<bool, Error> {
        let byte = self.data.get(self.pos / 8).ok_or_else(Self::truncated)?;
        let bit = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Ok(bit == 1)
    }

    /// `u(n)` for n <= 32.
    pub(crate) fn bits(&mut self, n: u32) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..n {
            v = (v << 1) | u32::from(self.bit()?);
        }
        Ok(v)
    }

    /// `u(8)`.
    pub(crate) fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.bits(8)? as u8)
    }

    /// `ue(v)` (9.1): leading zeros, a one, then as many info bits.
    pub(crate) fn ue(&mut self) -> Result<u32, Error> {
        let mut zeros = 0u32;
        while !self.bit()? {
            zeros += 1;
            // 32 leading zeros would code a value above u32::MAX, which no SPS field allows.
            if zeros > 31 {
                return Err(Error::MalformedSps {
                    reason: "an Exp-Golomb code is longer than 32 bits",
                });
            }
        }
        let info = self.bits(zeros)?;
        Ok(((1u64 << zeros) - 1 + u64::from(info)) as u32)
    }

    /// `se(v)` (9.1.1): ue k maps to (-1)^(k+1) * ceil(k / 2).
    pub(crate) fn se(&mut self) -> Result<i32, Error> {
        let k = i64::from(self.ue()?);
        let magnitude = (k + 1) / 2;
        Ok(if k % 2 == 1 { magnitude } else { -magnitude } as i32)
    }

    /// Checks that what is left is exactly `rbsp_trailing_bits()` (7.3.2.11): a one bit, then
    /// zero bits to the byte boundary, and nothing after.
    pub(crate) fn finish(mut self) -> Result<(), Error> {
        if !self.bit()? {
            return Err(Error::MalformedSps {
                reason: "rbsp_stop_one_bit is missing",
            });
        }
        while !self.pos.is_multiple_of(8) {
            if self.bit()? {
                return Err(Error::MalformedSps {
                    reason: "rbsp_alignment_zero_bit is not zero",
                });
            }
        }
        if self.pos / 8 != self.data.len() {
            return Err(Error::MalformedSps {
                reason: "data follows rbsp_trailing_bits (SPS extensions are not supported)",
            });
        }
        Ok(())
    }
}

/// Writes bits most-significant first.
#[derive(Default)]
pub(crate) struct BitWriter {
    data: Vec<u8>,
    used: u32,
}

impl BitWriter {
    pub(crate) fn bit(&mut self, b: bool) {
        if self.used.is_multiple_of(8) {
            self.data.push(0);
        }
        if b && let Some(last) = self.data.last_mut() {
            *last |= 0x80 >> (self.used % 8);
        }
        self.used += 1;
    }

    pub(crate) fn bits(&mut self, n: u32, v: u32) {
        for i in (0..n).rev() {
            self.bit((v >> i) & 1 == 1);
        }
    }

    pub(crate) fn byte(&mut self, v: u8) {
        self.bits(8, u32::from(v));
    }

    pub(crate) fn ue(&mut self, v: u32) {
        let code = u64::from(v) + 1;
        let len = 64 - code.leading_zeros();
        for _ in 1..len {
            self.bit(false);
        }
        for i in (0..len).rev() {
            self.bit((code >> i) & 1 == 1);
        }
    }

    pub(crate) fn se(&mut self, v: i32) {
        let k = if v > 0 {
            2 * i64::from(v) - 1
        } else {
            -2 * i64::from(v)
        };
        // |v| <= 2^31 keeps k within u32 for every value parse can produce.
        self.ue(u32::try_from(k).unwrap_or(u32::MAX));
    }

    /// Appends `rbsp_trailing_bits()` and returns the RBSP bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.bit(true);
        while !self.used.is_multiple_of(8) {
            self.bit(false);
        }
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_round_trips() {
        let values = [0u32, 1, 2, 3, 7, 8, 254, 255, 65_535, 1 << 20, u32::MAX - 1];
        let signed = [0i32, 1, -1, 2, -2, 1000, -1000, i32::MAX, -i32::MAX];
        let mut w = BitWriter::default();
        for v in values {
            w.ue(v);
        }
        for v in signed {
            w.se(v);
        }
        let data = w.finish();
        let mut r = BitReader::new(&data);
        for v in values {
            assert_eq!(r.ue().unwrap(), v);
        }
        for v in signed {
            assert_eq!(r.se().unwrap(), v);
        }
        r.finish().unwrap();
    }

    #[test]
    fn emulation_prevention_round_trips() {
        let rbsp = [0u8, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0];
        let nal = rbsp_to_nal(&rbsp);
        assert_eq!(
            nal,
            [
                0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 3, 2, 0, 0, 3, 3, 0, 0, 4, 0, 0, 3
            ]
        );
        assert_eq!(nal_to_rbsp(&nal), rbsp);
    }

    #[test]
    fn truncated_input_is_an_error() {
        let mut r = BitReader::new(&[0x00]);
        assert!(r.ue().is_err());
    }
}
