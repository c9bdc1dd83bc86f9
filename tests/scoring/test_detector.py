"""OnnxDetector on a real (tiny, random-weight) exported model with real onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.export.parity import synthetic_views
from camdetect.scoring.detector import OnnxDetector


def test_metadata_comes_from_the_model(detector):
    assert detector.class_names == ["dome", "bullet", "alpr"]  # the taxonomy's detector_classes
    assert detector.imgsz == (320, 320)
    assert detector.metadata.preprocessing["resize"] == "letterbox"
    assert 0 < detector.conf < 1 and 0 < detector.iou < 1


@pytest.mark.parametrize("batch", [1, 3, 8])
def test_batching_does_not_change_results(tiny_onnx, batch):
    views = synthetic_views(5, 320, seed=3) + [np.full((200, 500, 3), 90, np.uint8)]
    ref = OnnxDetector(tiny_onnx, threads=1, batch=1).predict(views)
    got = OnnxDetector(tiny_onnx, threads=1, batch=batch).predict(views)
    assert sum(len(d) for d in ref) > 0
    for a, b in zip(ref, got):
        assert len(a) == len(b)
        assert np.allclose(a.xyxy, b.xyxy, atol=1e-2) and np.allclose(a.scores, b.scores, atol=1e-5)


@pytest.mark.parametrize("shape", [(320, 320), (1000, 640), (37, 2000)])
def test_boxes_are_in_original_pixels(detector, shape):
    img = np.random.default_rng(0).integers(0, 255, (*shape, 3), dtype=np.uint8)
    det = detector.predict([img], conf=0.05)[0]
    assert len(det) > 0
    assert (det.xyxy[:, [0, 2]] <= shape[1] + 1e-3).all() and (det.xyxy[:, [1, 3]] <= shape[0] + 1e-3).all()
    assert (det.xyxy >= 0).all()


@pytest.mark.parametrize("content,message", [(None, "not found"), (b"not an onnx file", "cannot load")])
def test_bad_model_file(tmp_path, content, message):
    path = tmp_path / "m.onnx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        OnnxDetector(path)
