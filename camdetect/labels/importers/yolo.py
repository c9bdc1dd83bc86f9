"""YOLO (ultralytics) folders: ``data.yaml`` names + ``labels/**/*.txt`` + ``images/**``.

Each label line is ``class cx cy w h`` normalised to the image (an optional 6th column is a score).
Pixel boxes need the image size, read from the image header under ``images/`` (same relative path
as the label file), or from ``image_sizes.csv`` (image,width,height) which our exporter writes when
it has no pixels to copy. The image key is the path relative to ``images/`` ("train/a.jpg"). Every
image under ``images/`` gives a ``seen`` row: in YOLO an image without a label file is a negative.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from camdetect.records import Tag

from .common import (
    IMAGE_EXTENSIONS,
    ImportContext,
    check_box,
    find_image,
    image_size,
    load_yaml,
    progress,
    read_text,
    short,
    to_float,
)

SIZES_FILE = "image_sizes.csv"


def _names(src: Path, ctx: ImportContext) -> list[str] | None:
    path = src / "data.yaml"
    if not path.is_file():
        classes = src / "classes.txt"
        if classes.is_file():
            return [line.strip() for line in read_text(classes, ctx).splitlines() if line.strip()]
        ctx.problem("missing file", path, None, "no data.yaml (or classes.txt) with the class names")
        return None
    doc = load_yaml(path, ctx)
    names = doc.get("names") if isinstance(doc, dict) else None
    if isinstance(names, dict):
        try:
            return [str(names[k]) for k in sorted(names, key=int)]
        except (TypeError, ValueError):
            names = None
    if not isinstance(names, list) or not names:
        ctx.problem("malformed file", path, None, "names is not a list or {index: name} map")
        return None
    return [str(n) for n in names]


def _sizes(src: Path, ctx: ImportContext) -> dict[str, tuple[int, int]]:
    path = src / SIZES_FILE
    if not path.is_file():
        return {}
    out: dict[str, tuple[int, int]] = {}
    try:
        for row in csv.DictReader(io.StringIO(read_text(path, ctx), newline="")):
            w, h = to_float(row.get("width")), to_float(row.get("height"))
            if row.get("image") and w > 0 and h > 0:
                out[str(row["image"])] = (int(w), int(h))
    except csv.Error as exc:
        ctx.problem("malformed file", path, None, f"CSV error ({exc})")
    return out


def read(src: Path, ctx: ImportContext) -> None:
    src = Path(src)
    if not src.is_dir():
        raise ValueError(f"{src}: YOLO import needs the dataset folder (data.yaml, images/, labels/)")
    names = _names(src, ctx)
    if names is None:
        return
    images_dir, labels_dir = src / "images", src / "labels"
    if not labels_dir.is_dir():
        ctx.problem("missing file", labels_dir, None, "no labels/ folder")
        return
    sizes = _sizes(src, ctx)
    by_stem = {Path(k).with_suffix("").as_posix(): k for k in sizes}
    annotator = ctx.default_annotator
    if images_dir.is_dir():
        for img in sorted(p for p in images_dir.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS):
            ctx.seen(img.relative_to(images_dir).as_posix(), annotator)
    for path in progress(sorted(labels_dir.rglob("*.txt")), "yolo"):
        rel = path.relative_to(labels_dir).with_suffix("")
        found = find_image((images_dir / rel).parent, rel.name)
        key = found.relative_to(images_dir).as_posix() if found else None
        if key is None:
            key = by_stem.get(rel.as_posix())
        if key is None:
            ctx.problem("missing file", path, None, "no image with this name under images/ (size unknown)")
            continue
        if key in sizes:
            width, height = sizes[key]
        else:
            try:
                width, height = image_size(found)  # type: ignore[arg-type]
            except ValueError as exc:
                ctx.problem("bad image", found, None, str(exc).split(": ", 1)[-1])
                continue
        ctx.seen(key, annotator, image_width=width, image_height=height)
        for line, text in enumerate(read_text(path, ctx).splitlines(), start=1):
            parts = text.split()
            if not parts:
                continue
            if len(parts) not in (5, 6):
                ctx.problem("malformed row", path, line, f"{len(parts)} values, expected 'class cx cy w h [score]'")
                continue
            cls = to_float(parts[0])
            if math.isnan(cls) or cls != int(cls) or not 0 <= cls < len(names):
                ctx.problem("unknown type", path, line, f"class {short(parts[0])} not in names {names}")
                continue
            cx, cy, w, h = (to_float(v) for v in parts[1:5])
            box = check_box(ctx, path, line, ((cx - w / 2) * width, (cy - h / 2) * height,
                                              (cx + w / 2) * width, (cy + h / 2) * height), width, height)
            if box is None:
                continue
            raw = names[int(cls)]
            ctx.add(Tag(source="yolo", image=key, annotator=annotator, tag_id=f"{key}:{line}", kind="tag",
                        type=ctx.map_type(raw, path, line), x1=box[0], y1=box[1], x2=box[2], y2=box[3],
                        image_width=width, image_height=height, raw_type=raw,
                        score=to_float(parts[5]) if len(parts) == 6 else float("nan")))
