"""Evaluation on whole panoramas: the scorer's view suggestions against the city's camera truth.

This is the honest review-effort measurement: a dataset split holds only some views of each
intersection (negatives are sampled), while the scorer covers every view of every panorama, and a
camera seen in two overlapping views yields two suggestions to review. Each suggestion's view box is
mapped to the panorama (:func:`camdetect.geometry.view_box_to_pano_box`), so each physical camera is
one truth box and every suggestion counts.

Truth: a Camera table on panoramas (``city/truth/cameras.csv``: image = pano_id, x1..y2 panorama
pixels unwrapped at the seam) plus the manifest listing every panorama, cameras or not.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

from camdetect.evaluate.samples import ImagePrediction, ImageTruth
from camdetect.records import Camera, Detections, View, iter_jsonl, read_table


def find_city_truth(path: str | os.PathLike) -> tuple[Path, Path | None] | None:
    """(cameras.csv, manifest or None) when ``path`` is a synthetic city dir or a Camera table, else None."""
    p = Path(path)
    if p.is_dir() and (p / "truth" / "cameras.csv").exists():
        manifest = next((m for m in (p / "manifest.csv", p / "manifest.jsonl") if m.exists()), None)
        return p / "truth" / "cameras.csv", manifest
    if p.is_file() and p.suffix == ".csv":
        with p.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
        if "camera_id" in header:
            city = p.parent.parent
            manifest = next((m for m in (city / "manifest.csv", city / "manifest.jsonl") if m.exists()), None)
            return p, manifest
    return None


def _manifest_rows(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        rows = []
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if text.strip():
                try:
                    rows.append(json.loads(text))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{line}: not JSON ({exc.msg})") from None
        return rows
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_panorama_truth(cameras_csv: Path, manifest: Path | None) -> tuple[list[ImageTruth], dict[str, float]]:
    """One ImageTruth per panorama (image key = pano_id) and the pano_heading of each.

    The manifest says which panoramas were scored (cameras elsewhere are ignored); without one, only
    panoramas with cameras are known, so empty panoramas and their false alarms are not counted.
    """
    cams = [c for c in read_table(cameras_csv, Camera) if not math.isnan(c.x1)]
    headings: dict[str, float] = {}
    sizes: dict[str, tuple[int, int]] = {}
    inters: dict[str, str] = {}
    if manifest is not None:
        for line, r in enumerate(_manifest_rows(manifest), start=2):
            if (r.get("kind") or "panorama") != "panorama":
                continue
            pano = str(r.get("pano_id") or "")
            if not pano:
                raise ValueError(f"{manifest}:{line}: panorama row without pano_id")
            try:
                headings[pano] = float(r.get("pano_heading") or 0.0)
            except ValueError:
                raise ValueError(f"{manifest}:{line}: bad pano_heading {r.get('pano_heading')!r}") from None
            inters[pano] = str(r.get("intersection_id") or pano)
    per_pano: dict[str, list[Camera]] = defaultdict(list)
    for c in cams:
        per_pano[c.image].append(c)
        sizes[c.image] = (c.image_width, c.image_height)
        inters.setdefault(c.image, c.intersection or c.image)
    default = next(iter(sizes.values()), (0, 0))
    truths = []
    listed = set(headings)  # the manifest's panoramas; without one, those that have cameras
    for c in cams:
        headings.setdefault(c.image, 0.0)
    for pano in sorted(listed if manifest is not None else set(per_pano)):
        cs = per_pano.get(pano, [])
        w, h = sizes.get(pano, default)
        truths.append(ImageTruth(pano, inters.get(pano, pano), w, h,
                                 np.array([[c.x1, c.y1, c.x2, c.y2] for c in cs], np.float32).reshape(-1, 4),
                                 [c.type for c in cs], [c.mount for c in cs], [c.camera_id or f"{pano}|{i}"
                                                                               for i, c in enumerate(cs)]))
    return truths, headings


def _unwrap_to_truth(box: np.ndarray, truth_boxes: np.ndarray, W: int) -> np.ndarray:
    """Shift a panorama box by +-W so its centre lies within W/2 of the nearest truth centre."""
    if not len(truth_boxes) or W <= 0:
        return box
    uc = (box[0] + box[2]) / 2
    tc = (truth_boxes[:, 0] + truth_boxes[:, 2]) / 2
    d = (tc - uc + W / 2) % W - W / 2  # signed circular distance to each truth centre
    k = int(np.argmin(np.abs(d)))
    shift = (tc[k] - d[k]) - uc  # a multiple of W
    return box + np.array([shift, 0, shift, 0], np.float32)


def suggestions_on_panoramas(rows_by_pano: dict[str, list[dict]], truths: list[ImageTruth],
                             headings: dict[str, float], classes: tuple[str, ...]) -> list[ImagePrediction]:
    """Suggestion dicts (view boxes) -> ImagePrediction per panorama in panorama pixels."""
    from camdetect.geometry import view_box_to_pano_box

    by_pano = {t.image: t for t in truths}
    preds = []
    for pano, rows in rows_by_pano.items():
        t = by_pano.get(pano)
        if t is None or not rows:
            preds.append(ImagePrediction(pano))
            continue
        boxes = []
        for r in rows:
            view = View(pano, float(r["view_heading"]), float(r["view_pitch"]), float(r["view_fov"]),
                        int(r["image_width"]), int(r["image_height"]))
            b = np.asarray(view_box_to_pano_box(view, [float(r[k]) for k in ("x1", "y1", "x2", "y2")],
                                                t.width, t.height, headings.get(pano, 0.0)), np.float32)
            boxes.append(_unwrap_to_truth(b, t.boxes, t.width))
        types = [str(r.get("type") or classes[0]) for r in rows]
        has_mount = any(r.get("mount_score") is not None and not _nan(r.get("mount_score")) for r in rows)
        dets = Detections(np.array(boxes, np.float32).reshape(-1, 4), np.array([float(r["score"]) for r in rows], np.float32),
                          np.array([classes.index(x) if x in classes else 0 for x in types], np.int64))
        preds.append(ImagePrediction(pano, dets, types, [str(r.get("mount") or "other") for r in rows] if has_mount else None))
    return preds


def cameras_outside_plan(truths: list[ImageTruth], headings: dict[str, float], plan) -> list[str]:
    """Ids of the truth cameras whose box centre no view of ``plan`` (a :class:`~camdetect.geometry.ViewPlan`)
    shows: no detector that scored those views can find them, so they cap the highest recall reachable."""
    from camdetect.geometry import best_views, plan_views
    from camdetect.geometry.projection import pano_to_angles

    views = plan_views("eval", plan)
    ids, heading, pitch = [], [], []
    for t in truths:
        for box, cid in zip(t.boxes, t.camera_ids):
            h, p = pano_to_angles((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, t.width, t.height,
                                  headings.get(t.image, 0.0))
            ids.append(cid)
            heading.append(float(h))
            pitch.append(float(p))
    unseen = best_views(views, heading, pitch) < 0
    return [cid for cid, u in zip(ids, unseen) if u]


def scored_view_plan(predictions: Path):
    """The view plan the scorer recorded in the ``summary.json`` beside its suggestions, or None (an older run,
    suggestions from elsewhere, or a summary without one)."""
    import json

    from camdetect.geometry import ViewPlan

    path = Path(predictions).parent / "summary.json"
    try:
        plan = json.loads(path.read_text(encoding="utf-8")).get("view_plan")
        return ViewPlan(**plan) if plan else None
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def read_suggestion_rows(path: Path) -> dict[str, list[dict]]:
    """Suggestion JSONL rows grouped by pano_id; rows must carry their view (heading, pitch, fov, size)."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: predictions file not found")
    out: dict[str, list[dict]] = defaultdict(list)
    need = ("pano_id", "view_heading", "view_pitch", "view_fov", "image_width", "image_height",
            "x1", "y1", "x2", "y2", "score")
    for line, r in iter_jsonl(path, "a JSON object (one Suggestion per line)"):
        if r.get("done"):
            continue
        bad = [k for k in need if r.get(k) is None or _nan(r.get(k))]
        if bad:
            raise ValueError(f"{path}:{line}: panorama evaluation needs {', '.join(bad)} "
                             "(suggestions on panorama views)")
        out[str(r["pano_id"])].append(r)
    return out


def _nan(x: object) -> bool:
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
