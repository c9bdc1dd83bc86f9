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
