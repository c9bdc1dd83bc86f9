"""The one tiler: overlapping square windows of an image, shared by dataset building and scoring.

Training tiles (``camdetect.dataset.build``) and scoring tiles (``camdetect.scoring.pipeline``, the real-image
evaluation) come from this function, so the scorer shows the model exactly the crops it was trained on
(train/serve parity; ``tests/geometry/test_tiles.py`` checks it).

Rule, per axis: the fewest windows whose neighbours overlap by at least ``overlap`` of a tile, spread
evenly from the first edge to the last (the first starts at 0, the last ends flush with the border,
starts rounded to whole pixels). Evenly spaced windows give every camera the same chance to sit whole
inside one tile and cost no more windows than a fixed stride; a fixed stride with the last window pushed
back to the border (the scorer's old rule: 640 px, 320 px tiles -> 0, 256, 320) leaves one pair
overlapping far more than the others and the pair before it at the minimum.
"""

from __future__ import annotations

import math

DEFAULT_OVERLAP = 0.2


def tile_starts(length: int, tile: int, overlap: float = DEFAULT_OVERLAP) -> list[int]:
    """Window origins along one axis of ``length`` px (see the module docstring for the rule)."""
    if tile <= 0:
        raise ValueError(f"tile size must be positive, got {tile}")
    if not 0 <= overlap < 1:
        raise ValueError(f"tile overlap must be in [0, 1), got {overlap}")
    if length <= tile:
        return [0]
    n = math.ceil((length - tile) / (tile * (1 - overlap))) + 1
    return [round(i * (length - tile) / (n - 1)) for i in range(n)]


def tile_windows(width: int, height: int, tile: int,
                 overlap: float = DEFAULT_OVERLAP) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) windows of ``tile`` px covering the image, row by row; a side shorter than the tile
    gives one window clipped to it."""
    xs, ys = tile_starts(width, tile, overlap), tile_starts(height, tile, overlap)
    return [(x, y, min(x + tile, width), min(y + tile, height)) for y in ys for x in xs]
