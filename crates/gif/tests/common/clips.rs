//! Test and measurement clips: a pan over a corpus photo, a matplotlib-like plot (RGBA), and a
//! moving gradient at an odd size. Shared by the tests and `examples/measure.rs`.
#![allow(dead_code, reason = "each user takes a part")]

use std::path::Path;

/// A clip: tightly packed frames of one format.
pub(crate) struct Clip {
    pub(crate) name: &'static str,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// 3 (RGB24) or 4 (RGBA) bytes per pixel.
    pub(crate) bpp: usize,
    pub(crate) frames: Vec<Vec<u8>>,
}

/// A `w`x`h` window panning right and down over `photo` (RGB), 3 px per frame.
pub(crate) fn photo_pan(photo: &Path, w: u32, h: u32, frames: usize) -> Clip {
    let img = image::open(photo).expect("corpus photo").to_rgb8();
    let (pw, ph) = img.dimensions();
    let mut out = Vec::new();
    for f in 0..frames {
        let x0 = ((f as u32) * 3).min(pw - w);
        let y0 = (f as u32).min(ph - h);
        let mut buf = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                buf.extend_from_slice(&img.get_pixel(x0 + x, y0 + y).0);
            }
        }
        out.push(buf);
    }
    Clip {
        name: "photo-pan",
        width: w,
        height: h,
        bpp: 3,
        frames: out,
    }
}

/// Antialiased coverage of a 1.5 px line at distance `d` from its centre.
fn coverage(d: f32) -> f32 {
    (1.25 - d.abs()).clamp(0.0, 1.0)
}

/// A plot: white background, grey axes and grid, three antialiased curves whose phase moves;
/// RGBA, fully opaque, as matplotlib's `canvas.buffer_rgba()` gives it.
pub(crate) fn plot(w: u32, h: u32, frames: usize) -> Clip {
    let colours: [[f32; 3]; 3] = [[31., 119., 180.], [255., 127., 14.], [44., 160., 44.]];
    let mut out = Vec::new();
    for f in 0..frames {
        let mut buf = vec![255u8; (w * h * 4) as usize];
        let phase = f as f32 * 0.15;
        let (left, bottom) = (50u32, h - 40);
        for y in 0..h {
            for x in 0..w {
                let i = ((y * w + x) * 4) as usize;
                let mut c = [255f32; 3];
                // Axes and a light grid every 60 px.
                if (x == left && y <= bottom) || (y == bottom && x >= left) {
                    c = [0.0; 3];
                } else if x > left && y < bottom && (x % 60 == 0 || y % 60 == 0) {
                    c = [235.0; 3];
                }
                if x > left && y < bottom {
                    let t = (x - left) as f32 / (w - left) as f32 * 12.0;
                    for (k, col) in colours.iter().enumerate() {
                        let amp = (bottom as f32) * (0.18 + 0.05 * k as f32);
                        let yc = bottom as f32 * 0.5 + amp * (t + phase + k as f32).sin();
                        let slope = amp * (t + phase + k as f32).cos() * 12.0 / (w - left) as f32;
                        let d = (y as f32 - yc) / (1.0 + slope * slope).sqrt();
                        let a = coverage(d);
                        for ch in 0..3 {
                            c[ch] = c[ch] * (1.0 - a) + col[ch] * a;
                        }
                    }
                }
                for ch in 0..3 {
                    buf[i + ch] = c[ch].round() as u8;
                }
            }
        }
        out.push(buf);
    }
    Clip {
        name: "plot-rgba",
        width: w,
        height: h,
        bpp: 4,
        frames: out,
    }
}

/// A diagonal colour gradient sliding by 2 px per frame, with a moving dark disc.
pub(crate) fn gradient(w: u32, h: u32, frames: usize) -> Clip {
    let mut out = Vec::new();
    for f in 0..frames {
        let mut buf = Vec::with_capacity((w * h * 3) as usize);
        let (cx, cy) = (20.0 + 4.0 * f as f32, h as f32 / 2.0);
        for y in 0..h {
            for x in 0..w {
                let u = (x as f32 + 2.0 * f as f32) / w as f32;
                let v = y as f32 / h as f32;
                let mut c = [
                    255.0 * u.fract(),
                    255.0 * v,
                    255.0 * (1.0 - 0.5 * (u + v) / 2.0),
                ];
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                let a = (20.0 - d).clamp(0.0, 1.0);
                for ch in &mut c {
                    *ch = *ch * (1.0 - a) + 30.0 * a;
                }
                buf.extend(c.iter().map(|v| v.round().clamp(0.0, 255.0) as u8));
            }
        }
        out.push(buf);
    }
    Clip {
        name: "gradient-odd",
        width: w,
        height: h,
        bpp: 3,
        frames: out,
    }
}

/// RGB PSNR in dB of `got` (RGBA) against `src` (RGB or RGBA, `bpp`); 99 when identical.
pub(crate) fn psnr(src: &[u8], bpp: usize, got: &[u8]) -> f64 {
    let mut se = 0f64;
    let mut n = 0f64;
    for (s, g) in src.chunks_exact(bpp).zip(got.chunks_exact(4)) {
        for c in 0..3 {
            let d = f64::from(s[c]) - f64::from(g[c]);
            se += d * d;
        }
        n += 3.0;
    }
    if se == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 * n / se).log10()
    }
}
