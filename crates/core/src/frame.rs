//! Borrowed packed frames and owned planar YUV images.

use crate::{Error, PixelFormat, Result};

/// The largest width or height framecast accepts, in pixels.
///
/// 16384 is the largest picture dimension of any level of AV1 (level 6.x, `MaxHSize`) and above
/// H.264's largest level; it also keeps every byte count of a frame well inside `usize` on 32-bit
/// targets such as wasm32, so no size arithmetic downstream can overflow.
pub const MAX_DIMENSION: u32 = 16384;

fn check_dimension(what: &'static str, value: u32) -> Result<()> {
    if value == 0 {
        return Err(Error::ZeroDimension {
            what,
            max: MAX_DIMENSION,
        });
    }
    if value > MAX_DIMENSION {
        return Err(Error::DimensionTooLarge {
            what,
            value,
            max: MAX_DIMENSION,
        });
    }
    Ok(())
}

/// The most padding bytes a [`YuvImage`] row may carry beyond its visible pixels.
pub const MAX_STRIDE_PADDING: usize = 4096;

/// A borrowed frame of packed pixels, validated once at construction.
///
/// Rows are `stride` bytes apart; the last row need not be padded to a full stride, so a buffer
/// of `stride * (height - 1) + width * bytes_per_pixel` bytes is enough.
#[derive(Debug, Clone, Copy)]
pub struct FrameView<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    stride: usize,
    format: PixelFormat,
}

impl<'a> FrameView<'a> {
    /// A tightly packed frame (stride = width x bytes per pixel).
    pub fn new(data: &'a [u8], width: u32, height: u32, format: PixelFormat) -> Result<Self> {
        check_dimension("width", width)?;
        let stride = width as usize * format.bytes_per_pixel();
        Self::with_stride(data, width, height, stride, format)
    }

    /// A frame whose rows are `stride` bytes apart.
    pub fn with_stride(
        data: &'a [u8],
        width: u32,
        height: u32,
        stride: usize,
        format: PixelFormat,
    ) -> Result<Self> {
        check_dimension("width", width)?;
        check_dimension("height", height)?;
        let row = width as usize * format.bytes_per_pixel();
        if stride < row {
            return Err(Error::StrideTooShort {
                stride,
                min: row,
                width,
                format: format.name(),
            });
        }
        let required = stride
            .checked_mul(height as usize - 1)
            .and_then(|n| n.checked_add(row))
            .unwrap_or(usize::MAX);
        if data.len() < required {
            return Err(Error::BufferTooShort {
                what: "frame",
                len: data.len(),
                required,
                width,
                height,
            });
        }
        Ok(FrameView {
            data,
            width,
            height,
            stride,
            format,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes from the start of one row to the start of the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// The underlying bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The pixels of row `y` (exactly `width * bytes_per_pixel` bytes).
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn row(&self, y: u32) -> &'a [u8] {
        assert!(
            y < self.height,
            "row {y} out of a frame of height {}",
            self.height
        );
        let start = y as usize * self.stride;
        &self.data[start..start + self.width as usize * self.format.bytes_per_pixel()]
    }
}

/// Chroma subsampling of a [`YuvImage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Subsampling {
    /// 4:2:0: one chroma sample per 2x2 block; chroma planes are `ceil(w/2) x ceil(h/2)`.
    Yuv420,
    /// 4:4:4: full-resolution chroma.
    Yuv444,
}

impl Subsampling {
    /// Chroma plane size for a luma size.
    pub const fn chroma_size(self, width: u32, height: u32) -> (u32, u32) {
        match self {
            Subsampling::Yuv420 => (width.div_ceil(2), height.div_ceil(2)),
            Subsampling::Yuv444 => (width, height),
        }
    }

    /// ffmpeg's name of the planar format (`yuv420p`, `yuv444p`).
    pub const fn name(self) -> &'static str {
        match self {
            Subsampling::Yuv420 => "yuv420p",
            Subsampling::Yuv444 => "yuv444p",
        }
    }
}

/// An owned 8-bit planar YUV image (I420 or I444) with per-plane strides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YuvImage {
    width: u32,
    height: u32,
    subsampling: Subsampling,
    strides: [usize; 3],
    planes: [Vec<u8>; 3],
}

impl YuvImage {
    /// A zero-filled image with tightly packed planes.
    pub fn new(width: u32, height: u32, subsampling: Subsampling) -> Result<Self> {
        check_dimension("width", width)?;
        check_dimension("height", height)?;
        let (cw, _) = subsampling.chroma_size(width, height);
        Self::with_strides(width, height, subsampling, width as usize, cw as usize)
    }

    /// A zero-filled image whose luma rows are `y_stride` bytes apart and chroma rows
    /// `c_stride` bytes apart (for encoders that want aligned rows).
    pub fn with_strides(
        width: u32,
        height: u32,
        subsampling: Subsampling,
        y_stride: usize,
        c_stride: usize,
    ) -> Result<Self> {
        check_dimension("width", width)?;
        check_dimension("height", height)?;
        let (cw, ch) = subsampling.chroma_size(width, height);
        for (stride, w, what) in [(y_stride, width, "Y plane"), (c_stride, cw, "chroma plane")] {
            if stride < w as usize {
                return Err(Error::StrideTooShort {
                    stride,
                    min: w as usize,
                    width: w,
                    format: what,
                });
            }
            // Strides exist for alignment; a hostile one must not turn into a huge allocation.
            if stride - w as usize > MAX_STRIDE_PADDING {
                return Err(Error::StrideTooLong {
                    stride,
                    max: w as usize + MAX_STRIDE_PADDING,
                    width: w,
                    what,
                });
            }
        }
        let y_len = y_stride * height as usize;
        let c_len = c_stride * ch as usize;
        Ok(YuvImage {
            width,
            height,
            subsampling,
            strides: [y_stride, c_stride, c_stride],
            planes: [vec![0; y_len], vec![0; c_len], vec![0; c_len]],
        })
    }

    /// Luma width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Luma height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The chroma subsampling.
    pub fn subsampling(&self) -> Subsampling {
        self.subsampling
    }

    /// Width and height of plane `i` (0 = Y, 1 = U/Cb, 2 = V/Cr).
    ///
    /// # Panics
    /// If `i > 2`.
    pub fn plane_size(&self, i: usize) -> (u32, u32) {
        match i {
            0 => (self.width, self.height),
            1 | 2 => self.subsampling.chroma_size(self.width, self.height),
            _ => panic!("plane index {i} out of 0..=2"),
        }
    }

    /// Stride of plane `i` in bytes.
    pub fn stride(&self, i: usize) -> usize {
        self.strides[i]
    }

    /// Bytes of plane `i`, including row padding.
    pub fn plane(&self, i: usize) -> &[u8] {
        &self.planes[i]
    }

    /// Mutable bytes of plane `i`, including row padding.
    pub fn plane_mut(&mut self, i: usize) -> &mut [u8] {
        &mut self.planes[i]
    }

    /// The visible pixels of row `y` of plane `i`.
    pub fn plane_row(&self, i: usize, y: u32) -> &[u8] {
        let (w, _) = self.plane_size(i);
        let start = y as usize * self.strides[i];
        &self.planes[i][start..start + w as usize]
    }

    /// All three planes mutably at once, with their strides: `[(Y, stride), (U, stride), (V, stride)]`.
    pub fn planes_mut(&mut self) -> [(&mut [u8], usize); 3] {
        let [y, u, v] = &mut self.planes;
        [
            (y.as_mut_slice(), self.strides[0]),
            (u.as_mut_slice(), self.strides[1]),
            (v.as_mut_slice(), self.strides[2]),
        ]
    }

    /// Whether two images have the same size and subsampling.
    pub fn same_shape(&self, other: &YuvImage) -> bool {
        self.width == other.width
            && self.height == other.height
            && self.subsampling == other.subsampling
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_oversized_dimensions_are_named() {
        let e = FrameView::new(&[], 0, 1, PixelFormat::Rgb24).unwrap_err();
        assert_eq!(e.to_string(), "width is 0; it must be between 1 and 16384");
        let e = FrameView::new(&[0; 3], 1, 16385, PixelFormat::Rgb24).unwrap_err();
        assert_eq!(
            e.to_string(),
            "height 16385 is too large; it must be between 1 and 16384"
        );
    }

    #[test]
    fn short_stride_names_both_numbers() {
        let e = FrameView::with_stride(&[0; 100], 10, 2, 29, PixelFormat::Rgb24).unwrap_err();
        assert_eq!(
            e.to_string(),
            "stride 29 bytes is shorter than one row: 10 pixels of rgb24 need at least 30 bytes"
        );
    }

    #[test]
    fn short_buffer_names_both_numbers() {
        // 3 rows of stride 40, last row needs only 30 bytes: 40 * 2 + 30 = 110.
        assert!(FrameView::with_stride(&[0; 110], 10, 3, 40, PixelFormat::Rgb24).is_ok());
        let e = FrameView::with_stride(&[0; 109], 10, 3, 40, PixelFormat::Rgb24).unwrap_err();
        assert_eq!(
            e.to_string(),
            "frame buffer holds 109 bytes but 10x3 needs at least 110"
        );
    }

    #[test]
    fn hostile_yuv_strides_are_refused_before_allocating() {
        let e = YuvImage::with_strides(16, 16, Subsampling::Yuv420, usize::MAX, 8).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "Y plane stride {} bytes is too long: rows of 16 pixels allow at most 4112",
                usize::MAX
            )
        );
    }

    #[test]
    fn rows_respect_stride() {
        let data: Vec<u8> = (0..=255).collect();
        let f = FrameView::with_stride(&data, 2, 3, 10, PixelFormat::Rgba).unwrap();
        assert_eq!(f.row(2), &data[20..28]);
    }

    #[test]
    fn yuv_plane_sizes_round_up() {
        let img = YuvImage::new(5, 3, Subsampling::Yuv420).unwrap();
        assert_eq!(img.plane_size(1), (3, 2));
        assert_eq!(img.plane(1).len(), 6);
        let img = YuvImage::with_strides(5, 3, Subsampling::Yuv444, 32, 16).unwrap();
        assert_eq!(img.plane(0).len(), 96);
        assert_eq!(img.plane(2).len(), 48);
        assert_eq!(img.plane_row(2, 1).len(), 5);
    }
}
