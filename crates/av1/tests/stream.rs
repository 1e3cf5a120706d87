//! The stream's structure without a decoder: the av1C record against AV1-ISOBMFF 2.3 and the
//! sequence header parsed independently (AV1 5.5), sample contents (AV1-ISOBMFF 2.4),
//! timestamps, keyframes and errors on bad input.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use framecast_av1::{Av1Encoder, Av1Options, Error, obu};
use framecast_core::{
    ColorSpec, Matrix, Range, RateControl, Rational, Subsampling, VideoEncoder, YuvImage,
};
use framecast_testkit::{Lcg, synthetic};

/// MSB-first bit reader for the test's own sequence header parser.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn f(&mut self, n: usize) -> u32 {
        let mut v = 0;
        for _ in 0..n {
            let bit = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | u32::from(bit);
            self.pos += 1;
        }
        v
    }
}

/// The fields of a sequence header OBU payload (AV1 5.5) that av1C mirrors, plus size and
/// colour.
#[derive(Debug, PartialEq)]
struct SeqHeader {
    profile: u32,
    level: u32,
    tier: u32,
    high_bitdepth: u32,
    twelve_bit: u32,
    mono: u32,
    ss_x: u32,
    ss_y: u32,
    csp: u32,
    width: u32,
    height: u32,
    color: (u32, u32, u32),
    full_range: u32,
}

fn parse_sequence_header(payload: &[u8]) -> SeqHeader {
    let mut r = Reader {
        data: payload,
        pos: 0,
    };
    let profile = r.f(3);
    assert_eq!(r.f(1), 0, "still_picture");
    assert_eq!(r.f(1), 0, "reduced_still_picture_header");
    assert_eq!(
        r.f(1),
        0,
        "timing_info_present_flag (AV1-ISOBMFF 2.3: SHOULD be 0)"
    );
    assert_eq!(r.f(1), 0, "initial_display_delay_present_flag");
    assert_eq!(r.f(5), 0, "operating_points_cnt_minus_1");
    assert_eq!(r.f(12), 0, "operating_point_idc");
    let level = r.f(5);
    let tier = if level > 7 { r.f(1) } else { 0 };
    let wb = r.f(4) as usize + 1;
    let hb = r.f(4) as usize + 1;
    let width = r.f(wb) + 1;
    let height = r.f(hb) + 1;
    let frame_id = r.f(1);
    assert_eq!(frame_id, 0);
    r.f(3); // 128x128, filter intra, intra edge
    r.f(4); // interintra, masked, warped, dual filter
    let order_hint = r.f(1);
    if order_hint == 1 {
        r.f(2); // jnt_comp, ref_frame_mvs
    }
    let choose_sct = r.f(1);
    let force_sct = if choose_sct == 1 { 2 } else { r.f(1) };
    if force_sct > 0 {
        let choose_imv = r.f(1);
        if choose_imv == 0 {
            r.f(1);
        }
    }
    if order_hint == 1 {
        r.f(3);
    }
    r.f(3); // superres, cdef, restoration
    // color_config (5.5.2)
    let high_bitdepth = r.f(1);
    let twelve_bit = if profile == 2 && high_bitdepth == 1 {
        r.f(1)
    } else {
        0
    };
    let mono = if profile == 1 { 0 } else { r.f(1) };
    assert_eq!(r.f(1), 1, "color_description_present_flag");
    let color = (r.f(8), r.f(8), r.f(8));
    assert_ne!(color, (1, 13, 0), "no sRGB triple expected");
    let full_range = r.f(1);
    let (ss_x, ss_y) = match profile {
        0 => (1, 1),
        1 => (0, 0),
        _ => unreachable!("profile 2 is not used"),
    };
    let csp = if ss_x == 1 && ss_y == 1 { r.f(2) } else { 0 };
    assert_eq!(r.f(1), 1, "separate_uv_delta_q");
    assert_eq!(r.f(1), 0, "film_grain_params_present");
    assert_eq!(r.f(1), 1, "trailing one bit");
    while !r.pos.is_multiple_of(8) {
        assert_eq!(r.f(1), 0, "trailing zero bits");
    }
    assert_eq!(r.pos / 8, payload.len(), "payload fully read");
    SeqHeader {
        profile,
        level,
        tier,
        high_bitdepth,
        twelve_bit,
        mono,
        ss_x,
        ss_y,
        csp,
        width,
        height,
        color,
        full_range,
    }
}

fn encode_synthetic(
    w: u32,
    h: u32,
    n: u32,
    color: ColorSpec,
    options: &Av1Options,
) -> (Vec<framecast_core::Packet>, framecast_core::CodecConfig) {
    let mut rng = Lcg(7);
    let frames: Vec<YuvImage> = (0..n)
        .map(|t| synthetic(w, h, t, 8, options.chroma, &mut rng))
        .collect();
    common::encode(&frames, 25, color, options)
}

#[test]
fn av1c_matches_the_sequence_header_in_every_keyframe() {
    let cases = [
        (64, 48, ColorSpec::BT601_LIMITED, Subsampling::Yuv420, 10),
        (333, 197, ColorSpec::BT709_FULL, Subsampling::Yuv420, 6),
        (40, 40, ColorSpec::BT709_LIMITED, Subsampling::Yuv444, 0),
        (
            17,
            31,
            ColorSpec::for_srgb(Matrix::Bt2020, Range::Full),
            Subsampling::Yuv420,
            3,
        ),
        (1, 1, ColorSpec::BT601_LIMITED, Subsampling::Yuv444, 8),
    ];
    for (w, h, color, chroma, speed) in cases {
        let options = Av1Options::default()
            .with_speed(speed)
            .with_chroma(chroma)
            .with_keyint(Some(3));
        let (packets, config) = encode_synthetic(w, h, 7, color, &options);
        let r = &config.record;
        // AV1-ISOBMFF 2.3.3: marker 1 + version 1, then the mirrored fields.
        assert_eq!(r[0], 0x81);
        let obus = obu::split_obus(&r[4..]).unwrap();
        assert_eq!(obus.len(), 1, "configOBUs = one sequence header OBU");
        assert_eq!(obus[0].kind, obu::OBU_SEQUENCE_HEADER);
        let seq = parse_sequence_header(obus[0].payload);
        assert_eq!(u32::from(r[1] >> 5), seq.profile, "seq_profile");
        assert_eq!(u32::from(r[1] & 0x1f), seq.level, "seq_level_idx_0");
        assert_eq!(u32::from(r[2] >> 7), seq.tier, "seq_tier_0");
        assert_eq!(u32::from((r[2] >> 6) & 1), seq.high_bitdepth);
        assert_eq!(u32::from((r[2] >> 5) & 1), seq.twelve_bit);
        assert_eq!(u32::from((r[2] >> 4) & 1), seq.mono);
        assert_eq!(u32::from((r[2] >> 3) & 1), seq.ss_x);
        assert_eq!(u32::from((r[2] >> 2) & 1), seq.ss_y);
        assert_eq!(u32::from(r[2] & 3), seq.csp);
        assert_eq!(r[3], 0, "reserved, no initial_presentation_delay");
        assert_eq!(seq.profile, u32::from(chroma == Subsampling::Yuv444));
        assert_eq!(
            (seq.width, seq.height),
            (w.max(16), h.max(16)),
            "max_frame_size"
        );
        assert_eq!((config.width, config.height), (w.max(16), h.max(16)));
        assert_eq!(
            seq.color,
            (
                u32::from(color.primaries.0),
                u32::from(color.transfer.0),
                u32::from(color.matrix_coefficients().0)
            )
        );
        assert_eq!(seq.full_range, u32::from(color.full_range()));

        assert_eq!(packets.len(), 7);
        for (i, p) in packets.iter().enumerate() {
            assert_eq!((p.pts, p.dts, p.duration), (i as i64, i as i64, 1));
            let obus = obu::split_obus(&p.data).unwrap();
            assert!(
                obus.iter()
                    .all(|o| o.kind != obu::OBU_TEMPORAL_DELIMITER && o.kind != obu::OBU_PADDING),
                "AV1-ISOBMFF 2.4: no temporal delimiters or padding in samples"
            );
            let seqs: Vec<_> = obus
                .iter()
                .filter(|o| o.kind == obu::OBU_SEQUENCE_HEADER)
                .collect();
            if p.keyframe {
                assert_eq!(seqs.len(), 1, "a sync sample carries the sequence header");
                assert_eq!(obus[0].kind, obu::OBU_SEQUENCE_HEADER, "before any frame");
                assert_eq!(seqs[0].bytes, &r[4..], "identical to configOBUs");
            } else {
                assert!(seqs.is_empty());
            }
        }
        assert!(packets[0].keyframe);
        // keyint 3 is the largest interval: a keyframe at least every 3 frames.
        let keys: Vec<i64> = packets
            .iter()
            .filter(|p| p.keyframe)
            .map(|p| p.pts)
            .collect();
        assert!(keys.windows(2).all(|k| k[1] - k[0] <= 3), "{keys:?}");
    }
}

/// The level is computed from the size and frame rate (AV1 Annex A.3), and the av1C record,
/// the sequence header in it and the one in the stream all carry it.
#[test]
fn level_follows_size_and_rate_in_av1c_and_stream() {
    let cases = [
        (64, 48, 25, 0),    // 2.0
        (640, 360, 30, 1),  // 2.1
        (1280, 720, 30, 5), // 3.1
        (1280, 720, 60, 8), // 4.0: the tier bit follows the level
    ];
    for (w, h, fps, level) in cases {
        let options = Av1Options::default().with_speed(10).with_keyint(Some(2));
        let mut rng = Lcg(3);
        let frames: Vec<YuvImage> = (0..3)
            .map(|t| synthetic(w, h, t, 4, Subsampling::Yuv420, &mut rng))
            .collect();
        let enc = Av1Encoder::new(
            w,
            h,
            Rational::integer(fps).unwrap(),
            ColorSpec::default(),
            &options,
        )
        .unwrap();
        assert_eq!(enc.level(), level, "{w}x{h}@{fps}");
        let (packets, config) = common::encode(&frames, fps, ColorSpec::default(), &options);
        let r = &config.record;
        assert_eq!(r[1] & 0x1f, level, "{w}x{h}@{fps}: av1C seq_level_idx_0");
        let obus = obu::split_obus(&r[4..]).unwrap();
        assert_eq!(
            parse_sequence_header(obus[0].payload).level,
            u32::from(level)
        );
        let keys: Vec<_> = packets.iter().filter(|p| p.keyframe).collect();
        assert_eq!(keys.len(), 2, "keyint 2 over 3 frames");
        for p in keys {
            let first = obu::split_obus(&p.data).unwrap()[0];
            assert_eq!(first.kind, obu::OBU_SEQUENCE_HEADER);
            let seq = parse_sequence_header(first.payload);
            assert_eq!(
                seq.level,
                u32::from(level),
                "{w}x{h}@{fps}: stream seq_level_idx"
            );
            assert_eq!(first.bytes, &r[4..], "the stream's header is the av1C's");
        }
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let fps = Rational::integer(30).unwrap();
    let color = ColorSpec::default();
    let e = Av1Encoder::new(0, 10, fps, color, &Av1Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "frame size 0x10 is out of range; both sides must be 1 to 65535"
    );
    let e = Av1Encoder::new(64, 64, fps, color, &Av1Options::default().with_speed(12));
    assert!(matches!(
        e,
        Err(Error::InvalidOption {
            option: "speed",
            ..
        })
    ));

    let opts = Av1Options::default().with_speed(10);
    let mut enc = Av1Encoder::new(64, 48, fps, color, &opts).unwrap();
    let i444 = YuvImage::new(64, 48, Subsampling::Yuv444).unwrap();
    assert_eq!(
        enc.send_frame(&i444, 0).unwrap_err().to_string(),
        "a yuv444p frame was sent to an encoder configured for yuv420p; convert it first or set Av1Options::chroma"
    );
    let small = YuvImage::new(62, 48, Subsampling::Yuv420).unwrap();
    assert_eq!(
        enc.send_frame(&small, 0).unwrap_err().to_string(),
        "frame is 62x48, but the encoder was configured for 64x48"
    );
    let ok = YuvImage::new(64, 48, Subsampling::Yuv420).unwrap();
    enc.send_frame(&ok, 5).unwrap();
    assert_eq!(
        enc.send_frame(&ok, 5).unwrap_err(),
        Error::NonIncreasingPts {
            previous: 5,
            received: 5
        }
    );
    enc.flush().unwrap();
    assert_eq!(
        enc.send_frame(&ok, 6).unwrap_err(),
        Error::SendAfterFlush { pts: 6 }
    );
    let p = enc.receive_packet().unwrap().unwrap();
    assert_eq!(p.pts, 5);
    assert!(enc.receive_packet().unwrap().is_none());

    let mut enc444 = Av1Encoder::new(
        64,
        48,
        fps,
        color,
        &opts.clone().with_chroma(Subsampling::Yuv444),
    )
    .unwrap();
    assert!(matches!(
        enc444.send_frame(&ok, 0),
        Err(Error::SubsamplingMismatch { .. })
    ));
}

#[test]
fn bitrate_mode_lands_near_its_target() {
    let options = Av1Options::default()
        .with_speed(10)
        .with_rate(RateControl::Bitrate(300));
    let (packets, _) = encode_synthetic(320, 240, 100, ColorSpec::default(), &options);
    let bytes: usize = packets.iter().map(|p| p.data.len()).sum();
    let kbps = bytes as f64 * 8.0 / 4.0 / 1000.0; // 100 frames at 25 fps = 4 s
    let _ = writeln_stderr(&format!("bitrate 300 kbit/s target: {kbps:.0} kbit/s"));
    assert!((150.0..=450.0).contains(&kbps), "{kbps} kbit/s");
}

fn writeln_stderr(s: &str) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(std::io::stderr(), "{s}")
}
