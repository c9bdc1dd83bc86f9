"""Class-aware non-maximum suppression in numpy (same rule as ultralytics / torchvision ``nms``)."""

from __future__ import annotations

import numpy as np

MAX_WH = 7680.0  # class offset, as in ultralytics: boxes of different classes never overlap


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix (len(a), len(b)) of xyxy boxes."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-12)


def nms(xyxy: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Greedy NMS; returns kept indices in descending score order."""
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = (xyxy[:, i].astype(np.float32) for i in range(4))
    areas = (x2 - x1) * (y2 - y1)
    keep: list[int] = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        ious = inter / (areas[i] + areas[rest] - inter + 1e-9)
        order = rest[ious <= iou]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou: float,
                class_agnostic: bool = False) -> np.ndarray:
    """NMS within each class (boxes shifted by ``class * MAX_WH`` so classes never suppress each other)."""
    if len(scores) == 0:
        return np.zeros((0,), np.int64)
    boxes = xyxy if class_agnostic else xyxy + (class_ids.astype(np.float32) * MAX_WH)[:, None]
    return nms(boxes, scores, iou)
