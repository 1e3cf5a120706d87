//! Encoder options.

use crate::{ColorSpace, Error, Result};

/// How colours between palette entries are approximated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dither {
    /// Nearest colour only (the default: highest PSNR and smallest files on every measured
    /// clip, see the README); flat plots stay flat, photos and gradients can band.
    #[default]
    None,
    /// An 8x8 Bayer threshold map tied to canvas coordinates, the same on every frame, so static
    /// areas stay static and compress well between frames.
    Ordered,
    /// Sierra Lite error diffusion in the working [`ColorSpace`], serpentine, with clamped
    /// error: the least banding on photos and gradients, at 0.2-1.1 dB less PSNR and 5-85%
    /// more bytes (README). Pixels that stay are never redrawn under it.
    Diffusion,
}

impl Dither {
    /// The name used by the CLI (`none`, `ordered`, `diffusion`).
    pub const fn name(self) -> &'static str {
        match self {
            Dither::None => "none",
            Dither::Ordered => "ordered",
            Dither::Diffusion => "diffusion",
        }
    }
}

/// How many times the animation plays.
///
/// Written as the NETSCAPE2.0 application extension (an addition to GIF89a section 26, the
/// Application Extension), whose loop count means "repeat this many more times".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Repeat {
    /// Loop forever (the default; NETSCAPE2.0 loop count 0).
    #[default]
    Infinite,
    /// Play once, then repeat `n` more times; `Finite(0)` plays once and writes no extension.
    Finite(u16),
}

/// Whether frames share a palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PaletteMode {
    /// Per frame, the cheapest of the global palette, the current one and a new one (whose
    /// colours snap to the current one's where they barely differ), by rate-distortion: the
    /// squared error of the drawn pixels plus a quality-dependent weight times the bytes of
    /// the colour table the choice writes (none for the global one).
    #[default]
    Auto,
    /// One palette, built from the first frame, for the whole animation (the global colour
    /// table of GIF89a section 19).
    Global,
    /// A new palette (local colour table, section 21) for every frame, snapped to the previous
    /// one's colours where they barely differ.
    PerFrame,
}

/// Options of [`GifEncoder`](crate::GifEncoder).
///
/// ```
/// use framecast_gif::{Dither, GifOptions};
/// let options = GifOptions::default().colors(64).dither(Dither::Ordered).validate()?;
/// assert_eq!(options.get_colors(), 64);
/// # Ok::<(), framecast_gif::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GifOptions {
    colors: u16,
    dither: Dither,
    strength: f32,
    quality: u8,
    repeat: Repeat,
    threads: usize,
    palette: PaletteMode,
    space: ColorSpace,
}

impl Default for GifOptions {
    fn default() -> Self {
        GifOptions {
            colors: 256,
            dither: Dither::default(),
            strength: DEFAULT_STRENGTH,
            quality: DEFAULT_QUALITY,
            repeat: Repeat::Infinite,
            threads: 0,
            palette: PaletteMode::Auto,
            space: ColorSpace::Srgb,
        }
    }
}

/// Default dither strength (see the crate README for the measurement behind it).
pub const DEFAULT_STRENGTH: f32 = 0.5;
/// Default quality (see the crate README for the measurement behind it).
pub const DEFAULT_QUALITY: u8 = 95;

impl GifOptions {
    /// Palette size, 2..=256 (one entry goes to transparency when the animation needs it).
    pub fn colors(mut self, colors: u16) -> Self {
        self.colors = colors;
        self
    }

    /// Dithering method.
    pub fn dither(mut self, dither: Dither) -> Self {
        self.dither = dither;
        self
    }

    /// Dither strength, 0.0..=1.0 (0 behaves like [`Dither::None`]).
    pub fn strength(mut self, strength: f32) -> Self {
        self.strength = strength;
        self
    }

    /// Quality 1..=100, trading size for fidelity through an error budget of
    /// `(100 - quality) / 2` 8-bit steps (2.5 at the default 95):
    ///
    /// - lossy LZW: while a code's string grows, a pixel may take a palette colour within the
    ///   budget of its own when that makes the string longer;
    /// - a pixel whose source stays within the budget (spread over the channels, at least 2
    ///   steps) of what was last drawn there may stay as it is;
    /// - a new colour table is written only when its error reduction is worth its bytes
    ///   (rate-distortion with a weight growing with the budget);
    /// - more k-means rounds at higher quality.
    ///
    /// 100 is lossless LZW and redraws every change.
    pub fn quality(mut self, quality: u8) -> Self {
        self.quality = quality;
        self
    }

    /// Loop behaviour.
    pub fn repeat(mut self, repeat: Repeat) -> Self {
        self.repeat = repeat;
        self
    }

    /// Worker threads for dithering and LZW; 0 (default) uses the available parallelism, 1
    /// encodes on the calling thread. Output bytes do not depend on this.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Shared or per-frame palettes.
    pub fn palette(mut self, palette: PaletteMode) -> Self {
        self.palette = palette;
        self
    }

    /// The colour space palettes are built and colours matched in.
    pub fn space(mut self, space: ColorSpace) -> Self {
        self.space = space;
        self
    }

    /// The palette size.
    pub fn get_colors(&self) -> u16 {
        self.colors
    }
    /// The dithering method.
    pub fn get_dither(&self) -> Dither {
        self.dither
    }
    /// The dither strength.
    pub fn get_strength(&self) -> f32 {
        self.strength
    }
    /// The quality.
    pub fn get_quality(&self) -> u8 {
        self.quality
    }
    /// The loop behaviour.
    pub fn get_repeat(&self) -> Repeat {
        self.repeat
    }
    /// The thread count (0 = automatic).
    pub fn get_threads(&self) -> usize {
        self.threads
    }
    /// The palette mode.
    pub fn get_palette(&self) -> PaletteMode {
        self.palette
    }

    /// The colour space.
    pub fn get_space(&self) -> ColorSpace {
        self.space
    }

    /// Checks every value against its range.
    pub fn validate(self) -> Result<Self> {
        if !(2..=256).contains(&self.colors) {
            return Err(Error::InvalidOption {
                option: "colors",
                value: self.colors.to_string(),
                range: "2..=256",
            });
        }
        if !(0.0..=1.0).contains(&self.strength) {
            return Err(Error::InvalidOption {
                option: "strength",
                value: self.strength.to_string(),
                range: "0.0..=1.0",
            });
        }
        if !(1..=100).contains(&self.quality) {
            return Err(Error::InvalidOption {
                option: "quality",
                value: self.quality.to_string(),
                range: "1..=100",
            });
        }
        if self.threads > MAX_THREADS {
            return Err(Error::InvalidOption {
                option: "threads",
                value: self.threads.to_string(),
                range: "0..=256",
            });
        }
        Ok(self)
    }

    /// The error budget of the quality in 8-bit steps (Euclidean over R, G and B): 0 at 100,
    /// half a step more per quality point below (2.5 at the default 95, 5 at 90, 15 at 70).
    fn budget(&self) -> f32 {
        f32::from(100 - self.quality.clamp(1, 100)) * 0.5
    }

    /// The redraw tolerance in 8-bit steps per channel: the budget spread over the three
    /// channels, and 0 only at quality 100.
    pub(crate) fn tolerance(&self) -> u8 {
        // A tolerance of 1 speckles drifting areas with scattered redraws that LZW codes worse
        // than a full redraw (measured on the gradient clip: 1.01-1.07 MB at tolerance 1,
        // 0.63 MB at 2, README), so it starts at 2.
        let t = self.budget() / 3f32.sqrt();
        if t > 0.0 { t.round().max(2.0) as u8 } else { 0 }
    }

    /// Bytes are worth this many squared 8-bit steps of error (summed over R, G and B) in the
    /// rate-distortion choice of palettes: twice the squared budget.
    pub(crate) fn lambda(&self) -> f64 {
        2.0 * f64::from(self.budget()).powi(2)
    }

    /// Lossy LZW: the largest squared distance (working space) of a substitute colour, the
    /// budget.
    pub(crate) fn lossy(&self) -> f32 {
        (self.budget() / 255.0).powi(2)
    }

    /// k-means rounds per palette.
    pub(crate) fn iterations(&self) -> u32 {
        2 + u32::from(self.quality.clamp(1, 100)) / 25
    }
}

/// The most worker threads accepted.
pub(crate) const MAX_THREADS: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_reports_value_and_range() {
        let e = GifOptions::default().colors(1).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "GIF option colors = 1 is out of range 2..=256"
        );
        assert!(GifOptions::default().strength(1.5).validate().is_err());
        assert!(GifOptions::default().strength(f32::NAN).validate().is_err());
        assert!(GifOptions::default().quality(0).validate().is_err());
        assert!(GifOptions::default().threads(1000).validate().is_err());
        assert!(GifOptions::default().colors(256).validate().is_ok());
    }
}
