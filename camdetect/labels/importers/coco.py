"""COCO detection JSON: ``images``, ``annotations`` (bbox = x, y, w, h in pixels), ``categories``.

Category names go through the taxonomy. Per-annotation ``attributes`` (as CVAT and our exporter write
them) may carry ``mount``, ``mount_detail``, ``annotator`` and ``weak``; ``score`` is kept for
predictions. Each image gives ``seen`` rows for the annotators in its ``seen_by`` list (our exporter
writes it), else for the default annotator. Problems are located by JSON path (``annotations[12]``)
as well as by line (``cameras.json:17: annotations[2]: ...``).
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from pathlib import Path

from camdetect.records import Tag

from .common import ImportContext, check_box, read_text, short, to_float, to_size


class LineDict(dict):
    """A JSON object that remembers the line its ``{`` is on, for one-line errors naming file:line."""

    __slots__ = ("line",)


def _loads_with_lines(text: str):
    """``json.loads`` whose objects are :class:`LineDict` (pure-Python scanner: ~10x slower than C,
    0.5 s for a 2.5 MB export, which buys a real line number for every bad record)."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        obj, end = json.decoder.JSONObject(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo)
        out = LineDict(obj)
        out.line = bisect.bisect_left(newlines, s_and_end[1] - 1) + 1
        return out, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder.decode(text)


def loc(obj: object, json_path: str) -> str:
    """``line: json.path`` of a record (the part after ``file:`` in an error)."""
    line = getattr(obj, "line", None)
    return f"{line}: {json_path}" if line else json_path


def load_json(path: Path, ctx: ImportContext):
    """Parsed JSON with line-aware objects, or None after a problem (malformed JSON names its line)."""
    text = read_text(path, ctx)
    try:
        return _loads_with_lines(text)
    except json.JSONDecodeError as exc:
        ctx.problem("malformed file", path, exc.lineno, f"malformed JSON ({exc.msg})")
    except RecursionError:
        ctx.problem("malformed file", path, None, "malformed JSON (nested too deeply)")
    return None


def _dict_list(doc: dict, key: str, ctx: ImportContext, path: Path) -> list[tuple[int, dict]]:
    items = doc.get(key, [])
    if not isinstance(items, list):
        ctx.problem("malformed file", path, loc(doc, key), f"{key} is not a list")
        return []
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            out.append((i, item))
        else:
            ctx.problem("malformed row", path, loc(doc, f"{key}[{i}]"), f"not an object: {short(item)}")
    return out


def _key(value: object) -> object:
    """Hashable id (COCO ids are ints, but strings appear in the wild)."""
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def read(src: Path, ctx: ImportContext) -> None:
    path = Path(src)
    if path.is_dir():
        raise ValueError(f"{path}: COCO import needs the .json file, not a folder")
    doc = load_json(path, ctx)
    if doc is None:
        return
    if not isinstance(doc, dict):
        ctx.problem("malformed file", path, 1, "top level is not an object with images/annotations/categories")
        return
    categories: dict = {}
    for i, cat in _dict_list(doc, "categories", ctx, path):
        if _key(cat.get("id")) is None:
            ctx.problem("malformed row", path, loc(cat, f"categories[{i}]"), f"bad id {short(cat.get('id'))}")
            continue
        categories[cat["id"]] = str(cat.get("name", ""))
    images: dict = {}
    for i, img in _dict_list(doc, "images", ctx, path):
        name = img.get("file_name")
        if _key(img.get("id")) is None or not isinstance(name, str) or not name.strip():
            ctx.problem("malformed row", path, loc(img, f"images[{i}]"), "image needs an id and a file_name")
            continue
        extra = dict(image_width=to_size(img.get("width")), image_height=to_size(img.get("height")),
                     intersection=str(img.get("intersection") or ""),
                     view_heading=to_float(img.get("view_heading")), view_pitch=to_float(img.get("view_pitch")),
                     view_fov=to_float(img.get("view_fov")))
        if not extra["image_width"] or not extra["image_height"]:
            ctx.problem("missing size", path, loc(img, f"images[{i}]"), f"image {short(name)} has no valid width/height")
        images[img["id"]] = (name.strip(), extra)
        seen_by = img.get("seen_by")
        annotators = [str(a) for a in seen_by if str(a)] if isinstance(seen_by, list) else []
        for annotator in annotators or [ctx.default_annotator]:
            ctx.seen(name.strip(), annotator, **extra)

    for i, ann in _dict_list(doc, "annotations", ctx, path):
        where_ = loc(ann, f"annotations[{i}]")
        image_id = _key(ann.get("image_id"))
        if image_id not in images:
            ctx.problem("malformed row", path, where_, f"image_id {short(ann.get('image_id'))} not in images")
            continue
        cat_id = _key(ann.get("category_id"))
        if cat_id not in categories:
            ctx.problem("unknown type", path, where_, f"category_id {short(ann.get('category_id'))} not in categories")
            continue
        bbox = ann.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            ctx.problem("bad box", path, where_, f"bbox {short(bbox)} is not [x, y, w, h]")
            continue
        image, extra = images[image_id]
        x, y, w, h = (to_float(v) for v in bbox)
        box = check_box(ctx, path, where_, (x, y, x + w, y + h), extra["image_width"], extra["image_height"])
        if box is None:
            continue
        attrs = ann.get("attributes") if isinstance(ann.get("attributes"), dict) else {}
        raw_type = categories[cat_id]
        raw_mount = str(attrs.get("mount") or "")
        annotator = str(attrs.get("annotator") or ann.get("annotator") or ctx.default_annotator)
        score = to_float(ann.get("score"))
        ctx.add(Tag(
            source="coco", image=image, annotator=annotator, tag_id=str(ann.get("id", i)), kind="tag",
            type=ctx.map_type(raw_type, path, where_), mount=ctx.map_mount(raw_mount, path, where_),
            mount_detail=ctx.taxonomy.mount_detail(attrs.get("mount_detail") or raw_mount),
            x1=box[0], y1=box[1], x2=box[2], y2=box[3], raw_type=raw_type, raw_mount=raw_mount,
            score=score,
            weak=attrs.get("weak") in (True, 1, "1", "true", "True"),
            time=str(attrs.get("time") or ""), **extra,
        ))
