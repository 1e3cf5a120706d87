//! The convert and encode stages, shared by [`VideoWriter`](crate::VideoWriter) and the
//! threaded [`pipeline`](crate::pipeline).

use framecast_color::Converter;
use framecast_core::{
    CodecConfig, ColorSpec, FrameView, Packet, PixelFormat, Rational, Subsampling, VideoEncoder,
    YuvImage,
};

#[cfg(any(feature = "h264", feature = "av1"))]
use crate::Codec;
use crate::scale::Scaler;
use crate::{Error, Result, VideoOptions};

/// What the convert stage hands the encoder: a YUV picture for video codecs, a packed frame
/// (RGB, RGBA, gray ...) for GIF.
pub(crate) enum Picture {
    Yuv(YuvImage),
    Packed(PackedImage),
}

/// A tightly packed frame owned by the pipeline.
pub(crate) struct PackedImage {
    data: Vec<u8>,
    width: u32,
    height: u32,
    format: PixelFormat,
}

impl PackedImage {
    /// Copies `frame`'s rows (without any stride padding) into this buffer.
    fn copy_from(&mut self, frame: &FrameView<'_>) {
        let row_len = frame.width() as usize * frame.format().bytes_per_pixel();
        self.data.clear();
        for y in 0..frame.height() {
            self.data.extend_from_slice(&frame.row(y)[..row_len]);
        }
        (self.width, self.height, self.format) = (frame.width(), frame.height(), frame.format());
    }
}

impl Picture {
    /// A view for the encoder.
    pub(crate) fn input(&self) -> Result<Input<'_>> {
        Ok(match self {
            Picture::Yuv(image) => Input::Yuv(image),
            Picture::Packed(p) => {
                Input::Packed(FrameView::new(&p.data, p.width, p.height, p.format)?)
            }
        })
    }
}

/// A picture as an encoder receives it.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    #[cfg_attr(
        not(any(feature = "h264", feature = "av1")),
        allow(dead_code, reason = "only the video encoders take YUV pictures")
    )]
    Yuv(&'a YuvImage),
    #[cfg_attr(
        not(feature = "gif"),
        allow(dead_code, reason = "only the GIF encoder takes packed frames")
    )]
    Packed(FrameView<'a>),
}

/// An encoder with its error erased into the facade's, so stages can hold any codec.
pub(crate) trait DynEncoder: Send {
    fn send(&mut self, input: Input<'_>, pts: i64) -> Result<()>;
    fn flush(&mut self) -> Result<()>;
    fn receive(&mut self) -> Result<Option<Packet>>;
    fn config(&self) -> Result<CodecConfig>;
}

#[cfg_attr(
    not(any(feature = "h264", feature = "av1")),
    allow(dead_code, reason = "every codec feature is off")
)]
struct Erased<E> {
    codec: &'static str,
    inner: E,
}

impl<E: VideoEncoder + Send> DynEncoder for Erased<E> {
    fn send(&mut self, input: Input<'_>, pts: i64) -> Result<()> {
        let Input::Yuv(image) = input else {
            return Err(Error::Unsupported {
                what: format!("a packed frame sent straight to the {} encoder", self.codec),
                why: "video encoders take YUV pictures from the convert stage".into(),
            });
        };
        self.inner
            .send_frame(image, pts)
            .map_err(|e| codec_error(self.codec, e))
    }
    fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|e| codec_error(self.codec, e))
    }
    fn receive(&mut self) -> Result<Option<Packet>> {
        self.inner
            .receive_packet()
            .map_err(|e| codec_error(self.codec, e))
    }
    fn config(&self) -> Result<CodecConfig> {
        self.inner
            .codec_config()
            .map_err(|e| codec_error(self.codec, e))
    }
}

#[cfg_attr(
    not(any(feature = "h264", feature = "av1")),
    allow(dead_code, reason = "every codec feature is off")
)]
pub(crate) fn codec_error(
    codec: &'static str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::Codec {
        codec,
        source: Box::new(e),
    }
}

/// Turns input frames into the encoder's pictures, resizing them first when asked: YUV for
/// video codecs, packed frames for GIF.
pub(crate) struct ConvertStage {
    converter: Converter,
    color: ColorSpec,
    /// The size pictures are encoded at (after any resize).
    width: u32,
    height: u32,
    subsampling: Subsampling,
    /// Pictures are packed frames (GIF) rather than YUV.
    packed: bool,
    yuv_input: Option<Subsampling>,
    resize: Option<Resize>,
    /// YUV input planes on their way to a packed picture.
    yuv_scratch: Option<YuvImage>,
}

/// A resize before conversion, with its buffers, reused frame after frame: the resized frame
/// and the scaler's rows.
struct Resize {
    scaler: Scaler,
    resized: Vec<u8>,
    scratch: Vec<u8>,
}

impl ConvertStage {
    pub(crate) fn new(width: u32, height: u32, color: ColorSpec, subsampling: Subsampling) -> Self {
        ConvertStage {
            converter: Converter::new(color),
            color,
            width,
            height,
            subsampling,
            packed: false,
            yuv_input: None,
            resize: None,
            yuv_scratch: None,
        }
    }

    /// Pictures become packed frames in the input's pixel format (for GIF); YUV input is
    /// converted to RGB with the stage's colour spec.
    pub(crate) fn with_packed_output(mut self) -> Self {
        self.packed = true;
        self
    }

    /// Resizes every frame with `scaler` before converting it; the stage's size must be the
    /// scaler's output size, and frames arrive in its source size.
    pub(crate) fn with_resize(mut self, scaler: Scaler) -> Self {
        self.resize = Some(Resize {
            scaler,
            resized: Vec::new(),
            scratch: Vec::new(),
        });
        self
    }

    /// The size frames arrive in: the scaler's source size, or the encoded size.
    fn input_size(&self) -> (u32, u32) {
        match &self.resize {
            Some(r) => r.scaler.source_size(),
            None => (self.width, self.height),
        }
    }

    /// Declares that frames arrive as YUV planes of `input` subsampling.
    pub(crate) fn with_yuv_input(mut self, input: Option<Subsampling>) -> Self {
        self.yuv_input = input;
        self
    }

    /// The subsampling of YUV input, if frames arrive as YUV.
    pub(crate) fn yuv_input(&self) -> Option<Subsampling> {
        self.yuv_input
    }

    /// A picture buffer of the encoder's shape, to be reused frame after frame.
    pub(crate) fn new_image(&self) -> Result<Picture> {
        if self.packed {
            return Ok(Picture::Packed(PackedImage {
                data: Vec::new(),
                width: self.width,
                height: self.height,
                format: PixelFormat::Rgb24,
            }));
        }
        Ok(Picture::Yuv(YuvImage::new(
            self.width,
            self.height,
            self.subsampling,
        )?))
    }

    fn check_size(&self, index: u64, width: u32, height: u32) -> Result<()> {
        let (expected_width, expected_height) = self.input_size();
        if (width, height) != (expected_width, expected_height) {
            return Err(Error::FrameSize {
                index,
                width,
                height,
                expected_width,
                expected_height,
            });
        }
        Ok(())
    }

    /// Converts frame `index` into `dst` (a buffer from [`new_image`](Self::new_image)).
    pub(crate) fn convert(
        &mut self,
        index: u64,
        frame: &FrameView<'_>,
        dst: &mut Picture,
    ) -> Result<()> {
        self.check_size(index, frame.width(), frame.height())?;
        let frame = match &mut self.resize {
            Some(resize) => {
                resize
                    .scaler
                    .resize_with(frame, &mut resize.resized, &mut resize.scratch)?;
                let (w, h) = resize.scaler.output_size();
                FrameView::new(&resize.resized, w, h, frame.format())?
            }
            None => *frame,
        };
        match dst {
            Picture::Yuv(image) => self.converter.convert(&frame, image)?,
            Picture::Packed(packed) => packed.copy_from(&frame),
        }
        Ok(())
    }

    /// Copies tightly packed planes (Y, then U, then V, as a
    /// [`FrameLayout::Yuv`](crate::source::FrameLayout::Yuv) source delivers them) of frame
    /// `index` into `dst`; 4:4:4 planes into a 4:2:0 picture have their chroma averaged over
    /// 2x2 blocks (rounded, the last column and row repeated at odd sizes). A packed picture
    /// gets the planes converted to RGB.
    pub(crate) fn copy_planes(
        &mut self,
        index: u64,
        planes: &[u8],
        dst: &mut Picture,
    ) -> Result<()> {
        let packed = match dst {
            Picture::Yuv(image) => return self.planes_to_yuv(index, planes, image),
            Picture::Packed(packed) => packed,
        };
        let mut scratch = match self.yuv_scratch.take() {
            Some(image) => image,
            None => YuvImage::new(
                self.width,
                self.height,
                self.yuv_input.unwrap_or(self.subsampling),
            )?,
        };
        self.planes_to_yuv(index, planes, &mut scratch)?;
        let stride = self.width as usize * 3;
        packed.data.resize(stride * self.height as usize, 0);
        framecast_color::yuv_to_rgb(
            &scratch,
            self.color,
            PixelFormat::Rgb24,
            &mut packed.data,
            stride,
        )?;
        (packed.width, packed.height, packed.format) =
            (self.width, self.height, PixelFormat::Rgb24);
        self.yuv_scratch = Some(scratch);
        Ok(())
    }

    /// [`copy_planes`](Self::copy_planes) into a YUV picture.
    fn planes_to_yuv(&self, index: u64, planes: &[u8], dst: &mut YuvImage) -> Result<()> {
        let input = self.yuv_input.unwrap_or(dst.subsampling());
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = input.chroma_size(self.width, self.height);
        let (cw, ch) = (cw as usize, ch as usize);
        let expected = w * h + 2 * cw * ch;
        if planes.len() != expected {
            return Err(Error::PlaneBytes {
                index,
                len: planes.len(),
                expected,
            });
        }
        let (luma, chroma) = planes.split_at(w * h);
        copy_plane(luma, w, dst, 0);
        for (i, src) in chroma.chunks_exact(cw * ch).enumerate() {
            if input == dst.subsampling() {
                copy_plane(src, cw, dst, i + 1);
            } else if input == Subsampling::Yuv444 && dst.subsampling() == Subsampling::Yuv420 {
                average_2x2(src, w, h, dst, i + 1);
            } else {
                return Err(Error::Unsupported {
                    what: format!("{input:?} input to a {:?} encoder", dst.subsampling()),
                    why: "framecast resamples YUV only from 4:4:4 to 4:2:0".into(),
                });
            }
        }
        Ok(())
    }
}

/// Copies a tight plane with rows of `width` bytes into plane `i` of `dst`.
fn copy_plane(src: &[u8], width: usize, dst: &mut YuvImage, i: usize) {
    let stride = dst.stride(i);
    let plane = dst.plane_mut(i);
    for (dst_row, src_row) in plane.chunks_mut(stride).zip(src.chunks_exact(width.max(1))) {
        dst_row[..width].copy_from_slice(src_row);
    }
}

/// Averages a full-size `w` x `h` chroma plane over 2x2 blocks into plane `i` of `dst`.
fn average_2x2(src: &[u8], w: usize, h: usize, dst: &mut YuvImage, i: usize) {
    let stride = dst.stride(i);
    let plane = dst.plane_mut(i);
    for (cy, dst_row) in plane.chunks_mut(stride).take(h.div_ceil(2)).enumerate() {
        let (y0, y1) = (2 * cy, (2 * cy + 1).min(h - 1));
        for (cx, out) in dst_row.iter_mut().take(w.div_ceil(2)).enumerate() {
            let (x0, x1) = (2 * cx, (2 * cx + 1).min(w - 1));
            let sum = u32::from(src[y0 * w + x0])
                + u32::from(src[y0 * w + x1])
                + u32::from(src[y1 * w + x0])
                + u32::from(src[y1 * w + x1]);
            *out = ((sum + 2) / 4) as u8;
        }
    }
}

/// One packet out of the encoder; the first also carries the codec configuration the muxer
/// needs to describe the track.
pub(crate) struct Encoded {
    pub(crate) packet: Packet,
    pub(crate) config: Option<CodecConfig>,
}

/// The encoder with its timestamps: frame `n` is presented at `n` ticks of `1 / fps`.
pub(crate) struct EncodeStage {
    encoder: Box<dyn DynEncoder>,
    next_pts: i64,
    config_sent: bool,
}

impl EncodeStage {
    pub(crate) fn new(encoder: Box<dyn DynEncoder>) -> Self {
        EncodeStage {
            encoder,
            next_pts: 0,
            config_sent: false,
        }
    }

    /// Encodes one picture and hands every packet that is ready to `out`.
    pub(crate) fn encode(
        &mut self,
        input: Input<'_>,
        out: &mut dyn FnMut(Encoded) -> Result<()>,
    ) -> Result<()> {
        self.encoder.send(input, self.next_pts)?;
        self.next_pts += 1;
        self.drain(out)
    }

    /// Flushes the encoder and hands the remaining packets to `out`.
    pub(crate) fn finish(&mut self, out: &mut dyn FnMut(Encoded) -> Result<()>) -> Result<()> {
        self.encoder.flush()?;
        self.drain(out)
    }

    fn drain(&mut self, out: &mut dyn FnMut(Encoded) -> Result<()>) -> Result<()> {
        while let Some(packet) = self.encoder.receive()? {
            let config = if self.config_sent {
                None
            } else {
                self.config_sent = true;
                Some(self.encoder.config()?)
            };
            out(Encoded { packet, config })?;
        }
        Ok(())
    }
}

/// Creates the encoder `options` ask for; returns it with the size players will show.
pub(crate) fn open_encoder(
    width: u32,
    height: u32,
    fps: Rational,
    color: ColorSpec,
    options: &VideoOptions,
) -> Result<(Box<dyn DynEncoder>, (u32, u32))> {
    #[cfg(not(any(feature = "h264", feature = "av1")))]
    let _ = (width, height, fps, color);
    match options.codec {
        #[cfg(feature = "h264")]
        Codec::H264 => {
            use framecast_h264::{H264Encoder, H264Options, OddSize, Speed};
            let mut h = H264Options::default();
            h.rate = options.rate;
            h.keyint = options.keyint;
            h.threads = options.threads;
            h.odd = match options.odd {
                crate::OddSize::Pad => OddSize::Pad,
                crate::OddSize::Crop => OddSize::Crop,
            };
            if let Some(speed) = options.speed {
                h.speed = match speed {
                    0..=3 => Speed::Slow,
                    4..=7 => Speed::Medium,
                    _ => Speed::Fast,
                };
            }
            let encoder =
                H264Encoder::new(width, height, fps, color, &h).map_err(|e| Error::Codec {
                    codec: "H.264",
                    source: Box::new(e),
                })?;
            let size = encoder.display_size();
            Ok((
                Box::new(Erased {
                    codec: "H.264",
                    inner: encoder,
                }),
                size,
            ))
        }
        #[cfg(feature = "av1")]
        Codec::Av1 => {
            use framecast_av1::{Av1Encoder, Av1Options, ChunkedEncoder};
            let mut a = Av1Options::default()
                .with_rate(options.rate)
                .with_keyint(options.keyint)
                .with_threads(usize::from(options.threads))
                .with_chroma(options.chroma);
            if let Some(speed) = options.speed {
                a = a.with_speed(speed);
            }
            let err = |e: framecast_av1::Error| Error::Codec {
                codec: "AV1",
                source: Box::new(e),
            };
            // Chunks of one keyframe interval: the stream has a key frame there anyway.
            let chunk = a.keyint_or_default();
            let workers = match options.workers {
                0 => ChunkedEncoder::auto_workers(width, height, &a, chunk),
                n => usize::from(n),
            };
            if workers == 1 {
                let encoder = Av1Encoder::new(width, height, fps, color, &a).map_err(err)?;
                let size = encoder.coded_size();
                Ok((
                    Box::new(Erased {
                        codec: "AV1",
                        inner: encoder,
                    }),
                    size,
                ))
            } else {
                let encoder = ChunkedEncoder::new(width, height, fps, color, &a, workers, chunk)
                    .map_err(err)?;
                Ok((
                    Box::new(Erased {
                        codec: "AV1",
                        inner: encoder,
                    }),
                    av1_coded_size(width, height),
                ))
            }
        }
        #[allow(unreachable_patterns, reason = "reachable when a codec feature is off")]
        codec => Err(Error::Unsupported {
            what: format!("the {codec:?} codec"),
            why: "this build of framecast does not include it (cargo feature off)".into(),
        }),
    }
}

/// The codec's size limits, checked without creating an encoder.
pub(crate) fn check_size(options: &VideoOptions, width: u32, height: u32) -> Result<()> {
    // Sizes of 0 or above MAX_DIMENSION are refused for every codec.
    for (what, value) in [("width", width), ("height", height)] {
        if value == 0 || value > framecast_core::MAX_DIMENSION {
            return Err(if value == 0 {
                framecast_core::Error::ZeroDimension {
                    what,
                    max: framecast_core::MAX_DIMENSION,
                }
            } else {
                framecast_core::Error::DimensionTooLarge {
                    what,
                    value,
                    max: framecast_core::MAX_DIMENSION,
                }
            }
            .into());
        }
    }
    match options.codec {
        #[cfg(feature = "h264")]
        Codec::H264 => {
            use framecast_h264::{MAX_LONG_SIDE, MAX_SHORT_SIDE};
            let even = |v: u32| match options.odd {
                crate::OddSize::Pad => v + v % 2,
                crate::OddSize::Crop => v - v % 2,
            };
            let (cw, ch) = (even(width), even(height));
            if cw.max(ch) > MAX_LONG_SIDE || cw.min(ch) > MAX_SHORT_SIDE {
                return Err(Error::Codec {
                    codec: "H.264",
                    source: Box::new(framecast_h264::Error::SizeTooLarge {
                        width,
                        height,
                        coded_width: cw,
                        coded_height: ch,
                        max_long: MAX_LONG_SIDE,
                        max_short: MAX_SHORT_SIDE,
                    }),
                });
            }
            Ok(())
        }
        // AV1 codes every size up to MAX_DIMENSION (checked above) exactly; rav1e pads sides
        // under 16 to 16.
        #[cfg(feature = "av1")]
        Codec::Av1 => Ok(()),
        #[allow(unreachable_patterns, reason = "reachable when a codec feature is off")]
        _ => Ok(()),
    }
}

/// The size an AV1 stream of `width` x `height` shows: sides under rav1e's minimum are
/// padded up to it (what [`framecast_av1::Av1Encoder::coded_size`] reports).
#[cfg(feature = "av1")]
fn av1_coded_size(width: u32, height: u32) -> (u32, u32) {
    use framecast_av1::MIN_SIDE;
    (width.max(MIN_SIDE), height.max(MIN_SIDE))
}
