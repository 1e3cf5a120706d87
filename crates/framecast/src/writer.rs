//! [`VideoWriter`]: frames in, an MP4, IVF or GIF out to any `Write`.

use std::io::{Read, Seek, Write};

use framecast_core::{ColorSpec, FrameView, RateControl, Rational, Subsampling, YuvImage};
use framecast_mux::audio::AudioReader;

use crate::encode::{ConvertStage, DynEncoder, EncodeStage, Encoded, Input, Picture, open_encoder};
use crate::muxer::{self, Audio, MuxStage};
use crate::scale::Scaler;
use crate::{Codec, Error, Result};

/// How the MP4 is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Layout {
    /// `moov` before `mdat`, so players start at once (ffmpeg's `-movflags +faststart`).
    /// Through a seekable sink it streams samples to the sink and moves `moov` to the front at
    /// the end; through a plain `Write` the movie is held in memory and written at `finish`.
    #[default]
    Faststart,
    /// A fragmented MP4 streamed as it is encoded: memory bounded by one fragment, playable
    /// up to its last complete fragment if the writer is stopped. The only layout for pipes
    /// and sockets that do not end.
    Fragmented,
}

/// The container the video is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Container {
    /// MP4 (ISO BMFF) in the [`Layout`] asked for; H.264 or AV1, with metadata and audio.
    #[default]
    Mp4,
    /// IVF, the plain AV1 stream container (`.ivf`, read by dav1d, ffmpeg, aomdec): AV1 only,
    /// no audio and no metadata; the [`Layout`] does not apply. The header's frame count is
    /// filled in at the end through [`build_seekable`](VideoWriterBuilder::build_seekable),
    /// and left 0 through [`build`](VideoWriterBuilder::build) (players read to the end).
    Ivf,
    /// An animated GIF ([`Codec::Gif`], framecast-gif's palettes, dithering and frame
    /// planning; see [`VideoWriterBuilder::gif`]): no audio and no metadata, streamed to
    /// any `Write`.
    Gif,
}

/// What to do with odd sizes that a 4:2:0 codec cannot show exactly (H.264).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OddSize {
    /// Pad to the next even size by repeating the last column and row.
    #[default]
    Pad,
    /// Crop to the previous even size.
    Crop,
}

/// Encoder settings shared by every codec.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VideoOptions {
    /// The codec.
    pub codec: Codec,
    /// Quality or bitrate.
    pub rate: RateControl,
    /// Keyframe interval in frames; `None` is the codec's default.
    pub keyint: Option<u32>,
    /// Encoder threads; 0 chooses from the core count.
    pub threads: u16,
    /// Speed preset 0 (slowest, best) ..= 10 (fastest); `None` is the codec's default.
    pub speed: Option<u8>,
    /// Odd-size policy for codecs that need even sizes (H.264; AV1 keeps exact sizes).
    pub odd: OddSize,
    /// Chroma subsampling of the coded video: [`Subsampling::Yuv420`] (default) or
    /// [`Subsampling::Yuv444`] (AV1 only, its High profile).
    pub chroma: Subsampling,
    /// AV1 only: closed-GOP chunks encoded at the same time, each by its own rav1e context
    /// (GOP-parallel encoding). 0 (default) chooses: one per thread (0 threads = the cores),
    /// as many as fit a 2 GiB memory estimate; 1 is one context for the whole video. Chunks
    /// are one keyframe interval long ([`keyint`](Self::keyint), default 240 frames) and start
    /// with the key frame the stream has there anyway, so chunking adds no key frames; a video
    /// no longer than one chunk is encoded exactly as by one context. Memory is about one rav1e
    /// context per worker (about 210 MB at 1280x720) plus `workers x chunk / 2` queued
    /// pictures. The first chunk's context gets every [`thread`](Self::threads) (as tiles),
    /// later ones `threads / workers`.
    pub workers: u16,
}

impl Default for VideoOptions {
    fn default() -> Self {
        VideoOptions {
            codec: Codec::H264,
            rate: RateControl::default(),
            keyint: None,
            threads: 0,
            speed: None,
            odd: OddSize::Pad,
            chroma: Subsampling::Yuv420,
            workers: 0,
        }
    }
}

impl VideoOptions {
    /// Checks that the codec can encode frames of `width` x `height`, without creating an
    /// encoder (so a caller can refuse a size before reading any input).
    pub fn check_size(&self, width: u32, height: u32) -> Result<()> {
        crate::encode::check_size(self, width, height)
    }

    /// Checks every value against its accepted range.
    pub fn validate(&self) -> Result<()> {
        self.rate.validate()?;
        if let Some(speed) = self.speed.filter(|s| *s > 10) {
            return Err(Error::Unsupported {
                what: format!("speed {speed}"),
                why: "speed presets run from 0 (slowest, best) to 10 (fastest)".into(),
            });
        }
        if self.keyint == Some(0) {
            return Err(Error::Unsupported {
                what: "keyframe interval 0".into(),
                why: "the interval is in frames and must be 1 or more".into(),
            });
        }
        match (self.codec, self.chroma) {
            (_, Subsampling::Yuv420) | (Codec::Av1, Subsampling::Yuv444) => {}
            (Codec::Gif, _) => {
                return Err(Error::Unsupported {
                    what: "a chroma subsampling for GIF".into(),
                    why: "a GIF stores RGB palette colours, not YUV; leave chroma at 4:2:0 (the default)".into(),
                });
            }
            (codec, chroma) => {
                return Err(Error::Unsupported {
                    what: format!("{} chroma with {}", chroma_name(chroma), codec.name()),
                    why: "H.264 is encoded as 4:2:0 only; 4:4:4 needs the AV1 codec".into(),
                });
            }
        }
        if self.codec == Codec::Gif {
            self.check_gif()?;
        }
        if self.workers > 1 && self.codec != Codec::Av1 {
            return Err(Error::Unsupported {
                what: format!(
                    "{} GOP-parallel workers with {}",
                    self.workers,
                    self.codec.name()
                ),
                why: "GOP-parallel encoding is AV1's; other codecs take 1 worker (use threads)"
                    .into(),
            });
        }
        Ok(())
    }
}

impl VideoOptions {
    /// GIF has its own knobs ([`GifOptions`](crate::gif::GifOptions)); the video ones that do
    /// not apply are refused rather than ignored.
    fn check_gif(&self) -> Result<()> {
        let refuse = |what: String| {
            Error::Unsupported {
            what,
            why: "GIF has no quantizer, bitrate, keyframes or speed presets; set the palette size, dithering and quality in GifOptions (--colors, --dither, --gif-quality)".into(),
        }
        };
        if self.rate != RateControl::default() {
            return Err(refuse(format!("{:?} for GIF", self.rate)));
        }
        if let Some(keyint) = self.keyint {
            return Err(refuse(format!("a keyframe interval ({keyint}) for GIF")));
        }
        if let Some(speed) = self.speed {
            return Err(refuse(format!("a speed preset ({speed}) for GIF")));
        }
        Ok(())
    }
}

/// The name of a chroma subsampling in messages.
fn chroma_name(chroma: Subsampling) -> &'static str {
    match chroma {
        Subsampling::Yuv420 => "4:2:0",
        Subsampling::Yuv444 => "4:4:4",
        #[allow(unreachable_patterns, reason = "Subsampling is non_exhaustive")]
        _ => "this",
    }
}

/// Builds a [`VideoWriter`]: size, frame rate, codec, quality, colour, layout, metadata and an
/// optional audio track.
///
/// ```
/// use framecast::{FrameView, PixelFormat, Rational, VideoWriter};
///
/// let (w, h) = (64, 48);
/// let mut writer = VideoWriter::builder(w, h).fps(Rational::integer(25)?).build(Vec::new())?;
/// let mut rgb = vec![0u8; (w * h * 3) as usize];
/// for i in 0..25u8 {
///     rgb.fill(i * 10);
///     writer.write_frame(&FrameView::new(&rgb, w, h, PixelFormat::Rgb24)?)?;
/// }
/// let mp4: Vec<u8> = writer.finish()?; // ready for an HTTP POST body
/// assert_eq!(&mp4[4..8], b"ftyp");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct VideoWriterBuilder {
    width: u32,
    height: u32,
    fps: Rational,
    options: VideoOptions,
    color: ColorSpec,
    input_yuv: Option<Subsampling>,
    /// `None`: from the codec (GIF for [`Codec::Gif`], else MP4).
    container: Option<Container>,
    layout: Layout,
    metadata: Vec<(String, String)>,
    audio: Option<Audio>,
    resize: Option<(u32, u32)>,
    #[cfg(feature = "gif")]
    gif: crate::gif::GifOptions,
}

impl std::fmt::Debug for VideoWriterBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriterBuilder")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("fps", &self.fps)
            .field("options", &self.options)
            .field("color", &self.color)
            .field("container", &self.chosen_container())
            .field("layout", &self.layout)
            .field("resize", &self.resize)
            .field("metadata", &self.metadata)
            .field("audio", &self.audio.as_ref().map(|a| a.config().codec))
            .finish()
    }
}

impl VideoWriterBuilder {
    fn new(width: u32, height: u32) -> Self {
        VideoWriterBuilder {
            width,
            height,
            fps: DEFAULT_FPS,
            options: VideoOptions::default(),
            color: ColorSpec::default(),
            input_yuv: None,
            container: None,
            layout: Layout::default(),
            metadata: Vec::new(),
            audio: None,
            resize: None,
            #[cfg(feature = "gif")]
            gif: crate::gif::GifOptions::default(),
        }
    }

    /// The container: the one set, else GIF for the GIF codec and MP4 for the others.
    fn chosen_container(&self) -> Container {
        match (self.container, self.options.codec) {
            (Some(container), _) => container,
            (None, Codec::Gif) => Container::Gif,
            (None, _) => Container::Mp4,
        }
    }

    /// Frames per second (default 30); `Rational::new(30000, 1001)` for 29.97.
    pub fn fps(mut self, fps: Rational) -> Self {
        self.fps = fps;
        self
    }

    /// The codec (default H.264). [`Codec::Gif`] writes an animated GIF (with default
    /// [`GifOptions`](crate::gif::GifOptions) unless [`gif`](Self::gif) sets them).
    pub fn codec(mut self, codec: Codec) -> Self {
        self.options.codec = codec;
        self
    }

    /// Quality or bitrate (default [`RateControl::default`]).
    pub fn rate(mut self, rate: RateControl) -> Self {
        self.options.rate = rate;
        self
    }

    /// All encoder settings at once.
    pub fn options(mut self, options: VideoOptions) -> Self {
        self.options = options;
        self
    }

    /// The colour description: conversion coefficients, bitstream and container tags (default
    /// [`ColorSpec::default`], BT.601 limited range, which browsers and ffmpeg show faithfully).
    pub fn color(mut self, color: ColorSpec) -> Self {
        self.color = color;
        self
    }

    /// Frames will arrive as YUV planes of this subsampling (from a y4m
    /// [`source`](crate::source), through the [`pipeline`](crate::pipeline)) rather than RGB;
    /// the colour spec then only tags them. 4:4:4 input to a 4:2:0 codec has its chroma
    /// averaged over 2x2 blocks.
    pub fn yuv_input(mut self, subsampling: Subsampling) -> Self {
        self.input_yuv = Some(subsampling);
        self
    }

    /// Resizes every frame to `width` x `height` before colour conversion (ffmpeg's
    /// `-vf scale=W:H`), with the filter of [`scale`](crate::scale). Frames still arrive in the
    /// builder's size; the video is encoded at this one. Packed (RGB, gray) input only.
    pub fn resize(mut self, width: u32, height: u32) -> Self {
        self.resize = Some((width, height));
        self
    }

    /// The container (default [`Container::Gif`] for the GIF codec, else [`Container::Mp4`]);
    /// [`Container::Ivf`] needs the AV1 codec, [`Container::Gif`] the GIF codec.
    pub fn container(mut self, container: Container) -> Self {
        self.container = Some(container);
        self
    }

    /// An animated GIF with these options: sets the codec to [`Codec::Gif`] (and so the
    /// container to [`Container::Gif`]). Frames may have any packed
    /// [`PixelFormat`](crate::PixelFormat); alpha below 128 is transparent.
    ///
    /// ```
    /// use framecast::gif::{Dither, GifOptions};
    /// use framecast::{FrameView, PixelFormat, Rational, VideoWriter};
    ///
    /// let mut writer = VideoWriter::builder(32, 16)
    ///     .fps(Rational::integer(10)?)
    ///     .gif(GifOptions::default().colors(64).dither(Dither::Ordered))
    ///     .build(Vec::new())?;
    /// for i in 0..10u8 {
    ///     let rgb = vec![i * 25; 32 * 16 * 3];
    ///     writer.write_frame(&FrameView::new(&rgb, 32, 16, PixelFormat::Rgb24)?)?;
    /// }
    /// let gif = writer.finish()?;
    /// assert!(gif.starts_with(b"GIF89a"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "gif")]
    pub fn gif(mut self, options: crate::gif::GifOptions) -> Self {
        self.options.codec = Codec::Gif;
        self.gif = options;
        self
    }

    /// The MP4 layout (default [`Layout::Faststart`]).
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// A metadata entry (`title`, `artist`, `comment`, ...; see the muxer for the keys).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }

    /// Copies an ADTS AAC or MP3 stream into an audio track, without re-encoding, cut to the
    /// video's duration. The stream's first header is read here, so a wrong file fails now.
    pub fn audio(mut self, reader: impl Read + Send + 'static) -> Result<Self> {
        let reader: Box<dyn Read + Send> = Box::new(reader);
        self.audio = Some(AudioReader::new(reader)?);
        Ok(self)
    }

    /// The writer, to any `Write` (a `Vec<u8>`, a socket, stdout): faststart held in memory,
    /// or fragmented and streamed, as [`layout`](Self::layout) says; IVF is streamed.
    pub fn build<W: Write + Send + 'static>(self, sink: W) -> Result<VideoWriter<W>> {
        let open = match (self.chosen_container(), self.layout) {
            (Container::Gif, _) => gif_muxer()?,
            (Container::Ivf, _) => muxer::ivf()?,
            (_, Layout::Faststart) => muxer::buffered(),
            (_, Layout::Fragmented) => muxer::fragmented(),
        };
        self.finish_build(sink, open)
    }

    /// The writer, to a seekable sink (a file): faststart streams samples to the sink and
    /// moves the index to the front at the end, with memory bounded by one chunk per track.
    pub fn build_seekable<W: Read + Write + Seek + Send + 'static>(
        self,
        sink: W,
    ) -> Result<VideoWriter<W>> {
        let open = match (self.chosen_container(), self.layout) {
            (Container::Gif, _) => gif_muxer()?,
            (Container::Ivf, _) => muxer::ivf_seekable()?,
            (_, Layout::Faststart) => muxer::faststart(),
            (_, Layout::Fragmented) => muxer::fragmented(),
        };
        self.finish_build(sink, open)
    }

    fn finish_build<W: Send + 'static>(
        self,
        sink: W,
        open: muxer::Open<W>,
    ) -> Result<VideoWriter<W>> {
        self.options.validate()?;
        match self.chosen_container() {
            Container::Ivf => self.check_stream("IVF", Codec::Av1)?,
            Container::Gif => self.check_stream("GIF", Codec::Gif)?,
            Container::Mp4 if self.options.codec == Codec::Gif => {
                return Err(Error::Unsupported {
                    what: "GIF in MP4".into(),
                    why: "a GIF is its own file; use the GIF container (a .gif output)".into(),
                });
            }
            Container::Mp4 => {}
        }
        // What the encoder codes (validated for the codec); YUV input of another subsampling
        // is resampled to it.
        let subsampling = self.options.chroma;
        if self.input_yuv == Some(Subsampling::Yuv420) && subsampling == Subsampling::Yuv444 {
            return Err(Error::Unsupported {
                what: "4:2:0 YUV input to a 4:4:4 video".into(),
                why: "framecast resamples YUV input only from 4:4:4 to 4:2:0; encode 4:2:0 input as 4:2:0, or give RGB frames".into(),
            });
        }
        let (out_w, out_h) = self.resize.unwrap_or((self.width, self.height));
        let gif = self.options.codec == Codec::Gif;
        let mut convert =
            ConvertStage::new(out_w, out_h, self.color, subsampling).with_yuv_input(self.input_yuv);
        if gif {
            convert = convert.with_packed_output();
        }
        if let Some(size) = self.resize {
            if self.input_yuv.is_some() && !gif {
                return Err(Error::Unsupported {
                    what: "resizing YUV input".into(),
                    why: "frames are resized before RGB -> YUV conversion, so only packed RGB or gray input can be resized".into(),
                });
            }
            let scaler = Scaler::new((self.width, self.height), size)?;
            convert = convert.with_resize(scaler);
        }
        let (encoder, display_size) = if gif {
            self.open_gif(out_w, out_h)?
        } else {
            open_encoder(out_w, out_h, self.fps, self.color, &self.options)?
        };
        let image = convert.new_image()?;
        Ok(VideoWriter {
            parts: Parts {
                convert,
                encode: EncodeStage::new(encoder),
                mux: MuxStage::new(sink, open, self.metadata, self.audio),
                image,
                frames: 0,
            },
            info: WriterInfo {
                width: self.width,
                height: self.height,
                output_size: (out_w, out_h),
                display_size,
                fps: self.fps,
                color: self.color,
                codec: self.options.codec,
            },
        })
    }

    /// IVF carries one AV1 stream and a GIF one GIF stream, and nothing else.
    fn check_stream(&self, name: &str, codec: Codec) -> Result<()> {
        if self.options.codec != codec {
            return Err(Error::Unsupported {
                what: format!("{name} output with {}", self.options.codec.name()),
                why: format!(
                    "{name} carries {} here; use that codec, or MP4 output",
                    codec.name()
                ),
            });
        }
        if self.audio.is_some() {
            return Err(Error::Unsupported {
                what: format!("an audio track in {name}"),
                why: format!("{name} holds one video stream; use MP4 output for audio"),
            });
        }
        if let Some((key, _)) = self.metadata.first() {
            return Err(Error::Unsupported {
                what: format!("metadata ('{key}') in {name}"),
                why: format!("{name} has no metadata; use MP4 output for metadata"),
            });
        }
        Ok(())
    }

    /// The GIF encoder: the writer's threads go to its workers unless its options set them.
    #[cfg(feature = "gif")]
    fn open_gif(&self, width: u32, height: u32) -> Result<(Box<dyn DynEncoder>, (u32, u32))> {
        let mut options = self.gif.clone();
        if options.get_threads() == 0 {
            options = options.threads(usize::from(self.options.threads));
        }
        let stage = crate::gif_stage::GifStage::new(width, height, self.fps, self.color, &options)?;
        Ok((Box::new(stage), (width, height)))
    }

    #[cfg(not(feature = "gif"))]
    fn open_gif(&self, _width: u32, _height: u32) -> Result<(Box<dyn DynEncoder>, (u32, u32))> {
        Err(gif_off())
    }
}

/// The GIF writer, or why this build has none.
fn gif_muxer<W: Write + Send + 'static>() -> Result<muxer::Open<W>> {
    #[cfg(feature = "gif")]
    return Ok(muxer::gif());
    #[cfg(not(feature = "gif"))]
    Err(gif_off())
}

#[cfg(not(feature = "gif"))]
fn gif_off() -> Error {
    Error::Unsupported {
        what: "GIF output".into(),
        why: "this build of framecast does not include it (cargo feature gif off)".into(),
    }
}

/// The frame rate when none is given.
pub const DEFAULT_FPS: Rational = Rational::whole(match std::num::NonZeroU32::new(30) {
    Some(n) => n,
    None => std::num::NonZeroU32::MIN,
});

/// What a writer was configured with and what it will show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriterInfo {
    /// Input frame width.
    pub width: u32,
    /// Input frame height.
    pub height: u32,
    /// The size frames are encoded at before any codec padding or cropping: the
    /// [`resize`](VideoWriterBuilder::resize) target, or the input size.
    pub output_size: (u32, u32),
    /// The size players show: the input size unless the codec had to pad or crop it.
    pub display_size: (u32, u32),
    /// Frames per second.
    pub fps: Rational,
    /// The colour description.
    pub color: ColorSpec,
    /// The codec.
    pub codec: Codec,
}

impl WriterInfo {
    /// A one-line explanation when the displayed size differs from the input size.
    pub fn size_note(&self) -> Option<String> {
        let (w, h) = self.display_size;
        let (ow, oh) = self.output_size;
        if (w, h) == (ow, oh) {
            return None;
        }
        let how = if w > ow || h > oh {
            "padded by repeating the last column/row"
        } else {
            "cropped"
        };
        if self.codec == Codec::Av1 {
            // AV1 keeps every size from 16x16 up; rav1e pads smaller sides to 16.
            return Some(format!(
                "{ow}x{oh} has a side under 16 pixels, the smallest rav1e encodes; frames are {how} to {w}x{h}"
            ));
        }
        Some(format!(
            "{ow}x{oh} has an odd side, which H.264 4:2:0 cannot show; frames are {how} to {w}x{h}"
        ))
    }
}

/// The stages of a writer; the pipeline runs them on separate threads.
pub(crate) struct Parts<W> {
    pub(crate) convert: ConvertStage,
    pub(crate) encode: EncodeStage,
    pub(crate) mux: MuxStage<W>,
    /// Scratch picture for the single-threaded path.
    pub(crate) image: Picture,
    pub(crate) frames: u64,
}

/// Frames in, MP4 out. Create one with [`VideoWriter::builder`]; call
/// [`finish`](Self::finish) at the end, which is where the file is completed (dropping a
/// writer leaves an incomplete file).
pub struct VideoWriter<W> {
    pub(crate) parts: Parts<W>,
    pub(crate) info: WriterInfo,
}

impl<W> std::fmt::Debug for VideoWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriter")
            .field("info", &self.info)
            .field("frames", &self.parts.frames)
            .finish_non_exhaustive()
    }
}

impl VideoWriter<()> {
    /// A builder for frames of `width` x `height` pixels.
    pub fn builder(width: u32, height: u32) -> VideoWriterBuilder {
        VideoWriterBuilder::new(width, height)
    }
}

impl<W> VideoWriter<W> {
    /// The configuration and the displayed size.
    pub fn info(&self) -> &WriterInfo {
        &self.info
    }

    /// Frames accepted so far.
    pub fn frames(&self) -> u64 {
        self.parts.frames
    }
}

impl<W: Send + 'static> VideoWriter<W> {
    /// Converts, encodes and muxes one RGB frame (any [`PixelFormat`](crate::PixelFormat)).
    pub fn write_frame(&mut self, frame: &FrameView<'_>) -> Result<()> {
        let p = &mut self.parts;
        p.convert.convert(p.frames, frame, &mut p.image)?;
        p.frames += 1;
        let mux = &mut p.mux;
        p.encode.encode(p.image.input()?, &mut |e: Encoded| {
            mux.write(&e.packet, e.config)
        })
    }

    /// Encodes and muxes one YUV picture of the writer's encoded size
    /// ([`WriterInfo::output_size`]), in the video's subsampling ([`VideoOptions::chroma`]),
    /// already in the writer's colour spec.
    pub fn write_yuv(&mut self, image: &YuvImage) -> Result<()> {
        let p = &mut self.parts;
        let (expected_width, expected_height) = self.info.output_size;
        if (image.width(), image.height()) != (expected_width, expected_height) {
            return Err(Error::FrameSize {
                index: p.frames,
                width: image.width(),
                height: image.height(),
                expected_width,
                expected_height,
            });
        }
        p.frames += 1;
        let mux = &mut p.mux;
        p.encode.encode(Input::Yuv(image), &mut |e: Encoded| {
            mux.write(&e.packet, e.config)
        })
    }

    /// Flushes the encoder, completes the file and returns the sink.
    /// [`Error::NoFrames`] when no frame was written (nothing is written to the sink then).
    pub fn finish(self) -> Result<W> {
        let Parts {
            mut encode,
            mut mux,
            frames,
            ..
        } = self.parts;
        if frames == 0 {
            return Err(Error::NoFrames);
        }
        encode.finish(&mut |e: Encoded| mux.write(&e.packet, e.config))?;
        mux.finish()
    }
}
