"""The dataset card (card.md + box_sizes.png) and dataset.json (options, counts, content hash).

The card answers what a reviewer of a trained model asks first: how many cameras of each class are in
each split, how small they are, how sure the volunteers were (agreement levels) and how many boxes are
guesses from a point (weak). The content hash goes into every training run's model card.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections import Counter
from pathlib import Path

import numpy as np

from camdetect.dataset.splits import SPLITS
from camdetect.durable import atomic_write_text, save_figure

HASHED_TABLES = ("data.yaml", "views.csv", "boxes.csv")


def dataset_hash(root: str | os.PathLike) -> str:
    """sha256 (first 16 hex) over data.yaml, views.csv, boxes.csv and every image and label file's bytes."""
    root = Path(root)
    h = hashlib.sha256()
    files = [root / n for n in HASHED_TABLES if (root / n).is_file()]
    for sub in ("images", "labels"):
        if (root / sub).is_dir():
            files += sorted(p for p in (root / sub).rglob("*") if p.is_file() and not p.name.endswith(".tmp"))
    for p in files:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(hashlib.sha1(p.read_bytes()).digest())
    return h.hexdigest()[:16]


def _options_dict(opts) -> dict:
    d = dataclasses.asdict(opts)
    return json.loads(json.dumps(d, default=str))


def _histogram_png(path: Path, sizes: dict[str, list[float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=110)
    allv = [v for vs in sizes.values() for v in vs]
    hi = max(allv) if allv else 64
    bins = np.geomspace(2, max(hi * 1.1, 8), 30)
    for split, vs in sizes.items():
        if vs:
            ax.hist(vs, bins=bins, histtype="step", linewidth=1.6, label=f"{split} (n={len(vs)})")
    for edge, label in ((16, "16 px"), (32, "32 px (COCO small)")):
        ax.axvline(edge, color="grey", linestyle=":", linewidth=1)
        ax.text(edge, ax.get_ylim()[1] * 0.95, label, fontsize=7, color="grey", ha="left", va="top")
    ax.set_xscale("log")
    ax.set_xlabel("box size sqrt(w x h), pixels of the training image")
    ax.set_ylabel("boxes")
    ax.set_title("Camera box sizes per split")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def summarize(items, class_names: list[str], class_of) -> dict:
    """Counts per split: images, positives, negatives, boxes per class, weak share, agreement, sizes."""
    out: dict = {"splits": {}}
    for split in SPLITS:
        its = [it for it in items if it.split == split]
        boxes = [b for it in its for b in it.boxes]
        per_class = Counter(class_names[class_of(b)] for b in boxes)
        cams = {b.camera_id: b for it in its for b in it.boxes}
        out["splits"][split] = {
            "images": len(its),
            "positive_images": sum(1 for it in its if it.boxes),
            "negative_images": sum(1 for it in its if not it.boxes),
            "groups": len({it.group for it in its}),
            "intersections": len({it.intersection for it in its}),
            "boxes": len(boxes),
            "cameras": len(cams),
            "boxes_per_class": {n: per_class.get(n, 0) for n in class_names},
            "mounts": dict(Counter(b.mount for b in boxes)),
            "weak_boxes": sum(1 for b in boxes if b.weak),
            "masked_boxes": int(sum(len(it.masked) for it in its)),
            "agreement": dict(Counter(c.agreement or "(not given)" for c in cams.values())),
            "box_size_px": [round(math.sqrt(max(0.0, (b.xyxy[2] - b.xyxy[0]) * (b.xyxy[3] - b.xyxy[1]))), 2)
                            for b in boxes],
        }
    return out


def write_card(out: Path, items, opts, tax, *, mode: str, warnings: list[str], command: str,
               sources: dict) -> dict:
    """Write card.md, box_sizes.png and dataset.json; return the dataset.json content."""
    from camdetect.dataset.build import class_index, class_names

    names = class_names(opts.classes, tax)
    stats = summarize(items, names, lambda b: class_index(b, opts.classes, tax))
    sizes = {s: stats["splits"][s].pop("box_size_px") for s in SPLITS}
    _histogram_png(out / "box_sizes.png", sizes)
    allsizes = np.array([v for vs in sizes.values() for v in vs]) if any(sizes.values()) else np.zeros(0)
    summary = {
        "mode": mode, "command": command, "sources": sources, "options": _options_dict(opts),
        "class_names": names, "taxonomy": tax.source, "hash": dataset_hash(out), "warnings": warnings,
        "box_size_px_percentiles": ({str(q): round(float(np.percentile(allsizes, q)), 2) for q in (10, 25, 50, 75, 90)}
                                    if allsizes.size else {}),
        **stats,
    }
    atomic_write_text(out / "dataset.json", json.dumps(summary, indent=2))

    sp = stats["splits"]
    lines = [f"# Dataset card: {out.name}", "",
             f"Built by `{command or 'camdetect dataset build'}` ({mode} mode). Content hash `{summary['hash']}`.", "",
             f"Detector classes ({opts.classes}): {', '.join(names)}. "
             + (f"Views: {opts.plan.n_headings} headings x {opts.plan.fov:g} deg FOV, pitch {opts.plan.pitch:g}"
                f"{opts.plan.upper_text()}, "
                f"{opts.plan.width}x{opts.plan.height} px" if mode == "panoramas" else "Photos used as they are")
             + (f"; tiles of {opts.tile} px ({opts.tile_overlap:.0%} overlap)" if opts.tile else "") + ".",
             f"Boxes with less than {opts.min_visible:.0%} of their area inside an image are greyed out, not labelled. "
             f"Negatives: {'all' if opts.negatives_ratio < 0 else f'{opts.negatives_ratio:g} per positive image'}. "
             + ("Splits grouped by " + (f"spatial block of {opts.split.block_m:g} m (intersection without coordinates)"
                                         if opts.split.block_m else "intersection") if mode == "panoramas"
                else "Splits grouped by source photo (Roboflow copies NAME_jpg.rf.HASH stay together)")
             + f", seed {opts.split.seed}.", "",
             "## Counts per split", "",
             "| | " + " | ".join(SPLITS) + " |", "|---|" + "---|" * len(SPLITS)]
    rows = [("images", "images"), ("positive images", "positive_images"), ("negative images", "negative_images"),
            ("split groups", "groups"), ("intersections / sources", "intersections"), ("cameras", "cameras"),
            ("boxes", "boxes"), ("weak (point-derived) boxes", "weak_boxes"), ("greyed-out partial boxes", "masked_boxes")]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(str(sp[s][key]) for s in SPLITS) + " |")
    for n in names:
        lines.append(f"| boxes: {n} | " + " | ".join(str(sp[s]["boxes_per_class"][n]) for s in SPLITS) + " |")
    for m in tax.mounts:
        lines.append(f"| boxes on mount {m} | " + " | ".join(str(sp[s]["mounts"].get(m, 0)) for s in SPLITS) + " |")
    total_boxes = sum(sp[s]["boxes"] for s in SPLITS)
    weak = sum(sp[s]["weak_boxes"] for s in SPLITS)
    lines += ["", f"Share of weak boxes: {weak}/{total_boxes} = {weak / max(total_boxes, 1):.1%}.", "",
              "## Agreement levels (consensus cameras per split)", "", "| agreement | " + " | ".join(SPLITS) + " |",
              "|---|" + "---|" * len(SPLITS)]
    levels = sorted({k for s in SPLITS for k in sp[s]["agreement"]})
    for lv in levels:
        lines.append(f"| {lv} | " + " | ".join(str(sp[s]["agreement"].get(lv, 0)) for s in SPLITS) + " |")
    pct = summary["box_size_px_percentiles"]
    lines += ["", "## Box sizes", "", "![box sizes](box_sizes.png)", "",
              "sqrt(w x h) in pixels, percentiles 10/25/50/75/90: "
              + (" / ".join(f"{v:g}" for v in pct.values()) if pct else "no boxes") + "."]
    if warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in warnings]
    (out / "card.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary
