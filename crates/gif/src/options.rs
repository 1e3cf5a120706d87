//! Encoder options.

use crate::{Error, Result};

/// How colours between palette entries are approximated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dither {
    /// Nearest colour only (the default: highest PSNR and smallest files on every measured
    /// clip, see the README); flat plots stay flat, photos can band.
    #[default]
    None,
    /// An 8x8 Bayer threshold map tied to canvas coordinates, the same on every frame, so static
    /// areas stay static and compress well between frames.
    Ordered,
    /// Sierra Lite error diffusion in Oklab, serpentine, with clamped error: the least banding
    /// on photos and gradients, at about 1 dB PSNR and 5-10% more bytes.
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
    /// Keep the current palette while it serves the new pixels about as well as it served the
    /// frame it was built for (mean squared Oklab error within 1.05x + 2e-6), else build a new
    /// one whose colours snap to the current one's where they barely differ.
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

    /// Quality 1..=100: how far (in 8-bit steps per channel, `2 + (100 - quality) / 6`, 0 at
    /// 100) a pixel may drift from the colour last drawn at its place before it is redrawn.
    /// 100 redraws every change; lower values leave near-static areas transparent and files
    /// smaller. It also sets the k-means
    /// iterations (more at high quality).
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

    /// The redraw tolerance in 8-bit steps.
    pub(crate) fn tolerance(&self) -> u8 {
        // A tolerance of 1 only speckles the transparency mask with noise that LZW codes worse
        // than a full redraw (measured: bigger files than quality 100), so it starts at 2.
        match self.quality.clamp(1, 100) {
            100 => 0,
            q => 2 + (100 - q) / 6,
        }
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
