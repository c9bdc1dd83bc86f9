"""scripts/scale_probe.py: the crops it scores and its table, on a real onnxruntime session."""

import json
import subprocess
import sys

import cv2
import numpy as np

from tests.conftest import ROOT, load_script


def _script():
    return load_script("scripts/scale_probe.py")


def test_crop_is_centred_on_the_point_and_stays_inside():
    crop_at = _script().crop_at
    img = np.zeros((300, 500, 3), np.uint8)
    c, x0, y0 = crop_at(img, 250, 150, 100)
    assert c.shape[:2] == (100, 100) and (x0, y0) == (200, 100)
    c, x0, y0 = crop_at(img, 10, 290, 100)  # near a corner: shifted in, the point still inside
    assert (x0, y0) == (0, 200) and c.shape[:2] == (100, 100)
    c, x0, y0 = crop_at(img, 250, 150, 1000)  # capped at the short side
    assert c.shape[:2] == (300, 300) and x0 == 100


def test_table_and_json_for_each_side(tiny_onnx, tmp_path):
    img = np.full((400, 600, 3), 180, np.uint8)
    cv2.circle(img, (300, 120), 12, (30, 30, 30), -1)
    cv2.imwrite(str(tmp_path / "street.jpg"), img)
    out = tmp_path / "probe.json"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "scale_probe.py"), "--image", str(tmp_path / "street.jpg"),
                        "--point", "300", "120", "--model", f"tiny={tiny_onnx}", "--sides", "64", "200", "900",
                        "--out", str(out)], check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert [row["side"] for row in doc["rows"]] == [64, 200, 400]  # 900 capped at the short side
    assert all(0.0 <= row["tiny"] <= 1.0 for row in doc["rows"])
    assert "| 400 |" in r.stdout


def test_point_outside_the_photo_is_a_one_line_error(tiny_onnx, tmp_path):
    cv2.imwrite(str(tmp_path / "a.jpg"), np.zeros((50, 80, 3), np.uint8))
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "scale_probe.py"), "--image", str(tmp_path / "a.jpg"),
                        "--point", "100", "10", "--model", f"tiny={tiny_onnx}"], check=False, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1 and r.stderr.strip().endswith("is outside the 80x50 photo")
