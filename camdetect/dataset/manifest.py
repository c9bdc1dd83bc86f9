"""The scoring manifest of one dataset split: score and evaluate whole held-out panoramas.

A dataset split holds only some views (and tiles) of each intersection; the scorer and the panorama
evaluation want whole panoramas. This selects the manifest rows of the intersections whose views are
in the split, so "held out" means the same intersections for training, scoring and evaluation.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path


def split_manifest(dataset: str | os.PathLike, manifest: str | os.PathLike, out: str | os.PathLike,
                   split: str = "test") -> int:
    """Write the rows of ``manifest`` whose intersection has views in ``split`` of ``dataset`` to ``out``
    (atomically); returns the number of rows. ``out`` must sit beside ``manifest`` when its image paths
    are relative (they are relative to the manifest's folder)."""
    views, manifest, out = Path(dataset) / "views.csv", Path(manifest), Path(out)
    for path in (views, manifest):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: not found")
    with open(views, newline="") as f:
        held = {r["intersection"] for r in csv.DictReader(f) if r.get("split") == split}
    if not held:
        raise ValueError(f"{views}: no views in the {split!r} split")
    with open(manifest, newline="") as f:
        reader = csv.DictReader(f)
        names = reader.fieldnames or []
        if "intersection_id" not in names:
            raise ValueError(f"{manifest}: no intersection_id column (a CSV scoring manifest is needed)")
        rows = [r for r in reader if r["intersection_id"] in held]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=names)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, out)
    return len(rows)
