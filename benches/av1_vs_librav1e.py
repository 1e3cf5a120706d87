#!/usr/bin/env python3
"""framecast's AV1 against Debian's ffmpeg + librav1e, side by side in one run.

Both read the same raw RGB frames (a pan over a corpus photo) from one file and convert to YUV
themselves; both run rav1e at the same speed preset and the same constant quantizer
(framecast's default quality 23 is rav1e quantizer 115; ffmpeg gets -qp 115). Reported: wall
time, fps, bytes, PSNR-Y (ffmpeg's psnr filter against the source in BT.601 limited yuv420p)
and peak RSS, for framecast with one rav1e context (--workers 1, rav1e's own threads) and with
GOP-parallel workers (--workers 2, chunks of --keyint frames).

ffmpeg is a peer for comparison and the source generator here, never part of the product.

Usage: python3 benches/av1_vs_librav1e.py [--frames 60] [--size 1280x720] [--speed 10] [--runs 1]
       (build first: cargo build --release; needs ffmpeg with librav1e and ../shared/corpus)
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from h264_vs_x264 import FRAMECAST, PHOTO, make_source, psnr_y, run_timed  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--speed", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1, help="runs per case; the fastest is kept")
    args = ap.parse_args()
    if not FRAMECAST.exists():
        sys.exit(f"{FRAMECAST} is missing: run cargo build --release first")
    if not PHOTO.exists():
        sys.exit(f"{PHOTO} is missing: the shared corpus must be beside the repository")
    w, h = (int(v) for v in args.size.split("x"))
    half = max(1, args.frames // 2)
    cases = {
        "framecast av1 (1 context)": lambda src, out: [
            str(FRAMECAST), "encode", "-i", str(src), "--size", f"{w}x{h}", "--fps", "30",
            "--codec", "av1", "--speed", str(args.speed), "--quiet", "-o", str(out)],
        f"framecast av1 --workers 2 (chunks of {half})": lambda src, out: [
            str(FRAMECAST), "encode", "-i", str(src), "--size", f"{w}x{h}", "--fps", "30",
            "--codec", "av1", "--speed", str(args.speed), "--workers", "2",
            "--keyint", str(half), "--quiet", "-o", str(out)],
        "ffmpeg librav1e": lambda src, out: [
            "ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{w}x{h}", "-r", "30", "-i", str(src), "-c:v", "librav1e",
            "-speed", str(args.speed), "-qp", "115", "-pix_fmt", "yuv420p", str(out)],
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="framecast-av1-bench-") as t:
        tmp = Path(t)
        src = tmp / "src.rgb"
        make_source(src, w, h, args.frames)
        for i, (name, cmd) in enumerate(cases.items()):
            out = tmp / f"out{i}.mp4"
            best = None
            for _ in range(args.runs):
                if out.exists():
                    out.unlink()
                wall, rss, _ = run_timed(cmd(src, out))
                if best is None or wall < best[0]:
                    best = (wall, rss)
            rows.append((name, best[0], out.stat().st_size, psnr_y(out, src, w, h), best[1]))
    print(f"{args.frames} frames {w}x{h}, rav1e speed {args.speed}, quantizer 115")
    print("| encoder | wall s | fps | bytes | PSNR-Y dB | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for name, wall, size, psnr, rss in rows:
        print(f"| {name} | {wall:.2f} | {args.frames / wall:.1f} | {size} | {psnr:.2f} | {rss:.0f} |")
    ff = rows[-1]
    for name, wall, size, psnr, rss in rows[:-1]:
        print(f"{name}: {ff[1] / wall:.2f}x ffmpeg's speed, PSNR {psnr - ff[3]:+.2f} dB, "
              f"bytes {100 * (size / ff[2] - 1):+.1f}%, peak RSS {rss:.0f} vs {ff[4]:.0f} MiB")


if __name__ == "__main__":
    main()
