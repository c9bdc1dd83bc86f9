"""``camdetect dataset build`` and ``camdetect dataset check``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    ds = typer.Typer(help="Build an ultralytics dataset from panoramas + cameras, and check one.", no_args_is_help=True)

    @ds.command("build")
    def build(
        out: Path = typer.Option(..., "--out", help="Dataset folder to write (re-running resumes)."),
        panoramas: Path | None = typer.Option(None, "--panoramas", help="Manifest (CSV/JSONL) or folder of panoramas."),
        cameras: Path | None = typer.Option(None, "--cameras", help="Camera table (consensus) or Tag table."),
        images: Path | None = typer.Option(None, "--images", help="Photo mode: folder of images that are already views."),
        tags: Path | None = typer.Option(None, "--tags", help="Photo mode: Tag table with boxes on those images."),
        ignore: Path | None = typer.Option(None, "--ignore", help="Camera table of cameras in doubt (labels consensus "
                                           "--doubtful): greyed out in every image, neither label nor negative."),
        views: Path | None = typer.Option(None, "--views", help="View plan YAML (default configs/views/default.yaml)."),
        negatives_ratio: float = typer.Option(1.0, "--negatives-ratio", help="Negative images per positive image (-1: all)."),
        tile: int = typer.Option(0, "--tile", help="Cut views into overlapping tiles of N px (0: off)."),
        min_visible: float = typer.Option(0.6, "--min-visible", help="Share of a box inside an image to label it."),
        classes: str = typer.Option("type", "--classes", help="Detector classes: type | type_mount | camera."),
        block_m: float = typer.Option(250.0, "--block-m", help="Spatial split block size in metres (0: by intersection)."),
        val: float = typer.Option(0.15, "--val", help="Share of views in val."),
        test: float = typer.Option(0.15, "--test", help="Share of views in test."),
        seed: int = typer.Option(0, "--seed", help="Seed for splits and negative sampling."),
        splits_from: Path | None = typer.Option(None, "--splits-from", help="A dataset of the same panoramas whose "
                                                "views.csv fixes each intersection's split (e.g. truth vs crowd "
                                                "labels measured on the same held-out intersections)."),
        no_crops: bool = typer.Option(False, "--no-crops", help="Skip the context crops for the attribute classifier."),
    ) -> None:
        """Cut views, project camera boxes, split by intersection/area, write images, labels, crops and a card.

        Example: camdetect dataset build --panoramas city/manifest.csv --cameras city/truth/cameras.csv --out runs/ds/city
        """
        from camdetect.dataset.build import BuildOptions, build_dataset
        from camdetect.dataset.splits import SplitPlan
        from camdetect.geometry import ViewPlan

        opts = BuildOptions(plan=ViewPlan.from_yaml(views), negatives_ratio=negatives_ratio, tile=tile,
                            min_visible=min_visible, classes=classes,
                            split=SplitPlan(1.0 - val - test, val, test, block_m, seed), crops=not no_crops,
                            splits_from=str(splits_from) if splits_from else "")
        command = "camdetect " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        s = build_dataset(out, panoramas=panoramas, cameras=cameras, images=images, tags=tags, opts=opts,
                          command=command, ignore=ignore)
        sp = s["splits"]
        typer.echo(f"{out}: " + ", ".join(f"{k} {v['images']} images / {v['boxes']} boxes" for k, v in sp.items())
                   + f"; written {s['write']['written']}, resumed {s['write']['skipped']}; hash {s['hash']}")
        for w in s["warnings"]:
            typer.echo(f"warning: {w}", err=True)

    @ds.command("merge")
    def merge(
        sources: list[Path] = typer.Argument(..., help="Dataset folders to merge (train and val splits)."),
        out: Path = typer.Option(..., "--out", help="Merged dataset folder to write."),
    ) -> None:
        """Merge datasets' train and val splits into one (hard links; class ids remapped by name; test splits
        stay out). Example: camdetect dataset merge runs/ds/city runs/ds/reviewed --out runs/ds/round2
        """
        from camdetect.dataset.merge import merge_datasets

        try:
            done = merge_datasets(sources, out)
        except (FileNotFoundError, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"{out}: " + "; ".join(f"{k}: " + ", ".join(f"{s} {n}" for s, n in v.items())
                                          for k, v in done.items()))

    @ds.command("check")
    def check(
        directory: Path = typer.Argument(..., help="Dataset folder (data.yaml, images/, labels/)."),
        strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    ) -> None:
        """Report corrupt images, bad label lines, out-of-range boxes and cross-split duplicates (file:line).

        Exit code 1 when errors are found (2 on bad input).

        Example: camdetect dataset check runs/ds/city
        """
        from camdetect.dataset.check import check_dataset

        problems = check_dataset(directory, progress=True)
        for p in problems:
            typer.echo(str(p))
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        typer.echo(f"{directory}: {errors} error(s), {warnings} warning(s)")
        if errors or (strict and warnings):
            raise typer.Exit(1)

    @ds.command("manifest")
    def manifest(
        data: Path = typer.Option(..., "--data", help="Dataset folder (views.csv)."),
        manifest: Path = typer.Option(..., "--manifest", help="The city's scoring manifest (CSV)."),
        out: Path = typer.Option(..., "--out", help="Manifest to write (beside --manifest: image paths are relative)."),
        split: str = typer.Option("test", "--split", help="train | val | test."),
    ) -> None:
        """Manifest of the intersections in one split, to score and evaluate whole held-out panoramas.

        Example: camdetect dataset manifest --data runs/ds/city --manifest city/manifest.csv --out city/manifest_test.csv
        """
        from camdetect.dataset.manifest import split_manifest

        n = split_manifest(data, manifest, out, split)
        typer.echo(f"{out}: {n} panoramas of the {split} split")

    app.add_typer(ds, name="dataset")
