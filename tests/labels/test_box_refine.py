"""labels.box_refine / ``camdetect labels refine-boxes``: point cameras get the box a detector finds there."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from camdetect.cli import app
from camdetect.dataset.sources import point_size, to_sphere
from camdetect.geometry import angular_distance, sphere_to_pano_box
from camdetect.labels.box_refine import RefineConfig, pick_box, refine_cameras
from camdetect.records import Camera, Detections, read_table, write_table

W, H = 4096, 2048
CAMERA = (40.0, 12.0, 2.4, 1.8)  # heading, pitch, ang_w, ang_h of the painted camera: larger than the prior


def _panorama() -> np.ndarray:
    pano = np.full((H, W, 3), 170, np.uint8)
    u1, v1, u2, v2 = sphere_to_pano_box(*CAMERA, W, H)
    cv2.rectangle(pano, (round(u1), round(v1)), (round(u2) - 1, round(v2) - 1), (20, 20, 20), -1)
    return pano


def _blobs(crops: list[np.ndarray]) -> list[Detections]:
    """A detector that sees dark blobs (the painted camera), so the geometry is checked exactly."""
    out = []
    for crop in crops:
        n, _, stats, _ = cv2.connectedComponentsWithStats((crop[:, :, 0] < 80).astype(np.uint8))
        boxes = [(x, y, x + w, y + h) for x, y, w, h, _ in stats[1:n]]
        out.append(Detections(np.asarray(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.5, np.float32),
                              np.zeros(len(boxes), np.int64)))
    return out


def _point(cid: str, image: str, heading: float, pitch: float) -> Camera:
    return Camera(camera_id=cid, image=image, heading=heading, pitch=pitch, type="unknown", weak=True)


def test_pick_box_takes_the_best_plausible_detection_near_the_point():
    prior = np.array([100.0, 100.0, 120.0, 120.0])
    dets = Detections(np.array([[102, 101, 118, 119],     # inside, 0.3
                                [104, 104, 116, 116],     # inside, 0.6: the pick
                                [300, 300, 318, 318],     # far away, 0.9
                                [60, 60, 160, 160]],      # centred but 5x the prior's side, 0.95
                               np.float32), np.array([0.3, 0.6, 0.9, 0.95], np.float32), np.zeros(4, np.int64))
    box, scale = pick_box(prior, dets, RefineConfig())
    assert box.tolist() == [104, 104, 116, 116] and scale == pytest.approx(0.6)
    assert pick_box(prior, dets[[2, 3]], RefineConfig()) is None
    assert pick_box(prior, dets, RefineConfig(conf=0.7)) is None  # below the score floor
    assert pick_box(prior, Detections(), RefineConfig()) is None


def test_refine_gives_the_detected_box_and_leaves_the_rest():
    pano = _panorama()
    cams = [_point("near", "p1", CAMERA[0] + 0.4, CAMERA[1] - 0.3),  # a volunteer's click beside the camera
            _point("empty", "p1", 200.0, 10.0),                     # nothing there: keeps the prior
            _point("elsewhere", "p9", 10.0, 5.0),                   # not a panorama we have
            Camera(camera_id="drawn", image="p1", x1=1.0, y1=2.0, x2=30.0, y2=40.0, image_width=640,
                   image_height=640, view_heading=0.0, view_pitch=0.0, view_fov=48.0)]
    ticks: list[int] = []
    out, stats = refine_cameras(cams, lambda image: (pano, 0.0) if image == "p1" else None, _blobs, 320, 640 / 48,
                                on_image=lambda: ticks.append(1))
    assert len(ticks) == 2  # progress counts every image with point cameras, a missing panorama too
    assert (stats.cameras, stats.point_cameras, stats.refined, stats.kept_prior, stats.no_panorama) == (4, 3, 1, 1, 1)
    assert out[1:] == cams[1:]  # unchanged rows
    near = out[0]
    assert near.weak and near.image_width == near.image_height == 320 and math.isfinite(near.view_fov)
    s = to_sphere(near)
    assert angular_distance(s.heading, s.pitch, CAMERA[0], CAMERA[1]) < 0.1
    assert s.ang_w == pytest.approx(CAMERA[2], rel=0.1) and s.ang_h == pytest.approx(CAMERA[3], rel=0.1)
    assert (near.heading, near.pitch) == pytest.approx((s.heading, s.pitch))
    prior_w = point_size("unknown")[0]
    assert abs(to_sphere(cams[0]).ang_w - CAMERA[2]) > abs(s.ang_w - CAMERA[2]) and prior_w < CAMERA[2]
    assert stats.median_scale > 1.5  # the painted camera is bigger than the prior


def test_cli_refines_with_a_real_detector(tmp_path: Path):
    """The shipped ONNX through the command: every row written, counts add up, drawn boxes untouched."""
    model = Path(__file__).resolve().parents[2] / "models" / "camdetect-default.onnx"
    if not model.is_file():
        pytest.skip("models/camdetect-default.onnx not in this checkout")
    cv2.imwrite(str(tmp_path / "p1.jpg"), _panorama())
    with (tmp_path / "manifest.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows([["pano_id", "image_path", "intersection_id"], ["p1", "p1.jpg", "i1"]])
    cams = [_point("near", "p1", *CAMERA[:2]), _point("sky", "p1", 120.0, 60.0),
            Camera(camera_id="drawn", image="p1", x1=1.0, y1=2.0, x2=30.0, y2=40.0, image_width=640,
                   image_height=640, view_heading=0.0, view_pitch=0.0, view_fov=48.0)]
    write_table(tmp_path / "cams.csv", cams, Camera)
    out = tmp_path / "refined.csv"
    result = CliRunner().invoke(app, ["labels", "refine-boxes", str(tmp_path / "cams.csv"), "--panoramas",
                                      str(tmp_path / "manifest.csv"), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_table(out, Camera)
    report = json.loads(out.with_suffix(".json").read_text())
    assert [r.camera_id for r in rows] == ["near", "sky", "drawn"] and rows[2] == cams[2]
    assert report["point_cameras"] == 2 and report["refined"] + report["kept_prior"] == 2
    assert report["crop_px"] == 320 and report["px_per_deg"] == pytest.approx(640 / 48)
    for r in rows[:2]:  # refined or not, each stays a camera near where the volunteer pointed
        s = to_sphere(r)
        assert angular_distance(s.heading, s.pitch, cams[rows.index(r)].heading, cams[rows.index(r)].pitch) < 2.0


def test_cli_missing_model_is_one_line(tmp_path: Path):
    write_table(tmp_path / "cams.csv", [_point("a", "p1", 1.0, 2.0)], Camera)
    result = subprocess.run([sys.executable, "-c", "from camdetect.cli import main; main()", "labels", "refine-boxes",
                             str(tmp_path / "cams.csv"), "--panoramas", str(tmp_path), "--model",
                             str(tmp_path / "nope.onnx"), "--out", str(tmp_path / "o.csv")],
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "nope.onnx: no such detector ONNX" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_cli_refuses_cameras_on_no_given_panorama(tmp_path: Path):
    """Keys that differ (a camera table of other images) are an error, not a table with nothing refined."""
    model = Path(__file__).resolve().parents[2] / "models" / "camdetect-default.onnx"
    if not model.is_file():
        pytest.skip("models/camdetect-default.onnx not in this checkout")
    cv2.imwrite(str(tmp_path / "p1.jpg"), np.full((64, 128, 3), 128, np.uint8))
    write_table(tmp_path / "cams.csv", [_point("a", "other.jpg", 1.0, 2.0)], Camera)
    result = subprocess.run([sys.executable, "-c", "from camdetect.cli import main; main()", "labels", "refine-boxes",
                             str(tmp_path / "cams.csv"), "--panoramas", str(tmp_path), "--model", str(model),
                             "--out", str(tmp_path / "o.csv")], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "none of its cameras' images is a panorama of" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_iou_with_truth_scores_each_camera_against_its_match():
    from camdetect.labels.box_refine import iou_with_truth

    truth = [_point("t1", "p", 10.0, 5.0)]
    same = [_point("a", "p", 10.0, 5.0)]
    shifted = [_point("b", "p", 10.0 + point_size("unknown")[0] / 2, 5.0)]  # half a box to the side: IoU 1/3
    far = [_point("c", "p", 40.0, 5.0), _point("d", "q", 10.0, 5.0)]  # no truth camera near / on that image
    assert iou_with_truth(same, truth).tolist() == pytest.approx([1.0])
    assert iou_with_truth(shifted, truth)[0] == pytest.approx(1 / 3, abs=0.02)
    assert iou_with_truth(far, truth).tolist() == [0.0, 0.0]
