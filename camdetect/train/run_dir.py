"""The run directory's camdetect files: camdetect_run.json (CONTRACTS), metrics.json and model_card.md.

Ultralytics writes weights/, results.csv, args.yaml and its plots into the same folder; these files add
what export, scoring and a reader need: class names, imgsz, the dataset's content hash, the config,
the exact command, and the final and best metrics in one JSON.
"""

from __future__ import annotations

import csv
import json
import math
import platform
from datetime import UTC, datetime
from pathlib import Path

from camdetect.durable import atomic_write_text
from camdetect.train.config import TrainConfig

METRIC_KEYS = {
    "metrics/precision(B)": "precision", "metrics/recall(B)": "recall",
    "metrics/mAP50(B)": "map50", "metrics/mAP50-95(B)": "map50_95",
}


def read_results_csv(path: Path) -> list[dict[str, float]]:
    """Ultralytics results.csv rows as floats (headers stripped)."""
    if not path.is_file():
        return []
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            row = {}
            for k, v in r.items():
                try:
                    row[k.strip()] = float(v)
                except (TypeError, ValueError):
                    continue
            rows.append(row)
    return rows


def summarize_metrics(rows: list[dict[str, float]], seconds: float, n_train_images: int,
                      epochs_before: int = 0) -> dict:
    """Final/best detection metrics and timing from results.csv rows. ``seconds`` is this invocation's
    training time, which ran the epochs after ``epochs_before`` (the rows a resumed run started with)."""
    out: dict = {"epochs_run": len(rows), "train_seconds": round(seconds, 1)}
    timed = len(rows) - epochs_before
    if epochs_before:
        out["epochs_before_resume"] = epochs_before
    if rows:
        last = rows[-1]
        best = max(rows, key=lambda r: 0.1 * r.get("metrics/mAP50(B)", 0) + 0.9 * r.get("metrics/mAP50-95(B)", 0))
        out["final"] = {name: round(last.get(k, math.nan), 4) for k, name in METRIC_KEYS.items()}
        out["best"] = {name: round(best.get(k, math.nan), 4) for k, name in METRIC_KEYS.items()}
        out["best_epoch"] = int(best.get("epoch", len(rows)))
        out["final_losses"] = {k.split("/")[-1]: round(v, 4) for k, v in last.items() if k.startswith("train/")}
    if timed > 0 and seconds > 0:
        out["seconds_per_epoch"] = round(seconds / timed, 2)
        if n_train_images:
            out["seconds_per_image_epoch"] = round(seconds / timed / n_train_images, 4)
    out["n_train_images"] = n_train_images
    return out


def write_run_files(run_dir: Path, cfg: TrainConfig, *, class_names: list[str], data_hash: str, command: str,
                    metrics: dict, dataset_info: dict, mount: dict | None = None,
                    start_check: dict | None = None) -> None:
    """camdetect_run.json, metrics.json, model_card.md (atomic)."""
    from camdetect.taxonomy import load_taxonomy
    from camdetect.train.detector import auto_threads

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = {
        "name": run_dir.name, "class_names": class_names, "imgsz": cfg.imgsz, "data": str(cfg.data),
        "data_hash": data_hash, "command": command, "config": cfg.to_dict(), "taxonomy": load_taxonomy().source,
        "model_yaml": cfg.model, "weights_init": cfg.weights or None, "created": now,
        "dataset_classes": dataset_info.get("options", {}).get("classes", "type"),
        # views were cut into tiles of this many px at full resolution (0: whole views, resized):
        # the scorer must tile the same way (exported as training_run.tile)
        "dataset_tile": int(dataset_info.get("options", {}).get("tile") or 0),
        "crop": {"context": dataset_info.get("options", {}).get("crop_context"),
                 "size": dataset_info.get("options", {}).get("crop_size")},
        "mount_model": mount,
        "start_check": start_check,  # keep_start: which weights best.pt holds (camdetect.train.start_guard)
    }
    atomic_write_text(run_dir / "camdetect_run.json", json.dumps(info, indent=2, default=str))
    atomic_write_text(run_dir / "metrics.json", json.dumps({**metrics, "mount": mount}, indent=2, default=str))
    fin, best = metrics.get("final", {}), metrics.get("best", {})
    lines = [
        f"# Model card: {run_dir.name}", "",
        f"Camera detector; classes: {', '.join(class_names)}. Trained {now} on CPU "
        f"({platform.processor() or platform.machine()}), torch threads {auto_threads(cfg.threads)}"
        + (" (auto)" if not cfg.threads else "") + ".", "",
        "## How it was made", "",
        f"- Command: `{command}`",
        f"- Config: `{cfg.source}` (resolved copy in camdetect_run.json)",
        f"- Model: `{cfg.model}`" + (f", initial weights `{cfg.weights}`" if cfg.weights else ", from scratch (no pretrained weights)"),
        f"- Data: `{cfg.data}`, content hash `{data_hash}`"
        + (f", built by `{dataset_info.get('command')}`" if dataset_info.get("command") else ""),
    ] + ([f"- Start weights kept: fine-tuning did not beat them on val mAP@0.5 ({start_check['start_map50']:.3f} vs "
          f"{start_check['tuned_map50']:.3f}); the fine-tuned weights are weights/best-finetuned.pt"]
         if start_check and start_check.get("kept") == "start" else []) + [
        f"- imgsz {cfg.imgsz}, epochs {cfg.epochs} (ran {metrics.get('epochs_run', 0)}), batch {cfg.batch}, seed {cfg.seed}",
        f"- Street augmentation: {'on' if cfg.augment.enabled else 'off'} ({', '.join(f'{k}={v}' for k, v in cfg.augment.__dict__.items() if k != 'enabled')})",
        "", "## Metrics (ultralytics val split, conf 0.001)", "",
        "| metric | final epoch | best epoch |", "|---|---|---|",
    ]
    for name in METRIC_KEYS.values():
        lines.append(f"| {name} | {fin.get(name, 'n/a')} | {best.get(name, 'n/a')} |")
    resumed = (f" (this invocation, which resumed after epoch {metrics['epochs_before_resume']})"
               if metrics.get("epochs_before_resume") else "")
    lines += ["", f"Training time {metrics.get('train_seconds', 'n/a')} s{resumed}, "
              f"{metrics.get('seconds_per_epoch', 'n/a')} s/epoch, {metrics.get('n_train_images', 'n/a')} training images.", ""]
    if mount:
        lines += ["## Mount classifier (RUN/mount/)", ""]
        status = mount.get("status", "trained")
        if status == "skipped":
            lines += [f"Not trained: {mount.get('reason')}. No mount model is exported with this detector "
                      "(`camdetect export --mount-model PATH` copies an existing one, and says so).", ""]
        else:
            spread = mount.get("val_predictions") or {}
            pred = ", ".join(f"{k} {v}" for k, v in (spread.get("predicted") or {}).items()) or "n/a"
            lines += [f"Context crops ({mount.get('imgsz')} px), classes {', '.join(mount.get('class_names', []))}: "
                      f"top-1 accuracy {mount.get('top1', 'n/a')} on the val crops; predicted there: {pred}.", ""]
            if status == "degenerate":
                lines += [f"**Degenerate, not exported**: {mount.get('reason')}.", ""]
            elif mount.get("reason"):
                lines += [f"Note: {mount.get('reason')}.", ""]
    per_split = dataset_info.get("splits", {})
    if per_split:
        lines += ["## Data", "", "| split | images | boxes | weak boxes |", "|---|---|---|---|"]
        for s, v in per_split.items():
            lines.append(f"| {s} | {v.get('images')} | {v.get('boxes')} | {v.get('weak_boxes')} |")
        lines.append("")
    lines += ["## Limits", "", "- mAP here is ultralytics' own val; use `camdetect eval` for COCO metrics, AP_small, "
              "mount/type confusion and the review-effort curve on the test split.",
              "- Trained on what the dataset card shows; cameras smaller than its box-size range are not learnt."]
    atomic_write_text(run_dir / "model_card.md", "\n".join(lines) + "\n")
