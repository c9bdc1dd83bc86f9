"""Tile sizes per image; duplicates across tile borders merge to one box (the windows: tests/geometry/test_tiles.py)."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.records import Detections
from camdetect.scoring.tiling import merge_tiles, tile_size_for


@pytest.mark.parametrize("w,h,imgsz,tile,expected", [
    (640, 640, 640, -1, 0), (1281, 700, 640, -1, 640), (3264, 2448, 640, -1, 640), (3264, 2448, 640, 0, 0),
    (1000, 1000, 640, 512, 512), (500, 500, 640, 512, 0)])
def test_tile_size_for(w, h, imgsz, tile, expected):
    assert tile_size_for(w, h, imgsz, tile) == expected


@pytest.mark.parametrize("w,h,tile,train_tile,expected", [
    (640, 640, -1, 320, 320),   # a model trained on 320 px tiles of 640 px views: tile, never shrink
    (320, 320, -1, 320, 0),     # already tile-sized
    (640, 640, 0, 320, 0),      # --tile 0 still wins
    (640, 640, 256, 320, 256),  # so does an explicit --tile
    (640, 640, -1, 0, 0)])      # trained on whole views: the old rule (tile only above 2 x imgsz)
def test_auto_tiling_follows_the_training_tiles(w, h, tile, train_tile, expected):
    assert tile_size_for(w, h, 320, tile, train_tile) == expected


def test_a_box_cut_by_a_tile_border_is_reported_once():
    whole = Detections(np.array([[590, 100, 650, 140]], np.float32), np.array([0.9], np.float32), np.array([0]))
    left = Detections(np.array([[590, 100, 640, 140]], np.float32), np.array([0.7], np.float32), np.array([0]))
    right = Detections(np.array([[78, 100, 138, 140]], np.float32), np.array([0.8], np.float32), np.array([0]))
    other = Detections(np.array([[10, 10, 30, 30]], np.float32), np.array([0.5], np.float32), np.array([1]))
    merged = merge_tiles([whole, left, right, other], [(0, 0), (0, 0), (512, 0), (0, 0)])
    assert len(merged) == 2
    assert np.allclose(merged.xyxy[0], [590, 100, 650, 140]) and merged.scores[0] == pytest.approx(0.9)
