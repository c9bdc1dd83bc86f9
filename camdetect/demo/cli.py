"""Registers the top-level ``camdetect demo`` command (heavy work runs in stage subprocesses)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("runs/demo"), "--out", help="Folder for everything the demo writes."),
        intersections: int = typer.Option(None, "--intersections", "-n", help="Override the city size."),
        seed: int = typer.Option(1, "--seed", help="Seed for the city, volunteers, splits and training."),
        quick: bool = typer.Option(False, "--quick", help="Tiny sizes (configs/demo.yaml 'quick'): a smoke run."),
        epochs: int = typer.Option(None, "--epochs", help="Override the training epochs."),
        force: bool = typer.Option(False, "--force", help="Re-run stages whose outputs already exist."),
        config: Path = typer.Option(None, "--config", help="Sizes YAML (default configs/demo.yaml)."),
        ignore_doubtful: bool = typer.Option(None, "--ignore-doubtful/--no-ignore-doubtful",
                                             help="Grey out candidates the consensus rejected instead of using "
                                                  "their views as negatives (default: configs/demo.yaml)."),
        labels: str = typer.Option(None, "--labels", help="Train on 'consensus' (the volunteers' majority), 'lean' "
                                   "(+ simulated yes/no verification of disputed candidates; configs/demo.yaml's "
                                   "default) or 'truth' (the city's boxes: the ceiling for the crowd recipes)."),
        weights: Path = typer.Option(None, "--weights", help="Checkpoint to fine-tune instead of the shipped model, "
                                     "e.g. models/camdetect-wide.pt (built at its own width; its .onnx beside it, "
                                     "if any, scores round 0)."),
        splits_from: Path = typer.Option(None, "--splits-from", help="Another demo's dataset (OUT/ds): keep each "
                                         "intersection in its split there (same held-out intersections)."),
        review_round: bool = typer.Option(None, "--review-round/--no-review-round",
                                          help="Run the review round (default: configs/demo.yaml)."),
        baseline: bool = typer.Option(None, "--baseline/--no-baseline", help="Also score the held-out panoramas "
                                      "with the shipped model as it is (default: yes)."),
        refine_boxes: str = typer.Option(None, "--refine-boxes", help="Detector ONNX that sizes the crowd's point "
                                         "boxes before training (labels refine-boxes); 'none': the size prior's "
                                         "boxes (default: configs/demo.yaml)."),
    ) -> None:
        """Run the main job end to end on a synthetic city and print the key numbers.

        Stages whose outputs exist are skipped (resumable) unless --force.

        Example: camdetect demo --out runs/demo --intersections 36 --seed 1
        """
        from camdetect.demo.pipeline import DemoSettings, run_demo

        if labels not in (None, "consensus", "lean", "truth"):
            raise ValueError(f"--labels must be consensus, lean or truth, got {labels!r}")
        if weights is not None and not weights.is_file():
            raise ValueError(f"{weights}: --weights checkpoint not found")
        settings = DemoSettings.load(config, quick=quick, intersections=intersections, epochs=epochs, seed=seed,
                                     ignore_doubtful=ignore_doubtful, labels=labels, review_round=review_round,
                                     splits_from=str(splits_from) if splits_from else None,
                                     baseline=baseline, weights=str(weights.resolve()) if weights else None,
                                     refine_boxes=None if refine_boxes is None else
                                     ("" if refine_boxes.lower() == "none" else refine_boxes))
        code = run_demo(out, settings, force=force)
        if code:
            raise typer.Exit(code)
