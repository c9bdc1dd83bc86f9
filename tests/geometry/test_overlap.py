"""The one box module: IoU / IoS, greedy NMS and greedy matching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.geometry.overlap import box_ios, box_iou, greedy_match, greedy_nms, paired_iou


@pytest.mark.parametrize("a, b, iou, ios", [
    ((0, 0, 10, 10), (0, 0, 10, 10), 1.0, 1.0),
    ((0, 0, 10, 10), (5, 0, 15, 10), 1 / 3, 0.5),
    ((0, 0, 10, 10), (10, 0, 20, 10), 0.0, 0.0),   # touching
    ((0, 0, 10, 10), (2, 2, 4, 4), 0.04, 1.0),     # inside: IoS 1
    ((0, 0, 0, 10), (0, 0, 0, 10), 0.0, 0.0),      # no area overlaps nothing
])
def test_hand_cases(a, b, iou, ios):
    assert box_iou(a, b)[0, 0] == pytest.approx(iou)
    assert box_ios(a, b)[0, 0] == pytest.approx(ios)


def boxes(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    return np.concatenate([xy, xy + rng.uniform(1, 40, (n, 2))], 1)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 30), m=st.integers(0, 30), seed=st.integers(0, 10_000))
def test_matrices_are_bounded_and_symmetric(n, m, seed):
    a, b = boxes(n, seed), boxes(m, seed + 1)
    iou, ios = box_iou(a, b), box_ios(a, b)
    assert iou.shape == ios.shape == (n, m)
    assert ((0 <= iou) & (iou <= ios + 1e-12) & (ios <= 1 + 1e-12)).all()
    assert np.allclose(iou, box_iou(b, a).T)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 30), seed=st.integers(0, 10_000))
def test_paired_iou_is_the_matrix_diagonal(n, seed):
    a, b = boxes(n, seed), boxes(n, seed + 1)
    b[: n // 2] = a[: n // 2]  # identical pairs: IoU 1
    assert np.allclose(paired_iou(a, b), np.diag(box_iou(a, b)))
    assert np.allclose(paired_iou(a, b)[: n // 2], 1.0)
    assert paired_iou([[5, 5, 5, 9]], [[5, 5, 5, 9]]).tolist() == [0.0]  # no area: overlaps nothing


@pytest.mark.parametrize("metric", ["iou", "ios"])
@pytest.mark.parametrize("seed", range(5))
def test_nms_keeps_no_same_class_pair_above_the_threshold(metric, seed):
    b = boxes(60, seed)
    rng = np.random.default_rng(seed)
    scores, cls = rng.random(60), rng.integers(0, 2, 60)
    keep = greedy_nms(b, scores, 0.5, cls, metric=metric)
    assert scores[keep[0]] == scores.max() and (np.diff(scores[keep]) <= 0).all()
    over = (box_iou if metric == "iou" else box_ios)(b[keep], b[keep])
    same = cls[keep][:, None] == cls[keep][None, :]
    np.fill_diagonal(same, False)
    assert (over[same] <= 0.5 + 1e-5).all()
    # every dropped box overlaps a kept box of its class above the threshold
    dropped = np.setdiff1d(np.arange(60), keep)
    o = (box_iou if metric == "iou" else box_ios)(b[dropped], b[keep])
    assert ((o > 0.5 - 1e-5) & (cls[dropped][:, None] == cls[keep][None, :])).any(axis=1).all()


def test_ios_removes_a_partial_box_inside_a_whole_one():
    b = np.array([[0, 0, 60, 40], [0, 0, 30, 40]], float)
    assert greedy_nms(b, np.array([0.9, 0.8]), 0.6, metric="iou").tolist() == [0, 1]
    assert greedy_nms(b, np.array([0.9, 0.8]), 0.6, metric="ios").tolist() == [0]


def coco_reference(quality, eligible, order):
    """The loop evaluate.matching used before: each row in turn takes its best free column."""
    out = np.full(quality.shape[0], -1)
    taken = np.zeros(quality.shape[1], bool)
    for r in order if quality.shape[1] else ():
        cand = np.where(~taken, quality[r], -1.0)
        c = int(np.argmax(cand))
        if eligible[r, c] and not taken[c]:
            out[r], taken[c] = c, True
    return out


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 12), m=st.integers(0, 12), seed=st.integers(0, 10_000), thr=st.sampled_from([0.1, 0.5]))
def test_row_order_matching_is_cocos_rule(n, m, seed, thr):
    p, g = boxes(n, seed), boxes(m, seed + 7)
    iou = box_iou(p, g)
    order = np.argsort(-np.random.default_rng(seed).random(n), kind="stable")
    eligible = (iou >= thr) & (iou > 0)
    got = greedy_match(iou, eligible, order)
    assert got.tolist() == coco_reference(iou, eligible, order).tolist()
    assert len(set(got[got >= 0].tolist())) == int((got >= 0).sum())  # one-to-one


def test_global_matching_takes_best_pairs_first():
    q = np.array([[0.9, 0.8], [0.95, 0.1]])
    assert greedy_match(q).tolist() == [1, 0]             # (1, 0) is the best pair, row 0 takes what is left
    assert greedy_match(q, row_order=[0, 1]).tolist() == [0, 1]  # rows in turn: row 0 first takes column 0
    assert greedy_match(q, q > 0.5).tolist() == [1, 0]
    assert greedy_match(q, q > 0.92).tolist() == [-1, 0]
    assert greedy_match(np.zeros((0, 3))).tolist() == []
