//! Packed input pixel formats.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The packed 8-bit pixel layouts framecast reads, named as ffmpeg's `-pix_fmt` names them.
///
/// Alpha, where present, is carried but never blended: colour conversion ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PixelFormat {
    /// `rgb24`: R, G, B bytes.
    Rgb24,
    /// `bgr24`: B, G, R bytes.
    Bgr24,
    /// `rgba`: R, G, B, A bytes.
    Rgba,
    /// `bgra`: B, G, R, A bytes.
    Bgra,
    /// `argb`: A, R, G, B bytes.
    Argb,
    /// `abgr`: A, B, G, R bytes.
    Abgr,
    /// `gray`: one luma byte per pixel.
    Gray,
}

const NAMES: &str = "rgb24, bgr24, rgba, bgra, argb, abgr, gray";

impl PixelFormat {
    /// Every format, in a fixed order (useful for tests and benchmarks).
    pub const ALL: [PixelFormat; 7] = [
        PixelFormat::Rgb24,
        PixelFormat::Bgr24,
        PixelFormat::Rgba,
        PixelFormat::Bgra,
        PixelFormat::Argb,
        PixelFormat::Abgr,
        PixelFormat::Gray,
    ];

    /// Bytes per pixel.
    pub const fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Rgb24 | PixelFormat::Bgr24 => 3,
            PixelFormat::Rgba | PixelFormat::Bgra | PixelFormat::Argb | PixelFormat::Abgr => 4,
            PixelFormat::Gray => 1,
        }
    }

    /// Byte offsets of red, green and blue within one pixel (all zero for `gray`).
    pub const fn rgb_offsets(self) -> [usize; 3] {
        match self {
            PixelFormat::Rgb24 | PixelFormat::Rgba => [0, 1, 2],
            PixelFormat::Bgr24 | PixelFormat::Bgra => [2, 1, 0],
            PixelFormat::Argb => [1, 2, 3],
            PixelFormat::Abgr => [3, 2, 1],
            PixelFormat::Gray => [0, 0, 0],
        }
    }

    /// Whether the format carries an alpha byte.
    pub const fn has_alpha(self) -> bool {
        self.bytes_per_pixel() == 4
    }

    /// The ffmpeg name of the format (`rgb24`, `bgra`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            PixelFormat::Rgb24 => "rgb24",
            PixelFormat::Bgr24 => "bgr24",
            PixelFormat::Rgba => "rgba",
            PixelFormat::Bgra => "bgra",
            PixelFormat::Argb => "argb",
            PixelFormat::Abgr => "abgr",
            PixelFormat::Gray => "gray",
        }
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PixelFormat {
    type Err = Error;

    /// Parses ffmpeg's names; `gray8` and `rgb` are accepted as aliases of `gray` and `rgb24`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let lower = s.trim().to_ascii_lowercase();
        let found = match lower.as_str() {
            "gray8" => Some(PixelFormat::Gray),
            "rgb" => Some(PixelFormat::Rgb24),
            "bgr" => Some(PixelFormat::Bgr24),
            name => PixelFormat::ALL.into_iter().find(|f| f.name() == name),
        };
        found.ok_or_else(|| Error::UnknownPixelFormat {
            name: s.to_owned(),
            expected: NAMES,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in PixelFormat::ALL {
            assert_eq!(f.name().parse::<PixelFormat>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!("GRAY8".parse::<PixelFormat>(), Ok(PixelFormat::Gray));
    }

    #[test]
    fn unknown_name_lists_accepted() {
        let err = "yuv420p".parse::<PixelFormat>().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("'yuv420p'") && msg.contains("rgb24") && msg.contains("gray"),
            "{msg}"
        );
    }

    #[test]
    fn offsets_point_inside_pixel() {
        for f in PixelFormat::ALL {
            assert!(f.rgb_offsets().iter().all(|&o| o < f.bytes_per_pixel()));
        }
    }
}
