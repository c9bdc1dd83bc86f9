"""Label Studio JSON export (list of tasks with ``annotations`` and/or ``predictions``).

Boxes are ``rectanglelabels`` results in percent of ``original_width`` x ``original_height``;
rotated rectangles (rotation about the top-left corner) become their axis-aligned envelope. A
per-region ``choices`` result with the same ``id`` (``from_name`` "mount" in our labeling config)
gives the mount. Annotator = ``completed_by`` (email or id) for annotations and ``model_version``
for predictions (whose ``score`` is kept). Every non-cancelled annotation is a ``seen`` row, so an
annotator who submitted an empty result counts as having looked. The image key is
``data.camdetect_image`` (our exporter writes it), the ``?d=`` path of local-files storage, or the
file named by ``data.image`` (without the 8-hex-digit prefix Label Studio gives uploads).
"""

from __future__ import annotations

import math
import re
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlparse

from camdetect.records import Tag

from .coco import load_json, loc
from .common import ImportContext, check_box, short, to_float, to_size


def image_key(data: dict) -> str:
    """Image key of a task: ``camdetect_image``, the ``?d=`` path of local files, or the URL's file name."""
    own = data.get("camdetect_image")
    if isinstance(own, str) and own.strip():
        return own.strip()
    url = data.get("image")
    if not isinstance(url, str):
        url = next((v for v in data.values() if isinstance(v, str) and v.strip()), "")
    parsed = urlparse(url.strip())
    d = parse_qs(parsed.query).get("d")
    if d:
        return unquote(d[0])
    name = PurePosixPath(unquote(parsed.path)).name if parsed.path else ""
    if parsed.path.startswith("/data/upload/"):  # Label Studio prefixes uploads with 8 hex digits
        name = re.sub(r"^[0-9a-f]{8}-", "", name)
    return name


def _annotator(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("email") or value.get("id") or ""
    return "" if value is None or isinstance(value, (list, dict)) else str(value)


def _envelope(x: float, y: float, w: float, h: float, rotation: float) -> tuple[float, float, float, float]:
    """Axis-aligned box around a rectangle rotated by ``rotation`` degrees about its top-left corner."""
    if not rotation:
        return (x, y, x + w, y + h)
    c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    xs = [x + dx * c - dy * s for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))]
    ys = [y + dx * s + dy * c for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))]
    return (min(xs), min(ys), max(xs), max(ys))


def _results(results: object, ctx: ImportContext, path: Path, where_: str, image: str, annotator: str,
             time: str, pred_score: float) -> None:
    if not isinstance(results, list):
        ctx.problem("malformed row", path, where_, "result is not a list")
        return
    mounts: dict[str, str] = {}
    for item in results:  # per-region choices first: they may come after their rectangle
        if isinstance(item, dict) and item.get("type") == "choices" and isinstance(item.get("value"), dict):
            choices = item["value"].get("choices")
            if isinstance(choices, list) and choices and isinstance(item.get("id"), str):
                mounts[item["id"]] = str(choices[0])
    for j, item in enumerate(results):
        jpath = f"{where_}.result[{j}]"
        here = loc(item, jpath)
        if not isinstance(item, dict):
            ctx.problem("malformed row", path, here, f"not an object: {short(item)}")
            continue
        if item.get("type") == "choices":
            continue
        if item.get("type") != "rectanglelabels":
            ctx.counts[f"skipped {str(item.get('type'))[:30]} results"] += 1
            continue
        value = item.get("value")
        labels = value.get("rectanglelabels") if isinstance(value, dict) else None
        if not isinstance(labels, list) or not labels:
            ctx.problem("malformed row", path, here, "rectanglelabels result without a label")
            continue
        width, height = to_size(item.get("original_width")), to_size(item.get("original_height"))
        if not width or not height:
            ctx.problem("missing size", path, here, "no original_width/original_height; percent box cannot be placed")
            continue
        x, y, w, h = (to_float(value.get(k)) for k in ("x", "y", "width", "height"))
        rotation = to_float(value.get("rotation", 0)) or 0.0
        if math.isnan(rotation):
            rotation = 0.0
        if rotation:
            ctx.counts["rotated boxes (axis-aligned envelope)"] += 1
        px = _envelope(x * width / 100, y * height / 100, w * width / 100, h * height / 100, rotation)
        box = check_box(ctx, path, here, px, width, height)
        if box is None:
            continue
        raw_type = str(labels[0])
        raw_mount = mounts.get(item.get("id"), "") if isinstance(item.get("id"), str) else ""
        score = to_float(item.get("score"))
        ctx.add(Tag(source="labelstudio", image=image, annotator=annotator, tag_id=str(item.get("id") or jpath),
                    kind="tag", type=ctx.map_type(raw_type, path, here), mount=ctx.map_mount(raw_mount, path, here),
                    mount_detail=ctx.taxonomy.mount_detail(raw_mount), x1=box[0], y1=box[1], x2=box[2], y2=box[3],
                    image_width=width, image_height=height, raw_type=raw_type, raw_mount=raw_mount, time=time,
                    score=score if not math.isnan(score) else pred_score))


def read(src: Path, ctx: ImportContext) -> None:
    path = Path(src)
    if path.is_dir():
        raise ValueError(f"{path}: Label Studio import needs the exported .json file, not a folder")
    doc = load_json(path, ctx)
    if doc is None:
        return
    tasks = [doc] if isinstance(doc, dict) else doc
    if not isinstance(tasks, list):
        ctx.problem("malformed file", path, 1, "top level is not a list of tasks")
        return
    for i, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            ctx.problem("malformed row", path, loc(task, f"[{i}]"), "task is not an object with a data object")
            continue
        image = image_key(task["data"])
        if not image:
            ctx.problem("malformed row", path, loc(task["data"], f"[{i}].data"), "no image in task data")
            continue
        for key in ("annotations", "completions", "predictions"):
            entries = task.get(key) or []
            if not isinstance(entries, list):
                ctx.problem("malformed row", path, loc(task, f"[{i}].{key}"), f"{key} is not a list")
                continue
            for k, entry in enumerate(entries):
                where_ = f"[{i}].{key}[{k}]"
                if not isinstance(entry, dict):
                    ctx.problem("malformed row", path, loc(task, where_), "not an object")
                    continue
                if entry.get("was_cancelled") is True:
                    ctx.counts["cancelled annotations"] += 1
                    continue
                if key == "predictions":
                    annotator = str(entry.get("model_version") or "") or "prediction"
                else:
                    annotator = _annotator(entry.get("completed_by")) or ctx.default_annotator
                ctx.seen(image, annotator)
                time = entry.get("created_at") if isinstance(entry.get("created_at"), str) else ""
                _results(entry.get("result"), ctx, path, where_, image, annotator, time,
                         to_float(entry.get("score")) if key == "predictions" else math.nan)
