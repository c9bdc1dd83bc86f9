"""`camdetect eval` end to end on a real 1-epoch YOLO11n: model run, resume, ready predictions, ONNX."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camdetect.cli import app
from camdetect.records import Tag, read_table

runner = CliRunner()


def _eval(*args: str):
    result = runner.invoke(app, ["eval", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text())


@pytest.mark.slow
def test_eval_model_then_resume_then_predictions(tiny_run, tiny_dataset, tmp_path):
    out = tmp_path / "eval"
    # --conf 0.001: a 1-epoch model scores below 0.25, and the confusion/mount path should still run
    res = _eval("--model", str(tiny_run), "--data", str(tiny_dataset), "--split", "test", "--out", str(out),
                "--conf", "0.001")
    assert "mAP50" in res.output and "recall 95%" in res.output
    for name in ("report.json", "report.md", "report.html", "plots/effort_curve.png", "plots/pr_curves.png",
                 "plots/confusion_type.png", "plots/calibration.png"):
        assert (out / name).is_file(), name
    rep = _report(out)
    assert rep["meta"]["n_images"] == 4 and rep["meta"]["n_images_without_cameras"] == 1
    assert rep["meta"]["n_intersections"] == 2
    # the run's mount classifier labelled the detections it was given: a mount confusion exists
    assert rep["confusion"]["mount"] is not None and (out / "plots" / "confusion_mount.png").is_file()
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert sum(1 for x in lines if json.loads(x).get("done")) == 4
    # resume: every image is done, nothing is predicted or written again
    _eval("--model", str(tiny_run), "--data", str(tiny_dataset), "--out", str(out), "--conf", "0.001")
    assert (out / "predictions.jsonl").read_text().splitlines() == lines
    # the saved predictions give the same numbers through --predictions
    out2 = tmp_path / "eval2"
    _eval("--predictions", str(out / "predictions.jsonl"), "--truth", str(tiny_dataset), "--out", str(out2),
          "--conf", "0.001")
    rep2 = _report(out2)
    assert rep2["coco"] == rep["coco"] and rep2["effort"]["at_targets"] == rep["effort"]["at_targets"]


def test_truth_as_predictions_is_perfect(tiny_dataset, tmp_path):
    """The whole CLI path on predictions equal to the truth: AP 1, 95% recall with large savings."""
    rows = [{"image_path": t.image, "intersection": t.intersection, "x1": t.x1, "y1": t.y1, "x2": t.x2,
             "y2": t.y2, "score": 0.9, "type": t.type, "mount": t.mount, "mount_score": 1.0}
            for t in read_table(tiny_dataset / "boxes.csv", Tag) if "/test/" in t.image]
    pred = tmp_path / "truth.jsonl"
    pred.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "eval"
    _eval("--predictions", str(pred), "--truth", str(tiny_dataset), "--out", str(out))
    rep = _report(out)
    assert rep["coco"]["mAP50"] == 1.0 and rep["coco"]["mAP50_95"] == 1.0
    assert rep["confusion"]["type"]["accuracy"] == 1.0 and rep["confusion"]["mount"]["accuracy"] == 1.0
    at95 = rep["effort"]["at_targets"][1]
    assert at95["reached"] and at95["recall"] == 1.0
    n_int = rep["meta"]["n_intersections"]
    assert at95["saved"] == pytest.approx(1 - (len(rows) * 9 + 0.05 * n_int * 270) / (n_int * 270))


@pytest.mark.slow
def test_eval_onnx_model(tiny_run, tiny_dataset, tmp_path):
    export = pytest.importorskip("camdetect.export.onnx_export")
    pytest.importorskip("camdetect.scoring.detector")
    onnx = export.export_run(tiny_run, tmp_path / "models" / "tiny.onnx")[0]
    out = tmp_path / "eval"
    _eval("--model", str(onnx), "--data", str(tiny_dataset), "--out", str(out))
    rep = _report(out)
    assert rep["meta"]["n_images"] == 4 and rep["meta"]["model"].endswith("tiny.onnx")


@pytest.mark.parametrize("args, message", [
    (["--out", "o"], "give exactly one of --model or --predictions"),
    (["--predictions", "missing.jsonl", "--truth", "{data}", "--out", "o"], "missing.jsonl: predictions file not found"),
    (["--model", "nowhere.onnx", "--data", "{data}", "--out", "o"], "nowhere.onnx: model not found"),
    (["--predictions", "p.jsonl", "--truth", "{data}", "--split", "val", "--out", "o"], "no views in split 'val'"),
    (["--predictions", "p.jsonl", "--out", "o"], "--data (or --truth) is required"),
])
def test_bad_input_is_one_line_exit_2(tiny_dataset, tmp_path, args, message):
    (tmp_path / "p.jsonl").write_text("")
    exe = Path(sys.executable).with_name("camdetect")
    cmd = [str(exe), "eval", *[a.format(data=tiny_dataset) for a in args]]
    proc = subprocess.run(cmd, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("error: ")
    assert message in proc.stderr


def _camdetect(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("camdetect")
    return subprocess.run([str(exe), *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120)


def _row(image: str) -> str:
    return json.dumps({"image_path": image, "x1": 10, "y1": 10, "x2": 30, "y2": 30, "score": 0.9,
                       "type": "dome"}) + "\n"


def test_predictions_on_other_images_are_refused(tiny_dataset, tmp_path):
    """Predictions whose image keys match no truth image (another folder's images) would report 0 %
    recall: eval refuses in one line naming both files and one key from each side."""
    (tmp_path / "p.jsonl").write_text(_row("elsewhere/street_01.jpg") + _row("elsewhere/street_02.jpg"))
    proc = _camdetect(["eval", "--predictions", "p.jsonl", "--truth", str(tiny_dataset), "--out", "o"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: p.jsonl: none of its 2 prediction images")
    assert proc.stderr.strip().count("\n") == 0
    assert str(tiny_dataset) in proc.stderr
    assert "'elsewhere/street_01.jpg'" in proc.stderr and "'images/test/test_00.jpg'" in proc.stderr
    assert not (tmp_path / "o" / "report.json").exists()


def test_some_unmatched_prediction_images_warn(tiny_dataset, tmp_path):
    """One prediction image matches (by file name), one does not: a one-line warning, then the report."""
    (tmp_path / "p.jsonl").write_text(_row("media/test_00.jpg") + _row("elsewhere/street_01.jpg"))
    proc = _camdetect(["eval", "--predictions", "p.jsonl", "--truth", str(tiny_dataset), "--out", "o"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    warnings = [x for x in proc.stderr.splitlines() if x.startswith("warning:")]
    assert warnings == [f"warning: p.jsonl: 1 of 2 prediction images are not in {tiny_dataset} and are left out "
                        "(e.g. 'elsewhere/street_01.jpg')"]
    rep = _report(tmp_path / "o")
    assert rep["meta"]["prediction_images_not_in_truth"] == 1 and rep["meta"]["n_predictions"] == 1
