"""Static int8 quantisation (QDQ) calibrated on views, with the detect head kept in float.

The head's box regression (DFL) and the sigmoid class scores are where int8 rounding hurts tiny
cameras most, so every node under the last ``/model.N/`` (the Detect layer) is excluded. Calibration
inputs come from several folders, cut as the scorer cuts views (``camdetect.export.calibration``); the
calibration method (MinMax, Entropy, Percentile) is a choice measured by ``scripts/bench_int8.py``.
The report measures what int8 costs (post-NMS agreement with fp32: matched share, IoU, score drift) and
buys (images/s, fp32 and int8 interleaved in one run). Whether int8 becomes the default is decided
from a fuller benchmark (AP50 on real and synthetic images): ``camdetect.export.int8_choice``.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from camdetect.export.calibration import METHODS, CalibSet, CalibSource, sample_calibration
from camdetect.export.onnx_export import stamp_props
from camdetect.export.parity import match

PERCENTILE = 99.999  # ORT's default for the Percentile method, kept explicit in the report
# Note: quantize_static builds its Entropy calibrator with 128 histogram bins for 128 quantised levels (no
# option reaches them), so the only threshold it can pick is the full range: ``entropy`` gives MinMax's
# scales (measured on camdetect-default: all 680 scales and zero points identical; docs/export.md).


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
    calib_method: str = "minmax"
    calib: dict = field(default_factory=dict)  # inputs, seed, per_source counts
    mean_iou: float | None = None
    max_score_diff: float = 0.0
    conf: float | None = None
    verdict: dict = field(default_factory=dict)  # camdetect.export.int8_choice (stamped by bench_int8.py)


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


def agreement(a: list, b: list) -> dict:
    """Post-NMS agreement of two detection lists (per image): fp32 ``a`` vs int8 ``b``.

    ``matched_share`` = matched pairs / max(boxes a, boxes b) (same class, IoU > 0.5, one to one:
    ``parity.match``); IoU and score drift over the matched pairs."""
    from camdetect.geometry.overlap import box_iou

    n_a, n_b = sum(len(d) for d in a), sum(len(d) for d in b)
    ious, diffs = [], []
    for da, db in zip(a, b):
        for i, j, _ in match(da.xyxy, da.scores, da.class_ids, db.xyxy, db.scores, db.class_ids):
            ious.append(float(box_iou(da.xyxy[i], db.xyxy[j])[0, 0]))
            diffs.append(float(db.scores[j]) - float(da.scores[i]))
    d = np.abs(diffs) if diffs else np.zeros(0)
    return {"fp32_boxes": n_a, "int8_boxes": n_b, "matched": len(ious),
            "matched_share": round(len(ious) / max(n_a, n_b, 1), 4) if (n_a or n_b) else 1.0,
            "mean_iou": round(float(np.mean(ious)), 4) if ious else None,
            "min_iou": round(float(np.min(ious)), 4) if ious else None,
            "mean_score_diff": round(float(d.mean()), 5) if len(d) else 0.0,
            "max_score_diff": round(float(d.max()), 5) if len(d) else 0.0,
            "mean_signed_score_diff": round(float(np.mean(diffs)), 5) if diffs else 0.0}


def interleaved_rates(runs, n: int, rounds: int = 3) -> tuple[float, ...]:
    """Items/s of each ``run()`` (one pass over the same ``n`` items), timed in interleaved rounds (median of
    ``rounds``): the shared machine's load drifts, so a ratio is only honest from alternating runs."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(max(1, rounds)):
        for k, run in enumerate(runs):
            t = time.perf_counter()
            run()
            times[k].append(time.perf_counter() - t)
    return tuple(n / float(np.median(ts)) for ts in times)


def speed_pair(first, second, images: list[np.ndarray], rounds: int = 3) -> tuple[float, float]:
    """Images/s of two detectors on the same inputs, end to end (letterbox, ORT, decode, NMS), interleaved."""
    first.predict(images[: first.batch])  # warm-up
    second.predict(images[: second.batch])
    return interleaved_rates((lambda: first.predict(images), lambda: second.predict(images)), len(images), rounds)


def _sources(calib) -> list[CalibSource]:
    if isinstance(calib, (str, Path)):
        return [CalibSource.parse(calib)]
    return [c if isinstance(c, CalibSource) else CalibSource.parse(c) for c in calib]


def stamp_verdict(int8_path: str | Path, verdict: dict, bench: dict | None = None) -> None:
    """Write the int8 verdict into the model (``camdetect.int8_verdict``) and its ``.quant.json``
    (``verdict`` and, when given, the ``bench`` figures it was decided from)."""
    from camdetect.durable import atomic_write_json

    int8_path = Path(int8_path)
    stamp_props(int8_path, {"camdetect.int8_verdict": json.dumps(verdict)})
    rp = int8_path.with_suffix(".quant.json")
    doc = json.loads(rp.read_text(encoding="utf-8")) if rp.is_file() else {"path": str(int8_path)}
    doc["verdict"] = verdict
    if bench is not None:
        doc["bench"] = bench
    atomic_write_json(rp, doc, indent=2)


def quantize_model(fp32_path: str | Path, calib, out: str | Path, n_calib: int = 64,
                   n_eval: int = 16, conf: float | None = None, method: str = "minmax", seed: int = 0,
                   calib_set: CalibSet | None = None, speed_rounds: int = 3) -> QuantReport:
    """Write ``out`` (int8 QDQ) and ``out.quant.json``; returns the measured report (accuracy at
    ``conf``, default the model's threshold).

    ``calib``: a folder, or a list of folders / ``DIR:N`` specs / :class:`CalibSource` (sampled with
    ``seed``: ``n_calib`` inputs calibrate, ``n_eval`` more are held out for the agreement check), or
    ``calib_set`` already sampled. ``method``: minmax | entropy | percentile. A ``NAME-mount.onnx`` beside
    the fp32 model is copied beside ``out`` so the scorer finds it for the int8 model too."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from camdetect.export.int8_choice import UNMEASURED
    from camdetect.export.metadata import ModelMetadata
    from camdetect.scoring.detector import OnnxDetector
    from camdetect.scoring.letterbox import to_blob

    if method not in METHODS:
        raise ValueError(f"calibration method must be one of {', '.join(METHODS)}, got {method!r}")
    fp32_path, out = Path(fp32_path), Path(out)
    fp32 = OnnxDetector(fp32_path, batch=8)
    if calib_set is None:
        tile = int(fp32.metadata.training_run.get("tile") or 0)
        calib_set = sample_calibration(_sources(calib), n_calib + n_eval, tile, max(fp32.imgsz), seed=seed)
    if len(calib_set.images) < 2:
        raise ValueError(f"{calib}: need at least 2 readable images to calibrate int8")
    cal, held = calib_set.split(min(n_eval, len(calib_set.images) // 2))
    calib_images = cal.images

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(calib_images)

        def get_next(self):
            im = next(self.items, None)
            return None if im is None else {fp32.session.input_name: to_blob([im], fp32.imgsz)[0]}

    cm = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
          "percentile": CalibrationMethod.Percentile}[method]
    extra = {"CalibPercentile": PERCENTILE} if method == "percentile" else {}
    pre = out.with_suffix(".pre.onnx")
    tmp = out.with_suffix(".q.onnx")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        quant_pre_process(str(fp32_path), str(pre), skip_symbolic_shape=True)
        excluded = head_nodes(pre)
        quantize_static(str(pre), str(tmp), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        nodes_to_exclude=excluded, calibrate_method=cm, extra_options=extra)
        meta = ModelMetadata.from_props({p.key: p.value for p in onnx.load(str(fp32_path)).metadata_props})
        meta.quantization = f"int8 static QDQ (detect head float, {method} calibration)"
        meta.name = out.stem
        stamp_props(tmp, {**meta.to_props(), "camdetect.int8_verdict": json.dumps(UNMEASURED)}, out)
    finally:
        pre.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    mount = fp32_path.with_name(fp32_path.stem + "-mount.onnx")
    if mount.is_file():
        shutil.copyfile(mount, out.with_name(out.stem + "-mount.onnx"))
    int8 = OnnxDetector(out, batch=8)
    images = held.images or cal.images[:1]
    ag = agreement(fp32.predict(images, conf=conf), int8.predict(images, conf=conf))
    s32, s8 = speed_pair(fp32, int8, images, rounds=speed_rounds)
    report_path = out.with_suffix(".quant.json")
    rep = QuantReport(str(out), str(report_path), len(cal.images), len(images), len(excluded),
                      ag["fp32_boxes"], ag["int8_boxes"], ag["matched"], ag["matched_share"],
                      ag["mean_score_diff"], round(s32, 2), round(s8, 2), round(s8 / s32, 3),
                      calib_method=method, calib={**calib_set.summary(), "calibrated_on": len(cal.images)},
                      mean_iou=ag["mean_iou"], max_score_diff=ag["max_score_diff"],
                      conf=fp32.conf if conf is None else conf, verdict=dict(UNMEASURED))
    from camdetect.durable import atomic_write_json

    atomic_write_json(report_path, asdict(rep), indent=2)
    return rep
