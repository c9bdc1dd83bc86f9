"""int8 static QDQ: detect head stays float, metadata survives, accuracy/speed report is written."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from PIL import Image

from camdetect.export.calibration import CalibSource
from camdetect.export.parity import synthetic_views
from camdetect.export.quantize import agreement, head_nodes, quantize_model
from camdetect.records import Detections
from camdetect.scoring.detector import OnnxDetector


def _folder(path, n, seed):
    path.mkdir(parents=True)
    for i, v in enumerate(synthetic_views(n, 320, seed=seed)):
        Image.fromarray(v[..., ::-1]).save(path / f"c{i}.jpg")
    return path


def test_int8_model(tiny_onnx, tmp_path):
    calib = _folder(tmp_path / "calib", 8, 21)
    rep = quantize_model(tiny_onnx, calib, tmp_path / "m-int8.onnx", n_calib=4, n_eval=4)
    assert rep.excluded_nodes > 100  # the whole Detect block (after quant_pre_process folding)
    model = onnx.load(str(tmp_path / "m-int8.onnx"))
    ops = {n.op_type for n in model.graph.node}
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    prefix = "/" + head_nodes(tiny_onnx)[0].split("/")[1] + "/"  # "/model.23/"
    head = [n for n in model.graph.node if n.name.startswith(prefix)]
    assert all(n.op_type not in ("QuantizeLinear", "DequantizeLinear") for n in head)
    det = OnnxDetector(tmp_path / "m-int8.onnx")
    assert det.metadata.quantization.startswith("int8") and det.class_names == ["dome", "bullet", "alpr"]
    data = json.loads((tmp_path / "m-int8.quant.json").read_text())
    assert data["fp32_images_per_s"] > 0 and data["int8_images_per_s"] > 0 and 0 <= data["match_rate"] <= 1


def test_report_fields_several_sources(tiny_onnx, tmp_path):
    """Calibration from two folders (one with a held-out sub-folder), the report says what was used, and the
    model starts with no verdict: fp32 stays the default until scripts/bench_int8.py measures it."""
    streets = tmp_path / "streets"
    _folder(streets / "seen", 4, 1)
    _folder(streets / "held", 3, 2)
    tiles = _folder(tmp_path / "tiles", 4, 3)
    srcs = [CalibSource(streets, exclude=("held",)), CalibSource(tiles)]
    rep = quantize_model(tiny_onnx, srcs, tmp_path / "q" / "m-int8.onnx", n_calib=4, n_eval=2, seed=1)
    data = json.loads((tmp_path / "q" / "m-int8.quant.json").read_text())
    assert data["calib_method"] == "minmax" and data["calib"]["seed"] == 1
    assert data["calib"]["inputs"] == 6 and data["calib"]["calibrated_on"] == 4 and data["eval_images"] == 2
    assert sorted(data["calib"]["per_source"].values()) == [3, 3]
    assert data["verdict"]["default"] is False and "not benchmarked" in data["verdict"]["reason"]
    for k in ("mean_iou", "max_score_diff", "mean_score_diff", "match_rate", "speedup", "conf"):
        assert k in data
    assert rep.calib_images == 4
    props = {p.key: p.value for p in onnx.load(str(tmp_path / "q" / "m-int8.onnx")).metadata_props}
    assert json.loads(props["camdetect.int8_verdict"])["default"] is False


@pytest.mark.parametrize("method", ["entropy", "percentile"])
def test_other_calibration_methods(tiny_onnx, tmp_path, method):
    calib = _folder(tmp_path / "calib", 4, 7)
    rep = quantize_model(tiny_onnx, calib, tmp_path / "m-int8.onnx", n_calib=2, n_eval=2, method=method,
                         speed_rounds=1)
    assert rep.calib_method == method
    assert OnnxDetector(tmp_path / "m-int8.onnx").metadata.quantization.endswith(f"{method} calibration)")


def test_unknown_method(tiny_onnx, tmp_path):
    with pytest.raises(ValueError, match="minmax, entropy, percentile"):
        quantize_model(tiny_onnx, tmp_path, tmp_path / "m-int8.onnx", method="kl")


def _d(*rows):
    a = np.asarray(rows, np.float32).reshape(-1, 6)
    return Detections(a[:, :4], a[:, 4], a[:, 5].astype(np.int64))


@pytest.mark.parametrize("a,b,share,iou,drift", [
    ([_d([0, 0, 10, 10, .5, 0])], [_d([0, 0, 10, 10, .5, 0])], 1.0, 1.0, 0.0),
    ([_d([0, 0, 10, 10, .5, 0])], [_d([0, 0, 10, 11, .6, 0])], 1.0, 10 / 11, 0.1),
    ([_d([0, 0, 10, 10, .5, 0], [20, 20, 30, 30, .4, 1])], [_d([0, 0, 10, 10, .5, 0])], 0.5, 1.0, 0.0),
    ([_d([0, 0, 10, 10, .5, 0])], [_d([0, 0, 10, 10, .5, 1])], 0.0, None, 0.0),  # a class flip is no match
    ([_d()], [_d()], 1.0, None, 0.0),  # nothing on either side: full agreement
])
def test_agreement(a, b, share, iou, drift):
    ag = agreement(a, b)
    assert ag["matched_share"] == pytest.approx(share)
    assert (ag["mean_iou"] is None) if iou is None else ag["mean_iou"] == pytest.approx(iou, abs=1e-4)
    assert ag["mean_score_diff"] == pytest.approx(drift, abs=1e-5)
