"""The one tiler: windows cover the image evenly, and dataset building and scoring cut the same ones."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.geometry.tiles import tile_starts, tile_windows


@pytest.mark.parametrize("length,tile,overlap,expected", [
    (640, 640, 0.2, [0]), (100, 640, 0.2, [0]),
    (640, 320, 0.2, [0, 160, 320]),  # the scorer's old rule gave 0, 256, 320
    (1000, 640, 0.2, [0, 360]), (1500, 640, 0.2, [0, 430, 860]), (1000, 200, 0.0, [0, 200, 400, 600, 800]),
    (641, 320, 0.2, [0, 160, 321]), (1024, 320, 0.25, [0, 235, 469, 704])])
def test_starts(length, tile, overlap, expected):
    assert tile_starts(length, tile, overlap) == expected


@settings(max_examples=150, deadline=None)
@given(length=st.integers(1, 6000), tile=st.integers(16, 1024), overlap=st.floats(0.0, 0.6))
def test_starts_are_the_fewest_evenly_spread_windows_with_the_overlap(length, tile, overlap):
    s = tile_starts(length, tile, overlap)
    assert s[0] == 0 and s == sorted(set(s))
    assert s[-1] + tile >= length and (len(s) == 1 or s[-1] + tile == length)  # flush with the far border
    gaps = np.diff(s)
    if len(gaps):
        assert gaps.max() - gaps.min() <= 1  # evenly spread (whole pixels)
        assert tile - gaps.max() >= overlap * tile - 1  # every pair overlaps by >= overlap (rounding)
        # one window fewer could not reach the far border with that overlap
        assert (len(s) - 2) * tile * (1 - overlap) < length - tile + 1e-6


@pytest.mark.parametrize("w, h, tile, overlap", [(640, 640, 320, 0.2), (640, 480, 256, 0.25), (300, 300, 320, 0.2),
                                                 (1000, 200, 200, 0.0), (3264, 2448, 640, 0.2), (1281, 700, 640, 0.2)])
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
        assert (a + tile) - b >= overlap * tile - 1


SIZES = [(w, h, tile, overlap) for w, h in [(320, 320), (640, 640), (640, 480), (1024, 512), (1281, 700), (3264, 2448)]
         for tile in (256, 320, 640) for overlap in (0.0, 0.2, 0.25)]


def test_dataset_building_and_scoring_call_the_one_tiler():
    """Train/serve parity: dataset building, the scorer and the real-image evaluation cut with one function."""
    import inspect

    from camdetect.dataset import build
    from camdetect.evaluate import real_images
    from camdetect.scoring import tiling

    assert build.tile_windows is tile_windows and tiling.tile_windows is tile_windows  # the scorer's TileLayout
    assert "from camdetect.geometry.tiles import tile_windows" in inspect.getsource(real_images.network_units)
    assert "network_units(" in inspect.getsource(real_images.MultiScale.units)  # evaluation and adapt_bn share it


def reference_starts(length: int, tile: int, overlap: float) -> list[int]:
    """The documented rule, written independently: fewest windows with the overlap, evenly spread."""
    if length <= tile:
        return [0]
    n = 2
    while (length - tile) / (n - 1) > tile * (1 - overlap):
        n += 1
    return [round(Fraction(i * (length - tile), n - 1)) for i in range(n)]


@pytest.mark.parametrize("w, h, tile, overlap", SIZES)
def test_windows_follow_the_documented_rule(w, h, tile, overlap):
    assert tile_windows(w, h, tile, overlap) == [(x, y, min(x + tile, w), min(y + tile, h))
                                                 for y in reference_starts(h, tile, overlap)
                                                 for x in reference_starts(w, tile, overlap)]


def test_bad_tile_raises():
    with pytest.raises(ValueError, match="tile size"):
        tile_windows(100, 100, 0)
    with pytest.raises(ValueError, match="overlap"):
        tile_windows(100, 100, 50, 1.0)
