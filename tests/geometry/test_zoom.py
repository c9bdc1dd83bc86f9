"""Street View zoom <-> FOV."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from camdetect.geometry import fov_to_zoom, zoom_to_fov


@pytest.mark.parametrize(
    "zoom, google, tan",
    [(0, 180.0, 126.87), (1, 90.0, 90.0), (2, 45.0, 53.13), (3, 22.5, 28.07), (4, 11.25, 14.25)],
)
def test_zoom_table(zoom, google, tan):
    assert zoom_to_fov(zoom) == pytest.approx(google)
    assert zoom_to_fov(zoom, model="tan") == pytest.approx(tan, abs=0.01)


@given(zoom=st.floats(0, 6), model=st.sampled_from(["google", "tan"]))
def test_round_trip(zoom, model):
    assert fov_to_zoom(zoom_to_fov(zoom, model), model) == pytest.approx(zoom, abs=1e-9)


def test_vectorised():
    np.testing.assert_allclose(zoom_to_fov(np.array([0.0, 1.0, 2.0])), [180, 90, 45])
    np.testing.assert_allclose(fov_to_zoom(np.array([180.0, 90.0])), [0, 1])


@pytest.mark.parametrize("fov", [0.0, -5.0, 200.0, float("nan")])
def test_bad_fov(fov):
    with pytest.raises(ValueError, match="fov must be"):
        fov_to_zoom(fov)


def test_bad_model():
    with pytest.raises(ValueError, match="unknown zoom model"):
        zoom_to_fov(1, model="bing")
