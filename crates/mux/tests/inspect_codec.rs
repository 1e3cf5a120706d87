//! The `avcC` and `av1C` records of visual sample entries: hand-built records give the profile,
//! level and sample format that ISO/IEC 14496-15 5.3.3.1, H.264 Annex A, AV1-ISOBMFF 2.3.3 and
//! AV1 Annex A define, in [`Track::config`] and in the probe text; a malformed record is an
//! error naming the box, its offset and what was expected; and on the shared corpus the profile
//! and level agree with ffprobe's (SKIP without ffprobe; a failure when `CI` is set).
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod boxes;
mod oracle;

use std::path::PathBuf;

use boxes::{boxed, full};
use framecast_mux::Error;
use framecast_mux::inspect::{self, CodecDetails, Track};

/// A `moov` with one 64x48 video track whose only sample entry `entry` holds the box
/// `record` with `payload`, as its last bytes. Returns the file and the record box's offset.
fn movie(entry: &[u8; 4], record: &[u8; 4], payload: &[u8]) -> (Vec<u8>, u64) {
    movie_with(entry, &[], record, payload)
}

/// [`movie`] with the boxes `before` ahead of the record in the sample entry.
fn movie_with(entry: &[u8; 4], before: &[u8], record: &[u8; 4], payload: &[u8]) -> (Vec<u8>, u64) {
    let hdlr = full(b"hdlr", &[&[0; 4][..], b"vide", &[0; 12], b"\0"].concat());
    // VisualSampleEntry (14496-12 12.1.3.2): reserved, data_reference_index, pre_defined and
    // reserved, width, height, resolutions, reserved, frame_count, compressorname, depth,
    // pre_defined; then its boxes.
    let mut fields = vec![0u8; 6];
    fields.extend_from_slice(&[0, 1]);
    fields.extend_from_slice(&[0; 16]);
    fields.extend_from_slice(&[0, 64, 0, 48]);
    fields.extend_from_slice(&[0, 0x48, 0, 0, 0, 0x48, 0, 0, 0, 0, 0, 0, 0, 1]);
    fields.extend_from_slice(&[0; 32]);
    fields.extend_from_slice(&[0, 0x18, 0xff, 0xff]);
    let record = boxed(record, payload);
    let entry = boxed(entry, &[&fields[..], before, &record].concat());
    let stsd = full(b"stsd", &[&[0, 0, 0, 1][..], &entry].concat());
    let stbl = boxed(b"stbl", &stsd);
    let minf = boxed(b"minf", &stbl);
    let mdia = boxed(b"mdia", &[hdlr, minf].concat());
    let file = boxed(b"moov", &boxed(b"trak", &mdia));
    let at = (file.len() - record.len()) as u64;
    (file, at)
}

fn track(entry: &[u8; 4], record: &[u8; 4], payload: &[u8]) -> Track {
    let (file, _) = movie(entry, record, payload);
    let r = inspect::inspect_bytes(&file).unwrap();
    r.video_track().unwrap().clone()
}

/// An avcC with its four leading fields, then `lengthSizeMinusOne` 3 and no parameter sets.
fn avcc(profile: u8, constraints: u8, level: u8) -> Vec<u8> {
    vec![1, profile, constraints, level, 0xff, 0xe0, 0x00]
}

#[test]
fn avcc_names_profile_and_level() {
    // (profile_idc, profile_compatibility, level_idc) -> text after "H.264 ".
    for (profile, flags, level, want) in [
        (100, 0x00, 31, "High profile (100), level 3.1"),
        (77, 0x40, 40, "Main profile (77), level 4.0"),
        (88, 0x00, 20, "Extended profile (88), level 2.0"),
        // constraint_set1_flag makes Baseline Constrained Baseline (A.2.1.1).
        (66, 0xe0, 30, "Constrained Baseline profile (66), level 3.0"),
        (66, 0x80, 13, "Baseline profile (66), level 1.3"),
        // Level 1b: 11 with constraint_set3_flag in Baseline, Main and Extended (A.3.1) ...
        (66, 0x10, 11, "Baseline profile (66), level 1b"),
        (77, 0x10, 11, "Main profile (77), level 1b"),
        (88, 0x10, 11, "Extended profile (88), level 1b"),
        (77, 0x00, 11, "Main profile (77), level 1.1"),
        // ... and 9 in the High profiles, where constraint_set3_flag means Intra instead.
        (100, 0x00, 9, "High profile (100), level 1b"),
        (100, 0x10, 11, "High profile (100), level 1.1"),
        (110, 0x00, 41, "High 10 profile (110), level 4.1"),
        (110, 0x10, 41, "High 10 Intra profile (110), level 4.1"),
        (122, 0x00, 42, "High 4:2:2 profile (122), level 4.2"),
        (
            244,
            0x00,
            51,
            "High 4:4:4 Predictive profile (244), level 5.1",
        ),
        (244, 0x10, 52, "High 4:4:4 Intra profile (244), level 5.2"),
        (44, 0x10, 62, "CAVLC 4:4:4 Intra profile (44), level 6.2"),
        (99, 0x00, 12, "profile 99, level 1.2"),
    ] {
        let t = track(b"avc1", b"avcC", &avcc(profile, flags, level));
        let Some(CodecDetails::Avc(c)) = t.config else {
            panic!("no avcC details: {t:?}");
        };
        assert_eq!(
            (c.profile_idc, c.constraint_flags, c.level_idc),
            (profile, flags, level)
        );
        assert_eq!(c.to_string(), want);
        let line = t.to_string();
        assert!(
            line.starts_with(&format!(
                "track 0: vide avc1 64x48 H.264 {want}, timescale 0"
            )),
            "{line}"
        );
    }
    let c = match track(b"avc1", b"avcC", &avcc(66, 0xe0, 30)).config {
        Some(CodecDetails::Avc(c)) => c,
        other => panic!("{other:?}"),
    };
    let set: Vec<bool> = (0..8).map(|n| c.constraint_set(n)).collect();
    assert_eq!(set, [true, true, true, false, false, false, false, false]);
}

/// An av1C: marker and version, then the fields of AV1-ISOBMFF 2.3.3 in order.
#[allow(clippy::too_many_arguments, reason = "one argument per record field")]
fn av1c(
    profile: u8,
    level: u8,
    tier: u8,
    high_bitdepth: u8,
    twelve_bit: u8,
    mono: u8,
    sx: u8,
    sy: u8,
) -> Vec<u8> {
    vec![
        0x81,
        profile << 5 | level,
        tier << 7 | high_bitdepth << 6 | twelve_bit << 5 | mono << 4 | sx << 3 | sy << 2,
        0,
    ]
}

#[test]
fn av1c_names_profile_level_tier_depth_and_chroma() {
    for (record, want) in [
        (
            av1c(0, 5, 0, 0, 0, 0, 1, 1),
            "Main profile, level 3.1 (seq_level_idx 5), Main tier, 8-bit 4:2:0",
        ),
        (
            av1c(0, 7, 0, 1, 0, 0, 1, 1),
            "Main profile, level 3.3 (seq_level_idx 7), Main tier, 10-bit 4:2:0",
        ),
        (
            av1c(0, 0, 0, 0, 0, 1, 1, 1),
            "Main profile, level 2.0 (seq_level_idx 0), Main tier, 8-bit monochrome",
        ),
        (
            av1c(1, 8, 1, 0, 0, 0, 0, 0),
            "High profile, level 4.0 (seq_level_idx 8), High tier, 8-bit 4:4:4",
        ),
        (
            av1c(2, 13, 0, 1, 1, 0, 1, 0),
            "Professional profile, level 5.1 (seq_level_idx 13), Main tier, 12-bit 4:2:2",
        ),
        (
            av1c(2, 23, 1, 1, 0, 0, 1, 0),
            "Professional profile, level 7.3 (seq_level_idx 23), High tier, 10-bit 4:2:2",
        ),
        (
            av1c(0, 31, 0, 0, 0, 0, 1, 1),
            "Main profile, no level constraint (seq_level_idx 31), Main tier, 8-bit 4:2:0",
        ),
        (
            av1c(0, 26, 0, 0, 0, 0, 1, 1),
            "Main profile, undefined level (seq_level_idx 26), Main tier, 8-bit 4:2:0",
        ),
        (
            av1c(5, 4, 0, 0, 0, 0, 1, 1),
            "reserved profile 5, level 3.0 (seq_level_idx 4), Main tier, 8-bit 4:2:0",
        ),
    ] {
        let t = track(b"av01", b"av1C", &record);
        let Some(CodecDetails::Av1(c)) = t.config else {
            panic!("no av1C details: {t:?}");
        };
        assert_eq!(c.to_string(), want);
        assert_eq!(
            t.config.unwrap().to_string(),
            format!("AV1 {want}"),
            "{record:02x?}"
        );
        let line = t.to_string();
        assert!(
            line.starts_with(&format!("track 0: vide av01 64x48 AV1 {want}, timescale 0")),
            "{line}"
        );
    }
    // The fields themselves, with configOBUs after the fixed bytes (not read).
    let mut record = av1c(2, 9, 1, 1, 1, 0, 1, 1);
    record.extend_from_slice(&[0x0a, 0x0b, 0, 0, 0, 0x24, 0xc4]);
    let Some(CodecDetails::Av1(c)) = track(b"av01", b"av1C", &record).config else {
        panic!("no av1C details");
    };
    assert_eq!(
        (c.seq_profile, c.seq_level_idx_0, c.seq_tier_0, c.bit_depth),
        (2, 9, 1, 12)
    );
    assert_eq!(
        (c.monochrome, c.chroma_subsampling_x, c.chroma_subsampling_y),
        (false, true, true)
    );
    assert_eq!(c.level(), Some((4, 1)));
    assert_eq!(c.profile_name(), Some("Professional"));
}

#[test]
fn the_details_come_before_the_colour_description() {
    let colr = boxed(
        b"colr",
        &[b"nclx".as_slice(), &[0, 1, 0, 1, 0, 1, 0x80]].concat(),
    );
    let (file, _) = movie_with(b"av01", &colr, b"av1C", &[0x81, 0x05, 0x0c, 0x00]);
    let r = inspect::inspect_bytes(&file).unwrap();
    let line = r.video_track().unwrap().to_string();
    assert!(
        line.starts_with(
            "track 0: vide av01 64x48 AV1 Main profile, level 3.1 (seq_level_idx 5), Main tier, \
             8-bit 4:2:0, colour 1/1/1 (primaries/transfer/matrix) full range, timescale 0"
        ),
        "{line}"
    );
}

#[test]
fn a_track_without_a_record_has_no_details() {
    let t = track(b"mp4v", b"free", &[1, 2, 3]);
    assert_eq!(t.config, None);
    assert!(
        t.to_string().starts_with("track 0: vide mp4v 64x48, "),
        "{t}"
    );
}

/// Inspects `movie(entry, record, payload)` and returns the error and the record's offset.
fn refused(entry: &[u8; 4], record: &[u8; 4], payload: &[u8]) -> (Error, u64) {
    let (file, at) = movie(entry, record, payload);
    let err = inspect::inspect_bytes(&file).unwrap_err();
    // The lenient mode forgives only a cut top-level box, not a bad record.
    let lenient = inspect::inspect_bytes_lenient(&file).unwrap_err();
    assert_eq!(lenient.to_string(), err.to_string());
    (err, at)
}

#[test]
fn malformed_records_name_the_box_its_offset_and_what_was_expected() {
    let (err, at) = refused(b"av01", b"av1C", &[0x01, 0x00, 0x0c, 0x00]);
    assert!(
        matches!(err, Error::MalformedBox { fourcc, offset, .. } if fourcc.0 == *b"av1C" && offset == at),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "box 'av1C' at offset {at}: expected marker 1 and version 1 (first byte 0x81), \
             found marker 0 and version 1"
        )
    );
    let (err, at) = refused(b"av01", b"av1C", &[0x82, 0x00, 0x0c, 0x00]);
    assert_eq!(
        err.to_string(),
        format!(
            "box 'av1C' at offset {at}: expected marker 1 and version 1 (first byte 0x81), \
             found marker 1 and version 2"
        )
    );
    let (err, at) = refused(b"av01", b"av1C", &[0x81, 0x00]);
    assert_eq!(
        err.to_string(),
        format!(
            "box 'av1C' at offset {at}: seq_tier_0 and color_config fields needs 1 bytes at \
             payload byte 2 but only 0 remain"
        )
    );
    let (err, at) = refused(b"av01", b"av1C", &[0x81, 0x00, 0x0c]);
    assert_eq!(
        err.to_string(),
        format!(
            "box 'av1C' at offset {at}: initial_presentation_delay needs 1 bytes at payload \
             byte 3 but only 0 remain"
        )
    );
    let (err, at) = refused(b"av01", b"av1C", &[]);
    assert_eq!(
        err.to_string(),
        format!(
            "box 'av1C' at offset {at}: marker and version needs 1 bytes at payload byte 0 but \
             only 0 remain"
        )
    );
    let (err, at) = refused(b"avc1", b"avcC", &[0, 100, 0, 31, 0xff, 0xe0, 0]);
    assert!(
        matches!(err, Error::MalformedBox { fourcc, offset, .. } if fourcc.0 == *b"avcC" && offset == at),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("box 'avcC' at offset {at}: expected configurationVersion 1, found 0")
    );
    let (err, at) = refused(b"avc1", b"avcC", &[1, 100]);
    assert_eq!(
        err.to_string(),
        format!(
            "box 'avcC' at offset {at}: profile_compatibility needs 1 bytes at payload byte 2 \
             but only 0 remain"
        )
    );
    let (err, at) = refused(b"avc3", b"avcC", &[1, 100, 0]);
    assert_eq!(
        err.to_string(),
        format!(
            "box 'avcC' at offset {at}: AVCLevelIndication needs 1 bytes at payload byte 3 but \
             only 0 remain"
        )
    );
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/mp4")
}

/// ffprobe's `profile` and `level` of the first video stream, if any.
fn ffprobe_profile_level(path: &std::path::Path) -> Option<(String, i64)> {
    let out = oracle::run(
        "ffprobe",
        &["-v", "error", "-show_streams", "-of", "json"],
        path,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = v["streams"]
        .as_array()?
        .iter()
        .find(|s| s["codec_type"] == "video")?;
    Some((s["profile"].as_str()?.to_owned(), s["level"].as_i64()?))
}

#[test]
fn corpus_profiles_and_levels_agree_with_ffprobe() {
    if !oracle::available(&["ffprobe"]) {
        return;
    }
    let mut compared = 0;
    for path in std::fs::read_dir(corpus()).unwrap() {
        let path = path.unwrap().path();
        if path.extension().is_none_or(|e| e != "mp4") {
            continue;
        }
        let r = inspect::inspect_bytes(&std::fs::read(&path).unwrap()).unwrap();
        // An init segment without samples gives ffprobe nothing to open a decoder with.
        let Some(t) = r.video_track().filter(|t| t.sample_count > 0) else {
            continue;
        };
        let (profile, level) = ffprobe_profile_level(&path).unwrap();
        let mine = match t.config {
            Some(CodecDetails::Avc(c)) => (c.profile_name(), i64::from(c.level_idc)),
            Some(CodecDetails::Av1(c)) => (c.profile_name(), i64::from(c.seq_level_idx_0)),
            other => panic!("{}: {other:?}", path.display()),
        };
        assert_eq!(
            mine,
            (Some(profile.as_str()), level),
            "{}: {t}",
            path.display()
        );
        compared += 1;
    }
    assert!(compared >= 8, "only {compared} corpus files compared");
}
