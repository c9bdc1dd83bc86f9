"""Overlapping square tiles of a view (SAHI-style slicing) so small cameras get more pixels at a given imgsz.

A 640 px view trained at imgsz 320 halves every camera; cut into 320 px tiles it keeps full
resolution. Tiles overlap so a camera cut by one tile's border is whole in its neighbour; a box is
kept in a tile when at least ``min_visible`` of its area is inside it. The windows are
``camdetect.geometry.tiles.tile_windows``, the same the scorer cuts (train/serve parity).
"""

from __future__ import annotations

import numpy as np

from camdetect.geometry import clip_box


def boxes_in_window(boxes: np.ndarray, window: tuple[int, int, int, int],
                    min_visible: float = 0.6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept boxes in window pixels, their indices, indices of boxes only partly inside (to mask)).

    Partly inside = some area inside but less than ``min_visible``: neither a label nor a clean negative.
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    x0, y0, x1, y1 = window
    shifted = boxes - np.array([x0, y0, x0, y0], np.float64)
    clipped, frac = clip_box(shifted, x1 - x0, y1 - y0) if len(boxes) else (shifted, np.zeros(0))
    keep = np.flatnonzero(frac >= min_visible)
    partial = np.flatnonzero((frac > 0) & (frac < min_visible))
    return clipped[keep], keep, partial
