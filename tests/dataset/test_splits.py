"""Grouped splits: every group in exactly one split, no empty split, spatial blocks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.dataset.splits import SplitPlan, assign_splits, group_key, spatial_block


@given(st.dictionaries(st.text(min_size=1, max_size=6), st.integers(0, 50), min_size=1, max_size=40),
       st.integers(0, 1000))
@settings(max_examples=60, deadline=None)
def test_every_group_gets_one_split_and_no_split_is_starved(sizes, seed):
    out = assign_splits(sizes, SplitPlan(seed=seed))
    assert set(out) == set(sizes)
    assert set(out.values()) <= {"train", "val", "test"}
    nonempty = sum(1 for v in sizes.values() if v > 0)
    if nonempty >= 3:
        used = {out[g] for g, v in sizes.items() if v > 0}
        assert used == {"train", "val", "test"}


def test_assignment_is_deterministic_and_seed_dependent():
    sizes = {f"g{i}": i % 5 + 1 for i in range(30)}
    a, b = assign_splits(sizes, SplitPlan(seed=1)), assign_splits(sizes, SplitPlan(seed=1))
    assert a == b
    assert a != assign_splits(sizes, SplitPlan(seed=2))


def test_shares_are_close_to_targets_with_many_groups():
    sizes = {f"g{i}": 1 for i in range(200)}
    out = assign_splits(sizes, SplitPlan(0.7, 0.15, 0.15))
    counts = {s: sum(1 for v in out.values() if v == s) for s in ("train", "val", "test")}
    assert counts == {"train": 140, "val": 30, "test": 30}


@pytest.mark.parametrize("a, b, block_m, same", [
    ((40.70, -73.95), (40.7001, -73.9501), 250, True),   # ~14 m apart
    ((40.70, -73.95), (40.71, -73.95), 250, False),      # ~1.1 km apart
    ((40.70, -73.95), (40.71, -73.95), 5000, True),      # one 5 km block
])
def test_spatial_blocks(a, b, block_m, same):
    assert (spatial_block(*a, block_m) == spatial_block(*b, block_m)) is same


@pytest.mark.parametrize("lat, lon, block_m, expected", [
    (math.nan, math.nan, 250, "int:x"),   # no coordinates: the intersection itself
    (40.7, -73.9, 0, "int:x"),            # spatial blocks off
])
def test_group_key_falls_back_to_intersection(lat, lon, block_m, expected):
    assert group_key("x", lat, lon, block_m) == expected


def test_bad_shares_raise():
    with pytest.raises(ValueError, match="sum to 1"):
        SplitPlan(0.5, 0.1, 0.1)


def test_groups_without_positives_are_shared_out_by_their_own_count():
    """Camera-less intersections must not pile up in whichever split is short of positives."""
    sizes = {f"p{i}": 1 + i % 3 for i in range(40)} | {f"e{i}": 0 for i in range(100)}
    out = assign_splits(sizes, SplitPlan(0.7, 0.15, 0.15, seed=3))
    empty = {s: sum(1 for g, v in out.items() if v == s and g.startswith("e")) for s in ("train", "val", "test")}
    assert empty == {"train": 70, "val": 15, "test": 15}
    weighted = assign_splits(sizes, SplitPlan(0.5, 0.25, 0.25, seed=3),
                             empty_sizes={f"e{i}": (10 if i < 10 else 1) for i in range(100)})
    images = {s: sum((10 if int(g[1:]) < 10 else 1) for g, v in weighted.items() if v == s and g.startswith("e"))
              for s in ("train", "val", "test")}
    assert all(abs(images[s] - share * 190) <= 10 for s, share in (("train", 0.5), ("val", 0.25), ("test", 0.25)))
    positives = {s: sum(v for g, v in sizes.items() if out[g] == s) for s in ("train", "val", "test")}
    assert abs(positives["train"] - 0.7 * 79) <= 3  # the positives' balance is untouched by the empty groups
