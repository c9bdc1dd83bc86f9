#!/usr/bin/env python
"""Benchmark the model as one more voter in the consensus (issue 12 item 3) on a synthetic city.

Rows: volunteers alone (majority of 3, keep any), volunteers + the model with all three answers, and the
adaptive campaign that asks the next volunteer only while the model and the volunteers disagree
(``--min-answers`` 1 and 2). Columns: consensus precision / recall / F1 against truth (3-degree
matching, as docs/labels_consensus.md) and volunteer answers per intersection; the Decoders baseline is
3 answers per intersection.

    camdetect score CITY/manifest.csv --model models/camdetect-default.onnx --conf 0.05 \\
        --db sqlite:///runs/score/demo-all-v2/review.db --out runs/score/demo-all-v2
    python scripts/bench_model_voter.py --city runs/demo/city --tags runs/demo/labels/tags.csv \\
        --suggestions runs/score/demo-all-v2/suggestions.jsonl

The model must not have been trained on this city's panoramas (the demo's city, seed 1, was never seen
by the shipped model). Prints a markdown table and writes runs/bench/model_voter.json (+ .md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.durable import atomic_write_json, atomic_write_text
from camdetect.labels.consensus import ConsensusConfig, _camera, run_consensus
from camdetect.labels.evaluate_consensus import score_cameras
from camdetect.labels.model_voter import (
    ModelVote,
    Verification,
    adaptive_answers,
    consensus_with_model,
    lean_consensus,
)
from camdetect.labels.voting import KeepRule
from camdetect.records import Camera, Tag, read_suggestions, read_table


def lean_rows(args, tags: list[Tag], truth: list[Camera], sugg, images: list[str], rows: list[dict]) -> None:
    """Full searches + the model + yes/no verification of what is in dispute, answered by simulated volunteers
    (`labels.simulated_verification.crowd_verifier`: the demo review round's answer rule). Answers per
    intersection count a verification as ``verify_s / full_search_s`` of a full search (3 s vs 90 s)."""
    from camdetect.evaluate.effort import EffortModel
    from camdetect.labels.simulated_verification import crowd_verifier

    effort = EffortModel()

    settings = [(None, None, a) for a in args.verify_agree]  # no model at all: what `camdetect demo --labels lean` does
    settings += [(t, f, a) for t in args.thresholds for f in args.verify_floors for a in args.verify_agree]
    for thr, floor, agree in settings:
        scores, costs, disputed = [], [], []
        for seed in args.seeds:
            res = lean_consensus(tags, sugg if thr is not None else [], crowd_verifier(truth, seed), ConsensusConfig(),
                                 ModelVote(model_threshold=thr if thr is not None else 0.25),
                                 Verification(agree=agree, max_answers=2 * agree - 1,
                                              model_floor=floor if floor is not None else 1.0))
            scores.append(score_cameras("x", res.result.cameras, truth, images))
            costs.append(3.0 + res.verify_answers / len(images) * effort.verify_s / effort.full_search_s)
            disputed.append(res.disputed)
        k = len(scores)
        name = (f"lean without the model: the volunteers' 1-2 of 3 verified by yes/no until {agree} agree" if thr is None
                else f"lean: model >= {thr:g} + 1 volunteer, disputed (1-2 of 3, or model-only >= {floor:g}) verified "
                     f"by yes/no until {agree} agree")
        rows.append({"method": f"{name} (mean of {k} crowds)",
                     "precision": sum(s.precision for s in scores) / k, "recall": sum(s.recall for s in scores) / k,
                     "f1": sum(s.f1 for s in scores) / k, "cameras": sum(s.n_pred for s in scores) / k,
                     "truth": scores[0].n_truth, "answers_per_intersection": sum(costs) / k,
                     "disputed": sum(disputed) / k})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--city", type=Path, required=True, help="synthetic city folder (truth/cameras.csv)")
    ap.add_argument("--tags", type=Path, required=True, help="volunteer tag table (camdetect labels import)")
    ap.add_argument("--suggestions", type=Path, required=True, help="camdetect score output on every panorama")
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.25, 0.4],
                    help="model scores that count as a vote (0.25 = the shipped model's stored threshold)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="volunteer orders (adaptive rows)")
    ap.add_argument("--verify-floors", type=float, nargs="+", default=[0.25],
                    help="lean rows: model-only candidates at or above this are verified too")
    ap.add_argument("--verify-agree", type=int, nargs="+", default=[3],
                    help="lean rows: agreeing answers that settle a verified candidate (at most 2 x this - 1 asked)")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench" / "model_voter.json")
    args = ap.parse_args()

    tags = read_table(args.tags, Tag)
    truth = read_table(args.city / "truth" / "cameras.csv", Camera)
    sugg = read_suggestions(args.suggestions)
    images = sorted({t.image for t in tags})
    n = len(images)
    rows: list[dict] = []

    def add(name: str, cams: list[Camera], answers: float) -> None:
        s = score_cameras(name, cams, truth, images)
        rows.append({"method": name, "precision": s.precision, "recall": s.recall, "f1": s.f1,
                     "cameras": s.n_pred, "truth": s.n_truth, "answers_per_intersection": answers})

    for keep in ("majority", "any"):
        add(f"volunteers alone, keep {keep} (3 answers)",
            run_consensus(tags, ConsensusConfig(keep=KeepRule.parse(keep))).cameras, 3.0)
    for thr in args.thresholds:
        add(f"volunteers + model >= {thr:g} (3 answers)",
            consensus_with_model(tags, sugg, ConsensusConfig(), ModelVote(model_threshold=thr)).cameras, 3.0)
        for min_answers in (1, 2):
            res = [adaptive_answers(tags, sugg, ConsensusConfig(), ModelVote(model_threshold=thr), min_answers, seed)
                   for seed in args.seeds]
            scores = [score_cameras("x", [_camera(c, "unknown", "other", {}) for c in r.kept], truth, images)
                      for r in res]
            rows.append({"method": f"adaptive, model >= {thr:g}, >= {min_answers} answer(s) "
                                   f"(mean of {len(args.seeds)} volunteer orders)",
                         "precision": sum(s.precision for s in scores) / len(scores),
                         "recall": sum(s.recall for s in scores) / len(scores),
                         "f1": sum(s.f1 for s in scores) / len(scores),
                         "cameras": sum(s.n_pred for s in scores) / len(scores), "truth": scores[0].n_truth,
                         "answers_per_intersection": sum(r.answers_per_image for r in res) / len(res)})

    lean_rows(args, tags, truth, sugg, images, rows)

    md = [f"Consensus on {args.city} ({n} intersections, {len(truth)} truth cameras), model suggestions "
          f"{args.suggestions}", "",
          "| method | precision | recall | F1 | cameras | answers / intersection | volunteer hours / 1,000 "
          "intersections (90 s each) |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        hours = r["answers_per_intersection"] * 1000 * 90 / 3600
        md.append(f"| {r['method']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['cameras']:.0f} | "
                  f"{r['answers_per_intersection']:.2f} | {hours:.0f} |")
    text = "\n".join(md)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out, {"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows})
    atomic_write_text(args.out.with_suffix(".md"), text + "\n")
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
