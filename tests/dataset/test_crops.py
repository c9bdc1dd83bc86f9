from __future__ import annotations

import numpy as np
import pytest

from camdetect.dataset.crops import context_crop, crop_window


@pytest.mark.parametrize("box, context, min_side, side", [
    ((50, 50, 60, 58), 4.0, 16, 40),   # 4 x the longer side
    ((50, 50, 52, 52), 4.0, 48, 48),   # tiny box: minimum side
])
def test_window_is_square_and_centred(box, context, min_side, side):
    x0, y0, x1, y1 = crop_window(box, context, min_side)
    assert x1 - x0 == y1 - y0 == side
    assert abs((x0 + x1) / 2 - (box[0] + box[2]) / 2) <= 1


@pytest.mark.parametrize("box", [(0, 0, 10, 10), (90, 90, 100, 100), (40, 40, 50, 50)])
def test_crop_has_fixed_size_even_at_the_border(box):
    img = np.random.default_rng(0).integers(0, 255, (100, 100, 3), dtype=np.uint8)
    out = context_crop(img, box, size=64)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
