"""int8 static QDQ: detect head stays float, metadata survives, accuracy/speed report is written."""

from __future__ import annotations

import json

import onnx
from PIL import Image

from camdetect.export.parity import synthetic_views
from camdetect.export.quantize import head_nodes, quantize_model
from camdetect.scoring.detector import OnnxDetector


def test_int8_model(tiny_onnx, tmp_path):
    calib = tmp_path / "calib"
    calib.mkdir()
    for i, v in enumerate(synthetic_views(8, 320, seed=21)):
        Image.fromarray(v[..., ::-1]).save(calib / f"c{i}.jpg")
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
