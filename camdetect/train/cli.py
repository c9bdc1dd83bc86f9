"""``camdetect train --config configs/train/NAME.yaml``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer


def run_training(config: Path, *, epochs: int | None = None, imgsz: int | None = None, weights: str | None = None,
                 resume: bool = False, threads: int | None = None, name: str | None = None,
                 data: str | None = None, batch: int | None = None, overwrite: bool = False,
                 mount: bool | None = None, command: str = "", time_hours: float | None = None,
                 model_scale: str | None = None, device: str | None = None, workers: int | None = None) -> Path:
    """Train the detector (and the mount classifier when enabled) and write the run files; returns RUN."""
    import dataclasses
    import shutil

    from camdetect.dataset.card import dataset_hash
    from camdetect.train.config import TrainConfig
    from camdetect.train.detector import dataset_info, train_detector
    from camdetect.train.run_dir import read_results_csv, summarize_metrics, write_run_files

    cfg = TrainConfig.from_yaml(config, epochs=epochs, imgsz=imgsz, weights=weights, threads=threads, name=name,
                                data=data, batch=batch, time_hours=time_hours, model_scale=model_scale,
                                device=device, workers=workers)
    if mount is not None:
        cfg.mount = dataclasses.replace(cfg.mount, enabled=mount)
    run_dir = (Path(cfg.project) / cfg.name).resolve()  # relative projects are relative to the working directory
    if run_dir.exists() and (run_dir / "weights").exists() and not resume:
        if not overwrite:
            raise ValueError(f"{run_dir}: run exists; pass --resume to continue it, --overwrite to replace it, "
                             "or --name for a new run")
        shutil.rmtree(run_dir)
    info = dataset_info(cfg)
    data_hash = info.get("hash") or dataset_hash(cfg.data_yaml().parent)
    results = run_dir / "results.csv"
    before = len(read_results_csv(results)) if resume and results.is_file() else 0
    result = train_detector(cfg, run_dir, resume=resume)
    metrics = summarize_metrics(read_results_csv(results), result["seconds"], result["n_train_images"], before)
    mount_summary = None
    if cfg.mount.enabled:
        from camdetect.train.attributes import train_mount_classifier

        mount_summary = train_mount_classifier(cfg, run_dir)
    write_run_files(run_dir, cfg, class_names=result["names"], data_hash=data_hash, command=command,
                    metrics=metrics, dataset_info=info, mount=mount_summary,
                    start_check=result.get("start_check"))
    return run_dir


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train(
        config: Path = typer.Option(..., "--config", help="Training recipe YAML (configs/train/NAME.yaml)."),
        epochs: int | None = typer.Option(None, "--epochs", help="Override the recipe's epochs."),
        imgsz: int | None = typer.Option(None, "--imgsz", help="Override the training image size (multiple of 32)."),
        weights: str | None = typer.Option(None, "--weights", help="Start from a local .pt checkpoint (never downloaded)."),
        resume: bool = typer.Option(False, "--resume", help="Continue RUN/weights/last.pt."),
        threads: int | None = typer.Option(None, "--threads", help="torch CPU threads (0: idle cores)."),
        name: str | None = typer.Option(None, "--name", help="Run name: runs/train/NAME."),
        data: str | None = typer.Option(None, "--data", help="Override the recipe's dataset folder."),
        batch: int | None = typer.Option(None, "--batch", help="Override the batch size."),
        mount: bool | None = typer.Option(None, "--mount/--no-mount", help="Train the mount classifier on crops."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing run of the same name."),
        time_hours: float | None = typer.Option(None, "--time", help="Wall-clock budget in hours (also on --resume): "
                                                   "the epochs and LR schedule are re-planned to fit it."),
        model_scale: str | None = typer.Option(None, "--model-scale", help="One of the model yaml's scales (t, n, "
                                               "...); default: the recipe's, else the yaml's first."),
        device: str | None = typer.Option(None, "--device", help="Where to train: cpu (default), a CUDA GPU index "
                                          "(0, or 0,1 for two), mps."),
        workers: int | None = typer.Option(None, "--workers", min=0, help="Data-loader processes (0: load in the "
                                           "training process)."),
    ) -> None:
        """Train a detector from a model yaml (plus the mount classifier when enabled) into runs/train/NAME.

        Example: camdetect train --config configs/train/ci.yaml --data runs/ds/city --epochs 2 --name smoke
        """
        command = "camdetect " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        run_dir = run_training(config, epochs=epochs, imgsz=imgsz, weights=weights, resume=resume, threads=threads,
                               name=name, data=data, batch=batch, overwrite=overwrite, mount=mount, command=command,
                               time_hours=time_hours, model_scale=model_scale, device=device, workers=workers)
        typer.echo(f"{run_dir}: weights/best.pt, metrics.json, model_card.md")

    @app.command("blend")
    def blend_cmd(
        start: Path = typer.Argument(..., help="The checkpoint fine-tuning started from (e.g. models/camdetect-city.pt)."),
        tuned: Path = typer.Argument(..., help="The fine-tuned checkpoint (same network; its class list may extend "
                                     "the start's at its end)."),
        alpha: float = typer.Option(0.5, "--alpha", help="How far from START towards TUNED: 0 = START, 1 = TUNED."),
        out: Path = typer.Option(..., "--out", help="Where to write the blended checkpoint (.pt)."),
    ) -> None:
        """Blend two checkpoints of one network in weight space (WiSE-FT): keep what the start knew and what the
        fine-tune learnt. Export the result with `camdetect export OUT.pt --out M.onnx`.

        Example: camdetect blend models/camdetect-city.pt models/camdetect-default.pt --alpha 0.5 --out b.pt
        """
        from camdetect.train.blend import BlendError, blend

        try:
            report = blend(start, tuned, alpha, out)
        except BlendError as e:
            raise ValueError(str(e)) from e
        typer.echo(f"{out}: {report.line()}")
