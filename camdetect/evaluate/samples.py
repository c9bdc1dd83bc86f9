"""The plain inputs every metric works on: ground truth and predictions per image.

Metrics never read files themselves; loaders here turn a dataset dir (``views.csv`` + ``boxes.csv``,
docs/CONTRACTS.md) or a JSONL of :class:`~camdetect.records.Suggestion` rows into
:class:`ImageTruth` / :class:`ImagePrediction` lists, aligned on the image key. Images without
cameras and images without predictions are kept: they are where false positives and review effort
come from.
"""

from __future__ import annotations

import csv
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from camdetect.records import Detections, Suggestion, Tag, iter_jsonl, read_table


@dataclass
class ImageTruth:
    """Ground truth of one image: boxes (N, 4) xyxy pixels with type, mount and physical camera id."""

    image: str
    intersection: str = ""
    width: int = 0
    height: int = 0
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    types: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    # one id per physical camera; a camera seen in several views carries the same id in each
    camera_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.boxes = np.asarray(self.boxes, np.float32).reshape(-1, 4)
        n = len(self.boxes)
        self.types = list(self.types) or ["unknown"] * n
        self.mounts = list(self.mounts) or ["other"] * n
        self.camera_ids = list(self.camera_ids) or [f"{self.image}#{i}" for i in range(n)]
        if not (len(self.types) == len(self.mounts) == len(self.camera_ids) == n):
            raise ValueError(f"{self.image}: boxes, types, mounts and camera_ids differ in length")
        self.intersection = self.intersection or self.image

    def __len__(self) -> int:
        return len(self.boxes)


@dataclass
class ImagePrediction:
    """Model output on one image: Detections plus the type (and, when predicted, mount) per box."""

    image: str
    dets: Detections = field(default_factory=Detections)
    types: list[str] = field(default_factory=list)
    mounts: list[str] | None = None  # None: the model predicts no mount

    def __len__(self) -> int:
        return len(self.dets)


@dataclass
class EvalSet:
    """Truth and predictions aligned image by image (same order, same keys)."""

    truth: list[ImageTruth]
    preds: list[ImagePrediction]
    classes: tuple[str, ...]  # detector class names, index = class id
    unmatched_prediction_images: int = 0  # prediction images with no truth image (reported, not used)
    n_prediction_images: int = 0  # distinct images in the predictions (matched or not)
    unmatched_example: str = ""  # one prediction image with no truth image, for the warning

    def __post_init__(self) -> None:
        if len(self.truth) != len(self.preds):
            raise ValueError("truth and predictions must be aligned image by image")

    @property
    def has_mounts(self) -> bool:
        return any(p.mounts is not None for p in self.preds)

    def class_of(self, type_: str) -> int:
        """Class id of a type name; types the detector has no class for (``unknown``) go to class 0,
        like :meth:`camdetect.taxonomy.Taxonomy.class_id`."""
        return self.classes.index(type_) if type_ in self.classes else 0


def missing_classes(truth: list[ImageTruth], classes: tuple[str, ...]) -> tuple[str, ...]:
    """Detector classes of the taxonomy that the truth has and the model does not (a 2-class dome/bullet
    model on truth with licence-plate readers: ``("alpr",)``). :func:`align` appends them after the
    model's classes, so such truth is its own class with no predictions (AP 0, counted in the mAP and
    in recall; class-agnostic AP still counts a dome/bullet box on it as found) instead of posing as
    class 0."""
    from camdetect.taxonomy import load_taxonomy

    have = {t for it in truth for t in it.types}
    return tuple(c for c in load_taxonomy().detector_classes if c not in classes and c in have)


def used_classes(classes: tuple[str, ...], preds: list[ImagePrediction], truth: list[ImageTruth],
                 keep: int = 2) -> tuple[str, ...]:
    """Classes for predictions read from a file (which does not say what its model could predict):
    ``classes`` less trailing ones that neither the predictions nor the truth use, down to ``keep``
    (dome, bullet: every camdetect detector has had them). New classes are appended to the taxonomy, so
    an unused trailing class (alpr) is one the model may never have had; this keeps the report of a
    2-class model's saved predictions the same as that of the model itself."""
    used = {t for p in preds for t in p.types} | {t for it in truth for t in it.types}
    out = list(classes)
    while len(out) > keep and out[-1] not in used:
        out.pop()
    return tuple(out)


def align(truth: list[ImageTruth], preds: list[ImagePrediction], classes: tuple[str, ...],
          source: str = "predictions", truth_source: str = "the truth") -> EvalSet:
    """Pair predictions with truth images by key: exact path, else file name, else file stem.

    Images with no predictions get an empty prediction; prediction images unknown to the truth are
    counted (``unmatched_prediction_images``, with one example) and dropped. Raises ValueError naming
    ``source`` and ``truth_source`` with an example key from each side when no prediction image
    matches any truth image (a wrong ``--truth`` / ``--split`` or image keys from another folder
    layout: scoring it would report 0 % recall), unless there are no predictions at all.
    """
    by_key: dict[str, ImagePrediction] = {}
    for p in preds:
        if p.image in by_key:  # several JSONL chunks of one image
            q = by_key[p.image]
            q.dets = Detections.concat([q.dets, p.dets])
            q.types = q.types + p.types
            if q.mounts is not None or p.mounts is not None:
                q.mounts = (q.mounts or ["other"] * (len(q.dets) - len(p.dets))) + (p.mounts or ["other"] * len(p.dets))
        else:
            by_key[p.image] = p
    lookups = [dict(by_key)]
    for keyf in (lambda s: Path(s).name, lambda s: Path(s).stem):
        table: dict[str, ImagePrediction] = {}
        for k, p in by_key.items():
            table.setdefault(keyf(k), p)
        lookups.append(table)
    keyfs = [lambda s: s, lambda s: Path(s).name, lambda s: Path(s).stem]
    aligned, used = [], set()
    for t in truth:
        match = None
        for keyf, table in zip(keyfs, lookups):
            match = table.get(keyf(t.image))
            if match is not None:
                break
        if match is None:
            match = ImagePrediction(t.image)
        else:
            used.add(id(match))
        aligned.append(match)
    n_pred_images = len(by_key)
    classes = tuple(classes) + missing_classes(truth, classes)
    if n_pred_images and not used:
        raise ValueError(f"{source}: none of its {n_pred_images} prediction images is among the {len(truth)} "
                         f"truth images of {truth_source} (matched by path, file name or stem; e.g. prediction "
                         f"{next(iter(by_key))!r} vs truth {truth[0].image if truth else 'no truth images'!r}); "
                         "check --truth/--split or the image paths")
    stray = next((k for k, p in by_key.items() if id(p) not in used), "")
    return EvalSet(truth, aligned, tuple(classes), n_pred_images - len(used), n_pred_images, stray)


# --------------------------------------------------------------------------------------- loaders
def _group_physical(tags: list[Tag], max_deg: float) -> list[str]:
    """Physical camera id per box tag: the tag_id when the dataset repeats it across views, else
    boxes in one panorama whose sphere centres lie within ``max_deg`` degrees (the one same-camera rule,
    ``geometry.same_camera``, at its truth tolerance), else the box itself."""
    ids = [""] * len(tags)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for t in tags:
        if t.tag_id:
            counts[(t.intersection, t.tag_id)] += 1
    repeated = any(c > 1 for c in counts.values())
    by_pano: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tags):
        if repeated and t.tag_id:
            ids[i] = f"{t.intersection}|{t.tag_id}"
        elif not math.isnan(t.heading) and not math.isnan(t.pitch):
            by_pano[t.intersection or t.image].append(i)
        else:
            ids[i] = f"{t.image}|{t.tag_id or i}"
    if by_pano:  # only when boxes carry sphere centres
        from camdetect.geometry.same_camera import group_on_sphere
    for pano, idx in by_pano.items():
        rep = group_on_sphere([tags[i].heading for i in idx], [tags[i].pitch for i in idx], min_deg=max_deg)
        cams = {r: f"{pano}|cam{k}" for k, r in enumerate(dict.fromkeys(rep.tolist()))}
        for i, r in zip(idx, rep.tolist()):
            ids[i] = cams[r]
    return ids


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_dataset_truth(data: str | os.PathLike, split: str | None = "test",
                       same_camera_deg: float = 1.0) -> list[ImageTruth]:
    """Ground truth from a dataset dir (``views.csv`` + ``boxes.csv``) or a ``boxes.csv`` Tag table.

    ``split`` filters views.csv (None or "all": every split). Without views.csv the image list is the
    set of images that have boxes, so negatives are unknown: say so in the report.
    """
    data = Path(data)
    boxes_path = data / "boxes.csv" if data.is_dir() else data
    views_path = boxes_path.parent / "views.csv"
    if not boxes_path.exists():
        raise FileNotFoundError(f"{boxes_path}: no boxes.csv (expected a dataset dir from `camdetect dataset build`)")
    tags = [t for t in read_table(boxes_path, Tag) if t.kind == "tag" and not math.isnan(t.x1)]
    images: dict[str, ImageTruth] = {}
    if views_path.exists():
        rows = _read_csv(views_path)
        if rows and "image" not in rows[0]:
            raise ValueError(f"{views_path}:1: no 'image' column")
        for line, r in enumerate(rows, start=2):
            if split not in (None, "", "all") and r.get("split", "") != split:
                continue
            try:
                w, h = int(float(r.get("width") or 0)), int(float(r.get("height") or 0))
            except ValueError:
                raise ValueError(f"{views_path}:{line}: bad width/height {r.get('width')!r}x{r.get('height')!r}") from None
            inter = r.get("intersection") or r.get("pano_id") or ""
            images[r["image"]] = ImageTruth(r["image"], inter, w, h)
        if not images:
            splits = sorted({r.get("split", "") for r in rows})
            raise ValueError(f"{views_path}: no views in split {split!r} (splits present: {', '.join(splits)})")
        tags = [t for t in tags if t.image in images]
    else:
        for t in tags:
            images.setdefault(t.image, ImageTruth(t.image, t.intersection, t.image_width, t.image_height))
    for i, t in enumerate(tags):
        if t.x2 <= t.x1 or t.y2 <= t.y1:
            raise ValueError(f"{boxes_path}:{i + 2}: empty box {t.box} on {t.image}")
    cam_ids = _group_physical(tags, same_camera_deg)
    per_image: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tags):
        per_image[t.image].append(i)
    for key, img in images.items():
        idx = per_image.get(key, [])
        img.boxes = np.array([tags[i].box for i in idx], np.float32).reshape(-1, 4)
        img.types = [tags[i].type for i in idx]
        img.mounts = [tags[i].mount for i in idx]
        img.camera_ids = [cam_ids[i] for i in idx]
        if not img.width and idx:
            img.width, img.height = tags[idx[0]].image_width, tags[idx[0]].image_height
    return list(images.values())


_SUGGESTION_FIELDS = {f.name for f in fields(Suggestion)}


def load_suggestions_jsonl(path: str | os.PathLike, classes: tuple[str, ...]) -> list[ImagePrediction]:
    """Predictions from a JSONL of Suggestion rows (what the scorer writes), grouped by image_path.

    ``mount`` counts as predicted only when some row carries a ``mount_score`` (the scorer sets
    mount="other" by default when it has no mount model).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: predictions file not found")
    rows: dict[str, list[dict]] = defaultdict(list)
    for line, rec in iter_jsonl(path, "a JSON object (one Suggestion per line)"):
        if rec.get("done") and "image_path" in rec:  # marker row of `camdetect eval`: image scored
            rows.setdefault(rec["image_path"], [])
            continue
        missing = {"image_path", "x1", "y1", "x2", "y2", "score"} - rec.keys()
        if missing:
            raise ValueError(f"{path}:{line}: missing {', '.join(sorted(missing))}")
        try:
            rec["_box"] = [float(rec[k]) for k in ("x1", "y1", "x2", "y2")]
            rec["score"] = float(rec["score"])
        except (TypeError, ValueError):
            raise ValueError(f"{path}:{line}: non-numeric box or score") from None
        rows[rec["image_path"]].append(rec)
    preds = []
    for image, recs in rows.items():
        types = [str(r.get("type") or classes[0]) for r in recs]
        has_mount = any(r.get("mount_score") not in (None, "") and not _isnan(r.get("mount_score")) for r in recs)
        dets = Detections(np.array([r["_box"] for r in recs], np.float32).reshape(-1, 4),
                          np.array([r["score"] for r in recs], np.float32),
                          np.array([classes.index(t) if t in classes else 0 for t in types], np.int64))
        preds.append(ImagePrediction(image, dets, types,
                                     [str(r.get("mount") or "other") for r in recs] if has_mount else None))
    return preds


def _isnan(x: object) -> bool:
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
