#!/usr/bin/env python3
"""Summarise the latest `cargo bench --bench color` run as a Markdown table with ratios.

Reads criterion's estimates under target/criterion/rgb_to_i420 (the "new" result of each id, i.e.
the last run) and prints, per size and format: the median time per frame of every framecast
backend, the yuv crate, dcv-color-primitives and memcpy; the ratio yuv crate / best framecast
backend (>= 1.0 means framecast is at least as fast) and best framecast / memcpy (<= 2.0 is the
target). Usage: cargo bench --bench color && python3 benches/color_table.py
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion" / "rgb_to_i420"
if not root.is_dir():
    sys.exit(f"no criterion results in {root}; run `cargo bench --bench color` first")

results = {}  # (size, fmt) -> {name: ns}
for bench in root.glob("*/new/benchmark.json"):
    meta = json.loads(bench.read_text())
    est = json.loads((bench.parent / "estimates.json").read_text())
    parts = meta["function_id"].split("/")
    name = "/".join(parts[:-2])  # framecast/avx2, yuv_crate, dcv, memcpy
    size, fmt = parts[-2], parts[-1]
    results.setdefault((size, fmt), {})[name] = est["median"]["point_estimate"]

backends = sorted({n for r in results.values() for n in r if n.startswith("framecast/")},
                  key=lambda n: ["scalar", "sse41", "avx2", "avx512", "neon", "simd128"].index(n.split("/")[1])
                  if n.split("/")[1] in ["scalar", "sse41", "avx2", "avx512", "neon", "simd128"] else 99)
cols = backends + ["yuv_crate", "dcv", "memcpy"]
fmt_us = lambda ns: f"{ns / 1000:.0f}" if ns is not None else "-"
print("| size | format | " + " | ".join(c.replace("framecast/", "") for c in cols) + " | yuv / best | best / memcpy |")
print("|" + "---|" * (len(cols) + 4))
def order(key):
    size, fmt = key
    w, h = map(int, size.split("x"))
    return (-w * h, ["rgb24", "rgba", "bgr24", "bgra"].index(fmt) if fmt in ["rgb24", "rgba", "bgr24", "bgra"] else 9)
for key in sorted(results, key=order):
    r = results[key]
    best = min((r[b], b) for b in backends if b in r)
    yuv = r.get("yuv_crate")
    mem = r.get("memcpy")
    ratio = f"{yuv / best[0]:.2f}" if yuv else "-"
    to_mem = f"{best[0] / mem:.2f}" if mem else "-"
    print(f"| {key[0]} | {key[1]} | " + " | ".join(fmt_us(r.get(c)) for c in cols) + f" | {ratio} ({best[1].split('/')[1]}) | {to_mem} |")
print("\nTimes are criterion medians in µs per frame (RGB -> I420, BT.709 limited, one thread).")
