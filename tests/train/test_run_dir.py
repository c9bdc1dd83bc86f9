"""Run-directory metrics: timing of resumed runs counts only the epochs this invocation trained."""

from __future__ import annotations

import pytest

from camdetect.train.run_dir import summarize_metrics


def _rows(n: int) -> list[dict[str, float]]:
    return [{"epoch": i + 1, "metrics/mAP50(B)": 0.1 * i, "metrics/mAP50-95(B)": 0.05 * i} for i in range(n)]


def test_fresh_run_timing():
    m = summarize_metrics(_rows(10), 100.0, 50)
    assert m["epochs_run"] == 10 and m["seconds_per_epoch"] == 10.0 and m["seconds_per_image_epoch"] == 0.2
    assert "epochs_before_resume" not in m and m["best_epoch"] == 10


def test_resumed_run_divides_by_the_epochs_it_trained():
    m = summarize_metrics(_rows(23), 3800.0, 1562, epochs_before=4)
    assert m["epochs_run"] == 23 and m["epochs_before_resume"] == 4
    assert m["seconds_per_epoch"] == pytest.approx(3800.0 / 19, abs=0.01)


def test_nothing_trained_gives_no_rate():
    assert "seconds_per_epoch" not in summarize_metrics(_rows(4), 5.0, 10, epochs_before=4)
