//! A small look-ahead buffer over `Read` with absolute byte offsets, shared by the ADTS and MP3
//! readers. Frames are at most a few KiB (ADTS: 8191 bytes; MP3 Layer III: 1441), so the buffer
//! stays small; large tags are skipped without buffering them.

use std::io::{ErrorKind, Read};

use super::{AudioConfig, AudioFrame};
use crate::{Error, Result};

const CHUNK: usize = 16 * 1024;

pub(crate) struct Source<R> {
    inner: R,
    /// Read space; `buf[start..end]` is the unconsumed data.
    buf: Vec<u8>,
    /// Consumed prefix of `buf`.
    start: usize,
    /// End of the data read into `buf`.
    end: usize,
    /// Absolute offset of `buf[start]`.
    offset: u64,
    eof: bool,
}

impl<R: Read> Source<R> {
    pub(crate) fn new(inner: R) -> Self {
        Source {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
        }
    }

    /// Absolute offset of the next unconsumed byte.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// At least `n` buffered bytes, or fewer when the stream ends first.
    pub(crate) fn peek(&mut self, n: usize) -> Result<&[u8]> {
        while self.end - self.start < n && !self.eof {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            // Grow the read space (zeroed once) to hold `n` bytes plus a chunk.
            if self.buf.len() < n.max(self.end) + CHUNK {
                self.buf.resize(n.max(self.end) + CHUNK, 0);
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(got) => self.end += got,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(Error::Io {
                        context: "reading the audio stream",
                        source,
                    });
                }
            }
        }
        let end = self.end.min(self.start + n);
        Ok(&self.buf[self.start..end])
    }

    /// Consumes `n` bytes; the caller has peeked at least `n`.
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.offset += n as u64;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Copies out and consumes `len` bytes from `skip` bytes ahead; the caller has peeked
    /// `skip + len`.
    pub(crate) fn take(&mut self, skip: usize, len: usize) -> Vec<u8> {
        let from = self.start + skip;
        let data = self.buf[from..from + len].to_vec();
        self.consume(skip + len);
        data
    }

    /// Skips `n` bytes without buffering them all; returns how many were skipped (fewer at the
    /// end of the stream).
    pub(crate) fn skip(&mut self, mut n: u64) -> Result<u64> {
        let total = n;
        while n > 0 {
            let want = usize::try_from(n).unwrap_or(usize::MAX).min(CHUNK);
            let got = self.peek(want)?.len();
            if got == 0 {
                break;
            }
            let step = got.min(want);
            self.consume(step);
            n -= step as u64;
        }
        Ok(total - n)
    }
}

/// Skips ID3v2 tags (ID3v2.4 section 3.1: "ID3", version, flags, syncsafe size; a footer of 10
/// more bytes when flag bit 4 is set) at the current position. Several tags may follow each
/// other (appended tags). Returns whether a tag was skipped.
pub(crate) fn skip_id3v2<R: Read>(src: &mut Source<R>, format: &'static str) -> Result<bool> {
    let mut skipped = false;
    loop {
        let head = src.peek(10)?;
        let Some(len) = id3v2_len(head) else {
            return Ok(skipped);
        };
        let offset = src.offset();
        let got = src.skip(len)?;
        if got < len {
            return Err(Error::AudioTruncated {
                format,
                offset,
                what: "ID3v2 tag",
                expected: len,
                available: got,
            });
        }
        skipped = true;
    }
}

/// The total length of the ID3v2 tag starting `head`, if `head` starts one.
pub(crate) fn id3v2_len(head: &[u8]) -> Option<u64> {
    if head.len() < 10 || &head[..3] != b"ID3" || head[3] == 0xFF || head[4] == 0xFF {
        return None;
    }
    if head[6..10].iter().any(|b| b & 0x80 != 0) {
        return None;
    }
    let size = head[6..10]
        .iter()
        .fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
    let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

/// Whether `head` starts a trailing tag (ID3v1 `TAG`, APEv2 `APETAGEX`, Lyrics3): the end of the
/// audio.
pub(crate) fn is_trailer(head: &[u8]) -> bool {
    head.starts_with(b"TAG") || head.starts_with(b"APETAGEX") || head.starts_with(b"LYRICS")
}

/// Up to 8 bytes in hex for error messages.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02X}")).collect();
    if bytes.is_empty() {
        "the end of the stream".to_owned()
    } else {
        shown.join(" ")
    }
}

/// Average and one-second peak bitrate of a frame sequence with a fixed frame duration.
#[derive(Debug, Clone)]
pub(crate) struct BitrateMeter {
    sample_rate: u64,
    samples_per_frame: u64,
    /// Frames per window: the most frames that fit in one second (at least 1).
    window: usize,
    sizes: std::collections::VecDeque<u64>,
    window_bytes: u64,
    max_window_bytes: u64,
    pub(crate) frames: u64,
    pub(crate) bytes: u64,
}

impl BitrateMeter {
    pub(crate) fn new(sample_rate: u32, samples_per_frame: u32) -> Self {
        let window = (sample_rate / samples_per_frame.max(1)).max(1) as usize;
        BitrateMeter {
            sample_rate: u64::from(sample_rate),
            samples_per_frame: u64::from(samples_per_frame.max(1)),
            window,
            sizes: std::collections::VecDeque::with_capacity(window),
            window_bytes: 0,
            max_window_bytes: 0,
            frames: 0,
            bytes: 0,
        }
    }

    pub(crate) fn push(&mut self, size: usize) {
        let size = size as u64;
        self.frames += 1;
        self.bytes += size;
        self.sizes.push_back(size);
        self.window_bytes += size;
        if self.sizes.len() > self.window {
            self.window_bytes -= self.sizes.pop_front().unwrap_or(0);
        }
        if self.sizes.len() == self.window {
            self.max_window_bytes = self.max_window_bytes.max(self.window_bytes);
        }
    }

    fn rate(&self, bytes: u64, frames: u64) -> u32 {
        if frames == 0 {
            return 0;
        }
        let bits = u128::from(bytes) * 8 * u128::from(self.sample_rate);
        let samples = u128::from(frames) * u128::from(self.samples_per_frame);
        u32::try_from(bits / samples).unwrap_or(u32::MAX)
    }

    /// Total bits over total duration.
    pub(crate) fn avg_bitrate(&self) -> u32 {
        self.rate(self.bytes, self.frames)
    }

    /// Highest rate over any run of consecutive frames lasting up to one second
    /// (ISO/IEC 14496-1 7.2.6.6 maxBitrate); the average for streams shorter than that.
    pub(crate) fn max_bitrate(&self) -> u32 {
        if self.frames < self.window as u64 {
            self.avg_bitrate()
        } else {
            self.rate(self.max_window_bytes, self.window as u64)
        }
    }
}

/// The end-of-stream bookkeeping both readers share: after the last frame the config gets its
/// final bitrates; after the end or an error the reader returns `Ok(None)` from then on.
pub(crate) fn settle(
    result: &Result<Option<AudioFrame>>,
    done: &mut bool,
    config: &mut AudioConfig,
    meter: &BitrateMeter,
) {
    match result {
        Ok(Some(_)) => {}
        Ok(None) => {
            *done = true;
            config.avg_bitrate = meter.avg_bitrate();
            config.max_bitrate = meter.max_bitrate();
        }
        Err(_) => *done = true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id3v2_length_counts_syncsafe_size_and_footer() {
        let mut head = *b"ID3\x04\x00\x00\x00\x00\x02\x01";
        assert_eq!(id3v2_len(&head), Some(10 + 257));
        head[5] = 0x10;
        assert_eq!(id3v2_len(&head), Some(10 + 257 + 10));
        head[8] = 0x80; // not syncsafe
        assert_eq!(id3v2_len(&head), None);
        assert_eq!(id3v2_len(b"ID3"), None);
    }

    #[test]
    fn source_reads_across_small_reads() {
        // A reader that returns one byte per call.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let data: Vec<u8> = (0..100).collect();
        let mut src = Source::new(OneByte(&data));
        assert_eq!(src.peek(10).unwrap(), &data[..10]);
        src.consume(5);
        assert_eq!(src.offset(), 5);
        assert_eq!(src.take(2, 3), vec![7, 8, 9]);
        assert_eq!(src.skip(80).unwrap(), 80);
        assert_eq!(src.peek(100).unwrap(), &data[90..]);
        assert_eq!(src.skip(20).unwrap(), 10);
        assert_eq!(src.offset(), 100);
    }

    #[test]
    fn meter_peak_is_the_densest_second() {
        // 1000 Hz, 100 samples per frame: 10 frames per second.
        let mut m = BitrateMeter::new(1000, 100);
        for i in 0..30 {
            m.push(if (10..20).contains(&i) { 200 } else { 100 });
        }
        assert_eq!(m.avg_bitrate(), (100 * 20 + 200 * 10) * 8 / 3);
        assert_eq!(m.max_bitrate(), 200 * 8 * 10);
    }
}
