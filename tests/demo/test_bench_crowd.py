"""scripts/bench_crowd.py: the crowd / truth comparison refuses different held-out sets and computes the ratio."""

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, load_script

bench = load_script("scripts/bench_crowd.py")


def _arm(tmp: Path, name: str, map50: float, held_out: list[str]) -> Path:
    out = tmp / name
    (out / "city").mkdir(parents=True)
    (out / "summary.json").write_text(json.dumps({"map50": map50, "max_recall": 0.5, "cameras_truth": 76,
                                                  "cameras_consensus": 40, "baseline_map50": 0.3}))
    (out / "city" / "manifest_test.csv").write_text("\n".join(["pano_id,image_path", *held_out]) + "\n")
    return out


def test_ratio_per_seed_and_mean(tmp_path):
    runs = {1: {"consensus": bench.arm_numbers(_arm(tmp_path, "c1", 0.3, ["a,a.jpg", "b,b.jpg"])),
                "lean": bench.arm_numbers(_arm(tmp_path, "l1", 0.38, ["a,a.jpg", "b,b.jpg"])),
                "truth": bench.arm_numbers(_arm(tmp_path, "t1", 0.4, ["b,b.jpg", "a,a.jpg"]))},
            2: {"consensus": bench.arm_numbers(_arm(tmp_path, "c2", 0.45, ["c,c.jpg"])),
                "lean": bench.arm_numbers(_arm(tmp_path, "l2", 0.45, ["c,c.jpg"])),
                "truth": bench.arm_numbers(_arm(tmp_path, "t2", 0.5, ["c,c.jpg"]))}}
    doc = bench.compare(runs)
    assert [r["consensus_ratio"] for r in doc["rows"]] == pytest.approx([0.75, 0.9])
    assert doc["consensus_mean_ratio"] == pytest.approx(0.825) and doc["consensus_met"] is False
    assert doc["lean_mean_ratio"] == pytest.approx((0.95 + 0.9) / 2) and doc["lean_met"] is True
    assert "| 1 | 2 | 76 / 40 | 0.400 | 0.300 (75.0 %) | 0.380 (95.0 %) |" in bench.table(doc)


def test_different_held_out_panoramas_are_refused(tmp_path):
    runs = {1: {"consensus": bench.arm_numbers(_arm(tmp_path, "c", 0.3, ["a,a.jpg"])),
                "truth": bench.arm_numbers(_arm(tmp_path, "t", 0.4, ["b,b.jpg"]))}}
    with pytest.raises(ValueError, match="consensus and truth runs were measured on different held-out"):
        bench.compare(runs)


def test_truth_arm_is_pinned_to_the_consensus_split(tmp_path):
    import argparse

    a = argparse.Namespace(quick=False, intersections=300, epochs=None)
    args = bench.demo_args(tmp_path / "t", "truth", 2, a, tmp_path / "c" / "ds")
    assert args[args.index("--splits-from") + 1] == str(tmp_path / "c" / "ds")
    assert args[args.index("--labels") + 1] == "truth" and "--no-review-round" in args
    assert "--splits-from" not in bench.demo_args(tmp_path / "c", "consensus", 2, a, tmp_path / "c" / "ds")
    lean = bench.demo_args(tmp_path / "l", "lean", 2, a, tmp_path / "c" / "ds")
    assert lean[lean.index("--labels") + 1] == "lean" and "--splits-from" in lean
    assert lean[lean.index("--refine-boxes") + 1] == "none"  # the arm is the prior's boxes whatever the config says
    refined = bench.demo_args(tmp_path / "r", "lean-refined", 2, a, tmp_path / "c" / "ds")
    assert refined[refined.index("--labels") + 1] == "lean" and "--splits-from" in refined
    assert refined[refined.index("--refine-boxes") + 1] == bench.REFINE_MODEL
    assert "--no-baseline" in refined and "--no-baseline" not in args  # the shipped model is scored once, with truth


def test_report_only_reads_finished_runs_and_names_a_missing_one(tmp_path):
    import subprocess
    import sys

    for arm, m in (("consensus", 0.3), ("lean", 0.36), ("truth", 0.4)):
        _arm(tmp_path, f"s1_{arm}", m, ["a,a.jpg"])
    cmd = [sys.executable, str(ROOT / "scripts" / "bench_crowd.py"), "--seeds", "1", "--out", str(tmp_path),
           "--report-only", "--arms", "consensus", "lean"]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "crowd.json").read_text())["lean_mean_ratio"] == pytest.approx(0.9)
    (tmp_path / "s1_truth" / "summary.json").unlink()
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert r.returncode == 1 and "s1_truth: no summary.json" in r.stderr
