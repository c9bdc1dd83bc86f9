"""``camdetect export``: run -> ONNX with metadata, parity report and optional int8 model."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_cmd(
        run: Path = typer.Argument(..., help="Training run dir (weights/best.pt + camdetect_run.json) or a .pt file."),
        out: Path = typer.Option(..., "--out", help="Output .onnx path, e.g. models/NAME.onnx."),
        imgsz: int | None = typer.Option(None, "--imgsz", help="Input size (default: the run's imgsz)."),
        conf: float | None = typer.Option(None, "--conf", help="Override the score threshold stored in the model."),
        tile: int | None = typer.Option(None, "--tile", help="Tile side (px) the scorer cuts views into for this model "
                                        "(default: the training dataset's; 0: whole views)."),
        int8: bool = typer.Option(False, "--int8", help="Also write NAME-int8.onnx (static QDQ, detect head float)."),
        calib: list[str] = typer.Option(
            [], "--calib", help="Folder of views for int8 calibration, DIR or DIR:N (N inputs from it); repeat "
            "for several folders (real street photos + composite tiles)."),
        calib_exclude: list[str] = typer.Option(
            [], "--calib-exclude", help="Sub-folder name left out of every --calib folder (held-out sets), "
            "repeatable, e.g. opensfm."),
        calib_n: int = typer.Option(64, "--calib-n", min=2, help="int8 calibration inputs in all."),
        calib_method: str = typer.Option("minmax", "--calib-method",
                                         help="int8 calibration: minmax | entropy | percentile."),
        seed: int = typer.Option(0, "--seed", help="Seed of the calibration sample."),
        parity: bool = typer.Option(True, "--parity/--no-parity", help="Write the PyTorch parity report."),
        shared_data: Path | None = typer.Option(
            None, "--shared-data", help="Real images for parity (default ../shared/data when present)."),
        n_images: int = typer.Option(16, "--parity-images", help="Images per parity set."),
        mount_model: Path | None = typer.Option(
            None, "--mount-model", help="When the run has no usable mount classifier (skipped or degenerate in "
            "camdetect_run.json), copy this exported one (e.g. models/camdetect-default-mount.onnx) beside "
            "the detector instead of exporting none."),
    ) -> None:
        """Export a trained detector to ONNX (dynamic batch, onnxslim, camdetect metadata) + parity report.

        Example: camdetect export runs/train/demo --out models/demo.onnx --int8 --calib runs/dataset/images/val
        """
        from camdetect.export.calibration import METHODS, CalibSource
        from camdetect.export.onnx_export import export_run, resolve_run

        if out.suffix != ".onnx":
            raise ValueError(f"{out}: --out must end in .onnx")
        if int8 and not calib:
            raise ValueError("--int8 needs --calib DIR (a folder of views to calibrate on)")
        if calib_method not in METHODS:
            raise ValueError(f"--calib-method must be one of {', '.join(METHODS)}, got {calib_method!r}")
        sources = [CalibSource.parse(c, calib_exclude) for c in calib]
        for src in sources:
            src.files()  # missing folder, evaluation-only folder: one line before any work
        if tile is not None and tile < 0:
            raise ValueError(f"--tile must be >= 0, got {tile}")
        written = export_run(run, out, imgsz=imgsz, conf=conf, mount_fallback=mount_model, log=typer.echo, tile=tile)
        for path in written:
            typer.echo(f"wrote {path}")
        weights = resolve_run(run).weights
        if shared_data is None:
            default = Path.cwd().parent / "shared" / "data"
            shared_data = default if default.is_dir() else None
        if parity:
            from camdetect.export.parity import run_parity, write_report

            report = run_parity(written[0], weights, shared_data, n_synthetic=n_images, n_real=n_images)
            js, md = write_report(report, written[0])
            typer.echo(f"parity {'PASS' if report.passed else 'FAIL'}: {md} {js}")
        if int8:
            from camdetect.export.quantize import quantize_model

            q = quantize_model(written[0], sources, out.with_name(out.stem + "-int8.onnx"), n_calib=calib_n,
                               method=calib_method, seed=seed)
            typer.echo(f"wrote {q.path} (int8, {calib_method} on {q.calib_images} inputs; agreement and speed in "
                       f"{q.report_path}; not the scoring default until scripts/bench_int8.py stamps a verdict)")
