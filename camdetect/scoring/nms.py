"""Class-aware non-maximum suppression in numpy (same rule as ultralytics / torchvision ``nms``)."""

from __future__ import annotations

import numpy as np

from camdetect.geometry.overlap import greedy_nms

MAX_WH = 7680.0  # class offset, as in ultralytics: boxes of different classes never overlap


def nms(xyxy: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Greedy NMS (``camdetect.geometry.overlap.greedy_nms``); returns kept indices in descending score order."""
    return greedy_nms(xyxy, scores, iou)


def batched_nms(xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou: float,
                class_agnostic: bool = False) -> np.ndarray:
    """NMS within each class (boxes shifted by ``class * MAX_WH`` so classes never suppress each other)."""
    if len(scores) == 0:
        return np.zeros((0,), np.int64)
    boxes = xyxy if class_agnostic else xyxy + (class_ids.astype(np.float32) * MAX_WH)[:, None]
    return nms(boxes, scores, iou)
