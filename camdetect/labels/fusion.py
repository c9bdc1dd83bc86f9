"""Fuse the geometry of one cluster of tags into one camera: points on the sphere, boxes on an image.

Points: the weighted mean direction on the unit sphere (correct across the 0/360 seam, unlike
averaging headings). Boxes: Weighted Boxes Fusion (ensemble-boxes; Solovyev et al. 2021), each tag
treated as one "model" with its annotator's weight, so a reliable volunteer pulls the box harder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
    from ensemble_boxes import weighted_boxes_fusion

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
    fused, scores, _ = weighted_boxes_fusion(
        [[row.tolist()] for row in norm], [[1.0]] * len(b), [[0]] * len(b),
        weights=[max(float(x), 1e-6) for x in w], iou_thr=0.0, skip_box_thr=0.0, conf_type="avg")
    best = int(np.argmax(scores))
    return tuple(float(x) for x in np.asarray(fused[best]) * scale)
