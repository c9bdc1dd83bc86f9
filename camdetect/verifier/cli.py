"""``camdetect verifier data`` and ``camdetect verifier train``: the second-look crop classifier."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    vf = typer.Typer(help="A second look: a crop classifier that rescores the detector's candidates "
                          "(camera / not a camera).", no_args_is_help=True)

    @vf.command("data")
    def data_cmd(
        out: Path = typer.Option(..., "--out", help="Crop folder (train|val/camera|not_camera); re-running resumes."),
        model: Path = typer.Option(..., "--model", help="ONNX detector whose candidates the verifier will judge."),
        data: list[Path] = typer.Option([], "--data", help="Labelled ultralytics dataset (composites, city tiles); "
                                        "repeatable."),
        negatives: list[Path] = typer.Option([], "--negatives", help="Mined false alarms on training backgrounds "
                                             "(camdetect render mine-negatives CSV); repeatable."),
        conf: float = typer.Option(0.05, "--conf", help="Detector score floor for candidates."),
        context: float = typer.Option(2.0, "--context", help="Crop side as a multiple of the box's longer side."),
        size: int = typer.Option(64, "--size", help="Crop side in px."),
        gray: bool = typer.Option(False, "--gray/--color", help="Grey crops (no colour cast to tell a render by)."),
        detail: int = typer.Option(0, "--detail", help="Shrink each crop to this side and back (0: off): shape "
                                   "kept, render texture lost."),
        progress: bool = typer.Option(True, "--progress/--no-progress"),
    ) -> None:
        """Cut camera / not-camera crops from the detector's candidates on labelled tiles and mined negatives.

        Example: camdetect verifier data --model models/camdetect-default.onnx --data runs/ds/comp --negatives runs/hardneg/v2.csv --out runs/verifier/data
        """
        from tqdm import tqdm

        from camdetect.verifier.crop import CropSpec
        from camdetect.verifier.data import VerifierDataOptions, build_verifier_data, count_sources

        if not data and not negatives:
            raise ValueError("verifier data: give --data (labelled datasets) and/or --negatives")
        if not model.is_file():
            raise FileNotFoundError(f"{model}: detector not found")
        opts = VerifierDataOptions(conf=conf, crop=CropSpec(context=context, size=size, gray=gray, detail=detail))
        bar = tqdm(total=count_sources(data, negatives), desc="verifier crops", unit="img", disable=not progress)
        doc = build_verifier_data(out, data, model, negatives, opts, progress=lambda: bar.update(1))
        bar.close()
        typer.echo("crops: " + ", ".join(f"{k} {v}" for k, v in doc["counts"].items()) + f" -> {out}")

    @vf.command("train")
    def train_cmd(
        data: Path = typer.Option(..., "--data", help="Crop folder from `camdetect verifier data`."),
        out: Path = typer.Option(..., "--out", help="Exported verifier, e.g. models/camdetect-default-verifier.onnx."),
        run: Path = typer.Option(Path("runs/verifier/train"), "--run", help="Training run folder."),
        weights: str = typer.Option("yolo11n-cls.yaml", "--weights", help="Network YAML (from scratch) or a .pt "
                                    "to fine-tune."),
        imgsz: int = typer.Option(64, "--imgsz", help="Network input side."),
        epochs: int = typer.Option(20, "--epochs"),
        batch: int = typer.Option(128, "--batch"),
        threads: int = typer.Option(0, "--threads", help="Torch threads (0: the idle cores)."),
        weight: float = typer.Option(0.5, "--weight", help="Fusion weight stored for the scorer: "
                                     "score^(1-w) * p(camera)^w."),
        seed: int = typer.Option(0, "--seed"),
        optimizer: str = typer.Option("auto", "--optimizer", help="Ultralytics optimizer (auto, SGD, AdamW, ...)."),
        lr0: float = typer.Option(0.01, "--lr0", help="Initial learning rate (ignored by --optimizer auto)."),
    ) -> None:
        """Train the verifier and export it as ONNX with its crop and fusion weight in the metadata.

        Example: camdetect verifier train --data runs/verifier/data --out runs/verifier/verifier.onnx --epochs 20
        """
        from camdetect.verifier.train import VerifierTrainOptions, train_verifier

        opts = VerifierTrainOptions(model=weights, imgsz=imgsz, epochs=epochs, batch=batch, threads=threads,
                                    seed=seed, weight=weight, optimizer=optimizer, lr0=lr0)
        train_verifier(data, out, opts, run, log=typer.echo)

    app.add_typer(vf, name="verifier")
