"""One camera seen in two overlapping views of a panorama is one suggestion; two cameras stay two."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.geometry import sphere_box_to_view
from camdetect.records import Detections, View
from camdetect.scoring.sphere_merge import merge_on_sphere

VIEWS = [View("p", 0.0, 15.0, 48.0, 640, 640), View("p", 36.0, 15.0, 48.0, 640, 640),
         View("p", 72.0, 15.0, 48.0, 640, 640)]


def seen(cameras: list[tuple[float, float, float]], score=0.8) -> list[Detections]:
    """Detections of cameras (heading, pitch, angular size) in every view that sees them whole."""
    out = []
    for v in VIEWS:
        boxes = []
        for h, p, size in cameras:
            box = sphere_box_to_view(v, h, p, size, size)
            if box is not None and box[0] >= 0 and box[2] <= v.width and box[1] >= 0 and box[3] <= v.height:
                boxes.append(box)
        n = len(boxes)
        out.append(Detections(np.array(boxes, np.float32).reshape(-1, 4), np.full(n, score, np.float32),
                              np.zeros(n, np.int64)))
    return out


@pytest.mark.parametrize("cameras,expected", [
    ([(18.0, 12.0, 1.5)], 1),  # in the overlap of views 0 and 1
    ([(54.0, 20.0, 3.0)], 1),  # overlap of views 1 and 2
    ([(18.0, 12.0, 1.5), (20.5, 12.0, 1.5)], 2),  # two cameras 2.5 deg apart
    ([(18.0, 12.0, 1.5), (54.0, 20.0, 3.0), (80.0, 5.0, 1.0)], 3),
])
def test_merge(cameras, expected):
    dets = seen(cameras)
    assert sum(len(d) for d in dets) >= len(cameras)
    merged = merge_on_sphere(VIEWS, dets)
    assert len(merged) == expected
    for (h, p, _), m in zip(sorted(cameras), sorted(merged, key=lambda m: m.heading)):
        assert abs(m.heading - h) < 0.3 and abs(m.pitch - p) < 0.3


def test_overlap_camera_counts_both_views():
    merged = merge_on_sphere(VIEWS, seen([(18.0, 12.0, 1.5)]))
    assert merged[0].n_views == 2


def test_same_view_detections_are_never_merged():
    det = Detections(np.array([[300, 300, 310, 310], [303, 300, 313, 310]], np.float32),
                     np.array([0.9, 0.8], np.float32), np.array([0, 0]))
    assert len(merge_on_sphere(VIEWS[:1], [det])) == 2
