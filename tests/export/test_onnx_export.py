"""Export: dynamic batch, metadata a scorer can live on, thresholds from the run, clear errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import pytest

from camdetect.export.metadata import ModelMetadata
from camdetect.export.onnx_export import RunSource, find_thresholds, resolve_run


def test_metadata_props(tiny_onnx, tiny_run):
    props = {p.key: p.value for p in onnx.load(str(tiny_onnx)).metadata_props}
    for key in ("class_names", "imgsz", "preprocessing", "camdetect_version", "training_run", "thresholds",
                "taxonomy", "task"):
        assert f"camdetect.{key}" in props
    meta = ModelMetadata.from_props(props)
    assert meta.class_names == ["dome", "bullet", "alpr"] and meta.imgsz == (320, 320) and meta.task == "detect"
    assert meta.preprocessing == {"resize": "letterbox", "pad_value": 114, "interpolation": "linear",
                                  "center": True, "color": "RGB", "scale": "1/255", "layout": "NCHW",
                                  "dtype": "float32"}
    assert meta.training_run["run_dir"] == str(tiny_run)
    assert "detector_classes" in meta.taxonomy
    assert "names" in props and "stride" in props  # ultralytics' own keys are kept


def test_dynamic_batch(tiny_onnx):
    import onnxruntime as ort

    sess = ort.InferenceSession(str(tiny_onnx), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    assert isinstance(inp.shape[0], str)  # symbolic batch dimension
    for n in (1, 3):
        out = sess.run(None, {inp.name: np.zeros((n, 3, 320, 320), np.float32)})[0]
        assert out.shape == (n, 4 + 3, 2100)  # dome, bullet, alpr


def test_ultralytics_only_metadata_is_enough():
    meta = ModelMetadata.from_props({"names": "{0: 'dome', 1: 'bullet'}", "imgsz": "[640, 640]", "task": "detect"})
    assert meta.class_names == ["dome", "bullet"] and meta.imgsz == (640, 640) and meta.conf == 0.25


@pytest.mark.parametrize("props,message", [({}, "no class names"), ({"names": "{0: 'a'}"}, "no imgsz"),
                                           ({"camdetect.imgsz": "[640"}, "not JSON")])
def test_bad_metadata(props, message):
    with pytest.raises(ValueError, match=message):
        ModelMetadata.from_props(props, "m.onnx")


@pytest.mark.parametrize("info,files,expected", [
    ({}, {}, {"conf": 0.25, "iou": 0.7, "source": "default"}),
    ({"thresholds": {"conf": 0.4, "iou": 0.5}}, {}, {"conf": 0.4, "iou": 0.5, "source": "camdetect_run.json"}),
    ({}, {"metrics.json": {"conf_threshold": 0.33}}, {"conf": 0.33, "iou": 0.7}),
    ({}, {"eval/metrics.json": {"thresholds": {"conf": 0.2}}}, {"conf": 0.2, "iou": 0.7}),
    ({}, {"metrics.json": "{not json"}, {"conf": 0.25, "source": "default"}),
])
def test_thresholds_from_evaluation(tmp_path, info, files, expected):
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    found = find_thresholds(RunSource(tmp_path / "w.pt", tmp_path, info))
    assert {k: found[k] for k in expected} == expected


def test_resolve_run_errors(tmp_path, tiny_run):
    with pytest.raises(FileNotFoundError, match="no such run"):
        resolve_run(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no weights"):
        resolve_run(tmp_path)
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(ValueError, match="expected a run directory or a .pt"):
        resolve_run(tmp_path / "x.txt")
    bad = tmp_path / "bad"
    shutil.copytree(tiny_run, bad)
    (bad / "camdetect_run.json").write_text("{\n oops")
    with pytest.raises(ValueError, match=r"camdetect_run.json:2: bad JSON"):
        resolve_run(bad)
    src = resolve_run(tiny_run / "weights" / "best.pt")
    assert src.run_dir == tiny_run and src.run_info["imgsz"] == 320


def test_dataset_tile_from_run_info_or_the_dataset_card(tmp_path):
    from camdetect.export.onnx_export import dataset_tile

    assert dataset_tile({"dataset_tile": 320}) == 320
    ds = tmp_path / "ds"
    ds.mkdir()
    (ds / "dataset.json").write_text(json.dumps({"options": {"tile": 256}}))
    assert dataset_tile({"data": str(ds)}) == 256
    assert dataset_tile({"data": str(ds / "data.yaml")}) == 256
    assert dataset_tile({"data": str(tmp_path / "gone")}) == 0 and dataset_tile({}) == 0
