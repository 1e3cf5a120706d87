#!/usr/bin/env python3
"""framecast's H.264 against Debian's ffmpeg + libx264 (veryfast, crf 23), side by side in one run.

Both encoders read the same raw RGB frames (a pan over a corpus photo, natural content) from
the same file and convert to YUV themselves. Reported per size: wall time, fps, bytes, PSNR-Y
(ffmpeg's psnr filter against the source converted to BT.601 limited yuv420p, the colour both
sides encode by default), peak RSS, and framecast's per-stage busy time (--timings). Then
framecast's peak RSS for 90 vs 900 frames, to a file and to a pipe (memory must not grow with
the number of frames).

ffmpeg is a peer for comparison and the source generator here, never part of the product.

Usage: python3 benches/h264_vs_x264.py [--frames 150] [--sizes 1280x720,1920x1080] [--runs 2]
       (build first: cargo build --release; needs ffmpeg with libx264 and ../shared/corpus)
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAMECAST = Path(os.environ.get("FRAMECAST_BIN", ROOT / "target" / "release" / "framecast"))
PHOTO = ROOT.parent / "shared" / "corpus" / "photos" / "kodak_kodim23.png"


def make_source(path, w, h, frames):
    """A pan across the photo scaled to 2x the frame, 4 px right and 2 px down per frame."""
    vf = (
        f"scale={2 * w}:{2 * h},"
        f"crop={w}:{h}:x='min(n*4,{w})':y='min(n*2,{h})'"
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(PHOTO), "-vf", vf,
         "-frames:v", str(frames), "-pix_fmt", "rgb24", "-f", "rawvideo", str(path)],
        check=True,
    )


def vm_hwm_kib(pid):
    """The peak RSS (VmHWM) of a running process in KiB from /proc; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0


def run_timed(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (wall seconds, peak RSS in MiB of the child, stderr text).

    Peak RSS is the child's VmHWM, polled from /proc while it runs (the high-water mark only
    grows, so the last reading is the peak up to a few ms before exit). ru_maxrss from wait4
    cannot be used: a child forked from this process counts the parent's pages until it execs.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    drained = []
    threads = [threading.Thread(target=lambda: drained.append(proc.stderr.read()))]
    if stdout == subprocess.PIPE:
        # The reader of a fragmented MP4 on stdout.
        threads.append(threading.Thread(target=lambda: [None for _ in iter(lambda: proc.stdout.read(1 << 16), b"")]))
    for t in threads:
        t.start()
    peak_kib = 0
    while proc.poll() is None:
        peak_kib = max(peak_kib, vm_hwm_kib(proc.pid))
        time.sleep(0.005)
    wall = time.perf_counter() - start
    for t in threads:
        t.join()
    err = drained[0].decode(errors="replace") if drained else ""
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{err}")
    return wall, peak_kib / 1024.0, err


def psnr_y(mp4, src, w, h):
    out = subprocess.run(
        ["ffmpeg", "-v", "info", "-nostats", "-i", str(mp4),
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-framerate", "30",
         "-i", str(src),
         # Frames are paired by index, not by timestamp.
         "-lavfi", "[0:v]settb=1/30,setpts=N,format=yuv420p[a];[1:v]settb=1/30,setpts=N,format=yuv420p[b];[a][b]psnr",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr
    m = re.search(r"PSNR y:([0-9.inf]+)", out)
    return float(m.group(1)) if m else float("nan")


def bench_size(tmp, w, h, frames, runs):
    src = tmp / f"src_{w}x{h}.rgb"
    make_source(src, w, h, frames)
    rows = []
    cases = {
        "framecast (default)": lambda out: [
            str(FRAMECAST), "encode", "-i", str(src), "--size", f"{w}x{h}", "--fps", "30",
            "--timings", "-o", str(out)],
        "ffmpeg libx264 veryfast crf 23": lambda out: [
            "ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{w}x{h}", "-r", "30", "-i", str(src), "-c:v", "libx264",
            "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", str(out)],
    }
    for name, cmd in cases.items():
        out = tmp / f"{name.split()[0]}_{w}x{h}.mp4"
        best = None
        for _ in range(runs):
            if out.exists():
                out.unlink()
            wall, rss, err = run_timed(cmd(out))
            if best is None or wall < best[0]:
                best = (wall, rss, err)
        wall, rss, err = best
        stages = re.search(r"busy time per stage.*", err)
        rows.append({
            "size": f"{w}x{h}", "encoder": name, "frames": frames, "wall_s": round(wall, 3),
            "fps": round(frames / wall, 1), "bytes": out.stat().st_size,
            "psnr_y": round(psnr_y(out, src, w, h), 2), "peak_rss_mib": round(rss, 1),
            "stages": stages.group(0) if stages else "",
        })
    return rows, src


def rss_growth(tmp, src, w, h, frames_in_src):
    """framecast's peak RSS for 90 and 900 frames, to a file and to a pipe."""
    frame = w * h * 3
    feeds = {}
    with open(src, "rb") as f:
        data = f.read(frame * min(frames_in_src, 90))
    for count in (90, 900):
        feed = tmp / f"feed_{count}.rgb"
        with open(feed, "wb") as f:
            for i in range(count):
                j = i % (len(data) // frame)
                f.write(data[j * frame:(j + 1) * frame])
        feeds[count] = feed
    # A forked child starts with this process's resident pages until it execs, and ru_maxrss
    # counts them: drop the frames before starting anything.
    del data
    results = {}
    for count, feed in feeds.items():
        for target in ("file", "pipe"):
            out = ["-o", str(tmp / f"rss_{count}.mp4")] if target == "file" else ["-o", "-"]
            cmd = [str(FRAMECAST), "encode", "--size", f"{w}x{h}", "--quiet", "-i", str(feed)] + out
            stdout = subprocess.PIPE if target == "pipe" else subprocess.DEVNULL
            _, rss, _ = run_timed(cmd, stdout=stdout)
            results[(count, target)] = rss
        feed.unlink()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument("--runs", type=int, default=2, help="runs per case; the fastest is kept")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not FRAMECAST.exists():
        sys.exit(f"{FRAMECAST} is missing: run cargo build --release first")
    if not PHOTO.exists():
        sys.exit(f"{PHOTO} is missing: the shared corpus must be beside the repository")
    rows = []
    with tempfile.TemporaryDirectory(prefix="framecast-bench-") as t:
        tmp = Path(t)
        last = None
        for size in args.sizes.split(","):
            w, h = (int(v) for v in size.split("x"))
            r, src = bench_size(tmp, w, h, args.frames, args.runs)
            rows += r
            if last is None:
                last = (src, w, h)
        rss = rss_growth(tmp, last[0], last[1], last[2], args.frames)
    if args.json:
        print(json.dumps({"rows": rows, "rss": {f"{k[0]}_{k[1]}": v for k, v in rss.items()}}, indent=1))
        return
    print(f"| size | encoder | wall s | fps | bytes | PSNR-Y dB | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['size']} | {r['encoder']} | {r['wall_s']} | {r['fps']} | {r['bytes']} | {r['psnr_y']} | {r['peak_rss_mib']} |")
    print()
    for size in {r["size"] for r in rows}:
        fc = next(r for r in rows if r["size"] == size and r["encoder"].startswith("framecast"))
        x = next(r for r in rows if r["size"] == size and r["encoder"].startswith("ffmpeg"))
        print(f"{size}: framecast/x264 wall-time ratio {fc['wall_s'] / x['wall_s']:.2f} "
              f"(below 1 = framecast faster), bytes ratio {fc['bytes'] / x['bytes']:.2f}")
        print(f"  framecast {fc['stages']}")
    print()
    w, h = last[1], last[2]
    for target in ("file", "pipe"):
        a, b = rss[(90, target)], rss[(900, target)]
        print(f"peak RSS {w}x{h} to a {target}: 90 frames {a:.1f} MiB, 900 frames {b:.1f} MiB "
              f"({100 * (b - a) / a:+.1f}%)")


if __name__ == "__main__":
    main()
