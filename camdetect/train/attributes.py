"""Mount classifier: an ultralytics classify model on the dataset's context crops, saved in RUN/mount/.

Chosen design (docs/training.md has the measured comparison): detector classes = camera type; mount
comes from this second, small model that sees the camera's surroundings (pole or wall) in a crop
``crop_context`` times the box size, cut with camdetect.dataset.crops.context_crop -- the scorer must
cut its crops the same way (the context and size are stored in camdetect_run.json).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from camdetect.train.config import TrainConfig
from camdetect.train.detector import auto_threads, import_ultralytics, thread_callbacks


def train_mount_classifier(cfg: TrainConfig, run_dir: Path) -> dict:
    """Train on DATA/crops/{train,val}/{mount}/; returns a summary (also in RUN/mount/mount.json)."""
    crops = cfg.data_yaml().parent / "crops"
    if not (crops / "train").is_dir():
        raise FileNotFoundError(f"{crops}/train: no context crops (rebuild the dataset without --no-crops)")
    n_train = sum(1 for _ in (crops / "train").rglob("*.jpg"))
    if n_train == 0:
        raise ValueError(f"{crops}/train: no crops to train the mount classifier on")
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
    summary = {"weights": "mount/weights/best.pt", "class_names": names, "imgsz": m.imgsz, "epochs": m.epochs,
               "top1": top1, "train_seconds": round(seconds, 1), "n_train_crops": n_train}
    (run_dir / "mount" / "mount.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary
