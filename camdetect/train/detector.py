"""Train an ultralytics detector from a model yaml, offline, on CPU, with our threads, seed and augmentation.

Threads: ``import ultralytics`` sets OMP_NUM_THREADS=1 and its ``select_device`` calls
``torch.set_num_threads(cpu_count - 1)`` (1 on a 2-core box), so the requested thread count is set
again from trainer callbacks, after ultralytics has made its choice.

Classes: the detector's class count and names come from the dataset's ``data.yaml`` (the taxonomy's
``detector_classes`` when built by ``camdetect dataset build``: dome, bullet, alpr), never from the
model yaml's ``nc`` (ultralytics builds the model with the data's ``nc``: "Overriding model.yaml nc=2
with nc=3"). A checkpoint with other classes (models/camdetect-default.pt: dome, bullet) fine-tunes on
the new classes: the trainer seeds the data-sized model from the checkpoint file and copies the class
head rows by class name (dome and bullet keep what they learnt; alpr starts from the usual prior).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from camdetect.train.config import TrainConfig
from camdetect.train.weights_fit import WeightsFit, class_names, fit_weights


def auto_threads(threads: int) -> int:
    """``threads`` if > 0, else the cores left idle by the current load (at least 1).

    Measured on the 2-core shared box (docs/training.md): with the load above the core count, 2 torch
    threads ran an epoch 15x slower than 1 (OpenMP threads wait on each other at every op), so the
    automatic choice never asks for more threads than there are idle cores.
    """
    if threads and threads > 0:
        return int(threads)
    cores = os.cpu_count() or 1
    try:
        idle = cores - os.getloadavg()[0]
    except OSError:
        idle = cores
    return int(max(1, min(cores, round(idle))))


def import_ultralytics(threads: int):
    """``ultralytics.YOLO`` with the offline environment and ``threads`` torch threads restored after import."""
    from camdetect.env import configure_offline_ultralytics

    configure_offline_ultralytics()
    import torch
    from ultralytics import YOLO
    from ultralytics.utils import SETTINGS

    # Third-party loggers (ray tune, mlflow, ...) are installed here for other stages; training never
    # reports to them, and importing ray alone costs seconds per run.
    off = {k: False for k in ("clearml", "comet", "dvc", "mlflow", "raytune", "tensorboard", "wandb", "sync")}
    if any(SETTINGS.get(k) is not False for k in off):
        SETTINGS.update(off)
    torch.set_num_threads(auto_threads(threads))
    return YOLO


def thread_callbacks(model, threads: int) -> None:
    """Re-apply torch threads after ultralytics' select_device (trainer init) and at every epoch."""
    import torch

    n = auto_threads(threads)

    def _set(_trainer) -> None:
        torch.set_num_threads(n)

    for event in ("on_pretrain_routine_start", "on_pretrain_routine_end", "on_train_epoch_start", "on_val_start",
                  "on_train_end"):
        model.add_callback(event, _set)


def progress_callbacks(model, every: float = 0.25) -> None:
    """One line per quarter epoch and per epoch on stdout ("... 19 % of the run, ~4.1 min left"): ultralytics
    runs with verbose=False, so without these a long run is silent (``camdetect demo`` shows the percentage)."""
    state = {"t0": 0.0, "done0": 0.0, "batch": 0, "mark": 0.0}

    def _start(trainer) -> None:  # a resumed run starts part-way: time left counts from here
        state["t0"] = time.perf_counter()
        state["done0"] = getattr(trainer, "start_epoch", 0) / max(1, trainer.epochs)

    def _epoch_start(_trainer) -> None:
        state["batch"], state["mark"] = 0, every

    def _line(done: float, what: str) -> None:
        elapsed = time.perf_counter() - state["t0"]
        ran = done - state["done0"]
        left = elapsed * (1 - done) / ran if ran > 0 else float("nan")
        print(f"camdetect train: {what}: {100 * done:.0f} % of the run, {elapsed / 60:.1f} min elapsed, "
              f"~{left / 60:.1f} min left", flush=True)

    def _batch_end(trainer) -> None:
        state["batch"] += 1
        nb = max(1, len(trainer.train_loader))
        if state["batch"] / nb >= state["mark"] and state["batch"] < nb:
            state["mark"] += every
            done = (trainer.epoch + state["batch"] / nb) / max(1, trainer.epochs)
            _line(done, f"epoch {trainer.epoch + 1}/{trainer.epochs}, batch {state['batch']}/{nb}")

    def _epoch_end(trainer) -> None:
        m = getattr(trainer, "metrics", None) or {}
        val = m.get("metrics/mAP50(B)")
        tail = f" (val mAP50 {val:.3f})" if isinstance(val, float) else ""
        if trainer.epoch + 1 > trainer.epochs or state.get("last") == trainer.epoch:  # the final check of best.pt
            print(f"camdetect train: final validation of the best weights{tail}", flush=True)
            return
        state["last"] = trainer.epoch
        _line((trainer.epoch + 1) / max(1, trainer.epochs), f"epoch {trainer.epoch + 1}/{trainer.epochs} done{tail}")

    model.add_callback("on_train_start", _start)
    model.add_callback("on_train_epoch_start", _epoch_start)
    model.add_callback("on_train_batch_end", _batch_end)
    model.add_callback("on_fit_epoch_end", _epoch_end)


def count_images(data_yaml: Path, split: str = "train") -> int:
    import yaml

    from camdetect.dataset.sources import IMAGE_SUFFIXES

    data = yaml.safe_load(data_yaml.read_text(encoding="utf-8")) or {}
    folder = data_yaml.parent / str(data.get(split, f"images/{split}"))
    return sum(1 for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else 0


def class_transfer(weights_names: list[str], names: list[str]) -> str:
    """One line on how a checkpoint's classes carry over to the dataset's (printed before fine-tuning)."""
    if list(weights_names) == list(names):
        return f"classes: {', '.join(names)} (as in the weights)"
    kept = [n for n in names if n in weights_names]
    new = [n for n in names if n not in weights_names]
    dropped = [n for n in weights_names if n not in names]
    parts = [f"classes: weights {len(weights_names)} ({', '.join(weights_names)}) -> data {len(names)} "
             f"({', '.join(names)})"]
    parts.append(f"head rows copied by name: {', '.join(kept)}" if kept else "no class in common: the class head starts fresh")
    if new:
        parts.append(f"new: {', '.join(new)}")
    if dropped:
        parts.append(f"dropped: {', '.join(dropped)}")
    return "; ".join(parts)


def finished_checkpoint(path: Path) -> bool:
    """Whether ultralytics stripped this checkpoint at the end of its run (epoch -1, no optimizer): resuming it
    would fail deep inside the trainer with an assertion."""
    import torch

    return torch.load(str(path), map_location="cpu", weights_only=False).get("epoch", -1) == -1


def fit_checkpoint(cfg: TrainConfig, YOLO, weights: str, checkpoint) -> WeightsFit:
    """The scale the recipe's network is built at for ``weights`` (camdetect.train.weights_fit); the probes are
    built from yaml copies in a temporary folder, not the run's."""
    import dataclasses
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        def build(scale: str):
            return YOLO(dataclasses.replace(cfg, model_scale=scale).model_yaml(Path(tmp)), task="detect").model.state_dict()

        return fit_weights(weights, checkpoint.float().state_dict(), checkpoint.yaml or {}, cfg.model_scale,
                           cfg.model_scales(), build)


def train_detector(cfg: TrainConfig, run_dir: Path, *, resume: bool = False) -> dict:
    """Train (or resume) into ``run_dir`` (= ultralytics save_dir); returns {seconds, n_train_images, names,
    start_check} (``keep_start``: camdetect.train.start_guard)."""
    from camdetect.train.augment import street_augmentations

    YOLO = import_ultralytics(cfg.threads)
    data_yaml = cfg.data_yaml()
    last = run_dir / "weights" / "last.pt"
    t0 = time.perf_counter()
    if resume:
        if not last.is_file():
            raise FileNotFoundError(f"{last}: nothing to resume (train without --resume first)")
        if finished_checkpoint(last):
            raise ValueError(f"{last}: this run finished all its epochs, nothing to resume (start a new run from it "
                             "with --weights)")
        model = YOLO(str(last))
        thread_callbacks(model, cfg.threads)
        progress_callbacks(model)
        model.train(resume=True, augmentations=street_augmentations(cfg.augment, cfg.imgsz), workers=cfg.workers,
                    device=cfg.device, cache=cfg.cache or False,
                    **({"time": cfg.time_hours} if cfg.time_hours > 0 else {}))
    else:
        w = src = None
        if cfg.weights:
            w = cfg.resolve_path(cfg.weights)
            if not w.is_file():
                raise FileNotFoundError(f"{w}: weights not found (camdetect never downloads checkpoints)")
            from ultralytics.nn.tasks import load_checkpoint

            src, _ = load_checkpoint(str(w))
            fit = fit_checkpoint(cfg, YOLO, str(w), src)
            cfg.model_scale = fit.scale  # recorded in camdetect_run.json
            print(f"camdetect train: {fit.line(cfg.weights)}", flush=True)
        model = YOLO(cfg.model_yaml(run_dir), task="detect")
        if w is not None:
            model = model.load(str(w))
            from camdetect.dataset.merge import read_names

            print(f"camdetect train: {class_transfer(class_names(src), read_names(data_yaml))}", flush=True)
        thread_callbacks(model, cfg.threads)
        progress_callbacks(model)
        args = dict(
            data=str(data_yaml), imgsz=cfg.imgsz, epochs=cfg.epochs, batch=cfg.batch, seed=cfg.seed,
            deterministic=True, workers=cfg.workers, device=cfg.device, cache=cfg.cache or False,
            project=str(run_dir.parent.resolve()),
            name=run_dir.name, exist_ok=True, patience=cfg.patience, lr0=cfg.lr0, optimizer=cfg.optimizer,
            mosaic=cfg.mosaic, close_mosaic=cfg.close_mosaic, fliplr=cfg.fliplr, scale=cfg.scale,
            translate=cfg.translate, degrees=cfg.degrees, hsv_v=cfg.hsv_v, fraction=cfg.fraction, val=cfg.val,
            # pretrained=PATH: the trainer seeds the data-sized model (nc from data.yaml) straight from the
            # checkpoint file, so class head rows are copied by name even when the counts differ
            plots=cfg.plots, pretrained=str(cfg.resolve_path(cfg.weights)) if cfg.weights else False,
            amp=False, verbose=False,
            augmentations=street_augmentations(cfg.augment, cfg.imgsz),
        )
        if cfg.time_hours > 0:
            args["time"] = cfg.time_hours
        args.update(cfg.extra)
        model.train(**args)
    seconds = time.perf_counter() - t0
    import torch

    torch.set_num_threads(auto_threads(cfg.threads))  # the final validation's select_device reset it
    names = class_names(model)
    if not (run_dir / "weights" / "best.pt").is_file():
        raise ValueError(f"{run_dir}: training finished without weights/best.pt (see ultralytics output above)")
    check = None
    if cfg.keep_start and cfg.weights:
        from camdetect.train.start_guard import keep_better

        check = keep_better(YOLO, cfg.resolve_path(cfg.weights), run_dir, data_yaml=data_yaml, names=names,
                            imgsz=cfg.imgsz, batch=cfg.batch, device=cfg.device)
        torch.set_num_threads(auto_threads(cfg.threads))
        print(f"camdetect train: {check.line()}", flush=True)
    return {"seconds": seconds, "n_train_images": count_images(data_yaml), "names": names,
            "start_check": check.to_dict() if check else None}


def dataset_info(cfg: TrainConfig) -> dict:
    """dataset.json of the dataset (written by camdetect dataset build), or {} for foreign datasets."""
    path = cfg.data_yaml().parent / "dataset.json"
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {}
    return {}
