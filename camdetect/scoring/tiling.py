"""SAHI-style tiled scoring of large views, but batched: tiles (plus one whole-image pass) go through
the same ORT batch as everything else, then boxes are shifted back and merged. The tiles are
``camdetect.geometry.tiles.tile_windows``: the windows dataset building cut the training tiles with.

Merging uses class-aware NMS on intersection-over-smaller (IoS): a camera cut by a tile border
leaves a partial box inside the whole one, which IoU would keep as a duplicate.
"""

from __future__ import annotations

from camdetect.geometry.overlap import greedy_nms
from camdetect.records import Detections

MERGE_IOS = 0.6


def tile_size_for(width: int, height: int, imgsz: int, tile: int, train_tile: int = 0) -> int:
    """Tile side for an image: ``tile`` > 0 forces it, 0 disables tiling, < 0 (auto): the tile size the
    model was trained on (``train_tile``, from its metadata: cameras must keep the pixel size they had in
    training) for images larger than it; without one, ``imgsz`` tiles for images more than twice the
    network input."""
    if tile == 0:
        return 0
    if tile > 0:
        return tile if max(width, height) > tile else 0
    if train_tile > 0:
        return train_tile if max(width, height) > train_tile else 0
    return imgsz if max(width, height) > 2 * imgsz else 0


def shift(det: Detections, x0: float, y0: float) -> Detections:
    if not len(det):
        return det
    xyxy = det.xyxy.copy()
    xyxy[:, [0, 2]] += x0
    xyxy[:, [1, 3]] += y0
    return Detections(xyxy, det.scores, det.class_ids)


def ios_nms(det: Detections, thresh: float = MERGE_IOS) -> Detections:
    """Class-aware greedy suppression by intersection over the smaller box."""
    if len(det) < 2:
        return det
    return det[greedy_nms(det.xyxy, det.scores, thresh, det.class_ids, metric="ios")]


def merge_tiles(parts: list[Detections], origins: list[tuple[int, int]], thresh: float = MERGE_IOS) -> Detections:
    """Shift each tile's detections by its origin and merge duplicates across tiles."""
    return ios_nms(Detections.concat(shift(d, x, y) for d, (x, y) in zip(parts, origins)), thresh)
