"""Parity report: the exported graph reproduces PyTorch (boxes IoU >= 0.99, scores within 1e-3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from camdetect.export.parity import SetReport, match, run_parity, write_report


def test_parity_on_synthetic_and_real_images(tiny_onnx, tiny_run, shared_data, tmp_path):
    report = run_parity(tiny_onnx, tiny_run / "weights" / "best.pt", shared_data, n_synthetic=4, n_real=4)
    names = [s.name for s in report.sets]
    assert names == ["synthetic views", "street-scenes", "open-images-cameras-voc"]
    for s in report.sets:
        assert s.anchors > 0, "the random tiny model must produce candidates, or parity proves nothing"
        assert s.anchor_min_iou >= 0.99 and s.anchor_max_score_diff <= 1e-3 and s.anchor_class_flips == 0
        assert s.match_rate > 0.9
    assert report.passed
    js, md = write_report(report, tmp_path / "m.onnx")
    data = json.loads(js.read_text())
    assert data["passed"] is True and len(data["sets"]) == 3
    assert "| synthetic views |" in md.read_text() and "PASS" in md.read_text()


def test_a_broken_model_fails_parity():
    rep = SetReport("x", anchors=10, anchor_min_iou=0.95)
    assert not rep.passed
    assert not SetReport("x", anchor_max_score_diff=0.01).passed
    assert not SetReport("x", anchor_class_flips=1).passed


@pytest.mark.parametrize("a,b,expected", [
    ([[0, 0, 10, 10]], [[0, 0, 10, 10]], 1),
    ([[0, 0, 10, 10]], [[20, 20, 30, 30]], 0),
    ([[0, 0, 10, 10], [0, 0, 10.5, 10]], [[0, 0, 10.4, 10]], 1),
])
def test_match_is_one_to_one(a, b, expected):
    a, b = np.array(a, np.float32), np.array(b, np.float32)
    pairs = match(a, np.ones(len(a)), np.zeros(len(a), int), b, np.ones(len(b)), np.zeros(len(b), int))
    assert len(pairs) == expected
