#!/usr/bin/env python
"""Benchmark the volunteer consensus: the measured table (README) and consensus speed.

Two crowds with known truth:
- the synthetic city (`camdetect synth`, Amnesty-format volunteers, imported with the real Decoders
  importer); rendered at --width 512 to keep it quick, since only its volunteers and truth are used;
- the pixel-free simulated crowd (`camdetect.labels.simulate`) with a set share of careless volunteers.

Prints markdown tables and writes runs/bench/consensus.json (+ .md).

Also a compact table of type / mount accuracy, majority vote vs Dawid-Skene, over every city seed
and two simulated seeds (the same kept cameras, only the labelling differs).

Example: .venv/bin/python scripts/bench_consensus.py --intersections 600 --seeds 1 2 3 4
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.labels.consensus import ConsensusConfig, run_consensus
from camdetect.labels.evaluate_consensus import format_table, measure
from camdetect.labels.losses import dropped_votes, format_loss_tables, loss_table
from camdetect.labels.report import clean_json
from camdetect.labels.simulate import make_volunteers, random_city, simulate_tags
from camdetect.labels.voting import KeepRule
from camdetect.records import Camera, read_table


def synth_city(out: Path, n: int, seed: int, width: int) -> Path:
    """Render (or reuse: synth resumes) a synthetic city and return its folder."""
    if not (out / "truth" / "cameras.csv").is_file() or not (out / "volunteers" / "counts.csv").is_file():
        subprocess.run([sys.executable, "-m", "camdetect.cli", "synth", "--out", str(out), "-n", str(n),
                        "--seed", str(seed), "--width", str(width)], check=True, cwd=ROOT)
    return out


def reliability_recovery(tags, truth_acc: dict[str, float]) -> dict:
    """Spearman correlation of Dawid-Skene's per-volunteer type accuracy with the simulated one."""
    from scipy.stats import spearmanr

    res = run_consensus(tags)
    pairs = [(r.type_accuracy, truth_acc[r.annotator]) for r in res.reliability
             if r.annotator in truth_acc and not np.isnan(r.type_accuracy)]
    if len(pairs) < 3:
        return {"n": len(pairs), "spearman": None}
    rho = spearmanr([p[0] for p in pairs], [p[1] for p in pairs]).statistic
    return {"n": len(pairs), "spearman": float(rho)}


def confidence_table(tags, truth, match_deg: float = 3.0) -> list[str]:
    """How often candidates are real cameras, by their confidence (presence posterior) bin."""
    from camdetect.labels.evaluate_consensus import match_image
    from camdetect.labels.fusion import fuse_points
    from camdetect.records import Camera as Cam

    res = run_consensus(tags)
    by_image: dict[str, list] = {}
    for c in res.candidates:
        h, p = fuse_points([t.heading for t in c.tags], [t.pitch for t in c.tags])
        by_image.setdefault(c.image, []).append((c, Cam("", c.image, heading=h, pitch=p)))
    truth_by: dict[str, list] = {}
    for t in truth:
        truth_by.setdefault(t.image, []).append(t)
    post, real = [], []
    for image, items in by_image.items():
        pairs = match_image([cam for _, cam in items], truth_by.get(image, []), match_deg)
        matched = {i for i, _ in pairs}
        for k, (c, _) in enumerate(items):
            post.append(c.posterior)
            real.append(k in matched)
    post, real = np.array(post), np.array(real)
    md = ["| confidence | candidates | real cameras | share real |", "|---|---|---|---|"]
    for lo, hi in ((0, 0.1), (0.1, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)):
        m = (post >= lo) & (post < hi)
        if m.any():
            md.append(f"| {lo:.1f}-{min(hi, 1.0):.1f} | {int(m.sum())} | {int(real[m].sum())} | {real[m].mean():.2f} |")
    return md


def sweeps(args) -> list[str]:
    """Majority F1 vs clustering angle (simulated, seeds 0-2, 500 intersections) and F1 vs the
    reliability keep threshold (synth city of the first seed)."""
    from camdetect.labels.evaluate_consensus import score_cameras
    from camdetect.labels.importers import import_labels

    md = ["### clustering angle (majority keep, simulated crowd, mean of seeds 0-2, 500 intersections)", "",
          "| max angle (deg) | precision | recall | F1 |", "|---|---|---|---|"]
    crowds = []
    for seed in range(3):
        truth, looks = random_city(500, seed=seed)
        vols = make_volunteers(40, careless_share=0.3, seed=seed)
        crowds.append((simulate_tags(truth, vols, images=[f"sim-{k:04d}" for k in range(500)], seed=seed,
                                     lookalikes=looks), truth))
    for angle in (2, 3, 4, 5, 6, 8):
        s = [score_cameras("x", run_consensus(t, ConsensusConfig(max_angle=angle)).cameras, tr,
                           sorted({x.image for x in t})) for t, tr in crowds]
        md.append(f"| {angle} | {np.mean([x.precision for x in s]):.3f} | {np.mean([x.recall for x in s]):.3f} | "
                  f"{np.mean([x.f1 for x in s]):.3f} |")
    seed = args.seeds[0]
    city = synth_city(ROOT / "runs" / "bench" / f"city{args.intersections}s{seed}", args.intersections, seed, args.width)
    tags = import_labels("decoders", city / "volunteers", strict=True).tags
    truth = read_table(city / "truth" / "cameras.csv", Camera)
    images = sorted({t.image for t in tags})
    md += ["", f"### keep rule (synthetic city seed {seed})", "", "| keep | precision | recall | F1 |", "|---|---|---|---|"]
    for rule in ("majority", "reliability:0.2", "reliability:0.3", "reliability:0.4", "reliability:0.5", "any"):
        x = score_cameras(rule, run_consensus(tags, ConsensusConfig(keep=KeepRule.parse(rule))).cameras, truth, images)
        md.append(f"| {rule} | {x.precision:.3f} | {x.recall:.3f} | {x.f1:.3f} |")
    return md + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--intersections", type=int, default=600)
    ap.add_argument("--seeds", type=int, nargs="+", default=[4],
                    help="synth seeds; the full table is printed for each (defaults were tuned on 1-3)")
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--sim-intersections", type=int, default=1500)
    ap.add_argument("--careless", type=float, default=0.3)
    ap.add_argument("--speed-intersections", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "consensus.json")
    ap.add_argument("--no-synth", action="store_true", help="skip the rendered synthetic city")
    ap.add_argument("--sweeps", action="store_true", help="also sweep --max-angle (simulated crowd) and the "
                    "reliability keep threshold (first synth seed)")
    args = ap.parse_args()

    from camdetect.labels.importers import import_labels

    report: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    md: list[str] = []
    compare: list[tuple[str, list]] = []
    for seed in ([] if args.no_synth else args.seeds):
        city = synth_city(ROOT / "runs" / "bench" / f"city{args.intersections}s{seed}", args.intersections,
                          seed, args.width)
        tags = import_labels("decoders", city / "volunteers", strict=True).tags
        truth = read_table(city / "truth" / "cameras.csv", Camera)
        rows = measure(tags, truth)
        import csv
        with (city / "volunteers" / "volunteers.csv").open() as fh:
            acc = {r["DecoderId"]: float(r["type_accuracy"]) for r in csv.DictReader(fh)}
        rec = reliability_recovery(tags, acc)
        n_vol = len({t.annotator for t in tags})
        title = (f"synthetic city: {args.intersections} intersections (seed {seed}), {len(truth)} cameras, "
                 f"{sum(t.kind == 'tag' for t in tags)} volunteer tags by {n_vol} volunteers")
        md += [f"### {title}", "", format_table(rows), "",
               f"Dawid-Skene type accuracy vs simulated: Spearman rho = {rec['spearman']:.2f} over {rec['n']} volunteers", ""]
        losses = [loss_table(tags, truth, ConsensusConfig(keep=KeepRule.parse(k)), name=f"keep {k}")
                  for k in ("majority", "any")]
        md += [f"Where the truth cameras are lost (seed {seed}; buckets: docs/labels_consensus.md):", "",
               format_loss_tables(losses), "",
               "Dropped cameras had " + ", ".join(f"{k} tags ({n})" for k, n in dropped_votes(losses[0]).most_common())
               + ".", ""]
        report[f"synth_seed{seed}"] = {"title": title, "rows": [r.as_dict() for r in rows], "reliability": rec,
                                       "losses": {t.name: t.counts for t in losses}}
        if seed == args.seeds[-1]:
            md += [f"Confidence of candidate cameras vs truth (seed {seed}):", "", *confidence_table(tags, truth), ""]
        compare.append((f"synthetic city seed {seed}", rows))

    for seed in (0, 1):
        truth, looks = random_city(args.sim_intersections, seed=seed)
        vols = make_volunteers(40, careless_share=args.careless, seed=seed)
        images = [f"sim-{k:04d}" for k in range(args.sim_intersections)]
        tags = simulate_tags(truth, vols, images=images, seed=seed, lookalikes=looks)
        rows = measure(tags, truth)
        compare.append((f"simulated crowd seed {seed}", rows))
        if seed == 0:
            rec = reliability_recovery(tags, {v.annotator: v.type_acc for v in vols})
            title = (f"simulated crowd: {args.sim_intersections} intersections, {len(truth)} cameras, 40 volunteers "
                     f"({args.careless:.0%} careless), 3 per intersection, seed {seed}")
            md += [f"### {title}", "", format_table(rows), "",
                   f"Dawid-Skene type accuracy vs simulated: Spearman rho = {rec['spearman']:.2f} over {rec['n']} volunteers", ""]
            report["simulated"] = {"title": title, "rows": [r.as_dict() for r in rows], "reliability": rec}

    md += ["### type / mount accuracy on the same kept cameras: majority vote vs Dawid-Skene", "",
           "| crowd | type: majority | type: Dawid-Skene | mount: majority | mount: Dawid-Skene |", "|---|---|---|---|---|"]
    for name, rows in compare:
        by = {r.method.split(" (")[0]: r for r in rows}
        maj, ds = by["majority vote"], by["Dawid-Skene labels"]
        md.append(f"| {name} | {maj.type_acc:.3f} | {ds.type_acc:.3f} | {maj.mount_acc:.3f} | {ds.mount_acc:.3f} |")
    md.append("")

    if args.sweeps:
        md += sweeps(args)

    truth, looks = random_city(args.speed_intersections, seed=99)
    tags = simulate_tags(truth, make_volunteers(200, seed=99), seed=99, lookalikes=looks,
                         images=[f"sim-{k:04d}" for k in range(args.speed_intersections)])
    n_tags = sum(t.kind == "tag" for t in tags)
    t0 = time.perf_counter()
    res = run_consensus(tags, ConsensusConfig())
    dt = time.perf_counter() - t0
    speed = {"intersections": args.speed_intersections, "tags": n_tags, "rows": len(tags),
             "cameras": len(res.cameras), "seconds": dt, "tags_per_s": n_tags / dt}
    md += ["### speed", "", "| intersections | tags | cameras | seconds | tags/s |", "|---|---|---|---|---|",
           f"| {args.speed_intersections} | {n_tags} | {len(res.cameras)} | {dt:.2f} | {n_tags / dt:.0f} |", ""]
    report["speed"] = speed

    text = "\n".join(md)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(clean_json(report), indent=2), encoding="utf-8")
    args.out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
