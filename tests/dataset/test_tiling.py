from __future__ import annotations

import itertools

import numpy as np
import pytest

from camdetect.dataset.tiling import boxes_in_window, tile_windows


@pytest.mark.parametrize("w, h, tile, overlap", [(640, 640, 320, 0.2), (640, 480, 256, 0.25), (300, 300, 320, 0.2),
                                                 (1000, 200, 200, 0.0)])
def test_windows_cover_the_image_and_overlap(w, h, tile, overlap):
    wins = tile_windows(w, h, tile, overlap)
    cover = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in wins:
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert x1 - x0 == min(tile, w) and y1 - y0 == min(tile, h)
        cover[y0:y1, x0:x1] = True
    assert cover.all()
    xs = sorted({x0 for x0, _, _, _ in wins})
    for a, b in itertools.pairwise(xs):
        assert (a + tile) - b >= overlap * tile - 1  # neighbours overlap


@pytest.mark.parametrize("box, kept, partial", [
    ((10, 10, 20, 20), True, False),     # inside
    ((95, 10, 105, 20), False, True),    # half inside: masked, not labelled
    ((92, 10, 102, 20), True, False),    # 80 % inside: kept, clipped
    ((150, 10, 160, 20), False, False),  # outside
])
def test_boxes_in_window(box, kept, partial):
    k, idx, part = boxes_in_window(np.array([box], float), (0, 0, 100, 100), min_visible=0.6)
    assert (len(idx) == 1) is kept
    assert (len(part) == 1) is partial
    if kept:
        assert k[0][2] <= 100


def test_bad_tile_raises():
    with pytest.raises(ValueError, match="tile size"):
        tile_windows(100, 100, 0)
