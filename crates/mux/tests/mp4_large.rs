//! Past 4 GiB: `co64` and the 64-bit `mdat` size, chosen by the faststart writer itself, tested
//! with a sparse sink that keeps only the head of the file (the samples are zeros) instead of
//! writing 4 GiB of real data.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use framecast_core::{Codec, CodecConfig, ColorSpec, Packet, Rational};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, VideoTrack};

/// Bytes kept; everything past this is dropped on write and reads back as zeros.
const KEEP: usize = 1 << 20;

/// A `Read + Write + Seek` sink that stores only its first [`KEEP`] bytes.
#[derive(Debug, Default)]
struct Sparse {
    head: Vec<u8>,
    len: u64,
    pos: u64,
}

impl Write for Sparse {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let start = self.pos as usize;
        if start < KEEP {
            let n = buf.len().min(KEEP - start);
            if self.head.len() < start + n {
                self.head.resize(start + n, 0);
            }
            self.head[start..start + n].copy_from_slice(&buf[..n]);
        }
        self.pos += buf.len() as u64;
        self.len = self.len.max(self.pos);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Read for Sparse {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.len.saturating_sub(self.pos)).min(buf.len() as u64) as usize;
        let at = self.pos as usize;
        let stored = self.head.len().saturating_sub(at).min(n);
        if stored > 0 {
            buf[..stored].copy_from_slice(&self.head[at..at + stored]);
        }
        buf[stored..n].fill(0);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Sparse {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.pos = match pos {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len.checked_add_signed(d).expect("seek in range"),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d).expect("seek in range"),
        };
        Ok(self.pos)
    }
}

#[test]
fn co64_and_largesize_are_chosen_after_the_moov_shift() {
    let avcc = vec![
        1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80,
    ];
    let config = CodecConfig::new(
        Codec::H264,
        1920,
        1080,
        Rational::new(1, 30).unwrap(),
        ColorSpec::default(),
        avcc,
    );
    let mut b = Mp4Builder::new();
    let v = b.add_video(VideoTrack::new(config)).unwrap();
    let mut w = b.faststart(Sparse::default()).unwrap();

    // The last sample starts 300 bytes below 4 GiB counting ftyp and the mdat header, so its
    // offset fits 32 bits until moov (more than 300 bytes) is moved in front of it.
    let ftyp_len = 32u64;
    let last_start = u64::from(u32::MAX) - ftyp_len - 16 - 300;
    let big = 64usize << 20;
    let mut sizes = vec![big; (last_start / big as u64) as usize];
    sizes.push((last_start - sizes.len() as u64 * big as u64) as usize);
    sizes.push(1000);
    let mut packet = Packet {
        data: vec![0; big],
        pts: 0,
        dts: 0,
        duration: 1,
        keyframe: true,
    };
    for (i, &size) in sizes.iter().enumerate() {
        packet.data.resize(size, 0);
        packet.pts = i as i64;
        packet.dts = i as i64;
        packet.keyframe = i % 10 == 0;
        w.write_video(v, &packet).unwrap();
    }
    let mut sink = w.finish().unwrap();
    let payload: u64 = sizes.iter().map(|&s| s as u64).sum();
    assert!(payload + 8 > u64::from(u32::MAX), "mdat needs largesize");

    // ftyp, moov, then mdat with size 1 and a 64-bit largesize.
    let head = sink.head.clone();
    assert_eq!(&head[4..8], b"ftyp");
    assert_eq!(
        u32::from_be_bytes(head[0..4].try_into().unwrap()) as u64,
        ftyp_len
    );
    let moov_len = u32::from_be_bytes(head[32..36].try_into().unwrap()) as usize;
    assert_eq!(&head[36..40], b"moov");
    let mdat_at = 32 + moov_len;
    assert_eq!(&head[mdat_at..mdat_at + 8], b"\0\0\0\x01mdat");
    let largesize = u64::from_be_bytes(head[mdat_at + 8..mdat_at + 16].try_into().unwrap());
    assert_eq!(largesize, payload + 16);
    assert_eq!(sink.len, mdat_at as u64 + largesize);
    let moov = &head[32..mdat_at];
    assert!(moov.windows(4).any(|w| w == b"co64"));
    assert!(!moov.windows(4).any(|w| w == b"stco"));

    // Independent parsers agree.
    let ctx = mp4parse::read_mp4(&mut Cursor::new(moov_only(&head, mdat_at))).unwrap();
    let offsets = &ctx.tracks[0].stco.as_ref().unwrap().offsets;
    assert_eq!(offsets.len(), sizes.len());
    assert_eq!(offsets[0], mdat_at as u64 + 16);
    assert_eq!(*offsets.last().unwrap(), mdat_at as u64 + 16 + last_start);
    assert!(*offsets.last().unwrap() > u64::from(u32::MAX));
    assert!(
        last_start + ftyp_len + 16 <= u64::from(u32::MAX),
        "only the shift crossed 4 GiB"
    );

    let len = sink.len;
    sink.seek(SeekFrom::Start(0)).unwrap();
    let mut r = mp4::Mp4Reader::read_header(sink, len).unwrap();
    let n = sizes.len() as u32;
    assert_eq!(r.sample_count(1).unwrap(), n);
    let last = r.read_sample(1, n).unwrap().unwrap();
    assert_eq!(last.bytes.len(), 1000);
    assert_eq!(last.start_time, u64::from(n - 1));
}

/// ftyp + moov only, for a parser that reads sequentially.
fn moov_only(head: &[u8], mdat_at: usize) -> Vec<u8> {
    head[..mdat_at].to_vec()
}
