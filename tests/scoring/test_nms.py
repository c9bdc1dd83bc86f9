"""numpy NMS against torchvision's reference (tests may import torch; the scorer never does)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.geometry.overlap import box_iou
from camdetect.scoring.nms import batched_nms, nms


def random_boxes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 200, (n, 2))
    wh = rng.uniform(2, 60, (n, 2))
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    return boxes, rng.permutation(n).astype(np.float32) / n, rng.integers(0, 3, n)


@pytest.mark.parametrize("n,seed,iou", [(0, 0, 0.5), (1, 1, 0.5), (50, 2, 0.5), (300, 3, 0.7), (300, 4, 0.3)])
def test_matches_torchvision_batched_nms(n, seed, iou):
    import torch
    from torchvision.ops import batched_nms as tv_batched_nms

    boxes, scores, cls = random_boxes(n, seed)
    ours = batched_nms(boxes, scores, cls, iou)
    ref = tv_batched_nms(torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(cls), iou).numpy()
    assert ours.tolist() == ref.tolist()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 10_000), iou=st.floats(0.1, 0.9))
def test_kept_boxes_never_overlap_more_than_threshold(n, seed, iou):
    boxes, scores, _ = random_boxes(n, seed)
    keep = nms(boxes, scores, iou)
    ious = box_iou(boxes[keep], boxes[keep])
    np.fill_diagonal(ious, 0)
    assert (ious <= iou + 1e-5).all()
    assert scores[keep[0]] == scores.max()


def test_classes_do_not_suppress_each_other():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], np.float32)
    assert len(batched_nms(boxes, np.array([0.9, 0.8]), np.array([0, 1]), 0.5)) == 2
    assert len(batched_nms(boxes, np.array([0.9, 0.8]), np.array([0, 0]), 0.5)) == 1
