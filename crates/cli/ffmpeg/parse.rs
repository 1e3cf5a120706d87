//! ffmpeg's command-line syntax, without meaning: options, input groups, the output.
//!
//! ffmpeg's rules, as its `cmdutils` split the argument list:
//! - an argument that starts with `-` and is not `-` itself is an option; an option that takes
//!   a value takes the next argument, whatever it looks like (`-i -`, `-strict -2`);
//! - options before `-i FILE` belong to that input; options after the last input belong to
//!   the output file, which is the next non-option argument;
//! - a few options are global wherever they stand (`-y`, `-loglevel`, `-filter_complex`).
//!
//! Option names may carry a stream specifier after a colon (`-b:v`, `-c:a`, `-frames:v`,
//! `-metadata:s:v:0`): the base name decides how the option parses.

use std::ffi::OsString;

use anyhow::bail;

/// How an option is used where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Takes no value.
    Flag,
    /// Takes the next argument.
    Value,
}

/// Options that apply to the whole run wherever they appear.
const GLOBAL: &[&str] = &[
    "y",
    "n",
    "loglevel",
    "v",
    "hide_banner",
    "nostdin",
    "stdin",
    "stats",
    "nostats",
    "filter_complex",
    "lavfi",
    "version",
    "encoders",
    "decoders",
    "codecs",
    "formats",
    "muxers",
    "demuxers",
    "pix_fmts",
    "h",
    "help",
    "-help",
    "?",
    "benchmark",
    "report",
    "sws_flags",
];

/// Every option framecast knows, with whether it takes a value. Options not listed are
/// refused the way ffmpeg refuses them ("Unrecognized option").
const OPTIONS: &[(&str, Kind)] = &[
    // Global.
    ("y", Kind::Flag),
    ("n", Kind::Flag),
    ("loglevel", Kind::Value),
    ("v", Kind::Value),
    ("hide_banner", Kind::Flag),
    ("nostdin", Kind::Flag),
    ("stdin", Kind::Flag),
    ("stats", Kind::Flag),
    ("nostats", Kind::Flag),
    ("filter_complex", Kind::Value),
    ("lavfi", Kind::Value),
    ("version", Kind::Flag),
    ("encoders", Kind::Flag),
    ("decoders", Kind::Flag),
    ("codecs", Kind::Flag),
    ("formats", Kind::Flag),
    ("muxers", Kind::Flag),
    ("demuxers", Kind::Flag),
    ("pix_fmts", Kind::Flag),
    ("h", Kind::Flag),
    ("help", Kind::Flag),
    ("-help", Kind::Flag),
    ("?", Kind::Flag),
    ("benchmark", Kind::Flag),
    ("report", Kind::Flag),
    ("sws_flags", Kind::Value),
    // Per file.
    ("i", Kind::Value),
    ("f", Kind::Value),
    ("c", Kind::Value),
    ("codec", Kind::Value),
    ("vcodec", Kind::Value),
    ("acodec", Kind::Value),
    ("scodec", Kind::Value),
    ("s", Kind::Value),
    ("video_size", Kind::Value),
    ("pix_fmt", Kind::Value),
    ("pixel_format", Kind::Value),
    ("r", Kind::Value),
    ("framerate", Kind::Value),
    ("b", Kind::Value),
    ("ab", Kind::Value),
    ("crf", Kind::Value),
    ("qscale", Kind::Value),
    ("q", Kind::Value),
    ("preset", Kind::Value),
    ("tune", Kind::Value),
    ("profile", Kind::Value),
    ("level", Kind::Value),
    ("threads", Kind::Value),
    ("metadata", Kind::Value),
    ("movflags", Kind::Value),
    ("frames", Kind::Value),
    ("vframes", Kind::Value),
    ("vf", Kind::Value),
    ("filter", Kind::Value),
    ("map", Kind::Value),
    ("map_metadata", Kind::Value),
    ("ar", Kind::Value),
    ("ac", Kind::Value),
    ("an", Kind::Flag),
    ("vn", Kind::Flag),
    ("sn", Kind::Flag),
    ("dn", Kind::Flag),
    ("strict", Kind::Value),
    ("g", Kind::Value),
    ("bf", Kind::Value),
    ("keyint_min", Kind::Value),
    ("sc_threshold", Kind::Value),
    ("maxrate", Kind::Value),
    ("minrate", Kind::Value),
    ("bufsize", Kind::Value),
    ("x264opts", Kind::Value),
    ("x264-params", Kind::Value),
    ("aspect", Kind::Value),
    ("color_range", Kind::Value),
    ("colorspace", Kind::Value),
    ("color_primaries", Kind::Value),
    ("color_trc", Kind::Value),
    ("vsync", Kind::Value),
    ("fps_mode", Kind::Value),
    ("tag", Kind::Value),
    ("vtag", Kind::Value),
    ("atag", Kind::Value),
    ("disposition", Kind::Value),
    ("sample_fmt", Kind::Value),
    ("channel_layout", Kind::Value),
    ("max_muxing_queue_size", Kind::Value),
    ("thread_queue_size", Kind::Value),
    ("probesize", Kind::Value),
    ("analyzeduration", Kind::Value),
    ("fflags", Kind::Value),
    ("pattern_type", Kind::Value),
    ("re", Kind::Flag),
    ("shortest", Kind::Flag),
    ("ss", Kind::Value),
    ("t", Kind::Value),
    ("to", Kind::Value),
    ("loop", Kind::Value),
    ("start_number", Kind::Value),
    ("pass", Kind::Value),
    ("passlogfile", Kind::Value),
];

/// One option as written: `-name[:spec] [value]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Opt {
    /// The base name, without the dash and the stream specifier (`b` for `-b:v`).
    pub(crate) name: String,
    /// The stream specifier after the first colon (`v` for `-b:v`), empty if none.
    pub(crate) spec: String,
    /// The value, for options that take one.
    pub(crate) value: Option<OsString>,
}

impl Opt {
    /// The option as it was written, for messages (`-b:v`).
    pub(crate) fn shown(&self) -> String {
        if self.spec.is_empty() {
            format!("-{}", self.name)
        } else {
            format!("-{}:{}", self.name, self.spec)
        }
    }

    /// The value as text; non-UTF-8 values are an error naming the option.
    pub(crate) fn text(&self) -> anyhow::Result<&str> {
        match self.value.as_ref().map(|v| v.to_str()) {
            Some(Some(v)) => Ok(v),
            Some(None) => bail!("the value of {} is not valid UTF-8", self.shown()),
            None => bail!("{} takes no value", self.shown()),
        }
    }

    /// Whether the stream specifier selects audio (`a`, `a:0`).
    pub(crate) fn is_audio(&self) -> bool {
        self.spec == "a" || self.spec.starts_with("a:")
    }

    /// Whether the specifier selects something other than video or everything (audio,
    /// subtitles, data, attachments).
    pub(crate) fn is_not_video(&self) -> bool {
        let first = self.spec.split(':').next().unwrap_or_default();
        matches!(first, "a" | "s" | "d" | "t")
    }
}

/// The options of one file (input or output) and its path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Group {
    pub(crate) options: Vec<Opt>,
    pub(crate) path: OsString,
}

impl Group {
    /// The last value of an option among `names` (ffmpeg keeps the last one given) whose
    /// specifier does not exclude video.
    pub(crate) fn video(&self, names: &[&str]) -> Option<&Opt> {
        self.options
            .iter()
            .rev()
            .find(|o| names.contains(&o.name.as_str()) && !o.is_not_video())
    }

    /// Whether a flag is present.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.options.iter().any(|o| o.name == name)
    }
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CommandLine {
    /// Global options, in order.
    pub(crate) global: Vec<Opt>,
    /// Inputs in order, each with the options before its `-i`.
    pub(crate) inputs: Vec<Group>,
    /// The output file with its options, if one was given.
    pub(crate) output: Option<Group>,
    /// Options after the output file, which apply to nothing (ffmpeg warns about them).
    pub(crate) trailing: Vec<Opt>,
}

impl CommandLine {
    /// Whether a global flag is present.
    pub(crate) fn has_global(&self, name: &str) -> bool {
        self.global.iter().any(|o| o.name == name)
    }

    /// The last value of a global option.
    pub(crate) fn global_value(&self, name: &str) -> Option<&Opt> {
        self.global.iter().rev().find(|o| o.name == name)
    }
}

/// Splits ffmpeg arguments (without the program name) into global options, inputs and the
/// output. Errors use ffmpeg's wording: an unknown option, a missing value, a second output.
pub(crate) fn parse(args: &[OsString]) -> anyhow::Result<CommandLine> {
    let mut line = CommandLine::default();
    let mut pending: Vec<Opt> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        let is_option = text.len() > 1 && text.starts_with('-');
        if !is_option {
            if line.output.is_some() {
                let first = line
                    .output
                    .as_ref()
                    .map(|o| o.path.to_string_lossy().into_owned())
                    .unwrap_or_default();
                bail!(
                    "framecast writes one output file, but two were given: '{first}' and '{text}'"
                );
            }
            line.output = Some(Group {
                options: std::mem::take(&mut pending),
                path: arg.clone(),
            });
            continue;
        }
        let body = &text[1..];
        let (name, spec) = match body.split_once(':') {
            Some((n, s)) => (n, s),
            None => (body, ""),
        };
        let Some(&(_, kind)) = OPTIONS.iter().find(|(n, _)| *n == name) else {
            bail!(
                "Unrecognized option '{body}'.\nError splitting the argument list: Option not found"
            );
        };
        let value = match kind {
            Kind::Flag => None,
            Kind::Value => match args.next() {
                Some(v) => Some(v.clone()),
                None => bail!("Missing argument for option '{body}'."),
            },
        };
        let opt = Opt {
            name: name.to_owned(),
            spec: spec.to_owned(),
            value,
        };
        if GLOBAL.contains(&name) {
            line.global.push(opt);
        } else if line.output.is_some() {
            line.trailing.push(opt);
        } else if name == "i" {
            let path = opt.value.unwrap_or_default();
            line.inputs.push(Group {
                options: std::mem::take(&mut pending),
                path,
            });
        } else {
            pending.push(opt);
        }
    }
    // Options after the last input with no output file after them: ffmpeg ignores them too.
    line.trailing.extend(pending);
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<OsString> {
        s.split_whitespace().map(OsString::from).collect()
    }

    fn names(opts: &[Opt]) -> Vec<String> {
        opts.iter().map(Opt::shown).collect()
    }

    #[test]
    fn values_may_start_with_a_dash() {
        let line = parse(&args("-f s32le -i - -vn -strict -2 out.mp3")).unwrap();
        assert_eq!(line.inputs.len(), 1);
        assert_eq!(line.inputs[0].path, OsString::from("-"));
        let out = line.output.unwrap();
        assert_eq!(out.path, OsString::from("out.mp3"));
        let strict = out.options.iter().find(|o| o.name == "strict").unwrap();
        assert_eq!(strict.value.as_deref(), Some(std::ffi::OsStr::new("-2")));
    }

    #[test]
    fn input_options_come_before_i_and_output_options_after() {
        let line = parse(&args(
            "-f rawvideo -vcodec rawvideo -s 100x80 -pix_fmt rgba -framerate 10 -loglevel error -i pipe: -vcodec h264 -pix_fmt yuv420p -y out.mp4",
        ))
        .unwrap();
        assert_eq!(
            names(&line.inputs[0].options),
            ["-f", "-vcodec", "-s", "-pix_fmt", "-framerate"]
        );
        assert_eq!(line.inputs[0].path, OsString::from("pipe:"));
        let out = line.output.unwrap();
        assert_eq!(names(&out.options), ["-vcodec", "-pix_fmt"]);
        assert_eq!(names(&line.global), ["-loglevel", "-y"]);
        assert_eq!(out.video(&["pix_fmt"]).unwrap().text().unwrap(), "yuv420p");
    }

    #[test]
    fn the_last_argument_is_the_output() {
        let line = parse(&args("-y -i - -an -vcodec libx264 -v warning out.mp4")).unwrap();
        assert_eq!(line.output.unwrap().path, OsString::from("out.mp4"));
        assert!(line.trailing.is_empty());
    }

    #[test]
    fn stream_specifiers_are_split_off() {
        let line = parse(&args("-i - -b:v 500k -c:a copy -metadata:s:v:0 a=b o.mp4")).unwrap();
        let out = line.output.unwrap();
        let b = &out.options[0];
        assert_eq!((b.name.as_str(), b.spec.as_str()), ("b", "v"));
        assert!(out.options[1].is_audio());
        assert_eq!(out.options[2].spec, "s:v:0");
        assert!(out.options[2].is_not_video());
        assert_eq!(out.video(&["b"]).unwrap().text().unwrap(), "500k");
        assert!(out.video(&["c"]).is_none());
    }

    #[test]
    fn two_inputs_keep_their_own_options() {
        let line = parse(&args(
            "-f rawvideo -an -i - -i NAME.mp3 -acodec copy out.mp4",
        ))
        .unwrap();
        assert_eq!(line.inputs.len(), 2);
        assert!(line.inputs[0].has("an"));
        assert!(line.inputs[1].options.is_empty());
        assert_eq!(line.inputs[1].path, OsString::from("NAME.mp3"));
    }

    #[test]
    fn errors_use_ffmpeg_wording() {
        let e = parse(&args("-bogus 1 -i - o.mp4")).unwrap_err().to_string();
        assert!(e.starts_with("Unrecognized option 'bogus'"), "{e}");
        let e = parse(&args("-i")).unwrap_err().to_string();
        assert_eq!(e, "Missing argument for option 'i'.");
        let e = parse(&args("-i - a.mp4 b.mp4")).unwrap_err().to_string();
        assert!(e.contains("'a.mp4'") && e.contains("'b.mp4'"), "{e}");
    }

    #[test]
    fn trailing_options_are_kept_apart() {
        let line = parse(&args("-i - out.mp4 -crf 20")).unwrap();
        assert_eq!(names(&line.trailing), ["-crf"]);
        let line = parse(&args("-i - -crf 20")).unwrap();
        assert!(line.output.is_none());
        assert_eq!(names(&line.trailing), ["-crf"]);
    }

    #[test]
    fn a_lone_dash_is_a_path() {
        let line = parse(&args("-i - -f mp4 -")).unwrap();
        assert_eq!(line.output.unwrap().path, OsString::from("-"));
    }

    #[test]
    fn probes_are_global() {
        let line = parse(&args("-hide_banner -encoders")).unwrap();
        assert!(line.has_global("encoders") && line.has_global("hide_banner"));
        assert!(line.inputs.is_empty() && line.output.is_none());
    }
}
