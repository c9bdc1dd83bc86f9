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
    (["{run}", "--out", "m.onnx", "--int8", "--calib", "nope"], "nope: calibration folder not found"),
    (["{run}", "--out", "m.onnx", "--int8", "--calib", ".", "--calib-method", "kl"], "--calib-method must be one of"),
])
def test_export_errors(tiny_run, tmp_path, args, message):
    args = [a.format(run=tiny_run) for a in args]
    proc = subprocess.run([sys.executable, "-m", "camdetect.cli", "export", *args], capture_output=True, text=True,
                          check=False, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def _run_with_unusable_mount(tiny_run, tmp_path, status: str = "degenerate"):
    """A copy of the tiny run whose mount classifier training marked unusable (weights kept for inspection)."""
    import shutil

    from camdetect.export.tiny import build_tiny_mount_classifier

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    build_tiny_mount_classifier(run)
    info = json.loads((run / "camdetect_run.json").read_text())
    info["mount_model"] = {"status": status, "reason": "street_furniture is 100% of its predictions on the 20 val crops"}
    (run / "camdetect_run.json").write_text(json.dumps(info))
    return run


def _training_run_meta(path):
    import onnx

    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    return json.loads(props["camdetect.training_run"])


def test_unusable_mount_classifier_is_not_exported(tiny_run, tmp_path):
    from typer.testing import CliRunner

    from camdetect.cli import app

    run = _run_with_unusable_mount(tiny_run, tmp_path)
    out = tmp_path / "models" / "m.onnx"
    res = CliRunner().invoke(app, ["export", str(run), "--out", str(out), "--no-parity"])
    assert res.exit_code == 0, res.output
    assert out.is_file() and not (tmp_path / "models" / "m-mount.onnx").exists()
    assert "mount model: none exported (degenerate: street_furniture is 100%" in res.output
    rec = _training_run_meta(out)["mount_model"]
    assert rec["source"] == "none" and rec["reason"].startswith("degenerate: ")


def test_mount_fallback_only_when_asked_and_said(tiny_run, tmp_path):
    """--mount-model copies an existing exported classifier beside the detector, says so, and stamps it."""
    from typer.testing import CliRunner

    from camdetect.cli import app
    from camdetect.train.config import ROOT

    shipped = ROOT / "models" / "camdetect-default-mount.onnx"
    if not shipped.is_file():
        pytest.skip("no shipped mount model in models/")
    run = _run_with_unusable_mount(tiny_run, tmp_path, status="skipped")
    out = tmp_path / "models" / "m.onnx"
    res = CliRunner().invoke(app, ["export", str(run), "--out", str(out), "--no-parity", "--mount-model", str(shipped)])
    assert res.exit_code == 0, res.output
    copied = tmp_path / "models" / "m-mount.onnx"
    assert copied.read_bytes() == shipped.read_bytes()
    assert f"mount model: shipped fallback {shipped} copied to {copied}" in res.output
    rec = _training_run_meta(out)["mount_model"]
    assert rec["source"] == "fallback" and rec["path"] == str(shipped) and "skipped" in rec["reason"]
    # a detector, not a classifier, is refused as a fallback (one line, exit 2)
    proc = subprocess.run([sys.executable, "-m", "camdetect.cli", "export", str(run), "--out", str(out), "--no-parity",
                           "--mount-model", str(out)], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert proc.returncode == 2 and "is a detect model, not a mount classifier" in proc.stderr


@pytest.mark.parametrize("args, tile", [([], None), (["--tile", "320"], 320), (["--tile", "0"], 0)])
def test_tile_override_is_stamped_for_the_scorer(tiny_run, tmp_path, args, tile):
    """A run whose dataset recorded no tile side (composites) gets it from --tile; without it, the run's."""
    from typer.testing import CliRunner

    from camdetect.cli import app
    from camdetect.export.onnx_export import dataset_tile, resolve_run

    out = tmp_path / "m.onnx"
    res = CliRunner().invoke(app, ["export", str(tiny_run), "--out", str(out), "--no-parity", *args])
    assert res.exit_code == 0, res.output
    expected = tile if tile is not None else dataset_tile(resolve_run(tiny_run).run_info)
    assert _training_run_meta(out)["tile"] == expected


def test_negative_tile_is_refused(tiny_run, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "camdetect.cli", "export", str(tiny_run), "--out",
                           str(tmp_path / "m.onnx"), "--tile", "-1"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --tile must be >= 0, got -1"
