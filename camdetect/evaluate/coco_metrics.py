"""COCO box metrics with faster-coco-eval: mAP@0.5, mAP@0.5:0.95, per-class AP, AP by size, PR curves.

COCO calls a box "small" below 32^2 px; nearly every street camera is (Stanford's median box is
9x9 px), so AP_small is almost AP and says little. We therefore also report AP at the evaluated
set's own box-area tertiles, computed with the same evaluator and its area ranges.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass, field

import numpy as np

from camdetect.evaluate.samples import EvalSet

COCO_RANGES = {"small": [0.0, 32.0**2], "medium": [32.0**2, 96.0**2], "large": [96.0**2, 1e10]}


@dataclass
class CocoResult:
    """Summary numbers (None when undefined, e.g. no truth boxes) plus PR curves at IoU 0.5."""

    map50: float | None
    map50_95: float | None
    map75: float | None
    per_class: dict[str, dict[str, float | None]]  # name -> {AP50, AP, n_truth}
    by_area: dict[str, dict[str, float | None]]  # small/medium/large -> {AP50, AP, n_truth}
    tertiles: list[dict] = field(default_factory=list)  # [{label, area_px2, side_px, AP50, AP, n_truth}]
    agnostic: dict[str, float | None] = field(default_factory=dict)  # one-class AP50 / AP
    pr_curves: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # name -> recall/precision/score

    def as_dict(self) -> dict:
        return {"mAP50": self.map50, "mAP50_95": self.map50_95, "mAP75": self.map75,
                "per_class": self.per_class, "coco_area": self.by_area, "size_tertiles": self.tertiles,
                "class_agnostic": self.agnostic}


def _area(b: np.ndarray) -> np.ndarray:
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def to_coco(es: EvalSet) -> tuple[dict, list[dict]]:
    """(ground-truth dataset dict, detection result list) in COCO json form; category id = class + 1."""
    images, anns, dets = [], [], []
    for img_id, (t, p) in enumerate(zip(es.truth, es.preds), start=1):
        images.append({"id": img_id, "file_name": t.image, "width": int(t.width), "height": int(t.height)})
        for b, typ, a in zip(t.boxes, t.types, _area(t.boxes)):
            anns.append({"id": len(anns) + 1, "image_id": img_id, "category_id": es.class_of(typ) + 1,
                         "bbox": [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])],
                         "area": float(a), "iscrowd": 0})
        for b, s, c in zip(p.dets.xyxy, p.dets.scores, p.dets.class_ids):
            dets.append({"image_id": img_id, "category_id": int(c) + 1, "score": float(s),
                         "bbox": [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]})
    cats = [{"id": k + 1, "name": n} for k, n in enumerate(es.classes)]
    return {"images": images, "annotations": anns, "categories": cats}, dets


def _evaluate(gt: dict, dets: list[dict], ranges: dict, use_cats: bool = True):
    from faster_coco_eval import COCO, COCOeval_faster

    quiet = logging.getLogger("faster_coco_eval")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            coco_gt = COCO(gt)
            coco_dt = coco_gt.loadRes(dets)
            ev = COCOeval_faster(coco_gt, coco_dt, iouType="bbox", ranges=ranges,
                                 print_function=lambda *a, **k: None)
            ev.params.useCats = int(use_cats)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
    finally:
        quiet.setLevel(level)
    return ev


def _ap(prec: np.ndarray) -> float | None:
    """COCO's AP from a slice of its precision array: the mean of defined entries (-1 = undefined)."""
    valid = prec[prec > -1]
    return float(valid.mean()) if valid.size else None


def coco_metrics(es: EvalSet) -> CocoResult:
    """All COCO numbers for an aligned set. Truth without any box gives None, not 0."""
    gt, dets = to_coco(es)
    n_truth = len(gt["annotations"])
    if not gt["images"]:
        raise ValueError("no images to evaluate")
    areas = np.array([a["area"] for a in gt["annotations"]], np.float64)
    q1, q2 = (np.quantile(areas, [1 / 3, 2 / 3]) if n_truth else (0.0, 0.0))
    tert_ranges = {"T1": [0.0, float(q1)], "T2": [float(q1), float(q2)], "T3": [float(q2), 1e10]}
    ranges = {**COCO_RANGES, **tert_ranges}
    ev = _evaluate(gt, dets, ranges)
    precision = np.asarray(ev.eval["precision"])  # [T, R, K, A, M]
    scores = np.asarray(ev.eval["scores"])
    labels = list(ev.params.areaRngLbl)
    iou50 = int(np.argmin(np.abs(ev.params.iouThrs - 0.5)))
    iou75 = int(np.argmin(np.abs(ev.params.iouThrs - 0.75)))
    a_all = labels.index("all")

    def ap_at(t=slice(None), k=slice(None), a=a_all):
        return _ap(precision[t, :, k, a, -1])

    per_class, pr = {}, {}
    cat_ids = list(ev.params.catIds)
    counts = {c: 0 for c in cat_ids}
    for a in gt["annotations"]:
        counts[a["category_id"]] += 1
    for k, cid in enumerate(cat_ids):
        name = es.classes[cid - 1]
        per_class[name] = {"AP50": ap_at(iou50, k), "AP": ap_at(slice(None), k), "n_truth": counts[cid]}
        if counts[cid]:
            p = precision[iou50, :, k, a_all, -1]
            s = scores[iou50, :, k, a_all, -1]
            keep = p > -1
            pr[name] = {"recall": [float(x) for x in ev.params.recThrs[keep]],
                        "precision": [float(x) for x in p[keep]], "score": [float(x) for x in s[keep]]}

    def n_in(lo, hi):
        return int(((areas >= lo) & (areas <= hi)).sum()) if n_truth else 0

    by_area = {lbl: {"AP50": ap_at(iou50, a=labels.index(lbl)), "AP": ap_at(a=labels.index(lbl)),
                     "n_truth": n_in(*COCO_RANGES[lbl])} for lbl in COCO_RANGES}
    tertiles = []
    for lbl, (lo, hi) in tert_ranges.items():
        tertiles.append({"label": lbl, "area_px2": [lo, None if hi >= 1e10 else hi],
                         "side_px": [round(lo ** 0.5, 1), None if hi >= 1e10 else round(hi ** 0.5, 1)],
                         "AP50": ap_at(iou50, a=labels.index(lbl)), "AP": ap_at(a=labels.index(lbl)),
                         "n_truth": n_in(lo, hi if hi < 1e10 else np.inf)})
    ev_agn = _evaluate(gt, dets, COCO_RANGES, use_cats=False)
    prec_agn = np.asarray(ev_agn.eval["precision"])
    agnostic = {"AP50": _ap(prec_agn[iou50, :, :, 0, -1]), "AP": _ap(prec_agn[:, :, :, 0, -1])}
    return CocoResult(map50=ap_at(iou50), map50_95=ap_at(), map75=ap_at(iou75), per_class=per_class,
                      by_area=by_area, tertiles=tertiles, agnostic=agnostic, pr_curves=pr)
