#!/usr/bin/env python3
"""framecast-gif against Debian's ffmpeg (palettegen + paletteuse) and gifski, side by side in one run.

The three clips of crates/gif/README.md (a 480x270 pan over a corpus photo, a 640x480
matplotlib-like RGBA plot, a 333x187 moving gradient; 60 frames at 30 fps) are written once as
raw files by the framecast-gif `measure` example, so every encoder reads identical pixels.
Reported per clip and encoder: mean and min per-frame RGB PSNR against the source (every GIF
decoded by ffmpeg to RGBA, one frame per GIF image), bytes, wall time (best of --runs).
Then the goals of issue 6: at defaults, framecast has higher PSNR than ffmpeg at fewer bytes in
less time on every clip, and is at least 3x faster than gifski.

ffmpeg and gifski are peers for comparison, never part of the product (gifski is AGPL: install it
for the benchmark only, `cargo install gifski`; without it its rows are skipped).

Usage: python3 benches/gif_vs_peers.py [--runs 2] [--keep DIR]
       (build first: cargo build --release -p framecast-gif --example measure; set MEASURE_BIN
       when CARGO_TARGET_DIR is not ./target)
"""

import argparse
import os
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


def timed(cmd, runs):
    """Best wall time of `runs` runs of cmd (seconds); raises on failure."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


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


def encoders(clip, work, have_gifski):
    """(name, command, output path) per encoder, all at default settings."""
    raw, w, h, fmt = str(clip["raw"]), clip["w"], clip["h"], clip["fmt"]
    name = clip["name"]
    out = {k: work / f"{k}-{name}.gif" for k in ("framecast", "ffmpeg", "gifski")}
    cmds = [
        ("framecast", [str(MEASURE), "encode", raw, str(w), str(h), fmt, str(FPS), str(out["framecast"])]),
        ("ffmpeg", ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", fmt,
                    "-s", f"{w}x{h}", "-r", str(FPS), "-i", raw, "-filter_complex",
                    "split[a][b];[a]palettegen[p];[b][p]paletteuse", str(out["ffmpeg"])]),
    ]
    if have_gifski:
        # gifski reads PNG files; writing them is not timed.
        pngs = work / f"png-{name}"
        pngs.mkdir(exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", fmt,
             "-s", f"{w}x{h}", "-r", str(FPS), "-i", raw, str(pngs / "f%04d.png")],
            check=True,
        )
        frames = sorted(str(p) for p in pngs.glob("f*.png"))
        cmds.append(("gifski", ["gifski", "--quiet", "--fps", str(FPS), "-o", str(out["gifski"])] + frames))
    return [(n, c, out[n]) for n, c in cmds]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep raw clips and GIFs in this folder")
    args = ap.parse_args()
    if not MEASURE.exists():
        sys.exit(f"{MEASURE} missing: cargo build --release -p framecast-gif --example measure")
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg not found (apt-get install ffmpeg)")
    have_gifski = shutil.which("gifski") is not None
    if not have_gifski:
        print("SKIP: gifski not found (cargo install gifski), its rows are missing", file=sys.stderr)

    work = args.keep or Path(tempfile.mkdtemp(prefix="gif-vs-peers-"))
    work.mkdir(parents=True, exist_ok=True)
    listing = subprocess.run([str(MEASURE), "dump", str(work)], check=True, capture_output=True, text=True)
    clips = []
    for line in listing.stdout.splitlines():
        name, w, h, fmt, n = line.split()
        clips.append({"name": name, "w": int(w), "h": int(h), "fmt": fmt, "n": int(n),
                      "raw": work / f"{name}.raw"})

    rows = {}
    print(f"runs: best of {args.runs}; {os.cpu_count()} logical CPUs; ffmpeg decodes every GIF\n")
    print("| clip | encoder | mean PSNR dB | min PSNR dB | bytes | wall s |")
    print("|---|---|---|---|---|---|")
    for clip in clips:
        for name, cmd, gif in encoders(clip, work, have_gifski):
            secs = timed(cmd, args.runs)
            mean, low = psnr(clip, gif, work)
            size = gif.stat().st_size
            rows[(clip["name"], name)] = (mean, low, size, secs)
            label = f"{clip['name']} {clip['w']}x{clip['h']}x{clip['n']}"
            print(f"| {label} | {name} | {mean:.2f} | {low:.2f} | {size} | {secs:.2f} |", flush=True)

    print("\nGoals (issue 6):")
    ok = True
    for clip in clips:
        fc = rows[(clip["name"], "framecast")]
        ff = rows[(clip["name"], "ffmpeg")]
        beat = fc[0] > ff[0] and fc[2] < ff[2] and fc[3] < ff[3]
        ok &= beat
        print(f"  {clip['name']}: vs ffmpeg PSNR {fc[0] - ff[0]:+.2f} dB, bytes {fc[2] / ff[2]:.3f}x, "
              f"time {fc[3] / ff[3]:.2f}x -> {'met' if beat else 'NOT met'}")
        if have_gifski:
            gs = rows[(clip["name"], "gifski")]
            speed = gs[3] / fc[3]
            print(f"  {clip['name']}: vs gifski {speed:.1f}x faster, PSNR {fc[0] - gs[0]:+.2f} dB, "
                  f"bytes {fc[2] / gs[2]:.3f}x -> {'met' if speed >= 3 else 'NOT met'} (3x)")
    if not args.keep:
        shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
