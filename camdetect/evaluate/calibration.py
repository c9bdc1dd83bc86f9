"""Score calibration: does a score of 0.7 mean a true camera 70% of the time?

Each detection is labelled correct when it takes a same-class truth box at IoU >= 0.5 in COCO's
greedy order (:func:`camdetect.evaluate.matching.match_image`). Scores are binned into equal-width
bins; ECE is the count-weighted mean |accuracy - mean score| over bins. Calibrated scores let the
review queue promise volunteers what share of suggestions are real.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camdetect.evaluate.matching import match_image
from camdetect.evaluate.samples import EvalSet


@dataclass
class Calibration:
    edges: np.ndarray  # (B + 1,)
    count: np.ndarray  # (B,) detections per bin
    mean_score: np.ndarray  # (B,) NaN for empty bins
    accuracy: np.ndarray  # (B,) share correct, NaN for empty bins
    ece: float | None  # None without detections
    n: int
    min_score: float

    def as_dict(self) -> dict:
        def clean(a):
            return [None if np.isnan(x) else round(float(x), 6) for x in a]
        return {"ece": self.ece, "n_detections": self.n, "min_score": self.min_score,
                "bins": {"edges": [float(e) for e in self.edges], "count": self.count.astype(int).tolist(),
                         "mean_score": clean(self.mean_score), "accuracy": clean(self.accuracy)}}


def reliability(scores: np.ndarray, correct: np.ndarray, n_bins: int = 10, min_score: float = 0.0) -> Calibration:
    """Reliability bins and ECE of (score, correct) pairs; scores below ``min_score`` are left out."""
    scores = np.asarray(scores, np.float64)
    correct = np.asarray(correct, bool)
    keep = scores >= min_score
    scores, correct = scores[keep], correct[keep]
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    b = np.clip(np.digitize(scores, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(b, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.bincount(b, weights=scores, minlength=n_bins) / count
        accuracy = np.bincount(b, weights=correct.astype(np.float64), minlength=n_bins) / count
    n = len(scores)
    ece = float(np.nansum(count / n * np.abs(accuracy - mean_score))) if n else None
    return Calibration(edges, count, mean_score, accuracy, ece, n, min_score)


def detection_outcomes(es: EvalSet, iou_thr: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(scores, correct) of every detection in the set, class-aware COCO matching."""
    scores, correct = [], []
    for t, p in zip(es.truth, es.preds):
        if not len(p):
            continue
        gt_cls = np.array([es.class_of(x) for x in t.types], np.int64)
        m = match_image(t.boxes, p.dets.xyxy, p.dets.scores, iou_thr, gt_cls, p.dets.class_ids)
        scores.append(p.dets.scores)
        correct.append(m.pred_to_gt >= 0)
    if not scores:
        return np.zeros(0), np.zeros(0, bool)
    return np.concatenate(scores).astype(np.float64), np.concatenate(correct)


def calibration(es: EvalSet, n_bins: int = 10, min_score: float = 0.0, iou_thr: float = 0.5) -> Calibration:
    s, c = detection_outcomes(es, iou_thr)
    return reliability(s, c, n_bins, min_score)
