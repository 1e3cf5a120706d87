//! [`render`]: a video from a function of time, in the spirit of MoviePy's `make_frame(t)`.

use framecast_core::{FrameView, PixelFormat, Rational};

use crate::{Error, Result, VideoWriter};

/// An owned frame of packed pixels, rows without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    width: u32,
    height: u32,
    format: PixelFormat,
    data: Vec<u8>,
}

impl Frame {
    /// A frame from its pixels; `data` must hold exactly `width * height` pixels of `format`.
    pub fn new(width: u32, height: u32, format: PixelFormat, data: Vec<u8>) -> Result<Self> {
        // FrameView validates sizes and the buffer length against them.
        FrameView::new(&data, width, height, format)?;
        let exact = width as usize * height as usize * format.bytes_per_pixel();
        if data.len() != exact {
            return Err(Error::Unsupported {
                what: format!(
                    "a {}-byte buffer for a {width}x{height} {format} frame",
                    data.len()
                ),
                why: format!("an owned frame holds exactly {exact} bytes"),
            });
        }
        Ok(Frame {
            width,
            height,
            format,
            data,
        })
    }

    /// A frame of one colour (`rgb`) in `Rgb24`.
    pub fn solid(width: u32, height: u32, rgb: [u8; 3]) -> Result<Self> {
        let len = width as usize * height as usize;
        Frame::new(width, height, PixelFormat::Rgb24, rgb.repeat(len))
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// The pixel bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The pixel bytes, to draw into.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// A borrowed view for [`VideoWriter::write_frame`].
    pub fn view(&self) -> FrameView<'_> {
        // The constructor validated exactly this view.
        FrameView::with_stride(
            &self.data,
            self.width,
            self.height,
            self.width as usize * self.format.bytes_per_pixel(),
            self.format,
        )
        .unwrap_or_else(|_| unreachable!("validated in Frame::new"))
    }
}

/// How many frames `duration` seconds last at `fps`: `floor(duration * fps)` with a
/// tolerance for decimal durations (0.1 s at 30 fps is 3 frames), at least 1.
fn frame_count(fps: Rational, duration: f64) -> Result<u64> {
    if !duration.is_finite() || duration <= 0.0 {
        return Err(Error::Unsupported {
            what: format!("a duration of {duration} s"),
            why: "a render lasts a positive, finite number of seconds".into(),
        });
    }
    let frames = (duration * fps.as_f64() + 1e-6).floor();
    if frames > 1e9 {
        return Err(Error::Unsupported {
            what: format!("{frames} frames ({duration} s at {fps} fps)"),
            why: "a render is limited to 10^9 frames".into(),
        });
    }
    Ok((frames as u64).max(1))
}

/// Renders `duration` seconds at `fps` into an H.264 MP4 held in memory (default quality and
/// colour, faststart), calling `make_frame(t)` for `t = 0, 1/fps, 2/fps, ...`. The first frame
/// decides the size.
///
/// ```
/// use framecast::{Frame, Rational, render};
///
/// let mp4 = render(Rational::integer(10)?, 1.0, |t| {
///     let v = (t * 255.0) as u8;
///     Frame::solid(32, 32, [v, 0, 255 - v])
/// })?;
/// assert_eq!(&mp4[4..8], b"ftyp");
/// # Ok::<(), framecast::Error>(())
/// ```
pub fn render(
    fps: Rational,
    duration: f64,
    mut make_frame: impl FnMut(f64) -> Result<Frame>,
) -> Result<Vec<u8>> {
    let count = frame_count(fps, duration)?;
    let first = make_frame(0.0)?;
    let writer = VideoWriter::builder(first.width(), first.height())
        .fps(fps)
        .build(Vec::new())?;
    render_frames(writer, fps, count, first, make_frame)
}

/// Like [`render`], through a writer built by the caller (codec, quality, layout, sink).
/// `fps` is the rate the times are computed at; give the writer the same.
pub fn render_with<W: Send + 'static>(
    writer: VideoWriter<W>,
    duration: f64,
    mut make_frame: impl FnMut(f64) -> Result<Frame>,
) -> Result<W> {
    let fps = writer.info().fps;
    let count = frame_count(fps, duration)?;
    let first = make_frame(0.0)?;
    render_frames(writer, fps, count, first, make_frame)
}

fn render_frames<W: Send + 'static>(
    mut writer: VideoWriter<W>,
    fps: Rational,
    count: u64,
    first: Frame,
    mut make_frame: impl FnMut(f64) -> Result<Frame>,
) -> Result<W> {
    writer.write_frame(&first.view())?;
    drop(first);
    for i in 1..count {
        // One division of exact integers: 3 frames at 10 fps is 0.3, not 0.30000000000000004.
        let t = (u128::from(i) * u128::from(fps.den())) as f64 / f64::from(fps.num());
        let frame = make_frame(t)?;
        writer.write_frame(&frame.view())?;
    }
    writer.finish()
}
