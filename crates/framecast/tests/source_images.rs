//! PNG streams and image sequences: decoded pixels equal the `image` crate's own decode of the
//! source, size changes and broken streams give errors naming the frame, file and byte offset.
#![cfg(feature = "image")]
#![allow(clippy::unwrap_used, reason = "test helpers panic on broken fixtures")]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use framecast::source::{FrameLayout, FrameSource, ImageSequence, PngStreamSource, SourceError};
use framecast_core::PixelFormat;
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// Corpus photos by name, or `None` (SKIP on stderr; a failure under CI) when missing.
fn photo(name: &str) -> Option<DynamicImage> {
    let path = PathBuf::from("/work/shared/corpus/photos").join(name);
    match image::open(&path) {
        Ok(img) => Some(img),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "SKIP: {}: {e}", path.display());
            let ci = std::env::var("CI").unwrap_or_default();
            assert!(
                ci != "true" && ci != "1",
                "CI is set and {} is missing",
                path.display()
            );
            None
        }
    }
}

fn png_bytes(img: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn read_all(source: &mut dyn FrameSource) -> Result<Vec<Vec<u8>>, SourceError> {
    let mut frames = Vec::new();
    let mut buf = Vec::new();
    while source.read_frame(&mut buf)? {
        assert_eq!(buf.len(), source.info().frame_len());
        frames.push(buf.clone());
    }
    Ok(frames)
}

/// A fresh, empty directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("framecast-source-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A 4x3 RGB image whose every byte is `value`, so frame order is visible in the pixels.
fn solid(value: u8) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_pixel(4, 3, Rgb([value; 3])))
}

fn save(dir: &Path, name: &str, img: &DynamicImage) {
    img.save(dir.join(name)).unwrap();
}

fn first_bytes(frames: &[Vec<u8>]) -> Vec<u8> {
    frames.iter().map(|f| f[0]).collect()
}

#[test]
fn png_stream_of_corpus_photos_decodes_to_source_pixels() {
    let names = [
        "kodak_kodim03.png",
        "kodak_kodim05.png",
        "kodak_kodim08.png",
        "kodak_kodim23.png",
    ];
    let photos: Option<Vec<_>> = names.iter().map(|n| photo(n)).collect();
    let Some(photos) = photos else { return };
    let stream: Vec<u8> = photos.iter().flat_map(png_bytes).collect();
    let mut source = PngStreamSource::new(&stream[..]).unwrap();
    assert_eq!((source.info().width, source.info().height), (768, 512));
    assert_eq!(
        source.info().layout,
        FrameLayout::Packed(PixelFormat::Rgb24)
    );
    let frames = read_all(&mut source).unwrap();
    assert_eq!(frames.len(), photos.len());
    for (k, (frame, img)) in frames.iter().zip(&photos).enumerate() {
        assert!(frame[..] == img.to_rgb8().as_raw()[..], "frame {k}");
    }
}

#[test]
fn png_stream_size_change_names_frame_and_sizes() {
    let (Some(kodak), Some(astronaut)) =
        (photo("kodak_kodim03.png"), photo("skimage_astronaut.png"))
    else {
        return;
    };
    let stream = [png_bytes(&kodak), png_bytes(&kodak), png_bytes(&astronaut)].concat();
    let mut source = PngStreamSource::new(&stream[..]).unwrap();
    let msg = read_all(&mut source).unwrap_err().to_string();
    assert_eq!(
        msg,
        "frame 2 is 512x512 but the first frame is 768x512; every frame of a stream must have one size"
    );
}

#[test]
fn png_stream_gray_rgba_and_16_bit() {
    if let Some(camera) = photo("skimage_camera.png") {
        let mut source = PngStreamSource::new(Cursor::new(png_bytes(&camera))).unwrap();
        assert_eq!(source.info().layout, FrameLayout::Packed(PixelFormat::Gray));
        let frames = read_all(&mut source).unwrap();
        assert_eq!(frames, vec![camera.to_luma8().into_raw()]);
    }

    let rgba = DynamicImage::ImageRgba8(RgbaImage::from_fn(5, 3, |x, y| {
        Rgba([x as u8 * 40, y as u8 * 80, 7, (x * y) as u8 * 20])
    }));
    let mut source = PngStreamSource::new(Cursor::new(png_bytes(&rgba))).unwrap();
    assert_eq!(source.info().layout, FrameLayout::Packed(PixelFormat::Rgba));
    assert_eq!(
        read_all(&mut source).unwrap(),
        vec![rgba.to_rgba8().into_raw()]
    );

    let deep = DynamicImage::ImageRgb16(ImageBuffer::from_fn(3, 2, |x, y| {
        let v = [0u16, 0x8080, 0xFFFF][x as usize];
        Rgb([v, v / (y as u16 + 1), 0x0101])
    }));
    let mut source = PngStreamSource::new(Cursor::new(png_bytes(&deep))).unwrap();
    assert_eq!(
        source.info().layout,
        FrameLayout::Packed(PixelFormat::Rgb24)
    );
    let frames = read_all(&mut source).unwrap();
    assert_eq!(frames, vec![deep.to_rgb8().into_raw()]);
    assert_eq!(&frames[0][..9], &[0, 0, 1, 128, 128, 1, 255, 255, 1]);
}

#[test]
fn png_stream_converts_later_frames_to_the_first_format() {
    let rgb = solid(9);
    let gray = DynamicImage::ImageLuma8(image::GrayImage::from_pixel(4, 3, image::Luma([200])));
    let stream = [png_bytes(&rgb), png_bytes(&gray)].concat();
    let frames = read_all(&mut PngStreamSource::new(&stream[..]).unwrap()).unwrap();
    assert_eq!(frames[1], vec![200; 4 * 3 * 3]);
}

#[test]
fn png_stream_garbage_between_pngs_names_frame_and_offset() {
    let one = png_bytes(&solid(1));
    let stream = [one.clone(), b"\nxx".to_vec(), one.clone()].concat();
    let mut source = PngStreamSource::new(&stream[..]).unwrap();
    let msg = read_all(&mut source).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!(
            "PNG stream, frame 1 at byte {}: found \"\\nxx",
            one.len()
        )),
        "{msg}"
    );
}

#[test]
fn png_stream_truncation_names_frame_and_bytes_read() {
    let one = png_bytes(&solid(1));
    let stream = [one.clone(), one.clone()].concat();
    for cut_in_second in [1, 7, 8, 12, 20, 33 + 4, one.len() - 1] {
        let cut = one.len() + cut_in_second;
        let mut source = PngStreamSource::new(&stream[..cut]).unwrap();
        let err = read_all(&mut source).unwrap_err();
        match &err {
            SourceError::PngTruncated { frame, read, .. } => {
                assert_eq!((*frame, *read), (1, cut_in_second as u64), "{err}");
            }
            other => panic!("cut {cut}: {other}"),
        }
    }
}

#[test]
fn png_stream_hostile_ihdr_refused_before_decoding() {
    let mut png = png_bytes(&solid(1));
    // IHDR width and height at bytes 16..24.
    png[16..20].copy_from_slice(&99_999u32.to_be_bytes());
    png[20..24].copy_from_slice(&70_000u32.to_be_bytes());
    let msg = PngStreamSource::new(&png[..]).unwrap_err().to_string();
    assert_eq!(
        msg,
        "PNG frame 0: frame size 99999x70000 is out of range; width and height must each be between 1 and 16384"
    );
    // In range but above the caller's decode limit.
    let big = png_bytes(&DynamicImage::ImageRgb8(RgbImage::new(300, 200)));
    let msg = PngStreamSource::with_max_frame_bytes(&big[..], 1000)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("300x200") && msg.contains("the limit is 1000 bytes"),
        "{msg}"
    );
    let msg = PngStreamSource::new(&[][..]).unwrap_err().to_string();
    assert!(msg.contains("empty"), "{msg}");
}

#[test]
fn sequence_pattern_finds_start_numbers_0_1_and_3() {
    for start in [0u32, 1, 3] {
        let dir = temp_dir(&format!("pattern{start}"));
        for i in start..start + 4 {
            save(&dir, &format!("img{i:04}.png"), &solid(i as u8 * 10));
        }
        // A gap ends the sequence, as in ffmpeg.
        save(&dir, &format!("img{:04}.png", start + 5), &solid(99));
        let spec = dir.join("img%04d.png");
        let mut seq = ImageSequence::open(spec.to_str().unwrap()).unwrap();
        assert_eq!(seq.frame_count(), None);
        let frames = read_all(&mut seq).unwrap();
        let expect: Vec<u8> = (start..start + 4).map(|i| i as u8 * 10).collect();
        assert_eq!(first_bytes(&frames), expect, "start {start}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn sequence_pattern_without_match_names_what_was_tried() {
    let dir = temp_dir("nomatch");
    save(&dir, "img0005.png", &solid(1));
    let spec = dir.join("img%04d.png");
    let msg = ImageSequence::open(&spec).unwrap_err().to_string();
    assert!(
        msg.contains(&spec.display().to_string())
            && msg.contains("img0000.png")
            && msg.contains("img0004.png"),
        "{msg}"
    );
    let msg = ImageSequence::open(dir.join("img%x.png"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("expected %d, %0Nd"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sequence_directory_and_glob_in_natural_order() {
    let dir = temp_dir("natural");
    for i in 1..=12u8 {
        save(&dir, &format!("img{i}.png"), &solid(i));
    }
    save(&dir, "._img5.png", &solid(200));
    std::fs::write(dir.join("notes.txt"), "not an image").unwrap();
    let mut seq = ImageSequence::open(&dir).unwrap();
    assert_eq!(seq.frame_count(), Some(12));
    let frames = read_all(&mut seq).unwrap();
    assert_eq!(first_bytes(&frames), (1..=12).collect::<Vec<u8>>());

    let mut seq = ImageSequence::open(dir.join("img1*.png")).unwrap();
    let frames = read_all(&mut seq).unwrap();
    assert_eq!(first_bytes(&frames), vec![1, 10, 11, 12]);
    let mut seq =
        ImageSequence::open(dir.join("img?.PNG").to_str().unwrap().replace("PNG", "png")).unwrap();
    assert_eq!(read_all(&mut seq).unwrap().len(), 9);

    let msg = ImageSequence::open(dir.join("*.jpg"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no file in") && msg.contains("*.jpg"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);

    let empty = temp_dir("empty");
    let msg = ImageSequence::open(&empty).unwrap_err().to_string();
    assert!(msg.contains("holds no .png, .jpg or .jpeg files"), "{msg}");
    let _ = std::fs::remove_dir_all(&empty);
}

#[test]
fn sequence_size_change_names_both_files() {
    let dir = temp_dir("resize");
    save(&dir, "a1.png", &solid(1));
    save(
        &dir,
        "a2.png",
        &DynamicImage::ImageRgb8(RgbImage::new(5, 3)),
    );
    let mut seq = ImageSequence::open(dir.join("a*.png")).unwrap();
    let msg = read_all(&mut seq).unwrap_err().to_string();
    let (a1, a2) = (dir.join("a1.png"), dir.join("a2.png"));
    assert_eq!(
        msg,
        format!(
            "frame 1 ({}) is 5x3 but the first frame ({}) is 4x3; every image of a sequence must have one size",
            a2.display(),
            a1.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sequence_reads_jpeg_and_mixed_kinds() {
    let Some(rocket) = photo("skimage_rocket.jpg") else {
        return;
    };
    let dir = temp_dir("jpeg");
    std::fs::copy(
        "/work/shared/corpus/photos/skimage_rocket.jpg",
        dir.join("f1.JPG"),
    )
    .unwrap();
    let rgba = DynamicImage::ImageRgba8(rocket.to_rgba8());
    save(&dir, "f2.png", &rgba);
    let mut seq = ImageSequence::open(&dir).unwrap();
    assert_eq!(seq.info().layout, FrameLayout::Packed(PixelFormat::Rgb24));
    let frames = read_all(&mut seq).unwrap();
    assert_eq!(frames.len(), 2);
    assert!(frames[0] == rocket.to_rgb8().into_raw());
    assert!(
        frames[1] == frames[0],
        "the RGBA PNG is converted to the first frame's rgb24"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
