//! Objective quality of decoded pictures.

use framecast_core::YuvImage;

/// PSNR-Y in dB of a decoded frame (luma plane first, `dw` bytes per row) against the source's
/// top-left `w x h`; 99 when they are identical.
pub fn psnr_y(src: &YuvImage, decoded: &[u8], dw: u32, w: u32, h: u32) -> f64 {
    let mut sse = 0u64;
    for y in 0..h {
        let a = &src.plane_row(0, y)[..w as usize];
        let b = &decoded[(y * dw) as usize..(y * dw + w) as usize];
        sse += a
            .iter()
            .zip(b)
            .map(|(&p, &q)| (i64::from(p) - i64::from(q)).pow(2) as u64)
            .sum::<u64>();
    }
    let mse = sse as f64 / f64::from(w * h);
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// Mean [`psnr_y`] over a clip; the decoded frames are `dw` wide and as many as the sources.
pub fn mean_psnr_y(src: &[YuvImage], decoded: &[Vec<u8>], dw: u32) -> f64 {
    assert_eq!(src.len(), decoded.len(), "frame count");
    let (w, h) = (src[0].width(), src[0].height());
    src.iter()
        .zip(decoded)
        .map(|(s, d)| psnr_y(s, d, dw, w, h))
        .sum::<f64>()
        / src.len() as f64
}

#[cfg(test)]
mod tests {
    use framecast_core::Subsampling;

    use super::*;

    #[test]
    fn psnr_of_a_known_error() {
        let src = YuvImage::new(4, 2, Subsampling::Yuv420).unwrap();
        // Decoded 6 wide (padding ignored); every luma sample off by 1: MSE 1.
        let decoded = vec![1u8; 6 * 2];
        let want = 10.0 * (255.0f64 * 255.0).log10();
        assert!((psnr_y(&src, &decoded, 6, 4, 2) - want).abs() < 1e-9);
        assert_eq!(psnr_y(&src, &[0; 12], 6, 4, 2), 99.0);
        let mean = mean_psnr_y(&[src.clone(), src], &[vec![0; 12], decoded], 6);
        assert!((mean - (99.0 + want) / 2.0).abs() < 1e-9);
    }
}
