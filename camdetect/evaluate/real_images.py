"""Evaluation on real photos (issue 11): real-cameras-dev recall and false suggestions on real streets.

``scripts/eval_real_cameras.py`` is the command line; everything is here so it can be tested.

* **Truth**: ``../shared/data/real-cameras-dev`` (23 photos, 24 hand-drawn *approximate* boxes, COCO).
  Because the boxes are approximate (+-10-20 %), a suggestion **hits** a camera when its IoU with the
  truth box is >= 0.1 **or** its centre lies inside the truth box grown to 1.25x its width and height
  (same centre). Each camera is matched at most once, greedily by descending score (COCO's order), so a
  second suggestion on the same camera is a false suggestion. Greedy-by-score matching does not depend
  on the threshold, so one matching at the score floor gives every threshold's counts.
* **Numbers**: recall at <= 1 false suggestion per image (the lowest score threshold whose false
  suggestions, summed over the set, are <= the number of images), recall and false suggestions per image
  at the model's stored threshold, AP50 under the same hit rule (all-points interpolated precision
  envelope, VOC 2010+), and the highest recall at the score floor.
* **False suggestions on real streets** (no truth, or a small hand-made truth file): street-backgrounds,
  street-scenes and the Street View panoramas cut into the scorer's views (``camdetect.geometry``'s view
  plan, the same as ``camdetect score --kind panorama``), per view, at the stored threshold and at the
  <= 1 FP/image threshold.
* **Inference** (onnxruntime only, like the scorer): the scorer's pieces (``OnnxDetector`` = letterbox +
  decode + NMS, ``geometry.tiles.tile_windows`` / ``tiling.tile_size_for``) on native-resolution tiles at the model's
  training tile size, one whole image letterboxed to the model input and, by default, one middle scale
  (the image shrunk by the geometric mean of 1 and the whole pass's scale, tiled again); all merged with
  one *class-agnostic* intersection-over-smaller suppression (``tiling.ios_nms``): a camera is one
  suggestion whatever class the model calls it, and a tile's partial box of a big camera goes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field, field_validator

from camdetect.configs import Real, StrictModel, validate_mapping
from camdetect.geometry.overlap import box_iou
from camdetect.geometry.overlap import greedy_match as _greedy_pairs
from camdetect.records import Detections

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = Path(os.environ.get("CAMDETECT_SHARED_DATA", REPO.parent / "shared" / "data"))
DEFAULT_MODEL = Path("models/camdetect-default.onnx")
DEFAULT_OUT = Path("runs/eval/real")
DEFAULT_STREET_TRUTH = Path("configs/eval/street_cameras.json")
REAL_SET = "real-cameras-dev"
STREET_SETS = ("street-backgrounds", "street-scenes", "panoramas")
HIT_IOU = 0.1
HIT_GROW = 0.25  # the truth box grown to 1.25x its width and height for the centre test
CONF_FLOOR = 0.005
KEEP_TOP = 100  # street suggestions kept (JSON + contact sheet)
FALSE_SCORE_FLOOR = 0.01  # street false suggestions' scores kept per folder (any threshold later, e.g. a trade-off)

GREEN, BLUE, RED, GREY = (40, 200, 40), (255, 150, 0), (40, 40, 235), (160, 160, 160)  # BGR


class EvalInputError(ValueError):
    """Bad input: reported as ``error: FILE: problem``, exit code 2."""


# ---------------------------------------------------------------------------------------------
# hit rule, matching, metrics (plain arrays)
# ---------------------------------------------------------------------------------------------

def hit_matrix(pred_xyxy, truth_xyxy, iou_thr: float = HIT_IOU, grow: float | None = HIT_GROW) -> np.ndarray:
    """(P, T) bool: prediction p hits truth t (IoU >= ``iou_thr`` or centre inside the grown truth box;
    ``grow=None``: IoU only)."""
    p = np.asarray(pred_xyxy, np.float64).reshape(-1, 4)
    t = np.asarray(truth_xyxy, np.float64).reshape(-1, 4)
    if not len(p) or not len(t):
        return np.zeros((len(p), len(t)), bool)
    iou = box_iou(p, t)
    if grow is None:
        return iou >= iou_thr
    cx, cy = (p[:, 0] + p[:, 2]) / 2, (p[:, 1] + p[:, 3]) / 2
    hw, hh = (t[:, 2] - t[:, 0]) * (1 + grow) / 2, (t[:, 3] - t[:, 1]) * (1 + grow) / 2
    tcx, tcy = (t[:, 0] + t[:, 2]) / 2, (t[:, 1] + t[:, 3]) / 2
    inside = (np.abs(cx[:, None] - tcx[None, :]) <= hw[None, :]) & (np.abs(cy[:, None] - tcy[None, :]) <= hh[None, :])
    return (iou >= iou_thr) | inside


def greedy_match(pred_xyxy, pred_scores, truth_xyxy, iou_thr: float = HIT_IOU,
                 grow: float | None = HIT_GROW) -> np.ndarray:
    """``pred_to_truth`` (P,): the truth index each prediction takes, -1 for a false suggestion.

    Predictions in descending score order each take the unmatched truth they hit with the highest IoU
    (a centre-only hit has IoU 0 but still counts): COCO's order, ``geometry.overlap.greedy_match`` as in
    :func:`camdetect.evaluate.matching.match_image`, with the hit rule instead of IoU >= 0.5.
    """
    scores = np.asarray(pred_scores, np.float64).reshape(-1)
    hits = hit_matrix(pred_xyxy, truth_xyxy, iou_thr, grow)
    if not hits.size:
        return np.full(len(scores), -1, np.int64)
    return _greedy_pairs(box_iou(pred_xyxy, truth_xyxy), hits, np.argsort(-scores, kind="stable"))


@dataclass
class Curve:
    """Every prediction of a set, pooled: score and whether it hit a camera; plus the set's size."""

    scores: np.ndarray
    hit: np.ndarray
    n_truth: int
    n_images: int
    # unmatched but on a camera (hit rule) that a better suggestion already took: false under the
    # one-match rule, not counted as false by the lenient variant (``exclude_duplicates``)
    duplicate: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.scores = np.asarray(self.scores, np.float64).reshape(-1)
        self.hit = np.asarray(self.hit, bool).reshape(-1)
        self.duplicate = (np.zeros(len(self.scores), bool) if self.duplicate is None
                          else np.asarray(self.duplicate, bool).reshape(-1) & ~self.hit)

    @classmethod
    def pool(cls, per_image: list[tuple], n_truth: int, n_images: int) -> Curve:
        """``per_image``: (scores, hit) or (scores, hit, duplicate) per image."""
        def cat(k, dtype):
            parts = [np.asarray(p[k], dtype).reshape(-1) if len(p) > k else np.zeros(len(p[0]), dtype)
                     for p in per_image]
            return np.concatenate(parts or [np.zeros(0, dtype)])

        return cls(cat(0, np.float64), cat(1, bool), int(n_truth), int(n_images), cat(2, bool))

    def false_flags(self, exclude_duplicates: bool = False) -> np.ndarray:
        return ~self.hit & ~self.duplicate if exclude_duplicates else ~self.hit

    def at(self, threshold: float | None, exclude_duplicates: bool = False) -> dict:
        """Counts with score >= threshold (None: nothing kept)."""
        keep = np.zeros(len(self.scores), bool) if threshold is None else self.scores >= threshold
        tp, fp = int((keep & self.hit).sum()), int((keep & self.false_flags(exclude_duplicates)).sum())
        return {"threshold": threshold, "hits": tp, "false": fp,
                "recall": tp / self.n_truth if self.n_truth else None,
                "false_per_image": fp / self.n_images if self.n_images else None}

    def threshold_at_false(self, budget: float, exclude_duplicates: bool = False) -> float | None:
        """Lowest score threshold (one of the scores) keeping total false suggestions <= ``budget``;
        None when even the top-scoring suggestion breaks it."""
        if not len(self.scores):
            return None
        order = np.argsort(-self.scores, kind="stable")
        s, fp = self.scores[order], np.cumsum(self.false_flags(exclude_duplicates)[order])
        # a threshold keeps whole ties: the last index of each distinct score
        last = np.r_[s[1:] != s[:-1], True]
        ok = last & (fp <= budget)
        if not ok.any():
            return None
        return float(s[np.flatnonzero(ok)[-1]])

    def ap(self) -> float | None:
        """All-points interpolated AP (the precision envelope integrated over every recall step)."""
        if not self.n_truth:
            return None
        if not len(self.scores):
            return 0.0
        order = np.argsort(-self.scores, kind="stable")
        tp = np.cumsum(self.hit[order])
        fp = np.cumsum(~self.hit[order])
        rec = tp / self.n_truth
        prec = tp / np.maximum(tp + fp, 1)
        mrec = np.r_[0.0, rec, 1.0]
        mpre = np.r_[0.0, prec, 0.0]
        mpre = np.maximum.accumulate(mpre[::-1])[::-1]
        i = np.flatnonzero(mrec[1:] != mrec[:-1])
        return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))

    def summary(self, stored: float, budget: float | None = None) -> dict:
        budget = self.n_images if budget is None else budget
        t1 = self.threshold_at_false(budget)
        t1_lenient = self.threshold_at_false(budget, exclude_duplicates=True)
        return {"images": self.n_images, "truth": self.n_truth, "predictions": len(self.scores),
                "at_1fp": self.at(t1), "at_stored": self.at(stored), "ap50": self.ap(),
                "duplicates_not_false": {"at_1fp": self.at(t1_lenient, True), "at_stored": self.at(stored, True)},
                "max_recall": self.at(float(self.scores.min()) if len(self.scores) else None)["recall"] or 0.0}


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------

@dataclass
class TruthImage:
    file: str  # relative to its set's folder
    path: Path
    boxes: np.ndarray  # (N, 4) xyxy
    note: str = ""


def load_coco_boxes(path: Path) -> list[TruthImage]:
    """real-cameras-dev's boxes.json: ``images[].file_name`` relative to the file's folder, xywh boxes."""
    path = Path(path)
    if not path.is_file():
        raise EvalInputError(f"{path}: not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvalInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) \
            or not isinstance(data.get("annotations"), list):
        raise EvalInputError(f"{path}: not a COCO file (needs 'images' and 'annotations' lists)")
    boxes: dict[int, list] = {}
    try:
        images = {int(im["id"]): im for im in data["images"]}
        for k, a in enumerate(data["annotations"]):
            x, y, w, h = (float(v) for v in a["bbox"])
            if not (w > 0 and h > 0) or not all(map(math.isfinite, (x, y, w, h))):
                raise EvalInputError(f"{path}: annotation {k} has an empty or non-finite bbox {a['bbox']}")
            if int(a["image_id"]) not in images:
                raise EvalInputError(f"{path}: annotation {k} refers to unknown image_id {a['image_id']}")
            boxes.setdefault(int(a["image_id"]), []).append([x, y, x + w, y + h])
        out = [TruthImage(str(im["file_name"]), path.parent / str(im["file_name"]),
                          np.asarray(boxes.get(i, []), np.float64).reshape(-1, 4), str(im.get("note", "")))
               for i, im in sorted(images.items())]
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, EvalInputError):
            raise
        raise EvalInputError(f"{path}: malformed COCO entry ({type(exc).__name__}: {exc})") from None
    for t in out:
        if not t.path.is_file():
            raise EvalInputError(f"{t.path}: image listed in {path.name} not found")
    return out


def load_street_truth(path: Path | None) -> dict[str, np.ndarray]:
    """``{"comment": ..., "cameras": [{"file": KEY, "bbox": [x, y, w, h]}, ...]}`` -> KEY -> (N, 4) xyxy.

    KEY is a street view's key as printed in the JSON / contact sheet: the photo's path relative to the
    data folder (``street-backgrounds/pandaset/x.jpg``) or, for a panorama view, ``panoramas/P.jpg#VIEW_ID``.
    """
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise EvalInputError(f"{path}: street truth file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EvalInputError(f"{path}: not valid JSON ({exc})") from None
    doc = validate_mapping({"cameras": data} if isinstance(data, list) else data, StreetTruthFile, path)
    out: dict[str, list] = {}
    for c in doc.cameras:
        x, y, w, h = (float(v) for v in c.bbox)
        out.setdefault(c.file, []).append([x, y, x + w, y + h])
    return {k: np.asarray(v, np.float64).reshape(-1, 4) for k, v in out.items()}


class StreetCamera(StrictModel):
    """One real camera on a street view: ``file`` = the view key, ``bbox`` = [x, y, width, height] px."""

    file: Annotated[str, Field(min_length=1)]
    bbox: Annotated[list[Real], Field(min_length=4, max_length=4)]
    note: str = ""

    @field_validator("bbox")
    @classmethod
    def _positive_size(cls, value: list) -> list:
        if value[2] <= 0 or value[3] <= 0:
            raise ValueError("expected [x, y, width, height] with width and height > 0")
        return value


class StreetTruthFile(StrictModel):
    """configs/eval/street_cameras.json: ``{"comment": ..., "cameras": [...]}`` (or the bare list)."""

    comment: str = ""
    cameras: list[StreetCamera]


@dataclass
class StreetView:
    key: str  # street truth key
    set: str
    group: str  # subfolder (street-backgrounds) or the panorama
    image: np.ndarray


def iter_street_views(root: Path, name: str, plan=None, limit: int | None = None):
    """(key, group, BGR view) of one street set: photos as they are, panoramas cut into the plan's views
    (``camdetect.scoring.inputs.discover`` + ``camdetect.geometry.plan_views`` / ``cut_view``: what
    ``camdetect score --kind panorama`` scores)."""
    from camdetect.geometry import ViewPlan, cut_view, plan_views
    from camdetect.scoring.inputs import decode_job, discover

    folder = root / name
    kind = "panorama" if name == "panoramas" else "view"
    plan = plan if isinstance(plan, ViewPlan) else ViewPlan.from_yaml(plan)
    jobs = discover(folder, kind)
    for job in jobs[:limit] if limit else jobs:
        dec = decode_job(job)
        if dec.image is None:
            raise EvalInputError(f"{job.path}: cannot decode ({dec.reason})")
        rel = f"{name}/{job.path.relative_to(folder).as_posix()}"
        if kind == "panorama":
            for v in plan_views(job.pano_id, plan):
                yield StreetView(f"{rel}#{v.view_id}", name, rel, cut_view(dec.image, v, job.pano_heading))
        else:
            parts = job.path.relative_to(folder).parts
            yield StreetView(rel, name, parts[0] if len(parts) > 1 else name, dec.image)


# ---------------------------------------------------------------------------------------------
# inference: tiles + whole image (+ middle scale), class-agnostic merge
# ---------------------------------------------------------------------------------------------

def agnostic_merge(det: Detections, thresh: float | None = None) -> Detections:
    """The scorer's intersection-over-smaller suppression (``tiling.ios_nms``), across classes."""
    from camdetect.scoring.tiling import MERGE_IOS, ios_nms

    return ios_nms(det, MERGE_IOS if thresh is None else thresh, agnostic=True)


def ensemble_merge(per_model: list[Detections], iou: float = 0.4) -> Detections:
    """Several models' boxes on one image as one set, by Weighted Boxes Fusion's rule (conf "avg"): boxes are
    taken by descending score and join the first cluster (its score-weighted mean box) they overlap by ``iou``
    that holds no box of their model yet; a cluster's score is the sum of its models' scores over the number of
    models (a box only one of two models proposes keeps half its score), its class the best box's."""
    from camdetect.geometry.overlap import box_iou

    n = len(per_model)
    rows = [(float(d.scores[i]), m, d.xyxy[i].astype(np.float64), int(d.class_ids[i]))
            for m, d in enumerate(per_model) for i in range(len(d))]
    rows.sort(key=lambda r: -r[0])
    boxes: list[np.ndarray] = []  # fused box per cluster
    members: list[list[tuple[float, int, np.ndarray, int]]] = []
    for row in rows:
        best = -1
        if boxes:
            ious = box_iou(row[2][None], np.asarray(boxes))[0]
            for k in np.argsort(-ious):
                if ious[k] < iou:
                    break
                if all(m != row[1] for _, m, _, _ in members[k]):
                    best = int(k)
                    break
        if best < 0:
            boxes.append(row[2].copy())
            members.append([row])
            continue
        members[best].append(row)
        w = np.array([r[0] for r in members[best]])
        boxes[best] = (np.stack([r[2] for r in members[best]]) * w[:, None]).sum(0) / max(w.sum(), 1e-12)
    if not members:
        return Detections()
    scores = np.array([sum(r[0] for r in mem) / n for mem in members], np.float32)
    classes = np.array([mem[0][3] for mem in members], np.int64)
    order = np.argsort(-scores, kind="stable")
    return Detections(np.asarray(boxes, np.float32)[order], scores[order], classes[order])


PASSES = ("whole", "mid", "native")  # whole image letterboxed, the middle scale's tiles, native-resolution tiles


def network_units(image: np.ndarray, imgsz: int, tile: int, mid_scale: bool = True
                  ) -> list[tuple[np.ndarray, float, int, int]]:
    """(pixels, scale, x0, y0) of every network input the real-image evaluation feeds for one image: the whole
    image (letterboxed by the detector), native-resolution tiles of ``tile`` px and, when the whole image is shrunk
    below half, tiles of a copy at the geometric mid scale. training/adapt_bn.py draws its inputs the same way."""
    import cv2

    from camdetect.geometry.tiles import tile_windows
    from camdetect.scoring.tiling import tile_size_for

    h, w = image.shape[:2]
    out = [(image, 1.0, 0, 0)]  # whole image, letterboxed to the model input
    scales = [1.0]
    whole = imgsz / max(h, w)
    if mid_scale and whole < 0.5:
        scales.append(math.sqrt(whole))
    for s in scales:
        im = image if s == 1.0 else cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))),
                                               interpolation=cv2.INTER_AREA)
        ih, iw = im.shape[:2]
        t = tile_size_for(iw, ih, imgsz, tile)
        if not t:
            if s != 1.0:
                out.append((im, s, 0, 0))
            continue
        out += [(im[y1:y2, x1:x2], s, x1, y1) for x1, y1, x2, y2 in tile_windows(iw, ih, t)]
    return out


@dataclass
class MultiScale:
    """Tiled + whole-image inference of one ONNX detector (camdetect.scoring pieces only); with ``ensemble``,
    of several, fused by :func:`ensemble_merge`."""

    model: Path
    conf: float = CONF_FLOOR
    mid_scale: bool = True
    threads: int | None = None
    batch: int = 8
    verifier: Path | None = None  # camdetect verifier train: rescores the merged candidates on the full image
    ensemble: tuple[Path, ...] = ()  # further detectors run the same way; their boxes fused with the first's
    runtime: str = "onnxruntime"  # scoring.runtime spec: the library that runs every model here
    gray: bool = False  # feed grey 3-channel images (a model trained on grey copies: training/gray_dataset.py)
    detector: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from camdetect.scoring.detector import OnnxDetector
        from camdetect.verifier.model import load_verifier

        self.detector = OnnxDetector(self.model, threads=self.threads, batch=self.batch, runtime=self.runtime)
        self.second_look = load_verifier(self.verifier, threads=self.threads, runtime=self.runtime)
        self.others = [MultiScale(Path(m), self.conf, self.mid_scale, self.threads, self.batch, runtime=self.runtime,
                                  gray=self.gray) for m in self.ensemble]
        self.imgsz = max(self.detector.imgsz)
        self.tile = int(self.detector.metadata.training_run.get("tile") or 0) or self.imgsz
        self.stored_conf = float(self.detector.conf)
        self.class_names = list(self.detector.class_names)

    def units(self, image: np.ndarray) -> list[tuple[np.ndarray, float, int, int]]:
        """(pixels, scale, x0, y0) of every network input for one image (:func:`network_units`)."""
        return network_units(image, self.imgsz, self.tile, self.mid_scale)

    def __call__(self, image: np.ndarray, passes: dict[str, Detections] | None = None) -> Detections:
        """Merged boxes on ``image``; ``passes`` (from :meth:`passes` on the same image) saves the network calls."""
        det = self.single(image, passes)
        if self.others:
            det = ensemble_merge([det] + [o.single(image) for o in self.others])
        if self.second_look is not None:
            det = self.second_look.rescore(image, det)
        return det

    def passes(self, image: np.ndarray) -> dict[str, Detections]:
        """This detector's raw boxes per pass (:data:`PASSES`: whole image, middle scale, native tiles), in image
        pixels, not yet merged: which scale sees a camera is the first question about a miss."""
        if self.gray:
            from camdetect.scoring.inputs import gray_bgr

            image = gray_bgr(image)
        units = self.units(image)
        dets = self.detector.predict([u[0] for u in units], conf=self.conf)
        parts: dict[str, list[Detections]] = {name: [] for name in PASSES}
        for i, ((_, s, x0, y0), d) in enumerate(zip(units, dets)):
            if len(d):
                xyxy = d.xyxy.copy()
                xyxy[:, [0, 2]] = (xyxy[:, [0, 2]] + x0) / s
                xyxy[:, [1, 3]] = (xyxy[:, [1, 3]] + y0) / s
                parts[pass_name(i, s)].append(Detections(xyxy, d.scores, d.class_ids))
        return {name: Detections.concat(v) for name, v in parts.items()}

    def single(self, image: np.ndarray, passes: dict[str, Detections] | None = None) -> Detections:
        """This detector's own boxes on ``image`` (tiles + whole image, class-agnostic merge, clipped)."""
        passes = self.passes(image) if passes is None else passes
        return merged_in_image(Detections.concat(passes.values()), image.shape)


def pass_name(index: int, scale: float) -> str:
    """The pass a network unit of :func:`network_units` belongs to (unit 0 is the whole image)."""
    return PASSES[0] if index == 0 else PASSES[2] if scale == 1.0 else PASSES[1]


def merged_in_image(det: Detections, shape) -> Detections:
    """Class-agnostic merge of boxes from several network units, clipped to the image."""
    h, w = shape[:2]
    det = agnostic_merge(det)
    if len(det):
        det.xyxy[:, [0, 2]] = det.xyxy[:, [0, 2]].clip(0, w)
        det.xyxy[:, [1, 3]] = det.xyxy[:, [1, 3]].clip(0, h)
    return det


# ---------------------------------------------------------------------------------------------
# contact sheets
# ---------------------------------------------------------------------------------------------

@dataclass
class Cell:
    image: np.ndarray
    focus: tuple[float, float, float, float]  # box the crop is centred on
    boxes: list[tuple[tuple[float, float, float, float], tuple[int, int, int]]]
    caption: str


def crop_window(shape, focus) -> tuple[int, int, int, int]:
    """A square window 3x the box's longer side (at least 96 px) around it, inside the image."""
    h, w = shape[:2]
    x1, y1, x2, y2 = (float(v) for v in focus)
    side = max(96.0, 3.0 * max(x2 - x1, y2 - y1))
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    x0, y0 = int(max(0, min(w - side, cx - side / 2))), int(max(0, min(h - side, cy - side / 2)))
    return x0, y0, int(min(w, x0 + side)), int(min(h, y0 + side))


def crop_around(image: np.ndarray, focus) -> tuple[np.ndarray, tuple[int, int]]:
    """A copy of the crop window around ``focus`` and its origin (so the full view can be dropped)."""
    x0, y0, x1, y1 = crop_window(image.shape, focus)
    return image[y0:y1, x0:x1].copy(), (x0, y0)


def render_cell(cell: Cell, size: int = 192) -> np.ndarray:
    import cv2

    cx0, cy0, cx1, cy1 = crop_window(cell.image.shape, cell.focus)
    crop = cell.image[cy0:cy1, cx0:cx1]
    k = size / max(crop.shape[:2])
    crop = cv2.resize(crop, (max(1, round(crop.shape[1] * k)), max(1, round(crop.shape[0] * k))),
                      interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    out = np.full((size + 34, size, 3), 30, np.uint8)
    out[:crop.shape[0], :crop.shape[1]] = crop
    for (bx1, by1, bx2, by2), colour in cell.boxes:
        p1 = (round((bx1 - cx0) * k), round((by1 - cy0) * k))
        p2 = (round((bx2 - cx0) * k), round((by2 - cy0) * k))
        cv2.rectangle(out[:size], p1, p2, colour, 2)
    for n, line in enumerate(cell.caption.split("\n")[:2]):
        cv2.putText(out, line[:30], (3, size + 13 + 15 * n), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (235, 235, 235), 1,
                    cv2.LINE_AA)
    return out


def contact_sheet(sections: list[tuple[str, list[Cell]]], path: Path, cols: int = 6, size: int = 192) -> Path | None:
    """Sections of crops under a title bar each, written as one PNG (None when there is nothing to show)."""
    import cv2

    rows = []
    width = cols * size
    for title, cells in sections:
        bar = np.full((28, width, 3), 60, np.uint8)
        cv2.putText(bar, f"{title} ({len(cells)})", (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1,
                    cv2.LINE_AA)
        rows.append(bar)
        tiles = [render_cell(c, size) for c in cells]
        for i in range(0, len(tiles), cols):
            row = tiles[i:i + cols]
            row += [np.full_like(tiles[0], 30)] * (cols - len(row))
            rows.append(np.concatenate(row, axis=1))
    if not rows:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.concatenate(rows, axis=0)):
        raise OSError(f"{path}: cannot write PNG")
    return path


def xyxy_tuple(b) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in b)  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# the two evaluations
# ---------------------------------------------------------------------------------------------

def evaluate_real(infer: MultiScale, truth: list[TruthImage], progress=None) -> tuple[dict, list]:
    """Score every real-cameras-dev photo; metrics + per-image rows (kept in memory for the sheet)."""
    from camdetect.scoring.inputs import decode_image

    rows, per_image, strict = [], [], []
    by_pass: dict[str, list[tuple]] = {name: [] for name in PASSES}
    for t in truth:
        dec = decode_image(t.path)
        if dec.image is None:
            raise EvalInputError(f"{t.path}: cannot decode ({dec.reason})")
        raw = infer.passes(dec.image)
        det = infer(dec.image, raw)
        m = greedy_match(det.xyxy, det.scores, t.boxes)
        rows.append((t, dec.image, det, m))
        per_image.append((det.scores, m >= 0, hit_matrix(det.xyxy, t.boxes).any(axis=1)))
        strict.append((det.scores, greedy_match(det.xyxy, det.scores, t.boxes, grow=None) >= 0))
        for name, d in raw.items():
            d = merged_in_image(d, dec.image.shape)
            by_pass[name].append((d.scores, greedy_match(d.xyxy, d.scores, t.boxes) >= 0,
                                  hit_matrix(d.xyxy, t.boxes).any(axis=1)))
        if progress:
            progress()
    n_truth = sum(len(t.boxes) for t in truth)
    metrics = Curve.pool(per_image, n_truth, len(truth)).summary(infer.stored_conf)
    # the same without the centre rule: a small box on a part of a big camera (a lens, an IR LED) is no hit
    s = Curve.pool(strict, n_truth, len(truth)).summary(infer.stored_conf)
    metrics["iou_only"] = {k: s[k] for k in ("at_1fp", "at_stored", "ap50", "max_recall")}
    # each pass alone (this detector's boxes, before any ensemble or second look): where the hits come from
    metrics["passes"] = {name: {k: v for k, v in Curve.pool(items, n_truth, len(truth)).summary(infer.stored_conf).items()
                                if k in ("at_1fp", "ap50", "max_recall")} for name, items in by_pass.items()}
    metrics["photos"] = photo_curves(per_image, truth)
    draws = resampled(metrics["photos"])
    metrics["ci90"] = {"at_1fp_recall": interval90([d[0] for d in draws]), "ap50": interval90([d[1] for d in draws]),
                       "draws": len(draws), "resampled": "photos, with replacement"}
    # chance level of the centre rule: the share of each image a suggestion's centre can hit a camera in
    metrics["grown_truth_area_share"] = round(float(np.mean([grown_area_share(t.boxes, img.shape)
                                                             for t, img, _, _ in rows])), 4) if rows else None
    return metrics, rows


def photo_curves(per_image: list[tuple], truth: list[TruthImage]) -> list[dict]:
    """Every prediction's score, hit and on-a-camera flag per photo (compact, in real_cameras.json): what a
    bootstrap over photos needs, for one model's intervals and for paired comparisons of two models."""
    return [{"file": t.file, "n_truth": len(t.boxes), "scores": [round(float(v), 5) for v in p[0]],
             "hit": [int(v) for v in p[1]], "on_camera": [int(v) for v in p[2]]} for p, t in zip(per_image, truth)]


def resampled(curves: list[dict], draws: int = 1000, seed: int = 0,
              thresholds: tuple[float, ...] = ()) -> list[tuple[float | None, ...]]:
    """(recall at <= 1 false suggestion per photo, AP50, recall at each of ``thresholds``) for ``draws`` resamples
    of the photos with replacement (the same draws for every model given the same photos and seed: a paired
    comparison). A fixed threshold is one chosen elsewhere, e.g. where street views get <= 0.1 false per view."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        pick = rng.integers(0, len(curves), len(curves))
        sample = [(curves[i]["scores"], curves[i]["hit"], curves[i]["on_camera"]) for i in pick]
        c = Curve.pool(sample, sum(curves[i]["n_truth"] for i in pick), len(pick))
        out.append((c.at(c.threshold_at_false(len(pick)))["recall"], c.ap(), *(c.at(t)["recall"] for t in thresholds)))
    return out


def interval90(values: list[float | None]) -> list[float] | None:
    v = np.array([x for x in values if x is not None], np.float64)
    return [round(float(q), 3) for q in np.percentile(v, [5, 95])] if len(v) else None


def grown_area_share(boxes: np.ndarray, shape, grow: float = HIT_GROW) -> float:
    """Share of the image inside the truth boxes grown by ``grow`` (clipped; overlaps counted once)."""
    h, w = shape[:2]
    mask = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64).reshape(-1, 4):
        dx, dy = (x2 - x1) * grow / 2, (y2 - y1) * grow / 2
        top, bottom = max(0, math.floor(y1 - dy)), max(0, math.ceil(y2 + dy))
        left, right = max(0, math.floor(x1 - dx)), max(0, math.ceil(x2 + dx))
        mask[top:bottom, left:right] = True
    return float(mask.mean())


def real_details(rows, names: list[str], thresholds: dict[str, float | None], keep_min: float = 0.05) -> list[dict]:
    out = []
    for t, _, det, m in rows:
        best = []
        for i in range(len(t.boxes)):
            j = np.flatnonzero(m == i)
            best.append(float(det.scores[j[0]]) if len(j) else None)
        preds = [{"bbox": [round(float(v), 1) for v in det.xyxy[k]], "score": round(float(det.scores[k]), 4),
                  "class": names[int(det.class_ids[k])] if int(det.class_ids[k]) < len(names) else "?",
                  "truth": int(m[k])} for k in np.argsort(-det.scores) if det.scores[k] >= keep_min][:30]
        out.append({"file": t.file, "note": t.note, "truth": [[round(float(v), 1) for v in b] for b in t.boxes],
                    "truth_score": best, **{f"found_{k}": [s is not None and v is not None and s >= v for s in best]
                                            for k, v in thresholds.items()},
                    "predictions": preds})
    return out


def real_sheet(rows, threshold: float | None, path: Path, names: list[str], top_false: int = 12) -> Path | None:
    hits, misses, false = [], [], []
    for t, img, det, m in rows:
        name = Path(t.file).stem
        for i, b in enumerate(t.boxes):
            j = np.flatnonzero(m == i)
            s = float(det.scores[j[0]]) if len(j) else None
            boxes = [(xyxy_tuple(b), GREEN)]
            if s is not None:
                boxes.append((xyxy_tuple(det.xyxy[j[0]]), BLUE if threshold is not None and s >= threshold else GREY))
            if s is not None and threshold is not None and s >= threshold:
                iou = float(box_iou(det.xyxy[j[0]], b)[0, 0])
                hits.append(Cell(img, xyxy_tuple(b), boxes, f"{name}\nHIT {s:.2f} IoU {iou:.2f}"))
            else:
                misses.append(Cell(img, xyxy_tuple(b), boxes,
                                   f"{name}\nMISS best {s:.3f}" if s is not None else f"{name}\nMISS (no box)"))
        for k in np.flatnonzero(m < 0):
            false.append((float(det.scores[k]), Cell(img, xyxy_tuple(det.xyxy[k]),
                                                     [(xyxy_tuple(b), GREEN) for b in t.boxes]
                                                     + [(xyxy_tuple(det.xyxy[k]), RED)],
                                                     f"{name}\nFALSE {det.scores[k]:.2f} "
                                                     f"{names[int(det.class_ids[k])] if int(det.class_ids[k]) < len(names) else ''}")))
    false.sort(key=lambda x: -x[0])
    tt = "none" if threshold is None else f"{threshold:.3f}"
    return contact_sheet([(f"hits at score >= {tt} (truth green, suggestion blue)", hits),
                          (f"misses at {tt} (grey: best suggestion on it, below threshold)", misses),
                          ("top false suggestions (red)", [c for _, c in false[:top_false]])], path)


def evaluate_street(infer: MultiScale, root: Path, thresholds: dict[str, float | None],
                    street_truth: dict[str, np.ndarray], plan=None, limit: int | None = None,
                    keep_min: float | None = None, progress=None) -> tuple[dict, list]:
    """False suggestions per view on every street set present, at each threshold; top suggestions kept."""
    used = [v for v in thresholds.values() if v is not None]
    keep_min = min(used) if keep_min is None and used else (keep_min if keep_min is not None else 1.0)
    per_set: dict[str, dict] = {}
    kept: list[dict] = []
    for name in STREET_SETS:
        if not (root / name).is_dir():
            continue
        groups: dict[str, dict] = {}
        for view in iter_street_views(root, name, plan, limit):
            det = infer(view.image)
            truth = street_truth.get(view.key, np.zeros((0, 4)))
            m = greedy_match(det.xyxy, det.scores, truth)
            for g in (name, view.group) if view.group != name else (name,):
                acc = groups.setdefault(g, {"views": 0, "mpx": 0.0, "real_cameras": 0, "false_scores": [],
                                            **{k: [0, 0] for k in thresholds}})
                acc["false_scores"] += [float(v) for v in det.scores[(m < 0) & (det.scores >= FALSE_SCORE_FLOOR)]]
                acc["views"] += 1
                acc["mpx"] += view.image.shape[0] * view.image.shape[1] / 1e6
                acc["real_cameras"] += len(truth)
                for k, t in thresholds.items():
                    if t is None:
                        continue
                    sel = det.scores >= t
                    acc[k][0] += int((sel & (m < 0)).sum())
                    acc[k][1] += int((sel & (m >= 0)).sum())
            for i in np.flatnonzero(det.scores >= keep_min):
                crop, (x0, y0) = crop_around(view.image, det.xyxy[i])
                kept.append({"key": view.key, "set": name, "bbox": [round(float(v), 1) for v in det.xyxy[i]],
                             "score": round(float(det.scores[i]), 4), "class_id": int(det.class_ids[i]),
                             "real_camera": bool(m[i] >= 0), "_crop": crop, "_origin": (x0, y0)})
            if len(kept) > 4 * KEEP_TOP:  # bounded memory: only the top suggestions keep their crop
                kept.sort(key=lambda d: -d["score"])
                del kept[KEEP_TOP:]
            if progress:
                progress()
        for g, acc in groups.items():
            row = {"views": acc["views"], "megapixels": round(acc["mpx"], 2), "truth_cameras": acc["real_cameras"],
                   "false_scores": sorted((round(v, 4) for v in acc["false_scores"]), reverse=True)}
            for k, t in thresholds.items():
                fp, tp = acc[k]
                row[k] = {"threshold": t, "false": fp if t is not None else None, "real_camera_hits": tp,
                          "false_per_view": (fp / acc["views"]) if t is not None and acc["views"] else None,
                          "false_per_mpx": (fp / acc["mpx"]) if t is not None and acc["mpx"] else None}
            per_set.setdefault(name, {"by_folder": {}})
            if g == name:
                per_set[name].update(row)
            else:
                per_set[name]["by_folder"][g] = row
    for row in per_set.values():
        if not row["by_folder"]:
            del row["by_folder"]
    kept.sort(key=lambda d: -d["score"])
    return per_set, kept[:KEEP_TOP]


def street_sheet(kept: list[dict], path: Path, names: list[str], top: int = 36) -> Path | None:
    cells = []
    for d in kept[:top]:
        cls = names[d["class_id"]] if d["class_id"] < len(names) else "?"
        tag = "REAL" if d["real_camera"] else f"{d['score']:.2f} {cls}"
        short = d["key"].split("/", 1)[-1]
        short = short.split("#")[0].replace("streetview_", "sv_")[:22] + (
            " " + d["key"].split("_h")[-1][:6] if "#" in d["key"] else "")
        x0, y0 = d["_origin"]
        box = (d["bbox"][0] - x0, d["bbox"][1] - y0, d["bbox"][2] - x0, d["bbox"][3] - y0)
        cells.append(Cell(d["_crop"], box, [(box, GREEN if d["real_camera"] else RED)], f"{short}\n{tag}"))
    return contact_sheet([("top-scoring suggestions on real street views (red)", cells)], path)


# ---------------------------------------------------------------------------------------------
# table + command line
# ---------------------------------------------------------------------------------------------

def _f(x, fmt="{:.3f}") -> str:
    return "n/a" if x is None else fmt.format(x)


def print_table(result: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=max(110, shutil.get_terminal_size((110, 24)).columns))
    r = result.get("real_cameras")
    if r:
        tb = Table(title=f"{REAL_SET}: {r['images']} images, {r['truth']} cameras - model {result['model_name']} "
                         f"(hit: IoU >= {HIT_IOU} or centre in truth x{1 + HIT_GROW})")
        for c in ("measure", "value", "threshold", "false / image"):
            tb.add_column(c, justify="right" if c != "measure" else "left")
        a1, st = r["at_1fp"], r["at_stored"]
        tb.add_row("recall at <= 1 false suggestion / image", f"{_f(a1['recall'])} ({a1['hits']}/{r['truth']})",
                   _f(a1["threshold"], "{:.4f}"), _f(a1["false_per_image"], "{:.2f}"))
        tb.add_row("recall at the stored threshold", f"{_f(st['recall'])} ({st['hits']}/{r['truth']})",
                   _f(st["threshold"], "{:.4f}"), _f(st["false_per_image"], "{:.2f}"))
        dl = r["duplicates_not_false"]["at_1fp"]
        tb.add_row("  same, extra boxes on a found camera not false", f"{_f(dl['recall'])} ({dl['hits']}/{r['truth']})",
                   _f(dl["threshold"], "{:.4f}"), _f(dl["false_per_image"], "{:.2f}"))
        tb.add_row("AP50 (hit rule, all points)", _f(r["ap50"]), "", "")
        ci = r.get("ci90") or {}
        if ci.get("at_1fp_recall"):
            tb.add_row("  90 % intervals, photos resampled: recall at <= 1 false / image; AP50",
                       f"{ci['at_1fp_recall']}; {ci['ap50']}", "", "")
        io = r["iou_only"]
        for label, k in (("IoU >= 0.1 only: recall at <= 1 false / image", "at_1fp"),
                         ("IoU >= 0.1 only: recall at the stored threshold", "at_stored")):
            tb.add_row(label, f"{_f(io[k]['recall'])} ({io[k]['hits']}/{r['truth']})", _f(io[k]["threshold"], "{:.4f}"),
                       _f(io[k]["false_per_image"], "{:.2f}"))
        tb.add_row("IoU >= 0.1 only: AP50", _f(io["ap50"]), "", "")
        tb.add_row("chance: share of image area where a centre hits (mean)", _f(r["grown_truth_area_share"]), "", "")
        tb.add_row("highest recall (score floor)", _f(r["max_recall"]), _f(result["settings"]["conf_floor"], "{:.4f}"),
                   "")
        for name, pm in (r.get("passes") or {}).items():
            a = pm["at_1fp"]
            tb.add_row(f"{name} pass alone: recall at <= 1 false / image; AP50",
                       f"{_f(a['recall'])} ({a['hits']}/{r['truth']}); {_f(pm['ap50'])}", _f(a["threshold"], "{:.4f}"),
                       _f(a["false_per_image"], "{:.2f}"))
        console.print(tb)
    s = result.get("street")
    if s:
        th = result["thresholds"]
        tb = Table(title="false suggestions per view on real streets (no camera expected unless in --street-truth)")
        tb.add_column("set")
        tb.add_column("views", justify="right")
        tb.add_column("Mpx", justify="right")
        tb.add_column(f"stored {_f(th.get('stored'), '{:.3f}')}", justify="right")
        tb.add_column(f"<=1 FP/img {_f(th.get('at_1fp'), '{:.3f}')}", justify="right")
        tb.add_column("real cameras hit (stored / 1fp)", justify="right")

        def cell(row, k):
            v = row.get(k) or {}
            return "n/a" if v.get("false") is None else f"{v['false_per_view']:.2f} ({v['false']})"

        for name, row in s.items():
            tb.add_row(name, str(row["views"]), f"{row['megapixels']:.0f}", cell(row, "stored"), cell(row, "at_1fp"),
                       f"{(row.get('stored') or {}).get('real_camera_hits', 0)} / "
                       f"{(row.get('at_1fp') or {}).get('real_camera_hits', 0)}")
            for g, sub in (row.get("by_folder") or {}).items():
                tb.add_row(f"  {g}", str(sub["views"]), f"{sub['megapixels']:.0f}", cell(sub, "stored"), cell(sub, "at_1fp"), "")
        console.print(tb)


EXAMPLE = """example:
  python scripts/eval_real_cameras.py                                   # shipped model -> runs/eval/real
  python scripts/eval_real_cameras.py --model runs/export/new.onnx --out runs/eval/real-new --no-street
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="eval_real_cameras.py", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLE,
        description="Recall on real photos of street cameras (../shared/data/real-cameras-dev) and false "
                    "suggestions per view on real streets (street-backgrounds, street-scenes, panoramas), with "
                    "an ONNX detector (onnxruntime only). Writes OUT/real_cameras.json and contact sheets. "
                    "Exits 0 with a note when the shared data folder is absent.")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help=f"ONNX detector (default {DEFAULT_MODEL}).")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help="Shared data folder holding real-cameras-dev/ and the street sets (default ../shared/data "
                        "from the repo root, or $CAMDETECT_SHARED_DATA).")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"Output folder (default {DEFAULT_OUT}).")
    p.add_argument("--street-truth", type=Path, default=None,
                   help=f"Real cameras on the street images, excluded from false counts (default "
                        f"{DEFAULT_STREET_TRUTH} when present).")
    p.add_argument("--conf-floor", type=float, default=CONF_FLOOR,
                   help=f"Lowest score kept (AP and the threshold search need the tail; default {CONF_FLOOR}).")
    p.add_argument("--mid-scale", action=argparse.BooleanOptionalAction, default=True,
                   help="Also run a middle scale between native tiles and the whole image (default on).")
    p.add_argument("--street", action=argparse.BooleanOptionalAction, default=True,
                   help="Measure false suggestions on the street sets (default on).")
    p.add_argument("--limit", type=int, default=None, help="At most N images per street set (quick runs).")
    p.add_argument("--plan", type=Path, default=None, help="View plan YAML for the panoramas "
                                                            "(default configs/views/default.yaml).")
    p.add_argument("--ensemble", type=Path, action="append", default=[],
                   help="Further ONNX detector whose boxes are fused with --model's (WBF-style score average); "
                        "repeatable.")
    p.add_argument("--verifier", type=Path, default=None,
                   help="Verifier ONNX (camdetect verifier train): every candidate rescored by its second look.")
    p.add_argument("--threads", type=int, default=None, help="ORT intra-op threads (default: cores).")
    p.add_argument("--batch", type=int, default=8, help="Network inputs per ORT batch.")
    p.add_argument("--runtime", default="onnxruntime",
                   help="Library that runs the models: onnxruntime | openvino | openvino:precision=bf16 | auto "
                        "(camdetect score --runtime; docs/scoring.md, Runtime).")
    p.add_argument("--gray", action="store_true",
                   help="Feed the detector grey images (a model trained on training/gray_dataset.py copies).")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="Progress bars.")
    return p


def run(args: argparse.Namespace, console=None) -> dict | None:
    from tqdm import tqdm

    data = Path(args.data)
    if not data.is_dir():
        print(f"skip: shared data folder {data} not found (real-image evaluation needs ../shared/data)")
        return None
    if not 0.0 <= args.conf_floor < 1.0:
        raise EvalInputError(f"--conf-floor: must be in [0, 1), got {args.conf_floor}")
    model = Path(args.model)
    if not model.is_file():
        raise EvalInputError(f"{model}: model not found")
    street_truth_path = args.street_truth
    if street_truth_path is None:
        default = REPO / DEFAULT_STREET_TRUTH
        street_truth_path = default if default.is_file() else None
    street_truth = load_street_truth(street_truth_path)
    real_dir = data / REAL_SET
    truth = load_coco_boxes(real_dir / "boxes.json") if real_dir.is_dir() else None
    try:
        infer = MultiScale(model, conf=args.conf_floor, mid_scale=args.mid_scale, threads=args.threads,
                           batch=args.batch, verifier=args.verifier, ensemble=tuple(args.ensemble),
                           runtime=args.runtime, gray=args.gray)
    except (FileNotFoundError, ValueError) as exc:
        msg = str(exc)
        raise EvalInputError(msg if msg.startswith((str(model), str(args.verifier), "--runtime", *map(str, args.ensemble))) else f"{model}: {msg}") from None
    t0 = time.perf_counter()
    out = Path(args.out)
    result: dict = {
        "model": str(model), "model_name": infer.detector.name, "classes": infer.class_names,
        "verifier": str(args.verifier) if args.verifier else None,
        "runtime": infer.detector.session.runtime.label,
        "gray": bool(args.gray),
        "ensemble": [str(m) for m in args.ensemble],
        "command": "python scripts/eval_real_cameras.py " + " ".join(shlex.quote(a) for a in (args.argv or [])),
        "data": str(data),
        "settings": {"imgsz": infer.imgsz, "tile": infer.tile, "mid_scale": bool(args.mid_scale),
                     "conf_floor": args.conf_floor, "merge": "class-agnostic IoS > 0.6 (tiling.ios_nms)",
                     "hit_rule": f"IoU >= {HIT_IOU} or centre inside the truth box grown to {1 + HIT_GROW}x; "
                                 "each truth matched once, greedy by score"},
        "thresholds": {"stored": infer.stored_conf, "at_1fp": None},
        "street_truth": str(street_truth_path) if street_truth_path else None,
    }
    files = {}
    if truth is not None:
        bar = tqdm(total=len(truth), desc=REAL_SET, unit="img", disable=not args.progress, dynamic_ncols=True)
        metrics, rows = evaluate_real(infer, truth, progress=lambda: bar.update(1))
        bar.close()
        t1 = metrics["at_1fp"]["threshold"]
        result["thresholds"]["at_1fp"] = t1
        result["real_cameras"] = {**metrics, "per_image": real_details(
            rows, infer.class_names, {"at_1fp": t1, "stored": infer.stored_conf})}
        files["real_sheet"] = real_sheet(rows, t1, out / "real_cameras_sheet.png", infer.class_names)
        del rows
    else:
        print(f"note: {real_dir} not found: recall not measured, street counts at the stored threshold only")
    if args.street and any((data / n).is_dir() for n in STREET_SETS):
        bar = tqdm(desc="street views", unit="view", disable=not args.progress, dynamic_ncols=True)
        per_set, kept = evaluate_street(infer, data, dict(result["thresholds"]), street_truth, args.plan,
                                        args.limit, progress=lambda: bar.update(1))
        bar.close()
        result["street"] = per_set
        files["street_sheet"] = street_sheet(kept, out / "street_top_suggestions.png", infer.class_names)
        result["street_top"] = [{k: v for k, v in d.items() if not k.startswith("_")} for d in kept]
    result["files"] = {k: str(v) for k, v in files.items() if v}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "real_cameras.json"
    path.write_text(json.dumps(result, indent=2, allow_nan=False, default=float), encoding="utf-8")
    print_table(result, console)
    print(f"wrote {path}" + "".join(f", {v}" for v in result["files"].values()))
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        run(args)
    except (EvalInputError, FileNotFoundError, ValueError) as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    return 0
