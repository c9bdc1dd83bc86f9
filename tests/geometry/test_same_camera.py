"""The one same-camera rule on the sphere, at each stage's tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.geometry.same_camera import angle_matrix, group_on_sphere


@pytest.mark.parametrize("heading, pitch, min_deg, expected", [
    ([10.0, 10.5, 12.0], [0, 0, 0], 1.0, [0, 0, 2]),
    ([359.7, 0.2], [5, 5], 1.0, [0, 0]),            # across the 0/360 seam
    ([10.0, 10.0], [0, 2.5], 3.0, [0, 0]),          # 2.5 degrees apart in pitch
    ([10.0, 10.0], [0, 3.5], 3.0, [0, 1]),
    ([0.0, 0.9, 1.8], [0, 0, 0], 1.0, [0, 0, 2]),   # no chaining: within 1 of the representative only
])
def test_fixed_tolerance(heading, pitch, min_deg, expected):
    assert group_on_sphere(heading, pitch, min_deg=min_deg).tolist() == expected


def test_best_score_represents_and_sources_never_share():
    h, p = [20.0, 20.2, 20.1], [0.0, 0.0, 0.0]
    rep = group_on_sphere(h, p, size=[1.0] * 3, score=[0.5, 0.9, 0.7], source=[0, 1, 1], rel=0.5, min_deg=0.5)
    # 1 goes first; 2 is in the same view (source 1) so it cannot join 1; 0 joins 1
    assert rep.tolist() == [1, 1, 2]


@pytest.mark.parametrize("size, expected", [(1.0, [0, 1]), (3.0, [0, 0])])
def test_radius_grows_with_the_angular_size(size, expected):
    # 1.2 degrees apart: separate for 1-degree boxes (radius 0.5), one camera for 3-degree boxes (1.5)
    assert group_on_sphere([0.0, 1.2], [0.0, 0.0], size=[size, size], rel=0.5, min_deg=0.5).tolist() == expected


def test_angle_matrix():
    m = angle_matrix([0.0, 90.0, 359.0], [0.0, 0.0, 0.0])
    assert m.shape == (3, 3) and np.allclose(np.diag(m), 0)
    assert m[0, 1] == pytest.approx(90.0) and m[0, 2] == pytest.approx(1.0) and np.allclose(m, m.T)
