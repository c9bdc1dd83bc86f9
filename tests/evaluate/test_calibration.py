"""Reliability bins and ECE by hand."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.evaluate.calibration import calibration, reliability

from .helpers import evalset, pred, truth


@pytest.mark.parametrize("scores, correct, ece", [
    ([0.95, 0.95], [1, 1], 0.05),  # confident and right: gap 0.05
    ([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0], 0.0),  # 25% right at 0.25: perfect
    ([0.9, 0.1], [0, 1], 0.9),  # each bin off by 0.9
    ([0.15, 0.85, 0.85, 0.85], [0, 1, 1, 0], (0.15 + 3 * abs(2 / 3 - 0.85)) / 4),
])
def test_ece_hand_cases(scores, correct, ece):
    cal = reliability(np.array(scores), np.array(correct, bool), n_bins=10)
    assert cal.ece == pytest.approx(ece)
    assert cal.count.sum() == len(scores)


def test_min_score_drops_the_tail_and_empty_gives_none():
    cal = reliability(np.array([0.001, 0.002, 0.9]), np.array([0, 0, 1], bool), min_score=0.05)
    assert cal.n == 1 and cal.ece == pytest.approx(0.1)
    assert reliability(np.zeros(0), np.zeros(0, bool)).ece is None


def test_calibration_uses_class_aware_matches():
    es = evalset([truth("a", [[0, 0, 10, 10], [20, 0, 30, 10]], ["dome", "bullet"])],
                 [pred("a", [[0, 0, 10, 10], [20, 0, 30, 10]], [0.8, 0.8], ["dome", "dome"])])
    cal = calibration(es)
    assert cal.n == 2 and cal.ece == pytest.approx(abs(0.5 - 0.8))  # one of two right at 0.8
