"""Decode the raw YOLO head output ``(B, 4 + nc, anchors)`` into per-image detections."""

from __future__ import annotations

import numpy as np

from camdetect.records import Detections
from camdetect.scoring.letterbox import LetterboxParams, unletterbox_boxes
from camdetect.scoring.nms import batched_nms

MAX_NMS = 30000  # boxes entering NMS, as in ultralytics


def xywh_to_xyxy(xywh: np.ndarray) -> np.ndarray:
    out = np.empty_like(xywh)
    half = xywh[:, 2:4] / 2
    out[:, :2] = xywh[:, :2] - half
    out[:, 2:4] = xywh[:, :2] + half
    return out


def decode_one(pred: np.ndarray, conf: float, iou: float, max_det: int = 300,
               class_agnostic: bool = False) -> Detections:
    """One image's ``(4 + nc, anchors)`` output -> Detections in network-input pixels (before unletterbox)."""
    pred = pred.T  # anchors, 4 + nc
    cls_scores = pred[:, 4:]
    class_ids = cls_scores.argmax(1)
    scores = cls_scores[np.arange(len(cls_scores)), class_ids]
    keep = scores > conf
    if not keep.any():
        return Detections()
    boxes, scores, class_ids = pred[keep, :4], scores[keep], class_ids[keep]
    if len(scores) > MAX_NMS:
        top = np.argsort(-scores, kind="stable")[:MAX_NMS]
        boxes, scores, class_ids = boxes[top], scores[top], class_ids[top]
    xyxy = xywh_to_xyxy(boxes)
    kept = batched_nms(xyxy, scores, class_ids, iou, class_agnostic)[:max_det]
    return Detections(xyxy[kept].astype(np.float32), scores[kept].astype(np.float32),
                      class_ids[kept].astype(np.int64))


def decode_batch(output: np.ndarray, params: list[LetterboxParams], conf: float, iou: float,
                 max_det: int = 300, class_agnostic: bool = False) -> list[Detections]:
    """Batch output -> Detections per image, mapped back to original pixels."""
    results = []
    for pred, p in zip(output, params):
        det = decode_one(pred, conf, iou, max_det, class_agnostic)
        if len(det):
            det.xyxy = unletterbox_boxes(det.xyxy, p)
        results.append(det)
    return results
