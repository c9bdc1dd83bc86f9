"""scripts/demo_misses.py: one row per final-half camera, each round's score at IoU >= 0.5 and its best IoU."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from camdetect.geometry import pano_box_to_view_box
from camdetect.records import Camera, View, write_table
from tests.conftest import ROOT

W, H = 2048, 1024
CAMS = [Camera("p1-c0", "p1", "I1", x1=1530, y1=420, x2=1542, y2=430, image_width=W, image_height=H, type="dome",
               mount="building"),
        Camera("p1-c1", "p1", "I1", x1=500, y1=400, x2=512, y2=412, image_width=W, image_height=H, type="bullet",
               mount="street_furniture")]


def _row(cam: Camera, view: View, score: float, shift: float = 0.0) -> dict:
    box = pano_box_to_view_box(view, [cam.x1, cam.y1, cam.x2, cam.y2], W, H)
    return {"key": f"{cam.camera_id}-{shift}", "intersection": cam.intersection, "pano_id": cam.image,
            "image_path": f"{view.view_id}.jpg", "view_heading": view.heading, "view_pitch": view.pitch,
            "view_fov": view.fov, "image_width": view.width, "image_height": view.height,
            "x1": box[0] + shift, "y1": box[1], "x2": box[2] + shift, "y2": box[3], "score": score, "type": cam.type}


def test_table_says_which_round_found_which_camera(tmp_path):
    demo = tmp_path / "demo"
    write_table(demo / "city" / "truth" / "cameras.csv", CAMS, Camera)
    with (demo / "city" / "manifest_final.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["intersection_id", "pano_id", "image_path", "kind", "pano_heading"])
        w.writerow(["I1", "p1", "panoramas/p1.jpg", "panorama", 0])
    v90 = View("p1", 90.0, 0.0, 60.0, 640, 640)
    for rel, rows in (("baseline/score", [_row(CAMS[0], v90, 0.8)]),  # round 0: the dome found
                      ("eval/score", [_row(CAMS[0], v90, 0.6, shift=9.0)])):  # round 1: a box beside it
        (demo / rel).mkdir(parents=True)
        (demo / rel / "suggestions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo_misses.py"), str(demo)], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    rows = {line.split(" | ")[0].strip("| "): line for line in out.splitlines() if line.startswith("| p1-")}
    assert "r2" not in out  # no round-2 scoring: no column
    assert "| 0.800 (1.00) | 0.000 (0." in rows["p1-c0"]  # found in round 0, the round-1 box does not fit
    assert rows["p1-c1"].endswith("| 0.000 (0.00) | 0.000 (0.00) |")  # the bullet: nothing near it in any round
