"""``camdetect synth`` end to end: layout, determinism, resume, bad input."""

from __future__ import annotations

import csv
import hashlib

import cv2
import pytest
from typer.testing import CliRunner

from camdetect.cli import app
from camdetect.records import Camera, read_table
from camdetect.synth.city import MANIFEST_COLUMNS, generate_city

runner = CliRunner()
N, WIDTH = 4, 512


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
    result = runner.invoke(app, ["synth", "--out", str(out), "--intersections", str(N), "--seed", "3",
                                 "--width", str(WIDTH)])
    assert result.exit_code == 0, result.output
    return out


def test_layout_matches_contract(city):
    for rel in ("manifest.csv", "truth/cameras.csv", "truth/lookalikes.csv", "volunteers/cameras.csv",
                "volunteers/counts.csv", "volunteers/volunteers.csv"):
        assert (city / rel).is_file(), rel
    with open(city / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == MANIFEST_COLUMNS and len(rows) == N
    for r in rows:
        assert r["kind"] == "panorama" and r["pano_id"] == r["intersection_id"]
        img = cv2.imread(str(city / r["image_path"]))
        assert img.shape == (WIDTH // 2, WIDTH, 3)


def test_truth_tables_read_back(city):
    cams = read_table(city / "truth" / "cameras.csv", Camera)
    looks = read_table(city / "truth" / "lookalikes.csv", Camera)
    assert looks, "every intersection has street furniture look-alikes"
    for c in cams + looks:
        assert c.image_width == WIDTH and c.image_height == WIDTH // 2
        assert 0 <= c.x1 < WIDTH and c.x2 > c.x1 and c.y2 > c.y1
    assert {c.type for c in cams} <= {"dome", "bullet"}


def test_same_seed_same_bytes(city, tmp_path):
    generate_city(tmp_path, N, seed=3, width=WIDTH, progress=False)
    for rel in ("truth/cameras.csv", "truth/lookalikes.csv", "volunteers/cameras.csv", "manifest.csv",
                "panoramas/syn-0001.jpg", f"panoramas/syn-{N:04d}.jpg"):
        assert _digest(city / rel) == _digest(tmp_path / rel), rel


def test_other_seed_other_city(city, tmp_path):
    generate_city(tmp_path, 1, seed=4, width=WIDTH, progress=False)
    assert _digest(city / "panoramas/syn-0001.jpg") != _digest(tmp_path / "panoramas/syn-0001.jpg")


def test_resume_skips_done_panoramas(tmp_path):
    first = generate_city(tmp_path, 2, seed=1, width=256, progress=False)
    again = generate_city(tmp_path, 3, seed=1, width=256, progress=False)
    assert first.rendered == 2 and again.rendered == 1
    other = generate_city(tmp_path, 3, seed=2, width=256, progress=False)  # another city: start over
    assert other.rendered == 3


@pytest.mark.parametrize("args, message", [
    (["--intersections", "0"], "intersections"),
    (["--width", "100"], "width"),
    (["--width", "1001"], "width"),
    (["--volunteers-per-pano", "-1"], "volunteers"),
])
def test_bad_input_is_one_line_error(tmp_path, args, message):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "camdetect.cli", "synth", "--out", str(tmp_path / "c"), *args],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and message in proc.stderr and proc.stderr.count("\n") == 1


def test_workers_render_the_same_bytes(tmp_path):
    one = tmp_path / "one"
    two = tmp_path / "two"
    generate_city(one, 2, seed=9, width=256, progress=False)
    generate_city(two, 2, seed=9, width=256, workers=2, progress=False)
    for name in ("syn-0001.jpg", "syn-0002.jpg"):
        assert _digest(one / "panoramas" / name) == _digest(two / "panoramas" / name)
