//! `framecast probe`'s parsers on arbitrary bytes: framecast-mux's MP4 inspector (strict and
//! lenient, with the avcC/av1C/colr records of sample entries) and the AV1 sequence header
//! reader of IVF temporal units (the binary's crates/cli/probe/av1.rs, compiled in by path).
//! Every input becomes a report or an error, never a panic; reports must also format.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "the binary's module, of which only the parser is driven here")]
#[path = "../../crates/cli/probe/av1.rs"]
mod av1;

fuzz_target!(|data: &[u8]| {
    for report in [
        framecast_mux::inspect::inspect(Cursor::new(data)),
        framecast_mux::inspect::inspect_lenient(Cursor::new(data)),
    ]
    .into_iter()
    .flatten()
    {
        let _ = report.to_string();
    }
    if let Ok(Some(header)) = av1::first_sequence_header(data) {
        let _ = header.to_string();
    }
});
