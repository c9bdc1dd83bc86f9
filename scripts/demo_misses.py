"""Per truth camera of a `camdetect demo` run's final half: type, mount, size, and each round's best-IoU suggestion.

Which cameras every round misses, and whether a miss is a box that does not fit (IoU < 0.5 but > 0) or nothing at all
(docs/demo.md, "A camera no view showed"). Reads OUT/city, OUT/baseline (round 0), OUT/eval (round 1) and OUT/round2.

    python scripts/demo_misses.py runs/demo
"""

from __future__ import annotations

import argparse
from pathlib import Path

from camdetect.evaluate.panorama import load_panorama_truth, read_suggestion_rows, suggestions_on_panoramas
from camdetect.geometry.overlap import box_iou

ROUNDS = {"r0": "baseline/score/suggestions.jsonl", "r1": "eval/score/suggestions.jsonl",
          "r2": "round2/score/suggestions.jsonl"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo", type=Path, help="the demo's --out folder")
    ap.add_argument("--classes", default="dome,bullet,alpr")
    args = ap.parse_args()
    d = args.demo
    truths, headings = load_panorama_truth(d / "city/truth/cameras.csv", d / "city/manifest_final.csv")
    classes = tuple(args.classes.split(","))
    preds = {k: {p.image: p for p in suggestions_on_panoramas(read_suggestion_rows(d / rel), truths, headings, classes)}
             for k, rel in ROUNDS.items() if (d / rel).exists()}
    print("| camera | type | mount | w x h px | " + " | ".join(f"{k}: score at IoU >= 0.5 (best IoU)" for k in preds) + " |")
    print("|---" * (4 + len(preds)) + "|")
    for t in truths:
        for j, b in enumerate(t.boxes):
            cells = [t.camera_ids[j], t.types[j], t.mounts[j], f"{b[2] - b[0]:.0f} x {b[3] - b[1]:.0f}"]
            for p in (P.get(t.image) for P in preds.values()):
                if p is None or p.dets is None or not len(p.dets):
                    cells.append("-")
                    continue
                iou = box_iou(b[None], p.dets.xyxy)[0]
                hit = iou >= 0.5
                cells.append(f"{p.dets.scores[hit].max() if hit.any() else 0:.3f} ({iou.max():.2f})")
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
