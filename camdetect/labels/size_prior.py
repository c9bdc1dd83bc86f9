"""Point -> box size prior: the angular size of a camera when a volunteer only gave a point.

Decoders volunteers tag a point on the Street View sphere, not a box. A detector needs boxes, so
training boxes are derived from points with a documented prior and marked ``weak=True`` (the dataset
stage may down-weight or drop them). The prior is the median angular size of Stanford's 2,021
human-drawn boxes (640 x 640, 90-degree FOV Street View crops, pitch 0), each box projected to the
sphere with :func:`camdetect.geometry.view_box_to_sphere` (:func:`measure_prior` reproduces it):

| type    | median box (px) | prior (deg, w x h) | why                                  |
|---------|-----------------|--------------------|--------------------------------------|
| dome    | 12 x 9          | 1.59 x 1.25        | hemispheres are wider than tall      |
| bullet  | 8 x 9           | 1.04 x 1.30        | narrow cylinders                     |
| unknown | 9 x 9           | 1.28 x 1.28        | all 2,021 boxes (CAMERAS.md: ~1.27)  |

Look-alike and other types use the ``unknown`` row. ``scale`` widens the prior (e.g. 1.5 so the
box surely covers the camera despite a volunteer's imprecise click); it multiplies both sides.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

from camdetect.records import Tag, View

# measure_prior(Stanford meta.csv tags), rounded; see the module docstring and docs/labels_consensus.md.
SIZE_PRIOR_DEG: dict[str, tuple[float, float]] = {
    "dome": (1.587, 1.246),
    "bullet": (1.042, 1.303),
    "unknown": (1.283, 1.275),
}


def point_box(type_: str = "unknown", scale: float = 1.0) -> tuple[float, float]:
    """Angular size ``(ang_w, ang_h)`` in degrees of a camera of ``type_`` (unknown types: median)."""
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"size prior scale must be a positive number, got {scale!r}")
    w, h = SIZE_PRIOR_DEG.get(type_, SIZE_PRIOR_DEG["unknown"])
    return w * scale, h * scale


def weak_view_box(view: View, heading: float, pitch: float, type_: str = "unknown",
                  scale: float = 1.0) -> tuple[float, float, float, float] | None:
    """Weak xyxy box on ``view`` for a camera point, or None when the point is not visible there."""
    from camdetect.geometry import sphere_box_to_view

    ang_w, ang_h = point_box(type_, scale)
    return sphere_box_to_view(view, heading, pitch, ang_w, ang_h)


def weak_pano_box(heading: float, pitch: float, W: int, H: int, type_: str = "unknown",
                  scale: float = 1.0, pano_heading: float = 0.0) -> tuple[float, float, float, float]:
    """Weak panorama box (unwrapped at the seam) for a camera point."""
    from camdetect.geometry import sphere_to_pano_box

    ang_w, ang_h = point_box(type_, scale)
    return tuple(float(v) for v in sphere_to_pano_box(heading, pitch, ang_w, ang_h, W, H, pano_heading))


def measure_prior(tags: Iterable[Tag]) -> dict[str, tuple[float, float, int]]:
    """Median angular (w, h) and count per type of box tags whose view is known; "unknown" = all.

    ``python -c "from camdetect.labels.importers import import_labels as i; from camdetect.labels.size_prior
    import measure_prior as m; print(m(i('stanford', '../shared/data/stanford-surveilling-surveillance').tags))"``
    """
    from camdetect.geometry import view_box_to_sphere

    sizes: dict[str, list[tuple[float, float]]] = {}
    for t in tags:
        if t.kind != "tag" or math.isnan(t.x1) or math.isnan(t.view_fov) or not t.image_width or not t.image_height:
            continue
        view = View(t.image, 0.0 if math.isnan(t.view_heading) else t.view_heading,
                    0.0 if math.isnan(t.view_pitch) else t.view_pitch, t.view_fov, t.image_width, t.image_height)
        _, _, w, h = view_box_to_sphere(view, t.box)
        sizes.setdefault(t.type, []).append((w, h))
        if t.type != "unknown":
            sizes.setdefault("unknown", []).append((w, h))
    return {k: (statistics.median(w for w, _ in v), statistics.median(h for _, h in v), len(v))
            for k, v in sorted(sizes.items())}
