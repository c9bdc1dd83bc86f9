"""The report: JSON (strict), Markdown and HTML with every PNG plot written."""

from __future__ import annotations

import json

import pytest

from camdetect.evaluate.report import EvalOptions, evaluate, write_report

from .helpers import evalset, pred, truth

TYPES = ("dome", "bullet", "unknown")
MOUNTS = ("street_furniture", "building", "other")


@pytest.mark.parametrize("with_mount, n_png", [(False, 4), (True, 5)])
def test_report_files(tmp_path, with_mount, n_png):
    es = evalset([truth("a", [[0, 0, 10, 10], [20, 0, 30, 10]], ["dome", "bullet"], ["building", "building"],
                        inter="I1"), truth("b", inter="I2")],
                 [pred("a", [[0, 0, 10, 10], [20, 1, 30, 11]], [0.9, 0.4], ["dome", "dome"],
                       ["building", "other"] if with_mount else None),
                  pred("b", [[5, 5, 15, 15]], [0.6], mounts=["other"] if with_mount else None)])
    result, objects = evaluate(es, TYPES, MOUNTS, EvalOptions(), {"model": "hand", "data": "d", "split": "test"})
    paths = write_report(result, objects, tmp_path)
    loaded = json.loads((tmp_path / "report.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    assert loaded["meta"]["n_images"] == 2 and loaded["meta"]["n_intersections"] == 2
    assert loaded["coco"]["mAP50"] == pytest.approx(0.5)  # dome found, bullet mistyped
    assert (loaded["confusion"]["mount"] is not None) == with_mount
    pngs = sorted((tmp_path / "plots").glob("*.png"))
    assert len(pngs) == n_png and all(p.stat().st_size > 5000 for p in pngs)
    md = (tmp_path / "report.md").read_text()
    html = (tmp_path / "report.html").read_text()
    for png in pngs:
        assert f"plots/{png.name}" in md and f'src="plots/{png.name}"' in html
    assert "effort saved" in md and "<table>" in html
    assert not list(tmp_path.rglob("*.tmp*"))
    assert set(paths) >= {"json", "md", "html", "pr", "effort", "calibration", "type"}
