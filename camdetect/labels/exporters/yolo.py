"""YOLO (ultralytics) folder from the tag table: data.yaml, labels/<key>.txt, images/<key>.

Class order = the taxonomy's ``detector_classes`` followed by the remaining types (so "unknown"
boxes survive an export; drop that class when training). Every image of the table gets a label
file, empty for negatives. With ``--images DIR`` the pixels are copied (hard-linked when possible)
into images/; without it, ``image_sizes.csv`` records each image's size so the folder can still be
re-imported.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from camdetect.durable import atomic_write_text, link_or_copy
from camdetect.records import Tag
from camdetect.taxonomy import Taxonomy

from ..importers.yolo import SIZES_FILE
from .common import ExportResult, group_images


def class_names(taxonomy: Taxonomy) -> list[str]:
    return list(taxonomy.detector_classes) + [t for t in taxonomy.types if t not in taxonomy.detector_classes]


def yolo_line(class_id: int, box: tuple[float, float, float, float] | list[float], width: float,
              height: float) -> str:
    """One ultralytics label line, ``class cx cy w h`` normalised to the image size, six decimals: the
    one formatter for every YOLO label camdetect writes (this exporter, dataset build, render composites)."""
    x1, y1, x2, y2 = box
    return (f"{class_id} {(x1 + x2) / 2 / width:.6f} {(y1 + y2) / 2 / height:.6f} {(x2 - x1) / width:.6f} "
            f"{(y2 - y1) / height:.6f}")


def yolo_boxes(path: Path, width: float, height: float) -> list[tuple[int, tuple[float, float, float, float]]]:
    """(class id, xyxy in pixels) of every line of a label file :func:`yolo_line` wrote (its inverse); [] when
    the file is missing (an image without labels)."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 5:
            continue
        c, cx, cy, w, h = int(parts[0]), *(float(v) for v in parts[1:])
        out.append((c, ((cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height)))
    return out


def write_yolo_labels(path: Path, lines: list[str]) -> None:
    """A YOLO label file (one line each, newline-terminated; empty for an image without boxes), atomically."""
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def write(tags: list[Tag], out: Path, *, taxonomy: Taxonomy, images: Path | None = None, **_: object) -> ExportResult:
    out = Path(out)
    result = ExportResult("yolo", str(out))
    entries = group_images(tags, images, result)
    names = class_names(taxonomy)
    index = {name: i for i, name in enumerate(names)}
    sizes = io.StringIO()
    writer = csv.writer(sizes)
    writer.writerow(["image", "width", "height"])
    splits = set()
    for entry in entries:
        lines = []
        for tag in entry.tags:
            box = (max(tag.x1, 0.0), max(tag.y1, 0.0), min(tag.x2, float(entry.width)), min(tag.y2, float(entry.height)))
            lines.append(yolo_line(index.get(tag.type, index['unknown']), box, entry.width, entry.height))
        key = Path(entry.key)
        write_yolo_labels(out / "labels" / key.with_suffix(".txt"), lines)
        writer.writerow([entry.key, entry.width, entry.height])
        if len(key.parts) > 1:
            splits.add(key.parts[0])
        if images is not None:
            src = images / entry.key
            if src.is_file():
                link_or_copy(src, out / "images" / entry.key)
            else:
                result.counts["images not found in --images"] += 1
    atomic_write_text(out / SIZES_FILE, sizes.getvalue())
    data = {"path": str(out.resolve()), "names": dict(enumerate(names))}
    for split, folders in (("train", ("train",)), ("val", ("val", "valid")), ("test", ("test",))):
        found = next((f for f in folders if f in splits), None)
        if found:
            data[split] = f"images/{found}"
    data.setdefault("train", "images")
    data.setdefault("val", data["train"])
    atomic_write_text(out / "data.yaml", yaml.safe_dump(data, sort_keys=False))
    return result
