"""Static int8 quantisation (QDQ) calibrated on views, with the detect head kept in float.

The head's box regression (DFL) and the sigmoid class scores are where int8 rounding hurts tiny
cameras most, so every node under the last ``/model.N/`` (the Detect layer) is excluded. The
report measures what int8 costs (post-NMS agreement with fp32, score drift) and buys (images/s).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from camdetect.export.parity import IMAGE_EXTS, match


@dataclass
class QuantReport:
    path: str
    report_path: str
    calib_images: int
    eval_images: int
    excluded_nodes: int
    fp32_boxes: int
    int8_boxes: int
    matched: int
    match_rate: float
    mean_score_diff: float
    fp32_images_per_s: float
    int8_images_per_s: float
    speedup: float


def head_nodes(model_path: Path) -> list[str]:
    """Names of the nodes of the last ``/model.N/`` block (the Detect head)."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    pat = re.compile(r"^/model\.(\d+)/")
    idx = [int(m.group(1)) for n in model.graph.node if (m := pat.match(n.name))]
    if not idx:
        return []
    head = max(idx)
    return [n.name for n in model.graph.node if n.name.startswith(f"/model.{head}/")]


def _views(folder: Path, limit: int) -> list[np.ndarray]:
    import cv2

    files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_EXTS)
    return [im for im in (cv2.imread(str(p)) for p in files[:limit]) if im is not None]


def _speed(detector, images: list[np.ndarray], repeats: int = 2) -> float:
    detector.predict(images[: detector.batch])  # warm-up
    t = time.perf_counter()
    for _ in range(repeats):
        detector.predict(images)
    return repeats * len(images) / (time.perf_counter() - t)


def quantize_model(fp32_path: str | Path, calib_dir: str | Path, out: str | Path, n_calib: int = 32,
                   n_eval: int = 16, conf: float | None = None) -> QuantReport:
    """Write ``out`` (int8 QDQ) and ``out.quant.json``; returns the measured report (accuracy at
    ``conf``, default the model's threshold)."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from camdetect.export.metadata import ModelMetadata
    from camdetect.export.onnx_export import stamp_metadata
    from camdetect.scoring.detector import OnnxDetector
    from camdetect.scoring.letterbox import to_blob

    fp32_path, out = Path(fp32_path), Path(out)
    fp32 = OnnxDetector(fp32_path, batch=8)
    images = _views(Path(calib_dir), n_calib + n_eval)
    if len(images) < 2:
        raise ValueError(f"{calib_dir}: need at least 2 readable images to calibrate int8")
    calib, held = images[:max(1, len(images) - n_eval)], images[max(1, len(images) - n_eval):] or images[:1]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter([to_blob([im], fp32.imgsz)[0] for im in calib])

        def get_next(self):
            blob = next(self.items, None)
            return None if blob is None else {fp32.input_name: blob}

    pre = out.with_suffix(".pre.onnx")
    tmp = out.with_suffix(".q.onnx")
    try:
        quant_pre_process(str(fp32_path), str(pre), skip_symbolic_shape=True)
        excluded = head_nodes(pre)
        quantize_static(str(pre), str(tmp), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        nodes_to_exclude=excluded)
        meta = ModelMetadata.from_props({p.key: p.value for p in onnx.load(str(fp32_path)).metadata_props})
        meta.quantization = "int8 static QDQ (detect head float)"
        meta.name = out.stem
        stamp_metadata(tmp, out, meta)
    finally:
        pre.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    int8 = OnnxDetector(out, batch=8)
    a, b = fp32.predict(held, conf=conf), int8.predict(held, conf=conf)
    n_a = sum(len(d) for d in a)
    n_b = sum(len(d) for d in b)
    matched, diffs = 0, []
    for da, db in zip(a, b):
        pairs = match(da.xyxy, da.scores, da.class_ids, db.xyxy, db.scores, db.class_ids)
        matched += len(pairs)
        diffs += [abs(float(da.scores[i]) - float(db.scores[j])) for i, j, _ in pairs]
    s32, s8 = _speed(fp32, held), _speed(int8, held)
    report_path = out.with_suffix(".quant.json")
    rep = QuantReport(str(out), str(report_path), len(calib), len(held), len(excluded), n_a, n_b, matched,
                      matched / max(n_a, n_b, 1), float(np.mean(diffs)) if diffs else 0.0,
                      round(s32, 2), round(s8, 2), round(s8 / s32, 3))
    report_path.write_text(json.dumps(asdict(rep), indent=2), encoding="utf-8")
    return rep
