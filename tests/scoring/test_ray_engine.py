"""``--engine ray`` on a local 2-CPU Ray instance gives exactly the local engine's suggestions, with a second-look
verifier travelling to the actors (the plain path: test_ray_cluster.py)."""

from __future__ import annotations

import sqlite3

import pytest

from camdetect.scoring.outputs import read_jsonl
from camdetect.scoring.pipeline import ScoreConfig, score

from .test_pipeline import views_dir  # noqa: F401  (session fixture; city is in conftest)


def keys(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT key FROM suggestions"))


@pytest.mark.slow
def test_ray_engine_matches_local_engine_and_resumes(tiny_onnx, tiny_verifier, city, tmp_path, ray_lock):
    pytest.importorskip("ray")
    from camdetect.scoring.ray_engine import score_ray

    def config(d, limit=None):
        return ScoreConfig(model=tiny_onnx, input=city / "manifest.csv", db=str(d / "review.db"), out=d / "out",
                           media=d / "media", batch=8, threads=1, conf=0.3, progress=False, limit=limit,
                           verifier=tiny_verifier)

    local = score(config(tmp_path / "local"))
    assert local.suggestions > 0
    score(config(tmp_path / "ray", limit=1))  # one panorama done locally first: ray must skip it
    summary = score_ray(config(tmp_path / "ray"), actors=2, num_cpus=2, jobs_per_batch=1)
    assert summary.skipped_done == 1 and summary.scored == 2 and summary.views == 20
    assert keys(tmp_path / "ray" / "review.db") == keys(tmp_path / "local" / "review.db")
    assert local.suggestions == len(read_jsonl(tmp_path / "ray" / "out" / "suggestions.jsonl"))
    for rec in read_jsonl(tmp_path / "ray" / "out" / "suggestions.jsonl"):
        assert (tmp_path / "ray" / "media" / rec["image_path"]).is_file()
        assert rec["model"].endswith("+" + tiny_verifier.stem)  # the pair is its own model on both engines
