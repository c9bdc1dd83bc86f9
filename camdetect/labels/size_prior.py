"""Point -> box size prior: the angular size of a camera when a volunteer only gave a point.

Decoders volunteers tag a point on the Street View sphere, not a box. A detector needs boxes, so
training boxes are derived from points with a documented prior and marked ``weak=True`` (the dataset
stage may down-weight or drop them). The numbers come from Stanford's 2,021 human-drawn boxes on
640 x 640, 90-degree-FOV Street View crops (CAMERAS.md): one pixel there is 90 / 640 = 0.1406 deg.

| type    | median box (px) | prior (deg, w x h) | why                                  |
|---------|-----------------|--------------------|--------------------------------------|
| dome    | 12 x 9          | 1.69 x 1.27        | hemispheres are wider than tall      |
| bullet  | 8 x 9           | 1.13 x 1.27        | narrow cylinders seen end-on / side  |
| unknown | 9 x 9           | 1.27 x 1.27        | the overall median                   |

``scale`` widens the prior (e.g. 1.5 to be sure the box covers the camera when the point is a
volunteer's imprecise click); it multiplies both sides.
"""

from __future__ import annotations

import math

from camdetect.records import View

STANFORD_DEG_PER_PX = 90.0 / 640.0
MEDIAN_PX: dict[str, tuple[float, float]] = {"dome": (12.0, 9.0), "bullet": (8.0, 9.0), "unknown": (9.0, 9.0)}
SIZE_PRIOR_DEG: dict[str, tuple[float, float]] = {
    k: (w * STANFORD_DEG_PER_PX, h * STANFORD_DEG_PER_PX) for k, (w, h) in MEDIAN_PX.items()
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
