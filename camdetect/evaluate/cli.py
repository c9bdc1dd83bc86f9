"""``camdetect eval``: metrics, review-effort curve and report for a model or for ready predictions."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

DEFAULT_EFFORT = Path("configs/effort/default.yaml")


def eval_command(
    model: Path | None = typer.Option(None, "--model", "-m",
                                         help="models/NAME.onnx, runs/train/NAME or a .pt file."),
    predictions: Path | None = typer.Option(None, "--predictions", "-p",
                                               help="JSONL of Suggestion rows already made (e.g. by the scorer)."),
    data: Path | None = typer.Option(None, "--data", "--truth", "-d",
                                        help="Truth: a dataset dir (views.csv + boxes.csv) or a boxes.csv Tag table."),
    split: str = typer.Option("test", help="Split of views.csv to evaluate ('all' for every split)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output dir for report.json/.md/.html and plots/."),
    effort: Path | None = typer.Option(None, "--effort",
                                          help=f"Effort-model YAML (default {DEFAULT_EFFORT} when present)."),
    conf: float = typer.Option(0.25, help="Score threshold for the type/mount confusion matrices."),
    pred_conf: float = typer.Option(0.001, help="Score threshold when running --model (low: AP needs the tail)."),
    nms_iou: float = typer.Option(0.7, help="NMS IoU when running --model."),
    imgsz: int | None = typer.Option(None, help="Inference size for .pt models (default: the run's imgsz)."),
    batch: int = typer.Option(8, help="Images per inference batch."),
    threads: int | None = typer.Option(None, help="CPU threads for inference."),
    classes: str | None = typer.Option(None, help="Comma-separated detector class names for --predictions "
                                                     "(default: the taxonomy's detector_classes)."),
    manifest: Path | None = typer.Option(None, help="Panorama mode: manifest of the panoramas that were scored "
                                                       "(default: the city's manifest.csv)."),
) -> None:
    """Evaluate a detector: COCO mAP, AP by size, type/mount confusion, calibration, review-effort curve.

    Runs --model on the --data split (predictions saved to OUT/predictions.jsonl, resumable), or reads
    --predictions made earlier; images without predictions still count. With --truth CITY_DIR (or its
    truth/cameras.csv) the scorer's view suggestions are mapped onto whole panoramas, so every camera
    counts once and every suggestion counts: the honest review-effort measurement.

    Example: camdetect eval --model runs/train/tiny --data runs/dataset/city --split test --out runs/eval/tiny
    """
    from camdetect.evaluate.effort import EffortModel
    from camdetect.evaluate.panorama import find_city_truth
    from camdetect.evaluate.samples import align, load_dataset_truth, load_suggestions_jsonl, used_classes
    from camdetect.taxonomy import load_taxonomy

    if (model is None) == (predictions is None):
        raise ValueError("give exactly one of --model or --predictions")
    if data is None:
        raise ValueError("--data (or --truth) is required: the dataset dir or boxes.csv with the ground truth")
    effort_path = effort or (DEFAULT_EFFORT if DEFAULT_EFFORT.exists() else None)
    effort_model = EffortModel.from_yaml(effort_path) if effort_path else EffortModel()
    tax = load_taxonomy()
    city = find_city_truth(data)
    if city is not None:  # whole panoramas: the scorer's suggestions against the city's cameras
        if manifest is not None:
            if not manifest.exists():
                raise FileNotFoundError(f"{manifest}: manifest not found")
            city = (city[0], manifest)
        if model is None:
            es, extra = _panorama_set(city, predictions, classes, tax)
            return _finish(es, data=data, split="panoramas", source=str(predictions), pred_path=predictions,
                           effort_path=effort_path, effort_model=effort_model, conf=conf, tax=tax, out=out,
                           extra_meta=extra)
        raise ValueError(f"{data}: panorama truth needs --predictions from `camdetect score`; "
                         "--model evaluates on a dataset dir (views.csv + boxes.csv)")
    truth = load_dataset_truth(data, split)
    root = data if data.is_dir() else data.parent
    if model is not None:
        from camdetect.evaluate.predict import predict_to_jsonl

        pred_path, types = predict_to_jsonl(model, root, [(t.image, t.intersection) for t in truth],
                                            out / "predictions.jsonl", conf=pred_conf, iou=nms_iou, imgsz=imgsz,
                                            batch=batch, threads=threads, mount_min_score=conf)
        source = str(model)
    else:
        types = tuple(c.strip() for c in classes.split(",")) if classes else tuple(tax.detector_classes)
        pred_path, source = predictions, str(predictions)
    preds = load_suggestions_jsonl(pred_path, types)
    if model is None and not classes:
        types = used_classes(types, preds, truth)
    es = align(truth, preds, types, source=str(pred_path), truth_source=str(data))
    _finish(es, data=data, split=split, source=source, pred_path=pred_path, effort_path=effort_path,
            effort_model=effort_model, conf=conf, tax=tax, out=out)


def _panorama_set(city, predictions: Path, classes: str | None, tax):
    from camdetect.evaluate.panorama import (
        cameras_outside_plan,
        load_panorama_truth,
        read_suggestion_rows,
        scored_view_plan,
        suggestions_on_panoramas,
    )
    from camdetect.evaluate.samples import align, used_classes

    cameras_csv, manifest = city
    types = tuple(c.strip() for c in classes.split(",")) if classes else tuple(tax.detector_classes)
    truth, headings = load_panorama_truth(cameras_csv, manifest)
    preds = suggestions_on_panoramas(read_suggestion_rows(predictions), truth, headings, types)
    if not classes:
        types = used_classes(types, preds, truth)
    extra = {}
    plan = scored_view_plan(predictions)
    if plan is not None:  # the scorer said which views it cut: cameras outside all of them are out of reach
        outside = cameras_outside_plan(truth, headings, plan)
        extra = {"view_plan": plan.to_dict(), "cameras_outside_views": outside}
    return align(truth, preds, types, source=str(predictions), truth_source=str(cameras_csv)), extra


def warn_unmatched(es, pred_path, data) -> None:
    """One stderr line when some prediction images have no truth image (they are left out), or when
    the predictions hold no image at all (every truth camera then counts as missed)."""
    if es.n_prediction_images == 0:
        typer.echo(f"warning: {pred_path}: no predictions at all; every camera in {data} counts as missed",
                   err=True)
    elif es.unmatched_prediction_images:
        typer.echo(f"warning: {pred_path}: {es.unmatched_prediction_images} of {es.n_prediction_images} prediction "
                   f"images are not in {data} and are left out (e.g. {es.unmatched_example!r})", err=True)


def _finish(es, *, data, split, source, pred_path, effort_path, effort_model, conf, tax, out,
            extra_meta: dict | None = None) -> None:
    from camdetect.evaluate.report import EvalOptions, evaluate, write_report

    warn_unmatched(es, pred_path, data)

    meta = {"model": source, "data": str(data), "split": split, "predictions": str(pred_path),
            "effort_config": str(effort_path) if effort_path else "built-in defaults",
            "command": "camdetect " + " ".join(shlex.quote(a) for a in sys.argv[1:])
            if Path(sys.argv[0]).name == "camdetect" else "", **(extra_meta or {})}
    result, objects = evaluate(es, tuple(tax.types), tuple(tax.mounts),
                               EvalOptions(conf=conf, effort=effort_model), meta)
    paths = write_report(result, objects, out)
    c, e = result["coco"], result["effort"]

    def f(x):
        return "n/a" if x is None else f"{x:.3f}"

    typer.echo(f"mAP50 {f(c['mAP50'])}  mAP50-95 {f(c['mAP50_95'])}  AP_small {f(c['coco_area']['small']['AP'])}  "
               f"max camera recall {e['max_recall']:.1%}")
    outside = result["meta"].get("cameras_outside_views")
    if outside:
        typer.echo(f"{len(outside)} of {e['n_cameras']} cameras are in no view the scorer cut ({', '.join(outside[:5])}): "
                   f"no detector scoring these views can find them (a view plan with an upper ring can, "
                   "configs/views/two-rings.yaml)")
    for t in e["at_targets"]:
        typer.echo(f"recall {t['target_recall']:.0%}: " + (
            f"effort saved {t['saved']:.1%} at threshold {f(t['threshold'])} "
            f"({t['suggestions_per_intersection']:.2f} suggestions/intersection)" if t["reached"] else t["note"]))
    typer.echo(f"report: {paths['html']}")


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
