"""SAHI-style tiled scoring of large views, but batched: tiles (plus one whole-image pass) go through
the same ORT batch as everything else, then boxes are shifted back and merged.

Merging uses class-aware NMS on intersection-over-smaller (IoS): a camera cut by a tile border
leaves a partial box inside the whole one, which IoU would keep as a duplicate.
"""

from __future__ import annotations

import numpy as np

from camdetect.records import Detections

DEFAULT_OVERLAP = 0.2
MERGE_IOS = 0.6


def starts(length: int, tile: int, overlap: float) -> list[int]:
    """Tile origins along one axis: covering [0, length), neighbours overlapping by ``overlap``."""
    if length <= tile:
        return [0]
    step = max(1, int(tile * (1.0 - overlap)))
    out = list(range(0, length - tile, step))
    out.append(length - tile)  # last tile flush with the border
    return sorted(set(out))


def tile_boxes(width: int, height: int, tile: int, overlap: float = DEFAULT_OVERLAP) -> list[tuple[int, int, int, int]]:
    """(x1, y1, x2, y2) of every tile of an image."""
    return [(x, y, min(x + tile, width), min(y + tile, height))
            for y in starts(height, tile, overlap) for x in starts(width, tile, overlap)]


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
    order = np.argsort(-det.scores, kind="stable")
    b = det.xyxy.astype(np.float64)
    area = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(b[i, 2], b[rest, 2]) - np.maximum(b[i, 0], b[rest, 0]), 0, None)
        h = np.clip(np.minimum(b[i, 3], b[rest, 3]) - np.maximum(b[i, 1], b[rest, 1]), 0, None)
        ios = w * h / np.maximum(np.minimum(area[i], area[rest]), 1e-9)
        same = det.class_ids[rest] == det.class_ids[i]
        order = rest[~(same & (ios > thresh))]
    return det[np.asarray(keep, np.int64)]


def merge_tiles(parts: list[Detections], origins: list[tuple[int, int]], thresh: float = MERGE_IOS) -> Detections:
    """Shift each tile's detections by its origin and merge duplicates across tiles."""
    return ios_nms(Detections.concat(shift(d, x, y) for d, (x, y) in zip(parts, origins)), thresh)
