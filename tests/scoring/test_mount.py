"""A run with a second model (mount classifier) exports both; the scorer fills mount + mount_score."""

from __future__ import annotations

import math
import shutil

import onnx

from camdetect.scoring.outputs import read_jsonl
from camdetect.scoring.pipeline import ScoreConfig, score
from camdetect.taxonomy import load_taxonomy

from .test_pipeline import views_dir  # noqa: F401  (session fixture)


def test_mount_classifier_is_exported_and_used(tiny_onnx, views_dir, tmp_path):  # noqa: F811
    from camdetect.export.onnx_export import export_run
    from camdetect.export.tiny import build_tiny_mount_classifier

    run = tmp_path / "run"
    shutil.copytree(tiny_onnx.parent / tiny_onnx.stem, run)
    build_tiny_mount_classifier(run)
    written = export_run(run, tmp_path / "models" / "m.onnx")
    assert [p.name for p in written] == ["m.onnx", "m-mount.onnx"]
    props = {p.key: p.value for p in onnx.load(str(written[1])).metadata_props}
    assert '"classify"' in props["camdetect.task"]
    out = tmp_path / "score"
    score(ScoreConfig(model=written[0], input=views_dir, db=str(out / "r.db"), out=out, threads=1, progress=False,
                      conf=0.5))  # a handful of boxes: each costs one classifier crop
    recs = read_jsonl(out / "suggestions.jsonl")
    assert recs
    mounts = set(load_taxonomy().mounts)
    for r in recs:
        assert r["mount"] in mounts and r["mount_score"] is not None and 0 < r["mount_score"] <= 1
        assert not math.isnan(r["mount_score"])


def test_mount_crops_match_training_crops():
    """Train/serve parity: the scorer classifies exactly the crop the classifier was trained on
    (camdetect.dataset.crops.context_crop with the run's context and size from the ONNX metadata)."""
    from types import SimpleNamespace

    import numpy as np

    from camdetect.dataset.crops import context_crop
    from camdetect.records import Suggestion
    from camdetect.scoring.pipeline import Scorer, mount_crop_settings

    rng = np.random.default_rng(0)
    view = rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)
    seen: list[np.ndarray] = []

    def predict(crops):
        seen.extend(crops)
        return np.tile(np.array([[0.1, 0.7, 0.2]], np.float32), (len(crops), 1))

    mount = SimpleNamespace(metadata=SimpleNamespace(training_run={"crop": {"context": 3.0, "size": 40}}),
                            class_names=["street_furniture", "building", "other"], predict=predict)
    boxes = [(10.0, 12.0, 22.0, 20.0), (280.0, 180.0, 299.0, 199.0)]  # the second runs past the border
    out = [Suggestion(key=str(i), intersection="i", pano_id="p", image_path="v.jpg", view_heading=0, view_pitch=0,
                      view_fov=48, image_width=300, image_height=200, x1=b[0], y1=b[1], x2=b[2], y2=b[3],
                      score=0.9, type="dome") for i, b in enumerate(boxes)]
    Scorer.classify_mounts(SimpleNamespace(mount=mount, mount_crop=mount_crop_settings(mount.metadata),
                                           taxonomy=load_taxonomy()),
                           SimpleNamespace(images=[view]), [(0, None, None, None)] * 2, out)
    assert len(seen) == 2
    for crop, box in zip(seen, boxes):
        assert crop.shape == (40, 40, 3)
        np.testing.assert_array_equal(crop, context_crop(view, box, 3.0, 48, 40))
    assert [s.mount for s in out] == ["building", "building"] and out[0].mount_score == np.float32(0.7)
