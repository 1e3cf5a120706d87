//! Sample entries (ISO/IEC 14496-12 12.1.3, 12.2.3): `avc1` + `avcC` (14496-15 5.4.2), `av01` +
//! `av1C` (AV1-ISOBMFF 2.2), with `colr` (nclx, 12.1.5), `pasp` (12.1.4) and `btrt` (8.5.2.2);
//! `mp4a` + `esds` (14496-14 5.6, 14496-1 7.2.6.5).

use framecast_core::ColorSpec;

use super::boxes::{
    Buf, FourCc, fit_u16, fit_u32, len64, put_u8, put_u16, put_u32, put_zeros, write_box,
    write_full_box,
};
use crate::Result;

/// The `btrt` values: decoding buffer size in bytes, peak and average bitrate in bit/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Bitrates {
    pub(crate) buffer_size: u32,
    pub(crate) max: u32,
    pub(crate) avg: u32,
}

impl Bitrates {
    /// Computes the bitrates of samples with decode durations in `timescale` units: the buffer
    /// size is the largest sample, the peak the most bits in any one-second window of decode time.
    pub(crate) fn measure(sizes: &[u32], durations: &[u32], timescale: u32) -> Self {
        let ts = u128::from(timescale.max(1));
        let total_bits: u128 = sizes.iter().map(|&s| u128::from(s) * 8).sum();
        let total_dur: u128 = durations.iter().map(|&d| u128::from(d)).sum();
        let avg = (total_bits * ts).checked_div(total_dur).unwrap_or(0);
        // Sliding window over decode times [t_i, t_i + 1 s).
        let mut max_bits: u128 = 0;
        let (mut j, mut window_bits, mut t_i, mut t_j) = (0usize, 0u128, 0u128, 0u128);
        for i in 0..sizes.len() {
            while j < sizes.len() && t_j < t_i + ts {
                window_bits += u128::from(sizes[j]) * 8;
                t_j += u128::from(durations.get(j).copied().unwrap_or(0));
                j += 1;
            }
            max_bits = max_bits.max(window_bits);
            window_bits -= u128::from(sizes[i]) * 8;
            t_i += u128::from(durations.get(i).copied().unwrap_or(0));
        }
        let clamp = |v: u128| u32::try_from(v).unwrap_or(u32::MAX);
        Bitrates {
            buffer_size: sizes.iter().copied().max().unwrap_or(0),
            max: clamp(max_bits),
            avg: clamp(avg),
        }
    }
}

/// What a visual sample entry needs.
pub(crate) struct VideoEntry<'a> {
    /// `avc1` or `av01`.
    pub(crate) fourcc: [u8; 4],
    /// `avcC` or `av1C`.
    pub(crate) config_fourcc: [u8; 4],
    pub(crate) record: &'a [u8],
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) color: ColorSpec,
    /// `pasp` (h_spacing, v_spacing).
    pub(crate) pixel_aspect: (u32, u32),
    /// `None` leaves `btrt` out (fragmented files, where the samples are not known up front).
    pub(crate) bitrates: Option<Bitrates>,
}

/// Writes a visual sample entry with its configuration record, `colr`, `pasp` and `btrt`.
pub(crate) fn write_video_entry(out: &mut Buf, e: &VideoEntry<'_>) -> Result<()> {
    let fc = FourCc(e.fourcc);
    let width = fit_u16(fc, "width", u64::from(e.width))?;
    let height = fit_u16(fc, "height", u64::from(e.height))?;
    write_box(out, &e.fourcc, |o| {
        put_zeros(o, 6); // reserved
        put_u16(o, 1); // data_reference_index
        put_zeros(o, 16); // pre_defined, reserved, pre_defined[3]
        put_u16(o, width);
        put_u16(o, height);
        put_u32(o, 0x0048_0000); // horizresolution 72 dpi
        put_u32(o, 0x0048_0000); // vertresolution
        put_u32(o, 0); // reserved
        put_u16(o, 1); // frame_count
        put_zeros(o, 32); // compressorname (empty Pascal string)
        put_u16(o, 0x0018); // depth
        put_u16(o, 0xFFFF); // pre_defined = -1
        write_box(o, &e.config_fourcc, |o| {
            o.extend_from_slice(e.record);
            Ok(())
        })?;
        write_colr(o, &e.color)?;
        write_pasp(o, e.pixel_aspect)?;
        if let Some(b) = e.bitrates {
            write_btrt(o, b)?;
        }
        Ok(())
    })
}

/// `colr` of type `nclx`: H.273 code points and the full-range flag.
pub(crate) fn write_colr(out: &mut Buf, c: &ColorSpec) -> Result<()> {
    write_box(out, b"colr", |o| {
        o.extend_from_slice(b"nclx");
        put_u16(o, u16::from(c.primaries.0));
        put_u16(o, u16::from(c.transfer.0));
        put_u16(o, u16::from(c.matrix_coefficients().0));
        put_u8(o, if c.full_range() { 0x80 } else { 0 });
        Ok(())
    })
}

/// `pasp`: hSpacing and vSpacing, the relative width and height of a pixel (12.1.4).
pub(crate) fn write_pasp(out: &mut Buf, (h, v): (u32, u32)) -> Result<()> {
    write_box(out, b"pasp", |o| {
        put_u32(o, h);
        put_u32(o, v);
        Ok(())
    })
}

/// `btrt`: buffer size and bitrates.
pub(crate) fn write_btrt(out: &mut Buf, b: Bitrates) -> Result<()> {
    write_box(out, b"btrt", |o| {
        put_u32(o, b.buffer_size);
        put_u32(o, b.max);
        put_u32(o, b.avg);
        Ok(())
    })
}

/// What an `mp4a` sample entry needs.
pub(crate) struct AudioEntry<'a> {
    pub(crate) es_id: u16,
    /// 0x40 (MPEG-4 audio, AAC) or 0x6B (MPEG-1 audio, MP3).
    pub(crate) object_type: u8,
    pub(crate) channels: u8,
    pub(crate) sample_rate: u32,
    /// AudioSpecificConfig for AAC; empty for MP3 (no DecoderSpecificInfo).
    pub(crate) decoder_specific: &'a [u8],
    pub(crate) bitrates: Bitrates,
}

/// Appends an MPEG-4 descriptor: tag, length as four 7-bit groups (the form ffmpeg and Apple
/// write, 14496-1 8.3.3), body.
fn write_descriptor(
    out: &mut Buf,
    tag: u8,
    body: impl FnOnce(&mut Buf) -> Result<()>,
) -> Result<()> {
    out.push(tag);
    let at = out.len();
    put_zeros(out, 4);
    body(out)?;
    let len = out.len() - at - 4;
    if len >= 1 << 28 {
        return Err(crate::Error::FieldOverflow {
            fourcc: FourCc(*b"esds"),
            field: "descriptor length",
            value: u128::from(len64(len)),
            max: (1 << 28) - 1,
        });
    }
    for i in 0..4 {
        let shift = 7 * (3 - i);
        let cont = if i < 3 { 0x80 } else { 0 };
        out[at + i] = u8::try_from((len >> shift) & 0x7F).unwrap_or(0x7F) | cont;
    }
    Ok(())
}

/// `esds`: ES_Descriptor > DecoderConfigDescriptor (> DecoderSpecificInfo) + SLConfigDescriptor.
pub(crate) fn write_esds(out: &mut Buf, e: &AudioEntry<'_>) -> Result<()> {
    write_full_box(out, b"esds", 0, 0, |o| {
        write_descriptor(o, 0x03, |o| {
            put_u16(o, e.es_id);
            put_u8(o, 0); // no stream dependence, URL or OCR stream
            write_descriptor(o, 0x04, |o| {
                put_u8(o, e.object_type);
                put_u8(o, (0x05 << 2) | 1); // streamType audio, upStream 0, reserved 1
                let buf = e.bitrates.buffer_size.min(0x00FF_FFFF);
                o.extend_from_slice(&buf.to_be_bytes()[1..]);
                put_u32(o, e.bitrates.max);
                put_u32(o, e.bitrates.avg);
                if !e.decoder_specific.is_empty() {
                    write_descriptor(o, 0x05, |o| {
                        o.extend_from_slice(e.decoder_specific);
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            write_descriptor(o, 0x06, |o| {
                put_u8(o, 0x02); // predefined: reserved for use in MP4 files
                Ok(())
            })
        })
    })
}

/// Writes an `mp4a` audio sample entry with its `esds` and, when known, `btrt`.
pub(crate) fn write_audio_entry(out: &mut Buf, e: &AudioEntry<'_>) -> Result<()> {
    let rate = fit_u16(FourCc(*b"mp4a"), "sample_rate", u64::from(e.sample_rate))?;
    write_box(out, b"mp4a", |o| {
        put_zeros(o, 6);
        put_u16(o, 1); // data_reference_index
        put_zeros(o, 8); // reserved
        put_u16(o, u16::from(e.channels));
        put_u16(o, 16); // samplesize
        put_zeros(o, 4); // pre_defined, reserved
        put_u32(
            o,
            fit_u32(FourCc(*b"mp4a"), "samplerate", u64::from(rate) << 16)?,
        );
        write_esds(o, e)?;
        if e.bitrates != Bitrates::default() {
            write_btrt(o, e.bitrates)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::boxes::parse::{self, u16_at, u32_at};
    use super::*;
    use framecast_core::{Matrix, Range};

    #[test]
    fn colr_nclx_golden() {
        let mut out = Vec::new();
        write_colr(&mut out, &ColorSpec::new(Matrix::Bt709, Range::Full)).unwrap();
        assert_eq!(
            out,
            [
                0, 0, 0, 19, b'c', b'o', b'l', b'r', b'n', b'c', b'l', b'x', 0, 1, 0, 1, 0, 1, 0x80
            ]
        );
        let mut out = Vec::new();
        write_colr(&mut out, &ColorSpec::BT601_LIMITED).unwrap();
        assert_eq!(&out[12..], &[0, 6, 0, 6, 0, 6, 0]);
    }

    #[test]
    fn pasp_and_btrt_golden() {
        let mut out = Vec::new();
        write_pasp(&mut out, (1, 1)).unwrap();
        assert_eq!(
            out,
            [0, 0, 0, 16, b'p', b'a', b's', b'p', 0, 0, 0, 1, 0, 0, 0, 1]
        );
        let mut out = Vec::new();
        write_pasp(&mut out, (64, 45)).unwrap();
        assert_eq!(&out[8..], [0, 0, 0, 64, 0, 0, 0, 45]);
        let mut out = Vec::new();
        write_btrt(
            &mut out,
            Bitrates {
                buffer_size: 1,
                max: 2,
                avg: 3,
            },
        )
        .unwrap();
        let b = parse::one(&out, b"btrt");
        assert_eq!((u32_at(b, 0), u32_at(b, 4), u32_at(b, 8)), (1, 2, 3));
    }

    #[test]
    fn bitrates_window_and_average() {
        // 4 samples of 1000 bytes at 2 per second: 8000 bit/s average, 16000 peak.
        let b = Bitrates::measure(&[1000; 4], &[1; 4], 2);
        assert_eq!(
            b,
            Bitrates {
                buffer_size: 1000,
                max: 16000,
                avg: 16000
            }
        );
        let b = Bitrates::measure(&[1000, 10, 10, 10], &[1; 4], 4);
        assert_eq!((b.max, b.avg), (8240, 8240));
        assert_eq!(Bitrates::measure(&[], &[], 0), Bitrates::default());
    }

    #[test]
    fn avc1_entry_round_trips() {
        let record = [1, 0x64, 0, 0x1f, 0xff, 0xe0, 0];
        let e = VideoEntry {
            fourcc: *b"avc1",
            config_fourcc: *b"avcC",
            record: &record,
            width: 1920,
            height: 1080,
            color: ColorSpec::BT709_LIMITED,
            pixel_aspect: (1, 1),
            bitrates: Some(Bitrates::default()),
        };
        let mut out = Vec::new();
        write_video_entry(&mut out, &e).unwrap();
        let body = parse::one(&out, b"avc1");
        assert_eq!(u16_at(body, 6), 1);
        assert_eq!((u16_at(body, 24), u16_at(body, 26)), (1920, 1080));
        assert_eq!(u16_at(body, 74), 0x18);
        let kids: Vec<[u8; 4]> = parse::boxes(&body[78..]).iter().map(|b| b.fourcc).collect();
        assert_eq!(kids, [*b"avcC", *b"colr", *b"pasp", *b"btrt"]);
        assert_eq!(parse::child(&body[78..], b"avcC"), record);
        // Sizes that do not fit 16 bits are refused, not truncated.
        let e = VideoEntry { width: 70000, ..e };
        assert!(write_video_entry(&mut Vec::new(), &e).is_err());
    }

    #[test]
    fn mp4a_esds_golden_for_aac() {
        let asc = [0x12, 0x10];
        let e = AudioEntry {
            es_id: 2,
            object_type: 0x40,
            channels: 2,
            sample_rate: 44100,
            decoder_specific: &asc,
            bitrates: Bitrates {
                buffer_size: 0x300,
                max: 128_000,
                avg: 96_000,
            },
        };
        let mut out = Vec::new();
        write_audio_entry(&mut out, &e).unwrap();
        let body = parse::one(&out, b"mp4a");
        assert_eq!(u16_at(body, 16), 2);
        assert_eq!(u32_at(body, 24), 44100 << 16);
        let esds = parse::child(&body[28..], b"esds");
        #[rustfmt::skip]
        let expected = [
            0, 0, 0, 0,
            0x03, 0x80, 0x80, 0x80, 34, 0, 2, 0,
            0x04, 0x80, 0x80, 0x80, 20, 0x40, 0x15, 0, 3, 0, 0, 1, 0xF4, 0, 0, 1, 0x77, 0,
            0x05, 0x80, 0x80, 0x80, 2, 0x12, 0x10,
            0x06, 0x80, 0x80, 0x80, 1, 2,
        ];
        assert_eq!(esds, expected);
    }

    #[test]
    fn mp3_has_no_decoder_specific_info() {
        let e = AudioEntry {
            es_id: 1,
            object_type: 0x6B,
            channels: 1,
            sample_rate: 48000,
            decoder_specific: &[],
            bitrates: Bitrates::default(),
        };
        let mut out = Vec::new();
        write_esds(&mut out, &e).unwrap();
        let b = parse::one(&out, b"esds");
        assert_eq!(b[17], 0x6B);
        assert_eq!(b[30], 0x06, "SLConfig follows DecoderConfig directly");
        assert!(
            write_audio_entry(
                &mut Vec::new(),
                &AudioEntry {
                    sample_rate: 96000 * 2,
                    ..e
                }
            )
            .is_err()
        );
    }
}
