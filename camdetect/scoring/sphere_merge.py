"""One camera seen in overlapping views of the same panorama is reported once.

Each detection is placed on the sphere (``geometry.view_box_to_sphere``) and grouped by the one
same-camera rule, ``geometry.same_camera.group_on_sphere``, at the scorer's tolerance: detections from
different views whose centres are within half the larger angular box size (at least ``min_sep``) are the
same camera, and the highest-scoring one represents it. Detections in the same view were already
separated by NMS and are never merged here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camdetect.geometry import view_box_to_sphere
from camdetect.geometry.same_camera import SCORING_MIN_DEG, SCORING_REL, group_on_sphere
from camdetect.records import Detections, View

MIN_SEP_DEG = SCORING_MIN_DEG


@dataclass
class SphereDetection:
    """A detection with its place on the sphere; ``n_views`` counts the views that saw it."""

    view_index: int
    det_index: int
    score: float
    class_id: int
    heading: float
    pitch: float
    ang_w: float
    ang_h: float
    n_views: int = 1


def to_sphere(views: list[View], dets: list[Detections]) -> list[SphereDetection]:
    out = []
    for vi, (view, det) in enumerate(zip(views, dets)):
        if not len(det):
            continue
        h, p, aw, ah = view_box_to_sphere(view, det.xyxy.astype(np.float64))
        for di in range(len(det)):
            out.append(SphereDetection(vi, di, float(det.scores[di]), int(det.class_ids[di]),
                                       float(np.atleast_1d(h)[di]), float(np.atleast_1d(p)[di]),
                                       float(np.atleast_1d(aw)[di]), float(np.atleast_1d(ah)[di])))
    return out


def merge_on_sphere(views: list[View], dets: list[Detections], min_sep: float = MIN_SEP_DEG) -> list[SphereDetection]:
    """Greedy (by score) merge across views; returns the kept detections, best first."""
    cands = to_sphere(views, dets)
    if not cands:
        return []
    rep = group_on_sphere([d.heading for d in cands], [d.pitch for d in cands],
                          size=[max(d.ang_w, d.ang_h) for d in cands], score=[d.score for d in cands],
                          source=[d.view_index for d in cands], rel=SCORING_REL, min_deg=min_sep)
    kept = {int(i): cands[i] for i in np.flatnonzero(rep == np.arange(len(cands)))}
    for i, r in enumerate(rep):
        if r != i:
            kept[int(r)].n_views += 1
    return sorted(kept.values(), key=lambda d: -d.score)
