"""Quick synthetic perspective views for other stages' tests."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.synth.views import synthetic_views


@pytest.mark.parametrize("n, size", [(3, 96), (1, 64)])
def test_views_have_the_asked_shape_and_are_deterministic(n, size):
    a = synthetic_views(n, size=size, seed=2, width=512)
    b = synthetic_views(n, size=size, seed=2, width=512)
    assert len(a) == n
    for x, y in zip(a, b):
        assert x.shape == (size, size, 3) and x.dtype == np.uint8
        assert np.array_equal(x, y)
        assert x.std() > 5  # a street scene, not a blank image
