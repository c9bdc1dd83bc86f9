"""Cutting views with cv2.remap: every view pixel shows the direction view_to_angles says it does,
the seam is invisible, poles work, memory does not grow with the panorama, and real panoramas cut."""

from __future__ import annotations

import tracemalloc

import cv2
import numpy as np
import pytest
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.geometry import (
    angular_distance,
    clear_map_cache,
    cut_view,
    pano_to_angles,
    plan_views,
    remap_maps,
    supersample_factor,
    view_maps,
    view_to_angles,
)
from camdetect.records import View

W_ENC, H_ENC = 720, 360  # 0.5 degree per panorama pixel


def _direction_pano(W: int, H: int, pano_heading: float) -> np.ndarray:
    """float32 panorama whose pixels hold their own direction: (cos h, sin h, pitch / 90)."""
    u, v = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    h, p = pano_to_angles(u, v, W, H, pano_heading)
    return np.dstack([np.cos(np.radians(h)), np.sin(np.radians(h)), p / 90.0]).astype(np.float32)


def _decoded(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.degrees(np.arctan2(img[..., 1], img[..., 0])) % 360, img[..., 2] * 90.0


@pytest.fixture(scope="module")
def direction_panos():
    return {ph: _direction_pano(W_ENC, H_ENC, ph) for ph in (0.0, 123.0)}


@settings(max_examples=25, deadline=None)
@given(heading=st.one_of(st.floats(0, 360, exclude_max=True), st.sampled_from([0.0, 180.0, 303.0, 359.9])),
       pitch=st.one_of(st.floats(-90, 90), st.sampled_from([-90.0, 90.0, 89.5])),
       fov=st.floats(20, 120), pano_heading=st.sampled_from([0.0, 123.0]))
def test_every_view_pixel_shows_its_direction(direction_panos, heading, pitch, fov, pano_heading):
    view = View("p", heading, pitch, fov, 48, 32)
    img = cut_view(direction_panos[pano_heading], view, pano_heading=pano_heading, supersample=1)
    assert img.shape == (32, 48, 3) and np.isfinite(img).all()
    xs, ys = np.meshgrid(np.arange(48) + 0.5, np.arange(32) + 0.5)
    h_true, p_true = view_to_angles(view, xs, ys)
    h_got, p_got = _decoded(img)
    err = angular_distance(h_true, p_true, h_got, p_got)
    assert err.max() < 1.0, f"max error {err.max():.3f} deg (pano pixel = 0.5 deg)"  # within 2 pano pixels


@pytest.fixture(scope="module")
def textured_pano():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 255, (256, 512, 3), np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 2.0)


@pytest.mark.parametrize("heading", [180.0, 175.0, 185.0, 0.0])
def test_seam_is_invisible(textured_pano, heading):
    """A view over the panorama's left/right edge equals the same view of the panorama rolled by half."""
    W = textured_pano.shape[1]
    rolled = np.roll(textured_pano, W // 2, axis=1)  # centre column now shows heading 180
    view = View("p", heading, 5.0, 60, 96, 64)
    a = cut_view(textured_pano, view, pano_heading=0.0, supersample=1).astype(int)
    b = cut_view(rolled, view, pano_heading=180.0, supersample=1).astype(int)
    assert np.abs(a - b).mean() < 0.5 and np.abs(a - b).max() <= 3


@pytest.mark.parametrize("pitch", [-90.0, -89.0, 89.0, 90.0])
def test_views_at_the_poles_do_not_crash(textured_pano, pitch):
    view = View("p", 42.0, pitch, 90, 64, 64)
    img = cut_view(textured_pano, view)
    assert img.shape == (64, 64, 3) and img.std() > 0
    gray = cut_view(textured_pano[..., 0].astype(np.float32), view)
    assert gray.shape == (64, 64) and np.isfinite(gray).all()


@settings(max_examples=50, deadline=None)
@given(heading=st.floats(0, 360, exclude_max=True), pitch=st.floats(-90, 90), pano_heading=st.floats(-360, 720),
       scale=st.sampled_from([1, 2]))
def test_cached_shifted_maps_equal_directly_built_maps(heading, pitch, pano_heading, scale):
    """The map cache turns views by shifting columns; that must equal building the map for the view."""
    view = View("p", heading, pitch, 50.0, 24, 16)
    got_x, got_y = view_maps(view, 1024, 512, pano_heading, scale)
    want_x, want_y = remap_maps(view, 1024, 512, pano_heading, scale)
    dx = np.abs(got_x - want_x)
    assert np.minimum(dx, 1024 - dx).max() < 0.01  # columns modulo the panorama width
    np.testing.assert_allclose(got_y, want_y, atol=1e-3)
    assert got_x.min() >= -0.5 and got_x.max() < 1024 - 0.5 + 1e-3


@pytest.mark.parametrize(
    "pano_width, fov, expected",
    [(8192, 56.0, 2), (4096, 56.0, 1), (8192, 90.0, 3), (8192, 20.0, 1), (2048, 90.0, 1)],
)
def test_supersample_factor(pano_width, fov, expected):
    assert supersample_factor(View("p", 0, 0, fov, 640, 640), pano_width) == expected


def test_memory_does_not_grow_with_the_panorama():
    """Per-view work is the size of the view: same peak for a 2048 and an 8192 panorama, far below it."""
    view = View("p", 10.0, 12.0, 56.0, 640, 640)
    peaks = {}
    for W in (2048, 8192):
        pano = np.zeros((W // 2, W, 3), np.uint8)
        clear_map_cache()
        tracemalloc.start()
        cut_view(pano, view, supersample=2)
        peaks[W] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[8192] < 1.2 * peaks[2048] + 1e6
    assert peaks[8192] < 0.3 * (4096 * 8192 * 3)


@pytest.mark.parametrize("shape", [(10,), (1, 100, 3), (4, 5, 6, 3)])
def test_bad_panorama_shape_raises(shape):
    with pytest.raises(ValueError, match="panorama must be"):
        cut_view(np.zeros(shape, np.uint8), View("p", 0, 0, 90, 8, 8))


@pytest.mark.shared_data
def test_cut_default_plan_from_a_real_panorama():
    path = shared_path("panoramas", "streetview_49UGjk9BkU-kfYqGR08HJQ.jpg")
    pano = cv2.imread(str(path))
    assert pano.shape == (4096, 8192, 3)
    views = plan_views(path.stem)
    images = [cut_view(pano, v) for v in views]
    for img, v in zip(images, views):
        assert img.shape == (v.height, v.width, 3) and img.dtype == np.uint8
        assert img.std() > 10  # real content, not a border fill
    # the real panorama's seam (its left/right edge) is as smooth as its middle
    seam = View(path.stem, 180.0, 0.0, 30, 128, 128)
    a = cut_view(pano, seam, supersample=1).astype(int)
    b = cut_view(np.roll(pano, 4096, axis=1), seam, pano_heading=180.0, supersample=1).astype(int)
    assert np.abs(a - b).mean() < 1.0
