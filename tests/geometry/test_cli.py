"""``camdetect geometry cut`` and ``plan`` through the real CLI."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from camdetect.cli import app

runner = CliRunner()


@pytest.fixture()
def pano_file(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "pano.png"
    cv2.imwrite(str(path), rng.integers(0, 255, (128, 256, 3), np.uint8))
    return path


@pytest.mark.parametrize("size, shape", [("64x48", (48, 64, 3)), ("32x32", (32, 32, 3))])
def test_cut_writes_the_view(pano_file, tmp_path, size, shape):
    out = tmp_path / "sub" / "view.png"
    result = runner.invoke(app, ["geometry", "cut", str(pano_file), "--heading", "350", "--pitch", "12",
                                 "--fov", "56", "--size", size, "--out", str(out)])
    assert result.exit_code == 0, result.output
    img = cv2.imread(str(out))
    assert img is not None and img.shape == shape


@pytest.mark.parametrize(
    "args, message",
    [
        (["--size", "64by48"], "--size must look like 640x640"),
        (["--fov", "0"], "--fov must be in"),
        (["--pitch", "95"], "--pitch must be in"),
        (["--supersample", "-1"], "--supersample must be"),
    ],
)
def test_cut_bad_input_is_one_line_error(pano_file, tmp_path, args, message):
    result = runner.invoke(app, ["geometry", "cut", str(pano_file), "--out", str(tmp_path / "v.png"), *args])
    assert result.exit_code != 0 and isinstance(result.exception, ValueError)
    assert message in str(result.exception)


def test_cut_missing_panorama_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "camdetect.cli", "geometry", "cut", str(tmp_path / "nope.jpg"),
                           "--out", str(tmp_path / "v.jpg")], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: ") and "nope.jpg" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_plan_prints_the_views():
    result = runner.invoke(app, ["geometry", "plan", "--pano-id", "syn-0001"])
    assert result.exit_code == 0, result.output
    assert "10 views/panorama" in result.output
    assert result.output.count("syn-0001_h") == 10


def test_figure_draws_footprints_and_cuts(tmp_path):
    out = tmp_path / "views.png"
    result = runner.invoke(app, ["geometry", "figure", "--out", str(out)])
    assert result.exit_code == 0, result.output
    img = cv2.imread(str(out))
    assert img is not None and img.shape[0] > 400 and img.std() > 10
