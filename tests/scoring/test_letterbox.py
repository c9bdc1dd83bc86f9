"""camdetect's letterbox must be pixel-equal to ultralytics' (what training and torch predict use)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.scoring.letterbox import letterbox, letterbox_params, to_blob, unletterbox_boxes


@pytest.mark.parametrize("shape", [(480, 640), (640, 480), (640, 640), (1, 3000), (3000, 1), (333, 517),
                                   (2448, 3264), (100, 90), (4096, 8192)])
@pytest.mark.parametrize("imgsz", [320, 640, (384, 640)])
def test_pixel_equal_to_ultralytics(shape, imgsz):
    from ultralytics.data.augment import LetterBox

    rng = np.random.default_rng(sum(shape))
    img = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    ours, _ = letterbox(img, imgsz)
    theirs = LetterBox(new_shape=imgsz, auto=False, scaleup=True, center=True, stride=32)(image=img)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)


def test_blob_is_rgb_nchw_over_255():
    img = np.zeros((64, 64, 3), np.uint8)
    img[..., 0] = 255  # blue in BGR
    blob, params = to_blob([img, img], 64)
    assert blob.shape == (2, 3, 64, 64) and blob.dtype == np.float32
    assert blob[0, 2].max() == 1.0 and blob[0, 0].max() == 0.0  # channel 2 (B in RGB order) is blue
    assert params[0].pad_x == 0 and params[0].gain_x == 1.0


@settings(max_examples=60, deadline=None)
@given(h=st.integers(8, 4000), w=st.integers(8, 4000), size=st.sampled_from([320, 640]),
       fx=st.floats(0, 0.9), fy=st.floats(0, 0.9))
def test_unletterbox_inverts_the_forward_mapping(h, w, size, fx, fy):
    _, _, p = letterbox_params(h, w, size)
    box = np.array([[fx * w, fy * h, fx * w + 0.1 * w, fy * h + 0.1 * h]], np.float64)
    net = box.copy()
    net[:, [0, 2]] = net[:, [0, 2]] * p.gain_x + p.pad_x
    net[:, [1, 3]] = net[:, [1, 3]] * p.gain_y + p.pad_y
    back = unletterbox_boxes(net.astype(np.float32), p)
    assert np.allclose(back, np.clip(box, 0, [w, h, w, h]), atol=1e-3 * max(h, w))
