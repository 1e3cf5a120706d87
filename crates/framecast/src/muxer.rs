//! The mux stage: creates the MP4 (or IVF) writer when the first packet brings the codec
//! configuration, interleaves the audio track, and finishes the file. GIF packets are pieces of
//! the file already, and are written as they are.

use std::io::{Read, Seek, Write};

use framecast_core::{CodecConfig, Packet};
use framecast_mux::audio::{AudioFrame, AudioReader};
#[cfg(feature = "av1")]
use framecast_mux::ivf::IvfCodec;
use framecast_mux::ivf::IvfWriter;
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, TrackId, VideoTrack};

use crate::{Error, Result};

/// A container writer (MP4 of any layout, IVF, GIF), boxed so the stage does not carry the
/// container in its type.
pub(crate) trait Muxer<W>: Send {
    fn video(&mut self, packet: &Packet) -> Result<()>;
    fn audio(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<W>;
}

/// An MP4 writer of any layout, with its video track.
struct Mp4Muxer<M> {
    sink: M,
    video: TrackId,
}

impl<W, M> Muxer<W> for Mp4Muxer<M>
where
    M: Mp4Sink<Inner = W> + Send,
{
    fn video(&mut self, packet: &Packet) -> Result<()> {
        Ok(self.sink.write_video(self.video, packet)?)
    }
    fn audio(&mut self, track: TrackId, frame: &AudioFrame) -> Result<()> {
        Ok(self.sink.write_audio(track, frame)?)
    }
    fn finish(self: Box<Self>) -> Result<W> {
        Ok(Mp4Sink::finish(self.sink)?)
    }
}

/// Boxes an MP4 writer whose video track is `video`.
fn mp4<W, M>(sink: M, video: TrackId) -> BoxMuxer<W>
where
    M: Mp4Sink<Inner = W> + Send + 'static,
{
    Box::new(Mp4Muxer { sink, video })
}

/// A boxed container writer for a sink of type `W`.
type BoxMuxer<W> = Box<dyn Muxer<W>>;
/// Opens an MP4 writer from its filled-in builder and the video track's id.
type OpenMp4<W> = Box<dyn FnOnce(Mp4Builder, TrackId, W) -> Result<BoxMuxer<W>> + Send>;
/// Opens a single-stream writer (IVF, GIF) from the video's configuration.
type OpenStream<W> = Box<dyn FnOnce(&CodecConfig, W) -> Result<BoxMuxer<W>> + Send>;

/// Which container and how it is laid out, decided when the sink's capabilities are known.
pub(crate) enum Open<W> {
    /// An MP4 from the builder the stage fills in (tracks, metadata).
    Mp4(OpenMp4<W>),
    /// A container of one video stream and nothing else (IVF, GIF), described by the video's
    /// configuration alone; `name` is the container's name in messages.
    #[cfg_attr(
        not(any(feature = "av1", feature = "gif")),
        allow(dead_code, reason = "IVF and GIF are both off")
    )]
    Stream {
        name: &'static str,
        open: OpenStream<W>,
    },
}

/// Faststart through a seekable sink.
pub(crate) fn faststart<W: Read + Write + Seek + Send + 'static>() -> Open<W> {
    Open::Mp4(Box::new(|b: Mp4Builder, video, w: W| {
        Ok(mp4(b.faststart(w)?, video))
    }))
}

/// Faststart built in memory and written at the end, for sinks that cannot seek.
pub(crate) fn buffered<W: Write + Send + 'static>() -> Open<W> {
    Open::Mp4(Box::new(|b: Mp4Builder, video, w: W| {
        Ok(mp4(b.buffered(w)?, video))
    }))
}

/// Fragmented MP4 streamed to the sink.
pub(crate) fn fragmented<W: Write + Send + 'static>() -> Open<W> {
    Open::Mp4(Box::new(|b: Mp4Builder, video, w: W| {
        Ok(mp4(b.fragmented(w)?, video))
    }))
}

/// IVF streamed to a plain `Write`: the header's frame count stays 0.
pub(crate) fn ivf<W: Write + Send + 'static>() -> Result<Open<W>> {
    ivf_with(IvfWriter::finish)
}

/// IVF to a seekable sink: the header's frame count is patched at the end.
pub(crate) fn ivf_seekable<W: Write + Seek + Send + 'static>() -> Result<Open<W>> {
    ivf_with(IvfWriter::finish_seekable)
}

#[cfg(feature = "av1")]
fn ivf_with<W: Write + Send + 'static>(finish: IvfFinish<W>) -> Result<Open<W>> {
    Ok(Open::Stream {
        name: "IVF",
        open: Box::new(move |config: &CodecConfig, w: W| {
            Ok(Box::new(IvfMuxer::new(w, config, finish)?) as BoxMuxer<W>)
        }),
    })
}

#[cfg(not(feature = "av1"))]
fn ivf_with<W: Write + Send + 'static>(_finish: IvfFinish<W>) -> Result<Open<W>> {
    Err(Error::Unsupported {
        what: "IVF output".into(),
        why: "IVF carries AV1, and this build of framecast does not include it (cargo feature av1 off)".into(),
    })
}

/// How an IVF stream is finished: with or without patching the frame count.
type IvfFinish<W> = fn(IvfWriter<W>) -> framecast_mux::Result<W>;

/// AV1 in IVF: each packet (an MP4-style temporal unit) gets its temporal delimiter back.
#[cfg(feature = "av1")]
struct IvfMuxer<W: Write> {
    writer: IvfWriter<W>,
    finish: IvfFinish<W>,
}

#[cfg(feature = "av1")]
impl<W: Write> IvfMuxer<W> {
    fn new(sink: W, config: &CodecConfig, finish: IvfFinish<W>) -> Result<Self> {
        if config.codec != framecast_core::Codec::Av1 {
            return Err(Error::Unsupported {
                what: format!("IVF output with {}", config.codec.name()),
                why: "IVF carries AV1 here; use the AV1 codec, or MP4 output".into(),
            });
        }
        let side = |what: &str, v: u32| {
            u16::try_from(v).map_err(|_| Error::Unsupported {
                what: format!("an IVF {what} of {v}"),
                why: "IVF stores sides up to 65535".into(),
            })
        };
        let writer = IvfWriter::new(
            sink,
            IvfCodec::Av1,
            side("width", config.width)?,
            side("height", config.height)?,
            config.time_base,
        )?;
        Ok(IvfMuxer { writer, finish })
    }
}

#[cfg(feature = "av1")]
impl<W: Write + Send> Muxer<W> for IvfMuxer<W> {
    fn video(&mut self, packet: &Packet) -> Result<()> {
        let unit = framecast_av1::obu::with_temporal_delimiter(&packet.data);
        Ok(self.writer.write_frame(&unit, packet.pts)?)
    }
    fn audio(&mut self, _track: TrackId, _frame: &AudioFrame) -> Result<()> {
        Err(Error::Unsupported {
            what: "an audio track in IVF".into(),
            why: "IVF holds one video stream; use MP4 output for audio".into(),
        })
    }
    fn finish(self: Box<Self>) -> Result<W> {
        Ok((self.finish)(self.writer)?)
    }
}

/// A GIF: the encoder's packets are the file's bytes, written in order.
#[cfg(feature = "gif")]
pub(crate) fn gif<W: Write + Send + 'static>() -> Open<W> {
    Open::Stream {
        name: "GIF",
        open: Box::new(|config: &CodecConfig, sink: W| {
            if config.codec != framecast_core::Codec::Gif {
                return Err(Error::Unsupported {
                    what: format!("GIF output with {}", config.codec.name()),
                    why: "a GIF holds GIF images; use MP4 or IVF output for video codecs".into(),
                });
            }
            Ok(Box::new(GifMuxer { sink }) as BoxMuxer<W>)
        }),
    }
}

/// Writes the GIF encoder's bytes through.
#[cfg(feature = "gif")]
struct GifMuxer<W> {
    sink: W,
}

#[cfg(feature = "gif")]
impl<W: Write + Send> Muxer<W> for GifMuxer<W> {
    fn video(&mut self, packet: &Packet) -> Result<()> {
        self.sink
            .write_all(&packet.data)
            .map_err(|source| Error::Io {
                what: "writing the GIF".into(),
                source,
            })
    }
    fn audio(&mut self, _track: TrackId, _frame: &AudioFrame) -> Result<()> {
        Err(Error::Unsupported {
            what: "an audio track in a GIF".into(),
            why: "GIF has no sound; use MP4 output for audio".into(),
        })
    }
    fn finish(mut self: Box<Self>) -> Result<W> {
        self.sink.flush().map_err(|source| Error::Io {
            what: "writing the GIF".into(),
            source,
        })?;
        Ok(self.sink)
    }
}

/// An audio track copied from an ADTS or MP3 stream.
pub(crate) type Audio = AudioReader<Box<dyn Read + Send>>;

enum State<W> {
    /// Waiting for the first packet (and its codec configuration).
    Pending {
        sink: W,
        open: Open<W>,
        metadata: Vec<(String, String)>,
        audio: Option<Audio>,
    },
    Open {
        muxer: Box<dyn Muxer<W>>,
        audio: Option<AudioTrack>,
        time_base: (u64, u64),
    },
    /// Poisoned by an error while opening.
    Failed,
}

struct AudioTrack {
    track: TrackId,
    reader: Audio,
    sample_rate: u64,
    /// The next frame, read ahead so it can wait for the video to catch up.
    next: Option<AudioFrame>,
    ended: bool,
}

/// Writes packets into an MP4, opening it on the first one.
pub(crate) struct MuxStage<W> {
    state: State<W>,
    packets: u64,
    bytes: u64,
}

impl<W: Send + 'static> MuxStage<W> {
    pub(crate) fn new(
        sink: W,
        open: Open<W>,
        metadata: Vec<(String, String)>,
        audio: Option<Audio>,
    ) -> Self {
        MuxStage {
            state: State::Pending {
                sink,
                open,
                metadata,
                audio,
            },
            packets: 0,
            bytes: 0,
        }
    }

    /// Packets written so far.
    pub(crate) fn packets(&self) -> u64 {
        self.packets
    }

    /// Video bytes written so far (sample payloads).
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    fn open(&mut self, config: CodecConfig) -> Result<()> {
        let State::Pending {
            sink,
            open,
            metadata,
            audio,
        } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return Ok(());
        };
        let time_base = (
            u64::from(config.time_base.num()),
            u64::from(config.time_base.den()),
        );
        let open = match open {
            Open::Mp4(open) => open,
            Open::Stream { name, open } => {
                // The builder refused audio and metadata for these containers.
                if audio.is_some() || !metadata.is_empty() {
                    return Err(Error::Unsupported {
                        what: format!("audio or metadata in {name}"),
                        why: format!(
                            "{name} holds one video stream and nothing else; use MP4 output"
                        ),
                    });
                }
                let muxer = open(&config, sink)?;
                self.state = State::Open {
                    muxer,
                    audio: None,
                    time_base,
                };
                return Ok(());
            }
        };
        let mut builder = Mp4Builder::new();
        let video = builder.add_video(VideoTrack::new(config))?;
        let audio = match audio {
            Some(reader) => {
                let audio_config = reader.config().clone();
                let sample_rate = u64::from(audio_config.sample_rate);
                let track = builder.add_audio(audio_config)?;
                builder.set_trim_audio_to_video(true);
                Some(AudioTrack {
                    track,
                    reader,
                    sample_rate,
                    next: None,
                    ended: false,
                })
            }
            None => None,
        };
        for (key, value) in &metadata {
            builder.set_metadata(key, value);
        }
        let muxer = open(builder, video, sink)?;
        self.state = State::Open {
            muxer,
            audio,
            time_base,
        };
        Ok(())
    }

    /// Writes one packet; `config` must come with the first.
    pub(crate) fn write(&mut self, packet: &Packet, config: Option<CodecConfig>) -> Result<()> {
        if let Some(config) = config {
            self.open(config)?;
        }
        let State::Open {
            muxer,
            audio,
            time_base,
        } = &mut self.state
        else {
            return Err(Error::Unsupported {
                what: "a packet before the codec configuration".into(),
                why: "the encoder stage must send the configuration with the first packet".into(),
            });
        };
        muxer.video(packet)?;
        self.packets += 1;
        self.bytes += packet.data.len() as u64;
        if let Some(audio) = audio {
            // Audio up to the end of this video frame, so both tracks advance together
            // (the writers keep one chunk or fragment per track in memory).
            let end = u64::try_from(packet.pts)
                .unwrap_or(0)
                .saturating_add(packet.duration.max(1));
            audio.write_until(muxer.as_mut(), Some((end, *time_base)))?;
        }
        Ok(())
    }

    /// Writes the rest of the audio (cut to the video by the muxer) and finishes the file.
    pub(crate) fn finish(self) -> Result<W> {
        match self.state {
            State::Open {
                mut muxer, audio, ..
            } => {
                if let Some(mut audio) = audio {
                    audio.write_until(muxer.as_mut(), None)?;
                }
                muxer.finish()
            }
            State::Pending { .. } | State::Failed => Err(Error::NoFrames),
        }
    }
}

impl AudioTrack {
    /// Writes audio frames starting before `until` (video ticks and time base), or all of
    /// them when `until` is `None`.
    fn write_until<W>(
        &mut self,
        muxer: &mut dyn Muxer<W>,
        until: Option<(u64, (u64, u64))>,
    ) -> Result<()> {
        loop {
            if self.next.is_none() && !self.ended {
                self.next = self.reader.next_frame()?;
                self.ended = self.next.is_none();
            }
            let Some(frame) = &self.next else {
                return Ok(());
            };
            if let Some((ticks, (num, den))) = until {
                // frame.pts / sample_rate >= ticks * num / den, compared exactly.
                let audio_time = u128::from(frame.pts) * u128::from(den);
                let video_time = u128::from(ticks) * u128::from(num) * u128::from(self.sample_rate);
                if audio_time >= video_time {
                    return Ok(());
                }
            }
            muxer.audio(self.track, frame)?;
            self.next = None;
        }
    }
}
