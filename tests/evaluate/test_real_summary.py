"""scripts/real_summary.py: held-out vs trained-on street folders and the table rows."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, load_script


def _script():
    """scripts/real_summary.py as a module."""
    return load_script("scripts/real_summary.py")


def _row(false, views):
    return {"views": views, "stored": {"false": false, "false_per_view": false / views}}


def _real(tmp: Path, name: str) -> Path:
    d = tmp / name
    d.mkdir()
    rc = {"at_1fp": {"recall": 0.5}, "at_stored": {"recall": 0.6, "false_per_image": 0.4}, "ap50": 0.3,
          "iou_only": {"at_1fp": {"recall": 0.25}, "ap50": 0.2}}
    street = {"street-backgrounds": {"by_folder": {"opensfm": _row(2, 20), "geovisio_pypi": _row(0, 10),
                                                   "pandaset": _row(9, 30)}},
              "street-scenes": _row(1, 10), "panoramas": _row(0, 30)}
    doc = {"model_name": name, "thresholds": {"stored": 0.3}, "real_cameras": rc, "street": street}
    (d / "real_cameras.json").write_text(json.dumps(doc))
    return d


def test_summary_splits_held_out_folders(tmp_path):
    real_summary = _script()
    doc = json.loads((_real(tmp_path, "m") / "real_cameras.json").read_text())
    row = real_summary.summarize(doc, None, ("opensfm", "geovisio_pypi"))
    assert row["street_backgrounds_held_out_false_per_view"] == pytest.approx(2 / 30)
    assert row["street_backgrounds_trained_on_false_per_view"] == pytest.approx(9 / 30)
    assert row["recall_at_1fp"] == 0.5 and row["street-scenes_false_per_view"] == 0.1


def test_cli_prints_one_column_per_model_and_writes_json(tmp_path):
    a, b = _real(tmp_path, "a"), _real(tmp_path, "b")
    out = tmp_path / "s.json"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "real_summary.py"), f"v1={a}", f"v2={b}",
                        "--out", str(out)], check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "| measure | v1 | v2 |"
    assert set(json.loads(out.read_text())) == {"v1", "v2"}


def test_cli_missing_file_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "real_summary.py"), f"x={tmp_path}"],
                       check=False, capture_output=True, text=True)
    assert r.returncode != 0 and r.stderr.strip().startswith(f"error: {tmp_path}/real_cameras.json")


def test_by_model_prints_one_row_per_model(tmp_path):
    a, b = _real(tmp_path, "a"), _real(tmp_path, "b")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "real_summary.py"), f"v1={a}", f"all={b}",
                        "--by-model"], check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("| model | real-cameras-dev recall") and len(lines) == 4
    assert lines[2].startswith("| v1 | 0.500 | 0.300 | 0.200 | 0.067 | 0.100 | n/a | n/a | not run | not run |")
    # with a panorama report: mAP@0.5 / highest recall, then the class-agnostic AP50 (a one-class model's fair figure)
    pano = tmp_path / "pano"
    pano.mkdir()
    (pano / "report.json").write_text(json.dumps({"coco": {"mAP50": 0.25, "class_agnostic": {"AP50": 0.4, "AP": 0.2}},
                                                  "effort": {"max_recall": 0.5}}))
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "real_summary.py"), f"v1={a}", "--panos", f"v1={pano}",
                        "--by-model"], check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[2].endswith("| 0.250 / 50.0 % | 0.400 |")


def test_recall_where_held_out_streets_get_a_tenth_of_a_false_per_view(tmp_path):
    real_summary = _script()
    doc = json.loads((_real(tmp_path, "m") / "real_cameras.json").read_text())
    assert real_summary.recall_at_street_rate(doc, ("opensfm", "geovisio_pypi")) is None  # older files: no scores
    rows = doc["street"]["street-backgrounds"]["by_folder"]
    rows["opensfm"]["false_scores"] = [0.9, 0.5, 0.4, 0.2]
    rows["geovisio_pypi"]["false_scores"] = [0.6, 0.1]
    rows["pandaset"]["false_scores"] = [0.99] * 9  # trained-on folder: not counted
    doc["real_cameras"]["photos"] = [{"n_truth": 2, "scores": [0.95, 0.55, 0.3], "hit": [1, 1, 0]},
                                     {"n_truth": 2, "scores": [0.45], "hit": [1]}]
    got = real_summary.recall_at_street_rate(doc, ("opensfm", "geovisio_pypi"), rate=0.1)
    # 30 held-out views: 3 false allowed -> threshold just above the 4th false score (0.4)
    assert got["false_allowed"] == 3 and got["threshold"] == pytest.approx(0.4, abs=1e-5)
    assert got["recall"] == pytest.approx(3 / 4)  # 0.95, 0.55 and 0.45 pass
    row = real_summary.summarize(doc, None, ("opensfm", "geovisio_pypi"))
    assert row["recall_at_street_0.1"] == pytest.approx(0.75)


def _scored(tmp_path, name="m", plot_ready: bool = False) -> Path:
    """A run whose held-out street scores and photo curves are stored (what --plot needs)."""
    d = _real(tmp_path, name)
    doc = json.loads((d / "real_cameras.json").read_text())
    rows = doc["street"]["street-backgrounds"]["by_folder"]
    rows["opensfm"]["false_scores"] = [0.9, 0.5, 0.4, 0.2]
    rows["geovisio_pypi"]["false_scores"] = [0.6, 0.1]
    rows["pandaset"]["false_scores"] = [0.99] * 9
    doc["real_cameras"]["photos"] = [
        {"file": "p0.jpg", "n_truth": 2, "scores": [0.95, 0.55, 0.3], "hit": [1, 1, 0], "on_camera": [1, 1, 0]},
        {"file": "p1.jpg", "n_truth": 2, "scores": [0.45], "hit": [1], "on_camera": [1]}]
    if plot_ready:
        doc["street"]["street-scenes"]["false_scores"] = [0.7]
        doc["street"]["panoramas"]["false_scores"] = [0.3, 0.3, 0.3]  # 10 unseen false in all: 7 allowed
    (d / "real_cameras.json").write_text(json.dumps(doc))
    return d


def test_tradeoff_steps_one_false_suggestion_at_a_time(tmp_path):
    real_summary = _script()
    doc = json.loads((_scored(tmp_path) / "real_cameras.json").read_text())
    c = real_summary.street_tradeoff(doc, ("opensfm", "geovisio_pypi"))
    assert c["views"] == 30
    assert c["false_per_view"] == pytest.approx([k / 30 for k in range(7)])  # 0..6 held-out false suggestions
    # thresholds just above 0.9, 0.6, 0.5, 0.4, 0.2, 0.1, then the floor: hits 0.95, 0.55, 0.45 pass in turn
    assert c["recall"] == pytest.approx([0.25, 0.25, 0.5, 0.75, 0.75, 0.75, 0.75])
    assert c["threshold"][-1] == 0.0 and c["threshold"][0] == pytest.approx(0.9, abs=1e-5)
    assert all(a <= b for a, b in zip(c["recall"], c["recall"][1:]))  # recall never falls as the threshold drops
    at = real_summary.recall_at_street_rate(doc, ("opensfm", "geovisio_pypi"), rate=0.1)
    assert at["recall"] == c["recall"][3]  # the one-number summary is a point of the curve


def test_unseen_pool_adds_street_scenes_and_panorama_views(tmp_path):
    real_summary = _script()
    doc = json.loads((_scored(tmp_path) / "real_cameras.json").read_text())
    assert real_summary.street_tradeoff(doc, ("opensfm", "geovisio_pypi"), pool="unseen") is None  # sets lack scores
    doc["street"]["street-scenes"]["false_scores"] = [0.7]
    doc["street"]["panoramas"]["false_scores"] = [0.3, 0.05]
    c = real_summary.street_tradeoff(doc, ("opensfm", "geovisio_pypi"), pool="unseen")
    assert c["views"] == 30 + 10 + 30 and len(c["recall"]) == 6 + 3 + 1
    # 70 views: 7 false allowed -> just above the 8th of 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05
    at = real_summary.recall_at_street_rate(doc, ("opensfm", "geovisio_pypi"), pool="unseen")
    assert at["false_allowed"] == 7 and at["threshold"] == pytest.approx(0.1, abs=1e-5)
    row = real_summary.summarize(doc, None, ("opensfm", "geovisio_pypi"))
    assert row["recall_at_unseen_street_0.1"] == pytest.approx(0.75) and row["unseen_street_views"] == 70


def test_plot_writes_a_png_and_refuses_runs_without_scores(tmp_path):
    a, b = _scored(tmp_path, "a", plot_ready=True), _real(tmp_path, "b")
    png = tmp_path / "t.png"
    script = str(ROOT / "scripts" / "real_summary.py")
    r = subprocess.run([sys.executable, script, f"a={a}", "--by-model", "--plot", str(png)],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"wrote {png}" in r.stdout
    r = subprocess.run([sys.executable, script, f"a={a}", f"old={b}", "--plot", str(tmp_path / "u.png")],
                       check=False, capture_output=True, text=True)
    assert r.returncode != 0 and r.stderr.strip().splitlines() == [
        "error: --plot: old: evaluation written before street scores were stored (re-run "
        "scripts/eval_real_cameras.py)"]


def test_paired_compares_the_street_tradeoff_at_each_models_threshold(tmp_path):
    real_summary = _script()
    a = json.loads((_scored(tmp_path, "a", plot_ready=True) / "real_cameras.json").read_text())
    b = json.loads((_scored(tmp_path, "b", plot_ready=True) / "real_cameras.json").read_text())
    b["real_cameras"]["photos"] = [dict(p) for p in a["real_cameras"]["photos"]]
    b["real_cameras"]["photos"][1]["scores"] = [0.15]  # b ranks its second photo's camera below the street threshold
    res = real_summary.paired(a, b, ("opensfm", "geovisio_pypi"), draws=200)
    trade = res["recall_at_unseen_street_0.1"]
    assert trade["b_better"] == 0.0 and trade["a_better"] > 0.5  # a is never worse: it finds a superset
    assert sum(trade.values()) == pytest.approx(1.0)
    same = real_summary.paired(a, a, ("opensfm", "geovisio_pypi"), draws=50)
    assert all(v["tie"] == 1.0 for v in same.values())
    del b["street"]["panoramas"]["false_scores"]  # an older evaluation: the street column is left out
    assert set(real_summary.paired(a, b, ("opensfm", "geovisio_pypi"), draws=20)) == {"recall_at_1fp", "ap50"}


def test_a_threshold_set_on_trained_on_photos_is_measured_on_unseen_ones(tmp_path):
    real_summary = _script()
    doc = json.loads((_scored(tmp_path, plot_ready=True) / "real_cameras.json").read_text())
    doc["street"]["street-backgrounds"]["by_folder"]["pandaset"]["false_scores"] = [0.99, 0.5, 0.5, 0.3, 0.2]
    # pandaset: 30 trained-on views, 3 false allowed -> just above the 4th score (0.3)
    row = real_summary.summarize(doc, None, ("opensfm", "geovisio_pypi"))
    assert row["threshold_at_trained_street_0.1"] == pytest.approx(0.3, abs=1e-5)
    assert row["recall_at_trained_street_0.1"] == pytest.approx(3 / 4)  # 0.95, 0.55, 0.45
    # unseen false scores >= 0.3: 0.9, 0.5, 0.4, 0.6, 0.7 of 70 views (the three 0.3 sit just below the threshold)
    assert row["unseen_false_per_view_at_trained_street_0.1"] == pytest.approx(5 / 70)
    with pytest.raises(ValueError, match="pool 'x'"):
        real_summary.street_false_scores(doc["street"], ("opensfm",), "x")
