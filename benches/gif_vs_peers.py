#!/usr/bin/env python3
"""framecast-gif against Debian's ffmpeg (palettegen + paletteuse) and gifski, side by side in one run.

The three clips of crates/gif/README.md (a 480x270 pan over a corpus photo, a 640x480
matplotlib-like RGBA plot, a 333x187 moving gradient; 60 frames at 30 fps) are written once as
raw files by the framecast-gif `measure` example, so every encoder reads identical pixels
(gifski reads them as PNG files, written beforehand and not timed).

Per clip and encoder: mean and min per-frame RGB PSNR against the source (every GIF decoded by
ffmpeg to RGBA, composited, one frame per source frame), bytes, wall time and CPU time (user +
system over all threads; each the best of --runs rounds over all encoders), and bytes and wall
time relative to ffmpeg.
Wall time decides the goals; CPU time is printed because it varies less on a loaded machine.

Encoders: framecast at defaults, with each dither and in Oklab; ffmpeg
`-filter_complex "split[a][b];[a]palettegen[p];[b][p]paletteuse"` (its defaults); gifski at its
default quality (90); and a sweep of framecast's quality knob.

Goals of issue 6, checked at the end:
  1. framecast at defaults has higher PSNR than ffmpeg, fewer bytes and less time, every clip;
  2. framecast is at least 3x faster than gifski at gifski-level PSNR per byte. "At gifski-level
     PSNR per byte" means: the framecast sweep point with the fewest bytes among those whose mean
     PSNR is at least gifski's; it must also have no more bytes than gifski (so its PSNR per byte
     is at least gifski's), and gifski's time divided by its time is the speed-up.

ffmpeg and gifski are peers for comparison, never part of the product. gifski is AGPL: install
it for the benchmark only (`cargo install gifski --root /tmp/gifski`), then put its bin folder on
PATH or set GIFSKI to the binary; without it, its rows and goal 2 are reported as missing.

Usage: python3 benches/gif_vs_peers.py [--runs 3] [--sweep 100,95,...] [--gifski-sweep 70,50]
                                      [--keep DIR]
       (build first: cargo build --release -p framecast-gif --example measure; set MEASURE_BIN
       when CARGO_TARGET_DIR is not ./target and not exported)
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
MEASURE = Path(os.environ.get("MEASURE_BIN", TARGET / "release" / "examples" / "measure"))
FPS = 30
SWEEP = "100,95,90,85,80,75,70,65,60,50"


def find_gifski():
    """The gifski binary from GIFSKI or PATH, or None."""
    env = os.environ.get("GIFSKI")
    if env:
        return env if Path(env).is_file() else None
    return shutil.which("gifski")


def timed(cmd, runs):
    """Best wall time and best CPU time (user + system, all threads) of `runs` runs of cmd, in
    seconds; raises on failure."""
    wall = cpu = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def psnr(clip, gif, work):
    """(mean, min) RGB PSNR of the GIF decoded by ffmpeg, frame by frame, against the raw source."""
    rgba = work / (gif.stem + ".rgba")
    with open(rgba, "wb") as out:
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-i", str(gif), "-fps_mode", "passthrough",
             "-f", "rawvideo", "-pix_fmt", "rgba", "-"],
            check=True, stdout=out,
        )
    res = subprocess.run(
        [str(MEASURE), "psnr", str(clip["raw"]), str(clip["w"]), str(clip["h"]), clip["fmt"], str(rgba)],
        check=True, capture_output=True, text=True,
    )
    rgba.unlink()
    mean, low = res.stdout.split()
    return float(mean), float(low)


def framecast(clip, out, *options):
    return [str(MEASURE), "encode", str(clip["raw"]), str(clip["w"]), str(clip["h"]), clip["fmt"],
            str(FPS), str(out), *options]


def encoders(clip, work, gifski, sweep, gifski_sweep):
    """(label, command, output path) per encoder."""
    raw, w, h, fmt, name = str(clip["raw"]), clip["w"], clip["h"], clip["fmt"], clip["name"]
    rows = []

    def add(label, tag, make):
        gif = work / f"{name}-{tag}.gif"
        rows.append((label, make(gif), gif))

    add("framecast", "fc", lambda g: framecast(clip, g))
    add("framecast dither=ordered", "fc-ordered", lambda g: framecast(clip, g, "dither=ordered"))
    add("framecast dither=diffusion", "fc-diffusion", lambda g: framecast(clip, g, "dither=diffusion"))
    add("framecast space=oklab", "fc-oklab", lambda g: framecast(clip, g, "space=oklab"))
    add("ffmpeg", "ffmpeg", lambda g: [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", fmt, "-s", f"{w}x{h}",
        "-r", str(FPS), "-i", raw, "-filter_complex", "split[a][b];[a]palettegen[p];[b][p]paletteuse",
        str(g)])
    if gifski:
        pngs = work / f"png-{name}"
        pngs.mkdir(exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", fmt,
             "-s", f"{w}x{h}", "-r", str(FPS), "-i", raw, str(pngs / "f%04d.png")],
            check=True,
        )
        frames = sorted(str(p) for p in pngs.glob("f*.png"))
        add("gifski", "gifski", lambda g: [gifski, "--quiet", "--fps", str(FPS), "-o", str(g)] + frames)
        for q in gifski_sweep:
            add(f"gifski quality={q}", f"gifski-q{q}", lambda g, q=q: [
                gifski, "--quiet", "--fps", str(FPS), "--quality", str(q), "-o", str(g)] + frames)
    for q in sweep:
        add(f"framecast quality={q}", f"fc-q{q}", lambda g, q=q: framecast(clip, g, f"quality={q}"))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed rounds over the encoders (best is kept)")
    ap.add_argument("--sweep", default=SWEEP, help="framecast qualities to sweep ('' for none)")
    ap.add_argument("--gifski-sweep", default="", help="extra gifski qualities, e.g. 70,50 (slow)")
    ap.add_argument("--keep", type=Path, help="keep raw clips and GIFs in this folder")
    args = ap.parse_args()
    if not MEASURE.exists():
        sys.exit(f"{MEASURE} missing: cargo build --release -p framecast-gif --example measure")
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg not found (apt-get install ffmpeg)")
    gifski = find_gifski()
    if gifski is None:
        print("MISSING: gifski not found (GIFSKI unset or wrong, and not on PATH); install it for the "
              "benchmark only with `cargo install gifski --root /tmp/gifski` and add /tmp/gifski/bin "
              "to PATH. Its rows and goal 2 are skipped.\n", file=sys.stderr)
    sweep = [int(q) for q in args.sweep.split(",") if q]
    gifski_sweep = [int(q) for q in args.gifski_sweep.split(",") if q]

    work = args.keep or Path(tempfile.mkdtemp(prefix="gif-vs-peers-"))
    work.mkdir(parents=True, exist_ok=True)
    listing = subprocess.run([str(MEASURE), "dump", str(work)], check=True, capture_output=True, text=True)
    clips = []
    for line in listing.stdout.splitlines():
        name, w, h, fmt, n = line.split()
        clips.append({"name": name, "w": int(w), "h": int(h), "fmt": fmt, "n": int(n),
                      "raw": work / f"{name}.raw"})

    versions = [subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]]
    if gifski:
        versions.append("gifski " + subprocess.run([gifski, "--version"], capture_output=True,
                                                   text=True).stdout.strip().split()[-1])
    print(f"runs: best of {args.runs}; {os.cpu_count()} logical CPUs; load average "
          f"{os.getloadavg()[0]:.1f} at start; {'; '.join(versions)}; ffmpeg decodes every GIF\n")
    rows = {}
    for clip in clips:
        label = f"{clip['name']} {clip['w']}x{clip['h']}x{clip['n']}"
        print(f"### {label}\n")
        print("| encoder | mean PSNR dB | min PSNR dB | bytes | wall s | CPU s | bytes / ffmpeg | wall / ffmpeg |")
        print("|---|---|---|---|---|---|---|---|")
        runs = encoders(clip, work, gifski, sweep, gifski_sweep)
        # Rounds over all encoders rather than all runs of one encoder in a row, so a burst of
        # load elsewhere hurts one run of each, not every run of one.
        wall = {name: float("inf") for name, _, _ in runs}
        cpu = dict(wall)
        for _ in range(args.runs):
            for name, cmd, _ in runs:
                w, c = timed(cmd, 1)
                wall[name] = min(wall[name], w)
                cpu[name] = min(cpu[name], c)
        for name, _, gif in runs:
            mean, low = psnr(clip, gif, work)
            rows[(clip["name"], name)] = (mean, low, gif.stat().st_size, wall[name], cpu[name])
        ff = rows[(clip["name"], "ffmpeg")]
        for name, _, _ in runs:
            m, lo, sz, w, c = rows[(clip["name"], name)]
            print(f"| {name} | {m:.2f} | {lo:.2f} | {sz} | {w:.2f} | {c:.2f} | {sz / ff[2]:.3f} "
                  f"| {w / ff[3]:.2f} |", flush=True)
        print()

    print("Goals (issue 6):")
    ok = True
    for clip in clips:
        c = clip["name"]
        fc, ff = rows[(c, "framecast")], rows[(c, "ffmpeg")]
        beat = fc[0] > ff[0] and fc[2] < ff[2] and fc[3] < ff[3]
        ok &= beat
        print(f"  {c}: defaults vs ffmpeg: PSNR {fc[0] - ff[0]:+.2f} dB, bytes {fc[2] / ff[2]:.3f}x, "
              f"wall {fc[3] / ff[3]:.2f}x (CPU {fc[4] / ff[4]:.2f}x) -> {'met' if beat else 'NOT met'}")
        if not gifski:
            print(f"  {c}: vs gifski: MISSING (gifski not installed)")
            continue
        gs = rows[(c, "gifski")]
        level = [(rows[(c, f"framecast quality={q}")], q) for q in sweep
                 if rows[(c, f"framecast quality={q}")][0] >= gs[0]]
        if not level:
            ok = False
            print(f"  {c}: vs gifski ({gs[0]:.2f} dB, {gs[2]} bytes): no swept quality reaches its PSNR -> NOT met")
            continue
        (m, _, size, secs, cpu), q = min(level, key=lambda r: r[0][2])
        speed = gs[3] / secs
        met = size <= gs[2] and speed >= 3
        ok &= met
        print(f"  {c}: vs gifski ({gs[0]:.2f} dB, {gs[2]} bytes, {gs[3]:.2f} s): framecast quality={q} "
              f"{m:.2f} dB, bytes {size / gs[2]:.3f}x, {speed:.1f}x faster (CPU {gs[4] / cpu:.1f}x) "
              f"-> {'met' if met else 'NOT met'}")
    if not args.keep:
        shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
