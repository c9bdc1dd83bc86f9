"""Sprite geometry: every kind draws, and its truth box is where its body is."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.synth.objects import CAMERA_KINDS, LOOKALIKE_KINDS, parts_to_shapes, sprite_parts
from camdetect.synth.shapes import draw_group

EXTRA = {"canopy": {"radius": 2.0, "blobs": [(0.0, 0.0, 0.5, 1.0), (0.3, 0.2, 0.4, 0.9)], "green": (0.2, 0.4, 0.2)}}


@pytest.mark.parametrize("kind", [*CAMERA_KINDS, *LOOKALIKE_KINDS, "canopy", "street_sign", "car", "solar_panel"])
@pytest.mark.parametrize("side", [-1, 1])
def test_every_kind_draws_inside_its_patch(kind, side):
    parts, box = sprite_parts(kind, {"side": side, "reach": 0.2, **EXTRA.get(kind, {})})
    x0, y0, x1, y1 = box
    assert x1 > x0 and y1 > y0
    img = np.zeros((200, 200, 3), np.float32)
    scale = 60.0 / max(x1 - x0, y1 - y0)  # body box 60 px
    draw_group(img, parts_to_shapes(parts, 100.0, 100.0, scale, scale))
    assert img.max() > 0.05


@pytest.mark.parametrize("kind", CAMERA_KINDS)
def test_camera_body_box_holds_the_drawn_body(kind):
    """Drawn without bracket (reach 0 and no ceiling plate), the body fills its truth box."""
    parts, (x0, y0, x1, y1) = sprite_parts(kind, {"side": 1, "reach": 0.0, "housing": (1, 1, 1), "bubble": (1, 1, 1)})
    s = 400.0
    img = np.zeros((400, 400, 3), np.float32)
    shapes = parts_to_shapes(parts, 200.0, 200.0, s, s)
    draw_group(img, shapes)
    ys, xs = np.nonzero(img.max(axis=2) > 0.2)
    bx0, bx1 = 200 + x0 * s, 200 + x1 * s
    by0, by1 = 200 - y1 * s, 200 - y0 * s
    inside = (xs >= bx0 - 2) & (xs <= bx1 + 2) & (ys >= by0 - 2) & (ys <= by1 + 2)
    assert inside.mean() > 0.8  # only the bracket stub and ceiling plate lie outside
    assert xs.min() <= bx0 + 3 and xs.max() >= bx1 - 3


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown sprite kind"):
        sprite_parts("ufo", {})
