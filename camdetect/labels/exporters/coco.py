"""COCO detection JSON from the tag table: one category per taxonomy type, attributes for the rest.

``bbox`` is [x, y, w, h] in pixels. Mount, annotator and the weak flag go into per-annotation
``attributes`` (the place CVAT uses), ``score`` is written for predictions, and each image lists
``seen_by`` (who looked at it) so a COCO round trip keeps consensus information.
"""

from __future__ import annotations

import math
from pathlib import Path

from camdetect.durable import atomic_write_json
from camdetect.records import Tag
from camdetect.taxonomy import Taxonomy

from .common import ExportResult, group_images, r2


def write(tags: list[Tag], out: Path, *, taxonomy: Taxonomy, images: Path | None = None, **_: object) -> ExportResult:
    result = ExportResult("coco", str(out))
    entries = group_images(tags, images, result)
    cat_ids = {name: i for i, name in enumerate(taxonomy.types, start=1)}
    doc: dict = {
        "info": {"description": "camdetect tag table export", "version": "1.0"},
        "licenses": [],
        "categories": [{"id": i, "name": name, "supercategory": "camera"} for name, i in cat_ids.items()],
        "images": [],
        "annotations": [],
    }
    ann_id = 0
    for image_id, entry in enumerate(entries, start=1):
        img = {"id": image_id, "file_name": entry.key, "width": entry.width, "height": entry.height,
               "seen_by": sorted(entry.seen_by)}
        if entry.intersection:
            img["intersection"] = entry.intersection
        for name in ("view_heading", "view_pitch", "view_fov"):
            if not math.isnan(getattr(entry, name)):
                img[name] = getattr(entry, name)
        doc["images"].append(img)
        for tag in entry.tags:
            ann_id += 1
            w, h = tag.x2 - tag.x1, tag.y2 - tag.y1
            ann = {"id": ann_id, "image_id": image_id, "category_id": cat_ids.get(tag.type, cat_ids["unknown"]),
                   "bbox": [r2(tag.x1), r2(tag.y1), r2(w), r2(h)], "area": r2(w * h), "iscrowd": 0,
                   "attributes": {"mount": tag.mount, "mount_detail": tag.mount_detail,
                                  "annotator": tag.annotator, "weak": bool(tag.weak)}}
            if not math.isnan(tag.score):
                ann["score"] = round(float(tag.score), 5)
            doc["annotations"].append(ann)
    atomic_write_json(Path(out), doc)
    return result
