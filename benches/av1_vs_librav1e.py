#!/usr/bin/env python3
"""framecast's AV1 against Debian's ffmpeg + librav1e, side by side in one run.

Both read the same raw RGB frames (a pan over a corpus photo) from one file and convert to YUV
themselves; both run rav1e at the same speed preset in constant-quantizer mode. Reported per
case: wall time, fps, CPU time (user + system, from wait4: the work done, which a loaded
machine does not inflate the way it inflates wall time), bytes, PSNR-Y (ffmpeg's psnr filter
against the source in BT.601 limited yuv420p) and peak RSS.

Part 1, the short clip (--frames, default 60 frames of 1280x720), one rav1e context:
  - framecast at its default quality 23 (rav1e quantizer 115) and ffmpeg -qp 115: the same
    quantizer. Debian's librav1e is rav1e 0.5.1, framecast's is 0.8.1: at one quantizer 0.8
    spends more bits on the key frame and gains about 0.5 dB, so the same quantizer is not the
    same quality.
  - framecast at quality 25 (quantizer 125), and framecast's bytes interpolated (log-linearly
    between quality 23 and 25) at ffmpeg's PSNR: the comparison at equal quality.
  - framecast with one thread (one tile): the work of the clip; half its wall time is what a
    perfect split over two cores would take, so ffmpeg's time over that half is the ceiling
    any two-core framecast can reach on this clip with rav1e 0.8 at this speed.
  - keyframe interval 30 on both sides (framecast --keyint 30 --workers 2 --threads 1, ffmpeg
    -g 30): the same key frames, so GOP workers cost no extra key frame.
  GOP-parallel workers do not help this clip at the default keyframe interval: a second chunk
  needs a second key frame.

Part 2, GOP scaling on a long clip (--long-frames, default 240 frames; keyframe interval
--long-frames / 2, so two closed GOPs of 4 s at 30 fps, the same for every case):
  - one context, one thread (1 tile);
  - one context, two threads (rav1e's own threading: 2 tiles);
  - --workers 2 --threads 1: two contexts of one thread, one chunk (= one keyframe interval)
    each, in parallel: the same key frames and tiles as the first case, so the same bytes;
  - --workers 0: the automatic policy proposed as the default (one worker per core within a
    memory budget; chunk 0 gets every thread and its tiles, later chunks share them);
  - --workers 2 --threads 1 at quality 25, for the bytes at equal quality;
  - ffmpeg librav1e with the same keyframe interval.
  Then the ratios against ffmpeg and the scaling of workers against rav1e's threads.

ffmpeg is a peer for comparison and the source generator here, never part of the product.

Usage: python3 benches/av1_vs_librav1e.py [--frames 60] [--long-frames 240] [--size 1280x720]
                                          [--speed 10] [--runs 1]
       (build first: cargo build --release; FRAMECAST_BIN overrides the binary; needs ffmpeg
       with librav1e and ../shared/corpus)
"""

import argparse
import math
import os
import sys
import tempfile
import time
import subprocess
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from h264_vs_x264 import FRAMECAST, PHOTO, make_source, psnr_y, vm_hwm_kib  # noqa: E402

QP = 115  # framecast's default quality 23 is rav1e quantizer 23 * 5


def run_measured(cmd):
    """Runs cmd; returns (wall s, CPU s of the child, peak RSS MiB of the child).

    Peak RSS is the child's VmHWM polled from /proc (ru_maxrss from wait4 counts the parent's
    pages in a child forked from this process until it execs); CPU time is wait4's rusage.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kib = 0
    while True:
        peak_kib = max(peak_kib, vm_hwm_kib(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.005)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024.0


def framecast(src, out, w, h, speed, *extra):
    return [str(FRAMECAST), "encode", "-i", str(src), "--size", f"{w}x{h}", "--fps", "30",
            "--codec", "av1", "--speed", str(speed), "--quiet", *extra, "-o", str(out)]


def ffmpeg(src, out, w, h, speed, *extra):
    return ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{w}x{h}", "-r", "30", "-i", str(src), "-c:v", "librav1e",
            "-speed", str(speed), "-qp", str(QP), *extra, "-pix_fmt", "yuv420p", str(out)]


def measure(tmp, src, frames, w, h, runs, cases):
    """Runs each case (the fastest of `runs` kept); returns rows of dicts."""
    rows = []
    for i, (name, cmd) in enumerate(cases):
        out = tmp / f"out{i}.mp4"
        best = None
        for _ in range(runs):
            if out.exists():
                out.unlink()
            r = run_measured(cmd(src, out))
            if best is None or r[0] < best[0]:
                best = r
        wall, cpu, rss = best
        rows.append({"name": name, "wall": wall, "cpu": cpu, "bytes": out.stat().st_size,
                     "psnr": psnr_y(out, src, w, h), "rss": rss, "frames": frames})
    return rows


def table(rows):
    print("| case | wall s | fps | CPU s | bytes | PSNR-Y dB | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['wall']:.2f} | {r['frames'] / r['wall']:.1f} | {r['cpu']:.2f} "
              f"| {r['bytes']} | {r['psnr']:.2f} | {r['rss']:.0f} |")


def vs(r, ff):
    return (f"{r['name']}: {ff['wall'] / r['wall']:.2f}x ffmpeg's speed "
            f"({ff['cpu'] / r['cpu']:.2f}x less CPU), PSNR {r['psnr'] - ff['psnr']:+.2f} dB, "
            f"bytes {100 * (r['bytes'] / ff['bytes'] - 1):+.1f}%, "
            f"peak RSS {r['rss']:.0f} vs {ff['rss']:.0f} MiB")


def bytes_at(psnr, a, b):
    """Bytes at `psnr` on the log-linear line through rows a and b (PSNR, bytes)."""
    if abs(a["psnr"] - b["psnr"]) < 1e-9:
        return float("nan")
    t = (psnr - a["psnr"]) / (b["psnr"] - a["psnr"])
    return math.exp(math.log(a["bytes"]) * (1 - t) + math.log(b["bytes"]) * t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=60, help="frames of the short clip")
    ap.add_argument("--long-frames", type=int, default=240,
                    help="frames of the GOP-scaling clip (0 skips part 2)")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--speed", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1, help="runs per case; the fastest is kept")
    args = ap.parse_args()
    if not FRAMECAST.exists():
        sys.exit(f"{FRAMECAST} is missing: run cargo build --release first")
    if not PHOTO.exists():
        sys.exit(f"{PHOTO} is missing: the shared corpus must be beside the repository")
    w, h = (int(v) for v in args.size.split("x"))
    sp = args.speed
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
          f"rav1e speed {sp}; {w}x{h} at 30 fps")
    with tempfile.TemporaryDirectory(prefix="framecast-av1-bench-") as t:
        tmp = Path(t)
        src = tmp / "short.rgb"
        make_source(src, w, h, args.frames)
        short = measure(tmp, src, args.frames, w, h, args.runs, [
            ("framecast, 1 context, quality 23 (q 115)",
             lambda s, o: framecast(s, o, w, h, sp)),
            ("framecast, 1 context, quality 25 (q 125)",
             lambda s, o: framecast(s, o, w, h, sp, "--quality", "25")),
            (f"ffmpeg librav1e -qp {QP}", lambda s, o: ffmpeg(s, o, w, h, sp)),
            ("framecast, 1 context, --threads 1 (1 tile)",
             lambda s, o: framecast(s, o, w, h, sp, "--threads", "1")),
            ("framecast --keyint 30 --workers 2 --threads 1",
             lambda s, o: framecast(s, o, w, h, sp, "--keyint", "30", "--workers", "2",
                                    "--threads", "1")),
            (f"ffmpeg librav1e -qp {QP} -g 30", lambda s, o: ffmpeg(s, o, w, h, sp, "-g", "30")),
        ])
        src.unlink()
        print(f"\n## Short clip: {args.frames} frames, one context, threads from the cores\n")
        table(short)
        q23, q25, ff, single, k30, ff30 = short
        print()
        for r in (q23, q25):
            print(vs(r, ff))
        eq = bytes_at(ff["psnr"], q23, q25)
        print(f"framecast bytes at ffmpeg's PSNR-Y {ff['psnr']:.2f} dB (log-linear between "
              f"quality 23 and 25): {eq:.0f}, {100 * (eq / ff['bytes'] - 1):+.1f}% vs ffmpeg")
        ideal = single["wall"] / 2
        print(f"ceiling: one thread takes {single['wall']:.2f} s ({single['cpu']:.2f} s CPU); a "
              f"perfect two-core split would take {ideal:.2f} s = {ff['wall'] / ideal:.2f}x "
              f"ffmpeg's speed; rav1e's tiles reach {single['wall'] / q23['wall']:.2f}x of "
              f"one thread (the ceiling's 2.00x)")
        print(vs(k30, ff30) + " (both with a key frame every 30 frames)")

        if args.long_frames > 0:
            n = args.long_frames
            k = max(1, n // 2)
            src = tmp / "long.rgb"
            make_source(src, w, h, n)
            key = ("--keyint", str(k))
            long = measure(tmp, src, n, w, h, args.runs, [
                ("framecast --workers 1 --threads 1 (1 tile)",
                 lambda s, o: framecast(s, o, w, h, sp, *key, "--workers", "1",
                                        "--threads", "1")),
                ("framecast --workers 1 --threads 2 (rav1e threads, 2 tiles)",
                 lambda s, o: framecast(s, o, w, h, sp, *key, "--workers", "1",
                                        "--threads", "2")),
                (f"framecast --workers 2 --threads 1 (2 chunks of {k}, 1 tile each)",
                 lambda s, o: framecast(s, o, w, h, sp, *key, "--workers", "2",
                                        "--threads", "1")),
                ("framecast --workers 0 (auto: chunk 0 all threads, later chunks share)",
                 lambda s, o: framecast(s, o, w, h, sp, *key, "--workers", "0")),
                ("framecast --workers 2 --threads 1, quality 25 (q 125)",
                 lambda s, o: framecast(s, o, w, h, sp, *key, "--workers", "2",
                                        "--threads", "1", "--quality", "25")),
                (f"ffmpeg librav1e -qp {QP} -g {k}", lambda s, o: ffmpeg(s, o, w, h, sp, "-g", str(k))),
            ])
            print(f"\n## GOP scaling: {n} frames, keyframe interval {k} in every case\n")
            table(long)
            one, tiles, workers, auto, workers25, ff = long
            print()
            for r in (one, tiles, workers, auto, workers25):
                print(vs(r, ff))
            eq = bytes_at(ff["psnr"], workers, workers25)
            print(f"framecast bytes at ffmpeg's PSNR-Y {ff['psnr']:.2f} dB (log-linear between "
                  f"quality 23 and 25, 1 tile): {eq:.0f}, {100 * (eq / ff['bytes'] - 1):+.1f}% vs ffmpeg")
            for r in (tiles, workers, auto):
                print(f"{r['name']}: {one['wall'] / r['wall']:.2f}x the speed of one thread, "
                      f"{one['cpu'] / r['cpu']:.2f}x its CPU efficiency, "
                      f"bytes {100 * (r['bytes'] / one['bytes'] - 1):+.1f}%")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
