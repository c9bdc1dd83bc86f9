"""Geometry fusion (mean direction, WBF) and the documented point -> box size prior."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.geometry import angular_distance
from camdetect.geometry.overlap import box_iou
from camdetect.labels.fusion import fuse_boxes, fuse_points, weighted_boxes_fusion
from camdetect.labels.size_prior import SIZE_PRIOR_DEG, measure_prior, point_box, weak_pano_box, weak_view_box
from camdetect.records import Tag, View


@pytest.mark.parametrize("headings, pitches, weights, expected", [
    ([359.0, 1.0], [10, 10], None, (0.0, 10.0)),
    ([10.0, 20.0], [0, 0], [3, 1], (12.5, 0.0)),
    ([100.0], [-5.0], None, (100.0, -5.0)),
])
def test_fuse_points(headings, pitches, weights, expected):
    h, p = fuse_points(headings, pitches, weights)
    assert angular_distance(h, p, *expected) < 0.05


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 359.99), st.floats(-60, 60), st.floats(0.01, 2), st.floats(0.01, 2))
def test_fused_point_lies_between_two_points(h, p, dh, dp):
    h2, p2 = (h + dh) % 360, p + dp
    fh, fp = fuse_points([h, h2], [p, p2])
    d = float(angular_distance(h, p, h2, p2))
    assert float(angular_distance(fh, fp, h, p)) <= d + 1e-6
    assert float(angular_distance(fh, fp, h2, p2)) <= d + 1e-6


@pytest.mark.parametrize("boxes, weights, expected", [
    ([[10, 10, 20, 20]], None, (10, 10, 20, 20)),
    ([[10, 10, 20, 20], [12, 10, 22, 20]], None, (11, 10, 21, 20)),
    ([[10, 10, 20, 20], [12, 10, 22, 20]], [3, 1], (10.5, 10, 20.5, 20)),
    ([[10, 10, 20, 20], [100, 100, 120, 120]], [1, 3], (100, 100, 120, 120)),  # no overlap: heaviest
])
def test_fuse_boxes_is_weighted_boxes_fusion(boxes, weights, expected):
    assert fuse_boxes(boxes, weights, 640, 640) == pytest.approx(expected, abs=0.01)


_box = st.tuples(st.floats(-0.1, 1.1), st.floats(-0.1, 1.1), st.floats(0, 0.5), st.floats(0, 0.5)).map(
    lambda b: [b[0], b[1], b[0] + b[2], b[1] + b[3]])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_box, st.sampled_from([0.5, 1.0, 1.0, 2.0, 3.7])), min_size=1, max_size=8),
       st.sampled_from([0.0, 0.3, 0.55]))
def test_weighted_boxes_fusion_port_matches_ensemble_boxes(tagged, iou_thr):
    """camdetect's WBF port gives ensemble-boxes' answer (the package is only in the [dev] extra)."""
    ensemble_boxes = pytest.importorskip("ensemble_boxes")
    boxes, weights = [b for b, _ in tagged], [w for _, w in tagged]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ensemble-boxes warns on clipped / zero-area boxes
        ref_boxes, ref_scores, _ = ensemble_boxes.weighted_boxes_fusion(
            [[b] for b in boxes], [[1.0]] * len(boxes), [[0]] * len(boxes), weights=weights,
            iou_thr=iou_thr, skip_box_thr=0.0, conf_type="avg")
    got_boxes, got_scores = weighted_boxes_fusion(np.array(boxes), weights, iou_thr=iou_thr)
    np.testing.assert_array_equal(got_boxes, ref_boxes)
    np.testing.assert_array_equal(got_scores, ref_scores)


def test_fuse_boxes_of_zero_area_keeps_the_heaviest():
    assert fuse_boxes([[10, 10, 10, 20], [5, 5, 5, 5]], [1, 2], 640, 640) == (5, 5, 5, 5)


@pytest.mark.parametrize("a, b, iou", [
    ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
    ((0, 0, 10, 10), (5, 0, 15, 10), 1 / 3),
    ((0, 0, 10, 10), (10, 0, 20, 10), 0.0),
])
def test_box_iou(a, b, iou):
    assert box_iou(a, b)[0, 0] == pytest.approx(iou)


def test_size_prior_matches_cameras_md():
    # CAMERAS.md: median ~1.27 deg, dome wider than tall, bullet narrow.
    assert point_box("unknown") == pytest.approx((1.27, 1.27), abs=0.02)
    dw, dh = point_box("dome")
    bw, bh = point_box("bullet")
    assert dw > dh and bw < bh and bw < dw
    assert point_box("lookalike") == SIZE_PRIOR_DEG["unknown"]
    assert point_box("dome", scale=2.0) == pytest.approx((2 * dw, 2 * dh))
    with pytest.raises(ValueError, match="scale"):
        point_box("dome", scale=0)


def test_weak_boxes_on_a_view_and_the_panorama():
    view = View("p", 40.0, 10.0, 90.0, 640, 640)
    x1, y1, x2, y2 = weak_view_box(view, 40.0, 10.0, "dome")
    # At the centre of a 640-px 90-degree view, f = 320 px: 1.587 deg -> 2 * 320 * tan(0.79 deg) = 8.9 px.
    assert (x1 + x2) / 2 == pytest.approx(320, abs=0.01) and x2 - x1 == pytest.approx(8.86, abs=0.05)
    assert weak_view_box(view, 220.0, 10.0) is None  # behind the view
    u1, v1, u2, v2 = weak_pano_box(359.9, 10.0, 3600, 1800, "bullet")
    assert u2 - u1 == pytest.approx(point_box("bullet")[0] * 10, rel=0.02)


def test_measure_prior_on_constructed_boxes():
    tags = [Tag("coco", "a.jpg", "x", type=t, x1=320 - w / 2, y1=300, x2=320 + w / 2, y2=310, image_width=640,
                image_height=640, view_heading=0.0, view_pitch=0.0, view_fov=90.0) for t, w in
            [("dome", 12), ("dome", 14), ("bullet", 6)]]
    prior = measure_prior(tags + [Tag("decoders", "i", "x", heading=1.0, pitch=2.0)])  # points are skipped
    assert prior["dome"][2] == 2 and prior["bullet"][2] == 1 and prior["unknown"][2] == 3
    assert prior["dome"][0] > prior["unknown"][0] > prior["bullet"][0]


def test_size_prior_reproduces_from_stanford():
    from camdetect.labels.importers import import_labels
    from tests.conftest import shared_path

    prior = measure_prior(import_labels("stanford", shared_path("stanford-surveilling-surveillance")).tags)
    for typ, (w, h) in SIZE_PRIOR_DEG.items():
        assert prior[typ][:2] == pytest.approx((w, h), abs=0.002)
    assert prior["unknown"][2] == 2021
