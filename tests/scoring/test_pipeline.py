"""End-to-end local scoring with real onnxruntime, a real review store (SQLite) and real files."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from camdetect.export.parity import synthetic_views
from camdetect.scoring.outputs import read_jsonl
from camdetect.scoring.pipeline import ScoreConfig, score

PY = sys.executable


@pytest.fixture(scope="session")
def views_dir(tmp_path_factory) -> Path:
    """6 good views (one grayscale) and 3 bad files."""
    d = tmp_path_factory.mktemp("views")
    for i, v in enumerate(synthetic_views(5, 320, seed=11)):
        Image.fromarray(v[..., ::-1]).save(d / f"v{i}.jpg", quality=92)
    Image.fromarray(synthetic_views(1, 400, seed=12)[0][..., 0]).save(d / "gray.png")
    (d / "empty.jpg").write_bytes(b"")
    (d / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg" * 10)
    good = (d / "v0.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(good[: len(good) // 2])
    return d


def store_keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT key FROM suggestions"))


def done_keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT image_key FROM scored_images"))


def cfg(model, input, tmp, **kw) -> ScoreConfig:
    return ScoreConfig(model=model, input=input, db=str(tmp / "review.db"), out=tmp / "out", media=tmp / "media",
                       threads=1, progress=False, **kw)


def test_views_folder_counts_bad_files_and_is_idempotent(tiny_onnx, views_dir, tmp_path):
    summary = score(cfg(tiny_onnx, views_dir, tmp_path, batch=4))
    assert summary.jobs == 9 and summary.scored == 6
    assert dict(summary.reasons) == {"empty": 1, "corrupt": 1, "truncated": 1}
    assert summary.notes["grayscale"] == 1
    keys = store_keys(tmp_path / "review.db")
    lines = read_jsonl(tmp_path / "out" / "suggestions.jsonl")
    assert keys and sorted(r["key"] for r in lines) == keys
    assert len(done_keys(tmp_path / "review.db")) == 9  # bad files are done too: never retried forever
    for rec in lines:
        assert (tmp_path / "media" / rec["image_path"]).is_file()
    again = score(cfg(tiny_onnx, views_dir, tmp_path, batch=4))
    assert again.skipped_done == 9 and again.suggestions == 0
    assert store_keys(tmp_path / "review.db") == keys
    assert len(read_jsonl(tmp_path / "out" / "suggestions.jsonl")) == len(lines)
    summary_json = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary_json["skipped_done"] == 9
    assert summary_json["view_plan"]["n_headings"] == 10  # eval reads it: cameras in no view cap the recall


@pytest.fixture(scope="module")
def reference_keys(tiny_onnx, views_dir, tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("ref")
    score(cfg(tiny_onnx, views_dir, out, batch=8, prefetch=2))
    return store_keys(out / "review.db")


@pytest.mark.parametrize("batch,prefetch", [(1, 1), (16, 3)])
def test_batching_and_prefetch_do_not_change_suggestions(tiny_onnx, views_dir, tmp_path, reference_keys, batch,
                                                         prefetch):
    score(cfg(tiny_onnx, views_dir, tmp_path, batch=batch, prefetch=prefetch))
    assert store_keys(tmp_path / "review.db") == reference_keys


def by_view(recs: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in sorted(recs, key=lambda r: -r["score"]):
        out.setdefault(r["image_path"], []).append(r)
    return out


def test_agnostic_nms_keeps_one_suggestion_per_object(tiny_onnx, city, tmp_path):
    """`--nms agnostic` end to end: never more suggestions in a view than class-aware NMS, fewer in all, and the
    view's best box the same (the exact rule is tested against ultralytics in test_decode and in test_tiling)."""
    score(cfg(tiny_onnx, city / "manifest.csv", tmp_path / "class", conf=0.2, layout="tiles", nms="class"))
    score(cfg(tiny_onnx, city / "manifest.csv", tmp_path / "agn", conf=0.2, layout="tiles", nms="agnostic"))
    aware = by_view(read_jsonl(tmp_path / "class" / "out" / "suggestions.jsonl"))
    agn = by_view(read_jsonl(tmp_path / "agn" / "out" / "suggestions.jsonl"))
    assert agn and set(agn) <= set(aware)
    for mode, sub in (("class", "class"), ("agnostic", "agn")):  # summary.json says how the run suppressed
        assert json.loads((tmp_path / sub / "out" / "summary.json").read_text())["nms"] == mode
    assert sum(map(len, agn.values())) < sum(map(len, aware.values()))
    for view, recs in agn.items():
        assert len(recs) <= len(aware[view])
        assert recs[0]["key"] == aware[view][0]["key"]


def test_manifest_of_panoramas(tiny_onnx, city, tmp_path):
    summary = score(cfg(tiny_onnx, city / "manifest.csv", tmp_path, batch=8, conf=0.3))
    assert summary.scored == 3 and summary.views == 30  # default plan: 10 views per panorama
    recs = read_jsonl(tmp_path / "out" / "suggestions.jsonl")
    assert recs, "the random tiny model should produce some boxes at conf 0.3"
    for r in recs:
        assert r["intersection"].startswith("syn-") and r["lat"] == pytest.approx(40.69, abs=0.1)
        assert 0 <= r["heading"] < 360 and -90 <= r["pitch"] <= 90
        assert (tmp_path / "media" / r["image_path"]).is_file()
        assert r["view_fov"] == 48.0
    geo = json.loads((tmp_path / "out" / "suggestions.geojson").read_text())
    assert len(geo["features"]) == len(recs)
    f = geo["features"][0]
    assert f["geometry"]["type"] == "Point" and len(f["geometry"]["coordinates"]) == 2
    assert f["properties"]["osm_tags"]["man_made"] == "surveillance"
    assert f["properties"]["bearing"] is not None


def test_one_camera_in_overlapping_views_is_one_suggestion(tiny_onnx, city, tmp_path):
    """After the sphere merge no two suggestions of one panorama point at the same spot."""
    from camdetect.geometry import angular_distance

    score(cfg(tiny_onnx, city / "manifest.csv", tmp_path, batch=8, conf=0.3))
    recs = read_jsonl(tmp_path / "out" / "suggestions.jsonl")
    by_pano: dict[str, list[dict]] = {}
    for r in recs:
        by_pano.setdefault(r["pano_id"], []).append(r)
    for rs in by_pano.values():
        for i, a in enumerate(rs):
            for b in rs[i + 1:]:
                if a["view_heading"] != b["view_heading"]:
                    assert angular_distance(a["heading"], a["pitch"], b["heading"], b["pitch"]) >= 0.5


SCRIPT = """
import json, sys
from camdetect.cli import app
try:
    app({args!r}, standalone_mode=False)
finally:
    print(json.dumps({{m: m in sys.modules for m in ("torch", "ultralytics", "onnxruntime", "numba", "pandas",
                                                     "scipy", "matplotlib", "ensemble_boxes")}}))
"""


def test_scorer_process_never_imports_torch_or_ultralytics(tiny_onnx, views_dir, tmp_path):
    """Nor anything else [score] does not install (numba, pandas, scipy, matplotlib: see pyproject)."""
    args = ["score", str(views_dir), "--model", str(tiny_onnx), "--db", str(tmp_path / "r.db"),
            "--out", str(tmp_path / "out"), "--threads", "1", "--no-progress"]
    proc = subprocess.run([PY, "-c", SCRIPT.format(args=args)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"torch": False, "ultralytics": False, "onnxruntime": True, "numba": False, "pandas": False,
                      "scipy": False, "matplotlib": False, "ensemble_boxes": False}


@pytest.mark.parametrize("option,value", [("--nms", "loose"), ("--skip-tiles", "roads")])
def test_a_bad_score_option_exits_2_with_one_line_naming_it(tiny_onnx, views_dir, tmp_path, option, value):
    proc = subprocess.run([PY, "-m", "camdetect.cli", "score", str(views_dir), "--model", str(tiny_onnx),
                           "--db", str(tmp_path / "r.db"), "--no-progress", option, value],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {option}") and value in err[0]


def test_bad_score_inputs_exit_2_with_one_line(tiny_onnx, tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("image_path,kind\nx.jpg,photo\n")
    proc = subprocess.run([PY, "-m", "camdetect.cli", "score", str(bad), "--model", str(tiny_onnx),
                           "--db", str(tmp_path / "r.db"), "--no-progress"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "m.csv:2" in err[0]


def test_a_panorama_that_cannot_be_cut_is_a_reason_not_a_crash(tiny_onnx, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    Image.fromarray(np.zeros((2, 40000, 3), np.uint8)).save(d / "wide.png")  # cv2.remap limit: cut_view refuses
    Image.fromarray(synthetic_views(1, 320)[0]).save(d / "ok.jpg")
    summary = score(cfg(tiny_onnx, d, tmp_path / "o", kind="panorama"))
    assert summary.reasons["failed: ValueError"] == 1 and summary.scored == 1


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_spot_check_views_are_written_and_registered(tiny_onnx, city, tmp_path, share):
    """Views without suggestions whose spot rank is below the share get a JPEG and a views row, so the
    review app can offer them as spot checks (what the model missed); the others cost nothing."""
    from camdetect.store.store import spot_rank

    score(cfg(tiny_onnx, city / "manifest.csv", tmp_path, batch=8, conf=0.9, spot_share=share))
    used = {r["image_path"] for r in read_jsonl(tmp_path / "out" / "suggestions.jsonl")}
    with sqlite3.connect(tmp_path / "review.db") as conn:
        rows = dict(conn.execute("SELECT image_path, lat FROM views").fetchall())
    spots = set(rows) - used
    written = {p.relative_to(tmp_path / "media").as_posix() for p in (tmp_path / "media").rglob("*.jpg")}
    assert written == used | spots
    assert all(spot_rank(p) < share for p in spots) and all(rows[p] is not None for p in spots)
    if share == 1.0:
        assert len(used | spots) == 30  # every view of the 3 panoramas
    if share == 0.0:
        assert not spots
