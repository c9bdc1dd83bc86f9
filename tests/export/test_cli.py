"""``camdetect export`` end to end (export + parity + int8) and its one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PIL import Image

from camdetect.export.parity import synthetic_views


def test_export_command(tiny_run, tmp_path):
    from typer.testing import CliRunner

    from camdetect.cli import app

    calib = tmp_path / "calib"
    calib.mkdir()
    for i, v in enumerate(synthetic_views(6, 320, seed=2)):
        Image.fromarray(v[..., ::-1]).save(calib / f"c{i}.jpg")
    out = tmp_path / "models" / "tiny.onnx"
    res = CliRunner().invoke(app, ["export", str(tiny_run), "--out", str(out), "--int8", "--calib", str(calib),
                                   "--parity-images", "3", "--shared-data", str(tmp_path / "none")])
    assert res.exit_code == 0, res.output
    assert out.is_file() and (tmp_path / "models" / "tiny-int8.onnx").is_file()
    parity = json.loads(out.with_suffix(".parity.json").read_text())
    assert parity["passed"] and [s["name"] for s in parity["sets"]] == ["synthetic views"]
    assert "parity PASS" in res.output


@pytest.mark.parametrize("args,message", [
    (["nope", "--out", "m.onnx"], "no such run directory"),
    (["{run}", "--out", "m.txt"], "--out must end in .onnx"),
    (["{run}", "--out", "m.onnx", "--int8"], "--int8 needs --calib"),
])
def test_export_errors(tiny_run, tmp_path, args, message):
    args = [a.format(run=tiny_run) for a in args]
    proc = subprocess.run([sys.executable, "-m", "camdetect.cli", "export", *args], capture_output=True, text=True,
                          check=False, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
