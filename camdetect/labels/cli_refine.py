"""``camdetect labels refine-boxes``: the crowd's point cameras get boxes sized by a detector."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def refine_boxes_cmd(
    cameras: Path = typer.Argument(..., help="Camera table CSV (labels consensus, or a lean / truth table)."),
    panoramas: Path = typer.Option(..., "--panoramas", help="Panorama manifest (or folder) the cameras' images are in."),
    model: Path = typer.Option(..., "--model", help="Detector ONNX (camdetect export): the current model."),
    out: Path = typer.Option(..., "--out", "-o", help="Camera table CSV to write."),
    conf: float = typer.Option(0.01, "--conf", help="Lowest detection score that may give a box."),
    grow: float = typer.Option(0.25, "--grow", help="The prior box grown by this share per side must hold the "
                               "detection's centre."),
    px_per_deg: float = typer.Option(0.0, "--px-per-deg", help="Scale of the crops (0: the view plan's, "
                                     "configs/views/default.yaml: 640 px / 48 deg)."),
    threads: int = typer.Option(0, "--threads", help="ONNX Runtime threads (0: its default)."),
) -> None:
    """Give every point-only camera (a Decoders tag: a direction, no box) the box a detector finds there.

    Cameras with a drawn box are kept as they are; a camera the detector sees nothing at keeps the size
    prior's box. Writes OUT and OUT's stem + ``.json`` (counts). Example: camdetect labels refine-boxes
    runs/labels/cameras.csv --panoramas runs/city/manifest.csv --model models/camdetect-default.onnx
    --out runs/labels/cameras_refined.csv
    """
    from tqdm import tqdm

    from camdetect.dataset.sources import load_cameras, load_panoramas
    from camdetect.durable import atomic_write_text
    from camdetect.geometry import ViewPlan
    from camdetect.labels.box_refine import RefineConfig, is_point_camera, panorama_loader, refine_cameras
    from camdetect.records import Camera, write_table
    from camdetect.scoring.detector import OnnxDetector

    if not model.is_file():
        raise FileNotFoundError(f"{model}: no such detector ONNX")
    config = RefineConfig(conf=conf, grow=grow)
    rows = load_cameras(cameras)
    detector = OnnxDetector(model, threads=threads or None)
    size = int(min(detector.imgsz))
    if px_per_deg <= 0:
        plan = ViewPlan.from_yaml()
        px_per_deg = plan.width / plan.fov
    images = {c.image for c in rows if is_point_camera(c)}
    with tqdm(total=len(images), desc="refine boxes", unit="image") as bar:
        refined, stats = refine_cameras(rows, panorama_loader(load_panoramas(panoramas)),
                                        lambda crops: detector.predict(crops, conf=config.conf), size, px_per_deg,
                                        config, on_image=bar.update)
    if stats.point_cameras and stats.no_panorama == stats.point_cameras:
        raise ValueError(f"{cameras}: none of its cameras' images is a panorama of {panoramas} (the keys differ: "
                         "camera `image` must be the manifest's pano_id); nothing written")
    write_table(out, refined, Camera)
    report = {**stats.as_dict(), "model": str(model), "crop_px": size, "px_per_deg": px_per_deg,
              "config": {"conf": conf, "grow": grow}}
    atomic_write_text(out.with_suffix(".json"), json.dumps(report, indent=1))
    typer.echo(f"{stats.refined} of {stats.point_cameras} point cameras got the detector's box "
               f"({stats.kept_prior} kept the prior, {stats.no_panorama} not on a given panorama) -> {out}")


def register(labels_app: typer.Typer) -> None:
    labels_app.command("refine-boxes")(refine_boxes_cmd)
