"""Mount classifier: an ultralytics classify model on the dataset's context crops, saved in RUN/mount/.

Chosen design (docs/training.md has the measured comparison): detector classes = camera type; mount
comes from this second, small model that sees the camera's surroundings (pole or wall) in a crop
``crop_context`` times the box size, cut with camdetect.dataset.crops.context_crop -- the scorer must
cut its crops the same way (the context and size are stored in camdetect_run.json).
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

from camdetect.train.config import TrainConfig
from camdetect.train.detector import auto_threads, import_ultralytics, thread_callbacks

# A mount classifier is trained only when the train crops hold every mount of the taxonomy, each at
# least this often. 5 is a floor, not a guarantee: with fewer crops a class is a handful of examples
# that a 10-epoch CPU run learns as "never predict it" (cross-entropy pays less for always answering
# the majority), and the val split (15 % of the crops) then holds none of it, so top-1 cannot show the
# loss. What the floor lets through is caught by the output check after training (DEGENERATE_SHARE).
MIN_CROPS_PER_CLASS = 5
# After training: if one class takes this share of the predictions on the val crops, the model is a
# constant (the demo's 2-class model answered street_furniture at 0.42 for every suggestion) and is
# marked degenerate: kept in RUN/mount/ for inspection, never exported or used by `camdetect eval`.
DEGENERATE_SHARE = 0.99
USABLE = ("trained",)  # mount_model.status values a consumer may use (absent status: an older run, usable)


def crop_counts(split_dir: Path, mounts: tuple[str, ...]) -> dict[str, int]:
    """Crops per class folder of one split (every taxonomy mount listed, 0 when absent)."""
    counts = {m: 0 for m in mounts}
    if split_dir.is_dir():
        for d in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            n = sum(1 for _ in d.glob("*.jpg"))
            if n or d.name in counts:
                counts[d.name] = n
    return counts


def mount_readiness(train_counts: dict[str, int], mounts: tuple[str, ...],
                    min_per_class: int = MIN_CROPS_PER_CLASS) -> str | None:
    """Why a mount classifier cannot be trained properly on these train crops, or None when it can."""
    shown = ", ".join(f"{k} {v}" for k, v in train_counts.items())
    present = [m for m in mounts if train_counts.get(m, 0) > 0]
    if len(present) < len(mounts):
        missing = [m for m in mounts if m not in present]
        return (f"the train crops hold {len(present)} of the taxonomy's {len(mounts)} mounts "
                f"(none of {', '.join(missing)}; crops: {shown})")
    few = [m for m in mounts if train_counts.get(m, 0) < min_per_class]
    if few:
        return f"fewer than {min_per_class} train crops of {', '.join(few)} (crops: {shown})"
    return None


def output_spread(weights: Path, val_dir: Path, share: float = DEGENERATE_SHARE) -> dict:
    """Predicted class per val crop of a trained classifier: counts, the top class's share and whether it
    is degenerate (one class >= ``share`` of the predictions). No val crops: not checked (``None``)."""
    from ultralytics import YOLO

    files = sorted(str(p) for p in val_dir.rglob("*.jpg")) if val_dir.is_dir() else []
    if not files:
        return {"n_val_crops": 0, "predicted": {}, "top_share": None, "degenerate": None}
    model = YOLO(str(weights), task="classify")
    names = model.names
    predicted: list[str] = []
    for start in range(0, len(files), 64):
        predicted += [str(names[int(r.probs.top1)])
                      for r in model.predict(files[start:start + 64], device="cpu", verbose=False)]
    return spread(predicted, share)


def spread(predicted: list[str], share: float = DEGENERATE_SHARE) -> dict:
    """Counts of predicted classes, the top class's share and ``degenerate`` (top share >= ``share``)."""
    if not predicted:
        return {"n_val_crops": 0, "predicted": {}, "top_share": None, "degenerate": None}
    counts = Counter(predicted)
    top_name, top = counts.most_common(1)[0]
    top_share = top / len(predicted)
    return {"n_val_crops": len(predicted), "predicted": dict(counts.most_common()), "top_class": top_name,
            "top_share": round(top_share, 4), "degenerate": top_share >= share}


def mount_status(run_info: dict) -> tuple[bool, str]:
    """(usable, why not) for the run's mount classifier, from camdetect_run.json's ``mount_model``.
    Runs made before the status was recorded (no ``status``) count as usable when their weights exist."""
    rec = run_info.get("mount_model")
    if not isinstance(rec, dict) or "status" not in rec:
        return True, ""
    if rec["status"] in USABLE:
        return True, ""
    return False, f"{rec['status']}: {rec.get('reason', '')}"


def _skip(run_dir: Path, summary: dict) -> dict:
    mount_dir = run_dir / "mount"
    shutil.rmtree(mount_dir / "weights", ignore_errors=True)  # a resumed run's older classifier is stale
    mount_dir.mkdir(parents=True, exist_ok=True)
    (mount_dir / "mount.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"camdetect train: mount classifier not trained: {summary['reason']}", flush=True)
    return summary


def train_mount_classifier(cfg: TrainConfig, run_dir: Path) -> dict:
    """Train on DATA/crops/{train,val}/{mount}/; returns a summary (also in RUN/mount/mount.json).

    ``status``: "trained"; "skipped" (crops cannot train it properly, see :func:`mount_readiness`: no
    weights are written); or "degenerate" (trained, but one class takes >= DEGENERATE_SHARE of the
    val predictions: weights kept for inspection, not exported). ``reason`` says why.
    """
    from camdetect.taxonomy import load_taxonomy

    crops = cfg.data_yaml().parent / "crops"
    if not (crops / "train").is_dir():
        raise FileNotFoundError(f"{crops}/train: no context crops (rebuild the dataset without --no-crops)")
    mounts = tuple(load_taxonomy().mounts)
    train_counts = crop_counts(crops / "train", mounts)
    val_counts = crop_counts(crops / "val", mounts)
    n_train = sum(train_counts.values())
    base = {"status": "skipped", "weights": None, "train_crops": train_counts, "val_crops": val_counts,
            "n_train_crops": n_train, "min_crops_per_class": MIN_CROPS_PER_CLASS}
    reason = mount_readiness(train_counts, mounts)
    if reason:
        return _skip(run_dir, {**base, "reason": reason})
    YOLO = import_ultralytics(cfg.threads)
    m = cfg.mount
    model = YOLO(m.model, task="classify")
    thread_callbacks(model, cfg.threads)
    t0 = time.perf_counter()
    model.train(data=str(crops), imgsz=m.imgsz, epochs=m.epochs, batch=m.batch, seed=cfg.seed, deterministic=True,
                workers=cfg.workers, device="cpu", project=str(run_dir.resolve()), name="mount", exist_ok=True,
                pretrained=False, amp=False, plots=cfg.plots, verbose=False)
    seconds = time.perf_counter() - t0
    import torch

    torch.set_num_threads(auto_threads(cfg.threads))
    names = [str(n) for n in model.names.values()]
    top1 = None
    results = run_dir / "mount" / "results.csv"
    if results.is_file():
        from camdetect.train.run_dir import read_results_csv

        rows = read_results_csv(results)
        if rows:
            top1 = round(max(r.get("metrics/accuracy_top1", 0.0) for r in rows), 4)
    weights = run_dir / "mount" / "weights" / "best.pt"
    outputs = output_spread(weights, crops / "val")
    torch.set_num_threads(auto_threads(cfg.threads))
    summary = {**base, "status": "trained", "reason": "", "weights": "mount/weights/best.pt", "class_names": names,
               "imgsz": m.imgsz, "epochs": m.epochs, "top1": top1, "train_seconds": round(seconds, 1),
               "val_predictions": outputs}
    if outputs["degenerate"]:
        summary.update(status="degenerate",
                       reason=f"{outputs['top_class']} is {outputs['top_share']:.0%} of its predictions on the "
                              f"{outputs['n_val_crops']} val crops (>= {DEGENERATE_SHARE:.0%}): a constant, not exported")
        print(f"camdetect train: mount classifier degenerate: {summary['reason']}", flush=True)
    elif outputs["degenerate"] is None:
        summary["reason"] = "no val crops: the spread of its outputs was not checked"
    (run_dir / "mount" / "mount.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary
