"""The view-plan report: camera sizes of Stanford's real boxes in a plan, and band coverage."""

from __future__ import annotations

import pytest
from conftest import shared_path

from camdetect.geometry import ViewPlan
from camdetect.geometry.report import (
    CANDIDATES,
    band_coverage,
    format_report,
    load_stanford_boxes,
    plan_report,
)


@pytest.fixture(scope="module")
def stanford():
    return load_stanford_boxes(shared_path("stanford-surveilling-surveillance", "meta.csv"))


@pytest.mark.shared_data
def test_stanford_views_reproduce_the_9px_median(stanford):
    assert len(stanford) == 2021
    row = plan_report(CANDIDATES["stanford (4 x 90 deg, pitch 0)"], stanford)
    assert 8.0 <= row["median_side"] <= 10.0  # 9 px median, as DESIGN.md / CAMERAS.md say


@pytest.mark.shared_data
def test_default_plan_gives_cameras_of_at_least_16px(stanford):
    row = plan_report(ViewPlan.from_yaml(), stanford)
    assert row["median_w"] >= 16 and row["median_h"] >= 16
    assert row["seen"] > 0.95 and row["band_0_20"] == 1.0
    assert "| 10 |" in format_report([row])


@pytest.mark.parametrize(
    "plan, lo, hi",
    [
        (ViewPlan(1, 0.0, 10.0, 36.0, 640, 640), 0.08, 0.12),  # one 36 deg view: about a tenth of the band
        (ViewPlan(4, 0.0, 10.0, 90.0, 640, 640), 0.999, 1.0),
        (ViewPlan(4, 0.0, 60.0, 30.0, 640, 640), 0.0, 0.0),  # looking far above the band
    ],
)
def test_band_coverage(plan, lo, hi):
    assert lo <= band_coverage(plan, 0.0, 20.0) <= hi


@pytest.mark.parametrize(
    "text, message",
    [("annotations,heading\n\"[{'bbox': [1, 2\",10\n", "bad Stanford row"), ("annotations,heading\n[],10\n", "no camera boxes")],
)
def test_bad_meta_csv(tmp_path, text, message):
    path = tmp_path / "meta.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as exc:
        load_stanford_boxes(path)
    assert str(path) in str(exc.value)


def test_missing_meta_csv(tmp_path):
    with pytest.raises(FileNotFoundError, match="meta.csv"):
        load_stanford_boxes(tmp_path / "meta.csv")
