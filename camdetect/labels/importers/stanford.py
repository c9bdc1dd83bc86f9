"""Stanford "Surveilling Surveillance" ``meta.csv`` (Sheng, Yao & Goel, AIES 2021).

One row per Street View crop (640x640, 90-degree FOV, pitch 0, centred on ``heading`` of panorama
``panoid``); ``annotations`` is a Python-literal list of detectron2-style dicts (category_id,
bbox, bbox_mode 0 = XYXY_ABS or 1 = XYWH_ABS). Every crop becomes a ``seen`` row, so the ~46% of
crops without a camera stay known negatives. The view geometry is kept on each tag (view_heading,
view_pitch=0, view_fov=90, 640x640) so boxes can be put back on the sphere.
"""

from __future__ import annotations

import ast
import csv
import io
import math
from pathlib import Path

from camdetect.records import Tag

from .common import ImportContext, check_box, load_yaml, read_text, short, to_float, to_size

REQUIRED = ("annotations", "panoid", "heading")
DEFAULT_CLASSES = ("Directed Camera", "Dome Camera")
VIEW_SIZE = 640
VIEW_FOV = 90.0
VIEW_PITCH = 0.0
MAX_LITERAL = 200_000  # characters; literal_eval on a huge field is slow and never legitimate


def _info(folder: Path, ctx: ImportContext) -> tuple[tuple[str, ...], int, int]:
    """Class names and image size from info.yaml beside meta.csv (defaults when absent)."""
    path = folder / "info.yaml"
    if not path.is_file():
        return DEFAULT_CLASSES, VIEW_SIZE, VIEW_SIZE
    info = load_yaml(path, ctx)
    if info is None:
        return DEFAULT_CLASSES, VIEW_SIZE, VIEW_SIZE
    try:
        names = tuple(str(n) for n in info.get("class_names") or DEFAULT_CLASSES)
        source = (info.get("sources") or [{}])[0] or {}
        width = to_size(source.get("width")) or VIEW_SIZE
        height = to_size(source.get("height")) or VIEW_SIZE
    except (AttributeError, TypeError, ValueError, IndexError, KeyError, OverflowError) as exc:
        ctx.problem("malformed file", path, None, f"unreadable info.yaml ({type(exc).__name__})")
        return DEFAULT_CLASSES, VIEW_SIZE, VIEW_SIZE
    return names, width, height


def _annotations(raw: str, ctx: ImportContext, path: Path, line: int) -> list | None:
    raw = raw.strip()
    if not raw:
        return []
    if len(raw) > MAX_LITERAL:
        ctx.problem("malformed row", path, line, f"annotations field too long ({len(raw)} characters)")
        return None
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        ctx.problem("malformed row", path, line, f"annotations is not a Python literal list: {short(raw)}")
        return None
    if not isinstance(value, list):
        ctx.problem("malformed row", path, line, f"annotations is not a list: {short(raw)}")
        return None
    return value


def read(src: Path, ctx: ImportContext) -> None:
    """SRC is meta.csv or the folder holding it (with info.yaml)."""
    src = Path(src)
    path = src / "meta.csv" if src.is_dir() else src
    if not path.is_file():
        raise FileNotFoundError(f"{path}: Stanford meta.csv not found")
    names, width, height = _info(path.parent, ctx)
    annotator = ctx.annotator or "stanford"
    reader = csv.reader(io.StringIO(read_text(path, ctx), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            ctx.problem("malformed file", path, 1, f"missing column(s) {', '.join(missing)}")
            return
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                ctx.problem("malformed row", path, line, f"{len(values)} fields, header has {len(header)}")
                continue
            _row(dict(zip(header, values)), ctx, path, line, names, width, height, annotator)
    except csv.Error as exc:
        ctx.problem("malformed file", path, reader.line_num, f"CSV error ({exc})")


def _row(row: dict, ctx: ImportContext, path: Path, line: int, names: tuple[str, ...],
         width: int, height: int, annotator: str) -> None:
    panoid = row["panoid"].strip()
    heading = to_float(row["heading"])
    if not panoid or math.isnan(heading):
        ctx.problem("malformed row", path, line, f"bad panoid/heading {short(panoid)}/{short(row['heading'])}")
        return
    heading %= 360.0
    gsv = (row.get("gsv_image_path") or "").strip()
    image = Path(gsv).name if gsv else f"{panoid}_{heading:g}.jpg"
    view = dict(image_width=width, image_height=height, view_heading=heading, view_pitch=VIEW_PITCH,
                view_fov=VIEW_FOV, intersection=panoid)
    ctx.seen(image, annotator, **view)
    anns = _annotations(row["annotations"], ctx, path, line)
    for k, ann in enumerate(anns or []):
        if not isinstance(ann, dict):
            ctx.problem("malformed row", path, line, f"annotation {k} is not a dict: {short(ann)}")
            continue
        cat = ann.get("category_id")
        if isinstance(cat, bool) or not isinstance(cat, int) or not 0 <= cat < len(names):
            ctx.problem("unknown type", path, line, f"annotation {k}: category_id {short(cat)} not in {list(names)}")
            continue
        bbox = ann.get("bbox")
        if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
            ctx.problem("bad box", path, line, f"annotation {k}: bbox {short(bbox)} is not 4 numbers")
            continue
        x1, y1, a, b = (to_float(v) for v in bbox)
        mode = ann.get("bbox_mode", 0)
        box = (x1, y1, x1 + a, y1 + b) if mode == 1 else (x1, y1, a, b)
        if mode not in (0, 1):
            ctx.problem("bad box", path, line, f"annotation {k}: unsupported bbox_mode {short(mode)}")
            continue
        box = check_box(ctx, path, line, box, width, height)
        if box is None:
            continue
        raw = names[cat]
        ctx.add(Tag(source="stanford", image=image, annotator=annotator,
                    tag_id=f"{(row.get('image_id') or '').strip() or image}:{k}", kind="tag",
                    type=ctx.map_type(raw, path, line), x1=box[0], y1=box[1], x2=box[2], y2=box[3],
                    raw_type=raw, **view))
