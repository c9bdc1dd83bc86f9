#!/usr/bin/env python
"""Benchmark label import/export on the real third-party label sets in ../shared/data.

Imports Stanford meta.csv (3,155 views, 2,021 boxes) and the Open Images VOC set (2,400 XML files,
3,113 boxes), exports each tag table to COCO / YOLO / Label Studio and re-imports it, and reports
rows, boxes, clipped boxes, warnings, seconds and whether the round trip kept every box (to 0.01 px).
Prints a table and writes JSON.

    python scripts/bench_labels_io.py                 # -> runs/bench/labels_io.json
    python scripts/bench_labels_io.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.labels.exporters import export_labels
from camdetect.labels.importers import import_labels

SHARED = ROOT.parent / "shared" / "data"
SOURCES = [("stanford", SHARED / "stanford-surveilling-surveillance" / "meta.csv"),
           ("voc", SHARED / "open-images-cameras-voc")]


def _boxes(tags) -> Counter:
    return Counter((t.image, t.type, *(round(v, 2) for v in t.box)) for t in tags if t.kind == "tag")


def _best(fn, rounds: int):
    best, value = float("inf"), None
    for _ in range(rounds):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1, help="repeat each step, keep the fastest")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "labels_io.json")
    args = ap.parse_args()
    rows = []
    for fmt, src in SOURCES:
        if not src.exists():
            print(f"skip {fmt}: {src} not found")
            continue
        seconds, result = _best(lambda fmt=fmt, src=src: import_labels(fmt, src, strict=True), args.rounds)
        rows.append({"step": f"import {fmt}", "tags": result.n_tags, "seen": result.n_seen,
                     "clipped": result.counts.get("clipped boxes", 0), "warnings": result.warnings.total,
                     "seconds": round(seconds, 3), "round_trip_ok": ""})
        for out_fmt in ("coco", "yolo", "labelstudio"):
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / ("yolo" if out_fmt == "yolo" else "out.json")
                t_exp, _ = _best(lambda f=out_fmt, o=out, r=result: export_labels(f, r.tags, o), args.rounds)
                t_imp, back = _best(lambda f=out_fmt, o=out: import_labels(f, o, strict=True), args.rounds)
            rows.append({"step": f"{fmt} -> {out_fmt} -> import", "tags": back.n_tags, "seen": back.n_seen,
                         "clipped": back.counts.get("clipped boxes", 0), "warnings": back.warnings.total,
                         "seconds": round(t_exp + t_imp, 3),
                         "round_trip_ok": _boxes(back.tags) == _boxes(result.tags)})
    header = ["step", "tags", "seen", "clipped", "warnings", "seconds", "round_trip_ok"]
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in header] if rows else [len(h) for h in header]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(r[h]).ljust(w) for h, w in zip(header, widths)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                                    "rounds": args.rounds, "rows": rows}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
