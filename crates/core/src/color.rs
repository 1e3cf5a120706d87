//! Colour description: the conversion matrix and range, and the code points that signal them.
//!
//! The code points are those of ITU-T H.273, which H.264 VUI (Annex E), AV1 `color_config` and
//! the MP4 `colr` box of type `nclx` (ISO/IEC 14496-12 12.1.5) all share.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The RGB <-> YUV matrix (luma coefficients Kr, Kb).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Matrix {
    /// ITU-R BT.601: Kr = 0.299, Kb = 0.114.
    Bt601,
    /// ITU-R BT.709: Kr = 0.2126, Kb = 0.0722.
    Bt709,
    /// ITU-R BT.2020 non-constant luminance: Kr = 0.2627, Kb = 0.0593.
    Bt2020,
}

impl Matrix {
    /// Every matrix.
    pub const ALL: [Matrix; 3] = [Matrix::Bt601, Matrix::Bt709, Matrix::Bt2020];

    /// The luma weights `(Kr, Kb)`; `Kg = 1 - Kr - Kb`.
    pub const fn kr_kb(self) -> (f64, f64) {
        match self {
            Matrix::Bt601 => (0.299, 0.114),
            Matrix::Bt709 => (0.2126, 0.0722),
            Matrix::Bt2020 => (0.2627, 0.0593),
        }
    }

    /// Lower-case name (`bt601`, `bt709`, `bt2020`).
    pub const fn name(self) -> &'static str {
        match self {
            Matrix::Bt601 => "bt601",
            Matrix::Bt709 => "bt709",
            Matrix::Bt2020 => "bt2020",
        }
    }
}

impl fmt::Display for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Matrix {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['.', '-', '_'], "")
            .as_str()
        {
            "bt601" | "601" | "smpte170m" | "bt470bg" => Ok(Matrix::Bt601),
            "bt709" | "709" => Ok(Matrix::Bt709),
            "bt2020" | "2020" | "bt2020nc" | "bt2020ncl" => Ok(Matrix::Bt2020),
            _ => Err(Error::UnknownName {
                what: "matrix",
                name: s.to_owned(),
                expected: "bt601, bt709, bt2020",
            }),
        }
    }
}

/// Sample range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Range {
    /// "TV" range: Y in 16..=235, chroma in 16..=240.
    Limited,
    /// "PC" range: Y and chroma in 0..=255.
    Full,
}

impl Range {
    /// Both ranges.
    pub const ALL: [Range; 2] = [Range::Limited, Range::Full];

    /// Lower-case name (`limited`, `full`).
    pub const fn name(self) -> &'static str {
        match self {
            Range::Limited => "limited",
            Range::Full => "full",
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Range {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "limited" | "tv" | "mpeg" => Ok(Range::Limited),
            "full" | "pc" | "jpeg" => Ok(Range::Full),
            _ => Err(Error::UnknownName {
                what: "range",
                name: s.to_owned(),
                expected: "limited, full",
            }),
        }
    }
}

/// H.273 `ColourPrimaries` code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColorPrimaries(pub u8);

impl ColorPrimaries {
    /// 1: BT.709 / sRGB primaries.
    pub const BT709: Self = Self(1);
    /// 2: unspecified.
    pub const UNSPECIFIED: Self = Self(2);
    /// 5: BT.601 625-line (BT.470 B/G).
    pub const BT470BG: Self = Self(5);
    /// 6: BT.601 525-line (SMPTE 170M).
    pub const SMPTE170M: Self = Self(6);
    /// 9: BT.2020.
    pub const BT2020: Self = Self(9);
}

/// H.273 `TransferCharacteristics` code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransferCharacteristics(pub u8);

impl TransferCharacteristics {
    /// 1: BT.709.
    pub const BT709: Self = Self(1);
    /// 2: unspecified.
    pub const UNSPECIFIED: Self = Self(2);
    /// 6: BT.601 (SMPTE 170M); the same curve as BT.709.
    pub const SMPTE170M: Self = Self(6);
    /// 13: sRGB (IEC 61966-2-1).
    pub const SRGB: Self = Self(13);
    /// 14: BT.2020 (10-bit system; the same curve as BT.709).
    pub const BT2020_10: Self = Self(14);
}

/// H.273 `MatrixCoefficients` code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MatrixCoefficients(pub u8);

impl MatrixCoefficients {
    /// 0: identity (GBR).
    pub const IDENTITY: Self = Self(0);
    /// 1: BT.709.
    pub const BT709: Self = Self(1);
    /// 2: unspecified.
    pub const UNSPECIFIED: Self = Self(2);
    /// 5: BT.601 625-line (BT.470 B/G).
    pub const BT470BG: Self = Self(5);
    /// 6: BT.601 525-line (SMPTE 170M).
    pub const SMPTE170M: Self = Self(6);
    /// 9: BT.2020 non-constant luminance.
    pub const BT2020_NCL: Self = Self(9);
}

/// How RGB maps to YUV and how that is signalled.
///
/// One `ColorSpec`, chosen once, drives the conversion coefficients, the bitstream's colour
/// signalling (H.264 VUI, AV1 `color_config`) and the MP4 `colr` box, so the three always agree.
/// [`ColorSpec::new`] tags primaries, transfer and matrix fully: players that see a matrix without
/// a transfer fall back to BT.601, which shifts BT.709 colours visibly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColorSpec {
    /// The conversion matrix.
    pub matrix: Matrix,
    /// The sample range.
    pub range: Range,
    /// Signalled colour primaries.
    pub primaries: ColorPrimaries,
    /// Signalled transfer characteristics.
    pub transfer: TransferCharacteristics,
}

impl ColorSpec {
    /// BT.601 limited range, tagged as SMPTE 170M throughout.
    pub const BT601_LIMITED: Self = Self::new(Matrix::Bt601, Range::Limited);
    /// BT.709 limited range.
    pub const BT709_LIMITED: Self = Self::new(Matrix::Bt709, Range::Limited);
    /// BT.709 full range.
    pub const BT709_FULL: Self = Self::new(Matrix::Bt709, Range::Full);

    /// A fully tagged spec: primaries and transfer follow the matrix's own standard.
    pub const fn new(matrix: Matrix, range: Range) -> Self {
        let (primaries, transfer) = match matrix {
            Matrix::Bt601 => (
                ColorPrimaries::SMPTE170M,
                TransferCharacteristics::SMPTE170M,
            ),
            Matrix::Bt709 => (ColorPrimaries::BT709, TransferCharacteristics::BT709),
            Matrix::Bt2020 => (ColorPrimaries::BT2020, TransferCharacteristics::BT2020_10),
        };
        ColorSpec {
            matrix,
            range,
            primaries,
            transfer,
        }
    }

    /// A fully tagged spec for RGB frames in sRGB (BT.709) primaries, the RGB that programs
    /// draw: the matrix as asked, with the primaries and transfer of the source. This differs
    /// from [`ColorSpec::new`] only for BT.2020, whose own primaries would tell players to map a
    /// wider gamut onto the screen: Chromium 156 then showed sRGB mid-tones off by up to 96 per
    /// channel, where BT.709 primaries and transfer with the BT.2020 matrix come back exact.
    ///
    /// ```
    /// # use framecast_core::{ColorPrimaries, ColorSpec, Matrix, Range};
    /// let spec = ColorSpec::for_srgb(Matrix::Bt2020, Range::Limited);
    /// assert_eq!(spec.primaries, ColorPrimaries::BT709);
    /// assert_eq!(ColorSpec::for_srgb(Matrix::Bt709, Range::Full), ColorSpec::BT709_FULL);
    /// ```
    pub const fn for_srgb(matrix: Matrix, range: Range) -> Self {
        match matrix {
            Matrix::Bt2020 => ColorSpec {
                matrix,
                range,
                primaries: ColorPrimaries::BT709,
                transfer: TransferCharacteristics::BT709,
            },
            _ => Self::new(matrix, range),
        }
    }

    /// The matrix code point signalled for [`Self::matrix`].
    pub const fn matrix_coefficients(&self) -> MatrixCoefficients {
        match self.matrix {
            Matrix::Bt601 => MatrixCoefficients::SMPTE170M,
            Matrix::Bt709 => MatrixCoefficients::BT709,
            Matrix::Bt2020 => MatrixCoefficients::BT2020_NCL,
        }
    }

    /// Whether the range is full (the `full_range_flag` of VUI, AV1 and `nclx`).
    pub const fn full_range(&self) -> bool {
        matches!(self.range, Range::Full)
    }
}

impl Default for ColorSpec {
    /// BT.601 limited, fully tagged: measured with Debian's headless Chromium 156, this tagging
    /// comes back within 2 per channel of the source RGB, and ffmpeg agrees; BT.709 limited was off
    /// by up to 11 in blue in the same browser (docs/DESIGN.md, contract 1).
    fn default() -> Self {
        Self::BT601_LIMITED
    }
}

impl fmt::Display for ColorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.matrix, self.range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        assert_eq!("BT.709".parse::<Matrix>(), Ok(Matrix::Bt709));
        assert_eq!("pc".parse::<Range>(), Ok(Range::Full));
        let e = "bt2100".parse::<Matrix>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown matrix 'bt2100'; expected one of bt601, bt709, bt2020"
        );
    }

    #[test]
    fn specs_are_fully_tagged() {
        for m in Matrix::ALL {
            let s = ColorSpec::new(m, Range::Full);
            assert_ne!(s.primaries, ColorPrimaries::UNSPECIFIED);
            assert_ne!(s.transfer, TransferCharacteristics::UNSPECIFIED);
            assert_ne!(s.matrix_coefficients(), MatrixCoefficients::UNSPECIFIED);
        }
    }
}
