#!/usr/bin/env python
"""Crowd labels against truth boxes: the same recipe on the same city (issue 12 target: the recipe trained on
the crowd's labels reaches >= 85 % of the mAP@0.5 of the same recipe trained on the truth, 300+ intersections).

Per seed, one `camdetect demo` run per arm without the review round (round 1 is what the recipe makes of the
labels):
  consensus          the volunteers' majority consensus, boxes from the size prior
  consensus-refined  the same cameras, boxes sized by the shipped model (`labels refine-boxes`)
  lean               the same tags, every candidate a minority tagged verified by simulated yes/no answers
  lean-refined       lean, boxes sized by the shipped model
  truth              the city's truth boxes
Every arm but consensus pins each intersection to the consensus run's split (`--splits-from`), so all models
are scored on the very same held-out panoramas (the shipped model as it is: in the truth arm only); they
repeat the synth stage (the same city for the same seed: it resumes, so copying the consensus run's city/
folder first skips the rendering). Prints a markdown table and writes JSON.

    python scripts/bench_crowd.py --intersections 300 --seeds 1 2 --out runs/bench/crowd
    python scripts/bench_crowd.py --quick --seeds 1 --out /tmp/crowd      # smoke: tiny city, 1 epoch
    python scripts/bench_crowd.py --seeds 1 --out runs/bench/crowd --report-only   # the table of finished runs
    python scripts/bench_crowd.py --seeds 2 --arms consensus consensus-refined truth --out runs/bench/crowd
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

ARMS = ("consensus", "consensus-refined", "lean", "lean-refined", "truth")
TARGET = 0.85
REFINE_MODEL = "models/camdetect-default.onnx"  # the model the demo fine-tunes: the "current model"


def demo_args(out: Path, arm: str, seed: int, a: argparse.Namespace, consensus_ds: Path) -> list[str]:
    labels, refined = arm.removesuffix("-refined"), arm.endswith("-refined")
    args = [sys.executable, "-m", "camdetect.cli", "demo", "--out", str(out), "--seed", str(seed),
            "--labels", labels, "--no-review-round", "--refine-boxes", REFINE_MODEL if refined else "none"]
    args += ["--quick"] if a.quick else []
    args += ["--intersections", str(a.intersections)] if a.intersections else []
    args += ["--epochs", str(a.epochs)] if a.epochs else []
    args += ["--splits-from", str(consensus_ds)] if arm != "consensus" else []
    args += [] if arm == "truth" else ["--no-baseline"]  # the shipped model's figure is the same in every arm
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
    """Per seed and mean: each crowd recipe's mAP@0.5 / the truth's (the target's ratio), highest recalls."""
    rows = []
    for seed, arms in sorted(runs.items()):
        t = arms["truth"]
        for name, arm in arms.items():
            if arm["held_out"] != t["held_out"]:
                raise ValueError(f"seed {seed}: the {name} and truth runs were measured on different held-out panoramas")
        row = {"seed": seed, "held_out_panoramas": len(t["held_out"]), "truth_map50": t["map50"],
               "truth_max_recall": t["max_recall"], "shipped_map50": t["baseline_map50"],
               "cameras_truth": t["cameras_truth"], "cameras_consensus": t["cameras_consensus"]}
        for name in (n for n in ARMS if n != "truth" and n in arms):
            m = arms[name]["map50"]
            row[f"{name}_map50"], row[f"{name}_max_recall"] = m, arms[name]["max_recall"]
            row[f"{name}_ratio"] = m / t["map50"] if m is not None and t["map50"] else None
        rows.append(row)
    out: dict = {"rows": rows, "target": TARGET}
    for name in (n for n in ARMS if n != "truth" and any(n in arms for arms in runs.values())):
        ratios = [r[f"{name}_ratio"] for r in rows if r.get(f"{name}_ratio") is not None]
        mean = sum(ratios) / len(ratios) if ratios else None
        out[f"{name}_mean_ratio"] = mean
        out[f"{name}_met"] = None if mean is None else mean >= TARGET
    return out


def table(doc: dict) -> str:
    def f(v, pct=False):
        return "n/a" if v is None else (f"{100 * v:.1f} %" if pct else f"{v:.3f}")

    crowd = [n for n in ARMS if n != "truth" and any(f"{n}_map50" in r for r in doc["rows"])]
    lines = ["| seed | held-out panoramas | cameras truth / majority | mAP@0.5 truth | "
             + " | ".join(f"mAP@0.5 {n} (/ truth)" for n in crowd) + " | highest recall truth / "
             + " / ".join(crowd) + " | shipped model mAP@0.5 |", "|---|---|---|---|" + "---|" * len(crowd) + "---|---|"]
    for r in doc["rows"]:
        lines.append(f"| {r['seed']} | {r['held_out_panoramas']} | {r['cameras_truth']} / {r['cameras_consensus']} "
                     f"| {f(r['truth_map50'])} | "
                     + " | ".join(f"{f(r.get(n + '_map50'))} ({f(r.get(n + '_ratio'), True)})" for n in crowd)
                     + f" | {f(r['truth_max_recall'], True)} / "
                     + " / ".join(f(r.get(n + "_max_recall"), True) for n in crowd) + f" | {f(r['shipped_map50'])} |")
    for n in crowd:
        met = doc.get(f"{n}_met")
        lines.append(f"\nmean {n} / truth: {f(doc.get(n + '_mean_ratio'), True)} (target >= {TARGET:.0%}: "
                     f"{'met' if met else 'not met' if met is not None else 'n/a'})")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--intersections", type=int, default=None, help="city size (default: configs/demo.yaml)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--epochs", type=int, default=None, help="fine-tuning epochs (default: configs/demo.yaml)")
    ap.add_argument("--quick", action="store_true", help="the demo's quick sizes (a smoke run)")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "crowd")
    ap.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS),
                    help="which label recipes to run (truth is always run: every ratio is against it)")
    ap.add_argument("--report-only", action="store_true",
                    help="the table from the runs already finished under --out (runs no demo)")
    a = ap.parse_args()
    arms = [n for n in ARMS if n in set(a.arms) | {"truth"}]
    runs: dict[int, dict[str, dict]] = {}
    for seed in a.seeds:
        runs[seed] = {}
        for arm in arms:
            out = a.out / f"s{seed}_{arm}"
            if a.report_only:
                if not (out / "summary.json").is_file():
                    raise SystemExit(f"{out}: no summary.json (the run has not finished)")
                runs[seed][arm] = arm_numbers(out)
                continue
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
