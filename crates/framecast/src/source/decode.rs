//! Decoding PNG and JPEG images into packed frames, shared by the PNG stream and image sequences.

use image::{ColorType, DynamicImage, ImageDecoder, Limits};

use framecast_core::{MAX_DIMENSION, PixelFormat};

use super::SourceError;

/// Default cap on the bytes one decoded image may take: a 16384x16384 RGBA frame, the largest
/// frame framecast accepts. 16-bit images that large are refused rather than decoded.
pub(crate) const DEFAULT_MAX_FRAME_BYTES: u64 = 1 << 30;

/// The limits handed to the `image` decoders, so that a header declaring a huge image fails
/// inside the decoder before it allocates, even if a check of ours were missing.
pub(crate) fn limits(max_frame_bytes: u64) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    // The decoder's own row buffers and zlib state count against `max_alloc` too; the slack
    // keeps an image just under our cap from failing with the decoder's less helpful message.
    limits.max_alloc = Some(
        max_frame_bytes
            .saturating_add(max_frame_bytes / 4)
            .saturating_add(64 << 20),
    );
    limits
}

/// The frame format a stream or sequence takes from its first image: 8 bits per sample of the
/// same kind, with grey+alpha widened to RGBA (framecast has no grey+alpha format).
pub(crate) fn format_for(color: ColorType) -> PixelFormat {
    match color {
        ColorType::L8 | ColorType::L16 => PixelFormat::Gray,
        ColorType::La8 | ColorType::La16 | ColorType::Rgba8 | ColorType::Rgba16 => {
            PixelFormat::Rgba
        }
        ColorType::Rgba32F => PixelFormat::Rgba,
        // Rgb8, Rgb16, Rgb32F and any kind a later `image` adds.
        _ => PixelFormat::Rgb24,
    }
}

/// Refuses an image whose decoded size is above `limit` before it is decoded.
pub(crate) fn check_decoded_size(
    decoder: &impl ImageDecoder,
    limit: u64,
    what: &str,
) -> Result<(), SourceError> {
    let bytes = decoder.total_bytes();
    if bytes > limit {
        let (width, height) = decoder.dimensions();
        return Err(SourceError::ImageTooLarge {
            what: what.to_owned(),
            width,
            height,
            bytes,
            limit,
        });
    }
    Ok(())
}

/// Decodes into `buf` as `target` (one of gray, rgb24, rgba), converting when the image is of
/// another kind or depth. Images already in the target kind are decoded straight into `buf`, so
/// its allocation is reused.
pub(crate) fn decode_into(
    decoder: impl ImageDecoder,
    target: PixelFormat,
    buf: &mut Vec<u8>,
    what: &str,
) -> Result<(), SourceError> {
    let err = |e: image::ImageError| SourceError::Decode {
        what: what.to_owned(),
        source: Box::new(e),
    };
    let native = matches!(
        (decoder.color_type(), target),
        (ColorType::L8, PixelFormat::Gray)
            | (ColorType::Rgb8, PixelFormat::Rgb24)
            | (ColorType::Rgba8, PixelFormat::Rgba)
    );
    if native {
        // Bounded by `check_decoded_size` (and the decoder's limits) before we get here.
        let len = usize::try_from(decoder.total_bytes()).map_err(|_| SourceError::Decode {
            what: what.to_owned(),
            source: "the decoded image does not fit in memory on this platform".into(),
        })?;
        buf.resize(len, 0);
        return decoder.read_image(buf).map_err(err);
    }
    let image = DynamicImage::from_decoder(decoder).map_err(err)?;
    // The converted image is a fresh allocation either way; handing it over saves a copy.
    *buf = match target {
        PixelFormat::Gray => image.into_luma8().into_raw(),
        PixelFormat::Rgba => image.into_rgba8().into_raw(),
        _ => image.into_rgb8().into_raw(),
    };
    Ok(())
}
