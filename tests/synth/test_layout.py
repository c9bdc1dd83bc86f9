"""The ray caster that both the renderer and the camera placement rely on."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.synth.layout import FAR, make_layout, ray_hit, visible


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), heading=st.floats(0, 359.999))
def test_hit_point_lies_on_its_face(seed, heading):
    lay = make_layout(np.random.default_rng(seed), 29.0)
    t, face, s = ray_hit(lay, np.array([heading]))
    if not np.isfinite(t[0]):
        return
    f = lay.faces[face[0]]
    dx, dy = lay.local_dirs(heading)
    x, y = lay.car[0] + t[0] * dx, lay.car[1] + t[0] * dy
    fx, fy = f.point(lay, float(s[0]))
    assert abs(fx - x) < 1e-6 and abs(fy - y) < 1e-6
    assert s[0] >= -1e-6
    # the hit is the nearest block: a point just before it is in the open (visible)
    assert visible(lay, lay.car[0] + 0.9 * t[0] * dx, lay.car[1] + 0.9 * t[0] * dy)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_car_stands_in_a_road_and_sees_down_the_streets(seed):
    lay = make_layout(np.random.default_rng(seed), 29.0)
    px, py = lay.car
    assert abs(px) < lay.ba or abs(py) < lay.bb
    # looking along street A's axis from inside it never hits a block
    if abs(px) < lay.wa:
        t, _, _ = ray_hit(lay, np.array([lay.rot, lay.rot + 180.0]))
        assert np.all(np.isinf(t))


def test_far_constant_is_beyond_blocks():
    assert FAR > 100
