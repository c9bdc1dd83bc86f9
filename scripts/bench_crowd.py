#!/usr/bin/env python
"""Crowd labels against truth boxes: the same recipe on the same city (issue 12 target: the recipe trained on
the crowd's labels reaches >= 85 % of the mAP@0.5 of the same recipe trained on the truth, 300+ intersections).

Per seed, two `camdetect demo` runs without the review round (round 1 is what the recipe makes of the labels):
  consensus  the volunteers' majority consensus (the demo's default labels)
  truth      the city's truth boxes, with every intersection pinned to the consensus run's split
             (`--splits-from`), so both models are scored on the very same held-out panoramas.
The truth run repeats the synth stage (the same city for the same seed). Prints a markdown table and writes JSON.

    python scripts/bench_crowd.py --intersections 300 --seeds 1 2 --out runs/bench/crowd
    python scripts/bench_crowd.py --quick --seeds 1 --out /tmp/crowd      # smoke: tiny city, 1 epoch
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.durable import atomic_write_json, atomic_write_text

ARMS = ("consensus", "truth")
TARGET = 0.85


def demo_args(out: Path, arm: str, seed: int, a: argparse.Namespace, consensus_ds: Path) -> list[str]:
    args = [sys.executable, "-m", "camdetect.cli", "demo", "--out", str(out), "--seed", str(seed),
            "--labels", arm, "--no-review-round"]
    args += ["--quick"] if a.quick else []
    args += ["--intersections", str(a.intersections)] if a.intersections else []
    args += ["--epochs", str(a.epochs)] if a.epochs else []
    args += ["--splits-from", str(consensus_ds)] if arm == "truth" else []
    return args


def arm_numbers(out: Path) -> dict:
    """What a finished demo run measured (its summary.json) and on which held-out intersections."""
    s = json.loads((out / "summary.json").read_text())
    manifest = out / "city" / "manifest_test.csv"
    held_out = sorted(manifest.read_text().splitlines()[1:]) if manifest.exists() else []
    return {"map50": s.get("map50"), "max_recall": s.get("max_recall"), "trained_on": s.get("trained_on"),
            "baseline_map50": s.get("baseline_map50"), "baseline_max_recall": s.get("baseline_max_recall"),
            "cameras_truth": s.get("cameras_truth"), "cameras_consensus": s.get("cameras_consensus"),
            "held_out": held_out}


def compare(runs: dict[int, dict[str, dict]]) -> dict:
    """Per seed and mean: crowd mAP@0.5 / truth mAP@0.5 (the target's ratio), and highest recall of both."""
    rows = []
    for seed, arms in sorted(runs.items()):
        c, t = arms["consensus"], arms["truth"]
        if c["held_out"] != t["held_out"]:
            raise ValueError(f"seed {seed}: the two runs were measured on different held-out panoramas")
        ratio = c["map50"] / t["map50"] if c.get("map50") is not None and t.get("map50") else None
        rows.append({"seed": seed, "held_out_panoramas": len(c["held_out"]), "consensus_map50": c["map50"],
                     "truth_map50": t["map50"], "ratio": ratio, "consensus_max_recall": c["max_recall"],
                     "truth_max_recall": t["max_recall"], "shipped_map50": c["baseline_map50"],
                     "cameras_truth": c["cameras_truth"], "cameras_consensus": c["cameras_consensus"]})
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    mean = sum(ratios) / len(ratios) if ratios else None
    return {"rows": rows, "mean_ratio": mean, "target": TARGET,
            "met": None if mean is None else mean >= TARGET}


def table(doc: dict) -> str:
    def f(v, pct=False):
        return "n/a" if v is None else (f"{100 * v:.1f} %" if pct else f"{v:.3f}")

    lines = ["| seed | held-out panoramas | cameras truth / consensus | mAP@0.5 crowd | mAP@0.5 truth | crowd / truth "
             "| highest recall crowd / truth | shipped model mAP@0.5 |", "|---|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        lines.append(f"| {r['seed']} | {r['held_out_panoramas']} | {r['cameras_truth']} / {r['cameras_consensus']} "
                     f"| {f(r['consensus_map50'])} | {f(r['truth_map50'])} | {f(r['ratio'], True)} "
                     f"| {f(r['consensus_max_recall'], True)} / {f(r['truth_max_recall'], True)} "
                     f"| {f(r['shipped_map50'])} |")
    lines.append(f"\nmean crowd / truth: {f(doc['mean_ratio'], True)} (target >= {TARGET:.0%}: "
                 f"{'met' if doc['met'] else 'not met' if doc['met'] is not None else 'n/a'})")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--intersections", type=int, default=None, help="city size (default: configs/demo.yaml)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--epochs", type=int, default=None, help="fine-tuning epochs (default: configs/demo.yaml)")
    ap.add_argument("--quick", action="store_true", help="the demo's quick sizes (a smoke run)")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "crowd")
    a = ap.parse_args()
    runs: dict[int, dict[str, dict]] = {}
    for seed in a.seeds:
        runs[seed] = {}
        for arm in ARMS:
            out = a.out / f"s{seed}_{arm}"
            print(f"seed {seed}, {arm}: camdetect demo -> {out} (log: {out}/logs)", flush=True)
            cmd = demo_args(out, arm, seed, a, a.out / f"s{seed}_consensus" / "ds")
            r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
            if r.returncode:
                raise SystemExit(f"{out}: camdetect demo failed ({r.returncode}): "
                                 + (r.stderr.strip().splitlines() or ["no output"])[-1])
            runs[seed][arm] = arm_numbers(out)
    doc = {"intersections": a.intersections, "epochs": a.epochs, "quick": a.quick, **compare(runs)}
    text = table(doc)
    print(text)
    a.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(a.out / "crowd.json", doc)
    atomic_write_text(a.out / "crowd.md", text + "\n")
    print(f"written {a.out / 'crowd.json'}, {a.out / 'crowd.md'}")


if __name__ == "__main__":
    main()
