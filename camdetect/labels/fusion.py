"""Fuse the geometry of one cluster of tags into one camera: points on the sphere, boxes on an image.

Points: the weighted mean direction on the unit sphere (correct across the 0/360 seam, unlike
averaging headings). Boxes: Weighted Boxes Fusion (Solovyev et al. 2021), each tag treated as one
"model" with its annotator's weight, so a reliable volunteer pulls the box harder.

WBF is a port of the one call we made to ``ensemble_boxes.weighted_boxes_fusion`` (ensemble-boxes 1.0.9,
MIT licence, (c) Roman Solovyev, https://github.com/ZFTurbo/Weighted-Boxes-Fusion), cut down to our case
(one label, one box of score 1 per tag, ``conf_type="avg"``). The package itself imports numba and pandas
(~290 MB installed) for this pure-numpy function, and the review server and ``labels consensus`` both
fuse boxes; tests/labels/test_consensus_fusion.py checks the port against the package ([dev] extra).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from camdetect.geometry.overlap import box_iou


def fuse_points(headings: Sequence[float], pitches: Sequence[float],
                weights: Sequence[float] | None = None) -> tuple[float, float]:
    """Weighted mean direction (heading, pitch) in degrees of points on the sphere."""
    from camdetect.geometry import angles_to_vector
    from camdetect.geometry.projection import vector_to_angles

    v = np.asarray(angles_to_vector(np.asarray(headings, float), np.asarray(pitches, float))).reshape(-1, 3)
    w = np.ones(len(v)) if weights is None else np.asarray(weights, float)
    if len(v) == 0:
        raise ValueError("fuse_points needs at least one point")
    m = (v * w[:, None]).sum(axis=0)
    if np.linalg.norm(m) < 1e-12:  # antipodal points: no meaningful mean, keep the heaviest
        m = v[int(np.argmax(w))]
    h, p = vector_to_angles(m / np.linalg.norm(m))
    return float(np.asarray(h).reshape(-1)[0]) % 360.0, float(np.asarray(p).reshape(-1)[0])


def fuse_boxes(boxes: Sequence[Sequence[float]], weights: Sequence[float] | None = None,
               width: float = 0.0, height: float = 0.0) -> tuple[float, float, float, float]:
    """Weighted Boxes Fusion of the boxes of one cluster into one xyxy box (pixels).

    WBF needs coordinates in [0, 1]: boxes are scaled by the image size (or by the largest
    coordinate when the size is unknown). The cluster was already formed, so WBF runs with an IoU
    threshold of 0 and fuses everything that overlaps; if members do not overlap at all (clustered
    by angle on different crops) the fused box with the largest weight wins.
    """
    b = np.asarray(boxes, float).reshape(-1, 4)
    if len(b) == 0:
        raise ValueError("fuse_boxes needs at least one box")
    w = np.ones(len(b)) if weights is None else np.asarray(weights, float)
    if len(b) == 1:
        return tuple(float(x) for x in b[0])
    sx = width if width > 0 else max(float(b[:, [0, 2]].max()), 1.0)
    sy = height if height > 0 else max(float(b[:, [1, 3]].max()), 1.0)
    scale = np.array([sx, sy, sx, sy])
    norm = np.clip(b / scale, 0.0, 1.0)
    fused, scores = weighted_boxes_fusion(norm, [max(float(x), 1e-6) for x in w], iou_thr=0.0)
    if len(fused) == 0:  # every box had zero area: keep the heaviest as it was
        return tuple(float(x) for x in b[int(np.argmax(w))])
    best = int(np.argmax(scores))
    return tuple(float(x) for x in np.asarray(fused[best]) * scale)


def weighted_boxes_fusion(boxes: np.ndarray, weights: Sequence[float],
                          iou_thr: float = 0.55) -> tuple[np.ndarray, np.ndarray]:
    """WBF of normalised xyxy ``boxes``, box i from "model" i with score 1 and weight ``weights[i]``.

    The same result, in the same order, as ``ensemble_boxes.weighted_boxes_fusion([[b] for b in boxes],
    [[1.0]] * n, [[0]] * n, weights=weights, iou_thr=iou_thr, skip_box_thr=0.0, conf_type="avg")[:2]``
    (float32 box accumulation and tie order included). Returns (fused boxes (k, 4), scores (k,)).
    """
    w = np.asarray(weights, float)
    rows = []
    for t, box in enumerate(np.asarray(boxes, float).reshape(-1, 4)):
        x1, x2 = sorted(np.clip(box[[0, 2]], 0.0, 1.0).tolist())
        y1, y2 = sorted(np.clip(box[[1, 3]], 0.0, 1.0).tolist())
        if (x2 - x1) * (y2 - y1) == 0.0:
            continue  # zero-area boxes are skipped
        rows.append([0, 1.0 * w[t], w[t], t, x1, y1, x2, y2])  # label, score * weight, weight, model, box
    if not rows:
        return np.zeros((0, 4)), np.zeros((0,))
    rows_a = np.array(rows)
    rows_a = rows_a[rows_a[:, 1].argsort()[::-1]]
    clusters: list[list[np.ndarray]] = []
    fused = np.empty((0, 8))
    for row in rows_a:
        i = _matching_box(fused, row, iou_thr)
        if i != -1:
            clusters[i].append(row)
            fused[i] = _weighted_box(clusters[i])
        else:
            clusters.append([row.copy()])
            fused = np.vstack((fused, row.copy()))
    for i, members in enumerate(clusters):  # rescale the confidence by the models that took part
        fused[i, 1] = fused[i, 1] * min(len(w), len(members)) / w.sum()
    fused = fused[fused[:, 1].argsort()[::-1]]
    return fused[:, 4:], fused[:, 1]


def _weighted_box(members: list[np.ndarray]) -> np.ndarray:
    box = np.zeros(8, dtype=np.float32)  # float32, as ensemble-boxes
    conf = 0.0
    for m in members:
        box[4:] += m[1] * m[4:]
        conf += m[1]
    box[0] = members[0][0]
    box[1] = conf / len(members)
    box[2] = sum(m[2] for m in members)
    box[3] = -1
    box[4:] /= conf
    return box


def _matching_box(fused: np.ndarray, new: np.ndarray, match_iou: float) -> int:
    """Index of the fused box of the same label with the highest IoU above ``match_iou``, or -1."""
    if fused.shape[0] == 0:
        return -1
    iou = box_iou(fused[:, 4:], new[None, 4:])[:, 0]
    iou[fused[:, 0] != new[0]] = -1
    best = int(np.argmax(iou))
    return -1 if iou[best] <= match_iou else best
