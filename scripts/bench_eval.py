#!/usr/bin/env python
"""Benchmark camdetect.evaluate on generated sets: seconds per stage for N images.

Truth: ~1 small camera per view (two thirds of views empty, as in Decode Surveillance); predictions:
90% of cameras found with jitter, plus low-score false alarms, like a conf=0.001 model run.
Prints a table and writes JSON (default runs/bench/eval.json).

    python scripts/bench_eval.py --images 1000 10000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from camdetect.evaluate.attributes import confusions
from camdetect.evaluate.calibration import calibration
from camdetect.evaluate.coco_metrics import coco_metrics
from camdetect.evaluate.effort import effort_curve
from camdetect.evaluate.report import evaluate, write_report
from camdetect.evaluate.samples import ImagePrediction, ImageTruth, align
from camdetect.records import Detections

CLASSES = ("dome", "bullet")
TYPES = ("dome", "bullet", "unknown")
MOUNTS = ("street_furniture", "building", "other")


def make_set(n: int, seed: int = 0, fp_per_image: float = 8.0):
    rng = np.random.default_rng(seed)
    truths, preds = [], []
    for i in range(n):
        k = int(rng.poisson(1.0)) if rng.random() < 0.33 else 0
        xy = rng.uniform(0, 600, (k, 2))
        wh = rng.lognormal(np.log(9), 0.4, (k, 2))
        boxes = np.c_[xy, xy + wh]
        types = list(rng.choice(CLASSES, k))
        truths.append(ImageTruth(f"v{i}.jpg", f"int{i // 10}", 640, 640, boxes, types,
                                 list(rng.choice(["building", "street_furniture"], k, p=[0.87, 0.13]))))
        found = rng.random(k) < 0.9
        pb = boxes[found] + rng.normal(0, 1.0, (int(found.sum()), 4))
        m = int(rng.poisson(fp_per_image))
        fxy = rng.uniform(0, 600, (m, 2))
        fb = np.c_[fxy, fxy + rng.uniform(5, 20, (m, 2))]
        scores = np.r_[rng.beta(5, 2, len(pb)), rng.beta(1, 8, m)]
        ptypes = [t for t, f in zip(types, found) if f] + list(rng.choice(CLASSES, m))
        dets = Detections(np.r_[pb, fb].astype(np.float32), scores.astype(np.float32),
                          np.array([CLASSES.index(t) for t in ptypes], np.int64))
        preds.append(ImagePrediction(f"v{i}.jpg", dets, ptypes, None))
    return align(truths, preds, CLASSES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--out", type=Path, default=Path("runs/bench/eval.json"))
    args = ap.parse_args()
    rows = []
    for n in args.images:
        es = make_set(n)
        t = {}
        for name, fn, extra in (("coco", coco_metrics, ()), ("confusion", confusions, (TYPES, MOUNTS)),
                                ("calibration", calibration, ()), ("effort", effort_curve, ())):
            t0 = time.perf_counter()
            fn(es, *extra)
            t[name] = time.perf_counter() - t0
        t0 = time.perf_counter()
        result, objects = evaluate(es, TYPES, MOUNTS)
        write_report(result, objects, args.out.parent / f"eval_report_{n}")
        t["full_report"] = time.perf_counter() - t0
        rows.append({"images": n, "truth_boxes": result["meta"]["n_truth_boxes"],
                     "predictions": result["meta"]["n_predictions"], **{f"{k}_s": round(v, 3) for k, v in t.items()},
                     "mAP50": round(result["coco"]["mAP50"], 4)})
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"python": sys.version.split()[0], "machine": platform.machine(),
                                    "rows": rows}, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
