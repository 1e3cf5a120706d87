//! The public conversion entry points.

use framecast_core::{ColorSpec, FrameView, PixelFormat, Subsampling, YuvImage};

use crate::coeffs::{Coeffs, InverseCoeffs};
use crate::{Backend, Error, Result, dispatch};

/// Converts packed RGB frames to planar YUV for one [`ColorSpec`].
///
/// The coefficients are computed once; the backend is [`Backend::active`] unless set with
/// [`Converter::with_backend`]. Output is byte-identical whichever backend runs.
#[derive(Debug, Clone)]
pub struct Converter {
    spec: ColorSpec,
    backend: Backend,
    coeffs: Coeffs,
}

impl Converter {
    /// A converter for `spec` on the active backend.
    pub fn new(spec: ColorSpec) -> Converter {
        Converter {
            spec,
            backend: Backend::active(),
            coeffs: Coeffs::new(spec),
        }
    }

    /// The same converter on `backend`; an error if this machine cannot run it.
    pub fn with_backend(self, backend: Backend) -> Result<Converter> {
        if !backend.is_available() {
            let available = Backend::available()
                .iter()
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::BackendUnavailable { backend, available });
        }
        Ok(Converter { backend, ..self })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The colour spec.
    pub fn spec(&self) -> ColorSpec {
        self.spec
    }

    /// Converts `src` into `dst`, whose size must match; the subsampling of `dst` (4:2:0 or
    /// 4:4:4) decides the output. 4:2:0 chroma is the rounded mean of each 2x2 block, the last
    /// column and row replicated at odd sizes.
    pub fn convert(&self, src: &FrameView<'_>, dst: &mut YuvImage) -> Result<()> {
        if src.width() != dst.width() || src.height() != dst.height() {
            return Err(Error::SizeMismatch {
                src_width: src.width(),
                src_height: src.height(),
                dst_width: dst.width(),
                dst_height: dst.height(),
            });
        }
        let (fmt, w, h) = (src.format(), src.width() as usize, src.height());
        let subsampling = dst.subsampling();
        let (cw, _) = subsampling.chroma_size(src.width(), src.height());
        let cw = cw as usize;
        let [(yp, ys), (up, us), (vp, vs)] = dst.planes_mut();
        let c = &self.coeffs;
        match subsampling {
            Subsampling::Yuv444 => {
                for row in 0..h {
                    let r = row as usize;
                    dispatch::row_444(
                        self.backend,
                        fmt,
                        src.row(row),
                        &mut yp[r * ys..r * ys + w],
                        &mut up[r * us..r * us + w],
                        &mut vp[r * vs..r * vs + w],
                        c,
                    );
                }
            }
            Subsampling::Yuv420 => {
                for pair in 0..h / 2 {
                    let r = 2 * pair as usize;
                    let (y0, y1) = yp[r * ys..].split_at_mut(ys);
                    let cr = pair as usize;
                    dispatch::rows_420(
                        self.backend,
                        fmt,
                        src.row(2 * pair),
                        src.row(2 * pair + 1),
                        &mut y0[..w],
                        &mut y1[..w],
                        &mut up[cr * us..cr * us + cw],
                        &mut vp[cr * vs..cr * vs + cw],
                        c,
                    );
                }
                if h % 2 == 1 {
                    // The last row is its own neighbour below; its second luma row is discarded.
                    let r = h as usize - 1;
                    let cr = r / 2;
                    let last = src.row(h - 1);
                    let mut scratch = vec![0u8; w];
                    dispatch::rows_420(
                        self.backend,
                        fmt,
                        last,
                        last,
                        &mut yp[r * ys..r * ys + w],
                        &mut scratch,
                        &mut up[cr * us..cr * us + cw],
                        &mut vp[cr * vs..cr * vs + cw],
                        c,
                    );
                }
            }
            #[allow(unreachable_patterns, reason = "Subsampling is #[non_exhaustive]")]
            other => unreachable!("subsampling {other:?} without a kernel"),
        }
        Ok(())
    }

    /// Converts `src` into a newly allocated, tightly packed image.
    pub fn to_yuv(&self, src: &FrameView<'_>, subsampling: Subsampling) -> Result<YuvImage> {
        let mut dst = YuvImage::new(src.width(), src.height(), subsampling)?;
        self.convert(src, &mut dst)?;
        Ok(dst)
    }
}

/// Converts a YUV image back to packed RGB (for metrics and round trips; scalar only).
///
/// 4:2:0 chroma is upsampled by nearest neighbour (each 2x2 block reuses its sample). Each
/// channel is within +-1 of `round()` of the exact inverse of the matrix of `spec`, clamped to
/// 0..=255. Alpha, where the format has it, is 255. `dst` rows are `stride` bytes apart.
pub fn yuv_to_rgb(
    src: &YuvImage,
    spec: ColorSpec,
    format: PixelFormat,
    dst: &mut [u8],
    stride: usize,
) -> Result<()> {
    if format == PixelFormat::Gray {
        return Err(Error::UnsupportedOutput { format });
    }
    // Validates stride and length with the same rules as an input frame.
    FrameView::with_stride(dst, src.width(), src.height(), stride, format)?;
    let k = InverseCoeffs::new(spec);
    let bpp = format.bytes_per_pixel();
    let [ro, go, bo] = format.rgb_offsets();
    let alpha = match format {
        PixelFormat::Argb | PixelFormat::Abgr => Some(0),
        PixelFormat::Rgba | PixelFormat::Bgra => Some(3),
        _ => None,
    };
    let shift = match src.subsampling() {
        Subsampling::Yuv420 => 1,
        _ => 0,
    };
    let clamp = |v: i32| ((v + (1 << 15)) >> 16).clamp(0, 255) as u8;
    for row in 0..src.height() {
        let ys = src.plane_row(0, row);
        let us = src.plane_row(1, row >> shift);
        let vs = src.plane_row(2, row >> shift);
        let out = &mut dst[row as usize * stride..][..src.width() as usize * bpp];
        for (i, px) in out.chunks_exact_mut(bpp).enumerate() {
            let y = k.yc * (i32::from(ys[i]) - k.y_offset);
            let u = i32::from(us[i >> shift]) - 128;
            let v = i32::from(vs[i >> shift]) - 128;
            px[ro] = clamp(y + k.rv * v);
            px[go] = clamp(y - k.gu * u - k.gv * v);
            px[bo] = clamp(y + k.bu * u);
            if let Some(a) = alpha {
                px[a] = 255;
            }
        }
    }
    Ok(())
}
