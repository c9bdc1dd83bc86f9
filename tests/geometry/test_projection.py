"""Points between views, the sphere and the panorama: exact values, round trips, seam and poles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.geometry import (
    angles_to_pano,
    angles_to_vector,
    angles_to_view,
    angular_distance,
    heading_difference,
    pano_to_angles,
    vertical_fov,
    view_to_angles,
    wrap_heading,
)
from camdetect.records import View

headings = st.floats(0.0, 360.0, exclude_max=True)
pitches = st.floats(-90.0, 90.0)
fovs = st.floats(5.0, 170.0)
sizes = st.integers(8, 2048)


@st.composite
def views(draw, pitch=pitches):
    return View("p", draw(headings), draw(pitch), draw(fovs), draw(sizes), draw(sizes))


@pytest.mark.parametrize(
    "view, x, y, heading, pitch",
    [
        (View("p", 0, 0, 90, 640, 640), 320, 320, 0.0, 0.0),  # centre = view direction
        (View("p", 0, 0, 90, 640, 640), 640, 320, 45.0, 0.0),  # right edge = +fov/2
        (View("p", 0, 0, 90, 640, 640), 0, 320, 315.0, 0.0),  # left edge wraps below 0
        (View("p", 90, 0, 90, 640, 640), 320, 0, 90.0, 45.0),  # top edge = +vfov/2
        (View("p", 270, 30, 60, 400, 200), 200, 100, 270.0, 30.0),
        (View("p", 10, 90, 90, 640, 640), 320, 320, 0.0, 90.0),  # zenith: heading is conventionally 0
    ],
)
def test_view_to_angles_known_values(view, x, y, heading, pitch):
    h, p = view_to_angles(view, x, y)
    assert abs(heading_difference(h, heading)) < 1e-9 or abs(pitch) == 90
    assert p == pytest.approx(pitch, abs=1e-9)


@pytest.mark.parametrize(
    "heading, pitch, W, H, pano_heading, u, v",
    [
        (0, 0, 8192, 4096, 0.0, 4096, 2048),  # centre column is pano_heading
        (180, 0, 8192, 4096, 0.0, 0, 2048),  # opposite heading is the left/right edge
        (90, 90, 8192, 4096, 0.0, 6144, 0),  # row 0 is pitch +90
        (270, -90, 4096, 2048, 0.0, 1024, 2048),
        (100, 45, 4096, 2048, 100.0, 2048, 512),  # Google panoramas: centre column = pano_heading
        (-90, 0, 360, 180, 0.0, 90, 90),  # negative headings wrap
    ],
)
def test_angles_to_pano_matches_contract(heading, pitch, W, H, pano_heading, u, v):
    assert angles_to_pano(heading, pitch, W, H, pano_heading) == pytest.approx((u, v))
    h2, p2 = pano_to_angles(u, v, W, H, pano_heading)
    assert abs(heading_difference(h2, heading)) < 1e-9 and p2 == pytest.approx(pitch)


@settings(max_examples=300, deadline=None)
@given(view=views(), fx=st.floats(0, 1), fy=st.floats(0, 1))
def test_view_pixel_angles_round_trip(view, fx, fy):
    x, y = fx * view.width, fy * view.height
    h, p = view_to_angles(view, x, y)
    assert 0 <= h < 360 and -90 <= p <= 90
    x2, y2, front = angles_to_view(view, h, p)
    assert front
    assert abs(x2 - x) < 0.5 and abs(y2 - y) < 0.5


@settings(max_examples=300, deadline=None)
@given(W=st.integers(16, 16384), fu=st.floats(0, 1, exclude_max=True), fv=st.floats(0, 1),
       pano_heading=st.floats(-720, 720))
def test_pano_pixel_angles_round_trip(W, fu, fv, pano_heading):
    H = W // 2
    u, v = fu * W, fv * H
    h, p = pano_to_angles(u, v, W, H, pano_heading)
    u2, v2 = angles_to_pano(h, p, W, H, pano_heading)
    assert 0 <= u2 < W
    du = abs(u2 - u)
    assert min(du, W - du) < 0.5 and abs(v2 - v) < 0.5  # seam: u = 0 and u = W are the same column


@pytest.mark.parametrize("u", [0.0, 1e-9, 0.25, 8191.75, 8192 - 1e-9])
def test_seam_columns_are_neighbours(u):
    W, H = 8192, 4096
    h, _ = pano_to_angles(u, 1000.0, W, H, pano_heading=37.0)
    h_edge, _ = pano_to_angles(0.0, 1000.0, W, H, pano_heading=37.0)
    assert abs(heading_difference(h, h_edge)) <= 0.25 * 360 / W + 1e-6


@settings(max_examples=200, deadline=None)
@given(view=views(pitch=st.sampled_from([-90.0, -89.999, -89.0, 89.0, 89.999, 90.0])),
       fx=st.floats(0, 1), fy=st.floats(0, 1))
def test_views_looking_straight_up_or_down_are_finite(view, fx, fy):
    h, p = view_to_angles(view, fx * view.width, fy * view.height)
    assert math.isfinite(h) and math.isfinite(p)
    x, y, front = angles_to_view(view, h, p)
    assert front and abs(x - fx * view.width) < 0.5 and abs(y - fy * view.height) < 0.5


@pytest.mark.parametrize("pitch", [-90.0, 90.0])
def test_pole_direction_projects_to_a_view_looking_at_it(pitch):
    view = View("p", 123.0, pitch, 90, 640, 480)
    for heading in (0.0, 77.0, 359.0):  # at a pole every heading is the same direction
        x, y, front = angles_to_view(view, heading, pitch)
        assert front and x == pytest.approx(320) and y == pytest.approx(240)


def test_behind_the_camera_is_not_in_front():
    view = View("p", 0, 0, 90, 640, 640)
    x, _, front = angles_to_view(view, np.array([180.0, 90.0, 10.0]), np.array([0.0, 0.0, 0.0]))
    assert front.tolist() == [False, False, True]
    assert np.isnan(x[:2]).all() and np.isfinite(x[2])


@settings(max_examples=200, deadline=None)
@given(h1=headings, p1=pitches, h2=headings, p2=pitches)
def test_angular_distance_matches_dot_product(h1, p1, h2, p2):
    d = angular_distance(h1, p1, h2, p2)
    dot = float(np.clip(angles_to_vector(h1, p1) @ angles_to_vector(h2, p2), -1, 1))
    assert 0 <= d <= 180 + 1e-9
    assert d == pytest.approx(math.degrees(math.acos(dot)), abs=1e-5)
    assert d == pytest.approx(angular_distance(h2, p2, h1, p1), abs=1e-9)


@pytest.mark.parametrize(
    "h1, p1, h2, p2, expected",
    [(0, 0, 90, 0, 90), (359.5, 0, 0.5, 0, 1.0), (0, 90, 180, 90, 0), (0, 0, 0, -90, 90), (10, 0, 190, 0, 180)],
)
def test_angular_distance_known_values(h1, p1, h2, p2, expected):
    assert angular_distance(h1, p1, h2, p2) == pytest.approx(expected, abs=1e-9)


def test_vectorised_calls_keep_shapes():
    view = View("p", 10, 5, 60, 320, 240)
    xs, ys = np.meshgrid(np.arange(4) * 80.0, np.arange(3) * 80.0)
    h, p = view_to_angles(view, xs, ys)
    assert h.shape == (3, 4) and p.shape == (3, 4)
    x, y, front = angles_to_view(view, h, p)
    np.testing.assert_allclose(x, xs, atol=1e-6)
    np.testing.assert_allclose(y, ys, atol=1e-6)
    assert front.all()
    assert angular_distance(h, p, 10.0, 5.0).shape == (3, 4)


@pytest.mark.parametrize("heading, wrapped", [(-1, 359), (360, 0), (725, 5), (0, 0)])
def test_wrap_heading(heading, wrapped):
    assert wrap_heading(heading) == pytest.approx(wrapped)


def test_vertical_fov_of_square_view_equals_horizontal():
    assert vertical_fov(View("p", 0, 0, 56, 640, 640)) == pytest.approx(56)
    assert vertical_fov(View("p", 0, 0, 90, 640, 320)) == pytest.approx(2 * math.degrees(math.atan(0.5)))


@pytest.mark.parametrize("view", [View("p", 0, 0, 0, 640, 640), View("p", 0, 0, 180, 640, 640), View("p", 0, 0, 90, 0, 640)])
def test_bad_views_raise_one_line_value_error(view):
    with pytest.raises(ValueError, match=r"^view .*") as exc:
        view_to_angles(view, 0, 0)
    assert "\n" not in str(exc.value)
