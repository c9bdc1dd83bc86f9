"""The one box module: overlap of axis-aligned xyxy boxes, greedy suppression and greedy matching.

Every stage uses these (numpy only, so scoring may too): scoring's NMS and tile merge, the evaluation's
COCO matching and real-image hit matching, export parity, label consensus.

- :func:`box_iou` / :func:`box_ios`: (N, M) matrices (:func:`paired_iou`: row i with row i); continuous pixel convention (COCO's, no +1), a box of
  zero area overlaps nothing.
- :func:`greedy_nms`: keep the best-scoring box, drop the rest of its class that overlap it by more than the
  threshold, repeat. ``metric="iou"`` is ultralytics / torchvision's NMS (float32 arithmetic, as theirs);
  ``"ios"`` (intersection over the smaller box) merges tiles, where a camera cut by a tile border leaves a
  partial box inside the whole one that IoU would keep.
- :func:`greedy_match`: one-to-one pairs from a quality matrix, either rows taking turns in a given order
  (COCO: predictions by descending score each take their best free truth) or best pairs first over the
  whole matrix (parity: closest twin boxes first).
"""

from __future__ import annotations

import numpy as np


def _as_boxes(b) -> np.ndarray:
    return np.asarray(b, np.float64).reshape(-1, 4)


def box_area(b) -> np.ndarray:
    """(N,) areas of xyxy boxes (0 for inverted boxes)."""
    b = _as_boxes(b)
    return np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1)


def box_intersection(a, b) -> np.ndarray:
    """(N, M) intersection areas."""
    a, b = _as_boxes(a), _as_boxes(b)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    return np.clip(rb - lt, 0, None).prod(axis=2)


def box_iou(a, b) -> np.ndarray:
    """IoU matrix (len(a), len(b)); 0 where the union is empty."""
    inter = box_intersection(a, b)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def paired_iou(a, b) -> np.ndarray:
    """(N,) IoU of row i of ``a`` with row i of ``b`` (two aligned box lists; 0 where the union is empty)."""
    a, b = _as_boxes(a), _as_boxes(b)
    inter = np.clip(np.minimum(a[:, 2:], b[:, 2:]) - np.maximum(a[:, :2], b[:, :2]), 0, None).prod(axis=1)
    union = box_area(a) + box_area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def box_ios(a, b) -> np.ndarray:
    """Intersection over the smaller box, (len(a), len(b)); 0 where the smaller box has no area."""
    inter = box_intersection(a, b)
    small = np.minimum(box_area(a)[:, None], box_area(b)[None, :])
    return np.where(small > 0, inter / np.where(small > 0, small, 1), 0.0)


def greedy_nms(xyxy, scores, thresh: float, class_ids=None, metric: str = "iou") -> np.ndarray:
    """Indices kept by greedy suppression, best score first (ties: input order).

    A box is dropped when its overlap (``metric``: "iou" or "ios") with a kept box of the same class
    (``class_ids`` None: any box) is above ``thresh``. IoU runs in float32 with torchvision's epsilon so the
    scorer's NMS keeps what ultralytics keeps; IoS in float64.
    """
    if metric not in ("iou", "ios"):
        raise ValueError(f"metric must be 'iou' or 'ios', got {metric!r}")
    scores = np.asarray(scores)
    order = np.argsort(-scores, kind="stable")
    b = np.asarray(xyxy).reshape(-1, 4).astype(np.float32 if metric == "iou" else np.float64)
    cls = None if class_ids is None else np.asarray(class_ids)
    if metric == "iou":
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    else:
        area = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    keep: list[int] = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        w = np.clip(np.minimum(b[i, 2], b[rest, 2]) - np.maximum(b[i, 0], b[rest, 0]), 0, None)
        h = np.clip(np.minimum(b[i, 3], b[rest, 3]) - np.maximum(b[i, 1], b[rest, 1]), 0, None)
        inter = w * h
        if metric == "iou":
            over = inter / (area[i] + area[rest] - inter + 1e-9)
        else:
            over = inter / np.maximum(np.minimum(area[i], area[rest]), 1e-9)
        drop = over > thresh
        if cls is not None:
            drop &= cls[rest] == cls[i]
        order = rest[~drop]
    return np.asarray(keep, np.int64)


def greedy_match(quality, eligible=None, row_order=None) -> np.ndarray:
    """``row_to_col`` (R,): the column each row is paired with, -1 when none; one-to-one.

    ``quality`` (R, C): higher is better; ``eligible`` (R, C) bool: pairs that may match at all (default:
    all). With ``row_order`` (e.g. predictions by descending score, COCO's rule) rows take turns in that
    order, each taking the eligible free column of highest quality (ties: lowest column). Without it,
    eligible pairs go best quality first over the whole matrix (ties: row-major order).
    """
    q = np.asarray(quality, np.float64)
    if q.ndim != 2:
        raise ValueError(f"quality must be a (rows, columns) matrix, got shape {q.shape}")
    n_rows, n_cols = q.shape
    out = np.full(n_rows, -1, np.int64)
    if not n_rows or not n_cols:
        return out
    ok = np.ones(q.shape, bool) if eligible is None else np.asarray(eligible, bool)
    taken = np.zeros(n_cols, bool)
    if row_order is not None:
        for r in row_order:
            cand = np.where(ok[r] & ~taken, q[r], -np.inf)
            c = int(np.argmax(cand))
            if np.isfinite(cand[c]):
                out[r], taken[c] = c, True
        return out
    flat = np.flatnonzero(ok.ravel())
    for f in flat[np.argsort(-q.ravel()[flat], kind="stable")]:
        r, c = divmod(int(f), n_cols)
        if out[r] < 0 and not taken[c]:
            out[r], taken[c] = c, True
    return out
