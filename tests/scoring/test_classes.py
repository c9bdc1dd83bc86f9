"""Class names travel in the ONNX metadata: the shipped 2-class model (dome, bullet) scores as it did
before licence-plate readers joined the taxonomy, and a 3-class model's class-2 boxes are type alpr."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from camdetect.export.parity import synthetic_views
from camdetect.scoring.detector import OnnxDetector
from camdetect.scoring.outputs import read_jsonl
from camdetect.scoring.pipeline import ScoreConfig, score

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "models" / "camdetect-city.onnx"  # the v1 (synthetic-city) model: dome, bullet


@pytest.fixture(scope="module")
def views(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("views")
    for i, v in enumerate(synthetic_views(3, 320, seed=21)):
        Image.fromarray(v[..., ::-1]).save(d / f"v{i}.jpg", quality=92)
    return d


@pytest.fixture(scope="module")
def alpr_onnx(tmp_path_factory) -> Path:
    """A tiny random 3-class model whose class-2 (alpr) scores dominate: every box it makes is alpr."""
    from camdetect.export.onnx_export import export_run
    from camdetect.export.tiny import build_tiny_run

    d = tmp_path_factory.mktemp("alpr")
    run = build_tiny_run(d / "run", imgsz=320, names=["dome", "bullet", "alpr"], class_bias=[-12.0, -12.0, -2.0])
    export_run(run, d / "alpr.onnx")
    return d / "alpr.onnx"


def _score(model: Path, views: Path, tmp: Path, **kw):
    summary = score(ScoreConfig(model=str(model), input=views, db=str(tmp / "review.db"), out=tmp / "out",
                                media=tmp / "media", threads=1, progress=False, **kw))
    return summary, read_jsonl(tmp / "out" / "suggestions.jsonl")


@pytest.mark.skipif(not SHIPPED.is_file(), reason="no shipped model")
def test_shipped_two_class_model_keeps_its_classes(views, tmp_path):
    det = OnnxDetector(SHIPPED, threads=1)
    assert det.class_names == ["dome", "bullet"]
    out = det.predict(synthetic_views(2, 320, seed=21), conf=0.001)
    assert sum(len(d) for d in out) > 0 and all(set(d.class_ids.tolist()) <= {0, 1} for d in out)
    summary, recs = _score(SHIPPED, views, tmp_path, conf=0.001)
    assert summary.scored == 3 and recs
    assert {r["type"] for r in recs} <= {"dome", "bullet"}


def test_three_class_model_boxes_are_alpr(alpr_onnx, views, tmp_path):
    det = OnnxDetector(alpr_onnx, threads=1)
    assert det.class_names == ["dome", "bullet", "alpr"]
    out = det.predict(synthetic_views(2, 320, seed=21), conf=0.05)
    assert sum(len(d) for d in out) > 0 and all(set(d.class_ids.tolist()) == {2} for d in out if len(d))
    summary, recs = _score(alpr_onnx, views, tmp_path, conf=0.05)
    assert recs and {r["type"] for r in recs} == {"alpr"}
    assert np.all([r["type_score"] > 0 for r in recs])
