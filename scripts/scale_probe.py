"""How a model scores one object of a photo as the crop around it grows: a square crop of side S centred on the
point (shifted to stay inside the photo), resized to the model's input as `render composite` resizes a background
crop, and the best suggestion whose centre lies within --radius px of the point. It shows at which scales a
model has learnt that a real object is (not) a camera: the scorer's native tiles are side = input size, the
composites shrink most background crops 1-4x.

    python scripts/scale_probe.py --image ../shared/data/street-backgrounds/panoramax_tsi/stra_1_2_yaw022.jpg \
        --point 1122 124 --model wide-e23=runs/export/wide-e23/camdetect-wide-e23.onnx \
        --model v2=models/camdetect-default.onnx --out runs/probe/stra_1_2_lamp.json

Prints a table (side, shrink factor, one score per model) and writes it as JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from camdetect.cli_args import named_path
from camdetect.durable import atomic_write_json
from camdetect.render.composite import fit_square
from camdetect.scoring.detector import OnnxDetector

SIDES = (160, 240, 320, 480, 640, 960, 1280, 1600)


def crop_at(img: np.ndarray, cx: float, cy: float, side: int) -> tuple[np.ndarray, int, int]:
    """The square crop of ``side`` (capped at the short side) centred on (cx, cy) as far as the photo allows."""
    H, W = img.shape[:2]
    side = min(side, H, W)
    x0 = int(np.clip(round(cx - side / 2), 0, W - side))
    y0 = int(np.clip(round(cy - side / 2), 0, H - side))
    return img[y0:y0 + side, x0:x0 + side], x0, y0


def score_near(det: OnnxDetector, crop: np.ndarray, x0: int, y0: int, cx: float, cy: float, radius: float) -> float:
    """The best score of a suggestion (conf >= 0.01) centred within ``radius`` px of the point, in photo pixels."""
    side, size = crop.shape[0], det.imgsz[0]
    dets = det.predict([fit_square(crop, size)], conf=0.01)[0]
    best = 0.0
    for (x1, y1, x2, y2), s in zip(dets.xyxy * (side / size), dets.scores):
        if abs(x0 + (x1 + x2) / 2 - cx) <= radius and abs(y0 + (y1 + y2) / 2 - cy) <= radius:
            best = max(best, float(s))
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", type=Path, required=True)
    ap.add_argument("--point", type=float, nargs=2, required=True, metavar=("X", "Y"), help="photo pixels")
    ap.add_argument("--model", action="append", required=True, type=named_path, help="NAME=ONNX (repeatable)")
    ap.add_argument("--sides", type=int, nargs="+", default=list(SIDES))
    ap.add_argument("--radius", type=float, default=40.0)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    img = cv2.imread(str(a.image), cv2.IMREAD_COLOR)
    if img is None:
        sys.exit(f"error: {a.image}: not a readable image")
    cx, cy = a.point
    if not (0 <= cx < img.shape[1] and 0 <= cy < img.shape[0]):
        sys.exit(f"error: {a.image}: point {cx:g},{cy:g} is outside the {img.shape[1]}x{img.shape[0]} photo")
    models = {}
    for name, path in a.model:
        models[name] = OnnxDetector(str(path), threads=1)
    rows, size = [], next(iter(models.values())).imgsz[0]  # the shrink column is against the first model's input
    for side in sorted({min(s, *img.shape[:2]) for s in a.sides}):
        crop, x0, y0 = crop_at(img, cx, cy, side)
        rows.append({"side": side, "shrink": round(side / size, 2),
                     **{n: round(score_near(m, crop, x0, y0, cx, cy, a.radius), 3) for n, m in models.items()}})
    print("| crop side (px) | shrink | " + " | ".join(models) + " |")
    print("|---|---|" + "---|" * len(models))
    for r in rows:
        print(f"| {r['side']} | {r['shrink']:g}x | " + " | ".join(f"{r[n]:.3f}" for n in models) + " |")
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(a.out, {"image": str(a.image), "point": [cx, cy], "radius": a.radius,
                                  "models": {n: str(m.path) for n, m in models.items()}, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
