//! Values of ffmpeg options: rates, sizes, bitrates, quality scales, presets, pixel formats
//! and the `-vf scale` filter.

use anyhow::{Context, bail};
use framecast::{PixelFormat, Rational};

use super::parse::Opt;

/// Output pixel formats that are 4:2:0 8-bit already.
pub(crate) const YUV420: &[&str] = &["yuv420p", "yuvj420p", "nv12", "nv21"];

/// One side of `-vf scale=W:H`: a number of pixels, the input's, or kept in proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    Pixels(u32),
    /// `iw`/`ih` or 0: the input's size on this axis.
    Input,
    /// `-1` (`Aspect(1)`) or `-2` (`Aspect(2)`, rounded to a multiple of 2): from the other
    /// side, keeping the input's aspect ratio.
    Aspect(u32),
}

/// A resize target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scale {
    pub(crate) width: Dim,
    pub(crate) height: Dim,
}

impl Scale {
    /// The output size for an input of `(iw, ih)`.
    pub(crate) fn resolve(&self, (iw, ih): (u32, u32)) -> anyhow::Result<(u32, u32)> {
        let fixed = |d: Dim, input: u32| match d {
            Dim::Pixels(p) => Some(p),
            Dim::Input => Some(input),
            Dim::Aspect(_) => None,
        };
        let proportional = |other: u32, num: u32, den: u32, multiple: u32| -> u32 {
            let exact = f64::from(other) * f64::from(num) / f64::from(den.max(1));
            let m = f64::from(multiple.max(1));
            (((exact / m).round() * m) as u32).max(multiple.max(1))
        };
        let multiple = |d: Dim| match d {
            Dim::Aspect(m) => m,
            _ => 1,
        };
        let (w, h) = match (fixed(self.width, iw), fixed(self.height, ih)) {
            (Some(w), Some(h)) => (w, h),
            (Some(w), None) => (w, proportional(w, ih, iw, multiple(self.height))),
            (None, Some(h)) => (proportional(h, iw, ih, multiple(self.width)), h),
            (None, None) => (iw, ih),
        };
        let max = framecast_core::MAX_DIMENSION;
        if w == 0 || h == 0 || w > max || h > max {
            bail!("-vf scale: {w}x{h} is out of range; each side must be 1 to {max}");
        }
        Ok((w, h))
    }
}

/// `-crf`: 0..=51, decimals rounded (imageio sends `-crf 10.2`).
pub(crate) fn crf(o: &Opt) -> anyhow::Result<u8> {
    let text = o.text()?;
    let v: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .with_context(|| format!("-crf '{text}': expected a number from 0 (best) to 51"))?;
    if !(0.0..=51.0).contains(&v) {
        bail!("-crf {text} is out of range; expected 0 (best, largest) to 51 (smallest)");
    }
    Ok(v.round() as u8)
}

/// `-qscale:v`/`-q:v` (1 best .. 31 worst, what imageio sends for encoders other than
/// libx264: `int((1 - quality / 10) * 30) + 1`) mapped linearly onto the CRF-like quality
/// 0..=51, so imageio's `quality=8` gives about the same file through either flag
/// (qscale 7 -> quality 10; `-crf 10.2` -> 10). 0 counts as 1.
pub(crate) fn qscale_to_quality(o: &Opt) -> anyhow::Result<u8> {
    let text = o.text()?;
    let v: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .with_context(|| {
            format!(
                "{} '{text}': expected a number from 1 (best) to 31",
                o.shown()
            )
        })?;
    if !(0.0..=31.0).contains(&v) {
        bail!(
            "{} {text} is out of range; expected 1 (best) to 31 (worst)",
            o.shown()
        );
    }
    let q = (v.max(1.0) - 1.0) * 51.0 / 30.0;
    Ok(q.round() as u8)
}

/// `-b:v`: bits per second with ffmpeg's suffixes (`1800k`, `2M`, `1.5M`, `500000`; `Ki`
/// for 1024, a trailing `B` for bytes), to kbit/s (at least 1).
pub(crate) fn bitrate_kbps(o: &Opt) -> anyhow::Result<u32> {
    let text = o.text()?;
    let bad = || {
        anyhow::anyhow!(
            "{} '{text}': expected a bitrate such as 1800k, 2M or 500000 (bits per second)",
            o.shown()
        )
    };
    let mut rest = text.trim();
    let mut factor = 1.0f64;
    if let Some(r) = rest.strip_suffix('B') {
        rest = r;
        factor *= 8.0;
    }
    let binary = rest.ends_with('i');
    if binary {
        rest = &rest[..rest.len() - 1];
    }
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    if let Some(last) = rest.chars().last().filter(char::is_ascii_alphabetic) {
        let power = match last {
            'k' | 'K' => 1,
            'M' => 2,
            'G' => 3,
            _ => return Err(bad()),
        };
        factor *= base.powi(power);
        rest = &rest[..rest.len() - 1];
    }
    let v: f64 = rest.parse().map_err(|_| bad())?;
    let bits = v * factor;
    if !bits.is_finite() || bits <= 0.0 {
        return Err(bad());
    }
    let kbps = (bits / 1000.0).round().max(1.0);
    if kbps > f64::from(u32::MAX) {
        return Err(bad());
    }
    Ok(kbps as u32)
}

/// x264's presets onto framecast's speed 0 (slowest) ..= 10 (fastest).
pub(crate) fn preset_speed(name: &str) -> anyhow::Result<u8> {
    Ok(match name {
        "ultrafast" => 10,
        "superfast" => 9,
        "veryfast" => 8,
        "faster" => 7,
        "fast" => 6,
        "medium" => 5,
        "slow" => 4,
        "slower" => 3,
        "veryslow" => 1,
        "placebo" => 0,
        other => bail!(
            "-preset '{other}' is not a preset; expected ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow or placebo"
        ),
    })
}

pub(crate) fn number<T: std::str::FromStr>(o: &Opt) -> anyhow::Result<T> {
    let text = o.text()?;
    text.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{} '{text}': expected a whole number", o.shown()))
}

/// `-r`/`-framerate`: `10`, `10.00`, `30000/1001`, `2997/100`, or ffmpeg's abbreviations.
pub(crate) fn rate(text: &str) -> anyhow::Result<Rational> {
    let text = match text {
        "ntsc" => "30000/1001",
        "pal" => "25",
        "film" => "24",
        "ntsc-film" => "24000/1001",
        other => other,
    };
    text.parse::<Rational>()
        .with_context(|| format!("frame rate '{text}'"))
}

/// `-s`: `WxH` or one of ffmpeg's size names.
pub(crate) fn size(text: &str) -> anyhow::Result<(u32, u32)> {
    let named = match text {
        "qvga" => Some((320, 240)),
        "vga" => Some((640, 480)),
        "svga" => Some((800, 600)),
        "xga" => Some((1024, 768)),
        "hd480" => Some((852, 480)),
        "hd720" => Some((1280, 720)),
        "hd1080" => Some((1920, 1080)),
        "uhd2160" | "4k" => Some((3840, 2160)),
        _ => None,
    };
    match named {
        Some(s) => Ok(s),
        None => crate::args::parse_size(text).map_err(|e| anyhow::anyhow!("-s: {e}")),
    }
}

/// Input pixel formats: framecast's packed formats, and the `X0` padded ones read as if
/// their pad byte were alpha (it is ignored either way).
pub(crate) fn input_pix_fmt(name: &str) -> anyhow::Result<PixelFormat> {
    let aliased = match name {
        "rgb0" => "rgba",
        "bgr0" => "bgra",
        "0rgb" => "argb",
        "0bgr" => "abgr",
        other => other,
    };
    aliased.parse::<PixelFormat>().map_err(|_| {
        anyhow::anyhow!(
            "input pixel format '{name}' is not supported: framecast reads rgb24, bgr24, rgba, bgra, argb, abgr, rgb0, bgr0 and gray"
        )
    })
}

/// `-vf`: a chain of `scale=W:H` (and no-op `null`/`format=yuv420p`) filters.
pub(crate) fn parse_filters(text: &str) -> anyhow::Result<Option<Scale>> {
    let mut scale = None;
    for filter in text.split(',').map(str::trim) {
        let (name, args) = filter.split_once('=').unwrap_or((filter, ""));
        match name {
            "null" => {}
            "format" if YUV420.contains(&args) || args == "pix_fmts=yuv420p" => {}
            "scale" => {
                if scale.is_some() {
                    bail!("-vf '{text}': framecast applies one scale filter");
                }
                scale = Some(parse_scale(args, text)?);
            }
            _ => bail!(
                "-vf '{text}': framecast supports only scale=W:H (the filter imageio adds), not '{filter}'"
            ),
        }
    }
    Ok(scale)
}

fn parse_scale(args: &str, whole: &str) -> anyhow::Result<Scale> {
    let bad = |why: &str| {
        anyhow::anyhow!("-vf '{whole}': {why}; expected scale=W:H such as scale=112:80")
    };
    let mut positional = Vec::new();
    let (mut width, mut height) = (None, None);
    for part in args.split(':').filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some(("w" | "width", v)) => width = Some(v),
            Some(("h" | "height", v)) => height = Some(v),
            // Interpolation flags and the like: framecast uses its own filter.
            Some((_, _)) => {}
            None => positional.push(part),
        }
    }
    // scale=WxH is accepted by ffmpeg as a size.
    if let ([only], None, None) = (positional.as_slice(), width, height)
        && let Some((w, h)) = only.split_once('x')
    {
        positional = vec![w, h];
    }
    let mut positional = positional.into_iter();
    let width = width
        .or_else(|| positional.next())
        .ok_or_else(|| bad("no width"))?;
    let height = height
        .or_else(|| positional.next())
        .ok_or_else(|| bad("no height"))?;
    let dim = |v: &str, input: &str| -> anyhow::Result<Dim> {
        Ok(match v.trim() {
            "-1" => Dim::Aspect(1),
            "-2" => Dim::Aspect(2),
            "0" => Dim::Input,
            s if s == input => Dim::Input,
            s => {
                let n: u32 = s
                    .parse()
                    .map_err(|_| bad(&format!("'{s}' is not a size")))?;
                if n > framecast_core::MAX_DIMENSION {
                    return Err(bad(&format!("{n} is too large")));
                }
                Dim::Pixels(n)
            }
        })
    };
    Ok(Scale {
        width: dim(width, "iw")?,
        height: dim(height, "ih")?,
    })
}

/// ffmpeg's (and gifski's) GIF loop count: 0 loops forever, -1 plays once, N repeats N more
/// times.
pub(crate) fn loop_to_repeat(count: i32) -> anyhow::Result<framecast::gif::Repeat> {
    use framecast::gif::Repeat;
    match count {
        0 => Ok(Repeat::Infinite),
        -1 => Ok(Repeat::Finite(0)),
        n => match u16::try_from(n) {
            Ok(n) => Ok(Repeat::Finite(n)),
            Err(_) => bail!(
                "loop count {count} is out of range: 0 loops forever, -1 plays once, 1..=65535 repeats that many more times"
            ),
        },
    }
}

/// What the palette graph GIF recipes pass as `-filter_complex` asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PaletteGraph {
    /// `palettegen=max_colors=N`.
    pub(crate) colors: Option<u16>,
    /// `paletteuse=dither=...`, mapped to framecast's dithering.
    pub(crate) dither: Option<framecast::gif::Dither>,
    /// A `scale` filter before `split`.
    pub(crate) scale: Option<Scale>,
}

/// Parses the `[scale=W:H,]split[a][b];[a]palettegen[p];[b][p]paletteuse` graph (matplotlib's
/// and the usual GIF recipe's), with its options; framecast's GIF encoder does what the
/// graph does, so the graph itself is not run. Other graphs are refused.
pub(crate) fn parse_palette_graph(text: &str) -> anyhow::Result<PaletteGraph> {
    let refuse = |why: String| {
        anyhow::anyhow!(
            "-filter_complex '{text}': {why}; framecast reads only the GIF palette graph, split[a][b];[a]palettegen[p];[b][p]paletteuse (with an optional scale=W:H before split)"
        )
    };
    // Labels ([a], [0:v]) and spaces do not change what the graph computes here.
    let mut plain = String::new();
    let mut in_label = false;
    for c in text.chars() {
        match c {
            '[' => in_label = true,
            ']' => in_label = false,
            c if in_label || c.is_whitespace() => {}
            c => plain.push(c),
        }
    }
    let filters: Vec<&str> = plain.split([';', ',']).filter(|f| !f.is_empty()).collect();
    let names: Vec<&str> = filters
        .iter()
        .map(|f| f.split_once('=').map_or(*f, |(name, _)| name))
        .collect();
    let Some(split) = names.iter().position(|n| *n == "split") else {
        return Err(refuse("it has no split filter".into()));
    };
    if names[split + 1..] != ["palettegen", "paletteuse"] {
        return Err(refuse(format!(
            "the filters after split are {}, not palettegen then paletteuse",
            names[split + 1..].join(", ")
        )));
    }
    if let Some(other) = names[..split]
        .iter()
        .find(|n| !matches!(**n, "scale" | "null" | "format"))
    {
        let why = if *other == "fps" {
            "fps before split would drop or repeat frames, which framecast does not do (set the input rate with -r instead)".to_owned()
        } else {
            format!("'{other}' before split is not a filter framecast applies (scale=W:H is)")
        };
        return Err(refuse(why));
    }
    let scale = match filters[..split].join(",") {
        prefix if prefix.is_empty() => None,
        prefix => parse_filters(&prefix)?,
    };
    let options = |filter: &str| -> Vec<(String, String)> {
        filter
            .split_once('=')
            .map(|(_, opts)| opts)
            .unwrap_or("")
            .split(':')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    };
    let mut graph = PaletteGraph {
        colors: None,
        dither: None,
        scale,
    };
    for (key, value) in options(filters[split + 1]) {
        if key == "max_colors" {
            let colors = value
                .parse::<u16>()
                .ok()
                .filter(|n| (2..=256).contains(n))
                .ok_or_else(|| refuse(format!("palettegen max_colors={value} is not 2..256")))?;
            graph.colors = Some(colors);
        }
    }
    for (key, value) in options(filters[split + 2]) {
        if key == "dither" {
            use framecast::gif::Dither;
            graph.dither = Some(match value.as_str() {
                "none" => Dither::None,
                "bayer" => Dither::Ordered,
                "heckbert" | "floyd_steinberg" | "sierra2" | "sierra2_4a" | "sierra3"
                | "burkes" | "atkinson" => Dither::Diffusion,
                other => return Err(refuse(format!("paletteuse dither={other} is unknown"))),
            });
        }
    }
    Ok(graph)
}
