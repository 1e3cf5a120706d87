//! sRGB <-> Oklab (Björn Ottosson, 2020), the perceptual working space of
//! [`ColorSpace::Oklab`](crate::ColorSpace::Oklab): Euclidean distance there follows perceived
//! colour difference, with lightness weighted far above blue and dark chroma.

use std::sync::OnceLock;

/// A colour in Oklab: `[L, a, b]`, L in 0..=1, a and b roughly in -0.4..=0.4.
pub(crate) type Lab = [f32; 3];

/// sRGB byte -> linear light, the IEC 61966-2-1 decode; a table because it runs for every pixel.
fn decode_lut() -> &'static [f32; 256] {
    static LUT: OnceLock<[f32; 256]> = OnceLock::new();
    LUT.get_or_init(|| {
        let mut t = [0f32; 256];
        for (i, v) in t.iter_mut().enumerate() {
            let c = i as f32 / 255.0;
            *v = if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            };
        }
        t
    })
}

/// Linear light -> sRGB byte (rounded, clamped); used for palette entries only.
fn encode(v: f32) -> u8 {
    let v = v.clamp(0.0, 1.0);
    let c = if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    };
    (c * 255.0 + 0.5).clamp(0.0, 255.0) as u8
}

/// A converter holding the decode table, so hot loops skip the `OnceLock` check.
#[derive(Clone, Copy)]
pub(crate) struct ToLab {
    lut: &'static [f32; 256],
}

impl ToLab {
    /// The converter (builds the table on first use).
    pub(crate) fn new() -> Self {
        ToLab { lut: decode_lut() }
    }

    /// sRGB bytes -> Oklab.
    #[inline]
    pub(crate) fn lab(&self, rgb: [u8; 3]) -> Lab {
        let r = self.lut[usize::from(rgb[0])];
        let g = self.lut[usize::from(rgb[1])];
        let b = self.lut[usize::from(rgb[2])];
        let l = (0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b).cbrt();
        let m = (0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b).cbrt();
        let s = (0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b).cbrt();
        [
            0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
            1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
            0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
        ]
    }
}

/// Oklab -> sRGB bytes, clipped to the sRGB gamut.
pub(crate) fn to_rgb(lab: Lab) -> [u8; 3] {
    let [ll, a, b] = lab;
    let l = ll + 0.396_337_78 * a + 0.215_803_76 * b;
    let m = ll - 0.105_561_346 * a - 0.063_854_17 * b;
    let s = ll - 0.089_484_18 * a - 1.291_485_5 * b;
    let (l, m, s) = (l * l * l, m * m * m, s * s * s);
    [
        encode(4.076_741_7 * l - 3.307_711_6 * m + 0.230_969_94 * s),
        encode(-1.268_438 * l + 2.609_757_4 * m - 0.341_319_38 * s),
        encode(-0.004_196_086_3 * l - 0.703_418_6 * m + 1.707_614_7 * s),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_grey_and_primaries() {
        let t = ToLab::new();
        for v in 0..=255u8 {
            assert_eq!(to_rgb(t.lab([v, v, v])), [v, v, v]);
        }
        for c in [[255, 0, 0], [0, 255, 0], [0, 0, 255], [12, 200, 77]] {
            assert_eq!(to_rgb(t.lab(c)), c);
        }
        let white = t.lab([255, 255, 255]);
        assert!((white[0] - 1.0).abs() < 1e-3 && white[1].abs() < 1e-3);
    }
}
