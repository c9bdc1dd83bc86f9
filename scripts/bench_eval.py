#!/usr/bin/env python
"""Benchmark camdetect.evaluate on generated sets: seconds per stage for N images.

Truth: ~1 small camera per view (two thirds of views empty, as in Decode Surveillance); predictions:
90% of cameras found with jitter, plus low-score false alarms, like a conf=0.001 model run.
Prints a table and writes JSON (default runs/bench/eval.json).

    python scripts/bench_eval.py --images 1000 10000
    python scripts/bench_eval.py --images 1000 --ceiling-city runs/city --manifest runs/city/manifest_test.csv
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


def ceiling(city: Path, manifest: Path, out: Path) -> dict:
    """Effort ceiling of a city: a perfect detector on the default view plan (every camera fully inside a
    view gets one suggestion per view, score 0.9), evaluated in panorama mode like the scorer's output."""
    import csv

    from camdetect.evaluate.panorama import load_panorama_truth, suggestions_on_panoramas
    from camdetect.geometry import ViewPlan, clip_box, pano_box_to_view_box, plan_views

    plan = ViewPlan.from_yaml(Path("configs/views/default.yaml"))
    truth, headings = load_panorama_truth(city / "truth" / "cameras.csv", manifest)
    with manifest.open(newline="") as fh:
        scored = {r["pano_id"] for r in csv.DictReader(fh)}
    rows: dict[str, list[dict]] = {t.image: [] for t in truth}
    for t in truth:
        for box, typ in zip(t.boxes, t.types):
            for v in plan_views(t.image, plan):
                b = pano_box_to_view_box(v, box, t.width, t.height, headings.get(t.image, 0.0))
                if b is None or clip_box(b, v.width, v.height)[1] < 0.99:
                    continue
                rows[t.image].append({"view_heading": v.heading, "view_pitch": v.pitch, "view_fov": v.fov,
                                      "image_width": v.width, "image_height": v.height, "x1": b[0], "y1": b[1],
                                      "x2": b[2], "y2": b[3], "score": 0.9, "type": typ})
    es = align(truth, suggestions_on_panoramas(rows, truth, headings, CLASSES), CLASSES)
    result, objects = evaluate(es, TYPES, MOUNTS, meta={"model": "perfect detector (ceiling)", "data": str(city),
                                                         "split": f"panoramas in {manifest.name}"})
    write_report(result, objects, out.parent / "eval_ceiling")
    at = {t["target_recall"]: t for t in result["effort"]["at_targets"]}
    return {"panoramas": len(scored), "cameras": result["meta"]["n_physical_cameras"],
            "suggestions": result["meta"]["n_predictions"], "mAP50": round(result["coco"]["mAP50"], 4),
            "suggestions_per_intersection": round(at[0.95]["suggestions_per_intersection"], 3),
            "saved_at_95": round(at[0.95]["saved"], 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--out", type=Path, default=Path("runs/bench/eval.json"))
    ap.add_argument("--ceiling-city", type=Path, help="City dir (camdetect synth): also report the effort ceiling")
    ap.add_argument("--manifest", type=Path, help="Panoramas for the ceiling (default CITY/manifest.csv)")
    args = ap.parse_args()
    if args.ceiling_city:
        c = ceiling(args.ceiling_city, args.manifest or args.ceiling_city / "manifest.csv", args.out)
        print("| " + " | ".join(c) + " |\n|" + "---|" * len(c) + "\n| " + " | ".join(str(v) for v in c.values()) + " |")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name("eval_ceiling.json").write_text(json.dumps(c, indent=1) + "\n")
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
