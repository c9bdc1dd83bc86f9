"""The scoring manifest of one dataset split: score and evaluate whole held-out panoramas.

A dataset split holds only some views (and tiles) of each intersection; the scorer and the panorama
evaluation want whole panoramas. This selects the manifest rows of the intersections in the split, so "held
out" means the same intersections for training, scoring and evaluation.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

from camdetect.durable import write_csv


def filter_csv(src: str | os.PathLike, dst: str | os.PathLike, keep: Callable[[dict], bool],
               require: tuple[str, ...] = (), hint: str = "") -> int:
    """Copy the rows of CSV ``src`` for which ``keep(row)`` is true to ``dst`` (same header, written
    atomically); returns the number kept. A missing ``require`` column is a ValueError naming ``src``
    (``hint`` appended)."""
    src, dst = Path(src), Path(dst)
    with open(src, newline="") as f:
        reader = csv.DictReader(f)
        names = reader.fieldnames or []
        missing = [c for c in require if c not in names]
        if missing:
            raise ValueError(f"{src}: no {', '.join(missing)} column{hint}")
        rows = [r for r in reader if keep(r)]
    return write_csv(dst, rows, list(names))


def split_manifest(dataset: str | os.PathLike, manifest: str | os.PathLike, out: str | os.PathLike,
                   split: str = "test") -> int:
    """Write the rows of ``manifest`` whose intersection is in ``split`` of ``dataset`` to ``out`` (atomically);
    returns the number of rows. The split is the dataset's ``splits.csv`` (every intersection), else, for a
    dataset built before it existed, its ``views.csv`` (intersections with kept views only: an intersection
    whose views were all dropped, e.g. negatives sampled away, would be missing, and two datasets of one city
    built with other labels would be measured on different panoramas). ``out`` must sit beside ``manifest``
    when its image paths are relative (they are relative to the manifest's folder)."""
    from camdetect.dataset.splits import splits_file

    splits, manifest, out = splits_file(Path(dataset)), Path(manifest), Path(out)
    for path in (splits, manifest):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: not found")
    with open(splits, newline="") as f:
        held = {r["intersection"] for r in csv.DictReader(f) if r.get("split") == split}
    if not held:
        raise ValueError(f"{splits}: no intersections in the {split!r} split")
    return filter_csv(manifest, out, lambda r: r["intersection_id"] in held, require=("intersection_id",),
                      hint=" (a CSV scoring manifest is needed)")
