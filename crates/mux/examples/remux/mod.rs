//! The remux logic, shared by the `remux` example and the conformance tests: copies the first
//! video track of an MP4 through framecast-mux's writer, keeping the timescale, decode and
//! presentation times, durations, sync flags and edit, and optionally adds an ADTS or MP3 audio
//! track, which the writer trims to the video's duration (`set_trim_audio_to_video`).

mod demux;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::str::FromStr;

use framecast_core::{CodecConfig, ColorSpec, Packet, Rational};
use framecast_mux::audio::{AdtsReader, AudioConfig, AudioFrame, Mp3Reader};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, TrackId, VideoTrack};

pub(crate) use demux::BoxResult;
use demux::VideoSource;

/// The output layouts of framecast-mux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutLayout {
    /// `moov` moved to the front of a seekable file at the end.
    Faststart,
    /// `moov` + `moof`/`mdat` fragments to a plain `Write`.
    Fragmented,
    /// Faststart to a plain `Write`, samples held in memory.
    Buffered,
}

impl OutLayout {
    pub(crate) const ALL: [OutLayout; 3] = [
        OutLayout::Faststart,
        OutLayout::Fragmented,
        OutLayout::Buffered,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            OutLayout::Faststart => "faststart",
            OutLayout::Fragmented => "fragmented",
            OutLayout::Buffered => "buffered",
        }
    }
}

impl FromStr for OutLayout {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        OutLayout::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| {
                format!("unknown layout '{s}'; expected faststart, fragmented or buffered")
            })
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) video_samples: usize,
    pub(crate) audio_frames: usize,
    pub(crate) timescale: u32,
    /// Decode time of the source's first video sample (the first fragment's `tfdt`; 0 in
    /// progressive files); the output's media timeline starts at 0.
    pub(crate) first_dts: i64,
}

/// Reads every frame of an ADTS (`.adts`, `.aac`) or MP3 (`.mp3`) file.
pub(crate) fn read_audio(path: &Path) -> BoxResult<(AudioConfig, Vec<AudioFrame>)> {
    let r = BufReader::new(File::open(path)?);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    Ok(match ext {
        "mp3" => Mp3Reader::new(r)?.read_all()?,
        "adts" | "aac" => AdtsReader::new(r)?.read_all()?,
        _ => return Err(format!("{}: expected a .adts, .aac or .mp3 file", path.display()).into()),
    })
}

/// `a * b / c >= d`-style comparisons without overflow: whether `t1/ts1 < t2/ts2`.
fn earlier(t1: i64, ts1: u32, t2: i64, ts2: u32) -> bool {
    i128::from(t1) * i128::from(ts2) < i128::from(t2) * i128::from(ts1)
}

/// Remuxes `input` to `output`.
pub(crate) fn remux(
    input: &Path,
    output: &Path,
    layout: OutLayout,
    audio: Option<&Path>,
) -> BoxResult<Summary> {
    let file = std::fs::read(input)?;
    let src = demux::read_video(&file)?;
    let audio = audio.map(read_audio).transpose()?;
    let out = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(output)?;
    let mut b = Mp4Builder::new();
    let v = b.add_video(video_track(&src)?)?;
    let a = match &audio {
        Some((config, _)) => Some(b.add_audio(config.clone())?),
        None => None,
    };
    b.set_metadata("title", "framecast remux");
    // The writer drops the audio that starts after the video's end.
    b.set_trim_audio_to_video(true);
    let frames = audio.as_ref().map_or(&[][..], |(_, f)| &f[..]);
    let rate = audio.as_ref().map_or(1, |(c, _)| c.sample_rate);
    match layout {
        OutLayout::Faststart => {
            let mut w = b.faststart(out)?;
            write_all(&mut w, &file, &src, v, a, frames, rate)?;
            w.finish()?.sync_all()?;
        }
        OutLayout::Buffered => {
            let mut w = b.buffered(BufWriter::new(out))?;
            write_all(&mut w, &file, &src, v, a, frames, rate)?;
            w.finish()?
                .into_inner()
                .map_err(|e| e.into_error())?
                .sync_all()?;
        }
        OutLayout::Fragmented => {
            let mut w = b.fragmented(BufWriter::new(out))?;
            write_all(&mut w, &file, &src, v, a, frames, rate)?;
            let mut inner = w.finish()?;
            inner.flush()?;
            inner.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
    }
    // How many audio frames the writer kept.
    let n = if a.is_some() {
        let report = framecast_mux::inspect::inspect(BufReader::new(File::open(output)?))?;
        usize::try_from(report.audio_track().map_or(0, |t| t.sample_count))?
    } else {
        0
    };
    Ok(Summary {
        video_samples: src.samples.len(),
        audio_frames: n,
        timescale: src.timescale,
        first_dts: src.samples.first().map_or(0, |s| s.dts),
    })
}

fn video_track(src: &VideoSource) -> BoxResult<VideoTrack> {
    let mut config = CodecConfig::new(
        src.codec,
        src.width,
        src.height,
        Rational::new(1, src.timescale)?,
        ColorSpec::default(),
        src.record.clone(),
    );
    // A source without `pasp` gets the writer's default, 1:1.
    if let Some((h, v)) = src.pixel_aspect {
        config = config.with_pixel_aspect(h, v)?;
    }
    let track = VideoTrack::new(config);
    // Keep the source's edit list, or its absence: readers treat "no edit list" and "an edit
    // at media time 0" differently (ffmpeg shifts a track with an edit list so that its first
    // pts is 0), and the writer's default would map the first composition time to 0.
    Ok(match src.edit_media_time {
        Some(t) => track.with_edit_media_time(t),
        None => track.without_edit_list(),
    })
}

/// Writes video samples and audio frames interleaved by time (the writer trims the audio).
fn write_all<S: Mp4Sink>(
    w: &mut S,
    file: &[u8],
    src: &VideoSource,
    v: TrackId,
    a: Option<TrackId>,
    frames: &[AudioFrame],
    rate: u32,
) -> BoxResult<()> {
    let first = src.samples.first().map_or(0, |s| s.dts);
    let mut next_audio = 0;
    for s in &src.samples {
        while let Some(a) = a
            && let Some(f) = frames.get(next_audio)
            && earlier(f.pts as i64, rate, s.dts - first, src.timescale)
        {
            w.write_audio(a, f)?;
            next_audio += 1;
        }
        let packet = Packet {
            data: demux::sample_data(file, s)?.to_vec(),
            pts: s.dts + s.cts_offset,
            dts: s.dts,
            duration: u64::from(s.duration),
            keyframe: s.sync,
        };
        w.write_video(v, &packet)?;
    }
    if let Some(a) = a {
        for f in &frames[next_audio..] {
            w.write_audio(a, f)?;
        }
    }
    Ok(())
}
