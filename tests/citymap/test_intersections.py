from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.citymap.intersections import find_intersections, haversine_m, is_street, merge_close
from camdetect.geometry.earth import M_PER_DEG_LAT


@pytest.mark.parametrize("tags, expected", [
    ({"highway": "residential"}, True), ({"highway": "primary_link"}, True),
    ({"highway": "motorway"}, False), ({"highway": "motorway_link"}, False),
    ({"highway": "footway"}, False), ({"highway": "service"}, False),
    ({"highway": "pedestrian", "area": "yes"}, False), ({"building": "yes"}, False),
])
def test_is_street(tags, expected):
    assert is_street(tags) is expected


points_st = st.lists(st.tuples(st.floats(-300, 300), st.floats(-300, 300)), min_size=1, max_size=40, unique=True)


@settings(max_examples=100, deadline=None)
@given(pts=points_st, merge_m=st.floats(0, 30))
def test_merge_is_a_partition_with_gaps(pts, merge_m):
    """Every point lands in exactly one cluster, and points of different clusters are >= merge_m apart."""
    ky = M_PER_DEG_LAT
    points = [(i, 10 + y / ky, 20 + x / (ky * 0.98481), 2) for i, (x, y) in enumerate(pts)]
    groups = merge_close(points, merge_m)
    assert sorted(p[0] for g in groups for p in g) == list(range(len(points)))
    label = {p[0]: k for k, g in enumerate(groups) for p in g}
    for a in points:
        for b in points:
            if label[a[0]] != label[b[0]]:
                assert haversine_m(a[1], a[2], b[1], b[2]) >= merge_m - 1e-6


def test_find_intersections_rejects_negative_merge():
    with pytest.raises(ValueError, match="merge_m"):
        find_intersections({}, [], merge_m=-1)
