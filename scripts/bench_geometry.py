#!/usr/bin/env python
"""Benchmark panorama -> view cutting: views per second and peak memory on an 8192x4096 panorama.

Uses a real panorama from ../shared/data/panoramas when present, else a synthetic random one of the
same size. Cuts the default plan's 640x640 views cold (remap maps built) and warm (maps cached), with
and without anti-aliasing supersampling, and prints the camera-size table of the default plan against
Stanford's boxes (when ../shared/data is present). Prints tables and writes JSON.

    python scripts/bench_geometry.py                      # -> runs/bench/geometry.json
    python scripts/bench_geometry.py --pano my_pano.jpg --rounds 5
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.durable import atomic_write_text
from camdetect.geometry import ViewPlan, clear_map_cache, cut_view, plan_views, supersample_factor
from camdetect.geometry.report import (
    CANDIDATES,
    format_report,
    load_stanford_boxes,
    plan_report,
    stanford_path,
    stanford_summary,
)

PANO_DIR = stanford_path().parents[1] / "panoramas"  # ../shared/data/panoramas (or $CAMDETECT_SHARED_DATA)


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_now_mb() -> float:
    """Current resident set size (Linux /proc), MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def decode_times(path: Path, repeat: int = 3) -> dict:
    """Best-of-``repeat`` JPEG decode seconds at full size and at half size (IMREAD_REDUCED_COLOR_2)."""
    out = {}
    for name, flag in (("full", cv2.IMREAD_COLOR), ("half", cv2.IMREAD_REDUCED_COLOR_2)):
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            cv2.imread(str(path), flag)
            best = min(best, time.perf_counter() - t)
        out[name] = best
    return out


def load_pano(path: Path | None) -> tuple[np.ndarray, str, float]:
    if path is None:
        found = sorted(PANO_DIR.glob("*.jpg")) if PANO_DIR.is_dir() else []
        path = found[0] if found else None
    if path is None:
        rng = np.random.default_rng(0)
        return rng.integers(0, 255, (4096, 8192, 3), np.uint8), "synthetic 8192x4096 random", 0.0
    t = time.perf_counter()
    pano = cv2.imread(str(path))
    if pano is None:
        raise SystemExit(f"error: {path}: not a readable image")
    return pano, str(path), time.perf_counter() - t


def bench_cut(pano: np.ndarray, views, supersample: int | None, rounds: int) -> dict:
    """Cold: first pass with no cached maps. Warm: best and median of ``rounds`` passes (the machine is
    shared, so the best pass is the least disturbed one)."""
    clear_map_cache()
    t = time.perf_counter()
    for v in views:
        cut_view(pano, v, supersample=supersample)
    cold = time.perf_counter() - t
    passes = []
    for _ in range(rounds):
        t = time.perf_counter()
        for v in views:
            cut_view(pano, v, supersample=supersample)
        passes.append(time.perf_counter() - t)
    n = len(views)
    best, median = min(passes), float(np.median(passes))
    return {"supersample": supersample_factor(views[0], pano.shape[1]) if supersample is None else supersample,
            "cold_views_per_s": n / cold, "warm_views_per_s_best": n / best, "warm_views_per_s_median": n / median,
            "warm_ms_per_view_best": 1000 * best / n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pano", type=Path, default=None, help="panorama image (default: first real one, else synthetic)")
    ap.add_argument("--rounds", type=int, default=5, help="warm rounds over the plan's views")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "geometry.json")
    args = ap.parse_args()

    rss0 = rss_mb()
    pano, name, decode_s = load_pano(args.pano)
    rss_pano = rss_mb()
    plan = ViewPlan.from_yaml()
    views = plan_views("bench", plan)
    rows = []
    for label, ss in (("auto (anti-aliased)", None), ("1 (plain bilinear)", 1)):
        r = bench_cut(pano, views, ss, args.rounds)
        r["mode"] = label
        rows.append(r)
    ref = [cut_view(pano, v, supersample=4).astype(np.float32) for v in views[:3]]
    for r, ss in zip(rows, (None, 1)):  # fidelity: PSNR against a 4x supersampled reference
        mse = np.mean([np.mean((cut_view(pano, v, supersample=ss).astype(np.float32) - ref_i) ** 2)
                       for v, ref_i in zip(views[:3], ref)])
        r["psnr_vs_4x_db"] = float(10 * np.log10(255.0 ** 2 / mse))
    del ref
    rss_peak = rss_mb()
    rss_after = rss_now_mb()
    decode = decode_times(Path(name)) if Path(name).is_file() else {}

    print(f"panorama: {name} {pano.shape[1]}x{pano.shape[0]} (decode {decode_s:.2f} s); "
          f"{len(views)} views of {plan.width}x{plan.height}, fov {plan.fov:g}; cv2 threads {cv2.getNumThreads()}")
    print("| supersample | cold views/s (maps built) | warm views/s best (median) | warm ms/view best | PSNR vs 4x (dB) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['supersample']} {r['mode']} | {r['cold_views_per_s']:.1f} | {r['warm_views_per_s_best']:.1f} "
              f"({r['warm_views_per_s_median']:.1f}) | {r['warm_ms_per_view_best']:.1f} | {r['psnr_vs_4x_db']:.1f} |")
    print(f"peak RSS: {rss0:.0f} MB at start, {rss_pano:.0f} MB with the panorama decoded "
          f"({pano.nbytes / 1e6:.0f} MB of pixels), {rss_peak:.0f} MB after cutting; current RSS after cutting "
          f"{rss_after:.0f} MB")
    if decode:
        print(f"JPEG decode (best of 3): full {decode['full']:.2f} s, half size (IMREAD_REDUCED_COLOR_2) {decode['half']:.2f} s")

    result = {"panorama": name, "pano_shape": list(pano.shape), "decode_s": decode_s, "plan": plan.to_dict(),
              "cv2_threads": cv2.getNumThreads(), "cpu": platform.processor() or platform.machine(),
              "cut": rows, "decode_s_best": decode,
              "rss_mb": {"start": rss0, "with_pano_peak": rss_pano, "peak": rss_peak, "current_after_cut": rss_after}}

    meta = stanford_path()
    if meta.is_file():
        boxes = load_stanford_boxes(meta)
        plans = dict(CANDIDATES)
        rep = [plan_report(p, boxes, n) for n, p in plans.items()]
        summary = stanford_summary(boxes)
        print()
        print(format_report(rep, summary))
        result["stanford"] = summary
        result["plans"] = rep
    else:
        print(f"\n(no {meta}: camera-size table skipped)")

    atomic_write_text(args.out, json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
