"""``camdetect geometry ...``: cut one view out of a panorama, show the view plan and its numbers."""

from __future__ import annotations

from pathlib import Path

import typer

from camdetect.durable import atomic_path, atomic_write_text


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
    supersample: int = typer.Option(0, "--supersample", help="Render k x larger and area-average (0: automatic)."),
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
    if supersample < 0:
        raise ValueError(f"--supersample must be >= 0, got {supersample}")
    result = cut_view(image, view, pano_heading=pano_heading, supersample=supersample or None)
    with atomic_path(out, keep_suffix=True) as tmp:
        if not cv2.imwrite(str(tmp), result):
            raise ValueError(f"{out}: cannot write an image with this extension")
    typer.echo(f"wrote {out} ({width}x{height}, heading {view.heading:g}, pitch {pitch:g}, fov {fov:g})")


def plan(
    config: Path | None = typer.Option(None, "--config", help="View plan YAML (default configs/views/default.yaml)."),
    report: bool = typer.Option(False, "--report", help="Also print camera sizes (Stanford boxes) and coverage."),
    compare: bool = typer.Option(False, "--compare", help="With --report: also the candidate plans of docs/geometry.md."),
    meta: Path | None = typer.Option(None, "--meta", help="Stanford meta.csv for --report (default ../shared/data/...)."),
    json_out: Path | None = typer.Option(None, "--json", help="With --report: also write the numbers as JSON."),
    pano_id: str = typer.Option("PANO", "--pano-id", help="Panorama id used in the printed view ids."),
) -> None:
    """Print the views a plan cuts from each panorama (and, with --report, how big cameras become).

    Example: camdetect geometry plan --config configs/views/default.yaml --report --compare
    """
    from camdetect.geometry.planner import ViewPlan, plan_views

    vp = ViewPlan.from_yaml(config)
    views = plan_views(pano_id, vp)
    typer.echo(f"plan: {vp.views_per_pano} views/panorama, pitch {vp.pitch:g}{vp.upper_text()}, fov {vp.fov:g}, "
               f"{vp.width}x{vp.height} px, overlap {vp.overlap:g} deg")
    for v in views:
        typer.echo(f"  {v.view_id}")
    if not report:
        return
    import json

    from camdetect.geometry.report import (
        CANDIDATES,
        format_report,
        load_stanford_boxes,
        plan_report,
        stanford_summary,
    )

    boxes = load_stanford_boxes(meta)
    plans = {"stanford (4 x 90 deg, pitch 0)": CANDIDATES["stanford (4 x 90 deg, pitch 0)"],
             f"this plan ({config or 'configs/views/default.yaml'})": vp}
    if compare:
        plans.update({k: p for k, p in CANDIDATES.items() if p != vp and not k.startswith("stanford")})
    rows = [plan_report(p, boxes, name) for name, p in plans.items()]
    summary = stanford_summary(boxes)
    typer.echo("")
    typer.echo(format_report(rows, summary))
    if json_out is not None:
        atomic_write_text(json_out, json.dumps({"stanford": summary, "plans": rows}, indent=2))
        typer.echo(f"wrote {json_out}")


def figure(
    pano: Path | None = typer.Argument(None, help="Panorama image; omitted: a drawn heading/pitch grid."),
    out: Path = typer.Option(Path("docs/img/geometry_views.png"), "--out", help="Output PNG."),
    config: Path | None = typer.Option(None, "--config", help="View plan YAML (default configs/views/default.yaml)."),
    pano_heading: float = typer.Option(0.0, "--pano-heading", help="Heading of the panorama's centre column."),
    sizes: Path | None = typer.Option(None, "--sizes", help="Also write the camera-size figure (needs Stanford meta.csv)."),
) -> None:
    """Draw a plan's view footprints on a panorama, with a few cut views underneath.

    Example: camdetect geometry figure --out docs/img/geometry_views.png --sizes docs/img/geometry_sizes.png
    """
    import cv2

    from camdetect.geometry.figure import grid_panorama, plan_figure
    from camdetect.geometry.planner import ViewPlan, plan_views
    from camdetect.records import View

    vp = ViewPlan.from_yaml(config)
    if pano is None:
        image = grid_panorama(pano_heading=pano_heading)
    else:
        if not pano.is_file():
            raise FileNotFoundError(f"{pano}: panorama not found")
        image = cv2.imread(str(pano), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{pano}: not a readable image")
    views = plan_views("figure", vp)
    seam = min(views, key=lambda v: abs(((v.heading - pano_heading) % 360) - 180))  # crosses the left/right edge
    cuts = [views[0], seam, View("figure", views[0].heading, 0.0, 90.0, 640, 640)]  # last: Stanford-style view
    plan_figure(image, vp, out, pano_heading, cuts)
    typer.echo(f"wrote {out}")
    if sizes is not None:
        from camdetect.geometry.report import CANDIDATES, load_stanford_boxes, size_figure

        plans = {"stanford 4 x 90 deg, pitch 0": CANDIDATES["stanford (4 x 90 deg, pitch 0)"],
                 f"plan {config or 'default'}": vp}
        size_figure(plans, load_stanford_boxes(), sizes)
        typer.echo(f"wrote {sizes}")


def register(app: typer.Typer) -> None:
    geometry_app = typer.Typer(help="Panorama geometry: cut views, view plans.", no_args_is_help=True)
    geometry_app.command("cut")(cut)
    geometry_app.command("plan")(plan)
    geometry_app.command("figure")(figure)
    app.add_typer(geometry_app, name="geometry")
