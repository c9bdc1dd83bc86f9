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


def test_agnostic_merge_keeps_one_box_per_object_across_classes():
    """A dome box on one tile and a bullet box on the next for the same object: one suggestion with --nms agnostic
    (the better-scored class), two with the class-aware default; far-apart boxes of two classes always stay."""
    dome = Detections(np.array([[100, 100, 130, 120]], np.float32), np.array([0.6], np.float32), np.array([0]))
    bullet = Detections(np.array([[102, 101, 131, 121]], np.float32), np.array([0.7], np.float32), np.array([1]))
    far = Detections(np.array([[10, 10, 30, 30]], np.float32), np.array([0.5], np.float32), np.array([0]))
    parts, origins = [dome, bullet, far], [(0, 0), (0, 0), (0, 0)]
    assert len(merge_tiles(parts, origins)) == 3
    merged = merge_tiles(parts, origins, agnostic=True)
    assert len(merged) == 2 and merged.class_ids.tolist() == [1, 0]
    assert merged.scores.tolist() == pytest.approx([0.7, 0.5])
