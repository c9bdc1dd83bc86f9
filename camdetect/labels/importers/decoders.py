"""Amnesty Decoders (Decode Surveillance) ``cameras.csv`` + ``counts.csv``.

cameras.csv has one row per volunteer tag: a point on the Street View sphere where the volunteer
looked when tagging (``Pov.heading``, ``Pov.pitch``, ``Pov.zoom``) at one intersection, with
``Type`` (only for street-furniture cameras), ``Attached`` and a free-text ``Title``. counts.csv has
one row per (volunteer, intersection) submission, including the many with no camera: it is the only
record of who looked and found nothing, which consensus needs, so every row becomes a ``seen`` row.
Column meanings follow github.com/amnesty-crisis-evidence-lab/decode-surveillance-nyc (README).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from pathlib import Path

from camdetect.records import Tag

from .common import ImportContext, read_text, short, to_float

CAMERA_REQUIRED = ("DecoderId", "IntersectionId", "Pov.heading", "Pov.pitch")
COUNTS_REQUIRED = ("DecoderId", "IntersectionId")
MAX_ZOOM = 8.0  # Street View zooms 0..5 in practice; beyond 8 the FOV is under a degree


def zoom_fov(zoom: float) -> float:
    """Horizontal FOV of a Street View zoom level (NaN when the row has no zoom)."""
    if math.isnan(zoom):
        return math.nan
    from camdetect.geometry import zoom_to_fov

    return float(zoom_to_fov(zoom))


def _rows(path: Path, ctx: ImportContext, required: tuple[str, ...]):
    """Yield (line, row dict) of a CSV; a missing required column is one problem for the file."""
    text = read_text(path, ctx)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            ctx.problem("malformed file", path, 1, "empty file (no header)")
            return
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            ctx.problem("malformed file", path, 1, f"missing column(s) {', '.join(missing)}")
            return
        for values in reader:
            line = reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                ctx.problem("malformed row", path, line, f"{len(values)} fields, header has {len(header)}")
                if len(values) < len(header):
                    continue
            yield line, dict(zip(header, values))
    except csv.Error as exc:
        ctx.problem("malformed file", path, reader.line_num, f"CSV error ({exc})")


def _annotator(row: dict) -> str:
    return (row.get("DecoderId") or "").strip() or (row.get("DecoderGenericId") or "").strip()


def read(src: Path, ctx: ImportContext) -> None:
    """SRC is the folder holding cameras.csv (and counts.csv) or the cameras.csv file itself."""
    src = Path(src)
    if src.is_dir():
        cameras, counts = src / "cameras.csv", src / "counts.csv"
    else:
        cameras, counts = src, src.with_name("counts.csv")
    if not cameras.is_file():
        raise FileNotFoundError(f"{cameras}: Decoders cameras.csv not found")

    reported: dict = {}
    if counts.is_file():
        for line, row in _rows(counts, ctx, COUNTS_REQUIRED):
            annotator, inter = _annotator(row), (row.get("IntersectionId") or "").strip()
            if not annotator or not inter:
                ctx.problem("malformed row", counts, line, "empty DecoderId or IntersectionId")
                continue
            ctx.seen(inter, annotator, intersection=inter, time=(row.get("StartTime") or "").strip())
            reported[(inter, annotator)] = to_float(row.get("n_cameras"))
    else:
        ctx.problem("missing file", counts, None,
                    "counts.csv not found: volunteers who tagged nothing are unknown")

    tagged: Counter = Counter()
    for line, row in _rows(cameras, ctx, CAMERA_REQUIRED):
        annotator = _annotator(row)
        inter = (row.get("IntersectionId") or "").strip()
        if not annotator or not inter:
            ctx.problem("malformed row", cameras, line, "empty DecoderId or IntersectionId")
            continue
        heading, pitch = to_float(row.get("Pov.heading")), to_float(row.get("Pov.pitch"))
        if math.isnan(heading) or math.isnan(pitch) or not -90.0 <= pitch <= 90.0:
            ctx.problem("bad point", cameras, line,
                        f"bad Pov.heading/Pov.pitch {short(row.get('Pov.heading'))}/{short(row.get('Pov.pitch'))}")
            continue
        zoom = to_float(row.get("Pov.zoom"))
        if not math.isnan(zoom) and not 0.0 <= zoom <= MAX_ZOOM:
            ctx.problem("bad point", cameras, line, f"Pov.zoom {short(row.get('Pov.zoom'))} outside 0..{MAX_ZOOM:g}")
            zoom = math.nan
        raw_type = (row.get("Type") or "").strip()
        title = (row.get("Title") or "").strip()
        attached = (row.get("Attached") or "").strip()
        # Type is only filled for street-furniture cameras; Title names the type for the others.
        type_ = ctx.map_type(raw_type or title, cameras, line)
        mount = ctx.map_mount(attached or title, cameras, line)
        detail = ctx.taxonomy.mount_detail(attached)
        tag_id = (row.get("Id") or "").strip() or f"{(row.get('SubmissionId') or '').strip()}:{line}"
        ctx.add(Tag(
            source="decoders", image=inter, annotator=annotator, tag_id=tag_id, kind="tag",
            type=type_, mount=mount, mount_detail=detail, heading=heading % 360.0, pitch=pitch,
            view_heading=heading % 360.0, view_pitch=pitch, view_fov=zoom_fov(zoom),
            intersection=inter, time=(row.get("Createdtime") or "").strip(),
            raw_type=raw_type or title, raw_mount=attached,
        ))
        tagged[(inter, annotator)] += 1

    if reported:
        mismatch = sum(1 for key, n in reported.items() if not math.isnan(n) and int(n) != tagged.get(key, 0))
        if mismatch:
            ctx.counts["n_cameras differs from cameras.csv"] += mismatch
        missing = len(set(tagged) - set(reported))
        if missing:
            ctx.counts["tagged without counts row"] += missing
