//! `source::open`: which reader an input gets, and the errors for inputs it cannot read as asked.
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

use std::io::{Cursor, Write};
use std::path::PathBuf;

use framecast::source::{FrameLayout, FrameSource, InputSpec, open};
use framecast_core::{PixelFormat, Subsampling};

const Y4M: &str = "/work/shared/corpus/video_raw/rav1e_small_input.y4m";

/// Whether a corpus file exists; SKIP on stderr when not, and a failure under CI.
fn have(path: &str) -> bool {
    if std::path::Path::new(path).exists() {
        return true;
    }
    let _ = writeln!(std::io::stderr(), "SKIP: {path} is missing");
    let ci = std::env::var("CI").unwrap_or_default();
    assert!(ci != "true" && ci != "1", "CI is set and {path} is missing");
    false
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("framecast-open-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn count(source: &mut dyn FrameSource) -> usize {
    let mut buf = Vec::new();
    let mut n = 0;
    while source.read_frame(&mut buf).unwrap() {
        n += 1;
    }
    n
}

fn err(spec: &InputSpec) -> String {
    match open(spec) {
        Ok(_) => panic!("{spec:?} opened"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn y4m_is_detected_and_checked_against_given_size_and_format() {
    if !have(Y4M) {
        return;
    }
    let spec = InputSpec::new(PathBuf::from(Y4M));
    let mut source = open(&spec).unwrap();
    assert_eq!(source.info().layout, FrameLayout::Yuv(Subsampling::Yuv420));
    assert!(count(source.as_mut()) > 0);
    assert!(open(&spec.clone().with_size((64, 64))).is_ok());
    assert_eq!(
        err(&spec.clone().with_size((640, 480))),
        format!(
            "{Y4M}: size 640x480 was given but the y4m input is 64x64; leave --size out for y4m input or make it match"
        )
    );
    let msg = err(&spec.with_pix_fmt(PixelFormat::Rgb24));
    assert!(
        msg.contains("pixel format rgb24 was given but the y4m input is yuv420p"),
        "{msg}"
    );
}

#[test]
fn raw_needs_a_size_and_defaults_to_rgb24() {
    let dir = temp_dir("raw");
    let path = dir.join("frames.rgb");
    std::fs::write(&path, vec![7u8; 2 * 4 * 2 * 3]).unwrap();
    let spec = InputSpec::new(path.clone());
    assert_eq!(
        err(&spec),
        format!(
            "raw input needs --size WxH (and --pix-fmt, default rgb24): {} is not y4m, PNG or JPEG, so its frame size cannot be read from it",
            path.display()
        )
    );
    let mut source = open(&spec.clone().with_size((4, 2))).unwrap();
    assert_eq!(
        source.info().layout,
        FrameLayout::Packed(PixelFormat::Rgb24)
    );
    assert_eq!(count(source.as_mut()), 2);
    let mut source = open(&spec.with_size((4, 2)).with_pix_fmt(PixelFormat::Gray)).unwrap();
    assert_eq!(count(source.as_mut()), 6);

    let empty = dir.join("empty.rgb");
    std::fs::write(&empty, b"").unwrap();
    let msg = err(&InputSpec::new(empty.clone()).with_size((4, 2)));
    assert_eq!(
        msg,
        format!("{} is empty: there are no frames to read", empty.display())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "image")]
#[test]
fn images_are_detected_by_content_pattern_and_directory() {
    use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
    let dir = temp_dir("images");
    let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(6, 4, Rgb([1, 2, 3])));
    for i in 1..=3 {
        img.save(dir.join(format!("p{i:03}.png"))).unwrap();
    }
    // A PNG under a name that says nothing: detected by its signature.
    std::fs::copy(dir.join("p001.png"), dir.join("frame.bin")).unwrap();
    let mut jpeg = Cursor::new(Vec::new());
    img.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
    let jpeg_dir = temp_dir("jpeg");
    std::fs::write(jpeg_dir.join("photo.dat"), jpeg.into_inner()).unwrap();

    let mut png = open(&InputSpec::new(dir.join("frame.bin"))).unwrap();
    assert_eq!(png.info().layout, FrameLayout::Packed(PixelFormat::Rgb24));
    assert_eq!(count(png.as_mut()), 1);
    let msg = err(&InputSpec::new(dir.join("frame.bin")).with_pix_fmt(PixelFormat::Rgba));
    assert!(
        msg.contains("pixel format rgba was given but the PNG input is rgb24"),
        "{msg}"
    );

    for spec in [dir.join("p%03d.png"), dir.join("p*.png"), dir.clone()] {
        let mut source = open(&InputSpec::new(spec.clone()).with_size((6, 4))).unwrap();
        assert_eq!(count(source.as_mut()), 3, "{}", spec.display());
    }
    let msg = err(&InputSpec::new(dir.clone()).with_size((4, 6)));
    assert!(
        msg.contains("size 4x6 was given but the image input is 6x4"),
        "{msg}"
    );

    let mut one = open(&InputSpec::new(jpeg_dir.join("photo.dat"))).unwrap();
    assert_eq!((one.info().width, one.info().height), (6, 4));
    assert_eq!(count(one.as_mut()), 1);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&jpeg_dir);
}

#[test]
fn missing_file_names_the_path() {
    let e = match open(&InputSpec::new(PathBuf::from(
        "/nonexistent/framecast/in.rgb",
    ))) {
        Ok(_) => panic!("a missing file opened"),
        Err(e) => e,
    };
    assert_eq!(e.to_string(), "reading /nonexistent/framecast/in.rgb");
    // The operating system's reason is the error's source, shown by `{:#}` chains.
    let cause = std::error::Error::source(&e).expect("an I/O cause");
    assert!(cause.to_string().contains("No such file"), "{cause}");
}
