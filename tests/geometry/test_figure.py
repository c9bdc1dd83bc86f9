"""Figure helpers: footprints split at the seam, the drawn grid panorama follows the conventions."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.geometry import angles_to_pano
from camdetect.geometry.figure import footprint, grid_panorama
from camdetect.records import View


@pytest.mark.parametrize("heading, pieces", [(0.0, 1), (90.0, 1), (180.0, 3), (175.0, 3)])
def test_footprint_splits_at_the_seam(heading, pieces):
    lines = footprint(View("p", heading, 15.0, 48.0, 640, 640), 4096, 2048)
    assert len(lines) == pieces
    for line in lines:
        assert np.all(np.abs(np.diff(line[:, 0])) < 2048) and np.isfinite(line).all()


def test_grid_panorama_marker_sits_at_its_direction():
    W, H = 1024, 512
    img = grid_panorama(W, H, markers=[(90.0, 12.0)], marker_deg=3.0)
    u, v = angles_to_pano(90.0, 12.0, W, H)
    assert img.shape == (H, W, 3)
    assert img[int(v), int(u)].max() < 60  # dark disc
