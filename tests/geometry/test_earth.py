"""The one Earth model."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.geometry.earth import EARTH_RADIUS_M, M_PER_DEG_LAT, LocalPlane, haversine_m, offset_latlon


def test_constants_agree():
    assert M_PER_DEG_LAT == 111_320.0
    assert math.pi * EARTH_RADIUS_M / 180 == pytest.approx(M_PER_DEG_LAT, rel=1e-12)
    assert haversine_m(40.0, -74.0, 41.0, -74.0) == pytest.approx(M_PER_DEG_LAT, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(lat=st.floats(-70, 70), lon=st.floats(-179, 179), east=st.floats(-300, 300), north=st.floats(-300, 300))
def test_offset_plane_and_haversine_agree(lat, lon, east, north):
    la, lo = offset_latlon(lat, lon, east, north)
    # the local plane drifts from the sphere with distance and latitude: 1 cm at 357 m and 69 degrees
    assert haversine_m(lat, lon, la, lo) == pytest.approx(math.hypot(east, north), rel=2e-4)
    x, y = LocalPlane(lat, lon).to_xy(la, lo)
    assert (x, y) == pytest.approx((east, north), abs=1e-6)
    assert LocalPlane(lat, lon).to_latlon(x, y) == pytest.approx((la, lo), abs=1e-9)
