//! Stream structure: one packet per frame, IDR placement, SPS/avcC contents, and errors that
//! carry their numbers.

mod common;

use common::*;
use framecast_core::{
    ColorPrimaries, ColorSpec, Matrix, Range, RateControl, Rational, Subsampling,
    TransferCharacteristics, VideoEncoder, YuvImage,
};
use framecast_h264::sps::Sps;
use framecast_h264::{Error, H264Encoder, H264Options, OddSize, Profile};
use framecast_testkit::{Lcg, synthetic};

fn fps(n: u32) -> Rational {
    Rational::integer(n).expect("a positive rate")
}

fn nal_types(data: &[u8]) -> Vec<u8> {
    sample_nals(data).iter().map(|n| n[0] & 0x1f).collect()
}

#[test]
fn every_frame_in_is_a_packet_out() {
    let mut rng = Lcg(11);
    let grey = YuvImage::new(320, 240, Subsampling::Yuv420).unwrap();
    let cases: [(&str, Vec<YuvImage>, RateControl); 4] = [
        ("static", vec![grey.clone(); 60], RateControl::Bitrate(50)),
        (
            "noisy",
            (0..60)
                .map(|t| synthetic(320, 240, t, 64, Subsampling::Yuv420, &mut rng))
                .collect(),
            RateControl::Bitrate(100),
        ),
        (
            "noisy quality",
            (0..30)
                .map(|t| synthetic(320, 240, t, 64, Subsampling::Yuv420, &mut rng))
                .collect(),
            RateControl::Quality(51),
        ),
        ("static quality", vec![grey; 30], RateControl::Quality(0)),
    ];
    for (name, frames, rate) in cases {
        let options = H264Options::default().with_rate(rate).with_keyint(Some(25));
        let (packets, _, _) = encode(&frames, 30, ColorSpec::default(), &options);
        assert_eq!(packets.len(), frames.len(), "{name}");
        for (i, p) in packets.iter().enumerate() {
            assert_eq!(
                (p.pts, p.dts, p.duration),
                (i as i64, i as i64, 1),
                "{name}"
            );
            // IDR exactly every keyint frames, and only there.
            assert_eq!(p.keyframe, i % 25 == 0, "{name} frame {i}");
            let types = nal_types(&p.data);
            assert!(
                !types.contains(&7) && !types.contains(&8),
                "{name}: in-band SPS/PPS"
            );
            assert_eq!(
                types.contains(&5),
                p.keyframe,
                "{name} frame {i}: {types:?}"
            );
        }
    }
}

#[test]
fn frame_skip_lengthens_the_previous_packet() {
    // With skipping allowed, a starved rate control may drop frames; the stream still covers
    // every tick.
    let mut rng = Lcg(5);
    let frames: Vec<_> = (0..60)
        .map(|t| synthetic(320, 240, t, 64, Subsampling::Yuv420, &mut rng))
        .collect();
    let options = H264Options::default()
        .with_rate(RateControl::Bitrate(30))
        .with_frame_skip(true);
    let (packets, _, _) = encode(&frames, 30, ColorSpec::default(), &options);
    assert!(!packets.is_empty() && packets[0].keyframe);
    let covered: u64 = packets.iter().map(|p| p.duration).sum();
    assert_eq!(covered, 60);
    for w in packets.windows(2) {
        assert_eq!(w[0].pts + w[0].duration as i64, w[1].pts);
    }
    eprintln!("frame_skip: 60 frames -> {} packets", packets.len());
}

#[test]
fn sps_vui_and_avcc_follow_the_color_spec() {
    let specs = [
        ColorSpec::BT601_LIMITED,
        ColorSpec::BT709_FULL,
        ColorSpec::new(Matrix::Bt2020, Range::Full),
        ColorSpec {
            primaries: ColorPrimaries(12),
            transfer: TransferCharacteristics::SRGB,
            ..ColorSpec::BT709_LIMITED
        },
    ];
    for color in specs {
        for (w, h, rate) in [(1, 1, 30), (100, 50, 30), (1280, 720, 60)] {
            let enc = H264Encoder::new(w, h, fps(rate), color, &H264Options::default()).unwrap();
            let config = enc.codec_config().unwrap();
            let rec = &config.record;
            let (sps, pps) = avcc_parameter_sets(rec);
            assert_eq!((sps.len(), pps.len()), (1, 1));
            let parsed = Sps::parse(&sps[0]).unwrap();
            // The writer reproduces the bytes it parsed.
            assert_eq!(parsed.to_nal(), sps[0]);
            let t = parsed.vui.as_ref().unwrap().video_signal_type.unwrap();
            assert_eq!(t.full_range, color.full_range());
            assert_eq!(
                t.colour,
                Some((
                    color.primaries.0,
                    color.transfer.0,
                    color.matrix_coefficients().0
                ))
            );
            assert_eq!(parsed.display_size(), enc.display_size());
            // avcC header (ISO/IEC 14496-15 5.3.3.1.2) agrees with the SPS.
            assert_eq!(rec[0], 1);
            assert_eq!(&rec[1..4], &sps[0][1..4]);
            assert_eq!(rec[4], 0xFF, "lengthSizeMinusOne = 3");
            assert_eq!(rec[5], 0xE1);
            assert_eq!(parsed.level_idc, enc.level_idc());
            let ext = matches!(parsed.profile_idc, 100 | 110 | 122 | 144);
            let base = 6 + 2 + sps[0].len() + 1 + 2 + pps[0].len();
            assert_eq!(rec.len(), base + if ext { 4 } else { 0 });
        }
    }
}

#[test]
fn level_follows_size_and_rate() {
    let level = |w, h, r| {
        H264Encoder::new(w, h, fps(r), ColorSpec::default(), &H264Options::default())
            .unwrap()
            .level_idc()
    };
    assert_eq!(level(1280, 720, 30), 31);
    assert_eq!(level(1920, 1080, 30), 40);
    assert_eq!(level(1920, 1080, 60), 42);
    assert_eq!(level(3840, 2160, 30), 51);
    let e = H264Encoder::new(
        3840,
        2160,
        fps(120),
        ColorSpec::default(),
        &H264Options::default(),
    )
    .err()
    .unwrap();
    let text = e.to_string();
    assert!(
        text.contains("3888000") && text.contains("2073600"),
        "{text}"
    );
}

#[test]
fn openh264_sps_round_trips_through_the_parser() {
    use openh264::encoder::Profile as P;
    use openh264::encoder::{Encoder, EncoderConfig};
    use openh264::formats::YUVBuffer;
    let sizes = [(16, 16), (176, 144), (330, 250), (1280, 720), (1920, 1088)];
    // The High SPS carries chroma_format_idc and the bit depths (7.3.2.1.1); Main does not.
    let profiles = [(P::Baseline, 66), (P::Main, 77), (P::High, 100)];
    for ((w, h), (profile, idc)) in sizes.into_iter().flat_map(|s| profiles.map(|p| (s, p))) {
        let config = EncoderConfig::new().profile(profile);
        let mut enc =
            Encoder::with_api_config(openh264::OpenH264API::from_source(), config).unwrap();
        let yuv = YUVBuffer::new(w, h);
        let bits = enc.encode(&yuv).unwrap().to_vec();
        let nals: Vec<&[u8]> = bits
            .split(|&b| b == 1)
            .filter(|n| n.first().is_some_and(|&b| b & 0x1f == 7))
            .collect();
        // Start codes are 00 00 00 01: splitting at 0x01 leaves trailing zeros on the NAL
        // before; the SPS is followed by the PPS start code, so trim those zeros.
        let raw = nals[0];
        let end = raw.iter().rposition(|&b| b != 0).unwrap() + 1;
        let mut sps = Sps::parse(&raw[..end]).unwrap();
        assert_eq!(sps.to_nal(), raw[..end], "{w}x{h}");
        assert_eq!(sps.profile_idc, idc);
        assert_eq!(sps.high.is_some(), idc == 100, "{w}x{h} profile {idc}");
        if idc == 100 {
            assert_eq!(sps.high, Some((1, false, 0, 0, false)));
            assert_eq!(sps.avcc_extension(), Some((1, 0, 0)));
        } else {
            assert_eq!(sps.avcc_extension(), None);
        }
        let (cw, ch) = sps.coded_size();
        assert_eq!(
            (cw, ch),
            ((w as u32).div_ceil(16) * 16, (h as u32).div_ceil(16) * 16)
        );
        assert_eq!(sps.display_size(), (w as u32, h as u32));
        sps.set_display_size(2, 4).unwrap();
        assert_eq!(Sps::parse(&sps.to_nal()).unwrap().display_size(), (2, 4));
    }
}

#[test]
fn bad_input_is_refused_with_its_numbers() {
    let opts = H264Options::default();
    let c = ColorSpec::default();
    let e = H264Encoder::new(3841, 100, fps(30), c, &opts)
        .err()
        .unwrap();
    assert!(matches!(e, Error::SizeTooLarge { width: 3841, .. }), "{e}");
    assert!(e.to_string().contains("3840x2160"), "{e}");
    let e = H264Encoder::new(2160, 3842, fps(30), c, &opts)
        .err()
        .unwrap();
    assert!(e.to_string().contains("2160x3842"), "{e}");
    assert!(H264Encoder::new(2160, 3840, fps(30), c, &opts).is_ok());
    let e = H264Encoder::new(0, 5, fps(30), c, &opts).err().unwrap();
    assert_eq!(
        e,
        Error::EmptySize {
            width: 0,
            height: 5
        }
    );

    let e = H264Options::default()
        .with_keyint(Some(0))
        .validate()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "keyint 0 is out of range; expected 1 to 100000"
    );
    let e = H264Options::default()
        .with_rate(RateControl::Quality(52))
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("quality 52"), "{e}");
    let e = H264Options::default()
        .with_rate(RateControl::Bitrate(0))
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("0 kbit/s"), "{e}");
    let e = H264Options::default()
        .with_rate(RateControl::Bitrate(300_000))
        .validate()
        .unwrap_err();
    assert!(
        e.to_string().contains("300000") && e.to_string().contains("240000"),
        "{e}"
    );

    let mut enc =
        H264Encoder::new(33, 17, fps(30), c, &opts.clone().with_odd(OddSize::Crop)).unwrap();
    assert_eq!(enc.display_size(), (32, 16));
    let e = enc
        .send_frame(&YuvImage::new(33, 17, Subsampling::Yuv444).unwrap(), 0)
        .unwrap_err();
    assert_eq!(
        e,
        Error::Unsupported444 {
            width: 33,
            height: 17
        }
    );
    let e = enc
        .send_frame(&YuvImage::new(32, 17, Subsampling::Yuv420).unwrap(), 0)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "frame is 32x17, but the encoder was configured for 33x17"
    );
    let frame = YuvImage::new(33, 17, Subsampling::Yuv420).unwrap();
    enc.send_frame(&frame, 5).unwrap();
    let e = enc.send_frame(&frame, 5).unwrap_err();
    assert_eq!(
        e,
        Error::NonIncreasingPts {
            previous: 5,
            received: 5
        }
    );
    enc.flush().unwrap();
    assert!(matches!(
        enc.send_frame(&frame, 6),
        Err(Error::SendAfterFlush { pts: 6 })
    ));
    assert_eq!(enc.receive_packet().unwrap().map(|p| p.pts), Some(5));
    assert_eq!(enc.receive_packet().unwrap(), None);
}

#[test]
fn encoder_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<H264Encoder>();
}

/// `entropy_coding_mode_flag` of a PPS NAL unit (7.3.2.2: after two ue(v) ids).
fn pps_entropy_coding_mode(pps: &[u8]) -> bool {
    let mut bit = 8; // skip the NAL header
    let mut read = || {
        let b = (pps[bit / 8] >> (7 - bit % 8)) & 1;
        bit += 1;
        b
    };
    for _ in 0..2 {
        let mut zeros = 0;
        while read() == 0 {
            zeros += 1;
        }
        for _ in 0..zeros {
            read();
        }
    }
    read() == 1
}

#[test]
fn profile_is_signalled_in_sps_pps_and_avcc() {
    // (profile, profile_idc, constraint flags, CABAC). openh264 sets constraint_set1 for
    // profiles up to Main, constraint_set0 for Baseline and constraint_set4/5 (frame_mbs_only,
    // no B slices) for Main.
    let cases = [
        (Profile::Main, 77, 0x4C, true),
        (Profile::ConstrainedBaseline, 66, 0xC0, false),
    ];
    assert_eq!(H264Options::default().profile, Profile::Main);
    for (profile, idc, flags, cabac) in cases {
        for (w, h, threads) in [(16, 16, 1), (320, 240, 3), (1920, 1080, 4)] {
            let options = H264Options::default()
                .with_profile(profile)
                .with_threads(threads);
            let mut enc = H264Encoder::new(w, h, fps(30), ColorSpec::default(), &options).unwrap();
            assert_eq!(enc.profile_idc(), idc);
            let rec = enc.codec_config().unwrap().record;
            let (sps, pps) = avcc_parameter_sets(&rec);
            let parsed = Sps::parse(&sps[0]).unwrap();
            assert_eq!(
                (parsed.profile_idc, parsed.constraint_flags),
                (idc, flags),
                "{profile:?}"
            );
            assert_eq!(parsed.high, None, "no High fields for {idc}");
            // AVCProfileIndication, profile_compatibility, AVCLevelIndication; no High
            // extension bytes after the PPS.
            assert_eq!(&rec[1..4], &[idc, flags, enc.level_idc()]);
            assert_eq!(rec.len(), 6 + 2 + sps[0].len() + 1 + 2 + pps[0].len());
            assert_eq!(pps_entropy_coding_mode(&pps[0]), cabac, "{profile:?}");
            // The in-band parameter sets of the first IDR match the avcC (the encoder checks
            // that too): encode one picture.
            let frame = YuvImage::new(w, h, Subsampling::Yuv420).unwrap();
            enc.send_frame(&frame, 0).unwrap();
            let p = enc.receive_packet().unwrap().unwrap();
            assert!(p.keyframe);
        }
    }
}

#[test]
fn threads_become_slices_where_the_picture_is_tall_enough() {
    // (height, threads) -> slices: at least 4 macroblock rows per slice.
    let cases = [
        (16, 4, 1),
        (48, 2, 1),
        (64, 2, 1),
        (128, 2, 2),
        (128, 4, 2),
        (144, 4, 2),
        (240, 4, 3),
        (720, 1, 1),
        (720, 2, 2),
        (720, 3, 3),
        (1080, 4, 4),
    ];
    for (h, threads, slices) in cases {
        let options = H264Options::default().with_threads(threads);
        let mut enc = H264Encoder::new(176, h, fps(30), ColorSpec::default(), &options).unwrap();
        assert_eq!(enc.slices(), slices, "height {h}, {threads} threads");
        let mut rng = Lcg(u64::from(h));
        for t in 0..3 {
            enc.send_frame(
                &synthetic(176, h, t, 8, Subsampling::Yuv420, &mut rng),
                i64::from(t),
            )
            .unwrap();
            let p = enc.receive_packet().unwrap().unwrap();
            // One coded slice NAL (type 1 or 5) per slice.
            let coded = nal_types(&p.data)
                .into_iter()
                .filter(|&t| t == 1 || t == 5)
                .count();
            assert_eq!(coded, usize::from(slices), "height {h}, frame {t}");
        }
    }
    // 0 = the available cores, at most 4.
    let auto = H264Options::default().threads_or_auto();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(usize::from(auto), cores.min(4));
}
