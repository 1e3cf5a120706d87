//! Image sequences: numbered files (`img%04d.png`), a glob (`img*.png`) or a directory, decoded
//! one file per frame with the `image` crate (PNG and JPEG).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use framecast_core::PixelFormat;
use image::{ImageDecoder, ImageReader};

use super::decode::{DEFAULT_MAX_FRAME_BYTES, check_decoded_size, decode_into, format_for, limits};
use super::{FrameLayout, FrameSource, SourceError, SourceInfo, check_size};

/// How many start numbers a `%d` pattern tries, as ffmpeg's image2 `start_number_range` (5).
const START_RANGE: u64 = 5;
/// Extensions a directory is scanned for (compared case-insensitively).
const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// The files of a sequence.
#[derive(Debug)]
enum Files {
    /// A list found up front (glob, directory, explicit files), in order.
    List(Vec<PathBuf>),
    /// Numbered files `prefix + number (zero-padded to width) + suffix` in `dir`, read until
    /// the first missing number.
    Pattern(NumberPattern),
}

#[derive(Debug)]
struct NumberPattern {
    dir: PathBuf,
    prefix: String,
    suffix: String,
    width: usize,
    start: u64,
}

impl NumberPattern {
    fn path(&self, number: u64) -> PathBuf {
        let width = self.width;
        self.dir
            .join(format!("{}{number:0width$}{}", self.prefix, self.suffix))
    }
}

/// Frames decoded one file at a time from a numbered pattern, a glob or a directory.
///
/// The frame format is taken from the first image (as for [`super::PngStreamSource`]: 8-bit
/// RGB -> rgb24, RGBA or grey+alpha -> rgba, grey -> gray, 16-bit reduced to 8); later images
/// of another kind are converted to it, and an image of another size is an error naming both
/// files. Only the image being read is held in memory.
#[derive(Debug)]
pub struct ImageSequence {
    files: Files,
    spec: String,
    info: SourceInfo,
    format: PixelFormat,
    /// Index of the next frame to read.
    next: u64,
    first_path: PathBuf,
    /// The first frame, decoded by the constructor to learn the format, until it is read.
    first: Option<Vec<u8>>,
    max_frame_bytes: u64,
}

impl ImageSequence {
    /// Opens a sequence described the way ffmpeg's image2 demuxer takes it:
    ///
    /// - a printf pattern with one `%d` or `%0Nd` (`%%` is a literal `%`): the first existing
    ///   number among 0..=4 starts the sequence, which runs to the first missing number;
    /// - a glob with `*` and `?` in the file name (not in the directory part): the matching
    ///   files, in natural order (`img2` before `img10`);
    /// - a directory: its `.png`, `.jpg` and `.jpeg` files (any case; hidden files skipped), in
    ///   natural order.
    ///
    /// The first image is decoded here to learn the frame size and format.
    pub fn open(spec: impl AsRef<Path>) -> Result<Self, SourceError> {
        let spec = spec.as_ref();
        let shown = spec.display().to_string();
        let files = if spec.is_dir() {
            Files::List(list_directory(spec, &shown)?)
        } else {
            let (dir, name) = split_spec(spec, &shown)?;
            if name.contains('%') {
                Files::Pattern(parse_pattern(dir, name, &shown)?)
            } else if name.contains(['*', '?']) {
                Files::List(list_glob(dir, name, &shown)?)
            } else {
                Files::List(vec![spec.to_path_buf()])
            }
        };
        Self::start(files, shown)
    }

    /// A sequence of exactly these files, in this order.
    pub fn from_files(files: Vec<PathBuf>) -> Result<Self, SourceError> {
        let shown = match files.first() {
            Some(p) => p.display().to_string(),
            None => "(no files)".to_owned(),
        };
        Self::start(Files::List(files), shown)
    }

    fn start(files: Files, spec: String) -> Result<Self, SourceError> {
        let mut seq = ImageSequence {
            files,
            spec,
            info: SourceInfo::packed_unchecked(1, 1, PixelFormat::Rgb24),
            format: PixelFormat::Rgb24,
            next: 0,
            first_path: PathBuf::new(),
            first: None,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
        };
        let Some(path) = seq.path(0)? else {
            return Err(SourceError::Sequence {
                spec: seq.spec.clone(),
                reason: "no files to read".to_owned(),
            });
        };
        let mut first = Vec::new();
        seq.decode(0, &path, &mut first)?;
        seq.first_path = path;
        seq.first = Some(first);
        Ok(seq)
    }

    /// The number of frames, when known up front (globs, directories and file lists; a `%d`
    /// pattern is read until the first missing number).
    pub fn frame_count(&self) -> Option<u64> {
        match &self.files {
            Files::List(list) => Some(list.len() as u64),
            Files::Pattern(_) => None,
        }
    }

    /// The file of frame `index`, or `None` past the end.
    fn path(&self, index: u64) -> Result<Option<PathBuf>, SourceError> {
        match &self.files {
            Files::List(list) => Ok(usize::try_from(index)
                .ok()
                .and_then(|i| list.get(i))
                .cloned()),
            Files::Pattern(p) => {
                let Some(number) = p.start.checked_add(index) else {
                    return Ok(None);
                };
                let path = p.path(number);
                match path.try_exists() {
                    Ok(true) => Ok(Some(path)),
                    Ok(false) => Ok(None),
                    Err(e) => Err(SourceError::io(path.display().to_string(), e)),
                }
            }
        }
    }

    fn decode(&mut self, index: u64, path: &Path, buf: &mut Vec<u8>) -> Result<(), SourceError> {
        let what = path.display().to_string();
        let decode_err = |e: image::ImageError| SourceError::Decode {
            what: what.clone(),
            source: Box::new(e),
        };
        let mut reader = ImageReader::open(path)
            .and_then(ImageReader::with_guessed_format)
            .map_err(|e| SourceError::io(&what, e))?;
        reader.limits(limits(self.max_frame_bytes));
        let decoder = reader.into_decoder().map_err(decode_err)?;
        let (width, height) = decoder.dimensions();
        if index == 0 {
            check_size(
                &what,
                u64::from(width),
                u64::from(height),
                FrameLayout::Packed(PixelFormat::Rgba),
            )?;
        } else if (width, height) != (self.info.width, self.info.height) {
            return Err(SourceError::SequenceSizeChanged {
                frame: index,
                path: path.to_path_buf(),
                width,
                height,
                first_path: self.first_path.clone(),
                first_width: self.info.width,
                first_height: self.info.height,
            });
        }
        check_decoded_size(&decoder, self.max_frame_bytes, &what)?;
        if index == 0 {
            self.format = format_for(decoder.color_type());
            self.info = SourceInfo::packed_unchecked(width, height, self.format);
        }
        decode_into(decoder, self.format, buf, &what)
    }
}

impl FrameSource for ImageSequence {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, SourceError> {
        if let Some(first) = self.first.take() {
            *buf = first;
            self.next = 1;
            return Ok(true);
        }
        let Some(path) = self.path(self.next)? else {
            buf.clear();
            return Ok(false);
        };
        self.decode(self.next, &path, buf)?;
        self.next += 1;
        Ok(true)
    }
}

/// Splits a pattern or glob into its directory (`.` when none) and its UTF-8 file name, and
/// refuses wildcards in the directory part, which this reader does not expand.
fn split_spec<'a>(spec: &'a Path, shown: &str) -> Result<(&'a Path, &'a str), SourceError> {
    let err = |reason: &str| SourceError::Sequence {
        spec: shown.to_owned(),
        reason: reason.to_owned(),
    };
    let name = spec
        .file_name()
        .ok_or_else(|| err("the path has no file name part"))?
        .to_str()
        .ok_or_else(|| err("the file name part is not valid UTF-8"))?;
    let dir = match spec.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if dir.to_string_lossy().contains(['%', '*', '?']) {
        return Err(err(
            "%d, * and ? are only expanded in the file name, not in the directory part",
        ));
    }
    Ok((dir, name))
}

/// Parses a file name with one `%d` / `%0Nd` (and `%%` for a literal `%`), then finds the
/// start number.
fn parse_pattern(dir: &Path, name: &str, shown: &str) -> Result<NumberPattern, SourceError> {
    let err = |reason: String| SourceError::Sequence {
        spec: shown.to_owned(),
        reason,
    };
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut width = None;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let out = if width.is_some() {
            &mut suffix
        } else {
            &mut prefix
        };
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            digits.push(d);
        }
        if chars.next() != Some('d') {
            return Err(err(format!(
                "unsupported % conversion in {name}; expected %d, %0Nd (e.g. %04d) or %% for a literal %"
            )));
        }
        if width.is_some() {
            return Err(err(format!(
                "{name} has more than one %d; a pattern numbers frames with exactly one"
            )));
        }
        // ffmpeg zero-pads to the given width whether or not it starts with 0 (%4d = %04d).
        let w: usize = if digits.is_empty() {
            0
        } else {
            digits
                .parse()
                .ok()
                .filter(|w| *w <= 20)
                .ok_or_else(|| err(format!("width {digits} in {name} is above 20 digits")))?
        };
        width = Some(w);
    }
    let Some(width) = width else {
        return Err(err(format!(
            "{name} has no %d; a pattern numbers frames with %d or %0Nd (e.g. img%04d.png)"
        )));
    };
    let mut pattern = NumberPattern {
        dir: dir.to_path_buf(),
        prefix,
        suffix,
        width,
        start: 0,
    };
    for start in 0..START_RANGE {
        let path = pattern.path(start);
        if path
            .try_exists()
            .map_err(|e| SourceError::io(path.display().to_string(), e))?
        {
            pattern.start = start;
            return Ok(pattern);
        }
    }
    Err(err(format!(
        "no file matches: tried {} to {} (start numbers 0 to {}, as ffmpeg's image2 does)",
        pattern.path(0).display(),
        pattern.path(START_RANGE - 1).display(),
        START_RANGE - 1
    )))
}

/// The files of `dir` whose names match the glob `pattern`, in natural order.
fn list_glob(dir: &Path, pattern: &str, shown: &str) -> Result<Vec<PathBuf>, SourceError> {
    let mut files = list_files(dir, |name| glob_match(pattern, name))?;
    if files.is_empty() {
        return Err(SourceError::Sequence {
            spec: shown.to_owned(),
            reason: format!("no file in {} matches {pattern}", dir.display()),
        });
    }
    sort_natural(&mut files);
    Ok(files)
}

/// The PNG and JPEG files of `dir`, in natural order.
fn list_directory(dir: &Path, shown: &str) -> Result<Vec<PathBuf>, SourceError> {
    let mut files = list_files(dir, |name| {
        // Hidden files are skipped: macOS leaves "._img1.png" resource forks next to images.
        !name.starts_with('.')
            && name
                .rsplit_once('.')
                .is_some_and(|(_, ext)| EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)))
    })?;
    if files.is_empty() {
        return Err(SourceError::Sequence {
            spec: shown.to_owned(),
            reason: "the directory holds no .png, .jpg or .jpeg files".to_owned(),
        });
    }
    sort_natural(&mut files);
    Ok(files)
}

/// Regular files (or links to them) of `dir` whose UTF-8 names pass `keep`.
fn list_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, SourceError> {
    let io = |e| SourceError::io(dir.display().to_string(), e);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let path = entry.path();
        if keep(&name) && path.is_file() {
            files.push(path);
        }
    }
    Ok(files)
}

fn sort_natural(files: &mut [PathBuf]) {
    files.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
}

/// Natural order: runs of digits compare by value (`img2` < `img10`), everything else by
/// character; names equal that way (`img01`, `img1`) fall back to plain order so the order is
/// total.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].is_ascii_digit() && y[j].is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < x.len() && x[i].is_ascii_digit() {
                i += 1;
            }
            while j < y.len() && y[j].is_ascii_digit() {
                j += 1;
            }
            let trim = |d: &[u8]| -> usize { d.iter().take_while(|&&c| c == b'0').count() };
            let (da, db) = (&x[si..i], &y[sj..j]);
            let (da, db) = (&da[trim(da)..], &db[trim(db)..]);
            // Without leading zeros, a longer run is a larger number; equal lengths compare
            // digit by digit, so runs of any length work without overflow.
            let ord = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            if x[i] != y[j] {
                return x[i].cmp(&y[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (x.len() - i).cmp(&(y.len() - j)).then_with(|| a.cmp(b))
}

/// Shell-style matching of a file name: `*` is any run of characters, `?` one character. As in
/// a shell, a leading `.` must be matched literally, so `*` skips hidden files.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was and which name position it is currently standing for; on a
    // mismatch the star takes one more character (linear backtracking, no recursion).
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec!["img10.png", "img2.png", "img1.png", "img02.png", "a.png"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            ["a.png", "img1.png", "img02.png", "img2.png", "img10.png"]
        );
        assert_eq!(
            natural_cmp("x99999999999999999999999", "x100000000000000000000000"),
            Ordering::Less
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("img*.png", "img12.png"));
        assert!(glob_match("img?.png", "img1.png"));
        assert!(!glob_match("img?.png", "img12.png"));
        assert!(glob_match("*a*b*", "xaxxbx"));
        assert!(!glob_match("*.png", ".hidden.png"));
        assert!(glob_match("*", "anything"));
        assert!(!glob_match("a*c", "abcd"));
    }
}
