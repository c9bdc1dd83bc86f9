"""Context crops around a camera box, for the type/mount classifier.

Mount is a property of the *surroundings* (a pole, a wall, a signal arm), not of the few pixels of the
camera itself, so the crop is a square ``context`` times the box's longer side (at least ``min_side``
px), centred on the box, padded with the image's edge colour when it runs past the border, and resized
to ``size``. The scorer must cut crops with this same function (numpy + OpenCV only, no torch).
"""

from __future__ import annotations

import cv2
import numpy as np

DEFAULT_CONTEXT = 4.0
DEFAULT_MIN_SIDE = 48
DEFAULT_SIZE = 96


def crop_window(box, context: float = DEFAULT_CONTEXT, min_side: int = DEFAULT_MIN_SIDE) -> tuple[int, int, int, int]:
    """Integer square window (x0, y0, x1, y1) around ``box`` (may extend past the image)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(min_side, context * max(x2 - x1, y2 - y1))
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    s = int(round(side))
    return x0, y0, x0 + s, y0 + s


def context_crop(image: np.ndarray, box, context: float = DEFAULT_CONTEXT, min_side: int = DEFAULT_MIN_SIDE,
                 size: int = DEFAULT_SIZE) -> np.ndarray:
    """The ``size x size`` context crop of ``box`` on ``image`` (BGR uint8 in, BGR uint8 out)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = crop_window(box, context, min_side)
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    src = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else image
    patch = src[y0 + pad:y1 + pad, x0 + pad:x1 + pad]
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA if patch.shape[0] > size else cv2.INTER_LINEAR)
