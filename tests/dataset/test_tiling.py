from __future__ import annotations

import numpy as np
import pytest

from camdetect.dataset.tiling import boxes_in_window


@pytest.mark.parametrize("box, kept, partial", [
    ((10, 10, 20, 20), True, False),     # inside
    ((95, 10, 105, 20), False, True),    # half inside: masked, not labelled
    ((92, 10, 102, 20), True, False),    # 80 % inside: kept, clipped
    ((150, 10, 160, 20), False, False),  # outside
])
def test_boxes_in_window(box, kept, partial):
    k, idx, part = boxes_in_window(np.array([box], float), (0, 0, 100, 100), min_visible=0.6)
    assert (len(idx) == 1) is kept
    assert (len(part) == 1) is partial
    if kept:
        assert k[0][2] <= 100
