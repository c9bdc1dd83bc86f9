"""One camera seen in overlapping views of the same panorama is reported once.

Each detection is placed on the sphere (``geometry.view_box_to_sphere``); detections from different
views whose centres are closer than half the larger angular box size (at least ``min_sep``) are the
same camera, and the highest-scoring one represents it. Detections in the same view were already
separated by NMS and are never merged here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camdetect.geometry import angular_distance, view_box_to_sphere
from camdetect.records import Detections, View

MIN_SEP_DEG = 0.5


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
    cands = sorted(to_sphere(views, dets), key=lambda d: -d.score)
    kept: list[SphereDetection] = []
    for d in cands:
        if kept:
            kh = np.array([k.heading for k in kept])
            kp = np.array([k.pitch for k in kept])
            dist = np.atleast_1d(angular_distance(kh, kp, d.heading, d.pitch))
            size = np.array([max(k.ang_w, k.ang_h) for k in kept])
            radius = np.maximum(0.5 * np.maximum(size, max(d.ang_w, d.ang_h)), min_sep)
            other_view = np.array([k.view_index != d.view_index for k in kept])
            hit = np.flatnonzero((dist < radius) & other_view)
            if hit.size:
                kept[int(hit[0])].n_views += 1
                continue
        kept.append(d)
    return kept
