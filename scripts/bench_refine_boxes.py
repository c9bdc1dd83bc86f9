#!/usr/bin/env python
"""How well crowd camera boxes fit the truth, before and after `camdetect labels refine-boxes` (synthetic city).

Per camera table: cameras, how many match a truth camera (within 3 deg, as the consensus is scored), the share
whose box overlaps its truth camera at IoU >= 0.5 / 0.3 (unmatched cameras count as 0) and the median IoU, each
box drawn in a 48 deg view centred on the truth camera. Prints a markdown table and writes JSON.

    python scripts/bench_refine_boxes.py --truth runs/bench/crowd300/s2_consensus/city/truth/cameras.csv \\
        --tables majority=runs/bench/crowd300/s2_consensus/labels/cameras.csv \\
                 majority-refined=runs/bench/crowd300/s2_consensus-refined/labels/cameras_refined.csv \\
        --out runs/bench/refine_boxes
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.cli_args import named_path
from camdetect.dataset.sources import load_cameras
from camdetect.durable import atomic_write_json, atomic_write_text
from camdetect.labels.box_refine import iou_with_truth
from camdetect.labels.evaluate_consensus import score_cameras


def measure(name: str, path: Path, truth: list) -> dict:
    cams = load_cameras(path)
    iou = iou_with_truth(cams, truth)
    score = score_cameras(name, cams, truth, sorted({c.image for c in truth} | {c.image for c in cams}))
    return {"table": name, "path": str(path), "cameras": len(cams), "matched": score.tp,
            "iou_ge_0.5": float(np.mean(iou >= 0.5)) if len(iou) else None,
            "iou_ge_0.3": float(np.mean(iou >= 0.3)) if len(iou) else None,
            "median_iou": float(np.median(iou)) if len(iou) else None}


def table(rows: list[dict]) -> str:
    lines = ["| camera table | cameras | matched a truth camera | IoU >= 0.5 | IoU >= 0.3 | median IoU |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['table']} | {r['cameras']} | {r['matched']} | {r['iou_ge_0.5']:.2f} | "
                     f"{r['iou_ge_0.3']:.2f} | {r['median_iou']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", type=Path, required=True, help="the city's truth/cameras.csv")
    ap.add_argument("--tables", nargs="+", required=True, type=named_path, metavar="NAME=CSV", help="camera tables to measure")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "refine_boxes")
    a = ap.parse_args()
    truth = load_cameras(a.truth)
    rows = []
    for name, path in a.tables:
        rows.append(measure(name, path, truth))
    text = table(rows)
    print(text)
    a.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(a.out / "refine_boxes.json", {"truth": str(a.truth), "rows": rows})
    atomic_write_text(a.out / "refine_boxes.md", text + "\n")
    print(f"written {a.out / 'refine_boxes.json'}, {a.out / 'refine_boxes.md'}")


if __name__ == "__main__":
    main()
