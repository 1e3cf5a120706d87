//! The ffmpeg-compatible front's parser and planner on arbitrary argument lists: every argv
//! becomes a plan, a probe or an error, never a panic. The modules are the binary's own
//! (crates/cli/ffmpeg/{parse,values,plan}.rs), compiled into this target by path; the input is
//! split into arguments at NUL bytes, so arguments can hold spaces, `-`, `=` and any UTF-8 (or
//! invalid UTF-8, which the parser must refuse cleanly).
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "the binary's modules, of which only the planner is driven here")]
#[path = "../../crates/cli/args.rs"]
mod args;

// At the crate root, as siblings: `super::parse` in plan.rs and values.rs finds them there.
#[allow(dead_code, reason = "the binary's modules, of which only the planner is driven here")]
#[path = "../../crates/cli/ffmpeg/parse.rs"]
mod parse;
#[allow(dead_code, reason = "the binary's modules, of which only the planner is driven here")]
#[path = "../../crates/cli/ffmpeg/plan.rs"]
mod plan;
#[allow(dead_code, reason = "the binary's modules, of which only the planner is driven here")]
#[path = "../../crates/cli/ffmpeg/values.rs"]
mod values;

fuzz_target!(|data: &[u8]| {
    let argv: Vec<OsString> = data
        .split(|&b| b == 0)
        .take(64)
        .map(|a| OsString::from_vec(a.to_vec()))
        .collect();
    if let Ok(line) = parse::parse(&argv) {
        let _ = plan::plan(&line, argv.is_empty());
    }
});
