#!/usr/bin/env python
"""How well a verifier separates cameras from the rest among a detector's own candidates on a labelled dataset's
val split (composites), by box size, against the detector's score alone and the fused score (docs/training.md,
"A second look"). Labelled the way ``camdetect verifier data`` labels crops.

    python scripts/verifier_auc.py --data runs/ds/vcomp --model runs/export/v3/camdetect-v3.onnx \\
        --verifier runs/verifier/v3adam/verifier.onnx --out runs/verifier/v3adam/auc.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = ((0, 12), (12, 24), (24, 48), (48, None))


def roc_auc(y: np.ndarray, s: np.ndarray) -> float | None:
    """Mann-Whitney ROC AUC (ties count half); None without both classes."""
    from scipy.stats import rankdata

    n1 = int(y.sum())
    n0 = len(y) - n1
    if not n1 or not n0:
        return None
    return float((rankdata(s)[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main(argv: list[str] | None = None) -> int:
    import cv2

    from camdetect.labels.exporters.yolo import yolo_boxes
    from camdetect.scoring.detector import OnnxDetector
    from camdetect.verifier.data import VerifierDataOptions, dataset_images, label_candidates
    from camdetect.verifier.model import Verifier, fuse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="labelled ultralytics dataset (its val split is used)")
    ap.add_argument("--model", type=Path, required=True, help="ONNX detector")
    ap.add_argument("--verifier", type=Path, required=True, help="verifier ONNX")
    ap.add_argument("--conf", type=float, default=0.05, help="detector floor for candidates")
    ap.add_argument("--out", type=Path, help="write the table as JSON")
    args = ap.parse_args(argv)
    for p in (args.model, args.verifier):
        if not p.is_file():
            print(f"error: {p}: not found", file=sys.stderr)
            return 2
    det, ver = OnnxDetector(args.model, threads=1), Verifier(args.verifier, threads=1)
    opts = VerifierDataOptions(conf=args.conf)
    y, s, p, side = [], [], [], []
    for split, img_path, lbl in dataset_images(args.data):
        if split != "val":
            continue
        img = cv2.imread(str(img_path), cv2.IMREAD_COLOR)
        h, w = img.shape[:2]
        truth = np.array([b for _, b in yolo_boxes(lbl, w, h)], np.float32).reshape(-1, 4)
        d = det.predict([img], conf=args.conf)[0]
        pos, neg = label_candidates(d.xyxy, d.scores, truth, opts)
        idx = pos + neg
        if not idx:
            continue
        p += list(ver.p_camera(img, d.xyxy[idx]))
        y += [i in pos for i in idx]
        s += [float(d.scores[i]) for i in idx]
        side += [float(max(d.xyxy[i][2] - d.xyxy[i][0], d.xyxy[i][3] - d.xyxy[i][1])) for i in idx]
    y, s, p, side = np.array(y, bool), np.array(s), np.array(p), np.array(side)
    rows = []
    print("| candidate side (px) | candidates | cameras | AUC detector | AUC verifier | AUC fused |")
    print("|---|---|---|---|---|---|")
    for lo, hi in (*SIZES, (0, None)):
        m = (side >= lo) & (side < (hi if hi is not None else np.inf))
        row = {"side": [lo, hi], "n": int(m.sum()), "cameras": int(y[m].sum()), "detector": roc_auc(y[m], s[m]),
               "verifier": roc_auc(y[m], p[m]), "fused": roc_auc(y[m], fuse(s[m], p[m], ver.weight))}
        rows.append(row)
        f = (lambda v: "n/a" if v is None else f"{v:.3f}")
        label = "all" if (lo, hi) == (0, None) else f"{lo}-{hi if hi is not None else ''}"
        print(f"| {label} | {row['n']} | {row['cameras']} | {f(row['detector'])} | {f(row['verifier'])} | {f(row['fused'])} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
