"""What every exporter shares: grouping tags by image, image sizes, the result summary (files are
written with :mod:`camdetect.durable`)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from camdetect.records import Tag

from ..importers.common import image_size


@dataclass
class ImageEntry:
    """One image of the export: its size, the box tags on it and who saw it."""

    key: str
    width: int = 0
    height: int = 0
    tags: list[Tag] = field(default_factory=list)
    seen_by: set[str] = field(default_factory=set)
    intersection: str = ""
    view_heading: float = math.nan
    view_pitch: float = math.nan
    view_fov: float = math.nan


@dataclass
class ExportResult:
    fmt: str
    out: str
    n_images: int = 0
    n_boxes: int = 0
    counts: Counter = field(default_factory=Counter)

    def report(self) -> str:
        text = f"{self.fmt}: wrote {self.n_boxes} boxes on {self.n_images} images to {self.out}"
        if self.counts:
            text += "\nskipped/notes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return text


def has_box(tag: Tag) -> bool:
    return tag.kind == "tag" and all(math.isfinite(v) for v in tag.box) and tag.x2 > tag.x1 and tag.y2 > tag.y1


def group_images(tags: list[Tag], images_dir: Path | None, result: ExportResult,
                 keep_sizeless_negatives: bool = False) -> list[ImageEntry]:
    """Images in key order with their box tags; sizes from the table, else from ``images_dir``.

    Point tags (Decoders) have no box on an image and are counted, not exported: make boxes first
    (consensus / dataset build with the size prior). Images whose size stays unknown are skipped,
    unless they carry no box and ``keep_sizeless_negatives`` (a Label Studio task needs no size).
    """
    entries: dict[str, ImageEntry] = {}
    for tag in tags:
        entry = entries.setdefault(tag.image, ImageEntry(tag.image))
        if tag.image_width > 0 and tag.image_height > 0 and not entry.width:
            entry.width, entry.height = tag.image_width, tag.image_height
        entry.intersection = entry.intersection or tag.intersection
        for name in ("view_heading", "view_pitch", "view_fov"):
            if math.isnan(getattr(entry, name)) and not math.isnan(getattr(tag, name)) and not tag.is_point:
                setattr(entry, name, getattr(tag, name))
        entry.seen_by.add(tag.annotator)
        if has_box(tag):
            entry.tags.append(tag)
        elif tag.kind == "tag":
            result.counts["point tags (no box)" if tag.is_point else "tags without a valid box"] += 1
    out = []
    for key in sorted(entries):
        entry = entries[key]
        if not key or Path(key).is_absolute() or ".." in Path(key).parts:
            result.counts["unsafe image keys (absolute or ..)"] += 1  # would write outside OUT
            continue
        if (not entry.width or not entry.height) and images_dir is not None:
            path = images_dir / key
            if path.is_file():
                entry.width, entry.height = image_size(path)
        if not entry.width or not entry.height:
            if entry.tags:
                result.counts["images without a size"] += 1
                result.counts["boxes on images without a size"] += len(entry.tags)
                continue
            if not keep_sizeless_negatives:
                result.counts["images without a size or box"] += 1
                continue
        out.append(entry)
    result.n_images = len(out)
    result.n_boxes = sum(len(e.tags) for e in out)
    return out


def r2(value: float) -> float:
    return round(float(value), 3)
