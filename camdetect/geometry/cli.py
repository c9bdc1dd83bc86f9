"""``camdetect geometry ...``: cut one view out of a panorama, show the view plan and its numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _parse_size(size: str) -> tuple[int, int]:
    try:
        w, h = (int(s) for s in size.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size must look like 640x640, got {size!r}") from None
    if w < 1 or h < 1:
        raise ValueError(f"--size must be positive, got {size!r}")
    return w, h


def cut(
    pano: Path = typer.Argument(..., help="Equirectangular panorama image (JPEG/PNG)."),
    heading: float = typer.Option(0.0, "--heading", help="View heading, degrees clockwise from north."),
    pitch: float = typer.Option(0.0, "--pitch", help="View pitch, degrees up from the horizon."),
    fov: float = typer.Option(90.0, "--fov", help="Horizontal field of view, degrees."),
    size: str = typer.Option("640x640", "--size", help="Output size WxH in pixels."),
    pano_heading: float = typer.Option(0.0, "--pano-heading", help="Heading of the panorama's centre column."),
    out: Path = typer.Option(..., "--out", help="Output image file (.jpg/.png)."),
) -> None:
    """Cut one perspective view out of an equirectangular panorama.

    Example: camdetect geometry cut pano.jpg --heading 90 --pitch 12 --fov 56 --size 640x640 --out view.jpg
    """
    import cv2

    from camdetect.geometry.cut import cut_view
    from camdetect.records import View

    width, height = _parse_size(size)
    if not pano.is_file():
        raise FileNotFoundError(f"{pano}: panorama not found")
    image = cv2.imread(str(pano), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"{pano}: not a readable image")
    if not 0 < fov < 180:
        raise ValueError(f"--fov must be in (0, 180), got {fov}")
    if not -90 <= pitch <= 90:
        raise ValueError(f"--pitch must be in [-90, 90], got {pitch}")
    view = View(pano.stem, heading % 360.0, pitch, fov, width, height)
    result = cut_view(image, view, pano_heading=pano_heading)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    if not cv2.imwrite(str(tmp), result):
        raise ValueError(f"{out}: cannot write an image with this extension")
    tmp.replace(out)
    typer.echo(f"wrote {out} ({width}x{height}, heading {view.heading:g}, pitch {pitch:g}, fov {fov:g})")


def plan(
    config: Optional[Path] = typer.Option(None, "--config", help="View plan YAML (default configs/views/default.yaml)."),
    report: bool = typer.Option(False, "--report", help="Also print camera sizes (Stanford boxes) and coverage."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="Stanford meta.csv for --report (default ../shared/data/...)."),
    pano_id: str = typer.Option("PANO", "--pano-id", help="Panorama id used in the printed view ids."),
) -> None:
    """Print the views a plan cuts from each panorama (and, with --report, how big cameras become).

    Example: camdetect geometry plan --config configs/views/default.yaml --report
    """
    from camdetect.geometry.planner import ViewPlan, plan_views

    vp = ViewPlan.from_yaml(config)
    views = plan_views(pano_id, vp)
    typer.echo(f"plan: {vp.n_headings} views/panorama, pitch {vp.pitch:g}, fov {vp.fov:g}, "
               f"{vp.width}x{vp.height} px, overlap {vp.overlap:g} deg")
    for v in views:
        typer.echo(f"  {v.view_id}")
    if report:
        from camdetect.geometry.report import format_report, plan_report, stanford_path

        path = meta if meta is not None else stanford_path()
        typer.echo(format_report([plan_report(vp, path, name=str(config or "default"))]))


def register(app: typer.Typer) -> None:
    geometry_app = typer.Typer(help="Panorama geometry: cut views, view plans.", no_args_is_help=True)
    geometry_app.command("cut")(cut)
    geometry_app.command("plan")(plan)
    app.add_typer(geometry_app, name="geometry")
