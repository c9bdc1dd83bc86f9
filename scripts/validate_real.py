#!/usr/bin/env python
"""The whole chain on the real data in ../shared/data, printing a table (issue 7).

Two parts, each a resumable chain of real ``camdetect`` CLI subprocesses (camdetect.demo.stages):

* **VOC photos** (open-images-cameras-voc, real pixels, handheld cameras): import -> a deterministic
  share of the images -> dataset -> train (configs/train/voc.yaml, 10 epochs by default) -> export -> score the
  test split with the ONNX scorer -> eval (COCO mAP of the scorer's own output).
* **Street View panoramas** (3 real 8192x4096) and **street scenes** (10 real photos) with the shipped
  default model: cut -> score -> review queue. No truth exists for them: the numbers are the review
  load the model creates on real imagery (suggestions per panorama / photo) and the speed.

    python scripts/validate_real.py                     # -> runs/validate_real/{summary.json,table.md}
    python scripts/validate_real.py --voc-fraction 0.25 --epochs 3 --out runs/validate_real_quick

Re-running skips finished stages (``--force`` redoes them). Exits 0 with a note when ../shared/data is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from camdetect.demo.stages import Stage, StageDirs, derive_recipe, run_stages
from camdetect.durable import atomic_write_text

DEFAULT_MODEL = REPO / "models" / "camdetect-default.onnx"


def subset_tags(src: Path, dst: Path, fraction: float) -> None:
    """Keep a deterministic share of the source photos (by a hash of the photo's group, so a photo's
    augmented copies stay together), every tag and seen row of those photos."""
    from camdetect.dataset.manifest import filter_csv
    from camdetect.dataset.sources import photo_group

    def keep(row: dict) -> bool:
        h = int(hashlib.sha1(photo_group(row["image"]).encode()).hexdigest()[:8], 16)
        return h / 0xFFFFFFFF < fraction

    if not filter_csv(src, dst, keep, require=("image",)):
        raise ValueError(f"{src}: --voc-fraction {fraction} keeps no image")


def write_recipe(path: Path, data: Path, project: Path, epochs: int, imgsz: int) -> None:
    derive_recipe(REPO / "configs/train/voc.yaml", path, name="detector", project=str(project), data=str(data),
                  epochs=epochs, imgsz=imgsz, close_mosaic=min(2, max(0, epochs - 1)))


def voc_stages(w: Path, voc: Path, args) -> list[Stage]:
    tags_all, tags, ds, recipe = w / "tags_all.csv", w / "tags.csv", w / "ds", w / "train_recipe.yaml"
    run, model, score = w / "train" / "detector", w / "model.onnx", w / "score"
    return [
        Stage("voc import", [tags_all], ["labels", "import", "--format", "voc", str(voc), "--out", str(tags_all)]),
        Stage("voc subset", [tags], func=lambda: subset_tags(tags_all, tags, args.voc_fraction),
              key=str(args.voc_fraction)),
        Stage("voc dataset", [ds / "data.yaml"],
              ["dataset", "build", "--images", str(voc), "--tags", str(tags), "--classes", "camera",
               "--negatives-ratio", "-1", "--out", str(ds)], clean=[ds]),
        Stage("voc check", [], ["dataset", "check", str(ds)]),
        Stage("voc recipe", [recipe], func=lambda: write_recipe(recipe, ds, w / "train", args.epochs, args.imgsz),
              key=f"{args.epochs} {args.imgsz}"),
        Stage("voc train", [run / "weights" / "best.pt"], ["train", "--config", str(recipe), "--overwrite"]),
        Stage("voc export", [model], ["export", str(run), "--out", str(model)]),
        Stage("voc score", [score / "suggestions.jsonl"],
              ["score", str(ds / "images" / "test"), "--kind", "view", "--model", str(model),
               "--db", f"sqlite:///{w / 'review.db'}", "--media", str(w / "media"), "--out", str(score),
               "--conf", "0.001", "--no-progress"], clean=[score, w / "media", w / "review.db"]),
        Stage("voc eval", [w / "eval" / "report.json"],
              ["eval", "--predictions", str(score / "suggestions.jsonl"), "--truth", str(ds), "--split", "test",
               "--classes", "camera", "--out", str(w / "eval")], clean=[w / "eval"]),
    ]


def street_stages(w: Path, data: Path, model: Path) -> list[Stage]:
    def score(name: str, src: Path, kind: str) -> Stage:
        out = w / name
        return Stage(f"{name} score", [out / "summary.json"],
                     ["score", str(src), "--kind", kind, "--model", str(model), "--db", f"sqlite:///{w / 'review.db'}",
                      "--media", str(w / "media"), "--out", str(out), "--no-progress"], clean=[out])

    return [score("panoramas", data / "panoramas", "panorama"), score("street-scenes", data / "street-scenes", "view")]


def summarize(w: Path, voc_w: Path, street_w: Path, times: dict) -> dict:
    def load(path: Path) -> dict:
        return json.loads(path.read_text()) if path.exists() else {}

    res: dict = {}
    card = load(voc_w / "ds" / "dataset.json")
    metrics = load(voc_w / "train" / "detector" / "metrics.json")
    report = load(voc_w / "eval" / "report.json")
    res["voc"] = {
        "splits": {k: {kk: vv for kk, vv in v.items() if not isinstance(vv, (list, dict))}
                   for k, v in (card.get("splits") or {}).items()},
        "train_metrics": metrics,
        "coco_scorer_output": report.get("coco"),
        "score_summary": load(voc_w / "score" / "summary.json"),
    }
    for name in ("panoramas", "street-scenes"):
        res[name] = load(street_w / name / "summary.json")
    res["stage_seconds"] = times
    return res


def table(res: dict, args) -> list[tuple[str, str]]:
    voc, m = res["voc"], res["voc"].get("train_metrics") or {}
    coco = voc.get("coco_scorer_output") or {}
    rows = [
        ("VOC share of photos used", f"{args.voc_fraction:.2f}"),
        ("VOC dataset per split", json.dumps(voc.get("splits"), separators=(",", ":"))[:200]),
        ("VOC train: epochs, s/epoch", f"{m.get('epochs_run')}, {m.get('seconds_per_epoch')}"),
        ("VOC ultralytics val mAP50 (best)", str((m.get("best") or {}).get("map50"))),
        ("VOC test mAP50 / mAP50-95 of `camdetect score` output",
         f"{coco.get('mAP50')} / {coco.get('mAP50_95')}"),
        ("VOC test images scored, images/s", f"{voc['score_summary'].get('scored')}, "
                                             f"{voc['score_summary'].get('views_per_s')}"),
    ]
    for name in ("panoramas", "street-scenes"):
        s = res.get(name) or {}
        rows.append((f"{name}: scored / views / suggestions (default model)",
                     f"{s.get('scored')} / {s.get('views')} / {s.get('suggestions')}"))
    rows.append(("stage seconds", json.dumps(res["stage_seconds"], separators=(",", ":"))))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "runs" / "validate_real")
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="ONNX model for the street imagery")
    ap.add_argument("--voc-fraction", type=float, default=1.0, help="share of the VOC photos used")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--imgsz", type=int, default=320)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not (args.data / "open-images-cameras-voc").is_dir():
        console.print(f"{args.data}: shared data not found; nothing to validate")
        return 0
    t0 = time.monotonic()
    voc_dirs, street_dirs = StageDirs(args.out / "voc"), StageDirs(args.out / "street")
    console.print(f"[bold]VOC photos[/] -> {voc_dirs.out}")
    code = run_stages(voc_dirs, voc_stages(voc_dirs.out, args.data / "open-images-cameras-voc", args), console,
                      force=args.force)
    if code:
        return code
    if not args.model.exists():
        console.print(f"error: {args.model}: model not found (pass --model)")
        return 2
    console.print(f"[bold]Street View panoramas + street scenes[/] -> {street_dirs.out} (model {args.model})")
    code = run_stages(street_dirs, street_stages(street_dirs.out, args.data, args.model.resolve()), console,
                      force=args.force)
    if code:
        return code
    times = {**json.loads((voc_dirs.out / "stage_times.json").read_text()),
             **json.loads((street_dirs.out / "stage_times.json").read_text())}
    res = summarize(args.out, voc_dirs.out, street_dirs.out, times)
    res["args"] = {k: str(v) for k, v in vars(args).items()}
    res["wall_s_this_invocation"] = round(time.monotonic() - t0, 1)
    rows = table(res, args)
    t = Table(title="validate_real: the chain on ../shared/data", show_header=False)
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    atomic_write_text(args.out / "summary.json", json.dumps(res, indent=1))
    atomic_write_text(args.out / "table.md", "| what | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows))
    console.print(f"written: {args.out / 'summary.json'}, {args.out / 'table.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
