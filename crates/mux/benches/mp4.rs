//! MP4 writer benches.
//!
//! - `mp4/fragmented/1080p30/<minutes>min`: fragmented writing of 1080p30-sized packets (a
//!   keyframe of 250 KB every 2 s, 30 KB otherwise: about 8 Mbit/s) to `io::sink`, throughput in
//!   sample bytes. Before criterion runs, the peak resident set (VmHWM) is printed after writing
//!   1, 10 and 60 minutes in a row: it stays flat because memory is bounded by one fragment.
//! - `mp4/faststart/finish/<MiB>`: `FaststartWriter::finish` on a file whose `mdat` is already
//!   written (the in-place relocation of `moov` dominates), against `mp4/faststart/fs_copy/<MiB>`,
//!   a `std::fs::copy` of a file of the same size (reading and writing every byte once, as the
//!   relocation does), and `mp4/faststart/block_copy/<MiB>`, the relocation's own I/O pattern
//!   (1 MiB blocks read and written over an existing file). Files live in `$FRAMECAST_BENCH_DIR` or the temp directory.
//!
//! `cargo bench -p framecast-mux --bench mp4` (add a filter such as `-- faststart`).

use std::fs::OpenOptions;
use std::hint::black_box;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use framecast_core::{Codec, CodecConfig, ColorSpec, Packet, Rational};
use framecast_mux::mp4::{Mp4Builder, Mp4Sink, VideoTrack};

const KEY_BYTES: usize = 250_000;
const DELTA_BYTES: usize = 30_000;
const GOP: i64 = 60;

fn config() -> CodecConfig {
    let avcc = vec![
        1, 0x64, 0, 0x28, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x28, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80,
    ];
    CodecConfig::new(
        Codec::H264,
        1920,
        1080,
        Rational::new(1001, 30000).expect("valid"),
        ColorSpec::default(),
        avcc,
    )
}

/// Writes `frames` synthetic 1080p30 packets through `sink`, reusing one buffer.
fn feed<S: Mp4Sink>(sink: &mut S, track: framecast_mux::mp4::TrackId, frames: i64) -> u64 {
    let mut packet = Packet {
        data: vec![0x5A; KEY_BYTES],
        ..Packet::default()
    };
    let mut bytes = 0;
    for i in 0..frames {
        let key = i % GOP == 0;
        packet
            .data
            .resize(if key { KEY_BYTES } else { DELTA_BYTES }, 0x5A);
        packet.pts = i;
        packet.dts = i;
        packet.duration = 1;
        packet.keyframe = key;
        sink.write_video(track, &packet).expect("write");
        bytes += packet.data.len() as u64;
    }
    bytes
}

fn frames_for(minutes: i64) -> i64 {
    minutes * 60 * 30000 / 1001
}

fn fragmented(minutes: i64) -> u64 {
    let mut b = Mp4Builder::new();
    let v = b.add_video(VideoTrack::new(config())).expect("track");
    let mut w = b.fragmented(std::io::sink()).expect("writer");
    let bytes = feed(&mut w, v, frames_for(minutes));
    w.finish().expect("finish");
    bytes
}

/// Peak resident set size in KiB, from /proc (Linux only).
fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn report_peak_memory() {
    let mut err = std::io::stderr();
    let Some(before) = vm_hwm_kib() else {
        let _ = err.write_all(b"SKIP: peak memory report needs /proc/self/status\n");
        return;
    };
    let _ = writeln!(
        err,
        "fragmented 1080p30, peak RSS (VmHWM) before: {} KiB",
        before
    );
    for minutes in [1, 10, 60] {
        let t = Instant::now();
        let bytes = fragmented(minutes);
        let secs = t.elapsed().as_secs_f64();
        let _ = writeln!(
            err,
            "fragmented 1080p30 {minutes:>2} min: {:.2} GB in {secs:.2} s ({:.2} GB/s), peak RSS {} KiB",
            bytes as f64 / 1e9,
            bytes as f64 / 1e9 / secs,
            vm_hwm_kib().unwrap_or(0)
        );
    }
}

fn bench_fragmented(c: &mut Criterion) {
    let mut g = c.benchmark_group("mp4/fragmented/1080p30");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for minutes in [1, 10] {
        let bytes = (0..frames_for(minutes))
            .map(|i| if i % GOP == 0 { KEY_BYTES } else { DELTA_BYTES } as u64)
            .sum();
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function(format!("{minutes}min"), |b| {
            b.iter(|| black_box(fragmented(minutes)))
        });
    }
    g.finish();
}

fn bench_dir() -> PathBuf {
    std::env::var_os("FRAMECAST_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from)
}

fn bench_faststart(c: &mut Criterion) {
    const MIB: u64 = 256;
    let dir = bench_dir();
    let path = dir.join(format!(
        "framecast-bench-faststart-{}.mp4",
        std::process::id()
    ));
    let copy_src = dir.join(format!(
        "framecast-bench-copy-src-{}.bin",
        std::process::id()
    ));
    let copy_dst = dir.join(format!(
        "framecast-bench-copy-dst-{}.bin",
        std::process::id()
    ));
    let frames = i64::try_from(MIB * (1 << 20) / DELTA_BYTES as u64).expect("fits");

    let mut g = c.benchmark_group("mp4/faststart");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Bytes(MIB << 20));
    g.bench_function(format!("finish/{MIB}MiB"), |b| {
        b.iter_batched(
            || {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)
                    .expect("bench file");
                let mut bld = Mp4Builder::new();
                let v = bld.add_video(VideoTrack::new(config())).expect("track");
                let mut w = bld.faststart(file).expect("writer");
                feed(&mut w, v, frames);
                w
            },
            |w| black_box(w.finish().expect("finish")),
            BatchSize::PerIteration,
        );
    });
    let size = std::fs::metadata(&path)
        .map(|m| m.len())
        .unwrap_or(MIB << 20);
    std::fs::write(
        &copy_src,
        vec![0x5Au8; usize::try_from(size).expect("fits")],
    )
    .expect("copy source");
    g.bench_function(format!("fs_copy/{MIB}MiB"), |b| {
        b.iter(|| black_box(std::fs::copy(&copy_src, &copy_dst).expect("copy")));
    });
    // The same I/O pattern as the relocation without the moov: 1 MiB blocks read from one file
    // and written over an existing file of the same size (no block allocation, no truncation).
    g.bench_function(format!("block_copy/{MIB}MiB"), |b| {
        let mut buf = vec![0u8; framecast_mux::mp4::RELOCATION_BLOCK];
        b.iter(|| {
            let mut src = std::fs::File::open(&copy_src).expect("open");
            let mut dst = OpenOptions::new()
                .write(true)
                .open(&copy_dst)
                .expect("open");
            loop {
                let n = src.read(&mut buf).expect("read");
                if n == 0 {
                    break;
                }
                dst.write_all(&buf[..n]).expect("write");
            }
            dst.flush().expect("flush");
            black_box(&dst);
        });
    });
    g.finish();
    for p in [path, copy_src, copy_dst] {
        let _ = std::fs::remove_file(p);
    }
}

criterion_group!(benches, bench_fragmented, bench_faststart);

fn main() {
    report_peak_memory();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
