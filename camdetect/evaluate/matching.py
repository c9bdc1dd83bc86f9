"""One-to-one matching of predictions to ground truth on one image.

COCO's rule, so that our confusion matrices and calibration agree with its AP: predictions in
descending score order each take the unmatched truth box of highest IoU >= ``iou_thr`` (of the same
class when ``class_aware``). Also the many-to-one "best overlapping score" per truth box that the
review-effort curve needs (a camera is found when any suggestion at the threshold lies on it).
IoU and the greedy pairing are ``camdetect.geometry.overlap``'s (shared with scoring and export parity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camdetect.geometry.overlap import box_iou, greedy_match


@dataclass
class Match:
    """Result of matching one image: ``pred_to_gt[j]`` = truth index or -1, ``gt_to_pred[i]`` likewise."""

    pred_to_gt: np.ndarray
    gt_to_pred: np.ndarray
    ious: np.ndarray  # IoU of each prediction with its matched truth (0 when unmatched)


def match_image(gt_boxes: np.ndarray, pred_boxes: np.ndarray, pred_scores: np.ndarray,
                iou_thr: float = 0.5, gt_classes: np.ndarray | None = None,
                pred_classes: np.ndarray | None = None) -> Match:
    """Greedy COCO matching; class-aware when both class arrays are given."""
    gt_boxes = np.asarray(gt_boxes, np.float64).reshape(-1, 4)
    pred_boxes = np.asarray(pred_boxes, np.float64).reshape(-1, 4)
    n_gt, n_pred = len(gt_boxes), len(pred_boxes)
    pred_to_gt = np.full(n_pred, -1, np.int64)
    gt_to_pred = np.full(n_gt, -1, np.int64)
    ious_out = np.zeros(n_pred)
    if n_gt and n_pred:
        iou = box_iou(pred_boxes, gt_boxes)
        if gt_classes is not None and pred_classes is not None:
            same = np.asarray(pred_classes)[:, None] == np.asarray(gt_classes)[None, :]
            iou = np.where(same, iou, 0.0)
        order = np.argsort(-np.asarray(pred_scores, np.float64), kind="stable")
        pred_to_gt = greedy_match(iou, (iou >= iou_thr) & (iou > 0), order)
        hit = np.flatnonzero(pred_to_gt >= 0)
        gt_to_pred[pred_to_gt[hit]] = hit
        ious_out[hit] = iou[hit, pred_to_gt[hit]]
    return Match(pred_to_gt, gt_to_pred, ious_out)


def best_overlap_score(gt_boxes: np.ndarray, pred_boxes: np.ndarray, pred_scores: np.ndarray,
                       iou_thr: float = 0.5) -> np.ndarray:
    """Per truth box, the highest score of any prediction with IoU >= ``iou_thr`` (0 when none).

    A truth box counts as found at threshold t exactly when this is >= t, so recall at every
    threshold comes from one pass (class-agnostic: the reviewer fixes the type).
    """
    iou = box_iou(gt_boxes, pred_boxes)
    if not iou.size:
        return np.zeros(len(np.asarray(gt_boxes).reshape(-1, 4)))
    scores = np.where(iou >= iou_thr, np.asarray(pred_scores, np.float64)[None, :], 0.0)
    return scores.max(axis=1)
