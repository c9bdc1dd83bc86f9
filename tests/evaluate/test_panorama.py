"""Whole-panorama evaluation: view suggestions mapped back onto the panorama, seam included."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from camdetect.cli import app
from camdetect.evaluate.panorama import _unwrap_to_truth, find_city_truth
from camdetect.geometry import pano_box_to_view_box
from camdetect.records import Camera, View, write_table

W, H = 2048, 1024
# pano p1: a camera straddling the seam and one at heading ~90; p2: one camera; p3: none
CAMS = [Camera("p1-c0", "p1", "I1", x1=W - 6, y1=400, x2=W + 8, y2=414, image_width=W, image_height=H,
               type="dome", mount="building"),
        Camera("p1-c1", "p1", "I1", x1=1530, y1=420, x2=1542, y2=430, image_width=W, image_height=H,
               type="bullet", mount="street_furniture"),
        Camera("p2-c0", "p2", "I2", x1=1000, y1=380, x2=1016, y2=392, image_width=W, image_height=H,
               type="dome", mount="building")]


def _city(tmp_path):
    city = tmp_path / "city"
    write_table(city / "truth" / "cameras.csv", CAMS, Camera)
    with (city / "manifest.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["intersection_id", "pano_id", "lat", "lon", "image_path", "kind", "pano_heading",
                    "heading", "pitch", "fov"])
        for p, i in (("p1", "I1"), ("p2", "I2"), ("p3", "I3")):
            w.writerow([i, p, "", "", f"panoramas/{p}.jpg", "panorama", 0, "", "", ""])
    return city


def _suggestion(cam: Camera, view: View, score: float) -> dict:
    box = pano_box_to_view_box(view, [cam.x1, cam.y1, cam.x2, cam.y2], W, H)
    assert box is not None
    return {"key": f"{cam.camera_id}-{view.heading}", "intersection": cam.intersection, "pano_id": cam.image,
            "image_path": f"{view.view_id}.jpg", "view_heading": view.heading, "view_pitch": view.pitch,
            "view_fov": view.fov, "image_width": view.width, "image_height": view.height,
            "x1": box[0], "y1": box[1], "x2": box[2], "y2": box[3], "score": score, "type": cam.type}


def test_city_truth_is_found(tmp_path):
    city = _city(tmp_path)
    assert find_city_truth(city) == (city / "truth" / "cameras.csv", city / "manifest.csv")
    assert find_city_truth(city / "truth" / "cameras.csv")[1] == city / "manifest.csv"
    assert find_city_truth(city / "manifest.csv") is None


@pytest.mark.parametrize("box, truth_u, expected_u1", [
    ([2, 0, 10, 5], W - 4, W + 2),  # truth straddles the seam, prediction wrapped to the left edge
    ([W - 3, 0, W + 5, 5], 3, W - 3 - W),  # the other way round
    ([100, 0, 110, 5], 105, 100),  # nothing to do
])
def test_unwrap_to_truth(box, truth_u, expected_u1):
    truth = np.array([[truth_u - 5, 0, truth_u + 5, 5]], np.float32)
    assert _unwrap_to_truth(np.array(box, np.float32), truth, W)[0] == pytest.approx(expected_u1)


def test_panorama_eval_counts_cameras_once_and_every_suggestion(tmp_path):
    city = _city(tmp_path)
    v0 = View("p1", 180.0, 0.0, 60.0, 640, 640)  # the seam (u = 0 = W) is heading 180: the seam camera
    v0b = View("p1", 160.0, 0.0, 60.0, 640, 640)  # overlaps v0: the seam camera again
    v90 = View("p1", 90.0, 0.0, 60.0, 640, 640)
    v2 = View("p2", 0.0, 0.0, 60.0, 640, 640)
    rows = [_suggestion(CAMS[0], v0, 0.9), _suggestion(CAMS[0], v0b, 0.5), _suggestion(CAMS[1], v90, 0.7),
            _suggestion(CAMS[2], v2, 0.6)]
    pred = tmp_path / "suggestions.jsonl"
    pred.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "eval"
    res = CliRunner().invoke(app, ["eval", "--predictions", str(pred), "--truth", str(city), "--out", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rep = json.loads((out / "report.json").read_text())
    assert rep["meta"]["n_images"] == 3 and rep["meta"]["n_physical_cameras"] == 3
    assert rep["meta"]["n_intersections"] == 3 and rep["meta"]["n_predictions"] == 4
    assert rep["coco"]["class_agnostic"]["AP50"] == pytest.approx(1.0)  # the duplicate (0.5) scores below every find
    at95 = rep["effort"]["at_targets"][1]
    # full recall at threshold 0.6 already: the duplicate (0.5) need not be reviewed
    assert at95["recall"] == 1.0 and at95["suggestions_per_intersection"] == pytest.approx(3 / 3)
    assert rep["effort"]["curve"]["suggestions_per_intersection"][-1] == pytest.approx(4 / 3)


def test_panorama_eval_needs_view_fields(tmp_path):
    city = _city(tmp_path)
    pred = tmp_path / "s.jsonl"
    pred.write_text(json.dumps({"pano_id": "p1", "x1": 0, "y1": 0, "x2": 1, "y2": 1, "score": 0.5}) + "\n")
    res = CliRunner().invoke(app, ["eval", "--predictions", str(pred), "--truth", str(city), "--out",
                                   str(tmp_path / "o")])
    assert isinstance(res.exception, ValueError) and "s.jsonl:1: panorama evaluation needs view_heading" in str(res.exception)


def test_manifest_restricts_panoramas_to_those_scored(tmp_path):
    city = _city(tmp_path)
    rows = (city / "manifest.csv").read_text().splitlines()
    (city / "scored.csv").write_text("\n".join(rows[:2]) + "\n")  # header + p1 only
    pred = tmp_path / "s.jsonl"
    pred.write_text(json.dumps(_suggestion(CAMS[1], View("p1", 90.0, 0.0, 60.0, 640, 640), 0.7)) + "\n")
    out = tmp_path / "eval"
    res = CliRunner().invoke(app, ["eval", "--predictions", str(pred), "--truth", str(city), "--manifest",
                                   str(city / "scored.csv"), "--out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rep = json.loads((out / "report.json").read_text())
    # only p1 was scored: p2's camera is not a miss
    assert rep["meta"]["n_images"] == 1 and rep["meta"]["n_physical_cameras"] == 2
    assert rep["effort"]["max_recall"] == pytest.approx(0.5)


def test_eval_names_cameras_no_scored_view_shows(tmp_path):
    """A camera at +45 deg lies above the default ring: when the scorer's summary.json says it cut that ring, eval
    names the camera (report.json, report.md, the terminal); with the two-ring plan nothing is out of reach, and
    without a summary nothing is claimed."""
    from camdetect.geometry import ViewPlan, angles_to_pano
    from camdetect.geometry.planner import DEFAULT_PLAN_PATH

    city = _city(tmp_path)
    u, v = angles_to_pano(90.0, 45.0, W, H)  # pano_heading 0
    high = Camera("p2-c1", "p2", "I2", x1=u - 6, y1=v - 6, x2=u + 6, y2=v + 6, image_width=W, image_height=H,
                  type="dome", mount="street_furniture")
    write_table(city / "truth" / "cameras.csv", CAMS + [high], Camera)
    pred = tmp_path / "score" / "suggestions.jsonl"
    pred.parent.mkdir()
    pred.write_text(json.dumps(_suggestion(CAMS[2], View("p2", 0.0, 0.0, 60.0, 640, 640), 0.6)) + "\n")
    for plan, outside in ((None, None), (ViewPlan(), ["p2-c1"]),
                          (ViewPlan.from_yaml(DEFAULT_PLAN_PATH.with_name("two-rings.yaml")), [])):
        if plan is not None:
            (pred.parent / "summary.json").write_text(json.dumps({"jobs": 3, "view_plan": plan.to_dict()}))
        out = tmp_path / f"eval{plan is None}{bool(outside)}"
        res = CliRunner().invoke(app, ["eval", "--predictions", str(pred), "--truth", str(city), "--out", str(out)],
                                 catch_exceptions=False)
        assert res.exit_code == 0, res.output
        meta = json.loads((out / "report.json").read_text())["meta"]
        assert meta.get("cameras_outside_views") == outside
        said = "1 of 4 cameras are in no view the scorer cut (p2-c1)" in res.output
        assert said == bool(outside)
        assert ("**1 of 4 cameras are in no view the scorer cut**" in (out / "report.md").read_text()) == bool(outside)
