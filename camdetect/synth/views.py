"""Perspective views of the synthetic city, for callers that want street-like test images quickly
(e.g. the export parity report) without writing a whole city to disk."""

from __future__ import annotations

import cv2
import numpy as np

from camdetect.geometry import cut_view
from camdetect.records import View
from camdetect.synth.city import render_panorama, scene_for
from camdetect.synth.scene import project_sprite


def synthetic_views(n: int, size: int = 640, seed: int = 0, width: int = 2048, fov: float = 48.0,
                    pitch: float = 15.0) -> list[np.ndarray]:
    """``n`` BGR uint8 views (size x size) cut from synthetic panoramas: one view per camera, aimed
    at it (so most views contain at least one camera), then plain views when cameras run out."""
    views: list[np.ndarray] = []
    i = 0
    while len(views) < n:
        sc = scene_for(seed, i)
        pano = cv2.imdecode(np.frombuffer(render_panorama(seed, i, width), np.uint8), cv2.IMREAD_COLOR)
        headings = [project_sprite(sc.layout, c.sprite, width, width // 2).heading for c in sc.cameras]
        headings = headings or [float(h) for h in np.random.default_rng([seed, i, 2]).uniform(0, 360, 2)]
        for h in headings:
            if len(views) < n:
                views.append(cut_view(pano, View(sc.pano_id, h, pitch, fov, size, size)))
        i += 1
    return views
