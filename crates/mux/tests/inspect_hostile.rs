//! The inspector on hostile input: truncated, oversized, nested and mutated boxes give errors
//! that name the box and its offset, and never a panic or an allocation by an untrusted size.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

mod boxes;

use boxes::{boxed, full};
use framecast_mux::Error;
use framecast_mux::inspect::{self, FourCc, Layout, MAX_DEPTH};

#[test]
fn a_box_claiming_more_than_remains_names_itself_and_its_offset() {
    let mut f = boxed(b"ftyp", b"isom\0\0\0\0isom");
    let at = f.len();
    f.extend_from_slice(&99_999u32.to_be_bytes());
    f.extend_from_slice(b"stsz");
    f.extend_from_slice(&[0; 42]);
    let err = inspect::inspect_bytes(&f).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("box 'stsz' at offset {at} claims 99999 bytes but only 50 remain")
    );
    assert!(matches!(
        err,
        Error::BoxTruncated {
            claimed: 99_999,
            remaining: 50,
            ..
        }
    ));
}

#[test]
fn a_child_claiming_more_than_its_parent_is_truncated_inside_the_parent() {
    // moov of 24 bytes whose child claims 100.
    let mut inner = 100u32.to_be_bytes().to_vec();
    inner.extend_from_slice(b"trak");
    inner.extend_from_slice(&[0; 8]);
    let f = boxed(b"moov", &inner);
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert_eq!(
        err,
        "box 'trak' at offset 8 claims 100 bytes but only 16 remain"
    );
}

#[test]
fn a_size_below_the_header_is_an_error() {
    let mut f = 4u32.to_be_bytes().to_vec();
    f.extend_from_slice(b"free");
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert_eq!(
        err,
        "box 'free' at offset 0 claims 4 bytes, less than its 8-byte header"
    );
    // A 64-bit largesize smaller than the 16-byte header.
    let mut f = 1u32.to_be_bytes().to_vec();
    f.extend_from_slice(b"mdat");
    f.extend_from_slice(&8u64.to_be_bytes());
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert_eq!(
        err,
        "box 'mdat' at offset 0 claims 8 bytes, less than its 16-byte header"
    );
}

#[test]
fn largesize_and_size_zero_boxes_are_read() {
    let mut f = boxed(b"ftyp", b"isom\0\0\0\0");
    f.extend_from_slice(&1u32.to_be_bytes());
    f.extend_from_slice(b"mdat");
    f.extend_from_slice(&20u64.to_be_bytes());
    f.extend_from_slice(&[7; 4]);
    f.extend_from_slice(&0u32.to_be_bytes());
    f.extend_from_slice(b"free");
    f.extend_from_slice(&[0; 5]);
    let r = inspect::inspect_bytes(&f).unwrap();
    assert_eq!(r.boxes.len(), 3);
    assert_eq!((r.boxes[1].size, r.boxes[1].header_size), (20, 16));
    assert_eq!(r.boxes[2].size, 13);
    assert_eq!(r.layout, Layout::Unknown);
}

#[test]
fn nesting_stops_at_the_depth_limit() {
    let mut f = boxed(b"free", &[]);
    for _ in 0..=MAX_DEPTH {
        f = boxed(b"moov", &f);
    }
    let err = inspect::inspect_bytes(&f).unwrap_err();
    assert!(matches!(err, Error::BoxTooDeep { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("more than {MAX_DEPTH} levels")),
        "{err}"
    );
}

/// `moov/trak/mdia/minf/stbl/<leaf>`.
fn in_stbl(leaf: &[u8]) -> Vec<u8> {
    let stbl = boxed(b"stbl", leaf);
    let minf = boxed(b"minf", &stbl);
    let mdia = boxed(b"mdia", &minf);
    let trak = boxed(b"trak", &mdia);
    boxed(b"moov", &trak)
}

#[test]
fn a_sample_count_larger_than_its_table_is_an_error_before_any_allocation() {
    // stsz: sample_size 0 (a table follows) and 4 billion samples in 4 bytes.
    let stsz = full(b"stsz", &[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]);
    let err = inspect::inspect_bytes(&in_stbl(&stsz))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "box 'stsz' at offset 40: 4294967295 sample sizes of 4 bytes need 17179869180 bytes but only 4 remain"
    );
    // trun with 1 Gi samples of 16 bytes.
    let trun = full(b"trun", &[0x40, 0, 0, 0]);
    let trun = [&trun[..8], &[0, 0, 0x0f, 0][..], &trun[12..]].concat();
    let tfhd = full(b"tfhd", &[0, 0, 0, 1]);
    let f = boxed(b"moof", &boxed(b"traf", &[tfhd, trun].concat()));
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert!(
        err.contains("box 'trun' at offset 32: 1073741824 trun samples of 16 bytes"),
        "{err}"
    );
}

#[test]
fn a_short_full_box_names_the_missing_field() {
    let f = in_stbl(&full(b"stts", &[0, 0, 0, 2, 0, 0, 0, 1]));
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert!(
        err.starts_with("box 'stts' at offset 40: 2 time-to-sample entries"),
        "{err}"
    );
    let f = in_stbl(&full(b"stsz", &[0, 0]));
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert_eq!(
        err,
        "box 'stsz' at offset 40: sample_size needs 4 bytes at payload byte 4 but only 2 remain"
    );
}

#[test]
fn trailing_garbage_is_an_error_and_trailing_zeros_are_not() {
    let mut f = boxed(b"free", &[]);
    f.extend_from_slice(&[0, 0, 0]);
    assert!(inspect::inspect_bytes(&f).is_ok());
    f.extend_from_slice(&[1]);
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert_eq!(
        err,
        "4 bytes at offset 8 (inside the file) are too short for a box header of 8 bytes"
    );
}

#[test]
fn non_printable_fourccs_are_escaped() {
    assert_eq!(FourCc([0, b'a', 0x80, b' ']).to_string(), "\\x00a\\x80 ");
    let mut f = 100u32.to_be_bytes().to_vec();
    f.extend_from_slice(&[1, 2, 3, 4]);
    let err = inspect::inspect_bytes(&f).unwrap_err().to_string();
    assert_eq!(
        err,
        "box '\\x01\\x02\\x03\\x04' at offset 0 claims 100 bytes but only 8 remain"
    );
}

fn corpus(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/mp4")
        .join(name);
    std::fs::read(p).unwrap()
}

/// Every truncation and many single-byte mutations of small real files: an `Ok` or an `Err`,
/// never a panic, and a truncated file never reads as complete with the same boxes.
#[test]
fn truncated_and_mutated_real_files_never_panic() {
    for name in [
        "mp4parse_tiny_av1.mp4",
        "mp4ff_av1_multitile_init.mp4",
        "shaka_sintel-video-init.mp4",
    ] {
        let f = corpus(name);
        let whole = inspect::inspect_bytes(&f).unwrap();
        for len in 0..f.len() {
            if let Ok(r) = inspect::inspect_bytes(&f[..len]) {
                assert_ne!(r.boxes, whole.boxes, "{name} cut at {len}");
            }
        }
        let mut m = f.clone();
        for i in 0..f.len() {
            for v in [0x00, 0x01, 0x7f, 0x80, 0xff, f[i] ^ 0x10] {
                m[i] = v;
                let _ = inspect::inspect_bytes(&m);
            }
            m[i] = f[i];
        }
    }
}

/// A `trun` without per-sample fields may claim 2^32-1 samples in 12 bytes: that is valid
/// syntax, and the inspector counts them without looping over each.
#[test]
fn a_trun_of_four_billion_default_samples_is_counted_at_once() {
    let trun = full(b"trun", &[0xff, 0xff, 0xff, 0xff]);
    let tfhd = full(b"tfhd", &[0, 0, 0, 1]);
    let f = boxed(b"moof", &boxed(b"traf", &[tfhd, trun].concat()));
    let start = std::time::Instant::now();
    let r = inspect::inspect_bytes(&f).unwrap();
    assert!(start.elapsed().as_secs() < 1);
    assert_eq!(r.tracks[0].sample_count, u64::from(u32::MAX));
    assert_eq!(r.layout, Layout::Fragmented);
}

#[test]
fn lenient_mode_reports_a_truncated_last_box_and_keeps_the_rest() {
    let ftyp = boxed(b"ftyp", b"isom\0\0\0\0isom");
    let moov = boxed(b"moov", &full(b"mvhd", &[0; 96]));
    let mdat = boxed(b"mdat", &[7; 100]);
    let file = [ftyp.clone(), moov.clone(), mdat].concat();
    let mdat_at = (ftyp.len() + moov.len()) as u64;
    // Cut in the payload, in the header (type present, then not), and in a 64-bit header.
    for (cut, fourcc, claimed) in [
        (file.len() - 1, Some(FourCc(*b"mdat")), 108),
        (mdat_at as usize + 8, Some(FourCc(*b"mdat")), 108),
        (mdat_at as usize + 5, None, 0),
    ] {
        let f = &file[..cut];
        assert!(inspect::inspect_bytes(f).is_err(), "strict mode fails");
        let r = inspect::inspect_bytes_lenient(f).unwrap();
        let t = r.truncated.unwrap();
        assert_eq!(
            (t.fourcc, t.offset, t.claimed, t.available),
            (fourcc, mdat_at, claimed, cut as u64 - mdat_at),
            "cut at {cut}"
        );
        assert_eq!(r.boxes.len(), 2);
        assert_eq!(r.boxes[1].children.len(), 1, "moov is walked");
        assert!(r.to_string().contains("truncated: "), "{r}");
        // The seekable entry point agrees.
        let s = inspect::inspect_lenient(std::io::Cursor::new(f)).unwrap();
        assert_eq!(s.truncated, r.truncated);
    }
    let mut large = [ftyp.clone(), moov.clone()].concat();
    large.extend_from_slice(&[0, 0, 0, 1, b'm', b'd', b'a', b't', 0, 0]);
    let t = inspect::inspect_bytes_lenient(&large)
        .unwrap()
        .truncated
        .unwrap();
    assert_eq!(
        (t.fourcc, t.claimed, t.available),
        (Some(FourCc(*b"mdat")), 0, 10)
    );
    // A complete file has nothing to report.
    assert_eq!(
        inspect::inspect_bytes_lenient(&file).unwrap().truncated,
        None
    );
}

#[test]
fn lenient_mode_still_fails_on_a_box_cut_inside_a_complete_parent() {
    // moov is complete, but its mvhd claims more than moov holds: malformed, not truncated.
    let mut mvhd = full(b"mvhd", &[0; 96]);
    mvhd[3] = 200;
    let f = [boxed(b"ftyp", b"isom\0\0\0\0isom"), boxed(b"moov", &mvhd)].concat();
    let err = inspect::inspect_bytes_lenient(&f).unwrap_err();
    assert!(matches!(err, Error::BoxTruncated { .. }), "{err}");
}
