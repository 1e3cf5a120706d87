//! ADTS and MP3 readers on synthetic streams: every bad-input case gives the documented error
//! (message asserted, with its byte offset), and the tolerated oddities (tags, CRC, junk between
//! MP3 frames, info frames) are handled as documented.

use framecast_mux::Error;
use framecast_mux::audio::{
    AdtsReader, AudioCodec, AudioFrame, AudioReader, Mp3Header, Mp3Reader, MpegVersion,
};

// ---------------------------------------------------------------- ADTS

/// One ADTS frame with `payload` bytes of raw data block (values 0, 1, 2, ...).
fn adts(profile: u8, sfi: u8, ch: u8, payload: usize, crc: bool) -> Vec<u8> {
    let len = payload + if crc { 9 } else { 7 };
    let mut f = vec![
        0xFF,
        0xF0 | u8::from(!crc),
        (profile << 6) | (sfi << 2) | (ch >> 2),
        ((ch & 3) << 6) | ((len >> 11) as u8 & 3),
        (len >> 3) as u8,
        ((len & 7) as u8) << 5 | 0x1F,
        0xFC,
    ];
    if crc {
        f.extend_from_slice(&[0xAB, 0xCD]);
    }
    f.extend((0..payload).map(|i| i as u8));
    f
}

/// AAC-LC, 44.1 kHz, stereo.
fn lc(payload: usize) -> Vec<u8> {
    adts(1, 4, 2, payload, false)
}

fn adts_all(data: &[u8]) -> Result<Vec<AudioFrame>, Error> {
    AdtsReader::new(data)?.read_all().map(|(_, f)| f)
}

fn adts_err(data: &[u8]) -> String {
    adts_all(data).expect_err("an error").to_string()
}

/// ID3v2.4 tag with a `size`-byte body.
fn id3(size: u32, footer: bool) -> Vec<u8> {
    let mut t = b"ID3\x04\x00".to_vec();
    t.push(if footer { 0x10 } else { 0 });
    t.extend([21, 14, 7, 0].map(|s| ((size >> s) & 0x7F) as u8));
    t.resize(10 + size as usize, 0);
    if footer {
        t.extend_from_slice(b"3DI\x04\x00\x10");
        t.extend([21, 14, 7, 0].map(|s| ((size >> s) & 0x7F) as u8));
    }
    t
}

#[test]
fn adts_frames_strip_headers_and_advance_pts() {
    let mut data = lc(10);
    data.extend(lc(20));
    data.extend(lc(30));
    let mut r = AdtsReader::new(&data[..]).unwrap();
    let c = r.config().clone();
    assert_eq!(
        (c.sample_rate, c.channels, c.samples_per_frame),
        (44100, 2, 1024)
    );
    assert_eq!(c.audio_specific_config, [0x12, 0x10]);
    assert_eq!(
        (c.avg_bitrate, c.max_bitrate),
        (0, 0),
        "unknown before the end"
    );
    let mut got = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        got.push((f.data.len(), f.pts, f.duration));
    }
    assert_eq!(got, [(10, 0, 1024), (20, 1024, 1024), (30, 2048, 1024)]);
    // 60 bytes over 3 * 1024 samples at 44.1 kHz.
    assert_eq!(r.config().avg_bitrate, 60 * 8 * 44100 / 3072);
    assert_eq!(r.config().max_bitrate, r.config().avg_bitrate);
    assert_eq!(r.stats().frames, 3);
    assert_eq!(r.stats().duration, 3072);
}

#[test]
fn adts_crc_bytes_are_skipped() {
    let mut data = adts(1, 3, 1, 5, true);
    data.extend(adts(1, 3, 1, 6, true));
    let frames = adts_all(&data).unwrap();
    assert_eq!(frames[0].data, [0, 1, 2, 3, 4]);
    assert_eq!(frames[1].data, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn adts_skips_id3v2_and_stops_at_id3v1() {
    let mut data = id3(300, true);
    data.extend(lc(10));
    data.extend(lc(11));
    data.extend(b"TAG");
    data.resize(data.len() + 125, b' ');
    assert_eq!(adts_all(&data).unwrap().len(), 2);
}

#[test]
fn adts_empty_and_truncated_tag() {
    assert_eq!(
        adts_err(&[]),
        "ADTS: no audio frame: the stream ends at byte 0"
    );
    let mut tag = id3(100, false);
    tag.truncate(50);
    assert_eq!(
        adts_err(&tag),
        "ADTS: byte 0: ID3v2 tag of 110 bytes is truncated: the stream ends after 50 bytes"
    );
}

#[test]
fn adts_bad_syncword_names_offset() {
    assert_eq!(
        adts_err(b"RIFF....WAVE"),
        "ADTS: byte 0: expected the ADTS syncword 0xFFF, found 52 49"
    );
    let mut data = lc(10);
    data.extend(b"junk junk");
    let mut r = AdtsReader::new(&data[..]).unwrap();
    assert!(r.next_frame().unwrap().is_some());
    assert_eq!(
        r.next_frame().unwrap_err().to_string(),
        "ADTS: byte 17: expected the ADTS syncword 0xFFF, found 6A 75"
    );
    assert_eq!(r.next_frame().unwrap(), None, "fused after an error");
}

#[test]
fn adts_layer_must_be_zero() {
    let mut data = lc(10);
    data[1] |= 0x06; // layer 3: an MPEG-1 Layer I header, not ADTS
    assert_eq!(
        adts_err(&data),
        "ADTS: byte 0: invalid layer 3: expected 0 (ADTS; 1..=3 is MPEG audio)"
    );
}

#[test]
fn adts_mid_stream_changes_name_offset() {
    let cases: [(Vec<u8>, &str); 3] = [
        (
            adts(1, 3, 2, 10, false),
            "ADTS: byte 17: sampling_frequency_index changed mid-stream from 4 to 3; \
             one track needs one configuration",
        ),
        (
            adts(1, 4, 1, 10, false),
            "ADTS: byte 17: channel_configuration changed mid-stream from 2 to 1; \
             one track needs one configuration",
        ),
        (
            adts(0, 4, 2, 10, false),
            "ADTS: byte 17: profile changed mid-stream from 1 to 0; \
             one track needs one configuration",
        ),
    ];
    for (second, want) in cases {
        let mut data = lc(10);
        data.extend(second);
        assert_eq!(adts_err(&data), want);
    }
}

#[test]
fn adts_frame_length_shorter_than_header() {
    let mut data = lc(10);
    // aac_frame_length = 5.
    data[3] &= 0xFC;
    data[4] = 0;
    data[5] = (5 << 5) | 0x1F;
    assert_eq!(
        adts_err(&data),
        "ADTS: byte 0: invalid aac_frame_length 5: expected more than the 7-byte header"
    );
}

#[test]
fn adts_truncated_last_frame_comes_after_complete_frames() {
    let mut data = lc(10);
    data.extend(lc(10));
    data.truncate(17 + 12);
    let mut r = AdtsReader::new(&data[..]).unwrap();
    assert_eq!(r.next_frame().unwrap().map(|f| f.data.len()), Some(10));
    assert_eq!(
        r.next_frame().unwrap_err().to_string(),
        "ADTS: byte 17: frame of 17 bytes is truncated: the stream ends after 12 bytes"
    );
    assert_eq!(r.next_frame().unwrap(), None);
    // A truncated header.
    let mut data = lc(10);
    data.extend_from_slice(&[0xFF, 0xF1, 0x50]);
    assert_eq!(
        adts_err(&data),
        "ADTS: byte 17: header of 7 bytes is truncated: the stream ends after 3 bytes"
    );
}

#[test]
fn adts_unsupported_fields_name_offset() {
    let cases = [
        (
            adts(1, 4, 7, 10, false),
            "ADTS: byte 10: unsupported channel_configuration 7: \
             framecast supports 1..=6, mono to 5.1 (7 is 7.1)",
        ),
        (
            adts(1, 4, 0, 10, false),
            "ADTS: byte 10: unsupported channel_configuration 0: framecast supports 1..=6 \
             (0 means channels defined by an in-band program_config_element)",
        ),
        (
            adts(1, 13, 2, 10, false),
            "ADTS: byte 10: invalid sampling_frequency_index 13: \
             expected 0..=12 (13 and 14 are reserved, 15 is not allowed in ADTS)",
        ),
        (
            adts(1, 15, 2, 10, false),
            "ADTS: byte 10: invalid sampling_frequency_index 15: \
             expected 0..=12 (13 and 14 are reserved, 15 is not allowed in ADTS)",
        ),
        (
            adts(1, 1, 2, 10, false),
            "ADTS: byte 10: unsupported sample rate (Hz) 88200: \
             framecast supports 8000..=48000 Hz (sampling_frequency_index 3..=11)",
        ),
        (
            adts(1, 12, 2, 10, false),
            "ADTS: byte 10: unsupported sample rate (Hz) 7350: \
             framecast supports 8000..=48000 Hz (sampling_frequency_index 3..=11)",
        ),
    ];
    for (frame, want) in cases {
        // After a 10-byte ID3v2 tag, so the offset is not 0.
        let mut data = id3(0, false);
        data.extend(frame);
        assert_eq!(adts_err(&data), want);
    }
    let mut data = lc(10);
    data.extend(lc(10));
    data[17 + 6] |= 0x01;
    assert_eq!(
        adts_err(&data),
        "ADTS: byte 17: unsupported number_of_raw_data_blocks_in_frame 1: \
         framecast supports 0 (one raw data block per ADTS frame)"
    );
}

#[test]
fn adts_io_error_has_context() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let e = AdtsReader::new(Failing).err().expect("an error");
    assert_eq!(e.to_string(), "reading the audio stream: disk on fire");
}

// ---------------------------------------------------------------- MP3

/// MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417 bytes (418 with padding).
const V1_128K_44K: [u8; 4] = [0xFF, 0xFB, 0x90, 0x40];
/// MPEG-2 Layer III, 64 kbit/s, 22.05 kHz, mono.
const V2_64K_22K_MONO: [u8; 4] = [0xFF, 0xF3, 0x80, 0xC0];

/// A whole frame for `header`, filled with 0x55 after the header.
fn mp3(header: [u8; 4]) -> Vec<u8> {
    let len = Mp3Header::parse(&header, 0)
        .expect("valid header")
        .frame_len();
    let mut f = header.to_vec();
    f.resize(len, 0x55);
    f
}

fn mp3s(header: [u8; 4], n: usize) -> Vec<u8> {
    (0..n).flat_map(|_| mp3(header)).collect()
}

fn mp3_all(data: &[u8]) -> Result<Vec<AudioFrame>, Error> {
    Mp3Reader::new(data)?.read_all().map(|(_, f)| f)
}

fn mp3_err(data: &[u8]) -> String {
    mp3_all(data).expect_err("an error").to_string()
}

#[test]
fn mp3_frames_are_whole_and_pts_advance() {
    let data = mp3s(V1_128K_44K, 3);
    let (config, frames) = Mp3Reader::new(&data[..]).unwrap().read_all().unwrap();
    assert_eq!(
        (
            config.sample_rate,
            config.channels,
            config.samples_per_frame
        ),
        (44100, 2, 1152)
    );
    assert!(config.audio_specific_config.is_empty());
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].data, mp3(V1_128K_44K));
    assert_eq!(frames[2].pts, 2304);
    assert_eq!(config.avg_bitrate, 417 * 8 * 44100 / 1152);

    let data = mp3s(V2_64K_22K_MONO, 2);
    let mut r = Mp3Reader::new(&data[..]).unwrap();
    assert_eq!(r.first_header().version, MpegVersion::Mpeg2);
    assert_eq!(
        (r.config().channels, r.config().samples_per_frame),
        (1, 576)
    );
    r.next_frame().unwrap();
    assert_eq!(r.next_frame().unwrap().map(|f| f.pts), Some(576));
}

#[test]
fn mp3_skips_id3v2_with_footer_junk_and_stops_at_trailers() {
    let mut data = id3(1000, true);
    data.extend_from_slice(&[0u8; 300]);
    data.extend(mp3s(V1_128K_44K, 2));
    data.extend(b"APETAGEX");
    data.extend_from_slice(&[0u8; 24]);
    let mut r = Mp3Reader::new(&data[..]).unwrap();
    assert_eq!(r.stats().skipped_bytes, 300);
    let mut n = 0;
    while r.next_frame().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 2);

    let mut data = mp3s(V1_128K_44K, 2);
    data.extend(b"TAG");
    data.resize(data.len() + 125, 0xFF);
    assert_eq!(mp3_all(&data).unwrap().len(), 2);
}

#[test]
fn mp3_resyncs_over_junk_between_frames() {
    let mut data = mp3s(V1_128K_44K, 2);
    // Junk containing a false sync (a valid-looking header not followed by another).
    data.extend_from_slice(&[0x00, 0xFF, 0xFB, 0x90, 0x40, 0x12, 0x34]);
    data.extend(mp3s(V1_128K_44K, 2));
    // A little junk at the very end is skipped too.
    data.extend_from_slice(&[1, 2, 3, 4, 5]);
    let mut r = Mp3Reader::new(&data[..]).unwrap();
    let mut pts = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        assert_eq!(f.data, mp3(V1_128K_44K));
        pts.push(f.pts);
    }
    assert_eq!(pts, [0, 1152, 2304, 3456]);
    assert_eq!(r.stats().skipped_bytes, 7 + 5);

    // Junk that parses as a header with other parameters (48 kHz) but is not followed by a
    // frame is skipped, not reported as a configuration change.
    let mut data = mp3s(V1_128K_44K, 2);
    data.extend_from_slice(&[0xFF, 0xFB, 0x94, 0x40, 0, 0, 0]);
    data.extend(mp3s(V1_128K_44K, 2));
    let (_, frames) = Mp3Reader::new(&data[..]).unwrap().read_all().unwrap();
    assert_eq!(frames.len(), 4);
}

#[test]
fn mp3_no_sync_within_limit() {
    assert_eq!(
        mp3_err(&vec![0u8; 100_000]),
        "MP3: no valid frame header in the 65537 bytes from byte 0"
    );
    let mut data = mp3s(V1_128K_44K, 2);
    data.extend(vec![0u8; 70_000]);
    data.extend(mp3s(V1_128K_44K, 2));
    let mut r = Mp3Reader::new(&data[..]).unwrap();
    assert!(r.next_frame().unwrap().is_some());
    assert!(r.next_frame().unwrap().is_some());
    assert_eq!(
        r.next_frame().unwrap_err().to_string(),
        "MP3: no valid frame header in the 65537 bytes from byte 834"
    );
    assert_eq!(
        mp3_err(&[]),
        "MP3: no audio frame: the stream ends at byte 0"
    );
    assert_eq!(
        mp3_err(b"hello"),
        "MP3: no audio frame: the stream ends at byte 5"
    );
}

#[test]
fn mp3_mid_stream_changes_name_offset() {
    let cases = [
        (
            [0xFF, 0xFB, 0x94, 0x40], // 48 kHz
            "MP3: byte 834: sample rate (Hz) changed mid-stream from 44100 to 48000; \
             one track needs one configuration",
        ),
        (
            [0xFF, 0xFB, 0x90, 0xC0], // mono
            "MP3: byte 834: channel count changed mid-stream from 2 to 1; \
             one track needs one configuration",
        ),
        (
            [0xFF, 0xFD, 0x90, 0x40], // Layer II
            "MP3: byte 834: layer changed mid-stream from 3 to 2; \
             one track needs one configuration",
        ),
        (
            [0xFF, 0xF3, 0x90, 0x40], // MPEG-2: 22.05 kHz
            "MP3: byte 834: sample rate (Hz) changed mid-stream from 44100 to 22050; \
             one track needs one configuration",
        ),
    ];
    for (header, want) in cases {
        // The change is confirmed by a second frame with the new parameters.
        let mut data = mp3s(V1_128K_44K, 2);
        data.extend(mp3s(header, 2));
        assert_eq!(mp3_err(&data), want);
        // The last frame of a stream needs no confirmation.
        let mut data = mp3s(V1_128K_44K, 2);
        data.extend(mp3(header));
        assert_eq!(mp3_err(&data), want);
    }
}

#[test]
fn mp3_unsupported_streams() {
    // Free format at the start.
    let mut data = id3(0, false);
    data.extend_from_slice(&[0xFF, 0xFB, 0x00, 0x40]);
    data.resize(500, 0);
    assert_eq!(
        mp3_err(&data),
        "MP3: byte 10: unsupported bitrate_index 0: \
         framecast supports fixed bitrates (bitrate_index 1..=14), not free format"
    );
    // An MP2 (Layer II) file.
    let data = mp3s([0xFF, 0xFD, 0x90, 0x40], 3);
    assert_eq!(
        mp3_err(&data),
        "MP3: byte 0: unsupported layer 2: framecast supports Layer III (MP3)"
    );
}

#[test]
fn mp3_truncated_last_frame_comes_after_complete_frames() {
    let mut data = mp3s(V1_128K_44K, 2);
    data.truncate(417 + 100);
    let mut r = Mp3Reader::new(&data[..]).unwrap();
    assert!(r.next_frame().unwrap().is_some());
    assert_eq!(
        r.next_frame().unwrap_err().to_string(),
        "MP3: byte 417: frame of 417 bytes is truncated: the stream ends after 100 bytes"
    );
    assert_eq!(r.next_frame().unwrap(), None);
    let mut data = mp3(V1_128K_44K);
    data.extend_from_slice(&[0xFF, 0xFB]);
    assert_eq!(
        mp3_err(&data),
        "MP3: byte 417: header of 4 bytes is truncated: the stream ends after 2 bytes"
    );
}

#[test]
fn mp3_xing_lame_frame_is_skipped_and_reported() {
    let mut info = mp3(V1_128K_44K);
    // MPEG-1 stereo: the tag follows 4 header + 32 side info bytes.
    let mut tag = b"Info".to_vec();
    tag.extend(3u32.to_be_bytes()); // frames + bytes
    tag.extend(2u32.to_be_bytes());
    tag.extend(834u32.to_be_bytes());
    tag.extend(b"LAME3.100");
    tag.extend([0u8; 12]);
    tag.extend([0x24, 0x01, 0x2C]); // delay 576, padding 300
    info[36..36 + tag.len()].copy_from_slice(&tag);
    let mut data = info;
    data.extend(mp3s(V1_128K_44K, 2));
    let mut r = Mp3Reader::new(&data[..]).unwrap();
    let i = *r.info_frame().expect("info frame");
    assert_eq!(&i.tag, b"Info");
    assert_eq!((i.frames, i.bytes), (Some(2), Some(834)));
    assert_eq!((i.encoder_delay, i.encoder_padding), (Some(576), Some(300)));
    assert_eq!(r.next_frame().unwrap().map(|f| f.pts), Some(0));
    assert!(r.next_frame().unwrap().is_some());
    assert_eq!(r.next_frame().unwrap(), None);

    let mut vbri = mp3(V1_128K_44K);
    vbri[36..40].copy_from_slice(b"VBRI");
    vbri[50..54].copy_from_slice(&1u32.to_be_bytes());
    let mut data = vbri;
    data.extend(mp3(V1_128K_44K));
    let r = Mp3Reader::new(&data[..]).unwrap();
    assert_eq!(
        r.info_frame().map(|i| (&i.tag, i.frames)),
        Some((b"VBRI", Some(1)))
    );
    assert_eq!(r.read_all().unwrap().1.len(), 1);
}

// ---------------------------------------------------------------- detection

#[test]
fn audio_reader_detects_format_after_id3v2() {
    let mut adts_stream = id3(20, false);
    adts_stream.extend(lc(10));
    let r = AudioReader::new(&adts_stream[..]).unwrap();
    assert!(matches!(r, AudioReader::Adts(_)));
    assert_eq!(r.config().codec, AudioCodec::Aac);

    let mut mp3_stream = id3(20, false);
    mp3_stream.extend_from_slice(&[0; 50]); // junk: only MP3 resynchronises
    mp3_stream.extend(mp3s(V1_128K_44K, 2));
    let r = AudioReader::new(&mp3_stream[..]).unwrap();
    assert!(matches!(r, AudioReader::Mp3(_)));
    assert_eq!(r.read_all().unwrap().1.len(), 2);

    assert_eq!(
        AudioReader::new(&id3(5, false)[..])
            .err()
            .map(|e| e.to_string()),
        Some("ADTS or MP3: no audio frame: the stream ends at byte 15".to_owned())
    );
}

#[test]
fn audio_config_constructors_validate_and_name_the_argument() {
    use framecast_mux::audio::{AudioCodec, AudioConfig};
    let c = AudioConfig::aac(8000, 6, vec![0x15, 0xb0]).unwrap();
    assert_eq!(
        (c.codec, c.samples_per_frame, c.avg_bitrate),
        (AudioCodec::Aac, 1024, 0)
    );
    let c = AudioConfig::mp3(22050, 1, 576).unwrap();
    assert_eq!((c.codec, c.samples_per_frame), (AudioCodec::Mp3, 576));
    let cases = [
        (
            AudioConfig::aac(7999, 2, vec![0x11, 0x90]),
            "invalid AAC audio configuration: sample_rate 7999; expected 8000..=48000 Hz",
        ),
        (
            AudioConfig::aac(96000, 2, vec![0x11, 0x90]),
            "invalid AAC audio configuration: sample_rate 96000; expected 8000..=48000 Hz",
        ),
        (
            AudioConfig::aac(48000, 0, vec![0x11, 0x90]),
            "invalid AAC audio configuration: channels 0; expected 1..=6 (mono to 5.1)",
        ),
        (
            AudioConfig::aac(48000, 2, vec![0x11]),
            "invalid AAC audio configuration: audio_specific_config [11]; expected an \
             AudioSpecificConfig of at least 2 bytes with a non-zero audio object type",
        ),
        (
            AudioConfig::aac(48000, 2, vec![0x01, 0x90]),
            "invalid AAC audio configuration: audio_specific_config [01, 90]; expected an \
             AudioSpecificConfig of at least 2 bytes with a non-zero audio object type",
        ),
        (
            AudioConfig::mp3(44100, 3, 1152),
            "invalid MP3 audio configuration: channels 3; expected 1 or 2",
        ),
        (
            AudioConfig::mp3(44100, 2, 1024),
            "invalid MP3 audio configuration: samples_per_frame 1024; expected 1152 (MPEG-1) \
             or 576 (MPEG-2/2.5)",
        ),
    ];
    for (r, msg) in cases {
        assert_eq!(r.unwrap_err().to_string(), msg);
    }
}
