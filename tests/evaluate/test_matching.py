"""Box IoU and COCO-style greedy matching, on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.evaluate.matching import best_overlap_score, box_iou, match_image


@pytest.mark.parametrize("a, b, expected", [
    ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
    ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150),
    ([0, 0, 10, 10], [10, 0, 20, 10], 0.0),  # touching edges: no overlap
    ([0, 0, 10, 10], [2, 2, 8, 8], 36 / 100),  # nested
    ([0, 0, 10, 10], [20, 20, 30, 30], 0.0),
    ([0, 0, 0, 0], [0, 0, 0, 0], 0.0),  # degenerate boxes never match
])
def test_box_iou_hand_cases(a, b, expected):
    assert box_iou(np.array([a]), np.array([b]))[0, 0] == pytest.approx(expected)


@given(st.lists(st.tuples(*[st.floats(0, 100)] * 2, *[st.floats(0.5, 50)] * 2), min_size=1, max_size=6))
@settings(max_examples=50, deadline=None)
def test_box_iou_is_symmetric_and_bounded(raw):
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in raw])
    iou = box_iou(boxes, boxes)
    assert np.allclose(iou, iou.T)
    assert np.all((iou >= 0) & (iou <= 1 + 1e-9))
    assert np.allclose(np.diag(iou), 1.0)


@pytest.mark.parametrize("gt, pr, scores, thr, expected_p2g", [
    # two predictions on one truth box: the higher score wins, the other is a false positive
    ([[0, 0, 10, 10]], [[0, 0, 10, 10], [0, 0, 10, 9]], [0.5, 0.9], 0.5, [-1, 0]),
    # a prediction takes the best-IoU unmatched truth, the next one the remaining truth
    ([[0, 0, 10, 10], [4, 0, 14, 10]], [[3, 0, 13, 10], [0, 0, 10, 10]], [0.9, 0.8], 0.5, [1, 0]),
    # below the IoU threshold: no match
    ([[0, 0, 10, 10]], [[5, 0, 15, 10]], [0.9], 0.5, [-1]),
    ([[0, 0, 10, 10]], [[5, 0, 15, 10]], [0.9], 0.3, [0]),
    ([], [[0, 0, 1, 1]], [0.9], 0.5, [-1]),
    ([[0, 0, 1, 1]], [], [], 0.5, []),
])
def test_match_image_greedy(gt, pr, scores, thr, expected_p2g):
    m = match_image(np.array(gt), np.array(pr), np.array(scores), thr)
    assert m.pred_to_gt.tolist() == expected_p2g
    for j, i in enumerate(m.pred_to_gt):
        if i >= 0:
            assert m.gt_to_pred[i] == j


def test_match_image_class_aware_refuses_other_class():
    gt = np.array([[0, 0, 10, 10]])
    pr = np.array([[0, 0, 10, 10]])
    assert match_image(gt, pr, [0.9], 0.5, np.array([0]), np.array([1])).pred_to_gt.tolist() == [-1]
    assert match_image(gt, pr, [0.9], 0.5, np.array([1]), np.array([1])).pred_to_gt.tolist() == [0]


def test_best_overlap_score_takes_max_over_predictions():
    gt = np.array([[0, 0, 10, 10], [50, 50, 60, 60]])
    pr = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [100, 100, 110, 110]])
    assert best_overlap_score(gt, pr, np.array([0.3, 0.7, 0.99])).tolist() == [0.7, 0.0]
    assert best_overlap_score(gt, np.zeros((0, 4)), np.zeros(0)).tolist() == [0.0, 0.0]
