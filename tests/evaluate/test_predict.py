"""Model resolution, class-name mapping and resumable prediction files (no model run here)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from camdetect.evaluate.predict import class_types, done_images, resolve_model, suggestion_rows
from camdetect.records import Detections


@pytest.mark.parametrize("names, expected", [
    (["dome", "bullet"], ("dome", "bullet")),
    (["Directed Camera", "Dome Camera"], ("bullet", "dome")),  # Stanford's names
    (["Camera"], ("unknown",)),  # Open Images: one class, no type
])
def test_class_types(names, expected):
    assert class_types(names) == expected


def test_resolve_model_kinds(tmp_path):
    run = tmp_path / "run"
    (run / "weights").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no weights/best.pt or weights/last.pt"):
        resolve_model(run)
    (run / "weights" / "last.pt").write_bytes(b"x")
    (run / "camdetect_run.json").write_text(json.dumps({"imgsz": 320, "crop": {"context": 3.0, "size": 64}}))
    ref = resolve_model(run)
    assert (ref.kind, ref.path.name, ref.imgsz, ref.mount_path, ref.crop_context, ref.crop_size) == (
        "pt", "last.pt", 320, None, 3.0, 64)
    (tmp_path / "m.onnx").write_bytes(b"x")
    (tmp_path / "m-mount.onnx").write_bytes(b"x")
    ref = resolve_model(tmp_path / "m.onnx")
    assert ref.kind == "onnx" and ref.mount_path == tmp_path / "m-mount.onnx"
    (tmp_path / "m.tflite").write_bytes(b"x")
    with pytest.raises(ValueError, match="unknown model format"):
        resolve_model(tmp_path / "m.tflite")
    (run / "camdetect_run.json").write_text("{oops")
    with pytest.raises(ValueError, match="camdetect_run.json:1: not JSON"):
        resolve_model(run)


def test_interrupted_image_is_dropped_and_redone(tmp_path):
    dets = Detections(np.array([[0, 0, 5, 5], [1, 1, 6, 6]], np.float32), np.array([0.9, 0.1], np.float32),
                      np.array([0, 1]))
    a = suggestion_rows("m", "a.jpg", "I", (64, 64), dets, ("dome", "bullet"))
    b = suggestion_rows("m", "b.jpg", "I", (64, 64), dets[:1], ("dome", "bullet"))
    assert [r["type"] for r in a] == ["dome", "bullet"] and len({r["key"] for r in a}) == 2
    path = tmp_path / "predictions.jsonl"
    lines = [json.dumps(r) for r in a] + [json.dumps({"image_path": "a.jpg", "done": True, "n": 2})]
    lines += [json.dumps(r) for r in b] + ['{"image_path": "c.jpg", "x1": 0, "y']  # b unfinished, c torn
    path.write_text("\n".join(lines) + "\n")
    assert done_images(path) == {"a.jpg"}
    kept = [json.loads(x) for x in path.read_text().splitlines()]
    assert {r["image_path"] for r in kept} == {"a.jpg"} and len(kept) == 3


@pytest.mark.parametrize("mount_model, used", [
    (None, True),  # a run made before the status was recorded: its weights decide
    ({"status": "trained"}, True),
    ({"status": "degenerate", "reason": "street_furniture is 100% of its val predictions"}, False),
    ({"status": "skipped", "reason": "2 of 3 mounts"}, False),
])
def test_unusable_mount_classifier_is_not_evaluated(tmp_path, mount_model, used):
    run = tmp_path / "run"
    for rel in ("weights/best.pt", "mount/weights/best.pt"):
        (run / rel).parent.mkdir(parents=True, exist_ok=True)
        (run / rel).write_bytes(b"weights")
    (run / "camdetect_run.json").write_text(json.dumps({"imgsz": 128, **({"mount_model": mount_model} if mount_model else {})}))
    ref = resolve_model(run)
    assert (ref.mount_path is not None) is used
